from django.apps import AppConfig

from bromley_portal.core.navigation import Section

# The service navigation and the home page's sections (bromley_portal.core.navigation).
SECTIONS = [
    Section(
        "Dashboards",
        "plans:dashboard",
        "plans.view_dashboards",
        order=5,
        description="Which ambitions are on track, the red and amber actions explained, and key measures "
        "against their targets, England and London.",
    ),
    Section(
        "Plans",
        "plans:plan_list",
        "plans.view_action",
        order=20,
        description="Portfolio plans and their actions: filter, sort and export.",
    ),
    Section(
        "My actions",
        "plans:my_actions",
        "plans.view_my_actions",
        order=21,
        description="The actions you lead: write this quarter's updates and submit them for approval.",
    ),
    Section(
        "Approvals",
        "plans:approvals",
        "plans.view_approval_queue",
        order=22,
        description="Updates waiting for your sign-off: approve them, or return them with a comment.",
    ),
    Section(
        "Reporting periods",
        "plans:periods",
        "plans.view_period_overview",
        order=23,
        description="Each quarter's updates by plan, who to chase, and opening and locking periods.",
        short_label="Periods",
    ),
]


def load_demo_data(stdout):
    """The council's plans and measures from fixtures/data, then the demo quarterly updates (safe to run again)."""
    from plans.demo import load_demo_updates
    from plans.seeds import load_seed_measures, load_seed_plans

    for plan, created in load_seed_plans():
        stdout.write(f"  {plan}: {'loaded' if created else 'already there'}")
    stdout.write(f"  measures: {load_seed_measures()} loaded")
    if not load_demo_updates(stdout):
        stdout.write("  demo quarterly updates: already there")


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Portfolio plans"

    def ready(self):
        from bromley_portal.core.demo import register_demo_data
        from bromley_portal.core.navigation import register_section
        from bromley_portal.core.pagecache import register_scope
        from bromley_portal.core.panels import register_panel
        from plans.counts import connect_signals
        from plans.panels import ambition_panel
        from plans.rules import page_scope

        for section in SECTIONS:
            register_section(section)
        register_panel("ambition", ambition_panel)
        register_scope(page_scope)
        register_demo_data("Portfolio plans", load_demo_data, order=20)
        connect_signals()  # the stored counts follow every save and deletion (plans.counts)
        # Report types register themselves from plans/reports.py (bromley_portal.reports autodiscovers them)
        # and from plans/exception_report.py, which builds on plans/reports.py.
        import plans.exception_report  # noqa: F401
