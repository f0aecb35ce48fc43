from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from bromley_portal.core import views as core_views

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("accessibility/", core_views.AccessibilityView.as_view(), name="accessibility"),
    path("health/", core_views.health, name="health"),
    path("accounts/", include("bromley_portal.accounts.urls")),
    path("strategy/", include("ambitions.urls")),
    path("plans/", include("plans.urls")),
    path("contracts/", include("contracts.urls")),
    path("reports/", include("bromley_portal.reports.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
