from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django_tables2 import SingleTableView
from rules.contrib.views import PermissionRequiredMixin

from ambitions.models import Ambition, Portfolio
from ambitions.services import current_strategy
from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.views import PortalListView
from plans import dashboards
from plans.choices import PERIOD_TRANSITIONS, PeriodStatus, UpdateStatus
from plans.filters import ActionFilterSet
from plans.forms import (
    AmendmentForm,
    DashboardFilterForm,
    PeriodChoiceForm,
    PlanImportForm,
    QuarterlyUpdateForm,
    ReturnUpdateForm,
)
from plans.importers import import_plan
from plans.models import (
    Action,
    Amendment,
    Measure,
    PlanSection,
    PortfolioPlan,
    QuarterlyUpdate,
    ReportingPeriod,
)
from plans.panels import ambition_panel  # noqa: F401 (moved; import it from plans.panels)
from plans.selectors import (
    FIGURES,
    NOT_STARTED,
    approval_queue,
    my_action_rows,
    period_totals,
    plan_counts,
    who_to_chase,
)
from plans.services import (
    StaleUpdateError,
    WorkflowError,
    action_history,
    amend_update,
    approve_update,
    lock_period,
    open_period,
    return_update,
    save_update,
    update_for,
)
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
        action, user = self.object, self.request.user
        updates = list(
            QuarterlyUpdate.objects.visible_to(user)
            .filter(action=action)
            .select_related("period", "submitted_by", "decided_by")
            .prefetch_related(FIGURES, Prefetch("amendments", Amendment.objects.select_related("created_by")))
            .order_by("-period__year", "-period__quarter")
        )
        for update in updates:
            update.action = action  # the rules read the action's plan; it is loaded already
            amendments = update.amendments.all()
            update.can_amend = update.status == UpdateStatus.LOCKED and user.has_perm(
                "plans.amend_update", update
            )
            update.current_rag = next((a.rag for a in reversed(amendments) if a.rag), update.rag)
        context["updates"] = updates
        context["rag_history"] = list(reversed(updates))
        # The open quarters this person writes the action's update for.
        if user.has_perm("plans.edit_update", action):
            by_period = {update.period_id: update for update in updates}
            context["write_periods"] = [
                (period, by_period.get(period.pk))
                for period in ReportingPeriod.objects.filter(status=PeriodStatus.OPEN, year=action.plan.year)
            ]
        context["history"] = action_history(action)
        return context


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


# Quarterly updates ------------------------------------------------------------------

# Where an update stands, for the pages: its status, or "not_started" when there is none.


def _short(action) -> str:
    return f"action {action.reference} ({Truncator(action.title).words(12)})"


class MyActionsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """An action lead's to-do list for an open reporting period."""

    permission_required = "plans.view_my_actions"
    template_name = "plans/my_actions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        periods = list(ReportingPeriod.objects.filter(status=PeriodStatus.OPEN))
        chosen = self.request.GET.get("period", "")
        period = next((p for p in periods if str(p.pk) == chosen), periods[0] if periods else None)
        today = timezone.localdate()
        rows = my_action_rows(self.request.user, period, today) if period else []
        counts = dict.fromkeys([NOT_STARTED, *UpdateStatus.values], 0)
        for row in rows:
            counts[row.status] += 1
        context.update(
            period=period,
            periods=periods,
            chooser=PeriodChoiceForm(periods=periods, initial={"period": str(period.pk)})
            if len(periods) > 1
            else None,
            rows=rows,
            to_write=counts[NOT_STARTED] + counts[UpdateStatus.DRAFT] + counts[UpdateStatus.RETURNED],
            counts=counts,
            overdue=period is not None and today > period.due_on,
            today=today,
        )
        return context


class QuarterlyUpdateView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """One action's update for one period: a form for its lead while it may be edited, else read-only.

    plans.services.save_update decides what may be saved; a save made on a stale copy
    (someone else saved after this person opened the page) is refused with 409 Conflict,
    showing the other person's text and keeping this person's in the form.
    """

    permission_required = "plans.view_updates"
    template_name = "plans/update.html"

    def load(self):
        self.action = get_object_or_404(
            Action.objects.select_related("section__plan__portfolio", "section__ambition").prefetch_related(
                "details", "measures_of_success", "lead_posts"
            ),
            pk=self.kwargs["action_pk"],
        )
        self.period = get_object_or_404(ReportingPeriod, pk=self.kwargs["period_pk"])
        self.update = update_for(self.action, self.period)
        if self.update.pk is None and self.period.year != self.action.plan.year:
            raise Http404(f"Action {self.action.reference} does not report in {self.period}.")
        self.update.action = self.action  # the rules read its lead posts, loaded already
        user = self.request.user
        self.may_edit = user.has_perm("plans.edit_update", self.update)
        self.can_edit = self.may_edit and self.update.is_editable and self.period.is_open
        self.measures = list(self.action.measures_of_success.all())

    def make_form(self, data=None, submitting=False):
        if data is None:
            figures = self.update.figures.all() if self.update.pk else []
            return QuarterlyUpdateForm(
                initial=QuarterlyUpdateForm.initial_for(self.update, figures), measures=self.measures
            )
        return QuarterlyUpdateForm(data, measures=self.measures, submitting=submitting)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        update = self.update
        shown = None
        if update.pk:
            shown = (
                QuarterlyUpdate.objects.visible_to(user)
                .prefetch_related(FIGURES)
                .filter(pk=update.pk)
                .first()
            )
        previous_period = self.period.previous()
        previous = None
        if previous_period:
            previous = (
                QuarterlyUpdate.objects.visible_to(user)
                .filter(action=self.action, period=previous_period)
                .prefetch_related(FIGURES)
                .first()
            )
        context.update(
            action=self.action,
            period=self.period,
            update=update,
            shown=shown,
            previous_period=previous_period,
            previous=previous,
            may_edit=self.may_edit,
            can_edit=self.can_edit,
            can_approve=update.pk
            and update.status == UpdateStatus.SUBMITTED
            and user.has_perm("plans.approve_update", update),
        )
        if "form" not in context and self.can_edit:
            context["form"] = self.make_form()
        return context

    def get(self, request, *args, **kwargs):
        self.load()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.load()
        if not self.may_edit:
            raise PermissionDenied("Only the action's lead, or their delegate, can write its update.")
        submitting = "submit" in request.POST
        form = self.make_form(request.POST, submitting)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            saved = save_update(
                self.update,
                request.user,
                version=form.cleaned_data["version"],
                rag=form.cleaned_data["rag"],
                narrative=form.cleaned_data["narrative"],
                evidence_links=form.cleaned_data["evidence_links"],
                figures=form.figures,
                submit=submitting,
            )
        except StaleUpdateError as error:
            # Show theirs, read-only; keep this person's text in the form, now against the saved version,
            # so saving again (after copying what they need) replaces it knowingly.
            theirs = QuarterlyUpdate.objects.prefetch_related(FIGURES).get(pk=self.update.pk)
            data = request.POST.copy()
            data["version"] = str(theirs.version)
            form = self.make_form(data, submitting)
            form.is_valid()
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(form=form, theirs=theirs), status=409)
        except WorkflowError as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(form=form))
        if submitting:
            messages.success(
                request, f"Your {self.period} update for {_short(self.action)} was submitted for approval."
            )
            return redirect(f"{reverse('plans:my_actions')}?{urlencode({'period': self.period.pk})}")
        messages.success(request, f"Your draft {self.period} update for {_short(self.action)} was saved.")
        return redirect(saved)


# Approvals ---------------------------------------------------------------------------------


class ApprovalQueueView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "plans.view_approval_queue"
    template_name = "plans/approvals.html"

    def get_context_data(self, error_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        items = []
        for update in approval_queue(self.request.user):
            form = error_form if error_form and error_form.update.pk == update.pk else None
            items.append((update, form or ReturnUpdateForm(update=update)))
        context.update(items=items, error_form=error_form)
        return context


class DecisionView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST only: approve or return one update through plans.services, then back to the queue."""

    permission_required = "plans.view_approval_queue"
    http_method_names = ["post"]

    def get_update(self):
        return get_object_or_404(
            QuarterlyUpdate.objects.select_related("action__section__plan", "period"), pk=self.kwargs["pk"]
        )

    def done(self):
        return redirect("plans:approvals")


class ApproveUpdateView(DecisionView):
    def post(self, request, pk):
        update = self.get_update()
        try:
            approve_update(update, request.user)
        except WorkflowError as error:
            messages.error(request, f"The update for {_short(update.action)} was not approved: {error}")
        else:
            messages.success(request, f"You approved the {update.period} update for {_short(update.action)}.")
        return self.done()


class ReturnUpdateView(DecisionView):
    def post(self, request, pk):
        update = self.get_update()
        form = ReturnUpdateForm(request.POST, update=update)
        if not form.is_valid():
            queue = ApprovalQueueView()
            queue.setup(request)
            context = queue.get_context_data(error_form=form)
            if any(item.pk == update.pk for item, _ in context["items"]):
                return queue.render_to_response(context)
            messages.error(request, f"The update for {_short(update.action)} is not waiting for approval.")
            return self.done()
        try:
            return_update(update, request.user, form.cleaned_data["comment"])
        except WorkflowError as error:
            messages.error(request, f"The update for {_short(update.action)} was not returned: {error}")
        else:
            messages.success(
                request,
                f"You returned the {update.period} update for {_short(update.action)} to its lead with your comment.",
            )
        return self.done()


# Amendments ---------------------------------------------------------------------------------


class AmendUpdateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Correct a locked update: the amendment is recorded beside the original, which never changes."""

    permission_required = "plans.amend_update"
    form_class = AmendmentForm
    template_name = "plans/amend.html"

    def get_permission_object(self):
        if not hasattr(self, "update"):
            self.update = get_object_or_404(
                QuarterlyUpdate.objects.select_related(
                    "action__section__plan__portfolio", "period"
                ).prefetch_related(Prefetch("amendments", Amendment.objects.select_related("created_by"))),
                pk=self.kwargs["pk"],
            )
        return self.update

    def get_initial(self):
        amendments = list(self.update.amendments.all())
        return {"narrative": amendments[-1].narrative if amendments else self.update.narrative, "rag": ""}

    def get_context_data(self, **kwargs):
        return super().get_context_data(update=self.update, action=self.update.action, **kwargs)

    def form_valid(self, form):
        try:
            amend_update(
                self.update,
                self.request.user,
                narrative=form.cleaned_data["narrative"],
                reason=form.cleaned_data["reason"],
                rag=form.cleaned_data["rag"],
            )
        except WorkflowError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Your amendment to the {self.update.period} update was recorded.")
        return redirect(f"{self.update.action.get_absolute_url()}#update-{self.update.pk}")


# Reporting periods --------------------------------------------------------------------------


def period_moves(user, period) -> dict:
    """Which of open and lock the person may offer for the period (the service decides on POST)."""
    manage = user.has_perm("plans.manage_periods")
    allowed = PERIOD_TRANSITIONS[period.status]
    return {
        "can_open": manage and PeriodStatus.OPEN in allowed,
        "can_lock": manage and PeriodStatus.LOCKED in allowed,
    }


class PeriodListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "plans.view_period_overview"
    template_name = "plans/periods.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actions_in_year = (
            Action.objects.filter(section__plan__year=OuterRef("year"))
            .order_by()
            .values("section__plan__year")
            .annotate(n=Count("pk"))
            .values("n")
        )
        periods = ReportingPeriod.objects.annotate(
            action_count=Coalesce(Subquery(actions_in_year, output_field=IntegerField()), Value(0)),
            reported=Count(
                "updates", filter=Q(updates__status__in=[UpdateStatus.APPROVED, UpdateStatus.LOCKED])
            ),
            waiting=Count("updates", filter=Q(updates__status=UpdateStatus.SUBMITTED)),
        ).order_by("-year", "-quarter")  # Meta.ordering does not apply to aggregate queries
        context["periods"] = [(period, period_moves(self.request.user, period)) for period in periods]
        return context


class PeriodDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """A clerk's overview of one period: counts by plan, and who to chase."""

    permission_required = "plans.view_period_overview"
    template_name = "plans/period.html"
    context_object_name = "period"
    model = ReportingPeriod

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = plan_counts(self.object)
        context.update(
            plans=plans,
            totals=period_totals(plans),
            chase=who_to_chase(self.object),
            **period_moves(self.request.user, self.object),
        )
        return context


class PeriodMoveView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """Open or lock a period: a confirmation page (GET) that says what will happen, then POST."""

    permission_required = "plans.manage_periods"
    template_name = "plans/period_confirm.html"
    context_object_name = "period"
    model = ReportingPeriod
    move = ""  # "open" or "lock"

    def get_permission_object(self):
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = plan_counts(self.object)
        totals = period_totals(plans)
        context.update(
            move=self.move,
            totals=totals,
            other_open=ReportingPeriod.objects.filter(status=PeriodStatus.OPEN).exclude(pk=self.object.pk),
            **period_moves(self.request.user, self.object),
        )
        return context

    def post(self, request, *args, **kwargs):
        period = self.get_object()
        service = {"open": open_period, "lock": lock_period}[self.move]
        try:
            service(period, request.user)
        except WorkflowError as error:
            messages.error(request, str(error))
        else:
            done = "is now open for updates" if self.move == "open" else "is now locked for committee"
            messages.success(request, f"{period} {done}.")
        return redirect("plans:period", pk=period.pk)


# Dashboards ----------------------------------------------------------------------


class DashboardMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Dashboards read the period, portfolio and ambition filters from the query string."""

    permission_required = "plans.view_dashboards"

    def get_filters(self, **fixed) -> dashboards.Filters:
        self.filter_form = DashboardFilterForm(self.request.GET or None)
        cleaned = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        period = cleaned.get("period") or dashboards.latest_locked_period()
        return dashboards.Filters(
            period=period,
            portfolio=fixed.get("portfolio") or cleaned.get("portfolio"),
            ambition=fixed.get("ambition") or cleaned.get("ambition"),
        )

    def dashboard_context(self, filters, **extra):
        return {"filters": filters, "filter_form": self.filter_form, "period": filters.period, **extra}


class CorporateOverviewView(DashboardMixin, TemplateView):
    """The five ambitions: their actions' RAG for the period, the change since the last, measures off target."""

    template_name = "plans/dashboard_overview.html"

    def get_context_data(self, **kwargs):
        filters = self.get_filters()
        overview = dashboards.ambitions_overview(filters)
        return super().get_context_data(
            **self.dashboard_context(
                filters,
                overview=overview,
                portfolios=Portfolio.objects.filter(plans__year=filters.period.year).distinct()
                if filters.period
                else Portfolio.objects.none(),
                chart=dashboards.rag_chart(
                    "Actions by RAG status and ambition",
                    [
                        (f"{ambition.number}. {ambition.short_name}", counts)
                        for ambition, counts, _ in overview
                    ],
                    filters,
                ),
                **kwargs,
            )
        )


class AmbitionDashboardView(DashboardMixin, TemplateView):
    template_name = "plans/dashboard_detail.html"

    def get_context_data(self, **kwargs):
        ambition = get_object_or_404(
            Ambition.objects.select_related("strategy"), number=kwargs["number"], strategy=current_strategy()
        )
        filters = self.get_filters(ambition=ambition)
        return super().get_context_data(
            **self.dashboard_context(
                filters, subject=ambition, **dashboards.breakdown(filters, "portfolio"), **kwargs
            )
        )


class PortfolioDashboardView(DashboardMixin, TemplateView):
    template_name = "plans/dashboard_detail.html"

    def get_context_data(self, **kwargs):
        portfolio = get_object_or_404(Portfolio, code=kwargs["code"].upper())
        filters = self.get_filters(portfolio=portfolio)
        return super().get_context_data(
            **self.dashboard_context(
                filters, subject=portfolio, **dashboards.breakdown(filters, "ambition"), **kwargs
            )
        )


class MeasureView(DashboardMixin, DetailView):
    """A measure's readings over time, as a chart with target and comparators and as a table."""

    template_name = "plans/measure_detail.html"
    context_object_name = "measure"
    slug_field = "slug"
    queryset = Measure.objects.select_related("owner_post").prefetch_related(
        "ambitions", Prefetch("actions", Action.objects.select_related("section__plan__portfolio"))
    )

    def get_context_data(self, **kwargs):
        readings = list(
            self.object.readings.select_related("period").order_by("period__year", "period__quarter")
        )
        rows = [
            (reading, self.object.assess(reading, readings[index - 1] if index else None))
            for index, reading in enumerate(readings)
        ]
        return super().get_context_data(
            rows=list(reversed(rows)), chart=dashboards.measure_chart(self.object, readings), **kwargs
        )
