"""The import page: a complaints officer or admin uploads a workbook or CSV of the years before the portal;
complaints.importers checks every row and works out what it would add without saving anything (a dry
run), the person sees the problems or the preview, and confirms. The file is kept between the two by
bromley_portal.core.import_previews, and the confirmed import saves nothing unless it still does what
the preview showed."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views import View
from django.views.generic import FormView
from rules.contrib.views import PermissionRequiredMixin

from bromley_portal.core.import_previews import PreviewStore
from bromley_portal.core.tabular import TableFileError
from complaints.forms import ComplaintImportForm
from complaints.importers import LAYOUTS, ImportFailed, ImportResult, import_file

PREVIEWS = PreviewStore("complaints_import_preview", "complaint-imports")
# What a preview counts, in the importer's words, in the order the page lists them. An aspect is added
# with its complaint, so it is never "already there" on its own (the complaint is).
KINDS = ["complaints", "aspects", "Ombudsman cases", "remedies", "compliments"]
COUNTED_THERE = {"complaints", "Ombudsman cases", "remedies", "compliments"}


def _problems(error: Exception) -> tuple[list[dict], int]:
    """The importer's problems as the page lists them (sheet, line, column, message), and how many more."""
    if isinstance(error, ImportFailed):
        rows = [
            {"sheet": p.sheet, "line": p.line, "column": p.column, "message": p.message}
            for p in error.problems
        ]
        return rows, error.more
    rows = [{"sheet": "", "line": e.line, "column": e.column, "message": e.message} for e in error.errors]
    return rows, 0


def _attempt(handle, filename: str, **kwargs) -> tuple[ImportResult | None, list[dict], int]:
    try:
        return import_file(handle, filename, **kwargs), [], 0
    except (TableFileError, ImportFailed) as error:
        return None, *_problems(error)


class ComplaintImportView(PermissionRequiredMixin, FormView):
    permission_required = "complaints.import_complaints"
    form_class = ComplaintImportForm
    template_name = "complaints/import.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(layouts=LAYOUTS, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        result, problems, more = _attempt(upload, upload.name, dry_run=True)
        if result is None:
            count = len(problems) + more
            form.add_error("file", f"The file has {count} problem{'s' if count != 1 else ''}: nothing was "
                           "imported. Correct the file and upload it again: the problems are listed below.")  # fmt: skip
            context = self.get_context_data(form=form, problems=problems, more=more)
            return self.render_to_response(context)
        pending = PREVIEWS.keep(self.request, upload, result.signature())
        return _preview(self.request, result, pending)


def _preview(request, result: ImportResult, pending, status=200):
    counts = [
        (kind, result.created[kind], result.unchanged[kind] if kind in COUNTED_THERE else None)
        for kind in KINDS
    ]
    return TemplateResponse(
        request,
        "complaints/import_preview.html",
        {
            "result": result,
            "pending": pending,
            "counts": counts,
            "to_import": sum(result.created.values()),
            "already_there": sum(result.unchanged.values()),
        },
        status=status,
    )


class ComplaintImportConfirmView(PermissionRequiredMixin, View):
    """Import the previewed file for real, if the import still does what the preview showed."""

    permission_required = "complaints.import_complaints"

    def post(self, request):
        with PREVIEWS.confirming(request, request.POST.get("token", "")) as (pending, handle):
            return self.confirm(request, pending, handle)

    def confirm(self, request, pending, handle):
        if handle is None:
            PREVIEWS.discard(request)
            messages.error(
                request, "That preview has expired or was imported already: upload the file again."
            )
            return redirect("complaints:import")
        result, _, _ = _attempt(handle, pending.filename, expected=pending.signature)
        if result is None:
            PREVIEWS.discard(request)
            messages.error(request, "The file can no longer be imported: upload it again to see why.")
            return redirect("complaints:import")
        if result.stale:
            pending = PREVIEWS.replace_signature(request, pending, result.signature())
            return _preview(request, result, pending, status=409)
        PREVIEWS.discard(request)
        messages.success(request, f"Imported {pending.filename}: {result.summary()}.")
        return redirect("complaints:caseload")
