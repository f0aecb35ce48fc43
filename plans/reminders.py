"""Reminder e-mails for quarterly updates.

Which reminder a period is due today, who has something outstanding, and one
e-mail per person listing it. The Reminder table makes each (period, kind, person)
reminder go out at most once, however often the beat task runs.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string

from ambitions.models import Post
from plans.choices import PeriodStatus, ReminderKind, UpdateStatus
from plans.models import Action, QuarterlyUpdate, Reminder, ReportingPeriod

DUE_SOON_DAYS = 7


def lead_reminder_kind(period: ReportingPeriod, today: date) -> str | None:
    """The one reminder leads should have by today: opened, due in a week, or overdue."""
    if today > period.due_on:
        return ReminderKind.OVERDUE
    if today >= period.due_on - timedelta(days=DUE_SOON_DAYS):
        return ReminderKind.DUE_SOON
    if today >= period.opens_on:
        return ReminderKind.OPENED
    return None


def approver_reminder_kind(period: ReportingPeriod, today: date) -> str | None:
    if today > period.due_on:
        return ReminderKind.APPROVALS_OVERDUE
    if today >= period.due_on - timedelta(days=DUE_SOON_DAYS):
        return ReminderKind.APPROVALS_DUE_SOON
    return None


def outstanding_actions_by_lead(period: ReportingPeriod) -> dict:
    """{person: [actions]} for the actions outstanding this period (Action.objects.outstanding_in)."""
    posts = Post.objects.prefetch_related("holders", "delegations__delegate")
    actions = (
        Action.objects.outstanding_in(period)
        .select_related("section__plan__portfolio")
        .prefetch_related(Prefetch("details__leads__post", posts))
    )
    by_person: dict = {}
    for action in actions:
        people = set()
        for post in action.lead_posts:
            people.update(post.holders.all())
            people.update(delegation.delegate for delegation in post.delegations.all())
        for person in people:
            if person.is_active and person.email:
                by_person.setdefault(person, []).append(action)
    return by_person


def pending_updates_by_approver(period: ReportingPeriod) -> dict:
    """{approver: [submitted updates]} for the portfolios of the posts each approver holds."""
    User = get_user_model()
    updates = list(
        QuarterlyUpdate.objects.filter(period=period, status=UpdateStatus.SUBMITTED).select_related(
            "action__section__plan__portfolio"
        )
    )
    portfolio_ids = {update.action.section.plan.portfolio_id for update in updates}
    approvers = (
        User.objects.filter(is_active=True, groups__name="Approver", posts__portfolio__in=portfolio_ids)
        .exclude(email="")
        .prefetch_related("posts")
        .distinct()
    )
    by_person = {}
    for approver in approvers:
        theirs = {post.portfolio_id for post in approver.posts.all()}
        pending = [update for update in updates if update.action.section.plan.portfolio_id in theirs]
        if pending:
            by_person[approver] = pending
    return by_person


def _send_once(period, kind, person, items, template) -> bool:
    """Record then send; a reminder already recorded is not sent again."""
    try:
        with transaction.atomic():
            Reminder.objects.create(period=period, kind=kind, recipient=person, item_count=len(items))
            context = {
                "person": person,
                "period": period,
                "items": items,
                "kind": ReminderKind(kind),
                "base_url": settings.PORTAL_BASE_URL,
            }
            subject = render_to_string(f"plans/email/{template}_subject.txt", context).strip()
            body = render_to_string(f"plans/email/{template}.txt", context)
            send_mail(subject, body, None, [person.email])
    except IntegrityError:
        return False
    return True


def send_reminders(today: date) -> dict[str, int]:
    """Send today's reminders for every open period; returns how many of each kind went out."""
    sent: dict[str, int] = {}
    for period in ReportingPeriod.objects.filter(status=PeriodStatus.OPEN):
        kind = lead_reminder_kind(period, today)
        if kind:
            already = set(
                Reminder.objects.filter(period=period, kind=kind).values_list("recipient_id", flat=True)
            )
            for person, actions in outstanding_actions_by_lead(period).items():
                if person.pk not in already and _send_once(period, kind, person, actions, "lead_reminder"):
                    sent[kind] = sent.get(kind, 0) + 1
        kind = approver_reminder_kind(period, today)
        if kind:
            already = set(
                Reminder.objects.filter(period=period, kind=kind).values_list("recipient_id", flat=True)
            )
            for person, updates in pending_updates_by_approver(period).items():
                if person.pk not in already and _send_once(
                    period, kind, person, updates, "approver_reminder"
                ):
                    sent[kind] = sent.get(kind, 0) + 1
    return sent
