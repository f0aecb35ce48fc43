"""The scrutiny action pages in a real browser: axe-core on each page at 1280, 390 and 320 px, a member
reading the committee's list overdue first and filtering it with the keyboard, and the officer answering
an action (a refused answer shows its error, then a good one is saved)."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from meetings import actions, services
from meetings.models import CommitteeMembership, ScrutinyAction
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module
from tests.factories import make_user
from tests.meeting_factories import make_meeting

pytestmark = pytest.mark.browser

WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}, {"width": 320, "height": 800}]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=folder):
        yield folder


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker, media):
    """The CEF PDS of 17 November 2022 with two actions for the Head of Early Help (one overdue, one not
    yet due); a clerk, a councillor on the committee and the officer who holds the post."""
    with rows_for_the_whole_module(django_db_blocker):
        clerk = make_user(Role.CLERK, username="clerk", first_name="Dev", last_name="Clerk")
        cllr = make_user(Role.MEMBER, username="cllr", first_name="Pat", last_name="Councillor")
        officer = make_user(Role.OFFICER, username="rachel", first_name="Rachel", last_name="Dunley")
        meeting = make_meeting()
        CommitteeMembership.objects.create(committee=meeting.committee, member=cllr)
        post = Post.objects.create(title="Head of Early Help")
        post.holders.add(officer)
        item = services.add_item(clerk, meeting, number="5", title="Early help strategy")
        for request, due_on in [
            ("Bring the early help waiting list to the next meeting", datetime.date(2030, 1, 31)),
            ("Report the number of families supported by ward", datetime.date(2022, 12, 16)),
        ]:
            actions.record_action(clerk, meeting, agenda_item=item, request=request, post=post, due_on=due_on)
        yield


@pytest.fixture(scope="module")
def contexts(browser, live_server, seeds):
    contexts = SignedInContexts(browser, live_server)
    yield contexts
    contexts.close()


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


def _action(number):
    return ScrutinyAction.objects.get(number=number)


PAGES = {
    "scrutiny actions (councillor)": ("cllr", lambda: reverse("meetings:action_index")),
    "scrutiny actions (officer)": ("rachel", lambda: reverse("meetings:action_index")),
    "the committee's actions": (
        "cllr",
        lambda: reverse("meetings:committee_actions", args=[_action(1).meeting.committee_id]),
    ),
    "an action": ("cllr", lambda: _action(1).get_absolute_url()),
    "record an action": ("clerk", lambda: reverse("meetings:action_add", args=[_action(1).meeting_id])),
    "edit an action": ("clerk", lambda: reverse("meetings:action_edit", args=[_action(1).pk])),
    "answer an action": ("rachel", lambda: reverse("meetings:action_answer", args=[_action(1).pk])),
}


def check(page, axe, name):
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    for size in WIDTHS:
        page.set_viewport_size(size)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{name} scrolls sideways at {size['width']} px"
        axe(page)


@pytest.mark.parametrize("name", PAGES)
def test_the_scrutiny_action_pages_have_no_accessibility_violations(contexts, axe, name):
    username, url = PAGES[name]
    with contexts.page(username) as page:
        response = page.goto(url())
        assert response.status == 200
        check(page, axe, name)


def test_a_councillor_reads_overdue_first_and_filters_with_the_keyboard(contexts, axe):
    with contexts.page("cllr") as page:
        page.goto(reverse("meetings:committee_actions", args=[_action(1).meeting.committee_id]))
        rows = page.locator("table tbody tr")
        expect(rows.first).to_contain_text("Overdue")
        expect(rows.first).to_contain_text("Report the number of families supported by ward")
        expect(rows.nth(1)).to_contain_text("Open")
        page.get_by_label("Status").focus()
        page.keyboard.press("ArrowDown")  # Overdue, the first status after "Any status"
        page.get_by_role("button", name="Apply filters").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**status=overdue**")
        expect(rows).to_have_count(1)
        expect(page.get_by_role("status")).to_contain_text("1 action")
        axe(page)


def test_the_officer_answers_a_refused_answer_first_then_a_good_one(contexts, axe):
    with contexts.page("rachel") as page:
        page.goto(reverse("meetings:action_answer", args=[_action(2).pk]))
        page.get_by_label("In progress").check()
        page.get_by_role("button", name="Save your response").click()
        expect(page.get_by_role("alert")).to_contain_text("Enter your response")
        check(page, axe, "a refused answer")
        page.get_by_label("Your response").fill("Figures by ward will be circulated on 20 January.")
        page.get_by_role("button", name="Save your response").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Action 17/11/2022-2")
        expect(page.locator("main")).to_contain_text("Figures by ward will be circulated on 20 January.")
        expect(page.locator("main")).to_contain_text("Overdue")
        axe(page)
