"""Exports to CSV and Excel that a spreadsheet cannot turn against the person who opens them, and
Excel workbooks laid out to be read: sensible column widths, wrapped text, a frozen header row and
an autofilter (``xlsx_bytes``, which every Excel export writes through)."""

import csv
import io
import tempfile
from copy import copy
from datetime import date, datetime
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django_tables2.export import TableExport
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from tablib import Dataset

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

EXPORT_CHUNK = 2000  # rows a whole-data download's streamed query reads from the database at a time

# Column widths in characters: wide enough for a heading or a short value, never wider than a
# screen's worth of text (long text wraps instead). Excel's own limit is 255.
MIN_WIDTH, MAX_WIDTH = 8, 60


def neutralise_formula(value):
    """Text that a spreadsheet would run as a formula is written with a leading apostrophe.

    Excel and LibreOffice treat a cell beginning = + - @ as a formula (CSV injection); the
    apostrophe makes it text. Imports strip it again (bromley_portal.core.tabular.unneutralise).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _longest_line(value) -> int:
    if value is None:
        return 0
    return max((len(line) for line in str(value).splitlines()), default=0)


def column_width(values) -> int:
    """The width of a column: its longest line, plus a little, between MIN_WIDTH and MAX_WIDTH."""
    return max(MIN_WIDTH, min(MAX_WIDTH, max((_longest_line(v) for v in values), default=0) + 2))


def _cell_value(value):
    """A value openpyxl writes as it is: numbers and dates stay numbers and dates (an aware datetime
    in local wall-clock time, as Excel has no time zones); anything else is text without the control
    characters a workbook cannot hold."""
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def write_xlsx(file, headers, rows, title: str = "") -> None:
    """Write an .xlsx workbook of one sheet to ``file`` (a path or a binary file): a bold, frozen header
    row with an autofilter, each column as wide as its content up to MAX_WIDTH, and every cell wrapped
    and top-aligned so long text reads down the cell instead of across the screen.

    ``rows`` are read once, into lists of cell values (the widths need every value before the sheet's
    first row is written), then streamed to the file by openpyxl's write-only sheet, whose cells share
    one style instead of a style lookup each."""
    headers = list(headers or [])
    values = [[_cell_value(value) for value in row] for row in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet((title or "Export")[:31])
    width = max([len(headers), *(len(row) for row in values)], default=0)
    for index in range(width):
        column = [row[index] if index < len(row) else None for row in values]
        if index < len(headers):
            column.append(_cell_value(headers[index]))
        sheet.column_dimensions[get_column_letter(index + 1)].width = column_width(column)
    wrap, heading = WriteOnlyCell(sheet), WriteOnlyCell(sheet)
    wrap.alignment = heading.alignment = Alignment(wrap_text=True, vertical="top")
    heading.font = Font(bold=True)

    def cells(row, template):
        for value in row:
            cell = WriteOnlyCell(sheet)
            cell._style = copy(template._style)
            cell.value = value  # after the style: a date sets its number format
            yield cell

    if headers:
        sheet.freeze_panes = "A2"
        sheet.append(list(cells((_cell_value(h) for h in headers), heading)))
    for row in values:
        sheet.append(list(cells(row, wrap)))
    if headers:
        last_row = len(values) + 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(max(width, 1))}{last_row}"
    workbook.save(file)


def xlsx_bytes(dataset: Dataset) -> bytes:
    """The dataset as an .xlsx workbook (write_xlsx)."""
    buffer = io.BytesIO()
    write_xlsx(buffer, dataset.headers, dataset, dataset.title)
    return buffer.getvalue()


class _Echo:
    def write(self, value):
        return value


def csv_lines(headers, rows):
    """CSV text a line at a time (Excel's dialect, as tablib writes it): the header row, then each row
    with text a spreadsheet would run as a formula neutralised. For a StreamingHttpResponse."""
    writer = csv.writer(_Echo())
    yield writer.writerow(headers)
    for row in rows:
        yield writer.writerow([neutralise_formula(value) for value in row])


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(export_format: str, headers, rows, filename: str, title: str = ""):
    """A whole-data download of ``rows`` (lists of values) under ``headers``: CSV streamed as the rows
    are read, so the first byte goes early and memory stays flat; Excel written to a temporary file and
    sent from it. Text a spreadsheet would run as a formula is neutralised in both."""
    if export_format == "csv":
        response = StreamingHttpResponse(csv_lines(headers, rows), content_type="text/csv; charset=utf-8")
    else:
        file = tempfile.TemporaryFile()  # noqa: SIM115 closed, and so deleted, when the response is
        write_xlsx(file, headers, ([neutralise_formula(v) for v in row] for row in rows), title)
        file.seek(0)
        response = FileResponse(file, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class SafeTableExport(TableExport):
    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        safe = Dataset(title=dataset.title, headers=dataset.headers)
        for row in dataset:
            safe.append([neutralise_formula(value) for value in row])
        return safe

    def export(self):
        if self.format == "xlsx":
            return xlsx_bytes(self.dataset)
        return super().export()
