"""Importing complaints in a real browser: axe-core at 1280 and 390 px on the upload page, its list of
problems and the preview of what will be added; a complaints officer goes from the caseload to the
import, uploads the sample workbook, checks the preview and confirms it, and the complaints are there."""

import csv
import io

import pytest
from django.test.utils import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from complaints.models import Complaint
from complaints.services import load_divisions
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module
from tests.factories import make_user
from tests.seed_documents import REPO

pytestmark = pytest.mark.browser

WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
SAMPLE = REPO / "fixtures" / "samples" / "complaints_sample.xlsx"
HEADER = ["reference", "received", "channel", "procedure", "stage", "division", "service", "mention", "aspect",
          "outcome", "responded", "extended_to"]  # fmt: skip
ROW = ["C2018-00001", "2018-04-09", "Email", "Corporate", "1", "Housing", "", "1", "Lack of Action",
       "Not upheld", "2018-05-01", ""]  # fmt: skip


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    media.enable()
    with rows_for_the_whole_module(django_db_blocker):
        load_divisions()
        make_user(Role.COMPLAINTS_OFFICER, username="cecs", first_name="Cara", last_name="Complaints")
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
    with contexts.page("cecs") as page:
        assert page.goto(reverse("complaints:import")).status == 200
        page.get_by_text("What to put in each sheet").click()
        check_at_both_widths(page, axe, "the upload page")


def test_a_file_with_problems_lists_them_accessibly(contexts, axe, tmp_path):
    bad = [*ROW]
    bad[2] = "Pigeon"
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, ROW, bad])
    path = tmp_path / "bad.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    with contexts.page("cecs") as page:
        page.goto(reverse("complaints:import"))
        page.get_by_label("Complaints file").set_input_files(str(path))
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        problems = page.locator("#import-errors")
        expect(problems).to_contain_text("channel")
        expect(problems.locator("tbody tr")).to_have_count(1)
        check_at_both_widths(page, axe, "the problems")
    assert not Complaint.objects.exists()


def test_an_officer_previews_and_confirms_an_import(contexts, axe):
    with contexts.page("cecs") as page:
        page.goto(reverse("complaints:caseload"))
        page.get_by_role("link", name="Import complaints").click()
        page.get_by_label("Complaints file").set_input_files(str(SAMPLE))
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_role("heading", name="Check what will be added before importing")).to_be_visible()
        expect(page.locator("#import-counts")).to_contain_text("Ombudsman cases")
        check_at_both_widths(page, axe, "the preview")
        assert not Complaint.objects.exists()
        page.get_by_role("button", name="Import 21 records").click()
        page.wait_for_url(lambda url: url.endswith(reverse("complaints:caseload")))
        expect(page.get_by_text("Imported complaints_sample.xlsx: 5 complaints added")).to_be_visible()
        axe(page)
    assert Complaint.objects.count() == 5
