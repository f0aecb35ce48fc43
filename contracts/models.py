"""The contract register: the council's contracts, how risky each is, whether it is approaching its end,
and the register as it stood at each reporting cycle (seed 004, Appendices 1 to 3).

Two figures are kept on the contract by contracts.services, the one place that works them out:
its risk index and level (refresh_risk, from its criterion scores, the criteria's weights and the
threshold) and the date from which it counts as approaching its end (refresh_flag, from its total
value, its end date and the flagging rules). Its procurement status on a date follows from those
and its manual rating (ContractQuerySet.with_statuses, the one rule).
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ambitions.models import Portfolio
from contracts.choices import (
    FUNDING_LABELS,
    PROCUREMENT_ORDER,
    REGISTER_THRESHOLD,
    RISK_SCORE_MAX,
    ProcurementStatus,
    RiskLevel,
)
from contracts.procurement_act import KPI_RATING_ORDER, KPIRating

MONEY = {"max_digits": 14, "decimal_places": 2}


def _non_negative(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__gte": 0}) | models.Q(**{f"{field}__isnull": True}), name=name
    )


# Risk index and flagging rules: data an admin edits --------------------------------------------


class RiskCriterion(models.Model):
    """One of the eight weighted criteria of the risk index (Appendix 2, paragraph 1.3)."""

    order = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, help_text="What a high score means, for whoever scores it.")
    weight = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Its share of the index: the index is the weighted average of the scores, out of 100.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "risk criteria"
        ordering = ["order"]
        constraints = [models.CheckConstraint(condition=models.Q(weight__gte=1), name="risk_weight_positive")]

    def __str__(self):
        return self.name


class RiskIndexSettings(models.Model):
    """The threshold at or above which a contract is Higher Risk (one row)."""

    threshold = models.PositiveSmallIntegerField(
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="A risk index (out of 100) at or above this is reported as Higher Risk.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = verbose_name_plural = "risk index settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(threshold__lte=100), name="risk_threshold_out_of_100"),
        ]

    def __str__(self):
        return f"Higher Risk from {self.threshold}"

    @classmethod
    def current(cls) -> "RiskIndexSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class FlaggingRule(models.Model):
    """A contract whose total value is in [minimum, maximum) is flagged as approaching its end this
    many months before its end date (Appendix 2, paragraph 1.4)."""

    minimum_value = models.DecimalField(**MONEY, help_text="From this total contract value (£), inclusive.")
    maximum_value = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="Up to this total contract value (£), exclusive; blank for no limit.",
    )
    months_before_end = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Flag the contract this many months before its end date.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["minimum_value"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum_value__gte=0), name="flag_minimum_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(maximum_value__isnull=True)
                | models.Q(maximum_value__gt=models.F("minimum_value")),
                name="flag_band_in_order",
            ),
            models.UniqueConstraint(fields=["minimum_value"], name="one_flag_rule_per_band"),
        ]

    def __str__(self):
        upper = f"£{self.maximum_value:,.0f}" if self.maximum_value is not None else "any higher value"
        return f"£{self.minimum_value:,.0f} to {upper}: {self.months_before_end} months before its end"

    def covers(self, value) -> bool:
        return value >= self.minimum_value and (self.maximum_value is None or value < self.maximum_value)


# Contracts ------------------------------------------------------------------------------------


def register_ordering() -> list:
    """The register's order (Appendix 2, 1.2), the one definition every list, extract and report uses:
    capital contracts at the foot; above them, contracts of concern first, then procurement status
    (worst first), portfolio and total value (largest first).

    It reads ``capital``, ``concern``, ``procurement_status``, ``portfolio__order`` and ``total_value``,
    which a contract annotated by ContractQuerySet.with_statuses and a frozen RegisterEntry both have.
    """
    status_rank = models.Case(
        *(
            models.When(procurement_status=s, then=models.Value(rank))
            for rank, s in enumerate(PROCUREMENT_ORDER)
        ),
        default=models.Value(len(PROCUREMENT_ORDER)),
        output_field=models.IntegerField(),
    )
    return [
        models.F("capital").asc(),
        models.F("concern").desc(),
        status_rank.asc(),
        models.F("portfolio__order").asc(),
        models.F("total_value").desc(),
        models.F("pk").asc(),
    ]


@dataclass(frozen=True)
class KPISummary:
    """A contract's KPI assessments in the register (Procurement Act 2023): the worst of its KPIs'
    latest ratings, how many of its KPIs have that rating and how many have a rating at all."""

    rating: KPIRating
    count: int
    assessed: int

    @property
    def counts(self) -> str:
        """ "1 of 3 KPIs": how many of the assessed KPIs have the worst rating."""
        return f"{self.count} of {self.assessed} KPI{'s' if self.assessed != 1 else ''}"

    @property
    def text(self) -> str:
        """As exports and extracts print it: "Inadequate (1 of 3 KPIs)"."""
        return f"{self.rating.label} ({self.counts})"


def kpi_summary(record) -> KPISummary | None:
    """The KPI summary of a contract annotated by ContractQuerySet.with_kpi_summary or of a frozen
    RegisterEntry (both carry ``kpi_rating``, ``kpi_rating_count`` and ``kpi_assessed``); None when
    none of its KPIs had been assessed. The one reading of it every table, export and extract uses."""
    rating = getattr(record, "kpi_rating", None)
    if not rating:
        return None
    return KPISummary(KPIRating(rating), record.kpi_rating_count or 0, record.kpi_assessed or 0)


class ContractQuerySet(models.QuerySet):
    def with_statuses(self, as_at: date):
        """Annotate ``procurement_status`` on ``as_at``, the one rule: a contract flagged by then (its
        ``flagged_from`` has come, or it is flagged by hand) shows its manual rating, or AWAITING
        when it has none; any other contract is NEUTRAL."""
        flagged = models.Q(always_flag=True) | models.Q(flagged_from__lte=as_at)
        return self.annotate(
            procurement_status=models.Case(
                models.When(
                    flagged,
                    then=models.functions.Coalesce(
                        models.F("rating__rag"), models.Value(ProcurementStatus.AWAITING.value)
                    ),
                ),
                default=models.Value(ProcurementStatus.NEUTRAL.value),
                output_field=models.CharField(),
            )
        )

    def with_kpi_summary(self, as_at: date):
        """Annotate the KPI summary on ``as_at``, the one rule (read through ``kpi_summary``): each KPI's
        latest assessment on or before that date; ``kpi_rating`` the worst of those ratings
        (KPI_RATING_ORDER; None when none is assessed), ``kpi_rating_count`` how many KPIs have it and
        ``kpi_assessed`` how many have an assessment. Subqueries: no extra query per contract."""
        rank = models.Case(
            *(models.When(rating=r, then=models.Value(i)) for i, r in enumerate(KPI_RATING_ORDER)),
            output_field=models.IntegerField(),
        )
        latest_rank = models.Subquery(
            KPIAssessment.objects.filter(kpi=models.OuterRef("pk"), assessed_on__lte=as_at)
            .order_by("-assessed_on", "-pk")
            .annotate(rank=rank)
            .values("rank")[:1]
        )
        assessed = (
            ContractKPI.objects.filter(contract=models.OuterRef("pk"))
            .annotate(latest_rank=latest_rank)
            .filter(latest_rank__isnull=False)
            .order_by()
        )

        def count(kpis):
            return models.functions.Coalesce(
                models.Subquery(kpis.values("contract").annotate(n=models.Count("pk")).values("n")[:1]),
                models.Value(0),
            )

        worst = models.Subquery(assessed.order_by("latest_rank").values("latest_rank")[:1])
        return self.annotate(kpi_rank=worst).annotate(
            kpi_rating=models.Case(
                *(
                    models.When(kpi_rank=i, then=models.Value(r.value))
                    for i, r in enumerate(KPI_RATING_ORDER)
                ),
                default=models.Value(None),
                output_field=models.CharField(),
            ),
            kpi_rating_count=count(assessed.filter(latest_rank=models.OuterRef("kpi_rank"))),
            kpi_assessed=count(assessed),
        )

    def in_register(self, as_at: date):
        """The contracts a register as at ``as_at`` lists: £50k or more, not ended by then."""
        return self.filter(total_value__gte=REGISTER_THRESHOLD, end_date__gte=as_at)

    def for_lists(self, as_at: date):
        """Everything a list or export shows (Part 1 only), in a fixed number of queries, in register order."""
        return (
            self.with_statuses(as_at)
            .with_kpi_summary(as_at)
            .select_related("portfolio", "owner", "approver", "rating__set_by")
            .order_by(*register_ordering())
        )


class Contract(models.Model):
    """A contract of the council's Contracts Database, with every field of the register (Appendix 2)."""

    council_id = models.CharField(
        "contract ID",
        max_length=20,
        unique=True,
        help_text="The council's unique reference, used in contract authorisations.",
    )
    title = models.CharField("contract title", max_length=300)
    supplier = models.CharField("supplier name", max_length=200, help_text="The main contractor or supplier.")
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="contracts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contracts_owned",
        help_text="The manager or commissioner with day-to-day budget or service responsibility.",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contracts_approved",
        help_text="The owner's manager, who vouches for the contract's data.",
    )
    total_value = models.DecimalField(
        "total contract value",
        **MONEY,
        help_text="£, from commencement to the end of the approved period (no unapproved extensions).",
    )
    original_annual_value = models.DecimalField(**MONEY, help_text="£, in its first year.")
    current_annual_value = models.DecimalField(
        "current annual value (estimated)",
        **MONEY,
        null=True,
        blank=True,
        help_text="£, estimated for the current contract year; blank when the owner has not given it.",
    )
    start_date = models.DateField()
    end_date = models.DateField(help_text="The approved end date, without extensions not yet authorised.")
    months_duration = models.PositiveSmallIntegerField(help_text="The contract term in months.")
    capital = models.BooleanField(
        default=False, help_text="Capital-funded (most contracts are revenue-funded)."
    )
    status_note = models.CharField(
        max_length=50, blank=True, help_text='Shown before the title in the register, e.g. "Now Live".'
    )
    concern = models.BooleanField(
        "flagged as a concern", default=False, help_text="A contract of concern to Corporate Procurement."
    )
    concern_raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    concern_raised_at = models.DateTimeField(null=True, blank=True)
    always_flag = models.BooleanField(
        "flagged by hand",
        default=False,
        help_text="Treat as approaching its end whatever the flagging rules say.",
    )
    illustrative = models.BooleanField(
        default=False, help_text="Made up for the demo, not a contract the council published."
    )
    risk_index = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Out of 100 (kept by contracts.services.refresh_risk).",
    )
    risk_level = models.CharField(
        max_length=20, choices=RiskLevel.choices, default=RiskLevel.NOT_SCORED, editable=False
    )
    flagged_from = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="From this date it counts as approaching its end (kept by contracts.services.refresh_flag).",
    )
    history = HistoricalRecords()

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["council_id"]
        constraints = [
            _non_negative("total_value", "contract_total_value_not_negative"),
            _non_negative("original_annual_value", "contract_original_annual_value_not_negative"),
            _non_negative("current_annual_value", "contract_current_annual_value_not_negative"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="contract_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=models.Q(concern=True) | models.Q(concern_raised_by__isnull=True),
                name="contract_concern_raiser_only_with_concern",
            ),
        ]
        indexes = [models.Index(fields=["end_date"]), models.Index(fields=["flagged_from"])]

    def __str__(self):
        return f"{self.council_id} {self.title}"

    def get_absolute_url(self):
        return reverse("contracts:contract", args=[self.pk])

    @property
    def funding(self) -> str:
        return FUNDING_LABELS[self.capital]

    @property
    def display_title(self) -> str:
        """As the register prints it: "** Now Live ** Educational Psychology Advice Services"."""
        return f"** {self.status_note} ** {self.title}" if self.status_note else self.title

    @property
    def risk(self) -> RiskLevel:
        return RiskLevel(self.risk_level)

    @property
    def procurement(self) -> ProcurementStatus | None:
        """Its procurement status as annotated by ContractQuerySet.with_statuses."""
        value = getattr(self, "procurement_status", None)
        return ProcurementStatus(value) if value else None

    @property
    def kpi_summary(self) -> KPISummary | None:
        """Its KPI summary as annotated by ContractQuerySet.with_kpi_summary (for_lists)."""
        return kpi_summary(self)

    @property
    def shows_rating(self) -> bool:
        """Its procurement status (annotated by with_statuses) is its manual rating."""
        rated = {status.value for status in ProcurementStatus.rated()}
        return getattr(self, "procurement_status", None) in rated


class RiskScore(models.Model):
    """A contract's score on one risk criterion, 0 (no risk) to RISK_SCORE_MAX."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="risk_scores")
    criterion = models.ForeignKey(RiskCriterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(RISK_SCORE_MAX)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(condition=models.Q(score__lte=RISK_SCORE_MAX), name="risk_score_in_range"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.score}"


class ProcurementRating(models.Model):
    """The manual Red, Amber or Green the Assistant Director Governance & Contracts gives a contract
    flagged as approaching its end, with who set it and when (its history keeps the earlier ones)."""

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="rating")
    rag = models.CharField(
        "procurement status",
        max_length=10,
        choices=ProcurementStatus.choices_of(*ProcurementStatus.rated()),
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField()
    assumed = models.BooleanField(
        default=False,
        help_text="Not published: inferred when the register was loaded (see fixtures/data/contracts_cef_2022.json).",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rag__in=[s.value for s in ProcurementStatus.rated()]),
                name="rating_is_a_rag",
            )
        ]

    def __str__(self):
        return f"{self.contract.council_id}: {ProcurementStatus(self.rag).short_label}"


class ContractCommentary(models.Model):
    """Part 2 only (exempt under Schedule 12A, paragraph 3): the owner's comment, Corporate
    Procurement's comment and the inflation mechanism. Never shown on a Part 1 page, export or paper."""

    contract = models.OneToOneField(Contract, on_delete=models.CASCADE, related_name="commentary")
    owner_comment = models.TextField(blank=True)
    procurement_comment = models.TextField("Corporate Procurement's comment", blank=True)
    inflation_mechanism = models.TextField(blank=True)
    # Optimistic locking (contracts.services): each form carries the version it read; a save against a
    # changed record is refused. owner_version covers the owner's part (comment, inflation mechanism),
    # procurement_version Corporate Procurement's part (its comment, the RAG, the concern flag).
    owner_version = models.PositiveIntegerField(default=0, editable=False)
    procurement_version = models.PositiveIntegerField(default=0, editable=False)
    owner_comment_cycle = models.ForeignKey(
        "RegisterCycle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The register cycle the owner's comment was last written for.",
    )
    owner_commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner_commented_at = models.DateTimeField(null=True, blank=True)
    # The approver vouches for the owner's part as it stood at vouched_version.
    vouched_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    vouched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vouched_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "contract commentaries"

    def __str__(self):
        return f"Commentary on {self.contract.council_id}"


# Register cycles ------------------------------------------------------------------------------


class RegisterCycle(models.Model):
    """A reporting cycle of the register, e.g. "September 2022", as at 31 August 2022. Frozen once
    (contracts.services.freeze_cycle): its entries are the register as it stood, whatever changes later."""

    name = models.CharField(max_length=50, unique=True, help_text='e.g. "September 2022"')
    as_at = models.DateField(unique=True, help_text="The date the register's data stands at.")
    frozen_at = models.DateTimeField(null=True, blank=True, editable=False)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-as_at"]

    def __str__(self):
        return self.name

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class RegisterEntry(models.Model):
    """A contract's row in a cycle's register, frozen as it stood on the cycle's as-at date (Part 1 fields
    and statuses). Names are kept as text so the row reads the same after people and posts change."""

    cycle = models.ForeignKey(RegisterCycle, on_delete=models.CASCADE, related_name="entries")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="entries")
    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="+")
    council_id = models.CharField("contract ID", max_length=20)
    title = models.CharField("contract title", max_length=300)
    status_note = models.CharField(max_length=50, blank=True)
    supplier = models.CharField("supplier name", max_length=200)
    owner_name = models.CharField("owner", max_length=200)
    approver_name = models.CharField("approver", max_length=200)
    total_value = models.DecimalField("total contract value", **MONEY)
    original_annual_value = models.DecimalField(**MONEY)
    current_annual_value = models.DecimalField(
        "current annual value (estimated)", **MONEY, null=True, blank=True
    )
    start_date = models.DateField()
    end_date = models.DateField()
    months_duration = models.PositiveSmallIntegerField()
    capital = models.BooleanField(default=False)
    concern = models.BooleanField("flagged as a concern", default=False)
    risk_index = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_level = models.CharField(max_length=20, choices=RiskLevel.choices)
    procurement_status = models.CharField(max_length=10, choices=ProcurementStatus.choices)
    rating_set_by = models.CharField(max_length=200, blank=True)
    rating_set_at = models.DateTimeField(null=True, blank=True)
    rating_assumed = models.BooleanField(default=False)
    # The KPI summary as it stood on the as-at date (ContractQuerySet.with_kpi_summary).
    kpi_rating = models.CharField(
        "worst current KPI rating", max_length=30, choices=KPIRating.choices, blank=True
    )
    kpi_rating_count = models.PositiveSmallIntegerField("KPIs with that rating", default=0)
    kpi_assessed = models.PositiveSmallIntegerField("KPIs assessed", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "register entries"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "contract"], name="one_entry_per_contract_per_cycle"),
            _non_negative("total_value", "entry_total_value_not_negative"),
            _non_negative("original_annual_value", "entry_original_annual_value_not_negative"),
            _non_negative("current_annual_value", "entry_current_annual_value_not_negative"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="entry_ends_after_it_starts"
            ),
        ]

    def __str__(self):
        return f"{self.cycle}: {self.council_id} {self.title}"

    def get_absolute_url(self):
        return reverse("contracts:contract", args=[self.contract_id])

    @property
    def funding(self) -> str:
        return FUNDING_LABELS[self.capital]

    @property
    def display_title(self) -> str:
        return f"** {self.status_note} ** {self.title}" if self.status_note else self.title

    @property
    def risk(self) -> RiskLevel:
        return RiskLevel(self.risk_level)

    @property
    def kpi_summary(self) -> KPISummary | None:
        return kpi_summary(self)


class RegisterEntryCommentary(models.Model):
    """Part 2 only: a frozen entry's commentary as it stood, for the cycle's Part 2 extract."""

    entry = models.OneToOneField(RegisterEntry, on_delete=models.CASCADE, related_name="commentary")
    owner_comment = models.TextField(blank=True)
    procurement_comment = models.TextField("Corporate Procurement's comment", blank=True)
    inflation_mechanism = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "register entry commentaries"

    def __str__(self):
        return f"Commentary on {self.entry}"


class PublishedKeyData(models.Model):
    """Key data a committee report published for a cycle (Appendix 1 and paragraph 3.8), for cycles
    the portal did not freeze itself. A blank portfolio is all portfolios; a blank figure was not published."""

    cycle = models.ForeignKey(RegisterCycle, on_delete=models.CASCADE, related_name="published_key_data")
    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total = models.PositiveIntegerField("contracts of £50k or more")
    concern = models.PositiveIntegerField("flagged as a concern", null=True, blank=True)
    higher_risk = models.PositiveIntegerField(null=True, blank=True)
    lower_risk = models.PositiveIntegerField(null=True, blank=True)
    red = models.PositiveIntegerField(null=True, blank=True)
    amber = models.PositiveIntegerField(null=True, blank=True)
    green = models.PositiveIntegerField(null=True, blank=True)
    neutral = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="The paper it was published in.")
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "published key data"
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "portfolio"],
                name="one_published_key_data_per_portfolio",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.cycle}: {self.portfolio or 'All portfolios'}"


class FrozenKeyData(models.Model):
    """A frozen cycle's key data for one portfolio (a blank portfolio is all portfolios), counted once
    from its entries when it was frozen (contracts.services.freeze_cycle), so key data reads a row per
    cycle however many contracts the register holds. Never edited: a cycle's entries never change."""

    cycle = models.ForeignKey(RegisterCycle, on_delete=models.CASCADE, related_name="frozen_key_data")
    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    total = models.PositiveIntegerField("contracts of £50k or more", default=0)
    concern = models.PositiveIntegerField("flagged as a concern", default=0)
    higher_risk = models.PositiveIntegerField(default=0)
    lower_risk = models.PositiveIntegerField(default=0)
    red = models.PositiveIntegerField(default=0)
    amber = models.PositiveIntegerField(default=0)
    green = models.PositiveIntegerField(default=0)
    awaiting = models.PositiveIntegerField(default=0)
    neutral = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "frozen key data"
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "portfolio"], name="one_frozen_key_data_per_portfolio", nulls_distinct=False
            )
        ]

    def __str__(self):
        return f"{self.cycle}: {self.portfolio or 'All portfolios'} (as frozen)"


# Links to the plan and reminders ------------------------------------------------------------------


class ContractAction(models.Model):
    """A plan action the contract delivers. The link lives here and names plans.Action by its label
    only: contracts never imports plans (pyproject's import contracts); the action page shows these
    through the core's panels registry."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="action_links")
    action = models.ForeignKey("plans.Action", on_delete=models.CASCADE, related_name="contract_links")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "action"], name="contract_action_once"),
        ]

    def __str__(self):
        return f"{self.contract.council_id} delivers action {self.action_id}"


class ContractReminder(models.Model):
    """A reminder e-mail about one contract in one cycle to one person, recorded before it is sent, so
    the beat task never sends it twice (as plans.models.Reminder)."""

    class Kind(models.TextChoices):
        OWNER_COMMENT = "owner_comment", "Owner's comment wanted for a contract approaching its end"
        RAG_MISSING = "rag_missing", "Procurement RAG wanted for a contract approaching its end"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    cycle = models.ForeignKey(RegisterCycle, on_delete=models.CASCADE, related_name="+")
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "cycle", "contract", "recipient"], name="contract_reminder_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.contract.council_id} to {self.recipient}"


# The Procurement Act 2023: KPIs and their assessments (contracts.procurement_act) ----------------


class ContractKPI(models.Model):
    """A key performance indicator set for a contract at award (Procurement Act 2023, section 52: at
    least three for a contract of more than £5 million). Part 1: the Act publishes them."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField("KPI", max_length=200)
    target = models.CharField(max_length=300, blank=True, help_text="What good performance looks like.")
    set_on = models.DateField(help_text="The date it was set (at award, for the Act's duty).")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "contract KPI"
        ordering = ["contract", "set_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["contract", "name"], name="one_kpi_per_name")]

    def __str__(self):
        return f"{self.contract.council_id}: {self.name}"


class KPIAssessment(models.Model):
    """An assessment of the supplier's performance against one KPI, with the Act's rating, its date
    and who made it (at least once every twelve months for a contract the duty covers)."""

    kpi = models.ForeignKey(ContractKPI, on_delete=models.CASCADE, related_name="assessments")
    rating = models.CharField(max_length=30, choices=KPIRating.choices)
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, help_text="Part 1: published in the contract performance notice.")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "KPI assessment"
        ordering = ["kpi", "-assessed_on"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "assessed_on"], name="one_assessment_per_kpi_per_day"),
            models.CheckConstraint(
                condition=models.Q(rating__in=KPIRating.values), name="kpi_rating_is_an_act_rating"
            ),
        ]

    def __str__(self):
        return f"{self.kpi}: {KPIRating(self.rating).label} on {self.assessed_on:%d %B %Y}"

    @property
    def rated(self) -> KPIRating:
        return KPIRating(self.rating)
