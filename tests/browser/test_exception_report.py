"""A clerk asks for the exception report for a plan and a locked quarter on the reports page; the job is
rendered through the pipeline's worker side (rendering.run_job, as the pdf queue's task does), and the
report's web version, its HTML twin, is read in the browser. Every page passes axe-core."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from bromley_portal.reports import rendering
from bromley_portal.reports.models import ReportJob
from tests.browser.test_report_download import sign_in
from tests.factories import make_user
from tests.test_exception_report import make_council

pytestmark = pytest.mark.browser

TITLE = "Children, Education and Families Portfolio Plan 2024-25: Exception Report at Quarter 2 2024-25"


@pytest.fixture
def council(transactional_db):
    make_council()
    return make_user(Role.CLERK, username="cleo", first_name="Cleo", last_name="Clerk")


def test_a_clerk_asks_for_the_exception_report_and_reads_its_web_version(
    page, axe, council, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    sign_in(page, "cleo")
    page.goto(reverse("reports:index"))
    page.get_by_role("link", name="Exception report").click()
    expect(page).to_have_title("Exception report – Bromley Portal")
    axe(page)
    page.get_by_label("Portfolio plan").select_option(label="Children, Education and Families 2024-25")
    page.get_by_label("Reporting period").select_option(label="2024-25 Q2 (locked for committee)")
    page.get_by_role("button", name="Produce the report").click()
    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    job = ReportJob.objects.get()
    assert rendering.run_job(job.pk) in {"done", "already done"}
    page.reload()
    page.get_by_role("link", name="Read the report as a web page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", name="CEF 1.1: Action 1 of CEF")).to_be_visible()
    expect(page.get_by_role("heading", name="Measure: Foster carers recruited")).to_be_visible()
    expect(page.get_by_role("table", name="RAG status in the last 4 quarters").first).to_be_visible()
    axe(page)
