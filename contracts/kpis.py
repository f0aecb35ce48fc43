"""The Procurement Act 2023's duties on the register: KPIs, their assessments, the contracts that fall
short of the KPI duty, and the pipeline of planned procurements. Dates and thresholds come from
contracts.procurement_act, the one place they are told."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q
from django.utils import timezone

from contracts import procurement_act as act
from contracts.models import Contract, ContractKPI, KPIAssessment

# Services ---------------------------------------------------------------------------------------


def set_kpi(contract: Contract, name: str, set_on: date, target: str = "") -> ContractKPI:
    """Set a KPI for a contract. Refuses a blank or repeated name and a date outside the contract."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter the KPI."})
    if not contract.start_date <= set_on <= contract.end_date:
        raise ValidationError({"set_on": "The date a KPI was set must fall within the contract's dates."})
    if contract.kpis.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"This contract already has the KPI “{name}”."})
    return ContractKPI.objects.create(contract=contract, name=name, set_on=set_on, target=target.strip())


def assessment_errors(kpi: ContractKPI, rating: str, assessed_on: date, today: date, pk=None) -> dict:
    """What is wrong with an assessment of a KPI, by field: an unknown rating, a date in the future or
    before the KPI was set, or a second assessment of the KPI on the same day."""
    errors = {}
    if rating not in act.KPIRating.values:
        errors["rating"] = (
            "Choose a rating: Good, Approaching target, Requires improvement, Inadequate or Other."
        )
    if assessed_on > today:
        errors["assessed_on"] = "The date of an assessment cannot be in the future."
    elif assessed_on < kpi.set_on:
        errors["assessed_on"] = "The date of an assessment cannot be before the KPI was set."
    elif kpi.assessments.filter(assessed_on=assessed_on).exclude(pk=pk).exists():
        errors["assessed_on"] = "This KPI already has an assessment on that date."
    return errors


def assess_kpi(kpi: ContractKPI, rating: str, assessed_on: date, by, today: date, note="") -> KPIAssessment:
    """Record an assessment of a KPI with one of the Act's ratings; refuses what assessment_errors finds."""
    if errors := assessment_errors(kpi, rating, assessed_on, today):
        raise ValidationError(errors)
    with transaction.atomic():
        return KPIAssessment.objects.create(
            kpi=kpi, rating=rating, assessed_on=assessed_on, assessed_by=by, note=note.strip()
        )


class KPIAssessmentAdminForm(forms.ModelForm):
    """The admin's form for an assessment: the same checks as assess_kpi."""

    class Meta:
        model = KPIAssessment
        fields = ["rating", "assessed_on", "assessed_by", "note"]

    def clean(self):
        data = super().clean()
        kpi = self.instance.kpi if self.instance.kpi_id else None  # the inline formset sets it
        if kpi is not None and data.get("rating") and data.get("assessed_on"):
            found = assessment_errors(
                kpi, data["rating"], data["assessed_on"], timezone.localdate(), pk=self.instance.pk
            )
            for name, message in found.items():
                self.add_error(name, message)
        return data


# Selectors --------------------------------------------------------------------------------------


@dataclass
class KPIPanel:
    """What the contract page shows of the Act's KPI duty for one contract."""

    duty_applies: bool
    kpis: list  # ContractKPI with .history_of_assessments (newest first)
    too_few: bool  # the duty applies and it has fewer than KPI_MINIMUM KPIs
    overdue: list  # KPIs whose assessment is overdue (the duty applies)
    minimum: int = act.KPI_MINIMUM
    threshold: Decimal = act.KPI_VALUE_THRESHOLD


def kpi_panel(contract: Contract, today: date) -> KPIPanel:
    """The contract's KPIs with each one's assessment history, in two queries."""
    assessments = KPIAssessment.objects.select_related("assessed_by").order_by("-assessed_on")
    kpis = list(
        contract.kpis.prefetch_related(Prefetch("assessments", assessments, to_attr="history_of_assessments"))
    )
    applies = act.kpi_duty_applies(contract.total_value, contract.start_date)
    overdue = []
    if applies:
        for kpi in kpis:
            last = kpi.history_of_assessments[0].assessed_on if kpi.history_of_assessments else None
            if act.assessment_due(contract.start_date, last) < today:
                overdue.append(kpi)
    return KPIPanel(applies, kpis, applies and len(kpis) < act.KPI_MINIMUM, overdue)


def kpi_duty_contracts(today: date):
    """Live contracts the KPI duty covers: more than £5m, started since the Act came into force."""
    return Contract.objects.filter(
        total_value__gt=act.KPI_VALUE_THRESHOLD, start_date__gte=act.IN_FORCE, end_date__gte=today
    )


def kpi_gaps(today: date):
    """Contracts the KPI duty covers that lack at least three KPIs, or have a KPI without a rating in the
    last twelve months (once the contract has run twelve months), in one query. Each is annotated with
    ``kpi_count`` and ``stale`` (a KPI's assessment is overdue)."""
    cutoff = act.assessment_cutoff(today)
    stale_kpis = (
        ContractKPI.objects.filter(contract=OuterRef("pk"))
        .annotate(last=Max("assessments__assessed_on"))
        .filter(Q(last__isnull=True) | Q(last__lt=cutoff))
    )
    return (
        kpi_duty_contracts(today)
        .annotate(kpi_count=Count("kpis"), stale=Exists(stale_kpis))
        .filter(Q(kpi_count__lt=act.KPI_MINIMUM) | Q(stale=True, start_date__lt=cutoff))
        .select_related("portfolio", "owner")
        .order_by("portfolio__code", "-total_value", "council_id")
    )


def pipeline(today: date):
    """The pipeline notice's planned procurements (section 93): contracts approaching their end whose
    value is more than £2m and which end within the notice's 18-month window, so a successor contract
    is to be entered into in it. In one query, soonest first."""
    first_day, last_day = act.pipeline_window(today)
    return (
        Contract.objects.filter(
            total_value__gt=act.PIPELINE_CONTRACT_THRESHOLD,
            flagged_from__lte=last_day,
            end_date__gte=first_day,
            end_date__lte=last_day,
        )
        .select_related("portfolio")
        .order_by("end_date", "council_id")
    )
