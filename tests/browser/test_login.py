"""Signing in and out in a real browser: keyboard only, error summary, skip link, axe-core."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.roles import Role
from tests.browser.conftest import new_context
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def officer(transactional_db):
    return make_user(Role.OFFICER, username="olu", first_name="Olu", last_name="Adeyemi")


def url_is(path: str) -> re.Pattern:
    """Matches the live server's URL for ``path``, ignoring the query string."""
    return re.compile(r"^https?://[^/]+" + re.escape(path) + r"(\?.*)?$")


def tab_to(page, locator, max_presses: int = 40) -> None:
    """Press Tab until ``locator`` has focus, as a keyboard user would."""
    for _ in range(max_presses):
        if locator.evaluate("(element) => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{locator} never got focus after {max_presses} presses of Tab")


def sign_in(page, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(reverse("login"))
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_the_axe_check_fails_on_a_page_with_violations_and_names_them(page, axe):
    """The check every page test relies on can fail: a picture with no text alternative and an
    unlabelled field are reported by rule."""
    page.goto(reverse("login"))
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML("beforeend",
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt"><input id="no-label">')"""
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        axe(page)
    assert "- image-alt (critical)" in str(failure.value)
    assert "- label (critical)" in str(failure.value)
    assert "#no-alt" in str(failure.value)


def test_the_sign_in_page_has_no_accessibility_violations(page, axe):
    page.goto(reverse("login"))
    expect(page).to_have_title("Sign in – Bromley Portal")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the Bromley Portal")
    expect(page.get_by_role("banner")).to_contain_text("London Borough of Bromley")
    expect(page.get_by_role("contentinfo")).to_contain_text("© London Borough of Bromley")
    expect(page.get_by_role("link", name="Accessibility statement")).to_have_attribute(
        "href", reverse("accessibility")
    )
    expect(page.get_by_label("Username", exact=True)).to_have_attribute("autocomplete", "username")
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("autocomplete", "current-password")
    # GOV.UK Frontend's JavaScript ran (progressive enhancement, not a requirement).
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    axe(page)


CSP_VIOLATIONS = """() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
        window.cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
    });
}"""


def test_pages_break_no_content_security_policy_rule_and_an_inline_script_would(
    browser, live_server, officer
):
    """Every browser test fails on a violation chromium logs (watched_page); this test listens for the
    securitypolicyviolation event itself, on pages with GOV.UK Frontend's scripts, a form and the
    service navigation, and shows the policy does stop an inline script."""
    context = new_context(browser, live_server)
    try:
        context.add_init_script(f"({CSP_VIOLATIONS})()")
        page = context.new_page()
        page.goto(reverse("login"))
        expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
        assert page.evaluate("() => window.cspViolations") == []
        sign_in(page, "olu")
        expect(page).to_have_url(url_is(reverse("home")))
        for path in [reverse("home"), reverse("password_change"), reverse("accessibility")]:
            page.goto(path)
            assert page.evaluate("() => window.cspViolations") == [], path

        page.evaluate(
            """() => { const script = document.createElement("script");
                script.textContent = "window.inlineRan = true"; document.body.append(script); }"""
        )
        page.wait_for_function("() => window.cspViolations.length > 0")
        assert page.evaluate("() => window.cspViolations") == ["script-src-elem inline"]
        assert page.evaluate("() => window.inlineRan") is None
    finally:
        context.close()


def test_a_person_signs_in_with_the_keyboard_only_and_lands_on_home(page, axe, officer):
    page.goto(reverse("login"))
    username = page.get_by_label("Username", exact=True)
    password = page.get_by_label("Password", exact=True)

    tab_to(page, username)
    page.keyboard.type("olu")
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(url_is(reverse("home")))
    expect(page.get_by_role("banner")).to_contain_text("Signed in as Olu Adeyemi")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe(page)


def test_a_wrong_password_shows_the_error_summary_and_focuses_it(page, axe, officer):
    sign_in(page, "olu", "not-the-password")

    expect(page).to_have_url(url_is(reverse("login")))
    expect(page).to_have_title("Error: Sign in – Bromley Portal")
    summary = page.locator(".govuk-error-summary")
    # GOV.UK Frontend moves focus to the summary; role="alert" announces it without JavaScript.
    expect(summary).to_be_focused()
    expect(summary.get_by_role("alert")).to_have_count(1)
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    # It comes before the page's heading, as the GOV.UK pattern asks.
    assert page.evaluate(
        "() => Boolean(document.querySelector('.govuk-error-summary').compareDocumentPosition("
        "document.querySelector('h1')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    link = summary.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_contain_text("correct username and password")
    expect(link).to_have_attribute("href", "#id_username")

    # The link takes a keyboard user to the field.
    page.keyboard.press("Tab")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    username = page.get_by_label("Username", exact=True)
    expect(username).to_be_focused()
    expect(username).to_have_value("olu")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.get_by_role("banner")).not_to_contain_text("Signed in as")
    axe(page)


def test_a_locked_account_says_so_in_the_error_summary(page, axe, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(page, "olu", "a-guess")
    sign_in(page, "olu")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Too many failed attempts to sign in")
    expect(page.get_by_role("banner")).not_to_contain_text("Signed in as")
    axe(page)


def test_sign_out_ends_the_session(page, officer):
    sign_in(page, "olu")
    expect(page).to_have_url(url_is(reverse("home")))

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(url_is(reverse("login")))
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(reverse("home"))
    expect(page).to_have_url(re.compile(re.escape(reverse("login")) + r"\?next=/$"))

    # The form keeps "next", so signing in again returns to the page asked for.
    page.get_by_label("Username", exact=True).fill("olu")
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(url_is(reverse("home")))


@pytest.mark.parametrize("signed_in", [False, True], ids=["sign-in page", "home page"])
def test_the_skip_link_is_the_first_focusable_element_and_moves_focus_to_main(page, officer, signed_in):
    if signed_in:
        sign_in(page, "olu")
        expect(page).to_have_url(url_is(reverse("home")))
        page.goto(reverse("home"))
    else:
        page.goto(reverse("login"))
    skip_link = page.get_by_role("link", name="Skip to main content")
    focused = page.evaluate(
        "() => document.activeElement === document.body ? null : document.activeElement.outerHTML"
    )
    assert focused is None, (
        f"Nothing should have focus when the page opens, but {focused} has (autofocus?): "
        "a keyboard user's first Tab must reach the skip link, and a screen reader user must hear the page from the top."
    )
    assert skip_link.bounding_box()["width"] <= 1, "the skip link should be visually hidden until focused"

    page.keyboard.press("Tab")

    expect(skip_link).to_be_focused()
    assert skip_link.bounding_box()["width"] > 100, "the skip link should show when focused"
    page.keyboard.press("Enter")
    main = page.get_by_role("main")
    expect(main).to_have_id("main-content")
    expect(main).to_be_focused()


def test_signing_in_works_without_javascript(browser, live_server, officer):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(reverse("login"))
        expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
        sign_in(page, "olu", "not-the-password")
        expect(page.locator(".govuk-error-summary")).to_contain_text("correct username and password")
        sign_in(page, "olu")
        expect(page).to_have_url(url_is(reverse("home")))
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(url_is(reverse("login")))
    finally:
        context.close()


def test_a_person_changes_their_password_and_errors_are_summarised(page, axe, officer):
    sign_in(page, "olu")
    page.get_by_role("banner").get_by_role("link", name="Change password").click()
    expect(page).to_have_url(url_is(reverse("password_change")))
    expect(page).to_have_title("Change your password – Bromley Portal")
    axe(page)

    page.get_by_role("button", name="Change password").click()

    expect(page).to_have_title("Error: Change your password – Bromley Portal")
    links = page.locator(".govuk-error-summary").get_by_role("link")
    expect(links).to_have_count(3)
    assert [links.nth(i).get_attribute("href") for i in range(3)] == [
        "#id_old_password",
        "#id_new_password1",
        "#id_new_password2",
    ]
    for field in ("id_old_password", "id_new_password1", "id_new_password2"):
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    axe(page)

    new_password = "a-much-longer-passphrase"
    page.get_by_label("Old password", exact=True).fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password confirmation", exact=True).fill(new_password)
    page.get_by_role("button", name="Change password").click()

    expect(page).to_have_url(url_is(reverse("password_change_done")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Password changed")
    axe(page)


# Pages a visitor can reach before or without signing in, and the error pages.


def test_the_accessibility_statement_is_linked_from_every_page_and_passes_axe(page, axe):
    page.goto(reverse("login"))
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
    expect(page).to_have_url(url_is(reverse("accessibility")))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accessibility statement for the Bromley Portal"
    )
    expect(page.get_by_role("main")).to_contain_text("WCAG")
    axe(page)


def test_the_page_not_found_page_passes_axe(page, axe, officer):
    sign_in(page, "olu")
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page).to_have_title("Page not found – Bromley Portal")
    expect(page.get_by_role("banner")).to_contain_text("Signed in as Olu Adeyemi")
    axe(page)


@pytest.mark.parametrize(
    ("template", "title"),
    [("403.html", "You cannot see this page"), ("500.html", "Sorry, there is a problem with the service")],
)
def test_the_error_pages_pass_axe(page, axe, template, title):
    """403.html is rendered with the request; 500.html with an empty context, as Django does."""
    from django.template import Context, Template, loader

    page.goto(reverse("accessibility"))  # so the error page's relative URLs resolve against the live server
    if template == "500.html":
        html = Template(loader.get_template(template).template.source).render(Context())
    else:
        html = loader.render_to_string(template)
    page.set_content(html)
    expect(page).to_have_title(f"{title} – Bromley Portal")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    axe(page)


# Password reset by e-mail, and the admins' page of sign-in lockouts.


def test_a_person_resets_their_password_by_email_and_signs_in(page, axe, officer):
    from django.core import mail
    from django.core.cache import cache

    cache.clear()  # the hourly limit of reset e-mails is counted there
    page.goto(reverse("login"))
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page).to_have_url(url_is(reverse("password_reset")))
    expect(page).to_have_title("Reset your password – Bromley Portal")
    axe(page)

    page.get_by_role("button", name="Send the link").click()
    expect(page).to_have_title("Error: Reset your password – Bromley Portal")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    axe(page)

    page.get_by_label("Email address").fill(officer.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe(page)

    link = re.search(r"http\S+/accounts/reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link.replace(settings.PORTAL_BASE_URL, ""))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set a new password")
    axe(page)
    page.get_by_label("New password", exact=True).fill("a-much-longer-passphrase")
    page.get_by_label("New password confirmation", exact=True).fill("a-much-longer-passphrase")
    page.get_by_role("button", name="Set password").click()
    expect(page).to_have_url(url_is(reverse("password_reset_complete")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Password set")
    axe(page)

    page.goto(link.replace(settings.PORTAL_BASE_URL, ""))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    axe(page)

    sign_in(page, "olu", "a-much-longer-passphrase")
    expect(page).to_have_url(url_is(reverse("home")))


def test_an_admin_clears_a_lockout_from_the_lockouts_page(page, axe, officer):
    make_user(Role.ADMIN, username="jo", first_name="Jo", last_name="Fielding")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(page, "olu", "a-guess")
    sign_in(page, "jo")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Lockouts").click()
    expect(page).to_have_url(url_is(reverse("lockouts")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in lockouts")
    row = page.get_by_role("row", name=re.compile(r"^olu\b"))
    expect(row).to_contain_text("Olu Adeyemi")
    axe(page)

    row.get_by_role("button", name="Clear the lockout of olu").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("olu can sign in again.")
    expect(page.get_by_role("main")).to_contain_text("No account is locked out.")
    axe(page)
