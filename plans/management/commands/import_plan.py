import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ambitions.models import Portfolio
from bromley_portal.core.financial_year import FinancialYear
from plans.importers import import_plan
from plans.models import ReportingPeriod


class Command(BaseCommand):
    help = (
        "Import a portfolio plan from a CSV or Excel (.xlsx) file laid out like the plan table "
        "(a row per detail, as a plan's spreadsheet download has it). All or nothing: a file with any bad row "
        "changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .csv or .xlsx file")
        parser.add_argument("--portfolio", required=True, help="The portfolio's code, e.g. CEF")
        parser.add_argument("--year", required=True, help="The financial year, e.g. 2023-24")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report, saving nothing"
        )
        parser.add_argument("--user", help="The username to record in the history as making the changes")
        parser.add_argument(
            "--updates-period",
            help="Record the Update column as this period's published updates, e.g. '2023-24 Q4'",
        )

    def handle(self, *args, file, portfolio, year, dry_run, user, updates_period, **options):
        path = Path(file)
        period = None
        if updates_period:
            match = re.fullmatch(r"\s*(\S+)\s+Q([1-4])\s*", updates_period)
            try:
                start_year = FinancialYear.parse(match[1]).start_year if match else None
            except ValueError:
                start_year = None
            period = ReportingPeriod.objects.filter(year=start_year, quarter=match[2] if match else 0).first()
            if period is None:
                raise CommandError(f"No reporting period “{updates_period}”: write it as 2023-24 Q4")
        try:
            portfolio_obj = Portfolio.objects.get(code__iexact=portfolio)
        except Portfolio.DoesNotExist:
            codes = ", ".join(Portfolio.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"Unknown portfolio “{portfolio}”: the portfolios are {codes}") from None
        try:
            financial_year = FinancialYear.parse(year)
        except ValueError as error:
            raise CommandError(str(error)) from None
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
            result = import_plan(
                handle,
                path.name,
                portfolio_obj,
                financial_year,
                user=user_obj,
                dry_run=dry_run,
                updates_period=period,
            )

        if result.errors:
            for error in result.errors:
                self.stderr.write(f"line {error.line}: {error.message}" if error.line else error.message)
            if result.errors_not_listed:
                self.stderr.write(f"and {result.errors_not_listed} more problems, not listed")
            raise CommandError(" ".join(result.summary()))
        for line in result.summary():
            self.stdout.write(line)
        if result.plan is not None and not dry_run:
            self.stdout.write(self.style.SUCCESS(f"Imported into {result.plan_label}."))
