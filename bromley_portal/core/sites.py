from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class PortalAdminSite(admin.AdminSite):
    """The admin site, for people with the Admin role (not only Django staff)."""

    site_header = "Bromley Portal administration"
    site_title = "Bromley Portal"
    index_title = "Periods, portfolios, posts and people"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.has_perm("accounts.access_admin")


class PortalAdminConfig(AdminConfig):
    default_site = "bromley_portal.core.sites.PortalAdminSite"
