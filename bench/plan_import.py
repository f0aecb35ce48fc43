"""The plan import (issue 17) against PostgreSQL ``COPY`` of the same rows.

A 10,000-row CSV (2,000 actions of five details, each with two measures and a lead) is imported as a
new plan, imported again unchanged, and imported again with every action changed; each is timed, with
its number of queries, and compared with ``COPY`` of the same CSV into a scratch table of the file's
columns (median of five copies, timed in the same process just before each import, so the ratio does
not move with the machine's load).

Target: the import at no less than a tenth of ``COPY``'s rows a second (aim: a quarter).

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
        from plans.models import PortfolioPlan

        load_seed_strategy()
        postgres = connection.vendor == "postgresql"
        PortfolioPlan.objects.filter(portfolio__code="CEF", year=2030).delete()
        table = []
        try:
            for name, data in [
                ("new plan", plan_csv(args.rows)),
                ("same file again", plan_csv(args.rows)),
                ("every action changed", plan_csv(args.rows, changed=True)),
            ]:
                copy = copy_median(data) if postgres else None
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    result = import_plan(io.BytesIO(data), "plan.csv", "CEF", "2030-31")
                    seconds = time.perf_counter() - started
                assert result.ok, result.errors[:5]
                table.append((name, seconds, len(queries), copy, " ".join(result.summary())))
        finally:
            PortfolioPlan.objects.filter(portfolio__code="CEF", year=2030).delete()

    print(f"Plan import of {args.rows:,} rows against COPY ({connection.vendor}); target ratio "
          f">= {RATIO_TARGET:.2f}, aim {RATIO_AIM:.2f}")  # fmt: skip
    print(f"| {'import':22} | {'seconds':>7} | {'queries':>7} | {'rows/s':>8} | {'COPY rows/s':>11} | "
          f"{'ratio':>6} | {'target':6} |")  # fmt: skip
    print(f"|{'-' * 24}|{'-' * 9}:|{'-' * 9}:|{'-' * 10}:|{'-' * 13}:|{'-' * 8}:|{'-' * 8}|")
    for name, seconds, queries, copy, _ in table:
        rate = args.rows / seconds
        copy_rate = args.rows / copy if copy else None
        ratio = rate / copy_rate if copy_rate else None
        verdict = (
            "-"
            if ratio is None
            else "aim"
            if ratio >= RATIO_AIM
            else "met"
            if ratio >= RATIO_TARGET
            else "MISSED"
        )
        print(
            f"| {name:22} | {seconds:7.2f} | {queries:7} | {rate:8,.0f} | "
            f"{f'{copy_rate:,.0f}' if copy_rate else '-':>11} | {f'{ratio:.3f}' if ratio else '-':>6} | {verdict:6} |"
        )
    for name, _, _, _, summary in table:
        print(f"{name}: {summary}")


if __name__ == "__main__":
    main()
