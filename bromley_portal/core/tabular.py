"""Reading an uploaded spreadsheet (CSV or Excel .xlsx) as hostile input, for every import.

An import describes its table (:class:`Layout`: the columns, which are required, other headings
people give them, and the words its messages use) and calls :func:`read_table`, which gives one dict
per non-empty row, keyed by the layout's column names, with ``"line"``: the spreadsheet's row number
(the header is line 1). Any problem with the file as a whole raises :class:`TableFileError`, whose
errors are :class:`RowError` (line, column, message); an import checks the cells itself and reports
its own RowErrors the same way, the first ``Limits.max_errors`` of them (:class:`ImportErrors`).

A file is read a row at a time and refused as soon as it passes a limit (:class:`Limits`, from the
``IMPORT_MAX_*`` settings or an app's own prefix), so a hostile file costs little: the size is checked
before anything is read; a CSV must be UTF-8 (with or without a BOM), and an unclosed quotation or a NUL
byte is named by its line; an .xlsx's zip is checked (its parts, their unpacked sizes, no DTD, so no
entities to expand or fetch) before openpyxl opens it (with defusedxml installed, which openpyxl uses),
in read-only mode, without trusting the sheet's declared dimension.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import charset_normalizer
from charset_normalizer.utils import is_multi_byte_encoding
from django.conf import settings
from django.utils.text import Truncator

from bromley_portal.core.exports import FORMULA_STARTS

FILE_TYPES = (".csv", ".xlsx")
SAVE_AS = "Save it as “CSV UTF-8” or as an Excel workbook (.xlsx) and upload it again"


# Problems ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A problem with the file: ``line`` is the spreadsheet's row (header = 1), or None for the whole file."""

    line: int | None
    column: str
    message: str

    def __str__(self):
        return f"Line {self.line}: {self.message}" if self.line else self.message


class TableFileError(Exception):
    """The file as a whole cannot be read (wrong type, broken, past a limit, or a missing column)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors))


class CellError(ValueError):
    """A cell an import cannot take; its message says why and what to write instead."""


def in_file_order(errors: list[RowError], layout: Layout) -> list[RowError]:
    """Problems as a person reads the file: by line, then by the layout's column order."""
    order = {column: index for index, column in enumerate(layout.columns)}
    return sorted(errors, key=lambda error: (error.line or 0, order.get(error.column, 0)))


def file_error(message: str, line: int | None = None) -> TableFileError:
    return TableFileError([RowError(line, "", message)])


@dataclass
class ImportErrors:
    """The problems an import found: the first ``limit`` listed, and how many more there are. An import's
    result class inherits it."""

    errors: list[RowError] = field(default_factory=list)  # the first Limits.max_errors
    errors_not_listed: int = 0  # and how many more there are

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_not_listed

    def set_errors(self, errors: list[RowError], limit: int) -> None:
        """Keep the first ``limit`` problems to list and count the rest."""
        self.errors, self.errors_not_listed = errors[:limit], max(0, len(errors) - limit)


# Limits --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int  # below the header
    max_columns: int
    max_cells: int  # filled cells
    max_cell_chars: int
    max_errors: int  # listed; the rest are counted
    max_unzipped_bytes: int

    @classmethod
    def from_settings(cls, prefix: str = "IMPORT_") -> Limits:
        """The limits from ``<prefix>MAX_BYTES`` and so on; a setting an app does not have falls back to
        the generic ``IMPORT_MAX_...`` one."""

        def setting(name: str) -> int:
            return getattr(settings, f"{prefix}{name}", getattr(settings, f"IMPORT_{name}"))

        return cls(
            max_bytes=setting("MAX_BYTES"),
            max_rows=setting("MAX_ROWS"),
            max_columns=setting("MAX_COLUMNS"),
            max_cells=setting("MAX_CELLS"),
            max_cell_chars=setting("MAX_CELL_CHARS"),
            max_errors=setting("MAX_ERRORS"),
            max_unzipped_bytes=setting("MAX_UNZIPPED_BYTES"),
        )


# The table an import expects -----------------------------------------------------------------


def month_year(value: date) -> str:
    return value.strftime("%B %Y")


def day_month_year(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def heading_key(text: str) -> str:
    """A heading as headings are compared: without regard to case or spacing."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Layout:
    """The columns an import reads, and the words its messages use for what the file holds."""

    columns: Sequence[str]
    required: Sequence[str]
    aliases: Mapping[str, str] = field(default_factory=dict)  # heading_key(other heading) -> column
    noun: str = "table"  # "the plan", "a plan has 9 columns"
    rows_noun: str = "rows"  # "a header row but no actions below it"
    optional_note: str = ""  # after the list of columns, e.g. " (Plan and Update may be left out)"
    # How a date (or date and time) cell of an .xlsx reads as text: Excel turns what looks like a date
    # into one.
    date_text: Callable[[date], str] = day_month_year

    @property
    def a_noun(self) -> str:
        return f"{'an' if self.noun[:1].lower() in 'aeiou' else 'a'} {self.noun}"

    def column_keys(self) -> dict[str, str]:
        return {heading_key(column): column for column in self.columns} | dict(self.aliases)


def _no_progress(stage: str, percent: int) -> None:
    pass


# Reading -------------------------------------------------------------------------------------


def read_table(
    file, filename: str, layout: Layout, limits: Limits | None = None, progress=_no_progress
) -> list[dict]:
    """Read a CSV or Excel (.xlsx) file into one dict per non-empty row.

    Each dict has the layout's columns found in the header as stripped text (a value the exports
    guarded against formulas with a leading apostrophe comes back without it), and ``"line"``: the
    spreadsheet's row number. Headings the layout does not know are ignored. Raises
    :class:`TableFileError` for a file that cannot be read, passes a limit, or lacks a required column.
    ``progress(stage, percent)`` hears how far reading has gone (0 to 50).
    """
    limits = limits or Limits.from_settings()
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xls":
        raise file_error(
            f"“{filename}” is an old Excel 97-2003 file: save it as an Excel Workbook (.xlsx) or as CSV"
        )
    if suffix not in FILE_TYPES:
        raise file_error(
            f"“{filename}” is not a CSV or Excel (.xlsx) file: save the {layout.noun} as one of those and "
            "upload it again"
        )
    size = file_size(file)
    if size > limits.max_bytes:
        raise file_error(
            f"“{filename}” is {size_text(size)}: the largest file the portal imports is "
            f"{size_text(limits.max_bytes)}. Split the {layout.noun} into smaller files, or remove what it "
            "does not need"
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limits.max_bytes + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data:
        raise file_error(f"“{filename}” is empty")
    if len(data) > limits.max_bytes:  # a stream that did not say its size
        raise file_error(
            f"“{filename}” is larger than {size_text(limits.max_bytes)}, the largest file the portal imports"
        )
    reader = _TableReader(filename, layout, limits, progress)
    table = (
        _csv_rows(data, filename, limits) if suffix == ".csv" else _xlsx_rows(data, filename, layout, limits)
    )
    return reader.rows(table, len(data) if suffix == ".csv" else None)


def size_text(size: int) -> str:
    """ "5 MB", "200 KB", "1.5 MB": a size as people read it."""
    for unit, name in ((1024 * 1024, "MB"), (1024, "KB")):
        if size >= unit:
            number = size / unit
            return f"{number:.0f} {name}" if number.is_integer() else f"{number:.1f} {name}"
    return f"{size} bytes"


def file_size(file) -> int:
    """The size of an upload or an open file, without reading it."""
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    try:
        here = file.tell()
        file.seek(0, io.SEEK_END)
        size = file.tell()
        file.seek(here)
        return size
    except (AttributeError, OSError, ValueError):
        return 0  # read() is bounded all the same


def unneutralise(value: str) -> str:
    """Undo the exports' guard against spreadsheet formulas ("'=..." back to "=...")."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


# CSV -----------------------------------------------------------------------------------------


# Excel's plain "CSV" on a UK Windows machine is Windows-1252 (Latin-1 with curly quotes, dashes, £ and €).
# A file that is not UTF-8 is read so when charset-normalizer finds it to be single-byte text and every
# byte is defined in Windows-1252; anything else (a multi-byte encoding, binary) gets SAVE_AS rather than
# being read wrongly.
EXCEL_ENCODING = "cp1252"
# The separators a CSV may use: Excel uses ";" where the comma is the decimal point, and tab for
# "Unicode text".
DELIMITERS = (",", ";", "\t")


def decode_csv(data: bytes, filename: str) -> str:
    """The CSV's text: UTF-8 (with or without a BOM), UTF-16 with its BOM (Excel's "Unicode text"), or
    Windows-1252 (Excel's plain "CSV") when charset-normalizer reads it as a Western encoding; any other
    bytes get one message saying what to do."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise file_error(f"“{filename}” is damaged Unicode (UTF-16) text. {SAVE_AS}") from None
    if b"\x00" in data[:4]:
        raise file_error(
            f"“{filename}” is saved as Unicode (UTF-16) text without its marker, which the portal cannot "
            f"read. {SAVE_AS}"
        )
    if b"\x00" in data:
        line = _csv_line_at(data, data.index(b"\x00"))
        raise file_error(
            f"“{filename}” has a NUL character on line {line}, so it is not a text file. {SAVE_AS}"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = _csv_line_at(data, error.start)
    best = charset_normalizer.from_bytes(data[: 1024 * 1024]).best()
    if best is not None and not is_multi_byte_encoding(best.encoding):
        try:
            return data.decode(EXCEL_ENCODING)
        except UnicodeDecodeError:
            pass  # a byte Windows-1252 leaves undefined: not what Excel writes
    raise file_error(
        f"“{filename}” is not UTF-8 text, nor text from Excel’s plain “CSV” (the first character the portal "
        f"cannot read is on line {line}). {SAVE_AS}"
    )


def sniff_delimiter(text: str) -> str:
    """The separator of the header row: whichever of comma, semicolon and tab it has most of outside
    quotes (a comma when it has none)."""
    first, quoted = [], False
    for char in text[:65536]:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            break
        elif not quoted:
            first.append(char)
    counts = {delimiter: first.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(data: bytes, filename: str, limits: Limits):
    """(line, cells, characters read so far) for each row of a CSV file (decode_csv; separated by commas,
    semicolons or tabs: sniff_delimiter)."""
    text = decode_csv(data, filename)
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=sniff_delimiter(text), strict=True)
    line = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _csv_error(filename, line + 1, str(error)) from None
        line += 1
        yield line, cells, stream.tell()


def _csv_line_at(data: bytes, offset: int) -> int:
    """The spreadsheet row (a quoted cell may hold several lines) that the byte at ``offset`` is in."""
    text = data[:offset].decode("utf-8-sig", errors="replace") + "x"
    try:
        return sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return text.count("\n") + 1


def _csv_error(filename: str, line: int, error: str) -> TableFileError:
    if "unexpected end of data" in error or "field larger than field limit" in error:
        return file_error(
            f'Line {line} of “{filename}” opens a quotation mark (") that is never closed, so the rest of the '
            "file would be one cell. Close the quotation, or save the file from Excel again",
            line,
        )
    return file_error(
        f'Line {line} of “{filename}” is not valid CSV: a quoted cell must end with a quotation mark (") '
        "followed by a comma or the end of the line. Save the file from Excel again",
        line,
    )


# Excel ---------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes, filename: str, layout: Layout, limits: Limits):
    """(line, cells, None) for each row of the workbook's first sheet, as the sheet's XML has them."""
    with _workbook(data, filename, layout, limits) as (workbook, unreadable):
        try:
            yield from workbook.rows(workbook.sheet_names()[0])
        except TableFileError:
            raise
        except Exception:
            raise file_error(unreadable) from None


def read_sheets(
    data: bytes, filename: str, layouts: dict[str, Layout], limits: Limits
) -> dict[str, list[dict]]:
    """The rows of each sheet of a workbook named as a key of ``layouts`` (names without regard to case or
    spacing), each read with its layout as :func:`read_table` reads one; sheets it does not name are ignored."""
    tables = {}
    with _workbook(data, filename, Layout(columns=[], required=[], noun="workbook"), limits) as (
        workbook,
        unreadable,
    ):
        try:
            for title in workbook.sheet_names():
                name = title.strip().casefold()
                if name in layouts:
                    reader = _TableReader(f"{filename} ({name})", layouts[name], limits, _no_progress)
                    tables[name] = reader.rows(workbook.rows(title), None)
        except TableFileError:
            raise
        except Exception:
            raise file_error(unreadable) from None
    return tables


@contextmanager
def _workbook(data: bytes, filename: str, layout: Layout, limits: Limits):
    """An .xlsx opened after its zip is checked, with the message for a file it cannot read.

    A workbook whose sheets are known to be small (:func:`_check_zip`: every cell addressed, none past
    the rows and columns allowed) is read by calamine (Rust, about fifty times openpyxl's speed), which
    holds a sheet as a grid from A1 to its last cell, so that grid is bounded before it is made; any
    other workbook by openpyxl's read-only parser a row at a time, which refuses a far cell as it
    reaches it.
    """
    unreadable = f"Cannot read “{filename}” as an Excel workbook: save it again as .xlsx or as CSV"
    bounded = _check_zip(data, filename, layout, limits, unreadable)
    try:
        workbook = _CalamineBook(data, limits) if bounded else _OpenpyxlBook(data, limits)
    except Exception:  # either library raises many kinds for a broken file; all mean the same to the person
        raise file_error(unreadable) from None
    try:
        yield workbook, unreadable
    finally:
        workbook.close()


class _CalamineBook:
    """A workbook read by python-calamine: each sheet's rows from A1, as wide as the sheet's widest row."""

    def __init__(self, data: bytes, limits: Limits):
        from python_calamine import CalamineWorkbook, SheetTypeEnum

        self.book = CalamineWorkbook.from_object(io.BytesIO(data))
        self.worksheets = [
            sheet.name for sheet in self.book.sheets_metadata if sheet.typ == SheetTypeEnum.WorkSheet
        ]

    def sheet_names(self) -> list[str]:
        return self.worksheets

    def rows(self, title: str):
        grid = self.book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        for line, cells in enumerate(grid, start=1):
            yield line, cells, None

    def close(self) -> None:
        self.book.close()


class _OpenpyxlBook:
    """A workbook opened by openpyxl in read-only mode (with defusedxml), read a row at a time."""

    def __init__(self, data: bytes, limits: Limits):
        from openpyxl import load_workbook

        self.limits = limits
        self.book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)

    def sheet_names(self) -> list[str]:
        return [sheet.title for sheet in self.book.worksheets]

    def rows(self, title: str):
        return _sheet_rows(self.book, self.book[title], self.limits)

    def close(self) -> None:
        self.book.close()


def _sheet_rows(workbook, sheet, limits: Limits):
    """The rows a read-only sheet's XML has, each as wide as its last cell, with its row number.

    openpyxl's own read-only row parser, without the worksheet's filling in: ``iter_rows`` trusts the
    declared dimension (a row of 16,384 cells for each of a million rows) or, without one, yields an
    empty row for every row number skipped. A cell beyond the columns allowed stops the file here,
    before a row that wide is made.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            workbook.shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for line, cells in parser.parse():
            values = {cell["column"]: cell["value"] for cell in cells if cell["value"] not in (None, "")}
            width = max(values, default=0)
            if width > limits.max_columns:
                width = limits.max_columns + 1  # enough for _TableReader.check to name the problem
                values = {column: value for column, value in values.items() if column <= width} | {width: "…"}
            yield line, [values.get(column) for column in range(1, width + 1)], None


def _check_zip(data: bytes, filename: str, layout: Layout, limits: Limits, unreadable: str) -> bool:
    """Refuse a zip bomb, an entity bomb or an external entity before a parser reads anything: an Excel
    workbook's parts unpack to a bounded size and none has a DTD (Excel never writes one).

    Whether every sheet is bounded (:class:`_Extent`): calamine may read the workbook only then."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > 1000:
            raise file_error(unreadable)
        if sum(member.file_size for member in members) > limits.max_unzipped_bytes:
            raise file_error(
                f"“{filename}” unpacks to more than {size_text(limits.max_unzipped_bytes)}, more than "
                f"{layout.a_noun} needs. Copy the {layout.noun} into a new workbook, or save it as CSV UTF-8"
            )
        extent = _Extent(limits)
        for member in members:
            if _has_dtd(archive, member, extent):
                raise file_error(
                    f"“{filename}” has XML declarations (a DTD) that Excel never writes, so the portal will not "
                    f"open it. Save the {layout.noun} from Excel as a new workbook, or as CSV UTF-8"
                )
        return extent.bounded
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError):
        raise file_error(unreadable) from None


class _Extent:
    """Whether a workbook's sheets are bounded, from their XML as it streams past: every row and cell
    addressed (``r="B7"``, the first attribute, as Excel, LibreOffice and openpyxl write them), no address
    and no declared dimension past the rows and columns allowed. A part that is not a sheet has none of
    these. Anything else (a cell without an address, a namespace prefix, a far cell) is not bounded,
    which only means the slower reader that refuses it a row at a time."""

    # Tags that are not "<c r=" or "<row r=" (a prefix, no attributes, another attribute first, another
    # space), looked for with bytes.count, which is quick.
    ODD_TAGS = re.compile(rb"<(?:c|row)[>/\t\n\r]")
    PREFIXED = re.compile(rb":(?:c|row|dimension)[\s>/]")

    def __init__(self, limits: Limits):
        self.last_row, self.last_column = limits.max_rows + 1, limits.max_columns
        digits, letters = len(str(self.last_row)), len(column_letters(self.last_column))
        # Only addresses as long as the last allowed one's, or longer, need a closer look.
        self.long_row = re.compile(rb'<(?:c|row) r="[A-Z]*(\d{%d,})"' % digits)
        self.long_column = re.compile(rb'<c r="([A-Z]{%d,})\d' % letters)
        self.bounded = True
        self.pending = b""

    def feed(self, chunk: bytes) -> None:
        """The next bytes of a part: looked at up to its last complete tag, the rest kept for the next."""
        text = self.pending + chunk
        cut = text.rfind(b">") + 1
        self.pending = text[cut:]
        if len(self.pending) > 1024 * 1024:  # a megabyte without a tag's end: not a sheet Excel writes
            self.bounded = False
        self.see(text[:cut])

    def end_part(self) -> None:
        self.see(self.pending)
        self.pending = b""

    def see(self, text: bytes) -> None:
        if not self.bounded:
            return
        far = (
            text.count(b"<c ") != text.count(b'<c r="')
            or text.count(b"<row ") != text.count(b'<row r="')
            or self.ODD_TAGS.search(text)
            or self.PREFIXED.search(text)
            or any(int(row) > self.last_row for row in self.long_row.findall(text))
            or any(column_number(c.decode()) > self.last_column for c in self.long_column.findall(text))
            or any(self.too_far(ref.decode()) for ref in self.DIMENSION.findall(text))
        )
        self.bounded = not far

    DIMENSION = re.compile(rb'<dimension\s+ref="([^"]*)')

    def too_far(self, ref: str) -> bool:
        """Whether a declared dimension ("A1:L10001") reaches past the rows or columns allowed."""
        for address in ref.split(":"):
            found = re.fullmatch(r"\$?([A-Z]{1,3})\$?(\d{1,7})", address.strip())
            if not found:
                return True
            if column_number(found[1]) > self.last_column or int(found[2]) > self.last_row:
                return True
        return False


def column_letters(number: int) -> str:
    """1 -> "A", 27 -> "AA"."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """ "A" -> 1, "AA" -> 27."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _has_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo, extent: _Extent) -> bool:
    """Whether the part declares a DTD or an entity (or is in an encoding that could hide one), and what
    ``extent`` sees in it. zipfile stops at the size the zip declares, which the caller has bounded."""
    xml = member.filename.endswith((".xml", ".rels"))
    tail = b""
    with archive.open(member) as part:
        first = True
        while chunk := part.read(256 * 1024):
            if first and (
                chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in chunk[:4]
            ):
                if xml:
                    return True
                extent.bounded = False  # text the byte patterns cannot see into
            first = False
            window = tail + chunk
            if xml and (b"<!DOCTYPE" in window or b"<!ENTITY" in window):
                return True
            extent.feed(chunk)
            tail = chunk[-16:]
    extent.end_part()
    return False


# Rows of cells into row dicts ----------------------------------------------------------------


class _TableReader:
    """Rows of cells into row dicts, refusing the file as soon as it passes a limit."""

    def __init__(self, filename: str, layout: Layout, limits: Limits, progress):
        self.filename, self.layout, self.limits, self.progress = filename, layout, limits, progress
        self.cells = 0

    def rows(self, table, total_chars: int | None) -> list[dict]:
        positions = None
        rows = []
        noun = self.layout.noun
        for line, raw, read in table:
            cells = self.check(line, raw)
            if positions is None:
                if line > 1 and cells:
                    raise file_error(
                        f"“{self.filename}” has no header row on line 1: the column names go there"
                    )
                if cells:
                    positions = header_positions(cells, self.layout)
                    names, indexes = list(positions), list(positions.values())
                    width = max(indexes, default=-1) + 1
                continue
            if not cells:
                continue
            if line > self.limits.max_rows + 1:
                raise file_error(
                    f"“{self.filename}” has more than {self.limits.max_rows:,} rows below its header (line {line} "
                    f"has text). Split the {noun} into smaller files",
                    line,
                )
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            values = [cells[index].strip() for index in indexes]
            # Rarely a cell has a carriage return, or an apostrophe first (the exports' guard against
            # formulas): looked for in the row's text at once, then cell by cell.
            joined = "\t" + "\t".join(values)
            if "\r" in joined or "\t'" in joined:
                values = [_cell_value(cells[index]) for index in indexes]
            if any(values):
                row = {"line": line}
                row.update(zip(names, values, strict=True))
                rows.append(row)
            if line % 500 == 0:
                fraction = read / total_chars if total_chars and read else line / (self.limits.max_rows + 1)
                self.progress(f"Reading the file: {line:,} rows read", int(50 * min(fraction, 1)))
        if positions is None:
            raise file_error(f"“{self.filename}” is empty")
        if not rows:
            raise file_error(f"“{self.filename}” has a header row but no {self.layout.rows_noun} below it")
        return rows

    def check(self, line: int, raw) -> list[str]:
        """The row's cells as text, with trailing empty ones dropped ([] for an empty row)."""
        text, limit = self.cell_text, self.limits.max_columns
        cells = [value if value.__class__ is str else text(value) for value in raw[: limit + 1]]
        if len(raw) > limit and any(value not in (None, "") for value in raw[limit:]):
            raise file_error(
                f"Line {line} of “{self.filename}” has text beyond column {limit}: "
                f"{self.layout.a_noun} has {len(self.layout.columns)} columns. Delete the columns it does not need",
                line,
            )
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            return cells
        if max(map(len, cells)) > self.limits.max_cell_chars:
            for index, cell in enumerate(cells, start=1):
                if len(cell) > self.limits.max_cell_chars:
                    raise file_error(
                        f"Line {line} of “{self.filename}” has a cell (column {index}) of {len(cell):,} characters: "
                        f"a cell may hold {self.limits.max_cell_chars:,} at most",
                        line,
                    )
        self.cells += len(cells) - cells.count("")
        if self.cells > self.limits.max_cells:
            raise file_error(
                f"“{self.filename}” has more than {self.limits.max_cells:,} filled cells (line {line} passes it). "
                f"Split the {self.layout.noun} into smaller files",
                line,
            )
        return cells

    def cell_text(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, datetime | date):
            return self.layout.date_text(value)
        return str(value)


def _cell_value(value: str) -> str:
    """A cell's text as an import reads it: line ends as newlines, stripped, without the exports' guard."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.strip()
    if value.startswith("'"):
        value = unneutralise(value)
    return value


def header_positions(header: list[str], layout: Layout) -> dict[str, int]:
    """Where each of the layout's columns is in the header row; refuses a header without the required
    columns, or with one twice."""
    keys = layout.column_keys()
    positions: dict[str, int] = {}
    errors = []
    for index, heading in enumerate(header):
        column = keys.get(heading_key(heading))
        if column is None:
            continue  # columns the layout does not have are ignored
        if column in positions:
            errors.append(RowError(1, column, f"The header row has the “{column}” column twice"))
        positions[column] = index
    found = (
        ", ".join(f"“{Truncator(heading.strip()).chars(60)}”" for heading in header if heading.strip())
        or "none"
    )
    errors += [
        RowError(
            1,
            column,
            f"The header row has no “{column}” column. The columns are {', '.join(layout.columns)}"
            f"{layout.optional_note}; this file has {Truncator(found).chars(600)}",
        )
        for column in layout.required
        if column not in positions
    ]
    if errors:
        raise TableFileError(errors)
    return positions
