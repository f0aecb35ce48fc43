"""The public committee pages in a real browser, signed out: axe-core at 1280, 390 and 320 px, no
sideways scrolling, and a visitor going from the list to a meeting and to a report's web version."""

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from meetings import packs, services
from meetings.choices import Part
from meetings.models import AgendaItem, Meeting
from tests.browser.conftest import rows_for_the_whole_module
from tests.factories import make_user
from tests.meeting_factories import make_meeting, make_paper, upload

pytestmark = pytest.mark.browser

SECRET = "Exempt contract award"


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=folder):
        yield folder


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker, media):
    """A published meeting: a Part 1 portal report with its web version, a Part 1 upload, a Part 2 item."""
    with rows_for_the_whole_module(django_db_blocker):
        clerk = make_user(Role.CLERK, username="clerk")
        meeting = make_meeting()
        report_item = services.add_item(clerk, meeting, number="4", title="Placement sufficiency strategy")
        job = ReportJob(
            report_type="plan_progress",
            title="Placement sufficiency strategy",
            dedupe_key="browser-public",
            status=JobStatus.DONE,
            finished_at=timezone.now(),
            page_count=1,
        )
        job.file.save("public.pdf", ContentFile(make_paper("Placement sufficiency", 1)), save=False)
        job.html_file.save(
            "public.html",
            ContentFile(
                b"<h1 class='govuk-heading-l'>Placement sufficiency strategy</h1>"
                b"<h2 class='govuk-heading-m'>Purpose of report</h2><p class='govuk-body'>Words.</p>"
            ),
            save=False,
        )
        job.save()
        AgendaItem.objects.filter(pk=report_item.pk).update(report=job)
        for number, title, part in [("5", "Early help strategy", Part.PART_1), ("10", SECRET, Part.PART_2)]:
            item = services.add_item(
                clerk,
                meeting,
                number=number,
                title=title,
                part=part,
                exempt_paragraph=3 if part == Part.PART_2 else None,
            )
            services.upload_paper(clerk, item, upload(make_paper(title, 1)))
        for _ in range(2):  # two published versions: the latest to download, the first listed
            pack = services.request_pack(clerk, meeting)
            packs.run_pack(pack.pk)
            services.publish_pack(clerk, pack)
        yield


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


PAGES = {
    "public meetings": lambda: reverse("meetings:public_list"),
    "public meeting": lambda: reverse("meetings:public_meeting", args=[Meeting.objects.get().pk]),
    "public report": lambda: reverse(
        "meetings:public_report",
        args=[Meeting.objects.get().pk, AgendaItem.objects.get(number="4").pk],
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_public_pages_signed_out_have_no_accessibility_violations(page, check_widths, name):
    response = page.goto(PAGES[name]())
    assert response.status == 200
    assert "public" in response.headers["cache-control"]
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    check_widths(page)


def test_a_visitor_finds_the_meeting_its_pack_and_a_report(page):
    page.goto(reverse("meetings:public_list"))
    page.get_by_role("link", name="17 November 2022").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Children, Education and Families PDS Committee"
    )
    expect(page.get_by_text("Exempt item (paragraph 3 of Schedule 12A)")).to_be_visible()
    expect(page.get_by_text(SECRET)).to_have_count(0)
    page.get_by_text("Earlier versions of the agenda pack").click()
    expect(page.get_by_role("link", name="Version 1")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the agenda pack").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.get_by_role("link", name="Placement sufficiency strategy").click()
    expect(page.get_by_role("heading", name="Purpose of report")).to_be_visible()
