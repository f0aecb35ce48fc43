"""Issue 15, everyday use, in a real browser at 1280 and 390 px with axe-core on each page: the
actions list fits a laptop (its key columns inside the table's region, no sideways scrolling), My
actions and the approvals queue on a phone, a dashboard chart inside the screen, the navigation on
one row, the approvals queue's page beside last quarter and its green-updates confirmation, and the
small things (the update form's navigation, the 405 page, an officer at /admin/)."""

import os
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import Action, QuarterlyUpdate, ReportingPeriod
from tests.browser.conftest import DESKTOP, PHONE, assert_page_does_not_scroll_sideways
from tests.browser.test_login import sign_in
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.browser

# Set PORTAL_SCREENSHOTS to a folder to keep the approve-green pages as images, for looking at.
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")

LONG = " ".join(["The service is being re-procured and the interim provider is in place."] * 6)


@pytest.fixture
def council(transactional_db):
    """CEF 2024-25 and 2023-24 (four actions each, long titles and updates); Q1 2024-25 locked, Q2 open
    with green and red updates submitted; Olu leads, Grace approves, Sam reads, Ada administers."""
    plan = make_plan(year=2024, actions=4, lead="Director Education")
    make_plan(year=2023, actions=4, lead="Director Education")
    olu = make_user(Role.OFFICER, username="olu", first_name="Olu", last_name="Adeyemi")
    Post.objects.get(title="Director Education").holders.add(olu)
    grace = make_user(Role.APPROVER, username="grace", first_name="Grace", last_name="Hopper")
    Post.objects.create(title="Director CEF", portfolio=plan.portfolio).holders.add(grace)
    make_user(Role.MEMBER, username="sam")
    make_user(Role.ADMIN, username="ada")
    q1 = ReportingPeriod.objects.create(
        year=2024, quarter=1, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2024, 1)
    )
    q2 = ReportingPeriod.objects.create(
        year=2024, quarter=2, status=PeriodStatus.OPEN, **ReportingPeriod.default_dates(2024, 2)
    )
    actions = list(Action.objects.filter(section__plan=plan).order_by("number"))
    Action.objects.update(title="Deliver the council's commitments to children and families " * 4)
    for index, action in enumerate(actions):
        QuarterlyUpdate.objects.create(
            action=action,
            period=q1,
            rag=Rag.AMBER,
            narrative=f"Last quarter {index}. {LONG}",
            status=UpdateStatus.LOCKED,
        )
    green = QuarterlyUpdate.objects.create(
        action=actions[0], period=q2, rag=Rag.GREEN, narrative=LONG, status=UpdateStatus.SUBMITTED
    )
    QuarterlyUpdate.objects.create(
        action=actions[1], period=q2, rag=Rag.RED, narrative=LONG, status=UpdateStatus.SUBMITTED
    )
    return {"plan": plan, "actions": actions, "q1": q1, "q2": q2, "green": green}


def region_fits(page, selector=".app-table-container") -> None:
    """Every table region on the page shows its whole table: nothing to scroll sideways inside it."""
    sizes = page.locator(selector).evaluate_all("(rs) => rs.map((r) => [r.scrollWidth, r.clientWidth])")
    assert sizes and all(scroll <= client + 1 for scroll, client in sizes), sizes


def inside_window(page, locator) -> None:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (box, width)


def test_the_actions_list_shows_its_key_columns_at_1280_without_scrolling(page, axe, council):
    sign_in(page, "sam")
    page.goto(reverse("plans:action_list"))
    table = page.get_by_role("table", name="Actions")
    region_fits(page)
    assert_page_does_not_scroll_sideways(page)
    region = page.locator(".app-table-container").bounding_box()
    for header in ("Plan", "No.", "Action", "Due", "RAG status", "Update"):
        box = table.get_by_role("columnheader", name=header).bounding_box()
        assert region["x"] <= box["x"] and box["x"] + box["width"] <= region["x"] + region["width"] + 0.5, (
            header
        )
    # The current plan year first.
    expect(table.locator("tbody > tr").first.locator("td").first).to_have_text("CEF 2024-25")
    # The lead, the period and the action's details are one click away.
    row = table.locator("tbody > tr").first
    leads = row.locator(".app-actions-table__leads")
    expect(leads).to_be_hidden()
    row.get_by_text("Lead and details").click()
    expect(leads).to_contain_text("Director Education")
    axe(page)

    page.set_viewport_size(PHONE)
    assert_page_does_not_scroll_sideways(page)
    region_fits(page)
    first = table.locator("tbody > tr").first
    for cell in first.locator("td").all():
        inside_window(page, cell)
    axe(page)


def test_my_actions_on_a_phone_keeps_due_and_the_edit_link_on_screen(page, axe, council):
    sign_in(page, "olu")
    page.set_viewport_size(PHONE)
    page.goto(reverse("plans:my_actions"))
    assert_page_does_not_scroll_sideways(page)
    region_fits(page)
    row = page.locator("table.app-my-actions tbody > tr").nth(2)
    inside_window(page, row.locator("td[data-label=Due]"))
    inside_window(page, row.get_by_role("link", name="Write update"))
    axe(page)


def test_the_approvals_queue_filters_opens_beside_last_quarter_and_approves_green_together(
    page, axe, council
):
    sign_in(page, "grace")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(reverse("plans:approvals"))
        assert_page_does_not_scroll_sideways(page)
        expect(page.get_by_role("status")).to_contain_text("2 updates are waiting for your approval")
        axe(page)
    page.set_viewport_size(DESKTOP)
    page.get_by_label("RAG status").select_option(label="Red: off track")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status")).to_contain_text("1 update is waiting")
    page.get_by_role("link", name="Action CEF 1.2").click()
    expect(page.get_by_role("heading", name="Last quarter: 2024-25 Q1")).to_be_visible()
    expect(page.get_by_text("Last quarter 1.")).to_be_visible()
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_page_does_not_scroll_sideways(page)
        axe(page)

    page.set_viewport_size(DESKTOP)
    page.goto(reverse("plans:approvals"))
    page.get_by_role("link", name="Approve the 1 green update waiting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve 1 green update")
    axe(page)
    page.get_by_role("button", name="Approve all 1").click()
    expect(page.get_by_text("You approved 1 green update.")).to_be_visible()
    council["green"].refresh_from_db()
    assert council["green"].status == UpdateStatus.APPROVED


def test_the_dashboard_chart_fits_a_phone(page, axe, council):
    QuarterlyUpdate.objects.filter(period=council["q1"]).update(status=UpdateStatus.LOCKED)
    sign_in(page, "sam")
    page.set_viewport_size(PHONE)
    page.goto(reverse("plans:dashboard"))
    chart = page.locator(".app-chart svg").first
    inside_window(page, chart)
    sizes = page.locator(".app-chart__canvas").evaluate_all(
        "(rs) => rs.map((r) => [r.scrollWidth, r.clientWidth])"
    )
    assert all(scroll <= client + 1 for scroll, client in sizes), sizes
    axe(page)


def test_an_admins_navigation_is_one_row_at_1280(page, axe, council):
    sign_in(page, "ada")
    page.goto(reverse("home"))
    tops = page.locator(".govuk-service-navigation__item").evaluate_all(
        "(items) => items.map((item) => Math.round(item.getBoundingClientRect().top))"
    )
    widths = page.locator(".govuk-service-navigation__item").evaluate_all(
        "(items) => items.map((item) => [item.innerText, Math.round(item.getBoundingClientRect().width)])"
    )
    list_width = page.locator(".govuk-service-navigation__list").evaluate("(e) => e.clientWidth")
    assert len(tops) >= 8 and len(set(tops)) == 1, (tops, widths, list_width)
    # The home page promises only what the role has.
    expect(page.locator("main")).not_to_contain_text("contracts and complaints in one place")
    axe(page)


def test_the_update_form_highlights_my_actions(page, axe, council):
    sign_in(page, "olu")
    page.goto(reverse("plans:update", args=[council["actions"][2].pk, council["q2"].pk]))
    current = page.locator(".govuk-service-navigation__item--active")
    expect(current).to_have_text("My actions")
    axe(page)


def test_refreshing_a_refused_return_and_an_officer_at_admin_get_pages_that_say_why(page, axe, council):
    sign_in(page, "grace")
    origin = page.evaluate("() => location.origin")
    # As a browser asks when someone refreshes, or follows a saved link, from the queue.
    response = page.goto(
        reverse("plans:return", args=[council["green"].pk]), referer=origin + reverse("plans:approvals")
    )
    assert response.status == 405
    expect(page.get_by_role("heading", level=1)).to_have_text("This address only takes a form")
    expect(page.get_by_role("link", name="Go back to the page you came from")).to_have_attribute(
        "href", re.compile(r"/plans/approvals/$")
    )
    axe(page)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "olu")
    response = page.goto("/admin/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this page")
    expect(page.get_by_label("Password")).to_have_count(0)
    axe(page)


def test_the_plan_page_tables_use_one_type_size_tags_included(page, axe, council):
    from plans.models import ActionDetail

    ActionDetail.objects.update(target_to_confirm=True)  # a "To confirm" tag on every row
    sign_in(page, "sam")
    page.goto(council["plan"].get_absolute_url())
    expect(page.locator(".app-plan-table .govuk-tag").first).to_be_visible()
    sizes = page.locator(".app-plan-table").evaluate_all(
        """(tables) => [...new Set(tables.flatMap((table) => [...table.querySelectorAll('th, td, .govuk-tag, li, p')]
              .filter((element) => !element.closest('caption'))
              .map((element) => getComputedStyle(element).fontSize)))]"""
    )
    assert sizes == ["16px"], sizes
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_page_does_not_scroll_sideways(page)
        axe(page)


def test_approving_many_green_updates_names_the_first_and_refuses_a_changed_set(page, axe, council):
    """More green updates than the confirmation names: it names the first 25, says how many more and
    links to them all; a green update arriving before the button is pressed stops the whole approval
    (nothing approved, the error summary says why); on the page again, all of them are approved."""
    make_plan(year=2024, actions=27, lead="Director Education")  # CEF 1.5 to 1.31 beside the four
    extra = list(Action.objects.filter(section__plan=council["plan"]).order_by("number"))[4:]
    for action in extra[:-1]:
        QuarterlyUpdate.objects.create(
            action=action,
            period=council["q2"],
            rag=Rag.GREEN,
            narrative="On track",
            status=UpdateStatus.SUBMITTED,
        )
    sign_in(page, "grace")
    page.goto(reverse("plans:approve_green"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve 27 green updates")
    shown = page.get_by_role("list", name="The first 25 of the 27")
    expect(shown.get_by_role("listitem")).to_have_count(25)
    expect(page.get_by_text("And 2 more.")).to_be_visible()
    expect(page.get_by_role("link", name="See every green update waiting in the queue")).to_be_visible()
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert_page_does_not_scroll_sideways(page)
        axe(page)
        if SCREENSHOTS:
            page.screenshot(
                path=os.path.join(SCREENSHOTS, f"approve-green-{size['width']}.png"), full_page=True
            )

    late = QuarterlyUpdate.objects.create(
        action=extra[-1], period=council["q2"], rag=Rag.GREEN, narrative="Late", status=UpdateStatus.SUBMITTED
    )
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Approve all 27").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was approved")
    axe(page)
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "approve-green-changed-1280.png"), full_page=True)
    assert not QuarterlyUpdate.objects.filter(status=UpdateStatus.APPROVED).exists()

    page.get_by_role("link", name="See the green updates waiting now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve 28 green updates")
    page.get_by_role("button", name="Approve all 28").click()
    expect(page.get_by_text("You approved 28 green updates.")).to_be_visible()
    late.refresh_from_db()
    assert late.status == UpdateStatus.APPROVED
    assert (
        QuarterlyUpdate.objects.filter(
            period=council["q2"], rag=Rag.GREEN, status=UpdateStatus.APPROVED
        ).count()
        == 28
    )
