"""The Django admin for the published figures (complaints/published.py): admins enter each year's
Ombudsman review letter and correct a published figure. Registered from complaints/admin.py."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from complaints.published import OmbudsmanReviewLetter, PublishedFigure


@admin.register(PublishedFigure)
class PublishedFigureAdmin(SimpleHistoryAdmin):
    list_display = ["year", "division", "measure", "value", "source"]
    list_filter = ["year", "division", "measure"]
    list_select_related = ["division"]


@admin.register(OmbudsmanReviewLetter)
class OmbudsmanReviewLetterAdmin(SimpleHistoryAdmin):
    list_display = [
        "year",
        "referrals",
        "investigations",
        "upheld",
        "upheld_rate",
        "london_average_upheld_rate",
        "ranking_label",
    ]
