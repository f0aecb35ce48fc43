"""The approvals queue at a director's scale: filters (portfolio, RAG, status), sorting, bounded pages,
an update opened beside last quarter's, and approving the green ones together, all or nothing."""

import pytest
from django.urls import reverse

from ambitions.models import Post
from plans.choices import Rag, UpdateStatus
from plans.counts import refresh_all
from plans.models import Action, QuarterlyUpdate
from plans.selectors import GREEN_SHOWN, approval_updates, green_to_approve
from tests.factories import make_plan
from tests.test_update_pages import (
    APPROVALS,
    council,  # noqa: F401 (a fixture)
    count_queries,
    make_update,
    signed_in,
)

GREEN_URL = reverse("plans:approve_green")


def shown(response) -> list[int]:
    return [item.update.pk for item in response.context["items"]]


@pytest.fixture
def queue(council):  # noqa: F811
    """Q2 updates: red and green submitted for CEF, an amber one returned, and a green one submitted
    in another portfolio the approver also holds; Q1's update of the first action, locked."""
    other = make_plan(year=2024, actions=1, code="ECS", ambition_number=2)
    Post.objects.create(title="Director ECS", portfolio=other.portfolio).holders.add(council["approver"])
    ecs_action = Action.objects.get(section__plan=other)
    q1 = make_update(council["action"], council["q1"], UpdateStatus.LOCKED, Rag.AMBER, "Last quarter's words")
    return {
        **council,
        "red": make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED, Rag.RED, "Stuck"),
        "green": make_update(council["other_action"], council["q2"], UpdateStatus.SUBMITTED, Rag.GREEN),
        "ecs_green": make_update(ecs_action, council["q2"], UpdateStatus.SUBMITTED, Rag.GREEN),
        "q1": q1,
        "ecs": other.portfolio,
    }


def test_the_queue_shows_waiting_updates_and_filters_by_portfolio_rag_and_status(queue):
    client = signed_in(queue["approver"])
    assert sorted(shown(client.get(APPROVALS))) == sorted(
        [queue["red"].pk, queue["green"].pk, queue["ecs_green"].pk]
    )
    assert shown(client.get(APPROVALS, {"portfolio": queue["ecs"].pk})) == [queue["ecs_green"].pk]
    assert sorted(shown(client.get(APPROVALS, {"rag": "green"}))) == sorted(
        [queue["green"].pk, queue["ecs_green"].pk]
    )
    QuarterlyUpdate.objects.filter(pk=queue["red"].pk).update(status=UpdateStatus.RETURNED)
    refresh_all()  # a raw update() sends no save signals: the stored counts follow it (plans.counts)
    assert shown(client.get(APPROVALS, {"status": "returned"})) == [queue["red"].pk]
    assert queue["red"].pk not in shown(client.get(APPROVALS))
    page = client.get(APPROVALS, {"status": "returned"}).content.decode()
    assert f'action="/plans/updates/{queue["red"].pk}/approve/"' not in page  # nothing to decide


def test_the_queue_sorts_red_first_and_by_portfolio(queue):
    client = signed_in(queue["approver"])
    assert shown(client.get(APPROVALS, {"sort": "rag"}))[0] == queue["red"].pk
    by_portfolio = shown(client.get(APPROVALS, {"sort": "portfolio"}))
    cef_first = queue["plan"].portfolio.order <= queue["ecs"].order
    assert (by_portfolio[-1] == queue["ecs_green"].pk) == cef_first


@pytest.mark.parametrize(
    "query",
    [{"rag": "purple"}, {"status": "deleted"}, {"sort": "drop table"}, {"portfolio": "x"}, {"page": "-1"}],
)
def test_bad_queue_input_says_so_and_never_errors(queue, query):
    response = signed_in(queue["approver"]).get(APPROVALS, query)
    assert response.status_code == 200
    if "page" not in query:
        assert "There is a problem" in response.content.decode()


def test_pages_are_bounded(queue):
    make_plan(year=2024, actions=30, ambition_number=3, code="RRH")
    Post.objects.create(
        title="Director RRH",
        portfolio=Action.objects.filter(section__plan__portfolio__code="RRH").first().plan.portfolio,
    ).holders.add(queue["approver"])
    for action in Action.objects.filter(section__plan__portfolio__code="RRH"):
        make_update(action, queue["q2"], UpdateStatus.SUBMITTED)
    client = signed_in(queue["approver"])
    assert len(shown(client.get(APPROVALS, {"per_page": "100000"}))) == 25
    assert len(shown(client.get(APPROVALS, {"page": "2"}))) == 8
    assert len(shown(client.get(APPROVALS, {"per_page": "50"}))) == 33


def test_an_update_opens_beside_last_quarters(queue):
    client = signed_in(queue["approver"])
    response = client.get(reverse("plans:approval", args=[queue["red"].pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Stuck" in page and "Last quarter&#x27;s words" in page
    assert f"Last quarter: {queue['q1'].period}" in page
    assert f'action="/plans/updates/{queue["red"].pk}/approve/"' in page
    assert f'action="/plans/updates/{queue["red"].pk}/return/"' in page
    # Another portfolio's approver has no such update in their queue.
    outsider = signed_in(queue["officer"])
    assert outsider.get(reverse("plans:approval", args=[queue["red"].pk])).status_code == 403


def test_the_page_beside_last_quarter_costs_a_fixed_number_of_queries(queue):
    client = signed_in(queue["approver"])
    assert count_queries(client, reverse("plans:approval", args=[queue["red"].pk])) <= 20


def green_form(client, query=None) -> dict:
    response = client.get(GREEN_URL, query or {})
    return {"fingerprint": response.context["batch"].fingerprint}


def test_approving_the_green_ones_together_after_one_confirmation(queue):
    client = signed_in(queue["approver"])
    confirmation = client.get(GREEN_URL)
    assert sorted(u.pk for u in confirmation.context["updates"]) == sorted(
        [queue["green"].pk, queue["ecs_green"].pk]
    )
    assert "Approve all 2" in confirmation.content.decode()
    response = client.post(GREEN_URL, green_form(client))
    assert response.status_code == 302
    statuses = dict(QuarterlyUpdate.objects.values_list("pk", "status"))
    assert statuses[queue["green"].pk] == statuses[queue["ecs_green"].pk] == UpdateStatus.APPROVED
    assert statuses[queue["red"].pk] == UpdateStatus.SUBMITTED


def test_the_confirmation_follows_the_filters(queue):
    client = signed_in(queue["approver"])
    updates = client.get(GREEN_URL, {"portfolio": queue["ecs"].pk}).context["updates"]
    assert [u.pk for u in updates] == [queue["ecs_green"].pk]


def test_if_one_changed_meanwhile_none_is_approved(queue):
    client = signed_in(queue["approver"])
    form = green_form(client)
    QuarterlyUpdate.objects.filter(pk=queue["ecs_green"].pk).update(version=5, narrative="Changed")
    response = client.post(GREEN_URL, form)
    assert response.status_code == 409
    assert "Nothing was approved" in response.content.decode()
    assert not QuarterlyUpdate.objects.filter(status=UpdateStatus.APPROVED).exists()


def test_two_approvers_pressing_at_once_approve_once(queue):
    second = signed_in(queue["approver"])
    first = signed_in(queue["approver"])
    form = green_form(first)
    assert first.post(GREEN_URL, form).status_code == 302
    assert second.post(GREEN_URL, form).status_code == 409
    approvals = QuarterlyUpdate.history.filter(history_change_reason="Approved", id=queue["green"].pk)
    assert approvals.count() == 1


def test_an_approvers_own_green_update_is_not_offered(queue):
    QuarterlyUpdate.objects.filter(pk=queue["green"].pk).update(submitted_by=queue["approver"])
    updates = signed_in(queue["approver"]).get(GREEN_URL).context["updates"]
    assert [u.pk for u in updates] == [queue["ecs_green"].pk]


def many_green(queue, count: int) -> list:
    """``count`` more green updates waiting in CEF for Q2 (on new actions of the CEF plan)."""
    make_plan(year=2024, actions=count, code="CEF")
    actions = Action.objects.filter(section__plan=queue["plan"]).exclude(updates__period=queue["q2"])
    return [make_update(action, queue["q2"], UpdateStatus.SUBMITTED, Rag.GREEN) for action in actions]


def test_the_confirmation_names_the_first_and_counts_them_all_and_the_post_approves_them_all(queue):
    extra = many_green(queue, GREEN_SHOWN)  # with the two of the queue: GREEN_SHOWN + 2 in all
    client = signed_in(queue["approver"])
    confirmation = client.get(GREEN_URL)
    page = confirmation.content.decode()
    total = GREEN_SHOWN + 2
    assert confirmation.context["batch"].count == total
    assert len(confirmation.context["updates"]) == GREEN_SHOWN
    assert f"Approve all {total}" in page
    assert "And 2 more." in page
    assert "rag=green" in page  # the queue, filtered to them, lists them all
    response = client.post(GREEN_URL, green_form(client))
    assert response.status_code == 302
    approved = set(QuarterlyUpdate.objects.filter(status=UpdateStatus.APPROVED).values_list("pk", flat=True))
    assert approved == {queue["green"].pk, queue["ecs_green"].pk, *(u.pk for u in extra)}


def test_the_confirmation_costs_the_same_queries_whatever_the_number_of_green_updates(queue):
    client = signed_in(queue["approver"])
    few = count_queries(client, GREEN_URL)
    many_green(queue, GREEN_SHOWN + 5)
    assert count_queries(client, GREEN_URL) == few


def test_a_green_update_arriving_after_the_confirmation_stops_the_approval(queue):
    """The fingerprint: the POST approves the set that was confirmed or nothing, not whatever is
    green and waiting when the button is pressed."""
    client = signed_in(queue["approver"])
    form = green_form(client)
    late = many_green(queue, 1)[0]
    response = client.post(GREEN_URL, form)
    assert response.status_code == 409
    assert "Nothing was approved" in response.content.decode()
    assert not QuarterlyUpdate.objects.filter(status=UpdateStatus.APPROVED).exists()
    assert QuarterlyUpdate.objects.get(pk=late.pk).status == UpdateStatus.SUBMITTED


def test_the_post_approves_the_set_of_the_filters_it_was_confirmed_with(queue):
    client = signed_in(queue["approver"])
    filtered = {"portfolio": queue["ecs"].pk}
    form = green_form(client, filtered)
    # The same fingerprint against the unfiltered queue (two green updates, not one) approves nothing.
    assert client.post(GREEN_URL, form).status_code == 409
    assert not QuarterlyUpdate.objects.filter(status=UpdateStatus.APPROVED).exists()
    response = client.post(f"{GREEN_URL}?portfolio={queue['ecs'].pk}", form)
    assert response.status_code == 302
    approved = list(QuarterlyUpdate.objects.filter(status=UpdateStatus.APPROVED).values_list("pk", flat=True))
    assert approved == [queue["ecs_green"].pk]


def test_a_post_without_a_fingerprint_or_with_a_made_up_one_approves_nothing(queue):
    client = signed_in(queue["approver"])
    assert client.post(GREEN_URL, {}).status_code == 302
    assert client.post(GREEN_URL, {"fingerprint": "0" * 64}).status_code == 409
    assert client.post(GREEN_URL, {f"version-{queue['green'].pk}": "1"}).status_code == 302
    assert not QuarterlyUpdate.objects.filter(status=UpdateStatus.APPROVED).exists()


def test_the_batch_stops_at_its_size_and_says_how_many_wait_after_it(queue):
    updates = approval_updates(queue["approver"]).order_by("pk")
    batch = green_to_approve(queue["approver"], updates, 1)
    assert list(batch.versions) == [queue["green"].pk]
    assert batch.beyond == 1
    assert batch.fingerprint != green_to_approve(queue["approver"], updates, 2).fingerprint


def test_approving_several_is_all_or_nothing_when_one_has_moved_on(queue):
    """services.approve_all itself, in the order it works (by period, then id): the second update has
    moved on since it was read, so the first, approved a moment before, is undone too."""
    from plans import services

    first, second = sorted([queue["green"], queue["ecs_green"]], key=lambda update: update.pk)
    QuarterlyUpdate.objects.filter(pk=second.pk).update(version=second.version + 1)
    with pytest.raises(services.WorkflowError):
        services.approve_all([(first, first.version), (second, second.version)], queue["approver"])
    assert not QuarterlyUpdate.objects.filter(status=UpdateStatus.APPROVED).exists()


@pytest.mark.parametrize("who, url", [("approver", APPROVALS), ("member", reverse("plans:action_list"))])
def test_the_queue_and_the_actions_list_leave_the_sections_long_texts_out_of_their_rows(queue, who, url):
    """A section's statement, rationale, key strategies and alignment (and an ambition's long texts)
    are pages of text that no card or row shows: the database sorts every waiting update, or every
    action, to find a page, and carrying them there doubled the sort at 100 times the demo."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plans.models import AMBITION_LONG_TEXTS, SECTION_LONG_TEXTS

    client = signed_in(queue[who])
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    rows = [q["sql"] for q in context.captured_queries if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]]
    assert rows, "the page query"
    for sql in rows:
        for name in SECTION_LONG_TEXTS:
            assert f'"plans_plansection"."{name}"' not in sql
        for name in AMBITION_LONG_TEXTS:
            assert f'"ambitions_ambition"."{name}"' not in sql
