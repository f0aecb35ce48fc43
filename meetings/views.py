"""The clerk's pages for meetings. Views stay thin: queries in meetings.selectors, moves in
meetings.services, who may do what in meetings.rules."""

import datetime
import posixpath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from meetings import selectors, services
from meetings.forms import AgendaItemForm, AttachReportForm, MeetingForm, UploadForm
from meetings.models import AgendaItem, Meeting
from meetings.services import MeetingError


class MeetingListView(PermissionRequiredMixin, TemplateView):
    permission_required = "meetings.view_meeting"
    template_name = "meetings/meeting_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(meetings=Meeting.objects.for_lists(), **kwargs)


class MeetingAddView(PermissionRequiredMixin, View):
    permission_required = "meetings.add_meeting"

    def get(self, request):
        return TemplateResponse(request, "meetings/meeting_form.html", {"form": MeetingForm()})

    def post(self, request):
        form = MeetingForm(request.POST)
        if not form.is_valid():
            return TemplateResponse(request, "meetings/meeting_form.html", {"form": form})
        starts_at = timezone.make_aware(
            datetime.datetime.combine(form.cleaned_data["date"], form.cleaned_data["time"])
        )
        meeting = services.create_meeting(
            request.user,
            committee=form.cleaned_data["committee"],
            starts_at=starts_at,
            venue=form.cleaned_data["venue"],
        )
        messages.success(request, f"{meeting} added. Now add its agenda items.")
        return redirect(meeting)


class MeetingMixin(PermissionRequiredMixin):
    permission_required = "meetings.view_meeting"

    def get_permission_object(self):
        if not hasattr(self, "meeting"):
            self.meeting = get_object_or_404(
                Meeting.objects.select_related("committee"), pk=self.kwargs["pk"]
            )
        return self.meeting


class MeetingView(MeetingMixin, TemplateView):
    template_name = "meetings/meeting.html"

    def get_context_data(self, **kwargs):
        meeting = self.get_permission_object()
        return super().get_context_data(
            meeting=meeting, **selectors.meeting_page(meeting, self.request.user), **kwargs
        )


class ItemAddView(MeetingMixin, View):
    permission_required = "meetings.change_meeting"

    def get(self, request, pk):
        return self.page(AgendaItemForm())

    def page(self, form):
        return TemplateResponse(
            self.request, "meetings/item_form.html", {"form": form, "meeting": self.meeting}
        )

    def post(self, request, pk):
        form = AgendaItemForm(request.POST)
        if not form.is_valid():
            return self.page(form)
        fields = dict(form.cleaned_data)
        with_number = fields.pop("report_number")
        try:
            item = services.add_item(request.user, self.meeting, with_report_number=with_number, **fields)
        except MeetingError as error:
            form.add_error(None, str(error))
            return self.page(form)
        messages.success(
            request,
            f"Item {item.number} added"
            + (f" as report {item.report_number}." if item.report_number else "."),
        )
        return redirect(item)


class ItemMixin(MeetingMixin):
    permission_required = "meetings.change_meeting"

    def get_item(self) -> AgendaItem:
        meeting = self.get_permission_object()
        return get_object_or_404(
            meeting.items.select_related("report", "lead_officer"), pk=self.kwargs["item"]
        )


class ItemPage(ItemMixin, View):
    """An item's page: its paper, and the forms that give it one."""

    def page(self, item, upload_form=None, attach_form=None):
        reports = selectors.attachable_reports(self.request.user)
        return TemplateResponse(
            self.request,
            "meetings/item.html",
            {
                "meeting": self.meeting,
                "item": item,
                "upload_form": upload_form or UploadForm(),
                "attach_form": attach_form or AttachReportForm(reports=reports),
                "form": upload_form if upload_form is not None and upload_form.errors else attach_form,
            },
        )


class ItemView(ItemPage):
    def get(self, request, pk, item):
        return self.page(self.get_item())


class ItemUploadView(ItemPage):
    def post(self, request, pk, item):
        agenda_item = self.get_item()
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.upload_paper(request.user, agenda_item, form.cleaned_data["paper"])
            except MeetingError as error:
                form.add_error("paper", str(error))
        if form.errors:
            return self.page(agenda_item, upload_form=form)
        messages.success(request, f"The PDF is now the paper of item {agenda_item.number}.")
        return redirect(agenda_item)


class ItemAttachView(ItemPage):
    def post(self, request, pk, item):
        agenda_item = self.get_item()
        reports = selectors.attachable_reports(request.user)
        form = AttachReportForm(request.POST, reports=reports)
        if form.is_valid():
            source = next(job for job in reports if job.pk == form.cleaned_data["report"])
            try:
                services.attach_report(request.user, agenda_item, source)
            except (MeetingError, PermissionDenied) as error:
                form.add_error("report", str(error))
        if form.errors:
            return self.page(agenda_item, attach_form=form)
        messages.success(
            request, f"The report is being produced again with report number {agenda_item.report_number}."
        )
        return redirect(agenda_item)


class ItemMoveView(ItemMixin, View):
    def post(self, request, pk, item):
        step = -1 if request.POST.get("direction") == "up" else 1
        try:
            services.move_item(request.user, self.get_item(), step)
        except MeetingError as error:
            messages.error(request, str(error))
        return redirect(self.meeting)


class BuildPackView(MeetingMixin, View):
    permission_required = "meetings.change_meeting"

    def post(self, request, pk):
        try:
            pack = services.request_pack(
                request.user, self.get_permission_object(), supplement=request.POST.get("supplement") == "1"
            )
        except MeetingError as error:
            messages.error(request, str(error))
            return redirect(self.meeting)
        return redirect(pack)


class PackMixin(MeetingMixin):
    def get_pack(self):
        meeting = self.get_permission_object()
        try:
            pack = selectors.pack_for(meeting.pk, self.kwargs["pack"])
        except selectors.AgendaPack.DoesNotExist:
            raise Http404("No such pack") from None
        if not pack.is_published and not self.request.user.has_perm("meetings.change_meeting", meeting):
            raise Http404("No such pack")
        return pack


class PackView(PackMixin, TemplateView):
    template_name = "meetings/pack.html"

    def get_context_data(self, **kwargs):
        kwargs.pop("pack", None)  # the URL's id: the pack itself goes in the context
        pack = self.get_pack()
        reads_part_2 = self.request.user.has_perm("meetings.read_part_2", self.meeting)
        contents = [entry for entry in pack.contents if reads_part_2 or entry["part"] == "part_1"]
        return super().get_context_data(
            meeting=self.meeting, pack=pack, contents=contents, reads_part_2=reads_part_2, **kwargs
        )


class PackDownloadView(PackMixin, View):
    part_2 = False

    def get_permission_required(self):
        return ["meetings.read_part_2"] if self.part_2 else [self.permission_required]

    def get(self, request, pk, pack):
        agenda_pack = self.get_pack()
        if self.part_2 and not request.user.has_perm("meetings.read_part_2", self.meeting):
            raise PermissionDenied("The Part 2 pack is for clerks and admins.")
        field = agenda_pack.part_2_file if self.part_2 else agenda_pack.file
        if not agenda_pack.is_done or not field:
            raise Http404("This pack is not ready")
        return FileResponse(
            field.open("rb"),
            as_attachment=True,
            filename=posixpath.basename(field.name),
            content_type="application/pdf",
        )


class PackPublishView(PackMixin, View):
    permission_required = "meetings.publish_meeting"

    def post(self, request, pk, pack):
        agenda_pack = self.get_pack()
        try:
            services.publish_pack(request.user, agenda_pack)
        except MeetingError as error:
            messages.error(request, str(error))
            return redirect(agenda_pack)
        messages.success(
            request, f"Version {agenda_pack.version} of the pack is published and kept for good."
        )
        return redirect(self.meeting)
