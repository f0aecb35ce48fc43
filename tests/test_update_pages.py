"""The quarterly update pages: My actions, the update form, approvals, periods, the action page, amending.

The workflow's rules are tested in test_update_workflow.py; these tests check that each page shows
the right things, goes through plans.services, and costs a fixed number of queries.
"""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from plans import selectors
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.counts import refresh_all
from plans.models import (
    Action,
    Amendment,
    Delegation,
    DetailLead,
    MeasureFigure,
    QuarterlyUpdate,
    ReportingPeriod,
)
from plans.services import approve_update, lock_period, save_update, update_for
from tests.conftest import PortalClient
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.django_db

MY_ACTIONS = "/plans/my-actions/"
APPROVALS = "/plans/approvals/"
PERIODS = "/plans/periods/"


def period(year, quarter, status, **dates):
    return ReportingPeriod.objects.create(
        year=year, quarter=quarter, status=status, **{**ReportingPeriod.default_dates(year, quarter), **dates}
    )


@pytest.fixture
def council(db):
    """A CEF plan for 2024-25 (two actions led by Director Education), its lead, approver, clerk and member;
    Q1 locked, Q2 open."""
    plan = make_plan(year=2024, actions=2, lead="Director Education")
    lead_post = Post.objects.get(title="Director Education")
    officer = make_user(Role.OFFICER, username="olu", first_name="Olu", last_name="Adeyemi")
    lead_post.holders.add(officer)
    approver = make_user(Role.APPROVER, username="grace", first_name="Grace", last_name="Hopper")
    Post.objects.create(title="Director CEF", portfolio=plan.portfolio).holders.add(approver)
    q1 = period(2024, 1, PeriodStatus.LOCKED)
    q2 = period(2024, 2, PeriodStatus.OPEN)
    actions = list(Action.objects.filter(section__plan=plan).order_by("number"))
    return {
        "plan": plan,
        "lead_post": lead_post,
        "officer": officer,
        "approver": approver,
        "clerk": make_user(Role.CLERK, username="dev"),
        "member": make_user(Role.MEMBER, username="sam"),
        "admin": make_user(Role.ADMIN, username="ada"),
        "q1": q1,
        "q2": q2,
        "action": actions[0],
        "other_action": actions[1],
    }


def signed_in(user) -> PortalClient:
    client = PortalClient()
    client.force_login(user)
    return client


def make_update(action, period_, status, rag=Rag.GREEN, narrative="Going well", **fields):
    return QuarterlyUpdate.objects.create(
        action=action, period=period_, status=status, rag=rag, narrative=narrative, **fields
    )


def decision(update, **data):
    """What the queue's approve and return forms post: the version read, and a comment to return."""
    update.refresh_from_db()
    posted = {
        f"decide-{update.pk}-version": str(update.version),
        f"return-{update.pk}-version": str(update.version),
    }
    posted.update({f"return-{update.pk}-comment": data["comment"]} if "comment" in data else {})
    return posted


def update_url(action, period_):
    return reverse("plans:update", args=[action.pk, period_.pk])


def text(response) -> str:
    """The page's text without tags, with runs of white space collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def form_data(action, **overrides):
    data = {"version": "0", "rag": Rag.GREEN, "narrative": "Going well", "evidence_links": ""}
    data.update({f"figure_{m.pk}": "" for m in action.measures_of_success.all()})
    data.update(overrides)
    return data


# My actions ------------------------------------------------------------------------------


def test_my_actions_lists_what_i_lead_in_the_open_period_with_each_update_state(council):
    make_update(council["action"], council["q2"], UpdateStatus.RETURNED, return_comment="Add the figures")
    elsewhere = make_plan(code="ECS", year=2024, actions=1, lead="Director Environment")
    make_plan(year=2023, actions=1, lead="Director Education")  # last year's plan: not this period's
    response = signed_in(council["officer"]).get(MY_ACTIONS)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.action for row in rows] == [council["action"], council["other_action"]]
    assert [row.status for row in rows] == [UpdateStatus.RETURNED, "not_started"]
    assert response.context["period"] == council["q2"]
    page = text(response)
    assert "Add the figures" in page
    assert "Returned" in page and "Not started" in page
    assert "Edit update for action CEF 1.1" in page
    assert "Write update for action CEF 1.2" in page
    assert elsewhere.portfolio.code + " 1.1" not in page


def test_submitted_and_approved_updates_are_to_view_not_write(council):
    make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED)
    make_update(council["other_action"], council["q2"], UpdateStatus.APPROVED, rag=Rag.RED)
    response = signed_in(council["officer"]).get(MY_ACTIONS)
    page = text(response)
    assert "View update for action CEF 1.1" in page
    assert "View update for action CEF 1.2" in page
    assert "Red: off track" in page
    assert [row.outstanding for row in response.context["rows"]] == [False, False]


def test_a_delegate_sees_the_posts_actions_marked_as_delegated(council):
    deputy = make_user(Role.OFFICER, username="deputy")
    Delegation.objects.create(post=council["lead_post"], delegate=deputy)
    response = signed_in(deputy).get(MY_ACTIONS)
    assert len(response.context["rows"]) == 2
    assert "(you write by delegation)" in text(response)


def test_outstanding_updates_are_overdue_after_the_due_date(council):
    q2 = council["q2"]
    q2.due_on = timezone.localdate() - timedelta(days=1)
    q2.opens_on = q2.due_on - timedelta(days=30)
    q2.locks_on = q2.due_on + timedelta(days=30)
    q2.save()
    make_update(council["action"], q2, UpdateStatus.SUBMITTED)
    response = signed_in(council["officer"]).get(MY_ACTIONS)
    assert [row.overdue for row in response.context["rows"]] == [False, True]
    assert "1 update is overdue" in text(response)


def test_with_two_open_periods_the_officer_chooses_one(council):
    q3 = period(2024, 3, PeriodStatus.OPEN)
    make_update(council["action"], council["q2"], UpdateStatus.DRAFT)
    client = signed_in(council["officer"])
    response = client.get(MY_ACTIONS)
    assert response.context["period"] == q3  # the latest open period first
    assert response.context["chooser"] is not None
    assert [row.status for row in response.context["rows"]] == ["not_started", "not_started"]
    response = client.get(MY_ACTIONS, {"period": council["q2"].pk})
    assert response.context["period"] == council["q2"]
    assert response.context["rows"][0].status == UpdateStatus.DRAFT
    # Only open periods can be chosen.
    assert client.get(MY_ACTIONS, {"period": council["q1"].pk}).context["period"] == q3


def test_with_no_open_period_my_actions_says_so(council):
    ReportingPeriod.objects.filter(pk=council["q2"].pk).update(status=PeriodStatus.LOCKED)
    refresh_all()  # a raw update() sends no save signals: the stored counts follow it (plans.counts)
    response = signed_in(council["officer"]).get(MY_ACTIONS)
    assert "No reporting period is open" in text(response)


def test_an_officer_with_no_posts_is_told_how_to_get_actions(council):
    response = signed_in(make_user(Role.OFFICER, username="newcomer")).get(MY_ACTIONS)
    assert response.context["rows"] == []
    assert "You do not lead any actions" in text(response)


def grow_my_actions(council, actions):
    """More actions led by the officer (held and delegated), with updates in every state."""
    make_plan(year=2024, actions=actions, lead="Director Education", ambition_number=2)
    deputy_post = Post.objects.create(title="Assistant Director Specialist Services")
    Delegation.objects.create(post=deputy_post, delegate=council["officer"])
    make_plan(code="RRH", year=2024, actions=actions, lead=deputy_post.title)
    states = [UpdateStatus.DRAFT, UpdateStatus.SUBMITTED, UpdateStatus.RETURNED, UpdateStatus.APPROVED, None]
    for index, action in enumerate(Action.objects.filter(section__plan__year=2024)):
        if states[index % 5]:
            make_update(action, council["q2"], states[index % 5])


def test_my_actions_costs_the_same_queries_at_any_length(council, django_assert_max_num_queries, settings):
    client = signed_in(council["officer"])
    few = count_queries(client, MY_ACTIONS)
    grow_my_actions(council, 25)
    response = client.get(MY_ACTIONS)
    assert response.context["counts"]["total"] == 52  # all of them counted, a page of them listed
    assert len(response.context["rows"]) == selectors.MY_ACTIONS_PER_PAGE
    last = client.get(f"{MY_ACTIONS}?page=3")
    assert len(last.context["rows"]) == 52 - 2 * selectors.MY_ACTIONS_PER_PAGE
    counts = response.context["counts"]
    assert sum(counts[status] for status in UpdateStatus.values) == 52
    assert count_queries(client, MY_ACTIONS) == few
    session = (
        0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
    )  # without Redis, read from the database
    with django_assert_max_num_queries(15 + session):
        client.get(MY_ACTIONS)


# The update form ---------------------------------------------------------------------------


def test_the_lead_sees_the_form_with_the_action_and_last_quarters_update(council):
    action = council["action"]
    make_update(action, council["q1"], UpdateStatus.LOCKED, rag=Rag.AMBER, narrative="Recruitment delayed")
    response = signed_in(council["officer"]).get(update_url(action, council["q2"]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["version"] == 0
    assert list(form.fields) == [
        "rag",
        "narrative",
        "reason",
        "mitigation",
        "recovery_date",
        f"figure_{action.measures_of_success.get().pk}",
        "evidence_links",
        "version",
    ]
    page = text(response)
    assert "Write the 2024-25 Q2 update" in page
    assert "Detail a of 1" in page and "Measure of 1" in page
    assert "Last quarter: 2024-25 Q1" in page
    assert "Recruitment delayed" in page and "Amber: at risk" in page
    html = response.content.decode()
    assert 'type="hidden" name="version" value="0"' in html
    assert re.search(r'type="radio"\s+name="rag"', html)
    assert ">Save draft<" in html and ">Submit for approval<" in html
    assert "novalidate" in html


def test_saving_a_draft_then_submitting_it(council):
    action, q2 = council["action"], council["q2"]
    measure = action.measures_of_success.get()
    client = signed_in(council["officer"])
    url = update_url(action, q2)
    response = client.post(
        url,
        form_data(
            action,
            narrative="Half done",
            rag="",
            evidence_links="https://www.bromley.gov.uk/report\n\n  http://example.org/a  ",
            **{f"figure_{measure.pk}": "96%"},
        ),
    )
    assert response.status_code == 302 and response.url == url
    update = QuarterlyUpdate.objects.get()
    assert (update.status, update.narrative, update.rag, update.version) == (
        UpdateStatus.DRAFT,
        "Half done",
        "",
        1,
    )
    assert update.evidence_links == ["https://www.bromley.gov.uk/report", "http://example.org/a"]
    assert MeasureFigure.objects.get(update=update).value == "96%"
    page = text(client.get(url))
    assert "Your draft 2024-25 Q2 update for action 1.1" in page

    response = client.post(url, form_data(action, version="1", narrative="All done", submit="submit"))
    assert response.status_code == 302
    assert response.url == f"{MY_ACTIONS}?period={q2.pk}"
    update.refresh_from_db()
    assert (update.status, update.narrative, update.submitted_by) == (
        UpdateStatus.SUBMITTED,
        "All done",
        council["officer"],
    )
    assert not MeasureFigure.objects.exists()  # the figure was cleared
    assert "submitted for approval" in text(client.get(response.url))


def test_submitting_without_a_rag_or_narrative_shows_errors_and_saves_nothing(council):
    action = council["action"]
    response = signed_in(council["officer"]).post(
        update_url(action, council["q2"]), form_data(action, rag="", narrative=" ", submit="submit")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "rag": ["Choose a RAG status before submitting"],
        "narrative": ["Write the update before submitting"],
    }
    html = response.content.decode()
    assert "<title>Error: Write the 2024-25 Q2 update" in html
    assert 'href="#id_rag_1"' in html and 'href="#id_narrative"' in html
    assert html.index("govuk-error-summary") < html.index("<h1")
    assert not QuarterlyUpdate.objects.exists()


def test_evidence_links_must_be_web_addresses(council):
    action = council["action"]
    response = signed_in(council["officer"]).post(
        update_url(action, council["q2"]),
        form_data(action, evidence_links="https://ok.example\njavascript:alert(1)\nnot a link"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["evidence_links"] == [
        "Evidence links 2, 3 are not web addresses: put one address a line, each starting https:// or http://"
    ]
    assert not QuarterlyUpdate.objects.exists()


def test_the_return_comment_is_shown_to_the_lead(council):
    make_update(
        council["action"],
        council["q2"],
        UpdateStatus.RETURNED,
        return_comment="Please add the figures",
        decided_by=council["approver"],
    )
    response = signed_in(council["officer"]).get(update_url(council["action"], council["q2"]))
    page = text(response)
    assert "Returned for changes" in page
    assert "Grace Hopper returned this update" in page and "Please add the figures" in page
    assert response.context["form"] is not None


@pytest.mark.parametrize("started", [True, False], ids=["a saved draft", "a new update"])
def test_two_people_editing_the_same_update_the_second_save_is_refused_and_nothing_is_lost(council, started):
    action, q2 = council["action"], council["q2"]
    deputy = make_user(Role.OFFICER, username="deputy", first_name="Dee", last_name="Puty")
    Delegation.objects.create(post=council["lead_post"], delegate=deputy)
    if started:
        save_update(update_for(action, q2), council["officer"], version=0, rag=Rag.GREEN, narrative="Started")
    url = update_url(action, q2)
    first, second = signed_in(council["officer"]), signed_in(deputy)
    opened_first = first.get(url).context["form"].initial["version"]
    opened_second = second.get(url).context["form"].initial["version"]
    assert opened_first == opened_second == (1 if started else 0)

    response = first.post(url, form_data(action, version=opened_first, narrative="First person's text"))
    assert response.status_code == 302

    response = second.post(
        url, form_data(action, version=opened_second, rag=Rag.RED, narrative="Second person's text")
    )
    assert response.status_code == 409
    update = QuarterlyUpdate.objects.get()
    assert (update.narrative, update.rag) == ("First person's text", Rag.GREEN)
    form = response.context["form"]
    assert form.data["narrative"] == "Second person's text"  # their own text, still in the form
    assert form.data["version"] == str(update.version)  # saving again replaces the first person's, knowingly
    assert response.context["theirs"].narrative == "First person's text"
    html = response.content.decode()
    assert "<title>Error: " in html
    page = text(response)
    assert "Olu Adeyemi saved this update at" in page and "after you opened it" in page
    assert "The version saved by Olu Adeyemi" in page
    assert page.index("First person's text") < page.index("Your version")
    assert "Second person&#x27;s text</textarea>" in html
    assert re.search(r'value="red"\s*checked', html)  # the RAG they chose stays chosen

    # Having seen the other version, the second person saves again: now it is theirs that stands.
    response = second.post(url, form_data(action, version=form.data["version"], narrative="Merged text"))
    assert response.status_code == 302
    assert QuarterlyUpdate.objects.get().narrative == "Merged text"


def test_someone_who_does_not_lead_the_action_sees_it_read_only_and_cannot_post(council):
    make_update(council["action"], council["q2"], UpdateStatus.DRAFT, narrative="Olu's draft")
    other = make_user(Role.OFFICER, username="other")
    client = signed_in(other)
    url = update_url(council["action"], council["q2"])
    response = client.get(url)
    assert response.status_code == 200
    assert "form" not in response.context
    assert "Olu's draft" in text(response)
    assert client.post(url, form_data(council["action"])).status_code == 403
    assert QuarterlyUpdate.objects.get().narrative == "Olu's draft"


def test_a_submitted_update_is_read_only_for_its_lead(council):
    make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED, submitted_by=council["officer"])
    client = signed_in(council["officer"])
    response = client.get(update_url(council["action"], council["q2"]))
    assert "form" not in response.context
    assert "It is waiting for approval" in text(response)
    # A stale tab posting anyway gets the workflow's refusal, with the text kept.
    response = client.post(
        update_url(council["action"], council["q2"]),
        form_data(council["action"], version="1", narrative="Late edit"),
    )
    assert response.status_code == 200
    assert (
        "This update is submitted and can no longer be edited." in response.context["form"].non_field_errors()
    )
    assert QuarterlyUpdate.objects.get().narrative == "Going well"


def test_the_approver_is_pointed_to_the_queue_from_a_submitted_update(council):
    make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED)
    response = signed_in(council["approver"]).get(update_url(council["action"], council["q2"]))
    assert "approve or return it in your queue" in text(response)


def test_a_locked_period_takes_no_updates(council):
    response = signed_in(council["officer"]).get(update_url(council["action"], council["q1"]))
    assert "form" not in response.context
    assert "2024-25 Q1 is locked for committee" in text(response)


def test_members_see_only_approved_and_locked_updates(council):
    make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED, narrative="Not yet approved")
    make_update(council["action"], council["q1"], UpdateStatus.DRAFT, narrative="Old draft")
    client = signed_in(council["member"])
    response = client.get(update_url(council["action"], council["q2"]))
    page = text(response)
    assert "Not yet approved" not in page and "Old draft" not in page
    assert "There is no approved update for this quarter yet." in page
    assert "There is no approved update for 2024-25 Q1." in page
    QuarterlyUpdate.objects.filter(period=council["q2"]).update(status=UpdateStatus.APPROVED)
    refresh_all()  # a raw update() sends no save signals: the stored counts follow it (plans.counts)
    assert "Not yet approved" in text(client.get(update_url(council["action"], council["q2"])))


def test_a_period_of_another_year_is_not_found(council):
    other_year = period(2023, 4, PeriodStatus.LOCKED)
    client = signed_in(council["officer"])
    assert client.get(update_url(council["action"], other_year)).status_code == 404
    assert client.get(reverse("plans:update", args=[council["action"].pk, 999999])).status_code == 404
    # An update recorded for such a period (an import can) is still shown.
    make_update(council["action"], other_year, UpdateStatus.LOCKED, narrative="Imported")
    assert "Imported" in text(client.get(update_url(council["action"], other_year)))


def test_user_text_is_escaped(council):
    action = council["action"]
    measure = action.measures_of_success.get()
    measure.text = "<script>alert('measure')</script>"
    measure.save()
    update = make_update(
        action,
        council["q2"],
        UpdateStatus.DRAFT,
        narrative="<b>bold</b>",
        evidence_links=["javascript:alert(1)"],
    )
    html = signed_in(council["officer"]).get(update_url(action, council["q2"])).content.decode()
    assert "<script>alert('measure')" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    update.status = UpdateStatus.SUBMITTED
    update.save()
    html = signed_in(council["approver"]).get(APPROVALS).content.decode()
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert 'href="javascript:' not in html


# Approvals -----------------------------------------------------------------------------------


def test_the_queue_holds_submitted_updates_for_my_portfolios_only(council):
    mine = make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED, narrative="Ready for you")
    make_update(council["other_action"], council["q2"], UpdateStatus.DRAFT, narrative="Still a draft")
    elsewhere = make_plan(code="ECS", year=2024, actions=1).sections.get().actions.get()
    make_update(elsewhere, council["q2"], UpdateStatus.SUBMITTED, narrative="Another portfolio")
    MeasureFigure.objects.create(update=mine, measure=council["action"].measures_of_success.get(), value="42")
    response = signed_in(council["approver"]).get(APPROVALS)
    assert [item.update for item in response.context["items"]] == [mine]
    page = text(response)
    assert "Ready for you" in page and "Measure of 1: 42" in page
    assert "Still a draft" not in page and "Another portfolio" not in page
    assert "Approve the update for action CEF 1.1" in page
    assert "What needs to change in the update for action 1.1" in page


def test_approving_from_the_queue(council):
    update = make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED)
    client = signed_in(council["approver"])
    response = client.post(reverse("plans:approve", args=[update.pk]), decision(update))
    assert response.status_code == 302 and response.url == APPROVALS
    update.refresh_from_db()
    assert (update.status, update.decided_by) == (UpdateStatus.APPROVED, council["approver"])
    page = text(client.get(APPROVALS))
    assert "You approved the 2024-25 Q2 update for action 1.1" in page
    assert "There are no updates waiting for your approval." in page


def test_returning_needs_a_comment_shown_beside_the_update(council):
    update = make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED)
    client = signed_in(council["approver"])
    response = client.post(reverse("plans:return", args=[update.pk]), decision(update, comment="  "))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Updates to approve" in html
    assert f'href="#id_return-{update.pk}-comment"' in html
    assert "Say what needs to change when returning an update" in html
    update.refresh_from_db()
    assert update.status == UpdateStatus.SUBMITTED

    response = client.post(
        reverse("plans:return", args=[update.pk]), decision(update, comment="Add the figures")
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.status, update.return_comment) == (UpdateStatus.RETURNED, "Add the figures")
    assert "to its lead with your comment" in text(client.get(APPROVALS))


def test_an_approver_for_another_portfolio_is_refused_with_a_message(council):
    update = make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED)
    outsider = make_user(Role.APPROVER, username="elsewhere")
    client = signed_in(outsider)
    client.post(reverse("plans:approve", args=[update.pk]), decision(update))
    client.post(reverse("plans:return", args=[update.pk]), decision(update, comment="No"))
    update.refresh_from_db()
    assert update.status == UpdateStatus.SUBMITTED
    page = text(client.get(APPROVALS))
    assert "was not approved: Only an approver for this portfolio can do that." in page
    assert "was not returned: Only an approver for this portfolio can do that." in page


def test_approving_twice_is_refused_with_a_message(council):
    update = make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED)
    client = signed_in(council["approver"])
    client.post(reverse("plans:approve", args=[update.pk]), decision(update))
    response = client.post(reverse("plans:approve", args=[update.pk]), decision(update), follow=True)
    assert "An update that is approved cannot become approved." in text(response)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.MEMBER, Role.CLERK, Role.ADMIN, None])
def test_only_approvers_reach_the_decision_endpoints(council, people, role):
    update = make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED)
    client = signed_in(people[role])
    assert client.post(reverse("plans:approve", args=[update.pk]), decision(update)).status_code == 403
    assert (
        client.post(reverse("plans:return", args=[update.pk]), decision(update, comment="x")).status_code
        == 403
    )
    update.refresh_from_db()
    assert update.status == UpdateStatus.SUBMITTED


def test_the_decision_endpoints_take_post_only(council):
    update = make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED)
    assert signed_in(council["approver"]).get(reverse("plans:approve", args=[update.pk])).status_code == 405


def test_the_queue_costs_the_same_queries_at_any_length(council, django_assert_max_num_queries):
    client = signed_in(council["approver"])
    for action in (council["action"], council["other_action"]):
        update = make_update(
            action, council["q2"], UpdateStatus.SUBMITTED, evidence_links=["https://example.org"]
        )
        MeasureFigure.objects.create(update=update, measure=action.measures_of_success.get(), value="1")
    few = count_queries(client, APPROVALS + "?per_page=50")
    make_plan(year=2024, actions=30, ambition_number=2)
    for action in Action.objects.filter(section__number=2):
        update = make_update(action, council["q2"], UpdateStatus.SUBMITTED)
        MeasureFigure.objects.create(update=update, measure=action.measures_of_success.get(), value="2")
    assert len(client.get(APPROVALS + "?per_page=50").context["items"]) == 32
    assert len(client.get(APPROVALS).context["items"]) == 25  # a page at a time
    assert count_queries(client, APPROVALS + "?per_page=50") == few
    # One query counts the queue's updates and the green ones waiting (selectors.queue_page).
    update.rag = Rag.AMBER
    update.save()
    context = client.get(APPROVALS).context
    assert context["page"].paginator.count == 32
    assert context["green_count"] == 31 == QuarterlyUpdate.objects.filter(rag=Rag.GREEN).count()
    with django_assert_max_num_queries(16):
        client.get(APPROVALS + "?per_page=50")


# Reporting periods -----------------------------------------------------------------------------


@pytest.fixture
def busy_period(council):
    """Q2 holding updates in every state across two plans, and updates in other periods that must not count."""
    q2 = council["q2"]
    cef = make_plan(
        year=2024, actions=7, lead="Director Education", ambition_number=2
    )  # 9 CEF actions in all
    ecs = make_plan(code="ECS", year=2024, actions=4, lead="Director Environment")
    cef_actions = list(Action.objects.filter(section__plan=cef).order_by("section__number", "number"))
    ecs_actions = list(Action.objects.filter(section__plan=ecs).order_by("number"))
    # CEF: 2 missing, 1 draft, 2 submitted, 1 returned, 2 approved, 1 locked.
    for action, status in zip(
        cef_actions[2:],
        [
            UpdateStatus.DRAFT,
            UpdateStatus.SUBMITTED,
            UpdateStatus.SUBMITTED,
            UpdateStatus.RETURNED,
            UpdateStatus.APPROVED,
            UpdateStatus.APPROVED,
            UpdateStatus.LOCKED,
        ],
        strict=True,
    ):
        make_update(action, q2, status)
    # ECS: 1 missing, 2 draft, 1 approved.
    for action, status in zip(
        ecs_actions[1:], [UpdateStatus.DRAFT, UpdateStatus.DRAFT, UpdateStatus.APPROVED], strict=True
    ):
        make_update(action, q2, status)
    # Other periods' updates, and a plan of another year: none of these count for Q2.
    for action in cef_actions:
        make_update(action, council["q1"], UpdateStatus.LOCKED)
    make_plan(code="RRH", year=2023, actions=3)
    Post.objects.get(title="Director Environment").holders.add(
        make_user(Role.OFFICER, username="erin", first_name="Erin", last_name="Green")
    )
    return {"cef": cef, "ecs": ecs, "cef_actions": cef_actions, "ecs_actions": ecs_actions}


def test_the_period_overview_counts_every_state_right(council, busy_period):
    response = signed_in(council["clerk"]).get(reverse("plans:period", args=[council["q2"].pk]))
    assert response.status_code == 200
    counts = {
        plan.portfolio.code: {
            key: getattr(plan, key)
            for key in ["action_count", "missing", "draft", "submitted", "returned", "approved", "locked"]
        }
        for plan in response.context["plans"]
    }
    assert counts == {
        "CEF": {
            "action_count": 9,
            "missing": 2,
            "draft": 1,
            "submitted": 2,
            "returned": 1,
            "approved": 2,
            "locked": 1,
        },
        "ECS": {
            "action_count": 4,
            "missing": 1,
            "draft": 2,
            "submitted": 0,
            "returned": 0,
            "approved": 1,
            "locked": 0,
        },
    }
    totals = response.context["totals"]
    assert (totals["action_count"], totals["missing"], totals["draft"], totals["not_approved"]) == (
        13,
        3,
        3,
        9,
    )
    html = response.content.decode()
    row = re.search(r'<tr class="govuk-table__row" data-plan="CEF">(.*?)</tr>', html, re.S)[1]
    assert re.findall(r"--numeric\">(\d+)<", row) == ["9", "2", "1", "2", "1", "2", "1", "0"]
    assert "9 of 13 actions have no approved update yet" in text(response)


def test_who_to_chase_names_the_posts_and_their_holders(council, busy_period):
    deputy = make_user(Role.OFFICER, username="deputy", first_name="Dee", last_name="Puty")
    Delegation.objects.create(post=council["lead_post"], delegate=deputy)
    DetailLead.objects.create(
        detail=busy_period["ecs_actions"][0].details.first(),
        order=2,
        post=Post.objects.create(title="Head of Nobody"),
    )
    response = signed_in(council["clerk"]).get(reverse("plans:period", args=[council["q2"].pk]))
    chase = {item.post.title: item for item in response.context["chase"]}
    assert set(chase) == {"Director Education", "Director Environment", "Head of Nobody"}
    education = chase["Director Education"]
    assert (education.missing, education.draft, education.returned) == (2, 1, 1)
    assert education.holders == [council["officer"]] and education.delegates == [deputy]
    environment = chase["Director Environment"]
    assert (environment.missing, environment.draft, environment.returned) == (1, 2, 0)
    page = text(response)
    assert "Olu Adeyemi" in page and "Dee Puty (delegate)" in page and "Erin Green" in page
    assert "Nobody holds this post" in page
    assert 'href="mailto:olu@example.invalid"' in response.content.decode()


def test_the_period_list_shows_each_periods_status_and_counts(council, busy_period):
    response = signed_in(council["clerk"]).get(PERIODS)
    assert [str(p) for p, _ in response.context["periods"]] == ["2024-25 Q2", "2024-25 Q1"]  # newest first
    rows = {
        str(p): (p.action_count, p.reported, p.waiting, moves) for p, moves in response.context["periods"]
    }
    assert rows["2024-25 Q2"] == (13, 4, 2, {"can_open": False, "can_lock": True})
    assert rows["2024-25 Q1"] == (13, 9, 0, {"can_open": False, "can_lock": False})
    page = text(response)
    assert "Lock 2024-25 Q2" in page and "Open for updates" in page


def test_locking_a_period_asks_first_and_warns_how_many_are_not_approved(council, busy_period):
    client = signed_in(council["clerk"])
    url = reverse("plans:lock_period", args=[council["q2"].pk])
    response = client.get(url)
    page = text(response)
    assert "Lock 2024-25 Q2 for committee?" in page
    assert "9 actions have no approved update" in page
    assert "3 missing" in page and "3 in draft" in page and "2 submitted" in page and "1 returned" in page
    council["q2"].refresh_from_db()
    assert council["q2"].status == PeriodStatus.OPEN  # nothing happens until the POST

    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("plans:period", args=[council["q2"].pk])
    council["q2"].refresh_from_db()
    assert council["q2"].status == PeriodStatus.LOCKED and council["q2"].locked_by == council["clerk"]
    assert QuarterlyUpdate.objects.filter(period=council["q2"], status=UpdateStatus.LOCKED).count() == 4
    assert "2024-25 Q2 is now locked for committee." in text(client.get(response.url))

    # Locking again is refused with the workflow's message.
    response = client.post(url, follow=True)
    assert "cannot become locked for committee" in text(response)


def test_opening_a_planned_period(council):
    q3 = period(2024, 3, PeriodStatus.PLANNED)
    client = signed_in(council["clerk"])
    page = text(client.get(reverse("plans:open_period", args=[q3.pk])))
    assert "Open 2024-25 Q3 for updates?" in page and "2024-25 Q2 is open too" in page
    client.post(reverse("plans:open_period", args=[q3.pk]))
    q3.refresh_from_db()
    assert q3.status == PeriodStatus.OPEN
    page = text(client.get(reverse("plans:open_period", args=[q3.pk])))
    assert "so it cannot be opened now" in page


@pytest.mark.parametrize("role", [Role.ADMIN, Role.APPROVER, Role.OFFICER, Role.MEMBER])
def test_only_clerks_open_and_lock_periods(council, people, role):
    client = signed_in(people[role])
    for name in ("plans:lock_period", "plans:open_period"):
        assert client.post(reverse(name, args=[council["q2"].pk])).status_code == 403
    council["q2"].refresh_from_db()
    assert council["q2"].status == PeriodStatus.OPEN


def test_an_admin_reads_the_overview_without_the_buttons(council):
    response = signed_in(council["admin"]).get(reverse("plans:period", args=[council["q2"].pk]))
    assert response.status_code == 200
    assert "Lock period" not in text(response)


def test_the_period_pages_cost_the_same_queries_at_any_size(council, django_assert_max_num_queries):
    client = signed_in(council["clerk"])
    url = reverse("plans:period", args=[council["q2"].pk])
    make_update(council["action"], council["q2"], UpdateStatus.DRAFT)
    small = (count_queries(client, url), count_queries(client, PERIODS))
    for number, code in enumerate(["ECS", "RRH", "ACH"], start=2):
        plan = make_plan(code=code, year=2024, actions=15, lead=f"Lead {code}", ambition_number=number)
        Post.objects.get(title=f"Lead {code}").holders.add(make_user(Role.OFFICER, username=f"lead-{code}"))
        for index, action in enumerate(Action.objects.filter(section__plan=plan)):
            status = [UpdateStatus.DRAFT, UpdateStatus.RETURNED, UpdateStatus.APPROVED, None][index % 4]
            if status:
                make_update(action, council["q2"], status)
    period(2024, 3, PeriodStatus.PLANNED)
    period(2024, 4, PeriodStatus.PLANNED)
    assert len(client.get(url).context["chase"]) == 4
    assert (count_queries(client, url), count_queries(client, PERIODS)) == small
    with django_assert_max_num_queries(15):
        client.get(url)
    with django_assert_max_num_queries(12):
        client.get(PERIODS)


# The action page and amendments ----------------------------------------------------------------


@pytest.fixture
def reported(council):
    """Olu's Q1 update (locked, amended once) and Q2 update (approved, then locked)."""
    action = council["action"]
    q1_update = make_update(
        action, council["q1"], UpdateStatus.LOCKED, rag=Rag.AMBER, narrative="Q1 as reported"
    )
    Amendment.objects.create(
        update=q1_update,
        rag=Rag.RED,
        narrative="Q1 corrected",
        reason="The figure was wrong",
        created_by=council["clerk"],
    )
    q2_update = save_update(
        update_for(action, council["q2"]),
        council["officer"],
        version=0,
        rag=Rag.GREEN,
        narrative="Q2 draft",
        submit=True,
    )
    return {"q1": q1_update, "q2": q2_update}


def test_the_action_page_shows_its_updates_newest_first_with_the_rag_history(council, reported):
    response = signed_in(council["clerk"]).get(council["action"].get_absolute_url())
    assert [u.period for u in response.context["page"].updates] == [council["q2"], council["q1"]]
    page = text(response)
    assert "RAG history at a glance" in page
    strip = re.search(r'<ol class="govuk-list app-rag-history".*?</ol>', response.content.decode(), re.S)[0]
    strip_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", strip))
    assert strip_text.index("2024-25 Q1") < strip_text.index("2024-25 Q2")
    assert "Red: off track" in strip_text and "(amended)" in strip_text and "Green: on track" in strip_text
    # The amendment sits beside the original, with its reason, who and when.
    assert "As reported" in page and "Q1 as reported" in page and "Q1 corrected" in page
    assert "The figure was wrong" in page
    assert f"Amended by {council['clerk']} on" in page
    assert "Submitted" in page  # the Q2 update's state, for staff


def test_members_see_only_approved_and_locked_updates_on_the_action_page(council, reported):
    client = signed_in(council["member"])
    response = client.get(council["action"].get_absolute_url())
    assert [u.period for u in response.context["page"].updates] == [council["q1"]]
    page = text(response)
    assert "Q2 draft" not in page and "Q1 as reported" in page
    assert "Amend the" not in page
    approve_update(reported["q2"], council["approver"], version=reported["q2"].version)
    lock_period(council["q2"], council["clerk"])
    assert "Q2 draft" in text(client.get(council["action"].get_absolute_url()))


def test_the_amend_link_shows_to_clerks_and_the_portfolios_approver_on_locked_updates(council, reported):
    amend_q1 = reverse("plans:amend", args=[reported["q1"].pk])
    amend_q2 = reverse("plans:amend", args=[reported["q2"].pk])
    for who in ("clerk", "approver"):
        html = signed_in(council[who]).get(council["action"].get_absolute_url()).content.decode()
        assert amend_q1 in html and amend_q2 not in html  # Q2 is not locked
    for who in ("officer", "member"):
        html = signed_in(council[who]).get(council["action"].get_absolute_url()).content.decode()
        assert amend_q1 not in html


def test_the_lead_is_offered_this_quarters_update_from_the_action_page(council):
    page = text(signed_in(council["officer"]).get(council["action"].get_absolute_url()))
    assert "Write your 2024-25 Q2 update" in page
    assert "Write your" not in text(signed_in(council["member"]).get(council["action"].get_absolute_url()))


def test_amending_a_locked_update(council, reported):
    client = signed_in(council["approver"])
    url = reverse("plans:amend", args=[reported["q1"].pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["form"].initial["narrative"] == "Q1 corrected"  # the latest text, to correct

    response = client.post(url, {"narrative": "Q1 corrected again", "rag": "", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["Give the reason for the amendment"]}
    assert "<title>Error: Amend the 2024-25 Q1 update" in response.content.decode()

    response = client.post(url, {"narrative": "Q1 corrected again", "rag": "", "reason": "Second look"})
    assert response.status_code == 302
    assert response.url == f"{council['action'].get_absolute_url()}#update-{reported['q1'].pk}"
    amendment = Amendment.objects.latest("pk")
    assert (amendment.narrative, amendment.rag, amendment.reason, amendment.created_by) == (
        "Q1 corrected again",
        "",
        "Second look",
        council["approver"],
    )
    reported["q1"].refresh_from_db()
    assert reported["q1"].narrative == "Q1 as reported"


def test_amending_an_update_that_is_not_locked_is_refused(council, reported):
    response = signed_in(council["clerk"]).post(
        reverse("plans:amend", args=[reported["q2"].pk]), {"narrative": "x", "rag": "", "reason": "y"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Only a locked update is amended; edit it instead."
    ]
    assert reported["q2"].amendments.count() == 0


def test_an_approver_for_another_portfolio_cannot_amend(council, reported):
    outsider = make_user(Role.APPROVER, username="elsewhere")
    assert signed_in(outsider).get(reverse("plans:amend", args=[reported["q1"].pk])).status_code == 403


def test_the_action_page_costs_the_same_queries_with_more_updates(council, django_assert_max_num_queries):
    client = signed_in(council["clerk"])
    url = council["action"].get_absolute_url()
    make_update(council["action"], council["q1"], UpdateStatus.LOCKED)
    few = count_queries(client, url)
    for quarter in (3, 4):
        make_update(council["action"], period(2024, quarter, PeriodStatus.LOCKED), UpdateStatus.LOCKED)
    for update in QuarterlyUpdate.objects.all():
        Amendment.objects.create(update=update, narrative="Fixed", reason="Typo", created_by=council["clerk"])
        MeasureFigure.objects.create(
            update=update, measure=council["action"].measures_of_success.get(), value="3"
        )
    assert count_queries(client, url) == few


# Navigation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        (Role.OFFICER, {"My actions"}),
        (Role.APPROVER, {"Approvals"}),
        (Role.CLERK, {"Reporting periods"}),
        (Role.ADMIN, {"Reporting periods"}),
        (Role.MEMBER, set()),
    ],
)
def test_each_role_sees_its_update_sections_on_home(people, role, sections):
    response = signed_in(people[role]).get(reverse("home"))
    labels = {section.label for section in response.context["sections"]}
    assert labels & {"My actions", "Approvals", "Reporting periods"} == sections
    for section in response.context["sections"]:
        if section.label in sections:
            assert section.description


def test_the_due_date_shown_is_the_periods(council):
    council["q2"].due_on = date(2024, 10, 14)
    council["q2"].save()
    assert "due by 14 October 2024" in text(signed_in(council["officer"]).get(MY_ACTIONS))


def test_a_resubmitted_update_does_not_claim_to_be_approved(council):
    action = council["action"]
    update = make_update(action, council["q2"], UpdateStatus.SUBMITTED, submitted_by=council["officer"])
    client = signed_in(council["approver"])
    client.post(reverse("plans:return", args=[update.pk]), decision(update, comment="More, please"))
    update.refresh_from_db()
    save_update(
        update, council["officer"], version=update.version, rag=Rag.GREEN, narrative="More", submit=True
    )
    page = text(signed_in(council["clerk"]).get(action.get_absolute_url()))
    assert "Submitted by Olu Adeyemi" in page and "Approved by" not in page
    client.post(reverse("plans:approve", args=[update.pk]), decision(update))
    assert "Approved by Grace Hopper" in text(signed_in(council["clerk"]).get(action.get_absolute_url()))
