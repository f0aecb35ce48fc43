"""Filters for the register's lists: the live register and a portfolio's register in a cycle."""

import django_filters
from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from ambitions.models import Portfolio
from bromley_portal.core.forms import PortalFilterForm
from contracts.choices import ProcurementStatus, RiskLevel
from contracts.models import Contract, RegisterCycle, RegisterEntry

# (value, label, minimum £ inclusive, maximum £ exclusive or None)
VALUE_BANDS = [
    ("under-100k", "£50,000 to £99,999", 0, 100_000),
    ("100k-500k", "£100,000 to £499,999", 100_000, 500_000),
    ("500k-1m", "£500,000 to £999,999", 500_000, 1_000_000),
    ("1m-plus", "£1 million or more", 1_000_000, None),
]
ENDING_WITHIN = [
    (3, "3 months"),
    (6, "6 months"),
    (9, "9 months"),
    (12, "12 months"),
    (18, "18 months"),
    (24, "2 years"),
]
YES_NO = [("", "Either"), ("true", "Yes"), ("false", "No")]
FUNDING = [("", "Either"), ("false", "Revenue"), ("true", "Capital")]


def _value_band(queryset, name, value):
    band = next(band for band in VALUE_BANDS if band[0] == value)
    queryset = queryset.filter(total_value__gte=band[2])
    return queryset.filter(total_value__lt=band[3]) if band[3] is not None else queryset


def _search(queryset, fields, value):
    for word in value.split()[:10]:
        query = Q()
        for field in fields:
            query |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(query)
    return queryset


class ContractFilterSet(django_filters.FilterSet):
    """The live register: contracts of £50k or more not ended yet, with today's statuses."""

    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Words in the contract ID, title, supplier or owner"
    )
    portfolio = django_filters.ModelChoiceFilter(
        label="Portfolio", queryset=Portfolio.objects.all(), to_field_name="code", empty_label="Any portfolio"
    )
    procurement_status = django_filters.ChoiceFilter(
        label="Procurement status", choices=ProcurementStatus.choices, empty_label="Any procurement status"
    )
    risk = django_filters.ChoiceFilter(
        label="Risk index", field_name="risk_level", choices=RiskLevel.choices, empty_label="Any risk"
    )
    concern = django_filters.BooleanFilter(label="Flagged as a concern", widget=forms.Select(choices=YES_NO))
    capital = django_filters.BooleanFilter(label="Funding", widget=forms.Select(choices=FUNDING))
    ending = django_filters.ChoiceFilter(
        label="Ends within",
        choices=[(str(months), label) for months, label in ENDING_WITHIN],
        method="filter_ending",
        empty_label="Any end date",
    )
    owner = django_filters.ModelChoiceFilter(
        label="Owner",
        queryset=get_user_model()
        .objects.filter(contracts_owned__isnull=False)
        .distinct()
        .order_by("first_name", "last_name"),
        empty_label="Any owner",
    )
    supplier = django_filters.CharFilter(
        label="Supplier", lookup_expr="icontains", help_text="Part of its name"
    )
    value = django_filters.ChoiceFilter(
        label="Total contract value",
        choices=[(band[0], band[1]) for band in VALUE_BANDS],
        method="filter_value",
        empty_label="Any value",
    )

    class Meta:
        model = Contract
        form = PortalFilterForm
        fields = [
            "q",
            "portfolio",
            "procurement_status",
            "risk",
            "concern",
            "capital",
            "ending",
            "owner",
            "supplier",
            "value",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.filters["owner"].field.label_from_instance = lambda user: user.get_full_name() or user.username

    @property
    def qs(self):
        # Today's statuses are annotated before filtering, so the status filter reads the same rule.
        if not hasattr(self, "_qs"):
            self.queryset = self.queryset.in_register(self.today).for_lists(self.today)
        return super().qs

    def search(self, queryset, name, value):
        return _search(
            queryset, ["council_id", "title", "supplier", "owner__first_name", "owner__last_name"], value
        )

    def filter_ending(self, queryset, name, months):
        return queryset.filter(end_date__lte=self.today + relativedelta(months=int(months)))

    def filter_value(self, queryset, name, value):
        return _value_band(queryset, name, value)


class RegisterEntryFilterSet(django_filters.FilterSet):
    """A portfolio's register in a cycle, as frozen (the latest frozen cycle unless one is chosen)."""

    cycle = django_filters.ModelChoiceFilter(
        label="Reporting cycle",
        queryset=RegisterCycle.objects.filter(frozen_at__isnull=False),
        method="filter_cycle",
        empty_label="Latest",
    )
    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Words in the contract ID, title or supplier"
    )
    procurement_status = django_filters.ChoiceFilter(
        label="Procurement status", choices=ProcurementStatus.choices, empty_label="Any procurement status"
    )
    risk = django_filters.ChoiceFilter(
        label="Risk index", field_name="risk_level", choices=RiskLevel.choices, empty_label="Any risk"
    )
    capital = django_filters.BooleanFilter(label="Funding", widget=forms.Select(choices=FUNDING))

    class Meta:
        model = RegisterEntry
        form = PortalFilterForm
        fields = ["cycle", "q", "procurement_status", "risk", "capital"]

    @property
    def chosen_cycle(self) -> RegisterCycle | None:
        if self.form.is_bound and self.is_valid() and self.form.cleaned_data.get("cycle"):
            return self.form.cleaned_data["cycle"]
        if not hasattr(self, "_latest"):
            self._latest = RegisterCycle.objects.filter(frozen_at__isnull=False).order_by("-as_at").first()
        return self._latest

    def filter_cycle(self, queryset, name, cycle):
        return queryset  # the cycle is applied in qs, chosen or not

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            self.queryset = self.queryset.filter(cycle=self.chosen_cycle)
        return super().qs

    def search(self, queryset, name, value):
        return _search(queryset, ["council_id", "title", "supplier"], value)
