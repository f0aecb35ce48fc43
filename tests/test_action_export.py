"""The actions list's download (ActionTable.export_rows, streamed by PortalListView.create_export) is
the list's own table: the same columns, headings, rows, order and cells as django-tables2's cell-by-cell
export of that table and as the page shows, for the same filters, in a fixed number of queries."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_tables2 import RequestConfig

from bromley_portal.accounts.roles import Role
from bromley_portal.core.exports import SafeTableExport
from plans.filters import ActionFilterSet
from plans.models import Action, Amendment, PortfolioPlan, QuarterlyUpdate, ReportingPeriod, UpdateNote
from plans.tables import ActionTable
from tests.factories import make_plan

URL = "/plans/actions/"


@pytest.fixture
def demo(db, settings, tmp_path, people):
    """The demo council: notes on details, amendments, several leads, leads written as the plan writes them."""
    settings.DEMO_CREDENTIALS_FILE = tmp_path / ".demo-credentials.json"
    call_command("setup_demo", stdout=io.StringIO())
    for update in QuarterlyUpdate.objects.filter(status="locked").order_by("pk")[:5]:
        Amendment.objects.create(
            update=update, narrative=f"Corrected {update.pk}", reason="Typo", created_by=people[Role.APPROVER]
        )
    assert UpdateNote.objects.exists()
    from django.contrib.auth import get_user_model

    from bromley_portal.accounts.demo import DEMO_PEOPLE

    member = next(username for username, _, _, role in DEMO_PEOPLE if role == "Member")
    return get_user_model().objects.get(username=member)


def cell_by_cell(query: dict) -> str:
    """django-tables2's own export of the list's table for ``query``: each cell from its value_* method."""
    request = RequestFactory().get(URL, query)
    request.user = AnonymousUser()
    filterset = ActionFilterSet(request.GET, queryset=Action.objects.all(), request=request)
    assert filterset.is_valid()
    table = ActionTable(filterset.qs)
    RequestConfig(request, paginate=False).configure(table)
    return SafeTableExport("csv", table).export()


def download(client, query: dict, export_format="csv"):
    response = client.get(URL, {**query, "_export": export_format})
    assert response.status_code == 200
    return response


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def queries(period_pk=None):
    plan = PortfolioPlan.objects.order_by("year", "pk").first()
    return [
        {},
        {"sort": "-rag"},
        {"sort": "target_date", "target": "overdue"},
        {"plan": plan.pk, "sort": "number"},
        {"period": period_pk, "sort": "-number"},
        {"q": "school", "annual_programme": "true"},
        {"rag": "green", "sort": "plan"},
    ]


def test_the_download_is_the_tables_own_export_cell_for_cell(demo, client):
    client.force_login(demo)
    locked = ReportingPeriod.objects.filter(status="locked").order_by("-year", "-quarter").first()
    for query in queries(locked.pk):
        streamed = download(client, query)
        assert streamed.streaming
        text = b"".join(streamed.streaming_content).decode("utf-8")
        assert csv_rows(text) == csv_rows(cell_by_cell(query)), query
        assert len(csv_rows(text)) > 1 or query.get("q"), query  # each query finds actions


def test_the_download_has_the_rows_the_list_shows(demo, client):
    client.force_login(demo)
    plan = PortfolioPlan.objects.order_by("year", "pk").first()
    query = {"plan": plan.pk, "sort": "-rag", "per_page": 100}
    page = client.get(URL, query)
    shown = [
        [str(row.get_cell_value(name)) for name in ("plan", "number", "title")]
        for row in page.context["table"].paginated_rows
    ]
    assert 0 < len(shown) < 100
    rows = csv_rows(download(client, query).getvalue().decode("utf-8"))
    assert rows[0] == [str(column.header) for column in page.context["table"].columns.iterall()]
    assert [row[:3] for row in rows[1:]] == shown
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, query, "xlsx").getvalue())).active
    assert [
        [str(value) for value in row[:3]] for row in sheet.iter_rows(min_row=2, values_only=True)
    ] == shown


def test_an_update_with_notes_and_an_amended_one_read_as_on_the_action_page(client, people):
    client.force_login(people[Role.MEMBER])
    make_plan(actions=2)
    period = ReportingPeriod.objects.create(
        year=2023, quarter=2, status="locked", **ReportingPeriod.default_dates(2023, 2)
    )
    noted, amended = Action.objects.order_by("number")
    update = QuarterlyUpdate.objects.create(action=noted, period=period, status="locked", narrative="Overall")
    for detail in noted.details.order_by("order"):
        UpdateNote.objects.create(update=update, detail=detail, narrative=f"On {detail.letter}")
    other = QuarterlyUpdate.objects.create(action=amended, period=period, status="locked", narrative="Old")
    Amendment.objects.create(
        update=other, narrative="Corrected", reason="Typo", created_by=people[Role.APPROVER]
    )
    rows = csv_rows(download(client, {"sort": "number"}).getvalue().decode("utf-8"))
    update_column = rows[0].index("Update")
    assert [row[update_column] for row in rows[1:]] == ["Overall\n\na): On a\n\nb): On b", "Corrected"]
    for action in Action.objects.for_lists():
        assert action.shown_update.reported_narrative in {"Overall\n\na): On a\n\nb): On b", "Corrected"}


def streamed_queries(client, url) -> int:
    """The queries of a download, read to its end (a streamed body reads as it is sent)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        assert response.status_code == 200
        response.getvalue()
    return len(context)


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_download_costs_the_same_queries_at_any_length(client, people, export_format, settings):
    client.force_login(people[Role.MEMBER])
    make_plan(actions=3)
    url = f"{URL}?_export={export_format}&sort=-rag"
    few = streamed_queries(client, url)
    make_plan(actions=60, code="ECS", ambition_number=2)
    make_plan(actions=40, code="RRH", year=2024)
    period = ReportingPeriod.objects.create(
        year=2023, quarter=1, status="locked", **ReportingPeriod.default_dates(2023, 1)
    )
    for action in Action.objects.all()[:50]:
        update = QuarterlyUpdate.objects.create(action=action, period=period, status="locked", narrative="x")
        UpdateNote.objects.create(update=update, detail=action.details.first(), narrative="On a")
    assert streamed_queries(client, url) == few
