import csv
import io
from datetime import date

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from bromley_portal.core.financial_year import quarter_of
from plans.choices import Rag, UpdateStatus
from plans.models import Action, Amendment, QuarterlyUpdate, ReportingPeriod
from tests.factories import make_plan

URL = "/plans/actions/"
COLUMNS = ["Plan", "No.", "Action", "Lead", "Due", "RAG status", "Reported in", "Update"]


@pytest.fixture
def member_client(client, people):
    client.force_login(people[Role.MEMBER])
    return client


def months_from_now(months: int) -> date:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def titles(response):
    return sorted(row.record.title for row in response.context["table"].paginated_rows)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize("url", [URL, URL + "?q=Detail&target=later&sort=target_date", URL + "?_export=xlsx"])
def test_the_list_costs_the_same_queries_at_any_length(member_client, url):
    make_plan(actions=3)
    few = queries_for(member_client, url)
    make_plan(actions=60, code="ECS", ambition_number=2)
    make_plan(actions=40, code="RRH", year=2024)
    assert queries_for(member_client, url) == few


def test_the_list_stays_under_a_fixed_query_budget(member_client, django_assert_max_num_queries):
    make_plan(actions=50)
    with django_assert_max_num_queries(20):
        member_client.get(URL)


def test_it_filters_by_lead_and_overdue(member_client):
    make_plan(actions=2, lead="Director Education", target_date=months_from_now(-3))
    make_plan(actions=1, lead="Director Education", target_date=months_from_now(14))
    make_plan(actions=1, lead="Director Children's Social Care", target_date=months_from_now(-3))
    lead = Post.objects.get(title="Director Education")
    response = member_client.get(URL, {"lead": lead.pk, "target": "overdue"})
    assert titles(response) == ["Action 1 of CEF", "Action 2 of CEF"]


def test_due_this_quarter_means_from_this_month_to_the_quarters_end(member_client):
    year, quarter = quarter_of(timezone.localdate())
    quarter_end = year.quarter_bounds(quarter)[1]
    make_plan(actions=1, target_date=months_from_now(0))
    make_plan(actions=1, target_date=quarter_end.replace(day=1))
    make_plan(actions=1, target_date=months_from_now(-1))
    make_plan(actions=1, target_date=months_from_now(4))
    response = member_client.get(URL, {"target": "due_this_quarter"})
    # This month's and the quarter's last month's actions (on the first of a quarter's last month the two
    # dates are one day, and both actions are still due this quarter); not last month's, nor four months on.
    assert len(titles(response)) == 2


def test_it_filters_by_ambition_portfolio_plan_and_annual_programme(member_client):
    cef = make_plan(actions=2, annual_programme=True)
    make_plan(actions=3, code="ECS", ambition_number=4)
    ambition_four = Action.objects.filter(section__ambition__number=4).first().section.ambition
    assert len(titles(member_client.get(URL, {"ambition": ambition_four.pk}))) == 3
    assert len(titles(member_client.get(URL, {"portfolio": cef.portfolio.pk}))) == 2
    assert len(titles(member_client.get(URL, {"plan": cef.pk}))) == 2
    assert len(titles(member_client.get(URL, {"annual_programme": "true"}))) == 2
    assert len(titles(member_client.get(URL, {"annual_programme": "false"}))) == 3


def test_free_text_searches_details_and_reported_updates_only(member_client):
    make_plan(actions=3)
    period = ReportingPeriod.objects.create(year=2023, quarter=4, **ReportingPeriod.default_dates(2023, 4))
    QuarterlyUpdate.objects.create(
        action=Action.objects.get(number=2),
        period=period,
        status=UpdateStatus.LOCKED,
        narrative="The new SEND school opened in September",
    )
    QuarterlyUpdate.objects.create(
        action=Action.objects.get(number=3),
        period=period,
        status=UpdateStatus.DRAFT,
        narrative="A draft about a school",
    )
    assert titles(member_client.get(URL, {"q": "send SCHOOL"})) == ["Action 2 of CEF"]
    assert titles(member_client.get(URL, {"q": "draft"})) == []
    assert titles(member_client.get(URL, {"q": "Detail b of 3"})) == ["Action 3 of CEF"]


def test_the_update_column_shows_the_latest_reported_update(member_client):
    make_plan(actions=1)
    action = Action.objects.get()
    for quarter, status, text in [(3, UpdateStatus.LOCKED, "Q3 text"), (4, UpdateStatus.APPROVED, "Q4 text")]:
        period = ReportingPeriod.objects.create(
            year=2023, quarter=quarter, **ReportingPeriod.default_dates(2023, quarter)
        )
        QuarterlyUpdate.objects.create(action=action, period=period, status=status, narrative=text)
    next_year = ReportingPeriod.objects.create(year=2024, quarter=1, **ReportingPeriod.default_dates(2024, 1))
    QuarterlyUpdate.objects.create(
        action=action, period=next_year, status=UpdateStatus.SUBMITTED, narrative="Unapproved"
    )
    rows = list(
        csv.reader(io.StringIO(member_client.get(URL, {"_export": "csv"}).getvalue().decode("utf-8-sig")))
    )
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["Update"], row["Reported in"]) == ("Q4 text", "2023-24 Q4")


def test_it_sorts_by_target_date(member_client):
    make_plan(actions=3)
    for number, month in [(1, 9), (2, 3), (3, 6)]:
        Action.objects.filter(number=number).update(target_date=date(2024, month, 1))
    response = member_client.get(URL, {"sort": "-target_date"})
    assert [row.record.number for row in response.context["table"].paginated_rows] == [1, 3, 2]


def test_it_pages_long_lists(member_client):
    make_plan(actions=30)
    first = member_client.get(URL)
    assert len(first.context["table"].paginated_rows) == 25
    assert len(member_client.get(URL, {"page": 2}).context["table"].paginated_rows) == 5


def test_a_bad_filter_value_is_reported_not_ignored(member_client):
    make_plan(actions=2)
    response = member_client.get(URL, {"target": "yesterday"})
    assert response.status_code == 200
    assert "target" in response.context["filter"].form.errors
    assert "There is a problem" in response.content.decode()


def test_csv_export_has_the_tables_columns_and_every_filtered_row(member_client):
    long_ago = months_from_now(-2)
    make_plan(actions=30, target_date=long_ago, annual_programme=True)
    make_plan(actions=2, code="ECS", target_date=months_from_now(12))
    response = member_client.get(URL, {"target": "overdue", "_export": "csv"})
    assert response["Content-Disposition"].startswith('attachment; filename="actions-')
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert len(rows) == 31
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Due"] == f"{long_ago:%b %Y} (AP)"
    assert first["Lead"] == "Director Education"
    assert (first["RAG status"], first["Reported in"], first["Update"]) == ("No update", "", "")


def test_excel_export_has_the_same_columns(member_client):
    make_plan(actions=3)
    response = member_client.get(URL, {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 4


def test_exports_do_not_let_a_spreadsheet_run_user_text_as_a_formula(member_client):
    make_plan(actions=1)
    Action.objects.update(title='=HYPERLINK("http://example.invalid","click")')
    rows = list(
        csv.reader(io.StringIO(member_client.get(URL, {"_export": "csv"}).getvalue().decode("utf-8-sig")))
    )
    assert rows[1][COLUMNS.index("Action")] == '\'=HYPERLINK("http://example.invalid","click")'
    sheet = openpyxl.load_workbook(io.BytesIO(member_client.get(URL, {"_export": "xlsx"}).getvalue())).active
    cell = sheet.cell(row=2, column=COLUMNS.index("Action") + 1)
    assert cell.data_type == "s"
    assert cell.value.startswith("'=")


# The update a row shows: the one reported in the period filtered on ------------------------


@pytest.fixture
def two_quarters(db):
    """Three actions reported in Q1 and Q2 of 2024-25 with different RAGs and words each quarter."""
    plan = make_plan(year=2024, actions=3)
    q1, q2 = (
        ReportingPeriod.objects.create(
            year=2024, quarter=quarter, status="locked", **ReportingPeriod.default_dates(2024, quarter)
        )
        for quarter in (1, 2)
    )
    actions = list(Action.objects.filter(section__plan=plan).order_by("number"))
    q1_rags = [Rag.RED, Rag.RED, Rag.GREEN]
    q2_rags = [Rag.COMPLETE, Rag.AMBER, Rag.RED]
    for action, first, second in zip(actions, q1_rags, q2_rags, strict=True):
        QuarterlyUpdate.objects.create(
            action=action, period=q1, rag=first, narrative=f"Q1 words {action.number}", status="locked"
        )
        QuarterlyUpdate.objects.create(
            action=action, period=q2, rag=second, narrative=f"Q2 words {action.number}", status="locked"
        )
    return {"q1": q1, "q2": q2, "actions": actions}


def rows_of(response):
    return [
        (
            row.record.number,
            row.get_cell_value("rag"),
            row.get_cell_value("period"),
            row.get_cell_value("update"),
        )
        for row in response.context["table"].paginated_rows
    ]


def test_a_list_filtered_to_a_period_shows_that_periods_rag_and_words(member_client, two_quarters):
    q1 = two_quarters["q1"]
    response = member_client.get(URL, {"period": q1.pk, "rag": "red", "sort": "number"})
    assert [(n, period, update) for n, _, period, update in rows_of(response)] == [
        (1, "2024-25 Q1", "Q1 words 1"),
        (2, "2024-25 Q1", "Q1 words 2"),
    ]
    page = response.content.decode()
    assert "Q2 words" not in page and "RAG status" in page and "Reported in" in page


def test_without_a_period_the_list_shows_the_latest_reported_update(member_client, two_quarters):
    response = member_client.get(URL, {"rag": "red"})
    assert [(n, period, update) for n, _, period, update in rows_of(response)] == [
        (3, "2024-25 Q2", "Q2 words 3")
    ]


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_exports_filtered_to_a_period_carry_its_rag_and_period(member_client, two_quarters, export):
    response = member_client.get(URL, {"period": two_quarters["q1"].pk, "sort": "number", "_export": export})
    if export == "csv":
        rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    else:
        rows = [
            list(row)
            for row in openpyxl.load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(
                values_only=True
            )
        ]
    assert rows[0] == COLUMNS
    got = [
        (row[COLUMNS.index("RAG status")], row[COLUMNS.index("Reported in")], row[COLUMNS.index("Update")])
        for row in rows[1:]
    ]
    assert got == [
        ("Red", "2024-25 Q1", "Q1 words 1"),
        ("Red", "2024-25 Q1", "Q1 words 2"),
        ("Green", "2024-25 Q1", "Q1 words 3"),
    ]


def test_an_amended_update_shows_its_amended_words_and_rag(member_client, two_quarters, people):
    update = QuarterlyUpdate.objects.get(action=two_quarters["actions"][2], period=two_quarters["q1"])
    Amendment.objects.create(
        update=update,
        rag=Rag.AMBER,
        narrative="Corrected Q1 words",
        reason="Typo",
        created_by=people[Role.CLERK],
    )
    response = member_client.get(URL, {"period": two_quarters["q1"].pk, "rag": "amber"})
    assert [(n, update) for n, _, _, update in rows_of(response)] == [(3, "Corrected Q1 words")]
