"""The complaints officers' pages in a real browser: a complaints officer logs a complaint, acknowledges
it, extends its response date, records the answer and closes it, all with the keyboard, and the due
dates the pages show are the right working days (received on the Thursday before Easter 2026). axe-core
at 1280 and 390 px on every page of the case work, the caseload, the 409 page and the escalation page."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from complaints import services
from complaints.choices import ComplaintStatus
from complaints.models import Aspect, Complaint, Division, Service
from tests.browser.test_login import sign_in, tab_to
from tests.factories import make_user

pytestmark = pytest.mark.browser

# Tuesday 5 May 2026, the day after the Early May bank holiday: "today" for the pages and the services.
TODAY = date(2026, 5, 5)
WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]


@pytest.fixture
def officer_page(page, monkeypatch):
    """A complaints officer signed in, with the report's divisions, on 5 May 2026 (the live server runs
    in this process, so it reads the same date)."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: TODAY)
    services.load_divisions()
    make_user(Role.COMPLAINTS_OFFICER, username="cecs", first_name="Cara", last_name="Caseworker")
    sign_in(page, "cecs")
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))
    return page


def check(page, axe, name: str):
    """axe-core at desktop and phone widths, and no sideways scrolling of the page itself."""
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    for size in WIDTHS:
        page.set_viewport_size(size)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        wide = page.evaluate(
            "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
            "window.innerWidth + 1).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + "
            "(e.textContent || '').slice(0, 40))"
        )
        assert widths[0] <= widths[1], f"{name} scrolls sideways at {size['width']} px: {wide}"
        axe(page)
    page.set_viewport_size(WIDTHS[0])


def type_date(page, field: str, value: date):
    tab_to(page, page.locator(f"#id_{field}_0"))
    for part in (value.day, value.month, value.year):
        page.keyboard.press("Control+A")
        page.keyboard.type(str(part))
        page.keyboard.press("Tab")


def choose(page, first: str, wanted: str):
    """A radio with the keyboard: Tab into the group (its first option), arrows to the one wanted."""
    tab_to(page, page.get_by_role("radio", name=first, exact=True))
    target = page.get_by_role("radio", name=wanted, exact=True)
    for _ in range(10):
        if target.is_checked():
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"{wanted} was never chosen")


def press(page, locator):
    tab_to(page, locator)
    page.keyboard.press("Enter")


def test_an_officer_logs_extends_and_closes_a_case_with_the_keyboard(officer_page, axe):
    page = officer_page
    page.goto(reverse("complaints:caseload"))
    check(page, axe, "the empty caseload")
    press(page, page.get_by_role("link", name="Log a complaint"))
    page.wait_for_url(lambda url: url.endswith(reverse("complaints:log")))
    check(page, axe, "the logging page")

    # The complaint: received on Thursday 2 April 2026, by telephone, about the Hospital Team.
    type_date(page, "received", date(2026, 4, 2))
    choose(page, "Email", "Telephone")
    tab_to(page, page.get_by_label("Complainant's name"))
    page.keyboard.type("Mr Keyboard")
    tab_to(page, page.get_by_label("Division"))
    page.keyboard.type("Adult")
    tab_to(page, page.get_by_label("Service or team"))
    page.keyboard.type("Hospital")
    tab_to(page, page.get_by_role("checkbox", name="Lack of Action"))
    page.keyboard.press("Space")
    press(page, page.get_by_role("button", name="Log the complaint"))
    page.wait_for_url(lambda url: "/complaints/new/" not in url)
    complaint = Complaint.objects.get()
    assert page.url.endswith(complaint.get_absolute_url())
    expect(page.get_by_text(f"Complaint {complaint.reference} has been logged")).to_be_visible()
    # Adult social care: acknowledge within 3 working days and respond within 20 of receipt; Good
    # Friday, Easter Monday and the Early May bank holiday are not working days.
    expect(page.locator("#case-acknowledge")).to_contain_text("Due by Thursday 9 April 2026")
    expect(page.locator("#case-respond")).to_contain_text("Due by Tuesday 5 May 2026")
    expect(page.locator("#case-procedure")).to_contain_text(
        "Adult social care (statutory, 2009 Regulations), stage 1: acknowledge within 3 working days, "
        "respond within 20 of receipt"
    )
    check(page, axe, "a received complaint's page")

    press(page, page.get_by_role("button", name="Acknowledge"))
    expect(page.get_by_text(f"Complaint {complaint.reference} has been acknowledged")).to_be_visible()
    expect(page.locator("#case-due")).to_contain_text("Response by Tuesday 5 May 2026: due today")

    press(page, page.get_by_role("link", name="Extend the response date"))
    page.wait_for_url(lambda url: url.endswith("/extend/"))
    check(page, axe, "the extension page")
    type_date(page, "new_due", date(2026, 5, 12))
    tab_to(page, page.get_by_label("Reason for the extension"))
    page.keyboard.type("The hospital's discharge notes are awaited.")
    press(page, page.get_by_role("button", name="Extend", exact=True))
    page.wait_for_url(lambda url: url.endswith(complaint.get_absolute_url()))
    expect(page.locator("#case-respond")).to_contain_text("Due by Tuesday 12 May 2026 (extended)")
    expect(page.locator("#case-due")).to_contain_text("5 working days left")
    expect(page.locator("#extensions + div table")).to_contain_text(
        "The hospital's discharge notes are awaited."
    )

    press(page, page.get_by_role("link", name="Record the answer to Lack of Action, service 1"))
    page.wait_for_url(lambda url: "/aspects/" in url)
    check(page, axe, "an aspect's answer page")
    choose(page, "Fully upheld", "Partially upheld")
    press(page, page.get_by_role("button", name="Record the answer"))
    page.wait_for_url(lambda url: url.endswith(complaint.get_absolute_url()))
    expect(page.locator("#case-status")).to_contain_text("Responded")
    check(page, axe, "a responded complaint's page")

    press(page, page.get_by_role("link", name="Close the complaint"))
    page.wait_for_url(lambda url: url.endswith("/close/"))
    check(page, axe, "the close page")
    press(page, page.get_by_role("button", name="Close the complaint"))
    page.wait_for_url(lambda url: url.endswith(complaint.get_absolute_url()))
    expect(page.locator("#case-status")).to_contain_text("Closed")
    check(page, axe, "a closed complaint's page")

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert (complaint.acknowledge_by, complaint.respond_by) == (date(2026, 4, 9), date(2026, 5, 12))
    assert Aspect.objects.get().on_time is True


def test_errors_the_409_page_the_caseload_and_escalation_pass_axe(officer_page, axe):
    page = officer_page
    officer = get_user_model().objects.get(username="cecs")
    page.goto(reverse("complaints:log"))
    press(page, page.get_by_role("button", name="Log the complaint"))
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select how the complaint came in")
    check(page, axe, "the logging page with errors")

    children = Division.objects.get(name="Children's Social Care")
    in_care = Service.objects.create(division=children, name="Child in care", procedure="children")
    case = services.log_complaint(
        officer,
        received=date(2026, 4, 28),  # its response falls due on 13 May, so it can still be extended
        channel="letter",
        mentions=[services.MentionInput(children, in_care, ["disputed_decision"])],
    )
    late = services.log_complaint(
        officer,
        received=date(2026, 4, 20),
        channel="email",
        mentions=[services.MentionInput(Division.objects.get(name="Housing"), None, ["information"])],
    )
    page.goto(reverse("complaints:caseload"))
    expect(page.get_by_role("row", name=late.reference)).to_contain_text("5 working days overdue")
    check(page, axe, "the caseload")

    page.goto(reverse("complaints:extend", args=[case.pk]))
    services.assign(officer, case, officer)  # someone changes the case after the page was read
    type_date(page, "new_due", date(2026, 5, 12))
    tab_to(page, page.get_by_label("Reason for the extension"))
    page.keyboard.type("More time")
    press(page, page.get_by_role("button", name="Extend", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Complaint {case.reference} has changed")
    check(page, axe, "the 409 page")

    services.acknowledge(officer, case, on=date(2026, 4, 29))
    [aspect] = Aspect.objects.filter(mention__complaint=case)
    services.record_response(officer, aspect, outcome="not_upheld", responded_on=date(2026, 5, 1))
    page.goto(reverse("complaints:escalate", args=[case.pk]))
    check(page, axe, "the escalation page")
    press(page, page.get_by_role("button", name="Escalate"))
    page.wait_for_url(lambda url: not url.endswith("/escalate/"))
    assert page.url.endswith(Complaint.objects.get(stage=2).get_absolute_url())
    expect(page.locator("#escalation-chain")).to_contain_text(case.reference)
    check(page, axe, "a stage 2 complaint's page")


def test_a_member_reads_the_statistics_and_drills_down_with_the_keyboard(page, monkeypatch, axe):
    from complaints.models import Compliment, OmbudsmanCase

    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: TODAY)
    services.load_divisions()
    officer = make_user(Role.COMPLAINTS_OFFICER, username="cecs")
    make_user(Role.MEMBER, username="cllr", first_name="Pat", last_name="Councillor")
    housing, adult = Division.objects.get(name="Housing"), Division.objects.get(name="Adult Social Care")
    for received, division, channel in [
        (date(2026, 4, 7), housing, "letter"),
        (date(2026, 4, 8), adult, "email"),
        (date(2025, 6, 2), housing, "email"),
    ]:
        case = services.log_complaint(
            officer,
            received=received,
            channel=channel,
            mentions=[services.MentionInput(division, None, ["information"])],
            complainant={"name": "Mrs Never Shown"},
        )
        services.acknowledge(officer, case, on=received)
    Compliment.objects.create(received=date(2026, 4, 20), division=housing, channel="email")
    OmbudsmanCase.objects.create(
        reference="26 000 001",
        division=adult,
        received=date(2026, 4, 9),
        decided=date(2026, 4, 30),
        decision="closed_after_initial_enquiries",
    )
    sign_in(page, "cllr")
    page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))
    page.goto(reverse("complaints:dashboard"))
    check(page, axe, "the complaints statistics")
    expect(page.locator("#by-channel")).to_contain_text("Housing")
    press(page, page.locator("#over-time").get_by_role("link", name="Adult Social Care"))
    page.wait_for_url(lambda url: "/statistics/divisions/" in url)
    check(page, axe, "a division's statistics")
    page.goto(reverse("complaints:dashboard"))
    press(page, page.locator("#by-channel").get_by_role("link", name="Housing"))
    page.wait_for_url(lambda url: "/statistics/complaints/" in url)
    expect(page.get_by_role("status")).to_contain_text("1 complaint")
    check(page, axe, "the complaints behind a figure")
    assert "Mrs Never Shown" not in page.content()
