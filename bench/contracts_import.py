"""Benchmark: the contracts import (issue 17) against PostgreSQL ``COPY`` of the same rows.

A generated register of a large council as the import takes it: a CSV with the register's Part 1
columns (``contracts.importers.COLUMNS``), one row per contract, none of them in the portal yet. It
times, median of ``--repeat`` runs:

* the import: ``contracts.importers.import_contracts`` on the file, as the import page's confirmation
  runs it (read the file, check every row, save the contracts with their risk index, flag date and
  history), each run in a transaction rolled back afterwards, so every run imports the same register;
* ``COPY`` of the same rows: every row the import writes (the contracts and their history), copied by
  psycopg's ``COPY ... FROM STDIN`` into the tables the import writes them to, with their indexes and
  foreign keys checked, also rolled back (``bench.compare_with_copy``);
* for reference, ``COPY`` of the CSV into one unindexed scratch table with the file's columns, typed
  (money as numeric, dates as dates): what the file costs PostgreSQL to read, with nothing checked.

Target (issue 17): the import at no less than a tenth of the speed of ``COPY`` of the same rows, aiming
for a quarter.

It needs PostgreSQL: BENCH_DATABASE_URL, or else DATABASE_URL (it migrates that database and leaves its
data as it was: everything is rolled back).

    .venv/bin/python bench/contracts_import.py
    .venv/bin/python bench/contracts_import.py --rows 500 --repeat 3   # a quick check that it runs
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

RATIO_TARGET, RATIO_AIM = 0.10, 0.25
SCRATCH = """CREATE TEMPORARY TABLE bench_contract_rows (
    contract_id varchar(50), owner varchar(150), approver varchar(150), title varchar(255),
    supplier varchar(255), portfolio varchar(100), total_value numeric(14, 2),
    original_annual_value numeric(14, 2), current_annual_value numeric(14, 2), start_date date,
    end_date date, months smallint, attention varchar(20), capital varchar(20)
) ON COMMIT DROP"""
SERVICES = ["Home care", "Street cleansing", "Library management", "Parking enforcement", "Legal advice",
            "Facilities management", "Supported living", "IT support", "Highways maintenance", "Catering"]  # fmt: skip
SUPPLIERS = ["Acme Services Ltd", "Borough Care plc", "Kent Facilities Ltd", "Greenway Ltd", "Civic IT Ltd"]


def generated_rows(count: int, rng: random.Random) -> list[list[str]]:
    """``count`` contracts as the register's export writes them."""
    from django.contrib.auth import get_user_model

    from ambitions.services import ensure_portfolios
    from bromley_portal.accounts.demo import ensure_demo_people

    ensure_demo_people()
    people = list(get_user_model().objects.order_by("pk").values_list("username", flat=True))
    portfolios = [p.code for p in ensure_portfolios().values()]
    today = date(2026, 4, 1)
    rows = []
    for number in range(1, count + 1):
        months = rng.choice([12, 24, 36, 48, 60, 84])
        start = today - timedelta(days=rng.randrange(0, 5 * 365))
        end = start + timedelta(days=months * 30)
        annual = rng.randrange(5_000, 4_000_000)
        rows.append([
            f"BI-{number:06d}", rng.choice(people), rng.choice(people),
            f"{rng.choice(SERVICES)} {number}", rng.choice(SUPPLIERS), rng.choice(portfolios),
            f"{annual * months // 12}.00", f"{annual}.00", f"{annual + rng.randrange(0, 50_000)}.00",
            f"{start:%d/%m/%Y}", f"{end:%d/%m/%Y}", str(months), "", rng.choice(["Capital", "Revenue"]),
        ])  # fmt: skip
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    from contracts.importers import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


class Rollback(Exception):
    pass


def time_import(data: bytes, count: int) -> float:
    """Seconds to import the file, saved and then rolled back."""
    from django.db import transaction

    from contracts.importers import import_contracts

    try:
        with transaction.atomic():
            started = time.perf_counter()
            result = import_contracts(io.BytesIO(data), "contracts.csv")
            seconds = time.perf_counter() - started
            if result.errors or len(result.created) != count:
                raise SystemExit(f"the import did not add {count} contracts: {result.errors[:3]}")
            raise Rollback
    except Rollback:
        pass
    return seconds


def time_copy(data: bytes, count: int) -> float:
    """Seconds to COPY the same rows as CSV into a scratch table (rolled back)."""
    return copy_seconds(SCRATCH, "bench_contract_rows", data, count, "SET LOCAL datestyle = 'ISO, DMY'")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5_000, help="contracts in the register's file")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/contracts_import.py compares with PostgreSQL COPY: set BENCH_DATABASE_URL "
                         "(or DATABASE_URL) to a PostgreSQL database")  # fmt: skip
    setup_django(url)
    from django.core.management import call_command

    from contracts import services

    call_command("migrate", verbosity=0)
    services.ensure_register_settings()
    rows = generated_rows(args.rows, random.Random(17))  # noqa: S311 (generated benchmark data)
    text = as_csv(rows)
    print(f"A register of {len(rows):,} new contracts; CSV {len(text) / 1024:,.0f} KB")
    from contracts.importers import import_contracts

    compare_with_copy(
        "Contracts import",
        len(rows),
        lambda: import_contracts(io.BytesIO(text), "contracts.csv"),
        lambda: time_import(text, len(rows)),
        lambda: time_copy(text, len(rows)),
        repeat=args.repeat,
        target=RATIO_TARGET,
        aim=RATIO_AIM,
    )


if __name__ == "__main__":
    main()
