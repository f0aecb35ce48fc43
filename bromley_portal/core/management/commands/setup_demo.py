from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from bromley_portal.accounts.demo import ensure_demo_people
from bromley_portal.core import pagecache
from bromley_portal.core.demo import demo_data


class Command(BaseCommand):
    help = (
        "Load the council's reference data and demo records, and one demo person per role. "
        "Safe to run again: it updates rather than duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            default=settings.PORTAL_BASE_URL,
            help="The address the portal is served at, to print (default: PORTAL_BASE_URL, which `make run "
            "PORT=...` sets).",
        )

    def handle(self, *args, **options):
        rows = ensure_demo_people()  # first, so apps can give the demo people posts
        # Each app registers its loader in AppConfig.ready() (bromley_portal.core.demo).
        for item in demo_data():
            self.stdout.write(f"Loading {item.label} ...")
            item.loader(self.stdout)
        # The loaders write in bulk (no signals): pages cached before are out of date.
        pagecache.bump()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo people (one per role):"))
        width = max(len(username) for username, _, _ in rows)
        for username, password, role in rows:
            self.stdout.write(f"  {username.ljust(width)}  password {password}  ({role})")
        self.stdout.write(f"Sign in at {options['url'].rstrip('/')}{reverse('login')}")
