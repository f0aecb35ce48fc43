"""Financial years and quarters as the council writes them.

A financial year runs April to March and is written "2023-24"; quarter 1 is
April-June, quarter 4 is January-March.
"""

import re
from dataclasses import dataclass
from datetime import date

_YEAR = re.compile(r"^\s*(\d{4})\s*[-/–]\s*(\d{2}|\d{4})\s*$")
# The years the portal can hold: anything else typed in an address or a form is refused, never
# taken to the database or to a date past the calendar's end.
FIRST_YEAR, LAST_YEAR = 1900, 2999


@dataclass(frozen=True, order=True)
class FinancialYear:
    start_year: int

    @classmethod
    def parse(cls, text: str) -> "FinancialYear":
        """Read "2023-24", "2023/24" or "2023-2024"; raise ValueError otherwise (and for a year
        before FIRST_YEAR or after LAST_YEAR)."""
        match = _YEAR.fullmatch(str(text))
        if not match:
            raise ValueError(f"{text!r} is not a financial year such as 2023-24")
        start, end = int(match[1]), int(match[2])
        follows = end == start + 1 if len(match[2]) == 4 else end == (start + 1) % 100
        if not follows:
            raise ValueError(f"{text!r} is not a financial year: the second year must follow the first")
        if not FIRST_YEAR <= start <= LAST_YEAR:
            raise ValueError(f"{text!r} is not a financial year the portal can hold")
        return cls(start)

    @classmethod
    def of(cls, day: date) -> "FinancialYear":
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def starts_on(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def ends_on(self) -> date:
        return date(self.start_year + 1, 3, 31)

    def quarter_bounds(self, quarter: int) -> tuple[date, date]:
        if quarter not in (1, 2, 3, 4):
            raise ValueError("a quarter is 1, 2, 3 or 4")
        first_month = 4 + 3 * (quarter - 1)
        year = self.start_year + (first_month - 1) // 12
        month = (first_month - 1) % 12 + 1
        start = date(year, month, 1)
        end_month = month + 2
        end = date(year + end_month // 13, (end_month - 1) % 12 + 1, 1)
        next_month = date(end.year + end.month // 12, end.month % 12 + 1, 1)
        return start, date.fromordinal(next_month.toordinal() - 1)

    @property
    def written_forms(self) -> list[str]:
        """How documents write the year: "2023-24", "2023/24", "2023 to 2024", "2023-2024", "2023/2024"."""
        start, end = self.start_year, self.start_year + 1
        return [
            f"{start} to {end}",
            f"{start}-{end}",
            f"{start}/{end}",
            f"{start}–{end % 100:02d}",
            f"{start}/{end % 100:02d}",
            self.label,
        ]

    def rewrite(self, text: str, to: "FinancialYear") -> str:
        """``text`` with this year, however it is written, replaced by ``to`` written the same way."""
        for old, new in zip(self.written_forms, to.written_forms, strict=True):
            text = text.replace(old, new)
        return text

    def mentioned_in(self, text: str) -> bool:
        return any(form in text for form in self.written_forms)

    def __str__(self):
        return self.label


def quarter_of(day: date) -> tuple[FinancialYear, int]:
    year = FinancialYear.of(day)
    return year, (day.month - 4) % 12 // 3 + 1
