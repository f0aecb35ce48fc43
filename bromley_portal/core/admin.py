from django.contrib import admin

from bromley_portal.core.models import ClosureDay, WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker", "last_seen"]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    """Council closure days, which no working-day deadline counts (bromley_portal.core.working_days)."""

    list_display = ["date", "reason"]
    date_hierarchy = "date"
