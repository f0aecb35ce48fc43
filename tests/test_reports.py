"""Committee reports: the pipeline, the PDFs read back, the fetcher, permissions and housekeeping."""

import ast
import hashlib
import io
import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pdfplumber
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from weasyprint import HTML

from ambitions.services import load_seed_strategy
from bromley_portal.accounts.roles import Role
from bromley_portal.celery import app as celery_app
from bromley_portal.reports import registry, rendering, services, tasks
from bromley_portal.reports.choices import Classification, JobStatus
from bromley_portal.reports.fetcher import (
    MissingStaticFile,
    PortalStaticFetcher,
    RefusedURL,
    base_url,
    static_prefix,
    static_url,
)
from bromley_portal.reports.models import ReportJob
from bromley_portal.reports.registry import (
    CommitteeReport,
    CommitteeReportForm,
    ReportError,
    ReportHeader,
    ReportSection,
    ReportType,
)
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.counts import refresh_all
from plans.models import Action, Amendment, QuarterlyUpdate, ReportingPeriod
from plans.reports import build_plan_progress
from tests.factories import make_plan, make_user

ROOT = Path(__file__).resolve().parent.parent
PART_1_READERS = {Role.MEMBER, Role.OFFICER, Role.APPROVER, Role.CLERK, Role.ADMIN}
PART_2_READERS = {Role.CLERK, Role.ADMIN}
REQUESTERS = {Role.CLERK, Role.ADMIN}
ROLES = [*Role, None]


def role_id(role):
    return role.value if role else "no-role"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Report files go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() or "" for page in reader.pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def outline_titles(outline) -> list[str]:
    titles = []
    for item in outline:
        titles.extend(outline_titles(item) if isinstance(item, list) else [item.title])
    return titles


def locked_period(year=2023, quarter=4):
    return ReportingPeriod.objects.create(
        year=year, quarter=quarter, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(year, quarter)
    )


def report_on(plan, period, rags=(), narrative="Progress as planned."):
    """Locked updates for the plan's actions, with the RAG statuses given in order."""
    actions = Action.objects.filter(section__plan=plan).order_by("section__number", "number")
    for index, action in enumerate(actions):
        QuarterlyUpdate.objects.create(
            action=action,
            period=period,
            rag=rags[index] if index < len(rags) else "",
            narrative=f"{narrative} (action {action.number})",
            status=UpdateStatus.LOCKED,
        )


def params(plan, period, **extra):
    return {"plan": plan.pk, "period": period.pk, **extra}


@pytest.fixture
def small(db):
    plan = make_plan(actions=4)
    period = locked_period()
    report_on(plan, period, rags=[Rag.GREEN, Rag.RED, Rag.AMBER, Rag.RED])
    return plan, period


# The first report, read back ---------------------------------------------------------


def test_the_report_puts_red_then_amber_first_and_counts_the_statuses(small):
    plan, period = small
    rendered = rendering.render_report_to_pdf("plan_progress", params(plan, period))
    _, pages = pdf_text(rendered.pdf)
    text = squash(" ".join(pages))
    exceptions = text.split("4. Actions rated red or amber", 1)[1].split("5. Ambition", 1)[0]
    refs = re.findall(r"\b1\.[1-4]\b", exceptions.split("Table 4.1", 1)[1])
    assert refs == ["1.2", "1.4", "1.3"], (
        "red first (1.2, 1.4), then amber (1.3); green 1.1 is not an exception"
    )
    assert "Of the 4 actions at quarter 4 (January to March 2024): 2 red, 1 amber, 1 green." in text


def test_an_amendment_is_shown_beside_the_locked_update_and_its_rag_counts(small):
    plan, period = small
    update = QuarterlyUpdate.objects.get(action__number=1, period=period)
    Amendment.objects.create(
        update=update,
        rag=Rag.AMBER,
        narrative="Corrected: the figure is 65%, not 56%.",
        reason="Typing error",
        created_by=make_user(Role.CLERK),
    )
    cleaned, _ = registry.get("plan_progress").clean(params(plan, period))
    report = build_plan_progress(cleaned)
    summary = report.sections[0].context["count_rows"][-1]
    assert summary.counts[:3] == [2, 2, 0], "red 2, amber 2 (one corrected from green), green 0"
    rendered = rendering.render_report_to_pdf("plan_progress", params(plan, period))
    text = squash(" ".join(pdf_text(rendered.pdf)[1]))
    assert "Progress as planned. (action 1)" in text
    assert "Corrected: the figure is 65%, not 56%." in text
    assert "Typing error" in text


def test_the_context_costs_a_fixed_number_of_queries_whatever_the_plan_size(db):
    period = locked_period()
    small_plan = make_plan(actions=3)
    big_plan = make_plan(code="ACH", actions=40)
    report_on(small_plan, period, rags=[Rag.RED])
    report_on(big_plan, period, rags=[Rag.RED] * 40)
    report_type = registry.get("plan_progress")
    counts = []
    for plan in (small_plan, big_plan):
        cleaned, _ = report_type.clean(params(plan, period))
        with CaptureQueriesContext(connection) as queries:
            report_type.build(cleaned)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12


def test_the_corporate_summary_counts_every_plan_by_ambition(db):
    load_seed_strategy()
    period = locked_period()
    cef = make_plan(actions=2, ambition_number=1)
    ach = make_plan(code="ACH", actions=3, ambition_number=2)
    report_on(cef, period, rags=[Rag.RED, Rag.GREEN])
    report_on(ach, period, rags=[Rag.AMBER, Rag.AMBER], narrative="Recruitment delayed")
    rendered = rendering.render_report_to_pdf("corporate_summary", {"period": period.pk})
    text = squash(" ".join(pdf_text(rendered.pdf)[1]))
    assert "Corporate Summary of Progress at Quarter 4 2023-24" in rendered.title
    for number in range(1, 6):
        assert f"Ambition {number}:" in text, "all five ambitions are listed, with or without actions"
    assert "Of the 5 actions" in text
    assert "Recruitment delayed (action 1)" in text
    assert "EXECUTIVE, RESOURCES AND CONTRACTS PDS COMMITTEE" in text


# Part 2 -----------------------------------------------------------------------------

EXEMPT_TEXT = "Supplier margin is 31 per cent; termination is under negotiation"


class RegisterForm(CommitteeReportForm):
    pass


def _register_report(part_2: bool):
    def build(cleaned):
        sections = [ReportSection("Contracts", "reports/_test_part1.html", {"text": "Public contract facts"})]
        if part_2:
            sections.append(ReportSection("Commentary", "reports/_test_part1.html", {"text": EXEMPT_TEXT}))
        return CommitteeReport(
            header=ReportHeader(title="Contract register", decision_maker="Executive PDS Committee"),
            reason=["To review the register."],
            recommendations=["That the committee notes it."],
            sections=sections,
            filename="contract-register",
        )

    return ReportType(
        name="test_register_part_2" if part_2 else "test_register_part_1",
        title="Contract register" + (" Part 2" if part_2 else ""),
        description="Test",
        form_class=RegisterForm,
        build=build,
        classification=Classification.PART_2 if part_2 else Classification.PART_1,
        exempt_paragraph=3 if part_2 else None,
    )


@pytest.fixture
def register_reports(tmp_path, settings):
    # A section template of our own for the test reports (the text is escaped like any other).
    templates = tmp_path / "templates" / "reports"
    templates.mkdir(parents=True)
    (templates / "_test_part1.html").write_text('<p class="report-para">{{ number }}.1 {{ data.text }}</p>')
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}
    ]
    types = [registry.register(_register_report(False)), registry.register(_register_report(True))]
    yield {report_type.classification: report_type for report_type in types}
    for report_type in types:
        registry.unregister(report_type.name)


def test_part_2_text_never_reaches_the_part_1_pdf_and_part_2_is_marked_on_every_page(register_reports, db):
    part_1 = rendering.render_report_to_pdf("test_register_part_1", {})
    part_2 = rendering.render_report_to_pdf("test_register_part_2", {})
    _, public_pages = pdf_text(part_1.pdf)
    _, exempt_pages = pdf_text(part_2.pdf)
    public = squash(" ".join(public_pages))
    exempt = squash(" ".join(exempt_pages))
    assert EXEMPT_TEXT not in public and "PART 2" not in public and "PART 1 - PUBLIC" in public
    assert EXEMPT_TEXT in exempt and "PART 1 - PUBLIC" not in exempt
    assert "PART 2 - EXEMPT" in exempt
    assert "paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972" in exempt
    assert "financial or business affairs" in exempt


def test_a_part_2_report_type_must_name_its_schedule_12a_paragraph():
    with pytest.raises(ValueError, match="Schedule 12A"):
        ReportType(
            name="x",
            title="x",
            description="x",
            form_class=RegisterForm,
            build=lambda c: None,
            classification=Classification.PART_2,
        )


# Security: escaping and the fetcher ----------------------------------------------------

HOSTILE = '<img src="http://example.invalid/x.png"> <img src="file:///etc/passwd"> <script>alert(1)</script>'


def images_in(pdf: bytes) -> int:
    reader = PdfReader(io.BytesIO(pdf))
    count = 0
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        count += sum(1 for obj in xobjects.values() if obj.get_object().get("/Subtype") == "/Image")
    return count


def test_a_narrative_with_markup_prints_as_text_and_fetches_nothing(db):
    plan = make_plan(actions=1)
    period = locked_period()
    report_on(plan, period, rags=[Rag.RED], narrative=HOSTILE)
    rendered = rendering.render_report_to_pdf("plan_progress", params(plan, period))
    text = squash(" ".join(pdf_text(rendered.pdf)[1]))
    assert '<img src="http://example.invalid/x.png">' in text
    assert '<img src="file:///etc/passwd">' in text
    assert "<script>alert(1)</script>" in text
    assert images_in(rendered.pdf) == 0


def test_the_html_version_escapes_the_narrative_too(client, people, small):
    plan, period = small
    QuarterlyUpdate.objects.filter(period=period).update(narrative=HOSTILE)
    job = ReportJob.objects.create(
        report_type="plan_progress", parameters=params(plan, period), title="t", dedupe_key="k"
    )
    assert rendering.run_job(job.pk) == "done"
    client.force_login(people[Role.MEMBER])
    html = client.get(reverse("reports:html", args=[job.pk])).content.decode()
    assert "&lt;img src=&quot;http://example.invalid/x.png&quot;&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert 'src="file:///etc/passwd"' not in html


# The web version, stored with the PDF ---------------------------------------------------


def visible_text(page: str) -> str:
    """What a reader sees of a page: tags dropped, entities decoded, whitespace squashed."""
    return squash(unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_web_version_still_shows_what_the_pdf_shows_after_the_records_change(
    client, people, small, django_capture_on_commit_callbacks
):
    plan, period = small
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = services.request_report(
            people[Role.CLERK], registry.get("plan_progress"), params(plan, period)
        )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    pdf = squash(" ".join(pdf_text(default_storage.open(job.file.name).read())[1]))
    counts = "Of the 4 actions at quarter 4 (January to March 2024): 2 red, 1 amber, 1 green."
    narratives = [f"Progress as planned. (action {number})" for number in range(1, 5)]
    for text in [counts, *narratives]:
        assert text in pdf

    # A correction after the paper went to committee: action 2 is now green, with new words.
    QuarterlyUpdate.objects.filter(action__number=2, period=period).update(
        rag=Rag.GREEN, narrative="Back on track since the committee met."
    )
    refresh_all()  # a raw update() sends no save signals: the stored counts follow it (plans.counts)
    report_type, report = rendering.build_report("plan_progress", params(plan, period))
    rebuilt = visible_text(
        rendering.render_html_fragment(rendering.template_context(report_type, report, for_pdf=False))
    )
    assert "Back on track since the committee met." in rebuilt and "1 red, 1 amber, 2 green" in rebuilt

    client.force_login(people[Role.MEMBER])
    response = client.get(reverse("reports:html", args=[job.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    shown = visible_text(page)
    for text in [job.title, counts, *narratives]:
        assert text in shown, f"the web version should show, as the PDF does: {text}"
    assert "Back on track" not in shown and "2 green" not in shown
    # The stored fragment sits inside the portal's page as markup, not as escaped text.
    assert re.search(r'<article class="app-report">\s*<div class="report-masthead">', page)
    assert "&lt;table" not in page and "<!DOCTYPE" not in page.split('<article class="app-report">', 1)[1]
    assert reverse("reports:download", args=[job.pk]) in page


def test_a_report_finished_before_web_versions_were_kept_says_so_rather_than_rebuilding(client, people, jobs):
    job = jobs[Classification.PART_1]  # finished, with a PDF and no stored web version
    assert job.is_done and job.file and not job.html_file
    client.force_login(people[Role.MEMBER])
    response = client.get(reverse("reports:html", args=[job.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "produced before the portal kept a web version with each PDF" in page
    assert "Reason for report" not in page and "Progress as planned" not in page
    assert reverse("reports:download", args=[job.pk]) in page

    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, file="")
    page = client.get(reverse("reports:html", args=[job.pk])).content.decode()
    assert "this report is not ready yet" in page and "Reason for report" not in page


class RefusesWebVersions(FileSystemStorage):
    """A real storage that takes the PDF and then cannot take the web version (a full disk, say)."""

    def _save(self, name, content):
        if name.endswith(".html"):
            raise OSError(28, "No space left on device")
        return super()._save(name, content)


def test_a_job_whose_web_version_cannot_be_saved_fails_and_keeps_no_pdf(small, settings, media):
    plan, period = small
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.RefusesWebVersions"}}
    job = ReportJob.objects.create(
        report_type="plan_progress", parameters=params(plan, period), dedupe_key="k"
    )
    assert rendering.run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and f"reference: report job {job.pk}" in job.error
    assert not job.file and not job.html_file
    assert not [path for path in (media / "reports").rglob("*") if path.is_file()], "the PDF was left behind"


def test_the_database_refuses_a_web_version_without_its_pdf(db):
    for fields in [
        {"status": JobStatus.DONE, "html_file": "reports/a/r.html"},
        {"status": JobStatus.FAILED, "file": "reports/a/r.pdf", "html_file": "reports/a/r.html"},
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            ReportJob.objects.create(report_type="x", dedupe_key="h", **fields)


def test_the_fetcher_serves_our_own_static_files_from_disk():
    fetcher = PortalStaticFetcher()
    response = fetcher.fetch(static_url("reports/report.css"))
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    assert fetcher.served == ["reports/report.css"]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.invalid/x.png",
        "https://example.invalid/static/reports/report.css",
        "file:///etc/passwd",
        "file:///work/main/static/reports/report.css",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://example.invalid/x.png",
        "gopher://example.invalid/",
        "STATIC_PREFIX../bromley_portal/settings.py",
        "STATIC_PREFIX%2e%2e/%2e%2e/etc/passwd",
        "STATIC_PREFIX..%2f..%2fetc%2fpasswd",
        "BASE_URLadmin/",
        "BASE_URLplans/",
        "STATIC_PREFIX",
    ],
)
def test_the_fetcher_refuses_every_other_address(url):
    url = url.replace("STATIC_PREFIX", static_prefix()).replace("BASE_URL", base_url())
    fetcher = PortalStaticFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_stops_the_render_when_our_own_file_is_missing():
    with pytest.raises(MissingStaticFile):
        PortalStaticFetcher().fetch(static_url("reports/no-such-file.css"))


def test_weasyprint_with_the_fetcher_loads_nothing_from_raw_markup():
    """The second line of defence: even unescaped markup cannot make WeasyPrint fetch."""
    fetcher = PortalStaticFetcher()
    markup = (
        '<html lang="en-GB"><head><link rel="stylesheet" href="http://example.invalid/x.css">'
        f'<link rel="stylesheet" href="{static_url("reports/report.css")}"></head><body>'
        '<img src="http://example.invalid/x.png" alt=""><img src="file:///etc/passwd" alt="">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">'
        '<p style="background: url(file:///etc/hostname)">text</p></body></html>'
    )
    pdf = HTML(string=markup, base_url=base_url(), url_fetcher=fetcher).write_pdf()
    assert set(fetcher.refused) == {
        "http://example.invalid/x.css",
        "http://example.invalid/x.png",
        "file:///etc/passwd",
        "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
        "file:///etc/hostname",
    }
    assert fetcher.served == ["reports/report.css"]
    assert images_in(pdf) == 0


# The pipeline: requests, reuse, failures and retries -----------------------------------


def test_asking_creates_a_job_and_sends_it_after_commit(small, people, django_capture_on_commit_callbacks):
    plan, period = small
    report_type = registry.get("plan_progress")
    with django_capture_on_commit_callbacks() as callbacks:
        job, created = services.request_report(people[Role.CLERK], report_type, params(plan, period))
    assert created and job.status == JobStatus.PENDING and len(callbacks) == 1
    assert job.title == "Children, Education and Families Portfolio Plan 2023-24: Progress at Quarter 4"
    assert job.classification == Classification.PART_1 and job.requested_by == people[Role.CLERK]


def test_an_identical_request_reuses_the_job_while_pending_running_or_fresh(
    small, people, django_capture_on_commit_callbacks
):
    plan, period = small
    report_type = registry.get("plan_progress")
    clerk, admin = people[Role.CLERK], people[Role.ADMIN]
    with django_capture_on_commit_callbacks() as callbacks:
        first, _ = services.request_report(clerk, report_type, params(plan, period))
        # The form posts strings; the command names the plan as people write it: all the same request.
        again, created = services.request_report(
            admin, report_type, {"plan": "CEF 2023-24", "period": "2023-24 Q4", "report_number": ""}
        )
    assert (again, created) == (first, False)
    assert len(callbacks) == 1, "one task, not two"

    with django_capture_on_commit_callbacks(execute=True):
        rendering.run_job(first.pk)
    first.refresh_from_db()
    assert first.status == JobStatus.DONE
    assert services.request_report(clerk, report_type, params(plan, period)) == (first, False)

    other, created = services.request_report(clerk, report_type, params(plan, period, report_number="CEF1"))
    assert created and other != first, "different parameters are a different report"

    ReportJob.objects.filter(pk=first.pk).update(finished_at=timezone.now() - timedelta(hours=1))
    fresh, created = services.request_report(clerk, report_type, params(plan, period))
    assert created and fresh != first, "an old report is produced again"


def test_two_active_jobs_for_the_same_request_cannot_exist(db):
    ReportJob.objects.create(report_type="x", dedupe_key="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportJob.objects.create(report_type="x", dedupe_key="same", status=JobStatus.RUNNING)
    ReportJob.objects.create(report_type="x", dedupe_key="same", status=JobStatus.DONE)  # finished ones may


def test_only_those_allowed_may_ask(small, people):
    plan, period = small
    for role in ROLES:
        if role in REQUESTERS:
            continue
        with pytest.raises(PermissionDenied, match="cannot ask"):
            services.request_report(people[role], registry.get("plan_progress"), params(plan, period))


def test_the_task_renders_records_stages_and_writes_through_storage(small, people):
    plan, period = small
    job = ReportJob.objects.create(
        report_type="plan_progress", parameters=params(plan, period), title="t", dedupe_key="k"
    )
    stages = []
    original = ReportJob.objects.record_stage

    def spy(job_id, stage, percent, attempt=None):
        stages.append((stage, percent))
        return original(job_id, stage, percent, attempt)

    ReportJob.objects.record_stage = spy
    try:
        assert rendering.run_job(job.pk) == "done"
    finally:
        del ReportJob.objects.record_stage
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.percent == 100 and job.stage == "Ready"
    assert job.attempts == 1 and job.started_at <= job.finished_at
    data = default_storage.open(job.file.name).read()
    assert data.startswith(b"%PDF")
    assert job.size == len(data)
    assert job.checksum == hashlib.sha256(data).hexdigest()
    assert job.page_count == len(PdfReader(io.BytesIO(data)).pages)
    assert job.file.name.startswith("reports/") and job.file.name.endswith("/cef-2023-24-q4-progress.pdf")
    # The web version is stored beside it, from the same build.
    assert job.html_file.name == job.file.name.removesuffix(".pdf") + ".html"
    html = default_storage.open(job.html_file.name).read()
    assert job.html_checksum == hashlib.sha256(html).hexdigest()
    assert b"Progress as planned. (action 2)" in html and b"<html" not in html
    names = [stage for stage, _ in stages]
    assert names[:3] == [
        "Checking what was asked for",
        "Reading the figures from the portal",
        "Preparing the pages",
    ]
    assert any(name.startswith("Laying out page") for name in names)
    assert "Writing the PDF" in names and "Saving the file" in names
    percents = [percent for _, percent in stages]
    assert percents == sorted(percents), "progress only goes forward"


def test_the_task_is_safe_to_run_twice_and_quiet_about_jobs_gone(small):
    plan, period = small
    job = ReportJob.objects.create(
        report_type="plan_progress", parameters=params(plan, period), title="t", dedupe_key="k"
    )
    tasks.render.delay(job.pk)  # inline in tests
    job.refresh_from_db()
    finished, name = job.finished_at, job.file.name
    assert rendering.run_job(job.pk) == "already done"
    job.refresh_from_db()
    assert (job.finished_at, job.file.name, job.attempts) == (finished, name, 1)
    assert rendering.run_job(999_999) == "gone"
    # Running with a live heartbeat: another worker has it.
    running = ReportJob.objects.create(
        report_type="plan_progress", dedupe_key="r", status=JobStatus.RUNNING, heartbeat_at=timezone.now()
    )
    assert rendering.run_job(running.pk) == "busy"


def test_a_failed_job_says_why_in_plain_english_and_can_be_retried(
    small, people, settings, tmp_path, client, django_capture_on_commit_callbacks
):
    plan, period = small
    clerk = people[Role.CLERK]
    settings.STATICFILES_DIRS = [tmp_path / "empty"]  # the print stylesheet is missing
    (tmp_path / "empty").mkdir()
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = services.request_report(clerk, registry.get("plan_progress"), params(plan, period))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "print stylesheet" in job.error and "Traceback" not in job.error
    assert not job.file

    client.force_login(clerk)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The report could not be produced" in page and "print stylesheet" in page
    assert "Retry" in page

    settings.STATICFILES_DIRS = [ROOT / "static"]  # mended
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:retry", args=[job.pk]))
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.error == "" and job.attempts == 2


def test_an_unexpected_error_is_not_shown_but_given_a_reference(register_reports, db):
    def explode(cleaned):
        raise RuntimeError("psycopg: relation secret_table does not exist")

    registry.register(
        ReportType(name="test_explodes", title="x", description="x", form_class=RegisterForm, build=explode)
    )
    try:
        job = ReportJob.objects.create(report_type="test_explodes", dedupe_key="e")
        assert rendering.run_job(job.pk) == "failed"
    finally:
        registry.unregister("test_explodes")
    job.refresh_from_db()
    assert f"reference: report job {job.pk}" in job.error
    assert "secret_table" not in job.error and "RuntimeError" not in job.error


def test_a_report_stopped_at_the_soft_time_limit_says_so(db):
    def slow(cleaned):
        raise SoftTimeLimitExceeded()

    registry.register(
        ReportType(name="test_slow", title="x", description="x", form_class=RegisterForm, build=slow)
    )
    try:
        job = ReportJob.objects.create(report_type="test_slow", dedupe_key="s")
        assert rendering.run_job(job.pk) == "failed"
    finally:
        registry.unregister("test_slow")
    job.refresh_from_db()
    minutes = round(settings.CELERY_TASK_SOFT_TIME_LIMIT / 60)
    assert f"took longer than {minutes} minutes" in job.error


def test_a_request_that_is_no_longer_valid_fails_with_the_forms_message(small):
    plan, period = small
    job = ReportJob.objects.create(
        report_type="plan_progress", parameters=params(plan, period), dedupe_key="k"
    )
    ReportingPeriod.objects.filter(pk=period.pk).update(status=PeriodStatus.OPEN)
    refresh_all()  # a raw update() sends no save signals: the stored counts follow it (plans.counts)
    assert rendering.run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error.startswith("This report cannot be produced as asked:")
    assert "Only a locked period goes to committee" in job.error


# Housekeeping ----------------------------------------------------------------------------


def test_the_sweeper_fails_jobs_no_worker_will_finish(db):
    now = timezone.now()
    hard = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    dead = ReportJob.objects.create(
        report_type="x",
        dedupe_key="1",
        status=JobStatus.RUNNING,
        started_at=now - hard - timedelta(minutes=2),
    )
    busy = ReportJob.objects.create(
        report_type="x", dedupe_key="2", status=JobStatus.RUNNING, started_at=now - timedelta(minutes=1)
    )
    forgotten = ReportJob.objects.create(
        report_type="x", dedupe_key="3", queued_at=now - timedelta(minutes=31)
    )
    waiting = ReportJob.objects.create(report_type="x", dedupe_key="4", queued_at=now - timedelta(minutes=1))
    done = ReportJob.objects.create(
        report_type="x", dedupe_key="5", status=JobStatus.DONE, started_at=now - timedelta(days=1)
    )
    assert tasks.fail_stuck_jobs.delay().get() == 2
    statuses = dict(ReportJob.objects.values_list("pk", "status"))
    assert statuses == {
        dead.pk: JobStatus.FAILED,
        busy.pk: JobStatus.RUNNING,
        forgotten.pk: JobStatus.FAILED,
        waiting.pk: JobStatus.PENDING,
        done.pk: JobStatus.DONE,
    }
    dead.refresh_from_db()
    forgotten.refresh_from_db()
    assert "stopped before it finished" in dead.error and "Try again" in dead.error
    assert "No worker started this report within 30 minutes" in forgotten.error
    # The killed worker's task, redelivered later, leaves the failed job alone.
    assert rendering.run_job(dead.pk) == "already failed"


def test_a_job_failed_by_the_sweeper_while_still_rendering_leaves_no_file(db, media):
    def swept_meanwhile(cleaned):
        ReportJob.objects.filter(status=JobStatus.RUNNING).update(status=JobStatus.FAILED, error="stuck")
        return CommitteeReport(
            header=ReportHeader(title="t", decision_maker="d"),
            reason=[],
            recommendations=[],
            sections=[],
            filename="swept",
        )

    registry.register(
        ReportType(
            name="test_swept", title="x", description="x", form_class=RegisterForm, build=swept_meanwhile
        )
    )
    try:
        job = ReportJob.objects.create(report_type="test_swept", dedupe_key="w")
        assert rendering.run_job(job.pk) == "abandoned"
    finally:
        registry.unregister("test_swept")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.file and not job.html_file
    assert not [path for path in (media / "reports").rglob("*") if path.is_file()]


def test_clean_up_deletes_old_ad_hoc_reports_and_keeps_published_papers(db):
    now = timezone.now()
    old = now - timedelta(days=settings.REPORTS_KEEP_DAYS + 1)

    def job(key, *, finished, published=False, status=JobStatus.DONE):
        files = {}
        if status == JobStatus.DONE:
            files = {
                "file": default_storage.save(f"reports/{key}/report.pdf", ContentFile(b"%PDF-1.7 test")),
                "html_file": default_storage.save(f"reports/{key}/report.html", ContentFile(b"<p>x</p>")),
            }
        return ReportJob.objects.create(
            report_type="x",
            dedupe_key=key,
            status=status,
            finished_at=finished,
            published=published,
            published_at=finished if published else None,
            **files,
        )

    ad_hoc = job("old", finished=old)
    failed = job("failed", finished=old, status=JobStatus.FAILED)
    paper = job("paper", finished=old, published=True)
    recent = job("recent", finished=now - timedelta(days=1))
    assert tasks.clean_up.delay().get() == 2
    assert set(ReportJob.objects.values_list("pk", flat=True)) == {paper.pk, recent.pk}
    assert not default_storage.exists(ad_hoc.file.name) and not default_storage.exists(ad_hoc.html_file.name)
    assert not failed.file and not failed.html_file
    for kept in (paper, recent):
        assert default_storage.exists(kept.file.name) and default_storage.exists(kept.html_file.name)


def test_housekeeping_runs_on_the_default_queue_and_rendering_on_the_pdf_queue():
    celery_app.loader.import_default_modules()
    router = celery_app.amqp.router
    assert router.route({}, "reports.render")["queue"].name == "pdf"
    for name in ["reports.fail_stuck_jobs", "reports.clean_up"]:
        options = celery_app.tasks[name]._get_exec_options()
        assert router.route(options, name)["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE
    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert entries["reports.fail_stuck_jobs"]["options"]["queue"] == settings.CELERY_TASK_DEFAULT_QUEUE
    assert entries["reports.clean_up"]["options"]["queue"] == settings.CELERY_TASK_DEFAULT_QUEUE


# In the browser (test client) and permissions --------------------------------------------


def test_a_clerk_asks_for_the_report_follows_it_and_downloads_it(
    client, people, small, django_capture_on_commit_callbacks
):
    plan, period = small
    client.force_login(people[Role.CLERK])
    form = client.get(reverse("reports:request", args=["plan_progress"]))
    assert form.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:request", args=["plan_progress"]),
            {
                "plan": plan.pk,
                "period": period.pk,
                "report_number": "CEF24015",
                "meeting_date_0": "27",
                "meeting_date_1": "6",
                "meeting_date_2": "2024",
            },
        )
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.parameters["meeting_date"] == "2024-06-27"
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The report is ready" in page and "Download the PDF" in page
    status = client.get(reverse("reports:job_status", args=[job.pk])).json()
    assert status["done"] and status["percent"] == 100
    assert status["download_url"] == reverse("reports:download", args=[job.pk])
    download = client.get(status["download_url"])
    assert download["Content-Type"] == "application/pdf"
    assert 'attachment; filename="cef-2023-24-q4-progress.pdf"' in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == job.checksum
    assert "27th June 2024" in squash(" ".join(pdf_text(body)[1]))
    html = client.get(reverse("reports:html", args=[job.pk])).content.decode()
    assert "1.2" in html and "Red" in html and "Progress as planned. (action 2)" in html


def test_the_progress_page_refreshes_itself_while_the_job_runs(client, people, small):
    plan, period = small
    job = ReportJob.objects.create(
        report_type="plan_progress",
        parameters=params(plan, period),
        title="CEF",
        dedupe_key="k",
        status=JobStatus.RUNNING,
        stage="Laying out page 3",
        percent=40,
    )
    client.force_login(people[Role.MEMBER])
    page = client.get(job.get_absolute_url()).content.decode()
    assert '<noscript><meta http-equiv="refresh"' in page
    assert "Laying out page 3" in page and 'value="40"' in page
    assert reverse("reports:job_status", args=[job.pk]) in page and "reports/progress.mjs" in page
    assert "Retry" not in page and "Download the PDF" not in page


@pytest.mark.parametrize(
    "form_data, message",
    [
        ({"period": "unlocked"}, "Only a locked period goes to committee"),
        ({"period": "other-year"}, "The CEF plan is for 2023-24: choose a period of 2023-24."),
        ({"meeting_date_0": "31", "meeting_date_1": "2", "meeting_date_2": "2024"}, "must be a real date"),
        ({"meeting_date_0": "27"}, "Enter the month"),
        ({"plan": ""}, "Choose the portfolio plan"),
    ],
)
def test_bad_requests_redisplay_the_form_with_a_clear_message_and_change_nothing(
    client, people, small, form_data, message
):
    plan, period = small
    unlocked = ReportingPeriod.objects.create(year=2023, quarter=3, **ReportingPeriod.default_dates(2023, 3))
    other_year = locked_period(2024, 1)
    data = {"plan": plan.pk, "period": period.pk, **form_data}
    data["period"] = {"unlocked": unlocked.pk, "other-year": other_year.pk}.get(
        data["period"], data["period"]
    )
    client.force_login(people[Role.CLERK])
    response = client.post(reverse("reports:request", args=["plan_progress"]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not ReportJob.objects.exists()


@pytest.fixture
def jobs(small, register_reports):
    plan, period = small
    name = default_storage.save("reports/abc/report.pdf", ContentFile(b"%PDF-1.7 test"))
    common = {
        "status": JobStatus.DONE,
        "file": name,
        "finished_at": timezone.now(),
        "page_count": 1,
        "size": 13,
    }
    part_1 = ReportJob.objects.create(
        report_type="plan_progress", parameters=params(plan, period), title="Public", dedupe_key="1", **common
    )
    part_2 = ReportJob.objects.create(
        report_type="test_register_part_2",
        title="Exempt register",
        dedupe_key="2",
        classification=Classification.PART_2,
        exempt_paragraph=3,
        published=True,
        published_at=timezone.now(),
        **common,
    )
    return {Classification.PART_1: part_1, Classification.PART_2: part_2}


def page_urls(job):
    return {
        "progress page": reverse("reports:job", args=[job.pk]),
        "status": reverse("reports:job_status", args=[job.pk]),
        "download": reverse("reports:download", args=[job.pk]),
        "web version": reverse("reports:html", args=[job.pk]),
    }


@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_role_against_every_report_page(client, people, jobs, role):
    client.force_login(people[role])
    expect = {
        reverse("reports:index"): role in PART_1_READERS,
        reverse("reports:request", args=["plan_progress"]): role in REQUESTERS,
    }
    for url in page_urls(jobs[Classification.PART_1]).values():
        expect[url] = role in PART_1_READERS
    for url in page_urls(jobs[Classification.PART_2]).values():
        expect[url] = role in PART_2_READERS
    for url, allowed in expect.items():
        response = client.get(url)
        if allowed:
            assert response.status_code == 200, f"{role_id(role)} should open {url}"
        else:
            assert response.status_code == 403, (
                f"{role_id(role)} should be refused {url}, got {response.status_code}"
            )


@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_role_against_retry_and_publish(client, people, jobs, role):
    client.force_login(people[role])
    job = jobs[Classification.PART_1]
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    retry = client.post(reverse("reports:retry", args=[job.pk]))
    assert (retry.status_code == 302) == (role in REQUESTERS), role_id(role)
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE)
    publish = client.post(reverse("reports:publish", args=[job.pk]))
    assert (publish.status_code == 302) == (role in REQUESTERS), role_id(role)
    assert ReportJob.objects.get(pk=job.pk).published == (role in REQUESTERS)


@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_only_admins_reach_report_jobs_in_the_django_admin(client, people, jobs, role):
    client.force_login(people[role])
    for url in [
        "/admin/reports/reportjob/",
        f"/admin/reports/reportjob/{jobs[Classification.PART_1].pk}/change/",
    ]:
        response = client.get(url)
        if role == Role.ADMIN:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403 or "/login/" in response.get("Location", ""), url


def test_anonymous_visitors_are_sent_to_sign_in(client, jobs):
    for url in [reverse("reports:index"), *page_urls(jobs[Classification.PART_2]).values()]:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


def test_members_see_published_part_1_papers_only(client, people, jobs):
    ReportJob.objects.filter(pk=jobs[Classification.PART_1].pk).update(
        published=True, published_at=timezone.now()
    )
    client.force_login(people[Role.MEMBER])
    page = client.get(reverse("reports:index")).content.decode()
    assert "Public" in page and "Exempt register" not in page
    assert "Ask for a report" not in page
    client.force_login(people[Role.CLERK])
    page = client.get(reverse("reports:index")).content.decode()
    assert "Public" in page and "Exempt register" in page and "Ask for a report" in page


def test_the_nav_shows_committee_reports_to_those_who_read_them(client, people):
    for role in ROLES:
        client.force_login(people[role])
        labels = [item.label for item in client.get(reverse("home")).context["portal_nav"]]
        assert ("Committee reports" in labels) == (role in PART_1_READERS), role_id(role)


# The command and the architecture -----------------------------------------------------------


def test_the_command_renders_the_same_report_synchronously(small, tmp_path):
    output = tmp_path / "cef.pdf"
    stdout = io.StringIO()
    call_command(
        "render_report",
        "plan_progress",
        "plan=CEF 2023-24",
        "period=2023-24 Q4",
        "meeting_date=2024-06-27",
        output=str(output),
        stdout=stdout,
        stderr=io.StringIO(),
    )
    reader, pages = pdf_text(output.read_bytes())
    assert "Progress at Quarter 4" in reader.metadata.title
    assert f"{len(pages)} pages" in stdout.getvalue()
    assert not ReportJob.objects.exists(), "the command makes a file, not a job"


def test_the_command_says_what_is_wrong_with_its_parameters(small, tmp_path):
    with pytest.raises(CommandError, match="There is no plan “XYZ 2023-24”"):
        call_command(
            "render_report",
            "plan_progress",
            "plan=XYZ 2023-24",
            "period=2023-24 Q4",
            output=str(tmp_path / "x.pdf"),
        )
    with pytest.raises(CommandError, match="There is no report called “nope”"):
        call_command("render_report", "nope", output=str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="not key=value"):
        call_command("render_report", "plan_progress", "plan", output=str(tmp_path / "x.pdf"))


def test_the_report_pipeline_imports_no_domain_app():
    domain = {"ambitions", "plans", "contracts", "complaints"}
    for path in (ROOT / "bromley_portal" / "reports").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in domain, f"{path.relative_to(ROOT)} imports {name}"


def test_reports_register_themselves_from_their_apps():
    names = [report_type.name for report_type in registry.all_types()]
    assert names[:2] == ["plan_progress", "corporate_summary"]


def test_an_unknown_report_is_a_clear_error():
    with pytest.raises(ReportError, match="There is no report called"):
        registry.get("nope")


def test_the_print_stylesheet_stays_small():
    css = (ROOT / "static" / "reports" / "report.css").read_text()
    assert len(css.splitlines()) <= 130 and "@import" not in css and "url(" not in css


def test_the_date_is_written_as_the_council_writes_it(small):
    plan, period = small
    cleaned, parameters = registry.get("plan_progress").clean(params(plan, period, meeting_date="2024-06-27"))
    assert cleaned["meeting_date"] == date(2024, 6, 27)
    assert parameters["meeting_date"] == "2024-06-27"


def test_a_two_digit_action_number_never_wraps(db):
    plan = make_plan(actions=15)
    period = locked_period()
    report_on(plan, period, rags=[Rag.RED] * 15)
    with pdfplumber.open(
        io.BytesIO(rendering.render_report_to_pdf("plan_progress", params(plan, period)).pdf)
    ) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "1.14" in text and "1.15" in text
    assert not re.search(r"\b1\.1\n4\b", text)


# A job whose worker died (issue 11, item 8) --------------------------------------------------------


def running_job(plan, period, heartbeat_age: timedelta, **fields):
    """A job as asking for the plan's report makes it, running, its last heartbeat ``heartbeat_age`` ago."""
    report_type = registry.get("plan_progress")
    _, parameters = report_type.clean(params(plan, period))
    return ReportJob.objects.create(
        report_type="plan_progress",
        parameters=parameters,
        title="CEF",
        dedupe_key=services.dedupe_key(report_type, parameters),
        status=JobStatus.RUNNING,
        stage="Laying out page 3",
        percent=48,
        attempts=1,
        started_at=timezone.now() - heartbeat_age - timedelta(seconds=5),
        heartbeat_at=timezone.now() - heartbeat_age,
        **fields,
    )


def test_a_job_with_a_live_heartbeat_is_being_produced(client, people, small):
    job = running_job(*small, heartbeat_age=timedelta(seconds=5))
    assert job.is_in_progress and not job.is_stalled
    client.force_login(people[Role.CLERK])
    page = client.get(job.get_absolute_url()).content.decode()
    assert "You can leave it" in page and "Retry" not in page
    assert client.get(reverse("reports:job_status", args=[job.pk])).json()["stalled"] is False


def test_a_job_whose_heartbeat_stopped_says_it_stopped_and_offers_retry(client, people, small, settings):
    job = running_job(*small, heartbeat_age=timedelta(seconds=settings.REPORTS_HEARTBEAT_TIMEOUT + 1))
    assert job.is_stalled and not job.is_in_progress
    client.force_login(people[Role.CLERK])
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The report stopped before it was finished" in page
    assert "Being produced" not in page and "You can leave it" not in page and "48%" not in page
    assert "progress.mjs" not in page and "http-equiv" not in page  # it stops following the job
    assert f'action="{reverse("reports:retry", args=[job.pk])}"' in page
    status = client.get(reverse("reports:job_status", args=[job.pk])).json()
    assert status["stalled"] is True and status["status"] == JobStatus.RUNNING
    # A member reads it too, without the Retry button.
    client.force_login(people[Role.MEMBER])
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The report stopped before it was finished" in page and "Retry</button>" not in page


def test_asking_again_for_a_job_whose_heartbeat_stopped_restarts_it_at_once(
    small, people, django_capture_on_commit_callbacks
):
    plan, period = small
    stuck = running_job(plan, period, heartbeat_age=timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        job, created = services.request_report(
            people[Role.CLERK], registry.get("plan_progress"), params(plan, period)
        )
    assert job.pk == stuck.pk and not created
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2 and job.file


def test_retry_restarts_a_job_whose_heartbeat_stopped_but_not_a_live_one(
    client, small, people, django_capture_on_commit_callbacks
):
    plan, period = small
    client.force_login(people[Role.CLERK])
    live = running_job(plan, period, heartbeat_age=timedelta(seconds=1))
    client.post(reverse("reports:retry", args=[live.pk]))
    live.refresh_from_db()
    assert (live.status, live.attempts, live.percent) == (JobStatus.RUNNING, 1, 48)  # left alone
    ReportJob.objects.filter(pk=live.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:retry", args=[live.pk]))
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.status == JobStatus.DONE and live.attempts == 2


def test_a_dead_attempt_is_taken_over_once_and_can_no_longer_write(small):
    plan, period = small
    job = ReportJob.objects.create(
        report_type="plan_progress", parameters=params(plan, period), dedupe_key="k"
    )
    first = ReportJob.objects.claim(job.pk)
    assert first == 1
    assert ReportJob.objects.claim(job.pk) is None  # running, heartbeat alive: not taken over
    assert rendering.run_job(job.pk) == "busy"
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert list(ReportJob.objects.stalled()) == [job]
    second = ReportJob.objects.claim(job.pk)
    assert second == 2
    assert ReportJob.objects.claim(job.pk) is None  # taken over once, not twice
    # The first attempt, if it was not dead after all, can record nothing more.
    assert not ReportJob.objects.beat(job.pk, first)
    assert not ReportJob.objects.record_stage(job.pk, "Laying out page 9", 60, first)
    assert not ReportJob.objects.move(job.pk, JobStatus.DONE, attempt=first, stage="Ready")
    assert ReportJob.objects.beat(job.pk, second)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.stage) == (JobStatus.RUNNING, 2, "Starting")
