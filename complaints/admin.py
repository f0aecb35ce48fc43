"""The Django admin, for the Admin role: divisions and services (the reference data), and looking up and
correcting records. A complaint's workflow (status, procedure, due dates, answers) moves only through
complaints.services, which keeps to the procedure: those fields are read-only here, as plans does."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from bromley_portal.core.stored_counts import BatchedAdmin
from complaints import counts
from complaints.models import (
    Aspect,
    Complainant,
    Complaint,
    ComplaintReminder,
    Compliment,
    Division,
    Extension,
    Mention,
    OmbudsmanCase,
    OmbudsmanDeadline,
    Remedy,
    Service,
)


class CountedAdmin(BatchedAdmin):
    """The admin of rows the stored counts count (complaints.counts): each page's writes refresh them once."""

    keeper = counts.keeper


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["order", "name", "procedure", "active"]


@admin.register(Division)
class DivisionAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "short_name",
        "order",
        "procedure",
        "records_outcomes",
        "handled_by_cecs",
        "active",
    ]
    list_editable = ["order"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "division", "order", "procedure", "active"]
    list_select_related = ["division"]
    list_filter = ["division", "active"]
    search_fields = ["name"]


@admin.register(Complainant)
class ComplainantAdmin(admin.ModelAdmin):
    """Personal data: erased on schedule (complaints.services.erase_complainant_details)."""

    list_display = ["__str__", "created_at", "erased_on"]
    list_filter = ["erased_on"]
    search_fields = ["name", "email"]
    readonly_fields = ["created_at", "erased_on"]


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    fields = ["order", "division", "service"]
    show_change_link = True  # its aspects are on the mention's own page


class ExtensionInline(admin.TabularInline):
    model = Extension
    extra = 0
    fields = ["granted_at", "granted_by", "previous_due", "new_due", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # complaints.services.extend checks the procedure's limit


WORKFLOW_FIELDS = [
    "reference",
    "procedure",
    "status",
    "acknowledge_by",
    "acknowledged_on",
    "respond_by",
    "responded_on",
    "closed_on",
    "escalated_from",
    "created_at",
    "created_by",
]


@admin.register(Complaint)
class ComplaintAdmin(CountedAdmin, SimpleHistoryAdmin):
    list_display = ["reference", "received", "stage", "procedure", "status", "handler", "respond_by"]
    list_select_related = ["handler"]
    list_filter = ["status", "procedure", "stage", "channel"]
    search_fields = ["reference"]
    date_hierarchy = "received"
    raw_id_fields = ["complainant"]
    readonly_fields = WORKFLOW_FIELDS
    inlines = [MentionInline, ExtensionInline]

    def has_add_permission(self, request):
        return False  # logged through complaints.services.log_complaint, which works out the procedure


class AspectInline(admin.TabularInline):
    model = Aspect
    extra = 0
    fields = ["type", "outcome", "responded_on", "on_time"]
    readonly_fields = ["outcome", "responded_on", "on_time"]


@admin.register(Mention)
class MentionAdmin(CountedAdmin, SimpleHistoryAdmin):
    list_display = ["__str__", "division", "service"]
    list_select_related = ["complaint", "division", "service"]
    list_filter = ["division"]
    search_fields = ["complaint__reference"]
    raw_id_fields = ["complaint"]
    inlines = [AspectInline]


class OmbudsmanDeadlineInline(admin.TabularInline):
    model = OmbudsmanDeadline
    extra = 0


@admin.register(OmbudsmanCase)
class OmbudsmanCaseAdmin(SimpleHistoryAdmin):
    list_display = [
        "reference",
        "division",
        "received",
        "decided",
        "investigated",
        "decision",
        "remedy_complied",
    ]
    list_select_related = ["division"]
    list_filter = ["division", "decision", "investigated", "public_report"]
    search_fields = ["reference", "complaint__reference"]
    raw_id_fields = ["complaint"]
    inlines = [OmbudsmanDeadlineInline]


@admin.register(Remedy)
class RemedyAdmin(SimpleHistoryAdmin):
    list_display = ["agreed", "division", "stage", "type", "amount"]
    list_select_related = ["division"]
    list_filter = ["division", "stage", "type"]
    raw_id_fields = ["complaint", "ombudsman_case"]


@admin.register(Compliment)
class ComplimentAdmin(SimpleHistoryAdmin):
    list_display = ["received", "division", "service", "channel"]
    list_select_related = ["division", "service"]
    list_filter = ["division", "channel"]


@admin.register(ComplaintReminder)
class ComplaintReminderAdmin(admin.ModelAdmin):
    """The record of each reminder sent: for looking up, never changed."""

    list_display = ["complaint", "kind", "due_on", "recipient", "sent_at"]
    list_select_related = ["complaint", "recipient"]
    readonly_fields = ["kind", "complaint", "due_on", "recipient", "sent_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


from complaints import published_admin  # noqa: E402, F401  (the published figures' admin)
