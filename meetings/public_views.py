"""The public committee pages: no sign-in, published meetings only, Part 1 only.

Anyone may list the published meetings (newest first, by committee), open a meeting's page (its
agenda, with each Part 2 item shown only as "Exempt item (paragraph N of Schedule 12A)"), download
its published Part 1 agenda pack (every published version, the latest first), and read the web
version of each portal-produced Part 1 report on the agenda. A draft meeting, an unpublished pack, a
Part 2 item and anything of it (title, report number, paper, report, the Part 2 pack) is a 404 here:
the public addresses never look at who is asking, so they hold nothing personal and are served with
``Cache-Control: public`` (``bromley_portal.core.middleware.NOT_PERSONAL`` lists their path).
"""

import posixpath

from django import forms
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.views import View

from ambitions.models import Committee
from bromley_portal.reports.choices import Classification, JobStatus
from meetings.choices import MeetingStatus, Part
from meetings.models import AgendaItem, AgendaPack, Meeting

MAX_AGE = 300  # seconds a shared cache may keep a public page before asking again
PAGE_SIZE = 20
# A meeting is public once its pack is published; it stays public after it is held.
PUBLIC_STATUSES = (MeetingStatus.PUBLISHED, MeetingStatus.HELD)


def public_meetings():
    return Meeting.objects.filter(status__in=PUBLIC_STATUSES).select_related("committee")


def public_meeting(pk) -> Meeting:
    return get_object_or_404(public_meetings(), pk=pk)


def published_packs(meeting: Meeting) -> list[AgendaPack]:
    """The meeting's published packs with a Part 1 file, the latest version first."""
    return list(
        meeting.packs.published()
        .filter(status=JobStatus.DONE)
        .exclude(file="")
        .only("pk", "meeting_id", "version", "file", "checksum", "page_count", "published_at", "status")
        .order_by("-version")
    )


def public_report_item(meeting: Meeting, item_id) -> AgendaItem:
    """A Part 1 item whose paper is a finished, published, Part 1 portal report with a web version."""
    return get_object_or_404(
        meeting.items.select_related("report").filter(
            part=Part.PART_1,
            report__status=JobStatus.DONE,
            report__published=True,
            report__classification=Classification.PART_1,
            report__exempt_paragraph__isnull=True,
        ),
        pk=item_id,
    )


def has_public_report(item: AgendaItem) -> bool:
    report = item.report
    return bool(
        not item.is_part_2
        and report is not None
        and report.status == JobStatus.DONE
        and report.published
        and report.classification == Classification.PART_1
        and report.exempt_paragraph is None
        and report.html_file
    )


def public(response):
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


class CommitteeFilter(forms.Form):
    committee = forms.ModelChoiceField(
        queryset=Committee.objects.all(), required=False, empty_label="All committees"
    )


class PublicView(View):
    http_method_names = ["get", "head", "options"]


class PublicMeetingListView(PublicView):
    def get(self, request):
        query = request.GET.copy()
        page_number = query.pop("page", ["1"])[-1]
        form = CommitteeFilter(query)
        meetings = public_meetings()
        committee = form.cleaned_data["committee"] if form.is_valid() else None
        if committee:
            meetings = meetings.filter(committee=committee)
        page = Paginator(meetings.order_by("-starts_at", "-pk"), PAGE_SIZE).get_page(page_number)
        response = TemplateResponse(
            request,
            "meetings/public_list.html",
            {"form": form, "page": page, "meetings": list(page.object_list), "committee": committee},
        )
        return public(response)


class PublicMeetingView(PublicView):
    def get(self, request, pk):
        meeting = public_meeting(pk)
        items = list(meeting.items.select_related("report").order_by("order", "pk"))
        packs = published_packs(meeting)
        main = [pack for pack in packs if not pack.supplement]
        supplements = [pack for pack in packs if pack.supplement]
        response = TemplateResponse(
            request,
            "meetings/public_meeting.html",
            {
                "meeting": meeting,
                "items": [(item, has_public_report(item)) for item in items],
                "latest_pack": main[0] if main else None,
                "older_packs": main[1:] + supplements[1:],
                "supplement": supplements[0] if supplements else None,
            },
        )
        return public(response)


class PublicPackDownloadView(PublicView):
    """A published Part 1 pack. The Part 2 pack has no public address at all."""

    def get(self, request, pk, pack):
        meeting = public_meeting(pk)
        agenda_pack = next((p for p in published_packs(meeting) if p.pk == pack), None)
        if agenda_pack is None:
            raise Http404("No such published pack")
        try:
            file = agenda_pack.file.open("rb")
        except FileNotFoundError:
            raise Http404("This pack's file has gone") from None
        response = FileResponse(
            file,
            as_attachment=True,
            filename=posixpath.basename(agenda_pack.file.name),
            content_type="application/pdf",
        )
        return public(response)


class PublicReportView(PublicView):
    """The web version of a Part 1 report on a published agenda, as the worker stored it with the PDF."""

    def get(self, request, pk, item):
        meeting = public_meeting(pk)
        agenda_item = public_report_item(meeting, item)
        job = agenda_item.report
        if not job.html_file:
            raise Http404("This report has no web version")
        try:
            with job.html_file.open("rb") as stored:
                fragment = stored.read().decode()
        except FileNotFoundError:
            raise Http404("This report's web version has gone") from None
        response = TemplateResponse(
            request,
            "meetings/public_report.html",
            {
                "meeting": meeting,
                "item": agenda_item,
                "job": job,
                # Safe: the worker rendered this fragment from the portal's own report templates with
                # autoescaping on, and it is stored where only the portal writes (as reports.views does).
                "report_html": mark_safe(fragment),  # noqa: S308
            },
        )
        return public(response)
