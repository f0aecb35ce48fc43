"""The strategy and the plans in a real browser, with the council's own seed data.

axe-core on every page (at desktop width and at 320 px), a councillor filtering actions and
downloading them with the keyboard, the key-strategies matrix as a real table, sortable
columns and the wide tables' scrolling regions."""

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ambitions.models import Ambition, KeyStrategy, Post
from ambitions.services import load_seed_strategy
from bromley_portal.accounts.roles import Role
from plans.models import Action
from plans.seeds import load_seed_plans
from plans.tables import PLAN_COLUMNS
from tests.browser.test_login import sign_in, tab_to, url_is
from tests.factories import make_user

pytestmark = pytest.mark.browser

LEAD = "Director Education"
# WCAG 1.4.10 (reflow): content works at 320 CSS px wide, which is 1280 px at 400% zoom.
NARROW = {"width": 320, "height": 800}
ACTIONS = reverse("plans:action_list")


@pytest.fixture
def seeds(transactional_db):
    """The council's strategy and plans, as the demo loads them. Loaded for each test: the
    live server needs transactional tests, which empty the database after each one, and
    loading takes about a second."""
    load_seed_strategy()
    load_seed_plans()


@pytest.fixture
def signed_in(page, seeds):
    """A councillor (the Member role) signed in: they read plans but do not edit them."""
    make_user(Role.MEMBER, username="cllr", first_name="Pat", last_name="Councillor")
    sign_in(page, "cllr")
    expect(page).to_have_url(url_is(reverse("home")))
    return page


def first_cef_action() -> Action:
    return Action.objects.filter(section__plan__portfolio__code="CEF", section__plan__year=2023).earliest(
        "section__number", "number"
    )


def column_texts(table, header: str) -> list[str]:
    """The text of each body cell in the column headed ``header`` (found by its header, so
    the test does not depend on the column order)."""
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    position = headers.index(header) + 1
    return [text.strip() for text in table.locator(f"tbody > tr > :nth-child({position})").all_inner_texts()]


def action_ids(table) -> list[int]:
    """The actions in the table's rows, in order, from the links to their pages."""
    paths = table.locator("tbody a").evaluate_all("(links) => links.map((link) => link.pathname)")
    return [int(match[1]) for path in paths if (match := re.fullmatch(r"/plans/actions/(\d+)/", path))]


def assert_page_does_not_scroll_sideways(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (
        f"{page.url} scrolls sideways at {widths[1]} px wide: {widths[0]} px of content"
    )


# 1. Every page passes axe-core --------------------------------------------------------------

PAGES = {
    "strategy": lambda: reverse("ambitions:strategy"),
    "ambition 1": lambda: reverse("ambitions:ambition", args=[1]),
    "plans": lambda: reverse("plans:plan_list"),
    "CEF plan 2023-24": lambda: reverse("plans:plan", args=["CEF", "2023-24"]),
    "actions": lambda: ACTIONS,
    "overdue actions": lambda: ACTIONS + "?target=overdue",
    "an action": lambda: first_cef_action().get_absolute_url(),
    "invalid filter": lambda: ACTIONS + "?target=bogus",
}


@pytest.mark.parametrize("name", PAGES)
def test_the_strategy_and_plan_pages_have_no_accessibility_violations(signed_in, axe, name):
    page = signed_in
    response = page.goto(PAGES[name]())
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    axe(page)

    page.set_viewport_size(NARROW)
    assert_page_does_not_scroll_sideways(page)
    axe(page)


def test_a_filtered_list_says_how_many_actions_it_found(signed_in):
    page = signed_in
    page.goto(ACTIONS + "?target=overdue")
    count = Action.objects.with_target_status("overdue", timezone.localdate()).count()
    assert count > 1
    expect(page).to_have_title("Actions – Bromley Portal")
    expect(page.get_by_role("status")).to_have_text(f"{count} results")


def test_an_invalid_filter_is_summarised_above_the_heading_and_links_to_its_field(signed_in, axe):
    page = signed_in
    page.goto(ACTIONS + "?target=bogus")

    expect(page).to_have_title("Error: Actions – Bromley Portal")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    # The GOV.UK pattern: the summary comes first in <main>, before the <h1>, outside the form.
    assert page.evaluate(
        "() => { const summary = document.querySelector('.govuk-error-summary');"
        " return summary.closest('form') === null && Boolean(summary.compareDocumentPosition("
        "document.querySelector('h1')) & Node.DOCUMENT_POSITION_FOLLOWING); }"
    )
    link = summary.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "#id_target")
    page.keyboard.press("Tab")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Target date", exact=True)).to_be_focused()
    expect(page.get_by_label("Target date", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("status")).to_have_text("0 results")
    axe(page)


# 2. The acceptance path ------------------------------------------------------------


def test_a_member_filters_overdue_actions_by_lead_and_downloads_them_with_the_keyboard(signed_in, axe):
    page = signed_in
    today = timezone.localdate()
    expected = set(
        Action.objects.with_target_status("overdue", today)
        .filter(lead_posts__title=LEAD)
        .values_list("pk", flat=True)
    )
    assert expected, f"the seed data should have overdue actions led by the {LEAD}"
    assert len(expected) < Action.objects.count(), "the filter should leave some actions out"

    # Plans, from the service navigation, then the link to every action.
    tab_to(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Plans"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(url_is(reverse("plans:plan_list")))
    tab_to(page, page.get_by_role("link", name="Search and filter every action"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(url_is(ACTIONS))

    # The filter form: choose from the selects, then Enter on the button.
    filters = page.get_by_role("form", name="Filter")
    lead = filters.get_by_label("Lead", exact=True)
    tab_to(page, lead)
    lead.select_option(label=LEAD)
    target = filters.get_by_label("Target date", exact=True)
    tab_to(page, target)
    target.select_option(label="Overdue")
    tab_to(page, filters.get_by_role("button", name="Apply filters"))
    page.keyboard.press("Enter")

    post = Post.objects.get(title=LEAD)
    expect(page).to_have_url(re.compile(rf"\?(.*&)?lead={post.pk}(&|$)"))
    expect(page).to_have_url(re.compile(r"\?(.*&)?target=overdue(&|$)"))
    # The form shows what was chosen, and the count is the ORM's.
    expect(lead).to_have_value(str(post.pk))
    expect(target).to_have_value("overdue")
    expect(page.get_by_role("status")).to_have_text(f"{len(expected)} results")

    table = page.get_by_role("table", name="Actions")
    shown = []
    while True:  # every page of results
        leads = column_texts(table, "Lead")
        assert leads and all(LEAD in cell for cell in leads), leads
        shown += action_ids(table)
        next_page = page.get_by_role("link", name="Next page")
        if not next_page.count():
            break
        next_page.click()
    assert sorted(shown) == sorted(expected)
    axe(page)

    # Downloads: the same actions, with the plan table's columns.
    excel_link = page.get_by_role("link", name="Excel file of actions")
    tab_to(page, excel_link, max_presses=80)
    with page.expect_download() as excel:
        page.keyboard.press("Enter")
    assert excel.value.suggested_filename == f"actions-{today:%Y-%m-%d}.xlsx"
    rows = list(
        openpyxl.load_workbook(
            io.BytesIO(Path(excel.value.path()).read_bytes()), read_only=True
        ).active.iter_rows(values_only=True)
    )
    assert list(rows[0]) == PLAN_COLUMNS
    assert len(rows) - 1 == len(expected)
    lead_column = PLAN_COLUMNS.index("Lead")
    assert all(LEAD in row[lead_column] for row in rows[1:])

    csv_link = page.get_by_role("link", name="CSV file of actions")
    tab_to(page, csv_link, max_presses=80)
    with page.expect_download() as csv_file:
        page.keyboard.press("Enter")
    assert csv_file.value.suggested_filename == f"actions-{today:%Y-%m-%d}.csv"
    with Path(csv_file.value.path()).open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == PLAN_COLUMNS
    assert len(rows) - 1 == len(expected)
    assert all(LEAD in row[lead_column] for row in rows[1:]), [row[lead_column] for row in rows[1:]]


# 3. The key-strategies matrix is a real table -----------------------------------------------


def test_the_key_strategies_matrix_is_a_table_with_headers_and_ticks_in_words(signed_in):
    page = signed_in
    page.goto(reverse("ambitions:strategy"))
    ambitions = list(Ambition.objects.order_by("number"))
    key_strategies = list(KeyStrategy.objects.prefetch_related("ambitions").order_by("order"))
    assert len(ambitions) == 5 and len(key_strategies) > 20

    table = page.get_by_role("table", name=re.compile(r"^Which ambitions each key document supports"))
    expect(table).to_have_count(1)

    columns = table.get_by_role("columnheader")
    expect(columns).to_have_count(1 + len(ambitions))
    expect(columns.first).to_have_accessible_name("Key document")
    for index, ambition in enumerate(ambitions, start=1):
        expect(columns.nth(index)).to_have_accessible_name(
            f"Ambition {ambition.number}: {ambition.short_name}"
        )

    rows = table.locator("tbody").get_by_role("row")
    expect(rows).to_have_count(len(key_strategies))
    expect(table.get_by_role("rowheader")).to_have_count(len(key_strategies))
    for row, key_strategy in zip(rows.all(), key_strategies, strict=True):
        expect(row.get_by_role("rowheader")).to_have_accessible_name(key_strategy.name)
        supported = set(key_strategy.ambitions.all())
        cells = row.get_by_role("cell")
        expect(cells).to_have_count(len(ambitions))
        for cell, ambition in zip(cells.all(), ambitions, strict=True):
            expect(cell).to_have_accessible_name("Supports" if ambition in supported else "Does not support")

    ticks = sum(len(key_strategy.ambitions.all()) for key_strategy in key_strategies)
    expect(table.get_by_role("cell", name="Supports", exact=True)).to_have_count(ticks)
    # The tick mark itself is for the eye only.
    expect(table.get_by_role("cell", name="✓")).to_have_count(0)


# 4. Sorting -----------------------------------------------------------------------------------


def sorted_by_target_date(ids: list[int], descending: bool) -> bool:
    """Whether the actions come in target-date order (actions with no date may come first or
    last, as the database sorts nulls)."""
    dates = dict(Action.objects.filter(pk__in=ids).values_list("pk", "target_date"))
    in_order = [dates[pk] for pk in ids if dates[pk] is not None]
    return in_order == sorted(in_order, reverse=descending)


def test_clicking_the_target_date_header_sorts_and_aria_sort_says_which_way(signed_in):
    page = signed_in
    page.goto(ACTIONS)
    table = page.get_by_role("table", name="Actions")
    target_date = table.get_by_role("columnheader", name="Target date")
    sorted_headers = table.locator("th[aria-sort]:not([aria-sort='none'])")
    # The default order is by plan (then number): one column at a time carries aria-sort.
    expect(sorted_headers).to_have_count(1)
    expect(table.get_by_role("columnheader", name="Plan")).to_have_attribute("aria-sort", "ascending")
    expect(target_date).to_have_attribute("aria-sort", "none")

    target_date.get_by_role("link", name="Target date").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=target_date(&|$)"))
    expect(target_date).to_have_attribute("aria-sort", "ascending")
    expect(sorted_headers).to_have_count(1)
    ids = action_ids(table)
    assert len(ids) == 25
    assert sorted_by_target_date(ids, descending=False)

    target_date.get_by_role("link", name="Target date").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-target_date(&|$)"))
    expect(target_date).to_have_attribute("aria-sort", "descending")
    expect(sorted_headers).to_have_count(1)
    descending = action_ids(table)
    assert sorted_by_target_date(descending, descending=True)
    assert descending != ids


# 5. Tables scroll inside a focusable, named region --------------------------------------------

# (page, the region's name, whether its table is too wide for 320 px and must scroll)
REGIONS = {
    "actions": (lambda: ACTIONS, "Actions", True),
    "plan": (lambda: reverse("plans:plan", args=["CEF", "2023-24"]), "Actions for Ambition 1", True),
    "matrix": (lambda: reverse("ambitions:strategy"), "Key strategies and the ambitions they support", True),
    "plans": (lambda: reverse("plans:plan_list"), "Portfolio plans", False),
}


@pytest.mark.parametrize("name", REGIONS)
def test_a_tables_scrolling_region_is_named_and_is_reached_and_scrolled_with_the_keyboard(signed_in, name):
    page = signed_in
    url, region_name, wide = REGIONS[name]
    page.set_viewport_size(NARROW)
    page.goto(url())
    region = page.get_by_role("region", name=region_name, exact=True)
    expect(region).to_have_count(1)
    expect(region.get_by_role("table")).to_have_count(1)

    tab_to(page, region, max_presses=80)
    expect(region).to_be_focused()
    # The focus is visible: GOV.UK's focus style (a yellow outline).
    assert region.evaluate("(element) => getComputedStyle(element).outlineStyle") != "none"

    # The page itself never scrolls sideways; a table too wide for it scrolls in its region,
    # with the arrow keys.
    assert_page_does_not_scroll_sideways(page)
    if wide:
        assert region.evaluate("(element) => element.scrollWidth > element.clientWidth")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(element) => element.scrollLeft > 0", arg=region.element_handle())
