"""The strategy and the plans in a real browser, with the council's own seed data.

axe-core on every page (at desktop width and at 320 px), a councillor filtering actions and
downloading them with the keyboard, the key-strategies matrix as a real table, sortable
columns and the wide tables' scrolling regions, and the plan table as the council writes it:
each action's lettered details with their own measures, target dates and leads, the plan as a
spreadsheet, and the quarter 3 updates that seed 001 publishes."""

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ambitions.models import Ambition, KeyStrategy, Post
from ambitions.services import load_seed_strategy
from bromley_portal.accounts.roles import Role
from plans.models import Action, ActionDetail, DetailLead, ReportingPeriod
from plans.seeds import load_seed_plans
from tests.browser.conftest import (
    REFLOW,
    SignedInContexts,
    assert_hidden_words_stay_in_their_table,
    assert_page_does_not_scroll_sideways,
    rows_for_the_whole_module,
)
from tests.browser.test_login import tab_to, url_is
from tests.factories import make_user

pytestmark = pytest.mark.browser

LEAD = "Director Education"
# WCAG 1.4.10 (reflow): content works at 320 CSS px wide, which is 1280 px at 400% zoom.
NARROW = REFLOW
ACTIONS = reverse("plans:action_list")
# The actions list's columns, on screen and in its downloads.
LIST_COLUMNS = ["Plan", "No.", "Action", "Lead", "Due", "RAG status", "Reported in", "Update"]
# On screen the lead and the period reported in are one click away, under the update ("Lead and details").
SCREEN_COLUMNS = ["Plan", "No.", "Action", "Due", "RAG status", "Update"]


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker):
    """The council's strategy and plans, as the demo loads them, and a councillor: made once for the
    module, whose tests only read them through the live server."""
    with rows_for_the_whole_module(django_db_blocker):
        load_seed_strategy()
        load_seed_plans()
        make_user(Role.MEMBER, username="cllr", first_name="Pat", last_name="Councillor")
        yield


@pytest.fixture(scope="module")
def contexts(browser, live_server, seeds):
    contexts = SignedInContexts(browser, live_server)
    yield contexts
    contexts.close()


@pytest.fixture
def page_database(seeds):
    """The pages read the module's rows (tests/browser/conftest.py)."""


@pytest.fixture
def signed_in(contexts):
    """A new page for a councillor (the Member role) signed in: they read plans but do not edit them."""
    with contexts.page("cllr") as page:
        yield page


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


def lead_cells(table) -> list[str]:
    """Each row's leads (from its "Lead and details"), one a line."""
    return table.locator("tbody > tr .app-actions-table__leads").evaluate_all(
        "(rows) => rows.map((row) => [...row.querySelectorAll('li')].map((li) => li.textContent.trim()).join('\\n'))"
    )


def names_a(titles: set[str], cell: str) -> bool:
    """Whether a Lead cell (one lead a line) names one of these titles."""
    return bool(titles & {line.strip() for line in cell.splitlines()})


def month(text: str) -> date:
    """A Due cell's month: "Apr 2024 (AP)" -> 1 April 2024."""
    return datetime.strptime(text.removesuffix("(AP)").strip(), "%b %Y").date()


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
def test_the_strategy_and_plan_pages_have_no_accessibility_violations(signed_in, check_widths, name):
    page = signed_in
    response = page.goto(PAGES[name]())
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    check_widths(page)


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
    # An action is the lead's when the lead leads any of its details; it is overdue when its last
    # detail's month has passed.
    expected = set(
        Action.objects.with_target_status("overdue", today)
        .filter(details__leads__post__title=LEAD)
        .values_list("pk", flat=True)
    )
    assert expected, f"the seed data should have overdue actions led by the {LEAD}"
    assert len(expected) < Action.objects.count(), "the filter should leave some actions out"
    # The list names a lead as the plan writes the title ("Director of Education" once in seed 001).
    written = set(DetailLead.objects.filter(post__title=LEAD).values_list("written_as", flat=True)) | {LEAD}

    # Plans, from the home page's service navigation, then the link to every action.
    page.goto(reverse("home"))
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
    expect(table.locator("thead th")).to_have_text(SCREEN_COLUMNS)
    shown = []
    while True:  # every page of results
        leads = lead_cells(table)
        assert leads and all(names_a(written, cell) for cell in leads), leads
        assert all(month(cell) < today.replace(day=1) for cell in column_texts(table, "Due"))
        shown += action_ids(table)
        next_page = page.get_by_role("link", name="Next page")
        if not next_page.count():
            break
        next_page.click()
    assert sorted(shown) == sorted(expected)
    axe(page)

    # Downloads: the same actions, with the list's columns.
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
    assert list(rows[0]) == LIST_COLUMNS
    assert len(rows) - 1 == len(expected)
    lead_column = LIST_COLUMNS.index("Lead")
    assert all(names_a(written, row[lead_column]) for row in rows[1:])

    csv_link = page.get_by_role("link", name="CSV file of actions")
    tab_to(page, csv_link, max_presses=80)
    with page.expect_download() as csv_file:
        page.keyboard.press("Enter")
    assert csv_file.value.suggested_filename == f"actions-{today:%Y-%m-%d}.csv"
    with Path(csv_file.value.path()).open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == LIST_COLUMNS
    assert len(rows) - 1 == len(expected)
    assert all(names_a(written, row[lead_column]) for row in rows[1:]), [row[lead_column] for row in rows[1:]]


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


def due_months(table) -> list[date]:
    """The Due column's months, in the table's order (an action with no date shows "—", which the
    database may sort first or last)."""
    return [month(text) for text in column_texts(table, "Due") if text != "—"]


def test_clicking_the_due_header_sorts_and_aria_sort_says_which_way(signed_in):
    page = signed_in
    page.goto(ACTIONS)
    table = page.get_by_role("table", name="Actions")
    due = table.get_by_role("columnheader", name="Due")
    sorted_headers = table.locator("th[aria-sort]:not([aria-sort='none'])")
    # The default order is newest plan first (then by number): one column at a time carries aria-sort.
    expect(sorted_headers).to_have_count(1)
    expect(table.get_by_role("columnheader", name="Plan")).to_have_attribute("aria-sort", "descending")
    expect(due).to_have_attribute("aria-sort", "none")
    years = [int(text.split()[-1][:4]) for text in column_texts(table, "Plan")]  # "CEF 2023-24" -> 2023
    assert years[0] == 2023 and years == sorted(years, reverse=True) and len(set(years)) > 1

    due.get_by_role("link", name="Due").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=target_date(&|$)"))
    expect(due).to_have_attribute("aria-sort", "ascending")
    expect(sorted_headers).to_have_count(1)
    ids = action_ids(table)
    assert len(ids) == 25
    months = due_months(table)
    assert months and months == sorted(months)

    due.get_by_role("link", name="Due").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-target_date(&|$)"))
    expect(due).to_have_attribute("aria-sort", "descending")
    expect(sorted_headers).to_have_count(1)
    months = due_months(table)
    assert months and months == sorted(months, reverse=True)
    assert action_ids(table) != ids


# 5. Tables scroll inside a focusable, named region --------------------------------------------

# (page, the region's name, whether its table is too wide for 320 px and must scroll)
REGIONS = {
    "actions": (lambda: ACTIONS, "Actions", False),  # its rows stack on a narrow screen: nothing to scroll
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


# 6. The plan table: each detail with its own measures, target date and lead -------------------

BSCP_CHAIR = "Independent Chair of Bromley Safeguarding Children’s Partnership (BSCP)"
AD_CHILDRENS_SOCIAL_CARE = "Assistant Director, Children’s Social Care, Safeguarding & Care Planning Services"
# Action 1.6 of seed 001, as the plan writes it: (letter, detail, a measure of success, target date, lead).
ACTION_1_6 = [
    (
        "a)",
        "Carry out an annual Strategic Threat Assessment",
        "Strategic Threat Assessments circulated to all partners",
        "April 2024 (AP)",
        BSCP_CHAIR,
    ),
    (
        "b)",
        "The Safeguarding Partnership challenges partners’ safeguarding practices",
        "Challenge Log referenced in BSCP annual report",
        "April 2024 (AP)",
        BSCP_CHAIR,
    ),
    (
        "c)",
        "Bromley Safeguarding Partnership commission a comprehensive training programme",
        "Training evaluation included in BSCP annual report",
        "April 2024 (AP)",
        BSCP_CHAIR,
    ),
    (
        "d)",
        "Children and Family Act 2014 Assessments carried out promptly",
        "Timeliness of assessments; Child seen during assessment.",
        "April 2024 (AP)",
        AD_CHILDRENS_SOCIAL_CARE,
    ),
]
PLAN_TABLE_COLUMNS = ["Measures of success", "Target date", "Lead"]
# The plan's spreadsheet, a row for each detail (what the plan import reads back).
SPREADSHEET_COLUMNS = [
    "Plan",
    "Ambition or priority",
    "No.",
    "Action",
    "Detail",
    "Measures of success",
    "Target date",
    "Lead",
    "Update",
]
WIDTHS = {"1280 px": {"width": 1280, "height": 900}, "390 px": {"width": 390, "height": 844}}


def cef_plan_url() -> str:
    return reverse("plans:plan", args=["CEF", "2023-24"])


def action_1_6() -> Action:
    return Action.objects.get(
        section__plan__portfolio__code="CEF", section__plan__year=2023, section__number=1, number=6
    )


def detail_cells(table, reference: str | None = None):
    """Each detail of an action as assistive technology reads the plan table: the detail's row
    header, and for each column the cell whose ``headers`` name both that column and that detail.
    ``reference`` ("1.6") picks the action's row group on a plan page; an action's page has one."""
    body = table.locator("tbody")
    if reference:
        body = body.filter(has=table.page.get_by_role("link", name=reference, exact=True))
    expect(body).to_have_count(1)
    columns = {th.inner_text().strip(): th.get_attribute("id") for th in table.locator("thead th").all()}
    assert list(columns) == PLAN_TABLE_COLUMNS
    details = []
    for header in body.locator("th[scope='row']").all():
        detail = header.get_attribute("id")
        cells = {
            name: body.locator(f"td[headers~='{detail}'][headers~='{column}']")
            for name, column in columns.items()
        }
        details.append((header, cells))
    return body, details


def assert_action_1_6_is_written_as_the_plan_writes_it(body, details) -> None:
    """Details a) to d) in the plan's order, each with its own measure, target date and lead, each
    cell reachable on screen (a table too wide for the page scrolls in its region)."""
    assert len(details) == len(ACTION_1_6)
    for (header, cells), (letter, text, measure, target, lead) in zip(details, ACTION_1_6, strict=True):
        expect(header).to_have_text(re.compile(rf"^\s*{re.escape(letter)}\s+{re.escape(text)}"))
        expect(header).to_be_visible()
        expect(cells["Measures of success"]).to_contain_text(measure)
        expect(cells["Target date"]).to_have_text(target)
        expect(cells["Lead"]).to_have_text(lead)
        for cell in cells.values():
            expect(cell).to_have_count(1)
            cell.scroll_into_view_if_needed()
            expect(cell).to_be_in_viewport()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_plan_page_gives_each_detail_of_an_action_its_own_target_date_and_lead(signed_in, axe, width):
    page = signed_in
    page.set_viewport_size(WIDTHS[width])
    page.goto(cef_plan_url())
    axe(page)

    table = page.get_by_role("table", name="Actions for Ambition 1")
    body, details = detail_cells(table, "1.6")
    expect(body.locator("th[scope='rowgroup']")).to_have_text(
        re.compile(r"^\s*1\.6 Continue to improve our children’s safeguarding practice in Bromley")
    )
    assert_action_1_6_is_written_as_the_plan_writes_it(body, details)
    assert_page_does_not_scroll_sideways(page)
    axe(page)


def test_an_actions_page_shows_its_details_and_the_quarter_3_update_on_them(signed_in, axe):
    page = signed_in
    page.goto(action_1_6().get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Action 1.6")
    axe(page)
    table = page.get_by_role("table", name="Details, measures of success, target dates and leads")
    assert_action_1_6_is_written_as_the_plan_writes_it(*detail_cells(table))

    # Seed 001's update, written in January 2024, reports quarter 3; the plan writes it in two
    # rows, one for details a) to c) and one for d).
    history = page.get_by_role("list", name="RAG history at a glance").get_by_role("listitem")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("2023-24 Q3")
    expect(history).to_contain_text("Reported without a RAG")
    assert_status_tags_hold_their_words(page)
    update = page.locator(".app-update").filter(
        has=page.get_by_role("heading", name="2023-24 Q3", exact=True)
    )
    expect(update).to_have_count(1)
    notes = update.locator("strong").filter(has_text=re.compile(r"^On "))
    expect(notes).to_have_text(["On a) to c)", "On d)"])
    expect(update).to_contain_text("Five Strategic Threat Assessments published to date.")
    expect(update).to_contain_text("92% of assessments were completed within timeframe (YTD – December 2023)")
    expect(update).to_contain_text("Locked for committee.")
    expect(page.get_by_role("heading", name=re.compile(r"Q4$"))).to_have_count(0)


def test_the_actions_list_gives_an_actions_leads_in_the_plans_order_and_its_reported_update(signed_in, axe):
    page = signed_in
    plan = action_1_6().section.plan
    page.goto(f"{ACTIONS}?plan={plan.pk}")
    axe(page)
    table = page.get_by_role("table", name="Actions")
    expect(table.locator("thead th")).to_have_text(SCREEN_COLUMNS)
    row = table.locator("tbody > tr").filter(has=page.get_by_role("cell", name="1.6", exact=True))
    expect(row).to_have_count(1)
    cells = {name: row.locator("td").nth(index) for index, name in enumerate(SCREEN_COLUMNS)}
    expect(cells["Plan"]).to_have_text("CEF 2023-24")
    expect(cells["Action"].get_by_role("link")).to_have_attribute("href", action_1_6().get_absolute_url())
    # One click opens the lead and the period: its details' leads, each once, in the plan's order.
    row.get_by_text("Lead and details").click()
    expect(row.locator(".app-actions-table__leads li")).to_have_text([BSCP_CHAIR, AD_CHILDRENS_SOCIAL_CARE])
    # Due when its last detail is, in the Annual Programme.
    expect(cells["Due"]).to_have_text("Apr 2024 (AP)")
    # The latest reported update: seed 001's, for quarter 3, published without a RAG, its words on
    # the rows of the plan table they were written against.
    expect(cells["RAG status"]).to_have_text("Not rated")
    expect(row.locator(".app-actions-table__period dd")).to_have_text("2023-24 Q3")
    expect(cells["Update"].locator(".app-actions-table__summary")).to_have_text(
        re.compile(r"^\s*a\) to c\): - Five Strategic Threat Assessments published")
    )


def spreadsheet_rows(path: Path, suffix: str) -> list[list[str]]:
    if suffix == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
        return [
            ["" if value is None else str(value) for value in row]
            for row in workbook.active.iter_rows(values_only=True)
        ]
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def test_the_plan_downloads_as_a_spreadsheet_a_row_for_each_detail(signed_in, axe):
    page = signed_in
    page.goto(cef_plan_url())
    axe(page)
    today = timezone.localdate()
    details = ActionDetail.objects.filter(
        action__section__plan__portfolio__code="CEF", action__section__plan__year=2023
    )

    downloaded = {}
    for suffix, name in [("xlsx", "Excel spreadsheet of the plan"), ("csv", "CSV file of the plan")]:
        link = page.get_by_role("link", name=name, exact=True)
        tab_to(page, link, max_presses=80)
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        assert download.value.suggested_filename == f"cef-2023-24-plan-{today:%Y-%m-%d}.{suffix}"
        downloaded[suffix] = rows = spreadsheet_rows(Path(download.value.path()), suffix)
        assert rows[0] == SPREADSHEET_COLUMNS
        assert len(rows) - 1 == details.count()
        column = {name: SPREADSHEET_COLUMNS.index(name) for name in SPREADSHEET_COLUMNS}
        rows_1_6 = [
            row
            for row in rows[1:]
            if row[column["Ambition or priority"]] == "Ambition 1" and row[column["No."]] == "6"
        ]
        # The action's text on its first row; then a row per detail with its own measures, date and lead.
        assert rows_1_6[0][column["Action"]].startswith(
            "Continue to improve our children’s safeguarding practice"
        )
        assert [row[column["Action"]] for row in rows_1_6[1:]] == ["", "", ""]
        for row, (letter, text, measure, target, lead) in zip(rows_1_6, ACTION_1_6, strict=True):
            assert row[column["Detail"]].startswith(f"{letter} {text}")
            assert measure in row[column["Measures of success"]]
            assert row[column["Target date"]] == target
            assert row[column["Lead"]] == lead
    assert downloaded["xlsx"] == downloaded["csv"]


# 7. At 390 px, tables scroll in their own regions, never the page -----------------------------

PHONE = WIDTHS["390 px"]
TABLE_PAGES = {
    "CEF plan 2023-24": cef_plan_url,
    "action 1.6": lambda: action_1_6().get_absolute_url(),
    "actions": lambda: ACTIONS,
    "actions reported in 2023-24 Q3": lambda: (
        f"{ACTIONS}?period={ReportingPeriod.objects.get(year=2023, quarter=3).pk}"
    ),
}


def assert_tables_scroll_in_their_own_regions(page) -> None:
    """Every table in <main> sits in a focusable, named region that fits the window and scrolls
    sideways itself when the table is wider."""
    problems = page.evaluate(
        """() => Array.from(document.querySelectorAll('main table')).flatMap((table) => {
          const name = table.caption ? table.caption.textContent.trim() : table.className;
          const region = table.closest('[role=region]');
          if (!region) return [`${name}: not in a region`];
          const box = region.getBoundingClientRect();
          const problems = [];
          if (!region.getAttribute('aria-label')) problems.push(`${name}: its region has no name`);
          if (region.tabIndex !== 0) problems.push(`${name}: its region cannot be focused`);
          if (box.left < 0 || box.right > window.innerWidth + 0.5)
            problems.push(`${name}: its region runs from ${box.left} to ${box.right} px`);
          if (table.scrollWidth > region.clientWidth && !['auto', 'scroll'].includes(getComputedStyle(region).overflowX))
            problems.push(`${name}: wider than its region, which does not scroll`);
          return problems;
        })"""
    )
    assert not problems, problems


def assert_status_tags_hold_their_words(page) -> None:
    """Every status tag is as wide as its words: none runs out of its coloured box (GOV.UK caps a
    tag's width, and a tag does not wrap, so a long label such as "Reported without a RAG" did)."""
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('.govuk-tag')]
              .filter((tag) => tag.scrollWidth > tag.clientWidth + 1)
              .map((tag) => `${tag.textContent.trim()}: ${tag.scrollWidth}px of words in ${tag.clientWidth}px`)"""
    )
    assert not overflowing, overflowing


def assert_table_cells_name_their_own_headers(page) -> None:
    """Ids are unique, and a cell's ``headers`` name header cells of its own table (a screen
    reader finds a header by its id: a repeated id sends it to another table's header)."""
    problems = page.evaluate(
        """() => {
          const counts = {};
          document.querySelectorAll('[id]').forEach((element) => { counts[element.id] = (counts[element.id] || 0) + 1; });
          const problems = Object.entries(counts).filter(([, n]) => n > 1).map(([id, n]) => `id ${id} is used ${n} times`);
          document.querySelectorAll('td[headers]').forEach((cell) => {
            for (const id of cell.getAttribute('headers').trim().split(/\\s+/)) {
              const header = document.getElementById(id);
              if (!header || header.tagName !== 'TH' || header.closest('table') !== cell.closest('table'))
                problems.push(`a cell of "${cell.closest('table').caption?.textContent.trim()}" names ${id}, not a header of its table`);
            }
          });
          return [...new Set(problems)];
        }"""
    )
    assert not problems, problems


@pytest.mark.parametrize("name", TABLE_PAGES)
def test_at_390_px_no_table_makes_the_page_scroll_sideways(signed_in, axe, name):
    page = signed_in
    page.set_viewport_size(PHONE)
    response = page.goto(TABLE_PAGES[name]())
    assert response.status == 200
    expect(page.locator("main table").first).to_be_visible()
    assert_page_does_not_scroll_sideways(page)
    assert_hidden_words_stay_in_their_table(page)
    assert_tables_scroll_in_their_own_regions(page)
    assert_table_cells_name_their_own_headers(page)
    assert_status_tags_hold_their_words(page)
    axe(page)
