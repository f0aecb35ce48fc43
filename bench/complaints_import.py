"""Benchmark: the complaints import (issue 13) against PostgreSQL ``COPY`` of the same rows.

One generated financial year of a large council as the import takes it: a workbook whose complaints sheet
has 10,000 rows, one per aspect (about 3,300 complaints naming one to three services each), in the
report's own words. It times, median of ``--repeat`` runs:

* the import: ``complaints.importers.import_file`` on the workbook, as the import page's confirmation
  runs it (read the workbook, check every row, save the complaints, mentions and aspects with their
  history), each run in a transaction rolled back afterwards, so every run imports the same year into
  the same database;
* ``COPY`` of the same rows: every row the import writes (complaints, mentions, aspects and the history
  of each), copied by psycopg's ``COPY ... FROM STDIN`` into the tables the import writes them to, with
  their indexes and foreign keys checked, also rolled back (``bench.compare_with_copy``);
* for reference, ``COPY`` of the sheet's rows as CSV into one unindexed scratch table with the sheet's
  columns, typed (dates as dates): what the file costs PostgreSQL to read, with nothing checked or linked.

Target (issue 17): the import at no less than a tenth of the speed of ``COPY`` of the same rows, aiming
for a quarter.

It needs PostgreSQL: BENCH_DATABASE_URL, or else DATABASE_URL (it migrates that database and leaves its
data as it was: everything is rolled back).

    .venv/bin/python bench/complaints_import.py
    .venv/bin/python bench/complaints_import.py --rows 1000 --repeat 3   # a quick check that it runs
"""

import argparse
import csv
import io
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import compare_with_copy, copy_seconds  # noqa: E402 (after the path above)
from bench.run import setup_django  # noqa: E402 (after the path above)

YEAR = 2024  # a financial year before the Complaint Handling Code: the import's typical use
RATIO_TARGET, RATIO_AIM = 0.10, 0.25
COLUMNS = ["reference", "received", "channel", "procedure", "stage", "division", "service", "mention",
           "aspect", "outcome", "responded", "extended_to"]  # fmt: skip
SCRATCH = """CREATE TEMPORARY TABLE bench_complaint_rows (
    reference varchar(30), received date, channel varchar(40), procedure varchar(60), stage smallint,
    division varchar(100), service varchar(100), mention smallint, aspect varchar(60), outcome varchar(40),
    responded date, extended_to date
) ON COMMIT DROP"""


def generated_rows(count: int, rng: random.Random) -> list[list[str]]:
    """``count`` rows of the complaints sheet for one financial year, as a spreadsheet holds them."""
    from complaints.choices import AspectOutcome, AspectType, Channel, Procedure
    from complaints.models import Division, Service

    divisions = list(Division.objects.order_by("order"))
    services = {d.pk: [s.name for s in Service.objects.filter(division=d)] for d in divisions}
    procedures = {d.pk: Procedure(d.procedure).label for d in divisions}
    decided = [
        AspectOutcome.UPHELD.label,
        AspectOutcome.PARTIALLY_UPHELD.label,
        AspectOutcome.NOT_UPHELD.label,
    ]
    starts = date(YEAR, 4, 1)
    rows: list[list[str]] = []
    number = 0
    while len(rows) < count:
        number += 1
        received = starts + timedelta(days=rng.randrange(360))
        ongoing = rng.random() < 0.02
        responded = "" if ongoing else (received + timedelta(days=rng.randrange(5, 40))).isoformat()
        channel = rng.choice(Channel.labels)
        first = rng.choice(divisions)
        for mention in range(1, rng.choice([1, 1, 2, 2, 3]) + 1):
            division = first if mention == 1 else rng.choice(divisions)
            service = rng.choice(services[division.pk] + [""]) if services[division.pk] else ""
            for _ in range(rng.choice([1, 1, 2, 3, 4])):
                if len(rows) == count:
                    break
                if ongoing:
                    outcome = AspectOutcome.ONGOING.label
                elif division.records_outcomes:
                    outcome = rng.choice(decided)
                else:
                    outcome = AspectOutcome.NOT_KNOWN.label
                rows.append([
                    f"BI{YEAR}-{number:06d}", received.isoformat(), channel, procedures[first.pk], "1",
                    division.name, service, str(mention), rng.choice(AspectType.labels), outcome, responded, "",
                ])  # fmt: skip
    return rows


def workbook(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("complaints")
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


class Rollback(Exception):
    pass


def time_import(data: bytes, count: int) -> float:
    """Seconds to import the workbook, saved and then rolled back."""
    from django.db import transaction

    from complaints.importers import import_file

    try:
        with transaction.atomic():
            started = time.perf_counter()
            result = import_file(io.BytesIO(data), "complaints-year.xlsx")
            seconds = time.perf_counter() - started
            if result.created["aspects"] != count:
                raise SystemExit(f"the import added {result.created['aspects']} aspects, not {count}")
            raise Rollback
    except Rollback:
        pass
    return seconds


def time_copy(data: bytes, count: int) -> float:
    """Seconds to COPY the same rows as CSV into a scratch table (rolled back)."""
    return copy_seconds(SCRATCH, "bench_complaint_rows", data, count)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help="aspects in the year's workbook")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/complaints_import.py compares with PostgreSQL COPY: set BENCH_DATABASE_URL "
                         "(or DATABASE_URL) to a PostgreSQL database")  # fmt: skip
    setup_django(url)
    from django.core.management import call_command

    from complaints.services import load_divisions

    call_command("migrate", verbosity=0)
    load_divisions()
    rows = generated_rows(args.rows, random.Random(13))  # noqa: S311 (generated benchmark data)
    book, text = workbook(rows), as_csv(rows)
    print(f"One year: {len(rows):,} aspects of {len({r[0] for r in rows}):,} complaints; workbook "
          f"{len(book) / 1024:,.0f} KB, CSV {len(text) / 1024:,.0f} KB")  # fmt: skip
    from complaints.importers import import_file

    compare_with_copy(
        "Complaints import",
        len(rows),
        lambda: import_file(io.BytesIO(book), "complaints-year.xlsx"),
        lambda: time_import(book, len(rows)),
        lambda: time_copy(text, len(rows)),
        repeat=args.repeat,
        target=RATIO_TARGET,
        aim=RATIO_AIM,
    )


if __name__ == "__main__":
    main()
