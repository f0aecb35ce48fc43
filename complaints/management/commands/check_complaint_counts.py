from django.core.management.base import BaseCommand

from complaints.counts import check_and_repair


class Command(BaseCommand):
    help = (
        "Recount every financial year's complaints and aspects and compare with the stored yearly counts the "
        "statistics dashboard reads (complaints.counts): report any difference and repair it. Exits with "
        "status 1 when a difference was found."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report differences, repairing nothing")

    def handle(self, *args, dry_run=False, **options):
        found = check_and_repair(repair=not dry_run)
        for drift in found:
            self.stdout.write(f"Differs: {drift}")
        if not found:
            self.stdout.write("The stored complaint counts agree with what they count.")
            return
        done = "left as they are (dry run)" if dry_run else "repaired"
        self.stdout.write(f"{len(found)} year{'s' * (len(found) != 1)} differed: {done}.")
        raise SystemExit(1)
