from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from bromley_portal.accounts.models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active"]
    list_filter = ["groups", "is_active"]
