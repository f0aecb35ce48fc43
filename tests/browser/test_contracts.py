"""The contract register in a real browser, with the council's own September 2022 register: axe-core on
every page at 1280 and 390 px wide (and 320 px, WCAG's reflow width), and a councillor filtering the
register and downloading it with the keyboard."""

import csv
import io
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from contracts.models import Contract
from contracts.seeds import load_seed_register
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module
from tests.browser.test_login import tab_to
from tests.contract_factories import make_contract, uniform_scores
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker):
    """The published CEF register, a live contract with a commentary, a councillor and a clerk."""
    from datetime import timedelta

    from django.utils import timezone

    with rows_for_the_whole_module(django_db_blocker):
        load_seed_register()
        today = timezone.localdate()
        make_contract(
            council_id="LIVE1",
            title="Fostering framework",
            start_date=today - timedelta(days=400),
            end_date=today + timedelta(days=90),
            scores=uniform_scores(4),
            commentary={"owner_comment": "Re-tendering next spring.", "inflation_mechanism": "CPI"},
        )
        make_user(Role.MEMBER, username="cllr", first_name="Pat", last_name="Councillor")
        make_user(Role.CLERK, username="clerk", first_name="Dev", last_name="Clerk")
        yield


@pytest.fixture(scope="module")
def contexts(browser, live_server, seeds):
    contexts = SignedInContexts(browser, live_server)
    yield contexts
    contexts.close()


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


PAGES = {
    "register": ("cllr", lambda: reverse("contracts:contract_list")),
    "register, filtered": ("cllr", lambda: reverse("contracts:contract_list") + "?risk=higher&ending=6"),
    "register, bad filter": ("cllr", lambda: reverse("contracts:contract_list") + "?value=lots"),
    "CEF register September 2022": ("cllr", lambda: reverse("contracts:portfolio_register", args=["CEF"])),
    "a published contract": ("cllr", lambda: Contract.objects.get(council_id="6255").get_absolute_url()),
    "a live contract": ("cllr", lambda: Contract.objects.get(council_id="LIVE1").get_absolute_url()),
    "commentary (Part 2)": (
        "clerk",
        lambda: reverse("contracts:commentary", args=[Contract.objects.get(council_id="LIVE1").pk]),
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_contract_pages_have_no_accessibility_violations(contexts, check_widths, name):
    username, url = PAGES[name]
    with contexts.page(username) as page:
        response = page.goto(url())
        assert response.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        check_widths(page)


def test_a_councillor_filters_the_register_and_downloads_it_with_the_keyboard(contexts):
    with contexts.page("cllr") as page:
        page.goto(reverse("contracts:portfolio_register", args=["CEF"]))
        expect(page.get_by_role("status")).to_have_text("41 contracts")
        page.get_by_label("Procurement status").select_option("amber")
        tab_to(page, page.get_by_role("button", name="Apply filters"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_have_text("3 contracts")
        link = page.get_by_role("link", name="CSV file of the")
        tab_to(page, link)
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert [row[1] for row in rows[1:]] == ["6253", "6273", "4943"]
        assert {row[10] for row in rows[1:]} == {"Amber"}
