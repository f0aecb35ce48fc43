"""Races with the lock and with a first draft (issue 11, item 4), on PostgreSQL with two real
database connections (one per thread): every move of an update takes the period row lock
(FOR SHARE) and locking the period takes it FOR UPDATE, so an approval and the lock serialize
whichever comes first; two people starting the same update at once: the loser gets 409 with
their text kept, never a 500."""

import threading
import time

import pytest
from django.db import connection, transaction

from bromley_portal.accounts.roles import Role
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import Delegation, QuarterlyUpdate
from plans.services import WorkflowError, approve_update, lock_period, save_update, update_for
from tests.conftest import skip_or_fail
from tests.factories import make_user
from tests.workflow import make_council, signed_in, text, update_form, update_url

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 20  # seconds: far longer than any of this takes


@pytest.fixture
def council():
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL")
    return make_council()


def in_thread(work, results: dict, key: str) -> threading.Thread:
    """Run ``work`` on its own database connection; its result or exception goes in results[key]."""

    def run():
        try:
            results[key] = work()
        except Exception as error:
            results[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def blocked_on_a_lock(count=1) -> bool:
    """Wait until ``count`` other connections are waiting for a row lock; False if they never do."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] >= count:
                return True
        time.sleep(0.05)
    return False


def submitted(council):
    return save_update(
        update_for(council["action"], council["period"]),
        council["officer"],
        version=0,
        rag=Rag.GREEN,
        narrative="Ready for committee",
        submit=True,
    )


def no_approved_update_in_a_locked_period() -> bool:
    return not QuarterlyUpdate.objects.filter(
        period__status=PeriodStatus.LOCKED, status=UpdateStatus.APPROVED
    ).exists()


def test_a_lock_waits_for_an_approval_under_way_then_locks_it(council):
    update = submitted(council)
    approved, finish, results = threading.Event(), threading.Event(), {}

    def approve_and_hold():
        with transaction.atomic():
            approve_update(update, council["approver"], version=update.version)
            approved.set()
            assert finish.wait(WAIT)
        return "approved"

    approving = in_thread(approve_and_hold, results, "approve")
    assert approved.wait(WAIT)
    locking = in_thread(lambda: lock_period(council["period"], council["clerk"]), results, "lock")
    assert blocked_on_a_lock(), "locking the period did not wait for the approval under way"
    assert locking.is_alive()
    finish.set()
    approving.join(WAIT)
    locking.join(WAIT)
    assert results["approve"] == "approved"
    assert results["lock"].status == PeriodStatus.LOCKED
    assert QuarterlyUpdate.objects.get(pk=update.pk).status == UpdateStatus.LOCKED
    assert no_approved_update_in_a_locked_period()


def test_an_approval_waits_for_a_lock_under_way_then_is_refused(council):
    update = submitted(council)
    locked, finish, results = threading.Event(), threading.Event(), {}

    def lock_and_hold():
        with transaction.atomic():
            lock_period(council["period"], council["clerk"])
            locked.set()
            assert finish.wait(WAIT)
        return "locked"

    locking = in_thread(lock_and_hold, results, "lock")
    assert locked.wait(WAIT)
    approving = in_thread(
        lambda: approve_update(update, council["approver"], version=update.version), results, "approve"
    )
    assert blocked_on_a_lock(), "the approval did not wait for the lock under way"
    assert approving.is_alive()
    finish.set()
    locking.join(WAIT)
    approving.join(WAIT)
    assert results["lock"] == "locked"
    assert isinstance(results["approve"], WorkflowError)
    assert str(results["approve"]) == "2024-25 Q2 is locked for committee."
    assert QuarterlyUpdate.objects.get(pk=update.pk).status == UpdateStatus.NOT_RECEIVED
    assert no_approved_update_in_a_locked_period()


def test_a_draft_saved_during_a_lock_waits_then_is_refused(council):
    locked, finish, results = threading.Event(), threading.Event(), {}

    def lock_and_hold():
        with transaction.atomic():
            lock_period(council["period"], council["clerk"])
            locked.set()
            assert finish.wait(WAIT)
        return "locked"

    locking = in_thread(lock_and_hold, results, "lock")
    assert locked.wait(WAIT)
    saving = in_thread(
        lambda: save_update(
            update_for(council["actions"][1], council["period"]),
            council["officer"],
            version=0,
            rag=Rag.GREEN,
            narrative="Late",
        ),
        results,
        "save",
    )
    assert blocked_on_a_lock(), "the save did not wait for the lock under way"
    finish.set()
    locking.join(WAIT)
    saving.join(WAIT)
    assert str(results["save"]) == "2024-25 Q2 is not open for updates."
    closed = QuarterlyUpdate.objects.get(action=council["actions"][1], period=council["period"])
    assert (closed.status, closed.narrative) == (UpdateStatus.NOT_RECEIVED, "")


def test_two_people_starting_the_same_update_at_once_the_second_gets_409_with_their_text(council):
    action, period = council["action"], council["period"]
    deputy = make_user(Role.OFFICER, username="deputy", first_name="Dee", last_name="Puty")
    Delegation.objects.create(post=action.details.first().leads.first().post, delegate=deputy)
    started, finish, results = threading.Event(), threading.Event(), {}

    def first_draft_and_hold():
        with transaction.atomic():
            save_update(
                update_for(action, period),
                council["officer"],
                version=0,
                rag=Rag.GREEN,
                narrative="Olu's text",
            )
            started.set()
            assert finish.wait(WAIT)
        return "saved"

    first = in_thread(first_draft_and_hold, results, "first")
    assert started.wait(WAIT)
    client = signed_in(deputy)
    data = update_form(action, version=0, rag="red", narrative="Dee's text")
    second = in_thread(lambda: client.post(update_url(action, period), data), results, "second")
    assert blocked_on_a_lock(), "the second first draft did not wait for the first"
    finish.set()
    first.join(WAIT)
    second.join(WAIT)
    assert results["first"] == "saved"
    response = results["second"]
    assert not isinstance(response, Exception), response
    assert response.status_code == 409
    page = text(response)
    assert "Someone else started this update after you opened it" in page
    assert "The version saved by Olu Adeyemi" in page and "Olu's text" in page
    assert "Dee&#x27;s text</textarea>" in response.content.decode()  # their text, kept in the form
    assert response.context["form"].data["version"] == "1"
    update = QuarterlyUpdate.objects.get(action=action, period=period)
    assert (update.narrative, update.created_by) == ("Olu's text", council["officer"])
