"""Separation of duties (issue 11, item 2): nobody approves, returns or amends an update they wrote
or submitted, whatever roles they hold. The Director of CEF here holds both the Officer and the
Approver role, leads action 3 and approves for CEF, as the demo's director does."""

from datetime import date

import pytest
from django.urls import reverse

from plans.choices import Rag, UpdateStatus
from plans.models import Amendment, QuarterlyUpdate
from plans.services import (
    WorkflowError,
    amend_update,
    approve_update,
    lock_period,
    return_update,
    save_update,
    update_for,
)
from tests.workflow import decision, make_council, signed_in, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(db):
    return make_council()


def directors_own_update(council, submit=True, writer=None):
    action = council["actions"][2]
    return save_update(
        update_for(action, council["period"]),
        writer or council["director"],
        version=0,
        rag=Rag.AMBER,
        narrative="My own words",
        reason="Staff shortage",
        mitigation="Agency cover",
        recovery_date=date(2026, 3, 31),
        submit=submit,
    )


def test_the_director_cannot_approve_or_return_their_own_update(council):
    update = directors_own_update(council)
    with pytest.raises(WorkflowError, match="You wrote or submitted this update, so you cannot approve it"):
        approve_update(update, council["director"], version=update.version)
    with pytest.raises(WorkflowError, match="so you cannot return it"):
        return_update(update, council["director"], "Looks fine", version=update.version)
    update.refresh_from_db()
    assert (update.status, update.decided_by) == (UpdateStatus.SUBMITTED, None)
    # Another approver for the portfolio can.
    approved = approve_update(update, council["approver"], version=update.version)
    assert (approved.status, approved.decided_by) == (UpdateStatus.APPROVED, council["approver"])


def test_the_queue_shows_their_own_update_without_the_buttons_and_the_post_is_refused(council):
    own = directors_own_update(council)
    others = save_update(
        update_for(council["action"], council["period"]),
        council["officer"],
        version=0,
        rag=Rag.GREEN,
        narrative="Olu's words",
        submit=True,
    )
    client = signed_in(council["director"])
    response = client.get(reverse("plans:approvals"))
    items = {item.update.pk: item for item in response.context["items"]}
    assert items[own.pk].own and items[own.pk].approve_form is None and items[own.pk].return_form is None
    assert not items[others.pk].own and items[others.pk].approve_form is not None
    html = response.content.decode()
    assert reverse("plans:approve", args=[own.pk]) not in html
    assert reverse("plans:approve", args=[others.pk]) in html
    assert "You wrote or submitted this update, so you cannot approve or return it." in text(response)

    response = client.post(reverse("plans:approve", args=[own.pk]), decision(own), follow=True)
    assert "was not approved: You wrote or submitted this update" in text(response)
    response = client.post(reverse("plans:return", args=[own.pk]), decision(own, comment="Hmm"), follow=True)
    assert "was not returned: You wrote or submitted this update" in text(response)
    own.refresh_from_db()
    assert own.status == UpdateStatus.SUBMITTED
    # Nor does the update page offer them the queue for it.
    page = signed_in(council["director"]).get(own.get_absolute_url())
    assert page.context["can_approve"] is False


def test_having_saved_a_draft_is_enough_even_when_someone_else_submits_it(council):
    """The history of who saved it counts: the director drafted it, Olu finished and submitted it."""
    draft = directors_own_update(council, submit=False)
    update = save_update(
        QuarterlyUpdate.objects.get(pk=draft.pk),
        council["officer"],
        version=draft.version,
        rag=Rag.GREEN,
        narrative="Olu finished it",
        submit=True,
    )
    assert (update.created_by, update.submitted_by) == (council["director"], council["officer"])
    update.created_by = None  # even were the creator not recorded, the history is
    update.save()
    fresh = QuarterlyUpdate.objects.get(pk=update.pk)
    with pytest.raises(WorkflowError, match="You wrote or submitted this update"):
        approve_update(fresh, council["director"], version=fresh.version)


def test_returning_an_update_does_not_make_the_approver_its_author(council):
    update = save_update(
        update_for(council["action"], council["period"]),
        council["officer"],
        version=0,
        rag=Rag.GREEN,
        narrative="First go",
        submit=True,
    )
    update = return_update(update, council["director"], "Add the figures", version=update.version)
    update = save_update(
        update, council["officer"], version=update.version, rag=Rag.GREEN, narrative="Second go", submit=True
    )
    approved = approve_update(update, council["director"], version=update.version)
    assert (approved.status, approved.decided_by) == (UpdateStatus.APPROVED, council["director"])


def test_the_director_cannot_amend_their_own_update_after_the_lock(council):
    update = directors_own_update(council)
    approve_update(update, council["approver"], version=update.version)
    lock_period(council["period"], council["clerk"])
    update = QuarterlyUpdate.objects.get(pk=update.pk)
    assert update.status == UpdateStatus.LOCKED
    with pytest.raises(WorkflowError, match="so you cannot amend it"):
        amend_update(update, council["director"], narrative="Better words", reason="Typo")
    client = signed_in(council["director"])
    assert client.get(reverse("plans:amend", args=[update.pk])).status_code == 403
    assert (
        client.post(
            reverse("plans:amend", args=[update.pk]), {"narrative": "x", "rag": "", "reason": "y"}
        ).status_code
        == 403
    )
    page = client.get(update.action.get_absolute_url())
    assert [u.can_amend for u in page.context["page"].updates] == [False]
    assert reverse("plans:amend", args=[update.pk]) not in page.content.decode()
    assert not Amendment.objects.exists()
    # The clerk, who did not write it, can.
    amend_update(update, council["clerk"], narrative="Better words", reason="Typo")
    assert Amendment.objects.count() == 1
