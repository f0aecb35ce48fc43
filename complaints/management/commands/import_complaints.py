from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bromley_portal.core.tabular import TableFileError
from complaints.importers import LAYOUTS, ImportFailed, import_file


class Command(BaseCommand):
    help = (
        "Import complaints, Ombudsman cases, remedies and compliments from the years before the portal: one "
        "Excel workbook (.xlsx) with the sheets complaints, ombudsman, remedies and compliments, or a CSV of "
        "one of them (the columns are in the README). All or nothing: a file with any bad row saves nothing. "
        "Importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx workbook or .csv file")
        parser.add_argument(
            "--sheet",
            choices=list(LAYOUTS),
            help="Which table a CSV holds (by default its header row decides)",
        )

    def handle(self, *args, file, sheet, **options):
        path = Path(file)
        try:
            handle = path.open("rb")
        except OSError as error:
            raise CommandError(f"Cannot open {path}: {error.strerror}") from None
        with handle:
            try:
                result = import_file(handle, path.name, sheet)
            except TableFileError as error:
                for problem in error.errors:
                    self.stderr.write(str(problem))
                raise CommandError("Nothing was imported.") from None
            except ImportFailed as error:
                for problem in error.problems:
                    self.stderr.write(str(problem))
                if error.more:
                    self.stderr.write(f"and {error.more} more problems, not listed")
                raise CommandError("Nothing was imported.") from None
        self.stdout.write(result.summary())
