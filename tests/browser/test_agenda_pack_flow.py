"""A clerk builds the CEF PDS committee's agenda pack for 17 November 2022 in the browser (issue 14): adds
the Contracts Register item and attaches the portal's report (a real worker on the pdf queue renders it
with the item's report number), adds an appendix and uploads its PDF, builds the pack (the worker again),
publishes it, and finds it on the public committee page. The downloaded pack's front sheet gives the page
where each item starts, read back with pypdf and pdfplumber. Every page passes axe-core."""

import io
import re

import pdfplumber
import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from ambitions.models import Portfolio
from ambitions.services import load_seed_strategy
from bromley_portal.accounts.roles import Role
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from contracts.models import RegisterCycle
from contracts.seeds import load_seed_register
from meetings.models import AgendaPack, Meeting
from tests.browser.test_report_download import sign_in
from tests.factories import make_user
from tests.meeting_factories import make_meeting, make_paper
from tests.test_report_worker import pdf_worker_running

pytestmark = [pytest.mark.browser, pytest.mark.worker]

REGISTER = "Contracts Register: Children, Education and Families, September 2022"


@pytest.fixture
def council(transactional_db):
    load_seed_strategy()
    load_seed_register()
    clerk = make_user(Role.CLERK, username="cleo", first_name="Cleo", last_name="Clerk")
    cycle = RegisterCycle.objects.get(name="September 2022")
    # The clerk's finished Contracts Register report, which the item will ask for again with its number.
    ReportJob.objects.create(
        report_type="contracts_register",
        parameters={"portfolio": Portfolio.objects.get(code="CEF").pk, "cycle": cycle.pk},
        dedupe_key="source",
        requested_by=clerk,
        title=REGISTER,
        status=JobStatus.DONE,
    )
    return make_meeting()


def add_item(page, axe, meeting, number, title, *, report_number=True):
    page.goto(meeting.get_absolute_url())
    page.get_by_role("link", name="Add an item").click()
    axe(page)
    page.get_by_role("textbox", name="Number").fill(number)
    page.get_by_role("textbox", name="Title").fill(title)
    if not report_number:  # an appendix: no report number of its own
        page.get_by_role("checkbox", name="Give it a report number").uncheck()
    page.get_by_role("button", name=re.compile("^Add")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_a_clerk_builds_publishes_and_finds_the_17_november_2022_pack(page, axe, council, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    appendix = tmp_path / "appendix-1.pdf"
    appendix.write_bytes(make_paper("Appendix 1: Contracts Database extract", 3, "Public"))
    with pdf_worker_running(settings.MEDIA_ROOT, tmp_path / "worker.log"):
        sign_in(page, "cleo")
        add_item(page, axe, council, "4", "Contracts Register report")
        source = ReportJob.objects.get(dedupe_key="source")
        page.get_by_label("A report produced in the portal").select_option(value=str(source.pk))
        page.get_by_role("button", name="Attach the report").click()
        # The item's paper is now the report asked for again with its number (the worker is making it).
        expect(
            page.locator(".govuk-summary-list").get_by_role("link", name=re.compile("Contracts Register"))
        ).to_be_visible()
        add_item(page, axe, council, "5", "Appendix 1: Contracts Database extract", report_number=False)
        page.get_by_label("Upload a PDF").set_input_files(str(appendix))
        page.get_by_role("button", name="Upload the PDF").click()
        expect(page.get_by_text("checked and cleaned")).to_be_visible()
        axe(page)

        _wait_for_the_report(page)
        page.goto(council.get_absolute_url())
        page.get_by_role("button", name="Build the agenda pack").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Agenda pack, version 1"))
        _wait_for_the_pack(page)
        axe(page)
        page.get_by_role("button", name="Publish this pack").click()
        expect(page.get_by_text("kept for good").first).to_be_visible()

        # The public page, signed out.
        page.context.clear_cookies()
        page.goto(reverse("meetings:public_meeting", args=[council.pk]))
        axe(page)
        with page.expect_download() as download_info:
            page.get_by_role("link", name=re.compile("^Download the agenda pack")).click()
        data = open(download_info.value.path(), "rb").read()  # noqa: SIM115
    _the_front_sheet_says_where_each_item_starts(data)


def _wait_for_the_report(page, timeout_s: float = 180) -> None:
    """The attached report is produced again by the worker, with the item's number."""
    import time

    deadline = time.monotonic() + timeout_s
    job = ReportJob.objects.exclude(dedupe_key="source").get()
    while job.is_active and time.monotonic() < deadline:
        time.sleep(0.5)
        job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.parameters["report_number"] == "CEF22001"


def _wait_for_the_pack(page, timeout_ms: int = 180_000) -> None:
    """The pack page, reloaded by its "Check progress" link until the worker has built the pack."""
    import time

    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        if page.get_by_role("button", name="Publish this pack").count():
            return
        link = page.get_by_role("link", name="Check progress")
        if link.count():
            link.click()
        else:
            page.reload()
        page.wait_for_timeout(500)
    pytest.fail(f"the pack was not built: {AgendaPack.objects.values('status', 'error').first()}")


def _the_front_sheet_says_where_each_item_starts(data: bytes) -> None:
    pack = AgendaPack.objects.get()
    assert pack.is_published and Meeting.objects.get().packs.count() == 1
    starts = {entry["number"]: entry["start"] for entry in pack.contents}
    reader = PdfReader(io.BytesIO(data))
    pypdf_pages = [" ".join((p.extract_text() or "").split()) for p in reader.pages]
    with pdfplumber.open(io.BytesIO(data)) as document:
        plumber_pages = [" ".join((p.extract_text() or "").split()) for p in document.pages]
    for pages in (pypdf_pages, plumber_pages):
        front = pages[0]
        assert re.search(rf"Contracts Register report CEF22001 {starts['4']}\b", front), front
        assert re.search(rf"Appendix 1: Contracts Database extract {starts['5']}\b", front), front
        assert "CEF22001" in pages[starts["4"] - 1] and "Reason for report" in pages[starts["4"] - 1]
        assert "Appendix 1: Contracts Database extract Public Sheet 1." in pages[starts["5"] - 1]
        for number, text in enumerate(pages, start=1):
            assert f"Page {number}" in text
    assert len(reader.pages) == pack.page_count
