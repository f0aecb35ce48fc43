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
                "Plans",
                "plans:plan_list",
                "plans.view_action",
                order=20,
                description="Portfolio plans and their actions: filter, sort and export.",
            )
        )

    def load_demo_data(self, stdout):
        from plans.demo import load_demo_updates
        from plans.services import load_seed_plans

        for plan, created in load_seed_plans():
            stdout.write(f"  {plan}: {'loaded' if created else 'already there'}")
        load_demo_updates(stdout)
