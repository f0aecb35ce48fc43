import pytest
from django.urls import reverse

from bromley_portal.accounts.roles import Role


def labels(response):
    return [item.label for item in response.context["portal_nav"]]


@pytest.mark.django_db
def test_members_see_no_administration(client, people):
    client.force_login(people[Role.MEMBER])
    response = client.get(reverse("home"))
    assert "Administration" not in labels(response)
    assert "Home" in labels(response)


@pytest.mark.django_db
def test_admins_see_administration(client, people):
    client.force_login(people[Role.ADMIN])
    response = client.get(reverse("home"))
    assert "Administration" in labels(response)


@pytest.mark.django_db
def test_the_current_section_is_marked_active(client, people):
    client.force_login(people[Role.ADMIN])
    items = client.get(reverse("home")).context["portal_nav"]
    assert [item.label for item in items if item.active] == ["Home"]


@pytest.mark.django_db
def test_home_names_the_persons_roles(client, people):
    client.force_login(people[Role.CLERK])
    response = client.get(reverse("home"))
    assert response.context["roles"] == ["Clerk"]


@pytest.mark.django_db
def test_a_person_with_no_role_is_told_to_ask_for_one(client, people):
    client.force_login(people[None])
    response = client.get(reverse("home"))
    assert "You have no role yet" in response.content.decode()
