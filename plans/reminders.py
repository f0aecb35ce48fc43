"""Reminder e-mails for quarterly updates.

Which reminder a period is due today, who has something outstanding, and one
e-mail per person listing it. The Reminder table makes each (period, kind, person)
reminder go out at most once, however often the beat task runs.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Prefetch
from django.template.loader import render_to_string

from ambitions.models import Post
from bromley_portal.core.mail import send_once
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
        pending = [
            update
            for update in updates
            if update.action.section.plan.portfolio_id in theirs
            # Separation of duties: nobody is asked to approve an update they wrote or submitted.
            and approver.pk not in update.author_ids()
        ]
        if pending:
            by_person[approver] = pending
    return by_person


def _send_once(period, kind, person, items, template) -> bool:
    """Record then send, in one transaction (bromley_portal.core.mail.send_once); a reminder already
    recorded is not sent again."""

    def record():
        Reminder.objects.create(period=period, kind=kind, recipient=person, item_count=len(items))

    context = {"period": period, "items": items, "kind": ReminderKind(kind)}
    return send_once(record, person, f"plans/email/{template}", context)


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


# Closing a locked period's unfinished updates -------------------------------------


def _approvers_by_portfolio(portfolio_ids) -> dict:
    User = get_user_model()
    approvers = (
        User.objects.filter(is_active=True, groups__name="Approver", posts__portfolio__in=portfolio_ids)
        .prefetch_related("posts")
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    by_portfolio: dict = {}
    for approver in approvers:
        for post in approver.posts.all():
            if post.portfolio_id in portfolio_ids and approver not in by_portfolio.get(post.portfolio_id, []):
                by_portfolio.setdefault(post.portfolio_id, []).append(approver)
    return by_portfolio


def _leads(action) -> list[tuple]:
    """(person, post title) for the people who write the action's update: its lead posts'
    holders and their delegates."""
    people = []
    for post in action.lead_posts:
        for person in [*post.holders.all(), *(d.delegate for d in post.delegations.all())]:
            if person.is_active and person.pk not in {p.pk for p, _ in people}:
                people.append((person, post.title))
    return people


def chase_records(period: ReportingPeriod, updates) -> dict[int, dict]:
    """{action id: who was chased for its update and the reminders they were sent this period}, as a
    record kept with an update closed as not received (plans.services.lock_period)."""
    posts = Post.objects.prefetch_related("holders", "delegations__delegate")
    actions = (
        Action.objects.filter(pk__in={update.action_id for update in updates})
        .select_related("section__plan")
        .prefetch_related(Prefetch("details__leads__post", posts))
    )
    approvers = _approvers_by_portfolio({action.section.plan.portfolio_id for action in actions})
    sent: dict = {}
    for reminder in Reminder.objects.filter(period=period).order_by("sent_at"):
        sent.setdefault(reminder.recipient_id, []).append(reminder)
    records = {}
    for action in actions:
        leads, deciders = _leads(action), approvers.get(action.section.plan.portfolio_id, [])
        records[action.pk] = {
            "leads": [f"{person} ({title})" for person, title in leads],
            "lead_ids": [person.pk for person, _ in leads],
            "approvers": [str(person) for person in deciders],
            "approver_ids": [person.pk for person in deciders],
            "reminders": [
                {
                    "to": str(person),
                    "kind": reminder.get_kind_display(),
                    "on": reminder.sent_at.date().isoformat(),
                }
                for person in [*(person for person, _ in leads), *deciders]
                for reminder in sent.get(person.pk, [])
            ],
        }
    return records


def tell_not_received(period_id: int, update_ids: list[int]) -> int:
    """E-mail each lead and approver chased for updates closed as not received: one message each,
    listing their actions. Returns how many messages were sent."""
    User = get_user_model()
    updates = list(
        QuarterlyUpdate.objects.filter(pk__in=update_ids, status=UpdateStatus.NOT_RECEIVED)
        .select_related("action__section__plan__portfolio", "period")
        .order_by("action__section__plan__portfolio__order", "action__section__number", "action__number")
    )
    by_person: dict = {}
    for update in updates:
        for role, key in (("lead", "lead_ids"), ("approver", "approver_ids")):
            for person_id in update.chased.get(key, []):
                by_person.setdefault((person_id, role), []).append(update)
    people = User.objects.in_bulk({person_id for person_id, _ in by_person})
    period = updates[0].period if updates else None
    sent = 0
    for (person_id, role), items in by_person.items():
        person = people.get(person_id)
        if person is None or not person.is_active or not person.email:
            continue
        context = {
            "person": person,
            "period": period,
            "items": items,
            "role": role,
            "base_url": settings.PORTAL_BASE_URL,
        }
        subject = render_to_string("plans/email/not_received_subject.txt", context).strip()
        body = render_to_string("plans/email/not_received.txt", context)
        send_mail(subject, body, None, [person.email])
        sent += 1
    return sent
