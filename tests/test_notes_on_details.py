"""Updates with notes on details ("On a) and b): ...") cost the pages, the API and the reports that show
them a fixed number of queries, whatever the number of such updates: a note's detail and its action's
other details come with the rows, never one query per note."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.choices import Rag, UpdateStatus
from plans.exception_report import build_exception_report
from plans.models import Action, QuarterlyUpdate, UpdateNote
from plans.reports import build_corporate_summary, build_plan_progress
from tests.factories import make_plan
from tests.test_update_pages import (
    council,  # noqa: F401 (a fixture)
    make_update,
    signed_in,
)

pytestmark = pytest.mark.django_db


def with_notes(actions, q1, q2):
    """Each action: Q1 locked and Q2 submitted, red, each with a note on detail b (which covers a and b)."""
    for action in actions:
        detail_b = action.details.get(letter="b")
        for period_, status in [(q1, UpdateStatus.LOCKED), (q2, UpdateStatus.SUBMITTED)]:
            update = make_update(action, period_, status, Rag.RED, "Overall")
            UpdateNote.objects.create(update=update, detail=detail_b, narrative=f"On b of {action.number}")


def queries(run) -> int:
    with CaptureQueriesContext(connection) as context:
        run()
    return len(context)


def page(client, url):
    def run():
        response = client.get(url)
        assert response.status_code == 200, url
        return response

    return run


def test_notes_on_details_cost_the_same_queries_for_two_updates_or_six(council):  # noqa: F811
    approver, member = signed_in(council["approver"]), signed_in(council["member"])
    q1, q2 = council["q1"], council["q2"]
    plan = council["plan"]
    with_notes(Action.objects.filter(section__plan=plan), q1, q2)
    report = {"plan": plan, "period": q1}
    runs = {
        "approvals queue": page(approver, "/plans/approvals/"),
        "actions list": page(member, "/plans/actions/"),
        "actions list, Q1": page(member, f"/plans/actions/?period={q1.pk}"),
        "overview dashboard": page(member, f"/plans/dashboards/?period={q1.pk}"),
        "ambition dashboard": page(member, f"/plans/dashboards/ambitions/1/?period={q1.pk}"),
        "portfolio dashboard": page(member, f"/plans/dashboards/portfolios/CEF/?period={q1.pk}"),
        "plan page": page(member, plan.get_absolute_url()),
        "API actions": page(member, reverse("api:actions")),
        "plan progress report": lambda: build_plan_progress(report),
        "corporate summary": lambda: build_corporate_summary({"period": q1}),
        "exception report": lambda: build_exception_report(report),
    }
    before = {name: queries(run) for name, run in runs.items()}
    plan = make_plan(year=2024, actions=4)  # four more actions in the same plan and section
    added = Action.objects.filter(section__plan=plan).exclude(updates__isnull=False)
    with_notes(added, q1, q2)
    assert QuarterlyUpdate.objects.filter(notes__isnull=False).count() == 12
    # The pages show the notes they cost.
    assert "On b of 6" in runs["approvals queue"]().content.decode()
    after = {name: queries(run) for name, run in runs.items()}
    assert after == before
