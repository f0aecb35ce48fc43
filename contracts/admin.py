"""The Django admin, for the Admin role: the risk criteria and threshold, the flagging rules, cycles and
corrections to contracts. Saving anything a figure depends on works the figures out again
(contracts.services), as plans' admin does with an action's targets."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contracts import kpis, services
from contracts.models import (
    Contract,
    ContractAction,
    ContractCommentary,
    ContractKPI,
    FlaggingRule,
    KPIAssessment,
    ProcurementRating,
    PublishedKeyData,
    RegisterCycle,
    RegisterEntry,
    RiskCriterion,
    RiskIndexSettings,
    RiskScore,
)


class RiskScoreInline(admin.TabularInline):
    model = RiskScore
    extra = 0


class ContractCommentaryInline(admin.StackedInline):
    model = ContractCommentary
    extra = 0
    verbose_name_plural = "Commentary (Part 2 only)"
    readonly_fields = [
        "owner_comment_cycle",
        "owner_commented_by",
        "owner_commented_at",
        "vouched_by",
        "vouched_at",
    ]


class ContractActionInline(admin.TabularInline):
    """The plan actions the contract delivers (shown on each action's page and the dashboards)."""

    model = ContractAction
    extra = 0
    autocomplete_fields = ["action"]
    verbose_name = "plan action it delivers"
    verbose_name_plural = "Plan actions it delivers"


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = ["council_id", "title", "portfolio", "total_value", "end_date", "risk_level", "concern"]
    list_select_related = ["portfolio"]
    list_filter = ["portfolio", "capital", "concern", "risk_level"]
    search_fields = ["council_id", "title", "supplier"]
    autocomplete_fields = ["owner", "approver"]
    readonly_fields = ["risk_index", "risk_level", "flagged_from", "concern_raised_by", "concern_raised_at"]
    inlines = [RiskScoreInline, ContractCommentaryInline, ContractActionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_contract(form.instance)
        changed = set(form.changed_data) if change else set()
        for formset in formsets:
            if formset.model is ContractCommentary:
                for each in formset.forms:
                    gone = formset.can_delete and formset._should_delete_form(each)
                    changed |= (
                        set(services.OWNER_PART + services.PROCUREMENT_PART)
                        if gone
                        else set(each.changed_data)
                    )
        services.record_outside_change(
            form.instance,
            request.user,
            owner_part=bool(changed & set(services.OWNER_PART)),
            procurement_part=bool(
                changed & set(services.PROCUREMENT_PART + services.CONTRACT_PROCUREMENT_PART)
            ),
        )


class _RefreshesEveryContract(SimpleHistoryAdmin):
    """Reference data every contract's figures depend on: saving or deleting it refreshes them all."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_risk()
        services.refresh_flags()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.refresh_risk()
        services.refresh_flags()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.refresh_risk()
        services.refresh_flags()


@admin.register(RiskCriterion)
class RiskCriterionAdmin(_RefreshesEveryContract):
    list_display = ["order", "name", "weight"]


@admin.register(RiskIndexSettings)
class RiskIndexSettingsAdmin(_RefreshesEveryContract):
    list_display = ["__str__", "threshold"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not RiskIndexSettings.objects.exists()


@admin.register(FlaggingRule)
class FlaggingRuleAdmin(_RefreshesEveryContract):
    list_display = ["__str__", "minimum_value", "maximum_value", "months_before_end"]


@admin.register(ProcurementRating)
class ProcurementRatingAdmin(SimpleHistoryAdmin):
    """A rating changed here bumps the procurement form's version (services.record_outside_change)."""

    list_display = ["contract", "rag", "set_by", "set_at", "assumed"]
    list_select_related = ["contract", "set_by"]
    list_filter = ["rag", "assumed"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.record_outside_change(obj.contract, request.user, procurement_part=True)

    def delete_model(self, request, obj):
        contract = obj.contract
        super().delete_model(request, obj)
        services.record_outside_change(contract, request.user, procurement_part=True)

    def delete_queryset(self, request, queryset):
        contracts = [rating.contract for rating in queryset.select_related("contract")]
        super().delete_queryset(request, queryset)
        for contract in contracts:
            services.record_outside_change(contract, request.user, procurement_part=True)


class PublishedKeyDataInline(admin.TabularInline):
    model = PublishedKeyData
    extra = 0


@admin.register(RegisterCycle)
class RegisterCycleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "as_at", "frozen_at"]
    readonly_fields = ["frozen_at", "frozen_by"]
    inlines = [PublishedKeyDataInline]


@admin.register(RegisterEntry)
class RegisterEntryAdmin(admin.ModelAdmin):
    """For looking things up: a frozen register is never changed."""

    list_display = ["cycle", "council_id", "title", "portfolio", "procurement_status", "risk_level"]
    list_select_related = ["cycle", "portfolio"]
    list_filter = ["cycle", "portfolio", "procurement_status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class KPIAssessmentInline(admin.TabularInline):
    model = KPIAssessment
    form = kpis.KPIAssessmentAdminForm
    extra = 1
    autocomplete_fields = ["assessed_by"]


@admin.register(ContractKPI)
class ContractKPIAdmin(SimpleHistoryAdmin):
    """The Procurement Act 2023's KPIs of a contract and their assessments (contracts.kpis)."""

    list_display = ["contract", "name", "set_on"]
    list_select_related = ["contract"]
    search_fields = ["contract__council_id", "contract__title", "name"]
    autocomplete_fields = ["contract"]
    inlines = [KPIAssessmentInline]
