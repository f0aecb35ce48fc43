"""E-mail about an update's moves: submitted (to its approvers, unless they take a daily digest),
returned or approved (to whoever wrote it), and the approvers' daily digest.

Each goes through bromley_portal.core.mail.send_once with a row whose unique constraint says what
makes it the same e-mail (UpdateNotice: the update, the move, the version it made, the person;
DigestSent: the person and the day), so a retried task or a second worker sends nothing again.
The services queue ``plans.tasks.tell_update_moved`` on commit: a move rolled back sends nothing.
"""

from datetime import date

from django.contrib.auth import get_user_model

from bromley_portal.core.mail import send_once
from plans.choices import NoticeEvent, UpdateStatus
from plans.models import DigestSent, MailPreference, QuarterlyUpdate, UpdateNotice
from plans.reminders import _approvers_by_portfolio


def _digest_takers() -> set[int]:
    return set(MailPreference.objects.filter(daily_digest=True).values_list("user_id", flat=True))


def recipients(update, event: str) -> list:
    """Who hears of this move: a submission's approvers for the portfolio (not its authors, not those
    taking the digest); a return's or approval's writer (its submitter, else its creator)."""
    if event == NoticeEvent.SUBMITTED:
        portfolio_id = update.action.section.plan.portfolio_id
        approvers = _approvers_by_portfolio({portfolio_id}).get(portfolio_id, [])
        skip = update.author_ids() | _digest_takers()
        return [person for person in approvers if person.pk not in skip and person.email]
    writer = update.submitted_by or update.created_by
    return [writer] if writer and writer.is_active and writer.email else []


def tell_update_moved(update_id: int, event: str, version: int) -> int:
    """E-mail everyone this move concerns, each once; returns how many were sent now."""
    update = (
        QuarterlyUpdate.objects.select_related(
            "action__section__plan__portfolio", "period", "submitted_by", "created_by", "decided_by"
        )
        .filter(pk=update_id)
        .first()
    )
    if update is None:
        return 0
    sent = 0
    for person in recipients(update, event):

        def record(person=person):
            UpdateNotice.objects.create(update=update, event=event, version=version, recipient=person)

        context = {"update": update, "event": NoticeEvent(event), "action": update.action}
        sent += send_once(record, person, f"plans/email/update_{event}", context)
    return sent


def send_approval_digests(today: date) -> int:
    """Each approver who takes the digest gets, once a day, the list of updates waiting for them
    (none when nothing waits)."""
    User = get_user_model()
    sent = 0
    people = User.objects.filter(is_active=True, plans_mail__daily_digest=True).exclude(email="")
    waiting = list(
        QuarterlyUpdate.objects.filter(status=UpdateStatus.SUBMITTED)
        .select_related("action__section__plan__portfolio", "period")
        .order_by("period__year", "period__quarter", "action__section__plan__portfolio__order")
    )
    portfolios = {update.action.section.plan.portfolio_id for update in waiting}
    approvers = _approvers_by_portfolio(portfolios)
    for person in people:
        items = [
            update
            for update in waiting
            if person in approvers.get(update.action.section.plan.portfolio_id, [])
            and person.pk not in update.author_ids()
        ]
        if not items:
            continue

        def record(person=person, items=items):
            DigestSent.objects.create(recipient=person, day=today, item_count=len(items))

        sent += send_once(record, person, "plans/email/approvals_digest", {"items": items, "day": today})
    return sent
