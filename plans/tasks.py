import uuid
from datetime import date
from pathlib import Path

from celery import shared_task
from django.utils import timezone

from plans import import_jobs, reminders
from plans.models import PlanImportJob


@shared_task(name="plans.send_reminders", ignore_result=True)
def send_reminders(today: str | None = None) -> dict[str, int]:
    """The beat's daily reminders. Safe to run twice: each reminder is recorded before it is sent."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return reminders.send_reminders(day)


@shared_task(name="plans.import_plan", ignore_result=True, acks_late=True)
def import_plan(job_id: int) -> str:
    """Import a stored plan file (a PlanImportJob). Safe to run twice: only a waiting job is started."""
    return import_jobs.run_import_job(job_id)


def queue_import(*, user, portfolio, year: int, updates_period, upload) -> PlanImportJob:
    """Store the upload privately and ask a worker to import it, once the request's transaction commits."""
    job = PlanImportJob(
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
