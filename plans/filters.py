import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from ambitions.models import Ambition, Portfolio, Post
from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.forms import PortalFilterForm
from plans.choices import QUEUE_ORDERS, REPORTED, Rag, TargetStatus, UpdateStatus
from plans.models import Action, PortfolioPlan, QuarterlyUpdate, ReportingPeriod


class ActionFilterSet(django_filters.FilterSet):
    """Filters for the actions list. The list shows each action's update reported in the chosen
    period (else its latest reported one), and the RAG filter reads that same update."""

    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Words in the action, detail, measures, lead or update"
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
        empty_label="Latest reported",
        help_text="Actions of that year's plans, with the update and RAG status reported in that period.",
    )
    rag = django_filters.ChoiceFilter(
        label="RAG status", choices=Rag.choices, method="filter_rag", empty_label="Any RAG status"
    )
    lead = django_filters.ModelChoiceFilter(
        label="Lead", queryset=Post.objects.all(), method="filter_lead", empty_label="Any lead"
    )
    target = django_filters.ChoiceFilter(
        label="Target date",
        choices=TargetStatus.choices,
        method="filter_target",
        empty_label="Any target date",
    )
    update = django_filters.ChoiceFilter(
        label="Update",
        choices=[("outstanding", "Still to write or finish")],
        method="filter_update",
        empty_label="Any",
        help_text="For the reporting period chosen, else the open one: none yet, a draft, or returned.",
    )
    annual_programme = django_filters.BooleanFilter(
        label="Annual Programme (AP)",
        widget=forms.Select(
            choices=[("", "Either"), ("true", "In the Annual Programme"), ("false", "Not in it")]
        ),
    )

    class Meta:
        model = Action
        form = PortalFilterForm
        fields = [
            "q",
            "ambition",
            "portfolio",
            "plan",
            "period",
            "rag",
            "lead",
            "target",
            "update",
            "annual_programme",
        ]

    @property
    def chosen_period(self):
        return self.form.cleaned_data.get("period") if self.form.is_bound and self.is_valid() else None

    @property
    def qs(self):
        # The update each row shows, and so the RAG the list filters and sorts on, depends on the
        # period chosen: annotate it before filtering.
        if not hasattr(self, "_qs"):
            self.queryset = self.queryset.for_lists(self.chosen_period)
        return super().qs

    def search(self, queryset, name, value):
        words = value.split()[:10]
        for word in words:
            queryset = queryset.filter(
                pk__in=Action.objects.filter(
                    Q(title__icontains=word)
                    | Q(details__text__icontains=word)
                    | Q(details__measures_of_success__text__icontains=word)
                    | Q(details__leads__written_as__icontains=word)
                    | Q(details__leads__post__title__icontains=word)
                    | Q(updates__narrative__icontains=word, updates__status__in=REPORTED)
                    | Q(updates__notes__narrative__icontains=word, updates__status__in=REPORTED)
                    | Q(updates__amendments__narrative__icontains=word)
                ).values("pk")
            )
        return queryset

    def filter_period(self, queryset, name, period):
        return queryset.filter(section__plan__year=period.year)

    def filter_rag(self, queryset, name, value):
        return queryset.filter(shown_rag=value)

    def filter_lead(self, queryset, name, post):
        return queryset.led_by([post.pk])

    def filter_update(self, queryset, name, value):
        """Outstanding in the period chosen, else the open one (the chasing list's rule:
        Action.objects.outstanding_in); nothing when no period is chosen or open."""
        period = (
            self.chosen_period
            or ReportingPeriod.objects.filter(status="open").order_by("-year", "-quarter").first()
        )
        if period is None:
            return queryset.none()
        return queryset.filter(pk__in=Action.objects.outstanding_in(period).values("pk"))

    def filter_target(self, queryset, name, value):
        return queryset.with_target_status(value, timezone.localdate())


class PortfolioPlanFilterSet(django_filters.FilterSet):
    portfolio = django_filters.ModelChoiceFilter(
        label="Portfolio", queryset=Portfolio.objects.all(), empty_label="Any portfolio"
    )
    year = django_filters.ChoiceFilter(label="Financial year", empty_label="Any year", method="filter_year")

    class Meta:
        model = PortfolioPlan
        form = PortalFilterForm
        fields = ["portfolio", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years = PortfolioPlan.objects.order_by("-year").values_list("year", flat=True).distinct()
        self.filters["year"].extra["choices"] = [(year, FinancialYear(year).label) for year in years]

    def filter_year(self, queryset, name, value):
        return queryset.filter(year=int(value))  # one of the choices: a plan's year


class ApprovalFilterSet(django_filters.FilterSet):
    """The approvals queue's filters and order (plans.selectors.approval_updates is the queryset):
    updates waiting for approval unless another status is chosen."""

    portfolio = django_filters.ModelChoiceFilter(
        label="Portfolio",
        field_name="action__section__plan__portfolio",
        queryset=Portfolio.objects.all(),
        empty_label="Any portfolio",
    )
    rag = django_filters.ChoiceFilter(
        label="RAG status",
        field_name="rag",
        choices=Rag.choices_of(*Rag.chosen()),
        empty_label="Any RAG status",
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[
            (UpdateStatus.RETURNED, "Returned to its lead"),
            (UpdateStatus.APPROVED, "Approved"),
            ("any", "Any of these"),
        ],
        empty_label="Waiting for approval",
        method="filter_status",
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=[
            ("newest", "Newest submitted first"),
            ("portfolio", "Portfolio and action number"),
            ("rag", "RAG status, red first"),
        ],
        empty_label="Oldest submitted first",
        method="sort_by",
    )

    class Meta:
        model = QuarterlyUpdate
        form = PortalFilterForm
        fields = ["portfolio", "rag", "status", "sort"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=UpdateStatus.SUBMITTED)
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by(*QUEUE_ORDERS["oldest"])
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset if value == "any" else queryset.filter(status=value)

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*QUEUE_ORDERS[value])
