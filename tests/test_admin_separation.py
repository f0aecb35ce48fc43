"""Separation of duties in the Django admin, through the admin's own POSTs: the Admin role runs people
and their roles but cannot step outside the roles (no superuser, no staff flag, no single permissions,
no other groups), cannot touch a superuser's account, and cannot move a workflow status, which only
the services move."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from bromley_portal.accounts.roles import Role
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import QuarterlyUpdate, ReportingPeriod
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def jo(client):
    """Jo holds the Admin role (not a superuser) and is signed in."""
    person = make_user(Role.ADMIN, username="jo")
    client.force_login(person)
    return person


def user_form(person, **changes) -> dict:
    """What the admin's change form for ``person`` posts, with ``changes``."""
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "is_active": "on",
        "groups": [group.pk for group in person.groups.all()],
        "_save": "Save",
    }
    data.update(changes)
    return data


def change_url(person) -> str:
    return f"/admin/accounts/user/{person.pk}/change/"


@pytest.mark.parametrize("whom", ["themselves", "someone else"])
def test_an_admin_cannot_make_anyone_superuser_or_staff_or_give_single_permissions(client, jo, whom):
    person = jo if whom == "themselves" else make_user(Role.OFFICER, username="olu")
    every_permission = list(Permission.objects.values_list("pk", flat=True)[:5])
    response = client.post(
        change_url(person),
        user_form(
            person, first_name="Renamed", is_superuser="on", is_staff="on", user_permissions=every_permission
        ),
    )
    assert response.status_code == 302, "the rest of the form saves"
    person.refresh_from_db()
    assert person.first_name == "Renamed"
    assert not person.is_superuser
    assert not person.is_staff
    assert not person.user_permissions.exists()


def test_the_change_form_shows_those_fields_as_read_only(client, jo):
    olu = make_user(Role.OFFICER, username="olu")
    form = client.get(change_url(olu)).context["adminform"].form
    assert not {"is_superuser", "is_staff", "user_permissions"} & set(form.fields)
    assert {"groups", "is_active", "email"} <= set(form.fields)
    assert set(form.fields["groups"].queryset.values_list("name", flat=True)) == set(Role.values)


def test_an_admin_gives_and_takes_roles(client, jo):
    olu = make_user(Role.OFFICER, username="olu")
    approver = Group.objects.get(name=Role.APPROVER)
    response = client.post(change_url(olu), user_form(olu, groups=[approver.pk]))
    assert response.status_code == 302
    assert list(olu.groups.values_list("name", flat=True)) == [Role.APPROVER]


def test_an_admin_cannot_give_a_group_that_is_not_a_role(client, jo):
    olu = make_user(Role.OFFICER, username="olu")
    powerful = Group.objects.create(name="Everything")
    powerful.permissions.set(Permission.objects.all())
    response = client.post(
        change_url(olu), user_form(olu, groups=[Group.objects.get(name=Role.OFFICER).pk, powerful.pk])
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["groups"]
    assert list(olu.groups.values_list("name", flat=True)) == [Role.OFFICER]


def test_an_admin_cannot_change_or_delete_a_superusers_account(client, jo):
    root = make_user(None, username="root", is_superuser=True, is_staff=True)
    page = client.get(change_url(root))
    assert page.status_code == 200 and page.context["has_change_permission"] is False, "seen, read-only"
    response = client.post(change_url(root), user_form(root, email="jo@attacker.example"))
    assert response.status_code == 403
    response = client.post(
        f"/admin/accounts/user/{root.pk}/password/",
        {"password1": "a-new-long-password", "password2": "a-new-long-password", "usable_password": "true"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.email == "root@example.invalid"
    assert not root.check_password("a-new-long-password")
    assert client.post(f"/admin/accounts/user/{root.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_superuser_still_can(client):
    root = make_user(None, username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    olu = make_user(Role.OFFICER, username="olu")
    response = client.post(change_url(olu), user_form(olu, is_staff="on"))
    assert response.status_code == 302
    olu.refresh_from_db()
    assert olu.is_staff


# Workflow fields ---------------------------------------------------------------------------


def period_form(period, **changes) -> dict:
    data = {
        "year": period.year,
        "quarter": period.quarter,
        "opens_on": period.opens_on.isoformat(),
        "due_on": period.due_on.isoformat(),
        "locks_on": period.locks_on.isoformat(),
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_the_period_admin_cannot_open_a_locked_period_or_lock_an_open_one(client, jo):
    clerk = make_user(Role.CLERK)
    locked = ReportingPeriod.objects.create(
        year=2023,
        quarter=3,
        status=PeriodStatus.LOCKED,
        locked_at=timezone.now(),
        locked_by=clerk,
        **ReportingPeriod.default_dates(2023, 3),
    )
    open_period = ReportingPeriod.objects.create(
        year=2023, quarter=4, status=PeriodStatus.OPEN, **ReportingPeriod.default_dates(2023, 4)
    )
    for period, moves in [
        (locked, {"status": PeriodStatus.OPEN, "locked_at_0": "", "locked_by": ""}),
        (open_period, {"status": PeriodStatus.LOCKED, "locked_by": jo.pk}),
    ]:
        response = client.post(
            f"/admin/plans/reportingperiod/{period.pk}/change/", period_form(period, **moves)
        )
        assert response.status_code == 302, "the dates still save"
    locked.refresh_from_db()
    open_period.refresh_from_db()
    assert (locked.status, locked.locked_by, locked.locked_at is not None) == (
        PeriodStatus.LOCKED,
        clerk,
        True,
    )
    assert (open_period.status, open_period.locked_by) == (PeriodStatus.OPEN, None)


def test_a_period_added_in_the_admin_starts_planned_whatever_is_posted(client, jo):
    dates = ReportingPeriod.default_dates(2024, 1)
    response = client.post(
        "/admin/plans/reportingperiod/add/",
        {
            "year": 2024,
            "quarter": 1,
            **{name: value.isoformat() for name, value in dates.items()},
            "status": PeriodStatus.LOCKED,
            "locked_by": jo.pk,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    period = ReportingPeriod.objects.get(year=2024, quarter=1)
    assert (period.status, period.locked_by) == (PeriodStatus.PLANNED, None)


def test_quarterly_updates_cannot_be_changed_or_added_in_the_admin(client, jo):
    plan = make_plan()
    action = plan.sections.first().actions.first()
    period = ReportingPeriod.objects.create(
        year=2023, quarter=4, status=PeriodStatus.OPEN, **ReportingPeriod.default_dates(2023, 4)
    )
    update = QuarterlyUpdate.objects.create(
        action=action, period=period, rag=Rag.AMBER, narrative="At risk", status=UpdateStatus.SUBMITTED
    )
    url = f"/admin/plans/quarterlyupdate/{update.pk}/change/"
    assert client.get(url).status_code == 200, "admins can look it up"
    response = client.post(
        url,
        {
            "action": action.pk,
            "period": period.pk,
            "rag": Rag.GREEN,
            "narrative": "Approved by the admin",
            "status": UpdateStatus.APPROVED,
            "decided_by": jo.pk,
        },
    )
    assert response.status_code == 403
    assert (
        client.post("/admin/plans/quarterlyupdate/add/", {"status": UpdateStatus.LOCKED}).status_code == 403
    )
    update.refresh_from_db()
    assert (update.status, update.rag, update.narrative) == (UpdateStatus.SUBMITTED, Rag.AMBER, "At risk")


def test_a_report_jobs_status_cannot_be_changed_in_the_admin(client, jo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ReportJob.objects.create(
        report_type="plan_progress",
        title="CEF plan progress",
        dedupe_key="failed",
        status=JobStatus.FAILED,
        error="The worker stopped.",
        attempts=1,
    )
    response = client.post(
        f"/admin/reports/reportjob/{job.pk}/change/",
        {
            "title": "Renamed",
            "status": JobStatus.DONE,
            "error": "",
            "attempts": 0,
            "file": default_storage.save("reports/x.pdf", ContentFile(b"%PDF")),
            "published": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.title == "Renamed"
    assert (job.status, job.error, job.attempts, job.file.name, job.published) == (
        JobStatus.FAILED,
        "The worker stopped.",
        1,
        "",
        False,
    )
