"""The read API (api/): tokens, the OpenAPI schema and the actions' shape, filters and their errors,
pagination, fixed queries, conditional GETs and throttling."""

import re
from datetime import timedelta

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bromley_portal.accounts import tokens
from bromley_portal.accounts.models import ApiToken
from bromley_portal.accounts.roles import Role
from plans.choices import Rag
from tests import api_council
from tests.conftest import PortalClient, data_shared_by_a_module
from tests.factories import make_plan

ACTIONS = "/api/v1/actions/"
ACTION_TABLES = re.compile(
    r'"plans_(action|actiondetail|detaillead|quarterlyupdate|updatenote|measureofsuccess)"'
)


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    with data_shared_by_a_module(django_db_blocker):
        yield api_council.build()


@pytest.fixture
def council(shared, db, settings):
    settings.API_THROTTLE_RATE = "1000/minute"
    return shared


def bearer(secret) -> PortalClient:
    return PortalClient(headers={"Authorization": f"Bearer {secret}"})


def token_for(user, days=30):
    return tokens.create_token(user, "Test", days).secret


# Tokens ---------------------------------------------------------------------------------------


def test_a_token_is_made_on_the_account_page_shown_once_and_kept_only_as_a_digest(council):
    officer = council["people"][Role.OFFICER]
    client = PortalClient()
    client.force_login(officer)
    response = client.post("/accounts/api-tokens/", {"name": "Power BI", "days": "90"})
    assert response.status_code == 200
    secret = re.search(r'value="(bp_[^"]+)"', response.content.decode())[1]
    token = ApiToken.objects.get(user=officer)
    assert token.digest == tokens.digest(secret) and secret not in str(token.__dict__)
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert secret not in client.get("/accounts/api-tokens/").content.decode()  # shown once
    assert bearer(secret).get(ACTIONS).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_the_account_page_refuses_a_token_without_a_name_or_with_a_made_up_expiry(council):
    client = PortalClient()
    client.force_login(council["people"][Role.MEMBER])
    response = client.post("/accounts/api-tokens/", {"name": "", "days": "5000"})
    assert response.status_code == 400
    assert "Enter what the token is for" in response.content.decode()
    assert not ApiToken.objects.filter(user=council["people"][Role.MEMBER]).exists()


def test_a_revoked_token_gets_401_and_only_its_owner_can_revoke_it(council):
    officer, member = council["people"][Role.OFFICER], council["people"][Role.MEMBER]
    secret = token_for(officer)
    token = ApiToken.objects.get(digest=tokens.digest(secret))
    someone_else = PortalClient()
    someone_else.force_login(member)
    someone_else.post(f"/accounts/api-tokens/{token.pk}/revoke/")
    assert bearer(secret).get(ACTIONS).status_code == 200
    owner = PortalClient()
    owner.force_login(officer)
    assert owner.post(f"/accounts/api-tokens/{token.pk}/revoke/").status_code == 302
    response = bearer(secret).get(ACTIONS)
    assert response.status_code == 401
    assert response.json() == {"detail": "The token has been revoked."}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_expired_or_made_up_token_gets_401(council):
    secret = token_for(council["people"][Role.OFFICER])
    ApiToken.objects.filter(digest=tokens.digest(secret)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert bearer(secret).get(ACTIONS).json() == {"detail": "The token has expired."}
    for made_up in ["nonsense", "bp_abc_def", secret[:-2] + "xx", "bp__", "bp_é_x"]:
        response = bearer(made_up).get(ACTIONS)
        assert response.status_code == 401, made_up


def test_a_token_sees_what_its_owner_may_and_no_more(council):
    """A person with no role (or a member, for complaints casework) reads nothing their role does not."""
    assert bearer(token_for(council["people"][None])).get(ACTIONS).status_code == 403
    member = bearer(token_for(council["people"][Role.MEMBER]))
    assert member.get(ACTIONS).status_code == 200
    assert PortalClient().get(ACTIONS).status_code == 401


# The schema and the actions' shape -----------------------------------------------------------


def openapi_to_json_schema(node):
    """OpenAPI 3.0's ``nullable`` as JSON Schema's null type, so jsonschema checks responses."""
    if isinstance(node, list):
        return [openapi_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: openapi_to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture
def schema(client):
    import yaml

    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_openapi_schema_is_valid_and_public(schema):
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/actions/", "/api/v1/complaint-statistics/"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["personalToken"]["scheme"] == "bearer"
    filters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/actions/"]["get"]["parameters"]}
    assert filters["period"]["type"] == "integer" and "red" in filters["rag"]["enum"]


def test_an_api_token_reads_actions_in_the_documented_shape(council, schema):
    response = bearer(token_for(council["people"][Role.MEMBER])).get(ACTIONS)
    assert response.status_code == 200
    page = schema["paths"][ACTIONS]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    document = openapi_to_json_schema({**page, "components": schema["components"]})
    jsonschema.validate(response.json(), document)
    rows = {row["reference"]: row for row in response.json()["results"]}
    # The latest reported update: Q2's approved one for action 1, Q1's amended one for action 3.
    assert rows["1.1"]["latest_update"]["narrative"] == "Approved but open words"
    assert rows["1.1"]["rag"] == Rag.AMBER and rows["1.1"]["rag_label"] == "Amber: at risk"
    assert rows["1.3"]["latest_update"] == {
        "period": "2024-25 Q1",
        "period_id": council["q1"].pk,
        "rag": Rag.RED,
        "rag_label": "Red: off track",
        "narrative": "Amended Q1 words",
    }
    assert rows["1.2"]["rag"] == Rag.NO_UPDATE  # closed as not received in Q1; Q2's is only submitted


def test_the_docs_page_is_served_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    script = client.get(next(s for s in sources if "script" in s))
    assert script.status_code == 200 and "/api/v1/schema/" in script.content.decode()


# Filters, errors and pagination ----------------------------------------------------------------


def test_the_actions_filter_is_the_pages_filterset(council):
    client = bearer(token_for(council["people"][Role.CLERK]))
    red = client.get(ACTIONS, {"rag": Rag.RED}).json()["results"]
    assert [row["reference"] for row in red] == ["1.3"]
    in_q1 = client.get(ACTIONS, {"period": council["q1"].pk}).json()["results"]
    assert {row["reference"]: row["rag"] for row in in_q1} == {
        "1.1": Rag.GREEN,
        "1.2": Rag.NO_UPDATE,
        "1.3": Rag.RED,
    }


@pytest.mark.parametrize(
    "query, field",
    [
        ({"rag": "purple"}, "rag"),
        ({"period": "abc"}, "period"),
        ({"plan": "999999"}, "plan"),
        ({"target": "someday"}, "target"),
        ({"ambition": "x"}, "ambition"),
        ({"page_size": "100000"}, "page_size"),
        ({"page_size": "-1"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"period": "99999999999999999999"}, "period"),
        ({"lead": "1e3"}, "lead"),
        ({"page_size": "1e3"}, "page_size"),
    ],
)
def test_a_malformed_filter_gets_400_naming_it(council, query, field):
    response = bearer(token_for(council["people"][Role.CLERK])).get(ACTIONS, query)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_malformed_year_gets_400_naming_it(council):
    response = bearer(token_for(council["people"][Role.CLERK])).get(
        "/api/v1/complaint-statistics/", {"year": "20x"}
    )
    assert response.status_code == 400 and list(response.json()) == ["year"]


def test_cursor_pages_cover_every_action_once(council):
    client = bearer(token_for(council["people"][Role.CLERK]))
    seen, url = [], ACTIONS + "?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(action.pk for action in council["actions"])


def test_the_actions_endpoint_runs_the_same_queries_for_a_page_of_3_and_of_30(council):
    client = bearer(token_for(council["people"][Role.MEMBER]))
    client.get(ACTIONS)  # the token's "last used" is written once

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ACTIONS, {"page_size": 50}).status_code == 200
        return len(queries)

    small = count()
    for _ in range(9):
        make_plan(code="CEF", year=2024, actions=3)
    assert len(client.get(ACTIONS, {"page_size": 50}).json()["results"]) == 30
    assert count() == small


# Conditional GETs and throttling ---------------------------------------------------------------


def test_a_repeated_poll_is_answered_304_without_reading_the_action_tables(council):
    client = bearer(token_for(council["people"][Role.MEMBER]))
    first = client.get(ACTIONS)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(ACTIONS, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    assert not [q["sql"] for q in queries if ACTION_TABLES.search(q["sql"])]
    # The token, the owner's roles and permissions (the same questions every page asks), and the
    # one query of api.versions over the history tables.
    assert len(queries) <= 6, "\n".join(q["sql"][:150] for q in queries)
    assert "historical" in queries[len(queries) - 1]["sql"]


def test_a_change_or_another_query_gets_a_new_etag(council):
    client = bearer(token_for(council["people"][Role.MEMBER]))
    etag = client.get(ACTIONS)["ETag"]
    assert client.get(ACTIONS, {"rag": Rag.RED})["ETag"] != etag
    update = council["actions"][0].updates.get(period=council["q2"])
    update.narrative = "Approved, then corrected"
    update.save()
    changed = client.get(ACTIONS, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Approved, then corrected" in changed.content.decode()


def test_each_role_gets_its_own_etag(council):
    """Two people's copies are never mistaken for each other's, even for the same address."""
    member = bearer(token_for(council["people"][Role.MEMBER])).get(ACTIONS)["ETag"]
    clerk = bearer(token_for(council["people"][Role.CLERK])).get(ACTIONS)["ETag"]
    assert member != clerk


def test_a_client_over_its_rate_gets_429_with_retry_after(council, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    secret, other = token_for(council["people"][Role.MEMBER]), token_for(council["people"][Role.MEMBER])
    codes = [bearer(secret).get("/api/v1/periods/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = bearer(secret).get("/api/v1/periods/")
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert bearer(other).get("/api/v1/periods/").status_code == 200  # counted per token


def test_every_list_runs_the_same_queries_at_two_sizes(council):
    from decimal import Decimal

    from plans.models import Measure, Reading
    from tests.contract_factories import make_contract

    client = bearer(token_for(council["people"][Role.ADMIN]))
    urls = [
        "/api/v1/plans/",
        "/api/v1/periods/",
        "/api/v1/measures/",
        "/api/v1/contracts/",
        "/api/v1/ambitions/",
    ]
    client.get(urls[0])  # the token's "last used" is written once

    def counts():
        result = {}
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result[url] = len(queries)
        return result

    before = counts()
    for number in range(5):
        make_plan(code=["ACH", "ECS", "RRH", "PPE", "ERC"][number], year=2024, actions=2)
        measure = Measure.objects.create(
            slug=f"m{number}",
            name=f"M{number}",
            definition="d",
            unit="number",
            polarity="lower_is_better",
            frequency="quarterly",
        )
        Reading.objects.create(measure=measure, period=council["q1"], actual=Decimal(number))
        make_contract(total_value=Decimal("90000.00"), end_date=timezone.localdate() + timedelta(days=400))
    assert counts() == before
