"""Working days (bromley_portal.core.working_days): weekends, England and Wales bank holidays (offline,
from the pinned holidays package) including 2022's and 2023's extra ones, and council closure days."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bromley_portal.core.models import ClosureDay
from bromley_portal.core.working_days import (
    WorkingCalendar,
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_between,
)

calendar = WorkingCalendar(closure_days=[])  # bank holidays and weekends only: no database


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2022, 4, 15), "Good Friday"),
        (date(2022, 4, 18), "Easter Monday"),
        (date(2022, 6, 2), "Spring Bank Holiday"),
        (date(2022, 6, 3), "Platinum Jubilee"),
        (date(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
        (date(2022, 12, 26), "Boxing Day"),
        (date(2022, 12, 27), "Christmas Day (observed)"),
        (date(2023, 1, 2), "New Year's Day (observed)"),
        (date(2023, 5, 8), "Coronation"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 12, 28), "Boxing Day (observed)"),
    ],
)
def test_bank_holidays_in_england_and_wales_are_not_working_days(day, name):
    assert day.weekday() < 5
    assert not calendar.is_working_day(day)
    assert name in bank_holidays(day.year)[day]


def test_weekends_are_not_working_days_and_ordinary_weekdays_are():
    assert not calendar.is_working_day(date(2022, 6, 4))  # Saturday
    assert not calendar.is_working_day(date(2022, 6, 5))  # Sunday
    assert calendar.is_working_day(date(2022, 6, 6))
    # Scotland's and Northern Ireland's own holidays are not England's.
    assert calendar.is_working_day(date(2022, 11, 30))  # St Andrew's Day
    assert calendar.is_working_day(date(2023, 3, 17))  # St Patrick's Day


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2022, 4, 14), 1, date(2022, 4, 19)),  # over Easter 2022
        (date(2022, 6, 1), 1, date(2022, 6, 6)),  # over the Platinum Jubilee weekend
        (date(2022, 9, 16), 1, date(2022, 9, 20)),  # over the Queen's funeral
        (date(2022, 12, 23), 1, date(2022, 12, 28)),  # Christmas 2022: both substitute days
        (date(2022, 12, 1), 20, date(2023, 1, 3)),  # 20 working days over Christmas and New Year
        (date(2023, 5, 5), 1, date(2023, 5, 9)),  # over the Coronation
        (date(2023, 4, 28), 2, date(2023, 5, 3)),  # May Day 2023
        (date(2022, 6, 6), 0, date(2022, 6, 6)),
        (date(2022, 6, 6), -1, date(2022, 6, 1)),  # backwards over the Jubilee
    ],
)
def test_adding_working_days_skips_weekends_and_bank_holidays(start, days, expected):
    assert calendar.add(start, days) == expected
    if days >= 0:
        assert calendar.between(start, expected) == days


def test_counting_between_dates_is_negative_when_overdue():
    assert calendar.between(date(2022, 12, 23), date(2022, 12, 28)) == 1
    assert calendar.between(date(2022, 12, 28), date(2022, 12, 23)) == -1
    assert calendar.between(date(2023, 1, 3), date(2022, 12, 1)) == -20
    assert calendar.between(date(2022, 6, 6), date(2022, 6, 6)) == 0


def test_a_saturday_counts_as_the_next_working_day():
    assert calendar.on_or_after(date(2022, 6, 4)) == date(2022, 6, 6)
    assert calendar.on_or_after(date(2022, 6, 2)) == date(2022, 6, 6)  # Jubilee holidays as well
    assert calendar.on_or_after(date(2022, 6, 6)) == date(2022, 6, 6)


def test_a_nonsense_count_is_refused_rather_than_looping():
    with pytest.raises(ValueError, match="more than"):
        calendar.add(date(2022, 1, 1), 10**6)
    with pytest.raises(ValueError, match="too long"):
        calendar.between(date(1900, 1, 1), date(2100, 1, 1))


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2015, 1, 1), date(2035, 12, 31)), days=st.integers(0, 80))
def test_counting_is_the_inverse_of_adding_and_lands_on_a_working_day(start, days):
    end = calendar.add(start, days)
    assert calendar.between(start, end) == days
    if days:
        assert calendar.is_working_day(end)
        assert calendar.add(start, days - 1) < end


@pytest.mark.django_db
def test_council_closure_days_that_an_admin_adds_are_not_working_days():
    assert add_working_days(date(2022, 12, 23), 1) == date(2022, 12, 28)
    for day in (28, 29, 30):
        ClosureDay.objects.create(date=date(2022, 12, day), reason="Christmas closure")
    assert not is_working_day(date(2022, 12, 29))
    assert add_working_days(date(2022, 12, 23), 1) == date(2023, 1, 3)
    assert working_days_between(date(2022, 12, 23), date(2023, 1, 3)) == 1
    assert WorkingCalendar().closure_days == {date(2022, 12, d) for d in (28, 29, 30)}


@pytest.mark.django_db
def test_a_calendar_reads_the_closure_days_in_one_query(django_assert_num_queries):
    ClosureDay.objects.bulk_create(
        ClosureDay(date=date(2024, 1, 1) + timedelta(days=7 * n), reason="Closed") for n in range(30)
    )
    with django_assert_num_queries(1):
        working = WorkingCalendar()
        for n in range(200):
            working.add(date(2024, 1, 1), n)
