from datetime import date

import pytest

from bromley_portal.core.financial_year import FinancialYear, quarter_of


@pytest.mark.parametrize("text", ["2023-24", "2023/24", "2023-2024", " 2023 – 24 "])
def test_it_reads_the_ways_the_council_writes_a_year(text):
    assert FinancialYear.parse(text) == FinancialYear(2023)


@pytest.mark.parametrize("text", ["2023-25", "2023", "23-24", "April 2023", "1999-00x"])
def test_it_refuses_what_is_not_a_financial_year(text):
    with pytest.raises(ValueError):
        FinancialYear.parse(text)


def test_the_turn_of_the_century_is_a_year_too():
    assert FinancialYear.parse("1999-00") == FinancialYear(1999)
    assert FinancialYear(1999).label == "1999-00"


def test_a_year_runs_april_to_march():
    year = FinancialYear(2023)
    assert (year.starts_on, year.ends_on) == (date(2023, 4, 1), date(2024, 3, 31))
    assert year.label == "2023-24"


@pytest.mark.parametrize(
    ("quarter", "bounds"),
    [
        (1, (date(2023, 4, 1), date(2023, 6, 30))),
        (2, (date(2023, 7, 1), date(2023, 9, 30))),
        (3, (date(2023, 10, 1), date(2023, 12, 31))),
        (4, (date(2024, 1, 1), date(2024, 3, 31))),
    ],
)
def test_quarters_run_from_april(quarter, bounds):
    assert FinancialYear(2023).quarter_bounds(quarter) == bounds


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2024, 3, 31), (2023, 4)), (date(2024, 4, 1), (2024, 1)), (date(2023, 12, 1), (2023, 3))],
)
def test_a_day_falls_in_one_quarter(day, expected):
    year, quarter = quarter_of(day)
    assert (year.start_year, quarter) == expected
