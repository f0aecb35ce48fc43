"""Benchmark: an agenda pack of about 400 pages from ten items, as the worker builds it (issue 14).

Builds a throwaway database (SQLite in a temporary folder, or BENCH_DATABASE_URL) with four portfolios of
generated contracts frozen as one cycle. Then, each in a fresh process as a worker would start:

1. renders the four portfolios' Part 1 register extracts (portal reports, about 60 landscape pages each,
   laid out in parts and merged: bromley_portal/reports/rendering.py) and keeps them as done report jobs;
2. builds the pack (``meetings.packs.build``: the front sheet, the four reports and six uploaded papers of
   about 27 pages each, merged into one tagged PDF with "Page N" stamped on every page and bookmarks).

Prints each step's time and the process's peak resident memory (ru_maxrss: WeasyPrint's and qpdf's C
memory too). Targets: the pack's peak under 1 GB (and the renders'), and merging and stamping no more than a
quarter of the time the reports took to render.

    .venv/bin/python bench/agenda_pack.py
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
PORTFOLIOS = ["ACH", "ECS", "ERC", "RRH"]
CONTRACTS_PER_PORTFOLIO = 1_000  # about 60 landscape pages of extract each
UPLOADS = 6
UPLOAD_PAGES = 27


def build_database() -> dict:
    from django.core.management import call_command
    from django.db import transaction

    from ambitions.models import Portfolio
    from ambitions.services import load_seed_strategy
    from bench.contracts import _contract, _people
    from contracts import services
    from contracts.models import Contract, RegisterCycle

    call_command("migrate", verbosity=0)
    load_seed_strategy()
    today = date.today()
    rng = random.Random(14)  # noqa: S311 (generated benchmark data)
    people = _people()
    services.ensure_register_settings()
    with transaction.atomic():
        for offset, code in enumerate(PORTFOLIOS):
            portfolio = Portfolio.objects.get(code=code)
            made = Contract.objects.bulk_create(
                _contract(rng, 200_000 + offset * 10_000 + n, portfolio, people, today)
                for n in range(CONTRACTS_PER_PORTFOLIO)
            )
            services.refresh_risk(made)
            services.refresh_flags(made)
    cycle = RegisterCycle.objects.create(name=f"Benchmark {today:%B %Y}", as_at=today)
    services.freeze_cycle(cycle)
    return {"cycle": cycle.pk, "clerk": _clerk().pk, "meeting": _meeting().pk}


def _clerk():
    from bromley_portal.accounts.roles import Role
    from tests.factories import make_user

    return make_user(Role.CLERK, username="bench-clerk")


def _meeting():
    from django.utils import timezone

    from ambitions.models import Portfolio
    from meetings.models import Meeting

    committee = Portfolio.objects.get(code="CEF").pds_committee
    return Meeting.objects.create(
        committee=committee, starts_at=timezone.now() + timezone.timedelta(days=14), venue="Civic Centre"
    )


def render_reports(parameters: dict) -> dict:
    """In a fresh process: render the four extracts as the worker does, and keep them as done jobs on
    agenda items of the meeting."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from bromley_portal.reports.choices import JobStatus
    from bromley_portal.reports.models import ReportJob
    from bromley_portal.reports.rendering import render_report_to_pdf
    from meetings import services
    from meetings.models import Meeting

    clerk, meeting = _user(parameters["clerk"]), Meeting.objects.get(pk=parameters["meeting"])
    seconds, pages = 0.0, 0
    for number, code in enumerate(PORTFOLIOS, start=1):
        item = services.add_item(clerk, meeting, number=str(number), title=f"Contracts Register: {code}")
        report = {"portfolio": code, "cycle": parameters["cycle"], "report_number": item.report_number}
        start = time.perf_counter()
        rendered = render_report_to_pdf("contracts_part_1", report)
        seconds += time.perf_counter() - start
        pages += rendered.page_count
        job = ReportJob.objects.create(
            report_type="contracts_part_1",
            parameters=report,
            dedupe_key=f"bench-{code}",
            status=JobStatus.DONE,
            page_count=rendered.page_count,
            finished_at=timezone.now(),
        )
        job.file.save(f"{rendered.filename}.pdf", ContentFile(rendered.pdf))
        item.report = job
        item.save(update_fields=["report"])
    return {"seconds": seconds, "pages": pages, "peak_mb": _peak_mb()}


def upload_papers(parameters: dict) -> None:
    from weasyprint import HTML

    from meetings import services
    from meetings.models import Meeting
    from tests.meeting_factories import upload

    clerk, meeting = _user(parameters["clerk"]), Meeting.objects.get(pk=parameters["meeting"])
    sheet = "<p>" + "The appendix sets out the evidence. " * 60 + "</p>"
    for number in range(UPLOADS):
        body = "".join(
            f"<section style='break-after: page'><h2>Appendix {number + 1}, sheet {page}</h2>{sheet}</section>"
            for page in range(1, UPLOAD_PAGES + 1)
        )
        data = HTML(string=f"<html lang='en-GB'><body>{body}</body></html>").write_pdf()
        item = services.add_item(
            clerk, meeting, number=str(len(PORTFOLIOS) + number + 1), title=f"Appendix {number + 1}"
        )
        services.upload_paper(clerk, item, upload(data, f"appendix-{number + 1}.pdf"))


def _user(pk: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=pk)


def build_pack(parameters: dict) -> dict:
    """In a fresh process: build the pack as the worker's task does."""
    from meetings import packs, services
    from meetings.models import Meeting

    meeting = Meeting.objects.get(pk=parameters["meeting"])
    start = time.perf_counter()
    built = packs.build(meeting, services.agenda(meeting))
    return {"seconds": time.perf_counter() - start, "pages": built.part_1_pages, "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


STEPS = {"render": render_reports, "pack": build_pack}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--parameters", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        setup_django(os.environ["DATABASE_URL"])
        print(json.dumps(STEPS[args.child](json.loads(args.parameters))))
        return
    with tempfile.TemporaryDirectory() as folder, bench_database(folder, "pack") as database_url:
        os.environ["MEDIA_ROOT"] = f"{folder}/media"
        setup_django(database_url)
        env = dict(os.environ)
        parameters = build_database()
        upload_papers(parameters)
        given = json.dumps(parameters)
        render = run_child(__file__, "--child", "render", "--parameters", given, env=env)
        pack = run_child(__file__, "--child", "pack", "--parameters", given, env=env)
    report(render, pack)


def report(render: dict, pack: dict) -> None:
    print(f"{'agenda pack step':44} {'pages':>6} {'seconds':>8} {'peak MB':>8}")
    print(
        f"{'render the 4 register extracts (worker)':44} {render['pages']:6d} {render['seconds']:8.1f} "
        f"{render['peak_mb']:8.0f}"
    )
    print(
        f"{'build the pack: front sheet, merge, stamp':44} {pack['pages']:6d} {pack['seconds']:8.1f} "
        f"{pack['peak_mb']:8.0f}"
    )
    memory_ok = max(render["peak_mb"], pack["peak_mb"]) < MEMORY_LIMIT_MB
    share = pack["seconds"] / render["seconds"]
    peak = max(render["peak_mb"], pack["peak_mb"])
    record("agenda_pack", f"agenda pack of {pack['pages']} pages: peak memory", f"{peak:.0f} MB",
           f"under {MEMORY_LIMIT_MB} MB", "met" if memory_ok else "MISSED")  # fmt: skip
    record("agenda_pack", "agenda pack: merge and stamp / render time", f"{share:.2f}", "at most 0.25",
           "met" if share <= 0.25 else "MISSED")  # fmt: skip
    print(
        f"pack of {pack['pages']} pages: peak memory {max(render['peak_mb'], pack['peak_mb']):.0f} MB (target "
        f"under {MEMORY_LIMIT_MB}): {'met' if memory_ok else 'MISSED'}; merging and stamping took "
        f"{share:.2f} of the render time (target at most 0.25): {'met' if share <= 0.25 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
