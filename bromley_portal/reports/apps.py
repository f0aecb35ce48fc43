from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ReportsConfig(AppConfig):
    name = "bromley_portal.reports"
    label = "reports"
    verbose_name = "Committee reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from bromley_portal.core.navigation import Section, register_section

        # Each domain app registers its report types in its own reports.py.
        autodiscover_modules("reports")
        register_section(
            Section(
                "Committee reports",
                "reports:index",
                "reports.view_reports",
                order=80,
                description="Committee-ready PDF reports: ask for one, follow its progress and download it.",
                short_label="Reports",
            )
        )
