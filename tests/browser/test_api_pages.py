"""The read API's and the open data's pages in a real browser: axe-core at every width on the open data
pages (signed out) and the API tokens page; an officer makes a token there, reads the actions with it
through the API and revokes it; the API's docs page loads its schema from the portal's own files with
no Content-Security-Policy violation."""

import re
import urllib.error
import urllib.request

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from tests import api_council
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker):
    with rows_for_the_whole_module(django_db_blocker):
        people = {role: api_council.person(role) for role in [*Role, None]}
        for user in people.values():
            user.username = user.username.removeprefix("api-")
            user.save()
        api_council.build(people)
        yield


@pytest.fixture(scope="module")
def contexts(browser, live_server, seeds):
    contexts = SignedInContexts(browser, live_server)
    yield contexts
    contexts.close()


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


PUBLIC = {"open data": lambda: reverse("open_data:index"), "connect": lambda: reverse("open_data:connect")}


@pytest.mark.parametrize("name", PUBLIC)
def test_the_open_data_pages_signed_out_have_no_accessibility_violations(page, check_widths, name):
    response = page.goto(PUBLIC[name]())
    assert response.status == 200 and "public" in response.headers["cache-control"]
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    check_widths(page)


def test_a_visitor_downloads_a_years_actions_from_the_open_data_page(page):
    page.goto(reverse("open_data:index"))
    link = page.locator('a[href="/open-data/2024-25/actions.csv"]')
    expect(link).to_have_accessible_name(re.compile(r"CSV\s*: actions 2024-25"))
    with page.expect_download() as download:
        link.click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    assert text.startswith("financial_year,quarter,") and "Published Q1 words" in text
    assert "Approved but open words" not in text


def get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the live server)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_an_officer_makes_a_token_reads_actions_with_it_and_revokes_it(contexts, check_widths, live_server):
    with contexts.page("officer") as page:
        page.goto(reverse("api_tokens"))
        check_widths(page)
        page.get_by_label("What is it for?").fill("Power BI dashboard")
        page.get_by_label("90 days").check()
        page.get_by_role("button", name="Make token").click()
        expect(page.get_by_role("heading", name="Token made")).to_be_visible()
        token = page.get_by_label("Your new token").input_value()
        check_widths(page)
        status, body = get(live_server.url + "/api/v1/actions/", token)
        assert status == 200 and "Approved but open words" in body and "Secret draft words" not in body
        page.get_by_role("button", name="Revoke Power BI dashboard").click()
        expect(page.get_by_text("The token is revoked")).to_be_visible()
        assert get(live_server.url + "/api/v1/actions/", token)[0] == 401


def test_the_api_docs_page_shows_the_schema_from_our_own_files(page):
    page.goto(reverse("api:docs"))
    expect(page.get_by_text("Bromley Portal read API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/actions/").first).to_be_visible()
