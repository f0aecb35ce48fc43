from django.apps import AppConfig

from bromley_portal.core.navigation import Section

SECTIONS = [
    Section(
        "Strategy",
        "ambitions:strategy",
        "ambitions.view_strategy",
        order=10,
        description="Making Bromley Even Better 2021-2031: the vision, the five ambitions and their commitments.",
    ),
]


def load_demo_data(stdout):
    """The council's strategy from fixtures/data (safe to run again)."""
    from ambitions.services import load_seed_strategy

    strategy, created = load_seed_strategy()
    stdout.write(f"  {strategy}: {'loaded' if created else 'already there'}")


class AmbitionsConfig(AppConfig):
    name = "ambitions"
    verbose_name = "Ambitions"

    def ready(self):
        from bromley_portal.core.demo import register_demo_data
        from bromley_portal.core.navigation import register_section

        for section in SECTIONS:
            register_section(section)
        register_demo_data("Ambitions", load_demo_data, order=10)
