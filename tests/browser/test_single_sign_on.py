"""Single sign-on through a real OpenID provider in a real browser.

The provider is django-oidc-provider in a process of its own (tests/oidc_provider/), on 127.0.0.1 with a
database and RSA key made for the module; the portal is the live server, configured for it as the
environment would configure it. Chromium follows the whole authorization code flow with PKCE: the portal's
sign-in page, the provider's, back to the portal's callback, which exchanges the code, checks the ID token
(signature, issuer, audience, nonce) and reads the userinfo's group claim."""

import re
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from bromley_portal.accounts.models import IdentityProviderGroup, SingleSignOnIdentity
from bromley_portal.accounts.roles import Role
from bromley_portal.env import sso_origins
from tests.browser.conftest import DESKTOP
from tests.browser.test_login import url_is
from tests.factories import make_user
from tests.oidc_provider.server import LocalProvider

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def provider(tmp_path_factory, live_server):
    running = LocalProvider(tmp_path_factory.mktemp("oidc-provider")).start()
    try:
        running.register_portal(live_server.url)
        yield running
    finally:
        running.stop()


@pytest.fixture
def sso(provider, settings, transactional_db):
    """Single sign-on on, with the test provider, for this test (the live server reads these settings)."""
    for name, value in provider.portal_settings().items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "bromley_portal.accounts.sso.PortalOIDCBackend",
    ]
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {
        **policy["DIRECTIVES"],
        "form-action": [*policy["DIRECTIVES"]["form-action"], *sso_origins(provider.issuer)],
    }
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    IdentityProviderGroup.objects.create(
        group_id="portal-officers", role=Role.OFFICER, description="Officers"
    )
    IdentityProviderGroup.objects.create(group_id="portal-admins", role=Role.ADMIN, description="Admins")
    return provider


def start_signing_in(page, provider):
    page.goto(reverse("login"))
    page.get_by_role("button", name="Sign in with your council account").click()
    expect(page).to_have_url(re.compile("^" + re.escape(provider.url + "/accounts/login/")))


def sign_in_at_provider(page, username):
    page.get_by_label("Council username").fill(username)
    page.get_by_label("Council password").fill("council-password")
    page.get_by_role("button", name="Sign in to the council").click()


def expect_signed_out(page):
    expect(page.get_by_role("banner")).not_to_contain_text("Signed in as")
    page.goto(reverse("home"))
    expect(page).to_have_url(re.compile(re.escape(reverse("login")) + r"\?next=/$"))


def test_an_officer_signs_in_with_the_council_account_and_a_changed_group_changes_the_role(
    page, check_widths, sso
):
    sso.person(
        "olu",
        ["portal-officers", "all-staff"],
        email="olu@bromley.example",
        first_name="Olu",
        last_name="Adeyemi",
    )
    page.goto(reverse("login"))
    check_widths(page)
    page.set_viewport_size(DESKTOP)
    start_signing_in(page, sso)
    sign_in_at_provider(page, "olu")

    expect(page).to_have_url(url_is(reverse("home")))
    expect(page.get_by_role("banner")).to_contain_text("Signed in as Olu Adeyemi")
    user = get_user_model().objects.get(email="olu@bromley.example")
    assert user.role_names == {Role.OFFICER}
    assert SingleSignOnIdentity.objects.get(user=user).issuer == sso.issuer
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Lockouts")).to_have_count(0)

    # Signing out ends the provider's session too: the next sign-in asks for the password again.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(url_is(reverse("login")))
    expect(page.get_by_role("banner")).not_to_contain_text("Signed in as")

    sso.person("olu", ["portal-admins"])
    start_signing_in(page, sso)
    sign_in_at_provider(page, "olu")
    expect(page).to_have_url(url_is(reverse("home")))
    expect(menu.get_by_role("link", name="Lockouts")).to_be_visible()
    assert get_user_model().objects.get(pk=user.pk).role_names == {Role.ADMIN}


def test_an_existing_account_is_matched_by_verified_email_then_by_subject_when_the_email_changes(page, sso):
    known = make_user(Role.APPROVER, username="sam", email="Sam.Jones@bromley.example")
    sso.person(
        "sam-at-council",
        ["portal-officers"],
        email="sam.jones@bromley.example",
        first_name="Sam",
        last_name="Jones",
    )
    start_signing_in(page, sso)
    sign_in_at_provider(page, "sam-at-council")
    expect(page).to_have_url(url_is(reverse("home")))
    assert get_user_model().objects.get(pk=known.pk).role_names == {Role.OFFICER}
    page.get_by_role("button", name="Sign out").click()

    sso.person("sam-at-council", ["portal-officers"], email="sam.jones-smith@bromley.example")
    start_signing_in(page, sso)
    sign_in_at_provider(page, "sam-at-council")
    expect(page).to_have_url(url_is(reverse("home")))
    assert get_user_model().objects.filter(email__icontains="sam").count() == 1
    assert get_user_model().objects.get(pk=known.pk).email == "sam.jones-smith@bromley.example"


def test_someone_whose_groups_give_no_role_is_told_to_ask_their_administrator(page, check_widths, sso):
    sso.person("nia", ["all-staff"], email="nia@bromley.example", first_name="Nia", last_name="Okafor")
    start_signing_in(page, sso)
    sign_in_at_provider(page, "nia")

    expect(page).to_have_url(url_is(reverse("sso_no_role")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask your administrator for access")
    expect(page.get_by_role("main")).to_contain_text("Nia Okafor")
    expect(page.get_by_role("main")).to_contain_text("You have not been signed in")
    check_widths(page)
    expect_signed_out(page)


def _callback_url(page, sso, username) -> str:
    """The provider's real answer (a code and the state) to a sign-in the portal started in this browser,
    kept from the portal: signed in at the provider first, the browser's own cookies follow the portal's
    redirect to the provider and the provider's back, and the last is not followed."""
    page.goto(f"{sso.url}/accounts/login/?next=/openid/.well-known/openid-configuration")
    sign_in_at_provider(page, username)
    expect(page).to_have_url(re.compile(re.escape(sso.issuer)))
    request = page.context.request  # shares the browser context's cookies
    authorize = request.get(reverse("sso_start"), max_redirects=0).headers["location"]
    assert authorize.startswith(sso.issuer + "/authorize?") and "code_challenge=" in authorize
    answer = request.get(authorize, max_redirects=0).headers["location"]
    assert re.search(r"/accounts/sso/callback/\?.*code=", answer), answer
    return answer


def _expect_refused(page, axe):
    expect(page.get_by_role("heading", level=1)).to_have_text("You could not be signed in")
    expect(page.get_by_role("main")).to_contain_text("You have not been signed in")
    axe(page)
    expect_signed_out(page)
    assert not get_user_model().objects.filter(email="olu@bromley.example").exists()


def test_an_answer_with_a_state_the_portal_did_not_send_is_refused(page, axe, sso, caplog):
    sso.person("olu", ["portal-officers"], email="olu@bromley.example")
    answer = _callback_url(page, sso, "olu")
    tampered = re.sub(r"state=[^&]+", "state=not-the-state-we-sent", answer)
    assert tampered != answer

    response = page.goto(tampered)
    assert response.status == 400
    assert "state not found" in caplog.text
    _expect_refused(page, axe)

    # The real answer, afterwards, is refused too: the sign-in that was under way has ended.
    response = page.goto(answer)
    assert response.status == 400
    _expect_refused(page, axe)


def test_an_id_token_with_another_nonce_is_refused(page, axe, sso, caplog):
    sso.person("olu", ["portal-officers"], email="olu@bromley.example")
    answer = _callback_url(page, sso, "olu")
    # The nonce the portal expects for this state is not the one the provider put in the ID token.
    # Through the session engine, whichever it is (sessions are cached in Redis when it is there).
    engine = import_module(django_settings.SESSION_ENGINE)
    [key] = [cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "sessionid"]
    session = engine.SessionStore(session_key=key)
    states = session["oidc_states"]
    for entry in states.values():
        entry["nonce"] = "another-nonce"
    session["oidc_states"] = states
    session.save()

    response = page.goto(answer)
    assert response.status == 400
    assert "JWT Nonce verification failed" in caplog.text
    _expect_refused(page, axe)


def test_a_person_whose_email_the_provider_has_not_verified_gets_no_account(page, axe, sso):
    sso.person("kit-unverified", ["portal-officers"], email="kit@bromley.example")
    start_signing_in(page, sso)
    sign_in_at_provider(page, "kit-unverified")
    expect(page.get_by_role("heading", level=1)).to_have_text("You could not be signed in")
    assert not get_user_model().objects.filter(email="kit@bromley.example").exists()
    axe(page)


def test_with_the_provider_unreachable_the_sign_in_says_so(page, axe, sso, settings):
    from tests.oidc_provider.server import free_port

    settings.OIDC_ISSUER = f"http://127.0.0.1:{free_port()}/openid"  # nothing listens there
    page.goto(reverse("login"))
    page.get_by_role("button", name="Sign in with your council account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign-in with your council account is not working"
    )
    axe(page)


def test_an_answer_whose_code_the_provider_did_not_give_is_refused(page, axe, sso, caplog):
    sso.person("olu", ["portal-officers"], email="olu@bromley.example")
    answer = _callback_url(page, sso, "olu")
    made_up = re.sub(r"code=[^&]+", "code=a-made-up-code", answer)
    assert made_up != answer

    response = page.goto(made_up)  # the right state, but the provider will not exchange this code
    assert response.status == 400
    assert "Get Token Error" in caplog.text
    _expect_refused(page, axe)
