from django.contrib import admin
from django.urls import include, path

from bromley_portal.core import views as core_views

handler400 = "bromley_portal.core.views.bad_request"

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("accessibility/", core_views.AccessibilityView.as_view(), name="accessibility"),
    path("health/", core_views.health, name="health"),
    path("accounts/", include("bromley_portal.accounts.urls")),
    path("strategy/", include("ambitions.urls")),
    path("plans/", include("plans.urls")),
    path("contracts/", include("contracts.urls")),
    path("complaints/", include("complaints.urls")),
    path("meetings/", include("meetings.urls")),
    path("reports/", include("bromley_portal.reports.urls")),
    path("api/", include("api.urls")),
    path("open-data/", include("api.open_data_urls")),
    path("admin/", admin.site.urls),
]

# MEDIA_URL is never served, not even with DEBUG on: generated files (committee reports, some of
# them Part 2) are read only through the views that check who may read them (reports/views.py).
