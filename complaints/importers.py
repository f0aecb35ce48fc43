"""The import of complaints from the years before the portal (issue 13, item 4): a CSV of one table, or one
Excel workbook with the sheets ``complaints``, ``ombudsman``, ``remedies`` and ``compliments`` (any of them;
the columns are in the README, a sample in ``fixtures/samples/``).

The file is read as hostile input by ``bromley_portal.core.tabular`` (limits, UTF-8 CSV, a checked zip,
headings matched to the columns). Every row is checked before anything is saved: one problem anywhere
and nothing is saved, and the problems are listed by sheet, line and column. Values use the report's own
words ("Children's Social Care", "Quality of Service", "Partially upheld"); dates are YYYY-MM-DD or
DD/MM/YYYY. Importing the same file again changes nothing: a complaint or Ombudsman case already in the
portal with the same reference and the same details is left as it is (with different details it is an
error: the import never changes a case), and a remedy or compliment identical to one already there is
not added again.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import F

from bromley_portal.core import tabular
from bromley_portal.core.bulk import AnyOf, copy_create, copy_rows
from bromley_portal.core.tabular import Layout, Limits, TableFileError
from bromley_portal.core.working_days import WorkingCalendar
from complaints import counts, timescales
from complaints.choices import (
    AspectOutcome,
    AspectType,
    Channel,
    ComplaintStatus,
    OmbudsmanDecision,
    Procedure,
    RemedyStage,
    RemedyType,
)
from complaints.models import (
    Aspect,
    Complaint,
    Compliment,
    Division,
    Mention,
    OmbudsmanCase,
    Remedy,
    Service,
)
from complaints.services import ComplaintError, pounds

LAYOUTS = {
    "complaints": Layout(
        columns=["reference", "received", "channel", "procedure", "stage", "division", "service", "mention",
                 "aspect", "outcome", "responded", "extended_to"],
        required=["reference", "received", "channel", "procedure", "stage", "division", "mention", "aspect",
                  "outcome"],
        noun="complaints sheet",
        rows_noun="aspects",
        optional_note=" (service, responded and extended_to may be left out)",
    ),
    "ombudsman": Layout(
        columns=["reference", "complaint_reference", "division", "received", "decided", "investigated",
                 "decision", "remedy_complied", "public_report"],
        required=["reference", "division", "received"],
        noun="ombudsman sheet",
        rows_noun="Ombudsman cases",
    ),
    "remedies": Layout(
        columns=["reference", "division", "stage", "type", "amount", "agreed"],
        required=["division", "stage", "type", "amount", "agreed"],
        noun="remedies sheet",
        rows_noun="remedies",
    ),
    "compliments": Layout(
        columns=["received", "division", "service", "channel", "quote"],
        required=["received", "division", "channel"],
        noun="compliments sheet",
        rows_noun="compliments",
    ),
}  # fmt: skip
MAX_REFERENCE = 30
IMPORTED = "Imported"  # the change reason of every history record an import writes
MAX_QUOTE = 3000
EARLIEST = date(2000, 1, 1)
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class Problem:
    sheet: str
    line: int | None
    column: str
    message: str

    def __str__(self):
        where = f"{self.sheet}, line {self.line}" if self.line else self.sheet
        return f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class ImportFailed(Exception):
    """Nothing was saved; ``problems`` says why, by sheet, line and column."""

    def __init__(self, problems: list[Problem], more: int = 0):
        self.problems, self.more = problems, more
        extra = f" (and {more} more)" if more else ""
        super().__init__("; ".join(str(p) for p in problems) + extra)


@dataclass
class ImportResult:
    created: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    stale: bool = False  # the import no longer does what its preview showed (import_tables(expected=))

    def signature(self) -> str:
        """What the import does, in short: a preview's, compared when the person confirms it."""
        counts = sorted((kind, n, "added") for kind, n in self.created.items() if n)
        counts += sorted((kind, n, "there") for kind, n in self.unchanged.items() if n)
        return hashlib.sha256(repr(counts).encode()).hexdigest()

    def summary(self) -> str:
        parts = [f"{n} {kind} added" for kind, n in self.created.items() if n]
        parts += [f"{n} {kind} already there" for kind, n in self.unchanged.items() if n]
        return "; ".join(parts) or "nothing to import"


# Reading the file ------------------------------------------------------------------------------------


def read_file(file, filename: str, sheet: str | None = None, limits: Limits | None = None) -> dict[str, list]:
    """{sheet name: rows} from a CSV (``sheet`` names its table, else its header decides) or a workbook."""
    limits = limits or Limits.from_settings("COMPLAINTS_IMPORT_")
    suffix = Path(filename or "").suffix.lower()
    if suffix != ".xlsx":
        name = sheet or _sheet_of_csv(file, filename, limits)
        return {name: tabular.read_table(file, filename, LAYOUTS[name], limits)}
    size = tabular.file_size(file)
    if size > limits.max_bytes:
        raise tabular.file_error(f"“{filename}” is {tabular.size_text(size)}: the largest file the portal "
                                 f"imports is {tabular.size_text(limits.max_bytes)}")  # fmt: skip
    if hasattr(file, "seek"):
        file.seek(0)
    return _workbook(file.read(limits.max_bytes + 1), filename, limits)


def _sheet_of_csv(file, filename: str, limits: Limits) -> str:
    """Which table a CSV holds, from its header: the sheet with the most of its required columns there
    (a sheet with none missing first among equals). A complaints CSV that lacks a column is still the
    complaints sheet, and its missing column is reported, not taken for another sheet's file."""
    scores = {}
    for name, layout in LAYOUTS.items():
        try:
            tabular.read_table(
                file, filename, Layout(layout.columns, layout.required, noun=layout.noun), limits
            )
        except TableFileError as error:
            missing = [e for e in error.errors if e.line == 1 and "no “" in e.message]
            if not missing:
                raise
            scores[name] = (len(layout.required) - len(missing), False, error)
        else:
            scores[name] = (len(layout.required), True, None)
    name = max(scores, key=lambda key: scores[key][:2])  # the first of equals, in LAYOUTS' order
    found, complete, error = scores[name]
    if not found:
        raise tabular.file_error(
            f"“{filename}” is not one of the import's tables: its header row needs the columns of the "
            "complaints, ombudsman, remedies or compliments sheet (see the README)"
        )
    if not complete:
        raise error
    return name


def _workbook(data: bytes, filename: str, limits: Limits) -> dict[str, list]:
    tables = tabular.read_sheets(data, filename, LAYOUTS, limits)
    if not tables:
        raise tabular.file_error(
            f"“{filename}” has none of the sheets complaints, ombudsman, remedies or compliments"
        )
    return tables


# Cells -------------------------------------------------------------------------------------------


class CellError(ValueError):
    pass


def _choice(text: str, choices, what: str) -> str:
    """A choice by its label (the report's words) or its value, without regard to case or spacing."""
    choices = tuple(choices)
    found = _choice_words(choices).get(" ".join(text.split()).casefold())
    if found is not None:
        return found
    article = "an" if what[:1] in "aeiou" else "a"
    raise CellError(
        f"“{text}” is not {article} {what}: use one of {', '.join(str(label) for _, label in choices)}"
    )


@functools.cache
def _choice_words(choices: tuple) -> dict[str, str]:
    """Each choice's value and label as a cell may write them (casefolded, spaces squashed), the first
    choice first; worked out once per set of choices, not once a cell."""
    words: dict[str, str] = {}
    for value, label in reversed(choices):
        words[" ".join(str(label).split()).casefold()] = value
        words[str(value).casefold()] = value
    return words


# Each set of choices once: an enum's .choices is worked out afresh at every use.
CHOICES = {
    kind: tuple(kind.choices)
    for kind in (Procedure, AspectOutcome, RemedyStage, Channel, AspectType, OmbudsmanDecision, RemedyType)
}
DECIDED = frozenset(AspectOutcome.decided())
OUTCOME_WORDS = {"upheld": AspectOutcome.UPHELD, "fully upheld": AspectOutcome.UPHELD}
PROCEDURE_WORDS = {"corporate": Procedure.CORPORATE, "adult social care": Procedure.ADULT_SOCIAL_CARE,
                   "children": Procedure.CHILDREN, "children's": Procedure.CHILDREN, "code": Procedure.CODE}  # fmt: skip
STAGE_WORDS = {"stage 1": RemedyStage.STAGE_1, "1": RemedyStage.STAGE_1, "ombudsman": RemedyStage.OMBUDSMAN}


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(text: str, what: str) -> date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            if pattern == "%Y-%m-%d" and ISO_DATE.fullmatch(text):  # the usual form, read quickly
                value = date.fromisoformat(text)
            else:
                value = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if not EARLIEST <= value <= date(2100, 12, 31):
            raise CellError(f"{value:%-d %B %Y} is not a date the import takes ({what})")
        return value
    raise CellError(f"“{text}” is not a date: write it as YYYY-MM-DD or DD/MM/YYYY")


def _amount(text: str) -> Decimal:
    """Pounds and pence, by the one rule for money (complaints.services.pounds)."""
    try:
        return pounds(text)
    except ComplaintError as error:
        raise CellError(str(error)) from None


def _yes_no(text: str) -> bool:
    key = text.strip().casefold()
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellError(f"“{text}” is not yes or no")


class Checker:
    """Collects problems for one sheet; ``cell`` parses a cell or records why it cannot."""

    def __init__(self, sheet: str, problems: list[Problem]):
        self.sheet, self.problems = sheet, problems

    def add(self, line, column, message):
        self.problems.append(Problem(self.sheet, line, column, message))

    def cell(self, row: dict, column: str, parse, *args, required=True):
        text = row.get(column, "") or ""
        if not text.strip():
            if required:
                self.add(row["line"], column, f"the {column.replace('_', ' ')} is missing")
            return None
        try:
            return parse(text, *args)
        except CellError as error:
            self.add(row["line"], column, str(error))
            return None


MISSING = object()


class Column:
    """One column of a long sheet, read as ``Checker.cell`` reads a cell, but each distinct text parsed
    once: a year's aspects repeat a few hundred dates, a dozen divisions and a handful of choices.
    ``known`` keeps what a text (with the value of the column it ``depends`` on) parses to, blank included;
    a text with a problem is parsed again at each row that has it, so each row's problem is recorded."""

    def __init__(self, checker: Checker, name: str, parse, *args, required=True, depends: str | None = None):
        self.checker, self.name, self.parse, self.args = checker, name, parse, args
        self.required, self.depends = required, depends
        self.known: dict = {}

    def read(self, row: dict, key, *more):
        problems = self.checker.problems
        before = len(problems)
        value = self.checker.cell(row, self.name, self.parse, *self.args, *more, required=self.required)
        if len(problems) == before:
            self.known[key] = value
        return value


def read_columns(row: dict, columns: list[Column]) -> dict:
    """{column name: value} of one row (None where the cell has a problem, which the checker records)."""
    values = {}
    for column in columns:
        name, known = column.name, column.known
        text = row.get(name, "")
        if column.depends is None:
            value = known.get(text, MISSING)
            if value is MISSING:
                value = column.read(row, text)
        else:
            other = values[column.depends]  # a division, say: by its primary key (a model's hash is slow)
            key = (text, None if other is None else other.pk)
            value = known.get(key, MISSING)
            if value is MISSING:
                value = column.read(row, key, other)
        values[name] = value
    return values


class Reference:
    """The portal's divisions and services, looked up by the report's words."""

    def __init__(self):
        self.divisions = {}
        for division in Division.objects.all():
            for name in (division.name, division.short_name):
                self.divisions[" ".join(name.split()).casefold()] = division
        self.services = {
            (s.division_id, " ".join(s.name.split()).casefold()): s for s in Service.objects.all()
        }

    def division(self, text: str) -> Division:
        found = self.divisions.get(" ".join(text.split()).casefold())
        if found is None:
            names = ", ".join(sorted({d.name for d in self.divisions.values()}))
            raise CellError(f"“{text}” is not a division: use one of {names}")
        return found

    def service(self, text: str, division: Division | None) -> Service | None:
        if division is None:
            return None
        found = self.services.get((division.pk, " ".join(text.split()).casefold()))
        if found is None:
            raise CellError(
                f"“{text}” is not a service of {division.name}: an admin adds it, or leave it blank"
            )
        return found


def _text(text: str, limit: int, what: str) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        raise CellError(f"the {what} is {len(text)} characters long: {limit} at most")
    return text


def _positive(text: str) -> int:
    if not re.fullmatch(r"\d{1,3}", text.strip()) or int(text) < 1:
        raise CellError(f"“{text}” is not a mention number: number the mentions of a complaint 1, 2, 3...")
    return int(text)


def _stage(text: str) -> int:
    key = text.strip().casefold().removeprefix("stage").strip()
    if key not in {"1", "2", "3"}:
        raise CellError(f"“{text}” is not a stage: write 1, 2 or 3")
    return int(key)


def _procedure(text: str) -> str:
    return PROCEDURE_WORDS.get(" ".join(text.split()).casefold()) or _choice(
        text, CHOICES[Procedure], "procedure"
    )


def _outcome(text: str) -> str:
    return OUTCOME_WORDS.get(" ".join(text.split()).casefold()) or _choice(
        text, CHOICES[AspectOutcome], "outcome"
    )


def _remedy_stage(text: str) -> str:
    return STAGE_WORDS.get(" ".join(text.split()).casefold()) or _choice(text, CHOICES[RemedyStage], "stage")


# The complaints sheet -------------------------------------------------------------------------------

_stages = functools.cache(timescales.stages)  # a procedure's stages, from constants: once each

COMPLAINT_FIELDS = ["received", "channel", "procedure", "stage", "extended_to"]


@dataclass
class PlannedComplaint:
    reference: str
    line: int
    fields: dict
    mentions: dict = field(default_factory=dict)  # number -> (division, service, line)
    aspects: list = field(default_factory=list)  # (mention number, type, outcome, responded)
    respond_by: date | None = None
    acknowledge_by: date | None = None

    def signature(self) -> tuple:
        mentions = sorted((n, d.pk, s.pk if s else None) for n, (d, s, _) in self.mentions.items())
        aspects = sorted((n, t, o, r or date.min) for n, t, o, r in self.aspects)
        f = self.fields
        return (f["received"], f["channel"], f["procedure"], f["stage"], tuple(mentions), tuple(aspects))


def complaint_columns(c: Checker, ref: Reference) -> list[Column]:
    """The complaints sheet's columns, as ``read_columns`` reads them."""
    return [
        Column(c, "reference", _text, MAX_REFERENCE, "reference"),
        Column(c, "received", _date, "received"),
        Column(c, "channel", _choice, CHOICES[Channel], "channel"),
        Column(c, "procedure", _procedure),
        Column(c, "stage", _stage),
        Column(c, "division", ref.division),
        Column(c, "service", ref.service, required=False, depends="division"),
        Column(c, "mention", _positive),
        Column(c, "aspect", _choice, CHOICES[AspectType], "type of aspect"),
        Column(c, "outcome", _outcome),
        Column(c, "responded", _date, "responded", required=False),
        Column(c, "extended_to", _date, "extended to", required=False),
    ]


def _complaint_row(row: dict, c: Checker, columns: list[Column]) -> dict:
    values = read_columns(row, columns)
    line, outcome, responded, division = (
        row["line"],
        values["outcome"],
        values["responded"],
        values["division"],
    )
    if outcome == AspectOutcome.ONGOING and responded:
        c.add(
            line, "responded", "an ongoing aspect has no response date: leave it blank, or give the outcome"
        )
    if outcome and outcome != AspectOutcome.ONGOING and not responded and row.get("responded", "") == "":
        c.add(
            line, "responded", "the response date is missing: an answered aspect has one (or write Ongoing)"
        )
    if responded and values["received"] and responded < values["received"]:
        c.add(line, "responded", f"the response ({responded:%d/%m/%Y}) is before the complaint was received "
              f"({values['received']:%d/%m/%Y})")  # fmt: skip
    if division and outcome in DECIDED and not division.records_outcomes:
        c.add(line, "outcome", f"{division.name} does not record outcomes: write Not known")
    if division and outcome == AspectOutcome.NOT_KNOWN and division.records_outcomes:
        c.add(
            line,
            "outcome",
            f"{division.name} records outcomes: write Fully upheld, Partially upheld or Not upheld",
        )
    if values["procedure"] and values["stage"] and values["stage"] not in _stages(values["procedure"]):
        c.add(line, "stage", f"the {Procedure(values['procedure']).label} has no stage {values['stage']}")
    return values


def check_complaints(
    rows: list[dict], ref: Reference, problems: list[Problem]
) -> dict[str, PlannedComplaint]:
    c = Checker("complaints", problems)
    columns = complaint_columns(c, ref)
    planned: dict[str, PlannedComplaint] = {}
    for row in rows:
        before = len(problems)
        values = _complaint_row(row, c, columns)
        if len(problems) > before or not values["reference"]:
            continue
        line = row["line"]
        plan = planned.get(values["reference"])
        if plan is None:
            fields = {k: values[k] for k in COMPLAINT_FIELDS}
            plan = planned[values["reference"]] = PlannedComplaint(values["reference"], line, fields)
        for name in COMPLAINT_FIELDS:
            if plan.fields[name] != values[name]:
                c.add(line, name, f"reference {plan.reference} has {name.replace('_', ' ')} "
                      f"“{_show(values[name])}” here but “{_show(plan.fields[name])}” on line {plan.line}: "
                      "a complaint's fields repeat on each of its rows and must agree")  # fmt: skip
        number = values["mention"]
        where = (values["division"], values["service"], line)
        known = plan.mentions.setdefault(number, where)
        if known[:2] != where[:2]:
            c.add(line, "division", f"mention {number} of {plan.reference} names {_show(where[0])}"
                  f"{' / ' + where[1].name if where[1] else ''} here but something else on line {known[2]}")  # fmt: skip
        plan.aspects.append((number, values["aspect"], values["outcome"], values["responded"]))
    calendar, dues = WorkingCalendar(), {}  # a year's complaints share a few hundred due dates
    for plan in planned.values():
        f = plan.fields
        key = (f["procedure"], f["stage"], f["received"])
        due = dues.get(key)
        if due is None:
            due = dues[key] = timescales.due_dates(*key, calendar=calendar)
        plan.acknowledge_by, plan.respond_by = due.acknowledge_by, due.respond_by
        if f["extended_to"]:
            if f["extended_to"] <= due.respond_by:
                c.add(plan.line, "extended_to", f"the extension ({f['extended_to']:%d/%m/%Y}) is not after the "
                      f"due date ({due.respond_by:%d/%m/%Y})")  # fmt: skip
            plan.respond_by = f["extended_to"]
    return planned


def _show(value) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(getattr(value, "name", value) if value is not None else "")


def _existing_signature(complaint: Complaint) -> tuple:
    mentions = sorted((m.order, m.division_id, m.service_id) for m in complaint.mentions.all())
    aspects = sorted(
        (m.order, a.type, a.outcome, a.responded_on or date.min)
        for m in complaint.mentions.all()
        for a in m.aspects.all()
    )
    return (
        complaint.received,
        complaint.channel,
        complaint.procedure,
        complaint.stage,
        tuple(mentions),
        tuple(aspects),
    )


def _save_complaints(
    planned: dict[str, PlannedComplaint], c: Checker, result: ImportResult
) -> dict[str, int]:
    """Save the new complaints, their mentions and aspects (as rows of values, not model objects: a year
    is tens of thousands of rows) with their history; {reference: primary key} of the file's complaints."""
    found = Complaint.objects.filter(AnyOf(F("reference"), list(planned))).order_by()
    existing = {x.reference: x for x in found.prefetch_related("mentions__aspects")}
    new = []
    for reference, plan in planned.items():
        if reference in existing:
            if _existing_signature(existing[reference]) != plan.signature():
                c.add(plan.line, "reference", f"{reference} is in the portal already with other details: the "
                      "import adds complaints and never changes one")  # fmt: skip
            else:
                result.unchanged["complaints"] += 1
            continue
        new.append(plan)
    saved = {reference: complaint.pk for reference, complaint in existing.items()}
    if c.problems:
        return saved
    complaints = [_complaint(plan) for plan in new]
    copy_rows(Complaint, complaints, history_reason=IMPORTED)
    mentions = {}
    for plan, complaint in zip(new, complaints, strict=True):
        for number, (division, service, _) in sorted(plan.mentions.items()):
            mentions[(plan.reference, number)] = {
                "complaint_id": complaint["id"],
                "order": number,
                "division_id": division.pk,
                "service_id": service.pk if service else None,
            }
    copy_rows(Mention, list(mentions.values()), history_reason=IMPORTED)
    copy_rows(
        Aspect,
        [
            {
                "mention_id": mentions[(plan.reference, number)]["id"],
                "type": kind,
                "outcome": outcome,
                "responded_on": responded,
                "on_time": timescales.answered_on_time(responded, plan.respond_by),
            }
            for plan in new
            for number, kind, outcome, responded in plan.aspects
        ],
        history_reason=IMPORTED,
    )
    # COPY sends no signals: the years of the complaints added are counted again at the batch's end
    # (complaints.counts), not on a dry run, which is rolled back.
    counts.touch_dates(complaint["received"] for complaint in complaints)
    result.created["complaints"] += len(complaints)
    result.created["aspects"] += sum(len(plan.aspects) for plan in new)
    return saved | {x["reference"]: x["id"] for x in complaints}


def _complaint(plan: PlannedComplaint) -> dict:
    """A new complaint's row (the fields left out get their defaults, as a new Complaint has them)."""
    answers = [responded for _, _, _, responded in plan.aspects]
    done = None not in answers
    f = plan.fields
    return {
        "reference": plan.reference,
        "received": f["received"],
        "channel": f["channel"],
        "procedure": f["procedure"],
        "stage": f["stage"],
        "status": (ComplaintStatus.CLOSED if done else ComplaintStatus.ACKNOWLEDGED).value,
        "acknowledge_by": plan.acknowledge_by,
        "respond_by": plan.respond_by,
        "responded_on": max(answers) if done else None,
        "closed_on": max(answers) if done else None,
    }


# The Ombudsman, remedies and compliments sheets ------------------------------------------------------


def check_ombudsman(rows, ref: Reference, problems, complaint_refs: set[str]) -> dict[str, tuple]:
    c = Checker("ombudsman", problems)
    cases = {}
    for row in rows:
        line = row["line"]
        reference = c.cell(row, "reference", _text, MAX_REFERENCE, "reference")
        linked = c.cell(
            row, "complaint_reference", _text, MAX_REFERENCE, "complaint reference", required=False
        )
        values = {
            "division": c.cell(row, "division", ref.division),
            "received": c.cell(row, "received", _date, "received"),
            "decided": c.cell(row, "decided", _date, "decided", required=False),
            "investigated": c.cell(row, "investigated", _yes_no, required=False) or False,
            "decision": c.cell(
                row, "decision", _choice, CHOICES[OmbudsmanDecision], "decision", required=False
            )
            or "",
            "remedy_complied": c.cell(row, "remedy_complied", _yes_no, required=False),
            "public_report": c.cell(row, "public_report", _yes_no, required=False) or False,
        }
        if linked and linked not in complaint_refs:
            c.add(line, "complaint_reference", f"no complaint {linked} in this file or the portal")
        if values["decided"] and values["received"] and values["decided"] < values["received"]:
            c.add(line, "decided", "the decision is dated before the case was received")
        if bool(values["decided"]) != bool(values["decision"]):
            c.add(line, "decision", "a decision and its date go together: give both, or leave both blank")
        if values["decision"] in OmbudsmanDecision.after_investigation() and not values["investigated"]:
            label = OmbudsmanDecision(values["decision"]).label
            c.add(line, "investigated", f"“{label}” follows an investigation: write yes in investigated")
        if reference in cases:
            c.add(line, "reference", f"Ombudsman case {reference} is on line {cases[reference][0]} too")
        elif reference:
            cases[reference] = (line, linked, values)
    return cases


def _save_ombudsman(
    cases: dict, complaints: dict, c: Checker, result: ImportResult
) -> dict[str, OmbudsmanCase]:
    existing = {x.reference: x for x in OmbudsmanCase.objects.filter(reference__in=list(cases))}
    new = []
    for reference, (line, linked, values) in cases.items():
        case = OmbudsmanCase(
            reference=reference, complaint_id=complaints.get(linked) if linked else None, **values
        )
        if reference in existing:
            old = existing[reference]
            same = (
                all(getattr(old, k) == getattr(case, k) for k in values)
                and old.complaint_id == case.complaint_id
            )
            if not same:
                c.add(
                    line,
                    "reference",
                    f"Ombudsman case {reference} is in the portal already with other details",
                )
            result.unchanged["Ombudsman cases"] += same
            continue
        new.append(case)
    if not c.problems:
        _bulk(OmbudsmanCase, new)
        result.created["Ombudsman cases"] += len(new)
    return existing | {x.reference: x for x in new}


def check_remedies(rows, ref: Reference, problems, complaint_refs: set, ombudsman_refs: set) -> list[tuple]:
    c = Checker("remedies", problems)
    planned = []
    for row in rows:
        before = len(problems)
        values = {
            "reference": c.cell(row, "reference", _text, MAX_REFERENCE, "reference", required=False) or "",
            "division": c.cell(row, "division", ref.division),
            "stage": c.cell(row, "stage", _remedy_stage),
            "type": c.cell(row, "type", _choice, CHOICES[RemedyType], "type of remedy"),
            "amount": c.cell(row, "amount", _amount),
            "agreed": c.cell(row, "agreed", _date, "agreed"),
        }
        known = ombudsman_refs if values["stage"] == RemedyStage.OMBUDSMAN else complaint_refs
        if values["reference"] and values["stage"] and values["reference"] not in known:
            where = "Ombudsman case" if values["stage"] == RemedyStage.OMBUDSMAN else "complaint"
            c.add(row["line"], "reference", f"no {where} {values['reference']} in this file or the portal")
        if len(problems) == before:
            planned.append(values)
    return planned


def check_compliments(rows, ref: Reference, problems) -> list[dict]:
    c = Checker("compliments", problems)
    planned = []
    for row in rows:
        before = len(problems)
        division = c.cell(row, "division", ref.division)
        values = {
            "received": c.cell(row, "received", _date, "received"),
            "division": division,
            "service": c.cell(row, "service", ref.service, division, required=False),
            "channel": c.cell(row, "channel", _choice, CHOICES[Channel], "channel"),
            "quote": c.cell(row, "quote", _text, MAX_QUOTE, "quote", required=False) or "",
        }
        if len(problems) == before:
            planned.append(values)
    return planned


def _add_missing(model, rows: list[dict], key, result: ImportResult, noun: str) -> None:
    """Create the rows not already there, counting duplicates (a file may hold two identical rows)."""
    if not rows:
        return
    dates = [r.get("agreed") or r.get("received") for r in rows]
    field_name = "agreed" if "agreed" in rows[0] else "received"
    there = Counter(
        key(x) for x in model.objects.filter(**{f"{field_name}__range": (min(dates), max(dates))})
    )
    new = []
    for row in rows:
        k = key(model(**row))
        if there[k]:
            there[k] -= 1
            result.unchanged[noun] += 1
        else:
            new.append(model(**row))
    _bulk(model, new)
    result.created[noun] += len(new)


def _remedy_key(x: Remedy) -> tuple:
    return (x.division_id, x.stage, x.type, x.amount, x.agreed, x.complaint_id, x.ombudsman_case_id)


def _compliment_key(x: Compliment) -> tuple:
    return (x.received, x.division_id, x.service_id, x.channel, x.quote)


# The import ---------------------------------------------------------------------------------------


def import_tables(
    tables: dict[str, list], limit: int = 100, *, dry_run: bool = False, expected: str | None = None
) -> ImportResult:
    """Check every sheet, then save all of it in one transaction, or nothing (ImportFailed).

    ``dry_run`` works out everything and saves nothing (a preview); with ``expected`` (a preview's
    signature) nothing is saved either unless the import still does exactly what the preview showed
    (else ``result.stale``)."""
    ref, problems, result = Reference(), [], ImportResult()
    planned = check_complaints(tables.get("complaints", []), ref, problems)
    mentioned = {row.get("complaint_reference", "") for row in tables.get("ombudsman", [])}
    mentioned |= {row.get("reference", "") for row in tables.get("remedies", [])}
    in_portal = set(
        Complaint.objects.filter(reference__in=mentioned - {""}).values_list("reference", flat=True)
    )
    complaint_refs = set(planned) | in_portal
    cases = check_ombudsman(tables.get("ombudsman", []), ref, problems, complaint_refs)
    in_portal_cases = set(
        OmbudsmanCase.objects.filter(reference__in=mentioned - {""}).values_list("reference", flat=True)
    )
    remedies = check_remedies(
        tables.get("remedies", []), ref, problems, complaint_refs, set(cases) | in_portal_cases
    )
    compliments = check_compliments(tables.get("compliments", []), ref, problems)
    with transaction.atomic(), counts.batch():
        _fail_if(problems, limit)
        complaints = _save_complaints(planned, Checker("complaints", problems), result)
        complaints |= dict(Complaint.objects.filter(reference__in=in_portal).values_list("reference", "pk"))
        _fail_if(problems, limit)
        saved_cases = _save_ombudsman(cases, complaints, Checker("ombudsman", problems), result)
        saved_cases |= {x.reference: x for x in OmbudsmanCase.objects.filter(reference__in=in_portal_cases)}
        _fail_if(problems, limit)
        for values in remedies:
            reference = values.pop("reference")
            if values["stage"] == RemedyStage.OMBUDSMAN:
                values["ombudsman_case"] = saved_cases.get(reference)
            else:
                values["complaint_id"] = complaints.get(reference)
        _add_missing(Remedy, remedies, _remedy_key, result, "remedies")
        _add_missing(Compliment, compliments, _compliment_key, result, "compliments")
        result.stale = expected is not None and result.signature() != expected
        if dry_run or result.stale:
            transaction.set_rollback(True)
    return result


def _bulk(model, objs) -> list:
    """Insert in bulk (COPY on PostgreSQL), recording each row's history as made by the import."""
    return copy_create(model, objs, history_reason=IMPORTED)


def _fail_if(problems: list[Problem], limit: int) -> None:
    if problems:
        order = list(LAYOUTS)
        problems = sorted(problems, key=lambda p: (order.index(p.sheet), p.line or 0))
        raise ImportFailed(problems[:limit], max(0, len(problems) - limit))


def import_file(
    file, filename: str, sheet: str | None = None, *, dry_run: bool = False, expected: str | None = None
) -> ImportResult:
    """Read and import a CSV or workbook; TableFileError or ImportFailed when nothing was saved."""
    limits = Limits.from_settings("COMPLAINTS_IMPORT_")
    tables = read_file(file, filename, sheet, limits)
    return import_tables(tables, limits.max_errors, dry_run=dry_run, expected=expected)
