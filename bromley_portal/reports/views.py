"""Committee reports in the browser: ask for one, follow its progress, download it.

Every page that shows or serves a report asks ``reports.download_report`` with the
job itself, so a Part 2 report is refused to anyone not allowed to read it, whatever
link they followed.
"""

import posixpath

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin
from rules.contrib.views import PermissionRequiredMixin

from bromley_portal.reports import registry, services
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from bromley_portal.reports.registry import ReportError

# How often the progress page looks again (the script polls; without script, the page refreshes).
POLL_SECONDS = 2
REFRESH_SECONDS = 5

NOT_READY_MESSAGE = "The web version is made with the PDF, and this report is not ready yet."
NO_WEB_VERSION_MESSAGE = (
    "This report was produced before the portal kept a web version with each PDF, so it has none: one "
    "built now from today's records might not match the PDF. The PDF is the report as it was produced."
)
WEB_VERSION_GONE_MESSAGE = "This report's web version has gone from the server. Tell the portal team."


class ReportIndexView(PermissionRequiredMixin, TemplateView):
    permission_required = "reports.view_reports"
    template_name = "reports/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        jobs = ReportJob.objects.downloadable_by(user).select_related("requested_by")
        context["report_types"] = registry.types_for(user)
        context["my_jobs"] = list(jobs.filter(requested_by=user)[:20]) if context["report_types"] else []
        context["published"] = list(
            jobs.filter(published=True, status=JobStatus.DONE).order_by("-published_at")[:50]
        )
        return context


class RequestReportView(PermissionRequiredMixin, FormView):
    """The form for one report type's parameters. Asking again for the same report reuses it."""

    template_name = "reports/request.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.report_type = registry.get(kwargs["name"])
        except ReportError:
            raise Http404("No such report") from None
        return super().dispatch(request, *args, **kwargs)

    def get_permission_required(self):
        return [self.report_type.permission]

    def get_form_class(self):
        return self.report_type.form_class

    def get_context_data(self, **kwargs):
        return super().get_context_data(report_type=self.report_type, **kwargs)

    def form_valid(self, form):
        try:
            job, created = services.request_report(self.request.user, self.report_type, form.parameters())
        except ReportError as error:
            form.add_error(None, str(error))
            response = self.form_invalid(form)
            if isinstance(error, services.ReportsUnavailable):
                response.status_code = 503  # the broker is down: the job is marked failed, to retry
            return response
        if not created:
            messages.info(
                self.request,
                "This report was already asked for with the same details, so here it is rather than a second copy.",
            )
        return redirect(job)


class JobMixin(PermissionRequiredMixin, SingleObjectMixin):
    model = ReportJob
    permission_required = "reports.download_report"

    def get_object(self, queryset=None):
        if not hasattr(self, "_job"):
            self._job = super().get_object(queryset)
        return self._job


class JobView(JobMixin, DetailView):
    """The progress page: it updates itself, and ends in a download link or a failure with Retry."""

    template_name = "reports/job.html"
    context_object_name = "job"

    def get_context_data(self, **kwargs):
        job = self.object
        user = self.request.user
        return super().get_context_data(
            poll_seconds=POLL_SECONDS,
            refresh_seconds=REFRESH_SECONDS,
            may_retry=(job.is_failed or job.is_stalled) and user.has_perm("reports.retry_report", job),
            may_publish=job.is_done and not job.published and user.has_perm("reports.publish_report", job),
            filename=posixpath.basename(job.file.name) if job.file else "",
            **kwargs,
        )


class JobStatusView(JobMixin, View):
    """The job's state as JSON, for the progress page's script."""

    def get(self, request, *args, **kwargs):
        job = self.get_object()
        response = JsonResponse(
            {
                "status": job.status,
                "status_label": job.get_status_display(),
                "stage": job.stage,
                "percent": job.percent,
                "error": job.error,
                "done": job.is_done,
                "failed": job.is_failed,
                "stalled": job.is_stalled,
                "download_url": reverse("reports:download", args=[job.pk]) if job.is_done else None,
                "page_count": job.page_count,
                "size": filesizeformat(job.size) if job.size else None,
            }
        )
        response["Cache-Control"] = "no-store"
        return response


class DownloadView(JobMixin, View):
    def get(self, request, *args, **kwargs):
        job = self.get_object()
        if not job.is_done or not job.file:
            raise Http404("This report is not ready")
        try:
            file = job.file.open("rb")
        except FileNotFoundError:
            raise Http404("This report's file has gone") from None
        response = FileResponse(
            file,
            as_attachment=True,
            filename=posixpath.basename(job.file.name),
            content_type="application/pdf",
        )
        response["Cache-Control"] = "private, no-store"
        return response


class HtmlVersionView(JobMixin, DetailView):
    """The report as a web page: the web version stored with the PDF when the report was produced.

    Never rebuilt from the database, so after a correction it still shows what the PDF shows.
    """

    template_name = "reports/report_page.html"
    context_object_name = "job"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.object
        if not job.is_done:
            context["problem"] = NOT_READY_MESSAGE
        elif not job.html_file:
            context["problem"] = NO_WEB_VERSION_MESSAGE
        else:
            try:
                with job.html_file.open("rb") as stored:
                    fragment = stored.read().decode()
            except FileNotFoundError:
                context["problem"] = WEB_VERSION_GONE_MESSAGE
            else:
                # Safe to mark safe: the worker rendered this fragment from our own report templates
                # (_header_block.html and _body.html) with autoescaping on, so every piece of user
                # text in it was escaped then; it is stored where only the portal writes.
                context["report_html"] = mark_safe(fragment)  # noqa: S308
        return context


class RetryView(JobMixin, View):
    permission_required = "reports.retry_report"

    def post(self, request, *args, **kwargs):
        try:
            job = services.retry_report(self.get_object(), request.user)
        except services.ReportsUnavailable as error:
            messages.error(request, str(error))
            return redirect(self.get_object())
        return redirect(job)


class PublishView(JobMixin, View):
    permission_required = "reports.publish_report"

    def post(self, request, *args, **kwargs):
        try:
            job = services.publish_report(self.get_object(), request.user)
        except ReportError as error:
            messages.error(request, str(error))
            return redirect(self.get_object())
        messages.success(
            request,
            "Published as a committee paper. It is kept, and everyone who may read it can download it.",
        )
        return redirect(job)
