from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = "Portfolio plans"

    def ready(self):
        from bromley_portal.core.navigation import Section, register_section
        from bromley_portal.core.panels import register_panel
        from plans.views import ambition_panel

        register_panel("ambition", ambition_panel)

        register_section(
            Section(
                "Dashboards",
                "plans:dashboard",
                "plans.view_dashboards",
                order=5,
                description="Which ambitions are on track, the red and amber actions explained, and key measures "
                "against their targets, England and London.",
            )
        )
        register_section(
            Section(
                "Plans",
                "plans:plan_list",
                "plans.view_action",
                order=20,
                description="Portfolio plans and their actions: filter, sort and export.",
            )
        )
        register_section(
            Section(
                "My actions",
                "plans:my_actions",
                "plans.view_my_actions",
                order=21,
                description="The actions you lead: write this quarter's updates and submit them for approval.",
            )
        )
        register_section(
            Section(
                "Approvals",
                "plans:approvals",
                "plans.view_approval_queue",
                order=22,
                description="Updates waiting for your sign-off: approve them, or return them with a comment.",
            )
        )
        register_section(
            Section(
                "Reporting periods",
                "plans:periods",
                "plans.view_period_overview",
                order=23,
                description="Each quarter's updates by plan, who to chase, and opening and locking periods.",
            )
        )

    def load_demo_data(self, stdout):
        from plans.demo import load_demo_updates
        from plans.services import load_seed_measures, load_seed_plans

        for plan, created in load_seed_plans():
            stdout.write(f"  {plan}: {'loaded' if created else 'already there'}")
        stdout.write(f"  measures: {load_seed_measures()} loaded")
        load_demo_updates(stdout)
