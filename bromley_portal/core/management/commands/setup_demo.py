from django.apps import apps
from django.core.management.base import BaseCommand

from bromley_portal.accounts.demo import ensure_demo_people


class Command(BaseCommand):
    help = (
        "Load the council's reference data and demo records, and one demo person per role. "
        "Safe to run again: it updates rather than duplicates."
    )

    def handle(self, *args, **options):
        rows = ensure_demo_people()  # first, so apps can give the demo people posts
        for config in apps.get_app_configs():
            loader = getattr(config, "load_demo_data", None)
            if loader is not None:
                self.stdout.write(f"Loading {config.verbose_name} ...")
                loader(stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo people (one per role):"))
        width = max(len(username) for username, _, _ in rows)
        for username, password, role in rows:
            self.stdout.write(f"  {username.ljust(width)}  password {password}  ({role})")
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/")
