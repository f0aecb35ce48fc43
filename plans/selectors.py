"""What the plan and quarterly-update pages show, computed from the ORM in a fixed number of queries.

Selectors only: the views call these; rules stay in plans.rules and moves in plans.services.
"""

import hashlib
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, Count, OuterRef, Prefetch, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import Truncator

from ambitions.models import Post
from bromley_portal.core.exports import EXPORT_CHUNK
from plans import counts as stored_counts
from plans.choices import OUTSTANDING, PeriodStatus, Rag, UpdateStatus
from plans.forms import DecisionForm, QuarterlyUpdateForm, ReturnUpdateForm
from plans.models import (
    SECTION_LONG_TEXTS,
    WRITTEN,
    Action,
    ActionDetail,
    Amendment,
    Delegation,
    DetailLead,
    MeasureFigure,
    PeriodCount,
    PlanSection,
    PortfolioPlan,
    QuarterlyUpdate,
    ReportingPeriod,
    UpdateNote,
    first_per_post,
)
from plans.rules import approver_portfolio_ids, post_ids_for, wrote_update
from plans.services import action_history

FIGURES = Prefetch("figures", MeasureFigure.objects.select_related("measure").order_by("measure__order"))
AMENDMENTS = Prefetch("amendments", Amendment.objects.select_related("created_by").order_by("created_at"))


def plans_with_action_counts():
    """The plans, newest first, each with ``action_count``: a subquery, not a join, so the paginator's
    count leaves it out and only the page's plans count their actions (from the actions' section index)."""
    # Each of the plan's sections counts its own actions from the actions' (section, number) index, and
    # the plan adds them up: no scan of every action of every plan.
    per_section = (
        Action.objects.filter(section=OuterRef("pk"))
        .order_by()
        .values("section")
        .annotate(n=Count("*"))
        .values("n")
    )
    counts = (
        PlanSection.objects.filter(plan=OuterRef("pk"))
        .order_by()
        .annotate(n=Subquery(per_section))
        .values("plan")
        .annotate(total=Sum("n"))
        .values("total")
    )
    return (
        PortfolioPlan.objects.select_related("portfolio")
        .annotate(action_count=Coalesce(Subquery(counts), 0))
        .order_by("-year", "portfolio__order")
    )


# A plan's page shows each section's first actions (a whole section at the demo's size) and links to all
# of them in the paged actions list, so the page does not grow with a long plan; its spreadsheet has all.
PLAN_ACTIONS_SHOWN = 20


def plan_of(portfolio_code: str, year: int) -> PortfolioPlan:
    """A plan with its portfolio (one query); PortfolioPlan.DoesNotExist if there is none."""
    return PortfolioPlan.objects.select_related("portfolio").get(
        portfolio__code=portfolio_code.upper(), year=year
    )


def plan_tree(portfolio_code: str, year: int, *, first_actions: int | None = None) -> PortfolioPlan:
    """A plan with its sections, actions, details, leads and measures, and its year's locked periods
    (whose updates its spreadsheet can carry): a fixed number of queries. With ``first_actions``,
    each section holds only its first actions in ``first_actions`` (a sliced prefetch) and
    ``action_count``, how many it has."""
    actions = Prefetch("actions", Action.objects.with_plan_text())
    sections = PlanSection.objects.select_related("ambition")
    if first_actions is not None:
        actions = Prefetch(
            "actions",
            Action.objects.with_plan_text().order_by("number")[:first_actions],
            to_attr="first_actions",
        )
        sections = sections.annotate(action_count=Count("actions"))
    plan = (
        PortfolioPlan.objects.select_related("portfolio")
        .prefetch_related(Prefetch("sections", sections.prefetch_related(actions)))
        .get(portfolio__code=portfolio_code.upper(), year=year)
    )
    plan.locked_periods = list(
        ReportingPeriod.objects.filter(year=year, status=PeriodStatus.LOCKED).order_by("quarter")
    )
    return plan


# Whole-data downloads (the actions list's export, the plan's spreadsheet, the open data) --------


def leads_by_action(action_ids) -> dict[int, list[SimpleNamespace]]:
    """Each action's leads as Action.leads has them (its details' in the plan's order, each post once:
    first_per_post), from one query of the actions' leads: each with ``post_id``, ``post_title`` and
    ``title`` (DetailLead.title_of, as the plan writes it). ``action_ids``: a list or a values() query."""
    leads = (
        DetailLead.objects.filter(detail__action__in=action_ids)
        .order_by("detail__action_id", "detail__order", "order")
        .values_list("detail__action_id", "post_id", "written_as", "post__title")
    )
    by_action = {}
    for action_id, post_id, written_as, post_title in leads.iterator(chunk_size=EXPORT_CHUNK):
        by_action.setdefault(action_id, []).append(
            SimpleNamespace(
                post_id=post_id, post_title=post_title, title=DetailLead.title_of(written_as, post_title)
            )
        )
    return {action_id: first_per_post(found) for action_id, found in by_action.items()}


def notes_by_update(update_ids) -> dict[int, list[UpdateNote]]:
    """The notes on details of these updates, in the plan's order, each knowing what it covers
    (UpdateNote.in_order, with their actions' details): two queries. For
    QuarterlyUpdate.narrative_with_notes. ``update_ids``: a list or a values() query."""
    notes = list(UpdateNote.objects.filter(update__in=update_ids).select_related("detail"))
    details = {}
    actions = UpdateNote.objects.filter(update__in=update_ids).values("detail__action_id")
    for detail in ActionDetail.objects.filter(action__in=actions).order_by("action", "order"):
        details.setdefault(detail.action_id, []).append(detail)
    by_update = {}
    for note in notes:
        by_update.setdefault(note.update_id, []).append(note)
    return {
        update_id: UpdateNote.in_order(found, details[found[0].detail.action_id])
        for update_id, found in by_update.items()
    }


# What may be cached (bromley_portal.core.pagecache) --------------------------------


def is_locked_period(pk_text) -> bool:
    """The period a query string names (its pk as text) exists and is locked: one query."""
    text = str(pk_text or "")
    if not text.isdigit() or len(text) > 9:
        return False
    return ReportingPeriod.objects.filter(pk=int(text), status=PeriodStatus.LOCKED).exists()


def is_locked_year(year: int) -> bool:
    """All four reporting periods of the financial year exist and are locked: one query."""
    statuses = list(ReportingPeriod.objects.filter(year=year).values_list("status", flat=True))
    return len(statuses) == 4 and all(status == PeriodStatus.LOCKED for status in statuses)


# The action page -------------------------------------------------------------------


@dataclass
class ActionPage:
    updates: list  # newest first, each with can_amend
    rag_history: list  # oldest first
    write_periods: list  # (period, update or None) this person may write now
    history: list


def action_page(action, user) -> ActionPage:
    """An action's updates as this person may see them, what they may amend, and what they may write."""
    updates = with_authors(
        QuarterlyUpdate.objects.visible_to(user)
        .with_reported()
        .filter(action=action)
        .select_related("period", "submitted_by", "decided_by")
        .prefetch_related(FIGURES, AMENDMENTS, "notes")
        .order_by("-period__year", "-period__quarter")
    )
    for update in updates:
        update.action = action  # the rules and the notes read the action, loaded already
        update.can_amend = update.status == UpdateStatus.LOCKED and user.has_perm(
            "plans.amend_update", update
        )
    write_periods = []
    if user.has_perm("plans.edit_update", action):
        by_period = {update.period_id: update for update in updates}
        write_periods = [
            (period, by_period.get(period.pk))
            for period in ReportingPeriod.objects.filter(status=PeriodStatus.OPEN, year=action.plan.year)
        ]
    return ActionPage(
        updates=updates,
        rag_history=list(reversed(updates)),
        write_periods=write_periods,
        history=action_history(action),
    )


# My actions --------------------------------------------------------------------------


@dataclass
class MyActionRow:
    action: Action
    update: QuarterlyUpdate | None
    held: bool  # the person holds a lead post (rather than writing by delegation)
    overdue: bool

    @property
    def status(self) -> str:
        return self.update.status if self.update else UpdateStatus.NOT_STARTED

    @property
    def outstanding(self) -> bool:
        return self.status in OUTSTANDING


# An action lead's to-do list is paged: this many actions a page.
MY_ACTIONS_PER_PAGE = 25


# The order of My actions and the chasing list: plan order (a section's place, plans.counts.PLACE, then
# the action's number; the id only between sections that share a place).
PLAN_ORDER = ("section__plan__portfolio__order", "section__number", "number", "pk")


def my_actions(user, period):
    """The actions this person leads (held or delegated posts) in the period's plans, in plan order,
    leaving out those reported Complete before (not asked again: ActionQuerySet.asked_in)."""
    return Action.objects.led_by(post_ids_for(user)).asked_in(period).order_by(*PLAN_ORDER)


@dataclass
class Place:
    """The sections at one place in plan order and how many of a list's actions each holds."""

    sections: set = field(default_factory=set)
    n: int = 0


def places_of(rows, wanted) -> list[Place]:
    """The places in plan order holding the stored rows (plans.counts.lead_counts) that ``wanted`` picks,
    each with its sections and its number of actions: an action is in one row, so these add up to the
    list's length."""
    places: dict = {}
    for row in rows:
        if wanted(row):
            place = places.setdefault(row.place, Place())
            place.sections.add(row.section_id)
            place.n += row.n
    return [places[key] for key in sorted(places)]


def walks(places: list[Place], start: int, stop: int) -> list[tuple[set, int, int]]:
    """Where positions ``start`` to ``stop`` of a list in plan order are: (sections, offset, limit) for each
    place they cover, from its counts alone."""
    found, begin = [], 0
    for place in places:
        end = begin + place.n
        if end > start and begin < stop:
            offset = max(start - begin, 0)
            found.append((place.sections, offset, min(stop, end) - begin - offset))
        begin = end
    return found


# Stand-ins for a part's post and sections in the one query first_of_each writes (no post or section has a
# negative id).
_POST, _SECTION = -7310001, -7310002


def first_of_each(kinds: dict, parts: list[tuple]) -> list[tuple]:
    """(part, id) of the actions each part names, in one query, in plan order within each part. A part is
    (kind, post id, sections, offset, limit): the actions of ``kinds[kind]`` (a function of a post id
    giving a queryset of actions) in those sections (one place in plan order), by number, from ``offset``,
    at most ``limit``. Each part walks its sections' actions by number (the (section, number) index) and
    stops at its limit, so the query reads about the rows it returns, however long the year. On
    PostgreSQL a LATERAL join over the parts, so each kind's query is planned once; elsewhere a UNION
    ALL of one query per part."""
    if not parts:
        return []
    # One walk per section: a place of several sections (portfolios of one order) is merged below, each of
    # its sections walked to the end of the part.
    walks_of = [
        (index, post, section, *((offset, limit) if len(sections) == 1 else (0, offset + limit)))
        for index, (_, post, sections, offset, limit) in enumerate(parts)
        for section in sorted(sections)
    ]
    queries, params = [], []
    for kind, make in kinds.items():
        mine = [walk for walk in walks_of if parts[walk[0]][0] == kind]
        if mine:
            sql, inner = _walk_sql(make, mine)
            queries.append(sql)
            params += inner
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(queries), params)
        found = cursor.fetchall()
    by_part: dict = {}
    for part, _number, pk in sorted(found):
        by_part.setdefault(part, []).append(pk)
    first = []
    for index, (_, _, sections, offset, limit) in enumerate(parts):
        pks = by_part.get(index, [])
        first += [(index, pk) for pk in (pks if len(sections) == 1 else pks[offset : offset + limit])]
    return first


def _walk_sql(make, walks) -> tuple[str, list]:
    """The SQL of one kind's walks (part, post, section, offset, limit), and its parameters."""
    if connection.vendor != "postgresql":
        queries, params = [], []
        for index, post, section, offset, limit in walks:
            one = make(post).filter(section_id=section).order_by("number", "pk").values_list("number", "pk")
            sql, one_params = one[offset : offset + limit].query.sql_with_params()
            queries.append(f"SELECT {int(index)}, * FROM ({sql})")  # noqa: S608 (the ORM's SQL, values as params)
            params += one_params
        return " UNION ALL ".join(queries), params
    queryset = (
        make(_POST).filter(section_id__in=[_SECTION]).order_by("number", "pk").values_list("number", "pk")
    )
    sql, params = queryset.query.sql_with_params()
    pieces, inner = sql.split("%s"), []
    assert "%%" not in sql and len(pieces) == len(params) + 1 and params.count(_SECTION) == 1
    text = [pieces[0]]
    for value, piece in zip(params, pieces[1:], strict=True):
        stand_in = (
            {_POST: "w.post_id", _SECTION: "w.section_id"}.get(value) if isinstance(value, int) else None
        )
        text.append(stand_in or "%s")
        inner += [] if stand_in else [value]
        text.append(piece)
    rows = ", ".join(["(%s::int, %s::bigint, %s::bigint, %s::int, %s::int)"] * len(walks))
    values = [value if value is not None else 0 for walk in walks for value in walk]
    return (
        f"SELECT w.part, a.* FROM (VALUES {rows}) w(part, post_id, section_id, skip, take) "  # noqa: S608 (as above)
        f"CROSS JOIN LATERAL ({''.join(text)} OFFSET w.skip LIMIT w.take) a",
        values + inner,
    )


class PagedActions:
    """A list in plan order that Paginator slices: each slice is one query (first_of_each), its places
    found from the stored counts."""

    def __init__(self, queryset, places: list[Place]):
        self.queryset, self.places = queryset, places

    def __len__(self) -> int:
        return sum(place.n for place in self.places)

    def __getitem__(self, window: slice) -> list[int]:
        parts = [("list", None, *walk) for walk in walks(self.places, window.start, window.stop)]
        return [pk for _, pk in first_of_each({"list": lambda post: self.queryset}, parts)]


def my_action_rows(user, period, today, actions=None) -> list[MyActionRow]:
    """The actions this person leads (or ``actions``, a page of them) with the period's update."""
    held = set(user.posts.values_list("pk", flat=True))
    actions = (
        (my_actions(user, period) if actions is None else actions)
        .select_related("section__plan__portfolio")
        .with_plan_text()
        .prefetch_related(
            Prefetch("updates", QuarterlyUpdate.objects.filter(period=period), to_attr="period_updates"),
        )
    )
    rows = []
    for action in actions:
        update = action.period_updates[0] if action.period_updates else None
        row = MyActionRow(action=action, update=update, held=bool(action.lead_post_ids & held), overdue=False)
        row.overdue = row.outstanding and today > period.due_on
        rows.append(row)
    return rows


def my_actions_page(user, period, today, number) -> tuple:
    """One page of the to-do list (rows, the page) and the counts of the whole list by update status,
    from the stored counts (plans.counts.lead_counts: the actions led by one of the person's posts, by
    Action.with_period_status, the same rule as the rows' status). The counts by section say which
    sections the page's actions are in, and the page's query walks those alone (PagedActions)."""
    posts = post_ids_for(user)
    counts = dict.fromkeys(UpdateStatus.values, 0)
    stored = [row for row in stored_counts.lead_counts(period) if row.post_ids & posts]
    for row in stored:
        counts[row.status] += row.n
    counts["outstanding"] = sum(counts[status] for status in OUTSTANDING)
    counts["total"] = sum(counts[status] for status in UpdateStatus.values)
    listed = PagedActions(Action.objects.led_by(posts).asked_in(period), places_of(stored, lambda row: True))
    paginator = Paginator(listed, MY_ACTIONS_PER_PAGE)
    paginator.count = counts["total"]  # the grouped counts already counted them
    page = paginator.get_page(number)
    # The page's actions by id alone: the list's rule (leads, year, not complete) chose them already.
    shown = Action.objects.filter(pk__in=list(page.object_list)).order_by(*PLAN_ORDER)
    rows = my_action_rows(user, period, today, actions=shown)
    return rows, page, counts


def status_counts(rows: list[MyActionRow]) -> dict[str, int]:
    counts = dict.fromkeys(UpdateStatus.values, 0)
    for row in rows:
        counts[row.status] += 1
    counts["outstanding"] = sum(counts[status] for status in OUTSTANDING)
    return counts


# Approvals ---------------------------------------------------------------------------


def with_authors(updates) -> list:
    """The updates, each knowing who wrote or submitted it (QuarterlyUpdate.author_ids), in one
    query over their history: what separation of duties (plans.rules.wrote_update) reads."""
    updates = list(updates)
    saved = QuarterlyUpdate.history.filter(
        Q(status__in=[UpdateStatus.DRAFT, UpdateStatus.SUBMITTED]) | Q(history_change_reason=WRITTEN),
        id__in=[update.pk for update in updates],
        history_user__isnull=False,
    ).values_list("id", "history_user_id")
    by_update: dict = {}
    for update_id, user_id in saved:
        by_update.setdefault(update_id, set()).add(user_id)
    for update in updates:
        ids = by_update.get(update.pk, set()) | {update.created_by_id, update.submitted_by_id}
        update._author_ids = frozenset(ids - {None})
    return updates


@dataclass
class QueueItem:
    """An update in the approval queue, with its approve and return forms (none for its author)."""

    update: QuarterlyUpdate
    approve_form: DecisionForm | None
    return_form: ReturnUpdateForm | None
    own: bool

    @classmethod
    def of(cls, update, user, error_form=None) -> "QueueItem":
        if update.status != UpdateStatus.SUBMITTED:  # returned or approved already: nothing to decide
            return cls(update, None, None, own=False)
        if wrote_update(user, update):
            return cls(update, None, None, own=True)
        if error_form is not None and error_form.update.pk == update.pk:
            return cls(update, DecisionForm(update=update), error_form, own=False)
        return cls(update, DecisionForm(update=update), ReturnUpdateForm(update=update), own=False)


def approval_updates(user):
    """The updates of this person's portfolios (the posts they hold) in open periods that an approver
    follows: waiting (submitted), sent back (returned) and approved. Updates still submitted when
    their period was locked can no longer be decided, so they are left out (the period overview
    counts them)."""
    rag_rank = Case(
        *(When(rag=value, then=Value(rank)) for rank, value in enumerate([Rag.RED, Rag.AMBER, Rag.GREEN])),
        default=Value(9),
    )
    return (
        QuarterlyUpdate.objects.filter(
            status__in=[UpdateStatus.SUBMITTED, UpdateStatus.RETURNED, UpdateStatus.APPROVED],
            action__section__plan__portfolio_id__in=approver_portfolio_ids(user),
        )
        .exclude(period__status=PeriodStatus.LOCKED)
        .annotate(rag_rank=rag_rank)
        .select_related("action__section__plan__portfolio", "period", "submitted_by")
        # The cards name the plan and portfolio, not the section's long texts: left out of the rows
        # the database sorts to find a page, as on the actions list.
        .defer(*(f"action__section__{name}" for name in SECTION_LONG_TEXTS))
    )


def queue_page(updates, per_page: int, number) -> tuple:
    """The page of the queue (as filtered) asked for, and how many of its updates are green and
    waiting (what "approve the green updates together" offers): both counted in one query."""
    counts = updates.order_by().aggregate(
        total=Count("pk"), green=Count("pk", filter=Q(status=UpdateStatus.SUBMITTED, rag=Rag.GREEN))
    )
    paginator = Paginator(updates, per_page)
    paginator.count = counts["total"]
    return paginator.get_page(number), counts["green"]


def queue_page_rows(updates) -> list:
    """One page of the queue with what its cards show, in a fixed number of queries."""
    return with_authors(
        updates.prefetch_related(
            FIGURES, "notes", Prefetch("action__details", ActionDetail.objects.with_leads())
        )
    )


def approval_page(update_pk, user) -> dict:
    """One update in the queue with the same action's update of the quarter before beside it (as
    reported, else as it stands), for its approver."""
    rows = queue_page_rows(approval_updates(user).filter(pk=update_pk))
    if not rows:
        raise Http404("No such update in your queue")
    update = rows[0]
    previous_period = update.period.previous()
    previous = None
    if previous_period:
        previous = (
            QuarterlyUpdate.objects.filter(action=update.action_id, period=previous_period)
            .prefetch_related(FIGURES, "notes")
            .first()
        )
    return {
        "update": update,
        "action": update.action,
        "previous_period": previous_period,
        "previous": previous,
    }


@dataclass
class GreenBatch:
    """The green updates waiting that one approval would approve: at most ``most`` of the queue as
    filtered, in its order, leaving out the person's own (plans.rules.wrote_update), each at the
    version read. ``fingerprint`` sums up that set (ids and versions): the confirmation carries it and
    the approval approves exactly that set or nothing. ``shown`` is the first ``GREEN_SHOWN`` of them,
    loaded for the page; ``beyond`` the green ones waiting after the batch (the next approval's)."""

    versions: dict  # update pk -> version, in the queue's order
    shown: list
    beyond: int

    @property
    def count(self) -> int:
        return len(self.versions)

    @property
    def more(self) -> int:
        return self.count - len(self.shown)

    @property
    def fingerprint(self) -> str:
        return green_fingerprint(self.versions)


# The confirmation names the first of the green updates it approves and counts the rest.
GREEN_SHOWN = 25


def green_fingerprint(versions: dict) -> str:
    """A digest of a set of updates at their versions: the same set at the same versions gives the same one."""
    return hashlib.sha256(repr(sorted(versions.items())).encode()).hexdigest()


def green_to_approve(user, updates, most: int, *, shown: int = GREEN_SHOWN) -> GreenBatch:
    """Of these queue updates (filtered and ordered), the first ``most`` green ones waiting that this
    person may approve (not their own), and the first ``shown`` of those loaded for the page: a fixed
    number of queries (the candidates' ids and versions, their authors, a count, the shown ones)."""
    waiting = updates.filter(status=UpdateStatus.SUBMITTED, rag=Rag.GREEN)
    candidates = with_authors(
        waiting.select_related(None).only("pk", "version", "created_by_id", "submitted_by_id")[:most]
    )
    versions = {u.pk: u.version for u in candidates if not wrote_update(user, u)}
    total = waiting.count()
    first = list(versions)[:shown]
    loaded = approval_updates(user).in_bulk(first)
    return GreenBatch(versions=versions, shown=[loaded[pk] for pk in first], beyond=total - len(candidates))


def decision_conflict(update_pk, user, message: str, posted) -> dict:
    """The 409 page after an approver decided on a version that has changed since: what the update
    says now and, if it can still be decided, the forms for it (the approver's comment kept)."""
    update = (
        QuarterlyUpdate.objects.with_reported()
        .select_related("action__section__plan__portfolio", "period", "submitted_by", "decided_by")
        .prefetch_related(FIGURES, "notes", Prefetch("action__details", ActionDetail.objects.with_leads()))
        .get(pk=update_pk)
    )
    with_authors([update])
    item = None
    if update.is_submitted and not update.period.is_locked and user.has_perm("plans.approve_update", update):
        comment = posted.get(f"return-{update.pk}-comment", "")
        item = QueueItem(
            update,
            DecisionForm(update=update),
            ReturnUpdateForm(update=update, initial={"comment": comment, "version": update.version}),
            own=False,
        )
    return {"update": update, "action": update.action, "message": message, "item": item}


# Reporting periods ------------------------------------------------------------------


COUNTED = UpdateStatus.stored()


def plan_counts(period) -> list[PortfolioPlan]:
    """Each plan of the period's year with its actions' updates counted by state: ``action_count``,
    one attribute per stored status, and ``missing`` (the actions with no update in the period at all).

    From the stored counts (plans.counts): the period's rows for the sections of its year's plans, whose
    rows add up to their actions (those with no update in the period counted as not started)."""
    plans = list(
        PortfolioPlan.objects.filter(year=period.year)
        .select_related("portfolio")
        .order_by("portfolio__order", "portfolio__name")
    )
    by_plan: dict = {
        plan.pk: dict.fromkeys(["action_count", *(s.value for s in COUNTED)], 0) for plan in plans
    }
    stored = (
        PeriodCount.objects.filter(period=period, section__plan__year=period.year)
        .order_by()
        .values_list("section__plan_id", "status")
        .annotate(total=Sum("n"))
    )
    for plan_id, status, n in stored:
        by_plan[plan_id]["action_count"] += n
        if status != UpdateStatus.NOT_STARTED:
            by_plan[plan_id][status] += n
    for plan in plans:
        counts = by_plan[plan.pk]
        for key, value in counts.items():
            setattr(plan, key, value)
        plan.written = sum(counts[status.value] for status in COUNTED)
        plan.missing = plan.action_count - plan.written
    return plans


def period_totals(plans) -> dict:
    keys = ["action_count", "missing", *(status.value for status in COUNTED)]
    totals = {key: sum(getattr(plan, key) for plan in plans) for key in keys}
    totals["not_approved"] = totals["action_count"] - totals["approved"] - totals["locked"]
    return totals


@dataclass
class Chase:
    """A lead post with updates outstanding: who holds it, who writes for it, and which actions."""

    post: Post | None
    holders: list
    delegates: list
    actions: list = field(default_factory=list)
    counts: dict = field(default_factory=lambda: dict.fromkeys(OUTSTANDING, 0))

    @property
    def missing(self) -> int:
        return self.counts[UpdateStatus.NOT_STARTED]

    @property
    def draft(self) -> int:
        return self.counts[UpdateStatus.DRAFT]

    @property
    def returned(self) -> int:
        return self.counts[UpdateStatus.RETURNED]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def more(self) -> int:
        """How many of its outstanding actions are not named on the page."""
        return self.total - len(self.actions)


# The chasing list names each lead post's first outstanding actions and counts the rest, linking to them
# in the paged actions list: the page does not grow with the number of actions.
CHASE_ACTIONS_SHOWN = 5


def who_to_chase(period) -> list[Chase]:
    """The lead posts, their holders and delegates, with outstanding updates this period: how many of
    each status and in which sections (the stored counts) and the first ``CHASE_ACTIONS_SHOWN`` actions
    of each post (one query, walking only the sections those are in), in a fixed number of queries and
    a page of bounded size at any scale."""
    by_post: dict = {}
    # How many of each post's actions are outstanding, from the stored counts (plans.counts.lead_counts:
    # each action once under each post leading one of its details, and under None if a detail has no lead).
    stored = [row for row in stored_counts.lead_counts(period) if row.status in OUTSTANDING]
    for row in stored:
        for post_id in row.post_ids | ({None} if row.unled else set()):
            by_post.setdefault(post_id, dict.fromkeys(OUTSTANDING, 0))[row.status] += row.n
    outstanding = Action.objects.outstanding_in(period)
    parts, part_posts = [], []
    for post_id in by_post:
        places = places_of(
            stored, lambda row, post=post_id: row.unled if post is None else post in row.post_ids
        )
        for walk in walks(places, 0, CHASE_ACTIONS_SHOWN):
            parts.append(("unled" if post_id is None else "led", post_id, *walk))
            part_posts.append(post_id)
    kinds = {"led": lambda post: outstanding.led_by([post]), "unled": lambda post: outstanding.unled()}
    shown: dict = {}
    for part, action_id in first_of_each(kinds, parts):
        shown.setdefault(part_posts[part], []).append(action_id)
    actions = Action.objects.select_related("section__plan__portfolio").in_bulk(
        [action_id for ids in shown.values() for action_id in ids]
    )
    posts = Post.objects.prefetch_related(
        "holders", Prefetch("delegations", Delegation.objects.select_related("delegate"))
    ).in_bulk([post_id for post_id in by_post if post_id is not None])
    chases = []
    for post_id, counts in by_post.items():
        post = posts.get(post_id)
        chases.append(
            Chase(
                post=post,
                holders=list(post.holders.all()) if post else [],
                delegates=[d.delegate for d in post.delegations.all()] if post else [],
                actions=[actions[action_id] for action_id in shown.get(post_id, [])],
                counts=counts,
            )
        )
    return sorted(chases, key=lambda chase: (chase.post is None, chase.post.title if chase.post else ""))


def periods_overview() -> list[ReportingPeriod]:
    """Every period with its reported and waiting updates counted and its year's number of actions: one
    query for the periods and one of the stored counts (plans.counts), however many updates there are.
    A period's rows for the sections of its year's plans add up to that year's actions."""
    periods = list(ReportingPeriod.objects.order_by("-year", "-quarter"))
    reported = {UpdateStatus.APPROVED, UpdateStatus.LOCKED}
    stored = (
        PeriodCount.objects.order_by()
        .values_list("period_id", "period__year", "section__plan__year", "status")
        .annotate(total=Sum("n"))
    )
    by_period: dict[int, dict[str, int]] = {}
    for period_id, year, section_year, status, n in stored:
        counts = by_period.setdefault(period_id, {"actions": 0})
        counts[status] = counts.get(status, 0) + n
        if section_year == year:
            counts["actions"] += n
    for period in periods:
        counts = by_period.get(period.pk, {})
        period.reported = sum(counts.get(status, 0) for status in reported)
        period.waiting = counts.get(UpdateStatus.SUBMITTED, 0)
        period.action_count = counts.get("actions", 0)
    return periods


# One action's update for one period --------------------------------------------------


@dataclass
class UpdatePage:
    """What the update page needs: the action, the period, its update (or a new draft), and what
    this person may do with it."""

    action: Action
    period: ReportingPeriod
    update: QuarterlyUpdate
    user: object
    may_edit: bool
    can_edit: bool
    complete: bool = False  # reported Complete before this period and not reopened

    @classmethod
    def load(cls, action_pk, period_pk, user) -> "UpdatePage":
        action = get_object_or_404(
            Action.objects.select_related("section__plan__portfolio", "section__ambition").with_plan_text(),
            pk=action_pk,
        )
        period = get_object_or_404(ReportingPeriod, pk=period_pk)
        update = QuarterlyUpdate.objects.filter(action=action, period=period).first()
        if update is None:
            if period.year != action.plan.year:
                raise Http404(f"Action {action.reference} does not report in {period}.")
            update = QuarterlyUpdate(action=action, period=period)
        update.action = action  # the rules read its leads, loaded already
        may_edit = user.has_perm("plans.edit_update", update)
        page = cls(action, period, update, user, may_edit, may_edit and update.is_editable and period.is_open)
        page.complete = not update.pk and action.is_complete_before(period)
        page.can_edit = page.can_edit and not page.complete
        return page

    @property
    def measures(self) -> list:
        if not hasattr(self, "_measures"):
            self._measures = list(self.action.measures_of_success)
        return self._measures

    def _visible(self):
        return (
            QuarterlyUpdate.objects.visible_to(self.user)
            .with_reported()
            .prefetch_related(FIGURES, AMENDMENTS, "notes")
        )

    def context(self) -> dict:
        shown = self._visible().filter(pk=self.update.pk).first() if self.update.pk else None
        previous_period = self.period.previous()
        previous = None
        if previous_period:
            previous = self._visible().filter(action=self.action, period=previous_period).first()
        for update in (shown, previous):
            if update is not None:
                update.action = self.action
        return {
            "action": self.action,
            "period": self.period,
            "update": self.update,
            "shown": shown,
            "previous_period": previous_period,
            "previous": previous,
            "may_edit": self.may_edit,
            "can_edit": self.can_edit,
            "complete": self.complete,
            "can_reopen": self.complete and self.user.has_perm("plans.reopen_action", self.action),
            "status": self.status,
            "can_approve": bool(
                self.update.pk
                and self.update.status == UpdateStatus.SUBMITTED
                and self.user.has_perm("plans.approve_update", self.update)
            ),
        }

    @property
    def status(self) -> str | None:
        """The update's workflow status as this person may see it: members see only what is
        reported (plans.view_unapproved_updates), so for them an unreported update has none."""
        status = self.update.status if self.update.pk else UpdateStatus.NOT_STARTED
        if self.update.is_reported or self.user.has_perm("plans.view_unapproved_updates"):
            return status
        return None

    def form(self, data=None, submitting=False):
        return QuarterlyUpdateForm.for_update(self.update, self.measures, data, submitting)

    def saved_message(self, submitting: bool) -> str:
        what = short_name(self.action)
        if submitting:
            return f"Your {self.period} update for {what} was submitted for approval."
        return f"Your draft {self.period} update for {what} was saved."

    def next_url(self, saved, submitting: bool) -> str:
        """After submitting, back to the to-do list for the period; after a draft, the update itself."""
        if submitting:
            return f"{reverse('plans:my_actions')}?{urlencode({'period': self.period.pk})}"
        return saved.get_absolute_url()

    def stale_form(self, data, submitting, message):
        """After a refused stale save: theirs to show, and this person's text against their version.
        Found by action and period: when two people started the update at once, this person's
        copy was never saved."""
        theirs = QuarterlyUpdate.objects.prefetch_related(FIGURES).get(action=self.action, period=self.period)
        theirs.action = self.action
        self.update = theirs
        return QuarterlyUpdateForm.after_conflict(data, theirs, self.measures, submitting, message), theirs


def short_name(action) -> str:
    """How messages name an action: "action 1.4 (Embed our mental health and wellbeing model ...)"."""
    return f"action {action.reference} ({Truncator(action.title).words(12)})"


def updates_to_amend():
    return (
        QuarterlyUpdate.objects.with_reported()
        .select_related("action__section__plan__portfolio", "period")
        .prefetch_related(AMENDMENTS, "notes", Prefetch("action__details", ActionDetail.objects.in_order()))
    )
