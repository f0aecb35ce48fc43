"""The read API's endpoints. Thin: each declares its permission (the page's), its queryset (the pages'
own query), its filterset (the pages' own) and what its response depends on (``versions``).

Every response carries an ETag and Last-Modified read in one query before the body; a client that
sends them back (If-None-Match, If-Modified-Since) is answered 304 without the data being read.
"""

from dataclasses import dataclass

from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from ambitions.models import Ambition, Strategy
from api import serializers, statistics, versions
from api.schema import ActionFilters
from bromley_portal.core.financial_year import FinancialYear
from contracts.filters import ContractFilterSet
from contracts.models import Contract
from plans.filters import PortfolioPlanFilterSet
from plans.models import Action, Measure, PortfolioPlan, Reading, ReportingPeriod


class Conditional:
    """ETag and Last-Modified from ``versions``, and 304 for a client that has the same already."""

    versioned_models: list = []

    def version(self, request) -> versions.Version:
        user = request.user
        scope = (sorted(user.role_names), user.has_perm("plans.view_unapproved_updates"))
        return versions.version(self.versioned_models, request.get_full_path(), scope, timezone.localdate())

    def conditional(self, request, respond):
        version = self.version(request)
        etag = quote_etag(version.etag)
        modified = int(version.last_modified.timestamp()) if version.last_modified else None
        response = get_conditional_response(request, etag=etag, last_modified=modified)
        response = respond() if response is None else Response(status=response.status_code)
        response["ETag"] = etag
        if modified is not None:
            response["Last-Modified"] = http_date(modified)
        return response


class PortalListAPIView(Conditional, generics.ListAPIView):
    filter_backends = [DjangoFilterBackend]

    def list(self, request, *args, **kwargs):
        return self.conditional(request, lambda: generics.ListAPIView.list(self, request, *args, **kwargs))


class AmbitionList(PortalListAPIView):
    """The strategy's ambitions."""

    permission_required = "ambitions.view_ambition"
    serializer_class = serializers.AmbitionSerializer
    versioned_models = versions.STRATEGY
    pagination_class = None

    def get_queryset(self):
        latest = Strategy.objects.order_by("-start_year").values("pk")[
            :1
        ]  # ambitions.services.current_strategy
        return Ambition.objects.filter(strategy__in=latest).order_by("number")


class PlanList(PortalListAPIView):
    """Portfolio plans, filtered as the plans page filters them."""

    permission_required = "plans.view_portfolioplan"
    serializer_class = serializers.PlanSerializer
    filterset_class = PortfolioPlanFilterSet
    versioned_models = versions.ACTIONS

    def get_queryset(self):
        return PortfolioPlan.objects.select_related("portfolio").annotate(
            action_count=Count("sections__actions")
        )


class ActionList(PortalListAPIView):
    """Actions with the update each reports: the latest reported one, or the one reported in the
    ``period`` chosen; filtered as the actions page filters them (the same filterset)."""

    permission_required = "plans.view_action"
    serializer_class = serializers.ActionSerializer
    filterset_class = ActionFilters  # the actions page's ActionFilterSet (api.schema)
    versioned_models = versions.ACTIONS
    queryset = Action.objects.all()  # the filterset adds what rows show (Action.objects.for_lists)


class PeriodList(PortalListAPIView):
    """Reporting periods (quarters), newest last; an action's ``period`` filter takes their ids."""

    permission_required = "plans.view_reportingperiod"
    serializer_class = serializers.PeriodSerializer
    versioned_models = versions.PLANS
    queryset = ReportingPeriod.objects.all()


@dataclass
class AssessedReading:
    reading: Reading
    assessment: object


class MeasureList(PortalListAPIView):
    """Measures (key performance indicators) with every reading, each judged by ``Measure.assess``."""

    permission_required = "plans.view_measure"
    serializer_class = serializers.MeasureSerializer
    versioned_models = versions.MEASURES

    def get_queryset(self):
        readings = Reading.objects.select_related("period").order_by("period__year", "period__quarter")
        return Measure.objects.prefetch_related(Prefetch("readings", readings, to_attr="readings_in_order"))

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for measure in page:
            readings = measure.readings_in_order
            measure.assessed_readings = [
                AssessedReading(reading, measure.assess(reading, readings[i - 1] if i else None))
                for i, reading in enumerate(readings)
            ]
        return page


class ContractList(PortalListAPIView):
    """The live register (contracts of £50k or more not ended) with today's statuses, Part 1 fields
    only; filtered as the register page filters it (the same filterset)."""

    permission_required = "contracts.view_contract"
    serializer_class = serializers.ContractSerializer
    filterset_class = ContractFilterSet
    versioned_models = versions.CONTRACTS
    queryset = Contract.objects.all()  # the filterset adds today's register and statuses (for_lists)


def parse_year(text: str | None) -> FinancialYear:
    """A financial year from ``?year=2021-22``; this year's when none is given; 400 naming it else."""
    if not text:
        return FinancialYear.of(timezone.localdate())
    try:
        return FinancialYear.parse(text)
    except ValueError:
        raise ValidationError({"year": ["Give a financial year as 2021-22."]}) from None


class ComplaintStatistics(Conditional, APIView):
    """A year's complaint statistics by division and for the council: counts and sums only."""

    permission_required = "complaints.view_statistics"
    versioned_models = versions.COMPLAINTS

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.STR, description="A financial year: 2021-22")],
        responses=serializers.ComplaintStatisticsSerializer,
    )
    def get(self, request):
        year = parse_year(request.query_params.get("year"))

        def respond():
            data = {"year": year.label, "divisions": statistics.division_rows(year)}
            return Response(serializers.ComplaintStatisticsSerializer(data).data)

        return self.conditional(request, respond)
