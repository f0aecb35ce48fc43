"""Plan imports a worker runs: a PlanImportJob row per file, its progress and what came of it.

The web page asks for one through plans.tasks.queue_import (large files); the worker runs
:func:`run_import_job`, which calls plans.importers.import_plan like the page and the command do,
so a job is all-or-nothing in the same way. The stored file is deleted when the job finishes.
"""

import logging

from django.db import transaction
from django.utils import timezone

from plans.choices import ImportStatus
from plans.importers import import_plan
from plans.models import PlanImportJob

logger = logging.getLogger(__name__)

FAILED_UNEXPECTEDLY = (
    "The import stopped unexpectedly and nothing was imported. Upload the file again; if it happens again, "
    "ask the portal's support team."
)


def record_progress(job_id: int, stage: str, percent: int) -> None:
    """Progress on a running job, visible at once (outside the import's transaction)."""
    PlanImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING).update(
        stage=stage[:200], percent=max(0, min(100, percent))
    )


def run_import_job(job_id: int, *, take_over: bool = False) -> str:
    """Run a waiting job; a job already started or finished is left alone (safe to deliver twice).

    ``take_over`` is for a task Celery sends again because the worker running it died: that worker's
    import was one transaction, rolled back when its connection went, so its job, left running, is
    started afresh rather than left running for good."""
    startable = [ImportStatus.PENDING, ImportStatus.RUNNING] if take_over else [ImportStatus.PENDING]
    if not PlanImportJob.objects.filter(pk=job_id, status__in=startable).update(
        status=ImportStatus.RUNNING, stage="Reading the file", percent=0
    ):
        return "skipped"
    job = PlanImportJob.objects.select_related("portfolio", "requested_by", "updates_period", "applies").get(
        pk=job_id
    )
    try:
        with job.file.open("rb") as handle:
            result = import_plan(
                handle,
                job.filename,
                job.portfolio,
                job.year,
                user=job.requested_by,
                updates_period=job.updates_period,
                progress=lambda stage, percent: record_progress(job_id, stage, percent),
                dry_run=job.preview,
                expected=job.applies.signature if job.applies else None,
            )
    except Exception:
        logger.exception("Plan import job %s failed", job_id)
        _finish(job, ImportStatus.FAILED, errors=[[None, "", FAILED_UNEXPECTEDLY]])
        return ImportStatus.FAILED
    good = result.ok and not result.stale
    _finish(
        job,
        ImportStatus.DONE if good else ImportStatus.FAILED,
        # A preview that checked out keeps its file until it is confirmed (confirm_preview).
        keep_file=job.preview and good,
        errors=[[error.line, error.column, error.message] for error in result.errors],
        errors_not_listed=result.errors_not_listed,
        # A preview's page says nothing is saved yet: it keeps what the import would do.
        summary=result.changes() if job.preview and good else result.summary(),
        signature=result.signature if job.preview and good else "",
        plan=result.plan if good and result.plan and result.plan.pk else None,
    )
    return "done" if good else "failed"


def _finish(job: PlanImportJob, status: str, keep_file: bool = False, **fields) -> None:
    stored = job.file.name
    with transaction.atomic():
        PlanImportJob.objects.filter(pk=job.pk).update(
            status=status,
            stage="",
            percent=100,
            finished_at=timezone.now(),
            file=stored if keep_file else "",
            **fields,
        )
    if stored and not keep_file:
        job.file.storage.delete(stored)
