from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ambitions.models import (
    Ambition,
    Commitment,
    Committee,
    KeyStrategy,
    OutcomeTheme,
    Portfolio,
    Post,
    Strategy,
)


class CommitmentInline(admin.StackedInline):
    model = Commitment
    extra = 0


class OutcomeThemeInline(admin.TabularInline):
    model = OutcomeTheme
    extra = 0


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ["title", "start_year", "end_year"]


@admin.register(Ambition)
class AmbitionAdmin(admin.ModelAdmin):
    list_display = ["number", "short_name", "strategy"]
    list_select_related = ["strategy"]
    inlines = [CommitmentInline, OutcomeThemeInline]


@admin.register(KeyStrategy)
class KeyStrategyAdmin(admin.ModelAdmin):
    list_display = ["name", "strategy"]
    filter_horizontal = ["ambitions"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "pds_committee", "portfolio_holder"]
    list_select_related = ["pds_committee"]


@admin.register(Post)
class PostAdmin(SimpleHistoryAdmin):
    list_display = ["title", "portfolio"]
    list_select_related = ["portfolio"]
    search_fields = ["title"]
    filter_horizontal = ["holders"]
