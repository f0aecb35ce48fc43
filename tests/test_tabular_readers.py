"""core.tabular's two .xlsx readers: calamine for a workbook whose sheets are bounded, openpyxl a row at
a time for any other (a far cell, a cell without its address). Both give the same rows, and the choice
is made from the sheet's XML before either parses it."""

import io
import zipfile
from datetime import date, datetime

from openpyxl import Workbook

from bromley_portal.core import tabular
from bromley_portal.core.tabular import Layout, Limits

LAYOUT = Layout(columns=["name", "when", "amount", "flag"], required=["name"], noun="table")
LIMITS = Limits(
    max_bytes=5 * 1024 * 1024,
    max_rows=100,
    max_columns=10,
    max_cells=10_000,
    max_cell_chars=1000,
    max_errors=100,
    max_unzipped_bytes=50 * 1024 * 1024,
)


def book(far_cell: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "When", "Amount", "Flag"])
    sheet.append(["  Ada \r\n Lovelace ", date(2024, 4, 1), 1250.0, True])
    sheet.append(["'=SUM(A1)", datetime(2024, 4, 2, 10, 30), 3, False])
    sheet.append([None, None, None, None])
    sheet.append(["Grace", "01/05/2024", 0.5, None])
    if far_cell:
        sheet[far_cell].number_format = "0.00"  # formatted but empty: not text
        sheet[far_cell].value = None
        sheet[far_cell].style = "Good"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def bounded(data: bytes) -> bool:
    return tabular._check_zip(data, "t.xlsx", LAYOUT, LIMITS, "unreadable")


def test_a_plain_workbook_is_read_by_calamine_and_a_far_formatted_cell_by_openpyxl_with_the_same_rows():
    plain, far = book(), book("Z5000")
    assert bounded(plain) and not bounded(far)
    rows = tabular.read_table(io.BytesIO(plain), "t.xlsx", LAYOUT, LIMITS)
    assert rows == tabular.read_table(io.BytesIO(far), "t.xlsx", LAYOUT, LIMITS)
    assert rows == [
        {"line": 2, "name": "Ada \n Lovelace", "when": "01/04/2024", "amount": "1250", "flag": "TRUE"},
        {"line": 3, "name": "=SUM(A1)", "when": "02/04/2024", "amount": "3", "flag": "FALSE"},
        {"line": 5, "name": "Grace", "when": "01/05/2024", "amount": "0.5", "flag": ""},
    ]


def rewrite_sheet(data: bytes, change) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            part = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = change(part)
            target.writestr(item.filename, part)
    return out.getvalue()


def test_cells_without_addresses_a_prefix_or_a_far_dimension_go_to_the_row_at_a_time_reader():
    plain = book()
    unaddressed = rewrite_sheet(plain, lambda xml: xml.replace(b'<c r="B2"', b"<c", 1))
    far_dimension = rewrite_sheet(
        plain, lambda xml: xml.replace(b'<dimension ref="A1:D5"', b'<dimension ref="A1:XFD1048576"')
    )
    far_row = rewrite_sheet(
        plain, lambda xml: xml.replace(b'<row r="5"', b'<row r="1048576"').replace(b'r="A5"', b'r="A1048576"')
    )
    assert b'<dimension ref="A1:D5"' in zipfile.ZipFile(io.BytesIO(plain)).read("xl/worksheets/sheet1.xml")
    assert [bounded(x) for x in (unaddressed, far_dimension, far_row)] == [False, False, False]
    # What openpyxl makes of the unaddressed cell: the next column, as Excel would.
    assert tabular.read_table(io.BytesIO(unaddressed), "t.xlsx", LAYOUT, LIMITS)[0]["when"] == "01/04/2024"
