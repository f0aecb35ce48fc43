from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "bromley_portal.core"
    label = "core"
    verbose_name = "Portal core"

    def ready(self):
        from bromley_portal.core import pagecache
        from bromley_portal.core.navigation import Section, register_section

        pagecache.connect_signals()

        # No "Home" section: the service name in the header links home (GOV.UK's service navigation),
        # which keeps an admin's dozen sections on one row at 1280 px.
        register_section(
            Section(
                "Administration",
                "admin:index",
                "accounts.access_admin",
                order=900,
                description="Set up reporting periods, portfolios, posts and people.",
                short_label="Admin",
            )
        )
        # The accounts app's page: the core imports accounts' rules, so it lists the section (no import cycle).
        register_section(
            Section(
                "Sign-in lockouts",
                "lockouts",
                "accounts.view_lockouts",
                order=890,
                description="See who cannot sign in after failed attempts, and let them sign in again.",
                short_label="Lockouts",
            )
        )
