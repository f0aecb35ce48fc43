"""Importing a plan from a spreadsheet laid out like the council's plan table, a row per detail.

The rules for each cell, the problems a file can have (each with its line and column, and nothing
written), what a good file writes, re-imports, the Update column, the round trip through a plan's
download, the page and the command.
"""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from ambitions.models import Commitment, Post
from ambitions.services import ensure_portfolios, load_seed_strategy
from bromley_portal.accounts.roles import Role
from plans import selectors, spreadsheet
from plans.builders import ActionSpec, DetailSpec, LeadSpec, PlanSpec, SectionSpec, build_plan
from plans.choices import PeriodStatus, SectionKind, UpdateStatus
from plans.importers import (
    CellError,
    RowError,
    import_plan,
    parse_detail,
    parse_leads,
    parse_number,
    parse_section,
    parse_target_date,
)
from plans.models import (
    Action,
    ActionDetail,
    DetailLead,
    MeasureFigure,
    MeasureOfSuccess,
    PortfolioPlan,
    QuarterlyUpdate,
    ReportingPeriod,
    UpdateNote,
)
from plans.seeds import load_seed_plans
from plans.spreadsheet import (
    ACTION,
    COLUMNS,
    DETAIL,
    LEAD,
    MEASURES,
    NUMBER,
    PLAN,
    SECTION,
    TARGET,
    UPDATE,
)
from tests.conftest import data_shared_by_a_module
from tests.factories import make_user

AP_MESSAGE = "write one month and year such as April 2024, with (AP) after it for the Annual Programme"


def plan_row(section, number, action, detail, measures="", target="", lead="", update="", plan="CEF 2025-26"):
    return {
        PLAN: plan,
        SECTION: section,
        NUMBER: number,
        ACTION: action,
        DETAIL: detail,
        MEASURES: measures,
        TARGET: target,
        LEAD: lead,
        UPDATE: update,
    }


AMBITION_1 = "Ambition 1: For children and young people to grow up, thrive and have the best life chances"

# The CEF 2025-26 plan, a row per detail (the header is line 1, so these are lines 2 to 7).
GOOD_ROWS = [
    # Line 2: action 1.1 a), with the Action text on its first row.
    plan_row(
        AMBITION_1,
        "1",
        "Support the local childcare and early education market",
        "a) Promote educational inclusion\nInformation is available through:\n- Early years directory",
        "Early Years directory published\nTake-up of funded places",
        "April 2026 (AP)",
        "Director Education",
        "Directory published.",
    ),
    # Line 3: action 1.1 b), the Action left empty; two leads, one written in another case.
    plan_row(
        "Ambition 1",
        "1",
        "",
        "b) Work with early years settings",
        "Settings rated Good or better",
        "Sept 2025",
        "director education; Head of School Place Planning",
        "Take-up at 92%.",
    ),
    # Line 4: action 1.2, one row with a detail that has no letter.
    plan_row(
        "Ambition 1",
        "2",
        "Build on the success of Bromley's schools",
        "Enable all children to access good education",
        "% of schools Good or Outstanding",
        "2026-03",
        "Director of HR",
        "- Most schools are Good.\n- Two are Outstanding.",
    ),
    # Lines 5 to 7: action 5.1, the Action repeated exactly on line 6 and left empty on line 7.
    plan_row(
        "Ambition 5",
        "1",
        "Recruit and retain the best staff",
        "a) Recruit the best",
        "",
        "",
        "Director of HR",
    ),
    plan_row(
        "Ambition 5",
        "1",
        "Recruit and retain the best staff",
        "B) Retain them",
        "Staff turnover",
        "April 2026",
        "Director Children, Education and Families",
    ),
    plan_row(
        "Ambition 5",
        "1",
        "",
        "c. Grow our own",
        "",
        "Dec 2025",
        "Director of HR\nDirector Children, Education and Families",
        "<script>alert('kept as text')</script>",
    ),
]

# What GOOD_ROWS make: per action, its text and its details (letter, text, measures, target date,
# annual programme, leads as (post, as the plan writes it)).
GOOD_PLAN = {
    (1, 1): (
        "Support the local childcare and early education market",
        [
            (
                "a",
                "Promote educational inclusion\nInformation is available through:\n- Early years directory",
                ["Early Years directory published", "Take-up of funded places"],
                date(2026, 4, 1),
                True,
                [("Director Education", "Director Education")],
            ),
            (
                "b",
                "Work with early years settings",
                ["Settings rated Good or better"],
                date(2025, 9, 1),
                False,
                [
                    ("Director Education", "director education"),
                    ("Head of School Place Planning", "Head of School Place Planning"),
                ],
            ),
        ],
    ),
    (1, 2): (
        "Build on the success of Bromley's schools",
        [
            (
                "",
                "Enable all children to access good education",
                ["% of schools Good or Outstanding"],
                date(2026, 3, 1),
                False,
                [("Director of HR", "Director of HR")],
            )
        ],
    ),
    (5, 1): (
        "Recruit and retain the best staff",
        [
            ("a", "Recruit the best", [], None, False, [("Director of HR", "Director of HR")]),
            (
                "b",
                "Retain them",
                ["Staff turnover"],
                date(2026, 4, 1),
                False,
                [("Director Children, Education and Families", "Director Children, Education and Families")],
            ),
            (
                "c",
                "Grow our own",
                [],
                date(2025, 12, 1),
                False,
                [
                    ("Director of HR", "Director of HR"),
                    (
                        "Director Children, Education and Families",
                        "Director Children, Education and Families",
                    ),
                ],
            ),
        ],
    ),
}


def edited(rows, changes: dict[int, dict]):
    """The rows with some cells changed, by the spreadsheet line they are on (the first row is line 2)."""
    return [{**row, **changes.get(line, {})} for line, row in enumerate(rows, start=2)]


def csv_file(rows, header=COLUMNS, name="plan.csv", encoding="utf-8-sig"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return io.BytesIO(buffer.getvalue().encode(encoding)), name


def xlsx_file(rows, header=COLUMNS, name="plan.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column, "") for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer, name


def counts():
    """How many rows every table of the plans and ambitions apps holds, their history and many-to-many
    tables included: everything an import may write, to show that a refused one wrote nothing."""
    models = [
        model
        for app in ("plans", "ambitions")
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    ]
    return {model._meta.db_table: model._base_manager.count() for model in models}


def plan_text(plan):
    """Everything the plan table says, per action keyed by (section, number): its text and its details
    (letter, text, measures, target date, annual programme, leads as (post, as written))."""
    actions = Action.objects.filter(section__plan=plan).select_related("section__ambition").with_plan_text()
    return {
        (
            action.section.ambition.number if action.section.ambition else action.section.title,
            action.number,
        ): (
            action.title,
            [
                (
                    detail.letter,
                    detail.text,
                    [measure.text for measure in detail.measures_of_success.all()],
                    detail.target_date,
                    detail.annual_programme,
                    [(lead.post.title, lead.title) for lead in detail.leads.all()],
                )
                for detail in action.details.all()
            ],
        )
        for action in actions
    }


def update_words(update):
    """An update's own words: its narrative, and its notes by the place of their detail in the action."""
    return update.narrative, {note.detail.order: note.narrative for note in update.notes.all()}


@pytest.fixture(scope="module")
def strategy(django_db_setup, django_db_blocker):
    """The strategy and the portfolios, loaded once for the module (each test's changes are undone)."""
    with data_shared_by_a_module(django_db_blocker):
        load_seed_strategy()
        yield ensure_portfolios()


@pytest.fixture
def council(strategy, db):
    return strategy


@pytest.fixture
def cef(council):
    Post.objects.create(title="Director Education")
    Post.objects.create(title="Director of HR")
    return council["CEF"]


@pytest.fixture
def admin(db):
    return make_user(Role.ADMIN)


@pytest.fixture
def q4(db):
    """An open quarter of the plan's year, 2025-26 (updates are imported into open quarters only)."""
    return ReportingPeriod.objects.create(
        year=2025, quarter=4, status=PeriodStatus.OPEN, **ReportingPeriod.default_dates(2025, 4)
    )


def run(file_and_name, portfolio, year="2025-26", **kwargs):
    file, name = file_and_name
    return import_plan(file, name, portfolio, year, **kwargs)


def the_plan(year=2025):
    return PortfolioPlan.objects.get(portfolio__code="CEF", year=year)


def the_action(section, number, year=2025):
    return Action.objects.get(section__plan__year=year, section__number=section, number=number)


def assert_refused(result, before, *errors):
    """The import lists exactly these problems and wrote nothing."""
    assert result.errors == list(errors)
    assert not result.ok
    assert result.summary() == [
        f"The file has {len(errors)} problem{'s' * (len(errors) != 1)}: nothing was imported."
    ]
    assert counts() == before


# Reading each cell ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ambition 1", (SectionKind.AMBITION, 1, "")),
        ("ambition 5: Excellent council", (SectionKind.AMBITION, 5, "Excellent council")),
        ("Priority 2: Safeguarding", (SectionKind.PRIORITY, 2, "Safeguarding")),
        ("PRIORITY 3 - Life chances,   resilience", (SectionKind.PRIORITY, 3, "Life chances, resilience")),
        ("Priority 4. Efficiency", (SectionKind.PRIORITY, 4, "Efficiency")),
        ("Priority 1", (SectionKind.PRIORITY, 1, "")),
    ],
)
def test_a_section_is_an_ambition_by_number_or_a_priority_with_its_title(text, expected):
    assert parse_section(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Missing ambition or priority: write Ambition 1, or Priority 2 and its title"),
        ("Ambition", "Cannot read “Ambition” as an ambition or priority"),
        ("Theme 1", "Cannot read “Theme 1” as an ambition or priority"),
        ("1", "Cannot read “1” as an ambition or priority"),
    ],
)
def test_a_section_that_names_no_ambition_or_priority_is_refused(text, message):
    with pytest.raises(CellError, match=message):
        parse_section(text)


@pytest.mark.parametrize(("text", "number"), [("4", 4), ("04", 4), ("15", 15)])
def test_an_action_number_is_a_whole_number(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Missing action number: write a whole number such as 4"),
        ("1.4", "The action number must be a whole number such as 4, not “1.4”"),
        ("four", "The action number must be a whole number such as 4, not “four”"),
        ("0", "The action number must be a whole number from 1 upwards, not “0”"),
        ("-2", "The action number must be a whole number from 1 upwards, not “-2”"),
        ("3000000000", "The action number must be a whole number from 1 upwards, not “3000000000”"),
    ],
)
def test_an_action_number_that_is_not_a_whole_number_from_1_is_refused(text, message):
    with pytest.raises(CellError, match=message):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a) Promote inclusion", ("a", "Promote inclusion")),
        ("B) Sufficient school places", ("b", "Sufficient school places")),
        ("(c) Early help", ("c", "Early help")),
        ("d. Youth justice", ("d", "Youth justice")),
        (
            "a) Information is available through:\n - Directory\n\n- Newsletter",
            ("a", "Information is available through:\n- Directory\n\n- Newsletter"),
        ),
        ("a)\nThe text on the next line", ("a", "The text on the next line")),
        (
            "Recruit and retain the highest quality staff",
            ("", "Recruit and retain the highest quality staff"),
        ),
        ("e.g. an example", ("", "e.g. an example")),
        ("", ("", "")),
    ],
)
def test_a_detail_keeps_its_letter_and_the_lines_after_the_first(text, expected):
    assert parse_detail(text) == expected


def test_a_detail_letter_without_text_is_refused():
    with pytest.raises(CellError, match="The detail “c\\)” has no text"):
        parse_detail("c)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("April 2024", (date(2024, 4, 1), False)),
        ("Apr 2024", (date(2024, 4, 1), False)),
        ("Sept 2023", (date(2023, 9, 1), False)),
        ("Sept. 2023", (date(2023, 9, 1), False)),
        ("april 2024 (AP)", (date(2024, 4, 1), True)),
        ("April 2022 [AP]", (date(2022, 4, 1), True)),
        ("April  2024\n(AP)", (date(2024, 4, 1), True)),
        ("2024-04", (date(2024, 4, 1), False)),
        ("2024-04-30", (date(2024, 4, 1), False)),
        ("", (None, False)),
    ],
)
def test_a_target_date_is_one_month_as_the_council_writes_it(text, expected):
    assert parse_target_date(text) == expected


@pytest.mark.parametrize(
    "text", ["Aprl 2024", "April", "2024", "13/2024", "2024-13", "(AP)", "Sept 2023; April 2024 (AP)", "soon"]
)
def test_a_target_date_that_is_not_one_month_is_refused(text):
    with pytest.raises(CellError) as refused:
        parse_target_date(text)
    assert str(refused.value) == f"Cannot read the target date “{' '.join(text.split())}”: {AP_MESSAGE}"


def test_leads_are_one_a_line_or_separated_by_semicolons_each_once():
    assert parse_leads("Director Education\nDirector of HR; Head of  Service;\n\ndirector education") == [
        "Director Education",
        "Director of HR",
        "Head of Service",
    ]
    assert parse_leads("") == []


def test_a_lead_too_long_for_a_post_title_is_refused():
    assert parse_leads("x" * 200) == ["x" * 200]
    with pytest.raises(CellError, match="is too long for a post title \\(200 characters at most\\)"):
        parse_leads("Director Education; " + "x" * 201)


# Files that cannot be read: one clear message, nothing written ----------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "plan.txt",
            b"Plan,No.\n",
            "“plan.txt” is not a CSV or Excel (.xlsx) file: save the plan as one of those and upload it again",
        ),
        ("plan.pdf", b"%PDF-1.7", "“plan.pdf” is not a CSV or Excel (.xlsx) file"),
        ("plan", b"Plan,No.\n", "“plan” is not a CSV or Excel (.xlsx) file"),
        (
            "plan.xls",
            b"\xd0\xcf\x11\xe0",
            "“plan.xls” is an old Excel 97-2003 file: save it as an Excel Workbook (.xlsx) or as CSV",
        ),
        (
            "plan.xlsx",
            b"this is not a workbook",
            "Cannot read “plan.xlsx” as an Excel workbook: save it again as .xlsx or as CSV",
        ),
        ("plan.xlsx", b"PK\x03\x04 a broken zip", "Cannot read “plan.xlsx” as an Excel workbook"),
        ("plan.csv", b"", "“plan.csv” is empty"),
        ("plan.csv", b"\xef\xbb\xbf\r\n,,,\r\n", "“plan.csv” is empty"),
        ("plan.csv", ",".join(COLUMNS).encode(), "“plan.csv” has a header row but no actions below it"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_one_clear_message(cef, name, content, message):
    before = counts()
    result = run((io.BytesIO(content), name), cef)
    assert len(result.errors) == 1
    assert (result.errors[0].line, result.errors[0].column) == (None, "")
    assert message in result.errors[0].message
    assert str(result.errors[0]) == result.errors[0].message
    assert counts() == before


def test_an_empty_workbook_is_refused(cef):
    workbook, buffer = openpyxl.Workbook(), io.BytesIO()
    workbook.save(buffer)
    before = counts()
    result = run((buffer, "plan.xlsx"), cef)
    assert [error.message for error in result.errors] == ["“plan.xlsx” is empty"]
    assert counts() == before


def test_a_windows_1252_csv_from_excel_is_read_with_its_curly_quotes_and_dashes(cef):
    """Excel's plain "CSV" is Windows-1252: charset-normalizer recognises it (core.tabular.decode_csv)."""
    words = "Build on the success of Bromley’s schools – all of them, £2m"
    rows = edited(GOOD_ROWS, {4: {ACTION: words}})
    result = run(csv_file(rows, encoding="cp1252"), cef)
    assert result.errors == []
    assert Action.objects.filter(title=words).exists()


def test_a_semicolon_separated_csv_is_read(cef):
    """Excel writes ";" where the comma is the decimal point (core.tabular.sniff_delimiter)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerows(
        [COLUMNS, *([row.get(column, "") for column in COLUMNS] for row in GOOD_ROWS)]
    )
    result = run((io.BytesIO(buffer.getvalue().encode("utf-8")), "plan.csv"), cef)
    assert result.errors == []
    assert Action.objects.filter(section__plan__portfolio=cef).count() > 0


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file])
def test_a_missing_required_column_is_named_with_the_columns_expected(cef, make_file):
    header = [column for column in COLUMNS if column != LEAD]
    before = counts()
    result = run(make_file(GOOD_ROWS, header=header), cef)
    assert [(error.line, error.column) for error in result.errors] == [(1, LEAD)]
    assert result.errors[0].message == (
        "The header row has no “Lead” column. The columns are Plan, Ambition or priority, No., Action, Detail, "
        "Measures of success, Target date, Lead, Update (Plan and Update may be left out); this file has "
        "“Plan”, “Ambition or priority”, “No.”, “Action”, “Detail”, “Measures of success”, “Target date”, "
        "“Update”"
    )
    assert counts() == before


def test_a_column_given_twice_is_refused(cef):
    header = [*COLUMNS, "Commitment"]  # another name for the Action column
    rows = [{**row, "Commitment": "Something else"} for row in GOOD_ROWS]
    before = counts()
    result = run(csv_file(rows, header=header), cef)
    assert result.errors == [RowError(1, ACTION, "The header row has the “Action” column twice")]
    assert counts() == before


def test_headings_are_read_whatever_their_case_spacing_or_alias_and_other_columns_are_ignored(cef):
    aliases = {
        SECTION: "AMBITION",
        NUMBER: "no",
        ACTION: "Commitment",
        DETAIL: "details",
        MEASURES: "Measures  of success",
        TARGET: "target",
        LEAD: "Lead(s)",
    }
    header = [aliases[column] for column in aliases] + ["Notes for the clerk"]
    rows = [
        {aliases[column]: row[column] for column in aliases} | {"Notes for the clerk": "x"}
        for row in GOOD_ROWS
    ]
    result = run(csv_file(rows, header=header), cef)
    assert result.ok, result.errors
    assert result.created == 3
    assert plan_text(the_plan()) == GOOD_PLAN


def test_the_plan_column_must_name_the_plan_being_imported_into(cef):
    before = counts()
    result = run(csv_file(edited(GOOD_ROWS, {3: {PLAN: "RRH 2025-26"}, 5: {PLAN: "CEF 2024-25"}})), cef)
    assert_refused(
        result,
        before,
        RowError(
            3,
            PLAN,
            "This line is for the plan “RRH 2025-26”, but you are importing into CEF 2025-26. To copy a plan "
            "into another year, change the Plan column to CEF 2025-26 or delete that column",
        ),
        RowError(
            5,
            PLAN,
            "This line is for the plan “CEF 2024-25”, but you are importing into CEF 2025-26. To copy a plan "
            "into another year, change the Plan column to CEF 2025-26 or delete that column",
        ),
    )


def test_the_plan_column_may_name_the_portfolio_in_full_or_be_empty(cef):
    rows = edited(GOOD_ROWS, {2: {PLAN: "Children, Education and Families 2025/26"}, 3: {PLAN: ""}})
    assert run(csv_file(rows), cef).ok


# Problems in rows: each with its line and column, nothing written --------------------------


def test_an_unknown_ambition(cef):
    before = counts()
    result = run(csv_file(edited(GOOD_ROWS, {4: {SECTION: "Ambition 7"}})), cef)
    assert_refused(
        result, before, RowError(4, SECTION, "Unknown ambition 7: the strategy has ambitions 1 to 5")
    )
    assert str(result.errors[0]) == "Line 4: Unknown ambition 7: the strategy has ambitions 1 to 5"


def test_a_file_mixing_ambitions_and_priorities(cef):
    before = counts()
    result = run(csv_file(edited(GOOD_ROWS, {5: {SECTION: "Priority 5: Workforce"}})), cef)
    assert_refused(
        result,
        before,
        RowError(
            5,
            SECTION,
            "This file names ambitions (from line 2) and also priorities: a plan is organised by one or the other",
        ),
    )


def test_an_action_number_that_is_not_a_whole_number(cef):
    before = counts()
    result = run(csv_file(edited(GOOD_ROWS, {4: {NUMBER: "1.4"}})), cef)
    assert_refused(
        result, before, RowError(4, NUMBER, "The action number must be a whole number such as 4, not “1.4”")
    )


def test_an_action_without_its_text_on_its_first_row(cef):
    before = counts()
    result = run(csv_file(edited(GOOD_ROWS, {4: {ACTION: ""}, 5: {ACTION: ""}})), cef)
    assert_refused(
        result,
        before,
        RowError(4, ACTION, "Missing action: write what action 1.2 will do on its first line"),
        RowError(5, ACTION, "Missing action: write what action 5.1 will do on its first line"),
    )


def test_a_later_row_wording_the_action_differently(cef):
    before = counts()
    result = run(csv_file(edited(GOOD_ROWS, {6: {ACTION: "Recruit and retain the best people"}})), cef)
    assert_refused(
        result,
        before,
        RowError(
            6,
            ACTION,
            "Action 5.1 is worded differently on line 5: leave the Action empty on its later lines, or repeat "
            "it exactly",
        ),
    )


def test_an_action_whose_rows_are_not_together(cef):
    before = counts()
    rows = [GOOD_ROWS[0], GOOD_ROWS[2], GOOD_ROWS[1], *GOOD_ROWS[3:]]  # 1.1 a), 1.2, 1.1 b)
    result = run(csv_file(rows), cef)
    assert_refused(
        result,
        before,
        RowError(
            4, NUMBER, "Action 1.1 starts on line 2 and appears again here: keep an action's lines together"
        ),
    )


def test_a_detail_letter_twice_in_one_action(cef):
    before = counts()
    result = run(csv_file(edited(GOOD_ROWS, {7: {DETAIL: "A) Grow our own"}})), cef)
    assert_refused(result, before, RowError(7, DETAIL, "Action 5.1 has detail a) twice"))


def test_a_detail_letter_without_text(cef):
    before = counts()
    result = run(csv_file(edited(GOOD_ROWS, {7: {DETAIL: "c)"}})), cef)
    assert_refused(result, before, RowError(7, DETAIL, "The detail “c)” has no text"))


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file])
def test_an_unreadable_target_date(cef, make_file):
    before = counts()
    result = run(make_file(edited(GOOD_ROWS, {3: {TARGET: "Aprl 2026"}})), cef)
    assert_refused(
        result, before, RowError(3, TARGET, f"Cannot read the target date “Aprl 2026”: {AP_MESSAGE}")
    )


def test_a_lead_too_long_for_a_post_title(cef):
    before = counts()
    result = run(csv_file(edited(GOOD_ROWS, {5: {LEAD: "Director of HR\n" + "x" * 201}})), cef)
    assert_refused(
        result,
        before,
        RowError(5, LEAD, f"The lead “{'x' * 40}…” is too long for a post title (200 characters at most)"),
    )


def test_a_problem_on_an_actions_first_row_does_not_make_its_later_rows_a_new_action(cef):
    before = counts()
    unknown = {SECTION: "Ambition 9"}
    rows = edited(GOOD_ROWS, {2: {TARGET: "soon"}, 5: unknown, 6: unknown, 7: unknown})
    result = run(csv_file(rows), cef)
    # Line 3 (1.1 b) and lines 6 and 7 (5.1 b and c) leave the Action empty or repeat it: they are
    # still read as rows of the action on line 2 or 5, not as actions of their own without text.
    assert_refused(
        result,
        before,
        RowError(2, TARGET, f"Cannot read the target date “soon”: {AP_MESSAGE}"),
        RowError(5, SECTION, "Unknown ambition 9: the strategy has ambitions 1 to 5"),
        RowError(6, SECTION, "Unknown ambition 9: the strategy has ambitions 1 to 5"),
        RowError(7, SECTION, "Unknown ambition 9: the strategy has ambitions 1 to 5"),
    )


def test_every_problem_is_listed_in_line_and_column_order(cef):
    rows = edited(
        GOOD_ROWS,
        {
            7: {NUMBER: "x"},
            4: {TARGET: "Aprl 2026", SECTION: "Ambition 0"},
        },
    )
    result = run(xlsx_file(rows), cef)
    assert [(error.line, error.column) for error in result.errors] == [(4, SECTION), (4, TARGET), (7, NUMBER)]


def test_a_file_mixing_good_and_bad_rows_changes_nothing(cef, admin):
    assert run(csv_file(GOOD_ROWS), cef, user=admin).ok
    before = counts()
    rows = edited(
        GOOD_ROWS,
        {
            2: {ACTION: "A changed action that must not be saved"},  # good: a change
            3: {TARGET: "Aprl 2026"},  # bad
            4: {LEAD: "A brand new post"},  # good: a new post
            5: {SECTION: "Ambition 9"},  # bad
        },
    )
    rows.append(plan_row("Ambition 5", "2", "A new action that must not be saved", "", lead="Director of HR"))
    rows.append(plan_row("Ambition 5", "3", "", "a) Another"))  # bad: no action text
    result = run(xlsx_file(rows), cef, user=admin)
    assert [error.line for error in result.errors] == [3, 5, 9]
    assert counts() == before
    assert not Post.objects.filter(title="A brand new post").exists()
    assert the_action(1, 1).title == "Support the local childcare and early education market"


# A good file ----------------------------------------------------------------------------------


def test_a_good_file_creates_the_plan_its_sections_actions_and_details(cef, admin):
    result = run(csv_file(GOOD_ROWS, name="CEF plan.csv"), cef, user=admin)
    assert result.ok, result.errors
    plan = result.plan
    assert (plan.portfolio, plan.year, plan.section_kind) == (cef, 2025, SectionKind.AMBITION)
    assert plan.title == "Children, Education and Families portfolio plan 2025-26"
    assert result.plan_created and result.sections_created == 2
    assert (result.created, result.updated, result.unchanged, result.not_in_file) == (3, 0, 0, 0)
    assert [(section.number, section.ambition.number) for section in plan.sections.all()] == [(1, 1), (5, 5)]
    assert plan_text(plan) == GOOD_PLAN
    assert list(the_action(1, 1).portfolios.all()) == [cef]


def test_an_action_is_due_when_its_last_detail_is_and_in_the_annual_programme_if_a_detail_is(cef):
    assert run(csv_file(GOOD_ROWS), cef).ok
    assert (the_action(1, 1).target_date, the_action(1, 1).annual_programme) == (date(2026, 4, 1), True)
    assert (the_action(5, 1).target_date, the_action(5, 1).annual_programme) == (date(2026, 4, 1), False)


def test_a_lead_keeps_the_title_as_the_plan_writes_it_and_new_posts_are_created_and_reported(cef):
    result = run(csv_file(GOOD_ROWS), cef)
    assert result.new_posts == ["Head of School Place Planning", "Director Children, Education and Families"]
    assert "New posts: Head of School Place Planning, Director Children, Education and Families." in (
        result.summary()
    )
    # "director education" is the post Director Education (matched without regard to case), as written.
    lead = DetailLead.objects.get(detail__action=the_action(1, 1), detail__letter="b", order=1)
    assert (lead.post.title, lead.written_as, lead.title) == (
        "Director Education",
        "director education",
        "director education",
    )
    # Written as the post's own title, nothing else is kept.
    assert set(DetailLead.objects.exclude(pk=lead.pk).values_list("written_as", flat=True)) == {""}
    assert Post.objects.filter(title__iexact="director education").count() == 1


def test_a_new_post_takes_its_title_from_the_first_line_that_names_it(cef):
    rows = edited(GOOD_ROWS, {7: {LEAD: "HEAD OF SCHOOL PLACE PLANNING"}})
    result = run(csv_file(rows), cef)
    assert result.new_posts == ["Head of School Place Planning", "Director Children, Education and Families"]
    assert (
        Post.objects.get(title__iexact="head of school place planning").title
        == "Head of School Place Planning"
    )
    lead = DetailLead.objects.get(detail__action=the_action(5, 1), detail__letter="c")
    assert (lead.post.title, lead.title) == ("Head of School Place Planning", "HEAD OF SCHOOL PLACE PLANNING")


def test_a_lead_written_as_a_plan_in_the_portal_writes_a_post_is_that_post(cef):
    build_plan(
        PlanSpec(
            portfolio=cef,
            year=2024,
            title="Last year's plan",
            sections=[
                SectionSpec(
                    number=1,
                    title="Ambition 1",
                    actions=[
                        ActionSpec(
                            number=1,
                            title="An action",
                            details=[
                                DetailSpec(leads=[LeadSpec("Director Education", "Director of Education")])
                            ],
                        )
                    ],
                )
            ],
        )
    )
    rows = edited(GOOD_ROWS, {4: {LEAD: "DIRECTOR OF  EDUCATION"}})
    result = run(csv_file(rows), cef)
    assert result.ok, result.errors
    assert "Director of Education" not in " ".join(result.new_posts)
    lead = DetailLead.objects.get(detail__action=the_action(1, 2))
    assert (lead.post.title, lead.title) == ("Director Education", "DIRECTOR OF EDUCATION")

    # Naming one post twice on a row, however it is written, is a problem.
    before = counts()
    rows = edited(GOOD_ROWS, {4: {LEAD: "Director Education; Director of Education"}})
    result = run(csv_file(rows), cef)
    assert_refused(
        result,
        before,
        RowError(
            4,
            LEAD,
            "“Director Education” and “Director of Education” are both the post Director Education: name it once",
        ),
    )


def test_the_history_says_who_imported_and_from_which_file(cef, admin):
    assert run(csv_file(GOOD_ROWS, name="CEF plan.csv"), cef, user=admin).ok
    for model, created in [
        (PortfolioPlan, 1),
        (Action, 3),
        (ActionDetail, 6),
        (DetailLead, 8),
        (MeasureOfSuccess, 5),
        (Post, 2),
    ]:
        records = model.history.exclude(history_change_reason=None)  # the fixture's posts have none
        assert {
            (record.history_type, record.history_user, record.history_change_reason) for record in records
        } == {("+", admin, "Imported from CEF plan.csv")}, model
        assert records.count() == created, model


def test_a_long_file_name_fits_the_history(cef, admin):
    name = "Children, Education and Families portfolio plan " * 4 + ".csv"
    result = run(csv_file(GOOD_ROWS, name=name), cef, user=admin)
    assert result.ok, result.errors
    reason = result.plan.history.get().history_change_reason
    assert reason.startswith("Imported from Children, Education") and len(reason) <= 100


def test_an_excel_date_in_the_target_date_column_is_its_month(cef):
    file, name = xlsx_file(GOOD_ROWS)
    workbook = openpyxl.load_workbook(file)
    workbook.active.cell(row=4, column=COLUMNS.index(TARGET) + 1, value=datetime(2026, 3, 17))
    file = io.BytesIO()
    workbook.save(file)
    assert run((file, name), cef).ok
    assert the_action(1, 2).details.get().target_date == date(2026, 3, 1)


def test_cells_the_download_guards_against_formulas_are_read_back_as_written(cef, q4):
    # plans.spreadsheet writes an apostrophe before a cell that starts like a formula, and only there.
    rows = edited(
        GOOD_ROWS,
        {
            4: {
                MEASURES: "'=Schools rated Good\n+2 Outstanding",
                DETAIL: "'Good' means rated Good by Ofsted",
                UPDATE: "'- Most are Good.",
            }
        },
    )
    assert run(csv_file(rows), cef, updates_period=q4).ok
    detail = the_action(1, 2).details.get()
    assert [measure.text for measure in detail.measures_of_success.all()] == [
        "=Schools rated Good",
        "+2 Outstanding",
    ]
    assert detail.text == "'Good' means rated Good by Ofsted"
    assert the_action(1, 2).updates.get().narrative == "- Most are Good."


# Importing again ------------------------------------------------------------------------------


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file])
def test_importing_the_same_file_again_changes_nothing(cef, admin, make_file):
    assert run(make_file(GOOD_ROWS), cef, user=admin).ok
    before = counts()
    result = run(make_file(GOOD_ROWS), cef, user=admin)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged, result.not_in_file) == (0, 0, 3, 0)
    assert not result.plan_created and not result.new_posts and not result.sections_created
    assert counts() == before  # no new history either


def test_a_changed_detail_is_changed_in_place_and_other_actions_are_left_alone(cef, admin):
    assert run(csv_file(GOOD_ROWS), cef).ok
    detail = ActionDetail.objects.get(action=the_action(1, 1), letter="b")
    history = {model: model.history.count() for model in (Action, ActionDetail, DetailLead, MeasureOfSuccess)}
    rows = edited(
        GOOD_ROWS,
        {
            3: {
                DETAIL: "b) Work with every early years setting",
                TARGET: "Oct 2025 (AP)",
                LEAD: "Head of School Place Planning",
                MEASURES: "All settings rated Good or better",
            }
        },
    )
    result = run(csv_file(rows, name="plan v2.csv"), cef, user=admin)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    expected = dict(GOOD_PLAN)
    title, details = expected[(1, 1)]
    expected[(1, 1)] = (
        title,
        [
            details[0],
            (
                "b",
                "Work with every early years setting",
                ["All settings rated Good or better"],
                date(2025, 10, 1),
                True,
                [("Head of School Place Planning", "Head of School Place Planning")],
            ),
        ],
    )
    assert plan_text(the_plan()) == expected
    assert ActionDetail.objects.get(action=the_action(1, 1), letter="b").pk == detail.pk
    # Only action 1.1 and its detail b) were recorded, by the admin, with the file's name.
    changed = {
        model: list(model.history.order_by("history_id")[history[model] :])
        for model in (Action, ActionDetail, DetailLead, MeasureOfSuccess)
    }
    assert [(r.id, r.history_type) for r in changed[Action]] == [(the_action(1, 1).pk, "~")]
    assert [(r.id, r.history_type) for r in changed[ActionDetail]] == [(detail.pk, "~")]
    # Director Education no longer leads b) (deleted); Head of School Place Planning still does, now first.
    assert sorted(r.history_type for r in changed[DetailLead]) == ["-", "~"]
    assert {r.detail_id for r in changed[DetailLead]} == {detail.pk}
    assert [r.history_type for r in changed[MeasureOfSuccess]] == ["~"]
    assert {(r.history_user, r.history_change_reason) for records in changed.values() for r in records} == {
        (admin, "Imported from plan v2.csv")
    }


def test_an_added_detail_is_created_and_a_removed_detail_deleted(cef, admin):
    assert run(csv_file(GOOD_ROWS), cef).ok
    removed = ActionDetail.objects.get(action=the_action(1, 1), letter="b")
    rows = [row for line, row in enumerate(GOOD_ROWS, start=2) if line != 3]  # 1.1 b) removed
    rows.append(
        plan_row("Ambition 5", "1", "", "d) Train our own", "Apprentices", "March 2026", "Director of HR")
    )
    result = run(csv_file(rows), cef, user=admin)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    text = plan_text(the_plan())
    assert text[(1, 1)][1] == GOOD_PLAN[(1, 1)][1][:1]
    assert text[(5, 1)][1] == [
        *GOOD_PLAN[(5, 1)][1],
        (
            "d",
            "Train our own",
            ["Apprentices"],
            date(2026, 3, 1),
            False,
            [("Director of HR", "Director of HR")],
        ),
    ]
    assert not ActionDetail.objects.filter(pk=removed.pk).exists()
    assert ActionDetail.history.filter(id=removed.pk).latest().history_type == "-"
    assert ActionDetail.history.filter(action_id=the_action(5, 1).pk, letter="d").get().history_user == admin
    # Action 1.1 is now due when its only detail is.
    assert the_action(1, 1).target_date == date(2026, 4, 1)


def test_a_detail_that_a_published_update_writes_about_is_not_removed(cef, q4):
    assert run(csv_file(GOOD_ROWS), cef, updates_period=q4).ok  # notes on 1.1 a) and b)
    before = counts()
    rows = [row for line, row in enumerate(GOOD_ROWS, start=2) if line != 3]
    result = run(csv_file(rows), cef)
    assert_refused(
        result,
        before,
        RowError(
            2,
            DETAIL,
            "Action 1.1 would lose detail b), which a reported update writes about or gives a figure for: keep "
            "its row, or ask an administrator to correct the plan",
        ),
    )


def test_changing_a_details_date_keeps_its_measures_and_the_figures_reported_against_them(cef, q4):
    assert run(csv_file(GOOD_ROWS), cef).ok
    update = QuarterlyUpdate.objects.create(action=the_action(1, 1), period=q4, status=UpdateStatus.LOCKED)
    measure = MeasureOfSuccess.objects.get(detail__action=the_action(1, 1), text="Take-up of funded places")
    MeasureFigure.objects.create(update=update, measure=measure, value="92%")
    result = run(csv_file(edited(GOOD_ROWS, {2: {TARGET: "May 2026 (AP)"}})), cef)
    assert (result.updated, result.unchanged) == (1, 2)
    assert MeasureOfSuccess.objects.get(pk=measure.pk).detail.target_date == date(2026, 5, 1)
    assert update.figures.get().value == "92%"


# The Update column ---------------------------------------------------------------------------


def test_without_a_period_the_update_column_is_skipped_and_counted(cef):
    result = run(csv_file(GOOD_ROWS), cef)
    assert result.ok
    assert result.updates_skipped == 4
    assert not QuarterlyUpdate.objects.exists()
    assert (
        "4 update texts not imported: choose the period the updates report on to import them."
        in result.summary()
    )


def test_with_a_period_of_the_plans_year_the_update_column_becomes_its_published_updates(cef, admin, q4):
    result = run(csv_file(GOOD_ROWS), cef, user=admin, updates_period=q4)
    assert result.ok, result.errors
    assert (result.updates_created, result.updates_skipped) == (3, 0)
    assert "3 updates added as approved, to be reported when the period is locked." in result.summary()
    updates = {
        update.action.reference: update
        for update in QuarterlyUpdate.objects.reported().filter(period=q4).select_related("action__section")
    }
    # Approved, never locked: the period's lock reports them like any other approved update.
    assert {reference: update.status for reference, update in updates.items()} == {
        "1.1": UpdateStatus.APPROVED,
        "1.2": UpdateStatus.APPROVED,
        "5.1": UpdateStatus.APPROVED,
    }
    # Several rows with an update: a note on each of those rows' details.
    assert update_words(updates["1.1"]) == ("", {1: "Directory published.", 2: "Take-up at 92%."})
    assert updates["1.1"].reported_narrative == "a): Directory published.\n\nb): Take-up at 92%."
    # Only the last row with an update: the action's narrative, kept as text.
    assert update_words(updates["1.2"]) == ("- Most schools are Good.\n- Two are Outstanding.", {})
    assert update_words(updates["5.1"]) == ("<script>alert('kept as text')</script>", {})
    for model in (QuarterlyUpdate, UpdateNote):
        assert {(r.history_user, r.history_change_reason) for r in model.history.all()} == {
            (admin, "Imported from plan.csv")
        }


def test_an_update_on_a_row_before_the_last_is_a_note_on_that_rows_detail(cef, q4):
    rows = edited(GOOD_ROWS, {6: {UPDATE: "Turnover is down."}, 7: {UPDATE: ""}})
    assert run(csv_file(rows), cef, updates_period=q4).ok
    update = QuarterlyUpdate.objects.get(action=the_action(5, 1), period=q4)
    assert update_words(update) == ("", {2: "Turnover is down."})


def test_updates_cannot_report_on_a_period_of_another_year(cef):
    period = ReportingPeriod.objects.create(year=2024, quarter=4, **ReportingPeriod.default_dates(2024, 4))
    before = counts()
    result = run(csv_file(GOOD_ROWS), cef, updates_period=period)
    assert_refused(
        result,
        before,
        RowError(None, UPDATE, "The updates can only report on a period of 2025-26, not 2024-25 Q4"),
    )


def test_the_same_updates_again_are_fine(cef, q4):
    assert run(csv_file(GOOD_ROWS), cef, updates_period=q4).ok
    before = counts()
    result = run(xlsx_file(GOOD_ROWS), cef, updates_period=q4)
    assert result.ok, result.errors
    assert (result.updates_created, result.unchanged) == (0, 3)
    assert counts() == before


def test_a_file_never_changes_an_update_already_there_for_the_period(cef, q4):
    assert run(csv_file(GOOD_ROWS), cef, updates_period=q4).ok
    before = counts()
    rows = edited(
        GOOD_ROWS,
        {
            2: {ACTION: "A changed action that must not be saved"},
            3: {UPDATE: "Take-up at 95%."},
            7: {UPDATE: "A different story"},
        },
    )
    result = run(csv_file(rows), cef, updates_period=q4)
    message = "already has a different 2025-26 Q4 update; correct it in the portal with an amendment rather than by import."
    assert_refused(
        result,
        before,
        RowError(2, UPDATE, f"Action 1.1 {message}"),
        RowError(7, UPDATE, f"Action 5.1 {message}"),
    )


def test_an_update_written_in_the_portal_for_the_period_is_not_overwritten_either(cef, q4):
    assert run(csv_file(GOOD_ROWS), cef).ok
    QuarterlyUpdate.objects.create(action=the_action(1, 2), period=q4, narrative="Our own words")
    before = counts()
    result = run(csv_file(GOOD_ROWS), cef, updates_period=q4)
    assert [(error.line, error.column) for error in result.errors] == [(4, UPDATE)]
    assert counts() == before


# A dry run -------------------------------------------------------------------------------------


def outcome(result):
    return (
        result.ok,
        result.plan_created,
        result.created,
        result.updated,
        result.unchanged,
        result.not_in_file,
        result.sections_created,
        result.new_posts,
        result.updates_created,
        result.updates_skipped,
    )


def test_a_dry_run_counts_exactly_what_the_import_would_do_and_saves_nothing(cef, admin, q4):
    before = counts()
    dry = run(csv_file(GOOD_ROWS), cef, user=admin, updates_period=q4, dry_run=True)
    assert counts() == before
    assert dry.plan is None  # the plan it would create is not there to link to
    assert dry.summary()[0] == "Dry run: nothing was saved. The import would make these changes."
    assert "The CEF 2025-26 plan would be created." in dry.summary()
    real = run(csv_file(GOOD_ROWS), cef, user=admin, updates_period=q4)
    assert (
        outcome(dry)
        == outcome(real)
        == (
            True,
            True,
            3,
            0,
            0,
            0,
            2,
            ["Head of School Place Planning", "Director Children, Education and Families"],
            3,
            0,
        )
    )

    # A dry run of changes to the plan counts the same as the changes.
    rows = [
        *edited(GOOD_ROWS, {4: {ACTION: "Changed"}})[:3],
        plan_row("Ambition 5", "2", "New", "", lead="New post"),
    ]
    before = counts()
    dry = run(csv_file(rows), cef, dry_run=True)
    assert counts() == before
    assert dry.plan == real.plan
    real = run(csv_file(rows), cef)
    assert outcome(dry) == outcome(real) == (True, False, 1, 1, 1, 1, 0, ["New post"], 0, 3)


def test_a_dry_run_of_a_bad_file_lists_its_problems(cef):
    result = run(csv_file(edited(GOOD_ROWS, {3: {TARGET: "soon"}})), cef, dry_run=True)
    assert [(error.line, error.column) for error in result.errors] == [(3, TARGET)]
    assert result.summary() == ["The file has 1 problem: nothing was imported."]


# A plan by priorities ------------------------------------------------------------------------

PRIORITY_ROWS = [
    plan_row(
        "Priority 1: Safeguarding",
        "1",
        "Raise awareness of children and adults safeguarding",
        "a) Work with both Safeguarding Boards",
        "Training delivered",
        "April 2022 [AP]",
        "Director Children's Social Care",
        plan="",
    ),
    plan_row(
        "Priority 1",
        "1",
        "",
        "b) Undertake a campaign",
        "",
        "April 2022 [AP]",
        "Director Children's Social Care",
        plan="",
    ),
    plan_row(
        "Priority 2",
        "1",
        "Develop our local school improvement strategy",
        "",
        "",
        "Dec 2018",
        "Director Education",
        plan="",
    ),
    plan_row(
        "Priority 2: Life Chances, Resilience and Wellbeing",
        "2",
        "Secure sufficient school places",
        "",
        "",
        "",
        "Director Education",
        plan="",
    ),
]


def test_a_plan_by_priorities_takes_each_priority_title_from_the_line_that_gives_it(cef):
    result = run(csv_file(PRIORITY_ROWS), cef, year="2018-19")
    assert result.ok, result.errors
    plan = result.plan
    assert plan.section_kind == SectionKind.PRIORITY
    assert [(section.number, section.title, section.ambition) for section in plan.sections.all()] == [
        (1, "Safeguarding", None),
        (2, "Life Chances, Resilience and Wellbeing", None),
    ]
    text = plan_text(plan)
    assert [detail[:2] for detail in text[("Safeguarding", 1)][1]] == [
        ("a", "Work with both Safeguarding Boards"),
        ("b", "Undertake a campaign"),
    ]
    assert text[("Life Chances, Resilience and Wellbeing", 1)][1] == [
        ("", "", [], date(2018, 12, 1), False, [("Director Education", "Director Education")])
    ]


def test_a_priority_is_renamed_from_the_file_and_the_result_says_so(cef):
    assert run(csv_file(PRIORITY_ROWS), cef, year="2018-19").ok
    renamed = edited(PRIORITY_ROWS[:2], {2: {SECTION: "Priority 1: Safeguarding children and adults"}})
    result = run(csv_file(renamed), cef, year="2018-19")
    assert (result.updated, result.unchanged, result.not_in_file) == (0, 1, 2)
    assert "Renamed: Priority 1 “Safeguarding” → “Safeguarding children and adults”." in result.summary()
    assert the_plan(2018).sections.get(number=1).title == "Safeguarding children and adults"
    # An existing priority may be named without its title.
    assert run(csv_file(edited(PRIORITY_ROWS, {2: {SECTION: "Priority 1"}})), cef, year="2018-19").ok


def test_a_new_priority_needs_a_title(cef):
    before = counts()
    rows = [*PRIORITY_ROWS, plan_row("Priority 3", "1", "Implement the SEND Reforms", "", plan="")]
    result = run(csv_file(rows), cef, year="2018-19")
    assert_refused(
        result,
        before,
        RowError(
            6, SECTION, "Priority 3 is new to this plan, so it needs a title: write Priority 3: its title"
        ),
    )


def test_a_priority_with_two_titles(cef):
    before = counts()
    rows = edited(PRIORITY_ROWS, {4: {SECTION: "Priority 2: Life chances"}})
    result = run(csv_file(rows), cef, year="2018-19")
    assert_refused(
        result,
        before,
        RowError(
            5,
            SECTION,
            "Priority 2 is called “Life chances” on line 4 but “Life Chances, Resilience and Wellbeing” here: "
            "give it one title",
        ),
    )


def test_a_plan_by_priorities_cannot_take_an_ambition(cef):
    assert run(csv_file(PRIORITY_ROWS), cef, year="2018-19").ok
    before = counts()
    result = run(csv_file([{**GOOD_ROWS[3], PLAN: ""}]), cef, year="2018-19")
    assert_refused(
        result,
        before,
        RowError(
            2,
            SECTION,
            "The CEF 2018-19 plan is organised by priorities, so this line cannot name an ambition (“Ambition 5”)",
        ),
    )


# The round trip: download a plan from its page, import it back, copy it into a new year ------


@pytest.fixture
def seeded(council):
    load_seed_plans()
    return council


def download(client, user, plan, file_format):
    client.force_login(user)
    response = client.get(
        reverse("plans:plan_export", args=[plan.portfolio.code, plan.year_label]), {"format": file_format}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{file_format}"')
    return response.content


def into_another_year(content, file_format, plan_name):
    """The download edited for another year: the Plan column changed (Excel) or deleted (CSV)."""
    if file_format == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        sheet = workbook.active
        column = [cell.value for cell in sheet[1]].index(PLAN) + 1
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row=row, column=column, value=plan_name)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    column = rows[0].index(PLAN)
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([row[:column] + row[column + 1 :] for row in rows])
    return buffer.getvalue().encode("utf-8")


ROUND_TRIPS = [
    pytest.param(2023, 3, 21, id="CEF 2023-24 by ambitions"),
    pytest.param(2018, 4, 16, id="CEF 2018-19 by priorities"),
]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
@pytest.mark.parametrize(("year", "quarter", "actions"), ROUND_TRIPS)
def test_a_plan_downloaded_from_its_page_imports_back_into_it_unchanged(
    client, seeded, admin, file_format, year, quarter, actions
):
    plan = the_plan(year)
    content = download(client, admin, plan, file_format)
    period = ReportingPeriod.objects.get(year=year, quarter=quarter)  # the seed's updates report on it
    before = counts()
    result = import_plan(
        io.BytesIO(content), f"plan.{file_format}", seeded["CEF"], year, user=admin, updates_period=period
    )
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged, result.not_in_file) == (0, 0, actions, 0)
    assert (result.new_posts, result.updates_created, result.sections_renamed) == ([], 0, [])
    assert counts() == before


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
@pytest.mark.parametrize(("year", "quarter", "actions"), ROUND_TRIPS)
def test_a_plan_downloaded_from_its_page_copies_into_a_new_year_detail_for_detail(
    client, seeded, admin, file_format, year, quarter, actions
):
    source = the_plan(year)
    content = into_another_year(download(client, admin, source, file_format), file_format, "CEF 2025-26")
    result = import_plan(io.BytesIO(content), f"copy.{file_format}", seeded["CEF"], "2025-26", user=admin)
    assert result.ok, result.errors
    assert (result.created, result.new_posts) == (actions, [])
    copy = result.plan
    assert copy.section_kind == source.section_kind
    assert plan_text(copy) == plan_text(source)
    assert [(s.number, s.title, s.ambition_id) for s in copy.sections.all()] == [
        (s.number, s.title, s.ambition_id) for s in source.sections.all()
    ]
    assert [(a.target_date, a.annual_programme) for a in Action.objects.filter(section__plan=copy)] == [
        (a.target_date, a.annual_programme) for a in Action.objects.filter(section__plan=source)
    ]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
@pytest.mark.parametrize(("year", "quarter", "actions"), ROUND_TRIPS)
def test_a_plans_spreadsheet_with_its_updates_imports_back_unchanged_and_carries_them_into_a_new_year(
    seeded, admin, file_format, year, quarter, actions
):
    period = ReportingPeriod.objects.get(year=year, quarter=quarter)
    dataset = spreadsheet.plan_dataset(selectors.plan_tree("CEF", year), period)
    content = dataset.export(file_format)
    content = content.encode("utf-8-sig") if file_format == "csv" else content
    before = counts()
    result = import_plan(
        io.BytesIO(content), f"plan.{file_format}", seeded["CEF"], year, updates_period=period
    )
    assert result.ok, result.errors
    assert (result.unchanged, result.updates_created) == (actions, 0)
    assert counts() == before

    # Copied into a new year with a quarter of that year chosen, each update comes with the same words.
    new_period = ReportingPeriod.objects.create(
        year=2025, quarter=quarter, **ReportingPeriod.default_dates(2025, quarter)
    )
    content = into_another_year(content, file_format, "CEF 2025-26")
    result = import_plan(
        io.BytesIO(content), f"copy.{file_format}", seeded["CEF"], 2025, updates_period=new_period
    )
    assert result.ok, result.errors
    source = QuarterlyUpdate.objects.filter(period=period, action__section__plan=the_plan(year))
    assert result.updates_created == source.count() == actions
    copied = QuarterlyUpdate.objects.filter(period=new_period)
    assert {update.action.reference: update_words(update) for update in copied} == {
        update.action.reference: update_words(update) for update in source
    }
    assert any(update.notes.exists() for update in copied)  # several rows' updates, as notes


def test_an_action_keeps_the_strategy_commitment_it_serves_which_the_spreadsheet_does_not_carry(
    client, cef, admin
):
    commitment = Commitment.objects.get(ambition__number=1, number=1)
    build_plan(
        PlanSpec(
            portfolio=cef,
            year=2025,
            title="CEF plan",
            sections=[
                SectionSpec(
                    number=1,
                    title="Ambition 1",
                    ambition=commitment.ambition,
                    actions=[
                        ActionSpec(
                            number=1,
                            title="An action serving a commitment",
                            commitment=commitment,
                            details=[DetailSpec("a", "A detail", leads=[LeadSpec("Director Education")])],
                        )
                    ],
                )
            ],
        )
    )
    content = download(client, admin, the_plan(), "csv")
    before = counts()
    result = import_plan(io.BytesIO(content), "plan.csv", cef, 2025)
    assert (result.updated, result.unchanged) == (0, 1)
    assert counts() == before

    changed = content.replace(b"A detail", b"A changed detail")
    result = import_plan(io.BytesIO(changed), "plan.csv", cef, 2025)
    assert result.updated == 1
    assert the_action(1, 1).commitment == commitment


# The page --------------------------------------------------------------------------------------

IMPORT_URL = "/plans/import/"


def upload(file_and_name, portfolio, year="2025-26", period=None):
    file, name = file_and_name
    data = {"portfolio": portfolio.pk, "year": year, "file": SimpleUploadedFile(name, file.getvalue())}
    if period is not None:
        data["updates_period"] = period.pk
    return data


def test_the_import_page_is_at_its_address():
    assert reverse("plans:import") == IMPORT_URL


def test_the_page_shows_the_form(client, cef, admin, q4):
    client.force_login(admin)
    response = client.get(IMPORT_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert "govuk-file-upload" in content
    assert "/static/plans/plan-template.csv" in content
    assert "all or nothing" in content
    assert 'name="updates_period"' in content and "2025-26 Q4" in content


def test_a_bad_file_on_the_page_lists_each_problem_and_changes_nothing(client, cef, admin):
    client.force_login(admin)
    before = counts()
    rows = edited(GOOD_ROWS, {3: {TARGET: "Aprl 2026"}, 6: {ACTION: "Something else"}})
    response = client.post(IMPORT_URL, upload(xlsx_file(rows), cef))
    assert response.status_code == 200
    assert counts() == before
    content = response.content.decode()
    assert "<title>Error: Import a plan" in content
    assert "govuk-error-summary" in content
    assert f"Line 3: Cannot read the target date “Aprl 2026”: {AP_MESSAGE}" in content
    assert (
        "Line 6: Action 5.1 is worded differently on line 5: leave the Action empty on its later lines, or "
        "repeat it exactly"
    ).replace("'", "&#x27;") in content
    assert 'id="import-errors"' in content
    assert "The file has 2 problems: nothing was imported. Correct the file and upload it again" in content


def test_a_whole_file_problem_on_the_page(client, cef, admin):
    client.force_login(admin)
    response = client.post(IMPORT_URL, upload((io.BytesIO(b"not a workbook"), "plan.xlsx"), cef))
    content = response.content.decode()
    assert "Cannot read “plan.xlsx” as an Excel workbook: save it again as .xlsx or as CSV" in content
    assert "Whole file" in content


def test_user_text_in_the_problems_is_escaped(client, cef, admin):
    client.force_login(admin)
    rows = edited(GOOD_ROWS, {2: {TARGET: "<b>soon</b>"}, 3: {PLAN: "<script>x()</script>"}})
    response = client.post(IMPORT_URL, upload(csv_file(rows), cef))
    assert b"<b>soon</b>" not in response.content
    assert b"<script>x()" not in response.content
    assert b"&lt;b&gt;soon&lt;/b&gt;" in response.content
    assert b"&lt;script&gt;x()&lt;/script&gt;" in response.content


def confirm(client, preview):
    """Confirm a preview page's form, as its button does."""
    assert preview.status_code == 200, preview.content.decode()[:2000]
    return client.post("/plans/import/confirm/", preview_form(preview))


def preview_form(preview) -> dict:
    context = preview.context
    return {
        "token": context["pending"].token,
        "portfolio": context["portfolio"].pk,
        "year": context["year"],
        "updates_period": context["updates_period"].pk if context["updates_period"] else "",
    }


def test_a_good_file_on_the_page_redirects_to_the_plan_and_says_what_happened(client, cef, admin, q4):
    client.force_login(admin)
    response = confirm(client, client.post(IMPORT_URL, upload(csv_file(GOOD_ROWS), cef, period=q4)))
    plan = the_plan()
    assert response.status_code == 302
    assert response.url == plan.get_absolute_url()
    page = client.get(response.url).content.decode()
    assert "The CEF 2025-26 plan was created." in page
    assert "3 actions created, 0 updated, 0 unchanged." in page
    assert "3 updates added as approved, to be reported when the period is locked." in page
    assert set(Action.history.values_list("history_user", flat=True)) == {admin.pk}
    assert QuarterlyUpdate.objects.filter(period=q4).count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": "2025-27"}, "Enter the financial year as the first year and the next, for example 2023-24"),
        ({"year": ""}, "Enter the financial year of the plan, for example 2023-24"),
        (
            {"file": SimpleUploadedFile("plan.docx", b"x")},
            "The selected file must be a CSV or an Excel (.xlsx) file",
        ),
        ({"file": ""}, "Select a CSV or Excel file of the plan"),
        ({"file": SimpleUploadedFile("plan.csv", b"")}, "The selected file is empty"),
        ({"portfolio": ""}, "Select the portfolio the plan belongs to"),
        ({"updates_period": "other year"}, "Choose a quarter of 2025-26, the plan&#x27;s year, or none"),
    ],
)
def test_the_form_refuses_what_it_cannot_use(client, cef, admin, data, message):
    client.force_login(admin)
    if data.get("updates_period") == "other year":
        period = ReportingPeriod.objects.create(
            year=2024, quarter=1, **ReportingPeriod.default_dates(2024, 1)
        )
        data = {"updates_period": period.pk}
    before = counts()
    response = client.post(IMPORT_URL, {**upload(csv_file(GOOD_ROWS), cef), **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before


def test_files_over_5_mb_are_refused(client, cef, admin):
    client.force_login(admin)
    big = SimpleUploadedFile("plan.csv", b"x" * (5 * 1024 * 1024 + 1))
    before = counts()
    response = client.post(IMPORT_URL, {"portfolio": cef.pk, "year": "2025-26", "file": big})
    assert "The selected file must be smaller than 5 MB" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize("role", [role for role in Role if role != Role.ADMIN])
def test_only_admins_may_import(client, cef, role):
    client.force_login(make_user(role))
    assert client.get(IMPORT_URL).status_code == 403
    before = counts()
    assert client.post(IMPORT_URL, upload(csv_file(GOOD_ROWS), cef)).status_code == 403
    assert counts() == before


def test_people_who_have_not_signed_in_are_sent_to_sign_in(client, cef):
    before = counts()
    response = client.post(IMPORT_URL, upload(csv_file(GOOD_ROWS), cef))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert counts() == before


def test_the_csv_template_has_the_plan_columns():
    template = settings.BASE_DIR / "static" / "plans" / "plan-template.csv"
    rows = list(csv.reader(template.read_text(encoding="utf-8-sig").splitlines()))
    assert rows == [spreadsheet.COLUMNS]


# The command -----------------------------------------------------------------------------------


def write(tmp_path, file_and_name):
    file, name = file_and_name
    path = tmp_path / name
    path.write_bytes(file.getvalue())
    return str(path)


def test_the_command_imports_a_file(cef, admin, tmp_path):
    out = io.StringIO()
    call_command(
        "import_plan",
        write(tmp_path, xlsx_file(GOOD_ROWS)),
        portfolio="cef",
        year="2025-26",
        user=admin.username,
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert "3 actions created, 0 updated, 0 unchanged." in lines
    assert lines[-1] == "Imported into CEF 2025-26."
    assert the_plan().history.get().history_user == admin
    assert plan_text(the_plan()) == GOOD_PLAN


def test_the_command_imports_the_update_column_for_the_period_named(cef, q4, tmp_path):
    out = io.StringIO()
    path = write(tmp_path, csv_file(GOOD_ROWS))
    call_command(
        "import_plan",
        path,
        "--portfolio",
        "CEF",
        "--year",
        "2025-26",
        "--updates-period",
        "2025-26 Q4",
        stdout=out,
    )
    assert "3 updates added as approved, to be reported when the period is locked." in out.getvalue()
    assert QuarterlyUpdate.objects.filter(period=q4).count() == 3


def test_the_command_dry_run_saves_nothing(cef, tmp_path):
    out = io.StringIO()
    before = counts()
    call_command(
        "import_plan",
        write(tmp_path, csv_file(GOOD_ROWS)),
        "--portfolio",
        "CEF",
        "--year",
        "2025-26",
        "--dry-run",
        stdout=out,
    )
    assert out.getvalue().splitlines()[:2] == [
        "Dry run: nothing was saved. The import would make these changes.",
        "The CEF 2025-26 plan would be created.",
    ]
    assert "Imported into" not in out.getvalue()
    assert counts() == before


def test_the_command_reports_each_bad_line_and_fails(cef, tmp_path):
    rows = edited(GOOD_ROWS, {3: {TARGET: "Aprl 2026"}, 4: {SECTION: "Ambition 7"}})
    err = io.StringIO()
    before = counts()
    with pytest.raises(CommandError, match=r"^The file has 2 problems: nothing was imported\.$") as failure:
        call_command(
            "import_plan", write(tmp_path, csv_file(rows)), portfolio="CEF", year="2025-26", stderr=err
        )
    assert failure.value.returncode == 1  # manage.py exits with this status
    assert err.getvalue().splitlines() == [
        f"line 3: Cannot read the target date “Aprl 2026”: {AP_MESSAGE}",
        "line 4: Unknown ambition 7: the strategy has ambitions 1 to 5",
    ]
    assert counts() == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"portfolio": "XYZ", "year": "2025-26"}, "Unknown portfolio “XYZ”: the portfolios are "),
        ({"portfolio": "CEF", "year": "2025"}, "is not a financial year"),
        ({"portfolio": "CEF", "year": "2025-26", "user": "nobody"}, "Unknown user “nobody”"),
        (
            {"portfolio": "CEF", "year": "2025-26", "updates_period": "2025-26 Q9"},
            "No reporting period “2025-26 Q9”: write it as 2023-24 Q4",
        ),
        (
            {"portfolio": "CEF", "year": "2025-26", "updates_period": "2025-26 Q1"},
            "No reporting period “2025-26 Q1”",
        ),
    ],
)
def test_the_command_refuses_bad_options(cef, tmp_path, options, message):
    path = write(tmp_path, csv_file(GOOD_ROWS))
    before = counts()
    with pytest.raises(CommandError, match=message):
        call_command("import_plan", path, **options)
    assert counts() == before


def test_the_command_refuses_a_file_it_cannot_open(cef, tmp_path):
    with pytest.raises(CommandError, match=r"Cannot open .*missing\.csv: No such file or directory"):
        call_command("import_plan", str(tmp_path / "missing.csv"), portfolio="CEF", year="2025-26")


def test_the_command_refuses_a_plan_of_another_year_in_the_updates_period(cef, tmp_path):
    ReportingPeriod.objects.create(year=2024, quarter=2, **ReportingPeriod.default_dates(2024, 2))
    err = io.StringIO()
    with pytest.raises(CommandError, match="The file has 1 problem"):
        call_command(
            "import_plan",
            write(tmp_path, csv_file(GOOD_ROWS)),
            portfolio="CEF",
            year="2025-26",
            updates_period="2024-25 Q2",
            stderr=err,
        )
    assert err.getvalue().strip() == "The updates can only report on a period of 2025-26, not 2024-25 Q2"


@pytest.mark.parametrize(("year", "quarter", "actions"), ROUND_TRIPS)
def test_the_plan_pages_download_with_a_quarters_updates_imports_back_unchanged(
    client, seeded, admin, year, quarter, actions
):
    plan = the_plan(year)
    period = ReportingPeriod.objects.get(year=year, quarter=quarter)
    client.force_login(admin)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert f"format=xlsx&amp;period={period.pk}" in page
    response = client.get(
        reverse("plans:plan_export", args=[plan.portfolio.code, plan.year_label]),
        {"format": "xlsx", "period": period.pk},
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert any(row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)), "the Update column is filled"
    before = counts()
    result = import_plan(
        io.BytesIO(response.content), "plan.xlsx", seeded["CEF"], year, updates_period=period
    )
    assert result.ok, result.errors
    assert (result.unchanged, result.updates_created) == (actions, 0)
    assert counts() == before


def test_a_period_of_another_year_or_nonsense_in_the_query_gives_the_plan_without_updates(
    client, seeded, admin
):
    plan = the_plan(2023)
    client.force_login(admin)
    url = reverse("plans:plan_export", args=[plan.portfolio.code, plan.year_label])
    other = ReportingPeriod.objects.get(year=2018, quarter=4)
    for value in (other.pk, "x", "-1", "9" * 40):
        response = client.get(url, {"format": "csv", "period": value})
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert not any(row[-1] for row in rows[1:]), value


def test_a_new_years_plan_comes_with_its_four_reporting_periods(cef):
    assert not ReportingPeriod.objects.filter(year=2025).exists()
    result = run(csv_file(GOOD_ROWS), cef)
    assert result.errors == []
    periods = ReportingPeriod.objects.filter(year=2025).order_by("quarter")
    assert [(p.quarter, p.status) for p in periods] == [(q, PeriodStatus.PLANNED) for q in (1, 2, 3, 4)]
    assert periods[0].due_on == date(2025, 7, 14)
