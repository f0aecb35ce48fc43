"""Password reset by e-mail for local accounts: ask, follow the link, set a password, sign in."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from bromley_portal.accounts.roles import Role
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fresh_reset_counts():
    """The hourly limit is counted in the shared cache (Redis when REDIS_URL is set)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def olu(db):
    return make_user(Role.OFFICER, username="olu", first_name="Olu", email="olu.adeyemi@bromley.gov.uk")


def ask_for_a_link(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def link_in(message, settings) -> str:
    match = re.search(re.escape(settings.PORTAL_BASE_URL) + r"(/accounts/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_person_asks_for_a_link_sets_a_new_password_and_signs_in(client, olu, mailoutbox, settings):
    response = ask_for_a_link(client, "olu.adeyemi@bromley.gov.uk")
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert "Check your email" in client.get(response.url).content.decode()

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["olu.adeyemi@bromley.gov.uk"]
    assert message.subject == "Set a new password for the Bromley Portal"
    assert "Dear Olu" in message.body and "within 60 minutes" in message.body

    # The link sends the browser on to a page of its own (the token leaves the address).
    page = client.get(link_in(message, settings), follow=True)
    assert page.status_code == 200
    assert "Set a new password" in page.content.decode()
    form_url = page.redirect_chain[-1][0]

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    assert "Password set" in client.get(done.url).content.decode()

    assert sign_in(client, "olu", TEST_PASSWORD).status_code == 200, "the old password no longer works"
    assert sign_in(client, "olu", NEW_PASSWORD).status_code == 302


def test_the_link_works_once(client, olu, mailoutbox, settings):
    ask_for_a_link(client, olu.email)
    link = link_in(mailoutbox[0], settings)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.get(link, follow=True)
    assert "This link does not work" in again.content.decode()
    assert "Set a new password" not in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, olu, mailoutbox):
    known = ask_for_a_link(client, olu.email)
    unknown = ask_for_a_link(client, "nobody@bromley.gov.uk")
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert [message.to for message in mailoutbox] == [[olu.email]]


def test_an_inactive_account_gets_no_email(client, olu, mailoutbox):
    olu.is_active = False
    olu.save()
    assert ask_for_a_link(client, olu.email).status_code == 302
    assert mailoutbox == []


def test_one_address_gets_at_most_the_hourly_number_of_emails(client, olu, mailoutbox, settings):
    for _ in range(settings.PASSWORD_RESET_EMAILS_PER_HOUR + 3):
        response = ask_for_a_link(client, olu.email.upper())
        assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mailoutbox) == settings.PASSWORD_RESET_EMAILS_PER_HOUR


def test_a_bad_address_is_refused_with_a_clear_message(client, mailoutbox):
    for value, message in [("", "Enter your email address"), ("not-an-address", "Enter an email address in")]:
        response = ask_for_a_link(client, value)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert "govuk-error-summary" in response.content.decode()
    assert mailoutbox == []


def test_the_link_uses_the_portals_address_not_the_requests_host(client, olu, mailoutbox, settings):
    settings.ALLOWED_HOSTS = ["portal.bromley.gov.uk", "evil.example"]
    settings.PORTAL_BASE_URL = "https://portal.bromley.gov.uk"
    client.post(reverse("password_reset"), {"email": olu.email}, HTTP_HOST="evil.example")
    assert "https://portal.bromley.gov.uk/accounts/reset/" in mailoutbox[0].body
    assert "evil.example" not in mailoutbox[0].body


def test_a_short_new_password_is_refused(client, olu, mailoutbox, settings):
    ask_for_a_link(client, olu.email)
    form_url = client.get(link_in(mailoutbox[0], settings), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "short1", "new_password2": "short1"})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert sign_in(client, "olu", TEST_PASSWORD).status_code == 302


def test_setting_a_new_password_ends_a_lockout(client, olu, mailoutbox, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "olu", "a guess")
    assert sign_in(client, "olu", TEST_PASSWORD).status_code == 429
    ask_for_a_link(client, olu.email)
    form_url = client.get(link_in(mailoutbox[0], settings), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert sign_in(client, "olu", NEW_PASSWORD).status_code == 302


def test_the_sign_in_page_links_to_the_reset(client):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()
