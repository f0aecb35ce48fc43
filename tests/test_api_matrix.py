"""The permissions matrix's API rows (tests/permissions.py, ``API_PAGES``) asked with a personal API
token instead of a session: a token reads exactly what its owner's role may read."""

import pytest

from bromley_portal.accounts import tokens
from tests.conftest import PortalClient
from tests.permissions import API_PAGES
from tests.test_permissions_matrix import ROLES, role_id, shared  # noqa: F401 (the module's people and council)


@pytest.fixture
def people(shared, db):  # noqa: F811
    return shared[0]


@pytest.fixture
def council(shared, db, settings):  # noqa: F811
    settings.API_THROTTLE_RATE = "1000/minute"
    return shared[1]


@pytest.mark.parametrize("page", API_PAGES, ids=str)
@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_role_against_api_endpoint_with_a_token(people, council, page, role):
    secret = tokens.create_token(people[role], "matrix", 30).secret
    client = PortalClient(headers={"Authorization": f"Bearer {secret}"})
    response = client.get(page.resolve(council))
    allowed = page.no_role_allowed if role is None else role in page.allowed
    assert response.status_code == (200 if allowed else 403), f"{role_id(role)}: {page}"
    assert client.post(page.resolve(council)).status_code == (405 if allowed else 403)


@pytest.mark.parametrize("page", API_PAGES, ids=str)
def test_an_anonymous_client_gets_401_from_every_api_endpoint(council, page):
    response = PortalClient().get(page.resolve(council))
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer realm="api"'
