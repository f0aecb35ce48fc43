"""An action's details, and each detail's leads and measures, are prefetched in their order within
their parent, without joining the plan tables to sort them in the plan's order (the models' own
orderings follow the parent up to the portfolio: four joins a prefetch, on every plan page,
dashboard, list and report)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.models import Action
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


def test_details_leads_and_measures_come_in_order_without_joining_the_plan():
    make_plan(actions=3)
    make_plan(code="ACH", actions=2, lead="Director Adult Social Care")
    with CaptureQueriesContext(connection) as context:
        actions = list(Action.objects.order_by("pk").with_plan_text())
    prefetches = [q["sql"] for q in context.captured_queries if 'FROM "plans_action"' not in q["sql"]]
    assert len(prefetches) == 3, prefetches  # details, their leads (with posts), their measures
    for sql in prefetches:
        for table in ("plans_action", "plans_plansection", "plans_portfolioplan", "ambitions_portfolio"):
            assert f'JOIN "{table}"' not in sql, sql
    with CaptureQueriesContext(connection) as context:
        shown = [
            [
                (
                    detail.letter,
                    [lead.post.title for lead in detail.leads.all()],
                    list(detail.measures_of_success.all()),
                )
                for detail in action.details.all()
            ]
            for action in actions
        ]
    assert len(context) == 0
    assert all([letter for letter, _, _ in row] == ["a", "b"] for row in shown)
    assert shown[0][0][1] == ["Director Education"] and shown[-1][0][1] == ["Director Adult Social Care"]
    assert all(len(row[0][2]) == 1 for row in shown)  # the measure on a


PLAN_JOINS = ("plans_action", "plans_plansection", "plans_portfolioplan", "ambitions_portfolio")


def detail_prefetches(captured) -> list[str]:
    """The queries that fetch actions' details by their actions (a prefetch)."""
    return [
        q["sql"]
        for q in captured
        if 'FROM "plans_actiondetail"' in q["sql"] and '"plans_actiondetail"."action_id" IN (' in q["sql"]
    ]


def test_the_updates_to_amend_fetch_their_actions_details_without_the_plan():
    from plans.selectors import updates_to_amend
    from tests.test_plan_spreadsheet import locked_period, report

    make_plan(actions=2)
    period = locked_period()
    for action in Action.objects.all():
        report(action, period, "Reported")
    with CaptureQueriesContext(connection) as context:
        updates = list(updates_to_amend())
        letters = [[detail.letter for detail in update.action.details.all()] for update in updates]
    assert letters == [["a", "b"], ["a", "b"]]
    prefetches = detail_prefetches(context.captured_queries)
    assert len(prefetches) == 1, context.captured_queries
    assert not any(f'JOIN "{table}"' in prefetches[0] for table in PLAN_JOINS), prefetches[0]


def test_a_plan_import_reads_its_existing_updates_details_without_the_plan(client, people):
    from bromley_portal.accounts.roles import Role
    from tests.test_plan_spreadsheet import locked_period, report, round_trip

    plan = make_plan(actions=2)
    period = locked_period()
    for action in Action.objects.all():
        report(action, period, "Reported", notes="a")
    with CaptureQueriesContext(connection) as context:
        result, changed = round_trip(client, people[Role.ADMIN], plan, period, "csv")
    assert result.ok and not changed, result.errors
    prefetches = detail_prefetches(context.captured_queries)
    assert prefetches, "the import read no existing update's details"
    for sql in prefetches:
        assert not any(f'JOIN "{table}"' in sql for table in PLAN_JOINS), sql
