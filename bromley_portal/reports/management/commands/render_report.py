"""Render a committee report synchronously, for scripts and for checking.

    python manage.py render_report plan_progress plan="CEF 2023-24" period="2023-24 Q4" --output cef.pdf
    python manage.py render_report --list

It validates the parameters with the report's own form and renders through the same
code as the worker (rendering.render_report_to_pdf), but writes a file instead of a job.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bromley_portal.reports import registry, rendering
from bromley_portal.reports.choices import Classification
from bromley_portal.reports.registry import ReportError


class Command(BaseCommand):
    help = "Render a committee report to a PDF file, synchronously, as the worker would."

    def add_arguments(self, parser):
        parser.add_argument("report_type", nargs="?", help="A report's name (see --list).")
        parser.add_argument("parameters", nargs="*", metavar="key=value", help="The report's parameters.")
        parser.add_argument("--output", "-o", help="Where to write the PDF.")
        parser.add_argument(
            "--list", dest="list_reports", action="store_true", help="List the reports and their parameters."
        )

    def handle(self, *args, report_type=None, parameters=(), output=None, list_reports=False, **options):
        if list_reports or not report_type:
            for item in registry.all_types():
                names = ", ".join(item.form_class().fields)
                label = Classification(item.classification).label
                self.stdout.write(f"{item.name}: {item.title}, {label}. Parameters: {names}")
            if not list_reports:
                raise CommandError("Name a report to render.")
            return
        if not output:
            raise CommandError("Say where to write the PDF with --output FILE.pdf")
        values = {}
        for item in parameters:
            key, separator, value = item.partition("=")
            if not separator or not key:
                raise CommandError(f"{item!r} is not key=value")
            values[key.strip()] = value
        try:
            rendered = rendering.render_report_to_pdf(
                report_type,
                values,
                progress=lambda stage, percent: self.stderr.write(f"{percent:3d}% {stage}"),
            )
        except ReportError as error:
            raise CommandError(str(error)) from error
        Path(output).write_bytes(rendered.pdf)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output}: {rendered.title}, {rendered.page_count} pages, {len(rendered.pdf):,} bytes"
            )
        )
