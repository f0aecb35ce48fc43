"""Who may read an endpoint: the same permission as the page that shows the same data
(``permission_required`` on the view), asked of the token's owner or the signed-in person, so a
token sees exactly what its owner may see. Anonymous clients get 401."""

from rest_framework.permissions import BasePermission


class PortalPermission(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.has_perm(view.permission_required)
