"""A quarterly update's whole path in a real browser, with axe-core on every page on the way.

An officer writes and submits an update (keyboard and form controls), the approver returns it with
a comment, the officer reads the comment, edits and resubmits, the approver approves, the clerk locks
the period, and a councillor reads the approved, locked update on the action's page."""

import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import Action, QuarterlyUpdate, ReportingPeriod
from tests.browser.test_login import sign_in, tab_to, url_is
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def council(transactional_db):
    """CEF 2024-25 with two actions led by Director Education (Olu); Grace approves for CEF; Dev is the
    clerk; Sam is a councillor. Quarter 1 is locked with Olu's update as reported; quarter 2 is open."""
    plan = make_plan(year=2024, actions=2, lead="Director Education")
    olu = make_user(Role.OFFICER, username="olu", first_name="Olu", last_name="Adeyemi")
    Post.objects.get(title="Director Education").holders.add(olu)
    grace = make_user(Role.APPROVER, username="grace", first_name="Grace", last_name="Hopper")
    Post.objects.create(title="Director CEF", portfolio=plan.portfolio).holders.add(grace)
    make_user(Role.CLERK, username="dev", first_name="Dev", last_name="Clerk")
    make_user(Role.MEMBER, username="sam", first_name="Sam", last_name="Councillor")
    q1 = ReportingPeriod.objects.create(
        year=2024, quarter=1, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2024, 1)
    )
    q2 = ReportingPeriod.objects.create(
        year=2024,
        quarter=2,
        status=PeriodStatus.OPEN,
        opens_on=date(2024, 9, 16),
        due_on=date(2024, 10, 14),
        locks_on=date(2024, 11, 11),
    )
    action = Action.objects.get(section__plan=plan, number=1)
    QuarterlyUpdate.objects.create(
        action=action,
        period=q1,
        rag=Rag.AMBER,
        narrative="Recruitment to two posts is delayed.",
        status=UpdateStatus.LOCKED,
    )
    return {"action": action, "q1": q1, "q2": q2}


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(url_is(reverse("login")))


def go_to_section(page, label: str) -> None:
    """Follow the service navigation, as a person would."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=label, exact=True).click()


def test_an_update_from_first_draft_to_the_committee(page, axe, council):
    action, q2 = council["action"], council["q2"]
    update_path = reverse("plans:update", args=[action.pk, q2.pk])
    main = page.get_by_role("main")

    # 1. Olu writes the update with the keyboard, and submits it too soon.
    sign_in(page, "olu")
    go_to_section(page, "My actions")
    expect(page).to_have_url(url_is(reverse("plans:my_actions")))
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    table = page.get_by_role("table", name="Your actions for 2024-25 Q2")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table).to_contain_text("Not started")
    expect(table).to_contain_text("Overdue")
    axe(page)

    write = page.get_by_role("link", name="Write update for action CEF 1.1")
    tab_to(page, write, max_presses=80)
    page.keyboard.press("Enter")
    expect(page).to_have_url(url_is(update_path))
    expect(page).to_have_title(re.compile(r"^Write the 2024-25 Q2 update for action 1\.1"))
    last_quarter = page.get_by_role("heading", name="Last quarter: 2024-25 Q1")
    expect(last_quarter).to_be_visible()
    expect(main).to_contain_text("Recruitment to two posts is delayed.")
    expect(main).to_contain_text("Amber: at risk")
    axe(page)

    red = page.get_by_role("radio", name="Red: off track")
    tab_to(page, red, max_presses=80)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # radios move, and choose, with the arrow keys
    expect(page.get_by_role("radio", name="Green: on track")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Update", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Reason (red or amber only)")).to_be_focused()  # green: left empty
    figure = page.get_by_label("Measure of 1", exact=True)
    tab_to(page, figure)
    page.keyboard.type("96%")
    page.keyboard.press("Tab")
    page.keyboard.type("https://www.bromley.gov.uk/q2-report")
    submit = page.get_by_role("button", name="Submit for approval")
    tab_to(page, submit)
    page.keyboard.press("Enter")

    expect(page).to_have_title(re.compile(r"^Error: Write the 2024-25 Q2 update"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Write the update before submitting")
    # Nothing typed was lost.
    expect(page.get_by_role("radio", name="Green: on track")).to_be_checked()
    expect(figure).to_have_value("96%")
    axe(page)

    page.keyboard.press("Tab")
    expect(summary.get_by_role("link")).to_be_focused()
    page.keyboard.press("Enter")
    narrative = page.get_by_label("Update", exact=True)
    expect(narrative).to_be_focused()
    page.keyboard.type("On track: the new sufficiency strategy went to the Executive in September.")
    tab_to(page, submit)
    page.keyboard.press("Enter")

    expect(page).to_have_url(url_is(reverse("plans:my_actions")))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your 2024-25 Q2 update for action 1.1"
    )
    row = page.get_by_role("row").filter(has_text="CEF 1.1")
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text("Green: on track")
    expect(row.get_by_role("link", name="View update for action CEF 1.1")).to_be_visible()
    axe(page)
    sign_out(page)

    # 2. Grace returns it, first forgetting to say why.
    sign_in(page, "grace")
    go_to_section(page, "Approvals")
    expect(page.get_by_role("heading", level=1)).to_have_text("Updates to approve")
    expect(main).to_contain_text("On track: the new sufficiency strategy")
    expect(main).to_contain_text("Measure of 1: 96%")
    expect(page.get_by_role("link", name="https://www.bromley.gov.uk/q2-report")).to_be_visible()
    axe(page)

    page.get_by_role("button", name="Return the update for action CEF 1.1").click()
    expect(page).to_have_title(re.compile(r"^Error: Updates to approve"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what needs to change")
    axe(page)
    comment = page.get_by_label("What needs to change in the update for action 1.1")
    comment.fill("Please say how many children the strategy has placed so far.")
    page.get_by_role("button", name="Return the update for action CEF 1.1").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "to its lead with your comment"
    )
    expect(main).to_contain_text("There are no updates waiting for your approval.")
    axe(page)
    sign_out(page)

    # 3. Olu reads the comment, edits and resubmits.
    sign_in(page, "olu")
    go_to_section(page, "My actions")
    row = page.get_by_role("row").filter(has_text="CEF 1.1")
    expect(row).to_contain_text("Returned")
    expect(row).to_contain_text("Please say how many children the strategy has placed so far.")
    row.get_by_role("link", name="Edit update for action CEF 1.1").click()
    expect(page).to_have_url(url_is(update_path))
    banner = page.get_by_role("region", name="Returned for changes")
    expect(banner).to_contain_text("Grace Hopper returned this update")
    expect(banner).to_contain_text("Please say how many children the strategy has placed so far.")
    axe(page)
    narrative = page.get_by_label("Update", exact=True)
    expect(narrative).to_have_value(
        "On track: the new sufficiency strategy went to the Executive in September."
    )
    narrative.press("End")
    narrative.press_sequentially(" Twelve children have been placed in the borough so far.")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page).to_have_url(url_is(reverse("plans:my_actions")))
    expect(page.get_by_role("row").filter(has_text="CEF 1.1")).to_contain_text("Submitted")
    sign_out(page)

    # 4. Grace approves it.
    sign_in(page, "grace")
    go_to_section(page, "Approvals")
    expect(main).to_contain_text("Twelve children have been placed")
    page.get_by_role("button", name="Approve the update for action CEF 1.1").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "You approved the 2024-25 Q2 update for action 1.1"
    )
    axe(page)
    sign_out(page)

    # 5. Dev, the clerk, checks the period and locks it.
    sign_in(page, "dev")
    go_to_section(page, "Periods")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reporting periods")
    axe(page)
    page.get_by_role("link", name="2024-25 Q2", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2024-25 Q2")
    counts = page.get_by_role("table", name="Updates for 2024-25 Q2 by portfolio plan")
    expect(counts.get_by_role("row").nth(1)).to_contain_text("Children, Education and Families 2024-25")
    chase = page.get_by_role("table", name="Lead posts with 2024-25 Q2 updates outstanding")
    expect(chase).to_contain_text("Director Education")
    expect(chase).to_contain_text("Olu Adeyemi")
    expect(main).to_contain_text("1 of 2 actions has no approved update yet")
    axe(page)
    page.get_by_role("button", name="Lock period").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lock 2024-25 Q2 for committee?")
    expect(main).to_contain_text(
        "1 action has no approved update and will be closed as “No update received” for 2024-25 Q2"
    )
    axe(page)
    page.get_by_role("button", name="Lock period").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "2024-25 Q2 is now locked for committee."
    )
    expect(main).to_contain_text("Locked for committee")
    axe(page)
    sign_out(page)

    # 6. Sam, a councillor, reads the update on the action's page.
    sign_in(page, "sam")
    page.goto(action.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Action 1.1")
    strip = page.get_by_role("list", name="RAG history at a glance")
    expect(strip.get_by_role("listitem")).to_have_count(2)
    expect(strip.get_by_role("listitem").nth(0)).to_contain_text("2024-25 Q1")
    expect(strip.get_by_role("listitem").nth(0)).to_contain_text("Amber: at risk")
    expect(strip.get_by_role("listitem").nth(1)).to_contain_text("2024-25 Q2")
    expect(strip.get_by_role("listitem").nth(1)).to_contain_text("Green: on track")
    latest = page.locator(f"#update-{QuarterlyUpdate.objects.get(period=q2, action=action).pk}")
    expect(latest.get_by_role("heading", level=3)).to_have_text("2024-25 Q2")
    expect(latest).to_contain_text("Twelve children have been placed in the borough so far.")
    expect(latest).to_contain_text("Approved by Grace Hopper")
    expect(latest).to_contain_text("Locked for committee.")
    expect(main.get_by_role("link", name=re.compile("^Amend"))).to_have_count(0)
    axe(page)
    assert QuarterlyUpdate.objects.get(period=q2, action=action).status == UpdateStatus.LOCKED


def test_two_people_saving_the_same_update_the_second_keeps_their_text(
    browser, live_server, page, axe, council
):
    """Olu and his delegate open the same update; Olu saves first; the delegate's save is refused
    (409) with Olu's text shown read-only and their own still in the form."""
    deputy = make_user(Role.OFFICER, username="dee", first_name="Dee", last_name="Puty")
    Post.objects.get(title="Director Education").delegations.create(delegate=deputy)
    path = reverse("plans:update", args=[council["action"].pk, council["q2"].pk])
    other = browser.new_context(base_url=live_server.url)
    try:
        olu = other.new_page()
        sign_in(olu, "olu")
        sign_in(page, "dee")
        olu.goto(path)
        page.goto(path)
        olu.get_by_label("Update", exact=True).fill("Olu's version of events.")
        olu.get_by_role("button", name="Save draft").click()
        expect(olu.locator(".govuk-notification-banner--success")).to_contain_text("was saved")

        page.get_by_role("radio", name="Red: off track").check()
        page.get_by_label("Update", exact=True).fill("Dee's version of events.")
        response_status = []
        page.on("response", lambda response: response_status.append(response.status))
        page.get_by_role("button", name="Save draft").click()
        expect(page).to_have_title(re.compile(r"^Error: "))
        assert 409 in response_status
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("Olu Adeyemi saved this update")
        expect(page.get_by_role("heading", name="The version saved by Olu Adeyemi")).to_be_visible()
        expect(page.locator(".app-saved-version")).to_contain_text("Olu's version of events.")
        expect(page.get_by_label("Update", exact=True)).to_have_value("Dee's version of events.")
        expect(page.get_by_role("radio", name="Red: off track")).to_be_checked()
        axe(page)

        page.get_by_role("button", name="Save draft").click()  # having read Olu's, Dee saves hers
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("was saved")
        assert QuarterlyUpdate.objects.get(period=council["q2"]).narrative == "Dee's version of events."
    finally:
        other.close()


def test_a_red_update_with_its_reason_mitigation_and_recovery_date_by_keyboard(page, axe, council):
    """Issue 15: red asks for the reason, the mitigation and a recovery date; all typed with the keyboard."""
    action, q2 = council["action"], council["q2"]
    sign_in(page, "olu")
    page.goto(reverse("plans:update", args=[action.pk, q2.pk]))
    axe(page)
    red = page.get_by_role("radio", name="Red: off track")
    tab_to(page, red, max_presses=80)
    page.keyboard.press("Space")
    expect(red).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Delayed.")
    submit = page.get_by_role("button", name="Submit for approval")
    tab_to(page, submit)
    page.keyboard.press("Enter")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Give the reason for a red update before submitting")
    expect(summary).to_contain_text("Give the mitigation for a red update before submitting")
    expect(summary).to_contain_text("Enter the recovery date for a red update before submitting")
    axe(page)

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the first message's link
    reason = page.get_by_label("Reason (red or amber only)")
    expect(reason).to_be_focused()
    page.keyboard.type("The contractor withdrew.")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mitigation (red or amber only)")).to_be_focused()
    page.keyboard.type("Re-tendering with two bidders.")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Day")).to_be_focused()
    page.keyboard.type("31")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("2025")
    tab_to(page, submit)
    page.keyboard.press("Enter")

    expect(page).to_have_url(url_is(reverse("plans:my_actions")))
    update = QuarterlyUpdate.objects.get(action=action, period=q2)
    assert (update.rag, update.reason, update.recovery_date) == (
        Rag.RED,
        "The contractor withdrew.",
        date(2025, 3, 31),
    )
    page.goto(reverse("plans:update", args=[action.pk, q2.pk]))
    main = page.get_by_role("main")
    expect(main).to_contain_text("Re-tendering with two bidders.")
    expect(main).to_contain_text("31 March 2025")
    axe(page)
