"""Issue 15 item 6: a reading older than its measure's reporting frequency is flagged out of date, by one
rule (Measure.is_stale through Measure.assess) that the dashboards and the measure page share."""

import re
from html import unescape

import pytest

from ambitions.models import Post
from ambitions.services import ensure_portfolios
from bromley_portal.accounts.roles import Role
from plans import dashboards
from plans.choices import DataQuality, Frequency, PeriodStatus
from plans.models import Measure, Reading, ReportingPeriod

pytestmark = pytest.mark.django_db

STALE = DataQuality.STALE.label


def period(year, quarter):
    return ReportingPeriod.objects.create(
        year=year, quarter=quarter, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(year, quarter)
    )


@pytest.fixture
def measures():
    old, last, now = period(2019, 1), period(2024, 4), period(2025, 1)
    quarterly = Measure.objects.create(
        slug="old", name="Old quarterly", definition="d", unit="number", polarity="higher_is_better",
        frequency=Frequency.QUARTERLY,
    )  # fmt: skip
    annual = Measure.objects.create(
        slug="annual", name="Annual on time", definition="d", unit="number", polarity="higher_is_better",
        frequency=Frequency.ANNUAL,
    )  # fmt: skip
    fresh = Measure.objects.create(
        slug="fresh", name="Fresh quarterly", definition="d", unit="number", polarity="higher_is_better",
        frequency=Frequency.QUARTERLY,
    )  # fmt: skip
    Reading.objects.create(measure=quarterly, period=old, actual=5, target=4)
    Reading.objects.create(measure=annual, period=period(2024, 2), actual=5, target=4)
    Reading.objects.create(measure=fresh, period=last, actual=5, target=4)
    return {"old": quarterly, "annual": annual, "fresh": fresh, "now": now}


def text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize(
    ("frequency", "reading", "shown", "stale"),
    [
        (Frequency.QUARTERLY, (2024, 4), (2025, 1), False),
        (Frequency.QUARTERLY, (2024, 3), (2025, 1), True),
        (Frequency.MONTHLY, (2024, 3), (2025, 1), True),
        (Frequency.ANNUAL, (2024, 1), (2025, 1), False),
        (Frequency.ANNUAL, (2023, 4), (2025, 1), True),
    ],
)
def test_the_rule(frequency, reading, shown, stale):
    measure = Measure(frequency=frequency, polarity="higher_is_better")
    read = Reading(period=ReportingPeriod(year=reading[0], quarter=reading[1]), actual=1)
    shown_period = ReportingPeriod(year=shown[0], quarter=shown[1])
    assert measure.is_stale(read, shown_period) is stale
    assert (DataQuality.STALE in measure.assess(read, None, shown_period).flags) is stale


def test_the_dashboard_and_the_measure_page_agree(client, people, measures):
    client.force_login(people[Role.MEMBER])
    rows = {
        row.measure.slug: row
        for row in dashboards.measure_rows(dashboards.Filters(measures["now"], None, None))
    }
    for slug in ("old", "annual", "fresh"):
        on_dashboard = DataQuality.STALE in rows[slug].assessment.flags
        page = dashboards.measure_page(measures[slug])
        on_measure_page = DataQuality.STALE in page["rows"][0][1].flags
        assert on_dashboard == on_measure_page == (slug == "old")
    portfolio = ensure_portfolios()["CEF"]
    post = Post.objects.create(title="Director CEF", portfolio=portfolio)
    Measure.objects.update(owner_post=post)
    dashboard = text(client.get(f"/plans/dashboards/portfolios/CEF/?period={measures['now'].pk}"))
    assert dashboard.count(STALE) == 1
    assert STALE in text(client.get("/plans/dashboards/measures/old/"))
    assert STALE not in text(client.get("/plans/dashboards/measures/fresh/"))
