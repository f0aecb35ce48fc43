"""Importing a portfolio plan from a spreadsheet laid out like the council's plan table.

The columns are plans.spreadsheet's: a row per detail, which is what a plan's spreadsheet export
gives, so a plan can go out to Excel or CSV, be edited and come back.

Imports are all-or-nothing: every row is read and checked first, each problem is reported with
its line (the spreadsheet's row number; the header is line 1) and the column it is in, and
nothing is written unless the whole file is good. The plan is then written by plans.builders,
the one way plans are written. The web page and the ``import_plan`` command both call
:func:`import_plan`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils.text import Truncator

from ambitions.models import Ambition, Portfolio, Post
from ambitions.services import current_strategy
from bromley_portal.core import tabular
from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.tabular import (
    CellError,
    ImportErrors,
    Layout,
    RowError,
    TableFileError,
    in_file_order,
    month_year,
    read_table,
)
from plans import counts
from plans.builders import (
    ActionSpec,
    DetailSpec,
    LeadSpec,
    PlanSpec,
    PlanWriteError,
    SectionSpec,
    UpdateSpec,
    build_plan,
    write_actions,
)
from plans.choices import NARRATIVE_MAX_LENGTH, PeriodStatus, SectionKind, UpdateStatus
from plans.models import (
    Action,
    ActionDetail,
    DetailLead,
    MeasureFigure,
    PortfolioPlan,
    QuarterlyUpdate,
    ReportingPeriod,
    UpdateNote,
)
from plans.spreadsheet import (
    ACTION,
    COLUMN_ALIASES,
    COLUMNS,
    DETAIL,
    LEAD,
    MEASURES,
    NUMBER,
    PLAN,
    REQUIRED_COLUMNS,
    SECTION,
    TARGET,
    UPDATE,
    ReportedUpdate,
    update_cells,
)

LONGEST = {"post": 200, "priority title": 300}
STALE = (
    "The plan changed after the file was checked, so nothing was imported: check the file again to see "
    "what it would change now."
)
MAX_NUMBER = 2_000_000_000


@dataclass
class ImportResult(ImportErrors):
    plan: PortfolioPlan | None = None
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
    # What the import does to the plan as it found it (see _signature); with ``expected`` given and not
    # this, nothing was written: the plan changed since its preview.
    signature: str = ""
    stale: bool = False

    def summary(self) -> list[str]:
        """What happened, in sentences, for a message or the command's output."""
        if self.errors:
            return [f"The file has {_count(self.error_count, 'problem')}: nothing was imported."]
        if self.stale:
            return [STALE]
        lines = ["Dry run: nothing was saved. The import would make these changes."] if self.dry_run else []
        return lines + self.changes()

    def changes(self) -> list[str]:
        """What the import did, in sentences; for a dry run (a preview), what it would do."""
        will = self.dry_run

        def done(verb: str) -> str:  # "created", or "to be created" in a preview
            return f"to be {verb}" if will else verb

        lines = []
        if self.plan_created:
            lines.append(f"The {self.plan_label} plan {'would be' if will else 'was'} created.")
        lines.append(
            f"{_count(self.created, 'action')} {done('created')}, {self.updated} {done('updated')}, "
            f"{self.unchanged} unchanged."
        )
        if self.sections_created:
            lines.append(f"{_count(self.sections_created, 'section')} {done('added')}.")
        if self.sections_renamed:
            lines.append(f"{'To be renamed' if will else 'Renamed'}: {'; '.join(self.sections_renamed)}.")
        if self.new_posts:
            lines.append(f"New posts{' to be added' if will else ''}: {', '.join(self.new_posts)}.")
        if self.updates_created:
            lines.append(
                f"{_count(self.updates_created, 'update')} {done('added')} as approved, to be reported when the "
                "period is locked."
            )
        if self.updates_skipped:
            lines.append(
                f"{_count(self.updates_skipped, 'update text')} {'would not be' if will else 'not'} imported: choose "
                "the period the updates report on to import them."
            )
        if self.not_in_file:
            one = self.not_in_file == 1
            left = "would be" if will else "was" if one else "were"
            lines.append(
                f"{_count(self.not_in_file, 'action')} in the portal but not in the file "
                f"{left} left as {'it is' if one else 'they are'}."
            )
        return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


# Reading the file ----------------------------------------------------------------------------
#
# bromley_portal.core.tabular reads the file, refusing it as soon as it passes a limit
# (settings.PLANS_IMPORT_*, which default to the portal's IMPORT_* limits).

LAYOUT = Layout(
    columns=COLUMNS,
    required=REQUIRED_COLUMNS,
    aliases=COLUMN_ALIASES,
    noun="plan",
    rows_noun="actions",
    optional_note=" (Plan and Update may be left out)",
    # Excel turns "Apr 2024" typed in a cell into a date: the plan's dates are months.
    date_text=month_year,
)


class Limits(tabular.Limits):
    """A plan import's limits: settings.PLANS_IMPORT_*."""

    @classmethod
    def from_settings(cls, prefix: str = "PLANS_IMPORT_") -> Limits:
        return super().from_settings(prefix)


def _no_progress(stage: str, percent: int) -> None:
    pass


def read_plan_file(file, filename: str, limits: Limits | None = None, progress=_no_progress) -> list[dict]:
    """Read a CSV or Excel (.xlsx) plan file into one dict per non-empty row (see
    bromley_portal.core.tabular.read_table): the plan columns found, as stripped text, and ``"line"``.
    Raises TableFileError for a file that cannot be read, passes a limit, or lacks a required column."""
    return read_table(file, filename, LAYOUT, limits or Limits.from_settings(), progress)


# Reading each cell ---------------------------------------------------------------------------


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


def parse_detail(value: str) -> tuple[str, str]:
    """ "a) text", "A) text", "a. text" keep their letter (lower case); other text has none.

    Lines after the first belong to the detail (a detail may hold a list of its own).
    """
    text = normalise_text(value)
    if not text:
        return "", ""
    first, _, rest = text.partition("\n")
    match = _LETTERED.match(first)
    if not match:
        return "", text
    letter = (match[1] or match[3]).lower()
    body = (match[2] if match[1] else match[4]).strip()
    if not body and not rest:
        raise CellError(f"The detail “{first}” has no text")
    return letter, "\n".join(part for part in (body, rest) if part)


def parse_lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def parse_target_date(value: str) -> tuple[date | None, bool]:
    """ "April 2024 (AP)", "Sept 2023", "2024-04" -> (the month, in the Annual Programme)."""
    text = " ".join((value or "").split())
    if not text:
        return None, False
    annual_programme = bool(_AP.search(text))
    month = _read_month(_AP.sub("", text).strip())
    if month is None:
        raise CellError(
            f"Cannot read the target date “{text}”: write one month and year such as April 2024, "
            "with (AP) after it for the Annual Programme"
        )
    return month, annual_programme


def _read_month(text: str) -> date | None:
    match = _MONTH_YEAR.match(text)
    if match:
        month = _MONTHS.get(match[1].lower())
        return date(int(match[2]), month, 1) if month else None
    match = _ISO_MONTH.match(text)
    if match and 1 <= int(match[2]) <= 12 and 1900 < int(match[1]) < 2200:
        return date(int(match[1]), int(match[2]), 1)
    return None


def parse_leads(value: str) -> list[str]:
    """Post titles as the plan writes them, one a line or separated by semicolons."""
    leads: dict[str, str] = {}
    for line in value.splitlines():
        for part in line.split(";"):
            title = " ".join(part.split())
            if not title:
                continue
            if len(title) > LONGEST["post"]:
                raise CellError(
                    f"The lead “{title[:40]}…” is too long for a post title ({LONGEST['post']} characters at most)"
                )
            leads.setdefault(title.casefold(), title)
    return list(leads.values())


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def posts_by_written_title() -> dict[str, str]:
    """The post a lead's title names, keyed by the title (without regard to case or spacing): a post's
    own title, or a way a plan in the portal has written it ("Director of Education" for the post
    Director Education). Without the second, a downloaded plan's leads would come back as new posts."""
    posts = {}
    for written_as, title, _ in (
        DetailLead.objects.exclude(written_as="")
        .values_list("written_as", "post__title")
        .annotate(uses=Count("pk"))
        .order_by("-uses", "post__title")
    ):
        posts.setdefault(_title_key(written_as), title)
    posts.update({_title_key(title): title for title in Post.objects.values_list("title", flat=True)})
    return posts


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
    return named_year == year and match[1].casefold() in {
        portfolio.code.casefold(),
        portfolio.name.casefold(),
    }


# Checking the rows ---------------------------------------------------------------------------


@dataclass
class ParsedRow:
    """One row of the file whose action can be told (section and number): a detail of that action."""

    line: int
    kind: str
    section_number: int
    section_title: str
    ambition: Ambition | None
    number: int
    title: str
    detail: DetailSpec
    update: str


@dataclass
class Checker:
    """Checks every row against the rules and the plan it goes into, and groups rows into actions."""

    plan: PortfolioPlan | None
    portfolio: Portfolio
    year: int
    errors: list[RowError] = field(default_factory=list)

    def __post_init__(self):
        strategy = current_strategy()
        self.ambitions = {a.number: a for a in strategy.ambitions.all()} if strategy else {}
        self.kind = self.plan.section_kind if self.plan else None
        self.kind_line = None
        self.existing_titles = (
            {section.number: section.title for section in self.plan.sections.all()}
            if self.plan and self.kind == SectionKind.PRIORITY
            else {}
        )
        self.priority_titles: dict[int, tuple[str, int]] = {}
        self.label = plan_label(self.portfolio, self.year)
        self.posts = posts_by_written_title()
        self.plan_names: dict[str, bool] = {}

    def names_plan(self, value: str) -> bool:
        """Whether a Plan cell names this plan (asked once for each way the file writes it)."""
        if value not in self.plan_names:
            self.plan_names[value] = _names_plan(value, self.portfolio, self.year)
        return self.plan_names[value]

    def error(self, line, column, message):
        self.errors.append(RowError(line, column, message))

    def read(self, rows: list[dict]) -> list[ParsedRow]:
        titled = set()
        for row in rows:
            try:
                kind, number, title = parse_section(row.get(SECTION, ""))
            except CellError:
                continue
            if kind == SectionKind.PRIORITY and title:
                titled.add(number)
        self.titled_priorities = titled
        parsed = [self.read_row(row) for row in rows]
        return [row for row in parsed if row is not None]

    def cell(self, row, column, parse):
        try:
            return parse(row.get(column, ""))
        except CellError as error:
            self.error(row["line"], column, str(error))
            return None

    def read_row(self, row: dict) -> ParsedRow | None:
        line = row["line"]
        if row.get(PLAN) and not self.names_plan(row[PLAN]):
            self.error(
                line,
                PLAN,
                f"This line is for the plan “{row[PLAN]}”, but you are importing into {self.label}. "
                f"To copy a plan into another year, change the Plan column to {self.label} or delete that column",
            )
        section = self.cell(row, SECTION, parse_section)
        ambition = self.check_section(line, section, row) if section else None
        number = self.cell(row, NUMBER, parse_number)
        letter, text = self.cell(row, DETAIL, parse_detail) or ("", "")
        target = self.cell(row, TARGET, parse_target_date) or (None, False)
        leads = self.lead_specs(line, self.cell(row, LEAD, parse_leads) or [])
        update = row.get(UPDATE, "")
        if len(update.strip()) > NARRATIVE_MAX_LENGTH:
            self.error(
                line,
                UPDATE,
                f"The update is {len(update.strip()):,} characters long: an update may have at most "
                f"{NARRATIVE_MAX_LENGTH:,}, as the update form allows. Shorten it",
            )
        if section is None or number is None:
            return None
        # A row with other problems still takes its place in its action, so that the action's later
        # rows are checked against it (and not taken for a new action); the problems stop the import.
        kind, section_number, section_title = section
        return ParsedRow(
            line=line,
            kind=kind,
            section_number=section_number,
            section_title=section_title,
            ambition=ambition,
            number=number,
            title=normalise_text(row.get(ACTION, "")),
            detail=DetailSpec(
                letter=letter,
                text=text,
                measures=parse_lines(row.get(MEASURES, "")),
                target_date=target[0],
                annual_programme=target[1],
                leads=leads,
            ),
            # As written: an update's lists may nest ("  - ..."); comparisons normalise it.
            update=update,
        )

    def lead_specs(self, line, titles: list[str]) -> list[LeadSpec]:
        """The leads as the row writes them, each with the post it names (see posts_by_written_title)."""
        leads: dict[str, LeadSpec] = {}
        for title in titles:
            post = self.posts.get(_title_key(title), title)
            if post.casefold() in leads:
                self.error(
                    line,
                    LEAD,
                    f"“{leads[post.casefold()].written_as}” and “{title}” are both the post {post}: name it once",
                )
                continue
            leads[post.casefold()] = LeadSpec(post=post, written_as=title)
        return list(leads.values())

    def check_section(self, line, section, row) -> Ambition | None:
        kind, number, title = section
        expected = self.kind or (self.kind_line[0] if self.kind_line else kind)
        if kind != expected:
            wanted = SectionKind(expected).label.lower()
            if self.kind:
                naming = "an ambition" if kind == SectionKind.AMBITION else "a priority"
                message = f"The {self.label} plan is organised by {wanted}, so this line cannot name {naming} (“{row[SECTION]}”)"
            else:
                message = (
                    f"This file names {wanted} (from line {self.kind_line[1]}) and also "
                    f"{SectionKind(kind).label.lower()}: a plan is organised by one or the other"
                )
            self.error(line, SECTION, message)
            return None
        self.kind_line = self.kind_line or (kind, line)
        if kind == SectionKind.AMBITION:
            ambition = self.ambitions.get(number)
            if ambition is None:
                known = (
                    f"the strategy has ambitions {min(self.ambitions)} to {max(self.ambitions)}"
                    if self.ambitions
                    else "there is no corporate strategy in the portal yet"
                )
                self.error(line, SECTION, f"Unknown ambition {number}: {known}")
            return ambition
        self.check_priority_title(line, number, title)
        return None

    def check_priority_title(self, line, number, title):
        if not title:
            if number not in self.existing_titles and number not in self.titled_priorities:
                self.error(
                    line,
                    SECTION,
                    f"Priority {number} is new to this plan, so it needs a title: write Priority {number}: its title",
                )
        elif len(title) > LONGEST["priority title"]:
            self.error(
                line,
                SECTION,
                f"The priority's title is too long ({LONGEST['priority title']} characters at most)",
            )
        elif number in self.priority_titles and self.priority_titles[number][0] != title:
            first, first_line = self.priority_titles[number]
            self.error(
                line,
                SECTION,
                f"Priority {number} is called “{first}” on line {first_line} but “{title}” here: give it one title",
            )
        else:
            self.priority_titles.setdefault(number, (title, line))

    def group(self, rows: list[ParsedRow]) -> dict[int, list[tuple[ActionSpec, list[ParsedRow]]]]:
        """Rows into actions (an action's rows are together), by section number."""
        actions: dict[tuple[str, int, int], tuple[ActionSpec, list[ParsedRow]]] = {}
        last_key = None
        for row in rows:
            key = (row.kind, row.section_number, row.number)
            reference = f"{row.section_number}.{row.number}"
            if key not in actions:
                if not row.title:
                    self.error(
                        row.line,
                        ACTION,
                        f"Missing action: write what action {reference} will do on its first line",
                    )
                actions[key] = (ActionSpec(number=row.number, title=row.title), [])
            elif key != last_key:
                first = actions[key][1][0].line
                self.error(
                    row.line,
                    NUMBER,
                    f"Action {reference} starts on line {first} and appears again here: keep an action's lines together",
                )
            elif row.title and actions[key][0].title and row.title != actions[key][0].title:
                # (When the first line has no text, that is the one problem to report.)
                first = actions[key][1][0].line
                self.error(
                    row.line,
                    ACTION,
                    f"Action {reference} is worded differently on line {first}: leave the Action empty on its "
                    "later lines, or repeat it exactly",
                )
            spec, spec_rows = actions[key]
            letters = [r.detail.letter for r in spec_rows if r.detail.letter]
            if row.detail.letter and row.detail.letter in letters:
                self.error(row.line, DETAIL, f"Action {reference} has detail {row.detail.letter}) twice")
            spec.details.append(row.detail)
            spec_rows.append(row)
            last_key = key
        by_section: dict[int, list] = {}
        for (_, section_number, _), value in actions.items():
            by_section.setdefault(section_number, []).append(value)
        return by_section


def validate(
    rows: list[dict], plan, portfolio, year
) -> tuple[list[SectionSpec], list[tuple], list[RowError]]:
    """Check every row; return the sections to write, (action spec, its rows) pairs, and the problems."""
    checker = Checker(plan, portfolio, year)
    parsed = checker.read(rows)
    by_section = checker.group(parsed)
    first_rows = {row.section_number: row for row in reversed(parsed)}
    sections = []
    for number, actions in by_section.items():
        first = first_rows[number]
        title = checker.priority_titles.get(number, ("",))[0]
        sections.append(
            SectionSpec(
                number=number,
                ambition=first.ambition,
                title=title if first.kind == SectionKind.PRIORITY else f"Ambition {number}",
                actions=[spec for spec, _ in actions],
            )
        )
    pairs = [pair for actions in by_section.values() for pair in actions]
    errors = in_file_order(checker.errors, LAYOUT)
    return sections, pairs, errors


def update_from_rows(rows: list[ParsedRow], period) -> UpdateSpec | None:
    """An action's Update cells as one approved update (never locked: the period's lock reports it): the
    action's text when only its last row has one, else a note on each row that has one."""
    texts = {index: row.update for index, row in enumerate(rows) if row.update}
    if not texts:
        return None
    if list(texts) == [len(rows) - 1]:
        return UpdateSpec(period=period, narrative=texts[len(rows) - 1], status=UpdateStatus.APPROVED)
    return UpdateSpec(period=period, notes=texts, status=UpdateStatus.APPROVED)


def _same_words(have: QuarterlyUpdate, rows: list[ParsedRow]) -> bool:
    """Whether an action's Update cells say what the portal's download writes in them for the update it
    already has: plans.spreadsheet.update_cells, the one placement (an amended update's text on the
    last row; else each note on its detail's row and the update's own narrative on the last, after the
    note there), so a plan downloaded with a quarter's updates imports back unchanged."""
    reported = ReportedUpdate(
        have.narrative,
        have.amended_narrative,
        {note.detail_id: note.narrative for note in have.notes.all()},
    )
    written = update_cells(reported, [detail.pk for detail in have.action.details.all()])
    in_file = {index: normalise_text(row.update) for index, row in enumerate(rows) if row.update}
    return in_file == {index: normalise_text(text) for index, text in written.items() if text}


def attach_updates(pairs, plan, period, result: ImportResult) -> list[RowError]:
    """Give each action the update its rows carry, for ``period``; a file never changes a published one."""
    errors = []
    existing = {}
    if plan is not None and period is not None:
        existing = {
            (update.action.section.number, update.action.number): update
            for update in QuarterlyUpdate.objects.with_reported()
            .filter(period=period, action__section__plan=plan)
            .select_related("action__section")
            .prefetch_related("notes", Prefetch("action__details", ActionDetail.objects.in_order()))
        }
    for spec, rows in pairs:
        if period is None:
            result.updates_skipped += sum(1 for row in rows if row.update)
            continue
        update = update_from_rows(rows, period)
        if update is None:
            continue
        have = existing.get((rows[0].section_number, spec.number))
        if have is None and period.status == PeriodStatus.LOCKED:
            errors.append(
                RowError(
                    next(row.line for row in rows if row.update),
                    UPDATE,
                    f"{period} is locked for committee and action {rows[0].section_number}.{spec.number} reported "
                    "nothing for it, so a file cannot add an update now: leave this Update cell empty, or import "
                    "into an open quarter",
                )
            )
        elif have is not None and not _same_words(have, rows):
            errors.append(
                RowError(
                    next(row.line for row in rows if row.update),
                    UPDATE,
                    f"Action {rows[0].section_number}.{spec.number} already has a different {period} update; "
                    "correct it in the portal with an amendment rather than by import.",
                )
            )
        spec.updates = [update]
    return errors


# Writing -------------------------------------------------------------------------------------


def import_plan(
    file,
    filename: str,
    portfolio,
    year,
    user=None,
    dry_run: bool = False,
    updates_period=None,
    limits: Limits | None = None,
    progress=_no_progress,
    expected: str | None = None,
) -> ImportResult:
    """Import a plan file into ``portfolio``'s plan for ``year`` (2023, "2023-24" or a FinancialYear).

    All-or-nothing: if any row is bad the result lists the problems (the first ``limits.max_errors``,
    and how many more) and nothing is written. Otherwise the plan (and its sections and any new
    posts) is created as needed, actions are matched by (section, number), changed ones brought
    into line and new ones created; actions not in the file are left alone. Changes are recorded in
    the history as made by ``user``. With ``dry_run`` the same work is done and then rolled back, so
    the counts are exact. ``progress(stage, percent)`` hears how far it has gone.

    The Update column is read only when ``updates_period`` (an open or planned ReportingPeriod of the
    plan's year) says which quarter the texts report on; they are added as approved updates, which
    the period's lock reports like any other. An action that already has a different update for that
    period is an error: a reported update is corrected in the portal with an amendment, never
    overwritten by a file.

    The result's ``signature`` sums up what the import does to the plan as it found it (the plan, each
    action's state before, the sections, posts and updates it adds). A preview is a dry run; confirming
    it passes its signature as ``expected``, and if the import would now do anything else (the plan was
    changed meanwhile, or the preview applied already) nothing is written and the result is ``stale``.
    """
    limits = limits or Limits.from_settings()
    if isinstance(portfolio, str):
        portfolio = Portfolio.objects.get(code__iexact=portfolio)
    year = _start_year(year)
    result = ImportResult(dry_run=dry_run, plan_label=plan_label(portfolio, year))
    if error := _period_error(updates_period, year):
        result.errors = [error]
        return result
    progress("Reading the file", 0)
    try:
        rows = read_plan_file(file, filename, limits, progress)
    except TableFileError as error:
        result.set_errors(error.errors, limits.max_errors)
        return result
    progress(f"Checking {len(rows):,} row{'s' * (len(rows) != 1)} and writing the plan", 50)
    reason = Truncator(f"Imported from {Path(filename).name}").chars(100)
    _check_and_write(rows, portfolio, year, updates_period, user, reason, dry_run, limits, result, expected)
    return result


@transaction.atomic
@counts.batched
def _check_and_write(
    rows, portfolio, year, updates_period, user, reason, dry_run, limits, result, expected=None
) -> None:
    """Check every row against the plan and write it, all in one transaction (rolled back on any problem)."""
    plan = (
        PortfolioPlan.objects.select_for_update(of=("self",))
        .select_related("portfolio")
        .filter(portfolio=portfolio, year=year)
        .first()
    )
    if updates_period is not None:
        # Taken with the period's row lock, so the period cannot be locked while updates go in.
        updates_period = ReportingPeriod.objects.select_for_update().get(pk=updates_period.pk)
    result.plan = plan
    sections, pairs, errors = validate(rows, plan, portfolio, year)
    errors += attach_updates(pairs, plan, updates_period, result)
    errors += check_removals(pairs, plan)
    if errors:
        result.set_errors(errors, limits.max_errors)
        return
    try:
        written = _write(sections, plan, portfolio, year, user, reason, result)
    except PlanWriteError as error:
        transaction.set_rollback(True)
        result.errors = [RowError(None, "", str(error))]
        return
    result.signature = _signature(plan, portfolio, year, updates_period, written, result)
    if expected is not None and expected != result.signature:
        transaction.set_rollback(True)
        result.stale = True
        result.plan = plan
        return
    if dry_run:
        transaction.set_rollback(True)
        result.plan = plan


def _signature(plan, portfolio, year, period, written, result: ImportResult) -> str:
    """What this import does to the plan as it found it, as a digest: the same file into the same plan
    gives the same one until someone changes the plan (or the file is imported)."""
    state = repr(
        (
            plan.pk if plan else None,
            portfolio.pk,
            year,
            period.pk if period else None,
            written.found,
            written.sections_created,
            written.sections_renamed,
            written.new_posts,
            written.updates_created,
            result.not_in_file,
        )
    )
    return hashlib.sha256(state.encode()).hexdigest()


def _period_error(period, year: int) -> RowError | None:
    if period is None:
        return None
    if period.year != year:
        return RowError(
            None,
            UPDATE,
            f"The updates can only report on a period of {FinancialYear(year).label}, not {period}",
        )
    return None


def check_removals(pairs, plan) -> list[RowError]:
    """What a file may not take away from an action already in the plan: a detail that a reported
    update writes about, or a measure of success that a reported update gives a figure for.

    Only the plan's details that notes or figures hang on are looked at (a few queries whatever the
    plan's size); details and measures are matched by their place, as plans.builders writes them.
    """
    if plan is None:
        return []
    noted = set(
        UpdateNote.objects.filter(detail__action__section__plan=plan).values_list("detail_id", flat=True)
    )
    figured = set(
        MeasureFigure.objects.filter(measure__detail__action__section__plan=plan).values_list(
            "measure_id", flat=True
        )
    )
    details = (
        ActionDetail.objects.filter(Q(pk__in=noted) | Q(measures_of_success__in=figured))
        .distinct()
        .select_related("action__section")
        .prefetch_related("measures_of_success")
    )
    specs = {(rows[0].section_number, spec.number): (spec, rows) for spec, rows in pairs}
    places = _detail_places(plan)
    errors = []
    for detail in details:
        action = detail.action
        spec, rows = specs.get((action.section.number, action.number), (None, None))
        if spec is None:
            continue  # an action not in the file is left as it is
        place = places[action.pk].index(detail.pk)
        measures = list(detail.measures_of_success.all())
        if place >= len(spec.details):
            errors.append(
                RowError(
                    rows[-1].line,
                    DETAIL,
                    f"Action {action.reference} would lose detail {detail.label}, which a reported update "
                    "writes about or gives a figure for: keep its row, or ask an administrator to correct the plan",
                )
            )
            continue
        errors += [
            RowError(
                rows[place].line,
                MEASURES,
                f"The measure “{Truncator(measure.text).chars(60)}” of action {action.reference} "
                f"{detail.label} has figures in a reported update, so it cannot be taken out: keep it "
                "(its wording may change)",
            )
            for measure in measures[len(spec.details[place].measures) :]
            if measure.pk in figured
        ]
    return errors


def _detail_places(plan) -> dict[int, list[int]]:
    """Each action's details (their ids), in order."""
    places: dict[int, list[int]] = {}
    for action_id, pk in (
        ActionDetail.objects.filter(action__section__plan=plan)
        .order_by("action_id", "order")
        .values_list("action_id", "pk")
    ):
        places.setdefault(action_id, []).append(pk)
    return places


def _write(sections, plan, portfolio, year, user, reason, result: ImportResult) -> None:
    if plan is None:
        plan = build_plan(
            PlanSpec(
                portfolio=portfolio,
                year=year,
                title=f"{portfolio.name} portfolio plan {FinancialYear(year).label}",
                section_kind=_kind(sections),
                source=reason,
            ),
            user=user,
            reason=reason,
        )
        result.plan_created = True
        # A new year's plan comes with its four reporting periods (not yet open), so leads can report on it.
        ReportingPeriod.ensure_year(year, user)
    else:
        _keep_commitments(plan, sections)
    result.plan = plan
    written = write_actions(plan, sections, user=user, reason=reason)
    for name in (
        "created",
        "updated",
        "unchanged",
        "sections_created",
        "sections_renamed",
        "new_posts",
        "updates_created",
    ):
        setattr(result, name, getattr(written, name))
    in_file = {(section.number, action.number) for section in sections for action in section.actions}
    result.not_in_file = sum(
        1
        for key in plan.sections.values_list("number", "actions__number")
        if key[1] is not None and key not in in_file
    )
    return written


def _keep_commitments(plan, sections: list[SectionSpec]) -> None:
    """The spreadsheet has no column for the strategy commitment an action serves: an action already in
    the plan keeps its own, rather than have the file clear it (and count the action as changed)."""
    commitments = {
        (action.section.number, action.number): action.commitment
        for action in Action.objects.filter(section__plan=plan, commitment__isnull=False).select_related(
            "section", "commitment"
        )
    }
    for section in sections:
        for action in section.actions:
            action.commitment = commitments.get((section.number, action.number))


def _kind(sections: list[SectionSpec]) -> str:
    return SectionKind.AMBITION if any(section.ambition for section in sections) else SectionKind.PRIORITY


def _start_year(year) -> int:
    if isinstance(year, FinancialYear):
        return year.start_year
    if isinstance(year, int):
        return year
    return FinancialYear.parse(year).start_year
