"""Property-based fuzzing of the plan importer (hypothesis): random bytes, random CSV-ish text and
random cell values in a plan-shaped file. Whatever comes in, the importer returns its own result
(never raises), and a result with problems has written nothing."""

import csv
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ambitions.models import Post
from ambitions.services import ensure_portfolios, load_seed_strategy
from plans.importers import ImportResult, import_plan
from plans.spreadsheet import COLUMNS
from tests.conftest import data_shared_by_a_module
from tests.test_plan_import import counts

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.fixture(scope="module")
def strategy(django_db_setup, django_db_blocker):
    with data_shared_by_a_module(django_db_blocker):
        load_seed_strategy()
        Post.objects.get_or_create(title="Director Education")
        yield ensure_portfolios()


@pytest.fixture
def cef(strategy, db):
    return strategy["CEF"]


def imports_cleanly(cef, data: bytes, name: str) -> ImportResult:
    before = counts()
    result = import_plan(io.BytesIO(data), name, cef, "2025-26")
    assert isinstance(result, ImportResult)
    if result.errors:
        assert counts() == before, "a refused import wrote something"
        assert all(str(error) for error in result.errors)
        assert len(result.errors) <= 100
    return result


@FUZZ
@given(data=st.binary(max_size=4096), name=st.sampled_from(["plan.csv", "plan.xlsx"]))
def test_random_bytes(cef, data, name):
    imports_cleanly(cef, data, name)


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes_inside_a_zip(cef, data):
    """Random parts in a zip: what an xlsx is, so the workbook reader gets past the zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", data)
        archive.writestr("xl/workbook.xml", data[::-1])
        archive.writestr("xl/worksheets/sheet1.xml", data)
    imports_cleanly(cef, buffer.getvalue(), "plan.xlsx")


CSVISH = st.lists(st.sampled_from([*',"\n\r\t ;aZ1é\x00\ufeff', "Ambition 1", "a)", "'="]), max_size=200).map(
    "".join
)


@FUZZ
@given(text=CSVISH, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_random_csv_ish_text(cef, text, encoding):
    data = (",".join(COLUMNS) + "\n" + text).encode(encoding, errors="replace")
    imports_cleanly(cef, data, "plan.csv")


CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["Ambition 1", "Ambition 9", "Priority 2: Safety", "Priority 2", "1", "2", "0", "-1", "1e9", "x",
         "a) Do it", "A. Do it", "b)", "April 2026 (AP)", "Sept 2025", "2026-13", "Director Education",
         "Director Education; director education", "=1+1", "'=SUM(A1)", "CEF 2025-26", "CEF 2024-25", ""]
    ),
)  # fmt: skip


@FUZZ
@given(rows=st.lists(st.lists(CELL, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1, max_size=12))
def test_random_cells_in_a_plan_shaped_file(cef, rows):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    imports_cleanly(cef, buffer.getvalue().encode(), "plan.csv")
