"""The caseload's table, on screen and in CSV and Excel exports: references, dates, divisions, the handler
and what is due. Never a complainant's details or the summary of what they said: no column here reads
Complainant or Complaint.summary, and tests/test_complaint_pages.py checks the exports."""

import django_tables2 as tables
from django.utils import timezone

from bromley_portal.core.templatetags.status import status_tag
from bromley_portal.core.working_days import WorkingCalendar
from complaints import caseload
from complaints.choices import AspectOutcome, ComplaintStatus, Procedure
from complaints.models import Complaint
from complaints.timescales import complaint_on_time

NUMERIC = {"td": {"class": "govuk-table__cell--numeric"}, "th": {"class": "govuk-table__header--numeric"}}


class CaseloadTable(tables.Table):
    reference = tables.Column(verbose_name="Reference", linkify=True)
    received = tables.DateColumn(verbose_name="Received", format="j M Y")
    stage = tables.Column(verbose_name="Stage")
    procedure = tables.Column(verbose_name="Procedure")
    divisions = tables.Column(verbose_name="Divisions and services", accessor="pk", orderable=False)
    handler = tables.Column(
        verbose_name="Handler", order_by=("handler__first_name", "handler__last_name"), default="Not assigned"
    )
    status = tables.Column(verbose_name="Status")
    next_due = tables.DateColumn(verbose_name="Next due", format="j M Y", default="—")
    days_left = tables.Column(
        verbose_name="Working days left", accessor="pk", order_by=("next_due",), attrs=NUMERIC
    )
    rag = tables.Column(verbose_name="RAG", accessor="pk", order_by=("next_due",))

    class Meta:
        model = Complaint
        fields = []
        sequence = [
            "reference",
            "received",
            "stage",
            "procedure",
            "divisions",
            "handler",
            "status",
            "next_due",
            "days_left",
            "rag",
        ]
        order_by = ("next_due",)
        attrs = {"class": "govuk-table app-caseload-table"}
        empty_text = "No complaints match these filters."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self._calendar = None
        self._due = {}

    def due(self, record) -> caseload.DueState:
        """The one rule (complaints.caseload), with one calendar for the whole table."""
        if self._calendar is None:
            self._calendar = WorkingCalendar()
        if record.pk not in self._due:
            self._due[record.pk] = caseload.due_state(record, self.today, self._calendar)
        return self._due[record.pk]

    def render_stage(self, record):
        return record.get_stage_display()

    def render_procedure(self, value):
        return Procedure(value).label if value in Procedure.values else value

    def value_procedure(self, value):
        return self.render_procedure(value)

    def value_divisions(self, record):
        return "; ".join(
            f"{mention.division.name}: {mention.service.name}"
            if mention.service_id
            else mention.division.name
            for mention in record.mentions.all()
        )

    def render_divisions(self, record):
        return self.value_divisions(record)

    def render_handler(self, value):
        return value.get_full_name() or value.username

    def render_status(self, record):
        return status_tag(record.status, "complaint_status", short=True)

    def value_status(self, record):
        return ComplaintStatus(record.status).short_label

    def render_next_due(self, record):
        state = self.due(record)
        if state.due is None:
            return "—"
        return f"{state.what.label}: {state.due:%-d %b %Y}"

    def value_next_due(self, record):
        return self.due(record).due

    def render_days_left(self, record):
        return self.due(record).describe()

    def value_days_left(self, record):
        return self.due(record).days_left

    def render_rag(self, record):
        return status_tag(self.due(record).rag, "complaint_due_rag")

    def value_rag(self, record):
        return self.due(record).rag.label


class AnonymisedComplaintTable(tables.Table):
    """The drill-down from the dashboards: what was complained about and how it ended, by reference, for
    every role. Never who complained, what they wrote or who handled it."""

    reference = tables.Column(verbose_name="Reference")
    received = tables.DateColumn(verbose_name="Received", format="j M Y")
    stage = tables.Column(verbose_name="Stage")
    channel = tables.Column(verbose_name="Channel")
    divisions = tables.Column(verbose_name="Divisions and services", accessor="pk", orderable=False)
    aspects = tables.Column(verbose_name="Aspects and outcomes", accessor="pk", orderable=False)
    responded_on = tables.DateColumn(verbose_name="Answered", format="j M Y", default="Not yet")
    on_time = tables.Column(verbose_name="On time", accessor="pk", orderable=False)

    class Meta:
        model = Complaint
        fields = []
        sequence = [
            "reference",
            "received",
            "stage",
            "channel",
            "divisions",
            "aspects",
            "responded_on",
            "on_time",
        ]
        order_by = ("-received",)
        attrs = {"class": "govuk-table app-caseload-table"}
        empty_text = "No complaints match these filters."

    def render_stage(self, record):
        return record.get_stage_display()

    def value_divisions(self, record):
        return CaseloadTable.value_divisions(self, record)

    def render_divisions(self, record):
        return self.value_divisions(record)

    def value_aspects(self, record):
        return "; ".join(
            f"{aspect.get_type_display()}: {AspectOutcome(aspect.outcome).label}"
            for mention in record.mentions.all()
            for aspect in mention.aspects.all()
        )

    def render_aspects(self, record):
        return self.value_aspects(record)

    def value_on_time(self, record):
        on_time = complaint_on_time(record)  # the one rule (complaints.timescales)
        return "Not answered yet" if on_time is None else "Yes" if on_time else "No"

    def render_on_time(self, record):
        return self.value_on_time(record)
