"""Issue 15 item 6: the portfolio plan progress report carries the portfolio's measures of success as its
dashboard shows them: the same figures from the same function (plans.dashboards.measure_rows, judged by
Measure.assess) and the same out-of-date flag (Measure.is_stale), in words. The dashboard page's table
and the PDF's table are read back (the PDF with pypdf and with pdfplumber) and compared cell by cell."""

import io
import re
from decimal import Decimal
from html.parser import HTMLParser

import pdfplumber
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from bromley_portal.reports import rendering
from plans.choices import DataQuality, Frequency, MeasureUnit, PeriodStatus, Polarity, Rag, UpdateStatus
from plans.models import Action, Measure, QuarterlyUpdate, Reading, ReportingPeriod
from tests.factories import make_plan

pytestmark = pytest.mark.django_db

STALE = DataQuality.STALE.label
COLUMNS = ["Measure", "Period", "Bromley", "Target", "RAG", "Trend", "England", "London", "Data quality"]


def period(year, quarter):
    return ReportingPeriod.objects.get_or_create(
        year=year,
        quarter=quarter,
        defaults={"status": PeriodStatus.LOCKED, **ReportingPeriod.default_dates(year, quarter)},
    )[0]


def measure(slug, name, **fields):
    defaults = {"definition": "d", "unit": MeasureUnit.NUMBER, "polarity": Polarity.HIGHER_IS_BETTER}
    return Measure.objects.create(slug=slug, name=name, **{**defaults, **fields})


@pytest.fixture
def portfolio_measures():
    """CEF 2025-26 locked at Q1, with five measures: two out of date (a quarterly one last read in
    2019-20, an annual one a year and a half old), two current, one with no reading."""
    plan = make_plan(year=2025, actions=2)
    now = period(2025, 1)
    for action in Action.objects.filter(section__plan=plan):
        QuarterlyUpdate.objects.create(
            action=action, period=now, rag=Rag.GREEN, narrative="On track.", status=UpdateStatus.LOCKED
        )
    owner = Post.objects.create(title="Director of Children's Services", portfolio=plan.portfolio)
    old = measure(
        "old-quarterly", "Care leavers in education", frequency=Frequency.QUARTERLY, owner_post=owner
    )
    Reading.objects.create(
        measure=old, period=period(2019, 1), actual=Decimal("61.5"), target=65, england=64, london=63
    )
    annual = measure(
        "annual-stale",
        "Schools rated good",
        unit=MeasureUnit.PERCENTAGE,
        frequency=Frequency.ANNUAL,
        owner_post=owner,
    )
    Reading.objects.create(measure=annual, period=period(2023, 3), actual=88, target=90, england=89)
    fresh = measure(
        "fresh", "Foster carers recruited", frequency=Frequency.QUARTERLY, tolerance=2, owner_post=owner
    )
    Reading.objects.create(measure=fresh, period=period(2024, 4), actual=12, target=20)
    Reading.objects.create(measure=fresh, period=now, actual=19, target=20, england=18, london=17)
    costs = measure(
        "placement-costs", "Cost of placements", unit=MeasureUnit.MONEY, polarity=Polarity.LOWER_IS_BETTER,
        frequency=Frequency.QUARTERLY,
    )  # fmt: skip
    costs.actions.add(Action.objects.filter(section__plan=plan).first())  # in the portfolio through an action
    Reading.objects.create(measure=costs, period=now, actual=1250000, target=1200000, estimated=True)
    measure("unread", "Young carers known", frequency=Frequency.QUARTERLY, owner_post=owner)
    return plan, now


class TableReader(HTMLParser):
    """The rows of the page's measures table (class app-measures-table), each as its cells' text."""

    def __init__(self):
        super().__init__()
        self.rows, self.depth, self.cell = [], 0, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "app-measures-table" in (dict(attrs).get("class") or ""):
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.depth = 0
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self.cell)).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page_table(client, plan, now) -> list[list[str]]:
    reader = TableReader()
    reader.feed(
        client.get(f"/plans/dashboards/portfolios/{plan.portfolio.code}/?period={now.pk}").content.decode()
    )
    assert reader.rows[0] == COLUMNS
    return reader.rows[1:]


@pytest.fixture
def rendered(portfolio_measures):
    plan, now = portfolio_measures
    return rendering.render_report_to_pdf("plan_progress", {"plan": plan.pk, "period": now.pk}).pdf


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def plumbed_table(pdf: bytes) -> list[list[str]]:
    """The PDF's measures table as pdfplumber finds it from the page's drawing (cells by position)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        tables = [
            [[words(cell) for cell in row] for row in table]
            for page in document.pages
            for table in page.extract_tables()
            if table and [words(cell) for cell in table[0]] == COLUMNS
        ]
    assert len(tables) == 1, "one measures table, on one page"
    return tables[0][1:]


def pypdf_text(pdf: bytes) -> str:
    return words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_the_dashboard_and_the_progress_report_show_the_same_measures_and_stale_flags(
    client, people, portfolio_measures, rendered
):
    plan, now = portfolio_measures
    client.force_login(people[Role.MEMBER])
    on_page = page_table(client, plan, now)
    in_pdf = plumbed_table(rendered)
    assert len(on_page) == 5
    assert in_pdf == on_page  # cell by cell: figures in their units, RAG and trend words, data quality
    # pypdf reads the same rows, in the same order, with the same words.
    text = pypdf_text(rendered)
    table = text.split("Table 6.1: Measures of success, latest reading up to 2025-26 Q1", 1)[1]
    position = 0
    for row in on_page:
        found = table.find(" ".join(row), position)
        assert found >= 0, row
        position = found
    # The stale flag: the same measures, said in words, and the ones the one rule says.
    stale_on_page = {row[0] for row in on_page if STALE in row[-1]}
    stale_in_pdf = {row[0] for row in in_pdf if STALE in row[-1]}
    assert stale_on_page == stale_in_pdf == {"Care leavers in education", "Schools rated good"}
    latest = {}
    for reading in Reading.objects.select_related("measure", "period").order_by(
        "period__year", "period__quarter"
    ):
        latest[reading.measure] = reading  # each measure's latest reading (none is after the period here)
    ruled = {measure.name for measure, reading in latest.items() if measure.is_stale(reading, now)}
    assert ruled == stale_in_pdf
    assert "2 of the 5 measures have a latest reading that is out of date" in text
    assert table.count(STALE) == 2


def test_the_report_reads_the_measures_in_a_fixed_number_of_queries(portfolio_measures):
    """More measures and readings do not add queries to building the report."""
    from plans.reports import build_plan_progress

    plan, now = portfolio_measures

    def queries():
        with CaptureQueriesContext(connection) as captured:
            report = build_plan_progress({"plan": plan, "period": now})
        section = next(section for section in report.sections if section.title == "Measures of success")
        return len(captured), len(section.context["rows"])

    before, rows = queries()
    owner = Post.objects.get(title="Director of Children's Services")
    for number in range(6):
        extra = measure(f"extra-{number}", f"Extra measure {number}", owner_post=owner)
        Reading.objects.create(measure=extra, period=now, actual=number, target=3)
        Reading.objects.create(measure=extra, period=period(2024, 4), actual=number, target=3)
    after, more_rows = queries()
    assert (more_rows, after) == (rows + 6, before)
