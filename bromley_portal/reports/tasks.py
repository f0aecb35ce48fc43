"""Report tasks. ``reports.render`` goes to the ``pdf`` queue (CELERY_TASK_ROUTES sends
``reports.*`` there); the two housekeeping tasks run on the default queue, so a dead or
busy PDF worker cannot stop the sweeper that notices it.

The tasks run what ``rendering.py`` does; ``services.py`` sends jobs here. Nothing here
imports ``services``, so dependencies point one way: services -> tasks -> rendering.
"""

import contextlib

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError
from django.conf import settings

from bromley_portal.reports import rendering

# A job another worker holds (running, heartbeat alive) is looked at again once a dead worker's
# heartbeat would have stopped; after this many looks, the other worker has it for good.
BUSY_RETRIES = 5


@shared_task(
    name="reports.render",
    bind=True,
    ignore_result=True,
    # Idempotent (rendering.run_job), so it may run again: acknowledged when it ends, and sent again
    # when its worker dies (CELERY_TASK_RETRY_ON_WORKER_LOST), after the dead attempt's heartbeat
    # has stopped, so the job can be taken over.
    acks_late=True,
    reject_on_worker_lost=True,
    retry_on_worker_lost=True,
    max_retries=BUSY_RETRIES,
    default_retry_delay=settings.REPORTS_HEARTBEAT_TIMEOUT + settings.REPORTS_HEARTBEAT_SECONDS,
)
def render(self, job_id: int) -> str:
    """Render a job's report. Takes the job's id; safe to run twice (see rendering.run_job)."""
    outcome = rendering.run_job(job_id)
    if outcome == "busy" and not self.request.is_eager:
        # Running with a live heartbeat: another worker has it, or a worker died so recently that its
        # heartbeat has not stopped yet. Look again once it would have; quietly give up when it never does.
        with contextlib.suppress(MaxRetriesExceededError):
            raise self.retry()
    return outcome


@shared_task(name="reports.fail_stuck_jobs", ignore_result=True, queue=settings.CELERY_TASK_DEFAULT_QUEUE)
def fail_stuck_jobs() -> int:
    """The beat's sweeper: jobs a killed worker will never finish are marked failed, to be retried."""
    return rendering.fail_stuck_jobs()


@shared_task(name="reports.clean_up", ignore_result=True, queue=settings.CELERY_TASK_DEFAULT_QUEUE)
def clean_up() -> int:
    """The beat's nightly clean-up of old ad-hoc reports; published committee papers are kept."""
    return rendering.clean_up_old_reports()
