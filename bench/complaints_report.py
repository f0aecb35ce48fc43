"""Benchmark: the Annual Complaints Report for one year of a large council (issue 13).

Builds a throwaway database (SQLite in a temporary folder, or a PostgreSQL database beside BENCH_DATABASE_URL's, dropped after) with the
report's divisions and services, then one generated financial year of a large council: 5,000 complaints
(a tenth of the issue's ten years of 50,000), about 15,000 aspects under their mentions, Ombudsman cases
with their response deadlines, remedies and compliments, written in bulk. It renders the annual report and
its cover report for that year, each in a fresh process as a worker would (rendering.render_report_to_pdf),
and reports pages, the fastest time and the process's peak resident memory (ru_maxrss: WeasyPrint's C
libraries included).

Targets: the annual report renders in under 60 seconds and 1 GB.

    .venv/bin/python bench/complaints_report.py
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/complaints_report.py
"""

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import bench_database, record, run_child  # noqa: E402 (after the path above)
from bench.reports import setup_django  # noqa: E402

COMPLAINTS = 5_000
TIME_LIMIT_S = 60
MEMORY_LIMIT_MB = 1024
YEAR = 2024


def build_database(seed: int = 13) -> int:
    """One generated year; returns the number of aspects."""
    from django.core.management import call_command

    from bromley_portal.core.financial_year import FinancialYear
    from complaints.choices import (
        AspectOutcome,
        AspectType,
        Channel,
        ComplaintStatus,
        OmbudsmanDecision,
        Procedure,
        RemedyStage,
        RemedyType,
    )
    from complaints.counts import refresh as refresh_counts
    from complaints.models import (
        Aspect,
        Complaint,
        Compliment,
        Division,
        Mention,
        OmbudsmanCase,
        OmbudsmanDeadline,
        Remedy,
        Service,
    )
    from complaints.services import load_divisions

    call_command("migrate", verbosity=0)
    load_divisions()
    rng = random.Random(seed)  # noqa: S311 (made-up data, not secrets)
    year = FinancialYear(YEAR)
    divisions = list(Division.objects.order_by("order"))
    services = {d.pk: list(Service.objects.filter(division=d)) for d in divisions}
    decided = [AspectOutcome.UPHELD, AspectOutcome.PARTIALLY_UPHELD, AspectOutcome.NOT_UPHELD]

    def day() -> "object":
        return year.starts_on + timedelta(days=rng.randrange(340))

    complaints = []
    for n in range(COMPLAINTS):
        received = day()
        respond_by = received + timedelta(days=28)
        complaints.append(
            Complaint(
                reference=f"BENCH-{n:06d}",
                received=received,
                channel=rng.choice(Channel.values),
                procedure=Procedure.CORPORATE,
                stage=1,
                status=ComplaintStatus.CLOSED,
                acknowledge_by=received + timedelta(days=3),
                acknowledged_on=received + timedelta(days=rng.randrange(5)),
                respond_by=respond_by,
                responded_on=received + timedelta(days=rng.randrange(40)),
                closed_on=received + timedelta(days=45),
            )
        )
    complaints = Complaint.objects.bulk_create(complaints, batch_size=2_000)
    mentions = []
    for complaint in complaints:
        for order in range(1, rng.choice([2, 2, 2, 3]) if rng.random() < 0.2 else 2):
            division = rng.choice(divisions)
            options = services[division.pk]
            mentions.append(
                Mention(
                    complaint=complaint,
                    order=order,
                    division=division,
                    service=rng.choice(options) if options else None,
                )
            )
    mentions = Mention.objects.bulk_create(mentions, batch_size=2_000)
    by_pk = {d.pk: d for d in divisions}
    aspects = []
    for mention in mentions:
        records = by_pk[mention.division_id].records_outcomes
        for _ in range(rng.choice([2, 2, 3, 3, 4])):
            on_time = rng.random() < 0.6
            aspects.append(
                Aspect(
                    mention=mention,
                    type=rng.choice(AspectType.values),
                    outcome=rng.choice(decided) if records else AspectOutcome.NOT_KNOWN,
                    responded_on=mention.complaint.received + timedelta(days=10 if on_time else 35),
                    on_time=on_time,
                )
            )
    Aspect.objects.bulk_create(aspects, batch_size=5_000)
    refresh_counts([year])  # bulk_create sends no signals: the stored yearly counts, as an import keeps them
    cases = []
    for n in range(400):
        received = day()
        investigated = rng.random() < 0.25
        decision = (
            rng.choice(OmbudsmanDecision.after_investigation())
            if investigated
            else OmbudsmanDecision.CLOSED_AFTER_INITIAL_ENQUIRIES
        )
        cases.append(
            OmbudsmanCase(
                reference=f"BENCH {n:05d}",
                division=rng.choice(divisions),
                received=received,
                decided=received + timedelta(days=rng.randrange(20, 60)),
                investigated=investigated,
                decision=decision,
            )
        )
    cases = OmbudsmanCase.objects.bulk_create(cases)
    OmbudsmanDeadline.objects.bulk_create(
        OmbudsmanDeadline(
            case=case,
            what="Answers to enquiries",
            due=case.received + timedelta(days=20),
            answered=case.received + timedelta(days=rng.randrange(15, 25)),
        )
        for case in cases
        for _ in range(2)
    )
    Remedy.objects.bulk_create(
        Remedy(
            division=rng.choice(divisions),
            stage=RemedyStage.STAGE_1,
            type=rng.choice(RemedyType.values),
            amount=Decimal(rng.randrange(5_000, 500_000)) / 100,
            agreed=day(),
        )
        for _ in range(300)
    )
    Compliment.objects.bulk_create(
        Compliment(received=day(), division=rng.choice(divisions), channel=rng.choice(Channel.values))
        for _ in range(2_000)
    )
    return len(aspects)


def child(name: str, repeat: int) -> None:
    from django.db import connection

    from bromley_portal.reports.rendering import render_report_to_pdf

    timings, pages = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rendered = render_report_to_pdf(name, {"year": f"{YEAR}-{(YEAR + 1) % 100:02d}"})
        timings.append(time.perf_counter() - start)
        pages = rendered.page_count
    connection.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"pages": pages, "seconds": min(timings), "peak_mb": peak_kb / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=2, help="renders per report; the fastest counts")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django(os.environ["DATABASE_URL"])
        child(args.child, args.repeat)
        return
    with tempfile.TemporaryDirectory() as folder, bench_database(folder, "complaints_report") as database_url:
        setup_django(database_url)
        started = time.perf_counter()
        aspects = build_database()
        print(
            f"one year: {COMPLAINTS:,} complaints, {aspects:,} aspects (built in {time.perf_counter() - started:.0f} s)"
        )
        print(f"{'report':28} {'pages':>6} {'seconds':>8} {'peak MB':>8}")
        results = {}
        for name in ["complaints_annual", "complaints_cover"]:
            env = {**os.environ, "DATABASE_URL": database_url}
            result = run_child(__file__, "--child", name, "--repeat", str(args.repeat), env=env)
            results[name] = result
            print(f"{name:28} {result['pages']:6d} {result['seconds']:8.2f} {result['peak_mb']:8.0f}")
    annual = results["complaints_annual"]
    ok = annual["seconds"] < TIME_LIMIT_S and annual["peak_mb"] < MEMORY_LIMIT_MB
    record("complaints_report", f"annual complaints report, {annual['pages']} pages",
           f"{annual['seconds']:.1f} s, {annual['peak_mb']:.0f} MB", f"under {TIME_LIMIT_S} s and {MEMORY_LIMIT_MB} MB",
           "met" if ok else "MISSED")  # fmt: skip
    print(
        f"target: the annual report under {TIME_LIMIT_S} s and {MEMORY_LIMIT_MB} MB "
        f"({annual['seconds']:.1f} s, {annual['peak_mb']:.0f} MB): {'met' if ok else 'MISSED'}"
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
