"""Stored counts of each reporting period's actions and updates (issue 17): what the periods list, the period
overview, My actions and the dashboards' RAG counts read instead of counting every update of the year.

Two small tables hold them (plans.models.PeriodCount and LeadCount), and :func:`computed` is the one
function that works them out, from the same rules the pages used (QuarterlyUpdate.objects.with_reported for
the reported RAG; ActionQuerySet.with_period_status and complete_before for where each action stands).
:func:`refresh` replaces a period's stored rows with freshly computed ones (a delete and an insert) inside
the writing transaction: all of them, or those of the sections a write changed (an update's save changes
its action's section only: :func:`touch_section`).

Every write that changes what is counted refreshes the periods it touches, in one of two ways:

- a save or deletion of an update, amendment, action, detail, lead, plan or period, one by one (the pages,
  the admin, a test's factory), through the signals connected below: at once, or, inside :func:`batch`, once
  at the end of the block;
- a bulk write, which sends no signals: core.bulk's copy_create and copy_update send ``bulk_written`` (every
  period is refreshed), and the services that use Django's or simple_history's bulk methods (locking a
  period, loading the demo) call :func:`touch` themselves.

The services and builders that write many rows run in :func:`batch`, so a period is refreshed once, however
many rows were written. ``check_stored_counts`` (a management command, and a nightly Celery task) finds and
repairs any drift; the tests check after every test that the stored counts equal the computed ones, so a
write path that forgets to refresh fails the test that takes it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Count
from django.db.models.signals import post_delete, post_save, pre_save

from bromley_portal.core.bulk import bulk_written
from bromley_portal.core.stored_counts import ALL, Keeper
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import (
    Action,
    ActionDetail,
    Amendment,
    DetailLead,
    LeadCount,
    PeriodCount,
    PortfolioPlan,
    QuarterlyUpdate,
    ReportingPeriod,
)

# Working the counts out -------------------------------------------------------------------------


def section_rows(period, sections=None) -> list[PeriodCount]:
    """The period's updates counted by their action's section, status and reported RAG (with_reported, the
    one rule), and the actions of the period's year with no update in it (status NOT_STARTED, RAG
    NO_UPDATE) by section: so a section's rows add up to its actions. Only these ``sections`` (ids) if
    given."""
    updates = QuarterlyUpdate.objects.filter(period=period)
    actions = Action.objects.filter(section__plan__year=period.year)
    if sections is not None:
        updates = updates.filter(action__section_id__in=sections)
        actions = actions.filter(section_id__in=sections)
    updates = (
        updates.with_reported()
        .order_by()
        .values_list("action__section_id", "status", "reported_rag")
        .annotate(n=Count("*"))
    )
    rows = [PeriodCount(period=period, section_id=s, status=st, rag=rag, n=n) for s, st, rag, n in updates]
    has_update = QuarterlyUpdate.objects.filter(action=models.OuterRef("pk"), period=period)
    missing = (
        actions.filter(~models.Exists(has_update)).order_by().values_list("section_id").annotate(n=Count("*"))
    )
    rows += [
        PeriodCount(period=period, section_id=s, status=UpdateStatus.NOT_STARTED, rag=Rag.NO_UPDATE, n=n)
        for s, n in missing
    ]
    return rows


# A section's place in plan order (the order of My actions and the chasing list): its portfolio's order,
# then its number. Sections of two portfolios of one order share a place (their actions go by number).
PLACE = {"portfolio_order": "section__plan__portfolio__order", "section_number": "section__number"}


def lead_rows(period, sections=None) -> list[LeadCount]:
    """The actions of the period's year that are asked for an update in it (ActionQuerySet.asked_in: not
    reported Complete before), counted by section, by where their update stands (with_period_status) and
    by the set of posts leading their details: ``lead_posts`` (their ids, in order, joined by commas) and
    ``unled`` (a detail without a lead, or no detail at all; the chasing list's row without a post). Each
    row knows its section's place in plan order (``place``, as lead_counts gives it). Only these
    ``sections`` (ids) if given."""
    actions = Action.objects.asked_in(period)
    if sections is not None:
        actions = actions.filter(section_id__in=sections)
    actions = (
        actions.with_period_status(period)
        .order_by()
        .values_list("pk", "section_id", *PLACE.values(), "period_status", "details__leads__post")
    )
    where_of, status_of, posts_of = {}, {}, defaultdict(set)
    for action_id, section_id, portfolio_order, section_number, status, post_id in actions:
        where_of[action_id] = (section_id, (portfolio_order, section_number))
        status_of[action_id] = status
        posts_of[action_id].add(post_id)
    counted: dict = defaultdict(int)
    for action_id, status in status_of.items():
        posts = posts_of[action_id]
        key = (*where_of[action_id], ",".join(str(p) for p in sorted(p for p in posts if p is not None)),
               None in posts, status)  # fmt: skip
        counted[key] += 1
    rows = []
    for (section_id, place, posts, unled, status), n in counted.items():
        row = LeadCount(
            period=period, section_id=section_id, lead_posts=posts, unled=unled, status=status, n=n
        )
        row.place = place
        rows.append(row)
    return rows


def computed(period, sections=None) -> tuple[list[PeriodCount], list[LeadCount]]:
    """What the stored counts of ``period`` should be: its section rows, and, while it is open (the only
    time My actions and the chasing list read them), its lead rows; of these ``sections`` only if given."""
    leads = lead_rows(period, sections) if period.is_open else []
    return section_rows(period, sections), leads


# Storing them -----------------------------------------------------------------------------------


def refresh(keys) -> None:
    """Recompute stored counts from scratch, in the caller's transaction (or one of its own): of whole
    periods (ReportingPeriods or ids, or ALL) and of single sections of a period ((period id, section id)
    pairs: what one update's save changes, so a save rewrites its section's rows, not the period's). The
    rows are deleted and inserted again."""
    whole, parts = _keys(keys)
    with transaction.atomic():
        found = ReportingPeriod.objects.order_by("pk")
        if whole != ALL:
            found = found.filter(pk__in=whole | set(parts))
        found = list(found)
        keeper.lock(period.pk for period in found)
        rewritten = models.Q(pk__in=[])
        sections, leads = [], []
        for period in found:
            chosen = None if whole == ALL or period.pk in whole else parts[period.pk]
            rewritten |= models.Q(period=period) & (
                models.Q() if chosen is None else models.Q(section__in=chosen)
            )
            section, lead = computed(period, chosen)
            sections += section
            leads += lead
        PeriodCount.objects.filter(rewritten).delete()
        LeadCount.objects.filter(rewritten).delete()
        PeriodCount.objects.bulk_create(sections)
        LeadCount.objects.bulk_create(leads)


def _keys(keys) -> tuple:
    """Whole periods (a set of ids, or ALL) and {period id: section ids} of the rest."""
    if keys == ALL:
        return ALL, {}
    whole, parts = set(), defaultdict(set)
    for key in keys:
        if isinstance(key, tuple):
            parts[key[0]].add(key[1])
        else:
            whole.add(getattr(key, "pk", key))
    return whole, {period: sections for period, sections in parts.items() if period not in whole}


def refresh_all() -> None:
    refresh(ALL)


@dataclass
class Drift:
    period: ReportingPeriod
    stored: dict
    computed: dict

    def __str__(self) -> str:
        keys = sorted(set(self.stored) | set(self.computed), key=str)
        wrong = [f"{k}: stored {self.stored.get(k, 0)}, computed {self.computed.get(k, 0)}" for k in keys
                 if self.stored.get(k, 0) != self.computed.get(k, 0)]  # fmt: skip
        return f"{self.period}: " + "; ".join(wrong)


def _keyed(sections, leads) -> dict:
    keyed = {}
    for row in sections:
        keyed["section", row.section_id, row.status, row.rag] = row.n
    for row in leads:
        keyed["lead", row.section_id, row.lead_posts, row.unled, row.status] = row.n
    return keyed


def drift() -> list[Drift]:
    """The periods whose stored counts differ from what computed() gives now."""
    stored_sections, stored_leads = defaultdict(list), defaultdict(list)
    for row in PeriodCount.objects.all():
        stored_sections[row.period_id].append(row)
    for row in LeadCount.objects.all():
        stored_leads[row.period_id].append(row)
    found = []
    for period in ReportingPeriod.objects.order_by("year", "quarter"):
        stored = _keyed(stored_sections[period.pk], stored_leads[period.pk])
        now = _keyed(*computed(period))
        if stored != now:
            found.append(Drift(period, stored, now))
    return found


# Keeping them: which writes touch which periods ------------------------------------------------------


# The key space of the advisory locks taken while a period's counts are rewritten (complaints.counts uses
# another). An advisory lock rather than the period's row: the moves hold that row FOR SHARE
# (services._period_for_moves), and two of them asking for it FOR UPDATE would wait for each other.
keeper = Keeper(refresh, lock_space=1717)
batch, batched = keeper.batch, keeper.batched


def touch(periods) -> None:
    """These periods' counts changed (ReportingPeriods or ids, or ALL): refreshed now, or at the end of the
    batch under way. The open periods are refreshed too: which actions an open period asks for depends on
    the updates of the periods before it (complete_before)."""
    if periods != ALL:
        periods = {getattr(p, "pk", p) for p in periods}
        if not periods:
            return
        periods |= set(ReportingPeriod.objects.filter(status=PeriodStatus.OPEN).values_list("pk", flat=True))
    keeper.touch(periods)


def touch_section(period_id, action_id, section_id=None) -> None:
    """An update of this action in this period changed: the rows of the action's section (``section_id``
    if the caller knows it) in the period, and in each open period after it (whether those ask for the
    action depends on its updates before them: complete_before), are refreshed; not the whole period. One
    query (two if the section is not known), as many as touch() makes. If the action is gone (an update
    deleted with it), the whole period: the action's own signal touches its year as well."""
    if section_id is None:
        section_id = Action.objects.filter(pk=action_id).values_list("section_id", flat=True).first()
    if section_id is None:
        touch([period_id])
        return
    # The period and the open ones in one query; the open ones after it are kept.
    when = dict(
        ReportingPeriod.objects.filter(
            models.Q(pk=period_id) | models.Q(status=PeriodStatus.OPEN)
        ).values_list("pk", (models.F("year") * 10 + models.F("quarter")))
    )
    if period_id not in when:
        return  # deleted with its period: its rows went with it
    keeper.touch({(pk, section_id) for pk, at in when.items() if pk == period_id or at > when[period_id]})


def _section_of(update) -> int | None:
    """The update's action's section, if its action is loaded (the pages and services load it)."""
    field = QuarterlyUpdate._meta.get_field("action")
    return field.get_cached_value(update).section_id if field.is_cached(update) else None


def touch_years(years) -> None:
    """Every period of these financial years (their actions changed)."""
    years = {year for year in years if year is not None}
    if years:
        touch(ReportingPeriod.objects.filter(year__in=years).values_list("pk", flat=True))


def _year_of_action(action_id) -> int | None:
    return PortfolioPlan.objects.filter(sections__actions=action_id).values_list("year", flat=True).first()


def _update_written(sender, instance, **kwargs):
    touch_section(instance.period_id, instance.action_id, _section_of(instance))


def _amendment_written(sender, instance, **kwargs):
    update = (
        QuarterlyUpdate.objects.filter(pk=instance.update_id).values_list("period_id", "action_id").first()
    )
    if update is not None:  # an amendment deleted with its update: the update's own signal touches
        touch_section(*update)


def _action_before_save(sender, instance, **kwargs):
    instance._counts_year_before = _year_of_action(instance.pk) if instance.pk else None


def _action_written(sender, instance, **kwargs):
    after = PortfolioPlan.objects.filter(sections=instance.section_id).values_list("year", flat=True).first()
    touch_years({getattr(instance, "_counts_year_before", None), after})


def _detail_written(sender, instance, **kwargs):
    touch_years({_year_of_action(instance.action_id)})


def _lead_written(sender, instance, **kwargs):
    action_id = ActionDetail.objects.filter(pk=instance.detail_id).values_list("action_id", flat=True).first()
    # A lead deleted with its detail (or action) finds neither: the detail's or action's own signal touches.
    if action_id is not None:
        touch_years({_year_of_action(action_id)})


def _plan_before_save(sender, instance, **kwargs):
    before = PortfolioPlan.objects.filter(pk=instance.pk).values_list("year", flat=True).first()
    instance._counts_year_before = before


def _plan_written(sender, instance, **kwargs):
    before = getattr(instance, "_counts_year_before", None)
    if before is not None and before != instance.year:  # its actions moved to another year
        touch_years({before, instance.year})


def _period_written(sender, instance, **kwargs):
    if kwargs.get("signal") is post_delete:
        return  # its rows went with it (on delete cascade)
    touch([instance.pk])


def _bulk_written(sender, **kwargs):
    if sender in COUNTED_MODELS:
        touch(ALL)


COUNTED_MODELS = {
    QuarterlyUpdate,
    Amendment,
    Action,
    ActionDetail,
    DetailLead,
    PortfolioPlan,
    ReportingPeriod,
}


def connect_signals() -> None:
    """Called once from PlansConfig.ready()."""
    for signal in (post_save, post_delete):
        signal.connect(_update_written, sender=QuarterlyUpdate, dispatch_uid=f"counts-update-{id(signal)}")
        signal.connect(_amendment_written, sender=Amendment, dispatch_uid=f"counts-amendment-{id(signal)}")
        signal.connect(_action_written, sender=Action, dispatch_uid=f"counts-action-{id(signal)}")
        signal.connect(_detail_written, sender=ActionDetail, dispatch_uid=f"counts-detail-{id(signal)}")
        signal.connect(_lead_written, sender=DetailLead, dispatch_uid=f"counts-lead-{id(signal)}")
        signal.connect(_plan_written, sender=PortfolioPlan, dispatch_uid=f"counts-plan-{id(signal)}")
        signal.connect(_period_written, sender=ReportingPeriod, dispatch_uid=f"counts-period-{id(signal)}")
    pre_save.connect(_action_before_save, sender=Action, dispatch_uid="counts-action-before")
    pre_save.connect(_plan_before_save, sender=PortfolioPlan, dispatch_uid="counts-plan-before")
    bulk_written.connect(_bulk_written, dispatch_uid="counts-bulk")


# Reading them ----------------------------------------------------------------------------------


def lead_counts(period) -> list[LeadCount]:
    """The lead rows of ``period``: stored for an open period, worked out (lead_rows) for any other. Each
    knows its section's place in plan order: ``place``, (portfolio order, section number)."""
    if not period.is_open:
        return lead_rows(period)
    rows = list(
        LeadCount.objects.filter(period=period).annotate(**{k: models.F(v) for k, v in PLACE.items()})
    )
    for row in rows:
        row.place = (row.portfolio_order, row.section_number)
    return rows


def check_and_repair(repair: bool = True) -> list[Drift]:
    """Every period's stored counts against what they count now; with ``repair`` the periods that differ
    are refreshed (in one transaction). The drift found, for the command and the nightly task to report."""
    with transaction.atomic():
        found = drift()
        if found and repair:
            refresh([d.period for d in found])
    return found
