from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plans.models import Action, ActionDetail, MeasureOfSuccess, PlanSection, PortfolioPlan, ReportingPeriod


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
