"""Dashboards in a real browser, with the council's seed data and the demo's locked quarters.

axe-core on each dashboard at desktop width and at 320 px, a councillor's path from home to a
red action's narrative and to a measure's chart with its England and London comparators, the
overview's numbers as links to lists of exactly that many actions, the period filter, and the
actions list filtered to a period showing that period's RAG for every action."""

import os
import re
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ambitions.models import Ambition, Portfolio
from ambitions.services import load_seed_strategy
from bromley_portal.accounts import demo as demo_people
from bromley_portal.accounts.roles import Role
from plans import dashboards
from plans.choices import Rag
from plans.demo import NARRATIVES, load_demo_updates
from plans.models import Action, Measure, QuarterlyUpdate, ReportingPeriod
from plans.seeds import load_seed_measures, load_seed_plans
from tests.browser.conftest import SignedInContexts, rows_for_the_whole_module
from tests.browser.test_login import tab_to, url_is
from tests.browser.test_strategy_and_plans import (
    NARROW,
    action_ids,
    assert_page_does_not_scroll_sideways,
    assert_status_tags_hold_their_words,
    column_texts,
)
from tests.factories import make_user

pytestmark = pytest.mark.browser

OVERVIEW = reverse("plans:dashboard")
CLA = "cla-rate-per-10k"  # children looked after per 10,000 children: 43; England 67; London 47
CLA_NAME = "Children looked after per 10,000 children"
# The demo is dated relative to the day it is set up; these tests set it up as on this day, so
# their periods do not move: 2024-25 locked, 2025-26 quarter 1 locked and quarter 2 open.
DEMO_DAY = date(2025, 8, 14)
LATEST = "2025-26 Q1"


@pytest.fixture(scope="module")
def council_rows(django_db_setup, django_db_blocker, tmp_path_factory):
    """The strategy, plans and measures from the seeds, and the demo's updates as set up on DEMO_DAY:
    CEF 2023-24 with seed 001's quarter 3 updates; CEF rolled forward to 2024-25 and 2025-26 and the
    illustrative ACH, RRH and ECS plans for both years; 2024-25 locked and 2025-26 quarter 1 locked
    (green, amber, red and complete updates, now and then none), quarter 2 open. The demo people
    are made as the demo makes them; their passwords go to a scratch file, not the working copy's.
    Made once for the module: its tests only read them."""
    scratch = tmp_path_factory.mktemp("demo")
    with rows_for_the_whole_module(django_db_blocker), pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_people, "credentials_file", lambda: scratch / "demo-credentials.json")
        load_seed_strategy()
        load_seed_plans()
        load_seed_measures()
        demo_people.ensure_demo_people()
        assert load_demo_updates(today=DEMO_DAY)
        make_user(Role.MEMBER, username="cllr", first_name="Pat", last_name="Councillor")
        yield


@pytest.fixture(scope="module")
def contexts(browser, live_server, council_rows):
    contexts = SignedInContexts(browser, live_server)
    yield contexts
    contexts.close()


@pytest.fixture
def page_database(council_rows):
    """The pages read the module's rows (tests/browser/conftest.py)."""


@pytest.fixture
def council(council_rows):
    latest = dashboards.latest_locked_period()
    assert str(latest) == LATEST
    return latest


@pytest.fixture
def member(contexts, council):
    """A new page for a councillor (the Member role) signed in."""
    with contexts.page("cllr") as page:
        yield page


def result_count(page) -> int:
    """The count the actions list says it found ("12 results")."""
    status = page.get_by_role("status")
    expect(status).to_have_text(re.compile(r"^\s*\d+ results?\s*$"))
    return int(status.inner_text().split()[0])


def leading_number(text: str) -> int:
    """A count cell's own number, without the change since the previous period under it."""
    return int(re.match(r"\s*(\d+)", text)[1])


# 1. Every dashboard passes axe-core, at desktop width and at 320 px --------------------------

PAGES = {
    "corporate overview": OVERVIEW,
    "ambition 1": reverse("plans:dashboard_ambition", args=[1]),
    "CEF portfolio": reverse("plans:dashboard_portfolio", args=["CEF"]),
    "a measure": reverse("plans:measure", args=[CLA]),
    "invalid filter": OVERVIEW + "?period=999999",
}


# Set PORTAL_SCREENSHOTS to a folder to keep each dashboard as an image at both widths, for looking at.
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def keep_screenshot(page, name: str, width: str) -> None:
    if SCREENSHOTS:
        page.screenshot(
            path=os.path.join(SCREENSHOTS, f"{name.replace(' ', '-')}-{width}.png"), full_page=True
        )


@pytest.mark.parametrize("name", PAGES)
def test_the_dashboards_have_no_accessibility_violations(member, axe, name):
    page = member
    response = page.goto(PAGES[name])
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    # Each chart is an image with a text alternative, and a table with the same figures follows it.
    chart = page.get_by_role("main").locator("svg")
    expect(chart).to_have_count(1)
    expect(chart).to_have_attribute("role", "img")
    expect(chart).to_have_accessible_name(re.compile(r"\w"))
    axe(page)
    keep_screenshot(page, name, "wide")

    page.set_viewport_size(NARROW)
    assert_page_does_not_scroll_sideways(page)
    assert_status_tags_hold_their_words(page)
    axe(page)
    keep_screenshot(page, name, "narrow")


def test_an_invalid_period_is_summarised_above_the_heading_and_the_latest_period_is_shown(member):
    page = member
    page.goto(OVERVIEW + "?period=999999")
    expect(page).to_have_title(re.compile(r"^Error: Corporate overview"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    assert page.evaluate(
        "() => { const summary = document.querySelector('.govuk-error-summary');"
        " return summary.closest('form') === null && Boolean(summary.compareDocumentPosition("
        "document.querySelector('h1')) & Node.DOCUMENT_POSITION_FOLLOWING); }"
    )
    link = summary.get_by_role("link", name="Select a reporting period from the list")
    expect(link).to_have_attribute("href", "#id_period")
    page.keyboard.press("Tab")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Reporting period", exact=True)).to_be_focused()
    # The page still shows the latest locked period.
    expect(page.get_by_role("heading", name=f"Actions by RAG status ({LATEST})")).to_be_visible()


# 2. The acceptance path ------------------------------------------------------------


def test_a_member_goes_from_home_to_a_red_actions_narrative_and_a_measures_comparators(member, axe, council):
    page = member
    page.goto(reverse("home"))
    main = page.get_by_role("main")

    # Home: "Dashboards" is in the service navigation and in the page's list of sections.
    expect(main.get_by_role("link", name="Dashboards", exact=True)).to_have_attribute("href", OVERVIEW)
    nav_link = page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboards", exact=True)
    tab_to(page, nav_link)
    page.keyboard.press("Enter")
    expect(page).to_have_url(url_is(OVERVIEW))

    # The overview: the five ambitions, each linking to its dashboard.
    expect(page.get_by_role("heading", level=1)).to_have_text("Corporate overview")
    table = page.get_by_role("table", name=f"Actions by RAG status ({LATEST})")
    ambitions = list(Ambition.objects.filter(strategy__start_year=2021).order_by("number"))
    assert len(ambitions) == 5
    expect(table.get_by_role("rowheader")).to_have_text([str(ambition) for ambition in ambitions])

    # Ambition 1's dashboard, by its link, with the keyboard.
    tab_to(page, table.get_by_role("link", name=str(ambitions[0]), exact=True), max_presses=80)
    page.keyboard.press("Enter")
    expect(page).to_have_url(url_is(reverse("plans:dashboard_ambition", args=[1])))
    expect(page.get_by_role("heading", level=1)).to_have_text(ambitions[0].short_name)
    ambition_page = page.url

    # Its red and amber actions, red first, each with its narrative.
    exceptions = QuarterlyUpdate.objects.filter(
        period=council, action__section__ambition=ambitions[0], rag__in=[Rag.RED, Rag.AMBER]
    )
    reds = exceptions.filter(rag=Rag.RED).select_related("action")
    assert reds.exists() and exceptions.filter(rag=Rag.AMBER).exists()
    expect(main.get_by_role("heading", name=f"Red and amber actions ({exceptions.count()})")).to_be_visible()
    listed = main.locator(".app-exception:not(.app-exception--not-received)")
    expect(listed).to_have_count(exceptions.count())
    first = listed.first
    expect(first.get_by_role("heading", level=3)).to_contain_text("Red: off track")
    expect(first).to_contain_text(NARRATIVES[Rag.RED])
    red_link = first.get_by_role("link")
    href = red_link.get_attribute("href")
    assert href in {update.action.get_absolute_url() for update in reds}

    # The red action's own page, with the narrative as reported.
    tab_to(page, red_link, max_presses=120)
    page.keyboard.press("Enter")
    expect(page).to_have_url(url_is(href))
    reported = main.locator(".app-update").filter(has=page.get_by_role("heading", name=LATEST, exact=True))
    expect(reported).to_contain_text(NARRATIVES[Rag.RED])
    axe(page)

    # Back on the ambition's dashboard, the measures table leads to a measure's page.
    page.goto(ambition_page)
    measures = page.get_by_role("region", name=re.compile(r"^Measures( \(\d+\))?$"))
    cla_link = measures.get_by_role("link", name=CLA_NAME, exact=True)
    tab_to(page, cla_link, max_presses=200)
    page.keyboard.press("Enter")
    expect(page).to_have_url(url_is(Measure.objects.get(slug=CLA).get_absolute_url()))
    expect(page.get_by_role("heading", level=1)).to_have_text(CLA_NAME)

    # A chart (an image with a name) and a table with the England and London comparators.
    chart = main.get_by_role("img", name=re.compile(rf"^{re.escape(CLA_NAME)}\b"))
    expect(chart).to_have_count(1)
    assert chart.evaluate("(element) => element.tagName") == "svg"
    readings = page.get_by_role("table", name="Readings, newest first")
    assert column_texts(readings, "Bromley") == ["43 per 10,000"]
    assert column_texts(readings, "England") == ["67 per 10,000"]
    assert column_texts(readings, "London") == ["47 per 10,000"]
    axe(page)


# 3. Every number links to a list of exactly that many actions ---------------------------------


COUNT_COLUMNS = ["Red", "Amber", "Green", "Complete", "Not started", "Not rated", "No update", "Actions"]


def count_links(table) -> dict[tuple[str, str], tuple[int, str]]:
    """{(row, column): (the number shown, its link)} for every count in a RAG table. Fails if a
    number is not a link."""
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    assert headers[1 : len(COUNT_COLUMNS) + 1] == COUNT_COLUMNS
    links = {}
    for row in table.locator("tbody > tr").all():
        name = row.get_by_role("rowheader").inner_text().strip()
        cells = row.locator("td")
        for index, column in enumerate(COUNT_COLUMNS):
            cell = cells.nth(index)
            link = cell.get_by_role("link")
            expect(link).to_have_count(1)  # every number is a link, zeros too
            number = leading_number(cell.inner_text())
            assert int(link.inner_text()) == number
            links[name, column] = (number, link.get_attribute("href"))
    return links


def assert_each_lists_its_number(page, links) -> None:
    """Each link's actions list says it found exactly the number the link showed."""
    for (name, column), (number, href) in links.items():
        listed = page.request.get(href)
        assert listed.ok, href
        found = re.search(r"<strong>(\d+)</strong> results?", listed.text())
        assert found, href
        assert int(found[1]) == number, f"{name}, {column}: {number}, but {href} lists {found[1]}"


def test_every_number_in_the_overview_links_to_a_list_of_that_many_actions(member):
    page = member
    page.goto(OVERVIEW)
    table = page.get_by_role("table", name=f"Actions by RAG status ({LATEST})")
    expect(table.locator("tbody > tr")).to_have_count(5)
    links = count_links(table)
    assert links["Ambition 1: Children and Families", "Red"][0] > 0
    assert_each_lists_its_number(page, links)

    # Following a few of them, as a member would.
    for ambition, column in [
        ("Ambition 1: Children and Families", "Red"),
        ("Ambition 5: Resources and Efficiencies", "Green"),
        ("Ambition 1: Children and Families", "Actions"),
    ]:
        page.goto(OVERVIEW)
        number, _ = links[ambition, column]
        assert number > 0
        row = table.locator("tbody > tr").filter(has=page.get_by_role("rowheader", name=ambition, exact=True))
        row.locator("td").nth(COUNT_COLUMNS.index(column)).get_by_role("link").click()
        expect(page).to_have_url(url_is(reverse("plans:action_list")))
        assert result_count(page) == number, (ambition, column)
        if number <= 25:  # one page of results
            expect(page.get_by_role("table", name="Actions").locator("tbody > tr")).to_have_count(number)


# One level down, and filtered: a count keeps the page's ambition or portfolio (CEF's actions serve
# ambitions 1 and 5, so a CEF count on ambition 1's page that forgot the ambition would be too big).
FILTERED = {
    "ambition 1 by portfolio": (lambda: PAGES["ambition 1"], "Actions by RAG status and portfolio"),
    "CEF by ambition": (lambda: PAGES["CEF portfolio"], "Actions by RAG status and ambition"),
    "overview of CEF": (
        lambda: f"{OVERVIEW}?portfolio={Portfolio.objects.get(code='CEF').pk}",
        "Actions by RAG status",
    ),
}


@pytest.mark.parametrize("name", FILTERED)
def test_every_number_one_level_down_links_to_a_list_of_that_many_actions(member, name):
    page = member
    url, caption = FILTERED[name]
    page.goto(url())
    links = count_links(page.get_by_role("table", name=f"{caption} ({LATEST})"))
    assert any(number for number, _ in links.values())
    assert_each_lists_its_number(page, links)


# 4. The period filter ------------------------------------------------------------------------


def test_choosing_an_earlier_locked_period_shows_its_figures(member):
    page = member
    page.goto(OVERVIEW)
    expect(page.get_by_role("heading", name=f"Actions by RAG status ({LATEST})")).to_be_visible()
    # Seed 001's published updates, written in January 2024, report quarter 3.
    earlier = ReportingPeriod.objects.get(year=2023, quarter=3)

    filters = page.get_by_role("form", name="Filter")
    period = filters.get_by_label("Reporting period", exact=True)
    tab_to(page, period)
    period.select_option(label="2023-24 Q3")
    tab_to(page, filters.get_by_role("button", name="Apply filters"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"\?(.*&)?period={earlier.pk}(&|$)"))
    expect(period).to_have_value(str(earlier.pk))
    expect(page).to_have_title(re.compile(r"Corporate overview, 2023-24 Q3"))
    expect(page.get_by_role("main")).to_contain_text("as reported for 2023-24 Q3")
    table = page.get_by_role("table", name="Actions by RAG status (2023-24 Q3)")
    expect(table).to_be_visible()
    expect(page.get_by_role("heading", name=f"Actions by RAG status ({LATEST})")).to_have_count(0)

    # The seed plan's updates were published without RAGs: they count as "Not rated".
    not_rated = [leading_number(text) for text in column_texts(table, "Not rated")]
    expected = [
        QuarterlyUpdate.objects.filter(
            period=earlier, rag="", action__section__ambition__number=number
        ).count()
        for number in range(1, 6)
    ]
    assert not_rated == expected and sum(expected) > 0


# 5. The actions list, filtered to a period ---------------------------------------------------


def test_the_actions_list_filtered_to_a_period_shows_that_periods_rag_for_every_action(member, axe):
    page = member
    period = ReportingPeriod.objects.get(year=2024, quarter=2)
    actions = set(Action.objects.filter(section__plan__year=2024).values_list("pk", flat=True))
    reported = {
        update.action_id: update for update in QuarterlyUpdate.objects.reported().filter(period=period)
    }
    # What a reader should see in each row: the RAG reported for 2024-25 Q2 and that it was reported
    # then, or "No update" and nothing.
    expected = {
        pk: (Rag(reported[pk].reported_rag).short_label, "2024-25 Q2")
        if pk in reported
        else (Rag.NO_UPDATE.short_label, "—")
        for pk in actions
    }
    latest = {
        update.action_id: Rag(update.reported_rag).short_label
        for update in QuarterlyUpdate.objects.reported().filter(period__year=2024, period__quarter=4)
    }
    # The period's RAG is not simply the latest: the demo's RAGs move from quarter to quarter, and
    # now and then an action had no update (closed as not received when the quarter was locked).
    assert any(rag != latest.get(pk) for pk, (rag, _) in expected.items())
    assert any(rag == Rag.NO_UPDATE.short_label for rag, _ in expected.values())

    page.goto(reverse("plans:action_list"))
    axe(page)
    filters = page.get_by_role("form", name="Filter")
    chooser = filters.get_by_label("Reporting period", exact=True)
    tab_to(page, chooser)
    chooser.select_option(label="2024-25 Q2")
    tab_to(page, filters.get_by_role("button", name="Apply filters"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"\?(.*&)?period={period.pk}(&|$)"))
    expect(chooser).to_have_value(str(period.pk))
    assert result_count(page) == len(actions)

    table = page.get_by_role("table", name="Actions")
    shown = {}
    while True:  # every page of results
        axe(page)
        ids = action_ids(table)
        # The period reported in is under each row's "Lead and details" (read without opening them).
        periods = table.locator("tbody > tr .app-actions-table__period dd").all_text_contents()
        rows = list(zip(column_texts(table, "RAG status"), [p.strip() for p in periods], strict=True))
        assert len(ids) == len(rows)
        shown.update(zip(ids, rows, strict=True))
        next_page = page.get_by_role("link", name="Next page")
        if not next_page.count():
            break
        next_page.click()
    assert shown == expected
