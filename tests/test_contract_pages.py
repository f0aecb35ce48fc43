"""The register's pages: the live register with its filters and exports, a contract's page, and a
committee member's view of a portfolio's register in a cycle with the key data on top."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ambitions.services import ensure_portfolios
from bromley_portal.accounts.roles import Role
from contracts import services
from contracts.choices import ProcurementStatus
from contracts.seeds import load_seed_register
from tests.contract_factories import make_contract, make_cycle, uniform_scores

URL = "/contracts/"


@pytest.fixture
def member_client(client, people):
    client.force_login(people[Role.MEMBER])
    return client


def months_from_now(months: int) -> date:
    return timezone.localdate() + relativedelta(months=months)


def live(**fields):
    """A contract in today's register: it started a year ago and ends when told (in three years)."""
    fields.setdefault("start_date", months_from_now(-12))
    fields.setdefault("end_date", months_from_now(36))
    fields.setdefault("scores", uniform_scores(1))
    return make_contract(**fields)


def ids(response) -> list[str]:
    return [row.record.council_id for row in response.context["table"].paginated_rows]


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(context)


def export_rows(client, url, fmt):
    response = client.get(url + ("&" if "?" in url else "?") + f"_export={fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [
        [("" if cell is None else str(cell)) for cell in row] for row in sheet.iter_rows(values_only=True)
    ]


# The live register -------------------------------------------------------------------------------


def test_the_register_lists_contracts_in_register_order_and_leaves_out_ended_and_small_ones(
    member_client, people
):
    lead = people[Role.CONTRACTS_OFFICER]
    neutral = live(council_id="N1")
    amber = live(council_id="A1", end_date=months_from_now(3))
    services.set_rating(amber, ProcurementStatus.AMBER, lead)
    capital = live(council_id="C1", capital=True)
    concern = live(council_id="X1")
    services.set_concern(concern, True, lead)
    live(council_id="SMALL", total_value=Decimal("49999.99"))
    make_contract(council_id="ENDED", start_date=date(2019, 1, 1), end_date=months_from_now(-1))
    response = member_client.get(URL)
    assert ids(response) == [concern.council_id, amber.council_id, neutral.council_id, capital.council_id]
    assert b"PART 1 - PUBLIC" in response.content


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"portfolio": "ERC"}, {"ERC1"}),
        ({"procurement_status": "amber"}, {"SOON"}),
        ({"procurement_status": "neutral"}, {"ERC1", "BIG", "CAP", "HIGH"}),
        ({"risk": "higher"}, {"HIGH"}),
        ({"concern": "true"}, {"BIG"}),
        ({"capital": "true"}, {"CAP"}),
        ({"capital": "false"}, {"ERC1", "SOON", "BIG", "HIGH"}),
        ({"ending": "6"}, {"SOON"}),
        ({"supplier": "acme"}, {"HIGH"}),
        ({"value": "1m-plus"}, {"BIG"}),
        ({"value": "100k-500k"}, {"ERC1", "SOON", "CAP", "HIGH"}),
        ({"q": "fostering"}, {"SOON"}),
        ({"q": "Owen"}, {"CAP"}),
    ],
)
def test_each_filter(member_client, people, query, expected):
    portfolios = ensure_portfolios()
    lead = people[Role.CONTRACTS_OFFICER]
    live(council_id="ERC1", portfolio=portfolios["ERC"])
    soon = live(council_id="SOON", title="Fostering framework", end_date=months_from_now(4))
    services.set_rating(soon, ProcurementStatus.AMBER, lead)
    big = live(council_id="BIG", total_value=Decimal("2000000"))
    services.set_concern(big, True, lead)
    owner = people[Role.OFFICER]
    owner.first_name, owner.last_name = "Owen", "Smith"
    owner.save()
    live(council_id="CAP", capital=True, owner=owner)
    live(council_id="HIGH", supplier="Acme Care Ltd", scores=uniform_scores(4))
    if "owner" in query:
        query = {"owner": owner.pk}
    assert set(ids(member_client.get(URL, query))) == expected


def test_the_owner_filter(member_client, people):
    owner = people[Role.OFFICER]
    live(council_id="MINE", owner=owner)
    live(council_id="THEIRS")
    assert ids(member_client.get(URL, {"owner": owner.pk})) == ["MINE"]


@pytest.mark.parametrize(
    "query",
    [
        {"portfolio": "nope"},
        {"procurement_status": "purple"},
        {"ending": "-3"},
        {"value": "lots"},
        {"owner": "999999"},
        {"risk": "1; drop table"},
        {"sort": "nonsense"},
        {"page": "abc"},
    ],
)
def test_bad_filter_input_says_what_to_do_and_never_errors(member_client, query):
    live()
    response = member_client.get(URL, query)
    assert response.status_code in {200, 404}
    if "sort" not in query and "page" not in query:
        assert response.status_code == 200
        assert "from the list" in response.content.decode()


def test_the_export_is_the_table_as_shown_part_1_columns_and_the_filtered_rows(member_client, people):
    amber = live(
        council_id="6253",
        title="Case Recording System",
        status_note="Now Live",
        total_value=Decimal("205000.00"),
        original_annual_value=Decimal("115000.50"),
        end_date=months_from_now(2),
    )
    services.set_rating(amber, ProcurementStatus.AMBER, people[Role.CONTRACTS_OFFICER])
    live(council_id="OTHER")
    for fmt in ("csv", "xlsx"):
        rows = export_rows(member_client, URL + "?procurement_status=amber", fmt)
        assert rows[0] == [
            "Risk index",
            "Contract ID",
            "Owner",
            "Approver",
            "Contract title",
            "Supplier",
            "Portfolio",
            "Total value",
            "Original annual value",
            "Current annual value (estimated)",
            "Procurement status",
            "Start date",
            "End date",
            "Months",
            "Attention",
            "KPIs",
            "Capital",
        ]
        assert len(rows) == 2
        row = dict(zip(rows[0], rows[1], strict=True))
        assert (
            row["Contract ID"] == "6253" and row["Contract title"] == "** Now Live ** Case Recording System"
        )
        assert row["Procurement status"] == "Amber" and row["Risk index"] == "Lower Risk"
        assert Decimal(row["Original annual value"]) == Decimal("115000.50")
        assert row["Owner"] == "Olive Owner"


@pytest.mark.parametrize("url", [URL, URL + "?risk=lower&sort=-total_value", URL + "?_export=xlsx"])
def test_the_register_costs_the_same_queries_at_10_and_100_contracts(member_client, people, url):
    lead = people[Role.CONTRACTS_OFFICER]
    for n in range(10):
        contract = live(end_date=months_from_now(2 if n % 2 else 40))
        if n % 4 == 1:
            services.set_rating(contract, ProcurementStatus.GREEN, lead)
    few = queries_for(member_client, url)
    for n in range(90):
        contract = live(end_date=months_from_now(2 if n % 2 else 40), portfolio=ensure_portfolios()["ACH"])
        if n % 4 == 1:
            services.set_rating(contract, ProcurementStatus.RED, lead)
    assert queries_for(member_client, url) == few


# A contract's page ------------------------------------------------------------------------------


def test_the_contract_page_shows_every_field_its_scores_history_and_cycles(client, people):
    lead = people[Role.CONTRACTS_OFFICER]
    contract = make_contract(
        council_id="4947",
        title="VAWG Service",
        supplier="Bromley & Croydon Women’s Aid",
        total_value=Decimal("599058"),
        original_annual_value=Decimal("179000"),
        current_annual_value=Decimal("220879.25"),
        start_date=date(2020, 4, 1),
        end_date=date(2023, 3, 31),
        months_duration=36,
        scores=uniform_scores(3),
    )
    services.set_rating(contract, ProcurementStatus.GREEN, lead, as_at=date(2022, 8, 31))
    services.freeze_cycle(make_cycle())
    contract.supplier = "Renamed Supplier Ltd"
    contract.save()
    client.force_login(people[Role.MEMBER])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(contract.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    for text in [
        "4947",
        "VAWG Service",
        "Renamed Supplier Ltd",
        "Children, Education and Families",
        "Olive Owner",
        "Amir Approver",
        "£599,058",
        "£179,000",
        "£220,879.25",
        "1 April 2020 to 31 March 2023 (36 months)",
        "Revenue",
        "60 out of 100",
        "Higher Risk",
        "September 2022",
        "Supplier name: “Bromley &amp; Croydon Women’s Aid” → “Renamed Supplier Ltd”",
        "Procurement status added",
    ]:
        assert text in page, text
    assert "Read the commentary" not in page  # members read Part 2 only through a Part 2 paper
    assert len(queries) <= 16


def test_an_unknown_contract_is_not_found(member_client):
    assert member_client.get("/contracts/999999/").status_code == 404
    assert member_client.get("/contracts/portfolios/XYZ/").status_code == 404


# A committee member's view of a portfolio ---------------------------------------------------------


@pytest.mark.django_db
def test_a_member_opens_the_cef_register_for_september_2022_as_published(member_client):
    load_seed_register()
    response = member_client.get("/contracts/portfolios/CEF/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Children, Education and Families: contract register: September 2022" in page
    assert page.index("Key data") < page.index("6253")
    key_data = {label: values for label, _, values in response.context["key_data"].rows}
    assert key_data["Total contracts £50k+"] == [37, 34, 41]
    assert key_data["Amber"] == [7, 3, 3] and key_data["Neutral"] == [20, 21, 26]
    assert len(response.context["table"].rows) == 41
    rows = export_rows(member_client, "/contracts/portfolios/CEF/", "csv")
    assert len(rows) == 42 and rows[1][1] == "6253" and rows[-1][-1] == "Capital"


def test_the_portfolio_register_costs_the_same_queries_at_10_and_100_contracts(member_client):
    cycle = make_cycle()
    for _ in range(10):
        make_contract()
    services.freeze_cycle(cycle)
    url = f"/contracts/portfolios/CEF/?cycle={cycle.pk}"
    few = queries_for(member_client, url)
    few_export = queries_for(member_client, url + "&_export=xlsx")
    cycle.entries.all().delete()
    cycle.frozen_at = None
    cycle.save()
    for _ in range(90):
        make_contract()
    services.freeze_cycle(cycle)
    assert cycle.entries.count() == 100
    assert queries_for(member_client, url) == few
    assert queries_for(member_client, url + "&_export=xlsx") == few_export


def test_a_portfolio_with_no_frozen_cycle_says_so(member_client):
    ensure_portfolios()
    response = member_client.get("/contracts/portfolios/ERC/")
    assert response.status_code == 200
    assert "No reporting cycle has been frozen yet" in response.content.decode()
