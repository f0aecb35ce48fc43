"""The one way a plan tree is written: plan, sections, actions, details, leads, measures of success,
and the updates a published plan carries.

Everything that makes plans comes through here: the seed loader, roll-forward, the spreadsheet
import, the benchmarks' generated council and the tests' factory. They describe what they want
as specs (plain dataclasses) and :func:`write_actions` writes them in bulk, a fixed number of
queries per batch, recording history the same way every time (who, and why: "Imported from
plan.xlsx", "Rolled forward from CEF 2023-24", "Loaded from 001_....txt").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from ambitions.models import Ambition, Commitment, Portfolio, Post
from bromley_portal.core.bulk import copy_create, copy_update
from plans import counts
from plans.choices import SectionKind, UpdateStatus
from plans.figures import infer_unit
from plans.models import (
    Action,
    ActionDetail,
    DetailLead,
    MeasureFigure,
    MeasureOfSuccess,
    PlanSection,
    PortfolioPlan,
    QuarterlyUpdate,
    ReportingPeriod,
    UpdateNote,
)


@dataclass
class LeadSpec:
    post: str  # the post's title in the portal
    written_as: str = ""  # the title as the plan writes it, when it differs

    @property
    def as_written(self) -> str:
        return self.written_as or self.post


@dataclass
class DetailSpec:
    letter: str = ""
    text: str = ""
    measures: list[str] = field(default_factory=list)
    target_date: date | None = None
    annual_programme: bool = False
    target_to_confirm: bool = False
    leads: list[LeadSpec] = field(default_factory=list)

    def signature(self) -> tuple:
        return (
            self.letter,
            _norm(self.text),
            tuple(_norm(m) for m in self.measures),
            self.target_date,
            self.annual_programme,
            tuple((lead.post.casefold(), lead.as_written) for lead in self.leads),
        )


@dataclass
class UpdateSpec:
    """An update as a document published it: locked, with its text on the action or per row."""

    period: ReportingPeriod
    narrative: str = ""
    notes: dict[int, str] = field(default_factory=dict)  # detail index (0-based) -> the row's update
    rag: str = ""
    status: str = UpdateStatus.LOCKED


@dataclass
class ActionSpec:
    number: int
    title: str
    details: list[DetailSpec] = field(default_factory=list)
    commitment: Commitment | None = None
    portfolios: list[Portfolio] = field(default_factory=list)
    updates: list[UpdateSpec] = field(default_factory=list)

    def signature(self) -> tuple:
        return (
            _norm(self.title),
            self.commitment.pk if self.commitment else None,
            *tuple(detail.signature() for detail in self.details),
        )


@dataclass
class SectionSpec:
    number: int  # an ambition section takes the ambition's number
    title: str
    ambition: Ambition | None = None
    statement: str = ""
    rationale: str = ""
    key_strategies: list[str] = field(default_factory=list)
    alignment: list[str] = field(default_factory=list)
    actions: list[ActionSpec] = field(default_factory=list)


@dataclass
class PlanSpec:
    portfolio: Portfolio
    year: int
    title: str
    section_kind: str = SectionKind.AMBITION
    source: str = ""
    illustrative: bool = False
    sections: list[SectionSpec] = field(default_factory=list)


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sections_created: int = 0
    sections_renamed: list[str] = field(default_factory=list)
    new_posts: list[str] = field(default_factory=list)
    updates_created: int = 0
    actions: list[Action] = field(default_factory=list)  # in spec order
    fields_changed: set[str] = field(default_factory=set)  # of the existing actions
    # Each written action as it was found: (section number, action number, its signature before, or None
    # for a new one), in the specs' order: what a preview is compared on (plans.importers).
    found: list[tuple] = field(default_factory=list)


def section_spec_from(section: PlanSection, actions: list[ActionSpec]) -> SectionSpec:
    """An existing section as a spec, with these actions, to write again elsewhere (a new year's plan,
    a copy)."""
    return SectionSpec(
        number=section.number,
        title=section.title,
        ambition=section.ambition,
        statement=section.statement,
        rationale=section.rationale,
        key_strategies=section.key_strategies,
        alignment=section.alignment,
        actions=actions,
    )


def action_spec_from(
    action: Action, *, number: int | None = None, detail_changes=None, updates=()
) -> ActionSpec:
    """An existing action as a spec, to write again elsewhere (a new year's plan, a copy).

    ``action`` comes with its details, their leads (with posts) and measures prefetched;
    ``detail_changes(detail)`` gives fields to change on each detail's spec (a rolled-forward date).
    """
    return ActionSpec(
        number=action.number if number is None else number,
        title=action.title,
        commitment=action.commitment,
        portfolios=list(action.portfolios.all()),
        details=[
            DetailSpec(
                **{
                    "letter": detail.letter,
                    "text": detail.text,
                    "measures": [measure.text for measure in detail.measures_of_success.all()],
                    "target_date": detail.target_date,
                    "annual_programme": detail.annual_programme,
                    "leads": [LeadSpec(lead.post.title, lead.written_as) for lead in detail.leads.all()],
                    **(detail_changes(detail) if detail_changes else {}),
                }
            )
            for detail in action.details.all()
        ],
        updates=list(updates),
    )


def _norm(text: str) -> str:
    """Text as plans compare it: each line stripped, no blank lines at either end."""
    return "\n".join(line.strip() for line in (text or "").strip().splitlines())


def action_targets(details) -> tuple[date | None, bool]:
    """The rule for an action's own target: when its last detail is due; AP if any detail is."""
    dates = [detail.target_date for detail in details if detail.target_date]
    return (max(dates) if dates else None), any(detail.annual_programme for detail in details)


class _Stamp:
    """django-simple-history: say who made a change and why, outside a request too."""

    def __init__(self, user, reason: str):
        self.user, self.reason = user, (reason or "")[:100]

    def __call__(self, instance):
        instance._history_user = self.user
        instance._change_reason = self.reason
        return instance

    def bulk(self, objects, model):
        """Insert new objects with their history, by COPY on PostgreSQL (``core.bulk``)."""
        return copy_create(model, list(objects), history_reason=self.reason, history_user=self.user)

    def bulk_update(self, objects, model, fields):
        """Write these fields of the objects (none: only record them as changed), with their history,
        by COPY and one UPDATE on PostgreSQL (``core.bulk``)."""
        copy_update(model, list(objects), fields, history_reason=self.reason, history_user=self.user)


@transaction.atomic
@counts.batched
def build_plan(spec: PlanSpec, *, user=None, reason: str = "") -> PortfolioPlan:
    """Create a new plan with everything in the spec."""
    stamp = _Stamp(user, reason or spec.source)
    plan = stamp(
        PortfolioPlan(
            portfolio=spec.portfolio,
            year=spec.year,
            title=spec.title,
            section_kind=spec.section_kind,
            source=spec.source[:200],
            illustrative=spec.illustrative,
        )
    )
    plan.save()
    write_actions(plan, spec.sections, user=user, reason=reason or spec.source)
    return plan


def posts_named(titles, stamp: _Stamp | None = None, result: WriteResult | None = None) -> dict[str, Post]:
    """The posts with these titles (matched without regard to case), created if new: as first written,
    in the order given."""
    wanted: dict[str, str] = {}
    for title in titles:
        wanted.setdefault(title.casefold(), title)
    posts = {post.title.casefold(): post for post in Post.objects.all()}
    missing = [title for key, title in wanted.items() if key not in posts]
    if missing:
        for post in (stamp or _Stamp(None, "")).bulk((Post(title=title) for title in missing), Post):
            posts[post.title.casefold()] = post
        if result is not None:
            result.new_posts.extend(missing)
    return posts


class PlanWriteError(Exception):
    """A change the plan cannot take; the message says which action and why."""


@transaction.atomic
@counts.batched
def write_actions(
    plan: PortfolioPlan, sections: list[SectionSpec], *, user=None, reason: str = ""
) -> WriteResult:
    """Write these sections' actions into ``plan``: new ones created, changed ones brought into
    line, the same ones left alone (and unrecorded). Actions of the plan not in the specs are
    left as they are.

    Actions are matched by (section number, action number), details by their place in the
    action. A changed action keeps its row and its updates; its details are changed in place,
    added or removed (a detail that a published update writes about cannot be removed).
    """
    stamp = _Stamp(user, reason)
    result = WriteResult()
    # In the plan's order (not a set's), so new posts are created and reported the same way every time.
    posts = posts_named(
        [lead.post for s in sections for a in s.actions for d in a.details for lead in d.leads], stamp, result
    )
    by_number = _sections(plan, sections, result)
    existing = {(action.section_id, action.number): action for action in _existing_actions(plan)}

    new, changed, written = _sort_actions(sections, by_number, existing, result)
    for action, _ in new:
        action.section_id = action.section.pk
    if new:
        stamp.bulk((action for action, _ in new), Action)
    if changed:
        stamp.bulk_update((action for action, _ in changed), Action, result.fields_changed)
    result.created, result.updated = len(new), len(changed)

    _write_details(new, changed, posts, stamp)
    Action.portfolios.through.objects.bulk_create(
        [
            Action.portfolios.through(action_id=action.pk, portfolio_id=portfolio.pk)
            for action, spec in new
            for portfolio in spec.portfolios or [plan.portfolio]
        ],
        ignore_conflicts=True,
    )
    result.updates_created = write_updates(written, stamp)
    result.actions = [action for action, _ in written]
    return result


def _existing_actions(plan) -> list[Action]:
    """The plan's actions, each with ``plan_details`` (in order), each detail with ``plan_leads`` (with their
    posts) and ``plan_measures`` (in order): four queries, grouped in memory. (Django's prefetch_related
    builds a queryset per action and per detail, which at 10,000 details took most of an import's time.)"""
    actions = list(Action.objects.filter(section__plan=plan).order_by())
    by_pk = {action.pk: action for action in actions}
    for action in actions:
        action.plan_details = []
    details, to_action = {}, ActionDetail._meta.get_field("action")
    for detail in ActionDetail.objects.filter(action__section__plan=plan).order_by("action_id", "order"):
        action = by_pk[detail.action_id]
        to_action.set_cached_value(detail, action)  # (without the checks an assignment makes)
        detail.plan_leads, detail.plan_measures = [], []
        details[detail.pk] = detail
        action.plan_details.append(detail)
    for lead in (
        DetailLead.objects.filter(detail__action__section__plan=plan)
        .select_related("post")
        .order_by("detail_id", "order")
    ):
        details[lead.detail_id].plan_leads.append(lead)
    for measure in MeasureOfSuccess.objects.filter(detail__action__section__plan=plan).order_by(
        "detail_id", "order"
    ):
        details[measure.detail_id].plan_measures.append(measure)
    return actions


def _sort_actions(sections, by_number, existing, result: WriteResult):
    """Each spec with its action, new or existing: (new, changed, all written), in the specs' order."""
    new, changed, written = [], [], []
    for section_spec in sections:
        section = by_number[section_spec.number]
        for spec in section_spec.actions:
            action = existing.get((section.pk, spec.number))
            before = None
            if action is None:
                action = Action(section=section, number=spec.number)
                new.append((action, spec))
            elif (before := _signature(action)) != spec.signature():
                changed.append((action, spec))
            else:
                result.unchanged += 1
            result.found.append((section_spec.number, spec.number, before))
            target_date, annual_programme = action_targets(spec.details)
            fields = _assign(
                action,
                title=spec.title,
                commitment=spec.commitment,
                target_date=target_date,
                annual_programme=annual_programme,
            )
            if action.pk:
                result.fields_changed |= fields
            written.append((action, spec))
    return new, changed, written


def _assign(instance, **values) -> set[str]:
    """Set these fields; the names of those whose value changed (what a bulk update needs to write)."""
    changed = set()
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.add(name)
    return changed


def _detail_signature(detail: ActionDetail) -> tuple:
    return (
        detail.letter,
        _norm(detail.text),
        tuple(_norm(m.text) for m in detail.plan_measures),
        detail.target_date,
        detail.annual_programme,
        tuple((lead.post.title.casefold(), lead.title) for lead in detail.plan_leads),
    )


def _signature(action: Action) -> tuple:
    return (
        _norm(action.title),
        action.commitment_id,
        *tuple(_detail_signature(detail) for detail in action.plan_details),
    )


def _sections(plan, sections: list[SectionSpec], result: WriteResult) -> dict[int, PlanSection]:
    by_number = {section.number: section for section in PlanSection.objects.filter(plan=plan)}
    new = []
    for spec in sections:
        section = by_number.get(spec.number)
        if section is None:
            section = PlanSection(
                plan=plan,
                number=spec.number,
                ambition=spec.ambition,
                title=spec.title,
                statement=spec.statement,
                rationale=spec.rationale,
                key_strategies=spec.key_strategies,
                alignment=spec.alignment,
            )
            by_number[spec.number] = section
            new.append(section)
        elif spec.title and plan.section_kind == SectionKind.PRIORITY and section.title != spec.title:
            result.sections_renamed.append(f"Priority {section.number} “{section.title}” → “{spec.title}”")
            section.title = spec.title
            section.save(update_fields=["title"])
    PlanSection.objects.bulk_create(new)
    result.sections_created = len(new)
    return by_number


def _write_details(new, changed, posts: dict[str, Post], stamp: _Stamp) -> None:
    """Details (and their leads and measures) of new actions, and the changes to changed ones, in bulk:
    a fixed number of queries for any number of actions, but for details and leads taken away."""
    to_create = []  # (action, order, spec)
    for action, spec in new:
        to_create += [(action, order, detail) for order, detail in enumerate(spec.details, start=1)]
    children = _Children()
    for action, spec in changed:
        old = action.plan_details
        for order, detail_spec in enumerate(spec.details, start=1):
            if order > len(old):
                to_create.append((action, order, detail_spec))
            elif _detail_signature(old[order - 1]) != detail_spec.signature():
                children.detail_fields |= _set_detail(old[order - 1], detail_spec)
                children.details.append(old[order - 1])
                children.change(old[order - 1], detail_spec, posts)
        for detail in old[len(spec.details) :]:
            if detail.update_notes.exists():  # (asked only of a detail taken away, which is rare)
                raise PlanWriteError(
                    f"Action {action.reference} would lose detail {detail.label}, which a published update "
                    "writes about. Keep the detail, or ask an administrator to correct the plan."
                )
            children.check_figures(action, detail, detail.plan_measures)
            children.gone.append(detail)
    children.write(stamp)

    details = []
    for action, order, detail_spec in to_create:
        detail = ActionDetail(action_id=action.pk, order=order)
        _set_detail(detail, detail_spec)
        details.append((detail, detail_spec))
    if details:
        stamp.bulk((detail for detail, _ in details), ActionDetail)
    leads, measures = [], []
    for detail, detail_spec in details:
        leads += _leads(detail, detail_spec, posts)
        measures += _measures(detail, detail_spec)
    if leads:
        stamp.bulk(leads, DetailLead)
    if measures:
        stamp.bulk(measures, MeasureOfSuccess)


def _set_detail(detail: ActionDetail, spec: DetailSpec) -> set[str]:
    return _assign(
        detail,
        letter=spec.letter or "",
        text=spec.text,
        target_date=spec.target_date,
        annual_programme=spec.annual_programme,
        target_to_confirm=spec.target_to_confirm,
    )


def _leads(detail, spec: DetailSpec, posts) -> list[DetailLead]:
    leads = []
    for order, lead in enumerate(spec.leads, start=1):
        post = posts[lead.post.casefold()]
        written_as = lead.as_written if lead.as_written != post.title else ""
        leads.append(DetailLead(detail_id=detail.pk, order=order, post=post, written_as=written_as[:200]))
    return leads


def _measures(detail, spec: DetailSpec) -> list[MeasureOfSuccess]:
    return [
        # Its unit guessed from its words (an administrator can change it): plans.figures.infer_unit.
        MeasureOfSuccess(detail_id=detail.pk, order=order, text=text, unit=infer_unit(text))
        for order, text in enumerate(spec.measures, start=1)
    ]


class _Children:
    """The changes to existing details, their leads and measures, gathered to be written in bulk.

    Measures are changed in place, matched by their order, because the figures of reported updates
    hang on them (a MeasureFigure goes with its measure); a measure (or detail) that a reported
    figure hangs on is never deleted. Leads are matched by their post: a lead kept is updated in
    place, one no longer named is deleted, a new one created."""

    def __init__(self):
        self.details: list[ActionDetail] = []  # recorded as changed, with these fields written
        self.detail_fields: set[str] = set()
        self.leads: list[DetailLead] = []
        self.measures: list[MeasureOfSuccess] = []
        self.new: list = []  # new leads and measures
        self.gone: list = []  # details, leads and measures to delete

    def change(self, detail, spec: DetailSpec, posts) -> None:
        old_leads = {lead.post_id: lead for lead in detail.plan_leads}
        for lead in _leads(detail, spec, posts):
            have = old_leads.pop(lead.post.pk, None)
            if have is None:
                self.new.append(lead)
            elif (have.order, have.written_as) != (lead.order, lead.written_as):
                have.order, have.written_as = lead.order, lead.written_as
                self.leads.append(have)
        self.gone += old_leads.values()
        measures = detail.plan_measures
        for measure, text in zip(measures, spec.measures, strict=False):
            if _norm(measure.text) != _norm(text):
                measure.text = text
                self.measures.append(measure)
        self.check_figures(detail.action, detail, measures[len(spec.measures) :])
        self.gone += measures[len(spec.measures) :]
        self.new += _measures(detail, spec)[len(measures) :]

    @staticmethod
    def check_figures(action, detail, measures) -> None:
        if not measures:
            return
        taken = list(
            MeasureFigure.objects.filter(measure__in=measures).values_list("measure__text", flat=True)[:1]
        )
        if taken:
            raise PlanWriteError(
                f"Action {action.reference} would lose the measure “{taken[0][:60]}” of detail "
                f"{detail.label}, which a reported update gives a figure for. Keep the measure, or ask an "
                "administrator to correct the plan."
            )

    def write(self, stamp: _Stamp) -> None:
        for objects, model, fields in [
            (self.details, ActionDetail, self.detail_fields),
            (self.leads, DetailLead, ["order", "written_as"]),
            (self.measures, MeasureOfSuccess, ["text"]),
        ]:
            if objects:
                stamp.bulk_update(objects, model, fields)
        # Leads go before the new ones come (a post leads a detail once); a deleted detail takes its
        # leads and measures with it.
        for instance in self.gone:
            stamp(instance).delete()
        for model in (DetailLead, MeasureOfSuccess):
            if objects := [instance for instance in self.new if isinstance(instance, model)]:
                stamp.bulk(objects, model)


def write_updates(written, stamp: _Stamp) -> int:
    """The updates a published plan carries, for actions that have none for that period yet."""
    wanted = [(action, update) for action, spec in written for update in spec.updates]
    if not wanted:
        return 0
    have = set(
        QuarterlyUpdate.objects.filter(
            action_id__in=[action.pk for action, _ in wanted],
            period_id__in={update.period.pk for _, update in wanted},
        ).values_list("action_id", "period_id")
    )
    todo = [(action, spec) for action, spec in wanted if (action.pk, spec.period.pk) not in have]
    updates = stamp.bulk(
        (
            QuarterlyUpdate(
                action_id=action.pk,
                period=spec.period,
                narrative=spec.narrative,
                rag=spec.rag,
                status=spec.status,
            )
            for action, spec in todo
        ),
        QuarterlyUpdate,
    )
    with_notes = [action.pk for action, spec in todo if spec.notes]
    details: dict[int, list] = {}
    for detail in ActionDetail.objects.filter(action_id__in=with_notes).order_by("action_id", "order"):
        details.setdefault(detail.action_id, []).append(detail)
    notes = [
        UpdateNote(update_id=update.pk, detail_id=details[action.pk][index].pk, narrative=text)
        for (action, spec), update in zip(todo, updates, strict=True)
        for index, text in spec.notes.items()
    ]
    if notes:
        stamp.bulk(notes, UpdateNote)
    return len(updates)
