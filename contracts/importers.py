"""Importing contracts from a spreadsheet with the Contracts Database extract's own columns.

The columns are the register's Part 1 columns (Appendix 3 of seed 004, which contracts.tables writes to
the register's CSV and Excel exports), under the extract's headings or the portal's: so the
Contracts Database's extract can be loaded, and the register can go out to Excel, be edited and come
back. Risk index, Procurement status and KPIs are worked out by the portal (contracts.services,
ContractQuerySet.with_statuses and with_kpi_summary) and never read from a file; commentary is Part 2, has no column in a
Part 1 extract, and is never imported (a column of that name is ignored like any other it does not know).

Imports are all or nothing: bromley_portal.core.tabular reads the file (limits, encodings, a checked
zip), every row is checked, each problem is reported with its line (the header is line 1) and column,
and nothing is written unless the whole file is good. Contracts are matched by their contract ID: new
ones are created, changed ones brought into line (their history records who imported and from which
file), unchanged ones are not saved at all, so importing the same file again changes nothing. The
page and the ``import_contracts`` command both call :func:`import_contracts`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.text import Truncator
from simple_history.utils import bulk_update_with_history

from ambitions.models import Portfolio
from bromley_portal.core.bulk import copy_rows
from bromley_portal.core.tabular import (
    CellError,
    ImportErrors,
    Layout,
    Limits,
    RowError,
    TableFileError,
    in_file_order,
    read_table,
)
from contracts import services
from contracts.models import MONEY, Contract
from contracts.tables import pounds

# The columns, named as the register's export heads them (contracts.tables.RegisterColumns).
CONTRACT_ID = "Contract ID"
OWNER = "Owner"
APPROVER = "Approver"
TITLE = "Contract title"
SUPPLIER = "Supplier"
PORTFOLIO = "Portfolio"
TOTAL_VALUE = "Total value"
ORIGINAL_ANNUAL_VALUE = "Original annual value"
CURRENT_ANNUAL_VALUE = "Current annual value (estimated)"
START_DATE = "Start date"
END_DATE = "End date"
MONTHS = "Months"
ATTENTION = "Attention"
CAPITAL = "Capital"

COLUMNS = [
    CONTRACT_ID,
    OWNER,
    APPROVER,
    TITLE,
    SUPPLIER,
    PORTFOLIO,
    TOTAL_VALUE,
    ORIGINAL_ANNUAL_VALUE,
    CURRENT_ANNUAL_VALUE,
    START_DATE,
    END_DATE,
    MONTHS,
    ATTENTION,
    CAPITAL,
]
# Left out, a column leaves what the portal has (a new contract: no current value, no concern, revenue).
OPTIONAL_COLUMNS = (CURRENT_ANNUAL_VALUE, ATTENTION, CAPITAL)
REQUIRED_COLUMNS = tuple(column for column in COLUMNS if column not in OPTIONAL_COLUMNS)

# The Contracts Database extract's own headings (Appendix 3) and other names for the same columns.
COLUMN_ALIASES = {
    "contract title": TITLE,
    "title": TITLE,
    "supplier name": SUPPLIER,
    "total contract value": TOTAL_VALUE,
    "current annual value": CURRENT_ANNUAL_VALUE,
    "current annual value estimated": CURRENT_ANNUAL_VALUE,
    "months duration": MONTHS,
    "duration": MONTHS,
    "concern": ATTENTION,
    "contract id": CONTRACT_ID,
    "id": CONTRACT_ID,
}

LAYOUT = Layout(
    columns=COLUMNS,
    required=REQUIRED_COLUMNS,
    aliases=COLUMN_ALIASES,
    noun="register",
    rows_noun="contracts",
    optional_note=(
        f" ({', '.join(OPTIONAL_COLUMNS)} may be left out; Risk index, Procurement status and KPIs are "
        "worked out by the portal and not read)"
    ),
)

# What a changed contract's fields are called on the preview, in the columns' order.
FIELD_COLUMNS = {
    "title": TITLE,
    "status_note": TITLE,
    "supplier": SUPPLIER,
    "portfolio": PORTFOLIO,
    "owner": OWNER,
    "approver": APPROVER,
    "total_value": TOTAL_VALUE,
    "original_annual_value": ORIGINAL_ANNUAL_VALUE,
    "current_annual_value": CURRENT_ANNUAL_VALUE,
    "start_date": START_DATE,
    "end_date": END_DATE,
    "months_duration": MONTHS,
    "concern": ATTENTION,
    "capital": CAPITAL,
}
LONGEST = {
    field: Contract._meta.get_field(field).max_length
    for field in ("council_id", "title", "status_note", "supplier")
}
PENNY = Decimal("0.01")
MAX_MONEY = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])
MAX_MONTHS = 32_767  # a PositiveSmallIntegerField
RELATED = {"portfolio", "owner", "approver"}  # a row's values that are objects, saved by their keys
SHOWN_ON_PREVIEW = 200  # new and changed contracts listed by name; the rest are counted


# Reading each cell ---------------------------------------------------------------------------


_STATUS_NOTE = re.compile(r"^\*\*\s*(.*?)\s*\*\*\s*(.*)$", re.DOTALL)
_PLAIN_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_DAY_FIRST = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


def one_line(value: str) -> str:
    return " ".join(value.split())


def parse_title(value: str) -> tuple[str, str]:
    """ "** Now Live ** Educational Psychology" -> ("Now Live", "Educational Psychology"), as the register
    prints a status note before the title (Contract.display_title)."""
    text = one_line(value)
    match = _STATUS_NOTE.match(text)
    note, title = (match[1], match[2]) if match else ("", text)
    if not title:
        raise CellError("Missing contract title")
    if len(note) > LONGEST["status_note"]:
        raise CellError(
            f"The status note “** {Truncator(note).chars(40)} **” is {len(note):,} characters long: "
            f"a status note may have {LONGEST['status_note']} at most"
        )
    if len(title) > LONGEST["title"]:
        raise CellError(
            f"The contract title is {len(title):,} characters long: a title may have {LONGEST['title']} at most"
        )
    return note, title


def parse_text(value: str, what: str, longest: int) -> str:
    text = one_line(value)
    if not text:
        raise CellError(f"Missing {what}")
    if len(text) > longest:
        raise CellError(f"The {what} is {len(text):,} characters long: it may have {longest} at most")
    return text


def parse_money(value: str, required: bool = True) -> Decimal | None:
    """Pounds and pence: "£1,234.56", "1234.5", "250000". Never negative, at most 2 decimal places."""
    text = value.strip()
    if not text or text in {"—", "-"}:
        if required:
            raise CellError("Missing amount: write it in pounds, such as 250000 or £1,234.56")
        return None
    plain = re.sub(r"[\s,£]", "", text)
    if plain.startswith("-") or (plain.startswith("(") and plain.endswith(")")):
        raise CellError(f"The amount must not be negative, not “{text}”")
    if not _PLAIN_NUMBER.match(plain):
        raise CellError(f"Cannot read “{Truncator(text).chars(40)}” as an amount in pounds, such as 1234.56")
    amount = Decimal(plain)
    if amount >= MAX_MONEY:
        raise CellError(
            f"The amount “{Truncator(text).chars(40)}” is too large: it must be under £{MAX_MONEY:,.0f}"
        )
    if amount != amount.quantize(PENNY):
        raise CellError(f"The amount “{text}” has more than 2 decimal places: write pounds and pence")
    return amount.quantize(PENNY)


def parse_date(value: str) -> date:
    """ "31/03/2027" (as the register prints dates), "2027-03-31", or an Excel date."""
    text = value.strip()
    if not text:
        raise CellError("Missing date: write it as 31/03/2027")
    day_first = _DAY_FIRST.fullmatch(text)
    if day_first:  # 31/03/2027, as the register prints dates: read without strptime, which is slow
        try:
            return date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
        except ValueError:
            pass  # not a day of the calendar: the message below
    for form in _DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise CellError(f"Cannot read the date “{Truncator(text).chars(40)}”: write it as 31/03/2027")


def parse_months(value: str) -> int:
    text = value.strip()
    if not text:
        raise CellError("Missing months: write the contract term in whole months, such as 36")
    if text.startswith("-"):
        raise CellError(f"The months must not be negative, not “{text}”")
    if not re.fullmatch(r"[0-9]+", text):
        raise CellError(f"The months must be a whole number such as 36, not “{Truncator(text).chars(40)}”")
    months = int(text)
    if months > MAX_MONTHS:
        raise CellError(f"{months:,} months is longer than any contract: write the term in months")
    return months


def parse_flag(value: str, word: str, other: str = "") -> bool:
    """ "Concern" / "Capital" (as the export writes them), or yes/no; empty (or ``other``) is no."""
    text = one_line(value).casefold()
    if text in {word.casefold(), *YES}:
        return True
    if text in NO or (other and text == other.casefold()):
        return False
    choices = f"“{word}” or leave it empty" + (f" (or “{other}”)" if other else "")
    raise CellError(f"Cannot read “{Truncator(one_line(value)).chars(40)}”: write {choices}")


# People and portfolios -----------------------------------------------------------------------


def _name_key(text: str) -> str:
    return one_line(text).casefold()


class People:
    """Who a cell names: a person's full name as the register prints it, their user name or e-mail."""

    def __init__(self):
        self.by_name: dict[str, set[int]] = {}
        self.users = {}
        for user in get_user_model().objects.only("pk", "username", "first_name", "last_name", "email"):
            self.users[user.pk] = user
            for key in {user.get_full_name(), user.username, user.email} - {""}:
                self.by_name.setdefault(_name_key(key), set()).add(user.pk)

    def find(self, value: str, what: str):
        text = one_line(value)
        if not text:
            raise CellError(f"Missing {what}: write their name as the register shows it, or their user name")
        matches = self.by_name.get(_name_key(text), set())
        if not matches:
            raise CellError(
                f"Unknown {what} “{Truncator(text).chars(60)}”: no one in the portal has that name, user name or "
                "e-mail. Ask an administrator to add them first"
            )
        if len(matches) > 1:
            raise CellError(
                f"{len(matches)} people in the portal are called “{Truncator(text).chars(60)}”: write the {what}'s "
                "user name or e-mail instead"
            )
        return self.users[next(iter(matches))]


class Portfolios:
    def __init__(self):
        self.all = list(Portfolio.objects.all())
        self.by_name = {}
        for portfolio in self.all:
            self.by_name[_name_key(portfolio.code)] = portfolio
            self.by_name[_name_key(portfolio.name)] = portfolio

    def find(self, value: str):
        text = one_line(value)
        if not text:
            raise CellError("Missing portfolio: write its name or code, such as CEF")
        portfolio = self.by_name.get(_name_key(text))
        if portfolio is None:
            codes = ", ".join(p.code for p in self.all) or "none yet"
            raise CellError(
                f"Unknown portfolio “{Truncator(text).chars(60)}”: write a portfolio's name or code ({codes})"
            )
        return portfolio


# Checking the rows ---------------------------------------------------------------------------


@dataclass
class ContractRow:
    """One row of the file: the contract's fields as the file gives them (only its columns)."""

    line: int
    council_id: str
    values: dict


@dataclass(frozen=True)
class Change:
    field: str
    column: str
    old: str
    new: str

    def __str__(self):
        return f"{self.column}: “{self.old}” → “{self.new}”"


@dataclass
class ContractChange:
    """A contract the import creates (``changes`` empty) or changes (``changes`` says how)."""

    line: int
    council_id: str
    title: str
    changes: list[Change] = field(default_factory=list)
    pk: int | None = None

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys(change.column for change in self.changes))


def shown(field: str, value) -> str:
    """A field's value as the preview shows it."""
    if value is None or value == "":
        return "—" if field == "current_annual_value" else ""
    if isinstance(value, Decimal):
        return pounds(value)
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, bool):
        return {"concern": "Concern", "capital": "Capital"}[field] if value else "No"
    if field in {"owner", "approver"}:
        return str(value)
    if field == "portfolio":
        return value.name
    return str(value)


class Checker:
    """Checks every row, and works out which contracts are new, changed or unchanged."""

    def __init__(self):
        self.errors: list[RowError] = []
        self.people = People()
        self.portfolios = Portfolios()

    def error(self, line, column, message):
        self.errors.append(RowError(line, column, message))

    def cell(self, row, column, parse, *args):
        try:
            return parse(row.get(column, ""), *args)
        except CellError as error:
            self.error(row["line"], column, str(error))
            return None

    def read(self, rows: list[dict]) -> list[ContractRow]:
        seen: dict[str, int] = {}
        parsed = []
        for row in rows:
            line = row["line"]
            council_id = self.cell(row, CONTRACT_ID, parse_text, "contract ID", LONGEST["council_id"])
            if council_id is not None:
                key = council_id.upper()
                if key in seen:
                    self.error(
                        line,
                        CONTRACT_ID,
                        f"Contract {council_id} is on line {seen[key]} too: a contract may be in the file once",
                    )
                    council_id = None
                else:
                    seen[key] = line
            values = self.values(row)
            if council_id is not None and values is not None:
                parsed.append(ContractRow(line, council_id, values))
        return parsed

    def values(self, row: dict) -> dict | None:
        line = row["line"]
        errors = len(self.errors)
        status_note, title = self.cell(row, TITLE, parse_title) or ("", "")
        values = {
            "title": title,
            "status_note": status_note,
            "supplier": self.cell(row, SUPPLIER, parse_text, "supplier", LONGEST["supplier"]),
            "portfolio": self.cell(row, PORTFOLIO, self.portfolios.find),
            "owner": self.cell(row, OWNER, self.people.find, "owner"),
            "approver": self.cell(row, APPROVER, self.people.find, "approver"),
            "total_value": self.cell(row, TOTAL_VALUE, parse_money),
            "original_annual_value": self.cell(row, ORIGINAL_ANNUAL_VALUE, parse_money),
            "start_date": self.cell(row, START_DATE, parse_date),
            "end_date": self.cell(row, END_DATE, parse_date),
            "months_duration": self.cell(row, MONTHS, parse_months),
        }
        if CURRENT_ANNUAL_VALUE in row:
            values["current_annual_value"] = self.cell(row, CURRENT_ANNUAL_VALUE, parse_money, False)
        if ATTENTION in row:
            values["concern"] = self.cell(row, ATTENTION, parse_flag, "Concern")
        if CAPITAL in row:
            values["capital"] = self.cell(row, CAPITAL, parse_flag, "Capital", "Revenue")
        start, end = values["start_date"], values["end_date"]
        if start and end and end < start:
            self.error(
                line,
                END_DATE,
                f"The contract ends ({end:%d/%m/%Y}) before it starts ({start:%d/%m/%Y}): check both dates",
            )
        return values if len(self.errors) == errors else None


# The result ----------------------------------------------------------------------------------


@dataclass
class ImportResult(ImportErrors):
    created: list[ContractChange] = field(default_factory=list)
    changed: list[ContractChange] = field(default_factory=list)
    unchanged: int = 0
    dry_run: bool = False
    stale: bool = False  # the register changed after the preview: nothing was saved

    def summary(self) -> list[str]:
        """What happened (or would), in sentences, for a message or the command's output."""
        if self.errors:
            return [f"The file has {_count(self.error_count, 'problem')}: nothing was imported."]
        lines = ["Dry run: nothing was saved. The import would make these changes."] if self.dry_run else []
        lines.append(
            f"{_count(len(self.created), 'contract')} new, {len(self.changed)} changed, {self.unchanged} unchanged."
        )
        return lines

    def signature(self) -> str:
        """What the import does, as a digest: a preview is confirmed only if the import still does that."""
        parts = [f"+{c.council_id}" for c in self.created] + [
            f"~{c.council_id}:" + "|".join(f"{x.field}:{x.old}>{x.new}" for x in c.changes)
            for c in self.changed
        ]
        return hashlib.sha256("\n".join([*parts, str(self.unchanged)]).encode()).hexdigest()


def _concern_refused(user, contract, line: int) -> list[RowError]:
    """The concern flag is Corporate Procurement's (contracts.rules: contracts.flag_concern), as on its
    page; the command run without a user is a data load, as the seed's is."""
    if user is None or user.has_perm("contracts.flag_concern", contract):
        return []
    return [
        RowError(
            line,
            ATTENTION,
            f"Only Corporate Procurement can flag contract {contract.council_id} as a concern or clear the flag: "
            "leave its Attention cell as the register has it, or leave the column out",
        )
    ]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


# Importing -----------------------------------------------------------------------------------


def import_contracts(
    file,
    filename: str,
    user=None,
    dry_run: bool = False,
    limits: Limits | None = None,
    expected: str | None = None,
) -> ImportResult:
    """Import a contracts file. All or nothing: if any row is bad the result lists the problems (the
    first ``limits.max_errors``, and how many more) and nothing is written. Otherwise new contracts are
    created and changed ones updated in one transaction, recorded in their history as made by ``user``
    ("Imported from <file>"); contracts not in the file are left alone. With ``dry_run`` the same work
    is done and rolled back, so the preview's counts are exact. With ``expected`` (a preview's
    :meth:`ImportResult.signature`) nothing is kept unless the import does just what the preview said:
    otherwise ``result.stale`` is set, and the result is the new preview."""
    limits = limits or Limits.from_settings()
    result = ImportResult(dry_run=dry_run)
    try:
        rows = read_table(file, filename, LAYOUT, limits)
    except TableFileError as error:
        result.set_errors(error.errors, limits.max_errors)
        return result
    reason = Truncator(f"Imported from {Path(filename).name}").chars(100)
    _check_and_write(rows, user, reason, dry_run, limits, result, expected)
    return result


def _compare(parsed, existing, user, result: ImportResult):
    """Each row against the register: the new contracts, the changed ones (with the fields that
    changed), and the concern flags this person may not set, counting the unchanged in ``result``."""
    now = timezone.now()
    new, changed, fields, refused = [], [], set(), []
    for row in parsed:
        contract = existing.get(row.council_id.upper())
        if contract is None:  # a new contract: its values as the row of the table they go into
            values = {"council_id": row.council_id}
            for name, value in row.values.items():
                values[f"{name}_id" if name in RELATED else name] = value.pk if name in RELATED else value
            if values.get("concern"):
                refused += _concern_refused(user, Contract(council_id=row.council_id, **row.values), row.line)
                values["concern_raised_by_id"] = user.pk if user is not None else None
                values["concern_raised_at"] = now
            new.append(values)
            result.created.append(ContractChange(row.line, row.council_id, values["title"]))
            continue
        changes = [
            Change(name, FIELD_COLUMNS[name], shown(name, getattr(contract, name)), shown(name, value))
            for name, value in row.values.items()
            if getattr(contract, name) != value
        ]
        if not changes:
            result.unchanged += 1
            continue
        if any(change.field == "concern" for change in changes):
            refused += _concern_refused(user, contract, row.line)
        for change in changes:
            setattr(contract, change.field, row.values[change.field])
            fields.add(change.field)
        if any(change.field == "concern" for change in changes):
            contract.concern_raised_by = user if contract.concern else None
            contract.concern_raised_at = now if contract.concern else None
            fields |= {"concern_raised_by", "concern_raised_at"}
        changed.append(contract)
        result.changed.append(ContractChange(row.line, row.council_id, contract.title, changes, contract.pk))
    return new, changed, fields, refused


@transaction.atomic
def _check_and_write(rows, user, reason, dry_run, limits, result: ImportResult, expected=None) -> None:
    checker = Checker()
    parsed = checker.read(rows)
    if checker.errors:
        result.set_errors(in_file_order(checker.errors, LAYOUT), limits.max_errors)
        return
    # The contracts the file names, locked until the import ends, so nobody's save falls in between.
    # Matched without regard to case, so "ab12" in a file is the register's AB12, not a second contract.
    existing = {
        contract.council_id.upper(): contract
        for contract in Contract.objects.select_for_update(of=("self",))
        .select_related("portfolio", "owner", "approver")
        .annotate(id_key=Upper("council_id"))
        .filter(id_key__in=[row.council_id.upper() for row in parsed])
    }
    new, changed, fields, refused = _compare(parsed, existing, user, result)
    if refused:
        result.set_errors(refused, limits.max_errors)
        return
    if new:
        services.prepare_new(new)  # their risk index and flag date, written with them
        copy_rows(Contract, new, history_reason=reason, history_user=user)
    if changed:
        bulk_update_with_history(
            changed,
            Contract,
            sorted(fields),
            batch_size=500,
            default_user=user,
            default_change_reason=reason,
        )
    if changed:
        services.refresh_flags(changed)  # the flagging rule reads the value and end date
    if expected is not None and result.signature() != expected:
        result.stale, result.dry_run = True, True
    if result.dry_run:
        transaction.set_rollback(True)
