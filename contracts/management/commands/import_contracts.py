from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contracts.importers import import_contracts


class Command(BaseCommand):
    help = (
        "Import contracts from a CSV or Excel (.xlsx) file with the Contracts Database extract's columns (as "
        "the register's CSV and Excel downloads have them). All or nothing: a file with any bad row changes "
        "nothing. Contracts are matched by contract ID; those not in the file are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .csv or .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report the changes, saving nothing"
        )
        parser.add_argument("--user", help="The username to record in the history as making the changes")

    def handle(self, *args, file, dry_run, user, **options):
        path = Path(file)
        user_obj = None
        if user:
            try:
                user_obj = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"Unknown user “{user}”") from None
        try:
            handle = path.open("rb")
        except OSError as error:
            raise CommandError(f"Cannot open {path}: {error.strerror}") from None
        with handle:
            result = import_contracts(handle, path.name, user=user_obj, dry_run=dry_run)
        if result.errors:
            for error in result.errors:
                column = f" ({error.column})" if error.column else ""
                self.stderr.write(
                    f"line {error.line}{column}: {error.message}" if error.line else error.message
                )
            if result.errors_not_listed:
                self.stderr.write(f"and {result.errors_not_listed} more problems, not listed")
            raise CommandError(" ".join(result.summary()))
        for change in result.changed:
            self.stdout.write(f"{change.council_id}: " + "; ".join(str(item) for item in change.changes))
        for line in result.summary():
            self.stdout.write(line)
