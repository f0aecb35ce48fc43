"""Importing a plan from a spreadsheet: the rules, all-or-nothing, the round trip, the page and the command."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from ambitions.models import Portfolio, Post
from ambitions.services import ensure_portfolios, load_seed_strategy
from bromley_portal.accounts.roles import Role
from plans.choices import PeriodStatus, SectionKind, UpdateStatus
from plans.importers import (
    CellError,
    RowError,
    import_plan,
    parse_details,
    parse_leads,
    parse_target_date,
    read_plan_file,
)
from plans.models import (
    Action,
    ActionDetail,
    MeasureOfSuccess,
    PlanSection,
    PortfolioPlan,
    QuarterlyUpdate,
    ReportingPeriod,
)
from plans.seeds import load_seed_plans
from plans.tables import PLAN_COLUMNS
from tests.factories import make_user

HEADER = list(PLAN_COLUMNS)

GOOD_ROWS = [
    {
        "Plan": "CEF 2025-26",
        "Ambition or priority": "Ambition 1: For children and young people to grow up, thrive and have the best life chances",
        "No.": "1",
        "Action": "Support the local childcare and early education market",
        "Detail": "a) Promote educational inclusion\nInformation is available through:\n- Early years directory\nb) Work with early years settings",
        "Measures of success": "Early Years directory published\nTake-up of funded places",
        "Target date": "April 2026 (AP)",
        "Lead": "Director Education",
        "Update": "- Directory published.\n- Take-up at 92%.",
    },
    {
        "Plan": "CEF 2025-26",
        "Ambition or priority": "Ambition 1",
        "No.": "2",
        "Action": "Build on the success of Bromley's schools",
        "Detail": "A) Enable all children to access good education\nB. Sufficient school places",
        "Measures of success": "% of schools Good or Outstanding",
        "Target date": "Sept 2025; April 2026 (AP)",
        "Lead": "Director Education\nHead of School Place Planning",
        "Update": "",
    },
    {
        "Plan": "CEF 2025-26",
        "Ambition or priority": "Ambition 5",
        "No.": "1",
        "Action": "Recruit and retain the best staff",
        "Detail": "Recruit and retain the highest quality staff",
        "Measures of success": "",
        "Target date": "",
        "Lead": "Director of HR; Director Children, Education and Families",
        "Update": "<script>alert('kept as text')</script>",
    },
]


def csv_file(rows, header=HEADER, name="plan.csv"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return io.BytesIO(buffer.getvalue().encode("utf-8-sig")), name


def xlsx_file(rows, header=HEADER, name="plan.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column, "") for column in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer, name


def with_changes(rows, index, **changes):
    rows = [dict(row) for row in rows]
    rows[index].update({key.replace("_", " "): value for key, value in changes.items()})
    return rows


def counts():
    """Everything an import may write, to show that a failed one wrote nothing."""
    return {
        "plans": PortfolioPlan.objects.count(),
        "sections": PlanSection.objects.count(),
        "actions": Action.objects.count(),
        "details": ActionDetail.objects.count(),
        "measures": MeasureOfSuccess.objects.count(),
        "posts": Post.objects.count(),
        "leads": Action.lead_posts.through.objects.count(),
        "history": history_counts(),
    }


def history_counts():
    return (
        Action.history.count(),
        apps.get_model("plans", "HistoricalAction_lead_posts").objects.count(),
        ActionDetail.history.count(),
        MeasureOfSuccess.history.count(),
        PortfolioPlan.history.count(),
        Post.history.count(),
    )


@pytest.fixture
def council(db):
    load_seed_strategy()
    return ensure_portfolios()


@pytest.fixture
def cef(council):
    return council["CEF"]


@pytest.fixture
def admin(db):
    return make_user(Role.ADMIN)


def run(file_and_name, portfolio, year="2025-26", **kwargs):
    file, name = file_and_name
    return import_plan(file, name, portfolio, year, **kwargs)


# Reading cells -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("April 2024", (date(2024, 4, 1), "April 2024", False)),
        ("Apr 2024", (date(2024, 4, 1), "Apr 2024", False)),
        ("Sept 2023", (date(2023, 9, 1), "Sept 2023", False)),
        ("april 2024 (AP)", (date(2024, 4, 1), "april 2024 (AP)", True)),
        ("April 2022 [AP]", (date(2022, 4, 1), "April 2022 [AP]", True)),
        ("2024-04", (date(2024, 4, 1), "2024-04", False)),
        ("Sept 2023; April 2024 (AP)", (date(2024, 4, 1), "Sept 2023; April 2024 (AP)", True)),
        ("April 2024 (AP); Dec 2023", (date(2024, 4, 1), "April 2024 (AP); Dec 2023", True)),
        ("", (None, "", False)),
    ],
)
def test_target_dates_as_the_council_writes_them(text, expected):
    assert parse_target_date(text) == expected


@pytest.mark.parametrize("text", ["Aprl 2024", "April", "2024", "13/2024", "2024-13", "April 2024; soon"])
def test_unreadable_target_dates(text):
    with pytest.raises(CellError, match="write a month and year such as April 2024"):
        parse_target_date(text)


def test_detail_items_keep_their_letters_and_continuation_lines():
    assert parse_details("a) One\nB) Two\nc. Three\n\n(d) Four") == [
        ("a", "One"),
        ("b", "Two"),
        ("c", "Three"),
        ("d", "Four"),
    ]
    assert parse_details("a) Information is available through:\n- Directory\n- Newsletter\nb) Next") == [
        ("a", "Information is available through:\n- Directory\n- Newsletter"),
        ("b", "Next"),
    ]
    assert parse_details("Unlettered item\nAnother one") == [("", "Unlettered item"), ("", "Another one")]
    assert parse_details("e.g. an example") == [("", "e.g. an example")]


def test_leads_one_a_line_or_separated_by_semicolons():
    assert parse_leads("Director Education\nDirector of HR; Head of Service;") == [
        "Director Education",
        "Director of HR",
        "Head of Service",
    ]
    with pytest.raises(CellError, match="Missing lead"):
        parse_leads(" ; ")


# Broken files: every problem reported with its line, nothing written -------------------------


def assert_refused(result, before, *expected):
    assert not result.ok
    assert counts() == before
    for line, column, message in expected:
        assert RowError(line, column, message) in result.errors, result.errors


def test_unknown_ambition(cef):
    before = counts()
    rows = with_changes(GOOD_ROWS, 1, **{"Ambition or priority": "Ambition 7"})
    result = run(csv_file(rows), cef)
    assert_refused(
        result, before, (3, "Ambition or priority", "Unknown ambition 7: the strategy has ambitions 1 to 5")
    )
    assert len(result.errors) == 1
    assert str(result.errors[0]) == "Line 3: Unknown ambition 7: the strategy has ambitions 1 to 5"


def test_unreadable_target_date_in_excel(cef):
    before = counts()
    result = run(xlsx_file(with_changes(GOOD_ROWS, 1, Target_date="Aprl 2024")), cef)
    assert_refused(
        result,
        before,
        (
            3,
            "Target date",
            "Cannot read the target date “Aprl 2024”: write a month and year such as April 2024",
        ),
    )


def test_missing_lead(cef):
    before = counts()
    result = run(xlsx_file(with_changes(GOOD_ROWS, 2, Lead="")), cef)
    assert_refused(
        result, before, (4, "Lead", "Missing lead: name at least one post, such as Director Education")
    )


def test_duplicate_action_number(cef):
    before = counts()
    rows = [*GOOD_ROWS, *GOOD_ROWS[:1]]
    rows[3] = {**rows[3], "No.": "1", "Action": "A second action 1.1"}
    result = run(csv_file(rows), cef)
    assert_refused(result, before, (5, "No.", "Duplicate action number 1.1 (also on line 2)"))


def test_missing_action_and_bad_number(cef):
    before = counts()
    rows = with_changes(GOOD_ROWS, 0, Action="", **{"No.": "1.4"})
    result = run(csv_file(rows), cef)
    assert_refused(
        result,
        before,
        (2, "No.", "The action number must be a whole number such as 4, not “1.4”"),
        (2, "Action", "Missing action: write what will be done"),
    )


@pytest.mark.parametrize("make_file", [csv_file, xlsx_file])
def test_missing_required_column(cef, make_file):
    header = [column for column in HEADER if column != "Lead"]
    before = counts()
    result = run(make_file(GOOD_ROWS, header=header), cef)
    assert not result.ok
    assert counts() == before
    assert [(error.line, error.column) for error in result.errors] == [(1, "Lead")]
    assert "The header row has no “Lead” column" in result.errors[0].message


def test_headers_are_matched_whatever_their_case_and_plan_is_optional(cef):
    header = [column.upper() for column in HEADER if column != "Plan"]
    rows = [{column.upper(): value for column, value in row.items()} for row in GOOD_ROWS]
    result = run(csv_file(rows, header=header), cef)
    assert result.ok, result.errors
    assert result.created == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.txt", b"Plan,No.\n", "“plan.txt” is not a CSV or Excel (.xlsx) file"),
        ("plan.pdf", b"%PDF-1.7", "“plan.pdf” is not a CSV or Excel (.xlsx) file"),
        ("plan.xls", b"\xd0\xcf\x11\xe0", "“plan.xls” is an old Excel 97-2003 file"),
        ("plan.xlsx", b"this is not a workbook", "Cannot read “plan.xlsx” as an Excel workbook"),
        ("plan.csv", b"", "“plan.csv” is empty"),
        ("plan.csv", ",".join(HEADER).encode(), "“plan.csv” has a header row but no actions below it"),
    ],
)
def test_files_that_cannot_be_read(cef, name, content, message):
    before = counts()
    result = run((io.BytesIO(content), name), cef)
    assert counts() == before
    assert len(result.errors) == 1
    assert result.errors[0].line is None
    assert message in result.errors[0].message


def test_windows_csv_from_excel_is_read(cef):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerow([GOOD_ROWS[0].get(column, "") for column in HEADER[:-1]] + ["Children’s update"])
    rows = read_plan_file(io.BytesIO(buffer.getvalue().encode("cp1252")), "plan.csv")
    assert rows[0]["Update"] == "Children’s update"


def test_mixing_ambitions_and_priorities(cef):
    before = counts()
    rows = with_changes(GOOD_ROWS, 2, **{"Ambition or priority": "Priority 2: Safeguarding"})
    result = run(csv_file(rows), cef)
    assert_refused(
        result,
        before,
        (
            4,
            "Ambition or priority",
            "This file names ambitions (from line 2) and also priorities: a plan is organised by one or the other",
        ),
    )


def test_plan_column_must_name_the_plan(cef):
    before = counts()
    rows = with_changes(GOOD_ROWS, 0, Plan="RRH 2025-26")
    result = run(csv_file(rows), cef)
    assert not result.ok
    assert counts() == before
    assert [(error.line, error.column) for error in result.errors] == [(2, "Plan")]
    assert "“RRH 2025-26”, but you are importing into CEF 2025-26" in result.errors[0].message


def test_a_file_mixing_good_and_bad_rows_changes_nothing(cef, admin):
    assert run(csv_file(GOOD_ROWS), cef, user=admin).ok
    before = counts()
    plan = PortfolioPlan.objects.get(portfolio=cef, year=2025)
    rows = [
        {**GOOD_ROWS[0], "Action": "A changed title that must not be saved"},  # line 2: good, an update
        {**GOOD_ROWS[1], "Target date": "Aprl 2024"},  # line 3: bad
        {**GOOD_ROWS[2], "Lead": "A brand new post"},  # line 4: good, a new post
        {**GOOD_ROWS[2], "No.": "2", "Ambition or priority": "Ambition 9"},  # line 5: bad
        {**GOOD_ROWS[2], "No.": "3", "Lead": ""},  # line 6: bad
        {**GOOD_ROWS[2], "No.": "4", "Action": "A new action that must not be saved"},  # line 7: good, new
        {**GOOD_ROWS[2], "No.": "4"},  # line 8: bad, duplicate
    ]
    result = run(xlsx_file(rows), cef, user=admin)
    assert sorted({error.line for error in result.errors}) == [3, 5, 6, 8]
    assert counts() == before
    assert not Post.objects.filter(title="A brand new post").exists()
    assert plan.sections.get(ambition__number=1).actions.get(number=1).title == GOOD_ROWS[0]["Action"]


# Good files ----------------------------------------------------------------------------------


def test_a_good_file_creates_the_plan(cef, admin):
    Post.objects.create(title="Director Education")
    result = run(csv_file(GOOD_ROWS, name="CEF plan.csv"), cef, user=admin)
    assert result.ok, result.errors
    plan = result.plan
    assert (plan.portfolio, plan.year, plan.section_kind) == (cef, 2025, SectionKind.AMBITION)
    assert plan.title == "Children, Education and Families portfolio plan 2025-26"
    assert (result.created, result.updated, result.unchanged, result.not_in_file) == (3, 0, 0, 0)
    assert result.plan_created
    assert sorted(result.new_posts) == [
        "Director Children, Education and Families",
        "Director of HR",
        "Head of School Place Planning",
    ]
    assert "New posts: " in " ".join(result.summary())

    sections = {section.ambition.number: section for section in plan.sections.select_related("ambition")}
    assert set(sections) == {1, 5}
    first = sections[1].actions.get(number=1)
    assert [(detail.letter, detail.text) for detail in first.details.all()] == [
        ("a", "Promote educational inclusion\nInformation is available through:\n- Early years directory"),
        ("b", "Work with early years settings"),
    ]
    assert [measure.text for measure in first.measures_of_success.all()] == [
        "Early Years directory published",
        "Take-up of funded places",
    ]
    assert (first.target_date, first.target_date_text, first.annual_programme) == (
        date(2026, 4, 1),
        "April 2026 (AP)",
        True,
    )
    assert not first.updates.exists()
    assert result.updates_skipped == 2
    assert "2 update texts not imported" in " ".join(result.summary())
    assert list(first.portfolios.all()) == [cef]
    second = sections[1].actions.get(number=2)
    assert [detail.letter for detail in second.details.all()] == ["a", "b"]
    assert second.target_date == date(2026, 4, 1)
    assert sorted(second.lead_posts.values_list("title", flat=True)) == [
        "Director Education",
        "Head of School Place Planning",
    ]
    hr = sections[5].actions.get(number=1)
    assert [(detail.letter, detail.text) for detail in hr.details.all()] == [
        ("", "Recruit and retain the highest quality staff")
    ]
    assert (hr.target_date, hr.target_date_text, hr.annual_programme) == (None, "", False)
    assert hr.lead_posts.count() == 2

    # The history says who did it, and why.
    record = first.history.earliest()
    assert record.history_user == admin
    assert record.history_change_reason == "Imported from CEF plan.csv"
    assert {detail.history_user for detail in ActionDetail.history.filter(action_id=first.pk)} == {admin}
    assert Post.history.get(title="Director of HR").history_user == admin
    assert plan.history.get().history_user == admin


def test_a_long_file_name_fits_the_history(cef, admin):
    name = "Children, Education and Families portfolio plan " * 4 + ".csv"
    result = run(csv_file(GOOD_ROWS, name=name), cef, user=admin)
    assert result.ok, result.errors
    assert len(result.plan.history.get().history_change_reason) <= 100


def test_reimporting_the_same_file_changes_nothing(cef, admin):
    assert run(xlsx_file(GOOD_ROWS), cef, user=admin).ok
    before = counts()
    result = run(xlsx_file(GOOD_ROWS), cef, user=admin)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert not result.plan_created and not result.new_posts
    assert counts() == before


@pytest.fixture
def q4(db):
    return ReportingPeriod.objects.create(
        year=2025, quarter=4, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2025, 4)
    )


def test_the_update_column_becomes_the_chosen_periods_published_updates(cef, admin, q4):
    result = run(csv_file(GOOD_ROWS), cef, user=admin, updates_period=q4)
    assert result.ok, result.errors
    assert result.updates_created == 2
    updates = QuarterlyUpdate.objects.filter(period=q4).order_by("action__section__number")
    assert [update.narrative for update in updates] == [
        "- Directory published.\n- Take-up at 92%.",
        "<script>alert('kept as text')</script>",
    ]
    assert {update.status for update in updates} == {UpdateStatus.LOCKED}
    again = run(csv_file(GOOD_ROWS), cef, user=admin, updates_period=q4)
    assert again.ok and again.updates_created == 0


def test_a_file_never_overwrites_a_reported_update(cef, admin, q4):
    assert run(csv_file(GOOD_ROWS), cef, user=admin, updates_period=q4).ok
    before = counts()
    changed = with_changes(
        GOOD_ROWS, 0, Update="A different story", Action="A title change that must not be saved"
    )
    result = run(csv_file(changed), cef, user=admin, updates_period=q4)
    assert [(error.line, error.column) for error in result.errors] == [(2, "Update")]
    assert "correct it in the portal with an amendment" in result.errors[0].message
    assert counts() == before
    assert QuarterlyUpdate.objects.get(
        period=q4, action__number=1, action__section__number=1
    ).narrative.startswith("- Directory published.")


def test_changed_rows_are_updated_and_others_left_alone(cef, admin):
    assert run(csv_file(GOOD_ROWS), cef).ok
    rows = [
        {**GOOD_ROWS[0], "Detail": "a) A new first item", "Target date": "May 2026"},
        GOOD_ROWS[1],
    ]
    history_before = ActionDetail.history.count()
    result = run(csv_file(rows), cef, user=admin)
    assert (result.created, result.updated, result.unchanged, result.not_in_file) == (0, 1, 1, 1)
    assert "1 action is in the portal but not in the file; it was left as it is." in result.summary()
    action = Action.objects.get(section__plan__year=2025, section__ambition__number=1, number=1)
    assert [(detail.letter, detail.text) for detail in action.details.all()] == [("a", "A new first item")]
    assert action.measures_of_success.count() == 2  # unchanged, so not replaced
    assert (action.target_date, action.target_date_text, action.annual_programme) == (
        date(2026, 5, 1),
        "May 2026",
        False,
    )
    latest = action.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", admin)
    # Two old items removed and one added, each recorded as the admin's.
    new_records = ActionDetail.history.order_by("history_id")[history_before:]
    assert sorted(record.history_type for record in new_records) == ["+", "-", "-"]
    assert {record.history_user for record in new_records} == {admin}
    assert Action.objects.filter(section__plan__year=2025).count() == 3


def test_dry_run_reports_and_saves_nothing(cef):
    before = counts()
    result = run(csv_file(GOOD_ROWS), cef, dry_run=True)
    assert result.ok
    assert (result.created, result.plan_created, result.dry_run) == (3, True, True)
    assert result.summary()[0].startswith("Dry run: nothing was saved")
    assert counts() == before


def test_a_plan_by_priorities(cef):
    rows = [
        {
            "Ambition or priority": "Priority 1: Safeguarding",
            "No.": "1",
            "Action": "Raise awareness of safeguarding",
            "Target date": "April 2022 [AP]",
            "Lead": "Director Children's Social Care",
        },
        {
            "Ambition or priority": "Priority 2: Life Chances, Resilience and Wellbeing",
            "No.": "1",
            "Action": "Work with schools",
            "Target date": "Dec 2018",
            "Lead": "Director Education",
        },
        {
            "Ambition or priority": "Priority 2",
            "No.": "2",
            "Action": "More places",
            "Lead": "Director Education",
        },
    ]
    result = run(csv_file(rows), cef, year="2018-19")
    assert result.ok, result.errors
    plan = result.plan
    assert plan.section_kind == SectionKind.PRIORITY
    assert [(section.number, section.title) for section in plan.sections.all()] == [
        (1, "Safeguarding"),
        (2, "Life Chances, Resilience and Wellbeing"),
    ]
    assert plan.sections.get(number=2).actions.count() == 2

    # A priority's title is updated from the file, and the result says so.
    renamed = [{**rows[0], "Ambition or priority": "Priority 1: Safeguarding children and adults"}]
    result = run(csv_file(renamed), cef, year="2018-19")
    assert (result.updated, result.unchanged, result.not_in_file) == (0, 1, 2)
    assert "Renamed: Priority 1 “Safeguarding” → “Safeguarding children and adults”." in result.summary()
    assert plan.sections.get(number=1).title == "Safeguarding children and adults"

    before = counts()
    ambition_row = {**GOOD_ROWS[2], "Plan": ""}
    result = run(csv_file([ambition_row]), cef, year="2018-19")
    assert result.errors == [
        RowError(
            2,
            "Ambition or priority",
            "The CEF 2018-19 plan is organised by priorities, so this line cannot name an ambition (“Ambition 5”)",
        )
    ]
    assert counts() == before


def test_a_new_priority_needs_a_title(cef):
    rows = [
        {
            "Ambition or priority": "Priority 3",
            "No.": "1",
            "Action": "Something",
            "Lead": "Director Education",
        }
    ]
    result = run(csv_file(rows), cef, year="2018-19")
    assert [error.message for error in result.errors] == [
        "Priority 3 is new to this plan, so it needs a title: write Priority 3: its title"
    ]


# The round trip: export a plan, import it elsewhere, import it back ---------------------------


def plan_shape(plan):
    """Per action, keyed by (ambition or priority, number): what it holds."""
    return {
        (
            action.section.ambition.number if action.section.ambition else action.section.title,
            action.number,
        ): (
            action.title,
            action.details.count(),
            action.measures_of_success.count(),
            action.lead_posts.count(),
            action.target_date,
            action.annual_programme,
        )
        for action in Action.objects.filter(section__plan=plan).select_related("section__ambition")
    }


def test_round_trip_through_the_excel_export(client, council, admin):
    load_seed_plans()
    original = PortfolioPlan.objects.get(portfolio__code="CEF", year=2023)
    client.force_login(admin)
    response = client.get(f"/plans/actions/?plan={original.pk}&_export=xlsx")
    assert response.status_code == 200
    exported = response.content

    # Into a new year: a planning officer copies last year's plan and changes the Plan column.
    workbook = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = workbook.active
    headings = [cell.value for cell in sheet[1]]
    assert headings == PLAN_COLUMNS
    # The 2023-24 plan serves ambitions 1 and 5; the export must say so for the import to read it back.
    section_column = headings.index("Ambition or priority")
    assert {row[section_column] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        "Ambition 1",
        "Ambition 5",
    }
    plan_column = headings.index("Plan") + 1
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=plan_column, value="CEF 2025-26")
    copy = io.BytesIO()
    workbook.save(copy)
    copy.seek(0)
    result = import_plan(copy, "cef-2025-26.xlsx", council["CEF"], "2025-26", user=admin)
    assert result.ok, result.errors
    assert result.created == Action.objects.filter(section__plan=original).count() == 21
    assert result.new_posts == []
    copied = result.plan
    assert plan_shape(copied) == plan_shape(original)

    # Back into the plan it came from: nothing changes.
    before = counts()
    result = import_plan(io.BytesIO(exported), "actions.xlsx", council["CEF"], "2023-24", user=admin)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged, result.not_in_file) == (0, 0, 21, 0)
    assert counts() == before


def test_round_trip_through_the_csv_export_of_a_plan_by_priorities(client, council, admin):
    load_seed_plans()
    original = PortfolioPlan.objects.get(portfolio__code="CEF", year=2018)
    client.force_login(admin)
    exported = client.get(f"/plans/actions/?plan={original.pk}&_export=csv").content
    before = counts()
    result = import_plan(io.BytesIO(exported), "actions.csv", council["CEF"], "2018-19", user=admin)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 16)
    assert counts() == before


# The upload page -----------------------------------------------------------------------------


def upload(file_and_name, portfolio, year="2025-26"):
    file, name = file_and_name
    return {"portfolio": portfolio.pk, "year": year, "file": SimpleUploadedFile(name, file.getvalue())}


def test_the_page_shows_the_form(client, cef, admin):
    client.force_login(admin)
    response = client.get("/plans/import/")
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b"govuk-file-upload" in response.content
    assert b"/static/plans/plan-template.csv" in response.content
    assert b"all or nothing" in response.content


def test_a_broken_file_shows_each_problem_and_changes_nothing(client, cef, admin):
    client.force_login(admin)
    before = counts()
    rows = with_changes(GOOD_ROWS, 1, Target_date="Aprl 2024")
    rows = with_changes(rows, 2, Lead="")
    response = client.post("/plans/import/", upload(xlsx_file(rows), cef))
    assert response.status_code == 200
    assert counts() == before
    content = response.content.decode()
    assert "<title>Error: Import a plan" in content
    assert "govuk-error-summary" in content
    assert (
        "Line 3: Cannot read the target date “Aprl 2024”: write a month and year such as April 2024"
        in content
    )
    assert "Line 4: Missing lead: name at least one post, such as Director Education" in content
    assert 'id="import-errors"' in content
    assert "The file has 2 problems, listed above: nothing was imported." in content


def test_user_text_in_errors_is_escaped(client, cef, admin):
    client.force_login(admin)
    rows = with_changes(GOOD_ROWS, 0, Target_date="<b>soon</b>")
    response = client.post("/plans/import/", upload(csv_file(rows), cef))
    assert b"<b>soon</b>" not in response.content
    assert b"&lt;b&gt;soon&lt;/b&gt;" in response.content


def test_a_good_file_redirects_to_the_plan(client, cef, admin):
    client.force_login(admin)
    response = client.post("/plans/import/", upload(csv_file(GOOD_ROWS), cef))
    plan = PortfolioPlan.objects.get(portfolio=cef, year=2025)
    assert response.status_code == 302
    assert response.url == plan.get_absolute_url()
    page = client.get(response.url)
    assert "3 actions created, 0 updated, 0 unchanged." in page.content.decode()
    assert Action.history.filter(section__plan=plan).values_list(
        "history_user", flat=True
    ).distinct().get() == (admin.pk)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": "2025-27"}, "Enter the financial year as the first year and the next"),
        (
            {"file": SimpleUploadedFile("plan.docx", b"x")},
            "The selected file must be a CSV or an Excel (.xlsx) file",
        ),
        ({"file": ""}, "Select a CSV or Excel file of the plan"),
        ({"portfolio": ""}, "Select the portfolio the plan belongs to"),
    ],
)
def test_form_errors(client, cef, admin, data, message):
    client.force_login(admin)
    before = counts()
    response = client.post("/plans/import/", {**upload(csv_file(GOOD_ROWS), cef), **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before


def test_files_over_5_mb_are_refused(client, cef, admin):
    client.force_login(admin)
    big = SimpleUploadedFile("plan.csv", b"x" * (5 * 1024 * 1024 + 1))
    response = client.post("/plans/import/", {"portfolio": cef.pk, "year": "2025-26", "file": big})
    assert "The selected file must be smaller than 5 MB" in response.content.decode()


@pytest.mark.parametrize("role", [role for role in Role if role != Role.ADMIN])
def test_only_admins_may_import(client, cef, role):
    client.force_login(make_user(role))
    before = counts()
    response = client.post("/plans/import/", upload(csv_file(GOOD_ROWS), cef))
    assert response.status_code == 403
    assert counts() == before


def test_the_csv_template_has_the_plan_columns():
    from django.conf import settings

    template = settings.BASE_DIR / "static" / "plans" / "plan-template.csv"
    assert next(csv.reader(template.read_text(encoding="utf-8").splitlines())) == PLAN_COLUMNS


# The command ---------------------------------------------------------------------------------


def test_command_imports_a_file(cef, admin, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(xlsx_file(GOOD_ROWS)[0].getvalue())
    out = io.StringIO()
    call_command("import_plan", str(path), portfolio="cef", year="2025-26", user=admin.username, stdout=out)
    assert "3 actions created, 0 updated, 0 unchanged." in out.getvalue()
    plan = PortfolioPlan.objects.get(portfolio=cef, year=2025)
    assert plan.history.get().history_user == admin


def test_command_dry_run(cef, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(csv_file(GOOD_ROWS)[0].getvalue())
    out = io.StringIO()
    call_command("import_plan", str(path), "--portfolio", "CEF", "--year", "2025-26", "--dry-run", stdout=out)
    assert "Dry run: nothing was saved" in out.getvalue()
    assert not PortfolioPlan.objects.exists()


def test_command_reports_each_bad_line_and_fails(cef, tmp_path):
    path = tmp_path / "plan.csv"
    rows = with_changes(with_changes(GOOD_ROWS, 1, Target_date="Aprl 2024"), 2, Lead="")
    path.write_bytes(csv_file(rows)[0].getvalue())
    err = io.StringIO()
    before = counts()
    with pytest.raises(CommandError, match="The file has 2 problems: nothing was imported") as failure:
        call_command("import_plan", str(path), portfolio="CEF", year="2025-26", stderr=err)
    assert failure.value.returncode == 1  # manage.py exits with this status
    assert err.getvalue().splitlines() == [
        "line 3: Cannot read the target date “Aprl 2024”: write a month and year such as April 2024",
        "line 4: Missing lead: name at least one post, such as Director Education",
    ]
    assert counts() == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"portfolio": "XYZ", "year": "2025-26"}, "Unknown portfolio “XYZ”"),
        ({"portfolio": "CEF", "year": "2025"}, "is not a financial year"),
        ({"portfolio": "CEF", "year": "2025-26", "user": "nobody"}, "Unknown user “nobody”"),
    ],
)
def test_command_refuses_bad_options(cef, tmp_path, options, message):
    path = tmp_path / "plan.csv"
    path.write_bytes(csv_file(GOOD_ROWS)[0].getvalue())
    with pytest.raises(CommandError, match=message):
        call_command("import_plan", str(path), **options)
    assert not Portfolio.objects.filter(code="XYZ").exists()
