"""Asking for a report: the web's side of the report pipeline.

Request a report (reusing an identical one), retry a failed one, publish a finished one
as a committee paper. A new job goes to a worker through ``tasks.py`` after the
transaction commits; rendering it, and looking after the jobs, is in ``rendering.py``.
Dependencies point one way: services -> tasks -> rendering.
"""

import contextlib
import hashlib
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from bromley_portal.reports import tasks
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from bromley_portal.reports.registry import ReportError, ReportType

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "Reports are unavailable just now. Try again shortly."
STALLED_MESSAGE = (
    "The worker producing this report stopped before it finished (it may have been restarted or run out "
    "of memory). Nothing was saved. Try again."
)


class ReportsUnavailable(ReportError):
    """The report could not be sent to a worker (the broker is down): the job is marked failed, to retry."""


def reuse_window() -> timedelta:
    """How long a finished report is reused for an identical request."""
    return timedelta(seconds=settings.REPORTS_REUSE_SECONDS)


def dedupe_key(report_type: ReportType, parameters: dict) -> str:
    identity = {
        "type": report_type.name,
        "parameters": parameters,
        "classification": report_type.classification,
        "paragraph": report_type.exempt_paragraph,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


# Asking for a report ------------------------------------------------------------


def request_report(user, report_type: ReportType, parameters: dict) -> tuple[ReportJob, bool]:
    """Create a job and send it to a worker after the transaction commits. Returns (job, created).

    An identical request (same report, parameters and classification) while one is
    waiting, running, or finished within the reuse window gets that job instead.
    Raises PermissionDenied, or ReportError when the parameters are not valid.
    """
    if not user.has_perm(report_type.permission):
        raise PermissionDenied(f"You cannot ask for the {report_type.title} report.")
    cleaned, parameters = report_type.clean(parameters)
    key = dedupe_key(report_type, parameters)
    existing = (
        ReportJob.objects.filter(dedupe_key=key)
        .filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING, JobStatus.DONE])
        .exclude(status=JobStatus.DONE, finished_at__lt=timezone.now() - reuse_window())
        .order_by("-created_at")
        .first()
    )
    if existing and existing.is_stalled:
        # Its worker died mid-render: asking again starts it again, at once.
        return _restart(existing), False
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            job = ReportJob.objects.create(
                requested_by=user if user.is_authenticated else None,
                report_type=report_type.name,
                parameters=parameters,
                title=report_type.title_for(cleaned)[:300],
                classification=report_type.classification,
                exempt_paragraph=report_type.exempt_paragraph,
                dedupe_key=key,
                stage="Waiting for a worker",
            )
    except IntegrityError:
        # Someone asked for the same report at the same moment: theirs is the one.
        return ReportJob.objects.active().get(dedupe_key=key), False
    _send_to_worker(job)
    return job, True


def retry_report(job: ReportJob, user) -> ReportJob:
    """Send a failed job, or one whose worker died mid-render, to a worker again. Returns the job to
    follow (another, if one is already active). Raises ReportsUnavailable if the broker is down."""
    if not user.has_perm("reports.retry_report", job):
        raise PermissionDenied("You cannot retry this report.")
    return _restart(job)


def _restart(job: ReportJob) -> ReportJob:
    try:
        with transaction.atomic():
            # A running job whose heartbeat has stopped is failed first (compare-and-set: only if it
            # is still dead), then moves back to waiting like any failed job.
            ReportJob.objects.stalled().filter(pk=job.pk).update(
                status=JobStatus.FAILED, error=STALLED_MESSAGE, stage="Failed", finished_at=timezone.now()
            )
            moved = ReportJob.objects.move(
                job.pk,
                JobStatus.PENDING,
                error="",
                stage="Waiting for a worker",
                percent=0,
                queued_at=timezone.now(),
                started_at=None,
                heartbeat_at=None,
                finished_at=None,
            )
    except IntegrityError:
        return ReportJob.objects.active().get(dedupe_key=job.dedupe_key)
    job.refresh_from_db()
    if moved:
        _send_to_worker(job)
    return job


def publish_report(job: ReportJob, user) -> ReportJob:
    """Mark a finished report as a committee paper: it is kept when old reports are cleaned up."""
    if not user.has_perm("reports.publish_report", job):
        raise PermissionDenied("You cannot publish this report.")
    if not ReportJob.objects.filter(pk=job.pk, status=JobStatus.DONE).update(
        published=True, published_at=timezone.now()
    ):
        raise ReportError("Only a finished report can be published.")
    job.refresh_from_db()
    return job


def _send_to_worker(job: ReportJob) -> None:
    """Send the job to a worker once the transaction that made it commits.

    If the broker cannot take it (Redis is down), the job is marked failed at once, so it is
    retryable and never reused as if it were waiting, and ReportsUnavailable is raised (when
    sending outside a transaction, as a request does; inside one, the job is only marked failed).
    """
    job_id = job.pk

    def send():
        try:
            tasks.render.apply_async((job_id,))
        except Exception as error:
            logger.exception("Could not send report job %s to a worker", job_id)
            ReportJob.objects.move(
                job_id,
                JobStatus.FAILED,
                error=UNAVAILABLE_MESSAGE,
                stage="Failed",
                finished_at=timezone.now(),
            )
            raise ReportsUnavailable(UNAVAILABLE_MESSAGE) from error

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_quietly(send))
    else:
        send()
        job.refresh_from_db()


def _quietly(send):
    def run():
        with contextlib.suppress(ReportsUnavailable):
            send()  # if not, the job is marked failed, and whoever follows it sees why

    return run
