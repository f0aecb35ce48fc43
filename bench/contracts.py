"""Benchmark: the contract register at 500 and at 5,000 contracts (issue 12).

Builds a throwaway database (SQLite files in a temporary folder, or a PostgreSQL database beside BENCH_DATABASE_URL's
named after it with "_contracts", dropped afterwards: `bench.bench_database`) holding two councils, as bench/run.py
holds its sizes (bench.run.Sizes: the PostgreSQL schemas ``bench_x500`` and ``bench_x5000``, or two SQLite files):
each has the demo people, the six portfolios and the register's default settings, then generated contracts spread
over the six portfolios (values from £50k to £20m, ends from three years ago to five years ahead, risk scores, a RAG
for most of those approaching their end, a few of concern) and twelve quarterly register cycles frozen from them.
It measures, each round at 500 and then at 5,000 contracts back to back (bench.run.measure_interleaved), so the
machine's load falls on both alike, the median server time and queries of:

- the live register page (/contracts/), as a committee member;
- a portfolio's register in the latest cycle with the key data on top (/contracts/portfolios/CEF/);
- the key data of the latest cycle for all portfolios (contracts.selectors.key_data, in-process).

Target: each at 5,000 contracts within 1.5x its time at 500, in the same number of queries. (Until 1 December
2026 it timed all of 500 and then, a minute later, all of 5,000 in the same database grown: a change in the
machine's load between the two read as a miss, 1.59x on one run and 1.01x on the next.)

    .venv/bin/python bench/contracts.py
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/contracts.py --repeat 5
"""

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import bench_database, record  # noqa: E402 (after the path above)
from bench.run import Sizes, measure_interleaved, setup_django  # noqa: E402 (after the path above)

SMALL, LARGE = 500, 5_000
CYCLES = 12
RATIO_LIMIT = 1.5
PREFIX = "BENCH-"


def _people():
    from django.contrib.auth import get_user_model

    from bromley_portal.accounts.demo import ensure_demo_people

    ensure_demo_people()
    users = list(get_user_model().objects.order_by("pk"))
    return users


def _contract(rng, number, portfolio, people, today):
    from dateutil.relativedelta import relativedelta

    from contracts.models import Contract

    value = Decimal(round(10 ** rng.uniform(4.7, 7.3))).quantize(Decimal("1"))
    end = today + relativedelta(months=rng.randint(-36, 60), days=rng.randint(0, 27))
    months = rng.choice([12, 24, 36, 48, 60, 84])
    start = end - relativedelta(months=months) + timedelta(days=1)
    annual = (value * 12 / months).quantize(Decimal("1"))
    return Contract(
        council_id=f"{PREFIX}{number:05d}",
        title=f"Generated contract {number}",
        supplier=f"Supplier {number % 97} Ltd",
        portfolio=portfolio,
        owner=people[number % len(people)],
        approver=people[(number + 1) % len(people)],
        total_value=value,
        original_annual_value=annual,
        current_annual_value=annual if rng.random() < 0.7 else None,
        start_date=start,
        end_date=end,
        months_duration=months,
        capital=rng.random() < 0.08,
        concern=rng.random() < 0.02,
        illustrative=True,
    )


def grow_register(total: int, today: date) -> None:
    """Add generated contracts until the register has ``total``, each with risk scores and, when it is
    approaching its end, most often a RAG; work their figures out. Deterministic (a fixed seed)."""
    from django.db import transaction
    from django.utils import timezone

    from ambitions.services import ensure_portfolios
    from contracts import services
    from contracts.choices import ProcurementStatus
    from contracts.models import Contract, ProcurementRating, RiskCriterion, RiskScore

    services.ensure_register_settings()
    have = Contract.objects.count()
    rng = random.Random(total)  # noqa: S311 (generated benchmark data)
    portfolios = list(ensure_portfolios().values())
    people = _people()
    criteria = list(RiskCriterion.objects.all())
    with transaction.atomic():
        made = Contract.objects.bulk_create(
            _contract(rng, number, portfolios[number % len(portfolios)], people, today)
            for number in range(have, total)
        )
        RiskScore.objects.bulk_create(
            RiskScore(contract=c, criterion=criterion, score=rng.randint(0, 5))
            for c in made
            for criterion in criteria
        )
        services.refresh_risk(made)
        services.refresh_flags(made)
        flagged = Contract.objects.filter(pk__in=[c.pk for c in made], flagged_from__lte=today)
        rags = [ProcurementStatus.RED, ProcurementStatus.AMBER, ProcurementStatus.GREEN]
        ProcurementRating.objects.bulk_create(
            ProcurementRating(contract=c, rag=rng.choice(rags), set_at=timezone.now())
            for c in flagged
            if rng.random() < 0.85
        )


def freeze_cycles(today: date) -> int:
    """Twelve quarterly cycles, the latest as at the end of last month, frozen afresh. Returns the
    number of frozen entries."""
    from dateutil.relativedelta import relativedelta

    from contracts import services
    from contracts.models import RegisterCycle

    RegisterCycle.objects.all().delete()
    last = today.replace(day=1) - timedelta(days=1)
    entries = 0
    for back in range(CYCLES):
        as_at = last.replace(day=1) - relativedelta(months=3 * back)
        as_at = as_at + relativedelta(months=1) - timedelta(days=1)  # the month's last day
        cycle = RegisterCycle.objects.create(name=f"{as_at + timedelta(days=1):%B %Y}", as_at=as_at)
        entries += services.freeze_cycle(cycle)
    return entries


def rows_shown() -> str:
    """How many rows the two pages list (the register shows a page of 25, the CEF register a page of 50)."""
    from django.utils import timezone

    from contracts import selectors
    from contracts.models import Contract

    today = timezone.localdate()
    live = Contract.objects.in_register(today).count()
    cef = selectors.register_entries(selectors.latest_frozen_cycle()).filter(portfolio__code="CEF").count()
    return f"register {live} contracts, CEF latest cycle {cef} rows (pages of 25 and 50)"


def measured(sizes, size: int) -> dict:
    """What is timed at ``size``: each page with a signed-in committee member's client, and the selector."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from contracts import selectors

    sizes.use(size)
    cycle = selectors.latest_frozen_cycle()

    def key_data():  # as a page reads it: rows and totals
        selectors.key_data(cycle).rows  # noqa: B018

    client = Client()
    member = get_user_model().objects.get(username="member")
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    return {
        "register page /contracts/": (client, "/contracts/"),
        "CEF register + key data (latest cycle)": (client, "/contracts/portfolios/CEF/"),
        "key data, all portfolios (selector)": key_data,
    }


def build(sizes, size: int, today: date) -> str:
    """The council of ``size`` contracts in its own schema (file): migrated, grown, its cycles frozen."""
    from django.core.management import call_command
    from django.db import connection

    from contracts.models import Contract, RegisterEntry

    started = time.perf_counter()
    sizes.reset(size)
    call_command("migrate", verbosity=0)
    grow_register(size, today)
    entries = freeze_cycles(today)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a load this size (bench/run.py)
    return (
        f"{Contract.objects.count()} contracts, {CYCLES} cycles, {entries} frozen entries "
        f"({RegisterEntry.objects.count()} in the database); built in "
        f"{time.perf_counter() - started:.1f}s on {connection.vendor}; {rows_shown()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, bench_database(folder, "contracts") as database_url:
        setup_django(database_url)
        from django.utils import timezone

        today = timezone.localdate()
        sizes = Sizes(folder)
        for size in (SMALL, LARGE):
            print(build(sizes, size, today), flush=True)
        by_size = {size: measured(sizes, size) for size in (SMALL, LARGE)}
        results = {SMALL: {}, LARGE: {}}
        for name in by_size[SMALL]:
            timed = measure_interleaved(sizes, by_size, name, args.repeat)
            for size in (SMALL, LARGE):
                results[size][name] = timed[size]
        print(
            f"\nThe contract register at {SMALL} and {LARGE} contracts; target: at most {RATIO_LIMIT}x the time"
        )
        print(f"{'measure':42} {'x500 ms':>8} {'x5000 ms':>9} {'ratio':>6} {'queries':>9}  target")
        for name, (small_ms, small_queries) in results[SMALL].items():
            large_ms, large_queries = results[LARGE][name]
            ratio = large_ms / small_ms
            verdict = "met" if ratio <= RATIO_LIMIT and small_queries == large_queries else "MISSED"
            record("contracts", f"register {LARGE}/{SMALL}: {name}", f"{ratio:.2f}x, queries {small_queries}/"
                   f"{large_queries}", f"at most {RATIO_LIMIT}x", verdict)  # fmt: skip
            print(
                f"{name:42} {small_ms:8.1f} {large_ms:9.1f} {ratio:6.2f} "
                f"{small_queries:>4d}/{large_queries:<4d}  {verdict}"
            )


if __name__ == "__main__":
    main()
