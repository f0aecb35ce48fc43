"""Free text has limits (issue 11, item 10): the narrative, the return comment and an amendment's
text and reason are refused, with a clear message and nothing saved, when too long; the forms
show the limit with GOV.UK Frontend's character count (no inline script)."""

import pytest
from django.urls import reverse

from plans.choices import COMMENT_MAX_LENGTH, NARRATIVE_MAX_LENGTH, REASON_MAX_LENGTH, Rag, UpdateStatus
from plans.models import Amendment, QuarterlyUpdate
from plans.services import WorkflowError, approve_update, lock_period, save_update, update_for
from tests.workflow import decision, make_council, signed_in, text, update_form, update_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(db):
    return make_council()


def test_the_longest_narrative_in_the_councils_plans_fits():
    import json
    from pathlib import Path

    longest = 0
    for path in Path("fixtures/data").glob("plan*.json"):
        longest = max(longest, max(map(len, _strings(json.loads(path.read_text()), "update")), default=0))
    assert 0 < longest <= NARRATIVE_MAX_LENGTH / 2


def _strings(data, key):
    if isinstance(data, dict):
        for name, value in data.items():
            if name == key and isinstance(value, str):
                yield value
            else:
                yield from _strings(value, key)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value, key)


def test_the_update_form_shows_the_limit(council):
    response = signed_in(council["officer"]).get(update_url(council["action"], council["period"]))
    html = response.content.decode()
    assert f'data-module="govuk-character-count" data-maxlength="{NARRATIVE_MAX_LENGTH}"' in html
    assert 'class="govuk-textarea govuk-js-character-count' in html
    assert f"You can enter up to {NARRATIVE_MAX_LENGTH} characters" in html


def test_an_over_long_narrative_is_refused_and_nothing_saved(council):
    action, period = council["action"], council["period"]
    too_long = "x" * (NARRATIVE_MAX_LENGTH + 1)
    response = signed_in(council["officer"]).post(
        update_url(action, period), update_form(action, narrative=too_long)
    )
    assert response.status_code == 200
    assert "The update must be 5,000 characters or fewer" in text(response)
    assert "<title>Error: " in response.content.decode()
    assert not QuarterlyUpdate.objects.exists()
    with pytest.raises(WorkflowError, match="The update must be 5,000 characters or fewer"):
        save_update(update_for(action, period), council["officer"], version=0, rag="", narrative=too_long)
    assert not QuarterlyUpdate.objects.exists()
    # Exactly at the limit is fine.
    response = signed_in(council["officer"]).post(
        update_url(action, period), update_form(action, narrative="y" * NARRATIVE_MAX_LENGTH)
    )
    assert response.status_code == 302


def test_an_over_long_return_comment_is_refused_and_the_update_stays_submitted(council):
    update = save_update(
        update_for(council["action"], council["period"]),
        council["officer"],
        version=0,
        rag=Rag.GREEN,
        narrative="Done",
        submit=True,
    )
    client = signed_in(council["approver"])
    queue = client.get(reverse("plans:approvals")).content.decode()
    assert f'data-maxlength="{COMMENT_MAX_LENGTH}"' in queue
    response = client.post(
        reverse("plans:return", args=[update.pk]), decision(update, comment="z" * (COMMENT_MAX_LENGTH + 1))
    )
    assert response.status_code == 200
    assert "What needs to change must be 2,000 characters or fewer" in text(response)
    update.refresh_from_db()
    assert (update.status, update.return_comment) == (UpdateStatus.SUBMITTED, "")


def test_an_over_long_amendment_is_refused_and_nothing_recorded(council):
    update = save_update(
        update_for(council["action"], council["period"]),
        council["officer"],
        version=0,
        rag=Rag.GREEN,
        narrative="Done",
        submit=True,
    )
    approve_update(update, council["approver"], version=update.version)
    lock_period(council["period"], council["clerk"])
    client = signed_in(council["clerk"])
    url = reverse("plans:amend", args=[update.pk])
    html = client.get(url).content.decode()
    assert (
        f'data-maxlength="{NARRATIVE_MAX_LENGTH}"' in html and f'data-maxlength="{REASON_MAX_LENGTH}"' in html
    )
    response = client.post(
        url,
        {"narrative": "n" * (NARRATIVE_MAX_LENGTH + 1), "rag": "", "reason": "r" * (REASON_MAX_LENGTH + 1)},
    )
    assert response.status_code == 200
    words = text(response)
    assert "The corrected update must be 5,000 characters or fewer" in words
    assert "The reason for the amendment must be 2,000 characters or fewer" in words
    assert not Amendment.objects.exists()
