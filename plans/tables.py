"""The tables of plans and actions, on screen and in CSV and Excel exports.

The actions list shows each action with the update it reports: the one reported in the period
the list is filtered on, else the latest reported (Action.objects.for_lists). The plan's own
spreadsheet, a row per detail, is plans.spreadsheet's.
"""

import django_tables2 as tables
from django.db.models import OuterRef, Subquery
from django.template.defaultfilters import truncatewords
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join

from bromley_portal.core.exports import EXPORT_CHUNK
from bromley_portal.core.templatetags.status import status_tag
from plans.choices import Rag
from plans.models import Action, PortfolioPlan, QuarterlyUpdate, ReportingPeriod
from plans.selectors import leads_by_action, notes_by_update


def lead_titles(action) -> list[str]:
    return [lead.title for lead in action.leads]


def due_text(target_date, annual_programme) -> str:
    """The Due column: "Apr 2024 (AP)", or "" without a target date."""
    if target_date is None:
        return ""
    return f"{target_date:%b %Y}" + (" (AP)" if annual_programme else "")


class ActionTable(tables.Table):
    plan = tables.Column(
        verbose_name="Plan",
        accessor="section__plan",
        order_by=("section__plan__year", "section__plan__portfolio__order"),
        attrs={"td": {"data-label": "Plan"}},
    )
    number = tables.Column(
        verbose_name="No.",
        accessor="reference",
        order_by=("section__number", "number"),
        attrs={"td": {"data-label": "No."}},
    )
    title = tables.Column(verbose_name="Action", linkify=True, attrs={"td": {"class": "app-table__action"}})
    # Lead and period are in every export; on screen they are one click away, in the update cell's
    # "Lead and details", so the list fits a laptop's width without scrolling sideways.
    leads = tables.Column(verbose_name="Lead", accessor="pk", orderable=False, visible=False)
    target_date = tables.Column(
        verbose_name="Due", order_by=("target_date",), attrs={"td": {"data-label": "Due"}}
    )
    rag = tables.Column(
        verbose_name="RAG status",
        accessor="shown_rag",
        order_by=("shown_rag",),
        attrs={"td": {"class": "app-actions-table__rag", "data-label": "RAG status"}},
    )
    period = tables.Column(verbose_name="Reported in", accessor="pk", orderable=False, visible=False)
    update = tables.Column(
        verbose_name="Update",
        accessor="pk",
        orderable=False,
        attrs={"td": {"class": "app-actions-table__update"}},
    )

    class Meta:
        model = Action
        fields = []
        sequence = ["plan", "number", "title", "leads", "target_date", "rag", "period", "update"]
        # The current plan year first (a later year's plan, made ahead, before it), each plan's actions
        # in the plan's order.
        order_by = ("-plan", "number")
        empty_text = "No actions match these filters."
        attrs = {"class": "govuk-table app-actions-table"}

    def render_leads(self, record):
        titles = lead_titles(record)
        if not titles:
            return "—"
        return format_html(
            '<ul class="govuk-list app-table-list">{}</ul>',
            format_html_join("", "<li>{}</li>", ((t,) for t in titles)),
        )

    def value_leads(self, record):
        return "\n".join(lead_titles(record))

    def render_target_date(self, record):
        return due_text(record.target_date, record.annual_programme) or "—"

    def value_target_date(self, record):
        return due_text(record.target_date, record.annual_programme)

    def render_rag(self, value):
        return status_tag(value, "rag", short=True)

    def value_rag(self, value):
        return Rag(value).short_label

    def render_period(self, record):
        update = record.shown_update
        return str(update.period) if update else "—"

    def value_period(self, record):
        update = record.shown_update
        return str(update.period) if update else ""

    def render_update(self, record):
        update = record.shown_update
        return render_to_string(
            "plans/_action_row_more.html",
            {
                "action": record,
                "update": update,
                "summary": truncatewords(update.reported_narrative, 30) if update else "",
                "leads": lead_titles(record),
            },
        )

    def value_update(self, record):
        update = record.shown_update
        return update.reported_narrative if update else ""

    # The download (PortalListView.create_export) -------------------------------------------------
    # The value_* methods above are django-tables2's cell-by-cell export, which reads each action's
    # prefetched model instances and inspects each method's signature per cell: ~1.5 ms an action.
    # The download builds the same cells (the same helpers: due_text, Rag.short_label, str() of the
    # plan and period, DetailLead.title_of and first_per_post, QuarterlyUpdate.narrative_with_notes)
    # from one streamed values() query of the table's own filtered and sorted queryset and four
    # lookups, a fixed number of queries whatever its length. tests/test_action_export.py checks
    # the two agree cell for cell.

    def export_columns(self):
        return [column for column in self.columns.iterall() if not column.column.exclude_from_export]

    def export_headers(self) -> list[str]:
        return [str(column.header) for column in self.export_columns()]

    def export_rows(self):
        """Each action of the table (filtered and in its order) as a list of its export cells."""
        names = [column.name for column in self.export_columns()]
        actions = self.data.data.prefetch_related(None).select_related(None)
        shown = QuarterlyUpdate.objects.with_reported().filter(pk=OuterRef("shown_update_id"))
        rows = actions.annotate(
            shown_narrative=Subquery(shown.values("narrative")[:1]),
            shown_amended=Subquery(shown.values("amended_narrative")[:1]),
        ).values_list(
            "pk",
            "section__plan_id",
            "section__number",
            "number",
            "title",
            "target_date",
            "annual_programme",
            "shown_rag",
            "shown_update_id",
            "shown_period_id",
            "shown_narrative",
            "shown_amended",
        )
        # The lookups are read when the first row is asked for, so a streamed download starts at once.
        plans = {plan.pk: str(plan) for plan in PortfolioPlan.objects.select_related("portfolio")}
        periods = {period.pk: str(period) for period in ReportingPeriod.objects.all()}
        leads = leads_by_action(actions.values("pk"))
        notes = notes_by_update(actions.values("shown_update_id"))
        rags = {rag.value: rag.short_label for rag in Rag}
        for row in rows.iterator(chunk_size=EXPORT_CHUNK):
            (pk, plan_id, section, number, title, target, programme, rag, update_id, period_id,
             narrative, amended) = row  # fmt: skip
            if update_id is None:
                text = ""
            else:
                text = amended or QuarterlyUpdate.narrative_with_notes(narrative, notes.get(update_id, ()))
            cells = {
                "plan": plans[plan_id],
                "number": Action.reference_of(section, number),
                "title": title,
                "leads": "\n".join(lead.title for lead in leads.get(pk, ())),
                "target_date": due_text(target, programme),
                "rag": rags[rag],
                "period": periods[period_id] if update_id else "",
                "update": text,
            }
            yield [cells[name] for name in names]


class PortfolioPlanTable(tables.Table):
    portfolio = tables.Column(
        verbose_name="Portfolio", accessor="portfolio__name", linkify=lambda record: record.get_absolute_url()
    )
    year = tables.Column(verbose_name="Year", accessor="year_label", order_by=("year",))
    title = tables.Column(verbose_name="Title")
    action_count = tables.Column(
        verbose_name="Actions", attrs={"td": {"class": "govuk-table__cell--numeric"}}
    )

    class Meta:
        model = PortfolioPlan
        fields = []
        sequence = ["portfolio", "year", "title", "action_count"]
        order_by = ("-year", "portfolio")
        empty_text = "There are no plans yet."

    def render_title(self, record, value):
        if record.illustrative:
            return format_html('{} <strong class="govuk-tag govuk-tag--grey">Illustrative</strong>', value)
        return value
