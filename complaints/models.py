"""Complaints and compliments, in the Annual Complaints Report's own terms (seed 004, Appendix 1).

"A complaint is the whole of someone's approach to the Council expressing dissatisfaction. One or more
services or teams may be referenced in that complaint, and each of those is referred to as a mention.
Each complaint may identify one or more individual grievances and each of those is referred to as an
aspect." So: a Complaint (one stage of an approach: stage 2 and 3 are new Complaints linked to the one
before) has Mentions (a division and service, numbered), each with Aspects (a type, an outcome, when it
was answered and whether on time).

The complainant's contact details and the summary of what they said are personal data: they live in
Complainant (and Complaint.summary), are seen only with ``complaints.view_complainant``, are never in the
history tables, and are erased a configurable number of years after the case closes
(complaints.services.erase_complainant_details); the anonymous rows the statistics count stay.

Due dates and the procedure are never typed in: complaints.services works them out with
complaints.timescales (working days: bromley_portal.core.working_days).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from complaints.choices import (
    REASON_MAX_LENGTH,
    AspectOutcome,
    AspectType,
    Channel,
    ComplaintStatus,
    OmbudsmanDecision,
    Procedure,
    RemedyStage,
    RemedyType,
    ReminderKind,
    Stage,
    StatutoryProcedure,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


# Reference data: admins edit it; a loader puts in the report's names -------------------------------


class Division(models.Model):
    """A division of the council the report counts by ("Adult Social Care", "Environment & Public
    Protection"...)."""

    name = models.CharField(max_length=100, unique=True)
    short_name = models.CharField(
        max_length=30, help_text='The column heading in the report\'s tables, e.g. "Adult", "EPP", "CED".'
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Where it comes in the report's tables.")
    portfolio = models.ForeignKey(
        "ambitions.Portfolio",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The portfolio whose plan actions its complaints speak to: the exception report shows the "
        "themes of its complaints beside them.",
    )
    procedure = models.CharField(
        max_length=20,
        choices=StatutoryProcedure.choices,
        default=StatutoryProcedure.CORPORATE,
        help_text="The procedure its complaints fall under, unless a service says otherwise.",
    )
    records_outcomes = models.BooleanField(
        default=True,
        help_text="Untick for a division that does not record outcomes (Environment & Public Protection): "
        'its aspects are answered as "Not known".',
    )
    handled_by_cecs = models.BooleanField(
        "handled by CE&CS",
        default=True,
        help_text="The Customer Engagement & Complaints Service handles its complaints. Untick for a division "
        "that keeps its own statistics and supplies them (Environment & Public Protection).",
    )
    active = models.BooleanField(default=True, help_text="Untick when it no longer takes new complaints.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Service(models.Model):
    """A service or team within a division that a complaint can name ("Hospital Team", "Neighbourhood
    Management")."""

    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    procedure = models.CharField(
        max_length=20,
        choices=StatutoryProcedure.choices,
        blank=True,
        help_text="Leave blank for the division's procedure; set it for a service whose complaints differ "
        "(children's statutory complaints in a corporate division, say).",
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["division__order", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="service_unique_in_division")
        ]

    def __str__(self):
        return f"{self.name} ({self.division.short_name})"

    @property
    def statutory_procedure(self) -> str:
        return self.procedure or self.division.procedure


# The complainant: personal data, guarded and erased --------------------------------------------------


class Complainant(models.Model):
    """Who complained and how to reach them. Part 2 material: only complaints officers and admins see it
    (``complaints.view_complainant``); erased (blanked, ``erased_on`` set) a number of years after their
    last case closed. Deliberately without history, so erasing it leaves no copy behind."""

    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True, max_length=500)
    representative = models.CharField(
        max_length=200, blank=True, help_text="Someone complaining on their behalf, and their relationship."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    erased_on = models.DateField(null=True, blank=True, editable=False)

    def __str__(self):
        if self.erased_on:
            return f"Complainant {self.pk} (details erased {self.erased_on:%-d %B %Y})"
        return self.name or f"Complainant {self.pk}"


# The complaint ------------------------------------------------------------------------------------


class ComplaintQuerySet(models.QuerySet):
    def for_lists(self):
        """What a list of complaints shows, in a fixed number of queries (no complainant details: the
        summary is not even read)."""
        return (
            self.defer("summary")
            .select_related("handler", "escalated_from")
            .prefetch_related("mentions__division", "mentions__service")
        )

    def open(self):
        return self.filter(status__in=ComplaintStatus.open())


class Complaint(models.Model):
    """One stage of a person's approach. A stage 2 or 3 complaint is a new row whose ``escalated_from`` is
    the stage before; counting complaints counts stage 1 rows."""

    reference = models.CharField(max_length=30, unique=True)
    received = models.DateField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    procedure = models.CharField(
        max_length=20, choices=Procedure.choices, help_text="Worked out from the first service and the date."
    )
    stage = models.PositiveSmallIntegerField(choices=Stage.choices, default=Stage.STAGE_1)
    escalated_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="escalation"
    )
    complainant = models.ForeignKey(
        Complainant, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    summary = models.TextField(
        blank=True,
        help_text="What the complaint is about (personal data: erased with the complainant's details).",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    acknowledge_by = models.DateField(null=True, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    respond_by = models.DateField(
        null=True, blank=True, help_text="The response due date, after any extension."
    )
    responded_on = models.DateField(null=True, blank=True, help_text="When its last aspect was answered.")
    closed_on = models.DateField(null=True, blank=True, help_text="When it was closed or escalated.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["summary"])

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received", "-pk"]
        # The statistics count stage 1 complaints received in a year (complaints.selectors): an index on
        # the two lets a year's figures read that year's complaints, not every year's, and what they read
        # of each beside it (its id to join its mentions, channel, due and response dates), so from the
        # index alone (index-only scans).
        indexes = [
            models.Index(
                fields=["stage", "received"],
                include=["id", "channel", "respond_by", "responded_on"],
                name="complaint_stage_received_cov",
            ),
            # The caseload lists the complaints still to close (ComplaintStatus.to_close()), a few among the
            # years of closed ones.
            models.Index(fields=["status"], name="complaint_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True) | Q(acknowledged_on__gte=models.F("received")),
                name="complaint_acknowledged_not_before_receipt",
            ),
            models.CheckConstraint(
                condition=Q(responded_on__isnull=True) | Q(responded_on__gte=models.F("received")),
                name="complaint_response_not_before_receipt",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("received")),
                name="complaint_closed_not_before_receipt",
            ),
            models.CheckConstraint(
                condition=Q(respond_by__isnull=True) | Q(respond_by__gte=models.F("received")),
                name="complaint_due_not_before_receipt",
            ),
            models.CheckConstraint(
                condition=Q(escalated_from__isnull=True) | Q(stage__gt=1),
                name="complaint_escalation_is_a_later_stage",
            ),
            models.CheckConstraint(condition=Q(stage__in=[1, 2, 3]), name="complaint_stage_1_to_3"),
        ]

    def __str__(self):
        return f"{self.reference} ({self.get_stage_display()})"

    def get_absolute_url(self):
        return reverse("complaints:complaint", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in ComplaintStatus.open()

    @property
    def is_finished(self) -> bool:
        return self.status in ComplaintStatus.finished()


class Extension(models.Model):
    """A longer time to respond, with its reason (told to the complainant) and new date, within the
    procedure's limit (complaints.services.extend)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField(max_length=REASON_MAX_LENGTH)
    previous_due = models.DateField()
    new_due = models.DateField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["granted_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_due__gt=models.F("previous_due")), name="extension_is_later"
            ),
        ]

    def __str__(self):
        return f"{self.complaint.reference}: to {self.new_due:%-d %B %Y}"


class Mention(models.Model):
    """A service or team a complaint names, numbered within the complaint."""

    # Indexed below, with what the statistics read of a mention beside it.
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="mentions", db_index=False
    )
    order = models.PositiveSmallIntegerField(default=1)
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="mentions")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="mentions"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["complaint", "order"]
        # The statistics join a year's complaints to their mentions and count them by division (and a
        # division's by service): the mentions of a complaint with their id, division and service, from
        # the index alone.
        indexes = [
            models.Index(
                fields=["complaint"], include=["id", "division", "service"], name="mention_complaint_cov"
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "order"], name="mention_order_unique"),
            models.CheckConstraint(condition=Q(order__gte=1), name="mention_order_from_1"),
        ]

    def __str__(self):
        where = self.service.name if self.service_id else self.division.name
        return f"{self.complaint.reference} mention {self.order}: {where}"


class Aspect(models.Model):
    """One grievance under a mention: its type, outcome, when it was answered and whether on time
    (complaints.timescales.answered_on_time, kept here when the answer is recorded)."""

    # Indexed below, with what the statistics read of an aspect beside it.
    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="aspects", db_index=False)
    type = models.CharField(max_length=30, choices=AspectType.choices)
    outcome = models.CharField(max_length=30, choices=AspectOutcome.choices, default=AspectOutcome.ONGOING)
    responded_on = models.DateField(null=True, blank=True)
    on_time = models.BooleanField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["mention", "pk"]
        # The statistics count the aspects of a year's mentions by type, outcome and on time: from the
        # index alone.
        indexes = [
            models.Index(
                fields=["mention"], include=["id", "type", "outcome", "on_time"], name="aspect_mention_cov"
            )
        ]
        constraints = [
            # Answered exactly when it has an outcome other than ongoing.
            models.CheckConstraint(
                condition=(Q(outcome=AspectOutcome.ONGOING) & Q(responded_on__isnull=True))
                | (~Q(outcome=AspectOutcome.ONGOING) & Q(responded_on__isnull=False)),
                name="aspect_answered_when_not_ongoing",
            ),
            models.CheckConstraint(
                condition=Q(responded_on__isnull=False) | Q(on_time__isnull=True),
                name="aspect_on_time_only_when_answered",
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()}: {self.get_outcome_display()}"


# The Ombudsman ------------------------------------------------------------------------------------


class OmbudsmanCase(models.Model):
    """A case the Local Government & Social Care Ombudsman opened about the council."""

    reference = models.CharField(max_length=30, unique=True, help_text="The Ombudsman's reference.")
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="ombudsman_cases"
    )
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="ombudsman_cases")
    received = models.DateField()
    decided = models.DateField(null=True, blank=True)
    investigated = models.BooleanField(default=False)
    decision = models.CharField(max_length=40, choices=OmbudsmanDecision.choices, blank=True)
    remedy_complied = models.BooleanField(
        null=True,
        blank=True,
        help_text="Whether the council carried out the remedy (blank: no remedy, or not yet).",
    )
    public_report = models.BooleanField(default=False, help_text="The Ombudsman issued a public report.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided__isnull=True) | Q(decided__gte=models.F("received")),
                name="ombudsman_decided_not_before_receipt",
            ),
            models.CheckConstraint(
                condition=(Q(decision="") & Q(decided__isnull=True))
                | (~Q(decision="") & Q(decided__isnull=False)),
                name="ombudsman_decision_has_a_date",
            ),
            models.CheckConstraint(
                condition=~Q(decision__in=OmbudsmanDecision.after_investigation()) | Q(investigated=True),
                name="ombudsman_decision_needs_investigation",
            ),
        ]

    def __str__(self):
        return self.reference


class OmbudsmanDeadline(models.Model):
    """A response the Ombudsman asked for by a date (the report's "individual Ombudsman response
    deadlines", 225 in 2021/22)."""

    case = models.ForeignKey(OmbudsmanCase, on_delete=models.CASCADE, related_name="deadlines")
    what = models.CharField(max_length=200, help_text='What was asked for, e.g. "Answers to enquiries".')
    due = models.DateField()
    answered = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self):
        return f"{self.case.reference}: {self.what} by {self.due:%-d %B %Y}"

    @property
    def on_time(self) -> bool | None:
        """Answered by the due date; None while unanswered."""
        return None if self.answered is None else self.answered <= self.due


# Money and thanks ------------------------------------------------------------------------------


class Remedy(models.Model):
    """A financial remedy agreed at stage 1 or by the Ombudsman ("Financial consequences of complaints")."""

    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="remedies")
    stage = models.CharField(max_length=20, choices=RemedyStage.choices)
    type = models.CharField(max_length=20, choices=RemedyType.choices)
    amount = models.DecimalField(**MONEY, help_text="Pounds and pence.")
    agreed = models.DateField()
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="remedies"
    )
    ombudsman_case = models.ForeignKey(
        OmbudsmanCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="remedies"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "remedies"
        ordering = ["-agreed", "pk"]
        indexes = [models.Index(fields=["agreed"], name="remedy_agreed")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="remedy_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(ombudsman_case__isnull=True) | Q(stage=RemedyStage.OMBUDSMAN),
                name="remedy_ombudsman_case_means_ombudsman_stage",
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()} £{self.amount:,.2f} ({self.division.short_name})"


class Compliment(models.Model):
    """Thanks the council received, with an optional quote (anonymised: initials only, as the report)."""

    received = models.DateField()
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="compliments")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, null=True, blank=True, related_name="compliments"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    quote = models.TextField(blank=True, max_length=3000, help_text="Anonymised: no names, initials only.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received", "pk"]
        indexes = [models.Index(fields=["received"], name="compliment_received")]

    def __str__(self):
        return f"Compliment for {self.division} on {self.received:%-d %B %Y}"


# Reminders -------------------------------------------------------------------------------------


class ComplaintReminder(models.Model):
    """A reminder e-mail about one due date of one complaint to one person, recorded before it is sent, so
    the beat task never sends it twice (as contracts.models.ContractReminder)."""

    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="reminders")
    due_on = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "complaint", "due_on", "recipient"], name="complaint_reminder_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.complaint.reference} to {self.recipient}"


# Stored yearly counts ----------------------------------------------------------------------------


class ComplaintYearCount(models.Model):
    """Stored: a financial year's stage 1 complaints naming a division, by channel, with those answered on
    time, as complaints.selectors.complaint_counts_by_year counts them. complaints.counts keeps these rows
    equal to that function's (every write that changes a year's complaints refreshes the year), so the
    statistics dashboard reads a few rows a year instead of counting the years' complaints."""

    year = models.PositiveSmallIntegerField(help_text="The financial year's start year.")
    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    complaints = models.PositiveIntegerField()
    on_time = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "division", "channel"], name="complaint_year_count_once")
        ]

    def __str__(self):
        return f"{self.year}: {self.division_id}, {self.channel}: {self.complaints} ({self.on_time} on time)"


class AspectYearCount(models.Model):
    """Stored: a financial year's aspects (of its stage 1 complaints) by type and division, with those fully
    and partially upheld and those answered on time, as complaints.selectors.aspect_counts counts them
    (kept equal to it by complaints.counts)."""

    year = models.PositiveSmallIntegerField(help_text="The financial year's start year.")
    type = models.CharField(max_length=30, choices=AspectType.choices)
    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="+")
    aspects = models.PositiveIntegerField()
    fully_upheld = models.PositiveIntegerField()
    partially_upheld = models.PositiveIntegerField()
    on_time = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "type", "division"], name="aspect_year_count_once")
        ]

    def __str__(self):
        return f"{self.year}: {self.type}, {self.division_id}: {self.aspects}"


# The annual report's words per year live in their own module (complaints/report_text.py).
# The published figures of earlier years live in their own module (complaints/published.py).
from complaints.published import OmbudsmanReviewLetter, PublishedFigure  # noqa: E402, F401
from complaints.report_text import CodeSelfAssessment, ReportNarrative  # noqa: E402, F401
