"""Benchmark: the contract register's Part 1 extract, pages per second and the renderer's peak memory.

Builds a throwaway database (SQLite in a temporary folder, or BENCH_DATABASE_URL) with seed 004's CEF
register frozen as September 2022, and a generated portfolio register long enough for an extract of at
least 1,000 landscape pages (``--pages``), frozen as a cycle of its own. Renders two Part 1 extracts, each in a fresh process as
a worker would (``rendering.render_report_to_pdf``, the worker's own code), and reports each one's page
count, its fastest time and the process's peak resident memory (ru_maxrss: WeasyPrint's C libraries too).

Targets (issues 12 and 17): the long extract renders at no fewer pages per second than half the CEF
extract's rate, and the renderer stays under 1 GB at 1,000 pages and more. The long extract is laid out in
parts of ``contracts.reports.ROWS_PER_PART`` rows, each written to a file, and merged from the files one
part at a time (bromley_portal/reports/merging.py), so its memory is about one part's whatever its length.

    .venv/bin/python bench/contract_extract.py
    .venv/bin/python bench/contract_extract.py --repeat 3 --pages 300
"""

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import bench_database, record, run_child  # noqa: E402 (after the path above)
from bench.reports import setup_django  # noqa: E402

MEMORY_LIMIT_MB = 1024
LONG_PORTFOLIO = "ACH"


# Generated contracts per landscape page of the extract (measured: 22,000 contracts made 989 pages; about
# five in eight of them are in the frozen register, at about 14 rows a page).
ROWS_PER_PAGE = 24


def _contracts_for(pages: int) -> int:
    """About how many generated contracts make ``pages`` pages."""
    return pages * ROWS_PER_PAGE


def build_database() -> dict:
    from django.core.management import call_command

    from ambitions.models import Portfolio
    from ambitions.services import load_seed_strategy
    from contracts.models import RegisterCycle
    from contracts.seeds import load_seed_register

    call_command("migrate", verbosity=0)
    load_seed_strategy()
    september = load_seed_register()["september"][0]
    cef = Portfolio.objects.get(code="CEF")
    return {
        "cef": {"portfolio": cef.pk, "cycle": september.pk},
        "long_cycle": lambda count: _long_cycle(count, RegisterCycle),
    }


def _long_cycle(count: int, RegisterCycle) -> dict:
    """``count`` generated contracts in one portfolio, frozen as a cycle as at today."""
    from django.db import transaction

    from ambitions.models import Portfolio
    from bench.contracts import _contract, _people
    from contracts import services
    from contracts.models import Contract

    today = date.today()
    portfolio = Portfolio.objects.get(code=LONG_PORTFOLIO)
    rng = random.Random(count)  # noqa: S311 (generated benchmark data)
    people = _people()
    services.ensure_register_settings()
    with transaction.atomic():
        made = Contract.objects.bulk_create(
            _contract(rng, 100_000 + number, portfolio, people, today) for number in range(count)
        )
        services.refresh_risk(made)
        services.refresh_flags(made)
    cycle = RegisterCycle.objects.create(name=f"Benchmark {today:%B %Y}", as_at=today)
    services.freeze_cycle(cycle)
    return {"portfolio": portfolio.pk, "cycle": cycle.pk}


def child(parameters: dict, repeat: int) -> None:
    """In a fresh process: render the extract ``repeat`` times and print what it cost."""
    from django.db import connection

    from bromley_portal.reports.rendering import render_report_to_pdf

    timings, cpu, pages = [], [], 0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        rendered = render_report_to_pdf("contracts_part_1", parameters)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        pages = rendered.page_count
    connection.close()
    # Kilobytes on Linux; the renderer starts no processes of its own, but any it did would count.
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(json.dumps({"pages": pages, "seconds": min(timings), "cpu": min(cpu), "peak_mb": peak_kb / 1024}))


def measure(database_url: str, parameters: dict, repeat: int) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url}
    result = run_child(__file__, "--child", json.dumps(parameters), "--repeat", str(repeat), env=env)
    result["rate"] = result["pages"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=1, help="renders per extract; the fastest counts")
    parser.add_argument("--pages", type=int, default=1000, help="at least how long the long extract is")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django(os.environ["DATABASE_URL"])
        child(json.loads(args.child), args.repeat)
        return
    with tempfile.TemporaryDirectory() as folder, bench_database(folder, "extract") as database_url:
        setup_django(database_url)
        built = build_database()
        short = measure(database_url, built["cef"], args.repeat)
        count = _contracts_for(args.pages)
        long = measure(database_url, built["long_cycle"](count), args.repeat)
    # CPU seconds too: on a shared machine the wall-clock rate moves with other people's work.
    print(f"{'Part 1 extract':36} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'CPU s':>8} {'peak MB':>8}")
    for name, result in [("CEF, September 2022 (seed 004)", short), (f"{count:,} generated contracts", long)]:
        print(
            f"{name:36} {result['pages']:6d} {result['seconds']:8.2f} {result['rate']:8.2f} "
            f"{result['cpu']:8.2f} {result['peak_mb']:8.0f}"
        )
    if long["pages"] < args.pages:
        print(f"the generated register made {long['pages']} pages, fewer than the {args.pages} asked for")
    rate_ok = long["rate"] >= short["rate"] / 2
    memory_ok = max(short["peak_mb"], long["peak_mb"]) < MEMORY_LIMIT_MB
    record("contract_extract", f"register extract of {long['pages']:,} pages: pages/s vs the CEF extract",
           f"{long['rate'] / short['rate']:.2f}x (CPU {(long['pages'] / long['cpu']) / (short['pages'] / short['cpu']):.2f}x)",
           "at least 0.5x", "met" if rate_ok else "MISSED")  # fmt: skip
    record("contract_extract", f"register extract of {long['pages']:,} pages: peak memory",
           f"{max(short['peak_mb'], long['peak_mb']):.0f} MB", f"under {MEMORY_LIMIT_MB} MB",
           "met" if memory_ok else "MISSED")  # fmt: skip
    print(
        f"long extract at {long['rate'] / short['rate']:.2f}x the CEF extract's pages per second "
        f"(target at least 0.5x): {'met' if rate_ok else 'MISSED'} (in CPU time: "
        f"{(long['pages'] / long['cpu']) / (short['pages'] / short['cpu']):.2f}x); peak memory "
        f"{max(short['peak_mb'], long['peak_mb']):.0f} MB (target under {MEMORY_LIMIT_MB}): "
        f"{'met' if memory_ok else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
