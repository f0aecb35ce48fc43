"""Working days: every deadline the portal counts in working days counts them here, once.

A working day is a Monday to Friday that is not a bank holiday in England and Wales (the pinned
``holidays`` package: offline, with the one-off days such as the Platinum Jubilee, the Queen's funeral
and the Coronation) and not a council closure day an admin has added (``ClosureDay``).

Counting: ``add_working_days(start, n)`` is the n-th working day after ``start`` (``start`` itself is
never counted, whether or not it is a working day), so "respond within 20 working days of receipt" is
``add_working_days(received, 20)``. ``working_days_between(start, end)`` is its inverse: how many working
days after ``start`` ``end`` is (negative when ``end`` is earlier), so ``working_days_between(today,
due)`` is the working days left, and below zero the working days overdue.

A ``WorkingCalendar`` reads the closure days once (one query), so a list of a thousand cases costs the
same as one; the module-level functions make a calendar each call, for single dates.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

# England and Wales share their bank holidays; the holidays package files them under England.
BANK_HOLIDAY_COUNTRY = "GB"
BANK_HOLIDAY_SUBDIVISION = "ENG"
# Far enough for any deadline, and a guard against a runaway loop on a nonsense count.
MAX_WORKING_DAYS = 5000


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(
        holidays.country_holidays(BANK_HOLIDAY_COUNTRY, subdiv=BANK_HOLIDAY_SUBDIVISION, years=year).keys()
    )


def bank_holidays(year: int) -> dict[date, str]:
    """The year's bank holidays in England and Wales, with their names (for a page or admin to show)."""
    return dict(
        sorted(
            holidays.country_holidays(
                BANK_HOLIDAY_COUNTRY, subdiv=BANK_HOLIDAY_SUBDIVISION, years=year
            ).items()
        )
    )


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


class WorkingCalendar:
    """Working days with a fixed set of council closure days (by default, those in the database now)."""

    def __init__(self, closure_days: Iterable[date] | None = None):
        if closure_days is None:
            from bromley_portal.core.models import ClosureDay

            closure_days = ClosureDay.objects.values_list("date", flat=True)
        self.closure_days = frozenset(closure_days)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not is_bank_holiday(day) and day not in self.closure_days

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        return self.add(day, 1)

    def on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the next one (a complaint received on a Saturday counts
        as received on the Monday)."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` if ``days`` is 0); backwards if negative."""
        if abs(days) > MAX_WORKING_DAYS:
            raise ValueError(f"{days} working days is more than the {MAX_WORKING_DAYS} a deadline can be")
        step = timedelta(days=1 if days >= 0 else -1)
        day, left = start, abs(days)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """How many working days after ``start`` ``end`` is: the working days in (start, end], negative
        (the working days in (end, start]) when ``end`` is before ``start``."""
        if end < start:
            return -self.between(end, start)
        if (end - start).days > MAX_WORKING_DAYS * 2:
            raise ValueError(f"{start} to {end} is too long a span to count in working days")
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def is_working_day(day: date) -> bool:
    return WorkingCalendar().is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    return WorkingCalendar().add(start, days)


def working_days_between(start: date, end: date) -> int:
    return WorkingCalendar().between(start, end)
