"""Exports to CSV and Excel that a spreadsheet cannot turn against the person who opens them, and
Excel workbooks laid out to be read: sensible column widths, wrapped text, a frozen header row and
an autofilter (``xlsx_bytes``, which every Excel export writes through)."""

import io
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django_tables2.export import TableExport
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from tablib import Dataset

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

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


def xlsx_bytes(dataset: Dataset) -> bytes:
    """The dataset as an .xlsx workbook of one sheet: a bold, frozen header row with an autofilter,
    each column as wide as its content up to MAX_WIDTH, and every cell wrapped and top-aligned so
    long text reads down the cell instead of across the screen."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (dataset.title or "Export")[:31]
    headers = list(dataset.headers or [])
    if headers:
        sheet.append([_cell_value(h) for h in headers])
    for row in dataset:
        sheet.append([_cell_value(value) for value in row])
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = wrap
    if headers:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column_width(column)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
