"""The plan table, in the council's own layout.

The same columns are shown on screen, exported to CSV and Excel, and read back
by the importer (``PLAN_COLUMNS``), so a plan can round-trip through a spreadsheet.
"""

import django_tables2 as tables
from django.template.defaultfilters import truncatewords
from django.utils.html import format_html

from plans.models import Action, PortfolioPlan

PLAN_COLUMNS = [
    "Plan",
    "Ambition or priority",
    "No.",
    "Action",
    "Detail",
    "Measures of success",
    "Target date",
    "Lead",
    "Update",
]


def detail_lines(action) -> str:
    return "\n".join(str(detail) for detail in action.details.all())


def measure_lines(action) -> str:
    return "\n".join(measure.text for measure in action.measures_of_success.all())


def lead_lines(action) -> str:
    return "\n".join(post.title for post in action.lead_posts.all())


class LinesColumn(tables.Column):
    """A cell holding several lines: a list on screen, one line each in exports."""

    def __init__(self, lines, **kwargs):
        self.lines = lines
        super().__init__(accessor="pk", orderable=False, **kwargs)

    def render(self, record):
        items = self.lines(record).splitlines()
        if not items:
            return "—"
        return format_html(
            '<ul class="govuk-list app-table-list">{}</ul>',
            format_html("".join("<li>{}</li>" for _ in items), *items),
        )

    def value(self, record, **kwargs):
        return self.lines(record)


class ActionTable(tables.Table):
    plan = tables.Column(
        verbose_name="Plan",
        accessor="section__plan",
        order_by=("section__plan__year", "section__plan__portfolio__order"),
    )
    section = tables.Column(
        verbose_name="Ambition or priority", accessor="section", order_by=("section__number",)
    )
    number = tables.Column(verbose_name="No.", order_by=("section__number", "number"))
    title = tables.Column(verbose_name="Action", linkify=True)
    details = LinesColumn(detail_lines, verbose_name="Detail")
    measures = LinesColumn(measure_lines, verbose_name="Measures of success")
    target_date = tables.Column(verbose_name="Target date", order_by=("target_date",))
    leads = LinesColumn(lead_lines, verbose_name="Lead")
    update = tables.Column(verbose_name="Update", accessor="latest_update", orderable=False, default="")

    class Meta:
        model = Action
        fields = []
        sequence = [
            "plan",
            "section",
            "number",
            "title",
            "details",
            "measures",
            "target_date",
            "leads",
            "update",
        ]
        order_by = ("plan", "number")
        empty_text = "No actions match these filters."

    def render_target_date(self, record):
        return record.target_date_text or "—"

    def value_target_date(self, record):
        return record.target_date_text

    def render_update(self, value):
        return truncatewords(value, 30) if value else "—"

    def value_update(self, value):
        return value

    def value_section(self, record):
        return record.section.label


class PortfolioPlanTable(tables.Table):
    portfolio = tables.Column(
        verbose_name="Portfolio", accessor="portfolio__name", linkify=lambda record: record.get_absolute_url()
    )
    year = tables.Column(verbose_name="Year", accessor="year_label", order_by=("year",))
    section_kind = tables.Column(verbose_name="Organised by")
    action_count = tables.Column(
        verbose_name="Actions", attrs={"td": {"class": "govuk-table__cell--numeric"}}
    )

    class Meta:
        model = PortfolioPlan
        fields = []
        sequence = ["portfolio", "year", "section_kind", "action_count"]
        empty_text = "There are no plans yet."
