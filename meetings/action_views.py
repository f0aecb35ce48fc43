"""The scrutiny action pages: the clerk records and edits, the officer responsible answers, members of
the committee read. Views stay thin: rules in meetings.actions, queries in meetings.action_selectors."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from ambitions.models import Committee
from bromley_portal.core.views import PortalListView
from meetings import action_selectors, actions
from meetings.filters import ScrutinyActionFilterSet
from meetings.forms import ActionEditForm, ActionForm, AnswerForm
from meetings.models import Meeting, ScrutinyAction
from meetings.services import MeetingError
from meetings.tables import ScrutinyActionTable


class ActionIndexView(PermissionRequiredMixin, TemplateView):
    """The committees whose actions this person reads, and the actions they answer."""

    permission_required = "meetings.view_action_index"
    template_name = "meetings/action_index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            committees=action_selectors.committees_for(user),
            mine=action_selectors.actions_answered_by(user),
            **kwargs,
        )


class CommitteeActionListView(PortalListView):
    """A committee's scrutiny actions, overdue first, then by due date."""

    permission_required = "meetings.view_committee_actions"
    table_class = ScrutinyActionTable
    filterset_class = ScrutinyActionFilterSet
    template_name = "meetings/action_list.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.committee = get_object_or_404(Committee, pk=kwargs["committee"])
        self.title = f"Scrutiny actions: {self.committee.name}"
        self.export_name = "scrutiny-actions"

    def get_permission_object(self):
        return self.committee

    def get_queryset(self):
        return ScrutinyAction.objects.for_lists(timezone.localdate()).filter(
            meeting__committee=self.committee
        )

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "committee": self.committee}

    def get_context_data(self, **kwargs):
        return super().get_context_data(committee=self.committee, **kwargs)


class RecordActionView(PermissionRequiredMixin, View):
    permission_required = "meetings.record_action"

    def get_permission_object(self):
        if not hasattr(self, "meeting"):
            self.meeting = get_object_or_404(
                Meeting.objects.select_related("committee"), pk=self.kwargs["pk"]
            )
        return self.meeting

    def page(self, form):
        return TemplateResponse(
            self.request, "meetings/action_form.html", {"form": form, "meeting": self.meeting, "action": None}
        )

    def get(self, request, pk):
        return self.page(ActionForm(meeting=self.meeting))

    def post(self, request, pk):
        form = ActionForm(request.POST, meeting=self.meeting)
        if form.is_valid():
            try:
                action = actions.record_action(request.user, self.meeting, **form.cleaned_data)
            except MeetingError as error:
                form.add_error(None, str(error))
        if form.errors:
            return self.page(form)
        messages.success(request, f"Action {action.number} recorded for the {action.post}.")
        return redirect(action)


class ActionMixin(PermissionRequiredMixin):
    permission_required = "meetings.view_scrutinyaction"

    def get_permission_object(self):
        if not hasattr(self, "action"):
            self.action = get_object_or_404(
                ScrutinyAction.objects.select_related(
                    "meeting__committee", "agenda_item", "post", "answered_by", "recorded_by"
                ),
                pk=self.kwargs["pk"],
            )
        return self.action


class ActionView(ActionMixin, TemplateView):
    template_name = "meetings/action.html"

    def get_context_data(self, **kwargs):
        action = self.get_permission_object()
        kwargs.pop("pk", None)
        return super().get_context_data(
            action=action, **action_selectors.action_page(action, self.request.user), **kwargs
        )


class ActionEditView(ActionMixin, View):
    permission_required = "meetings.change_scrutinyaction"

    def page(self, form):
        context = {"form": form, "meeting": self.action.meeting, "action": self.action}
        return TemplateResponse(self.request, "meetings/action_form.html", context)

    def get(self, request, pk):
        action = self.get_permission_object()
        initial = {
            "agenda_item": action.agenda_item_id,
            "request": action.request,
            "post": action.post_id,
            "due_on": action.due_on,
            "recorded_status": action.recorded_status,
        }
        return self.page(ActionEditForm(initial=initial, meeting=action.meeting))

    def post(self, request, pk):
        action = self.get_permission_object()
        form = ActionEditForm(request.POST, meeting=action.meeting)
        if form.is_valid():
            try:
                actions.edit_action(request.user, action, **form.cleaned_data)
            except MeetingError as error:
                form.add_error(None, str(error))
        if form.errors:
            return self.page(form)
        messages.success(request, f"Action {action.number} saved.")
        return redirect(action)


class ActionAnswerView(ActionMixin, View):
    permission_required = "meetings.answer_action"

    def page(self, form):
        context = {"form": form, "action": self.action, "status": self.action.status_on(timezone.localdate())}
        return TemplateResponse(self.request, "meetings/action_answer.html", context)

    def get(self, request, pk):
        action = self.get_permission_object()
        initial = {"response": action.response, "recorded_status": action.recorded_status}
        return self.page(AnswerForm(initial=initial))

    def post(self, request, pk):
        action = self.get_permission_object()
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                actions.answer_action(request.user, action, **form.cleaned_data)
            except MeetingError as error:
                form.add_error(None, str(error))
        if form.errors:
            return self.page(form)
        messages.success(request, "Your response is saved. Members of the committee can read it.")
        return redirect(action)
