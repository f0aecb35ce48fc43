"""The clerk's meeting pages in a real browser: axe-core on every page at 1280 and 390 px wide (and 320
px, WCAG's reflow width), and a clerk adding an agenda item and uploading its paper."""

import pytest
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from meetings import packs, services
from meetings.choices import Part
from meetings.models import AgendaItem, AgendaPack, Meeting
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module
from tests.factories import make_user
from tests.meeting_factories import make_meeting, make_paper, upload

pytestmark = pytest.mark.browser

WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}, {"width": 320, "height": 800}]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=folder):
        yield folder


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker, media):
    """A meeting with a Part 1 and a Part 2 item, its pack built and published; a clerk and a councillor."""
    with rows_for_the_whole_module(django_db_blocker):
        clerk = make_user(Role.CLERK, username="clerk", first_name="Dev", last_name="Clerk")
        make_user(Role.MEMBER, username="cllr", first_name="Pat", last_name="Councillor")
        meeting = make_meeting()
        for number, title, part in [
            ("4", "Placement sufficiency strategy", Part.PART_1),
            ("10", "Exempt contract", Part.PART_2),
        ]:
            item = services.add_item(
                clerk,
                meeting,
                number=number,
                title=title,
                part=part,
                exempt_paragraph=3 if part == Part.PART_2 else None,
            )
            services.upload_paper(clerk, item, upload(make_paper(title, 1)))
        # Built before item 5 (no paper yet) was added: the pack is of items 4 and 10.
        built = AgendaPack.objects.create(meeting=meeting, version=1, agenda_fingerprint="before item 5")
        packs.run_pack(built.pk)
        services.add_item(clerk, meeting, number="5", title="Early help strategy")
        yield


@pytest.fixture(scope="module")
def contexts(browser, live_server, seeds):
    contexts = SignedInContexts(browser, live_server)
    yield contexts
    contexts.close()


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


def _meeting():
    return Meeting.objects.get()


PAGES = {
    "meetings": ("clerk", lambda: reverse("meetings:meeting_list")),
    "add a meeting": ("clerk", lambda: reverse("meetings:meeting_add")),
    "a meeting (clerk)": ("clerk", lambda: _meeting().get_absolute_url()),
    "a meeting (councillor)": ("cllr", lambda: _meeting().get_absolute_url()),
    "add an item": ("clerk", lambda: reverse("meetings:item_add", args=[_meeting().pk])),
    "an item": ("clerk", lambda: AgendaItem.objects.get(number="4").get_absolute_url()),
    "a pack": ("clerk", lambda: AgendaPack.objects.get().get_absolute_url()),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_meeting_pages_have_no_accessibility_violations(contexts, axe, name):
    username, url = PAGES[name]
    with contexts.page(username) as page:
        response = page.goto(url())
        assert response.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        for size in WIDTHS:
            page.set_viewport_size(size)
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], f"{name} scrolls sideways at {size['width']} px"
            axe(page)


def test_a_refused_upload_shows_its_error_and_passes_axe(contexts, axe, tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    with contexts.page("clerk") as page:
        page.goto(AgendaItem.objects.get(number="5").get_absolute_url())
        page.get_by_label("Upload a PDF").set_input_files(str(fake))
        page.get_by_role("button", name="Upload the PDF").click()
        expect(page.get_by_role("alert")).to_contain_text("“fake.pdf” is not a PDF")
        axe(page)
