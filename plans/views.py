from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, FormView
from django_tables2 import SingleTableView
from rules.contrib.views import PermissionRequiredMixin

from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.panels import Panel
from bromley_portal.core.views import PortalListView
from plans.filters import ActionFilterSet
from plans.forms import PlanImportForm
from plans.importers import import_plan
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


class PlanImportView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Upload a plan as a spreadsheet; plans.importers does the work, all-or-nothing."""

    permission_required = "plans.import_plan"
    form_class = PlanImportForm
    template_name = "plans/import.html"

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        result = import_plan(
            upload,
            upload.name,
            form.cleaned_data["portfolio"],
            form.cleaned_data["year"],
            user=self.request.user,
            updates_period=form.cleaned_data["updates_period"],
        )
        if result.errors:
            count = len(result.errors)
            form.add_error(
                "file",
                f"The file has {count} problem{'s' if count != 1 else ''}, listed above: nothing was imported. "
                "Correct the file and upload it again.",
            )
            return self.render_to_response(self.get_context_data(form=form, import_errors=result.errors))
        messages.success(self.request, " ".join(result.summary()))
        return redirect(result.plan)
