"""Open contracting data (issue 12, item 7): the register, a contract and a frozen cycle as OCDS 1.1.5
release packages, and the Local Government Transparency Code's contracts CSV (contracts.ocds,
contracts.feeds). Public, Part 1 only, streamed in a fixed number of queries, with ETags."""

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from ambitions.services import ensure_portfolios
from bromley_portal.accounts.roles import Role
from contracts import ocds, services
from contracts.models import Contract, ContractCommentary, RegisterEntryCommentary
from tests.conftest import skip_or_fail
from tests.contract_factories import make_contract, make_cycle
from tests.factories import make_user
from tests.seed_documents import builder

REGISTER = "/contracts/open-data/ocds.json"
CSV_URL = "/contracts/open-data/transparency-code.csv"
FUTURE = date.today() + timedelta(days=3 * 365)


def contract_url(contract) -> str:
    return f"/contracts/open-data/contracts/{contract.pk}/ocds.json"


def cycle_url(cycle, code="CEF") -> str:
    return f"/contracts/open-data/portfolios/{code}/cycles/{cycle.pk}/ocds.json"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def fetch(client, url, **headers):
    response = client.get(url, **headers)
    return response, body(response)


def live(**fields) -> Contract:
    """A contract in today's register (worth £50k or more, not ended)."""
    return make_contract(**{"start_date": date(2021, 4, 1), "end_date": FUTURE, **fields})


def validator_for(folder) -> Draft4Validator:
    package = json.loads((folder / ocds.PACKAGE_SCHEMA).read_text(encoding="utf-8"))
    release = json.loads((folder / ocds.RELEASE_SCHEMA).read_text(encoding="utf-8"))
    registry = Registry().with_resource(
        release["id"], Resource.from_contents(release, default_specification=DRAFT4)
    )
    return Draft4Validator(package, registry=registry)


def standards_dir():
    """The council's shared standards folder, found as the seeds are (PORTAL_SEEDS_DIR, else the
    nearest shared/ above the checkout): skipped on a laptop without it, a failure in CI."""
    folder = builder.default_seeds_dir().parent / "standards" / "ocds-1.1.5"
    if not (folder / ocds.PACKAGE_SCHEMA).is_file():
        skip_or_fail(f"the OCDS 1.1.5 schema is not in {folder}")
    return folder


def assert_valid(data, folder=ocds.SCHEMA_DIR):
    errors = [
        f"{list(error.absolute_path)}: {error.message}" for error in validator_for(folder).iter_errors(data)
    ]
    assert not errors, errors


# The schema -------------------------------------------------------------------------------


def test_the_shipped_schema_is_the_standards_copy_unchanged():
    shared = standards_dir()
    for name in (ocds.PACKAGE_SCHEMA, ocds.RELEASE_SCHEMA):
        assert (ocds.SCHEMA_DIR / name).read_bytes() == (shared / name).read_bytes(), name
    assert "Apache License" in (ocds.SCHEMA_DIR / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.django_db
def test_the_register_package_validates_against_the_ocds_schema(client):
    live(total_value=Decimal("250000.00"))
    live(total_value=Decimal("75000.50"), current_annual_value=None)
    make_contract(start_date=FUTURE - timedelta(days=10), end_date=FUTURE + timedelta(days=400))  # pending
    response, text = fetch(client, REGISTER)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = ocds.loads(text)
    assert len(data["releases"]) == 3
    assert_valid(data)
    assert_valid(data, standards_dir())
    assert not ocds.schema_errors(data)  # the code's own check agrees


@pytest.mark.django_db
def test_a_broken_package_fails_the_schema():
    """The check is not a stub: an amount as text, an unknown currency and a missing ocid fail it."""
    contract = live()
    row = {name: getattr(contract, name) for name in ocds.PART_1_FIELDS}
    release = ocds.release(row, timezone.localdate(), None)
    release["contracts"][0]["value"] = {"amount": "120000.00", "currency": "POUNDS"}
    del release["ocid"]
    data = ocds.package("https://example.invalid/p.json", timezone.now(), [release])
    errors = ocds.schema_errors(data)
    assert any("ocid" in error for error in errors)
    assert any("POUNDS" in error for error in errors)
    assert any("120000.00" in error for error in errors)
    with pytest.raises(ocds.InvalidPackage):
        ocds.validate_package(data)


# What a release says ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_release_has_the_buyer_the_supplier_the_stages_values_and_periods(client):
    contract = live(
        council_id="CEF-0042",
        supplier="Bright Futures Ltd",
        total_value=Decimal("1234567.89"),
        start_date=date(2023, 4, 1),
        end_date=date(2029, 3, 31),
    )
    _, text = fetch(client, contract_url(contract))
    # Exactly the pence, as a JSON number: never a float's rounding, never a string.
    assert b'"amount":1234567.89,"currency":"GBP"' in text
    (release,) = ocds.loads(text)["releases"]
    assert release["ocid"] == "ocds-xxxxxx-CEF-0042"
    roles = {party["name"]: party["roles"] for party in release["parties"]}
    assert roles == {
        "London Borough of Bromley": ["buyer", "procuringEntity"],
        "Bright Futures Ltd": ["supplier"],
    }
    assert release["buyer"]["name"] == "London Borough of Bromley"
    assert set(release["tag"]) == {"tender", "award", "contract"}
    value = {"amount": Decimal("1234567.89"), "currency": "GBP"}
    assert (
        release["tender"]["value"]
        == release["awards"][0]["value"]
        == release["contracts"][0]["value"]
        == value
    )
    supplier_id = release["awards"][0]["suppliers"][0]["id"]
    assert supplier_id in {party["id"] for party in release["parties"]}
    (awarded,) = release["contracts"]
    assert awarded["awardID"] == release["awards"][0]["id"]
    assert awarded["status"] == "active"
    assert awarded["period"] == {
        "startDate": "2023-04-01T00:00:00+01:00",
        "endDate": "2029-03-31T23:59:59+01:00",
        "durationInDays": 2192,
    }


def test_amounts_are_never_floats():
    with pytest.raises(ocds.FloatNotAllowed):
        ocds.dumps({"amount": 0.1})
    with pytest.raises(ocds.FloatNotAllowed):
        ocds.money(1234.5)
    assert ocds.dumps({"amount": Decimal("0.10")}) == '{"amount":0.10}'
    assert ocds.dumps({"title": "Café «10%»"}) == '{"title":"Café «10%»"}'


@pytest.mark.django_db
def test_the_ocid_prefix_is_a_setting(client, settings):
    contract = live(council_id="P0001")
    settings.OCDS_OCID_PREFIX = "ocds-abc123"
    (release,) = ocds.loads(fetch(client, contract_url(contract))[1])["releases"]
    assert release["ocid"] == "ocds-abc123-P0001"
    assert release["id"].startswith("ocds-abc123-P0001-")


@pytest.mark.django_db
def test_release_ids_and_dates_change_only_when_the_contract_does(client):
    changing, steady = live(title="Day care"), live(title="Fostering")

    def releases():
        return {r["ocid"]: (r["id"], r["date"]) for r in ocds.loads(fetch(client, REGISTER)[1])["releases"]}

    first = releases()
    assert releases() == first  # asked again: the same ids and dates
    changing.title = "Day care and respite"
    changing.save()
    second = releases()
    changed, kept = ocds.ocid(changing.council_id), ocds.ocid(steady.council_id)
    assert second[kept] == first[kept]
    assert second[changed][0] != first[changed][0]
    assert second[changed][1] > first[changed][1]


# Public, streamed, cached -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_feeds_are_public_and_cacheable_by_anyone(client):
    contract = live()
    cycle = make_cycle()
    services.freeze_cycle(cycle)
    for url in (REGISTER, CSV_URL, contract_url(contract), cycle_url(cycle)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "public" in response["Cache-Control"] and "private" not in response["Cache-Control"], url
        assert response["ETag"] and response["Access-Control-Allow-Origin"] == "*"
    client.force_login(make_user(Role.OFFICER))
    response = client.get(REGISTER)
    assert "no-store" not in response["Cache-Control"]  # open data is not personal


@pytest.mark.django_db
def test_a_conditional_get_is_answered_304_until_a_contract_changes(client):
    contract = live()
    first = client.get(REGISTER)
    etag, modified = first["ETag"], first["Last-Modified"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(REGISTER, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content
    assert len(queries) <= 3  # the fingerprint only, not the body
    assert client.get(REGISTER, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    contract.supplier = "New Supplier Ltd"
    contract.save()
    changed = client.get(REGISTER, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    live()  # a new contract changes it too
    assert client.get(REGISTER, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", [REGISTER, CSV_URL])
def test_the_register_is_streamed_in_a_fixed_number_of_queries(client, url):
    def queries_for(n):
        for _ in range(n):
            live()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            assert response.streaming
            text = body(response)
        return len(queries), text

    few, text = queries_for(3)
    many, more = queries_for(30)
    assert few == many
    assert len(more) > len(text)


@pytest.mark.django_db
def test_the_stream_comes_in_pieces_and_is_one_valid_document(settings, client, monkeypatch):
    monkeypatch.setattr(ocds, "FLUSH_CHARACTERS", 1000)
    for _ in range(12):
        live()
    response = client.get(REGISTER)
    pieces = list(response.streaming_content)
    assert len(pieces) > 3
    data = ocds.loads(b"".join(pieces))
    assert len(data["releases"]) == 12
    assert_valid(data)


# A frozen cycle ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_frozen_cycles_package_is_the_register_as_it_stood(client):
    contract = make_contract(start_date=date(2021, 4, 1), end_date=date(2025, 3, 31))
    other = make_contract(portfolio=ensure_portfolios()["ACH"], end_date=date(2025, 3, 31))
    cycle = make_cycle()  # as at 31 August 2022
    services.freeze_cycle(cycle)
    before = body(client.get(cycle_url(cycle)))
    data = ocds.loads(before)
    assert_valid(data)
    assert [r["ocid"] for r in data["releases"]] == [ocds.ocid(contract.council_id)]  # CEF only
    assert data["releases"][0]["contracts"][0]["status"] == "active"  # as at the cycle's date
    contract.total_value = Decimal("999999.00")
    contract.save()
    assert body(client.get(cycle_url(cycle))) == before  # frozen: later changes do not reach it
    assert ocds.ocid(other.council_id) in body(client.get(cycle_url(cycle, "ach"))).decode()


@pytest.mark.django_db
def test_a_cycle_not_frozen_or_a_portfolio_unknown_is_not_found(client):
    cycle = make_cycle()
    assert client.get(cycle_url(cycle)).status_code == 404
    services.freeze_cycle(cycle)
    assert client.get(cycle_url(cycle, "NOPE")).status_code == 404
    assert client.get("/contracts/open-data/contracts/999999/ocds.json").status_code == 404


# The Transparency Code's CSV ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_transparency_code_csv_has_the_codes_fields_in_its_order(client):
    live(
        council_id="LG001",
        title="=HYPERLINK(1)",
        supplier="Acme Ltd",
        total_value=Decimal("60000.10"),
        original_annual_value=Decimal("20000.00"),
        current_annual_value=Decimal("21000.55"),
    )
    live(council_id="LG002", total_value=Decimal("5000.00"))  # not over £5,000
    make_contract(council_id="LG003", end_date=date(2020, 3, 31), start_date=date(2019, 4, 1))  # ended
    response = client.get(CSV_URL)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body(response).decode())))
    assert rows[0] == ocds.TRANSPARENCY_CODE_COLUMNS
    assert rows[0][:3] == ["Reference number", "Title of agreement", "Local authority department responsible"]
    assert [row[0] for row in rows[1:]] == ["LG001"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Title of agreement"] == "'=HYPERLINK(1)"  # a spreadsheet does not run it
    assert row["Sum to be paid over the length of the contract"] == "60000.10"
    assert row["Estimated annual spending"] == "21000.55"
    assert row["Local authority department responsible"] == ensure_portfolios()["CEF"].name
    assert row["Start date"] == "2021-04-01" and row["End date"] == FUTURE.isoformat()
    assert row["Value Added Tax that cannot be recovered"] == ""  # not held: README says so


# Part 1 only ------------------------------------------------------------------------------

SECRET = "PART-TWO-SECRET-7Q"


@pytest.mark.django_db
def test_no_part_2_text_reaches_any_feed_or_notice(client):
    contract = live(total_value=Decimal("6000000.00"), start_date=date(2025, 3, 1))
    ContractCommentary.objects.create(
        contract=contract,
        owner_comment=f"Owner {SECRET}",
        procurement_comment=f"Procurement {SECRET}",
        inflation_mechanism=f"CPI {SECRET}",
    )
    cycle = make_cycle(name="Now", as_at=timezone.localdate())
    services.freeze_cycle(cycle)
    entry = cycle.entries.get()
    RegisterEntryCommentary.objects.update_or_create(
        entry=entry, defaults={"owner_comment": f"Frozen {SECRET}"}
    )
    contract.title = "Changed title"
    contract.save()
    public = [REGISTER, CSV_URL, contract_url(contract), cycle_url(cycle)]
    for url in public:
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET not in body(response).decode(), url
    client.force_login(make_user(Role.CONTRACTS_OFFICER))
    for kind in ("details", "change"):
        response = client.get(f"/contracts/{contract.pk}/notices/{kind}/")
        assert response.status_code == 200
        assert SECRET not in response.content.decode(), kind
    # What a release reads of a contract is the Part 1 list, nothing else.
    assert set(ocds.PART_1_FIELDS) <= {field.name for field in Contract._meta.fields}
    assert not set(ocds.PART_1_FIELDS) & {"risk_index", "risk_level", "concern", "flagged_from"}


# Hostile addresses --------------------------------------------------------------------------

NASTY = [
    "?page=-1",
    "?_export=xlsx",
    "?cycle=%00",
    "?q=' OR 1=1 --",
    "?format=csv&format=xml",
    "?x=" + "9" * 5000,
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", NASTY)
def test_hostile_query_strings_never_give_a_500(client, query):
    contract = live()
    cycle = make_cycle()
    services.freeze_cycle(cycle)
    for url in (REGISTER, CSV_URL, contract_url(contract), cycle_url(cycle)):
        response = client.get(url + query)
        assert response.status_code in {200, 400}, (url, query, response.status_code)
        body(response)
    for path in (
        "/contracts/open-data/contracts/abc/ocds.json",
        "/contracts/open-data/portfolios/%00/cycles/1/ocds.json",
    ):
        assert client.get(path).status_code in {400, 404}


@pytest.mark.parametrize("prefix", ["bromley", "ocds-ABCDEF", "ocds-abc", "ocds-abc1234"])
def test_a_malformed_ocid_prefix_stops_the_portal(prefix):
    from tests.test_settings import production_env, run_manage

    result = run_manage("check", env=production_env(OCDS_OCID_PREFIX=prefix))
    assert result.returncode != 0
    assert 'OCDS_OCID_PREFIX must be "ocds-" and six' in result.stderr


@pytest.mark.django_db
def test_a_cycles_package_costs_the_same_queries_at_any_size(client):
    def queries_for(n):
        for _ in range(n):
            make_contract(start_date=date(2021, 4, 1), end_date=date(2025, 3, 31))
        cycle = make_cycle(name=f"Cycle {n}", as_at=date(2022, 8, 31) + timedelta(days=n))
        services.freeze_cycle(cycle)
        with CaptureQueriesContext(connection) as queries:
            data = ocds.loads(body(client.get(cycle_url(cycle))))
        return len(queries), len(data["releases"])

    few, few_rows = queries_for(2)
    many, many_rows = queries_for(20)
    assert few == many
    assert many_rows > few_rows


@pytest.mark.django_db
def test_the_register_page_links_to_the_open_data(client):
    client.force_login(make_user(Role.MEMBER))
    page = client.get("/contracts/").content.decode()
    assert REGISTER in page and CSV_URL in page
