"""Scale (issue 17): the benchmark council's generator, and pages whose queries do not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.generate import grow_council
from bromley_portal.accounts.roles import Role
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import Action, QuarterlyUpdate, ReportingPeriod, UpdateNote
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.django_db

PERIODS = "/plans/periods/"
SMALLINT_MAX = 32767  # PostgreSQL's smallint


def period(year, quarter, status=PeriodStatus.LOCKED):
    return ReportingPeriod.objects.create(
        year=year, quarter=quarter, status=status, **ReportingPeriod.default_dates(year, quarter)
    )


def test_a_grown_council_numbers_copies_on_from_each_sections_last_action():
    plan = make_plan(actions=3)
    q1 = period(2023, 1)
    for action in Action.objects.filter(section__plan=plan):
        QuarterlyUpdate.objects.create(
            action=action,
            period=q1,
            status=UpdateStatus.LOCKED,
            rag=Rag.GREEN,
            narrative=f"On {action.title}",
        )
    grow_council(40)  # past copy 33, where copies numbered a thousand apart passed a smallint
    numbers = sorted(Action.objects.filter(section__plan=plan).values_list("number", flat=True))
    assert numbers == list(range(1, 121))
    copy = Action.objects.get(section__plan=plan, number=118)  # the 40th copy of action 1
    assert copy.title == "Action 1 of CEF"
    assert [detail.letter for detail in copy.details.all()] == ["a", "b"]
    assert copy.updates.get().narrative == "On Action 1 of CEF"
    assert QuarterlyUpdate.objects.filter(period=q1).count() == 120


def test_a_grown_council_copies_each_updates_notes_on_its_details():
    plan = make_plan(actions=1)
    action = Action.objects.get(section__plan=plan)
    update = QuarterlyUpdate.objects.create(
        action=action, period=period(2023, 1), status=UpdateStatus.LOCKED, rag=Rag.RED, narrative="Overall"
    )
    UpdateNote.objects.create(update=update, detail=action.details.get(letter="b"), narrative="On b")
    grow_council(3)
    copied = UpdateNote.objects.exclude(update=update).select_related("detail__action")
    assert sorted((note.detail.action.number, note.detail.letter, note.narrative) for note in copied) == [
        (2, "b", "On b"),
        (3, "b", "On b"),
    ]


def test_a_council_grown_a_hundred_times_keeps_its_numbers_in_range():
    plan = make_plan(actions=5)
    grow_council(100)
    numbers = Action.objects.filter(section__plan=plan).values_list("number", flat=True)
    assert len(set(numbers)) == 500 and max(numbers) == 500 < SMALLINT_MAX


def periods_page_queries(client) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(PERIODS)
    assert response.status_code == 200
    rows = {str(p): (p.action_count, p.reported, p.waiting) for p, _ in response.context["periods"]}
    return len(context), rows


def test_the_periods_list_costs_the_same_queries_at_two_sizes(client):
    client.force_login(make_user(Role.CLERK, username="dev"))
    small = make_plan(year=2023, actions=2)
    q1 = period(2023, 1)
    QuarterlyUpdate.objects.create(
        action=small.sections.get().actions.first(), period=q1, status=UpdateStatus.LOCKED, rag=Rag.GREEN
    )
    few, rows = periods_page_queries(client)
    assert rows == {"2023-24 Q1": (2, 1, 0)}

    make_plan(year=2023, actions=30, code="ECS", ambition_number=2)
    make_plan(year=2024, actions=20, code="RRH")
    q2 = period(2023, 2, PeriodStatus.OPEN)
    period(2024, 1, PeriodStatus.PLANNED)
    for index, action in enumerate(Action.objects.filter(section__plan__year=2023)):
        status = UpdateStatus.SUBMITTED if index % 2 else UpdateStatus.APPROVED
        QuarterlyUpdate.objects.create(action=action, period=q2, status=status, rag=Rag.AMBER)
    many, rows = periods_page_queries(client)
    assert rows == {"2024-25 Q1": (20, 0, 0), "2023-24 Q2": (32, 16, 16), "2023-24 Q1": (32, 1, 0)}
    assert many == few
