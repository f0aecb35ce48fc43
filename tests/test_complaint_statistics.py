"""The complaints statistics (complaints/selectors.py) on hand-made cases: how each figure counts (a
complaint naming two divisions, stage 2, on time, "% upheld"), and that each costs the same queries for a
few cases as for many."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bromley_portal.core.financial_year import FinancialYear
from complaints import selectors
from complaints.importers import import_file
from complaints.models import Complaint, Division
from complaints.services import load_divisions

YEAR = FinancialYear(2018)
HEADER = ["reference", "received", "channel", "procedure", "stage", "division", "mention", "aspect", "outcome",
          "responded"]  # fmt: skip


@pytest.fixture(autouse=True)
def divisions(db):
    load_divisions()
    return {d.name: d for d in Division.objects.all()}


def load(rows):
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    import_file(io.BytesIO(out.getvalue().encode()), "c.csv")


def row(reference, division="Housing", mention=1, aspect="Lack of Action", outcome="Not upheld",
        responded="2018-05-01", received="2018-04-09", channel="Email", stage=1, procedure="Corporate"):  # fmt: skip
    return [reference, received, channel, procedure, stage, division, mention, aspect, outcome, responded]


def test_a_complaint_naming_two_divisions_counts_once_in_each_and_in_the_total_for_each(divisions):
    load([row("A1"), row("A1", "Education", 2, "Information"), row("A2", channel="Website")])
    table = selectors.complaints_by_division_and_channel(YEAR)
    housing, education = divisions["Housing"].pk, divisions["Education"].pk
    assert table.by_division == {housing: 2, education: 1}
    assert table.cells[(housing, "email")] == 1 and table.cells[(housing, "website")] == 1
    assert table.total == 3 and Complaint.objects.count() == 2  # the report's reading: the divisions' sum
    assert table.share("email") == Decimal("66.7")


def test_upheld_rates_fully_by_type_and_fully_or_partially_by_division(divisions):
    load([
        row("B1", outcome="Fully upheld"), row("B2", outcome="Partially upheld"), row("B3"),
        row("B4", "Environment & Public Protection", outcome="Not known"),
    ])  # fmt: skip
    aspects = selectors.aspects_by_type_and_division(YEAR)
    assert aspects.by_type["lack_of_action"].upheld_rate == Decimal("25.0")  # 1 fully of 4, E&PP's included
    upheld = selectors.upheld_by_division(YEAR)
    assert upheld.by_division[divisions["Housing"].pk].upheld_percent == Decimal("67")
    assert (upheld.total.aspects, upheld.total.upheld_or_partially) == (3, 2)  # E&PP records no outcomes


def test_on_time_is_the_last_answer_by_the_due_date(divisions):
    # Received Monday 9 April 2018: 20 working days is Tuesday 8 May (after the May Day bank holiday).
    load([
        row("C1", responded="2018-05-08"), row("C1", mention=1, aspect="Information", responded="2018-05-09"),
        row("C2", responded="2018-05-08"), row("C3", outcome="Ongoing", responded=""),
    ])  # fmt: skip
    table = selectors.on_time_by_division(YEAR)
    housing = table.by_division[divisions["Housing"].pk]
    assert (housing.complaints, housing.on_time, housing.aspects, housing.aspects_on_time) == (3, 1, 4, 2)
    assert housing.percent == Decimal("33") and table.handled_by_cecs.complaints == 3


def test_stage_2_is_not_counted_again_and_other_years_are_left_out(divisions):
    load(
        [
            row("D1"),
            row("D2", "Children's Social Care", stage=2, procedure="Children's"),
            row("D3", received="2019-04-01", responded="2019-04-20"),
        ]
    )
    assert selectors.complaints_by_division_and_channel(YEAR).total == 1
    assert selectors.aspects_by_type_and_division(YEAR).total == 1
    empty = selectors.complaints_by_division_and_channel(FinancialYear(2010))
    assert empty.total == 0 and empty.share("email") is None


def queries(function) -> int:
    with CaptureQueriesContext(connection) as context:
        function()
    return len(context.captured_queries)


def test_each_figure_costs_the_same_queries_for_few_cases_as_for_many(divisions):
    housing = divisions["Housing"]
    functions = [
        lambda: selectors.complaints_by_division_and_channel(YEAR),
        lambda: selectors.aspects_by_type_and_division(YEAR),
        lambda: selectors.upheld_by_division(YEAR),
        lambda: selectors.on_time_by_division(YEAR),
        lambda: selectors.ombudsman_by_division(YEAR),
        lambda: selectors.remedies_by_stage_type_division(YEAR),
        lambda: selectors.compliments_by_division(YEAR),
        lambda: selectors.services_table(YEAR, housing),
        lambda: selectors.nature_of_complaint(YEAR, housing),
    ]
    load([row(f"E{i}", ["Housing", "Education", "Adult Social Care"][i % 3]) for i in range(3)])
    few = [queries(f) for f in functions]
    load([row(f"F{i}", ["Housing", "Education", "Children's Social Care"][i % 3], aspect="Information")
          for i in range(90)])  # fmt: skip
    assert [queries(f) for f in functions] == few
    assert max(few) <= 3
