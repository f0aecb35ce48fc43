"""Approve and return carry the version read (issue 11, item 3): an approver deciding from a queue
page opened before the update changed gets 409 with what it says now, and nothing changes."""

from datetime import date

import pytest
from django.urls import reverse

from plans.choices import Rag, UpdateStatus
from plans.models import QuarterlyUpdate
from plans.services import StaleUpdateError, approve_update, return_update, save_update, update_for
from tests.workflow import decision, make_council, signed_in, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(db):
    return make_council()


def submitted(council, narrative="What I read"):
    return save_update(
        update_for(council["action"], council["period"]),
        council["officer"],
        version=0,
        rag=Rag.GREEN,
        narrative=narrative,
        submit=True,
    )


def returned_and_resubmitted(council, update):
    """Another approver returns it and its lead resubmits different words."""
    update = return_update(update, council["director"], "Say more", version=update.version)
    return save_update(
        update,
        council["officer"],
        version=update.version,
        rag=Rag.RED,
        narrative="Different words",
        reason="A reason",
        mitigation="A mitigation",
        recovery_date=date(2026, 3, 31),
        submit=True,
    )


def test_the_queue_forms_carry_the_version_shown(council):
    update = submitted(council)
    response = signed_in(council["approver"]).get(reverse("plans:approvals"))
    html = response.content.decode()
    assert f'name="decide-{update.pk}-version" value="{update.version}"' in html
    assert f'name="return-{update.pk}-version" value="{update.version}"' in html


def test_approving_a_version_that_has_changed_gets_409_with_what_it_says_now(council):
    update = submitted(council)
    read = update.version  # Grace opens her queue here
    resubmitted = returned_and_resubmitted(council, update)
    client = signed_in(council["approver"])
    response = client.post(reverse("plans:approve", args=[update.pk]), decision(update, version=read))
    assert response.status_code == 409
    page = text(response)
    assert page.startswith("Error: ")
    assert "Olu Adeyemi changed this update at" in page and "so you did not approve it" in page
    assert "What the update says now" in page and "Different words" in page and "What I read" not in page
    current = QuarterlyUpdate.objects.get(pk=update.pk)
    assert (current.status, current.version, current.decided_by) == (
        UpdateStatus.SUBMITTED,
        resubmitted.version,
        council["director"],  # who returned it; nobody approved it
    )
    # The forms on the page carry the version it shows now, so deciding again is deliberate.
    assert f'name="decide-{update.pk}-version" value="{current.version}"' in response.content.decode()
    response = client.post(reverse("plans:approve", args=[update.pk]), decision(current))
    assert response.status_code == 302
    assert QuarterlyUpdate.objects.get(pk=update.pk).status == UpdateStatus.APPROVED


def test_returning_a_version_that_has_changed_gets_409_and_keeps_the_comment(council):
    update = submitted(council)
    read = update.version
    returned_and_resubmitted(council, update)
    response = signed_in(council["approver"]).post(
        reverse("plans:return", args=[update.pk]),
        decision(update, version=read, comment="My careful comment"),
    )
    assert response.status_code == 409
    assert "so you did not return it" in text(response)
    assert "My careful comment</textarea>" in response.content.decode()
    current = QuarterlyUpdate.objects.get(pk=update.pk)
    assert (current.status, current.return_comment) == (UpdateStatus.SUBMITTED, "Say more")


def test_an_update_no_longer_waiting_shows_what_it_says_and_offers_nothing(council):
    update = submitted(council)
    read = update.version
    return_update(update, council["director"], "Say more", version=update.version)
    response = signed_in(council["approver"]).post(
        reverse("plans:approve", args=[update.pk]), decision(update, version=read)
    )
    assert response.status_code == 409
    page = text(response)
    assert "It is no longer waiting for your approval" in page and "What I read" in page
    assert QuarterlyUpdate.objects.get(pk=update.pk).status == UpdateStatus.RETURNED


def test_the_service_refuses_a_stale_version(council):
    update = submitted(council)
    with pytest.raises(StaleUpdateError):
        approve_update(update, council["approver"], version=update.version - 1)
    assert QuarterlyUpdate.objects.get(pk=update.pk).status == UpdateStatus.SUBMITTED


def test_a_decision_without_a_version_is_refused_with_a_message(council):
    update = submitted(council)
    response = signed_in(council["approver"]).post(reverse("plans:approve", args=[update.pk]), follow=True)
    assert "was not approved: Reload the page" in text(response)
    assert QuarterlyUpdate.objects.get(pk=update.pk).status == UpdateStatus.SUBMITTED
