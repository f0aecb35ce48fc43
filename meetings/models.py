"""Committee meetings, their agendas and their agenda packs (issue 14).

A meeting's agenda is a list of items in order; each item's paper is a report produced
by the portal's pipeline (a ``ReportJob``) or a PDF someone uploaded (checked and
cleaned by ``pdfs.check_upload`` first). Packs are built by a worker (``tasks.build_pack``):
each build is a new ``AgendaPack`` version, and a published one is kept for good.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ambitions.models import Committee, Portfolio, Post
from bromley_portal.reports.choices import ACTIVE_STATUSES, SCHEDULE_12A, JobStatus
from bromley_portal.reports.models import ReportJob
from meetings.choices import (
    ACTION_STATUS_ORDER,
    RECORDED_ACTION_STATUSES,
    ActionStatus,
    DecisionType,
    MeetingStatus,
    Part,
    action_status,
)


class MeetingQuerySet(models.QuerySet):
    def for_lists(self):
        return self.select_related("committee").annotate(item_count=models.Count("items"))


class Meeting(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField("date and time")
    venue = models.CharField(
        max_length=300, default="Bromley Civic Centre, Stockwell Close, Bromley, BR1 3UH"
    )
    status = models.CharField(max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{self.committee}, {local:%-d %B %Y}"

    def get_absolute_url(self):
        return reverse("meetings:meeting", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == MeetingStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == MeetingStatus.PUBLISHED

    @property
    def default_portfolio(self) -> Portfolio | None:
        """The portfolio whose code starts the committee's report numbers ("CEF22074")."""
        return self.committee.portfolios.order_by("order", "pk").first()


def upload_to(item, filename):
    return f"meetings/papers/{timezone.now():%Y/%m}/{filename}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    number = models.CharField(max_length=10, help_text="As the agenda numbers it: 1, 2, 7a.")
    title = models.CharField(max_length=300)
    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report_number = models.CharField(
        max_length=20, blank=True, help_text="Allocated by the portal: CEF22074."
    )
    decision_type = models.CharField(
        max_length=30, choices=DecisionType.choices, default=DecisionType.NON_EXECUTIVE
    )
    lead_officer = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    part = models.CharField(max_length=10, choices=Part.choices, default=Part.PART_1)
    exempt_paragraph = models.PositiveSmallIntegerField(
        "Schedule 12A paragraph",
        null=True,
        blank=True,
        choices=[(number, f"Paragraph {number}") for number in SCHEDULE_12A],
    )
    # The paper: a report the pipeline produced, or an uploaded PDF (checked and cleaned).
    report = models.ForeignKey(ReportJob, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    document = models.FileField(upload_to=upload_to, max_length=300, blank=True)
    document_name = models.CharField("uploaded file's name", max_length=200, blank=True)
    document_pages = models.PositiveIntegerField(null=True, blank=True)
    document_checksum = models.CharField("SHA-256", max_length=64, blank=True)
    supplementary = models.BooleanField(
        "late item",
        default=False,
        help_text="Added after the agenda pack was published, for the supplementary pack, whose page "
        "numbers continue the published pack's.",
    )

    class Meta:
        ordering = ["meeting", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report_number"],
                condition=~models.Q(report_number=""),
                name="report_numbers_are_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(report__isnull=True) | models.Q(document=""),
                name="an_item_has_one_paper",
            ),
            models.CheckConstraint(
                condition=models.Q(part=Part.PART_1, exempt_paragraph__isnull=True)
                | models.Q(
                    part=Part.PART_2, exempt_paragraph__gte=1, exempt_paragraph__lte=max(SCHEDULE_12A)
                ),
                name="part_2_items_name_their_schedule_12a_paragraph",
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def get_absolute_url(self):
        return reverse("meetings:item", args=[self.meeting_id, self.pk])

    @property
    def is_part_2(self) -> bool:
        return self.part == Part.PART_2

    @property
    def exempt_reason(self) -> str:
        return SCHEDULE_12A.get(self.exempt_paragraph, "") if self.is_part_2 else ""

    @property
    def has_paper(self) -> bool:
        return bool(self.document) or self.report_id is not None

    def paper_problem(self) -> str:
        """Why this item cannot go into a pack yet, or "" (needs ``report`` loaded)."""
        if self.document:
            return ""
        if self.report is None:
            return f"Item {self.number}, “{self.title}”, has no paper: attach a report or upload a PDF."
        if self.report.status in ACTIVE_STATUSES:
            return (
                f"Item {self.number}, “{self.title}”: its report is still being produced. Try again shortly."
            )
        if self.report.status != JobStatus.DONE:
            return f"Item {self.number}, “{self.title}”: its report failed. Retry it or attach another."
        return ""


class ReportNumberSequence(models.Model):
    """The last report number given for a portfolio and year: CEF, 22 -> 74 gives "CEF22074"."""

    portfolio_code = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField(help_text="Two digits: 22 for 2022.")
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["portfolio_code", "year"], name="one_sequence_per_portfolio_year")
        ]

    def __str__(self):
        return f"{self.portfolio_code}{self.year:02d}: {self.last}"


class AgendaPackQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)


class AgendaPack(models.Model):
    """One build of a meeting's agenda pack: the Part 1 pack and, when there are exempt items, the
    Part 2 pack. The row is a job people can follow; once published its files are kept for good."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="packs")
    version = models.PositiveSmallIntegerField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    stage = models.CharField(max_length=200, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    agenda_fingerprint = models.CharField(
        max_length=64, help_text="The agenda and its papers as they were when the pack was asked for."
    )
    supplement = models.BooleanField(
        "supplementary pack",
        default=False,
        help_text="The late items only, numbered on from the published pack.",
    )
    first_page = models.PositiveIntegerField(
        default=1, help_text="The pack page number of its first page: 1, or on from the published pack."
    )
    file = models.FileField("Part 1 pack", upload_to="meetings/packs/", max_length=300, blank=True)
    checksum = models.CharField("Part 1 pack's SHA-256", max_length=64, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    part_2_file = models.FileField("Part 2 pack", upload_to="meetings/packs/", max_length=300, blank=True)
    part_2_checksum = models.CharField("Part 2 pack's SHA-256", max_length=64, blank=True)
    part_2_page_count = models.PositiveIntegerField(null=True, blank=True)
    contents = models.JSONField(
        default=list, blank=True, help_text="Each item's number, title, part and first pack page."
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AgendaPackQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="one_pack_per_meeting_version"),
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True) | models.Q(status=JobStatus.DONE),
                name="only_finished_packs_are_published",
            ),
        ]

    def __str__(self):
        return f"Agenda pack for {self.meeting}, version {self.version}"

    def get_absolute_url(self):
        return reverse("meetings:pack", args=[self.meeting_id, self.pk])

    @property
    def is_done(self) -> bool:
        return self.status == JobStatus.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == JobStatus.FAILED

    @property
    def is_in_progress(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def has_part_2(self) -> bool:
        return bool(self.part_2_file)


# Scrutiny actions (issue 14, item 4) ------------------------------------------------------------

REQUEST_MAX_CHARS = 2000
RESPONSE_MAX_CHARS = 4000


class CommitteeMembership(models.Model):
    """A councillor who sits on a committee: members read their committees' scrutiny actions."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="committee_memberships"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["committee", "member"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "member"], name="one_membership_per_committee")
        ]

    def __str__(self):
        return f"{self.member} on the {self.committee}"


class ScrutinyActionQuerySet(models.QuerySet):
    def with_status(self, today):
        """Annotate ``status`` (meetings.choices.action_status in SQL, the one rule) and ``status_rank``
        (overdue first, done last), for lists, filters and reports."""
        overdue = ~models.Q(recorded_status=ActionStatus.DONE) & models.Q(due_on__lt=today)
        return self.annotate(
            status=models.Case(
                models.When(overdue, then=models.Value(ActionStatus.OVERDUE.value)),
                default=models.F("recorded_status"),
                output_field=models.CharField(),
            )
        ).annotate(
            status_rank=models.Case(
                *(
                    models.When(status=member.value, then=models.Value(rank))
                    for rank, member in enumerate(ACTION_STATUS_ORDER)
                ),
                output_field=models.IntegerField(),
            )
        )

    def for_lists(self, today):
        """Everything a list, export or report shows, in one query, overdue first then by due date."""
        return (
            self.with_status(today)
            .select_related("meeting__committee", "agenda_item", "post", "answered_by")
            .order_by("status_rank", "due_on", "meeting__starts_at", "number")
        )

    def outstanding(self):
        return self.exclude(recorded_status=ActionStatus.DONE)

    def carried_to(self, meeting: "Meeting"):
        """What the committee's matters-arising report for ``meeting`` lists: actions recorded at its
        earlier meetings that are not done, and those done since its last meeting before this one."""
        earlier = self.filter(
            meeting__committee_id=meeting.committee_id, meeting__starts_at__lt=meeting.starts_at
        )
        previous = (
            Meeting.objects.filter(committee_id=meeting.committee_id, starts_at__lt=meeting.starts_at)
            .order_by("-starts_at")
            .values("starts_at")[:1]
        )
        return earlier.filter(
            ~models.Q(recorded_status=ActionStatus.DONE) | models.Q(done_at__gte=models.Subquery(previous))
        )


class ScrutinyAction(models.Model):
    """What a committee resolved or asked an officer to do at a meeting, and the officer's answer."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    number = models.PositiveSmallIntegerField(help_text="1, 2, 3... within the meeting.")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, related_name="actions", verbose_name="agenda item"
    )
    request = models.TextField("what the committee resolved or asked for", max_length=REQUEST_MAX_CHARS)
    post = models.ForeignKey(
        Post,
        on_delete=models.PROTECT,
        related_name="scrutiny_actions",
        verbose_name="officer responsible (post)",
    )
    due_on = models.DateField("due date")
    recorded_status = models.CharField(
        "status",
        max_length=20,
        choices=ActionStatus.choices_of(*RECORDED_ACTION_STATUSES),
        default=ActionStatus.OPEN,
    )
    response = models.TextField("officer's response", max_length=RESPONSE_MAX_CHARS, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(excluded_fields=["created_at"])

    objects = ScrutinyActionQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="one_action_number_per_meeting"),
            models.CheckConstraint(
                condition=models.Q(recorded_status__in=[s.value for s in RECORDED_ACTION_STATUSES]),
                name="scrutiny_action_overdue_is_never_recorded",
            ),
            models.CheckConstraint(
                condition=models.Q(recorded_status=ActionStatus.DONE, done_at__isnull=False)
                | (~models.Q(recorded_status=ActionStatus.DONE) & models.Q(done_at__isnull=True)),
                name="scrutiny_action_done_when_done",
            ),
        ]

    def __str__(self):
        return f"Action {self.number} of {self.meeting}"

    def get_absolute_url(self):
        return reverse("meetings:action", args=[self.pk])

    @property
    def reference(self) -> str:
        """How papers cite it: "17/11/2022-3"."""
        return f"{timezone.localtime(self.meeting.starts_at):%d/%m/%Y}-{self.number}"

    def status_on(self, today) -> ActionStatus:
        return action_status(self.recorded_status, self.due_on, today)


class ActionReminder(models.Model):
    """A reminder about one action before one meeting to one person, recorded before it is sent, so the
    beat never sends it twice (bromley_portal.core.mail.send_once)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(ScrutinyAction, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "action", "recipient"], name="action_reminder_once_per_meeting"
            )
        ]

    def __str__(self):
        return f"{self.action} to {self.recipient} before {self.meeting}"
