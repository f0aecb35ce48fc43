"""A report job: one request for a committee report, its progress and its file.

The row is the truth about a report, not Celery's result backend: the web page
reads its status and stage from here, and the worker writes them here.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from bromley_portal.reports.choices import (
    ACTIVE_STATUSES,
    SCHEDULE_12A,
    Classification,
    JobStatus,
    statuses_that_may_become,
)


def heartbeat_cutoff(now=None):
    """A running job whose last heartbeat is older than this has no worker: it is dead."""
    return (now or timezone.now()) - timedelta(seconds=settings.REPORTS_HEARTBEAT_TIMEOUT)


class ReportJobQuerySet(models.QuerySet):
    def move(self, job_id: int, status: str, *, attempt: int | None = None, **fields) -> bool:
        """Move a job to ``status`` if JOB_TRANSITIONS allows it from where the job is now.

        A compare-and-set in one UPDATE: returns False, changing nothing, when the job is
        gone or somewhere it cannot move from (another worker, or the sweeper, got there first).
        With ``attempt``, only while the job is still that attempt's (no other worker took it over).
        """
        allowed_from = statuses_that_may_become(status)
        jobs = self.filter(pk=job_id, status__in=allowed_from)
        if attempt is not None:
            jobs = jobs.filter(attempts=attempt)
        return bool(jobs.update(status=status, **fields))

    def claim(self, job_id: int, now=None) -> int | None:
        """Start an attempt at a job: a waiting one, or a running one whose heartbeat has stopped (its
        worker died), which is taken over. Returns the attempt's number, or None when the job is gone,
        finished, or running with a live heartbeat (another worker has it).

        The one move outside JOB_TRANSITIONS (running to running), and a compare-and-set like them:
        the claim sets the heartbeat, so two workers can never both take a dead job over.
        """
        now = now or timezone.now()
        waiting_or_dead = models.Q(status=JobStatus.PENDING) | models.Q(
            status=JobStatus.RUNNING, heartbeat_at__lt=heartbeat_cutoff(now)
        )
        claimed = self.filter(waiting_or_dead, pk=job_id).update(
            status=JobStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            stage="Starting",
            percent=2,
            error="",
            attempts=models.F("attempts") + 1,
        )
        if not claimed:
            return None
        return self.filter(pk=job_id).values_list("attempts", flat=True).first()

    def record_stage(self, job_id: int, stage: str, percent: int, attempt: int | None = None) -> bool:
        """Record progress (and a heartbeat) on a running job, and nothing on one no longer running."""
        jobs = self.filter(pk=job_id, status=JobStatus.RUNNING)
        if attempt is not None:
            jobs = jobs.filter(attempts=attempt)
        return bool(
            jobs.update(stage=stage[:200], percent=max(0, min(100, percent)), heartbeat_at=timezone.now())
        )

    def beat(self, job_id: int, attempt: int) -> bool:
        """The running attempt's heartbeat: it is alive. False once the job is no longer its."""
        return bool(
            self.filter(pk=job_id, status=JobStatus.RUNNING, attempts=attempt).update(
                heartbeat_at=timezone.now()
            )
        )

    def stalled(self, now=None):
        """Running jobs whose heartbeat has stopped: their worker died mid-render."""
        return self.filter(status=JobStatus.RUNNING, heartbeat_at__lt=heartbeat_cutoff(now))

    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def downloadable_by(self, user):
        """Jobs whose report this person may read: Part 2 only for those allowed it."""
        if user.has_perm("reports.read_part_2"):
            return self
        if user.has_perm("reports.read_part_1"):
            return self.filter(classification=Classification.PART_1)
        return self.none()


class ReportJob(models.Model):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    report_type = models.CharField(max_length=100, help_text="A name in the report registry.")
    parameters = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    stage = models.CharField(max_length=200, blank=True, help_text="What the worker is doing now.")
    percent = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    error = models.TextField(blank=True, help_text="Why it failed, in plain English.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="How many times a worker started it.")
    file = models.FileField(upload_to="reports/", max_length=300, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveBigIntegerField("size in bytes", null=True, blank=True)
    checksum = models.CharField("SHA-256", max_length=64, blank=True)
    # The web version, rendered with the PDF from the same build and stored beside it, so it
    # shows what the PDF shows. Empty for reports produced before the portal kept one.
    html_file = models.FileField("web version", upload_to="reports/", max_length=300, blank=True)
    html_checksum = models.CharField("web version's SHA-256", max_length=64, blank=True)
    classification = models.CharField(
        max_length=20, choices=Classification.choices, default=Classification.PART_1
    )
    exempt_paragraph = models.PositiveSmallIntegerField(
        "Schedule 12A paragraph",
        null=True,
        blank=True,
        choices=[(number, f"Paragraph {number}") for number in SCHEDULE_12A],
        help_text="Part 2 only: the paragraph of Schedule 12A to the Local Government Act 1972.",
    )
    published = models.BooleanField(
        default=False, help_text="A committee paper: kept when old ad-hoc reports are cleaned up."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(
        max_length=64, db_index=True, help_text="The same report type, parameters and classification."
    )
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now, help_text="When it was last sent to a worker.")
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When the worker producing it last said it was alive."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # An identical request while one is waiting or running reuses it; this
            # makes two requests at the same moment reuse it too.
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="one_active_report_job_per_request",
            ),
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="report_percent_at_most_100"),
            models.CheckConstraint(
                condition=(
                    models.Q(classification=Classification.PART_1, exempt_paragraph__isnull=True)
                    | models.Q(
                        classification=Classification.PART_2,
                        exempt_paragraph__gte=1,
                        exempt_paragraph__lte=max(SCHEDULE_12A),
                    )
                ),
                name="part_2_reports_name_their_schedule_12a_paragraph",
            ),
            models.CheckConstraint(
                condition=models.Q(published=False) | models.Q(status=JobStatus.DONE),
                name="only_finished_reports_are_published",
            ),
            # The web version is stored with its PDF, never alone (the worker records both in
            # one UPDATE as the job finishes).
            models.CheckConstraint(
                condition=models.Q(html_file="") | (~models.Q(file="") & models.Q(status=JobStatus.DONE)),
                name="web_version_only_with_its_pdf",
            ),
        ]
        indexes = [models.Index(fields=["status", "finished_at"], name="report_job_status_finished")]

    def __str__(self):
        return f"{self.title or self.report_type} ({self.get_status_display().lower()})"

    def get_absolute_url(self):
        return reverse("reports:job", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_stalled(self) -> bool:
        """Running, but its heartbeat has stopped: the worker died, and it will not finish by itself."""
        return (
            self.status == JobStatus.RUNNING
            and self.heartbeat_at is not None
            and self.heartbeat_at < heartbeat_cutoff()
        )

    @property
    def is_in_progress(self) -> bool:
        """Waiting or being produced by a live worker: the page follows it."""
        return self.is_active and not self.is_stalled

    @property
    def is_done(self) -> bool:
        return self.status == JobStatus.DONE

    @property
    def is_failed(self) -> bool:
        return self.status == JobStatus.FAILED

    @property
    def is_part_2(self) -> bool:
        return self.classification == Classification.PART_2

    @property
    def marking(self) -> str:
        """How the paper is marked at its head: "PART 1 - PUBLIC" or "PART 2 - EXEMPT"."""
        return "PART 2 - EXEMPT" if self.is_part_2 else "PART 1 - PUBLIC"

    @property
    def exempt_reason(self) -> str:
        return SCHEDULE_12A.get(self.exempt_paragraph, "") if self.is_part_2 else ""
