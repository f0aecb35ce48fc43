"""Members see only what is reported (issue 11, item 11): no draft, submitted or returned status of
an update that is not reported yet; staff (plans.view_unapproved_updates) see where it stands."""

from datetime import date

import pytest

from plans.choices import Rag, UpdateStatus
from plans.services import return_update, save_update, update_for
from tests.workflow import make_council, signed_in, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(db):
    return make_council()


@pytest.mark.parametrize("state", ["draft", "submitted", "returned"])
def test_a_member_sees_no_workflow_status_of_an_unreported_update(council, state):
    update = save_update(
        update_for(council["action"], council["period"]),
        council["officer"],
        version=0,
        rag=Rag.RED,
        narrative="Secret draft words",
        reason="A reason",
        mitigation="A mitigation",
        recovery_date=date(2026, 3, 31),
        submit=state != "draft",
    )
    if state == "returned":
        return_update(update, council["approver"], "Private comment", version=update.version)
    label = UpdateStatus(state).label
    for url in (update.get_absolute_url(), council["action"].get_absolute_url()):
        response = signed_in(council["member"]).get(url)
        assert response.status_code == 200
        words = text(response)
        assert f"Status: {label}" not in words and f" {label} " not in f" {words} "
        assert "Secret draft words" not in words and "Private comment" not in words
        assert "Red: off track" not in words
    assert "There is no approved update for this quarter yet." in text(
        signed_in(council["member"]).get(update.get_absolute_url())
    )
    assert signed_in(council["member"]).get(update.get_absolute_url()).context["status"] is None
    # Staff see where it stands.
    assert f"Status: {label}" in text(signed_in(council["clerk"]).get(update.get_absolute_url()))
