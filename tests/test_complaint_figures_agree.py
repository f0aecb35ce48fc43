"""One year, four outputs, one answer: the 2021/22 demo year's complaints by division and channel as the
statistics page shows them, as its drill-down's CSV export lists them (a division's complaints), and as the
Annual Complaints Report prints them (its PDF read back with pdfplumber, and its HTML twin). Each comes from
complaints.selectors.complaints_by_division_and_channel (the drill-down from the same year and division
filters), so a disagreement here is a second rule somewhere."""

import csv
import io
import re
from html.parser import HTMLParser

import pdfplumber
import pytest

from bromley_portal.accounts.roles import Role
from bromley_portal.reports import rendering
from complaints.choices import Channel
from complaints.demo import load_demo_data
from complaints.models import Division
from complaints.services import load_divisions

pytestmark = pytest.mark.django_db
YEAR = "2021-22"


def squash(text) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def number(text) -> int:
    return int(squash(text).replace(",", "") or 0)


class Tables(HTMLParser):
    """Each table's rows (cells as text), in the order of the page."""

    def __init__(self):
        super().__init__()
        self.tables, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(squash("".join(self._cell)))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> list[list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def page_cells(html: str, divisions) -> dict[tuple[str, str], int]:
    """{(division name, channel label): complaints} from the page's "How complaints were received"."""
    names = {d.name for d in divisions}
    for table in tables(html):
        if table and table[0][1:] == [*Channel.labels, "Total"]:
            return {
                (row[0], label): number(cell)
                for row in table[1:]
                if row[0] in names
                for label, cell in zip(Channel.labels, row[1:], strict=False)
            }
    raise AssertionError("no table of complaints by division and channel on the page")


def report_cells(rows: list[list[str]], divisions) -> dict[tuple[str, str], int]:
    """The same from the report's table (a row per channel, a column per division's short name)."""
    width = len(divisions) + 3
    cells = {}
    for row in rows:
        if len(row) == width and row[0] in Channel.labels and (divisions[0].name, row[0]) not in cells:
            for division, cell in zip(divisions, row[1:], strict=False):
                cells[(division.name, row[0])] = number(cell)
    return cells


@pytest.fixture
def year_data(people):
    load_divisions()
    load_demo_data(io.StringIO())
    return list(Division.objects.order_by("order", "name"))


def test_the_page_its_export_and_the_annual_report_count_the_same_complaints(client, people, year_data):
    divisions = year_data
    client.force_login(people[Role.MEMBER])
    response = client.get(f"/complaints/statistics/?year={YEAR}")
    assert response.status_code == 200
    page = page_cells(response.content.decode(), divisions)
    report = rendering.render_report_to_pdf("complaints_annual", {"year": YEAR, "report_number": "GPL23004"})
    html = report_cells([row for table in tables(report.html) for row in table], divisions)
    with pdfplumber.open(io.BytesIO(report.pdf)) as document:
        pdf_rows = [
            [squash(cell) for cell in row if cell is not None]
            for each in document.pages
            for table in each.extract_tables()
            for row in table
        ]
    pdf = report_cells(pdf_rows, divisions)

    # What the table must say, from the data: the 2021/22 report's 872 complaints in all, each counted
    # once in each division it names.
    assert sum(page.values()) == 872
    assert len(page) == len(divisions) * len(Channel.labels)
    assert html == page, "the report's HTML twin"
    assert pdf == page, "the report's PDF"
    for division in divisions:
        exported = client.get(
            f"/complaints/statistics/complaints/?year={YEAR}&division={division.pk}&_export=csv"
        )
        assert exported.status_code == 200
        listed = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))[1:]
        expected = sum(page[(division.name, label)] for label in Channel.labels)
        assert len(listed) == expected, division.name
