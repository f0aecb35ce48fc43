from django.apps import AppConfig

from bromley_portal.core.navigation import Section

# The service navigation and the home page's sections (bromley_portal.core.navigation).
SECTIONS = [
    Section(
        "Contracts",
        "contracts:contract_list",
        "contracts.view_contract",
        order=30,
        description="The contract register: contracts of £50,000 or more, their risk and procurement status, "
        "and each PDS committee's register with its key data.",
    ),
]


def load_demo_data(stdout):
    """The council's CEF register of September 2022 from fixtures/data, then made-up contracts for the
    other portfolios and this month's cycle (safe to run again)."""
    from contracts.demo import freeze_demo_cycle, load_demo_contracts
    from contracts.seeds import load_seed_register

    loaded = load_seed_register()
    stdout.write(f"  CEF contracts of September 2022: {loaded['contracts'] or 'already there'}")
    for cycle, created in loaded["cycles"]:
        stdout.write(f"  {cycle} key data: {'loaded' if created else 'already there'}")
    september, entries, frozen_now = loaded["september"]
    stdout.write(f"  {september}: {entries} contracts {'frozen' if frozen_now else 'already frozen'}")
    made = load_demo_contracts()
    stdout.write(f"  demo contracts for the other portfolios: {made or 'already there'}")
    cycle, entries, frozen_now = freeze_demo_cycle()
    stdout.write(f"  {cycle}: {entries} contracts {'frozen' if frozen_now else 'already frozen'}")


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contracts"

    def ready(self):
        from bromley_portal.core.demo import register_demo_data
        from bromley_portal.core.navigation import register_section
        from bromley_portal.core.panels import register_linked, register_panel
        from contracts.panels import action_panel, linked_to_actions, portfolio_dashboard_panel

        for section in SECTIONS:
            register_section(section)
        register_panel("action", action_panel)
        register_panel("portfolio_dashboard", portfolio_dashboard_panel)
        register_linked("plans.action", linked_to_actions)
        register_demo_data("Contract register", load_demo_data, order=30)
