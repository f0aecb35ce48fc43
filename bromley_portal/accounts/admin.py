from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group

from bromley_portal.accounts.models import IdentityProviderGroup, SingleSignOnIdentity, User
from bromley_portal.accounts.roles import Role

# What only a superuser (made with `manage.py createsuperuser`, outside the portal) may change: the
# Admin role runs the portal's people and their roles, but cannot step outside the roles, for itself
# or anyone else. The admin site lets people in by the Admin role, not by is_staff.
BEYOND_THE_ROLES = ["is_superuser", "is_staff", "user_permissions"]


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    list_filter = ["groups", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly += BEYOND_THE_ROLES
        return readonly

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            # A person's groups are their roles; no other group can be given here.
            kwargs["queryset"] = Group.objects.filter(name__in=Role.values).order_by("name")
            kwargs["help_text"] = "The person's roles: what they may see and do in the portal."
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        """Only a superuser changes a superuser's account (its password, its address, its roles)."""
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(IdentityProviderGroup)
class IdentityProviderGroupAdmin(admin.ModelAdmin):
    """Which role each of the identity provider's groups gives (single sign-on). Changes apply to each
    person at their next sign-in."""

    list_display = ["group_id", "description", "role"]
    list_filter = ["role"]
    search_fields = ["group_id", "description"]


@admin.register(SingleSignOnIdentity)
class SingleSignOnIdentityAdmin(admin.ModelAdmin):
    """Which account each person at the identity provider signs in to. Read only; deleting a row unlinks
    it (the person is matched again by their verified e-mail address at their next sign-in)."""

    list_display = ["user", "subject", "issuer", "linked_at", "last_signed_in_at"]
    search_fields = ["subject", "user__username", "user__email"]
    readonly_fields = ["user", "issuer", "subject", "linked_at", "last_signed_in_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
