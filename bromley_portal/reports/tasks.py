"""Report tasks. ``reports.render`` goes to the ``pdf`` queue (CELERY_TASK_ROUTES sends
``reports.*`` there); the two housekeeping tasks run on the default queue, so a dead or
busy PDF worker cannot stop the sweeper that notices it.

The tasks run what ``rendering.py`` does; ``services.py`` sends jobs here. Nothing here
imports ``services``, so dependencies point one way: services -> tasks -> rendering.
"""

from celery import shared_task
from django.conf import settings

from bromley_portal.reports import rendering


@shared_task(name="reports.render", ignore_result=True, acks_late=True)
def render(job_id: int) -> str:
    """Render a job's report. Takes the job's id; safe to run twice (see rendering.run_job)."""
    return rendering.run_job(job_id)


@shared_task(name="reports.fail_stuck_jobs", ignore_result=True, queue=settings.CELERY_TASK_DEFAULT_QUEUE)
def fail_stuck_jobs() -> int:
    """The beat's sweeper: jobs a killed worker will never finish are marked failed, to be retried."""
    return rendering.fail_stuck_jobs()


@shared_task(name="reports.clean_up", ignore_result=True, queue=settings.CELERY_TASK_DEFAULT_QUEUE)
def clean_up() -> int:
    """The beat's nightly clean-up of old ad-hoc reports; published committee papers are kept."""
    return rendering.clean_up_old_reports()
