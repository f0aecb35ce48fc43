"""The scrutiny actions list, on screen and in CSV and Excel exports."""

import django_tables2 as tables

from bromley_portal.core.templatetags.status import status_tag
from meetings.choices import ActionStatus
from meetings.models import ScrutinyAction


class ScrutinyActionTable(tables.Table):
    status = tables.Column(verbose_name="Status", order_by=("status_rank", "due_on"))
    reference = tables.Column(
        verbose_name="Action", accessor="number", order_by=("meeting__starts_at", "number"), linkify=True
    )
    request = tables.Column(verbose_name="What the committee asked for", orderable=False)
    agenda_item = tables.Column(verbose_name="Agenda item", orderable=False)
    post = tables.Column(verbose_name="Officer responsible", accessor="post__title")
    due_on = tables.Column(verbose_name="Due")
    response = tables.Column(verbose_name="Latest response", orderable=False, default="No response yet")

    class Meta:
        model = ScrutinyAction
        fields = []
        sequence = ["status", "reference", "request", "agenda_item", "post", "due_on", "response"]
        order_by = ()
        attrs = {"class": "govuk-table app-actions-table"}
        empty_text = "No scrutiny actions match these filters."

    def render_status(self, record):
        return status_tag(record.status, "action_status", short=True)

    def value_status(self, record):
        return ActionStatus(record.status).short_label

    def render_reference(self, record):
        return record.reference

    value_reference = render_reference

    def render_agenda_item(self, value):
        return f"{value.number}. {value.title}"

    value_agenda_item = render_agenda_item

    def render_due_on(self, value):
        return f"{value:%-d %b %Y}"

    def value_due_on(self, value):
        return value
