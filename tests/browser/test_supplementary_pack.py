"""The supplementary agenda pack in a real browser: the clerk's "Build the supplementary pack" button on the
meeting page and the public meeting page's link to the supplementary pack, at 1280 and 390 px with
axe-core, no sideways scrolling; the clerk builds it from the button and the public downloads it."""

import os
import re
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from meetings import packs, services
from meetings.models import AgendaPack, Meeting
from tests.browser.conftest import DESKTOP, PHONE, rows_for_the_whole_module
from tests.browser.test_report_download import sign_in
from tests.factories import make_user
from tests.meeting_factories import make_meeting, make_paper, upload

pytestmark = pytest.mark.browser

LATE = "Placement sufficiency: late update"
# Set PORTAL_SCREENSHOTS to a folder to keep the pages as images, for looking at them.
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=folder):
        yield folder


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker, media):
    """A meeting whose pack (items 4 and 5) is published, then a late item 6 with its paper."""
    with rows_for_the_whole_module(django_db_blocker):
        clerk = make_user(Role.CLERK, username="clerk")
        meeting = make_meeting()
        for number, title in [("4", "Early help strategy"), ("5", "Fostering service annual report")]:
            item = services.add_item(clerk, meeting, number=number, title=title)
            services.upload_paper(clerk, item, upload(make_paper(title, 2)))
        pack = services.request_pack(clerk, meeting)
        packs.run_pack(pack.pk)
        services.publish_pack(clerk, pack)
        late = services.add_item(clerk, meeting, number="6", title=LATE, supplementary=True)
        services.upload_paper(clerk, late, upload(make_paper(LATE, 1)))
        yield


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


def look(page, name: str, check) -> None:
    for size in (DESKTOP, PHONE):
        check(page, widths=(size,))
        if SCREENSHOTS:
            page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}-{size['width']}.png"), full_page=True)


def test_the_clerk_builds_the_supplementary_pack_and_the_public_downloads_it(page, check_widths):
    meeting = Meeting.objects.get()
    sign_in(page, "clerk")
    page.goto(meeting.get_absolute_url())
    button = page.get_by_role("button", name="Build the supplementary pack of the 1 late item")
    expect(button).to_be_visible()
    expect(page.get_by_text(f"{LATE} (late item)")).to_be_visible()
    # One primary button: with late items waiting, building the whole pack again is the secondary choice.
    expect(page.get_by_role("button", name="Build the agenda pack")).to_have_class(
        re.compile("govuk-button--secondary")
    )
    look(page, "meeting-clerk", check_widths)
    button.click()  # tasks run inline here: the pack is built before the page answers
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Supplementary agenda pack|version 2")
    )
    look(page, "supplement-pack", check_widths)
    # The fingerprint's explanation sits below the fingerprint, not run on after its last character.
    fingerprint = page.locator(".app-checksum").bounding_box()
    explanation = page.get_by_text("A code worked out from the file's contents").bounding_box()
    assert explanation["y"] >= fingerprint["y"] + fingerprint["height"]
    page.get_by_role("button", name="Publish this pack").click()
    expect(page.get_by_text("kept for good").first).to_be_visible()
    supplement = AgendaPack.objects.get(supplement=True)
    assert supplement.is_published and supplement.first_page > 1

    page.context.clear_cookies()
    page.goto(reverse("meetings:public_meeting", args=[meeting.pk]))
    link = page.get_by_role("link", name=re.compile("^Download the supplementary agenda pack"))
    expect(link).to_contain_text(f"pages {supplement.first_page} on")
    # The agenda says which item is late and where to find it.
    expect(page.get_by_role("row", name=re.compile("^6 ")).get_by_role("cell").nth(1)).to_have_text(
        f"{LATE} (late item: in the supplementary pack)"
    )
    look(page, "meeting-public", check_widths)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")
