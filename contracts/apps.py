from django.apps import AppConfig


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

        register_demo_data("Contract register", load_demo_data, order=30)
