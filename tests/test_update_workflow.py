"""The quarterly update workflow: every move goes through plans.services and only allowed moves happen."""

from datetime import date

import pytest

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from plans.choices import UPDATE_TRANSITIONS, PeriodStatus, Rag, UpdateStatus
from plans.models import Amendment, Delegation, QuarterlyUpdate, ReportingPeriod
from plans.services import (
    StaleUpdateError,
    WorkflowError,
    amend_update,
    approve_update,
    lock_period,
    open_period,
    return_update,
    save_update,
    update_for,
)
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(db):
    plan = make_plan(year=2024, actions=2, lead="Director Education")
    lead_post = Post.objects.get(title="Director Education")
    approver_post = Post.objects.create(
        title="Director Children, Education and Families", portfolio=plan.portfolio
    )
    officer = make_user(Role.OFFICER, username="olu")
    lead_post.holders.add(officer)
    approver = make_user(Role.APPROVER, username="grace")
    approver_post.holders.add(approver)
    period = ReportingPeriod.objects.create(
        year=2024,
        quarter=2,
        opens_on=date(2024, 9, 1),
        due_on=date(2024, 10, 15),
        locks_on=date(2024, 11, 1),
        status=PeriodStatus.OPEN,
    )
    action = plan.sections.get().actions.get(number=1)
    return {
        "officer": officer,
        "approver": approver,
        "period": period,
        "action": action,
        "plan": plan,
        "clerk": make_user(Role.CLERK, username="dev"),
        "member": make_user(Role.MEMBER, username="sam"),
    }


def write(council, user=None, submit=False, version=0, narrative="Going well", rag=Rag.GREEN):
    update = update_for(council["action"], council["period"])
    return save_update(
        update, user or council["officer"], version=version, rag=rag, narrative=narrative, submit=submit
    )


def approve(council, update, user=None):
    return approve_update(update, user or council["approver"], version=update.version)


def test_the_lead_saves_a_draft_without_submitting(council):
    update = write(council)
    assert (update.status, update.version, update.created_by) == (UpdateStatus.DRAFT, 1, council["officer"])


def test_someone_who_does_not_lead_the_action_cannot_write_its_update(council):
    other = make_user(Role.OFFICER, username="other")
    with pytest.raises(WorkflowError, match="Only the action's lead"):
        write(council, user=other)
    assert not QuarterlyUpdate.objects.exists()


def test_a_delegate_can_write_for_the_post(council):
    delegate = make_user(Role.OFFICER, username="deputy")
    Delegation.objects.create(post=Post.objects.get(title="Director Education"), delegate=delegate)
    assert write(council, user=delegate).status == UpdateStatus.DRAFT


def test_submitting_needs_a_rag_and_a_narrative(council):
    with pytest.raises(WorkflowError, match="Choose a RAG status"):
        write(council, submit=True, rag="")
    with pytest.raises(WorkflowError, match="Write the update"):
        write(council, submit=True, narrative="  ")
    assert not QuarterlyUpdate.objects.exists()


def test_the_second_of_two_concurrent_saves_is_refused_and_the_first_text_kept(council):
    first = write(council, narrative="First person's text")
    opened_version = first.version
    save_update(
        update_for(council["action"], council["period"]),
        council["officer"],
        version=opened_version,
        rag=Rag.AMBER,
        narrative="Saved by the first person again",
    )
    with pytest.raises(StaleUpdateError, match="after you opened it"):
        save_update(
            update_for(council["action"], council["period"]),
            council["officer"],
            version=opened_version,
            rag=Rag.RED,
            narrative="Second person's text",
        )
    assert QuarterlyUpdate.objects.get().narrative == "Saved by the first person again"


def test_the_full_path_submit_return_resubmit_approve_lock(council):
    update = write(council, submit=True)
    assert update.status == UpdateStatus.SUBMITTED
    update = return_update(update, council["approver"], "Please add the figures", version=update.version)
    assert (update.status, update.return_comment) == (UpdateStatus.RETURNED, "Please add the figures")
    update = write(
        council, submit=True, version=update.version, narrative="Going well: 96% good or outstanding"
    )
    update = approve_update(update, council["approver"], version=update.version)
    assert update.status == UpdateStatus.APPROVED
    lock_period(council["period"], council["clerk"])
    update.refresh_from_db()
    assert update.status == UpdateStatus.LOCKED
    assert update.history.count() >= 5


def test_returning_needs_a_comment(council):
    update = write(council, submit=True)
    with pytest.raises(WorkflowError, match="Say what needs to change"):
        return_update(update, council["approver"], " ", version=update.version)


def test_an_approver_for_another_portfolio_cannot_approve(council):
    update = write(council, submit=True)
    outsider = make_user(Role.APPROVER, username="elsewhere")
    Post.objects.create(
        title="Director Environment", portfolio=make_plan(code="ECS", year=2024).portfolio
    ).holders.add(outsider)
    with pytest.raises(WorkflowError, match="Only an approver for this portfolio"):
        approve_update(update, outsider, version=update.version)


def test_a_draft_cannot_be_approved(council):
    update = write(council)
    with pytest.raises(WorkflowError, match="cannot become approved"):
        approve_update(update, council["approver"], version=update.version)


def test_a_locked_update_cannot_be_edited_only_amended(council):
    update = approve(council, write(council, submit=True))
    lock_period(council["period"], council["clerk"])
    update.refresh_from_db()
    with pytest.raises(WorkflowError):
        write(council, version=update.version, narrative="Rewritten after committee")
    amendment = amend_update(
        update, council["clerk"], narrative="Corrected figure: 95%", reason="Typo in the figure"
    )
    update.refresh_from_db()
    assert update.narrative == "Going well"
    assert list(update.amendments.all()) == [amendment]


def test_an_amendment_needs_a_reason(council):
    update = approve(council, write(council, submit=True))
    lock_period(council["period"], council["clerk"])
    update.refresh_from_db()
    with pytest.raises(WorkflowError, match="Give the reason"):
        amend_update(update, council["clerk"], narrative="x", reason="")
    assert not Amendment.objects.exists()


def test_only_a_clerk_locks_a_period_and_only_once(council):
    with pytest.raises(WorkflowError, match="Only a clerk"):
        lock_period(council["period"], council["approver"])
    lock_period(council["period"], council["clerk"])
    with pytest.raises(WorkflowError, match="cannot become locked"):
        lock_period(council["period"], council["clerk"])


def test_a_period_that_is_not_open_takes_no_updates(council):
    period = council["period"]
    period.status = PeriodStatus.PLANNED
    period.save()
    with pytest.raises(WorkflowError, match="not open"):
        write(council)
    open_period(period, council["clerk"])
    assert write(council).status == UpdateStatus.DRAFT


def test_members_see_only_approved_updates(council):
    write(council)
    assert QuarterlyUpdate.objects.visible_to(council["member"]).count() == 0
    assert QuarterlyUpdate.objects.visible_to(council["clerk"]).count() == 1


def test_every_status_has_its_moves_written_down():
    assert set(UPDATE_TRANSITIONS) == set(UpdateStatus)
    assert UPDATE_TRANSITIONS[UpdateStatus.LOCKED] == set()
