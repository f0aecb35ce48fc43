"""The complaints officers' pages: the caseload, logging a complaint, a complaint's page and the case
work on it. Views stay thin: every change is a complaints.services function (which checks the
permission and the move and says why it refuses), what is due is complaints.caseload, who may do what
complaints.rules.

Each form that moves a case on carries the version of the case the officer read
(complaints.forms.case_version); the case's row is locked while it is compared, so a POST against a case
that changed since gets 409 Conflict with the case as it is now, and nothing changes. Complainants'
details are read and shown only with complaints.view_complainant.
"""

from django.contrib import messages
from django.db import transaction
from django.db.models import Min
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from bromley_portal.core.views import PortalListView
from bromley_portal.core.working_days import WorkingCalendar
from complaints import caseload, dashboards, services, timescales
from complaints.filters import AnonymisedComplaintFilterSet, CaseloadFilterSet
from complaints.forms import (
    AcknowledgeForm,
    AssignForm,
    CloseForm,
    ComplaintForm,
    EscalateForm,
    ExtendForm,
    MentionFormSet,
    ResponseForm,
    StatisticsYearForm,
    case_version,
)
from complaints.models import Aspect, Complaint, Division
from complaints.tables import AnonymisedComplaintTable, CaseloadTable

COMPLAINANT = "complaints.view_complainant"


class CaseloadView(PortalListView):
    permission_required = "complaints.view_complaint"
    queryset = caseload.with_next_due(Complaint.objects.for_lists())
    table_class = CaseloadTable
    filterset_class = CaseloadFilterSet
    template_name = "complaints/caseload.html"
    export_name = "complaints-caseload"
    title = "Complaints caseload"
    intro = (
        "Complaints still to close, the most urgent first: what is due next and how many working days are "
        "left. Downloads carry references, dates and divisions only, never a complainant's details."
    )


class LogComplaintView(PermissionRequiredMixin, TemplateView):
    """Log a complaint on one page: the complaint, then each service it names with what went wrong."""

    permission_required = "complaints.handle_complaint"
    template_name = "complaints/log.html"

    def forms(self, data=None):
        with_complainant = self.request.user.has_perm(COMPLAINANT)
        initial = None if data else {"received": timezone.localdate()}
        form = ComplaintForm(data, initial=initial, with_complainant=with_complainant)
        return form, MentionFormSet(data, prefix="mention")

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            kwargs["form"], kwargs["mentions"] = self.forms()
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        if "add_mention" in request.POST:  # "Add another service": the same page with one more
            return self.render_to_response(self.get_context_data(**_with_another_mention(self, request.POST)))
        form, mentions = self.forms(request.POST)
        if form.is_valid() & mentions.is_valid():
            try:
                complaint = _log(request.user, form, mentions)
            except services.ComplaintError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Complaint {complaint.reference} has been logged.")
                return redirect(complaint)
        return self.render_to_response(self.get_context_data(form=form, mentions=mentions))


def _log(user, form, mentions) -> Complaint:
    """The checked forms to complaints.services.log_complaint, which decides."""
    return services.log_complaint(
        user,
        received=form.cleaned_data["received"],
        channel=form.cleaned_data["channel"],
        mentions=[
            services.MentionInput(m["division"], m["service"], list(m["aspects"]))
            for m in mentions.mentions()
        ],
        complainant=form.complainant(),
        summary=form.cleaned_data.get("summary", ""),
        handler=form.cleaned_data.get("handler"),
    )


def _with_another_mention(view, data) -> dict:
    data = data.copy()
    total = int(data.get("mention-TOTAL_FORMS", "1")) if data.get("mention-TOTAL_FORMS", "").isdigit() else 1
    data["mention-TOTAL_FORMS"] = str(min(max(total, 1) + 1, MentionFormSet.max_num))
    form, mentions = view.forms(data)
    return {"form": form, "mentions": mentions, "added": True}


# A complaint's page -----------------------------------------------------------------------------


class CaseMixin(PermissionRequiredMixin):
    """A page about one complaint: its case read with what the page shows (the complainant only for
    those who may see them) and the version of it the forms carry."""

    permission_required = "complaints.view_complaint"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.complaint = None

    def get_case(self) -> Complaint:
        if self.complaint is None:
            queryset = caseload.case_queryset(with_complainant=self.request.user.has_perm(COMPLAINANT))
            self.complaint = get_object_or_404(queryset, pk=self.kwargs["pk"])
        return self.complaint

    def get_permission_object(self):
        return self.get_case()

    def case_context(self, complaint) -> dict:
        aspects = caseload.aspects_of(complaint)
        today = timezone.localdate()
        return {
            "complaint": complaint,
            "aspects": aspects,
            "version": case_version(complaint, aspects),
            "due": caseload.due_state(complaint, today, WorkingCalendar()),
            "timescale": timescales.timescale(complaint.procedure, complaint.stage),
            "can_see_complainant": self.request.user.has_perm(COMPLAINANT),
            "can_handle": self.request.user.has_perm("complaints.handle_complaint"),
            "actions": caseload.available_moves(complaint, today),
            "today": today,
        }


class ComplaintView(CaseMixin, TemplateView):
    """A complaint's page: status, due dates with the procedure's rule, extensions, mentions and aspects
    with their outcomes, the escalation chain, the history, and the case work forms."""

    template_name = "complaints/complaint.html"

    def get_context_data(self, **kwargs):
        complaint = self.get_case()
        context = self.case_context(complaint)
        version = context["version"]
        today = context["today"]
        kwargs.setdefault(
            "acknowledge_form", AcknowledgeForm(initial={"version": version, "acknowledged_on": today})
        )
        kwargs.setdefault(
            "assign_form", AssignForm(initial={"version": version, "handler": complaint.handler_id})
        )
        return super().get_context_data(
            **context,
            chain=caseload.escalation_chain(complaint),
            history=caseload.case_history(complaint),
            **kwargs,
        )


class CaseActionView(CaseMixin, TemplateView):
    """A form that moves the case on: checked, then under the case's row lock the version read is
    compared with the case now (409 Conflict if it changed) and the service does the move. A form with
    errors, or a move the service refuses, comes back with the error summary and nothing changed."""

    permission_required = "complaints.handle_complaint"
    form_class = None
    done_message = ""

    def make_form(self, data=None, initial=None):
        return self.form_class(data, initial=initial)

    def initial(self, context) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        context = self.case_context(self.get_case())
        if "form" not in kwargs:
            kwargs["form"] = self.make_form(initial={"version": context["version"], **self.initial(context)})
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            with transaction.atomic():
                locked = caseload.locked_case(self.get_case().pk)
                if form.cleaned_data["version"] != case_version(locked, caseload.aspects_of(locked)):
                    return _conflict(self)
                result = self.act(locked, form.cleaned_data)
        except services.ComplaintError as error:
            form.add_error(None, str(error))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, self.done_message.format(complaint=self.get_case(), result=result))
        return redirect(self.success_url(result))

    def success_url(self, result):
        return self.get_case()


def _conflict(view):
    """409: the case as it is now, for the officer to read before doing anything again."""
    view.complaint = None
    context = view.case_context(view.get_case())
    return TemplateResponse(view.request, "complaints/case_conflict.html", context, status=409)


class AcknowledgeView(CaseActionView):
    """POST only, from the complaint's page."""

    http_method_names = ["post"]
    template_name = "complaints/complaint.html"
    form_class = AcknowledgeForm
    done_message = "Complaint {complaint.reference} has been acknowledged."

    def render_to_response(self, context, **kwargs):
        return _case_page_with(self, acknowledge_form=context["form"])

    def act(self, complaint, values):
        return services.acknowledge(self.request.user, complaint, on=values["acknowledged_on"])


class AssignView(CaseActionView):
    """POST only, from the complaint's page."""

    http_method_names = ["post"]
    template_name = "complaints/complaint.html"
    form_class = AssignForm
    done_message = "Complaint {complaint.reference} has been assigned to {result.handler}."

    def render_to_response(self, context, **kwargs):
        return _case_page_with(self, assign_form=context["form"])

    def act(self, complaint, values):
        return services.assign(self.request.user, complaint, values["handler"])


def _case_page_with(view, **forms):
    """The complaint's page again, with the form that was posted and its errors."""
    page = ComplaintView(request=view.request, kwargs=view.kwargs, args=())
    page.complaint = None
    return page.render_to_response(page.get_context_data(**forms))


class ExtendView(CaseActionView):
    template_name = "complaints/extend.html"
    form_class = ExtendForm
    done_message = "The response to {complaint.reference} is now due by {result.new_due:%-d %B %Y}."

    def get_context_data(self, **kwargs):
        complaint = self.get_case()
        latest = timescales.due_dates(
            complaint.procedure, complaint.stage, complaint.received, complaint.acknowledged_on
        ).latest_extension
        return super().get_context_data(latest_extension=latest, **kwargs)

    def act(self, complaint, values):
        return services.extend(
            self.request.user, complaint, new_due=values["new_due"], reason=values["reason"]
        )


class RespondView(CaseActionView):
    """Record one aspect's outcome and the date it was answered."""

    template_name = "complaints/respond.html"
    form_class = ResponseForm
    done_message = "The answer to {result} has been recorded."

    def get_aspect(self) -> Aspect:
        for aspect in caseload.aspects_of(self.get_case()):
            if aspect.pk == self.kwargs["aspect_pk"]:
                return aspect
        raise Http404("No such aspect on this complaint")

    def make_form(self, data=None, initial=None):
        records = self.get_aspect().mention.division.records_outcomes
        return ResponseForm(data, initial=initial, records_outcomes=records)

    def initial(self, context):
        aspect = self.get_aspect()
        answered = aspect.responded_on is not None
        return {
            "outcome": aspect.outcome if answered else "",
            "responded_on": aspect.responded_on or context["today"],
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(aspect=self.get_aspect(), **kwargs)

    def act(self, complaint, values):
        aspect = self.get_aspect()
        return services.record_response(
            self.request.user, aspect, outcome=values["outcome"], responded_on=values["responded_on"]
        )


class CloseView(CaseActionView):
    """Asks first (closing cannot be undone), then closes on POST."""

    template_name = "complaints/close.html"
    form_class = CloseForm
    done_message = "Complaint {complaint.reference} has been closed."

    def initial(self, context):
        return {"closed_on": context["today"]}

    def act(self, complaint, values):
        return services.close(self.request.user, complaint, on=values["closed_on"])


class EscalateView(CaseActionView):
    """Asks first (an escalation opens the next stage and cannot be undone), then escalates on POST."""

    template_name = "complaints/escalate.html"
    form_class = EscalateForm
    done_message = "{complaint.reference} has been escalated: {result.reference} is the next stage."

    def initial(self, context):
        return {"received": context["today"]}

    def get_context_data(self, **kwargs):
        complaint = self.get_case()
        try:
            next_stage = timescales.timescale(complaint.procedure, complaint.stage + 1)
        except timescales.TimescaleError as error:
            next_stage, kwargs["no_next_stage"] = None, str(error)
        return super().get_context_data(next_stage=next_stage, **kwargs)

    def act(self, complaint, values):
        return services.escalate(self.request.user, complaint, received=values["received"])

    def success_url(self, result):
        return result


# The statistics: dashboards for members and divisions, and their anonymised drill-down -------------


class DashboardView(PermissionRequiredMixin, TemplateView):
    """Complaints by division and channel over three years, upheld rates by aspect, on time, Ombudsman
    decisions and compliments for a financial year: complaints.selectors' figures (complaints.dashboards)."""

    permission_required = "complaints.view_statistics"
    template_name = "complaints/dashboard.html"

    def get_context_data(self, **kwargs):
        earliest = Complaint.objects.filter(stage=1).aggregate(first=Min("received"))["first"]
        form = StatisticsYearForm(
            self.request.GET or None, years=dashboards.years_offered(timezone.localdate(), earliest)
        )
        board = dashboards.dashboard(form.chosen())
        return super().get_context_data(
            form=form,
            board=board,
            charts=dashboards.charts(board),
            rows=dashboards.table_rows(board),
            drill=reverse("complaints:statistics_cases"),
            **kwargs,
        )


class AnonymisedComplaintListView(PortalListView):
    """The complaints behind a dashboard's figure, without anyone's details: every role may read it."""

    permission_required = "complaints.view_statistics"
    queryset = Complaint.objects.for_lists().prefetch_related("mentions__aspects")
    table_class = AnonymisedComplaintTable
    filterset_class = AnonymisedComplaintFilterSet
    template_name = "complaints/statistics_cases.html"
    export_name = "complaints"
    title = "Complaints behind the statistics"
    intro = (
        "Stage 1 complaints as the statistics count them: what was complained about and how it ended. "
        "No complainant's details, and nothing they wrote."
    )


class DivisionDashboardView(PermissionRequiredMixin, TemplateView):
    """A division's chapter for a year: its services or teams with mentions, aspects, outcomes and on
    time, and the nature of its complaints with their outcomes (complaints.selectors)."""

    permission_required = "complaints.view_statistics"
    template_name = "complaints/dashboard_division.html"

    def get_context_data(self, **kwargs):
        division = get_object_or_404(Division, pk=self.kwargs["pk"])
        earliest = Complaint.objects.filter(stage=1).aggregate(first=Min("received"))["first"]
        form = StatisticsYearForm(
            self.request.GET or None, years=dashboards.years_offered(timezone.localdate(), earliest)
        )
        board = dashboards.division_board(form.chosen(), division)
        return super().get_context_data(
            form=form,
            board=board,
            chart=board.chart(),
            drill=reverse("complaints:statistics_cases"),
            **kwargs,
        )
