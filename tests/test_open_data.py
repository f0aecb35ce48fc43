"""The open data (api.open_data, api.feeds) and the no-leak proof for the API and the feeds: nothing of
Part 2, nothing unpublished and no person's details reach any of them."""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import open_data
from bromley_portal.accounts import tokens
from bromley_portal.accounts.roles import Role
from tests import api_council
from tests.conftest import PortalClient, data_shared_by_a_module
from tests.test_permissions_matrix import portal_patterns

YEAR = "2024-25"
FEEDS = [f"/open-data/{YEAR}/{name}.{ext}" for name in open_data.DATASETS for ext in ("csv", "json")]
PAGES = ["/open-data/", "/open-data/connect/", f"/open-data/{YEAR}/datapackage.json"]
SCHEMAS = [f"/open-data/schemas/{name}.json" for name in open_data.DATASETS]
PART_2_FIELDS = {
    "commentary",
    "owner_comment",
    "procurement_comment",
    "inflation_mechanism",
    "owner",
    "approver",
}
PERSONAL_FIELDS = {
    "email",
    "username",
    "first_name",
    "last_name",
    "phone",
    "complainant",
    "summary",
    "created_by",
    "submitted_by",
    "decided_by",
    "locked_by",
    "return_comment",
}


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    with data_shared_by_a_module(django_db_blocker):
        yield api_council.build()


@pytest.fixture
def council(shared, db, settings):
    settings.API_THROTTLE_RATE = "1000/minute"
    return shared


def rows_of(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def json_of(response):
    return json.loads(b"".join(response.streaming_content) if response.streaming else response.content)


# The feeds ------------------------------------------------------------------------------------


def test_the_actions_feed_has_only_locked_quarters_as_reported(council, client):
    rows = rows_of(client.get(f"/open-data/{YEAR}/actions.csv"))
    assert [(row["quarter"], row["action_reference"], row["rag"]) for row in rows] == [
        ("1", "1.1", "green"),
        ("1", "1.2", "no_update"),
        ("1", "1.3", "red"),
    ]
    assert rows[0]["narrative"] == "Published Q1 words" and rows[2]["narrative"] == "Amended Q1 words"
    assert rows[2]["rag_label"] == "Red: off track" and rows[0]["leads"] == "Director Education"


def test_csv_is_for_excel_and_power_bi(council, client):
    response = client.get(f"/open-data/{YEAR}/measures.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = rows_of(response)
    assert list(rows[0]) == [field.name for field in open_data.MEASURES.fields]  # the header row
    first = rows[0]
    assert first["actual"] == "1234.50"  # no thousands separator, a point
    assert first["target"] == "95.00" and first["rag"] == "green" and first["direction"] == "not_known"
    assert rows[1]["rag"] == "amber" and rows[1]["direction"] == "worsening"
    contracts = rows_of(client.get(f"/open-data/{YEAR}/contracts.csv"))
    school_meals = next(row for row in contracts if row["Title of agreement"] == "School meals")
    assert school_meals["Start date"] == "2023-04-01" and school_meals["End date"] == "2030-03-31"
    assert school_meals["Sum to be paid over the length of the contract"] == "1250000.00"
    assert list(school_meals) == open_data.ocds.TRANSPARENCY_CODE_COLUMNS


def test_the_json_feed_carries_its_licence_and_data_dictionary(council, client):
    body = json_of(client.get(f"/open-data/{YEAR}/complaints.json"))
    assert body["licence"]["title"] == "Open Government Licence v3.0"
    assert body["schema"].endswith("/open-data/schemas/complaints.json")
    council_row = body["rows"][-1]
    assert council_row["division"] == "All divisions" and council_row["complaints"] == 1
    assert council_row["aspects"] == 1 and council_row["financial_year"] == YEAR


def test_each_feed_matches_its_table_schema(council, client):
    for name in open_data.DATASETS:
        schema = json_of(client.get(f"/open-data/schemas/{name}.json"))
        fields = {field["name"]: field for field in schema["fields"]}
        rows = rows_of(client.get(f"/open-data/{YEAR}/{name}.csv"))
        assert rows, name
        for row in rows:
            assert list(row) == list(fields), name
            for column, value in row.items():
                check_cell(fields[column], value)


def check_cell(field, value):
    constraints = field.get("constraints", {})
    if value == "":
        assert not constraints.get("required"), field["name"]
        return
    if "enum" in constraints:
        assert value in constraints["enum"], (field["name"], value)
    kind = field["type"]
    if kind == "integer":
        assert re.fullmatch(r"-?[0-9]+", value), (field["name"], value)
    elif kind == "number":
        assert Decimal(value) == Decimal(value) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value)
    elif kind == "date":
        date.fromisoformat(value)
    elif kind == "boolean":
        assert value in ("true", "false")


def test_the_data_package_lists_every_feed_with_its_licence(council, client):
    package = json_of(client.get(f"/open-data/{YEAR}/datapackage.json"))
    assert package["licenses"][0]["name"] == "OGL-UK-3.0"
    assert [resource["name"] for resource in package["resources"]] == list(open_data.DATASETS)
    for resource in package["resources"]:
        assert resource["path"].endswith(f"/open-data/{YEAR}/{resource['name']}.csv")


def test_feeds_are_public_cached_and_answer_304(council, client):
    url = f"/open-data/{YEAR}/actions.json"
    first = client.get(url)
    assert first.status_code == 200
    assert "public" in first["Cache-Control"] and "max-age=300" in first["Cache-Control"]
    assert 'rel="license"' in first["Link"] and 'rel="describedby"' in first["Link"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and len(queries) == 1
    assert not re.search(r'"plans_(action|quarterlyupdate|actiondetail)"', queries[0]["sql"])


def test_a_signed_in_person_gets_the_same_public_feed(council):
    """/open-data/ is not personal: no private, no-store, so a proxy may keep it."""
    client = PortalClient()
    client.force_login(council["people"][Role.ADMIN])
    response = client.get(f"/open-data/{YEAR}/actions.csv")
    assert "no-store" not in response["Cache-Control"] and "public" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/open-data/2024-26/actions.csv", "/open-data/2024-25/people.csv"])
def test_a_made_up_year_or_dataset_is_404(council, client, url):
    assert client.get(url).status_code == 404


def test_the_feeds_run_a_fixed_number_of_queries(council, client):
    from tests.factories import make_plan

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            b"".join(client.get(url).streaming_content)
        return len(queries)

    before = {url: count(url) for url in FEEDS}
    make_plan(code="CEF", year=2024, actions=6)
    assert {url: count(url) for url in FEEDS} == before


def test_the_action_and_measure_feeds_cost_the_same_queries_with_many_more_rows(council, client):
    """Each feed's rows come from streamed queries and a few lookups: the same queries with ten times
    the updates (with notes and an amendment) and readings, and each row as the models read it."""
    from plans.models import Action, Amendment, Measure, QuarterlyUpdate, Reading, ReportingPeriod, UpdateNote
    from tests.factories import make_plan

    urls = [f"/open-data/{YEAR}/{name}.{ext}" for name in ("actions", "measures") for ext in ("csv", "json")]

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            rows = json_of(response)["rows"] if url.endswith(".json") else rows_of(response)
        return len(queries), len(rows)

    before = {url: count(url) for url in urls}
    make_plan(code="CEF", year=2024, actions=30, ambition_number=2, lead="Director of Housing")
    q1, q0 = (
        council["q1"],
        ReportingPeriod.objects.create(
            year=2023, quarter=4, status="locked", **ReportingPeriod.default_dates(2023, 4)
        ),
    )
    for action in Action.objects.filter(section__number=2, section__plan__year=2024).order_by("number"):
        update = QuarterlyUpdate.objects.create(action=action, period=q1, status="locked", narrative="Own")
        UpdateNote.objects.create(
            update=update, detail=action.details.order_by("order").last(), narrative="On b"
        )
    Amendment.objects.create(
        update=update, narrative="Corrected", reason="Typo", created_by=council["people"][Role.APPROVER]
    )
    for number in range(10):
        measure = Measure.objects.create(
            slug=f"m{number}", name=f"Measure {number}", definition="", unit="number",
            polarity="lower_is_better", frequency="quarterly", tolerance=1,
        )  # fmt: skip
        Reading.objects.create(measure=measure, period=q0, actual=5, target=4)
        Reading.objects.create(measure=measure, period=q1, actual=4 + number % 2, target=4)
    after = {url: count(url) for url in urls}
    assert {url: queries for url, (queries, _) in after.items()} == {
        url: queries for url, (queries, _) in before.items()
    }
    for ext in ("csv", "json"):
        assert (
            after[f"/open-data/{YEAR}/actions.{ext}"][1] == before[f"/open-data/{YEAR}/actions.{ext}"][1] + 30
        )
        assert (
            after[f"/open-data/{YEAR}/measures.{ext}"][1]
            == before[f"/open-data/{YEAR}/measures.{ext}"][1] + 10
        )

    reported = {
        update.action.reference: update
        for update in QuarterlyUpdate.objects.reported().filter(period=q1).select_related("action__section")
    }
    for row in json_of(client.get(f"/open-data/{YEAR}/actions.json"))["rows"]:
        update = reported[row["action_reference"]]
        assert row["narrative"] == update.reported_narrative and row["rag"] == update.reported_rag
        assert row["leads"] == "; ".join(post.title for post in update.action.lead_posts)
    assert {row["narrative"] for row in json_of(client.get(f"/open-data/{YEAR}/actions.json"))["rows"]} >= {
        "Own\n\na) and b): On b",
        "Corrected",
    }
    readings = {
        row["measure_id"]: row for row in json_of(client.get(f"/open-data/{YEAR}/measures.json"))["rows"]
    }
    assert (readings["m0"]["rag"], readings["m0"]["direction"]) == ("green", "improving")
    assert (readings["m1"]["rag"], readings["m1"]["direction"]) == ("amber", "no_change")


# No leaks -------------------------------------------------------------------------------------


def api_urls(council) -> list[str]:
    return [
        "/api/v1/ambitions/",
        "/api/v1/plans/",
        "/api/v1/actions/",
        f"/api/v1/actions/?period={council['q2'].pk}",
        "/api/v1/actions/?q=Secret",
        "/api/v1/periods/",
        "/api/v1/measures/",
        "/api/v1/contracts/",
        "/api/v1/contracts/?q=Part",
        f"/api/v1/complaint-statistics/?year={YEAR}",
        "/api/v1/schema/",
    ]


def keys_of(value) -> set:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_of(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_of(item)}
    return set()


def read(response) -> str:
    assert response.status_code == 200, response
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8")


def test_every_api_url_and_feed_is_in_the_no_leak_list():
    """A new endpoint or feed must join this test."""
    api = {name for name, _ in portal_patterns() if name and name.split(":")[0] in {"api", "open_data"}}
    assert api == {
        "api:ambitions",
        "api:plans",
        "api:actions",
        "api:periods",
        "api:measures",
        "api:contracts",
        "api:complaint_statistics",
        "api:schema",
        "api:docs",
        "open_data:index",
        "open_data:connect",
        "open_data:schema",
        "open_data:datapackage",
        "open_data:feed",
    }


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MEMBER, Role.COMPLAINTS_OFFICER, Role.CONTRACTS_OFFICER])
def test_no_part_2_field_unpublished_update_or_personal_detail_reaches_the_api(council, role):
    client = PortalClient(
        headers={"Authorization": f"Bearer {tokens.create_token(council['people'][role], 'x', 30).secret}"}
    )
    for url in api_urls(council):
        body = read(client.get(url))
        for secret in api_council.SECRETS:
            assert secret not in body, f"{secret!r} reached {url} for {role}"
        if not url.endswith("/schema/"):
            keys = keys_of(json.loads(body))
            assert not keys & (PART_2_FIELDS | PERSONAL_FIELDS), (
                url,
                keys & (PART_2_FIELDS | PERSONAL_FIELDS),
            )
    # The approved update of the open quarter is what the actions page shows them too.
    assert "Approved but open words" in read(client.get("/api/v1/actions/"))


def test_no_part_2_field_unpublished_update_or_personal_detail_reaches_the_open_data(council, client):
    for url in FEEDS + PAGES + SCHEMAS:
        body = read(client.get(url))
        for secret in api_council.SECRETS + api_council.UNPUBLISHED:
            assert secret not in body, f"{secret!r} reached {url}"
    published = read(client.get(f"/open-data/{YEAR}/actions.json"))
    assert all(words in published for words in api_council.PUBLISHED)
    for name in open_data.DATASETS:
        columns = {field.name.lower() for field in open_data.DATASETS[name].fields}
        assert not columns & (PART_2_FIELDS | PERSONAL_FIELDS), name
