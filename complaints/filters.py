"""The caseload's filters. Without a status chosen it shows the complaints still to close (received,
acknowledged, responded); "overdue" reads the same next due date as the RAG (complaints.caseload)."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone

from bromley_portal.core.forms import PortalFilterForm
from complaints.choices import ComplaintStatus, Procedure, Stage
from complaints.forms import complaints_officers
from complaints.models import Complaint, Division, Mention

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
                queryset = queryset.exclude(status__in=ComplaintStatus.finished())
            self.queryset = queryset
        return super().qs

    def filter_division(self, queryset, name, division):
        return queryset.filter(Exists(Mention.objects.filter(complaint=OuterRef("pk"), division=division)))

    def filter_overdue(self, queryset, name, overdue):
        if overdue:
            return queryset.filter(next_due__lt=self.today)
        return queryset.exclude(next_due__lt=self.today)
