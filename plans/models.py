"""Portfolio plans: the numbered actions that turn the ambitions into work.

A PortfolioPlan (a portfolio's plan for a financial year) has sections, which are
either the strategy's ambitions or the plan's own priorities; each section has
numbered actions; each action has lettered details, and each detail its own measures of
success, target date and lead posts, as the rows of the council's plan table do (seed 001).
Plans are built by plans.builders, the one way a plan tree is written.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ambitions.models import Ambition, Commitment, Portfolio, Post
from bromley_portal.core.financial_year import FinancialYear, quarter_of
from plans.choices import (
    COMMENT_MAX_LENGTH,
    EDITABLE,
    EXCEPTION_MAX_LENGTH,
    IMPORT_ACTIVE,
    NARRATIVE_MAX_LENGTH,
    OUTSTANDING,
    REASON_MAX_LENGTH,
    REPORTED,
    STALE_AFTER_QUARTERS,
    DataQuality,
    Direction,
    FigureUnit,
    Frequency,
    ImportStatus,
    MeasureUnit,
    NoticeEvent,
    PeriodStatus,
    Polarity,
    Rag,
    ReminderKind,
    SectionKind,
    TargetStatus,
    UpdateStatus,
)


class PortfolioPlan(models.Model):
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField(
        help_text="The first calendar year of the financial year: 2023 for 2023-24."
    )
    title = models.CharField(max_length=300)
    section_kind = models.CharField(max_length=20, choices=SectionKind.choices, default=SectionKind.AMBITION)
    source = models.CharField(max_length=200, blank=True, help_text="The document it was taken from.")
    illustrative = models.BooleanField(
        default=False,
        help_text="Made up for the demo from the strategy's commitments, not a plan the council published.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "portfolio__order"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "year"], name="one_plan_per_portfolio_year")
        ]

    def __str__(self):
        return f"{self.portfolio.code} {self.year_label}"

    def get_absolute_url(self):
        return reverse("plans:plan", args=[self.portfolio.code, self.year_label])

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear(self.year)

    @property
    def year_label(self) -> str:
        return self.financial_year.label


class PlanSection(models.Model):
    """An ambition the plan serves, or one of the plan's priorities."""

    plan = models.ForeignKey(PortfolioPlan, on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveSmallIntegerField()
    ambition = models.ForeignKey(
        Ambition, on_delete=models.PROTECT, null=True, blank=True, related_name="plan_sections"
    )
    title = models.CharField(max_length=300)
    statement = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    key_strategies = models.JSONField(default=list, blank=True)
    alignment = models.JSONField(
        default=list, blank=True, help_text="What it aligns to in the corporate plan."
    )

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_section_per_number"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.label_of(self.ambition.number if self.ambition_id else None, self.number, self.title)

    @staticmethod
    def label_of(ambition_number, number, title) -> str:
        """ "Ambition 2" for a section that is an ambition, else "Priority 3: Its title" (the plan's
        spreadsheet writes it so, and its import reads it back)."""
        if ambition_number is not None:
            return f"Ambition {ambition_number}"
        return f"Priority {number}: {title}"


def target_bounds(today: date) -> tuple[date, date]:
    """Target dates have month precision: an action due in April is overdue from 1 May.

    Returns (the first of this month, the last day of this quarter).
    """
    year, quarter = quarter_of(today)
    return today.replace(day=1), year.quarter_bounds(quarter)[1]


def first_per_post(leads) -> list:
    """Leads (anything with a ``post_id``) in the order given, each post once: an action's leads are its
    details' in the plan's order (Action.leads, and the actions list's export)."""
    seen, first = set(), []
    for lead in leads:
        if lead.post_id not in seen:
            seen.add(lead.post_id)
            first.append(lead)
    return first


# The long texts of a plan section and of an ambition, which lists of actions and updates do not show.
SECTION_LONG_TEXTS = ("statement", "rationale", "key_strategies", "alignment")
AMBITION_LONG_TEXTS = ("statement", "introduction", "where_we_are_now")
TEXTS_LISTS_LEAVE_OUT = (
    *(f"section__{name}" for name in SECTION_LONG_TEXTS),
    *(f"section__ambition__{name}" for name in AMBITION_LONG_TEXTS),
)


class ActionQuerySet(models.QuerySet):
    def with_shown_update(self, period=None):
        """Annotate the update a list shows for each action: the one reported in ``period``, or the
        latest reported one when no period is given.

        ``shown_rag`` is that update's reported RAG (QuarterlyUpdate.objects.reported(), the one
        rule), or Rag.NO_UPDATE when there is none; ``shown_update_id`` and ``shown_period_id``
        say which update and quarter it is. Lists filter and sort on these.
        """
        shown = QuarterlyUpdate.objects.reported().filter(action=models.OuterRef("pk"))
        shown = shown.filter(period=period) if period else shown.order_by("-period__year", "-period__quarter")
        return self.annotate(
            shown_update_id=models.Subquery(shown.values("pk")[:1]),
            shown_period_id=models.Subquery(shown.values("period_id")[:1]),
            shown_rag=Coalesce(
                models.Subquery(shown.values("reported_rag")[:1]), models.Value(Rag.NO_UPDATE)
            ),
        )

    def for_lists(self, period=None):
        """Everything a list or export shows, in a fixed number of queries whatever its length."""
        reported = (
            QuarterlyUpdate.objects.reported().select_related("period").prefetch_related("notes__detail")
        )
        if period:
            reported = reported.filter(period=period)
        return (
            self.with_shown_update(period)
            # A row names its plan, reference and ambition (the API's): the long texts are left out of
            # the rows the database sorts to find a page (at 16,700 actions, carrying them doubled the sort).
            .select_related("section__plan__portfolio", "section__ambition")
            .defer(*TEXTS_LISTS_LEAVE_OUT)
            .prefetch_related(
                models.Prefetch("details", ActionDetail.objects.with_plan_text()),
                models.Prefetch("updates", reported, to_attr="reported_updates"),
            )
        )

    def with_plan_text(self):
        """Actions with their details, each detail's leads and measures (a fixed number of queries)."""
        return self.prefetch_related(models.Prefetch("details", ActionDetail.objects.with_plan_text()))

    def with_period_status(self, period):
        """Annotate ``period_status``: where each action's update for ``period`` stands
        (UpdateStatus.NOT_STARTED when there is none)."""
        # One update per action and period (a unique constraint): no ordering, so no join to the periods
        # for each action, only the (action, period) index.
        status = (
            QuarterlyUpdate.objects.filter(action=models.OuterRef("pk"), period=period)
            .order_by()
            .values("status")[:1]
        )
        return self.annotate(
            period_status=Coalesce(models.Subquery(status), models.Value(UpdateStatus.NOT_STARTED))
        )

    def complete_before(self, period):
        """Actions whose last update before ``period`` (approved or locked) reports them Complete
        and that nobody has reopened since (Action.reopen): they are not asked for updates in
        ``period``. The one definition the to-do lists, reminders, chasing list and update page share."""
        earlier = (
            QuarterlyUpdate.objects.reported()
            .exclude(status=UpdateStatus.NOT_RECEIVED)
            .filter(action=models.OuterRef("pk"))
            .filter(
                models.Q(period__year__lt=period.year)
                | models.Q(period__year=period.year, period__quarter__lt=period.quarter)
            )
            .order_by("-period__year", "-period__quarter")
        )
        # Only an action with an update rated (or amended to) Complete can be one: the subqueries run for
        # those few, not for every action of a large council.
        # Two lookups rather than one OR over a join of every update to its amendments: the first reads
        # the partial index of updates rated Complete alone.
        rated_complete = models.Q(
            pk__in=QuarterlyUpdate.objects.filter(rag=Rag.COMPLETE).values("action_id")
        ) | models.Q(pk__in=Amendment.objects.filter(rag=Rag.COMPLETE).values("update__action_id"))
        return (
            self.filter(rated_complete)
            .annotate(
                last_rag=models.Subquery(earlier.values("reported_rag")[:1]),
                completed_at=models.Subquery(
                    earlier.annotate(at=Coalesce("decided_at", "updated_at")).values("at")[:1]
                ),
            )
            .filter(
                models.Q(reopened_at__isnull=True) | models.Q(reopened_at__lt=models.F("completed_at")),
                last_rag=Rag.COMPLETE,
            )
        )

    def asked_in(self, period):
        """Actions of the period's year that are asked for an update in it: leaving out those reported
        Complete before (complete_before). Checked action by action (a correlated NOT EXISTS, which the
        database may still do as one anti-join over the year), so a query that stops after a page reads
        only the actions it walks."""
        complete = Action.objects.filter(pk=models.OuterRef("pk"), section__plan__year=period.year)
        return self.filter(section__plan__year=period.year).filter(
            ~models.Exists(complete.complete_before(period))
        )

    def outstanding_in(self, period):
        """Actions of the period's year whose update its lead still has to write or finish: none
        yet, a draft, or returned (choices.OUTSTANDING), leaving out those reported Complete
        before (asked_in). The to-do lists, the chasing list and the reminders all use
        this one definition."""
        # "Outstanding" is "no update for the period whose status is past them" (an anti-join the
        # database does in one pass), the same as period_status in OUTSTANDING, which rows still show.
        done = QuarterlyUpdate.objects.filter(action=models.OuterRef("pk"), period=period).exclude(
            status__in=OUTSTANDING
        )
        return self.asked_in(period).filter(~models.Exists(done)).with_period_status(period)

    def led_by(self, post_ids):
        """Actions with a detail led by one of these posts."""
        return self.filter(pk__in=DetailLead.objects.filter(post_id__in=post_ids).values("detail__action_id"))

    def unled(self):
        """Actions with a detail no post leads, or with no detail at all (the chasing list's row without
        a post)."""
        details = ActionDetail.objects.filter(action=models.OuterRef("pk"))
        return self.filter(models.Exists(details.filter(leads__isnull=True)) | ~models.Exists(details))

    def with_target_status(self, status: str, today: date):
        this_month, quarter_end = target_bounds(today)
        if status == TargetStatus.OVERDUE:
            return self.filter(target_date__lt=this_month)
        if status == TargetStatus.DUE_THIS_QUARTER:
            return self.filter(target_date__gte=this_month, target_date__lte=quarter_end)
        if status == TargetStatus.LATER:
            return self.filter(target_date__gt=quarter_end)
        if status == TargetStatus.NO_DATE:
            return self.filter(target_date__isnull=True)
        raise ValueError(f"unknown target status {status!r}")


class Action(models.Model):
    """A numbered commitment of a plan (1.4: section 1, action 4). Its lettered details carry
    the measures of success, target dates and leads, as the council's plan table does."""

    section = models.ForeignKey(PlanSection, on_delete=models.CASCADE, related_name="actions")
    number = models.PositiveIntegerField()
    title = models.TextField(help_text="The commitment or action, as the plan writes it.")
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        help_text="The strategy commitment this action serves, where one is named.",
    )
    target_date = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The latest of its details' target dates: when the whole action is due (kept by "
        "refresh_targets).",
    )
    annual_programme = models.BooleanField(
        default=False, editable=False, help_text="One of its details is in the Annual Programme (AP)."
    )
    portfolios = models.ManyToManyField(
        Portfolio, related_name="actions", blank=True, help_text="The portfolio holder plans it appears in."
    )
    reopened_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When it was last reopened after being reported complete: it is asked for updates again.",
    )
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    history = HistoricalRecords()

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["section__plan", "section__number", "number"]
        constraints = [
            # With the id beside them, a dashboard reads a section's actions (to join its updates, in the
            # order of their numbers) from this index alone, not from the table's rows.
            models.UniqueConstraint(
                fields=["section", "number"], include=["id"], name="one_action_per_number"
            )
        ]

    def __str__(self):
        return f"{self.reference} {self.title[:80]}"

    def get_absolute_url(self):
        return reverse("plans:action", args=[self.pk])

    @property
    def plan(self) -> PortfolioPlan:
        return self.section.plan

    @property
    def reference(self) -> str:
        """How a committee paper cites it: "1.4" (section 1, action 4)."""
        return self.reference_of(self.section.number, self.number)

    @staticmethod
    def reference_of(section_number, number) -> str:
        return f"{section_number}.{number}"

    @property
    def leads(self) -> list["DetailLead"]:
        """Its details' leads in the plan's order, each post once (from prefetched details)."""
        return first_per_post(lead for detail in self.details.all() for lead in detail.leads.all())

    @property
    def lead_posts(self) -> list[Post]:
        return [lead.post for lead in self.leads]

    @cached_property
    def lead_post_ids(self) -> frozenset[int]:
        """The posts that lead any of its details: who writes its update (plans.rules)."""
        if "details" in getattr(self, "_prefetched_objects_cache", {}):
            return frozenset(lead.post_id for lead in self.leads)
        return frozenset(DetailLead.objects.filter(detail__action=self).values_list("post_id", flat=True))

    @property
    def measures_of_success(self):
        """Its details' measures of success, in the plan's order (what an update gives figures for)."""
        return MeasureOfSuccess.objects.filter(detail__action=self).order_by("detail__order", "order")

    @property
    def shown_update(self) -> "QuarterlyUpdate | None":
        """The update that for_lists() chose to show (see with_shown_update)."""
        return next((u for u in self.reported_updates if u.pk == self.shown_update_id), None)

    def is_complete_before(self, period) -> bool:
        """Reported Complete before ``period`` and not reopened since (ActionQuerySet.complete_before)."""
        return Action.objects.complete_before(period).filter(pk=self.pk).exists()

    def refresh_targets(self) -> None:
        """The action is due when its last detail is; it is in the Annual Programme if a detail is."""
        targets = ActionDetail.objects.filter(action=self).aggregate(
            latest=models.Max("target_date"),
            programme=models.Count("pk", filter=models.Q(annual_programme=True)),
        )
        Action.objects.filter(pk=self.pk).update(
            target_date=targets["latest"], annual_programme=bool(targets["programme"])
        )
        self.target_date, self.annual_programme = targets["latest"], bool(targets["programme"])


class ActionDetailQuerySet(models.QuerySet):
    # These are prefetched beside their actions (Prefetch("details", ...)), so each action's details,
    # and each detail's leads and measures, need their order within their parent only. The models'
    # own orderings follow the parent to the plan's order: four joins (action, section, plan,
    # portfolio) to sort rows the prefetch groups by parent anyway.

    def in_order(self):
        """Details in their order within their action (a, b, c), without the plan's joins."""
        return self.order_by("action_id", "order")

    def with_leads(self):
        """Details with their leads' posts: what Action.leads reads (an update's card, its mail)."""
        leads = DetailLead.objects.select_related("post").order_by("detail_id", "order")
        return self.in_order().prefetch_related(models.Prefetch("leads", leads))

    def with_plan_text(self):
        """Details with their leads and measures of success: the plan table's row."""
        measures = MeasureOfSuccess.objects.order_by("detail_id", "order")
        return self.with_leads().prefetch_related(models.Prefetch("measures_of_success", measures))


class ActionDetail(models.Model):
    """A lettered detail of an action, a), b), c), with its own measures of success, target
    date and lead posts, on the same row of the plan table. A row of the plan table that
    names no detail is a detail without a letter or text."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="details")
    order = models.PositiveSmallIntegerField()
    letter = models.CharField(max_length=3, blank=True)
    text = models.TextField(blank=True)
    target_date = models.DateField(
        null=True, blank=True, help_text="The month it is due by (kept as the first of the month)."
    )
    annual_programme = models.BooleanField(
        default=False, help_text="(AP): part of the Annual Programme, which runs every year."
    )
    target_to_confirm = models.BooleanField(
        default=False,
        help_text="Rolled forward from last year's plan: the lead is asked to confirm or change the date.",
    )
    history = HistoricalRecords()

    objects = ActionDetailQuerySet.as_manager()

    class Meta:
        ordering = ["action", "order"]
        constraints = [models.UniqueConstraint(fields=["action", "order"], name="one_detail_per_place")]

    def __str__(self):
        return self.written(self.letter, self.text) or "(no detail)"

    @staticmethod
    def written(letter: str, text: str) -> str:
        """As the plan table writes it: "a) Its text"; "" for a row that names no detail."""
        if letter:
            return f"{letter}) {text}"
        return text

    @property
    def label(self) -> str:
        """How a paper refers to it: "a)"; a row without a letter is "—"."""
        return f"{self.letter})" if self.letter else "—"

    @property
    def target_text(self) -> str:
        return self.target_text_of(self.target_date, self.annual_programme)

    @staticmethod
    def target_text_of(target_date, annual_programme) -> str:
        """As the plan writes it: "April 2024 (AP)"; "" without a target date."""
        if target_date is None:
            return ""
        return f"{target_date:%B %Y}" + (" (AP)" if annual_programme else "")


class DetailLead(models.Model):
    """A post that leads a detail, in the plan's order, with the title as the plan writes it
    ("Director of Education") beside the post it is ("Director Education")."""

    detail = models.ForeignKey(ActionDetail, on_delete=models.CASCADE, related_name="leads")
    order = models.PositiveSmallIntegerField()
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="detail_leads")
    written_as = models.CharField(
        max_length=200, blank=True, help_text="As the plan writes the lead's title."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["detail", "order"]
        constraints = [
            models.UniqueConstraint(fields=["detail", "post"], name="one_lead_per_post_per_detail"),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return self.title_of(self.written_as, self.post.title)

    @staticmethod
    def title_of(written_as: str, post_title: str) -> str:
        """As the plan writes it, else the post's title."""
        return written_as or post_title


class MeasureOfSuccess(models.Model):
    """How the plan says a detail's success will be judged (free text; KPIs are Measures)."""

    detail = models.ForeignKey(ActionDetail, on_delete=models.CASCADE, related_name="measures_of_success")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()
    unit = models.CharField(
        max_length=20,
        choices=FigureUnit.choices,
        default=FigureUnit.TEXT,
        help_text="What an update's figure for it is counted in; words for a qualitative measure.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "measures of success"
        ordering = ["detail", "order"]

    def __str__(self):
        return self.text


class ReportingPeriod(models.Model):
    """A quarter of a financial year in which action leads report progress."""

    year = models.PositiveSmallIntegerField(help_text="The first calendar year of the financial year.")
    quarter = models.PositiveSmallIntegerField(choices=[(q, f"Quarter {q}") for q in (1, 2, 3, 4)])
    opens_on = models.DateField(help_text="When leads can start writing updates.")
    due_on = models.DateField(help_text="When updates are due.")
    locks_on = models.DateField(help_text="When the period is locked for committee.")
    status = models.CharField(max_length=20, choices=PeriodStatus.choices, default=PeriodStatus.PLANNED)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="one_period_per_quarter"),
            models.CheckConstraint(
                condition=models.Q(opens_on__lte=models.F("due_on"))
                & models.Q(due_on__lte=models.F("locks_on")),
                name="period_dates_in_order",
            ),
        ]

    def __str__(self):
        return f"{FinancialYear(self.year).label} Q{self.quarter}"

    @classmethod
    def default_dates(cls, year: int, quarter: int) -> dict[str, date]:
        """Leads write in the last fortnight of the quarter; due a fortnight after it ends; locked six weeks after."""
        end = FinancialYear(year).quarter_bounds(quarter)[1]
        return {
            "opens_on": end - timedelta(days=14),
            "due_on": end + timedelta(days=14),
            "locks_on": end + timedelta(days=42),
        }

    @classmethod
    def ensure_year(cls, year: int, user=None) -> list["ReportingPeriod"]:
        """The four reporting periods of a financial year, made (not yet open) where missing."""
        periods = []
        for quarter in (1, 2, 3, 4):
            period = cls.objects.filter(year=year, quarter=quarter).first()
            if period is None:
                period = cls(year=year, quarter=quarter, **cls.default_dates(year, quarter))
                period._history_user = user
                period.save()
            periods.append(period)
        return periods

    @property
    def financial_year(self) -> FinancialYear:
        return FinancialYear(self.year)

    @property
    def bounds(self) -> tuple[date, date]:
        return self.financial_year.quarter_bounds(self.quarter)

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN

    @property
    def is_locked(self) -> bool:
        return self.status == PeriodStatus.LOCKED

    def previous(self) -> "ReportingPeriod | None":
        year, quarter = (self.year, self.quarter - 1) if self.quarter > 1 else (self.year - 1, 4)
        return ReportingPeriod.objects.filter(year=year, quarter=quarter).first()

    def plans(self):
        """The plans whose actions report in this period: those of its financial year."""
        return PortfolioPlan.objects.filter(year=self.year)


class Delegation(models.Model):
    """A post holder lets someone else write the updates for their post's actions."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="delegations")
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations"
    )
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "delegate"], name="one_delegation_per_person")]

    def __str__(self):
        return f"{self.delegate} for {self.post}"


def _day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


# The history change reason of a save by an update's lead (plans.services.save_update).
WRITTEN = "Written by its lead"


class QuarterlyUpdateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Members read reported updates only (approved, locked, or closed as not received);
        everyone else with a role reads all."""
        if user.has_perm("plans.view_unapproved_updates"):
            return self
        return self.filter(status__in=REPORTED)

    def with_reported(self):
        """The one rule for what an update reports, once amendments are taken into account.

        - ``reported_rag``: the RAG of its latest amendment that gives one, else its own; an
          update published without a RAG counts as Rag.NOT_RATED. (An amendment that only
          corrects the text leaves the RAG as it was.) An update closed as not received when
          its period was locked reports Rag.NO_UPDATE, as an action with no update at all does.
        - ``amended_narrative``: the text of its latest amendment, if any (an amendment always
          gives the whole corrected text); ``reported_narrative`` reads it.

        Dashboards, lists, exports, the action page and every report read these annotations.
        """
        latest = Amendment.objects.filter(update=models.OuterRef("pk")).order_by("-created_at", "-pk")
        # Few updates are ever amended: each subquery runs only for an update in the (hashed) list of
        # those with an amendment, so counting thousands of updates does not probe the amendments for each.
        # A CASE evaluates its branches lazily in PostgreSQL (and SQLite).
        rag_amended = latest.exclude(rag="")
        return self.annotate(
            reported_rag=models.Case(
                models.When(status=UpdateStatus.NOT_RECEIVED, then=models.Value(Rag.NO_UPDATE)),
                models.When(
                    models.Q(pk__in=Amendment.objects.order_by().exclude(rag="").values("update_id")),
                    then=models.Subquery(rag_amended.values("rag")[:1]),
                ),
                default=Coalesce(NullIf(models.F("rag"), models.Value("")), models.Value(Rag.NOT_RATED)),
            ),
            amended_narrative=models.Case(
                models.When(
                    models.Q(pk__in=Amendment.objects.order_by().values("update_id")),
                    then=models.Subquery(latest.values("narrative")[:1]),
                ),
                default=None,
                output_field=models.TextField(),
            ),
        )

    def reported(self):
        """Reported updates (approved, locked, or closed as not received), with what they report
        (see with_reported)."""
        return self.filter(status__in=REPORTED).with_reported()


class QuarterlyUpdate(models.Model):
    """An action lead's report of progress on one action in one reporting period."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="updates")
    rag = models.CharField("RAG status", max_length=20, choices=Rag.choices_of(*Rag.chosen()), blank=True)
    narrative = models.TextField(
        blank=True, max_length=NARRATIVE_MAX_LENGTH, validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)]
    )
    # A red or amber update says why, what is being done, and when it will be back on track.
    reason = models.TextField(
        "Reason",
        blank=True,
        max_length=EXCEPTION_MAX_LENGTH,
        validators=[MaxLengthValidator(EXCEPTION_MAX_LENGTH)],
    )
    mitigation = models.TextField(
        blank=True, max_length=EXCEPTION_MAX_LENGTH, validators=[MaxLengthValidator(EXCEPTION_MAX_LENGTH)]
    )
    recovery_date = models.DateField(
        null=True, blank=True, help_text="When it is expected to be back on track."
    )
    evidence_links = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=UpdateStatus.choices_of(*UpdateStatus.stored()), default=UpdateStatus.DRAFT
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Raised on every save; a stale save is refused."
    )
    return_comment = models.TextField(
        blank=True, max_length=COMMENT_MAX_LENGTH, validators=[MaxLengthValidator(COMMENT_MAX_LENGTH)]
    )
    chased = models.JSONField(
        default=dict,
        blank=True,
        help_text="For an update closed as not received: who was chased for it and the reminders sent, "
        "as they were when the period was locked.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = QuarterlyUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-period__year", "-period__quarter"]
        constraints = [
            models.UniqueConstraint(fields=["action", "period"], name="one_update_per_action_period")
        ]
        indexes = [
            # The periods list counts updates by period and status, the period overview by period,
            # status and action, and the dashboards by period and reported RAG (the id and RAG beside
            # them), from this index alone (index-only scans, no table rows read).
            models.Index(
                fields=["period", "status", "action"],
                include=["id", "rag"],
                name="update_period_status_action",
            ),
            # The periods list counts every update by period and status (tens of thousands at 100 times
            # the demo): from this narrow index alone, which the planner reads rather than the table.
            models.Index(fields=["period", "status"], name="update_period_status"),
            # The few updates rated Complete: where ActionQuerySet.complete_before starts.
            models.Index(fields=["action"], condition=models.Q(rag="complete"), name="update_rated_complete"),
        ]

    def __str__(self):
        return f"{self.action.reference} {self.period}"

    def get_absolute_url(self):
        return reverse("plans:update", args=[self.action_id, self.period_id])

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def is_reported(self) -> bool:
        return self.status in REPORTED

    @property
    def is_submitted(self) -> bool:
        return self.status == UpdateStatus.SUBMITTED

    @property
    def is_returned(self) -> bool:
        return self.status == UpdateStatus.RETURNED

    @property
    def is_approved(self) -> bool:
        return self.status == UpdateStatus.APPROVED

    @property
    def is_locked(self) -> bool:
        return self.status == UpdateStatus.LOCKED

    @property
    def is_not_received(self) -> bool:
        return self.status == UpdateStatus.NOT_RECEIVED

    @property
    def chase_lines(self) -> list[str]:
        """Who was chased for an update closed as not received, in plain English."""
        if not self.is_not_received:
            return []
        chased = self.chased or {}
        was = {
            UpdateStatus.DRAFT: "It was still a draft when the period was locked.",
            UpdateStatus.SUBMITTED: "It was submitted but not approved when the period was locked.",
            UpdateStatus.RETURNED: "It had been returned to its lead and not resubmitted when the period was locked.",
        }.get(chased.get("was"), "No update had been started when the period was locked.")
        lines = [was]
        lines.append("Lead: " + ("; ".join(chased.get("leads", [])) or "no lead post holder") + ".")
        lines.append(
            "Approver: " + ("; ".join(chased.get("approvers", [])) or "none for the portfolio") + "."
        )
        reminders = chased.get("reminders", [])
        if reminders:
            lines.append(
                "Reminders sent: "
                + "; ".join(f"{r['kind']} to {r['to']} on {_day(r['on'])}" for r in reminders)
                + "."
            )
        else:
            lines.append("No reminders were sent.")
        return lines

    @property
    def exception_lines(self) -> list[str]:
        """A red or amber update's reason, mitigation and recovery date, as every page and report
        prints them beside its narrative (empty when none was given)."""
        lines = []
        if self.reason:
            lines.append(f"Reason: {self.reason}")
        if self.mitigation:
            lines.append(f"Mitigation: {self.mitigation}")
        if self.recovery_date:
            lines.append(f"Recovery date: {self.recovery_date.day} {self.recovery_date:%B %Y}")
        return lines

    def author_ids(self) -> frozenset[int]:
        """Who wrote or submitted this update: its creator, its submitter and everyone who saved it
        as its lead (history records of drafts and submissions, or marked as written). Separation
        of duties (plans.rules) keeps them from approving, returning or amending it."""
        if not hasattr(self, "_author_ids"):
            ids = {self.created_by_id, self.submitted_by_id}
            if self.pk:
                ids |= set(
                    self.history.filter(
                        models.Q(status__in=[UpdateStatus.DRAFT, UpdateStatus.SUBMITTED])
                        | models.Q(history_change_reason=WRITTEN)
                    ).values_list("history_user_id", flat=True)
                )
            self._author_ids = frozenset(ids - {None})
        return self._author_ids

    @property
    def is_amended(self) -> bool:
        return bool(self._reported("amended_narrative"))

    @property
    def reported_narrative(self) -> str:
        """The text it reports: its latest amendment's, else its own with its notes on details
        (see with_reported, whose annotations this reads)."""
        amended = self._reported("amended_narrative")
        if amended:
            return amended
        return self.narrative_with_notes(self.narrative, self.notes_in_order())

    @staticmethod
    def narrative_with_notes(narrative: str, notes_in_order) -> str:
        """An unamended update's text: its own narrative, then each note on details after what it covers
        (``notes_in_order`` as UpdateNote.in_order gives them)."""
        parts = [narrative] if narrative else []
        parts += [f"{note.covers}: {note.narrative}" for note in notes_in_order]
        return "\n\n".join(parts)

    def notes_in_order(self) -> list["UpdateNote"]:
        """Its notes on details, in the plan's order, each knowing which details it covers."""
        notes = list(self.notes.all())
        return UpdateNote.in_order(notes, list(self.action.details.all()) if notes else [])

    def _reported(self, name):
        try:
            return getattr(self, name)
        except AttributeError:
            raise AttributeError(
                f"{name} is an annotation: fetch updates with QuarterlyUpdate.objects.reported() or "
                ".with_reported(), the one rule for what an update reports."
            ) from None


class UpdateNote(models.Model):
    """Progress on a detail, where the plan writes an update per row rather than one per action.

    A note sits on the last detail of the plan table's row it covers, and covers that detail and
    those before it back to the previous note (seed 001, action 1.1: one note on b) covering a)
    and b), another on d) covering c) and d)).
    """

    update = models.ForeignKey(QuarterlyUpdate, on_delete=models.CASCADE, related_name="notes")
    # A published update's words stay with the detail they are about: a detail with notes is
    # not deleted (plans.builders refuses with a message first).
    detail = models.ForeignKey(ActionDetail, on_delete=models.RESTRICT, related_name="update_notes")
    narrative = models.TextField()
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["update", "detail"], name="one_note_per_detail")]

    def __str__(self):
        return f"{self.update}: {self.covers}"

    @staticmethod
    def in_order(notes, details) -> list["UpdateNote"]:
        """An update's notes in the plan's order, each knowing the details it covers (``covered``):
        its own and those before it back to the previous note. ``details`` are the action's, in order;
        each note takes its detail from them, so prefetched details cost no query a note."""
        by_pk = {detail.pk: detail for detail in details}
        for note in notes:
            if note.detail_id in by_pk:
                note.detail = by_pk[note.detail_id]
        notes = sorted(notes, key=lambda note: note.detail.order)
        start = 0
        for note in notes:
            end = next((i for i, d in enumerate(details) if d.pk == note.detail_id), start) + 1
            note.covered = details[start:end] or [note.detail]
            start = end
        return notes

    @property
    def covers(self) -> str:
        """ "a) and b)", "c)", "a) to c)" (set by QuarterlyUpdate.notes_in_order); "this row" for a
        row of the plan table that names no detail."""
        details = getattr(self, "covered", None) or [self.detail]
        labels = [detail.label for detail in details if detail.letter] or ["this row"]
        if len(labels) == 1:
            return labels[0]
        if len(labels) == 2:
            return f"{labels[0]} and {labels[1]}"
        return f"{labels[0]} to {labels[-1]}"


class MeasureFigure(models.Model):
    """A figure reported against one of the action's measures of success."""

    update = models.ForeignKey(QuarterlyUpdate, on_delete=models.CASCADE, related_name="figures")
    measure = models.ForeignKey(MeasureOfSuccess, on_delete=models.CASCADE, related_name="figures")
    value = models.CharField(max_length=200, help_text="As its lead wrote it.")
    number = models.DecimalField(
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The figure as a number, in the measure's unit (none for a qualitative measure).",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["update", "measure"], name="one_figure_per_measure")]

    def __str__(self):
        return f"{self.measure}: {self.value}"


class Amendment(models.Model):
    """A correction to a locked update. The original is never changed; this sits beside it."""

    update = models.ForeignKey(QuarterlyUpdate, on_delete=models.PROTECT, related_name="amendments")
    rag = models.CharField("RAG status", max_length=20, choices=Rag.choices, blank=True)
    narrative = models.TextField(
        max_length=NARRATIVE_MAX_LENGTH, validators=[MaxLengthValidator(NARRATIVE_MAX_LENGTH)]
    )
    reason = models.TextField(
        max_length=REASON_MAX_LENGTH, validators=[MaxLengthValidator(REASON_MAX_LENGTH)]
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Amendment to {self.update} on {self.created_at:%d %B %Y}"


class Reminder(models.Model):
    """A reminder e-mail sent, so the same reminder is never sent twice."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    item_count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "kind", "recipient"], name="one_reminder_of_a_kind_per_person"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} for {self.period}"


class UpdateNotice(models.Model):
    """An e-mail about one move of one update (plans.notices), so the same one is never sent twice:
    a retried task, or two workers, find the row taken and send nothing."""

    update = models.ForeignKey(QuarterlyUpdate, on_delete=models.CASCADE, related_name="notices")
    event = models.CharField(max_length=20, choices=NoticeEvent.choices)
    version = models.PositiveIntegerField(help_text="The update's version the move made.")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["update", "event", "version", "recipient"], name="one_notice_per_move_per_person"
            )
        ]

    def __str__(self):
        return f"{self.get_event_display()}: {self.update} to {self.recipient}"


class MailPreference(models.Model):
    """How an approver hears of updates submitted to them: one e-mail each, or a daily digest."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plans_mail")
    daily_digest = models.BooleanField(
        default=False,
        help_text="One e-mail a day listing the updates waiting for approval, instead of one for each.",
    )

    def __str__(self):
        return f"{self.user}: {'daily digest' if self.daily_digest else 'one e-mail per update'}"


class DigestSent(models.Model):
    """A day's approvals digest sent to one approver, so it is sent once that day."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    item_count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="one_digest_per_day")]

    def __str__(self):
        return f"Digest to {self.recipient} on {self.day}"


# Which way is better, as a sign: a figure above target is good for "higher is better".
BETTER = {Polarity.HIGHER_IS_BETTER: 1, Polarity.LOWER_IS_BETTER: -1}
OFF_TARGET = (Rag.RED, Rag.AMBER)


@dataclass(frozen=True)
class Assessment:
    rag: str | None
    direction: str
    flags: list[str]

    @property
    def off_target(self) -> bool:
        return self.rag in OFF_TARGET


class Measure(models.Model):
    """A key performance indicator, with readings each period against a target and comparators."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=300)
    definition = models.TextField()
    unit = models.CharField(max_length=20, choices=MeasureUnit.choices)
    polarity = models.CharField(max_length=20, choices=Polarity.choices)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    tolerance = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=0,
        help_text="How far short of target, in the measure's own unit, still counts as amber rather than red.",
    )
    owner_post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="measures"
    )
    actions = models.ManyToManyField(Action, related_name="measures", blank=True)
    ambitions = models.ManyToManyField(Ambition, related_name="measures", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("plans:measure", args=[self.slug])

    def is_stale(self, reading: "Reading | None", period: "ReportingPeriod | None") -> bool:
        """Whether ``reading`` is out of date for a page about ``period``: it lags it by more quarters
        than the measure's frequency allows (choices.STALE_AFTER_QUARTERS). The one rule: the dashboards,
        the measure page and any report read it through assess()."""
        if reading is None or period is None:
            return False
        lag = (period.year * 4 + period.quarter) - (reading.period.year * 4 + reading.period.quarter)
        return lag > STALE_AFTER_QUARTERS.get(self.frequency, 1)

    def assess(
        self,
        reading: "Reading | None",
        previous: "Reading | None" = None,
        period: "ReportingPeriod | None" = None,
    ) -> "Assessment":
        """The one place that judges a reading: RAG against target, direction of travel, data quality.

        - RAG: on or beyond target is green; short of it by no more than the tolerance (in the
          measure's own unit) is amber; further short is red. No target, or a measure where
          neither direction is better, has no RAG.
        - Direction: against the previous reading, in the measure's polarity. Not known without
          a previous reading, or when the definition changed in between.
        - Data quality: no reading this period, no target, definition changed, an estimated
          figure, and (given the period it is read ``as_at``) a reading older than the measure's
          frequency allows: a monthly or quarterly measure's from an earlier quarter, an annual
          measure's from four or more quarters before.
        """
        flags = []
        if reading is None:
            return Assessment(rag=None, direction=Direction.NOT_KNOWN, flags=[DataQuality.NO_READING])
        if reading.target is None:
            flags.append(DataQuality.NO_TARGET)
        if reading.definition_changed:
            flags.append(DataQuality.DEFINITION_CHANGED)
        if reading.estimated:
            flags.append(DataQuality.ESTIMATED)
        if self.is_stale(reading, period):
            flags.append(DataQuality.STALE)
        better = BETTER.get(self.polarity, 0)
        rag = self.judge(self.polarity, self.tolerance, reading.target, reading.actual)
        if previous is None or reading.definition_changed:
            direction = Direction.NOT_KNOWN
        elif reading.actual == previous.actual:
            direction = Direction.NO_CHANGE
        elif not better:
            direction = Direction.CHANGED
        else:
            direction = (
                Direction.IMPROVING
                if (reading.actual - previous.actual) * better > 0
                else Direction.WORSENING
            )
        return Assessment(rag=rag, direction=direction, flags=flags)

    @staticmethod
    def judge(polarity, tolerance, target, actual) -> str | None:
        """The RAG of a figure against its target, the one rule (assess() uses it, and so does the
        corporate overview on bare values): on or beyond target is green; short of it by no more than
        the tolerance (in the measure's own unit) is amber; further short is red. No target, or a
        measure where neither direction is better, has no RAG."""
        better = BETTER.get(polarity, 0)
        if target is None or not better:
            return None
        shortfall = (target - actual) * better  # > 0 means short of target
        if shortfall <= 0:
            return Rag.GREEN
        return Rag.AMBER if shortfall <= tolerance else Rag.RED

    def format(self, value) -> str:
        """A value as the council writes it: 59%, 43 per 10,000, £1,250,000, 1,204."""
        if value is None:
            return "—"
        number = f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
        return {
            MeasureUnit.PERCENTAGE: f"{number}%",
            MeasureUnit.RATE_PER_10K: f"{number} per 10,000",
            MeasureUnit.MONEY: f"£{number}",
        }.get(self.unit, number)


class Reading(models.Model):
    """A measure's published figure for a period, with its target and comparators."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="readings")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="readings")
    actual = models.DecimalField(max_digits=14, decimal_places=2)
    target = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    england = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    london = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    statistical_neighbours = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    definition_changed = models.BooleanField(
        default=False,
        help_text="The definition changed from this reading, so it does not compare with earlier ones.",
    )
    estimated = models.BooleanField(
        default=False, help_text="The figure is an estimate or provisional, to be confirmed."
    )
    source = models.TextField(blank=True, help_text="Where the figure was published.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "period__year", "period__quarter"]
        constraints = [models.UniqueConstraint(fields=["measure", "period"], name="one_reading_per_period")]
        # The measures that can be judged (the corporate overview's measures off target) are found
        # from the readings with a target, a few of many.
        indexes = [
            models.Index(
                fields=["measure"], condition=models.Q(target__isnull=False), name="reading_with_target"
            ),
        ]

    def __str__(self):
        return f"{self.measure}: {self.actual} ({self.period})"


class PlanImportJob(models.Model):
    """A plan file imported by a worker (plans.tasks.import_plan), with its progress and what came of it.

    The file is stored privately through the default storage (under ``plan-imports/``, never linked)
    and deleted when the import finishes, whatever the outcome.
    """

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(help_text="The start of the plan's financial year.")
    updates_period = models.ForeignKey(
        ReportingPeriod, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file = models.FileField(upload_to="plan-imports/", max_length=300, blank=True)
    filename = models.CharField(max_length=255, help_text="The name of the file as uploaded.")
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    stage = models.CharField(max_length=200, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="The problems listed: [line, column, message] each."
    )
    errors_not_listed = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=list, blank=True, help_text="What the import did, in sentences.")
    plan = models.ForeignKey(
        PortfolioPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    preview = models.BooleanField(
        default=False,
        help_text="A check only: the file is read and the import worked out without saving anything, "
        "for the person to confirm.",
    )
    signature = models.CharField(
        max_length=64, blank=True, help_text="What the previewed import does to the plan as it was."
    )
    applies = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applied_by",
        help_text="The preview this job imports, as it was confirmed (a preview is confirmed once).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="import_percent_at_most_100")
        ]

    def __str__(self):
        return f"{self.filename} into {self.portfolio.code} {FinancialYear(self.year).label}"

    def get_absolute_url(self):
        return reverse("plans:import_job", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in IMPORT_ACTIVE

    @property
    def is_done(self) -> bool:
        return self.status == ImportStatus.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == ImportStatus.FAILED

    @property
    def year_label(self) -> str:
        return FinancialYear(self.year).label

    @property
    def awaits_confirmation(self) -> bool:
        """A preview that checked out and has not been confirmed yet."""
        return self.preview and self.is_done and bool(self.file) and not hasattr(self, "applied_by")

    @property
    def problems(self) -> list[dict]:
        return [{"line": line, "column": column, "message": message} for line, column, message in self.errors]


class PeriodCount(models.Model):
    """Stored counts (kept by plans.counts, the one place that writes them): how many of the period's
    updates of one section's actions have this status and reported RAG; status "not started" counts the
    section's actions (of the period's year) with no update in the period, so a section's rows add up to
    its actions. The periods list, the period overview and the dashboards' RAG counts read these."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="+")
    section = models.ForeignKey(PlanSection, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20)
    rag = models.CharField(max_length=20, help_text="The updates' reported RAG (with_reported).")
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "section", "status", "rag"], name="one_count_per_kind")
        ]

    def __str__(self):
        return f"{self.period_id} {self.section_id} {self.status} {self.rag}: {self.n}"


class LeadCount(models.Model):
    """Stored counts (kept by plans.counts) for an open period: how many actions of its year asked for an
    update in it (not reported Complete before) stand at this status, by their section and the set of posts
    leading their details. My actions and the chasing list read these: the totals, and, by section, where in
    plan order a page's actions are (so the page's query walks those sections alone)."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="+")
    section = models.ForeignKey(PlanSection, on_delete=models.CASCADE, related_name="+")
    lead_posts = models.TextField(blank=True, help_text="The ids of the posts leading its details, in order.")
    unled = models.BooleanField(help_text="A detail without a lead, or no detail at all.")
    status = models.CharField(max_length=20)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "section", "lead_posts", "unled", "status"], name="one_lead_count_per_kind"
            )
        ]

    def __str__(self):
        unled = " unled" if self.unled else ""
        return f"{self.period_id} {self.section_id} [{self.lead_posts}{unled}] {self.status}: {self.n}"

    @property
    def post_ids(self) -> set[int]:
        return {int(post) for post in self.lead_posts.split(",") if post}
