from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView
from django_tables2 import SingleTableView
from rules.contrib.views import PermissionRequiredMixin

from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.panels import Panel
from bromley_portal.core.views import PortalListView
from plans.filters import ActionFilterSet
from plans.models import Action, PlanSection, PortfolioPlan
from plans.services import action_history
from plans.tables import ActionTable, PortfolioPlanTable


class ActionListView(PortalListView):
    permission_required = "plans.view_action"
    queryset = Action.objects.for_lists()
    table_class = ActionTable
    filterset_class = ActionFilterSet
    export_name = "actions"
    title = "Actions"
    intro = "Every action of every portfolio plan. Filter them, sort them and download what you see."


class PortfolioPlanListView(PermissionRequiredMixin, SingleTableView):
    permission_required = "plans.view_portfolioplan"
    queryset = PortfolioPlan.objects.select_related("portfolio").annotate(
        action_count=Count("sections__actions")
    )
    table_class = PortfolioPlanTable
    template_name = "plans/plan_list.html"


class PortfolioPlanDetailView(PermissionRequiredMixin, DetailView):
    """A plan in the council's layout: each ambition or priority with its table of actions."""

    permission_required = "plans.view_portfolioplan"
    template_name = "plans/plan_detail.html"
    context_object_name = "plan"

    def get_object(self, queryset=None):
        try:
            year = FinancialYear.parse(self.kwargs["year"]).start_year
        except ValueError:
            year = None
        return get_object_or_404(
            PortfolioPlan.objects.select_related("portfolio").prefetch_related(
                Prefetch(
                    "sections",
                    PlanSection.objects.select_related("ambition").prefetch_related(
                        Prefetch(
                            "actions",
                            Action.objects.prefetch_related("details", "measures_of_success", "lead_posts"),
                        )
                    ),
                )
            ),
            portfolio__code=self.kwargs["portfolio"].upper(),
            year=year,
        )


class ActionDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "plans.view_action"
    template_name = "plans/action_detail.html"
    context_object_name = "action"
    queryset = Action.objects.for_lists()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = action_history(self.object)
        return context


def ambition_panel(request, ambition) -> Panel | None:
    """The plans and actions that serve an ambition, for the ambition's page."""
    if not request.user.has_perm("plans.view_action"):
        return None
    sections = (
        PlanSection.objects.filter(ambition=ambition)
        .select_related("plan__portfolio")
        .prefetch_related(Prefetch("actions", Action.objects.prefetch_related("lead_posts")))
        .order_by("-plan__year", "plan__portfolio__order")
    )
    return Panel("plans/_ambition_panel.html", {"sections": sections, "ambition": ambition}, order=10)
