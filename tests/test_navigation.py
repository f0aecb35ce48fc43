import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import reverse

from ambitions.apps import SECTIONS as AMBITIONS_SECTIONS
from bromley_portal.accounts.roles import Role
from bromley_portal.core.navigation import _sections
from bromley_portal.core.panels import _providers
from plans.apps import SECTIONS as PLANS_SECTIONS
from plans.panels import ambition_panel

ROOT = Path(__file__).resolve().parent.parent


def labels(response):
    return [item.label for item in response.context["portal_nav"]]


@pytest.mark.django_db
def test_members_see_no_administration(client, people):
    client.force_login(people[Role.MEMBER])
    response = client.get(reverse("home"))
    assert "Administration" not in labels(response)
    assert "Dashboards" in labels(response)
    assert f'href="{reverse("home")}"' in response.content.decode(), "the service name links home"


@pytest.mark.django_db
def test_admins_see_administration(client, people):
    client.force_login(people[Role.ADMIN])
    response = client.get(reverse("home"))
    assert "Administration" in labels(response)


@pytest.mark.django_db
def test_the_current_section_is_marked_active(client, people):
    client.force_login(people[Role.ADMIN])
    items = client.get(reverse("plans:plan_list")).context["portal_nav"]
    assert [item.label for item in items if item.active] == ["Plans"]
    assert not any(item.active for item in client.get(reverse("home")).context["portal_nav"])


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


def test_apps_register_their_sections_and_panels_without_importing_views():
    """AppConfig.ready() registers with the core; it imports no views (they import half the app)."""
    for config in apps.get_app_configs():
        source = Path(config.path, "apps.py")
        if not source.is_relative_to(ROOT) or "site-packages" in source.parts or not source.exists():
            continue  # not one of ours
        tree = ast.parse(source.read_text())
        imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        imported += [
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        ]
        assert not [name for name in imported if name and name.split(".")[-1] == "views"], source
    assert ambition_panel in _providers["ambition"]
    assert all(
        _sections.get(section.url_name) == section for section in [*PLANS_SECTIONS, *AMBITIONS_SECTIONS]
    )
