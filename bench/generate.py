"""A generated council, larger than the fixtures, for benchmarks and query-count tests.

``grow_council(factor)`` gives every plan section (factor - 1) more copies of each of its
actions, each copy with the original's leads and updates, and adds (factor - 1) copies of
every measure with its readings: a council ``factor`` times larger in actions, updates,
measures and readings, reporting in the same periods.
"""

from django.db import transaction

from plans.models import Action, Measure, QuarterlyUpdate, Reading


@transaction.atomic
def grow_council(factor: int) -> None:
    originals = list(Action.objects.prefetch_related("lead_posts", "updates"))
    for copy in range(1, factor):
        copies = Action.objects.bulk_create(
            Action(
                section_id=action.section_id,
                number=action.number + 1000 * copy,
                title=action.title,
                target_date=action.target_date,
                target_date_text=action.target_date_text,
                annual_programme=action.annual_programme,
            )
            for action in originals
        )
        Action.lead_posts.through.objects.bulk_create(
            Action.lead_posts.through(action_id=new.pk, post_id=post.pk)
            for action, new in zip(originals, copies, strict=True)
            for post in action.lead_posts.all()
        )
        QuarterlyUpdate.objects.bulk_create(
            QuarterlyUpdate(
                action=new,
                period_id=update.period_id,
                rag=update.rag,
                narrative=update.narrative,
                status=update.status,
            )
            for action, new in zip(originals, copies, strict=True)
            for update in action.updates.all()
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
