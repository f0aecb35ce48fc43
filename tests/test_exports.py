"""Excel exports are laid out to be read: sensible widths, wrapped text, a frozen header row and an
autofilter, written once in bromley_portal.core.exports for every list and the plan's spreadsheet."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from tablib import Dataset

from bromley_portal.accounts.roles import Role
from bromley_portal.core.exports import MAX_WIDTH, MIN_WIDTH, xlsx_bytes
from plans.models import Action
from tests.factories import make_plan

LONG = "word " * 200  # 1,000 characters


def workbook_sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def assert_readable(sheet):
    """Every column between MIN_WIDTH and MAX_WIDTH wide (never Excel's 255), every cell wrapped, the
    header row bold, frozen and filtered."""
    widths = {
        letter: sheet.column_dimensions[letter].width
        for letter in (openpyxl.utils.get_column_letter(i) for i in range(1, sheet.max_column + 1))
    }
    assert all(MIN_WIDTH <= width <= MAX_WIDTH for width in widths.values()), widths
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions
    assert all(cell.font.bold for cell in sheet[1])
    assert all(cell.alignment.wrap_text for row in sheet.iter_rows() for cell in row)
    return widths


def test_widths_follow_the_content_and_are_capped():
    dataset = Dataset(headers=["No.", "Action", "A very long heading for a short column"], title="Actions")
    dataset.append(["1.1", LONG, "x"])
    dataset.append(["1.2", "Short\nlines", "y"])
    sheet = workbook_sheet(xlsx_bytes(dataset))
    widths = assert_readable(sheet)
    assert widths == {"A": MIN_WIDTH, "B": MAX_WIDTH, "C": len("A very long heading for a short column") + 2}
    assert sheet["B2"].value == LONG  # the text itself is whole: it wraps, it is not cut
    assert sheet.title == "Actions"


def test_numbers_and_dates_stay_what_they_are_and_control_characters_go():
    dataset = Dataset(headers=["When", "On", "Amount", "Text"])
    dataset.append(
        [datetime(2024, 7, 1, 9, 30, tzinfo=UTC), date(2024, 7, 1), Decimal("12.50"), "a\x00b\x07c"]
    )
    sheet = workbook_sheet(xlsx_bytes(dataset))
    row = [cell.value for cell in sheet[2]]
    assert row[0] == datetime(2024, 7, 1, 10, 30)  # London summer time, as a person reads it
    assert row[1].date() == date(2024, 7, 1)
    assert row[2] == 12.5
    assert row[3] == "abc"


@pytest.fixture
def member_client(client, people):
    client.force_login(people[Role.MEMBER])
    return client


def test_the_actions_list_export_is_readable(member_client):
    make_plan(actions=3)
    Action.objects.update(title=LONG)
    response = member_client.get(reverse("plans:action_list"), {"_export": "xlsx"})
    sheet = workbook_sheet(response.getvalue())
    widths = assert_readable(sheet)
    action_column = [cell.value for cell in sheet[1]].index("Action")
    assert widths[openpyxl.utils.get_column_letter(action_column + 1)] == MAX_WIDTH
    assert sheet.max_row == 4


def test_the_plan_spreadsheet_is_readable(member_client):
    plan = make_plan(actions=2)
    Action.objects.update(title=LONG)
    url = reverse("plans:plan_export", args=[plan.portfolio.code, plan.year_label])
    sheet = workbook_sheet(member_client.get(url, {"format": "xlsx"}).getvalue())
    assert_readable(sheet)
    assert LONG.strip() in [str(cell.value).strip() for row in sheet.iter_rows() for cell in row]


def test_the_contract_register_export_is_readable(member_client):
    from tests.test_contract_pages import live

    live(title=LONG[:290])
    sheet = workbook_sheet(
        member_client.get(reverse("contracts:contract_list"), {"_export": "xlsx"}).getvalue()
    )
    assert_readable(sheet)
    assert sheet.max_row == 2
