"""The plan import (issue 17) against PostgreSQL ``COPY`` of the same rows.

A 10,000-row CSV (2,000 actions of five details, each with two measures and a lead) is imported as a
new plan, imported again unchanged, and imported again with every action changed; each is timed, with
its number of queries, and compared with:

* ``COPY`` of the same rows (the target's measure): every row the new plan's import writes (the plan,
  sections, actions and their portfolios, details, leads, measures, and the history of each: about
  86,000 rows in 12 tables), copied by psycopg's ``COPY ... FROM STDIN`` into the tables the import
  writes them to, with their indexes, rolled back (``bench.written_rows``); median of five copies
  before the imports (they need the plan, and any post the import creates, absent);
* for reference, ``COPY`` of the CSV into one unindexed scratch table of the file's columns: what the
  file costs PostgreSQL to read, with nothing checked, split or linked.

Target: the import at no less than a tenth of the speed of ``COPY`` of the same rows (aim: a quarter).
The re-imports are held to the new plan's ``COPY``: re-importing a plan should cost no more than
writing it.

    BENCH_DATABASE_URL=postgresql://... .venv/bin/python bench/plan_import.py [--rows 10000]

Uses the database in BENCH_DATABASE_URL, else DATABASE_URL (migrated and given the strategy here; the
plan it writes is deleted at the end), or a throwaway SQLite one (then without ``COPY``).
"""

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import record  # noqa: E402 (after the path above)

RATIO_TARGET, RATIO_AIM = 0.10, 0.25
SCRATCH = "CREATE TEMPORARY TABLE bench_plan_rows ({}) ON COMMIT DROP"


def plan_csv(rows: int, changed: bool = False) -> bytes:
    from plans.spreadsheet import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    details = 5
    for index in range(rows // details):
        ambition, number = index % 5 + 1, index // 5 + 1
        for letter in "abcde"[:details]:
            writer.writerow(
                [
                    "CEF 2030-31",
                    f"Ambition {ambition}",
                    number,
                    f"Action {ambition}.{number}{' (changed)' if changed else ''}" if letter == "a" else "",
                    f"{letter}) Detail {letter} of action {ambition}.{number}",
                    f"Measure one of {letter}\nMeasure two of {letter}",
                    "April 2031 (AP)" if letter == "e" else "Sept 2030",
                    "Director Education; Head of Early Years" if changed else "Director Education",
                    "",
                ]
            )
    return out.getvalue().encode()


def copy_median(data: bytes, repeat: int = 5) -> float:
    """The median time to COPY the CSV into a scratch table of its columns (rolled back)."""
    from bench import copy_seconds
    from plans.spreadsheet import COLUMNS

    columns = ", ".join(f"c{index} text" for index in range(len(COLUMNS)))
    return statistics.median(
        copy_seconds(SCRATCH.format(columns), "bench_plan_rows", data) for _ in range(repeat)
    )


def remove_plan() -> None:
    """The benchmark's plan deleted, in one transaction whose stored counts are refreshed once: outside a
    batch, each of its 2,000 actions' and 10,000 details' deletions would refresh them (issue 17's note)."""
    from django.db import transaction

    from plans import counts
    from plans.models import PortfolioPlan

    with transaction.atomic(), counts.batch():
        PortfolioPlan.objects.filter(portfolio__code="CEF", year=2030).delete()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        from bench.run import setup_django

        setup_django(
            os.environ.get("BENCH_DATABASE_URL")
            or os.environ.get("DATABASE_URL")
            or f"sqlite:///{folder}/bench.sqlite3"
        )
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        call_command("migrate", verbosity=0)
        from ambitions.services import load_seed_strategy
        from plans.importers import import_plan

        load_seed_strategy()
        postgres = connection.vendor == "postgresql"
        remove_plan()
        written = {}
        if postgres:
            from bench import copy_written_seconds, row_count, written_rows

            written = written_rows(
                lambda: import_plan(io.BytesIO(plan_csv(args.rows)), "plan.csv", "CEF", "2030-31")
            )
        # COPY of the written rows needs the plan (and any post the import creates) absent: timed before
        copies = [copy_written_seconds(written) for _ in range(5)] if postgres else []
        table = []
        try:
            for name, data in [
                ("new plan", plan_csv(args.rows)),
                ("same file again", plan_csv(args.rows)),
                ("every action changed", plan_csv(args.rows, changed=True)),
            ]:
                file_copy = copy_median(data) if postgres else None
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    result = import_plan(io.BytesIO(data), "plan.csv", "CEF", "2030-31")
                    seconds = time.perf_counter() - started
                assert result.ok, result.errors[:5]
                table.append((name, seconds, len(queries), file_copy, " ".join(result.summary())))
        finally:
            remove_plan()
        copy = statistics.median(copies) if copies else None

    print(f"Plan import of {args.rows:,} rows against COPY ({connection.vendor}); target ratio "
          f">= {RATIO_TARGET:.2f}, aim {RATIO_AIM:.2f}")  # fmt: skip
    if written:
        print(f"COPY of the same rows: the new plan's {row_count(written):,} rows, {copy:.3f} s in {len(written)} tables ("
              + ", ".join(f"{t} {d.count(bytes([10])):,}" for t, d in written.items()) + ")")  # fmt: skip
    print(f"| {'import':22} | {'seconds':>7} | {'queries':>7} | {'COPY of written rows s':>22} | {'ratio':>5} | "
          f"{'target':7} | {'COPY of the file s':>18} | {'ratio to it':>11} |")  # fmt: skip
    print(f"|{'-' * 24}|{'-' * 8}:|{'-' * 8}:|{'-' * 23}:|{'-' * 6}:|{'-' * 9}|{'-' * 19}:|{'-' * 12}:|")
    for name, seconds, queries, file_copy, _ in table:
        ratio = copy / seconds if copy else None
        verdict = (
            "-"
            if ratio is None
            else "aim met"
            if ratio >= RATIO_AIM
            else "met"
            if ratio >= RATIO_TARGET
            else "MISSED"
        )
        if ratio is not None:
            record("plan_import", f"plan import, {args.rows:,} rows, {name}: speed / COPY of the written rows",
                   f"{ratio:.2f} ({seconds:.2f} s vs {copy:.3f} s)", f"at least {RATIO_TARGET:.2f} (aim "
                   f"{RATIO_AIM:.2f})", verdict)  # fmt: skip
        print(
            f"| {name:22} | {seconds:7.2f} | {queries:7} | {f'{copy:.3f}' if copy else '-':>22} | "
            f"{f'{ratio:.2f}' if ratio else '-':>5} | {verdict:7} | {f'{file_copy:.3f}' if file_copy else '-':>18} | "
            f"{f'{file_copy / seconds:.3f}' if file_copy else '-':>11} |"
        )  # fmt: skip
    for name, _, _, _, summary in table:
        print(f"{name}: {summary}")


if __name__ == "__main__":
    main()
