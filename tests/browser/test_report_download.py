"""A clerk asks for the CEF 2023-24 progress report at quarter 3 (the quarter seed 001's updates,
written in January 2024, report), watches it progress while a real worker on the pdf queue renders
it, and downloads the PDF. Every page passes axe-core."""

import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from ambitions.services import load_seed_strategy
from bromley_portal.accounts.roles import Role
from bromley_portal.reports.models import ReportJob
from plans.seeds import load_seed_plans
from tests.factories import TEST_PASSWORD, make_user
from tests.test_report_worker import pdf_worker_running

pytestmark = pytest.mark.browser

TITLE = "Children, Education and Families Portfolio Plan 2023-24: Progress at Quarter 3"


@pytest.fixture
def council(transactional_db):
    load_seed_strategy()
    load_seed_plans()
    return make_user(Role.CLERK, username="cleo", first_name="Cleo", last_name="Clerk")


def sign_in(page, username: str) -> None:
    page.goto(reverse("login"))
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def fill_the_form(page, day="27"):
    page.get_by_label("Portfolio plan").select_option(label="Children, Education and Families 2023-24")
    page.get_by_label("Reporting period").select_option(label="2023-24 Q3 (locked for committee)")
    page.get_by_label("Report number (optional)").fill("CEF24015")
    page.get_by_label("Day").fill(day)
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("2024")


def test_a_clerk_requests_the_cef_progress_report_watches_it_and_downloads_it(
    page, axe, council, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    with pdf_worker_running(settings.MEDIA_ROOT, tmp_path / "worker.log"):
        sign_in(page, "cleo")
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Committee reports")
        axe(page)

        page.get_by_role("link", name="Portfolio plan progress").click()
        expect(page).to_have_title("Portfolio plan progress – Bromley Portal")
        axe(page)
        fill_the_form(page)
        page.get_by_role("button", name="Produce the report").click()

        # The progress page: it shows the job's stage and follows it without a reload by hand.
        expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
        job = ReportJob.objects.get()
        if job.is_active:  # a fast worker may have finished before the page loaded
            expect(page.get_by_label("Progress")).to_be_visible()
            axe(page)
        download_button = page.get_by_role("link", name=re.compile(r"^Download the PDF"))
        expect(download_button).to_be_visible(timeout=180_000)
        expect(page.get_by_text("The report is ready")).to_be_visible()
        axe(page)

        with page.expect_download() as download_info:
            download_button.click()
        download = download_info.value
        assert download.suggested_filename == "cef-2023-24-q3-progress.pdf"
        reader = PdfReader(io.BytesIO(open(download.path(), "rb").read()))  # noqa: SIM115
        job.refresh_from_db()
        assert reader.metadata.title == TITLE
        assert len(reader.pages) == job.page_count
        first = reader.pages[0].extract_text()
        assert "CEF24015" in first and "27th June 2024" in first and "PART 1 - PUBLIC" in first

        page.get_by_role("link", name="Read the report as a web page").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
        expect(page.get_by_role("heading", name="1. Reason for report")).to_be_visible()
        axe(page)


def test_a_mistake_in_the_form_is_shown_in_the_error_summary(page, axe, council):
    sign_in(page, "cleo")
    page.goto(reverse("reports:request", args=["plan_progress"]))
    fill_the_form(page, day="31")
    page.get_by_label("Month").fill("2")
    page.get_by_role("button", name="Produce the report").click()
    expect(page).to_have_title("Error: Portfolio plan progress – Bromley Portal")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The committee date must be a real date")
    axe(page)
    assert not ReportJob.objects.exists()
