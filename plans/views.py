"""The plans' pages. Views stay thin: queries are in plans.selectors and plans.dashboards, moves in
plans.services, who may do what in plans.rules."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from ambitions.models import Ambition, Portfolio
from ambitions.services import current_strategy
from bromley_portal.core.exports import XLSX_TYPE
from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.pagecache import PageCacheMixin
from bromley_portal.core.panels import panels_for
from bromley_portal.core.views import (
    PAGE_SIZES,
    Conflict,
    PortalListView,
    bounded_page_size,
    conflict_response,
)
from plans import dashboards, selectors, services, spreadsheet
from plans.filters import ActionFilterSet, ApprovalFilterSet, PortfolioPlanFilterSet
from plans.forms import (
    AmendmentForm,
    DashboardFilterForm,
    DecisionForm,
    MailPreferenceForm,
    PeriodChoiceForm,
    ReturnUpdateForm,
)
from plans.models import (
    Action,
    MailPreference,
    PlanImportJob,
    PortfolioPlan,
    QuarterlyUpdate,
    ReportingPeriod,
)
from plans.services import StaleUpdateError, WorkflowError
from plans.tables import ActionTable, PortfolioPlanTable


def _short(action) -> str:
    return selectors.short_name(action)


def _int(text) -> int | None:
    """A whole number from the query string, or None for anything else."""
    return int(text) if str(text or "").isdigit() and len(str(text)) < 10 else None


def _year(text: str) -> int:
    try:
        return FinancialYear.parse(text).start_year
    except ValueError:
        raise Http404("No such year") from None


# Plans and actions --------------------------------------------------------------------


class ActionListView(PageCacheMixin, PortalListView):
    permission_required = "plans.view_action"
    queryset = Action.objects.all()  # the filterset adds what rows show (Action.objects.for_lists)
    table_class = ActionTable
    filterset_class = ActionFilterSet
    export_name = "actions"
    title = "Actions"
    intro = (
        "Every action of every portfolio plan with the update it reports: the latest, or the one for the "
        "reporting period you choose. Filter them, sort them and download what you see."
    )

    def page_is_cacheable(self) -> bool:
        # The most read page. By default it shows each action's latest update, which may be an open
        # period's; it is cached all the same, since any write to plans makes a new generation
        # (pagecache), so between writes everyone reads the one rendering of their scope, and the
        # date is in the key for "overdue".
        return True


class PortfolioPlanListView(PortalListView):
    permission_required = "plans.view_portfolioplan"
    queryset = selectors.plans_with_action_counts()
    table_class = PortfolioPlanTable
    filterset_class = PortfolioPlanFilterSet
    export_formats = ()
    template_name = "plans/plan_list.html"
    title = "Portfolio plans"


class PortfolioPlanDetailView(PermissionRequiredMixin, PageCacheMixin, DetailView):
    """A plan in the council's layout: each ambition or priority with its table of actions and details.
    Cached once its year's four periods are locked."""

    permission_required = "plans.view_portfolioplan"
    template_name = "plans/plan_detail.html"
    context_object_name = "plan"

    first_actions = selectors.PLAN_ACTIONS_SHOWN

    def page_is_cacheable(self) -> bool:
        try:
            return selectors.is_locked_year(_year(self.kwargs["year"]))
        except Http404:
            return False

    def get_object(self, queryset=None):
        try:
            return selectors.plan_tree(
                self.kwargs["portfolio"], _year(self.kwargs["year"]), first_actions=self.first_actions
            )
        except PortfolioPlan.DoesNotExist:
            raise Http404("No such plan") from None


class PlanExportView(PortfolioPlanDetailView):
    """The plan as a spreadsheet, a row per detail: what the import reads back (every action), its rows
    read by plans.spreadsheet in a fixed number of queries."""

    def get_object(self, queryset=None):
        if not hasattr(self, "_plan"):
            try:
                self._plan = selectors.plan_of(self.kwargs["portfolio"], _year(self.kwargs["year"]))
            except PortfolioPlan.DoesNotExist:
                raise Http404("No such plan") from None
        return self._plan

    def get(self, request, *args, **kwargs):
        plan = self.get_object()
        extension = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
        period = ReportingPeriod.objects.filter(pk=_int(request.GET.get("period")), year=plan.year).first()
        if extension == "csv":
            response = HttpResponse(
                spreadsheet.plan_csv(plan, period), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(spreadsheet.plan_xlsx(plan, period), content_type=XLSX_TYPE)
        response["Content-Disposition"] = (
            f'attachment; filename="{spreadsheet.export_filename(plan, extension)}"'
        )
        return response


class ActionDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "plans.view_action"
    template_name = "plans/action_detail.html"
    context_object_name = "action"
    queryset = Action.objects.select_related("section__plan__portfolio", "section__ambition").with_plan_text()

    def get_context_data(self, **kwargs):
        page = selectors.action_page(self.object, self.request.user)
        panels = panels_for("action", self.request, self.object)
        return super().get_context_data(page=page, panels=panels, **kwargs)


class PlanImportJobView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """A large plan file being imported by a worker: its progress (the page refreshes itself while the
    import runs, without script), then what came of it."""

    permission_required = "plans.import_plan"
    model = PlanImportJob
    template_name = "plans/import_job.html"
    context_object_name = "job"
    refresh_seconds = 3

    def get_queryset(self):
        return PlanImportJob.objects.select_related(
            "portfolio", "plan__portfolio", "updates_period", "applied_by"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(refresh_seconds=self.refresh_seconds, **kwargs)


# Quarterly updates ------------------------------------------------------------------


class MyActionsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """An action lead's to-do list for an open reporting period."""

    permission_required = "plans.view_my_actions"
    template_name = "plans/my_actions.html"

    def get_context_data(self, **kwargs):
        periods = list(ReportingPeriod.objects.filter(status="open").order_by("-year", "-quarter"))
        chosen = self.request.GET.get("period", "")
        period = next((p for p in periods if str(p.pk) == chosen), periods[0] if periods else None)
        today = timezone.localdate()
        rows, page, counts = (
            selectors.my_actions_page(self.request.user, period, today, self.request.GET.get("page"))
            if period
            else ([], None, selectors.status_counts([]))
        )
        chooser = (
            PeriodChoiceForm(periods=periods, initial={"period": str(period.pk)})
            if len(periods) > 1
            else None
        )
        return super().get_context_data(
            period=period,
            periods=periods,
            chooser=chooser,
            rows=rows,
            page=page,
            counts=counts,
            overdue=period is not None and today > period.due_on,
            today=today,
            **kwargs,
        )


class QuarterlyUpdateView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """One action's update for one period: a form for its lead while it may be edited, else read-only.
    plans.services.save_update decides what is saved; a stale save gets 409 Conflict with both texts."""

    permission_required = "plans.view_updates"
    template_name = "plans/update.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        request.nav_section = "plans:my_actions"  # an update is written from My actions, not the plans list
        self.page = selectors.UpdatePage.load(kwargs["action_pk"], kwargs["period_pk"], request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**self.page.context(), **kwargs)
        if "form" not in context and self.page.can_edit:
            context["form"] = self.page.form()
        return context

    def post(self, request, *args, **kwargs):
        if not self.page.may_edit:
            raise PermissionDenied("Only the action's lead, or their delegate, can write its update.")
        form = self.page.form(request.POST, submitting := "submit" in request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            saved = services.save_update(
                self.page.update,
                request.user,
                submit=submitting,
                figures=form.figures,
                **form.update_values(),
            )
        except StaleUpdateError as error:
            form, theirs = self.page.stale_form(request.POST, submitting, str(error))
            return self.render_to_response(self.get_context_data(form=form, theirs=theirs), status=409)
        except WorkflowError as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, self.page.saved_message(submitting))
        return redirect(self.page.next_url(saved, submitting))


class ReopenActionView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST only: reopen an action reported Complete, so its lead is asked for updates again from
    the period whose update page offered it (plans.services.reopen_action keeps who and when)."""

    permission_required = "plans.reopen_action"
    http_method_names = ["post"]

    def get_permission_object(self):
        self.action = get_object_or_404(
            Action.objects.select_related("section__plan__portfolio").with_plan_text(), pk=self.kwargs["pk"]
        )
        return self.action

    def post(self, request, pk, period_pk):
        period = get_object_or_404(ReportingPeriod, pk=period_pk)
        try:
            services.reopen_action(self.action, request.user, period)
        except WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Action {self.action.reference} is reopened: its lead is asked for the {period} update.",
            )
        return redirect("plans:update", action_pk=self.action.pk, period_pk=period.pk)


class MailPreferenceView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """An approver chooses an e-mail per submitted update, or a daily digest (plans.notices)."""

    permission_required = "plans.view_approval_queue"
    template_name = "plans/mail_preferences.html"
    form_class = MailPreferenceForm

    def get_initial(self):
        chosen = MailPreference.objects.filter(user=self.request.user, daily_digest=True).exists()
        return {"daily_digest": "yes" if chosen else "no"}

    def form_valid(self, form):
        MailPreference.objects.update_or_create(
            user=self.request.user, defaults={"daily_digest": form.cleaned_data["daily_digest"]}
        )
        messages.success(
            self.request,
            "You will get one e-mail a day listing the updates waiting for you."
            if form.cleaned_data["daily_digest"]
            else "You will get an e-mail for each update submitted for your approval.",
        )
        return redirect("plans:mail_preferences")


class ApprovalQueueView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The updates of this approver's portfolios, filtered (portfolio, RAG, status), sorted and paged
    (PAGE_SIZES), each waiting one with approve and return forms that carry the version shown and a
    link to open it beside last quarter's; an update the approver wrote or submitted is shown without
    them. A fixed number of queries whatever the queue's length."""

    permission_required = "plans.view_approval_queue"
    template_name = "plans/approvals.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        request.GET = bounded_page_size(request.GET)

    def filtered(self):
        # Always bound, even to an empty query: the filterset's defaults (waiting updates, oldest
        # first) apply only to a bound one.
        updates = selectors.approval_updates(self.request.user)
        filterset = ApprovalFilterSet(self.request.GET, queryset=updates)
        return filterset, (filterset.qs if filterset.is_valid() else updates.none())

    def get_context_data(self, error_form=None, **kwargs):
        filterset, updates = self.filtered()
        per_page = int(self.request.GET.get("per_page", PAGE_SIZES[0]))
        page, green_count = selectors.queue_page(updates, per_page, self.request.GET.get("page"))
        user = self.request.user
        items = [
            selectors.QueueItem.of(u, user, error_form) for u in selectors.queue_page_rows(page.object_list)
        ]
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            items=items,
            page=page,
            filter=filterset,
            query=query.urlencode(),
            green_count=green_count,
            error_form=error_form,
            **kwargs,
        )


class ApprovalView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """One update of the queue with the same action's update of the quarter before beside it, and the
    approve and return forms."""

    permission_required = "plans.view_approval_queue"
    template_name = "plans/approval.html"

    def get_context_data(self, error_form=None, **kwargs):
        page = selectors.approval_page(self.kwargs["pk"], self.request.user)
        item = selectors.QueueItem.of(page["update"], self.request.user, error_form)
        return super().get_context_data(item=item, error_form=error_form, **page, **kwargs)


class ApproveGreenView(ApprovalQueueView):
    """Approve the green updates waiting in the queue as filtered (up to the largest page): a
    confirmation page (GET) with how many, the first of them named and a fingerprint of the whole set,
    then all or nothing (POST, to the same filters). The POST approves exactly the set that was
    confirmed: if it is not the same set at the same versions any more (one changed, another approver
    decided one, a new one is waiting), nothing is approved: 409."""

    template_name = "plans/approve_green.html"
    most = PAGE_SIZES[-1]

    def batch(self):
        filterset, updates = self.filtered()
        return filterset, selectors.green_to_approve(self.request.user, updates, self.most)

    def get_context_data(self, **kwargs):
        filterset, batch = self.batch()
        return {
            "batch": batch,
            "updates": batch.shown,
            "filter": filterset,
            "query": self.request.GET.urlencode(),
            "view": self,
            **kwargs,
        }

    def post(self, request, *args, **kwargs):
        confirmed = request.POST.get("fingerprint", "")
        if not confirmed:
            messages.error(request, "No updates were approved: open the list of green updates again.")
            return redirect("plans:approvals")
        _, batch = self.batch()
        updates = selectors.approval_updates(request.user).in_bulk(list(batch.versions))
        try:
            count = services.approve_confirmed(batch, confirmed, updates, request.user)
        except (StaleUpdateError, WorkflowError) as error:
            context = {"changed": str(error), "updates": [], "view": self, "query": request.GET.urlencode()}
            return self.render_to_response(context, status=409)
        messages.success(request, f"You approved {count} green update{'s' if count != 1 else ''}.")
        return redirect("plans:approvals")


def _decision_conflict(request, update, error):
    """409 Conflict (core/conflict.html): what the update says now and, if it can still be decided, the
    forms for it."""
    page = selectors.decision_conflict(update.pk, request.user, str(error), request.POST)
    action, saved = page["action"], page["update"]
    conflict = Conflict(
        title=f"the {saved.period} update for action {action.reference} has changed",
        message=str(error),
        caption=f"{action.plan.portfolio.name} plan {action.plan.year_label} · Action {action.reference}",
        heading=f"The {saved.period} update has changed",
        saved_template="plans/_decision_conflict_saved.html",
        back_label="Updates to approve",
        back_url=reverse("plans:approvals"),
        back_text="Back to updates to approve",
    )
    return conflict_response(request, conflict, page)


class DecisionView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST only: approve or return one update, as the approver read it, through plans.services,
    then back to the queue. A changed update gets 409 Conflict with what it says now."""

    permission_required = "plans.view_approval_queue"
    http_method_names = ["post"]  # a GET (a refresh after a refused decision) gets the 405 page
    form_class = DecisionForm
    verb, done = "approve", "approved"

    def post(self, request, pk):
        update = get_object_or_404(
            QuarterlyUpdate.objects.select_related("action__section__plan", "period"), pk=pk
        )
        form = self.form_class(request.POST, update=update)
        if not form.is_valid():
            return self.form_invalid(form)
        try:
            self.decide(update, form.cleaned_data)
        except StaleUpdateError as error:
            return _decision_conflict(request, update, error)
        except WorkflowError as error:
            messages.error(request, f"The update for {_short(update.action)} was not {self.done}: {error}")
        else:
            messages.success(request, self.success_message(update))
        return redirect("plans:approvals")

    def decide(self, update, cleaned):
        services.approve_update(update, self.request.user, version=cleaned["version"])

    def success_message(self, update) -> str:
        return f"You approved the {update.period} update for {_short(update.action)}."

    def form_invalid(self, form):
        errors = " ".join(error for errors in form.errors.values() for error in errors)
        messages.error(
            self.request, f"The update for {_short(form.update.action)} was not {self.done}: {errors}."
        )
        return redirect("plans:approvals")


class ApproveUpdateView(DecisionView):
    pass


class ReturnUpdateView(DecisionView):
    form_class = ReturnUpdateForm
    verb, done = "return", "returned"

    def decide(self, update, cleaned):
        services.return_update(update, self.request.user, cleaned["comment"], version=cleaned["version"])

    def success_message(self, update) -> str:
        return f"You returned the {update.period} update for {_short(update.action)} to its lead with your comment."

    def form_invalid(self, form):
        """The queue again, with the comment's error beside it (if the update is still in the queue)."""
        queue = ApprovalQueueView()
        queue.setup(self.request)
        context = queue.get_context_data(error_form=form)
        if any(item.update.pk == form.update.pk for item in context["items"]):
            return queue.render_to_response(context)
        return super().form_invalid(form)


class AmendUpdateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Correct a locked update: the amendment is recorded beside the original, which never changes."""

    permission_required = "plans.amend_update"
    form_class = AmendmentForm
    template_name = "plans/amend.html"

    def get_permission_object(self):
        if not hasattr(self, "update"):
            self.update = get_object_or_404(selectors.updates_to_amend(), pk=self.kwargs["pk"])
        return self.update

    def get_initial(self):
        return {"narrative": self.update.reported_narrative, "rag": ""}

    def get_context_data(self, **kwargs):
        return super().get_context_data(update=self.update, action=self.update.action, **kwargs)

    def form_valid(self, form):
        try:
            services.amend_update(self.update, self.request.user, **form.cleaned_data)
        except WorkflowError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Your amendment to the {self.update.period} update was recorded.")
        return redirect(f"{self.update.action.get_absolute_url()}#update-{self.update.pk}")


# Reporting periods --------------------------------------------------------------------------


class PeriodListView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "plans.view_period_overview"
    template_name = "plans/periods.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        periods = [(period, services.period_moves(user, period)) for period in selectors.periods_overview()]
        return super().get_context_data(periods=periods, **kwargs)


class PeriodDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """A clerk's overview of one period: counts by plan, and who to chase."""

    permission_required = "plans.view_period_overview"
    template_name = "plans/period.html"
    context_object_name = "period"
    model = ReportingPeriod

    def get_permission_object(self):
        return None

    chase_list = True  # the confirmations do not show who to chase

    def get_context_data(self, **kwargs):
        plans = selectors.plan_counts(self.object)
        return super().get_context_data(
            plans=plans,
            totals=selectors.period_totals(plans),
            chase=selectors.who_to_chase(self.object) if self.chase_list and self.object.is_open else [],
            **services.period_moves(self.request.user, self.object),
            **kwargs,
        )


class PeriodMoveView(PeriodDetailView):
    """Open or lock a period: a confirmation page (GET) that says what will happen, then POST."""

    permission_required = "plans.manage_periods"
    template_name = "plans/period_confirm.html"
    move = ""  # "open" or "lock"
    chase_list = False

    def get_context_data(self, **kwargs):
        other_open = ReportingPeriod.objects.filter(status="open").exclude(pk=self.object.pk)
        context = super().get_context_data(move=self.move, other_open=other_open, **kwargs)
        # Locking closes as "No update received" every action without an approved (or locked) update:
        # the totals' not_approved, from the same counts as the table (services.lock_period's rule).
        context["not_received"] = context["totals"]["not_approved"] if self.move == "lock" else 0
        return context

    def post(self, request, *args, **kwargs):
        period = self.get_object()
        service = {"open": services.open_period, "lock": services.lock_period}[self.move]
        try:
            service(period, request.user)
        except WorkflowError as error:
            messages.error(request, str(error))
        else:
            done = "is now open for updates" if self.move == "open" else "is now locked for committee"
            messages.success(request, f"{period} {done}.")
        return redirect("plans:period", pk=period.pk)


# Dashboards ----------------------------------------------------------------------


class DashboardMixin(LoginRequiredMixin, PermissionRequiredMixin, PageCacheMixin):
    """Dashboards read the period, portfolio and ambition filters from the query string. A dashboard
    of a locked period (the latest locked one unless another is chosen) is cached."""

    permission_required = "plans.view_dashboards"

    def page_is_cacheable(self) -> bool:
        period = self.request.GET.get("period")
        if period:
            return selectors.is_locked_period(period)
        return dashboards.latest_locked_period() is not None

    def get_filters(self, **fixed) -> dashboards.Filters:
        self.filter_form = DashboardFilterForm(self.request.GET or None)
        cleaned = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return dashboards.Filters(
            period=cleaned.get("period") or dashboards.latest_locked_period(),
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
        return super().get_context_data(
            **self.dashboard_context(filters, **dashboards.overview(filters)), **kwargs
        )


class AmbitionDashboardView(DashboardMixin, TemplateView):
    template_name = "plans/dashboard_detail.html"

    def get_context_data(self, **kwargs):
        ambition = get_object_or_404(
            Ambition.objects.select_related("strategy"), number=kwargs["number"], strategy=current_strategy()
        )
        filters = self.get_filters(ambition=ambition)
        breakdown = dashboards.breakdown(filters, "portfolio", self.request.GET.get("measures"))
        return super().get_context_data(
            **self.dashboard_context(filters, subject=ambition, **breakdown), **kwargs
        )


class PortfolioDashboardView(DashboardMixin, TemplateView):
    template_name = "plans/dashboard_detail.html"

    def get_context_data(self, **kwargs):
        portfolio = get_object_or_404(Portfolio, code=kwargs["code"].upper())
        filters = self.get_filters(portfolio=portfolio)
        breakdown = dashboards.breakdown(filters, "ambition", self.request.GET.get("measures"))
        panels = panels_for("portfolio_dashboard", self.request, portfolio)
        return super().get_context_data(
            **self.dashboard_context(filters, subject=portfolio, panels=panels, **breakdown), **kwargs
        )


class MeasureView(DashboardMixin, DetailView):
    """A measure's readings over time, as a chart with target and comparators and as a table."""

    template_name = "plans/measure_detail.html"
    context_object_name = "measure"

    def page_is_cacheable(self) -> bool:
        return False  # readings are not a period's: rendered each time

    slug_field = "slug"
    queryset = dashboards.measure_queryset()

    def get_context_data(self, **kwargs):
        return super().get_context_data(**dashboards.measure_page(self.object), **kwargs)
