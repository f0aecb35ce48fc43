from django.apps import AppConfig


class AmbitionsConfig(AppConfig):
    name = "ambitions"
    verbose_name = "Ambitions"

    def ready(self):
        from bromley_portal.core.navigation import Section, register_section

        register_section(
            Section(
                "Strategy",
                "ambitions:strategy",
                "ambitions.view_strategy",
                order=10,
                description="Making Bromley Even Better 2021-2031: the vision, the five ambitions and their commitments.",
            )
        )

    def load_demo_data(self, stdout):
        from ambitions.services import load_seed_strategy

        strategy, created = load_seed_strategy()
        stdout.write(f"  {strategy}: {'loaded' if created else 'already there'}")
