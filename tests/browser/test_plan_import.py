"""Importing a plan in a real browser: axe-core at 1280 and 390 px on the preview of what the file would
change; an administrator uploads a plan file, checks the preview and confirms it, and the plan is there."""

import os

import pytest
from django.test.utils import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from ambitions.models import Post
from ambitions.services import ensure_portfolios, load_seed_strategy
from bench.plan_import import plan_csv
from bromley_portal.accounts.roles import Role
from plans.models import Action
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module
from tests.factories import make_user

pytestmark = pytest.mark.browser

WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]
# Set PORTAL_SCREENSHOTS to a folder to keep the preview as an image at both widths, for looking at.
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker, tmp_path_factory):
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    media.enable()
    with rows_for_the_whole_module(django_db_blocker):
        load_seed_strategy()
        ensure_portfolios()
        Post.objects.create(title="Director Education")
        make_user(Role.ADMIN, username="padmin", first_name="Pat", last_name="Admin")
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
        if SCREENSHOTS:
            image = f"{name.replace(' ', '-')}-{size['width']}.png"
            page.screenshot(path=os.path.join(SCREENSHOTS, image), full_page=True)


def test_an_administrator_previews_and_confirms_a_plan_import(contexts, axe, tmp_path):
    path = tmp_path / "cef plan.csv"
    path.write_bytes(plan_csv(25))
    with contexts.page("padmin") as page:
        assert page.goto(reverse("plans:import")).status == 200
        page.get_by_label("Portfolio").select_option(label="Children, Education and Families")
        page.get_by_label("Financial year").fill("2030-31")
        page.get_by_label("Plan file").set_input_files(str(path))
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_role("heading", name="Check what will change before importing")).to_be_visible()
        expect(page.locator("#import-counts")).to_contain_text("To be created")
        check_at_both_widths(page, axe, "the preview")
        assert not Action.objects.filter(section__plan__year=2030).exists()
        page.get_by_role("button", name="Import the plan").click()
        page.wait_for_url(lambda url: "/plans/import" not in url)
        expect(page.get_by_text("5 actions created, 0 updated, 0 unchanged.")).to_be_visible()
        axe(page)
    assert Action.objects.filter(section__plan__year=2030).count() == 5
