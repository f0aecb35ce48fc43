"""Hostile addresses: whatever is typed in a path or a query string, the portal answers with a page
(400 or 404 when it cannot make sense of it), never a 500, and a page's cost in queries does not
grow with what was asked (issue 11, item 10).

The fuzz test walks every page of the permissions matrix (tests/permissions.py), so a new list or
dashboard is fuzzed as soon as it has its row, signed in as each role that may open it.
"""

from urllib.parse import quote, urlencode

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.urls.converters import IntConverter, SlugConverter
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bromley_portal.accounts.roles import Role
from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.views import PAGE_SIZES
from tests.conftest import PortalClient, data_shared_by_a_module
from tests.councils import build_council
from tests.factories import make_user
from tests.permissions import PAGES
from tests.test_permissions_matrix import allows_get, portal_patterns

# The Django admin is the admin site's own (and another part's work); signing in is a form, not a list.
# A row whose address carries a query string (an export) is its page's address with one more key,
# which the fuzz test adds itself.
# The single sign-on pages are not there while single sign-on is off (as here); their hostile answers (a
# bad state, nonce or code, a made-up token) are tested against a real provider in test_single_sign_on.py.
FUZZED = [
    page
    for page in PAGES
    if not page.url_name.startswith("admin:")
    and page.url_name != "login"
    and "?" not in str(page.url)
    and not page.sso
]
EXAMPLES_PER_PAGE = 20

# What the portal's lists, dashboards and forms read from the query string, and things that are not.
KEYS = [
    "page", "per_page", "sort", "q", "period", "portfolio", "ambition", "plan", "rag", "lead", "target",
    "annual_programme", "year", "format", "_export", "status", "report_number", "meeting_date",
]  # fmt: skip
NASTY_VALUES = [
    "", "-1", "0", "1", "25", "100000", "99999999999999999999", "1e309", "NaN", "-", "--", "%", "%00",
    "\x00", "a\x00b", "\x1b[31m", "\x7f", "\u202e", "\ufeff", "🙂", "ð\x9f\x98", "9999-99 Q4", "9998-99 Q4",
    "2023-24 Q9", "0000-01", "9999-00", "CEF 9999-00", "abc", "' OR 1=1 --", "<script>", "../../etc/passwd",
    "csv", "xlsx", "true", "false", "last", "x" * 5000,
]  # fmt: skip
values = st.one_of(
    st.sampled_from(NASTY_VALUES),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(st.characters(exclude_categories=["Cs"]), max_size=10))
# Repeated keys included: a list of pairs, not a dict.
query_strings = st.lists(st.tuples(keys, values), max_size=6).map(lambda pairs: urlencode(pairs))


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with data_shared_by_a_module(django_db_blocker), override_settings(MEDIA_ROOT=media):
        people = {role: make_user(role) for role in Role}
        yield people, build_council(people), media


@pytest.fixture
def signed_in(shared, db, settings):
    """A client signed in as each role, made once per test (signing in writes the session)."""
    settings.MEDIA_ROOT = shared[2]
    clients = {}
    for role, person in shared[0].items():
        clients[role] = PortalClient(raise_request_exception=False)
        clients[role].force_login(person)
    return clients


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


@pytest.mark.parametrize("page", FUZZED, ids=str)
def test_no_query_string_gives_a_500_or_costs_more_queries(page, shared, signed_in):
    """Random query strings (NUL bytes, huge numbers, unicode, repeated keys) on every page, as each
    role that may open it: never a 500, and never more queries than the plain page plus one lookup
    for each value a filter might check against the database."""
    url = page.resolve(shared[1]).split("?")[0]
    roles = sorted(page.allowed, key=str)
    baseline = {}
    for role in roles:
        response, count = get(signed_in[role], url)
        assert response.status_code == 200, (role, url, response.status_code)
        baseline[role] = count

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_PAGE,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(role=st.sampled_from(roles), query=query_strings)
    def fuzz(role, query):
        response, count = get(signed_in[role], f"{url}?{query}")
        assert response.status_code in {200, 302, 400, 404}, (role, query, response.status_code)
        if response.status_code == 200:
            distinct_keys = len({key for key, _ in _pairs(query)})
            assert count <= baseline[role] + distinct_keys, (role, query, count, baseline[role])

    fuzz()


def _pairs(query):
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


@pytest.mark.parametrize("debug", [False, True], ids=["debug off", "debug on"])
@pytest.mark.parametrize(
    "address",
    [
        "/plans/%00/2024-25/",
        "/plans/CEF/%00/",
        "/plans/dashboards/portfolios/%00/",
        "/plans/actions/?q=%00",
        "/plans/actions/?period=1%00",
        "/plans/%1b/2024-25/",
        "/plans/actions/?%00=1",
    ],
)
def test_a_control_character_in_the_address_gets_the_bad_request_page(address, debug, signed_in, settings):
    settings.DEBUG = debug
    response = signed_in[Role.CLERK].get(address)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem with the web address" in page
    assert "London Borough of Bromley" in page  # the portal's own page, not Django's plain one


def test_a_nul_byte_gets_the_bad_request_page_for_anyone(client, db, settings):
    settings.DEBUG = False
    response = client.get("/plans/%00/2024-25/")
    assert response.status_code == 400
    assert "There is a problem with the web address" in response.content.decode()


@pytest.mark.parametrize(
    ("asked", "given"),
    [("-1", 25), ("0", 25), ("100000", 25), ("abc", 25), ("1e3", 25), ("50", 50), ("100", 100)],
)
def test_a_list_gives_only_the_page_sizes_it_offers(asked, given, signed_in):
    assert given in PAGE_SIZES
    response = signed_in[Role.CLERK].get(f"/plans/actions/?per_page={quote(asked)}")
    assert response.status_code == 200
    assert response.context["table"].paginator.per_page == given
    assert f"per_page={quote(asked)}" not in response.content.decode() or asked in {"50", "100"}


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999999999999"])
def test_a_page_number_that_is_not_a_page_gets_the_not_found_page(page, signed_in):
    response = signed_in[Role.CLERK].get(f"/plans/actions/?page={page}")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("year", ["9999-00", "1899-00", "0000-01", "3000-01"])
def test_a_year_the_portal_cannot_hold_is_refused(year, signed_in):
    with pytest.raises(ValueError, match="not a financial year"):
        FinancialYear.parse(year)
    assert signed_in[Role.CLERK].get(f"/plans/CEF/{year}/").status_code == 404


@pytest.mark.parametrize(
    "period", ["9999-99 Q4", "9998-99 Q4", "9999-00 Q4", "2023-24 Q9", "99999999999999999999"]
)
@pytest.mark.parametrize("report", ["plan_progress", "corporate_summary", "exception_report"])
def test_a_report_period_typed_out_of_range_is_a_form_error(report, period, signed_in, shared):
    plan = shared[1]["plan"]
    response = signed_in[Role.CLERK].post(
        f"/reports/new/{report}/", {"plan": plan.pk, "period": period, "report_number": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["period"]


def test_the_plans_list_filters_by_year_from_the_query_string(signed_in, shared):
    plan = shared[1]["plan"]
    response = signed_in[Role.CLERK].get(f"/plans/?year={plan.year}")
    assert response.status_code == 200
    assert plan in response.context["table"].data
    assert signed_in[Role.CLERK].get("/plans/?year=1").status_code == 200


def _path_values(converter):
    if isinstance(converter, IntConverter):
        return st.integers(min_value=0, max_value=10**25)
    if isinstance(converter, SlugConverter):
        return st.from_regex(r"[-a-zA-Z0-9_]{1,300}", fullmatch=True)
    # <str:...>: anything but a slash, control characters and unicode included.
    return st.text(st.characters(exclude_categories=["Cs"], exclude_characters="/"), min_size=1, max_size=300)


PATHS = sorted(
    (name, pattern)
    for name, pattern in portal_patterns()
    if pattern.pattern.converters and allows_get(pattern)
)


@pytest.mark.parametrize(("name", "pattern"), PATHS, ids=[name for name, _ in PATHS])
def test_no_path_value_gives_a_500(name, pattern, signed_in):
    """Every value in every address of the portal (ids, years, codes, slugs): never a 500."""
    strategies = {key: _path_values(converter) for key, converter in pattern.pattern.converters.items()}

    @hypothesis_settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(role=st.sampled_from(sorted(signed_in, key=str)), kwargs=st.fixed_dictionaries(strategies))
    def fuzz(role, kwargs):
        url = reverse(name, kwargs=kwargs)
        response = signed_in[role].get(url)
        assert response.status_code in {200, 302, 400, 403, 404}, (role, url, response.status_code)

    fuzz()
