"""Pages that would grow with the council name the first of what they list and link to all of it (issue 17):
the dashboards' red and amber actions and updates not received, their measures (paged), the period page's
chasing list and an ambition's plans. Each shows a bounded number of rows, says how many there are in all,
links to a paged list that shows them all, and costs the same queries with more rows."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ambitions.models import Ambition
from bromley_portal.accounts.roles import Role
from plans import dashboards, selectors
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import Action, Measure, QuarterlyUpdate, Reading, ReportingPeriod
from plans.panels import AMBITION_ACTIONS_SHOWN
from tests.factories import make_plan, make_user


@pytest.fixture(autouse=True)
def uncached(settings):
    """These tests measure what each page costs to build: the page cache (tests/test_pagecache.py) is off."""
    settings.PAGECACHE_ENABLED = False


pytestmark = pytest.mark.django_db

YEAR = 2024


def signed_in(client, role):
    client.force_login(make_user(role))
    return client


def locked_quarter(actions_by_rag: dict) -> ReportingPeriod:
    """A plan whose actions report ``{rag: how many}`` in a locked Q1 (the dashboards' latest period)."""
    make_plan(year=YEAR, actions=sum(actions_by_rag.values()))
    period = ReportingPeriod.objects.create(
        year=YEAR, quarter=1, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(YEAR, 1)
    )
    actions = iter(Action.objects.order_by("number"))
    for rag, count in actions_by_rag.items():
        for _ in range(count):
            action = next(actions)
            if rag == Rag.NO_UPDATE:
                QuarterlyUpdate.objects.create(action=action, period=period, status=UpdateStatus.NOT_RECEIVED)
            else:
                QuarterlyUpdate.objects.create(
                    action=action,
                    period=period,
                    rag=rag,
                    narrative=f"{rag} story",
                    status=UpdateStatus.LOCKED,
                )
    return period


def count_queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


def listed_count(client, url: str) -> int:
    response = client.get(url.replace("&amp;", "&"))
    assert response.status_code == 200
    return response.context["table"].paginator.count


def test_the_ambition_dashboard_names_the_first_red_and_amber_and_links_to_all_of_them(client):
    shown = dashboards.FIRST_SHOWN
    locked_quarter({Rag.RED: shown + 2, Rag.AMBER: 3, Rag.NO_UPDATE: shown + 1, Rag.GREEN: 1})
    client = signed_in(client, Role.MEMBER)
    response = client.get("/plans/dashboards/ambitions/1/")
    page = response.content.decode()
    assert len(response.context["exceptions"]) == shown
    assert {update.reported_rag for update in response.context["exceptions"]} == {Rag.RED}  # red first
    assert f"Red and amber actions ({shown + 5})" in page
    red_link = next(link for link, rag in re.findall(r'href="(/plans/actions/\?[^"]*rag=(red))">All', page))
    amber_link = next(
        link for link, rag in re.findall(r'href="(/plans/actions/\?[^"]*rag=(amber))">All', page)
    )
    assert f">All {shown + 2} red actions<" in page and ">All 3 amber actions<" in page
    assert listed_count(client, red_link) == shown + 2 and listed_count(client, amber_link) == 3
    assert (
        len(response.context["not_received"]) == shown and response.context["not_received_count"] == shown + 1
    )
    received_link = re.search(r'href="(/plans/actions/\?[^"]*rag=no_update)">all', page)[1]
    assert listed_count(client, received_link) == shown + 1


def test_the_dashboard_costs_the_same_queries_with_three_times_the_exceptions(client):
    client = signed_in(client, Role.MEMBER)
    period = locked_quarter({Rag.RED: 4, Rag.AMBER: 2, Rag.NO_UPDATE: 2})
    for url in ["/plans/dashboards/ambitions/1/", "/plans/dashboards/portfolios/CEF/"]:
        before, _ = count_queries(client, url)
        more = Action.objects.count() + 1
        make_plan(year=YEAR, actions=24)
        for index, action in enumerate(Action.objects.filter(number__gte=more)):
            QuarterlyUpdate.objects.create(
                action=action,
                period=period,
                rag=[Rag.RED, Rag.AMBER][index % 2],
                narrative="more",
                status=UpdateStatus.LOCKED,
            )
        after, page = count_queries(client, url)
        assert after == before, url
        assert page.count('class="app-exception"') == dashboards.FIRST_SHOWN


def test_the_dashboards_measures_are_paged(client):
    period = locked_quarter({Rag.GREEN: 1})
    ambition = Ambition.objects.get(number=1)
    per_page = dashboards.MEASURES_PER_PAGE

    def add_measure(number):
        measure = Measure.objects.create(
            slug=f"measure-{number:02d}", name=f"Measure {number:02d}", definition="d", unit="number"
        )
        measure.ambitions.add(ambition)
        Reading.objects.create(measure=measure, period=period, actual=number, target=10)

    for number in range(per_page + 3):
        add_measure(number)
    client = signed_in(client, Role.MEMBER)
    first, first_page = count_queries(client, "/plans/dashboards/ambitions/1/")
    assert [row.measure.name for row in client.get("/plans/dashboards/ambitions/1/").context["measures"]] == [
        f"Measure {number:02d}" for number in range(per_page)
    ]
    assert f"1 to {per_page} of {per_page + 3}" in first_page and 'rel="next"' in first_page
    second = client.get("/plans/dashboards/ambitions/1/?measures=2")
    assert [row.measure.name for row in second.context["measures"]] == [
        f"Measure {number:02d}" for number in range(per_page, per_page + 3)
    ]
    assert 'rel="prev"' in second.content.decode()
    assert client.get("/plans/dashboards/ambitions/1/?measures=nonsense").context["measures_page"].number == 1
    for number in range(per_page + 3, 3 * per_page):
        add_measure(number)
    assert count_queries(client, "/plans/dashboards/ambitions/1/")[0] == first


def test_the_period_page_names_each_leads_first_outstanding_actions_and_links_to_all(client):
    make_plan(year=YEAR, actions=8)
    period = ReportingPeriod.objects.create(
        year=YEAR, quarter=1, status=PeriodStatus.OPEN, **ReportingPeriod.default_dates(YEAR, 1)
    )
    first, second = Action.objects.order_by("number")[:2]
    QuarterlyUpdate.objects.create(
        action=first, period=period, rag=Rag.GREEN, narrative="d", status=UpdateStatus.DRAFT
    )
    QuarterlyUpdate.objects.create(
        action=second, period=period, rag=Rag.GREEN, narrative="s", status=UpdateStatus.SUBMITTED
    )
    client = signed_in(client, Role.CLERK)
    url = f"/plans/periods/{period.pk}/"
    before, page = count_queries(client, url)
    (chase,) = client.get(url).context["chase"]
    assert chase.post.title == "Director Education"
    assert (chase.missing, chase.draft, chase.returned, chase.total) == (6, 1, 0, 7)
    assert len(chase.actions) == selectors.CHASE_ACTIONS_SHOWN
    assert [action.number for action in chase.actions] == [1, 3, 4, 5, 6]  # in plan order; 2 is submitted
    link = re.search(r'href="(/plans/actions/\?lead=\d+&amp;period=\d+&amp;update=outstanding)">All 7', page)[
        1
    ]
    assert listed_count(client, link) == 7
    make_plan(year=YEAR, actions=10)
    after, page = count_queries(client, url)
    assert after == before
    (chase,) = client.get(url).context["chase"]
    assert chase.total == 17 and len(chase.actions) == selectors.CHASE_ACTIONS_SHOWN


def test_the_outstanding_filter_needs_a_period(client):
    make_plan(year=YEAR, actions=2)
    client = signed_in(client, Role.MEMBER)
    assert listed_count(client, "/plans/actions/?update=outstanding") == 0  # no period open or chosen
    assert client.get("/plans/actions/?update=nonsense").context["table"].paginator.count == 0


def test_an_ambitions_page_names_each_plans_first_actions_and_links_to_all(client):
    make_plan(year=YEAR, actions=AMBITION_ACTIONS_SHOWN + 4)
    client = signed_in(client, Role.MEMBER)
    before, page = count_queries(client, "/strategy/ambitions/1/")
    assert page.count('class="govuk-link" href="/plans/actions/') >= 1
    link = re.search(
        rf'href="(/plans/actions/\?plan=\d+&amp;ambition=\d+)">All {AMBITION_ACTIONS_SHOWN + 4} actions', page
    )[1]
    assert listed_count(client, link) == AMBITION_ACTIONS_SHOWN + 4
    panel = re.search(r'id="plans">(.*?)Filter and download', page, re.S)[1]
    assert len(re.findall(r'href="/plans/actions/\d+/"', panel)) == AMBITION_ACTIONS_SHOWN
    make_plan(year=YEAR, actions=20)
    assert count_queries(client, "/strategy/ambitions/1/")[0] == before


def test_the_overview_names_the_first_measures_off_target_and_counts_the_rest():
    rows = list(range(dashboards.FIRST_SHOWN + 4))
    shown = dashboards.FirstShown(rows)
    assert list(shown) == rows[: dashboards.FIRST_SHOWN] and shown.total == len(rows) and shown.more == 4


def test_a_plans_page_names_each_sections_first_actions_and_links_to_all(client):
    from plans.selectors import PLAN_ACTIONS_SHOWN

    plan = make_plan(year=YEAR, actions=PLAN_ACTIONS_SHOWN + 3)
    client = signed_in(client, Role.MEMBER)
    before, page = count_queries(client, plan.get_absolute_url())
    (section,) = client.get(plan.get_absolute_url()).context["plan"].sections.all()
    assert section.action_count == PLAN_ACTIONS_SHOWN + 3
    assert [action.number for action in section.first_actions] == list(range(1, PLAN_ACTIONS_SHOWN + 1))
    assert f"({PLAN_ACTIONS_SHOWN + 3} actions)" in page  # the contents count them all
    link = re.search(
        rf'href="(/plans/actions/\?plan=\d+&amp;ambition=\d+)">All {PLAN_ACTIONS_SHOWN + 3} actions', page
    )[1]
    assert listed_count(client, link) == PLAN_ACTIONS_SHOWN + 3
    make_plan(year=YEAR, actions=20)
    assert count_queries(client, plan.get_absolute_url())[0] == before
    # The spreadsheet still has every action (a row per detail, two details each, and the header).
    export = client.get(plan.get_absolute_url() + "export/?format=csv").content.decode("utf-8-sig")
    assert len(export.strip().splitlines()) == 2 * (PLAN_ACTIONS_SHOWN + 23) + 1


def test_the_plans_list_counts_each_plans_actions_in_the_same_queries_with_more(client):
    make_plan(year=YEAR, actions=3)
    make_plan(year=YEAR + 1, actions=2)
    client = signed_in(client, Role.MEMBER)
    before, _ = count_queries(client, "/plans/")
    counts = {
        row.record.year: row.record.action_count
        for row in client.get("/plans/").context["table"].page.object_list
    }
    assert counts == {YEAR: 3, YEAR + 1: 2}
    make_plan(year=YEAR, actions=30)
    after, _ = count_queries(client, "/plans/")
    assert after == before
    counts = {
        row.record.year: row.record.action_count
        for row in client.get("/plans/").context["table"].page.object_list
    }
    assert counts == {YEAR: 33, YEAR + 1: 2}


@pytest.mark.parametrize("url", ["/plans/actions/", "/plans/actions/?target=overdue", "/plans/"])
def test_a_list_counts_its_rows_once(client, url):
    """The table pages the rows; the list view does not page (and count) them a second time."""
    make_plan(year=YEAR, actions=30)
    client = signed_in(client, Role.MEMBER)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    counts = [query["sql"] for query in captured if query["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1, counts
