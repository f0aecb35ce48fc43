"""The caseload's filters. Without a status chosen it shows the complaints still to close (received,
acknowledged, responded); "overdue" reads the same next due date as the RAG (complaints.caseload)."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.forms import PortalFilterForm
from complaints.choices import AspectOutcome, AspectType, Channel, ComplaintStatus, Procedure, Stage
from complaints.forms import complaints_officers
from complaints.models import Aspect, Complaint, Division, Mention

YES_NO = [("", "Either"), ("true", "Yes"), ("false", "No")]


class CaseloadFilterSet(django_filters.FilterSet):
    reference = django_filters.CharFilter(
        label="Reference", lookup_expr="icontains", max_length=30, help_text="All or part of it"
    )
    division = django_filters.ModelChoiceFilter(
        label="Division",
        queryset=Division.objects.all(),
        method="filter_division",
        empty_label="Any division",
    )
    stage = django_filters.ChoiceFilter(label="Stage", choices=Stage.choices, empty_label="Any stage")
    procedure = django_filters.ChoiceFilter(
        label="Procedure", choices=Procedure.choices, empty_label="Any procedure"
    )
    handler = django_filters.ModelChoiceFilter(
        label="Handler", queryset=complaints_officers(), empty_label="Anyone"
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=ComplaintStatus.choices, empty_label="Any status still to close"
    )
    overdue = django_filters.BooleanFilter(
        label="Overdue", method="filter_overdue", widget=forms.Select(choices=YES_NO)
    )

    class Meta:
        model = Complaint
        form = PortalFilterForm
        fields = ["reference", "division", "stage", "procedure", "handler", "status", "overdue"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.filters["handler"].field.label_from_instance = lambda user: user.get_full_name() or user.username

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            queryset = self.queryset  # with its next due date (complaints.caseload.with_next_due)
            chosen = self.form.cleaned_data.get("status") if self.is_bound and self.is_valid() else None
            if not chosen:
                queryset = queryset.filter(status__in=ComplaintStatus.to_close())
            self.queryset = queryset
        return super().qs

    def filter_division(self, queryset, name, division):
        return queryset.filter(Exists(Mention.objects.filter(complaint=OuterRef("pk"), division=division)))

    def filter_overdue(self, queryset, name, overdue):
        if overdue:
            return queryset.filter(next_due__lt=self.today)
        return queryset.exclude(next_due__lt=self.today)


class AnonymisedComplaintFilterSet(django_filters.FilterSet):
    """The dashboards' drill-down: stage 1 complaints received in a financial year (as the statistics count
    them, complaints.selectors), by division named, channel, aspect type and outcome."""

    year = django_filters.CharFilter(
        label="Financial year", method="filter_year", max_length=9, help_text="For example, 2021-22"
    )
    division = django_filters.ModelChoiceFilter(
        label="Division",
        queryset=Division.objects.all(),
        method="filter_division",
        empty_label="Any division",
    )
    channel = django_filters.ChoiceFilter(label="Channel", choices=Channel.choices, empty_label="Any channel")
    aspect_type = django_filters.ChoiceFilter(
        label="Aspect", choices=AspectType.choices, method="filter_aspect_type", empty_label="Any aspect"
    )
    outcome = django_filters.ChoiceFilter(
        label="Outcome of an aspect",
        choices=AspectOutcome.choices,
        method="filter_outcome",
        empty_label="Any outcome",
    )

    class Meta:
        model = Complaint
        form = PortalFilterForm
        fields = ["year", "division", "channel", "aspect_type", "outcome"]

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            self.queryset = self.queryset.filter(stage=1)
        return super().qs

    def filter_year(self, queryset, name, value):
        try:
            year = FinancialYear.parse(value)
        except ValueError:
            return queryset.none()
        return queryset.filter(received__gte=year.starts_on, received__lte=year.ends_on)

    def filter_division(self, queryset, name, division):
        return queryset.filter(Exists(Mention.objects.filter(complaint=OuterRef("pk"), division=division)))

    def filter_aspect_type(self, queryset, name, value):
        return queryset  # with the outcome, in filter_queryset: one aspect of this type with that outcome

    filter_outcome = filter_aspect_type

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        lookup = {
            field: self.form.cleaned_data[name]
            for name, field in (("aspect_type", "type"), ("outcome", "outcome"))
            if self.form.cleaned_data.get(name)
        }
        if lookup:
            queryset = queryset.filter(
                Exists(Aspect.objects.filter(mention__complaint=OuterRef("pk"), **lookup))
            )
        return queryset
