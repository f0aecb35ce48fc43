"""Benchmark: the complaints caseload and statistics dashboard at one year and at ten years of a large
council (issue 13).

Builds a throwaway database (SQLite files in a temporary folder, or a PostgreSQL database beside
BENCH_DATABASE_URL's named after it with "_complaints", dropped afterwards: `bench.bench_database`) holding
two councils, as bench/run.py holds its sizes (bench.run.Sizes: the PostgreSQL schemas ``bench_x1`` and
``bench_x10``, or one SQLite file each), each with the report's divisions and services and the demo people,
then generated financial years, written with bulk_create, oldest first: one year at the first, ten at the
second, ending with the same year (each year's data comes from its own seed). ``--per-year`` complaints a
year (5,000 by default), one to three mentions each with two to four aspects, all closed but a few of the
latest year's. On PostgreSQL each council is vacuumed and analysed after its load, as autovacuum would do
after one this size, so the planner reads today's statistics, not an empty table's.

It measures the median server time and queries of the caseload (/complaints/, as a complaints officer)
and the statistics dashboards (/complaints/statistics/ and a division's, as a committee member) for the
latest year generated, the year with cases at one year and at ten (the dashboard compares it with the two
years before, which hold none at one year and five thousand complaints each at ten). The page's default
year, this one, holds no generated cases, so it is asked for by name. Each round opens a page at one year
and then at ten, switching the connection's search_path (or file) between requests outside the timed
part, so the machine's load falls on both sizes alike.

Target: each at ten years within 1.5x its time at one year, in the same number of queries.

    .venv/bin/python bench/complaints.py
    .venv/bin/python bench/complaints.py --per-year 300 --repeat 3   # a quick check that it runs
"""

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import bench_database, record  # noqa: E402 (after the path above)
from bench.run import Sizes, measure_interleaved, setup_django  # noqa: E402 (after the path above)

LATEST = 2025
YEARS = 10
SIZES = (1, YEARS)
RATIO_LIMIT = 1.5
# Complaints still open: some of the latest year's, none older, so the caseload lists the same cases at one
# year and at ten and the ten years measure what the closed history costs it.
OPEN_SHARE = 0.02


def add_year(start_year: int, count: int, rng: random.Random, open_share: float = 0.0) -> int:
    """One generated financial year of ``count`` complaints, ``open_share`` of them still open (the
    caseload's rows); returns the number of aspects."""
    from django.db import transaction
    from django.utils import timezone

    from bromley_portal.core.financial_year import FinancialYear
    from complaints import counts
    from complaints.choices import AspectOutcome, AspectType, Channel, ComplaintStatus, Procedure
    from complaints.models import Aspect, Complaint, Division, Mention, Service

    year = FinancialYear(start_year)
    today = timezone.localdate()
    divisions = list(Division.objects.order_by("order"))
    services = {d.pk: list(Service.objects.filter(division=d)) for d in divisions}
    decided = [AspectOutcome.UPHELD, AspectOutcome.PARTIALLY_UPHELD, AspectOutcome.NOT_UPHELD]
    complaints = []
    for n in range(count):
        received = min(year.starts_on + timedelta(days=rng.randrange(360)), today)
        still_open = rng.random() < open_share
        complaints.append(
            Complaint(
                reference=f"B{start_year}-{n:06d}",
                received=received,
                channel=rng.choice(Channel.values),
                procedure=Procedure.CORPORATE,
                stage=1,
                status=ComplaintStatus.ACKNOWLEDGED if still_open else ComplaintStatus.CLOSED,
                acknowledge_by=received + timedelta(days=3),
                acknowledged_on=received + timedelta(days=rng.randrange(5)),
                respond_by=received + timedelta(days=28),
                responded_on=None if still_open else received + timedelta(days=rng.randrange(40)),
                closed_on=None if still_open else received + timedelta(days=45),
            )
        )
    with transaction.atomic():
        complaints = Complaint.objects.bulk_create(complaints, batch_size=2_000)
        mentions = []
        for complaint in complaints:
            for order in range(1, rng.choice([2, 2, 2, 3, 4]) if rng.random() < 0.2 else 2):
                division = rng.choice(divisions)
                options = services[division.pk]
                service = rng.choice(options) if options else None
                mentions.append(Mention(complaint=complaint, order=order, division=division, service=service))
        mentions = Mention.objects.bulk_create(mentions, batch_size=2_000)
        aspects = []
        by_pk = {d.pk: d for d in divisions}
        for mention in mentions:
            answered = mention.complaint.responded_on
            records = by_pk[mention.division_id].records_outcomes
            outcomes = decided if records else [AspectOutcome.NOT_KNOWN]
            for _ in range(rng.choice([2, 2, 3, 3, 4])):
                aspects.append(
                    Aspect(
                        mention=mention,
                        type=rng.choice(AspectType.values),
                        outcome=rng.choice(outcomes) if answered else AspectOutcome.ONGOING,
                        responded_on=answered,
                        on_time=(answered <= mention.complaint.respond_by) if answered else None,
                    )
                )
        Aspect.objects.bulk_create(aspects, batch_size=5_000)
        # bulk_create sends no signals: the year's stored counts are worked out again here, in the
        # writing transaction, as the import does (complaints.counts).
        counts.refresh([start_year])
    return len(aspects)


def build(sizes, years: int, per_year: int) -> int:
    """The council with ``years`` generated financial years ending with ``LATEST`` (in ``sizes``' schema or
    file for that many years): migrated, the demo people and the report's divisions, then the years
    oldest first, as a live database gains them; returns the number of aspects. Each year's data comes
    from its own seed, so the latest year is the same at every size."""
    from django.core.management import call_command
    from django.db import connection

    from bromley_portal.accounts.demo import ensure_demo_people
    from complaints.services import load_divisions

    sizes.reset(years)
    call_command("migrate", verbosity=0)
    ensure_demo_people()
    load_divisions()
    aspects = 0
    for start in range(LATEST - years + 1, LATEST + 1):
        rng = random.Random(13 * 10_000 + start)  # noqa: S311 (generated benchmark data)
        aspects += add_year(start, per_year, rng, OPEN_SHARE if start == LATEST else 0.0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum would after a load this size (it vacuums tables that had many inserts, too):
            # fresh statistics, and the visibility map set, as bench/run.py does for its sizes.
            cursor.execute("VACUUM ANALYZE")
    return aspects


def pages(sizes, size: int, year_label: str) -> dict[str, tuple[object, str]]:
    """Each measured page at ``size``: (a signed-in client, its address)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from complaints.models import Division

    sizes.use(size)
    people = get_user_model().objects
    officer, member = Client(), Client()
    backend = "django.contrib.auth.backends.ModelBackend"
    officer.force_login(people.get(username="complaints"), backend=backend)
    member.force_login(people.get(username="member"), backend=backend)
    division = Division.objects.get(name="Adult Social Care")
    return {
        "caseload /complaints/": (officer, "/complaints/"),
        "statistics /complaints/statistics/": (member, f"/complaints/statistics/?year={year_label}"),
        "a division's statistics": (
            member,
            f"/complaints/statistics/divisions/{division.pk}/?year={year_label}",
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-year", type=int, default=5_000, help="complaints a year")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, bench_database(folder, "complaints") as database_url:
        setup_django(database_url)
        from django.db import connection

        sizes = Sizes(folder)
        for years in SIZES:
            started = time.perf_counter()
            aspects = build(sizes, years, args.per_year)
            print(f"{years} year(s): {years * args.per_year:,} complaints, {aspects:,} aspects; built in "
                  f"{time.perf_counter() - started:.1f}s on {connection.vendor}", flush=True)  # fmt: skip
        year_label = f"{LATEST}-{(LATEST + 1) % 100:02d}"
        pages_by_size = {size: pages(sizes, size, year_label) for size in SIZES}
        print(
            f"\nComplaints at 1 and {YEARS} years of {args.per_year:,} a year, each round both sizes in turn; "
            f"median of {args.repeat}; target: at most {RATIO_LIMIT}x"
        )
        print(f"{'measure':38} {'1 yr ms':>8} {'10 yr ms':>9} {'ratio':>6} {'queries':>9}  target")
        for name in pages_by_size[1]:
            results = measure_interleaved(sizes, pages_by_size, name, args.repeat)
            (small_ms, small_queries), (large_ms, large_queries) = results[1], results[YEARS]
            ratio = large_ms / small_ms
            verdict = "met" if ratio <= RATIO_LIMIT and small_queries == large_queries else "MISSED"
            record("complaints", f"complaints, 10 years / 1: {name}", f"{ratio:.2f}x, queries {small_queries}/"
                   f"{large_queries}", f"at most {RATIO_LIMIT}x", verdict)  # fmt: skip
            print(f"{name:38} {small_ms:8.1f} {large_ms:9.1f} {ratio:6.2f} "
                  f"{small_queries:>4d}/{large_queries:<4d}  {verdict}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
