"""One frozen cycle, five outputs, one answer: a portfolio's register page for the cycle, its CSV and Excel
exports, and the Part 1 extract (its PDF read back with pdfplumber, and its HTML twin) list the same
contracts, in the same order, with the same values, risk, procurement status, dates, concern and KPI
summary. Each figure comes from one function (contracts.tables.pounds, contracts.models.kpi_summary, the
status sets' labels, register_ordering), so a disagreement here is a second rule somewhere."""

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pdfplumber
import pytest
from dateutil.relativedelta import relativedelta

from bromley_portal.accounts.roles import Role
from bromley_portal.reports import rendering
from contracts import kpis, services
from contracts.choices import ProcurementStatus
from contracts.procurement_act import KPIRating
from tests.contract_factories import make_contract, make_cycle, uniform_scores

pytestmark = pytest.mark.django_db

# The register's columns, in the order the page, the exports and the extract all print them.
COLUMNS = [
    "risk",
    "council_id",
    "owner",
    "approver",
    "title",
    "supplier",
    "portfolio",
    "total_value",
    "original_annual_value",
    "current_annual_value",
    "procurement_status",
    "start_date",
    "end_date",
    "months_duration",
    "concern",
    "kpis",
    "capital",
]
COMPARED = [
    "council_id",
    "total_value",
    "original_annual_value",
    "current_annual_value",
    "start_date",
    "end_date",
    "months_duration",
    "risk",
    "procurement_status",
    "concern",
    "kpis",
    "capital",
]
AS_AT = date(2025, 12, 31)


def squash(text) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def money(value) -> Decimal | None:
    if value is None or squash(value) in ("", "—"):
        return None
    return Decimal(squash(value).replace("£", "").replace(",", "").replace(" ", "")).quantize(Decimal("0.01"))


def day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = squash(
        value
    )  # the page and extract print 01/04/2025; the CSV export ISO 8601, as spreadsheets read it
    return date.fromisoformat(text) if "-" in text else datetime.strptime(text, "%d/%m/%Y").date()


def normalise(cells) -> dict:
    """A row's compared values, whatever output it came from."""
    row = dict(zip(COLUMNS, cells, strict=True))
    return {
        "council_id": squash(row["council_id"]),
        "total_value": money(row["total_value"]),
        "original_annual_value": money(row["original_annual_value"]),
        "current_annual_value": money(row["current_annual_value"]),
        "start_date": day(row["start_date"]),
        "end_date": day(row["end_date"]),
        "months_duration": int(squash(row["months_duration"])),
        "risk": squash(row["risk"]),
        "procurement_status": squash(row["procurement_status"]),
        "concern": squash(row["concern"]),
        "kpis": squash(row["kpis"]),
        "capital": squash(row["capital"]),
    }


class TableText(HTMLParser):
    """Each table row's cells as text (th and td), from a page or the extract's HTML twin."""

    def __init__(self):
        super().__init__()
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(squash("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_rows(html: str, ids: set[str]) -> list[dict]:
    parser = TableText()
    parser.feed(html)
    return [normalise(row) for row in parser.rows if len(row) == len(COLUMNS) and row[1] in ids]


def pdf_rows(pdf: bytes, ids: set[str]) -> list[dict]:
    rows = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for table in page.extract_tables():
                rows.extend(
                    normalise(row) for row in table if len(row) == len(COLUMNS) and squash(row[1]) in ids
                )
    return rows


def export_rows(client, url: str, fmt: str) -> list[dict]:
    response = client.get(f"{url}&_export={fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        table = [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert len(table[0]) == len(COLUMNS)
    return [normalise(row) for row in table[1:]]


@pytest.fixture
def frozen(people):
    """A CEF cycle as at 31 December 2025 with contracts of every kind the register shows, frozen."""
    lead = people[Role.CONTRACTS_OFFICER]
    soon, later = AS_AT + relativedelta(months=3), AS_AT + relativedelta(years=4)

    def contract(council_id, **fields):
        fields.setdefault("start_date", date(2023, 4, 1))
        fields.setdefault("end_date", later)
        fields.setdefault(
            "months_duration", services.months_between(fields["start_date"], fields["end_date"])
        )
        fields.setdefault("scores", uniform_scores(1))
        return make_contract(council_id=council_id, title=f"Contract {council_id}", **fields)

    big = contract(
        "C-BIG",
        total_value=Decimal("6000000.50"),
        original_annual_value=Decimal("1500000.25"),
        current_annual_value=None,
        start_date=date(2025, 4, 1),
        end_date=date(2029, 3, 31),
        scores=uniform_scores(5),
        concern=True,
    )
    for name, ratings in [("A", ["good", "inadequate"]), ("B", ["requires_improvement"]), ("C", ["good"])]:
        kpi = kpis.set_kpi(big, name, date(2025, 4, 1))
        for n, rating in enumerate(ratings):
            kpis.assess_kpi(kpi, rating, date(2025, 6, 1) + timedelta(days=90 * n), None, today=AS_AT)
    late = kpis.set_kpi(big, "D", date(2025, 4, 1))
    kpis.assess_kpi(late, KPIRating.INADEQUATE, AS_AT + timedelta(days=1), None, today=date.today())
    red = contract(
        "C-RED", total_value=Decimal("84458.50"), original_annual_value=Decimal("28152.83"), end_date=soon
    )
    amber = contract(
        "C-AMB", total_value=Decimal("250000"), original_annual_value=Decimal("50000"), end_date=soon
    )
    contract("C-AWA", total_value=Decimal("600000"), original_annual_value=Decimal("120000"), end_date=soon)
    contract("C-NEU", total_value=Decimal("120000"), original_annual_value=Decimal("40000"), scores=None)
    capital = contract(
        "C-CAP", total_value=Decimal("2500000"), original_annual_value=Decimal("2500000"), capital=True
    )
    kpis.assess_kpi(
        kpis.set_kpi(capital, "Build", date(2023, 4, 1)), "approaching", date(2024, 1, 5), None, AS_AT
    )
    services.set_rating(red, ProcurementStatus.RED, lead, as_at=AS_AT)
    services.set_rating(amber, ProcurementStatus.AMBER, lead, as_at=AS_AT)
    cycle = make_cycle("January 2026", AS_AT)
    services.freeze_cycle(cycle, lead)
    return cycle


def test_the_page_its_exports_and_the_part_1_extract_agree(client, people, frozen):
    client.force_login(people[Role.MEMBER])
    url = f"/contracts/portfolios/CEF/?cycle={frozen.pk}"
    response = client.get(url)
    assert response.status_code == 200
    ids = {entry.council_id for entry in frozen.entries.all()}
    assert len(ids) == 6
    page = html_rows(response.content.decode(), ids)
    report = rendering.render_report_to_pdf(
        "contracts_part_1", {"portfolio": "CEF", "cycle": frozen.pk, "report_number": "CEF26001"}
    )
    outputs = {
        "page": page,
        "csv": export_rows(client, url, "csv"),
        "xlsx": export_rows(client, url, "xlsx"),
        "extract (PDF)": pdf_rows(report.pdf, ids),
        "extract (HTML)": html_rows(report.html, ids),
    }
    # What the register should say, worked out here from the data rather than from any output.
    assert [row["council_id"] for row in page] == ["C-BIG", "C-RED", "C-AMB", "C-AWA", "C-NEU", "C-CAP"]
    by_id = {row["council_id"]: row for row in page}
    assert by_id["C-BIG"] == {
        "council_id": "C-BIG",
        "total_value": Decimal("6000000.50"),
        "original_annual_value": Decimal("1500000.25"),
        "current_annual_value": None,
        "start_date": date(2025, 4, 1),
        "end_date": date(2029, 3, 31),
        "months_duration": 48,
        "risk": "Higher Risk",
        "procurement_status": "Neutral",
        "concern": "Concern",
        "kpis": "Inadequate (1 of 3 KPIs)",  # D's assessment came after the cycle's date
        "capital": "",
    }
    assert by_id["C-RED"]["total_value"] == Decimal("84458.50")
    assert by_id["C-RED"]["original_annual_value"] == Decimal("28152.83")
    assert [by_id[i]["procurement_status"] for i in ("C-RED", "C-AMB", "C-AWA", "C-NEU")] == [
        "Red",
        "Amber",
        "No RAG yet",
        "Neutral",
    ]
    assert by_id["C-NEU"]["risk"] == "Not scored" and by_id["C-RED"]["risk"] == "Lower Risk"
    assert (
        by_id["C-CAP"]["capital"] == "Capital" and by_id["C-CAP"]["kpis"] == "Approaching target (1 of 1 KPI)"
    )
    for name, rows in outputs.items():
        for field in COMPARED:
            assert [row[field] for row in rows] == [row[field] for row in page], (name, field)
