from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plans.models import (
    Action,
    ActionDetail,
    Delegation,
    Measure,
    MeasureOfSuccess,
    PlanSection,
    PortfolioPlan,
    QuarterlyUpdate,
    Reading,
    ReportingPeriod,
)


class PlanSectionInline(admin.StackedInline):
    model = PlanSection
    extra = 0


@admin.register(PortfolioPlan)
class PortfolioPlanAdmin(SimpleHistoryAdmin):
    list_display = ["portfolio", "year", "title", "section_kind"]
    list_select_related = ["portfolio"]
    list_filter = ["portfolio", "year"]
    inlines = [PlanSectionInline]


class ActionDetailInline(admin.TabularInline):
    model = ActionDetail
    extra = 0


class MeasureOfSuccessInline(admin.TabularInline):
    model = MeasureOfSuccess
    extra = 0


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["reference", "title", "section", "target_date_text"]
    list_select_related = ["section__plan__portfolio", "section__ambition"]
    list_filter = ["section__plan", "annual_programme"]
    search_fields = ["title"]
    filter_horizontal = ["lead_posts", "portfolios"]
    autocomplete_fields = []
    inlines = [ActionDetailInline, MeasureOfSuccessInline]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["__str__", "opens_on", "due_on", "locks_on"]


class ReadingInline(admin.TabularInline):
    model = Reading
    extra = 0
    autocomplete_fields = []


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["name", "unit", "polarity", "frequency", "owner_post"]
    list_select_related = ["owner_post"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["actions", "ambitions"]
    inlines = [ReadingInline]


@admin.register(QuarterlyUpdate)
class QuarterlyUpdateAdmin(SimpleHistoryAdmin):
    """For looking things up; changes go through the pages, which keep to the workflow."""

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
