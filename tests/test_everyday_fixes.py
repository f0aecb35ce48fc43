"""Issue 15's small things, read from the pages people get: a 405 that says why, /admin/ for someone
without the Admin role, the file fingerprint's wording, Who to chase only while a period is open, the
home page's promise, the update form's place in the navigation."""

import pytest
from django.urls import reverse

from bromley_portal.accounts.roles import Role
from plans.choices import PeriodStatus, UpdateStatus
from tests.test_update_pages import council, make_update, signed_in  # noqa: F401 (council is a fixture)


def test_opening_a_post_only_address_says_what_happened_and_keeps_405(council):  # noqa: F811
    update = make_update(council["action"], council["q2"], UpdateStatus.SUBMITTED)
    client = signed_in(council["approver"])
    response = client.get(
        reverse("plans:return", args=[update.pk]), HTTP_REFERER="http://testserver/plans/approvals/"
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = response.content.decode()
    assert "This address only takes a form" in page and "Nothing was sent or changed" in page
    assert 'href="http://testserver/plans/approvals/"' in page
    # Another site's address is never offered as the way back.
    response = client.get(reverse("plans:return", args=[update.pk]), HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in response.content.decode()


@pytest.mark.parametrize("role", [Role.OFFICER, Role.MEMBER, Role.APPROVER])
def test_someone_signed_in_without_the_admin_role_gets_403_at_admin_not_a_sign_in_form(client, people, role):
    client.force_login(people[role])
    for url in ("/admin/", "/admin/plans/action/", "/admin/login/?next=/admin/"):
        response = client.get(url)
        assert response.status_code == 403, url
        page = response.content.decode()
        assert "You cannot see this page" in page and 'name="password"' not in page


def test_an_admin_still_opens_the_admin_and_an_anonymous_visitor_is_asked_to_sign_in(client, people):
    assert client.get("/admin/").status_code == 302
    client.force_login(people[Role.ADMIN])
    assert client.get("/admin/").status_code == 200


def test_who_to_chase_is_for_open_periods_only(council):  # noqa: F811
    client = signed_in(council["clerk"])
    assert "Who to chase" in client.get(reverse("plans:period", args=[council["q2"].pk])).content.decode()
    assert council["q1"].status == PeriodStatus.LOCKED
    assert "Who to chase" not in client.get(reverse("plans:period", args=[council["q1"].pk])).content.decode()


def test_the_home_page_promises_only_the_sections_a_role_has(client, people):
    client.force_login(people[Role.OFFICER])
    response = client.get(reverse("home"))
    labels = {section.label for section in response.context["sections"]}
    page = response.content.decode()
    assert "contracts and complaints" not in page
    assert "Complaints" not in labels or "Complaints" in page


def test_the_update_form_is_under_my_actions_in_the_navigation(council):  # noqa: F811
    client = signed_in(council["officer"])
    response = client.get(reverse("plans:update", args=[council["action"].pk, council["q2"].pk]))
    assert [item.label for item in response.context["portal_nav"] if item.active] == ["My actions"]
    # Someone without My actions (a member) sees it under Plans, as before.
    response = signed_in(council["member"]).get(
        reverse("plans:update", args=[council["action"].pk, council["q1"].pk])
    )
    assert [item.label for item in response.context["portal_nav"] if item.active] == ["Plans"]


def test_the_navigation_uses_short_labels_and_the_home_page_the_full_ones(client, people):
    client.force_login(people[Role.ADMIN])
    response = client.get(reverse("home"))
    nav = {item.label: item.nav_label for item in response.context["portal_nav"]}
    assert nav["Reporting periods"] == "Periods" and nav["Sign-in lockouts"] == "Lockouts"
    assert nav["Plans"] == "Plans"
    page = response.content.decode()
    assert ">Periods</a>" in page and ">Reporting periods</a>" in page
