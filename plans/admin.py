from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from bromley_portal.core.stored_counts import BatchedAdmin
from plans import counts
from plans.models import (
    Action,
    ActionDetail,
    Delegation,
    DetailLead,
    Measure,
    MeasureOfSuccess,
    PlanSection,
    PortfolioPlan,
    QuarterlyUpdate,
    Reading,
    ReportingPeriod,
)


class CountedAdmin(BatchedAdmin):
    """The admin of rows the stored counts count (plans.counts): each page's writes refresh them once."""

    keeper = counts.keeper


class PlanSectionInline(admin.StackedInline):
    model = PlanSection
    extra = 0


@admin.register(PortfolioPlan)
class PortfolioPlanAdmin(CountedAdmin, SimpleHistoryAdmin):
    list_display = ["portfolio", "year", "title", "section_kind"]
    list_select_related = ["portfolio"]
    list_filter = ["portfolio", "year"]
    inlines = [PlanSectionInline]


class ActionDetailInline(admin.TabularInline):
    model = ActionDetail
    extra = 0
    fields = ["order", "letter", "text", "target_date", "annual_programme", "target_to_confirm"]
    show_change_link = True  # its leads and measures of success are edited on the detail's own page


@admin.register(Action)
class ActionAdmin(CountedAdmin, SimpleHistoryAdmin):
    list_display = ["reference", "title", "section", "target_date"]
    list_select_related = ["section__plan__portfolio", "section__ambition"]
    list_filter = ["section__plan", "annual_programme"]
    search_fields = ["title"]
    filter_horizontal = ["portfolios"]
    readonly_fields = ["target_date", "annual_programme"]
    inlines = [ActionDetailInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.refresh_targets()


class DetailLeadInline(admin.TabularInline):
    model = DetailLead
    extra = 0


class MeasureOfSuccessInline(admin.TabularInline):
    model = MeasureOfSuccess
    extra = 0


@admin.register(ActionDetail)
class ActionDetailAdmin(CountedAdmin, SimpleHistoryAdmin):
    list_display = ["__str__", "action", "target_date", "annual_programme"]
    list_select_related = ["action__section__plan__portfolio"]
    search_fields = ["text", "action__title"]
    inlines = [DetailLeadInline, MeasureOfSuccessInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.action.refresh_targets()


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(CountedAdmin, admin.ModelAdmin):
    """Sets up periods and their dates. A period opens and locks only through plans.services
    (open_period, lock_period: the clerk's Reporting periods pages), which keep to the workflow."""

    list_display = ["__str__", "status", "opens_on", "due_on", "locks_on"]
    readonly_fields = ["status", "locked_at", "locked_by"]


class ReadingInline(admin.TabularInline):
    model = Reading
    extra = 0


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["name", "unit", "polarity", "frequency", "owner_post"]
    list_select_related = ["owner_post"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["actions", "ambitions"]
    inlines = [ReadingInline]


@admin.register(QuarterlyUpdate)
class QuarterlyUpdateAdmin(CountedAdmin, SimpleHistoryAdmin):
    """For looking things up; changes go through the pages, which keep to the workflow
    (plans.services): every field is read-only here, and none can be added or changed."""

    list_display = ["action", "period", "rag", "status"]
    list_select_related = ["action__section__plan__portfolio", "period"]
    list_filter = ["period", "status", "rag"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Delegation)
class DelegationAdmin(SimpleHistoryAdmin):
    list_display = ["post", "delegate", "created_at"]
    list_select_related = ["post", "delegate"]
