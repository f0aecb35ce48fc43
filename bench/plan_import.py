"""How long a large plan import takes: a 5,000-row CSV (1,000 actions of five details) imported as a new
plan, imported again unchanged, and imported again with every action changed.

    BENCH_DATABASE_URL=postgresql://... .venv/bin/python bench/plan_import.py [--rows 5000]

Uses the database in BENCH_DATABASE_URL (migrated and given the strategy here; the plan it writes is
deleted at the end), or a throwaway SQLite one.
"""

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        from bench.run import setup_django

        setup_django(os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3")
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from ambitions.services import load_seed_strategy
        from plans.importers import import_plan
        from plans.models import PortfolioPlan

        load_seed_strategy()
        PortfolioPlan.objects.filter(portfolio__code="CEF", year=2030).delete()
        try:
            for name, data in [
                ("new plan", plan_csv(args.rows)),
                ("same file again", plan_csv(args.rows)),
                ("every action changed", plan_csv(args.rows, changed=True)),
            ]:
                started = time.perf_counter()
                result = import_plan(io.BytesIO(data), "plan.csv", "CEF", "2030-31")
                seconds = time.perf_counter() - started
                assert result.ok, result.errors[:5]
                print(f"{args.rows} rows, {name:22} {seconds:7.2f} s  ({' '.join(result.summary())})")
        finally:
            PortfolioPlan.objects.filter(portfolio__code="CEF", year=2030).delete()


if __name__ == "__main__":
    main()
