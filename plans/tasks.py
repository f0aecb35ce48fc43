import logging
import uuid
from datetime import date
from pathlib import Path

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from plans import counts, import_jobs, notices, reminders
from plans.choices import ImportStatus
from plans.models import PlanImportJob

logger = logging.getLogger(__name__)


@shared_task(name="plans.send_reminders", ignore_result=True)
def send_reminders(today: str | None = None) -> dict[str, int]:
    """The beat's daily reminders. Safe to run twice: each reminder is recorded before it is sent."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return reminders.send_reminders(day)


@shared_task(name="plans.check_stored_counts", ignore_result=True)
def check_stored_counts() -> int:
    """The beat's nightly check of the stored counts (plans.counts): any period whose counts differ from
    what they count is logged as an error and repaired. Returns how many differed."""
    found = counts.check_and_repair()
    for drift in found:
        logger.error("Stored counts differed, repaired: %s", drift)
    return len(found)


@shared_task(
    name="plans.tell_not_received",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def tell_not_received(period_id: int, update_ids: list[int]) -> int:
    """Tell the leads and approvers of updates closed as not received when a period was locked."""
    return reminders.tell_not_received(period_id, update_ids)


@shared_task(
    name="plans.tell_update_moved",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=5,
)
def tell_update_moved(update_id: int, event: str, version: int) -> int:
    """E-mail the people an update's move concerns (plans.notices). Safe to retry: each e-mail is
    recorded with it, so one already sent is not sent again."""
    return notices.tell_update_moved(update_id, event, version)


@shared_task(name="plans.send_approval_digests", ignore_result=True)
def send_approval_digests(today: str | None = None) -> int:
    """The beat's daily digest for approvers who asked for one. Safe to run twice a day."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return notices.send_approval_digests(day)


@shared_task(
    name="plans.import_plan",
    ignore_result=True,
    bind=True,
    acks_late=True,
    # Sent again soon when its worker dies (CELERY_TASK_RETRY_ON_WORKER_LOST): the dead attempt's
    # transaction ended with its database connection, so there is nothing to wait for.
    max_retries=3,
    default_retry_delay=5,
)
def import_plan(self, job_id: int) -> str:
    """Import a stored plan file (a PlanImportJob). Safe to run twice: only a waiting job is started,
    or, when Celery sends the task again because its worker died (a retry on worker loss, or Redis
    redelivering it), the job that worker left running."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    return import_jobs.run_import_job(job_id, take_over=bool(self.request.retries) or redelivered)


def queue_import(
    *, user, portfolio, year: int, updates_period, upload, preview: bool = False
) -> PlanImportJob:
    """Store the upload privately and ask a worker to import it (or, as a ``preview``, to check it and work
    out what it would change, saving nothing), once the request's transaction commits."""
    job = PlanImportJob(
        preview=preview,
        requested_by=user,
        portfolio=portfolio,
        year=year,
        updates_period=updates_period,
        filename=Path(upload.name).name[:255],
    )
    job.file.save(f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}", upload, save=False)
    job.save()
    import_plan.delay_on_commit(job.pk)
    return job


def confirm_preview(preview_id: int, user) -> PlanImportJob | None:
    """The job that imports this person's checked preview, made once: confirming again gives the same job
    (None when there is no such preview, or it found problems). The file passes to the new job."""
    with transaction.atomic():
        preview = (
            PlanImportJob.objects.select_for_update()
            .filter(pk=preview_id, requested_by=user, preview=True, status=ImportStatus.DONE)
            .first()
        )
        if preview is None:
            return None
        applying = PlanImportJob.objects.filter(applies=preview).first()
        if applying is not None:
            return applying
        if not preview.file:
            return None
        applying = PlanImportJob.objects.create(
            requested_by=user,
            portfolio_id=preview.portfolio_id,
            year=preview.year,
            updates_period_id=preview.updates_period_id,
            file=preview.file.name,
            filename=preview.filename,
            applies=preview,
        )
        PlanImportJob.objects.filter(pk=preview.pk).update(file="")
        import_plan.delay_on_commit(applying.pk)
    return applying
