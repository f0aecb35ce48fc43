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
