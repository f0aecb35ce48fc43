"""A generated council, larger than the fixtures, for benchmarks and query-count tests.

``grow_council(factor)`` gives every plan section (factor - 1) more copies of each of its actions,
each copy with the original's details, leads, measures of success and updates (with their notes on
details), numbered on from the section's last action as a long plan would number them (a section of
30 actions at 100x ends at action 3,000, where copies a thousand apart reached 99,030), and adds
(factor - 1) copies of every measure with its readings: a council ``factor`` times larger in
actions, updates, measures and readings, reporting in the same periods. The copies are written by
plans.builders, the one way plans are written, in bulk.
"""

from django.db import transaction

from plans import counts
from plans.builders import ActionSpec, UpdateSpec, action_spec_from, section_spec_from, write_actions
from plans.models import Measure, PlanSection, Reading


def copy_spec(action, number) -> ActionSpec:
    """A copy of an action (details, leads, measures, and updates with their notes on details) under
    another number."""
    index = {detail.pk: position for position, detail in enumerate(action.details.all())}
    updates = [
        UpdateSpec(
            period=update.period,
            narrative=update.narrative,
            notes={index[note.detail_id]: note.narrative for note in update.notes.all()},
            rag=update.rag,
            status=update.status,
        )
        for update in action.updates.all()
    ]
    return action_spec_from(action, number=number, updates=updates)


@transaction.atomic
@counts.batched  # the stored counts refreshed once, at the end, in the same transaction
def grow_council(factor: int) -> None:
    sections = PlanSection.objects.select_related("plan", "ambition").prefetch_related(
        "actions__details__leads__post",
        "actions__details__measures_of_success",
        "actions__updates__period",
        "actions__updates__notes",
        "actions__portfolios",
    )
    for section in sections:
        originals = list(section.actions.all())
        last = max((action.number for action in originals), default=0)
        copies = [
            copy_spec(action, number)
            for number, action in enumerate(
                (action for _ in range(1, factor) for action in originals), start=last + 1
            )
        ]
        if copies:
            write_actions(
                section.plan,
                [section_spec_from(section, copies)],
                reason=f"Benchmark council, {factor} times larger",
            )
    for measure in list(Measure.objects.prefetch_related("readings", "ambitions")):
        for copy in range(1, factor):
            new_measure = Measure.objects.create(
                slug=f"{measure.slug}-{copy}",
                name=f"{measure.name} ({copy})",
                definition=measure.definition,
                unit=measure.unit,
                polarity=measure.polarity,
                frequency=measure.frequency,
                tolerance=measure.tolerance,
            )
            new_measure.ambitions.set(measure.ambitions.all())
            Reading.objects.bulk_create(
                Reading(
                    measure=new_measure,
                    period_id=reading.period_id,
                    actual=reading.actual,
                    target=reading.target,
                    england=reading.england,
                    london=reading.london,
                )
                for reading in measure.readings.all()
            )
