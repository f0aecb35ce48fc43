"""Reminders before a complaint falls due: to its handler (or every complaints officer), once per due
date, never with a complainant's details."""

from datetime import date

import pytest
from django.core import mail

from bromley_portal.accounts.roles import Role
from complaints import reminders, services, tasks
from complaints.models import ComplaintReminder
from tests.factories import make_complaint, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(people):
    return people[Role.COMPLAINTS_OFFICER]


@pytest.fixture
def case(officer):
    """Received Wednesday 1 October 2025: acknowledge by 6 October, respond by 29 October."""
    complaint = make_complaint(officer, received=date(2025, 10, 1), today=date(2025, 10, 1))
    services.assign(officer, complaint, officer)
    return complaint


def test_the_handler_is_reminded_three_working_days_before_the_acknowledgement_is_due(
    case, officer, settings
):
    assert settings.COMPLAINTS_REMINDER_WORKING_DAYS == 3
    assert case.acknowledge_by == date(2025, 10, 6)
    assert reminders.send_reminders(today=date(2025, 9, 30)) == 0  # four working days before
    assert reminders.send_reminders(today=date(2025, 10, 1)) == 1
    [email] = mail.outbox
    assert email.to == [officer.email]
    assert (
        "C2025-00001" in email.body
        and "acknowledgement due Monday 6 October 2025, 3 working days left" in email.body
    )
    assert "Jones" not in email.body + email.subject  # never the complainant's details
    reminder = ComplaintReminder.objects.get()
    assert (reminder.kind, reminder.due_on, reminder.recipient) == ("acknowledge", date(2025, 10, 6), officer)


def test_no_reminder_is_sent_twice(case):
    assert reminders.send_reminders(today=date(2025, 10, 2)) == 1
    assert reminders.send_reminders(today=date(2025, 10, 2)) == 0
    assert reminders.send_reminders(today=date(2025, 10, 6)) == 0
    assert len(mail.outbox) == 1 and ComplaintReminder.objects.count() == 1


def test_the_response_gets_its_own_reminder_and_an_extension_a_new_one(case, officer):
    services.acknowledge(officer, case, on=date(2025, 10, 2), today=date(2025, 10, 2))
    assert reminders.send_reminders(today=date(2025, 10, 23)) == 0  # respond by 29 October: four left
    assert reminders.send_reminders(today=date(2025, 10, 24)) == 1
    assert "response due Wednesday 29 October 2025" in mail.outbox[-1].body
    services.extend(
        officer,
        case,
        new_due=date(2025, 11, 12),
        reason="Waiting for the contractor",
        today=date(2025, 10, 24),
    )
    assert reminders.send_reminders(today=date(2025, 10, 27)) == 0  # nothing due within three days now
    assert reminders.send_reminders(today=date(2025, 11, 7)) == 1
    assert list(ComplaintReminder.objects.order_by("due_on").values_list("kind", "due_on")) == [
        ("respond", date(2025, 10, 29)),
        ("respond", date(2025, 11, 12)),
    ]


def test_without_a_handler_every_complaints_officer_is_reminded_and_overdue_or_finished_cases_are_not(
    officer,
):
    complaint = make_complaint(officer, received=date(2025, 10, 1), today=date(2025, 10, 1))
    colleague = make_user(Role.COMPLAINTS_OFFICER, username="colleague")
    make_user(Role.COMPLAINTS_OFFICER, username="no-email", email="")
    assert reminders.send_reminders(today=date(2025, 10, 3)) == 2
    assert sorted(email.to[0] for email in mail.outbox) == sorted([officer.email, colleague.email])
    assert reminders.send_reminders(today=date(2025, 10, 7)) == 0  # the acknowledgement is overdue now
    services.acknowledge(officer, complaint, today=date(2025, 10, 7))
    for aspect in complaint.mentions.get().aspects.all():
        services.record_response(
            officer, aspect, outcome="upheld", responded_on=date(2025, 10, 8), today=date(2025, 10, 8)
        )
    assert reminders.send_reminders(today=date(2025, 10, 27)) == 0  # responded: nothing to chase


def test_one_email_per_person_lists_all_their_cases(officer):
    for _ in range(3):
        complaint = make_complaint(officer, received=date(2025, 10, 1), today=date(2025, 10, 1))
        services.assign(officer, complaint, officer)
    assert reminders.send_reminders(today=date(2025, 10, 1)) == 1
    assert all(f"C2025-0000{n}" in mail.outbox[0].body for n in (1, 2, 3))
    assert ComplaintReminder.objects.count() == 3


def test_the_beat_task_sends_them_once(case):
    tasks.send_reminders.delay("2025-10-02")
    tasks.send_reminders.delay("2025-10-02")
    assert len(mail.outbox) == 1
