# ruff: noqa: F811 (the tests take the update pages' ``council`` fixture, imported by name)
"""Issue 15 item 4: e-mail when an update is submitted (to its approvers), returned or approved (to its
writer), with the portal link; a daily digest for approvers who ask for one; none sent twice."""

from datetime import date
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from bromley_portal.core import pagecache
from plans import notices, tasks
from plans.choices import NoticeEvent, Rag, UpdateStatus
from plans.models import MailPreference, QuarterlyUpdate, UpdateNotice
from plans.services import approve_update, return_update, save_update
from tests.test_update_pages import council, signed_in, text  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(council, settings):
    """The update pages' council, its officer and approver with e-mail addresses."""
    settings.PORTAL_BASE_URL = "https://portal.example.invalid"
    for role in ("officer", "approver"):
        council[role].email = f"{council[role].username}@example.invalid"
        council[role].save()
    return council


def submit(council, captured):
    with captured(execute=True):
        return save_update(
            QuarterlyUpdate(action=council["action"], period=council["q2"]),
            council["officer"],
            version=0,
            rag=Rag.GREEN,
            narrative="Going well",
            submit=True,
        )


def test_submitting_tells_the_approver_with_an_absolute_link(people, django_capture_on_commit_callbacks):
    council = people
    update = submit(council, django_capture_on_commit_callbacks)
    assert [message.to for message in mail.outbox] == [["grace@example.invalid"]]
    message = mail.outbox[0]
    assert "update submitted for your approval" in message.subject
    assert f"https://portal.example.invalid/plans/actions/{council['action'].pk}/updates/" in message.body
    assert "Olu Adeyemi submitted" in message.body or "olu submitted" in message.body.lower()
    assert UpdateNotice.objects.get().update == update


def test_nothing_is_sent_until_the_move_commits_nor_when_it_rolls_back(
    people, django_capture_on_commit_callbacks
):
    council = people
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        save_update(
            QuarterlyUpdate(action=council["action"], period=council["q2"]),
            council["officer"],
            version=0,
            rag=Rag.GREEN,
            narrative="Going well",
            submit=True,
        )
        raise RuntimeError("rolled back")
    assert callbacks == [] and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        save_update(
            QuarterlyUpdate(action=council["action"], period=council["q2"]),
            council["officer"],
            version=0,
            rag=Rag.GREEN,
            narrative="Going well",
            submit=True,
        )
    # The page cache's new generation is queued too (bromley_portal.core.pagecache); the e-mail is one callback.
    mails = [callback for callback in callbacks if callback is not pagecache._set_new_generation]
    assert len(mails) == 1 and mail.outbox == []  # queued for commit, not sent yet
    mails[0]()
    assert len(mail.outbox) == 1


def test_a_draft_sends_nothing(people, django_capture_on_commit_callbacks):
    council = people
    with django_capture_on_commit_callbacks(execute=True):
        save_update(
            QuarterlyUpdate(action=council["action"], period=council["q2"]),
            council["officer"],
            version=0,
            rag=Rag.GREEN,
            narrative="Draft",
        )
    assert mail.outbox == []


def test_returning_and_approving_tell_the_officer(people, django_capture_on_commit_callbacks):
    council = people
    update = submit(council, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update = return_update(update, council["approver"], "Add the figures", version=update.version)
    assert [m.to for m in mail.outbox] == [["olu@example.invalid"]]
    assert "returned for changes" in mail.outbox[0].subject
    assert "Add the figures" in mail.outbox[0].body
    assert "https://portal.example.invalid/plans/actions/" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        update = save_update(
            update, council["officer"], version=update.version, rag=Rag.GREEN, narrative="Now", submit=True
        )
    with django_capture_on_commit_callbacks(execute=True):
        approve_update(update, council["approver"], version=update.version)
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 3  # returned, submitted again (a new version, so a new e-mail), approved
    assert "was approved" in subjects[-1] and mail.outbox[-1].to == ["olu@example.invalid"]


def test_running_the_task_again_or_retrying_sends_nothing_twice(people, django_capture_on_commit_callbacks):
    council = people
    update = submit(council, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert tasks.tell_update_moved.apply(args=[update.pk, NoticeEvent.SUBMITTED, update.version]).get() == 0
    assert len(mail.outbox) == 1


def test_a_failed_send_is_retried_and_then_sent_once(people):
    council = people
    update = QuarterlyUpdate.objects.create(
        action=council["action"],
        period=council["q2"],
        rag=Rag.GREEN,
        narrative="x",
        status=UpdateStatus.SUBMITTED,
        submitted_by=council["officer"],
        created_by=council["officer"],
    )
    real = mail.EmailMessage.send
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("mail server down")
        return real(self, *args, **kwargs)

    with mock.patch.object(mail.EmailMessage, "send", flaky):
        with pytest.raises(OSError):
            notices.tell_update_moved(update.pk, NoticeEvent.SUBMITTED, update.version)
        assert UpdateNotice.objects.count() == 0  # rolled back with the failed send: the retry tries again
        assert notices.tell_update_moved(update.pk, NoticeEvent.SUBMITTED, update.version) == 1
        assert notices.tell_update_moved(update.pk, NoticeEvent.SUBMITTED, update.version) == 0
    assert len(mail.outbox) == 1


def test_an_approver_on_the_digest_gets_one_email_a_day_instead(people, django_capture_on_commit_callbacks):
    council = people
    response = signed_in(council["approver"]).post("/plans/approvals/e-mail/", {"daily_digest": "yes"})
    assert response.status_code == 302
    assert MailPreference.objects.get(user=council["approver"]).daily_digest
    update = submit(council, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert notices.send_approval_digests(date(2024, 10, 1)) == 1
    assert tasks.send_approval_digests.apply(args=["2024-10-01"]).get() == 0  # once a day
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.subject == "1 update waiting for your approval"
    assert f"https://portal.example.invalid{update.get_absolute_url()}" in digest.body
    assert notices.send_approval_digests(date(2024, 10, 2)) == 1  # the next day, still waiting


def test_the_preference_page_reads_back_the_choice_and_refuses_nonsense(people):
    council = people
    client = signed_in(council["approver"])
    page = client.get("/plans/approvals/e-mail/")
    assert page.status_code == 200
    assert "An e-mail for each update when it is submitted" in text(page)
    response = client.post("/plans/approvals/e-mail/", {"daily_digest": "sometimes"})
    assert response.status_code == 200
    assert "Choose one of the two" in text(response)
