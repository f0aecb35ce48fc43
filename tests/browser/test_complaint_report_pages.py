"""The complaints team's pages for the Annual Complaints Report's words in a real browser: axe-core at 1280
and 390 px on a year's page (with the Complaint Handling Code's self-assessment), a section's paragraphs,
a division chapter's opening and a Code provision's self-assessment; a complaints officer writes a
paragraph with the keyboard, the character count counting down."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from complaints.models import Division
from complaints.report_text import ReportNarrative
from complaints.services import load_divisions
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module
from tests.browser.test_login import tab_to
from tests.factories import make_user

pytestmark = pytest.mark.browser

WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker):
    with rows_for_the_whole_module(django_db_blocker):
        load_divisions()
        make_user(Role.COMPLAINTS_OFFICER, username="cxo", first_name="Cara", last_name="Complaints")
        yield


@pytest.fixture(scope="module")
def contexts(browser, live_server, seeds):
    contexts = SignedInContexts(browser, live_server)
    yield contexts
    contexts.close()


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


def _division():
    return Division.objects.order_by("order", "name").first().pk


PAGES = {
    "a year's words, under the Code": lambda: reverse("complaints:report_text", args=["2026-27"]),
    "a year's words, before the Code": lambda: reverse("complaints:report_text", args=["2021-22"]),
    "a section's paragraphs": lambda: reverse("complaints:report_narrative", args=["2021-22", "upheld"]),
    "a chapter's opening": lambda: reverse("complaints:report_chapter", args=["2021-22", _division()]),
    "a Code provision": lambda: reverse("complaints:report_self_assessment", args=["2026-27", "stage_1"]),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_report_words_pages_have_no_accessibility_violations(contexts, axe, name):
    with contexts.page("cxo") as page:
        response = page.goto(PAGES[name]())
        assert response.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        for size in WIDTHS:
            page.set_viewport_size(size)
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], f"{name} scrolls sideways at {size['width']} px"
            axe(page)


def test_the_self_assessment_errors_are_accessible(contexts, axe):
    with contexts.page("cxo") as page:
        page.goto(PAGES["a Code provision"]())
        page.get_by_label("Partly complies").check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        for size in WIDTHS:
            page.set_viewport_size(size)
            axe(page)


def test_a_complaints_officer_writes_a_paragraph_with_the_keyboard(contexts, axe):
    with contexts.page("cxo") as page:
        page.goto(reverse("complaints:report_narrative", args=["2021-22", "compliments"]))
        box = page.get_by_label("Text")
        tab_to(page, box)
        page.keyboard.type("Compliments fell by 17%.")
        expect(page.get_by_text("You have 3,976 characters remaining")).to_be_visible()
        tab_to(page, page.get_by_role("button", name="Save"))
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: url.endswith(reverse("complaints:report_text", args=["2021-22"])))
        expect(page.get_by_text("Compliments fell by 17%.")).to_be_visible()
        axe(page)
    assert ReportNarrative.objects.get(year=2021, section="compliments").text == "Compliments fell by 17%."
