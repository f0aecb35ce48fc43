"""Plan imports under hostile files (issue 11, item 6): each gives one clear message, quickly and with
little memory, and writes nothing. The files are built here: an xlsx that declares a sheet of a
million rows and 16,384 columns, a zip bomb, billion laughs, an external entity, a NUL byte, UTF-16
text, an unclosed quotation mark, too many rows, columns, cells or characters, and a file whose
problems run to thousands. Also: imported updates go only into an open quarter of the plan's year,
as approved; an import never takes away a measure or detail that reported figures hang on."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ambitions.models import Post
from ambitions.services import ensure_portfolios, load_seed_strategy
from bench.plan_import import plan_csv
from bromley_portal.accounts.roles import Role
from plans.choices import PeriodStatus, UpdateStatus
from plans.importers import Limits, RowError, import_plan
from plans.models import MeasureFigure, MeasureOfSuccess, PortfolioPlan, QuarterlyUpdate, ReportingPeriod
from plans.spreadsheet import COLUMNS, DETAIL, MEASURES, UPDATE
from tests.conftest import data_shared_by_a_module
from tests.factories import make_user
from tests.test_plan_import import GOOD_ROWS, counts, csv_file, edited, the_action

SAVE_AS = "Save it as “CSV UTF-8” or as an Excel workbook (.xlsx) and upload it again"


@pytest.fixture(scope="module")
def strategy(django_db_setup, django_db_blocker):
    with data_shared_by_a_module(django_db_blocker):
        load_seed_strategy()
        yield ensure_portfolios()


@pytest.fixture
def cef(strategy, db):
    Post.objects.create(title="Director Education")
    Post.objects.create(title="Director of HR")
    return strategy["CEF"]


@pytest.fixture
def admin(db):
    return make_user(Role.ADMIN)


def period(status, year=2025, quarter=4):
    """The quarter in this status (importing a new year's plan makes its quarters, not yet open)."""
    found, _ = ReportingPeriod.objects.update_or_create(
        year=year,
        quarter=quarter,
        defaults={"status": status, **ReportingPeriod.default_dates(year, quarter)},
    )
    return found


def refused(data: bytes, name: str, cef, **kwargs) -> list[str]:
    """Import the bytes; the messages it gives, having checked it wrote nothing."""
    before = counts()
    result = import_plan(io.BytesIO(data), name, cef, "2025-26", **kwargs)
    assert not result.ok
    assert counts() == before
    return [str(error) for error in result.errors]


# Workbooks built by hand, part by part, as an attacker would --------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Plan" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def sheet_xml(rows: str, dimension="A1:I2", prologue="") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prologue}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )


def header_row() -> str:
    cells = "".join(
        f'<c r="{chr(65 + index)}1" t="inlineStr"><is><t>{column}</t></is></c>'
        for index, column in enumerate(COLUMNS)
    )
    return f'<row r="1">{cells}</row>'


def workbook(sheet: str, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def quick_and_small(call, seconds=10, megabytes=64):
    tracemalloc.start()
    started = time.monotonic()
    try:
        value = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < seconds
    assert peak < megabytes * 1024 * 1024, f"peak {peak / 1024 / 1024:.0f} MB"
    return value


def test_the_workbooks_built_here_are_read_like_excels(cef):
    """The hand-built parts make a workbook the importer reads (so the hostile ones differ only in
    what makes them hostile)."""
    row = (
        '<row r="2"><c r="B2" t="inlineStr"><is><t>Ambition 1</t></is></c><c r="C2"><v>1</v></c>'
        '<c r="D2" t="inlineStr"><is><t>An action</t></is></c></row>'
    )
    result = import_plan(io.BytesIO(workbook(sheet_xml(header_row() + row))), "plan.xlsx", cef, "2025-26")
    assert result.ok, result.errors
    assert the_action(1, 1).title == "An action"


def test_a_sheet_declaring_a_million_rows_and_16384_columns_with_one_far_cell_is_refused_quickly(cef):
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>'
    data = workbook(sheet_xml(header_row() + far, dimension="A1:XFD1048576"))
    assert len(data) < 2500
    messages = quick_and_small(lambda: refused(data, "plan.xlsx", cef))
    assert messages == [
        "Line 1048576: Line 1048576 of “plan.xlsx” has text beyond column 50: a plan has 9 columns. Delete "
        "the columns it does not need"
    ]


def test_a_far_cell_in_the_first_column_is_refused_as_too_many_rows(cef):
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>far</t></is></c></row>'
    data = workbook(sheet_xml(header_row() + far, dimension="A1:XFD1048576"))
    messages = quick_and_small(lambda: refused(data, "plan.xlsx", cef))
    assert messages == [
        "Line 1048576: “plan.xlsx” has more than 10,000 rows below its header (line 1048576 has text). "
        "Split the plan into smaller files"
    ]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(cef):
    bomb = sheet_xml(header_row() + " " * (60 * 1024 * 1024))  # 60 MB of spaces, a few KB packed
    data = workbook(bomb)
    assert len(data) < 200 * 1024
    messages = quick_and_small(lambda: refused(data, "plan.xlsx", cef), megabytes=16)
    assert messages == [
        "“plan.xlsx” unpacks to more than 50 MB, more than a plan needs. Copy the plan into a new workbook, "
        "or save it as CSV UTF-8"
    ]


DTD_MESSAGE = (
    "“plan.xlsx” has XML declarations (a DTD) that Excel never writes, so the portal will not open it. Save "
    "the plan from Excel as a new workbook, or as CSV UTF-8"
)
LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


@pytest.mark.parametrize(
    ("part", "content"),
    [
        (
            "xl/worksheets/sheet1.xml",
            sheet_xml(
                header_row() + '<row r="2"><c r="B2" t="inlineStr"><is><t>&lol9;</t></is></c></row>',
                prologue=LAUGHS,
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            sheet_xml(
                header_row() + '<row r="2"><c r="B2" t="inlineStr"><is><t>&xxe;</t></is></c></row>',
                prologue='<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
            ),
        ),
        ("xl/workbook.xml", WORKBOOK.replace("<workbook", LAUGHS + "<workbook", 1)),
        (
            "docProps/core.xml",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:9/">]><x>&e;</x>',
        ),
    ],
    ids=[
        "billion laughs in the sheet",
        "external entity in the sheet",
        "billion laughs in the workbook",
        "external entity in the properties",
    ],
)
def test_an_xml_entity_attack_is_refused_and_nothing_is_expanded_or_fetched(cef, part, content):
    parts = {}
    if part.startswith("xl/worksheets"):
        data = workbook(content)
    elif part == "xl/workbook.xml":
        data = workbook(sheet_xml(header_row())).replace(b"", b"")  # rebuilt below with the hostile part
        buffer = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
            for item in source.infolist():
                target.writestr(item.filename, content if item.filename == part else source.read(item))
        data = buffer.getvalue()
    else:
        parts[part] = content
        data = workbook(sheet_xml(header_row()), parts)
    messages = quick_and_small(lambda: refused(data, "plan.xlsx", cef), seconds=5, megabytes=16)
    assert messages == [DTD_MESSAGE]


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04" + b"\x00" * 100, workbook(sheet_xml(header_row()))[:-30], b"PK\x05\x06" + b"\x00" * 18],
    ids=["a broken local header", "a cut-off zip", "an empty zip"],
)
def test_a_malformed_zip_gives_one_clear_message(cef, data):
    assert refused(data, "plan.xlsx", cef) == [
        "Cannot read “plan.xlsx” as an Excel workbook: save it again as .xlsx or as CSV"
    ]


# Text files ---------------------------------------------------------------------------------------


def good_csv() -> bytes:
    return csv_file(GOOD_ROWS)[0].getvalue()


def test_a_nul_byte_is_refused_with_what_to_do(cef):
    data = good_csv()
    at = data.index(b"Build on")
    assert refused(data[:at] + b"\x00" + data[at:], "plan.csv", cef) == [
        f"“plan.csv” has a NUL character on line 4, so it is not a text file. {SAVE_AS}"
    ]


def test_unicode_text_from_excel_is_read(cef):
    """Excel's "Unicode text": UTF-16 with its marker, separated by tabs (core.tabular.decode_csv)."""
    data = good_csv().decode("utf-8-sig").replace(",", "\t").encode("utf-16")
    result = import_plan(io.BytesIO(data), "plan.csv", cef, "2025-26")
    assert [str(error) for error in result.errors] == []
    assert result.plan is not None and result.plan.sections.exists()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_unicode_text_without_its_marker_is_refused_with_one_message(cef, encoding):
    data = good_csv().decode("utf-8-sig").replace(",", "\t").encode(encoding)
    assert refused(data, "plan.csv", cef) == [
        f"“plan.csv” is saved as Unicode (UTF-16) text without its marker, which the portal cannot read. {SAVE_AS}"
    ]


def test_utf8_with_or_without_a_bom_is_read(cef):
    data = good_csv()
    assert data.startswith(b"\xef\xbb\xbf")
    assert import_plan(io.BytesIO(data[3:]), "plan.csv", cef, "2025-26").ok


def test_an_unclosed_quotation_mark_gets_its_own_message(cef):
    data = good_csv() + b'Ambition 5,2,"An action that never ends\nAmbition 5,3,Another\n'
    data = data.replace(b"Ambition 5,2", b"CEF 2025-26,Ambition 5,2")
    assert refused(data, "plan.csv", cef) == [
        'Line 8: Line 8 of “plan.csv” opens a quotation mark (") that is never closed, so the rest of the '
        "file would be one cell. Close the quotation, or save the file from Excel again"
    ]


def rows_csv(count: int, columns: int = 9, cell="x") -> bytes:
    lines = [",".join(COLUMNS)] + [f"CEF 2025-26,Ambition 1,{n},{cell},a) d,,,," for n in range(1, count + 1)]
    if columns > 9:
        lines[1] += "," * (columns - 10) + ",far"
    return "\n".join(lines).encode()


def test_too_many_rows_are_refused_as_soon_as_the_limit_is_passed(cef):
    messages = quick_and_small(lambda: refused(rows_csv(10_001), "plan.csv", cef))
    assert messages == [
        "Line 10002: “plan.csv” has more than 10,000 rows below its header (line 10002 has text). Split the "
        "plan into smaller files"
    ]


def test_text_beyond_the_columns_allowed_is_refused(cef):
    assert refused(rows_csv(2, columns=51), "plan.csv", cef) == [
        "Line 2: Line 2 of “plan.csv” has text beyond column 50: a plan has 9 columns. Delete the columns it "
        "does not need"
    ]


def test_a_cell_longer_than_excel_allows_is_refused(cef):
    assert refused(rows_csv(1, cell="y" * 32_768), "plan.csv", cef) == [
        "Line 2: Line 2 of “plan.csv” has a cell (column 4) of 32,768 characters: a cell may hold 32,767 at most"
    ]


def test_too_many_filled_cells_are_refused(cef, settings):
    settings.PLANS_IMPORT_MAX_CELLS = 30
    assert refused(rows_csv(10), "plan.csv", cef) == [
        "Line 6: “plan.csv” has more than 30 filled cells (line 6 passes it). Split the plan into smaller files"
    ]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(cef, settings):
    settings.PLANS_IMPORT_MAX_BYTES = 1024

    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("read a file that is too large")

    assert refused(b"", "plan.csv", cef) == ["“plan.csv” is empty"]
    before = counts()
    result = import_plan(Unreadable(b"x" * 2048), "plan.csv", cef, "2025-26")
    assert [str(error) for error in result.errors] == [
        "“plan.csv” is 2 KB: the largest file the portal imports is 1 KB. Split the plan into smaller files, or "
        "remove what it does not need"
    ]
    assert counts() == before


def test_the_command_refuses_a_file_over_the_limit_with_the_same_message(cef, settings, tmp_path):
    settings.PLANS_IMPORT_MAX_BYTES = 1024
    path = tmp_path / "plan.csv"
    path.write_bytes(b"x" * 4096)
    with pytest.raises(CommandError):
        call_command(
            "import_plan", str(path), "--portfolio", "CEF", "--year", "2025-26", stderr=io.StringIO()
        )


def test_thousands_of_problems_list_the_first_hundred_and_count_the_rest(cef):
    lines = [",".join(COLUMNS)] + [f"CEF 2025-26,Ambition 99,x{n},,,,Someday,," for n in range(3000)]
    before = counts()
    result = quick_and_small(
        lambda: import_plan(io.BytesIO("\n".join(lines).encode()), "plan.csv", cef, "2025-26")
    )
    assert counts() == before
    assert len(result.errors) == 100
    assert result.errors_not_listed == result.error_count - 100 > 5000
    assert result.summary() == [f"The file has {result.error_count} problems: nothing was imported."]
    assert result.errors[0].line == 2


def test_the_page_lists_the_first_hundred_problems_and_says_how_many_more(client, cef, admin):
    lines = [",".join(COLUMNS)] + [f"CEF 2025-26,Ambition 1,x{n},An action,,,,," for n in range(250)]
    client.force_login(admin)
    before = counts()
    response = client.post(
        "/plans/import/",
        {
            "portfolio": cef.pk,
            "year": "2025-26",
            "file": SimpleUploadedFile("plan.csv", "\n".join(lines).encode()),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert counts() == before
    assert page.count("must be a whole number") == 2 * 100  # in the summary and in the table
    assert "And 150 more problems not listed here." in page
    assert "Correct these 250 problems in the file" in page


# Where imported updates go ------------------------------------------------------------------------


def test_imported_updates_are_approved_never_locked(cef, admin):
    open_q4 = period(PeriodStatus.OPEN)
    result = import_plan(*csv_file(GOOD_ROWS), cef, "2025-26", user=admin, updates_period=open_q4)
    assert result.ok, result.errors
    assert set(QuarterlyUpdate.objects.values_list("status", flat=True)) == {UpdateStatus.APPROVED}


def test_an_update_is_never_added_to_a_locked_period(cef):
    locked = period(PeriodStatus.LOCKED)
    before = counts()
    result = import_plan(*csv_file(GOOD_ROWS), cef, "2025-26", updates_period=locked)
    assert counts() == before
    assert result.errors[0] == RowError(
        2,
        UPDATE,
        "2025-26 Q4 is locked for committee and action 1.1 reported nothing for it, so a file cannot add an "
        "update now: leave this Update cell empty, or import into an open quarter",
    )


def test_the_page_offers_no_locked_period_and_refuses_one_sent(client, cef, admin):
    locked, open_q3 = period(PeriodStatus.LOCKED), period(PeriodStatus.OPEN, quarter=3)
    client.force_login(admin)
    page = client.get("/plans/import/").content.decode()
    assert f'<option value="{open_q3.pk}">{open_q3}</option>' in page
    assert str(locked) not in page
    before = counts()
    file, name = csv_file(GOOD_ROWS)
    response = client.post(
        "/plans/import/",
        {
            "portfolio": cef.pk,
            "year": "2025-26",
            "updates_period": locked.pk,
            "file": SimpleUploadedFile(name, file.getvalue()),
        },
    )
    assert "Choose an open quarter of the plan&#x27;s year, or none" in response.content.decode()
    assert counts() == before


def test_updates_cannot_go_into_another_years_period(client, cef, admin):
    other = period(PeriodStatus.OPEN, year=2024)
    before = counts()
    result = import_plan(*csv_file(GOOD_ROWS), cef, "2025-26", updates_period=other)
    assert counts() == before
    assert [str(error) for error in result.errors] == [
        "The updates can only report on a period of 2025-26, not 2024-25 Q4"
    ]


# What reported figures hang on --------------------------------------------------------------------


def test_a_measure_with_reported_figures_is_not_taken_away(cef):
    assert import_plan(*csv_file(GOOD_ROWS), cef, "2025-26").ok
    update = QuarterlyUpdate.objects.create(
        action=the_action(1, 1), period=period(PeriodStatus.LOCKED), status=UpdateStatus.LOCKED
    )
    measure = MeasureOfSuccess.objects.get(detail__action=the_action(1, 1), text="Take-up of funded places")
    MeasureFigure.objects.create(update=update, measure=measure, value="92%")
    before = counts()
    rows = edited(GOOD_ROWS, {2: {MEASURES: "Early Years directory published"}})  # the second measure gone
    result = import_plan(*csv_file(rows), cef, "2025-26")
    assert counts() == before
    assert result.errors == [
        RowError(
            2,
            MEASURES,
            "The measure “Take-up of funded places” of action 1.1 a) has figures in a reported update, so it "
            "cannot be taken out: keep it (its wording may change)",
        )
    ]


def test_a_detail_whose_measure_has_reported_figures_is_not_taken_away(cef):
    assert import_plan(*csv_file(GOOD_ROWS), cef, "2025-26").ok
    update = QuarterlyUpdate.objects.create(
        action=the_action(1, 1), period=period(PeriodStatus.LOCKED), status=UpdateStatus.LOCKED
    )
    measure = MeasureOfSuccess.objects.get(
        detail__action=the_action(1, 1), text="Settings rated Good or better"
    )
    MeasureFigure.objects.create(update=update, measure=measure, value="88%")
    before = counts()
    rows = [row for line, row in enumerate(GOOD_ROWS, start=2) if line != 3]  # 1.1 b) gone
    result = import_plan(*csv_file(rows), cef, "2025-26")
    assert counts() == before
    assert result.errors == [
        RowError(
            2,
            DETAIL,
            "Action 1.1 would lose detail b), which a reported update writes about or gives a figure for: keep "
            "its row, or ask an administrator to correct the plan",
        )
    ]
    assert MeasureFigure.objects.get(measure=measure).value == "88%"


def test_limits_come_from_settings(settings):
    settings.PLANS_IMPORT_MAX_ROWS = 7
    assert Limits.from_settings().max_rows == 7


# Speed: a large import is written in bulk ---------------------------------------------------------


def queries_to_import(cef, actions: int) -> int:
    assert import_plan(io.BytesIO(plan_csv(actions * 5)), "plan.csv", cef, "2030-31").ok
    with CaptureQueriesContext(connection) as queries:
        result = import_plan(io.BytesIO(plan_csv(actions * 5, changed=True)), "plan.csv", cef, "2030-31")
    assert (result.created, result.updated) == (0, actions), result.errors
    return len(queries)


def test_changing_every_action_of_a_plan_takes_as_many_queries_for_ten_times_the_actions(cef, postgres):
    """Changed actions, details, leads and measures are written in bulk (with their history), not one
    by one: what made a 5,000-row re-import take minutes (bench/plan_import.py measures it)."""
    small = queries_to_import(cef, 10)
    PortfolioPlan.objects.filter(year=2030).delete()
    assert queries_to_import(cef, 100) <= small + 10  # a few more batches of a hundred


def queries_for_a_new_plan_and_the_same_file_again(cef, actions: int) -> tuple[int, int, list[str]]:
    data = plan_csv(actions * 5)
    with CaptureQueriesContext(connection) as new:
        result = import_plan(io.BytesIO(data), "plan.csv", cef, "2030-31")
    assert (result.created, result.updated) == (actions, 0), result.errors
    with CaptureQueriesContext(connection) as again:
        result = import_plan(io.BytesIO(data), "plan.csv", cef, "2030-31")
    assert (result.created, result.updated, result.unchanged) == (0, 0, actions), result.errors
    PortfolioPlan.objects.filter(year=2030).delete()
    return len(new), len(again), [query["sql"] for query in again]


def test_a_new_plan_and_the_same_file_again_take_the_same_queries_for_ten_times_the_actions(cef, postgres):
    """Actions, links, details, leads and measures and their history go in with a fixed number of queries
    whatever the file's length; importing the same file again reads the plan once and writes nothing."""
    queries_for_a_new_plan_and_the_same_file_again(cef, 1)  # the first makes the lead's post and the periods
    small_new, small_again, _ = queries_for_a_new_plan_and_the_same_file_again(cef, 10)
    large_new, large_again, sql = queries_for_a_new_plan_and_the_same_file_again(cef, 100)
    assert (large_new, large_again) == (small_new, small_again)
    writes = [q for q in sql if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []


def test_an_update_longer_than_the_update_form_allows_is_refused(cef):
    from plans.choices import NARRATIVE_MAX_LENGTH

    open_q4 = period(PeriodStatus.OPEN)
    before = counts()
    rows = edited(GOOD_ROWS, {2: {UPDATE: "x" * (NARRATIVE_MAX_LENGTH + 1)}})
    result = import_plan(*csv_file(rows), cef, "2025-26", updates_period=open_q4)
    assert counts() == before
    assert result.errors == [
        RowError(
            2,
            UPDATE,
            f"The update is {NARRATIVE_MAX_LENGTH + 1:,} characters long: an update may have at most "
            f"{NARRATIVE_MAX_LENGTH:,}, as the update form allows. Shorten it",
        )
    ]
