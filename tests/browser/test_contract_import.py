"""Importing contracts in a real browser: axe-core at 1280 and 390 px on the upload page, its list of
problems and the preview of what will change; a contracts officer uploads a file, checks the preview
and confirms it, and the register has the contract."""

import csv
import io

import pytest
from django.test.utils import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from contracts.models import Contract
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module
from tests.contract_factories import make_contract
from tests.factories import make_user

pytestmark = pytest.mark.browser

WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
HEADER = [
    "Contract ID",
    "Owner",
    "Approver",
    "Contract title",
    "Supplier",
    "Portfolio",
    "Total value",
    "Original annual value",
    "Current annual value (estimated)",
    "Start date",
    "End date",
    "Months",
    "Attention",
    "Capital",
]


def row(council_id, supplier="Bright Days Ltd", total="250000"):
    return [
        council_id,
        "Olive Owner",
        "Amir Approver",
        "** Now Live ** Short breaks for disabled children and their families",
        supplier,
        "CEF",
        total,
        "50000",
        "",
        "01/04/2024",
        "31/03/2029",
        "60",
        "",
        "",
    ]


def csv_file(tmp_path, name, rows):
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    media.enable()
    with rows_for_the_whole_module(django_db_blocker):
        owner = make_user(Role.OFFICER, username="owner", first_name="Olive", last_name="Owner")
        approver = make_user(Role.APPROVER, username="approver", first_name="Amir", last_name="Approver")
        make_user(Role.CONTRACTS_OFFICER, username="lead", first_name="Gwen", last_name="Governance")
        make_contract(council_id="E1", title="Fostering framework", owner=owner, approver=approver)
        yield
    media.disable()


@pytest.fixture(scope="module")
def contexts(browser, live_server, seeds):
    contexts = SignedInContexts(browser, live_server)
    yield contexts
    contexts.close()


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


def check_at_both_widths(page, axe, name):
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    for size in WIDTHS:
        page.set_viewport_size(size)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{name} scrolls sideways at {size['width']} px"
        axe(page)


def test_the_upload_page_has_no_accessibility_violations(contexts, axe):
    with contexts.page("lead") as page:
        assert page.goto(reverse("contracts:import")).status == 200
        check_at_both_widths(page, axe, "the upload page")


def test_a_file_with_problems_lists_them_accessibly(contexts, axe, tmp_path):
    path = csv_file(tmp_path, "bad.csv", [row("N1", total="-5"), row("N1")])
    with contexts.page("lead") as page:
        page.goto(reverse("contracts:import"))
        page.get_by_label("Contracts file").set_input_files(str(path))
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        problems = page.locator("#import-errors")
        expect(problems).to_contain_text("The amount must not be negative")
        expect(problems).to_contain_text("Contract N1 is on line 2 too")
        check_at_both_widths(page, axe, "the problems")
    assert not Contract.objects.filter(council_id="N1").exists()


def test_an_officer_previews_and_confirms_an_import(contexts, axe, tmp_path):
    path = csv_file(tmp_path, "contracts.csv", [row("N2")])
    with contexts.page("lead") as page:
        page.goto(reverse("contracts:contract_list"))
        page.get_by_role("link", name="Import contracts from a spreadsheet").click()
        page.get_by_label("Contracts file").set_input_files(str(path))
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_role("heading", name="Check the changes before importing")).to_be_visible()
        expect(page.locator("#new-contracts")).to_contain_text("N2")
        check_at_both_widths(page, axe, "the preview")
        assert not Contract.objects.filter(council_id="N2").exists()
        page.get_by_role("button", name="Import 1 contract").click()
        page.wait_for_url(lambda url: url.endswith(reverse("contracts:contract_list")))
        expect(
            page.get_by_text("Imported contracts.csv: 1 contract new, 0 changed, 0 unchanged.")
        ).to_be_visible()
        axe(page)
    contract = Contract.objects.get(council_id="N2")
    assert contract.status_note == "Now Live" and contract.history.get().history_user.username == "lead"
