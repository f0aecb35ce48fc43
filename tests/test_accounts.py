import pytest
from django.urls import reverse

from bromley_portal.accounts.roles import Role
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


def test_failed_logins_lock_the_account_even_with_the_right_password(client, settings):
    make_user(Role.OFFICER, username="olu")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "olu", "guess")
    response = sign_in(client, "olu")
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_logins_from_one_address_lock_that_address_for_other_accounts(client, settings):
    for number in range(settings.AXES_FAILURE_LIMIT):
        make_user(Role.OFFICER, username=f"person{number}")
        sign_in(client, f"person{number}", "guess")
    make_user(Role.MEMBER, username="innocent")
    assert sign_in(client, "innocent").status_code == 429


def test_a_locked_account_is_locked_from_another_address_too(client, settings):
    make_user(Role.OFFICER, username="olu")
    for number in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"), {"username": "olu", "password": "guess"}, REMOTE_ADDR=f"10.0.0.{number}"
        )
    response = client.post(
        reverse("login"), {"username": "olu", "password": TEST_PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 429


def test_role_groups_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}
