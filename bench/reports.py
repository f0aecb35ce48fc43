"""Benchmark: committee report rendering, pages per second and the renderer's peak memory.

Builds a throwaway database (SQLite in a temporary folder, or a PostgreSQL database beside BENCH_DATABASE_URL's, dropped after) with the
council's strategy and plans, adds a generated plan ten times the length of the CEF 2023-24
plan, and renders two reports, each in a fresh process as a worker would:

- the CEF 2023-24 quarter 4 progress report;
- the same report for the generated plan (ten copies of every action, with updates);
- the exception report for the generated plan: a page for each of its red and amber actions
  (about two in seven of its actions) and each measure off target, with the seed's measures loaded.

Each child process renders its report ``--repeat`` times through the same code as the
worker (rendering.render_report_to_pdf) and reports its page count, its fastest time and
its own peak resident memory (ru_maxrss: the whole process, WeasyPrint's C libraries
included, which tracemalloc cannot see).

Targets: the long report renders at no fewer pages per second than half the short one's
rate, and the renderer stays under 1 GB (the exception report too).

    .venv/bin/python bench/reports.py            # prints both and whether the targets hold
    .venv/bin/python bench/reports.py --repeat 1
"""

import argparse
import json
import os
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import bench_database, record, run_child  # noqa: E402 (after the path above)

MEMORY_LIMIT_MB = 1024
LONGER = 10


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "false")
    # With DEBUG off the settings refuse the demo key: a throwaway database gets a throwaway key.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bromley_portal.settings")
    import django

    django.setup()


def build_database() -> dict[str, dict]:
    """Load the seed data and a plan ten times longer; return the parameters of each report."""
    from django.core.management import call_command
    from django.db.models import Prefetch

    from ambitions.models import Portfolio
    from ambitions.services import load_seed_strategy
    from bench.generate import copy_spec
    from plans.builders import PlanSpec, build_plan, section_spec_from
    from plans.choices import Rag
    from plans.models import Action, PortfolioPlan, ReportingPeriod
    from plans.seeds import load_seed_measures, load_seed_plans

    call_command("migrate", verbosity=0)
    load_seed_strategy()
    load_seed_plans()
    load_seed_measures()
    source = PortfolioPlan.objects.get(portfolio__code="CEF", year=2023)
    period = ReportingPeriod.objects.get(year=2023, quarter=3)  # seed 001's updates report quarter 3
    rags = [Rag.GREEN, Rag.AMBER, Rag.GREEN, Rag.RED, Rag.COMPLETE, Rag.GREEN, ""]
    sections = []
    index = 0
    actions = Action.objects.prefetch_related(
        "details__leads__post", "details__measures_of_success", "updates__period", "portfolios"
    ).order_by("number")
    for section in source.sections.select_related("ambition").prefetch_related(Prefetch("actions", actions)):
        copies = []
        for action in section.actions.all():
            for _ in range(LONGER):
                index += 1
                copy = copy_spec(action, len(copies) + 1)
                for update in copy.updates:
                    update.rag = rags[index % len(rags)]
                copies.append(copy)
        sections.append(section_spec_from(section, copies))
    long_plan = build_plan(
        PlanSpec(
            portfolio=Portfolio.objects.get(code="ACH"),
            year=2023,
            title=f"A generated plan {LONGER} times the CEF 2023-24 plan",
            section_kind=source.section_kind,
            sections=sections,
        ),
        reason="Benchmark plan",
    )
    return {
        "CEF 2023-24 Q3 progress": ("plan_progress", {"plan": source.pk, "period": period.pk}),
        f"plan {LONGER}x longer, Q3 progress": ("plan_progress", {"plan": long_plan.pk, "period": period.pk}),
        f"plan {LONGER}x longer, Q3 exceptions": (
            "exception_report",
            {"plan": long_plan.pk, "period": period.pk},
        ),
    }


def child(report_type: str, parameters: dict, repeat: int) -> None:
    """In a fresh process: render the report ``repeat`` times and print what it cost."""
    from django.db import connection

    from bromley_portal.reports.rendering import render_report_to_pdf

    timings, pages, size = [], 0, 0
    for _ in range(repeat):
        start = time.perf_counter()
        rendered = render_report_to_pdf(report_type, parameters)
        timings.append(time.perf_counter() - start)
        pages, size = rendered.page_count, len(rendered.pdf)
    connection.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(json.dumps({"pages": pages, "seconds": min(timings), "peak_mb": peak_kb / 1024, "bytes": size}))


def measure(database_url: str, case: tuple[str, dict], repeat: int) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url}
    return run_child(__file__, "--child", json.dumps(case), "--repeat", str(repeat), env=env)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="renders per report; the fastest counts")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django(os.environ["DATABASE_URL"])
        report_type, parameters = json.loads(args.child)
        child(report_type, parameters, args.repeat)
        return
    with tempfile.TemporaryDirectory() as folder, bench_database(folder, "reports") as database_url:
        setup_django(database_url)
        cases = build_database()
        print(f"{'report':36} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'peak MB':>8}")
        results = {}
        for name, case in cases.items():
            result = measure(database_url, case, args.repeat)
            result["rate"] = result["pages"] / result["seconds"]
            results[name] = result
            print(
                f"{name:36} {result['pages']:6d} {result['seconds']:8.2f} {result['rate']:8.2f} "
                f"{result['peak_mb']:8.0f}"
            )
    short, long, exceptions = results.values()
    rate_ok = long["rate"] >= short["rate"] / 2
    peak = max(short["peak_mb"], long["peak_mb"], exceptions["peak_mb"])
    memory_ok = peak < MEMORY_LIMIT_MB
    record("reports", "long plan report: pages/s vs the short one", f"{long['rate']:.2f} vs {short['rate']:.2f}",
           "at least half", "met" if rate_ok else "MISSED")  # fmt: skip
    record("reports", "plan reports: peak memory", f"{peak:.0f} MB", f"under {MEMORY_LIMIT_MB} MB",
           "met" if memory_ok else "MISSED")  # fmt: skip
    print(
        f"target: long report at >= half the short one's pages/s "
        f"({long['rate']:.2f} vs {short['rate'] / 2:.2f}): {'met' if rate_ok else 'MISSED'}"
    )
    print(
        f"target: peak memory under {MEMORY_LIMIT_MB} MB ({peak:.0f} MB): {'met' if memory_ok else 'MISSED'}"
    )
    if not (rate_ok and memory_ok):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
