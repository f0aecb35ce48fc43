"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server,
and axe-core (from node_modules, pinned in package.json) checks each page for WCAG 2.2 AA.

Every test under tests/browser is marked ``browser`` (``pytest -m browser`` runs only
these; ``-m "not browser"`` leaves them out).

Needs, and fails loudly without:
- /usr/bin/chromium (``apt-get install chromium``; a test tool's own browser download
  does not work here, so never ``playwright install``); PORTAL_CHROMIUM overrides the path;
- node_modules/axe-core (``npm ci``);
- static/dist/portal.css (``npm run build``).
"""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

BROWSER_TESTS = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_TESTS.parent.parent
CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BUILT_CSS = REPO_ROOT / "static" / "dist" / "portal.css"
# Sub-resources a page must load; a 4xx/5xx for one of these fails the test.
ASSET_TYPES = {"stylesheet", "script", "image", "font"}
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_TESTS in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def async_unsafe_allowed():
    """Playwright's sync API keeps an event loop running in this thread, so Django would
    refuse database queries from tests ("You cannot call this from an async context").
    Allowed only while these tests run: left set, it would leak into subprocesses that
    other tests start (``check --deploy`` reports it as an error)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(async_unsafe_allowed):
    """Debian's chromium, headless, shared by the tests in this package and closed after
    them (with Playwright's event loop)."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"No chromium at {CHROMIUM}: install Debian's with `apt-get install -y chromium` "
            "(or set PORTAL_CHROMIUM). Do not run `playwright install`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # While Playwright's event loop runs, asgiref keeps Django's connections per async context, so
        # these tests had a connection of their own: close it here, or PostgreSQL still counts it
        # when pytest-django drops the test database.
        connections.close_all()


PLAIN_HTTP_SETTINGS = {
    "SECURE_SSL_REDIRECT": False,
    "SECURE_HSTS_SECONDS": 0,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
}


@pytest.fixture(scope="package")
def browser_settings():
    """The live server speaks plain HTTP on localhost and serves static files from
    STATICFILES_DIRS. So, while the tests in this package run, and from before the live
    server starts (its SecurityMiddleware reads the settings once, when it is built): no
    HTTPS redirect, no HSTS, no secure-only cookies, and the plain static storage (the
    manifest storage needs `collectstatic` first). Other tests see the settings as they are."""
    from django.conf import settings
    from django.test.utils import override_settings

    if not BUILT_CSS.is_file():
        pytest.fail(
            f"{BUILT_CSS.relative_to(REPO_ROOT)} is missing: run `npm ci && npm run build`.", pytrace=False
        )
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override = override_settings(STORAGES=storages, **PLAIN_HTTP_SETTINGS)
    override.enable()
    yield
    override.disable()


@pytest.fixture(scope="package")
def live_server(browser_settings, live_server):
    """pytest-django's live server, started only once the settings above are in place
    (so no test outside tests/browser may start it first)."""
    return live_server


@pytest.fixture(autouse=True)
def _live_server_helper(request):
    """pytest-django's own helper (pytest_django.fixtures._live_server_helper, pinned), which gives every
    test of the live server ``transactional_db``, made to ask for ``page_database`` instead: the same
    unless a read-only module gives its rows once (see page_database)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("page_database")
    live_server = request.getfixturevalue("live_server")
    live_server._live_server_modified_settings.enable()
    yield
    live_server._live_server_modified_settings.disable()


@pytest.fixture
def page_database(transactional_db):
    """The database the pages read: pytest-django's transactional one, emptied after each test. A module
    whose tests only read overrides this with rows it makes once (``rows_for_the_whole_module``)."""


@contextmanager
def rows_for_the_whole_module(django_db_blocker):
    """Committed rows that every test of a read-only module reads through the live server, made once
    and emptied when the module is done, as a transactional test leaves the database (``flush``).
    Passwords are hashed as the tests' settings hash them (tests/conftest.py), to sign in with."""
    from django.test.utils import override_settings

    hashers = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), hashers:
        try:
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)


def new_context(browser, live_server):
    """A browser context with no cookies whose base URL is the live server's, so
    ``page.goto(reverse("login"))`` works."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


@contextmanager
def watched_page(context):
    """A new page in ``context``, closed after the block; fails the test if the page threw a
    JavaScript error, broke the Content-Security-Policy (chromium reports each blocked script,
    style or other resource on the console) or an asset (CSS, JS, image, font) failed to load."""
    page = context.new_page()
    problems = []

    def on_page_error(error):
        problems.append(f"JavaScript error on {page.url}: {error}")

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"Content-Security-Policy violation on {page.url}: {message.text}")

    def on_response(response):
        if response.status >= 400 and response.request.resource_type in ASSET_TYPES:
            problems.append(f"{response.status} for {response.url}")

    def on_request_failed(request):
        # ERR_ABORTED: the test moved on to another page before this one finished loading.
        if request.resource_type in ASSET_TYPES and "ERR_ABORTED" not in (request.failure or ""):
            problems.append(f"request failed: {request.url} ({request.failure})")

    page.on("pageerror", on_page_error)
    page.on("console", on_console)
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    try:
        yield page
    finally:
        page.close()
    if problems:
        pytest.fail("The page had problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(browser, live_server, page_database):
    """A fresh browser context (no cookies) and page for each test."""
    context = new_context(browser, live_server)
    try:
        with watched_page(context) as page:
            yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def axe_source():
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core is not installed ({AXE_JS.relative_to(REPO_ROOT)} is missing): run `npm ci` in {REPO_ROOT}.",
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


def format_violations(url: str, violations: list[dict], max_nodes: int = 10) -> str:
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): {violation['help']}"
        )
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:max_nodes]:
            target = " ".join(" > ".join(part) if isinstance(part, list) else part for part in node["target"])
            # "Fix any of the following:\n  reason\n  reason" -> "Fix any of the following: reason; reason"
            parts = [part.strip() for part in (node.get("failureSummary") or "").splitlines() if part.strip()]
            summary = " ".join([*parts[:1], "; ".join(parts[1:])]).strip()
            lines.append(f"    {target}: {summary}")
        if len(violation["nodes"]) > max_nodes:
            lines.append(f"    ... and {len(violation['nodes']) - max_nodes} more")
    return "\n".join(lines)


@pytest.fixture
def axe(axe_source):
    """``axe(page)`` runs axe-core on the page as it is now and fails the test with a
    readable list of violations (rule id, impact, help, target nodes) if there are any.

    ``axe(page, disable=["rule-id"])`` turns off rules, each with a reason in the test.
    axe-core is put into the page only when it is checked, through Playwright's evaluate (the
    DevTools protocol, which a page's Content-Security-Policy does not govern); pages no test
    checks never load it."""

    def check(target_page, *, disable: list[str] | tuple[str, ...] = ()):
        if not target_page.evaluate("() => typeof window.axe === 'object'"):
            target_page.evaluate(axe_source)
        options = {
            "runOnly": {"type": "tag", "values": AXE_TAGS},
            "rules": {rule: {"enabled": False} for rule in disable},
            # Every rule still runs; only violations are gathered in full and sent back.
            "resultTypes": ["violations"],
        }
        violations = target_page.evaluate(
            "async (options) => (await window.axe.run(document, options)).violations", options
        )
        if violations:
            pytest.fail(format_violations(target_page.url, violations), pytrace=False)

    return check


class SignedInContexts:
    """For a read-only module: one browser context per person, signed in through the form once,
    then each test gets a new page in it. The module's tests share the sign-in cookie and the
    browser's cache of the CSS and scripts, not a page. (Sign-in itself has tests of its own.)"""

    def __init__(self, browser, live_server):
        self.browser = browser
        self.live_server = live_server
        self.contexts = {}

    @contextmanager
    def page(self, username: str):
        from tests.browser.test_login import sign_in

        context = self.contexts.get(username)
        if context is None:
            context = self.contexts[username] = new_context(self.browser, self.live_server)
            with watched_page(context) as page:
                sign_in(page, username)
                page.wait_for_url(lambda url: not url.rstrip("/").endswith("/login"))
        with watched_page(context) as page:
            yield page

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


# The widths every page is checked at: a desktop, a phone, and WCAG 1.4.10's reflow width (320 CSS px,
# a 1280 px window at 400% zoom).
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
REFLOW = {"width": 320, "height": 800}
WIDTHS = (DESKTOP, PHONE, REFLOW)


def assert_page_does_not_scroll_sideways(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (
        f"{page.url} scrolls sideways at {widths[1]} px wide: {widths[0]} px of content"
    )


def assert_hidden_words_stay_in_their_table(page) -> None:
    """Visually hidden words in a table (position: absolute) are placed within the table's scrolling
    region, not the page: else one in a cell beyond the window's edge makes the page scroll sideways."""
    strays = page.evaluate(
        """() => [...document.querySelectorAll('.app-table-container .govuk-visually-hidden')]
              .filter((hidden) => !hidden.closest('.app-table-container').contains(hidden.offsetParent))
              .map((hidden) => `“${hidden.textContent.trim()}” is placed by ${hidden.offsetParent?.tagName}`)"""
    )
    assert not strays, strays


@pytest.fixture
def check_widths(axe):
    """``check_widths(page)``: the page as it is, at each of WIDTHS (or those given): it does not scroll
    sideways, hidden words in its tables stay in their tables, and axe-core finds no violation
    (``disable=`` as for ``axe``)."""

    def check(target_page, widths=WIDTHS, *, disable=()):
        for size in widths:
            target_page.set_viewport_size(size)
            assert_page_does_not_scroll_sideways(target_page)
            assert_hidden_words_stay_in_their_table(target_page)
            axe(target_page, disable=disable)

    return check
