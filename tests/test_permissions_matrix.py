"""The permissions matrix (tests/permissions.py) against the made-up council (tests/councils.py).

Every named URL of the portal has a row, by construction: a page or an action with no row fails
``test_every_url_of_the_portal_has_a_row_in_the_matrix``, which names it.
"""

import pytest
from django.contrib.staticfiles.views import serve as serve_static
from django.test import override_settings
from django.urls import URLResolver, get_resolver, resolve
from django.views.static import serve as serve_media

from bromley_portal.accounts.roles import Role
from tests.conftest import data_shared_by_a_module
from tests.councils import Council, build_council
from tests.factories import make_user
from tests.permissions import ACTIONS, PAGES

ROLES = [*Role, None]

# The Django admin site's own patterns (each model's list, add, change, delete and history pages)
# are refused to everyone but admins by the site itself; PAGES checks a sample of them.
ADMIN_NAMESPACE = "admin"
# Files, not pages: media and static files served by Django in development only.
FILE_VIEWS = {serve_media, serve_static}


def role_id(role):
    return role.value if role else "no-role"


def is_refusal(response):
    # A refusal is 403, or for the admin site a redirect to its own sign-in page.
    return response.status_code == 403 or (response.status_code == 302 and "/login/" in response.url)


def url_patterns(patterns=None, namespace=""):
    """(namespace, name, pattern) for every URL pattern of the portal; name is None when unnamed."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from url_patterns(pattern.url_patterns, inner)
        else:
            name = pattern.name and ":".join(part for part in (namespace, pattern.name) if part)
            yield namespace, name, pattern


def portal_patterns():
    """The portal's own patterns: not the admin site's, not files."""
    for namespace, name, pattern in url_patterns():
        if namespace.split(":")[0] != ADMIN_NAMESPACE and pattern.callback not in FILE_VIEWS:
            yield name, pattern


def allows_get(pattern) -> bool:
    view = pattern.callback
    if not hasattr(view, "view_class"):
        return True  # a function view; none of the portal's is POST only
    return "GET" in view.view_class(**view.view_initkwargs)._allowed_methods()


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker, tmp_path_factory):
    """The people and the council, made once for the whole matrix (each test's changes are undone)."""
    media = tmp_path_factory.mktemp("media")  # the plans part stores a report file
    with data_shared_by_a_module(django_db_blocker), override_settings(MEDIA_ROOT=media):
        people = {role: make_user(role) for role in Role}
        people[None] = make_user(None)
        yield people, build_council(people), media


@pytest.fixture
def people(shared, db):
    return shared[0]


@pytest.fixture
def council(shared, db, settings):
    settings.MEDIA_ROOT = shared[2]
    return shared[1]


# Every page and action has a row ---------------------------------------------------------


def test_every_url_of_the_portal_has_a_row_in_the_matrix():
    rows = {page.url_name for page in PAGES} | {action.url_name for action in ACTIONS}
    missing = sorted({name for name, _ in portal_patterns() if name and name not in rows})
    assert not missing, (
        "These URLs have no row in tests/permissions.py: add a Page (or, for a POST-only endpoint, "
        "an Action) for each: " + ", ".join(missing)
    )


def test_every_url_of_the_portal_has_a_name():
    unnamed = [str(pattern.pattern) for name, pattern in portal_patterns() if not name]
    assert not unnamed, f"Give these URL patterns a name, and a row in tests/permissions.py: {unnamed}"


def test_every_row_names_a_url_of_the_portal():
    names = {name for _, name, _ in url_patterns() if name}
    assert not [row.name for row in [*PAGES, *ACTIONS] if row.url_name not in names]


def test_a_council_part_cannot_replace_another_parts_object():
    council = Council(plan="the plans part's")
    with pytest.raises(KeyError, match="already set"):
        council["plan"] = "another part's"
    with pytest.raises(KeyError, match="already set"):
        council.update(plan="another part's")


def test_rows_have_different_names():
    for rows in (PAGES, ACTIONS):
        names = [row.name for row in rows]
        assert len(names) == len(set(names)), names


def test_the_post_only_endpoints_are_exactly_the_post_only_actions():
    """A view that takes no GET has no page to open: it must be an Action, and an Action marked
    POST only must take no GET (else it is a page, with a row in PAGES)."""
    post_only_views = {name for name, pattern in portal_patterns() if not allows_get(pattern)}
    assert post_only_views == {action.url_name for action in ACTIONS if action.post_only}


def test_each_rows_address_is_its_url_name(council):
    for row in [*PAGES, *ACTIONS]:
        path = row.resolve(council).split("?")[0]
        assert resolve(path).view_name == row.url_name, f"{row}: {path} is not {row.url_name}"


# Roles against pages ------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=str)
@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_role_against_page(client, people, council, page, role):
    client.force_login(people[role])
    url = page.resolve(council)
    response = client.get(url)
    if page.sso:
        assert response.status_code == 404, f"{page} is there with single sign-on off"
        return
    if page.signed_in_goes_to:
        assert response.status_code == 302 and response.url == page.signed_in_goes_to
        return
    allowed = page.no_role_allowed if role is None else role in page.allowed
    if allowed:
        assert response.status_code == 200, f"{role_id(role)} should open {page}"
    else:
        assert is_refusal(response), f"{role_id(role)} should be refused {page}, got {response.status_code}"
        posted = client.post(url)
        assert is_refusal(posted), (
            f"{role_id(role)} should be refused a POST to {page}, got {posted.status_code}"
        )


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_anonymous_visitors_are_sent_to_sign_in(client, council, page):
    response = client.get(page.resolve(council))
    if page.sso:
        assert response.status_code == 404, f"{page} is there with single sign-on off"
    elif page.public:
        assert response.status_code == 200
    elif page.api:
        assert response.status_code == 401  # an API client is not sent to a sign-in page
    else:
        assert response.status_code == 302
        assert "login" in response.url


# Roles against actions (POST) ---------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS, ids=str)
@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_role_against_action(client, people, council, action, role):
    client.force_login(people[role])
    response = client.post(action.resolve(council), action.form_data(council))
    allowed = action.no_role_allowed if role is None else role in action.allowed
    if allowed:
        assert response.status_code == 302, f"{role_id(role)} should {action}, got {response.status_code}"
        assert action.done is None or action.done(council), f"{role_id(role)} did not {action}"
    else:
        assert response.status_code == 403, f"{role_id(role)} should be refused {action}"
        assert action.done is None or not action.done(council), f"{role_id(role)} could {action}"


@pytest.mark.parametrize("action", ACTIONS, ids=str)
def test_anonymous_visitors_are_sent_to_sign_in_to_act(client, council, action):
    response = client.post(action.resolve(council), action.form_data(council))
    assert response.status_code == 302
    assert "login" in response.url
    assert action.done is None or not action.done(council)
