"""The stored counts (plans.counts) follow every kind of write: after each, what is stored equals what
plans.counts.computed works out from the rows, and the figure that write changes has changed. (The
conftest also checks, after every test of the suite, that nothing has drifted.)"""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from bromley_portal.core.bulk import copy_create, copy_update
from plans import counts, selectors
from plans.builders import ActionSpec, DetailSpec, LeadSpec, SectionSpec, write_actions
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import (
    Action,
    DetailLead,
    LeadCount,
    PeriodCount,
    PortfolioPlan,
    QuarterlyUpdate,
    ReportingPeriod,
)
from plans.services import (
    amend_update,
    approve_all,
    approve_update,
    lock_period,
    open_period,
    reopen_action,
    return_update,
    save_update,
    update_for,
)
from plans.tasks import check_stored_counts
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.django_db


def period(year, quarter, status=PeriodStatus.PLANNED):
    return ReportingPeriod.objects.create(
        year=year, quarter=quarter, status=status, **ReportingPeriod.default_dates(year, quarter)
    )


@pytest.fixture
def council(db):
    plan = make_plan(year=2024, actions=3, lead="Director Education")
    lead_post = Post.objects.get(title="Director Education")
    approver_post = Post.objects.create(title="Director CEF", portfolio=plan.portfolio)
    officer = make_user(Role.OFFICER, username="olu")
    lead_post.holders.add(officer)
    approver = make_user(Role.APPROVER, username="grace")
    approver_post.holders.add(approver)
    q1 = period(2024, 1, PeriodStatus.OPEN)
    q2 = period(2024, 2)
    actions = list(Action.objects.filter(section__plan=plan).order_by("number"))
    return {
        "plan": plan,
        "officer": officer,
        "approver": approver,
        "clerk": make_user(Role.CLERK, username="dev"),
        "q1": q1,
        "q2": q2,
        "actions": actions,
        "post": lead_post,
    }


def by_status(period) -> dict:
    """The stored section rows of the period, summed by status."""
    found: dict = {}
    for row in PeriodCount.objects.filter(period=period):
        found[row.status] = found.get(row.status, 0) + row.n
    return found


def by_rag(period, statuses) -> dict:
    found: dict = {}
    for row in PeriodCount.objects.filter(period=period, status__in=statuses):
        found[row.rag] = found.get(row.rag, 0) + row.n
    return found


def leads(period) -> dict:
    found: dict = {}
    for row in LeadCount.objects.filter(period=period):
        found[row.status] = found.get(row.status, 0) + row.n
    return found


def agree():
    assert counts.drift() == []


def write(council, action, submit=False, rag=Rag.GREEN, period="q1"):
    update = update_for(action, council[period])
    return save_update(update, council["officer"], version=update.version if update.pk else 0, rag=rag,
                       narrative="Going well", submit=submit)  # fmt: skip


def test_a_new_period_counts_the_years_actions_as_not_started(council):
    agree()
    assert by_status(council["q2"]) == {UpdateStatus.NOT_STARTED: 3}
    assert leads(council["q1"]) == {UpdateStatus.NOT_STARTED: 3}
    assert leads(council["q2"]) == {}  # only an open period's leads are stored


def test_saving_submitting_approving_and_returning_updates(council):
    first, second, third = council["actions"]
    write(council, first)
    assert by_status(council["q1"]) == {UpdateStatus.DRAFT: 1, UpdateStatus.NOT_STARTED: 2}
    submitted = save_update(update_for(second, council["q1"]), council["officer"], version=0, rag=Rag.GREEN,
                            narrative="Fine", submit=True)  # fmt: skip
    other = save_update(update_for(third, council["q1"]), council["officer"], version=0, rag=Rag.RED,
                        narrative="Late", submit=True, reason="Why", mitigation="What",
                        recovery_date=date(2024, 9, 1))  # fmt: skip
    agree()
    assert leads(council["q1"]) == {UpdateStatus.DRAFT: 1, UpdateStatus.SUBMITTED: 2}
    approve_update(submitted, council["approver"], version=submitted.version)
    return_update(other, council["approver"], "Add figures", version=other.version)
    agree()
    assert by_status(council["q1"]) == {
        UpdateStatus.DRAFT: 1,
        UpdateStatus.APPROVED: 1,
        UpdateStatus.RETURNED: 1,
    }


def test_approving_many_at_once(council):
    updates = [write(council, action, submit=True) for action in council["actions"]]
    approve_all([(update, update.version) for update in updates], council["approver"])
    agree()
    assert by_status(council["q1"]) == {UpdateStatus.APPROVED: 3}
    assert by_rag(council["q1"], [UpdateStatus.APPROVED]) == {Rag.GREEN: 3}


def test_locking_closes_what_is_missing_and_opening_counts_the_leads(council):
    approved = write(council, council["actions"][0], submit=True)
    approve_update(approved, council["approver"], version=approved.version)
    write(council, council["actions"][1])
    lock_period(council["q1"], council["clerk"])
    agree()
    assert by_status(council["q1"]) == {UpdateStatus.LOCKED: 1, UpdateStatus.NOT_RECEIVED: 2}
    assert by_rag(council["q1"], [UpdateStatus.NOT_RECEIVED]) == {Rag.NO_UPDATE: 2}
    assert leads(council["q1"]) == {}  # locked: My actions and the chasing list no longer read it
    open_period(council["q2"], council["clerk"])
    agree()
    assert leads(council["q2"]) == {UpdateStatus.NOT_STARTED: 3}


def test_an_amendment_to_complete_leaves_the_action_out_of_the_next_open_period(council):
    update = write(council, council["actions"][0], submit=True)
    approve_update(update, council["approver"], version=update.version)
    lock_period(council["q1"], council["clerk"])
    open_period(council["q2"], council["clerk"])
    update.refresh_from_db()
    amend_update(update, council["clerk"], narrative="Done after all", reason="Corrected", rag=Rag.COMPLETE)
    agree()
    assert by_rag(council["q1"], [UpdateStatus.LOCKED]) == {Rag.COMPLETE: 1}
    assert leads(council["q2"]) == {UpdateStatus.NOT_STARTED: 2}  # complete before Q2: not asked
    reopen_action(Action.objects.get(pk=update.action_id), council["approver"], council["q2"])
    agree()
    assert leads(council["q2"]) == {UpdateStatus.NOT_STARTED: 3}


def test_writing_a_plan_adding_and_removing_details_and_leads(council):
    plan = council["plan"]
    section = plan.sections.get()
    spec = ActionSpec(
        number=9,
        title="A new one",
        details=[DetailSpec(letter="a", text="Its detail", leads=[LeadSpec(post="Director Housing")])],
    )
    write_actions(plan, [SectionSpec(number=section.number, title=section.title, ambition=section.ambition,
                                     actions=[spec])], reason="Test")  # fmt: skip
    agree()
    assert by_status(council["q2"]) == {UpdateStatus.NOT_STARTED: 4}
    housing = Post.objects.get(title="Director Housing")
    assert {row.lead_posts for row in LeadCount.objects.filter(period=council["q1"])} == {
        str(council["post"].pk),
        str(housing.pk),
    }
    DetailLead.objects.filter(post=housing).delete()  # the new action now has a detail without a lead
    agree()
    assert LeadCount.objects.get(period=council["q1"], lead_posts="").unled


def test_moving_deleting_actions_and_moving_a_plan_to_another_year(council):
    other = make_plan(code="ECS", year=2025, actions=1)
    q1_next = period(2025, 1)
    first = council["actions"][0]
    write(council, first)
    first.section, first.number = other.sections.get(), 9  # as the admin may: another plan, another year
    first.save()
    agree()
    assert by_status(council["q2"]) == {UpdateStatus.NOT_STARTED: 2}
    assert by_status(q1_next) == {UpdateStatus.NOT_STARTED: 2}
    council["actions"][1].delete()
    agree()
    assert by_status(council["q2"]) == {UpdateStatus.NOT_STARTED: 1}
    plan = PortfolioPlan.objects.get(pk=council["plan"].pk)
    plan.year = 2025
    plan.save()
    agree()
    assert by_status(council["q2"]) == {}


def test_bulk_writes_of_core_bulk_are_counted(council):
    first = council["actions"][0]
    created = copy_create(
        QuarterlyUpdate,
        [QuarterlyUpdate(action=first, period=council["q2"], status=UpdateStatus.LOCKED, rag=Rag.RED)],
    )
    agree()
    assert by_rag(council["q2"], [UpdateStatus.LOCKED]) == {Rag.RED: 1}
    created[0].rag = Rag.GREEN
    copy_update(QuarterlyUpdate, created, ["rag"])
    agree()
    assert by_rag(council["q2"], [UpdateStatus.LOCKED]) == {Rag.GREEN: 1}


def test_the_pages_figures_are_the_stored_ones(council, client):
    write(council, council["actions"][0], submit=True)
    overview = {period.pk: period for period in selectors.periods_overview()}[council["q1"].pk]
    assert (overview.action_count, overview.waiting, overview.reported) == (3, 1, 0)
    (plan,) = selectors.plan_counts(council["q1"])
    assert (plan.action_count, plan.submitted, plan.missing) == (3, 1, 2)
    (chase,) = selectors.who_to_chase(council["q1"])
    assert (chase.post, chase.missing, chase.total) == (council["post"], 2, 2)


def test_the_command_finds_a_tampered_count_and_repairs_it(council):
    row = PeriodCount.objects.filter(period=council["q2"]).first()
    PeriodCount.objects.filter(pk=row.pk).update(n=row.n + 5)
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("check_stored_counts", "--dry-run", stdout=out)
    assert (
        f"{council['q2']}: ('section', {row.section_id}, 'not_started', 'no_update'): stored 8, computed 3"
        in (out.getvalue())
    )
    assert counts.drift() != []  # a dry run repairs nothing
    with pytest.raises(SystemExit):
        call_command("check_stored_counts", stdout=io.StringIO())
    agree()
    out = io.StringIO()
    call_command("check_stored_counts", stdout=out)
    assert "agree" in out.getvalue()


def test_the_nightly_task_repairs_a_forgotten_write(council, caplog):
    QuarterlyUpdate.objects.create(
        action=council["actions"][0], period=council["q2"], status=UpdateStatus.DRAFT
    )
    LeadCount.objects.all().delete()  # as a write path that forgot them would leave them
    assert counts.drift() != []
    assert check_stored_counts() == 1
    assert "Stored counts differed" in caplog.text
    agree()


def test_a_raw_update_is_drift_the_suite_catches(council):
    """What the conftest's check after every test sees when a write path forgets the counts."""
    QuarterlyUpdate.objects.create(
        action=council["actions"][0], period=council["q1"], status=UpdateStatus.DRAFT
    )
    agree()
    QuarterlyUpdate.objects.update(status=UpdateStatus.SUBMITTED)  # no signals
    assert [drift.period for drift in counts.drift()] == [council["q1"]]
    counts.refresh_all()


def refreshes(captured) -> int:
    """How many times the stored counts were rewritten (refresh deletes a period's rows, then inserts)."""
    return sum('DELETE FROM "plans_periodcount"' in query["sql"] for query in captured.captured_queries)


def test_the_admin_deleting_a_plan_refreshes_the_counts_once_whatever_it_cascades_to(council, client):
    """A plan's deletion cascades to its actions, details and leads, each sending its own signal; the admin
    page runs in one batch (core.stored_counts.BatchedAdmin), so the counts are rewritten once, in the
    page's transaction, not once a row."""
    client.force_login(make_user(Role.ADMIN, username="jo"))  # a plan without updates: the admin keeps those
    plan = council["plan"]
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/admin/plans/portfolioplan/{plan.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not PortfolioPlan.objects.filter(pk=plan.pk).exists()
    assert refreshes(captured) == 1
    agree()
    assert by_status(council["q1"]) == {} and by_status(council["q2"]) == {}


def test_the_admin_list_action_deleting_actions_refreshes_the_counts_once(council, client):
    client.force_login(make_user(Role.ADMIN, username="jo"))
    doomed = council["actions"][:2]
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/admin/plans/action/",
            {"action": "delete_selected", "post": "yes", "_selected_action": [a.pk for a in doomed]},
        )
    assert response.status_code == 302
    assert not Action.objects.filter(pk__in=[a.pk for a in doomed]).exists()
    assert refreshes(captured) == 1
    agree()
    assert by_status(council["q2"]) == {UpdateStatus.NOT_STARTED: 1}


def test_an_update_s_save_rewrites_its_section_s_rows_only(council):
    """A save changes one action's counts: its section's rows of the period (and of an open period after it)
    are rewritten; another section's rows stay as they were stored (the same rows, not rewritten), and all
    agree with what computed() works out for the whole period."""
    other = make_plan(code="ECS", year=2024, actions=2)
    other_section = other.sections.get()
    kept = {
        model: set(
            model.objects.filter(period=council["q1"], section=other_section).values_list("pk", flat=True)
        )
        for model in (PeriodCount, LeadCount)
    }
    assert all(kept.values())
    with CaptureQueriesContext(connection) as captured:
        write(council, council["actions"][0], submit=True)
    assert refreshes(captured) == 1
    for model, pks in kept.items():
        assert (
            set(
                model.objects.filter(period=council["q1"], section=other_section).values_list("pk", flat=True)
            )
            == pks
        )
    agree()
    assert by_status(council["q1"])[UpdateStatus.SUBMITTED] == 1


def test_the_admin_restoring_a_version_from_history_runs_in_one_batch(council, client):
    """django-simple-history's "revert to this version" page (history_form_view) writes as the change page
    does, so it runs in the same transaction and batch (core.stored_counts.BatchedAdmin): the action's
    save is counted at the page's end, once, and the restored action is counted. Fails without
    BatchedAdmin.history_form_view."""
    from django.db.models.signals import post_save

    client.force_login(make_user(Role.ADMIN, username="jo"))
    action = council["actions"][0]
    original = action.history.order_by("history_date", "history_id").first()
    action.title = "Renamed in the admin"
    action.save()
    address = f"/admin/plans/action/{action.pk}/history/{original.history_id}/"
    form = client.get(address).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = (
            [str(v) for v in value] if isinstance(value, list | tuple) else ("" if value is None else value)
        )
    seen = []

    def saved(sender, instance, **kwargs):
        seen.append(counts.keeper.batching)

    post_save.connect(saved, sender=Action, dispatch_uid="test-revert-batch")
    try:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(address, data)
    finally:
        post_save.disconnect(dispatch_uid="test-revert-batch", sender=Action)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    action.refresh_from_db()
    assert action.title == original.title != "Renamed in the admin"
    assert seen == [True]  # saved inside the page's batch (a test runs in a transaction: not checked here)
    assert refreshes(captured) == 1
    agree()
