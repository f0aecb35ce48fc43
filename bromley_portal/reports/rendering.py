"""The worker's side of the report pipeline: build a report, render it, and look after the jobs.

A report is built from the database once, then rendered twice from that one build: to
PDF with WeasyPrint, and to the HTML fragment that the portal shows as the report's web
version. ``run_job`` stores both together, so the web version always shows what the PDF
shows, however the records change afterwards. The stuck-job sweeper and the clean-up of
old reports live here too.

``tasks.py`` and the ``render_report`` command use this module; asking for a report
(the web's side) is in ``services.py``, which sends jobs to ``tasks.py``. Dependencies
point one way: services -> tasks -> rendering.
"""

import contextlib
import gc
import hashlib
import logging
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint.logger import PROGRESS_LOGGER
from weasyprint.urls import FatalURLFetchingError

from bromley_portal.reports import merging, registry, tagging
from bromley_portal.reports.choices import SCHEDULE_12A, Classification, JobStatus
from bromley_portal.reports.fetcher import MissingStaticFile, PortalStaticFetcher, base_url, static_url
from bromley_portal.reports.models import ReportJob
from bromley_portal.reports.registry import CommitteeReport, ReportError, ReportSection, ReportType

logger = logging.getLogger(__name__)

# Tagged PDF (PDF/UA-1) with the document language from <html lang="en-GB">.
PDF_OPTIONS = {"pdf_tags": True, "pdf_variant": "pdf/ua-1"}
STYLESHEET = "reports/report.css"
# The web version: the same parts as the PDF, which reports/report_page.html shows inside
# the portal's page.
HTML_PARTS = ("reports/_header_block.html", "reports/_body.html")
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


def _no_progress(stage: str, percent: int) -> None:
    pass


# Building and rendering ----------------------------------------------------------


@dataclass(frozen=True)
class RenderedReport:
    """A report rendered from one build: the PDF, and its web version (an HTML fragment)."""

    pdf: bytes
    html: str
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


def build_report(
    report_type_name: str, parameters: dict, progress=_no_progress
) -> tuple[ReportType, CommitteeReport]:
    """Validate the parameters and build the report from the database."""
    progress("Checking what was asked for", 5)
    report_type = registry.get(report_type_name)
    cleaned, _ = report_type.clean(parameters)
    progress("Reading the figures from the portal", 10)
    return report_type, report_type.build(cleaned)


def render_html_fragment(context: dict) -> str:
    """The report's web version: its header block and body, laid out for the portal's page.

    Rendered from our own templates with autoescaping on, so user text in it is escaped.
    """
    web = {**context, "for_pdf": False}
    return "".join(render_to_string(name, web) for name in HTML_PARTS)


def render_report_to_pdf(report_type_name: str, parameters: dict, progress=None) -> RenderedReport:
    """Build a report from the database and render it to PDF, and to its web version, from that one build.

    ``progress(stage, percent)`` is called as it goes. Used by the worker's task and by
    the ``render_report`` command alike.
    """
    progress = progress or _no_progress
    report_type, report = build_report(report_type_name, parameters, progress)
    progress("Preparing the pages", 20)
    context = template_context(report_type, report, for_pdf=True)
    web_version = render_html_fragment(context)
    parts = _parts(report)
    with _weasyprint_progress(progress):
        if len(parts) > 1:
            pdf, page_count = _render_in_parts(report_type, context, parts)
        else:
            html = render_to_string(report_type.template_name, context)
            document = _html(html).render(**PDF_OPTIONS)
            pdf = tagging.write_pdf(document, **PDF_OPTIONS)  # our structure tree: see tagging.py
            page_count = len(document.pages)
    return RenderedReport(
        pdf=pdf,
        html=web_version,
        page_count=page_count,
        title=report.header.title,
        filename=report.filename,
    )


def _html(markup: str) -> HTML:
    return HTML(string=markup, base_url=base_url(), url_fetcher=PortalStaticFetcher())


# A long report in parts --------------------------------------------------------------------------
#
# WeasyPrint keeps every page's layout until the whole document is written: about 4 MB a page of a
# dense landscape table, so 250 pages of the contract register would take the worker past 1 GB. A report
# whose last section says how to split it (ReportSection.parts) is laid out and written part by part to
# files, each part's layout freed before the next, and merging.py joins the tagged parts into one PDF
# with one structure tree, its bookmarks and "Page X of Y", reading one part at a time.


@dataclass(frozen=True)
class ReportPart:
    """What committee_report.html (the first part) or committee_report_continued.html (a later one)
    is given as ``part``."""

    section: ReportSection
    number: int  # the section's number in the report
    first: bool
    last: bool
    css: str = ""


def _parts(report: CommitteeReport) -> list[ReportPart]:
    """The parts to render ``report`` in: one (the whole report) unless its last section splits."""
    if not report.sections or report.sections[-1].parts is None:
        return [ReportPart(section=None, number=0, first=True, last=True)]
    section = report.sections[-1]
    contexts = section.parts(section.context)
    number = len(report.sections) + 2  # after 1. Reason for report and 2. Recommendations
    return [
        ReportPart(
            section=replace(section, context=part_context),
            number=number,
            first=index == 0,
            last=index == len(contexts) - 1,
        )
        for index, part_context in enumerate(contexts)
    ]


def _render_in_parts(report_type: ReportType, context: dict, parts: list[ReportPart]) -> tuple[bytes, int]:
    """Each part laid out, written to a file and its layout freed before the next; then the parts merged
    from their files, one at a time (merging.Merger), with "Page X of Y" on every page."""
    report = context["report"]
    wide_pages, continuation = [], None
    with tempfile.TemporaryDirectory(prefix="report-parts-") as folder:
        files = [Path(folder) / f"part-{index:04d}.pdf" for index in range(len(parts))]
        for index, (part, path) in enumerate(zip(parts, files, strict=True)):
            if part.first:
                sections = [*report.sections[:-1], part.section]
                part_context = {**context, "report": replace(report, sections=sections), "part": part}
                html = render_to_string(report_type.template_name, part_context)
                html = html.replace("</head>", f"<style>{merging.NO_PAGE_NUMBER_CSS}</style></head>", 1)
            else:
                part = replace(part, css=_continued_css(context, part))
                html = render_to_string(CONTINUED_TEMPLATE, {**context, "part": part})
            document = _html(html).render(**PDF_OPTIONS)
            tagging.write_pdf(document, path, continuation=continuation, **PDF_OPTIONS)
            wide_pages += [page.width > page.height for page in document.pages]
            del document  # its layout, before the next part's
            gc.collect()
            if part.first:
                continuation = tagging.Continuation(merging.last_table_headers(path), "")
            continuation = replace(continuation, id_prefix=f"p{index + 1}-")
        return merging.merge(files, _page_numbers(wide_pages)), len(wide_pages)


CONTINUED_TEMPLATE = "reports/committee_report_continued.html"
PAGE_NUMBERS_TEMPLATE = "reports/page_numbers.html"


def _continued_css(context: dict, part: ReportPart) -> str:
    """A later part's running header from its first page on, and its pages landscape if the section is
    wide; and no page number (stamped after merging)."""
    title, marking = css_string(context["header"].title), css_string(context["marking"])
    return (
        f"html {{ string-set: report-title {title}, marking {marking}; }}\n"
        '@page :first { @top-left { content: string(report-title) "\\A" string(continued, first); }'
        " @top-right { content: string(marking); } }\n"
        + ("html, body { page: wide; }\n" if part.section.wide else "")
        + merging.NO_PAGE_NUMBER_CSS
    )


def css_string(text: str) -> str:
    """``text`` as a CSS string: quoted, with quotes, backslashes, line breaks and "<" escaped (so it
    can neither end the string nor the <style> element it is in)."""
    escaped = "".join(
        f"\\{ord(character):x} " if character in '"\\<>\n\r\f' or ord(character) < 32 else character
        for character in str(text)
    )
    return f'"{escaped}"'


def _page_numbers(wide_pages: list[bool]) -> bytes:
    """The "Page X of Y" sheets for merging.number_pages, one per page, landscape where it is."""
    html = render_to_string(
        PAGE_NUMBERS_TEMPLATE, {"pages": wide_pages, "stylesheet_url": static_url(STYLESHEET)}
    )
    document = _html(html).render()
    if len(document.pages) != len(wide_pages):
        raise RuntimeError(f"{len(document.pages)} page-number sheets for {len(wide_pages)} pages")
    return document.write_pdf()


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


# Running a job -------------------------------------------------------------------


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


def job_file_names(filename: str) -> tuple[str, str]:
    """Where a report's PDF and its web version are kept: one unguessable folder, readable names."""
    stem = f"reports/{uuid.uuid4().hex}/{slugify(filename)[:100] or 'report'}"
    return f"{stem}.pdf", f"{stem}.html"


def _delete_files(names, job_id: int) -> None:
    """Delete a job's files, logging (not raising) what cannot be deleted: a job that fails
    must still be marked failed, and the clean-up must go on to the next job."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("Could not delete the file %s of report job %s", name, job_id)


def run_job(job_id: int) -> str:
    """Render a job's report and save its PDF and web version. Idempotent: safe to run twice, or on
    a job another worker died producing, and quiet about jobs gone or finished.

    The job is claimed first (``ReportJob.objects.claim``): a waiting job, or a running one whose
    heartbeat has stopped. While it renders, a heartbeat thread records that this attempt is alive.
    Every later write names the attempt, so if this worker is taken for dead and another takes the
    job over, this one's result is thrown away rather than recorded twice.

    The two files are saved first, then one UPDATE records both on the job as it finishes, so
    a finished job has both or neither. A save that fails, or the job being failed or taken over
    meanwhile, deletes the files already saved. A worker killed between saving and that
    UPDATE, or an UPDATE that raises, leaves them unreferenced in their folder: an UPDATE
    whose outcome is unknown may have recorded them, so they are not deleted then.

    Returns what happened: "done", "failed", "gone", "abandoned", "busy" (running, with a live
    heartbeat: another worker has it) or "already <status>".
    """
    attempt = ReportJob.objects.claim(job_id)
    if attempt is None:
        status = ReportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status is None:
            return "gone"
        return "busy" if status == JobStatus.RUNNING else f"already {status}"
    with _heartbeat(job_id, attempt):
        return _render_and_save(job_id, attempt)


def _render_and_save(job_id: int, attempt: int) -> str:
    job = ReportJob.objects.get(pk=job_id)
    saved: list[str] = []
    try:
        rendered = render_report_to_pdf(
            job.report_type,
            job.parameters,
            progress=lambda stage, percent: ReportJob.objects.record_stage(job_id, stage, percent, attempt),
        )
        ReportJob.objects.record_stage(job_id, "Saving the file", 97, attempt)
        pdf_name, html_name = job_file_names(rendered.filename)
        saved.append(default_storage.save(pdf_name, ContentFile(rendered.pdf)))
        saved.append(default_storage.save(html_name, ContentFile(rendered.html.encode())))
    except (Exception, FatalURLFetchingError) as error:
        if not isinstance(error, ReportError):
            logger.exception("Report job %s (%s) failed", job_id, job.report_type)
        _delete_files(saved, job_id)
        ReportJob.objects.move(
            job_id,
            JobStatus.FAILED,
            attempt=attempt,
            error=describe_failure(error, job_id),
            stage="Failed",
            finished_at=timezone.now(),
        )
        return "failed"
    return _finish(job_id, attempt, rendered, *saved)


@contextlib.contextmanager
def _heartbeat(job_id: int, attempt: int):
    """While the block runs, a thread records every REPORTS_HEARTBEAT_SECONDS that this attempt is
    alive. It dies with the process, so a killed worker's job is seen to have stopped."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.REPORTS_HEARTBEAT_SECONDS):
                try:
                    if not ReportJob.objects.beat(job_id, attempt):
                        return  # finished, failed or taken over: nothing more to say
                except Exception:
                    logger.exception("Could not record the heartbeat of report job %s", job_id)
        finally:
            connections.close_all()  # this thread's own database connection

    thread = threading.Thread(target=beat, name=f"report-job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _finish(job_id: int, attempt: int, rendered: "RenderedReport", pdf_name: str, html_name: str) -> str:
    """Record both files on the job as it finishes, in one UPDATE."""
    finished = ReportJob.objects.move(
        job_id,
        JobStatus.DONE,
        attempt=attempt,
        file=pdf_name,
        page_count=rendered.page_count,
        size=len(rendered.pdf),
        checksum=hashlib.sha256(rendered.pdf).hexdigest(),
        html_file=html_name,
        html_checksum=hashlib.sha256(rendered.html.encode()).hexdigest(),
        stage="Ready",
        percent=100,
        finished_at=timezone.now(),
    )
    if not finished:
        # The sweeper gave up on it, or another worker took it over, while it was still running:
        # leave no orphaned files.
        _delete_files([pdf_name, html_name], job_id)
        return "abandoned"
    return "done"


# Looking after the jobs ----------------------------------------------------------


def fail_stuck(
    jobs, *, started: str, queued: str, stuck_message: str, not_started_message: str, now=None
) -> int:
    """The one rule for jobs no worker will finish, for every job model with a JobStatus (report jobs,
    agenda packs): running past Celery's hard time limit and STUCK_GRACE (the worker was killed, or the
    machine restarted), or pending past REPORTS_PENDING_MINUTES (no worker took it). Both are marked failed
    with a message saying why, so people try again instead of waiting for ever. `started` and `queued`
    name the model's fields for when it started running and when it was asked for."""
    now = now or timezone.now()
    running_since = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) - STUCK_GRACE
    pending_minutes = settings.REPORTS_PENDING_MINUTES
    count = jobs.filter(status=JobStatus.RUNNING, **{f"{started}__lt": running_since}).update(
        status=JobStatus.FAILED, error=stuck_message, stage="Failed", finished_at=now
    )
    count += jobs.filter(
        status=JobStatus.PENDING, **{f"{queued}__lt": now - timedelta(minutes=pending_minutes)}
    ).update(
        status=JobStatus.FAILED,
        error=not_started_message.format(minutes=pending_minutes),
        stage="Failed",
        finished_at=now,
    )
    if count:
        logger.warning("Marked %d stuck %s failed", count, jobs.model._meta.verbose_name_plural)
    return count


def fail_stuck_jobs(now=None) -> int:
    """Mark failed the report jobs no worker will finish: running past the hard time limit, or never started."""
    return fail_stuck(
        ReportJob.objects.all(),
        started="started_at",
        queued="queued_at",
        stuck_message=STUCK_MESSAGE,
        not_started_message=NOT_STARTED_MESSAGE,
        now=now,
    )


def clean_up_old_reports(now=None) -> int:
    """Delete ad-hoc reports (their PDFs and web versions) finished longer ago than REPORTS_KEEP_DAYS.

    Published committee papers are kept, however old.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REPORTS_KEEP_DAYS)
    old = ReportJob.objects.filter(
        published=False, status__in=[JobStatus.DONE, JobStatus.FAILED], finished_at__lt=cutoff
    )
    deleted = 0
    for job_id, pdf_name, html_name in old.values_list("pk", "file", "html_file"):
        # Delete the row first, re-checking it is still unpublished; then its files.
        if ReportJob.objects.filter(pk=job_id, published=False).delete()[0]:
            deleted += 1
            _delete_files([pdf_name, html_name], job_id)
    return deleted
