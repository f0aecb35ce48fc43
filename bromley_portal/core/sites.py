from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied


class PortalAdminSite(admin.AdminSite):
    """The admin site, for people with the Admin role (not only Django staff). Someone signed in
    without it gets the portal's "You cannot see this page" (403), not a second sign-in form."""

    site_header = "Bromley Portal administration"
    site_title = "Bromley Portal"
    index_title = "Periods, portfolios, posts and people"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.has_perm("accounts.access_admin")

    def _refuse_signed_in_without_permission(self, request):
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied("The admin is for the Admin role.")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            self._refuse_signed_in_without_permission(request)
            return inner(request, *args, **kwargs)

        return guarded

    def login(self, request, extra_context=None):
        self._refuse_signed_in_without_permission(request)
        return super().login(request, extra_context)


class PortalAdminConfig(AdminConfig):
    default_site = "bromley_portal.core.sites.PortalAdminSite"
