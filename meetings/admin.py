"""The Django admin, for the Admin role: who sits on which committee (members read its scrutiny actions)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from meetings.models import CommitteeMembership


@admin.register(CommitteeMembership)
class CommitteeMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["member", "committee"]
    list_filter = ["committee"]
    list_select_related = ["member", "committee"]
    search_fields = ["member__first_name", "member__last_name", "member__username"]
