import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from ambitions.models import Ambition, Portfolio, Post
from plans.choices import NO_UPDATE, NOT_RATED, REPORTED, Rag, TargetStatus
from plans.models import Action, PortfolioPlan, QuarterlyUpdate, ReportingPeriod

RAG_CHOICES = [*Rag.choices, (NOT_RATED, "Reported without a RAG"), (NO_UPDATE, "No reported update")]


class ActionFilterForm(forms.Form):
    """Filter errors in the GOV.UK style: say what to do, not what went wrong."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            label = field.label if field.label[:2].isupper() else field.label[0].lower() + field.label[1:]
            message = f"Select {label} from the list"  # noqa: S608 (a sentence, not SQL)
            field.error_messages["invalid_choice"] = field.error_messages["invalid"] = message


class ActionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Words in the action, detail, measures or update"
    )
    ambition = django_filters.ModelChoiceFilter(
        label="Ambition",
        field_name="section__ambition",
        queryset=Ambition.objects.all(),
        empty_label="Any ambition",
    )
    portfolio = django_filters.ModelChoiceFilter(
        label="Portfolio",
        field_name="section__plan__portfolio",
        queryset=Portfolio.objects.all(),
        empty_label="Any portfolio",
    )
    plan = django_filters.ModelChoiceFilter(
        label="Plan",
        field_name="section__plan",
        queryset=PortfolioPlan.objects.select_related("portfolio"),
        empty_label="Any plan",
    )
    period = django_filters.ModelChoiceFilter(
        label="Reporting period",
        queryset=ReportingPeriod.objects.all(),
        method="filter_period",
        empty_label="Any period",
        help_text="Actions of that year's plans; with a RAG status, as reported in that period.",
    )
    rag = django_filters.ChoiceFilter(
        label="RAG status", choices=RAG_CHOICES, method="filter_rag", empty_label="Any RAG status"
    )
    lead = django_filters.ModelChoiceFilter(
        label="Lead", field_name="lead_posts", queryset=Post.objects.all(), empty_label="Any lead"
    )
    target = django_filters.ChoiceFilter(
        label="Target date",
        choices=TargetStatus.choices,
        method="filter_target",
        empty_label="Any target date",
    )
    annual_programme = django_filters.BooleanFilter(
        label="Annual Programme (AP)",
        widget=forms.Select(
            choices=[("", "Either"), ("true", "In the Annual Programme"), ("false", "Not in it")]
        ),
    )

    class Meta:
        model = Action
        form = ActionFilterForm
        fields = ["q", "ambition", "portfolio", "plan", "period", "rag", "lead", "target", "annual_programme"]

    def search(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(details__text__icontains=word)
                | Q(measures_of_success__text__icontains=word)
                | Q(updates__narrative__icontains=word, updates__status__in=REPORTED)
                | Q(lead_posts__title__icontains=word)
            )
        return queryset.distinct() if words else queryset

    def filter_period(self, queryset, name, period):
        return queryset.filter(section__plan__year=period.year)

    def filter_rag(self, queryset, name, value):
        """The RAG reported in the chosen period, or the latest reported RAG when no period is chosen."""
        period = self.form.cleaned_data.get("period")
        if period is None:
            if value == NO_UPDATE:
                return queryset.filter(latest_update_id__isnull=True)
            return queryset.filter(
                latest_update_id__isnull=False, latest_rag="" if value == NOT_RATED else value
            )
        reported = QuarterlyUpdate.objects.reported().filter(period=period)
        if value == NO_UPDATE:
            return queryset.exclude(pk__in=reported.values("action_id"))
        return queryset.filter(
            pk__in=reported.filter(reported_rag="" if value == NOT_RATED else value).values("action_id")
        )

    def filter_target(self, queryset, name, value):
        return queryset.with_target_status(value, timezone.localdate())
