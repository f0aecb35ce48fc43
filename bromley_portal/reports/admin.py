from django.contrib import admin
from django.utils import timezone

from bromley_portal.reports.models import ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "report_type",
        "status",
        "classification",
        "published",
        "requested_by",
        "created_at",
    ]
    list_filter = ["status", "report_type", "classification", "published"]
    list_select_related = ["requested_by"]
    search_fields = ["title"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "requested_by",
        "report_type",
        "parameters",
        "status",
        "stage",
        "percent",
        "error",
        "attempts",
        "file",
        "page_count",
        "size",
        "checksum",
        "html_file",
        "html_checksum",
        "classification",
        "exempt_paragraph",
        "dedupe_key",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
        "published_at",
    ]
    fields = ["title", "published", *readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # Only a finished report can be published (a constraint says so too).
        if obj is None or not obj.is_done:
            return ["published", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if "published" in form.changed_data:
            obj.published_at = timezone.now() if obj.published else None
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False  # reports are asked for on the Committee reports page
