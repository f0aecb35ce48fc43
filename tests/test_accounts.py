import pytest
from django.urls import reverse

from bromley_portal.accounts.roles import Role
from tests.conftest import PortalClient
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=TEST_PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_person_signs_in_and_lands_on_home(client):
    make_user(Role.OFFICER, username="olu")
    response = sign_in(client, "olu")
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).context["user"].username == "olu"


def test_a_wrong_password_redisplays_the_form_with_an_error(client):
    make_user(Role.OFFICER, username="olu")
    response = sign_in(client, "olu", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_a_post_and_ends_the_session(client):
    make_user(Role.MEMBER, username="sam")
    sign_in(client, "sam")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_person_changes_their_password(client):
    make_user(Role.CLERK, username="dev")
    sign_in(client, "dev")
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-much-longer-passphrase",
            "new_password2": "a-much-longer-passphrase",
        },
    )
    assert response.status_code == 302
    client.post(reverse("logout"))
    assert sign_in(client, "dev", "a-much-longer-passphrase").status_code == 302


def test_a_short_new_password_is_refused(client):
    make_user(Role.CLERK, username="dev")
    sign_in(client, "dev")
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "short1", "new_password2": "short1"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]


def sign_in_from(client, username, password=TEST_PASSWORD, address="192.0.2.10", **headers):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def test_failed_logins_lock_the_account_even_with_the_right_password(client, settings):
    make_user(Role.OFFICER, username="olu")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "olu", "guess")
    response = sign_in(client, "olu")
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_message_points_to_what_works(client, settings):
    make_user(Role.OFFICER, username="olu")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "olu", "guess")
    page = sign_in(client, "olu").content.decode()
    assert "reset your password by e-mail" in page
    assert "ask a portal administrator to clear the lockout" in page
    assert reverse("password_reset") in page, "the sign-in page links to the password reset"


def test_made_up_names_from_one_address_do_not_lock_out_a_real_person_there(client, settings):
    """Behind the council's proxy everyone may share one address: guessing names locks only those names."""
    make_user(Role.MEMBER, username="sam")
    for number in range(settings.AXES_FAILURE_LIMIT * 3):
        assert sign_in_from(client, f"made-up-{number}", "guess").status_code == 200
    response = sign_in_from(client, "sam")
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_an_account_locked_at_one_address_still_signs_in_from_another(client, settings):
    make_user(Role.OFFICER, username="olu")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_from(client, "olu", "guess", address="198.51.100.66")
    assert sign_in_from(client, "olu", address="198.51.100.66").status_code == 429
    assert sign_in_from(client, "olu", address="192.0.2.10").status_code == 302


def test_an_account_guessed_at_from_many_addresses_is_locked_from_every_address(client, settings):
    make_user(Role.OFFICER, username="olu")
    for number in range(settings.AXES_ACCOUNT_FAILURE_LIMIT):
        # Fewer than AXES_FAILURE_LIMIT from each address.
        sign_in_from(
            client, "olu", "guess", address=f"198.51.100.{number // (settings.AXES_FAILURE_LIMIT - 1)}"
        )
    response = sign_in_from(client, "olu", address="192.0.2.200")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_one_failure_fewer_than_the_account_limit_locks_nobody_out_of_a_new_address(client, settings):
    make_user(Role.OFFICER, username="olu")
    for number in range(settings.AXES_ACCOUNT_FAILURE_LIMIT - 1):
        sign_in_from(client, "olu", "guess", address=f"198.51.100.{number}")
    assert sign_in_from(client, "olu", address="192.0.2.200").status_code == 302


@pytest.fixture
def one_proxy(settings):
    """The portal as the README describes it, behind one TLS proxy (AXES_PROXY_COUNT=1)."""
    from bromley_portal.settings import client_address_settings

    for name, value in client_address_settings(1).items():
        setattr(settings, name, value)


PROXY = "10.0.0.2"


def test_behind_the_proxy_the_real_client_is_locked_not_everyone_behind_it(client, settings, one_proxy):
    make_user(Role.OFFICER, username="olu")
    # An attacker at 203.0.113.9 writes a different made-up address in front each time; the proxy
    # appends the address it really came from.
    for number in range(settings.AXES_FAILURE_LIMIT):
        sign_in_from(
            client, "olu", "guess", address=PROXY, HTTP_X_FORWARDED_FOR=f"172.16.0.{number}, 203.0.113.9"
        )
    attacker = sign_in_from(client, "olu", address=PROXY, HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.9")
    assert attacker.status_code == 429
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    # Olu, at the office's own address behind the same proxy, signs in.
    assert sign_in_from(client, "olu", address=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.44").status_code == 302


def test_with_no_proxy_configured_x_forwarded_for_is_ignored(client, settings):
    make_user(Role.OFFICER, username="olu")
    for number in range(settings.AXES_FAILURE_LIMIT):
        sign_in_from(client, "olu", "guess", address="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    assert (
        sign_in_from(client, "olu", address="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code
        == 429
    )


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client_address"),
    [
        (0, "192.0.2.1", "10.0.0.2"),
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "6.6.6.6, 192.0.2.1", "192.0.2.1"),
        (2, "6.6.6.6, 192.0.2.1, 10.0.0.3", "192.0.2.1"),
    ],
)
def test_the_proxy_count_picks_the_address_the_nearest_proxies_saw(
    rf, settings, proxies, forwarded_for, client_address
):
    from axes.helpers import get_client_ip_address

    from bromley_portal.settings import client_address_settings

    for name, value in client_address_settings(proxies).items():
        setattr(settings, name, value)
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert get_client_ip_address(request) == client_address


# The Admin role sees and clears lockouts ---------------------------------------------------


def test_an_admin_sees_a_lockout_clears_it_and_the_person_signs_in(client, settings):
    olu = make_user(Role.OFFICER, username="olu", first_name="Olu", last_name="Adeyemi")
    admin = make_user(Role.ADMIN, username="jo")
    person = PortalClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_from(person, "olu", "guess")
    sign_in_from(person, "made-up-name", "guess")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_from(person, "made-up-name", "guess")
    assert sign_in_from(person, "olu").status_code == 429

    client.force_login(admin)
    page = client.get(reverse("lockouts"))
    assert page.status_code == 200
    lockouts = page.context["lockouts"]
    assert [lockout.username for lockout in lockouts] == ["olu", "made-up-name"], "people first"
    assert lockouts[0].person == olu and lockouts[0].addresses == ["192.0.2.10"]
    assert lockouts[1].person is None
    html = page.content.decode()
    assert "Olu Adeyemi" in html and "No account has this username" in html

    response = client.post(reverse("clear_lockout"), {"username": "olu"})
    assert response.status_code == 302 and response.url == reverse("lockouts")
    assert "olu can sign in again." in client.get(reverse("lockouts")).content.decode()
    assert sign_in_from(person, "olu").status_code == 302
    # Only Olu's lockout went.
    assert sign_in_from(PortalClient(), "made-up-name", "guess").status_code == 429


def test_clearing_an_account_that_is_not_locked_changes_nothing_and_says_so(client):
    client.force_login(make_user(Role.ADMIN))
    response = client.post(reverse("clear_lockout"), {"username": "nobody"}, follow=True)
    assert "nobody was not locked out, so nothing changed." in response.content.decode()
    response = client.post(reverse("clear_lockout"), {}, follow=True)
    assert "Choose an account whose lockout to clear." in response.content.decode()


def test_only_the_admin_role_sees_lockouts_in_the_navigation(client, people):
    client.force_login(people[Role.ADMIN])
    assert "Sign-in lockouts" in [item.label for item in client.get(reverse("home")).context["portal_nav"]]
    client.force_login(people[Role.CLERK])
    assert "Sign-in lockouts" not in [
        item.label for item in client.get(reverse("home")).context["portal_nav"]
    ]


def test_role_groups_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}
