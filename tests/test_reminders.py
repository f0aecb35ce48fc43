"""Reminder e-mails: one per lead per reminder, never twice, and approvers get their queue."""

from datetime import date

import pytest
from django.conf import settings
from django.core import mail

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from plans.choices import PeriodStatus, Rag, ReminderKind, UpdateStatus
from plans.counts import refresh_all
from plans.models import Delegation, QuarterlyUpdate, Reminder, ReportingPeriod
from plans.reminders import lead_reminder_kind
from plans.tasks import send_reminders
from tests.factories import make_plan, make_user

pytestmark = pytest.mark.django_db

OPENS, DUE = date(2024, 9, 16), date(2024, 10, 14)


@pytest.fixture
def council(db):
    plan = make_plan(year=2024, actions=3, lead="Director Education")
    make_plan(code="ECS", year=2024, actions=2, lead="Director Children's Social Care", ambition_number=2)
    education = Post.objects.get(title="Director Education")
    social_care = Post.objects.get(title="Director Children's Social Care")
    olu = make_user(Role.OFFICER, username="olu")
    education.holders.add(olu)
    priya = make_user(Role.OFFICER, username="priya")
    social_care.holders.add(priya)
    approver = make_user(Role.APPROVER, username="grace")
    Post.objects.create(title="Director CEF", portfolio=plan.portfolio).holders.add(approver)
    period = ReportingPeriod.objects.create(
        year=2024, quarter=2, opens_on=OPENS, due_on=DUE, locks_on=date(2024, 11, 1), status=PeriodStatus.OPEN
    )
    return {
        "plan": plan,
        "period": period,
        "olu": olu,
        "priya": priya,
        "approver": approver,
        "education": education,
    }


def sent_to(username):
    return [message for message in mail.outbox if message.to == [f"{username}@example.invalid"]]


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (date(2024, 9, 1), None),
        (OPENS, ReminderKind.OPENED),
        (date(2024, 10, 6), ReminderKind.OPENED),
        (date(2024, 10, 7), ReminderKind.DUE_SOON),
        (DUE, ReminderKind.DUE_SOON),
        (date(2024, 10, 15), ReminderKind.OVERDUE),
    ],
)
def test_which_reminder_a_day_calls_for(council, today, kind):
    assert lead_reminder_kind(council["period"], today) == kind


def test_when_a_period_opens_each_lead_gets_one_email_listing_their_actions(council):
    send_reminders(OPENS.isoformat())
    (olu_mail,) = sent_to("olu")
    assert "Action 1 of CEF" in olu_mail.body and "Action 3 of CEF" in olu_mail.body
    assert "Action 1 of CEF" not in sent_to("priya")[0].body
    assert f"{settings.PORTAL_BASE_URL}/plans/actions/" in olu_mail.body
    assert "2024-25 Q2 is open for quarterly updates" in olu_mail.body


def test_the_same_reminder_is_never_sent_twice(council):
    send_reminders(OPENS.isoformat())
    send_reminders(OPENS.isoformat())
    send_reminders(date(2024, 9, 20).isoformat())
    assert len(sent_to("olu")) == 1
    assert Reminder.objects.filter(kind=ReminderKind.OPENED).count() == 2


def test_a_week_before_and_when_overdue_only_outstanding_actions_are_listed(council):
    send_reminders(OPENS.isoformat())
    action = council["plan"].sections.get().actions.get(number=1)
    QuarterlyUpdate.objects.create(
        action=action,
        period=council["period"],
        rag=Rag.GREEN,
        narrative="Done",
        status=UpdateStatus.SUBMITTED,
    )
    send_reminders(date(2024, 10, 8).isoformat())
    due_soon = sent_to("olu")[-1]
    assert due_soon.subject.startswith("Due in a week")
    assert "Action 1 of CEF" not in due_soon.body and "Action 2 of CEF" in due_soon.body
    send_reminders(date(2024, 10, 20).isoformat())
    assert sent_to("olu")[-1].subject.startswith("Overdue")
    assert len(sent_to("olu")) == 3


def test_a_lead_with_nothing_outstanding_gets_nothing(council):
    for action in council["plan"].sections.get().actions.all():
        QuarterlyUpdate.objects.create(
            action=action,
            period=council["period"],
            rag=Rag.GREEN,
            narrative="Done",
            status=UpdateStatus.APPROVED,
        )
    send_reminders(OPENS.isoformat())
    assert sent_to("olu") == []


def test_a_delegate_is_reminded_too(council):
    deputy = make_user(Role.OFFICER, username="deputy")
    Delegation.objects.create(post=council["education"], delegate=deputy)
    send_reminders(OPENS.isoformat())
    assert "Action 2 of CEF" in sent_to("deputy")[0].body


def test_approvers_get_their_pending_queue_once(council):
    action = council["plan"].sections.get().actions.get(number=2)
    QuarterlyUpdate.objects.create(
        action=action,
        period=council["period"],
        rag=Rag.AMBER,
        narrative="Waiting",
        status=UpdateStatus.SUBMITTED,
    )
    send_reminders(date(2024, 10, 8).isoformat())
    send_reminders(date(2024, 10, 9).isoformat())
    (queue,) = sent_to("grace")
    assert queue.subject == "1 2024-25 Q2 update waiting for your approval"
    assert "Action 2 of CEF" in queue.body


def test_closed_and_locked_periods_send_nothing(council):
    ReportingPeriod.objects.update(status=PeriodStatus.LOCKED)
    refresh_all()  # a raw update() sends no save signals: the stored counts follow it (plans.counts)
    send_reminders(DUE.isoformat())
    assert mail.outbox == []


def test_the_beat_runs_the_reminders_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["send-update-reminders"]
    assert entry["task"] == "plans.send_reminders"
    assert entry["schedule"].hour == {7}
