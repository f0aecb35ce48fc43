"""What the quarterly-update pages show, computed from the ORM in a fixed number of queries.

Selectors only: the views call these; rules stay in plans.rules and plans.services.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery

from ambitions.models import Post
from plans.choices import PeriodStatus, UpdateStatus
from plans.models import Action, Delegation, MeasureFigure, PortfolioPlan, QuarterlyUpdate
from plans.rules import approver_portfolio_ids, post_ids_for

FIGURES = Prefetch("figures", MeasureFigure.objects.select_related("measure").order_by("measure__order"))


NOT_STARTED = "not_started"


OUTSTANDING = {NOT_STARTED, UpdateStatus.DRAFT, UpdateStatus.RETURNED}


@dataclass
class MyActionRow:
    action: object
    update: object
    held: bool  # the person holds a lead post (rather than writing by delegation)
    overdue: bool

    @property
    def status(self) -> str:
        return self.update.status if self.update else NOT_STARTED

    @property
    def can_write(self) -> bool:
        return self.update is None or self.update.is_editable


def my_action_rows(user, period, today) -> list[MyActionRow]:
    """The actions this person leads (held or delegated posts) in the period's plans, with its update."""
    post_ids = post_ids_for(user)
    held = set(user.posts.values_list("pk", flat=True))
    led = Action.lead_posts.through.objects.filter(post_id__in=post_ids).values("action_id")
    actions = (
        Action.objects.filter(section__plan__year=period.year, pk__in=led)
        .select_related("section__plan__portfolio")
        .prefetch_related(
            "lead_posts",
            Prefetch("updates", QuarterlyUpdate.objects.filter(period=period), to_attr="period_updates"),
        )
        .order_by("section__plan__portfolio__order", "section__number", "number")
    )
    rows = []
    for action in actions:
        update = action.period_updates[0] if action.period_updates else None
        status = update.status if update else NOT_STARTED
        rows.append(
            MyActionRow(
                action=action,
                update=update,
                held=any(post.pk in held for post in action.lead_posts.all()),
                overdue=status in OUTSTANDING and today > period.due_on,
            )
        )
    return rows


def approval_queue(user):
    """Submitted updates for the portfolios of the posts this person holds, in open periods.

    Updates still submitted when their period was locked can no longer be decided, so they
    are left out (the period overview counts them).
    """
    return (
        QuarterlyUpdate.objects.filter(
            status=UpdateStatus.SUBMITTED,
            action__section__plan__portfolio_id__in=approver_portfolio_ids(user),
        )
        .exclude(period__status=PeriodStatus.LOCKED)
        .select_related("action__section__plan__portfolio", "period", "submitted_by")
        .prefetch_related(FIGURES, "action__lead_posts")
        .order_by(
            "period__year",
            "period__quarter",
            "action__section__plan__portfolio__order",
            "action__section__number",
            "action__number",
        )
    )


COUNTED = [
    UpdateStatus.DRAFT,
    UpdateStatus.SUBMITTED,
    UpdateStatus.RETURNED,
    UpdateStatus.APPROVED,
    UpdateStatus.LOCKED,
]


def plan_counts(period) -> list[PortfolioPlan]:
    """Each plan of the period's year with its actions' updates counted by state, in one query.

    ``missing`` is the actions with no update in the period at all.
    """
    in_period = Q(sections__actions__updates__period=period)
    by_status = {
        status: Count(
            "sections__actions__updates", filter=in_period & Q(sections__actions__updates__status=status)
        )
        for status in COUNTED
    }
    return list(
        PortfolioPlan.objects.filter(year=period.year)
        .select_related("portfolio")
        .annotate(
            action_count=Count("sections__actions", distinct=True),
            written=Count("sections__actions__updates", filter=in_period),
            **by_status,
        )
        .annotate(missing=F("action_count") - F("written"))
        .order_by("portfolio__order", "portfolio__name")
    )


@dataclass
class Chase:
    """A lead post with updates outstanding: who holds it, who writes for it, and which actions."""

    post: object
    holders: list
    delegates: list
    actions: list = field(default_factory=list)
    missing: int = 0
    draft: int = 0
    returned: int = 0


def who_to_chase(period) -> list[Chase]:
    """The lead posts, their holders and delegates, with missing, draft or returned updates this period."""
    status = QuarterlyUpdate.objects.filter(action=OuterRef("pk"), period=period).values("status")[:1]
    actions = (
        Action.objects.filter(section__plan__year=period.year)
        .annotate(period_status=Subquery(status))
        .filter(
            Q(period_status__isnull=True) | Q(period_status__in=[UpdateStatus.DRAFT, UpdateStatus.RETURNED])
        )
        .select_related("section__plan__portfolio")
        .prefetch_related(
            Prefetch(
                "lead_posts",
                Post.objects.prefetch_related(
                    "holders", Prefetch("delegations", Delegation.objects.select_related("delegate"))
                ),
            )
        )
        .order_by("section__plan__portfolio__order", "section__number", "number")
    )
    by_post: dict = {}
    for action in actions:
        for post in action.lead_posts.all() or [None]:
            chase = by_post.get(post.pk if post else None)
            if chase is None:
                chase = by_post[post.pk if post else None] = Chase(
                    post=post,
                    holders=list(post.holders.all()) if post else [],
                    delegates=[d.delegate for d in post.delegations.all()] if post else [],
                )
            chase.actions.append(action)
            if action.period_status is None:
                chase.missing += 1
            elif action.period_status == UpdateStatus.DRAFT:
                chase.draft += 1
            else:
                chase.returned += 1
    return sorted(
        by_post.values(), key=lambda chase: (chase.post is None, chase.post.title if chase.post else "")
    )


def period_totals(plans) -> dict:
    keys = ["action_count", "missing", *COUNTED]
    totals = {key: sum(getattr(plan, key) for plan in plans) for key in keys}
    totals["not_approved"] = totals["action_count"] - totals["approved"] - totals["locked"]
    return totals
