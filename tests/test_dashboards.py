"""Dashboards: the right numbers, links to what they count, and a fixed number of queries at any size."""

from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from ambitions.models import Ambition, Portfolio
from ambitions.services import load_seed_strategy
from bench.generate import grow_council
from bromley_portal.accounts.roles import Role
from plans import dashboards
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.counts import refresh_all
from plans.models import Action, Measure, QuarterlyUpdate, Reading, ReportingPeriod
from plans.seeds import load_seed_measures, load_seed_plans
from tests.factories import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client, people):
    client.force_login(people[Role.MEMBER])
    return client


@pytest.fixture
def two_periods(db):
    """A plan of 6 actions with reported RAGs in a locked Q1 and a locked Q2 (the latest)."""
    plan = make_plan(year=2024, actions=6)
    q1 = ReportingPeriod.objects.create(
        year=2024, quarter=1, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2024, 1)
    )
    q2 = ReportingPeriod.objects.create(
        year=2024, quarter=2, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2024, 2)
    )
    actions = list(Action.objects.order_by("number"))
    for action, rag in zip(
        actions, [Rag.GREEN, Rag.GREEN, Rag.AMBER, Rag.GREEN, Rag.GREEN, Rag.GREEN], strict=True
    ):
        QuarterlyUpdate.objects.create(
            action=action, period=q1, rag=rag, narrative="q1", status=UpdateStatus.LOCKED
        )
    q2_rags = [Rag.RED, Rag.AMBER, Rag.AMBER, Rag.GREEN, Rag.COMPLETE]
    for action, rag in zip(actions[:5], q2_rags, strict=True):
        QuarterlyUpdate.objects.create(
            action=action, period=q2, rag=rag, narrative=f"{rag} story", status=UpdateStatus.LOCKED
        )
    QuarterlyUpdate.objects.create(
        action=actions[5], period=q2, rag=Rag.RED, narrative="draft", status=UpdateStatus.DRAFT
    )
    return {"plan": plan, "q1": q1, "q2": q2, "ambition": Ambition.objects.get(number=1)}


def test_counts_for_the_latest_locked_period_and_the_change(two_periods):
    filters = dashboards.Filters(dashboards.latest_locked_period())
    assert filters.period == two_periods["q2"]
    counts = dashboards.rag_counts(filters, "ambition")[two_periods["ambition"].pk]
    assert counts.now == {Rag.RED: 1, Rag.AMBER: 2, Rag.GREEN: 1, Rag.COMPLETE: 1, Rag.NO_UPDATE: 1}
    assert (counts.change(Rag.RED), counts.change(Rag.AMBER), counts.change(Rag.GREEN)) == (1, 1, -4)


def test_exceptions_are_red_first_then_amber_and_never_drafts(two_periods):
    updates = dashboards.exceptions(dashboards.Filters(two_periods["q2"]))
    assert [update.rag for update in updates] == [Rag.RED, Rag.AMBER, Rag.AMBER]
    assert "draft" not in [update.narrative for update in updates]


def test_the_overview_numbers_link_to_the_actions_they_count(member, two_periods):
    response = member.get("/plans/dashboards/")
    assert response.status_code == 200
    ambition, q2 = two_periods["ambition"], two_periods["q2"]
    link = f"/plans/actions/?ambition={ambition.pk}&amp;period={q2.pk}&amp;rag=amber"
    assert link in response.content.decode()
    listed = member.get(f"/plans/actions/?ambition={ambition.pk}&period={q2.pk}&rag=amber")
    assert sorted(row.record.number for row in listed.context["table"].paginated_rows) == [2, 3]
    no_update = member.get(f"/plans/actions/?ambition={ambition.pk}&period={q2.pk}&rag=no_update")
    assert [row.record.number for row in no_update.context["table"].paginated_rows] == [6]


def test_a_member_reaches_a_red_actions_narrative_from_the_ambition_dashboard(member, two_periods):
    page = member.get(f"/plans/dashboards/ambitions/1/?period={two_periods['q2'].pk}").content.decode()
    assert "red story" in page
    assert Action.objects.get(number=1).get_absolute_url() in page


def test_an_earlier_period_can_be_chosen(member, two_periods):
    response = member.get(f"/plans/dashboards/?period={two_periods['q1'].pk}")
    _, counts, _ = response.context["overview"][0]
    assert counts.now[Rag.GREEN] == 5


@pytest.fixture
def council(db):
    load_seed_strategy()
    load_seed_plans()
    load_seed_measures()


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context)


DASHBOARDS = ["/plans/dashboards/", "/plans/dashboards/ambitions/1/", "/plans/dashboards/portfolios/CEF/"]


def test_dashboards_cost_the_same_queries_at_ten_times_the_size(member, council):
    # One council grown once for every page (growing it costs more than measuring the pages).
    urls = [*DASHBOARDS, "/plans/dashboards/measures/cla-rate-per-10k/"]
    before = {url: queries(member, url) for url in urls}
    grow_council(10)
    assert Action.objects.count() >= 10 * 37
    assert {url: queries(member, url) for url in urls} == before


def test_the_measure_page_shows_england_and_london(member, council):
    page = member.get("/plans/dashboards/measures/cla-rate-per-10k/").content.decode()
    assert "43 per 10,000" in page and "67 per 10,000" in page and "47 per 10,000" in page
    assert "<svg" in page and "England" in page and "London" in page


def test_an_amended_rag_is_what_dashboards_and_lists_count(member, two_periods, people):
    from plans.models import Amendment

    green = QuarterlyUpdate.objects.get(period=two_periods["q2"], rag=Rag.GREEN)
    Amendment.objects.create(
        update=green, rag=Rag.RED, narrative="Corrected", reason="Wrong RAG", created_by=people[Role.CLERK]
    )
    counts = dashboards.rag_counts(dashboards.Filters(two_periods["q2"]), "ambition")[
        two_periods["ambition"].pk
    ]
    assert (counts.now[Rag.RED], counts.now[Rag.GREEN]) == (2, 0)
    assert green in dashboards.exceptions(dashboards.Filters(two_periods["q2"]))
    ambition, q2 = two_periods["ambition"], two_periods["q2"]
    listed = member.get(f"/plans/actions/?ambition={ambition.pk}&period={q2.pk}&rag=red")
    assert sorted(row.record.number for row in listed.context["table"].paginated_rows) == [1, 4]


def test_no_change_is_claimed_against_a_period_with_nothing_rated(two_periods):
    """Like with like: Q1's updates not reported (all drafts) leave Q2 with no change to show, rather than
    "+1 red" against a quarter where nothing had a RAG."""
    QuarterlyUpdate.objects.filter(period=two_periods["q1"]).update(status=UpdateStatus.DRAFT)
    refresh_all()  # a raw update() sends no save signals: the stored counts follow it (plans.counts)
    counts = dashboards.rag_counts(dashboards.Filters(two_periods["q2"]), "ambition")[
        two_periods["ambition"].pk
    ]
    assert not counts.comparable
    assert [change for _, _, change in counts.rows()] == [None] * len(Rag)
    assert counts.now[Rag.RED] == 1


def test_a_change_is_shown_against_a_period_with_ratings(two_periods):
    counts = dashboards.rag_counts(dashboards.Filters(two_periods["q2"]), "ambition")[
        two_periods["ambition"].pk
    ]
    assert counts.comparable
    assert {key: change for key, _, change in counts.rows()}[Rag.RED] == 1


def test_a_measure_serves_the_actions_of_the_latest_plan_year_it_is_linked_to(member, db):
    from plans.models import Measure

    older, newer = make_plan(year=2023, actions=1), make_plan(year=2024, actions=1)
    measure = Measure.objects.create(
        slug="foster-carers", name="Foster carers recruited", frequency="quarterly"
    )
    last_year = Action.objects.get(section__plan=older)
    this_year = Action.objects.get(section__plan=newer)
    measure.actions.add(last_year, this_year)
    page = member.get("/plans/dashboards/measures/foster-carers/").content.decode()
    assert this_year.get_absolute_url() in page
    assert last_year.get_absolute_url() not in page


@pytest.mark.parametrize("by", ["ambition", "portfolio"])
def test_filtered_counts_and_lists_read_the_actions_once(two_periods, by):
    """A dashboard of one ambition (or portfolio) filters its updates on the joins it groups and orders
    by, not also on a subquery of the actions (which read every action of the council a second time)."""
    plan = two_periods["plan"]
    filters = dashboards.Filters(
        two_periods["q2"],
        portfolio=plan.portfolio if by == "portfolio" else None,
        ambition=two_periods["ambition"] if by == "ambition" else None,
    )
    with CaptureQueriesContext(connection) as context:
        counts = dashboards.rag_counts(filters, "portfolio" if by == "ambition" else "ambition")
        shown = dashboards.exceptions(filters, limit=dashboards.FIRST_SHOWN)
    assert sum(c.now[Rag.RED] + c.now[Rag.AMBER] for c in counts.values()) == len(shown) == 3
    update_queries = [
        q["sql"] for q in context.captured_queries if 'FROM "plans_quarterlyupdate"' in q["sql"]
    ]
    assert update_queries
    for sql in update_queries:
        assert sql.count('JOIN "plans_action"') == 1 and 'FROM "plans_action"' not in sql, sql


def test_the_overviews_measures_off_target_are_the_ones_assess_puts_off_target(council):
    """The corporate overview judges bare figures (``Measure.judge``); the dashboards' measure rows
    judge whole readings (``Measure.assess``): for every period and portfolio they name the same
    measures, in the same order, with the same totals."""
    # Beside the seed measures (red ones), one of each case the rule tells apart, under ambition 1.
    earlier, later = (
        ReportingPeriod.objects.get_or_create(
            year=2030,
            quarter=quarter,
            defaults={"status": PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2030, quarter)},
        )[0]
        for quarter in (1, 2)
    )
    cases = {  # name: (polarity, tolerance, [(period, actual, target), ...])
        "amber, within tolerance": ("higher_is_better", 5, [(later, 47, 50)]),
        "red, lower is better": ("lower_is_better", 1, [(later, 15, 10)]),
        "amber, lower is better": ("lower_is_better", 6, [(later, 15, 10)]),
        "green": ("higher_is_better", 0, [(later, 60, 50)]),
        "neither way better": ("neither", 0, [(later, 10, 50)]),
        "red, then green": ("higher_is_better", 0, [(earlier, 10, 50), (later, 50, 50)]),
        "red, then no target": ("higher_is_better", 0, [(earlier, 10, 50), (later, 10, None)]),
    }
    for name, (polarity, tolerance, readings) in cases.items():
        measure = Measure.objects.create(
            slug=slugify(name), name=name, definition="d", unit="number", polarity=polarity,
            frequency="quarterly", tolerance=tolerance,
        )  # fmt: skip
        measure.ambitions.add(Ambition.objects.get(number=1))
        for when, actual, target in readings:
            Reading.objects.create(measure=measure, period=when, actual=actual, target=target)
    off_at_q2 = dashboards.off_target_by_ambition(dashboards.Filters(later))[
        Ambition.objects.get(number=1).pk
    ]
    assert {"amber, within tolerance", "red, lower is better", "amber, lower is better"} <= {
        row.measure.name for row in off_at_q2
    }
    compared = 0
    for period in [None, *ReportingPeriod.objects.all()]:
        for portfolio in [None, *Portfolio.objects.all()]:
            filters = dashboards.Filters(period, portfolio)
            expected = defaultdict(list)
            for row in dashboards.measure_rows(filters, judged_only=True):
                if row.assessment.off_target:
                    for ambition in row.measure.ambitions.all():
                        expected[ambition.pk].append(row.measure)
            found = dashboards.off_target_by_ambition(filters)
            assert {pk: shown.total for pk, shown in found.items()} == {
                pk: len(measures) for pk, measures in expected.items()
            }
            for pk, shown in found.items():
                first = sorted(expected[pk], key=lambda m: (m.name, m.pk))[: dashboards.FIRST_SHOWN]
                assert [row.measure for row in shown] == first
                assert all(row.assessment.off_target for row in shown)
            compared += sum(len(measures) for measures in expected.values())
    assert compared > 0  # the seed measures have some off target, so the comparison compared something
