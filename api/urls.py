from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views

app_name = "api"

urlpatterns = [
    path("v1/ambitions/", views.AmbitionList.as_view(), name="ambitions"),
    path("v1/plans/", views.PlanList.as_view(), name="plans"),
    path("v1/actions/", views.ActionList.as_view(), name="actions"),
    path("v1/periods/", views.PeriodList.as_view(), name="periods"),
    path("v1/measures/", views.MeasureList.as_view(), name="measures"),
    path("v1/contracts/", views.ContractList.as_view(), name="contracts"),
    path("v1/complaint-statistics/", views.ComplaintStatistics.as_view(), name="complaint_statistics"),
    # The OpenAPI 3 schema and its docs page (Swagger UI from our own static files: no CDN).
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
