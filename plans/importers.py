"""Importing a portfolio plan from a spreadsheet laid out like the council's plan table.

The columns are ``plans.tables.PLAN_COLUMNS``, which is exactly what the actions list
exports, so a plan can go out to Excel or CSV, be edited and come back.

Imports are all-or-nothing: every row is read and checked first, each problem is
reported with its line (the spreadsheet's row number; the header is line 1) and the
column it is in, and nothing is written unless the whole file is good. The web page
and the ``import_plan`` command both call :func:`import_plan`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.utils.text import Truncator
from simple_history.utils import bulk_create_with_history

from ambitions.models import Ambition, Portfolio, Post
from ambitions.services import current_strategy
from bromley_portal.core.exports import FORMULA_STARTS
from bromley_portal.core.financial_year import FinancialYear
from plans.choices import SectionKind, UpdateStatus
from plans.models import Action, ActionDetail, MeasureOfSuccess, PlanSection, PortfolioPlan, QuarterlyUpdate
from plans.tables import PLAN_COLUMNS

MAX_FILE_SIZE = 5 * 1024 * 1024  # 5 MB
FILE_TYPES = (".csv", ".xlsx")

PLAN = "Plan"
SECTION = "Ambition or priority"
NUMBER = "No."
TITLE = "Action"
DETAIL = "Detail"
MEASURES = "Measures of success"
TARGET = "Target date"
LEAD = "Lead"
UPDATE = "Update"

OPTIONAL_COLUMNS = (PLAN,)
REQUIRED_COLUMNS = tuple(column for column in PLAN_COLUMNS if column not in OPTIONAL_COLUMNS)

# Other headings people give the same columns (the plan page heads ambition plans' actions "Commitment").
COLUMN_ALIASES = {
    "ambition": SECTION,
    "priority": SECTION,
    "ambition/priority": SECTION,
    "no": NUMBER,
    "number": NUMBER,
    "commitment": TITLE,
    "details": DETAIL,
    "measure of success": MEASURES,
    "measures": MEASURES,
    "target": TARGET,
    "leads": LEAD,
    "lead(s)": LEAD,
    "updates": UPDATE,
}

LONGEST = {"target date": 200, "post": 200, "priority title": 300}
MAX_NUMBER = 32767  # a PositiveSmallIntegerField


@dataclass(frozen=True)
class RowError:
    """A problem with the file: ``line`` is the spreadsheet's row (header = 1), or None for the whole file."""

    line: int | None
    column: str
    message: str

    def __str__(self):
        return f"Line {self.line}: {self.message}" if self.line else self.message


class PlanFileError(Exception):
    """The file as a whole cannot be read (wrong type, broken, or a missing column)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))


@dataclass
class ParsedRow:
    """One good row of the file, ready to write."""

    line: int
    section_kind: str
    section_number: int  # the ambition's number, or the priority's
    section_title: str  # a priority's title ("" when the file gives none)
    ambition: Ambition | None
    number: int
    title: str
    details: list[tuple[str, str]]
    measures: list[str]
    target_date: date | None
    target_date_text: str
    annual_programme: bool
    leads: list[str]
    update_text: str


@dataclass
class ImportResult:
    plan: PortfolioPlan | None = None
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_file: int = 0
    plan_created: bool = False
    sections_created: int = 0
    sections_renamed: list[str] = field(default_factory=list)
    new_posts: list[str] = field(default_factory=list)
    updates_created: int = 0
    updates_skipped: int = 0
    dry_run: bool = False
    plan_label: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> list[str]:
        """What happened, in sentences, for a message or the command's output."""
        if self.errors:
            count = len(self.errors)
            return [f"The file has {count} problem{'s' if count != 1 else ''}: nothing was imported."]
        lines = []
        if self.dry_run:
            lines.append("Dry run: nothing was saved. The import would make these changes.")
        if self.plan_created:
            lines.append(f"The {self.plan_label} plan was created.")
        lines.append(
            f"{_count(self.created, 'action')} created, {self.updated} updated, {self.unchanged} unchanged."
        )
        if self.sections_created:
            lines.append(f"{_count(self.sections_created, 'section')} added.")
        if self.sections_renamed:
            lines.append(f"Renamed: {'; '.join(self.sections_renamed)}.")
        if self.new_posts:
            lines.append(f"New posts: {', '.join(self.new_posts)}.")
        if self.updates_created:
            lines.append(f"{_count(self.updates_created, 'update')} added as published.")
        if self.updates_skipped:
            lines.append(
                f"{_count(self.updates_skipped, 'update text')} not imported: choose the period the updates "
                "report on to import them."
            )
        if self.not_in_file == 1:
            lines.append("1 action is in the portal but not in the file; it was left as it is.")
        elif self.not_in_file:
            lines.append(
                f"{self.not_in_file} actions are in the portal but not in the file; they were left as they are."
            )
        return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


# Reading the file ----------------------------------------------------------------------------


def read_plan_file(file, filename: str) -> list[dict]:
    """Read a CSV or Excel (.xlsx) file into one dict per non-empty row.

    Each dict has the plan columns (``PLAN_COLUMNS`` names; "Plan" only when the file has
    it) as stripped text, and ``"line"``: the spreadsheet's row number. Raises
    :class:`PlanFileError` for a file that cannot be read or lacks a required column.
    """
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xls":
        raise PlanFileError(
            [
                RowError(
                    None,
                    "",
                    f"“{filename}” is an old Excel 97-2003 file: save it as an Excel Workbook (.xlsx) or as CSV",
                )
            ]
        )
    if suffix not in FILE_TYPES:
        raise PlanFileError(
            [
                RowError(
                    None,
                    "",
                    f"“{filename}” is not a CSV or Excel (.xlsx) file: save the plan as one of those and upload it again",
                )
            ]
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data:
        raise PlanFileError([RowError(None, "", f"“{filename}” is empty")])
    table = _read_csv(data, filename) if suffix == ".csv" else _read_xlsx(data, filename)
    return _rows_from_table(table, filename)


def _read_csv(data: bytes, filename: str) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Excel's plain "CSV (Comma delimited)" on Windows writes Windows-1252.
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise PlanFileError(
                [
                    RowError(
                        None,
                        "",
                        f"Cannot read the text of “{filename}”: save it as “CSV UTF-8” and upload it again",
                    )
                ]
            ) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise PlanFileError([RowError(None, "", f"Cannot read “{filename}” as CSV: {error}")]) from None


def _read_xlsx(data: bytes, filename: str) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise PlanFileError(
            [
                RowError(
                    None,
                    "",
                    f"Cannot read “{filename}” as an Excel workbook: save it again as .xlsx or as CSV",
                )
            ]
        ) from None
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        # Excel turns "Apr 2024" typed in a cell into a date: the plan's dates are months.
        return value.strftime("%B %Y")
    return str(value)


def _heading_key(text: str) -> str:
    return " ".join(text.split()).casefold()


_COLUMN_KEYS = {_heading_key(column): column for column in PLAN_COLUMNS} | COLUMN_ALIASES


def _rows_from_table(table: list[list[str]], filename: str) -> list[dict]:
    while table and not any(cell.strip() for cell in table[-1]):
        table.pop()
    if not table:
        raise PlanFileError([RowError(None, "", f"“{filename}” is empty")])
    header = table[0]
    positions: dict[str, int] = {}
    errors = []
    for index, heading in enumerate(header):
        column = _COLUMN_KEYS.get(_heading_key(heading))
        if column is None:
            continue  # columns the plan table does not have are ignored
        if column in positions:
            errors.append(RowError(1, column, f"The header row has the “{column}” column twice"))
        positions[column] = index
    found = ", ".join(f"“{heading.strip()}”" for heading in header if heading.strip()) or "none"
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            errors.append(
                RowError(
                    1,
                    column,
                    f"The header row has no “{column}” column. The columns are {', '.join(PLAN_COLUMNS)} "
                    f"(Plan may be left out); this file has {found}",
                )
            )
    if errors:
        raise PlanFileError(errors)
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        row = {"line": line}
        for column, index in positions.items():
            value = cells[index] if index < len(cells) else ""
            row[column] = unneutralise(value.replace("\r\n", "\n").replace("\r", "\n").strip())
        if any(row[column] for column in positions):
            rows.append(row)
    if not rows:
        raise PlanFileError([RowError(None, "", f"“{filename}” has a header row but no actions below it")])
    return rows


# Reading each cell ---------------------------------------------------------------------------


class CellError(ValueError):
    pass


_SECTION = re.compile(r"^(ambition|priority)\s*(\d+)\s*(?:[:.\-–—]\s*(.*))?$", re.IGNORECASE | re.DOTALL)
_LETTERED = re.compile(r"^\(?([A-Za-z])\)\s*(.*)$|^([A-Za-z])\.\s+(.*)$", re.DOTALL)
_AP = re.compile(r"[(\[]\s*AP\s*[)\]]", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?[\s\-/]*(\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}


def unneutralise(value: str) -> str:
    """Undo the export's guard against spreadsheet formulas ("'=..." back to "=...")."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def normalise_text(text: str) -> str:
    """Text as the importer compares it: each line stripped, no blank lines at either end."""
    return "\n".join(line.strip() for line in (text or "").strip().splitlines())


def parse_section(value: str) -> tuple[str, int, str]:
    """ "Ambition 1", "Ambition 1: Children and Families", "Priority 2: Safeguarding" -> (kind, number, title)."""
    if not value:
        raise CellError("Missing ambition or priority: write Ambition 1, or Priority 2 and its title")
    match = _SECTION.match(value)
    if not match:
        raise CellError(
            f"Cannot read “{value}” as an ambition or priority: write Ambition 1, or Priority 2: its title"
        )
    kind = SectionKind.AMBITION if match[1].lower() == "ambition" else SectionKind.PRIORITY
    return kind, int(match[2]), " ".join((match[3] or "").split())


def parse_number(value: str) -> int:
    if not value:
        raise CellError("Missing action number: write a whole number such as 4")
    try:
        number = int(value)
    except ValueError:
        raise CellError(f"The action number must be a whole number such as 4, not “{value}”") from None
    if not 0 < number <= MAX_NUMBER:
        raise CellError(f"The action number must be a whole number from 1 upwards, not “{value}”")
    return number


def parse_details(value: str) -> list[tuple[str, str]]:
    """One item a line: "a) text", "A) text" or "a. text" keep their letter; other lines are items too.

    In a cell that letters its items, a line without a letter continues the item above it
    (a lettered item may hold a list of its own).
    """
    items: list[list[str]] = []
    lettered = False
    for raw in value.splitlines():
        line = raw.strip()
        if not line:
            continue
        match = _LETTERED.match(line)
        if match:
            letter = (match[1] or match[3]).lower()
            text = (match[2] if match[1] else match[4]).strip()
            if not text:
                raise CellError(f"The detail item “{line}” has no text")
            items.append([letter, text])
            lettered = True
        elif lettered:
            items[-1][1] += "\n" + line
        else:
            items.append(["", line])
    return [(letter, text) for letter, text in items]


def parse_lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def parse_target_date(value: str) -> tuple[date | None, str, bool]:
    """ "April 2024 (AP)", "Sept 2023; April 2024", "2024-04" -> (latest month, text as written, annual programme)."""
    if not value:
        return None, "", False
    text = " ".join(value.split())
    months = []
    annual_programme = False
    for part in (part.strip() for part in text.split(";")):
        if not part:
            continue
        if _AP.search(part):
            annual_programme = True
            part = _AP.sub("", part).strip()
        month = _read_month(part)
        if month is None:
            raise CellError(
                f"Cannot read the target date “{part}”: write a month and year such as April 2024"
            )
        months.append(month)
    if not months:
        raise CellError(f"Cannot read the target date “{value}”: write a month and year such as April 2024")
    if len(text) > LONGEST["target date"]:
        raise CellError(f"The target date is too long: write at most {LONGEST['target date']} characters")
    return max(months), text, annual_programme


def _read_month(text: str) -> date | None:
    match = _MONTH_YEAR.match(text)
    if match:
        month = _MONTHS.get(match[1].lower())
        return date(int(match[2]), month, 1) if month else None
    match = _ISO_MONTH.match(text)
    if match and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    return None


def parse_leads(value: str) -> list[str]:
    leads: dict[str, str] = {}
    for line in value.splitlines():
        for part in line.split(";"):
            title = " ".join(part.split())
            if title:
                if len(title) > LONGEST["post"]:
                    raise CellError(
                        f"The lead “{title[:40]}…” is too long for a post title ({LONGEST['post']} characters at most)"
                    )
                leads.setdefault(title.casefold(), title)
    if not leads:
        raise CellError("Missing lead: name at least one post, such as Director Education")
    return list(leads.values())


def plan_label(portfolio: Portfolio, year: int) -> str:
    return f"{portfolio.code} {FinancialYear(year).label}"


_PLAN_NAME = re.compile(r"^(.+?)\s+(\d{4}\s*[-/–]\s*\d{2,4})$")


def _names_plan(value: str, portfolio: Portfolio, year: int) -> bool:
    match = _PLAN_NAME.match(" ".join(value.split()))
    if not match:
        return False
    try:
        named_year = FinancialYear.parse(match[2]).start_year
    except ValueError:
        return False
    who = match[1].casefold()
    return named_year == year and who in {portfolio.code.casefold(), portfolio.name.casefold()}


# Checking the rows ---------------------------------------------------------------------------


def _target(plan_or_portfolio_year) -> tuple[PortfolioPlan | None, Portfolio, int]:
    if isinstance(plan_or_portfolio_year, PortfolioPlan):
        return plan_or_portfolio_year, plan_or_portfolio_year.portfolio, plan_or_portfolio_year.year
    portfolio, year = plan_or_portfolio_year
    year = _start_year(year)
    return PortfolioPlan.objects.filter(portfolio=portfolio, year=year).first(), portfolio, year


def _start_year(year) -> int:
    if isinstance(year, FinancialYear):
        return year.start_year
    if isinstance(year, int):
        return year
    return FinancialYear.parse(year).start_year


def validate_rows(rows: list[dict], plan_or_portfolio_year) -> tuple[list[ParsedRow], list[RowError]]:
    """Check every row against the rules and the plan it goes into; write nothing.

    ``plan_or_portfolio_year`` is a PortfolioPlan or a (portfolio, year) pair for a plan
    that may not exist yet. Returns the good rows and every problem found, in line order.
    """
    plan, portfolio, year = _target(plan_or_portfolio_year)
    label = plan_label(portfolio, year)
    strategy = current_strategy()
    ambitions = {ambition.number: ambition for ambition in strategy.ambitions.all()} if strategy else {}
    plan_kind = plan.section_kind if plan else None
    existing_titles = {}
    if plan and plan_kind == SectionKind.PRIORITY:
        existing_titles = {section.number: section.title for section in plan.sections.all()}

    errors: list[RowError] = []
    parsed: list[ParsedRow] = []
    file_kind: tuple[str, int] | None = None  # (kind, line) of the first readable section
    priority_titles: dict[int, tuple[str, int]] = {}
    seen: dict[tuple[int, int], int] = {}
    titled_priorities = set()  # a priority needs its title on one line of the file, not on every line
    for row in rows:
        try:
            kind, section_number, section_title = parse_section(row.get(SECTION, ""))
        except CellError:
            continue
        if kind == SectionKind.PRIORITY and section_title:
            titled_priorities.add(section_number)

    for row in rows:
        line = row["line"]
        row_errors: list[RowError] = []

        def cell(column, parse, row=row, line=line, row_errors=row_errors):
            try:
                return parse(row.get(column, ""))
            except CellError as error:
                row_errors.append(RowError(line, column, str(error)))
                return None

        if row.get(PLAN) and not _names_plan(row[PLAN], portfolio, year):
            row_errors.append(
                RowError(
                    line,
                    PLAN,
                    f"This line is for the plan “{row[PLAN]}”, but you are importing into {label}. "
                    f"To copy a plan into another year, change the Plan column to {label} or delete that column",
                )
            )

        section = cell(SECTION, parse_section)
        ambition = None
        if section:
            kind, section_number, section_title = section
            expected_kind = plan_kind or (file_kind[0] if file_kind else kind)
            if kind != expected_kind:
                wanted = SectionKind(expected_kind).label.lower()
                if plan_kind:
                    message = (
                        f"The {label} plan is organised by {wanted}, so this line cannot name "
                        f"{'an ambition' if kind == SectionKind.AMBITION else 'a priority'} (“{row[SECTION]}”)"
                    )
                else:
                    message = (
                        f"This file names {wanted} (from line {file_kind[1]}) and also "
                        f"{SectionKind(kind).label.lower()}: a plan is organised by one or the other"
                    )
                row_errors.append(RowError(line, SECTION, message))
                section = None
            elif file_kind is None:
                file_kind = (kind, line)
        if section and kind == SectionKind.AMBITION:
            ambition = ambitions.get(section_number)
            if ambition is None:
                if not ambitions:
                    message = (
                        f"Unknown ambition {section_number}: there is no corporate strategy in the portal yet"
                    )
                else:
                    message = (
                        f"Unknown ambition {section_number}: the strategy has ambitions "
                        f"{min(ambitions)} to {max(ambitions)}"
                    )
                row_errors.append(RowError(line, SECTION, message))
                section = None
        if section and kind == SectionKind.PRIORITY:
            if section_title:
                if len(section_title) > LONGEST["priority title"]:
                    row_errors.append(
                        RowError(
                            line,
                            SECTION,
                            f"The priority's title is too long ({LONGEST['priority title']} characters at most)",
                        )
                    )
                    section = None
                elif (
                    section_number in priority_titles and priority_titles[section_number][0] != section_title
                ):
                    first_title, first_line = priority_titles[section_number]
                    row_errors.append(
                        RowError(
                            line,
                            SECTION,
                            f"Priority {section_number} is called “{first_title}” on line {first_line} "
                            f"but “{section_title}” here: give it one title",
                        )
                    )
                    section = None
                else:
                    priority_titles.setdefault(section_number, (section_title, line))
            elif section_number not in existing_titles and section_number not in titled_priorities:
                row_errors.append(
                    RowError(
                        line,
                        SECTION,
                        f"Priority {section_number} is new to this plan, so it needs a title: "
                        f"write Priority {section_number}: its title",
                    )
                )
                section = None

        number = cell(NUMBER, parse_number)
        title = row.get(TITLE, "")
        if not title:
            row_errors.append(RowError(line, TITLE, "Missing action: write what will be done"))
        details = cell(DETAIL, parse_details)
        measures = parse_lines(row.get(MEASURES, ""))
        target = cell(TARGET, parse_target_date)
        leads = cell(LEAD, parse_leads)

        if section and number:
            key = (section_number, number)
            if key in seen:
                row_errors.append(
                    RowError(
                        line,
                        NUMBER,
                        f"Duplicate action number {section_number}.{number} (also on line {seen[key]})",
                    )
                )
            else:
                seen[key] = line

        if row_errors:
            errors.extend(row_errors)
            continue
        target_date, target_date_text, annual_programme = target
        parsed.append(
            ParsedRow(
                line=line,
                section_kind=kind,
                section_number=section_number,
                section_title=section_title,
                ambition=ambition,
                number=number,
                title=normalise_text(title),
                details=details,
                measures=measures,
                target_date=target_date,
                target_date_text=target_date_text,
                annual_programme=annual_programme,
                leads=leads,
                update_text=normalise_text(row.get(UPDATE, "")),
            )
        )
    return parsed, sorted(
        errors,
        key=lambda error: (
            error.line or 0,
            PLAN_COLUMNS.index(error.column) if error.column in PLAN_COLUMNS else 0,
        ),
    )


# Writing -------------------------------------------------------------------------------------


def import_plan(
    file, filename: str, portfolio, year, user=None, dry_run: bool = False, updates_period=None
) -> ImportResult:
    """Import a plan file into ``portfolio``'s plan for ``year`` (2023, "2023-24" or a FinancialYear).

    All-or-nothing: if any row is bad the result lists every problem and nothing is written.
    Otherwise the plan (and its sections and any new posts) is created as needed, actions are
    matched by (section, number), changed ones updated and new ones created; actions not in
    the file are left alone. Changes are recorded in the history as made by ``user``.
    With ``dry_run`` the same work is done and then rolled back, so the counts are exact.

    The Update column is read only when ``updates_period`` (a ReportingPeriod) says which
    quarter the texts report on: each becomes that period's update, as published (locked).
    An action that already has a different update for that period is an error: a reported
    update is corrected in the portal with an amendment, never overwritten by a file.
    """
    if isinstance(portfolio, str):
        portfolio = Portfolio.objects.get(code__iexact=portfolio)
    year = _start_year(year)
    result = ImportResult(dry_run=dry_run, plan_label=plan_label(portfolio, year))
    try:
        rows = read_plan_file(file, filename)
    except PlanFileError as error:
        result.errors = error.errors
        return result
    with transaction.atomic():
        plan = (
            PortfolioPlan.objects.select_for_update(of=("self",))
            .select_related("portfolio")
            .filter(portfolio=portfolio, year=year)
            .first()
        )
        parsed, errors = validate_rows(rows, plan or (portfolio, year))
        if errors:
            result.errors = errors
            result.plan = plan
            return result
        _write(
            parsed,
            result,
            plan,
            portfolio,
            year,
            user,
            reason=Truncator(f"Imported from {Path(filename).name}").chars(100),
            updates_period=updates_period,
        )
        if result.errors:
            transaction.set_rollback(True)
            return result
        if dry_run:
            transaction.set_rollback(True)
            result.plan = plan
    return result


def _write(
    parsed: list[ParsedRow],
    result: ImportResult,
    plan,
    portfolio,
    year,
    user,
    reason: str,
    updates_period=None,
) -> None:
    def stamp(instance):
        # django-simple-history: outside a request, say who made the change on the instance itself.
        instance._history_user = user
        instance._change_reason = reason
        return instance

    if plan is None:
        plan = stamp(
            PortfolioPlan(
                portfolio=portfolio,
                year=year,
                title=f"{portfolio.name} portfolio plan {FinancialYear(year).label}",
                section_kind=parsed[0].section_kind,
                source=reason,
            )
        )
        plan.save()
        result.plan_created = True
    result.plan = plan

    posts = {post.title.casefold(): post for post in Post.objects.all()}
    for row in parsed:
        for title in row.leads:
            if title.casefold() not in posts:
                post = stamp(Post(title=title))
                post.save()
                posts[title.casefold()] = post
                result.new_posts.append(title)

    sections = {}
    numbers_used = set()
    for section in plan.sections.select_related("ambition"):
        numbers_used.add(section.number)
        key = (
            section.ambition.number
            if plan.section_kind == SectionKind.AMBITION and section.ambition
            else section.number
        )
        sections.setdefault(key, section)
    for row in parsed:
        section = sections.get(row.section_number)
        if section is None:
            number = row.section_number if row.section_number not in numbers_used else max(numbers_used) + 1
            section = PlanSection.objects.create(
                plan=plan,
                number=number,
                ambition=row.ambition,
                title=row.section_title
                if row.section_kind == SectionKind.PRIORITY
                else f"Ambition {row.section_number}",
            )
            numbers_used.add(number)
            sections[row.section_number] = section
            result.sections_created += 1
        elif (
            row.section_title
            and row.section_kind == SectionKind.PRIORITY
            and section.title != row.section_title
        ):
            result.sections_renamed.append(
                f"Priority {section.number} “{section.title}” → “{row.section_title}”"
            )
            section.title = row.section_title
            section.save(update_fields=["title"])

    existing = {
        (action.section_id, action.number): action
        for action in Action.objects.filter(section__plan=plan).prefetch_related(
            "details", "measures_of_success", "lead_posts"
        )
    }
    in_file = set()
    for row in parsed:
        section = sections[row.section_number]
        leads = [posts[title.casefold()] for title in row.leads]
        action = existing.get((section.pk, row.number))
        in_file.add((section.pk, row.number))
        if action is None:
            action = _create_action(row, section, leads, portfolio, stamp, user, reason)
            result.created += 1
        elif _update_action(action, row, leads, stamp, user, reason):
            result.updated += 1
        else:
            result.unchanged += 1
        if row.update_text:
            if updates_period is None:
                result.updates_skipped += 1
            else:
                _write_update(action, row, updates_period, result, stamp)
    result.not_in_file = sum(1 for key in existing if key not in in_file)


def _write_update(action, row, period, result, stamp) -> None:
    """The row's Update text as the action's published update for ``period``."""
    update = QuarterlyUpdate.objects.filter(action=action, period=period).first()
    if update is None:
        stamp(
            QuarterlyUpdate(
                action=action, period=period, narrative=row.update_text, status=UpdateStatus.LOCKED
            )
        ).save()
        result.updates_created += 1
    elif normalise_text(update.narrative) != row.update_text:
        result.errors.append(
            RowError(
                row.line,
                UPDATE,
                f"Action {action.reference} already has a different {period} update; correct it in the portal "
                "with an amendment rather than by import.",
            )
        )


_FIELDS = ["title", "target_date", "target_date_text", "annual_programme"]


def _values(row: ParsedRow) -> dict:
    return {name: getattr(row, name) for name in _FIELDS}


def _create_action(row, section, leads, portfolio, stamp, user, reason) -> Action:
    action = stamp(Action(section=section, number=row.number, **_values(row)))
    action.save()
    action.lead_posts.set(leads)
    action.portfolios.set([portfolio])
    _add_items(action, row, user, reason)
    return action


def _add_items(action, row, user, reason) -> None:
    _add_details(action, row, user, reason)
    _add_measures(action, row, user, reason)


def _update_action(action, row, leads, stamp, user, reason) -> bool:
    """Bring an action into line with its row; return whether anything changed."""
    changed = False
    values = _values(row)
    differs = [
        name
        for name, value in values.items()
        if (normalise_text(getattr(action, name)) if isinstance(value, str) else getattr(action, name))
        != value
    ]
    stamp(action)
    if differs:
        for name in differs:
            setattr(action, name, values[name])
        action.save()
        changed = True
    if {post.pk for post in action.lead_posts.all()} != {post.pk for post in leads}:
        action.lead_posts.set(leads)
        changed = True
    details = [(detail.letter or "", normalise_text(detail.text)) for detail in action.details.all()]
    measures = [normalise_text(measure.text) for measure in action.measures_of_success.all()]
    if details != row.details or measures != row.measures:
        # Replace both lists only when they differ, so an unchanged action gets no history.
        if details != row.details:
            for detail in action.details.all():
                stamp(detail).delete()
            _add_details(action, row, user, reason)
        if measures != row.measures:
            for measure in action.measures_of_success.all():
                stamp(measure).delete()
            _add_measures(action, row, user, reason)
        changed = True
    return changed


def _add_details(action, row, user, reason) -> None:
    bulk_create_with_history(
        [
            ActionDetail(action=action, order=order, letter=letter, text=text)
            for order, (letter, text) in enumerate(row.details, start=1)
        ],
        ActionDetail,
        default_user=user,
        default_change_reason=reason,
    )


def _add_measures(action, row, user, reason) -> None:
    bulk_create_with_history(
        [
            MeasureOfSuccess(action=action, order=order, text=text)
            for order, text in enumerate(row.measures, start=1)
        ],
        MeasureOfSuccess,
        default_user=user,
        default_change_reason=reason,
    )
