"""The report pipeline: asking for a report, rendering it, and looking after the jobs.

Views, the Celery tasks and the ``render_report`` command all come through here, so a
report renders the same way whether a clerk asks for it in the browser or a script
asks for it on the command line.
"""

import contextlib
import hashlib
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint.logger import PROGRESS_LOGGER
from weasyprint.urls import FatalURLFetchingError

from bromley_portal.reports import registry, tagging
from bromley_portal.reports.choices import SCHEDULE_12A, Classification, JobStatus
from bromley_portal.reports.fetcher import MissingStaticFile, PortalStaticFetcher, base_url, static_url
from bromley_portal.reports.models import ReportJob
from bromley_portal.reports.registry import CommitteeReport, ReportError, ReportType

logger = logging.getLogger(__name__)

# Tagged PDF (PDF/UA-1) with the document language from <html lang="en-GB">.
PDF_OPTIONS = {"pdf_tags": True, "pdf_variant": "pdf/ua-1"}
STYLESHEET = "reports/report.css"
# A running job is stuck once it is this long past Celery's hard time limit (the
# worker was killed, or the machine restarted, and nothing will finish it).
STUCK_GRACE = timedelta(minutes=1)

STUCK_MESSAGE = (
    "The worker producing this report stopped before it finished (it may have been restarted or run "
    "out of memory). Nothing was saved. Try again."
)
NOT_STARTED_MESSAGE = (
    "No worker started this report within {minutes} minutes, so it was cancelled. The report workers "
    "may be down: try again, and if the same thing happens tell the portal team."
)


def reuse_window() -> timedelta:
    """How long a finished report is reused for an identical request."""
    return timedelta(seconds=getattr(settings, "REPORTS_REUSE_SECONDS", 10 * 60))


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
    """Send a failed job to a worker again. Returns the job to follow (another, if one is already active)."""
    if not user.has_perm("reports.retry_report", job):
        raise PermissionDenied("You cannot retry this report.")
    try:
        with transaction.atomic():
            moved = ReportJob.objects.move(
                job.pk,
                JobStatus.PENDING,
                error="",
                stage="Waiting for a worker",
                percent=0,
                queued_at=timezone.now(),
                started_at=None,
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
    from bromley_portal.reports.tasks import render

    render.delay_on_commit(job.pk)


# Rendering ---------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    page_count: int
    title: str
    filename: str


def template_context(report_type: ReportType, report: CommitteeReport, *, for_pdf: bool) -> dict:
    part_2 = report_type.classification == Classification.PART_2
    return {
        "report": report,
        "header": report.header,
        "report_type": report_type,
        "part_2": part_2,
        "marking": "PART 2 - EXEMPT" if part_2 else "PART 1 - PUBLIC",
        "exempt_paragraph": report_type.exempt_paragraph,
        "exempt_reason": SCHEDULE_12A.get(report_type.exempt_paragraph, "") if part_2 else "",
        "for_pdf": for_pdf,
        "stylesheet_url": static_url(STYLESHEET),
        "generated_at": timezone.now(),
    }


def build_report(report_type_name: str, parameters: dict) -> tuple[ReportType, CommitteeReport]:
    """Validate the parameters and build the report from the database."""
    report_type = registry.get(report_type_name)
    cleaned, _ = report_type.clean(parameters)
    return report_type, report_type.build(cleaned)


def render_report_to_pdf(report_type_name: str, parameters: dict, progress=None) -> RenderedReport:
    """Build a report from the database and render it to PDF, reporting each stage to ``progress``.

    ``progress(stage, percent)`` is called as it goes. Used by the worker's task and by
    the ``render_report`` command alike.
    """
    progress = progress or (lambda stage, percent: None)
    progress("Checking what was asked for", 5)
    report_type = registry.get(report_type_name)
    cleaned, _ = report_type.clean(parameters)
    progress("Reading the figures from the portal", 10)
    report = report_type.build(cleaned)
    progress("Preparing the pages", 20)
    html = render_to_string(report_type.template_name, template_context(report_type, report, for_pdf=True))
    fetcher = PortalStaticFetcher()
    with _weasyprint_progress(progress):
        document = HTML(string=html, base_url=base_url(), url_fetcher=fetcher).render(**PDF_OPTIONS)
        pdf = tagging.write_pdf(document, **PDF_OPTIONS)  # our structure tree: see tagging.py
    return RenderedReport(
        pdf=pdf, page_count=len(document.pages), title=report.header.title, filename=report.filename
    )


class _ProgressHandler:
    """Turns WeasyPrint's progress log ("Step 5 - Creating layout - Page 12") into stages."""

    def __init__(self, progress, interval=0.5):
        self.progress = progress
        self.interval = interval
        self.thread = threading.get_ident()
        self.last = 0.0
        self.last_step = None

    def __call__(self, record):
        if record.thread != self.thread:
            return
        message = record.getMessage()
        step = message.split(" - ")[0]
        now = time.monotonic()
        if step == self.last_step and now - self.last < self.interval:
            return
        self.last, self.last_step = now, step
        if message.startswith("Step 5"):
            page = record.args[0] if record.args else 0
            # We do not know the page count yet: creep towards 85% as pages are laid out.
            self.progress(f"Laying out page {page}", 30 + int(55 * page / (page + 20)))
        elif message.startswith("Step 6"):
            self.progress("Writing the PDF", 88)
        elif message.startswith("Step 7"):
            self.progress("Adding the PDF's bookmarks and tags", 94)
        elif message.startswith(("Step 1", "Step 2", "Step 3", "Step 4")):
            self.progress("Applying the committee report layout", 25)


class _Handler(logging.Handler):
    def __init__(self, callback):
        super().__init__(level=logging.INFO)
        self.callback = callback

    def emit(self, record):
        with contextlib.suppress(Exception):
            self.callback(record)


_progress_lock = threading.Lock()
_logger_state: dict = {}


@contextlib.contextmanager
def _weasyprint_progress(progress):
    handler = _Handler(_ProgressHandler(progress))
    with _progress_lock:
        if not any(isinstance(other, _Handler) for other in PROGRESS_LOGGER.handlers):
            _logger_state.update(level=PROGRESS_LOGGER.level, propagate=PROGRESS_LOGGER.propagate)
        PROGRESS_LOGGER.addHandler(handler)
        PROGRESS_LOGGER.setLevel(logging.INFO)
        PROGRESS_LOGGER.propagate = False  # every page would otherwise be a line in the worker's log
    try:
        yield
    finally:
        with _progress_lock:
            PROGRESS_LOGGER.removeHandler(handler)
            if not any(isinstance(other, _Handler) for other in PROGRESS_LOGGER.handlers):
                PROGRESS_LOGGER.setLevel(_logger_state["level"])
                PROGRESS_LOGGER.propagate = _logger_state["propagate"]


def describe_failure(error: BaseException, job_id: int | None = None) -> str:
    """Why a report failed, for the person who asked for it."""
    if isinstance(error, ReportError):
        return str(error)
    if isinstance(error, SoftTimeLimitExceeded):
        minutes = max(1, round(settings.CELERY_TASK_SOFT_TIME_LIMIT / 60))
        return (
            f"The report took longer than {minutes} minutes to produce, so it was stopped. Try again; if it "
            "stops again, the report may be too long to produce in one go: ask the portal team for help."
        )
    if isinstance(error, MissingStaticFile):
        return (
            "The report could not be produced because one of the portal's own files (its print "
            "stylesheet) is missing from the server. Ask the portal team to check the installation, "
            "then try again."
        )
    reference = f" (reference: report job {job_id})" if job_id else ""
    return (
        f"The report could not be produced because of an unexpected error in the portal{reference}. "
        "Try again; if it fails again, tell the portal team the reference."
    )


def job_file_name(filename: str) -> str:
    """Where a report's PDF is kept: an unguessable folder, and a readable name for the download."""
    return f"reports/{uuid.uuid4().hex}/{slugify(filename)[:100] or 'report'}.pdf"


def run_job(job_id: int) -> str:
    """Render a job's report and save it. Safe to run twice, and quiet about jobs gone or finished.

    Returns what happened: "done", "failed", "gone", "abandoned" or "already <status>".
    """
    claimed = ReportJob.objects.move(
        job_id,
        JobStatus.RUNNING,
        started_at=timezone.now(),
        stage="Starting",
        percent=2,
        error="",
        attempts=F("attempts") + 1,
    )
    if not claimed:
        status = ReportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return "gone" if status is None else f"already {status}"
    job = ReportJob.objects.get(pk=job_id)

    def progress(stage: str, percent: int) -> None:
        ReportJob.objects.record_stage(job_id, stage, percent)

    try:
        rendered = render_report_to_pdf(job.report_type, job.parameters, progress=progress)
        progress("Saving the file", 97)
        name = default_storage.save(job_file_name(rendered.filename), ContentFile(rendered.pdf))
    except (Exception, FatalURLFetchingError) as error:
        if not isinstance(error, ReportError):
            logger.exception("Report job %s (%s) failed", job_id, job.report_type)
        ReportJob.objects.move(
            job_id,
            JobStatus.FAILED,
            error=describe_failure(error, job_id),
            stage="Failed",
            finished_at=timezone.now(),
        )
        return "failed"
    finished = ReportJob.objects.move(
        job_id,
        JobStatus.DONE,
        file=name,
        page_count=rendered.page_count,
        size=len(rendered.pdf),
        checksum=hashlib.sha256(rendered.pdf).hexdigest(),
        stage="Ready",
        percent=100,
        finished_at=timezone.now(),
    )
    if not finished:
        # The sweeper gave up on it while it was still running: leave no orphaned file.
        default_storage.delete(name)
        return "abandoned"
    return "done"


# Looking after the jobs ----------------------------------------------------------


def fail_stuck_jobs(now=None) -> int:
    """Mark failed the jobs no worker will finish: running past the hard time limit, or never started."""
    now = now or timezone.now()
    running_since = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) - STUCK_GRACE
    pending_minutes = getattr(settings, "REPORTS_PENDING_MINUTES", 30)
    count = ReportJob.objects.filter(status=JobStatus.RUNNING, started_at__lt=running_since).update(
        status=JobStatus.FAILED, error=STUCK_MESSAGE, stage="Failed", finished_at=now
    )
    count += ReportJob.objects.filter(
        status=JobStatus.PENDING, queued_at__lt=now - timedelta(minutes=pending_minutes)
    ).update(
        status=JobStatus.FAILED,
        error=NOT_STARTED_MESSAGE.format(minutes=pending_minutes),
        stage="Failed",
        finished_at=now,
    )
    if count:
        logger.warning("Marked %d stuck report job(s) failed", count)
    return count


def clean_up_old_reports(now=None) -> int:
    """Delete ad-hoc reports (and their files) finished longer ago than REPORTS_KEEP_DAYS.

    Published committee papers are kept, however old.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=getattr(settings, "REPORTS_KEEP_DAYS", 30))
    old = ReportJob.objects.filter(
        published=False, status__in=[JobStatus.DONE, JobStatus.FAILED], finished_at__lt=cutoff
    )
    deleted = 0
    for job_id, name in old.values_list("pk", "file"):
        # Delete the row first, re-checking it is still unpublished; then its file.
        if ReportJob.objects.filter(pk=job_id, published=False).delete()[0]:
            deleted += 1
            if name:
                try:
                    default_storage.delete(name)
                except OSError:
                    logger.exception("Could not delete the file %s of report job %s", name, job_id)
    return deleted
