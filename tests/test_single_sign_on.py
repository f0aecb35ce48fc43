"""Single sign-on without the browser: the settings, the portal's own sign-in as PORTAL_LOCAL_LOGIN
allows it, how the provider's claims become an account and its roles, and the pages with single sign-on
on and off. tests/browser/test_single_sign_on.py signs in through a real provider."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bromley_portal.accounts import sso
from bromley_portal.accounts.forms import LOCAL_LOGIN_ADMINS_MESSAGE, LOCAL_LOGIN_OFF_MESSAGE
from bromley_portal.accounts.models import IdentityProviderGroup, SingleSignOnIdentity
from bromley_portal.accounts.roles import Role
from tests.factories import TEST_PASSWORD, make_user
from tests.oidc_provider.server import free_port
from tests.test_settings import production_env, run_manage

ISSUER = "https://login.example.test/tenant/v2.0"
SSO_BACKEND = "bromley_portal.accounts.sso.PortalOIDCBackend"


@pytest.fixture
def sso_on(settings):
    """Single sign-on on, with every endpoint given (so nothing asks the provider's discovery)."""
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "portal"
    settings.OIDC_RP_CLIENT_SECRET = "a-secret"
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{ISSUER}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{ISSUER}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{ISSUER}/keys"
    settings.OIDC_OP_END_SESSION_ENDPOINT = f"{ISSUER}/logout"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, SSO_BACKEND]
    return settings


# Settings --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (
            {"OIDC_CLIENT_ID": "portal"},
            "OIDC_CLIENT_ID is set, so set OIDC_CLIENT_SECRET and OIDC_ISSUER too.",
        ),
        (
            {"OIDC_CLIENT_ID": "portal", "OIDC_CLIENT_SECRET": "s", "OIDC_ISSUER": "login.example"},
            "OIDC_ISSUER must be the provider's https:// address.",
        ),
        (
            {"PORTAL_LOCAL_LOGIN": "sometimes"},
            'PORTAL_LOCAL_LOGIN must be true, admins or false, not "sometimes".',
        ),
        ({"PORTAL_LOCAL_LOGIN": "false"}, "PORTAL_LOCAL_LOGIN is false but single sign-on is not set up"),
    ],
)
def test_single_sign_on_settings_that_make_no_sense_stop_the_portal(overrides, says):
    result = run_manage("check", env=production_env(**overrides))
    assert result.returncode != 0
    assert says in result.stderr


def test_configured_from_the_environment_it_adds_its_backend_and_lets_sign_out_reach_the_provider():
    show = (
        "from django.conf import settings; "
        "print(settings.OIDC_ENABLED, settings.AUTHENTICATION_BACKENDS[-1], settings.OIDC_RP_SCOPES, "
        "settings.OIDC_GROUPS_CLAIM, settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )
    env = production_env(
        OIDC_CLIENT_ID="portal",
        OIDC_CLIENT_SECRET="s",
        OIDC_ISSUER="https://login.microsoftonline.com/tenant/v2.0/",
        OIDC_SCOPES="openid email profile",
        OIDC_GROUPS_CLAIM="roles",
        PORTAL_LOCAL_LOGIN="admins",
    )
    result = run_manage("shell", "-c", show, env=env)
    assert result.returncode == 0, result.stderr
    form_action = ["'self'", "https://login.microsoftonline.com"]
    assert (
        result.stdout.strip().splitlines()[-1]
        == f"True {SSO_BACKEND} openid email profile roles {form_action}"
    )
    off = run_manage("shell", "-c", show, env=production_env())
    assert off.returncode == 0, off.stderr
    assert off.stdout.strip().splitlines()[-1].startswith("False django.contrib.auth.backends.ModelBackend ")
    assert "login.microsoftonline.com" not in off.stdout and SSO_BACKEND not in off.stdout


# Off: nothing changes --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_single_sign_on_off_the_sign_in_page_is_the_password_form_only(client):
    page = client.get(reverse("login")).content.decode()
    assert "council account" not in page and 'name="password"' in page
    assert client.get(reverse("sso_start")).status_code == 404


@pytest.mark.django_db
def test_with_single_sign_on_on_the_sign_in_page_offers_the_council_account_first(client, sso_on):
    page = client.get(reverse("login") + "?next=/plans/").content.decode()
    assert page.index("Sign in with your council account") < page.index('name="password"')
    assert f'href="{reverse("sso_start")}?next=/plans/"' in page


# PORTAL_LOCAL_LOGIN ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_local_sign_in_off_a_right_password_signs_nobody_in(client, sso_on):
    sso_on.PORTAL_LOCAL_LOGIN = "false"
    make_user(Role.ADMIN, username="jo")
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with your council account" in page and 'name="password"' not in page

    response = client.post(reverse("login"), {"username": "jo", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert LOCAL_LOGIN_OFF_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("password_reset")).status_code == 404


@pytest.mark.django_db
def test_with_local_sign_in_for_admins_only_an_officer_is_turned_away_and_an_admin_signs_in(client, sso_on):
    sso_on.PORTAL_LOCAL_LOGIN = "admins"
    make_user(Role.OFFICER, username="olu")
    make_user(Role.ADMIN, username="jo")
    refused = client.post(reverse("login"), {"username": "olu", "password": TEST_PASSWORD})
    assert LOCAL_LOGIN_ADMINS_MESSAGE in refused.content.decode()
    assert "_auth_user_id" not in client.session

    signed_in = client.post(reverse("login"), {"username": "jo", "password": TEST_PASSWORD})
    assert signed_in.status_code == 302 and signed_in.url == reverse("home")


# Claims -> account and roles ------------------------------------------------------------------------


@pytest.fixture
def groups(db):
    IdentityProviderGroup.objects.create(group_id="g-officers", role=Role.OFFICER)
    IdentityProviderGroup.objects.create(group_id="g-leads", role=Role.OFFICER)
    IdentityProviderGroup.objects.create(group_id="g-leads", role=Role.APPROVER)


def claims(**extra):
    return {
        "sub": "subject-1",
        "email": "ada@bromley.example",
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "preferred_username": "ada.lovelace",
        "groups": ["g-officers"],
        **extra,
    }


def test_a_new_person_gets_an_account_linked_to_their_subject_and_the_roles_of_their_groups(groups, sso_on):
    user = sso.sign_in_from_claims(claims(groups=["g-leads", "unmapped", 42]))
    assert (user.username, user.get_full_name(), user.email) == (
        "adalovelace",
        "Ada Lovelace",
        "ada@bromley.example",
    )
    assert not user.has_usable_password()
    assert get_user_model().objects.get(pk=user.pk).role_names == {Role.OFFICER, Role.APPROVER}
    assert SingleSignOnIdentity.objects.get(issuer=ISSUER, subject="subject-1").user == user


def test_roles_are_set_again_at_each_sign_in_and_a_single_group_may_come_as_a_string(groups, sso_on):
    user = sso.sign_in_from_claims(claims(groups=["g-leads"]))
    again = sso.sign_in_from_claims(claims(groups="g-officers", email="ada.l@bromley.example"))
    assert again.pk == user.pk
    assert get_user_model().objects.get(pk=user.pk).role_names == {Role.OFFICER}
    assert not sso.has_a_role(sso.sign_in_from_claims(claims(groups=[])))


def test_an_unverified_address_matches_no_account_unless_the_provider_is_trusted_with_it(groups, sso_on):
    make_user(Role.ADMIN, username="ada", email="ADA@bromley.example")
    with pytest.raises(sso.SignInRefused, match="no verified e-mail"):
        sso.sign_in_from_claims(claims(email_verified=False))
    assert not SingleSignOnIdentity.objects.exists()

    sso_on.OIDC_REQUIRE_VERIFIED_EMAIL = False
    user = sso.sign_in_from_claims(claims(email_verified=False))
    assert user.username == "ada"
    assert get_user_model().objects.get(pk=user.pk).role_names == {Role.OFFICER}


def test_two_accounts_with_the_address_or_no_subject_are_refused(groups, sso_on):
    make_user(None, username="one", email="ada@bromley.example")
    make_user(None, username="two", email="Ada@Bromley.example")
    with pytest.raises(sso.SignInRefused, match="two accounts"):
        sso.sign_in_from_claims(claims())
    with pytest.raises(sso.SignInRefused, match="no subject"):
        sso.sign_in_from_claims(claims(sub=""))


def test_a_groups_overage_is_refused_and_keeps_the_roles_the_person_had(groups, sso_on):
    """Entra ID leaves the groups claim out for someone in too many groups and points to Graph instead
    (_claim_names / _claim_sources): that is not "no groups", so nothing is taken away."""
    user = sso.sign_in_from_claims(claims(groups=["g-leads"]))
    overage = claims()
    overage.pop("groups", None)
    overage["_claim_names"] = {"groups": "src1"}
    overage["_claim_sources"] = {
        "src1": {"endpoint": "https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}
    }
    with pytest.raises(sso.SignInRefused, match="groups overage"):
        sso.sign_in_from_claims(overage)
    assert get_user_model().objects.get(pk=user.pk).role_names == {Role.OFFICER, Role.APPROVER}
    # A token that carries the claim itself is read as before, whatever else it names.
    overage["groups"] = ["g-officers"]
    assert get_user_model().objects.get(pk=sso.sign_in_from_claims(overage).pk).role_names == {Role.OFFICER}


# The pages with single sign-on on ------------------------------------------------------------------


@pytest.mark.django_db
def test_start_sends_the_browser_to_the_provider_with_state_nonce_and_a_pkce_challenge(client, sso_on):
    response = client.get(reverse("sso_start") + "?next=/plans/")
    assert response.status_code == 302
    address = urlsplit(response.url)
    query = parse_qs(address.query)
    assert f"{address.scheme}://{address.netloc}{address.path}" == f"{ISSUER}/authorize"
    assert query["response_type"] == ["code"] and query["client_id"] == ["portal"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == ["http://testserver/accounts/sso/callback/"]
    [state] = query["state"]
    kept = client.session["oidc_states"][state]
    assert kept["nonce"] == query["nonce"][0] and len(kept["code_verifier"]) == 64
    assert client.session["oidc_login_next"] == "/plans/"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [*Role, None])
def test_the_no_role_page_opens_for_anyone(client, sso_on, role):
    if role is not None:
        client.force_login(make_user(role))
    response = client.get(reverse("sso_no_role"))
    assert response.status_code == 200
    assert "Ask your administrator for access" in response.content.decode()


@pytest.mark.django_db
def test_a_callback_with_no_sign_in_under_way_is_refused_and_ends_any_session(client, sso_on):
    client.force_login(make_user(Role.OFFICER))
    response = client.get(reverse("sso_callback") + "?code=a-code&state=a-state")
    assert response.status_code == 400
    assert "You could not be signed in" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_out_sends_someone_who_signed_in_with_the_provider_to_its_sign_out(client, sso_on):
    client.force_login(make_user(Role.OFFICER), backend=SSO_BACKEND)
    session = client.session
    session["oidc_id_token"] = "the.id.token"
    session.save()
    response = client.post(reverse("logout"))
    query = parse_qs(urlsplit(response.url).query)
    assert response.url.startswith(f"{ISSUER}/logout?")
    assert query["id_token_hint"] == ["the.id.token"]
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert "_auth_user_id" not in client.session

    # Someone who signed in with a password is only signed out of the portal.
    client.force_login(make_user(Role.APPROVER))
    assert client.post(reverse("logout")).url == reverse("login")


@pytest.mark.django_db
def test_with_the_provider_unreachable_start_says_so_and_passwords_still_work(client, sso_on):
    closed = f"http://127.0.0.1:{free_port()}/openid"
    sso_on.OIDC_ISSUER = closed
    sso_on.OIDC_OP_AUTHORIZATION_ENDPOINT = ""
    sso_on.OIDC_OP_END_SESSION_ENDPOINT = ""
    sso_on.OIDC_TIMEOUT = 2
    response = client.get(reverse("sso_start"))
    assert response.status_code == 503
    assert "Sign-in with your council account is not working" in response.content.decode()

    make_user(Role.OFFICER, username="olu")
    signed_in = client.post(reverse("login"), {"username": "olu", "password": TEST_PASSWORD})
    assert signed_in.status_code == 302 and signed_in.url == reverse("home")


@pytest.mark.django_db
def test_a_failed_single_sign_on_is_not_counted_as_a_password_guess(sso_on, rf, settings):
    from axes.models import AccessAttempt
    from django.contrib.auth import authenticate

    for _ in range(settings.AXES_ACCOUNT_FAILURE_LIMIT + 1):
        request = rf.get(reverse("sso_callback"), {"state": "s"})  # no code: the backend finds nobody
        request.session = {}
        assert authenticate(request, nonce="n", code_verifier="v") is None
    assert not AccessAttempt.objects.exists()

    request = rf.post(reverse("login"))
    request.session = {}
    assert authenticate(request, username="nobody", password="a-guess") is None
    assert AccessAttempt.objects.get().username == "nobody"


@pytest.mark.django_db
def test_an_admin_maps_a_group_to_a_role_in_the_admin(client):
    client.force_login(make_user(Role.ADMIN, username="jo"))
    response = client.post(
        reverse("admin:accounts_identityprovidergroup_add"),
        {"group_id": "0b1c-officers", "role": Role.CONTRACTS_OFFICER.value, "description": "Contracts team"},
    )
    assert response.status_code == 302
    mapping = IdentityProviderGroup.objects.get()
    assert (mapping.group_id, mapping.role) == ("0b1c-officers", Role.CONTRACTS_OFFICER)
    assert sso.roles_for_groups(["0b1c-officers", "other"]) == {Role.CONTRACTS_OFFICER}

    duplicate = client.post(
        reverse("admin:accounts_identityprovidergroup_add"),
        {"group_id": "0b1c-officers", "role": Role.CONTRACTS_OFFICER.value},
    )
    assert duplicate.status_code == 200 and IdentityProviderGroup.objects.count() == 1
