"""A generated council, larger than the fixtures, for benchmarks and query-count tests.

``grow_council(factor)`` gives every plan section (factor - 1) more copies of each of its actions,
each copy with the original's details, leads, measures of success and updates, and adds
(factor - 1) copies of every measure with its readings: a council ``factor`` times larger in
actions, updates, measures and readings, reporting in the same periods. The copies are written by
plans.builders, the one way plans are written, in bulk.
"""

from django.db import transaction

from plans.builders import ActionSpec, DetailSpec, LeadSpec, SectionSpec, UpdateSpec, write_actions
from plans.models import Measure, PlanSection, Reading

COPY_STEP = 1000  # copy n of action 4 is action 1000 * n + 4


def copy_spec(action, number) -> ActionSpec:
    return ActionSpec(
        number=number,
        title=action.title,
        commitment=action.commitment,
        details=[
            DetailSpec(
                letter=detail.letter,
                text=detail.text,
                measures=[measure.text for measure in detail.measures_of_success.all()],
                target_date=detail.target_date,
                annual_programme=detail.annual_programme,
                leads=[
                    LeadSpec(post=lead.post.title, written_as=lead.written_as) for lead in detail.leads.all()
                ],
            )
            for detail in action.details.all()
        ],
        updates=[
            UpdateSpec(period=update.period, narrative=update.narrative, rag=update.rag, status=update.status)
            for update in action.updates.all()
        ],
    )


@transaction.atomic
def grow_council(factor: int) -> None:
    sections = PlanSection.objects.select_related("plan", "ambition").prefetch_related(
        "actions__details__leads__post",
        "actions__details__measures_of_success",
        "actions__updates__period",
    )
    for section in sections:
        originals = [action for action in section.actions.all() if action.number < COPY_STEP]
        copies = [
            copy_spec(action, action.number + COPY_STEP * copy)
            for copy in range(1, factor)
            for action in originals
        ]
        if copies:
            write_actions(
                section.plan,
                [
                    SectionSpec(
                        number=section.number, title=section.title, ambition=section.ambition, actions=copies
                    )
                ],
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
