"""The plan import pages: an administrator uploads a plan file; plans.importers checks every row and works
out what it would change without saving anything (a dry run), the person sees the problems or the preview,
and confirms. The file is kept between the two by bromley_portal.core.import_previews, and the confirmed
import saves nothing unless it still does what the preview showed. A large file is checked by a worker
(plans.tasks.queue_import, as a preview) and confirmed into one job that imports it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views import View
from django.views.generic import FormView
from rules.contrib.views import PermissionRequiredMixin

from bromley_portal.core.import_previews import PreviewStore
from plans.forms import PlanImportConfirmForm, PlanImportForm
from plans.importers import import_plan
from plans.tasks import confirm_preview, queue_import

PLAN_PREVIEWS = PreviewStore("plans_import_preview", "plan-import-previews")


class PlanImportView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Upload a plan as a spreadsheet; plans.importers checks it and works out what it would change
    without saving anything (a dry run), the person sees the problems or the preview, and confirms
    (PlanImportConfirmView). A large file is checked by a worker (PlanImportJobView) the same way."""

    permission_required = "plans.import_plan"
    form_class = PlanImportForm
    template_name = "plans/import.html"

    def form_valid(self, form):
        upload, data = form.cleaned_data["file"], form.cleaned_data
        if upload.size > settings.PLANS_IMPORT_BACKGROUND_BYTES:
            return redirect(_preview_in_the_background(self.request.user, data, upload))
        result = import_plan(
            upload,
            upload.name,
            data["portfolio"],
            data["year"],
            user=self.request.user,
            updates_period=data["updates_period"],
            dry_run=True,
        )
        if result.errors:
            form.add_error(
                "file",
                f"{result.summary()[0]} Correct the file and upload it again: the problems are listed above.",
            )
            return self.render_to_response(
                self.get_context_data(form=form, import_errors=result.errors, result=result)
            )
        pending = PLAN_PREVIEWS.keep(self.request, upload, result.signature)
        return _plan_preview(
            self.request, result, pending, data["portfolio"], data["year"].start_year, data["updates_period"]
        )


def _preview_in_the_background(user, data, upload):
    return queue_import(
        user=user,
        portfolio=data["portfolio"],
        year=data["year"].start_year,
        updates_period=data["updates_period"],
        upload=upload,
        preview=True,
    )


def _plan_preview(request, result, pending, portfolio, year, updates_period, status=200):
    return TemplateResponse(
        request,
        "plans/import_preview.html",
        {
            "result": result,
            "pending": pending,
            "portfolio": portfolio,
            "year": year,
            "updates_period": updates_period,
            "changes": result.created + result.updated,
        },
        status=status,
    )


class PlanImportConfirmView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Import the previewed plan file for real, if the import still does what the preview showed; if the
    plan changed meanwhile, nothing is imported and the preview is shown again as it is now (409)."""

    permission_required = "plans.import_plan"

    def post(self, request):
        form = PlanImportConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, "That preview cannot be confirmed: upload the file again.")
            return redirect("plans:import")
        data = form.cleaned_data
        with PLAN_PREVIEWS.confirming(request, data["token"]) as (pending, handle):
            return _apply(request, data, pending, handle)


def _apply(request, data, pending, handle):
    """Inside the preview store's lock and transaction: import the file if it still does what was
    previewed."""
    if handle is None:
        PLAN_PREVIEWS.discard(request)
        messages.error(request, "That preview has expired or was imported already: upload the file again.")
        return redirect("plans:import")
    result = import_plan(
        handle,
        pending.filename,
        data["portfolio"],
        data["year"],
        user=request.user,
        updates_period=data["updates_period"],
        expected=pending.signature,
    )
    if result.errors:
        PLAN_PREVIEWS.discard(request)
        messages.error(request, "The file can no longer be imported: upload it again to see why.")
        return redirect("plans:import")
    if result.stale:
        pending = PLAN_PREVIEWS.replace_signature(request, pending, result.signature)
        return _plan_preview(
            request,
            result,
            pending,
            data["portfolio"],
            data["year"],
            data["updates_period"],
            status=409,
        )
    PLAN_PREVIEWS.discard(request)
    messages.success(request, " ".join(result.summary()))
    return redirect(result.plan)


class PlanImportJobConfirmView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Confirm a large file's preview, checked by a worker: a worker imports it (once, however often this
    is asked), refusing if the plan changed since the preview."""

    permission_required = "plans.import_plan"

    def post(self, request, pk):
        job = confirm_preview(pk, request.user)
        if job is None:
            messages.error(request, "That preview cannot be confirmed: upload the file again.")
            return redirect("plans:import")
        return redirect(job)
