"""Benchmark: what our structure tree (bromley_portal.reports.tagging) costs against WeasyPrint's own.

Renders a synthetic report of about 200 pages (one long table with a repeated header, a
row header in each row, running headers and footers, as our committee reports have) in a
fresh process for each run, as a worker would, alternating WeasyPrint's own tagger and
ours. Each run reports its layout time (HTML(...).render), its PDF time (write_pdf: painting,
tagging, writing), the part of that spent building the tag tree (WeasyPrint's add_tags, or
our _find_artifacts and _add_tags), and its own peak resident memory (ru_maxrss). The
fastest run of each counts.

Target: with our tagger a report renders in at most 20% more time than with WeasyPrint's.

    .venv/bin/python bench/tagging.py               # 2 runs each, about 200 pages
    .venv/bin/python bench/tagging.py --runs 1 --rows 2000
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import record, run_child  # noqa: E402 (after the path above)

SLOWER_AT_MOST = 1.20
PDF_OPTIONS = {"pdf_tags": True, "pdf_variant": "pdf/ua-1"}  # as bromley_portal.reports.rendering


def synthetic_html(rows: int) -> str:
    body = "\n".join(
        f'<tr><th scope="row">{i}</th><td>Action {i}: keep the libraries open</td><td>Lead officer {i % 7}</td>'
        f"<td>April 2024</td><td>Progress as planned; the update for action {i} is on track.</td>"
        f"<td>{'Green' if i % 3 else 'Amber'}</td></tr>"
        for i in range(1, rows + 1)
    )
    return f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Tagging benchmark</title>
<style>
@page {{ size: A4; margin: 20mm 17mm 18mm;
  @top-left {{ content: "Tagging benchmark"; font-size: 8pt; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); font-size: 8pt; }} }}
html {{ font-family: "Liberation Sans", "DejaVu Sans", sans-serif; font-size: 10pt; }}
table {{ width: 100%; border-collapse: collapse; font-size: 8.5pt; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
th, td {{ border: 0.5pt solid #505a5f; padding: 3pt 4pt; text-align: left; vertical-align: top; }}
</style></head><body>
<h1>Tagging benchmark</h1>
<section><h2>1. A long table</h2>
<table><caption>Table 1.1: actions</caption>
<thead><tr><th scope="col">No.</th><th scope="col">Action</th><th scope="col">Lead</th>
<th scope="col">Target date</th><th scope="col">Update</th><th scope="col">RAG status</th></tr></thead>
<tbody>{body}</tbody></table></section></body></html>"""


def timed(owner, name: str, spent: list) -> None:
    """Add the time spent in ``owner.name`` to ``spent``."""
    function = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    setattr(owner, name, wrapper)


def child(tagger: str, rows: int) -> None:
    """In a fresh process: render once and print what it cost."""
    import weasyprint.pdf
    from weasyprint import HTML

    from bromley_portal.reports import tagging

    # The tagging step alone: WeasyPrint's add_tags, or our _find_artifacts and _add_tags.
    spent = []
    if tagger == "ours":
        timed(tagging, "_find_artifacts", spent)
        timed(tagging, "_add_tags", spent)
    else:
        timed(weasyprint.pdf, "add_tags", spent)
    html = synthetic_html(rows)
    start = time.perf_counter()
    document = HTML(string=html).render(**PDF_OPTIONS)
    laid_out = time.perf_counter()
    if tagger == "ours":
        pdf = tagging.write_pdf(document, **PDF_OPTIONS)
    else:
        pdf = document.write_pdf(**PDF_OPTIONS)
    done = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(
        json.dumps(
            {
                "pages": len(document.pages),
                "layout": laid_out - start,
                "pdf": done - laid_out,
                "total": done - start,
                "tags": sum(spent),
                "peak_mb": peak_kb / 1024,
                "bytes": len(pdf),
            }
        )
    )


def measure(tagger: str, rows: int) -> dict:
    return run_child(__file__, "--child", tagger, "--rows", str(rows))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=2, help="runs per tagger; the fastest counts")
    parser.add_argument("--rows", type=int, default=5400, help="table rows (5400: about 200 pages)")
    parser.add_argument("--child", choices=["weasyprint", "ours"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows)
        return
    print(
        f"{'tagger':10} {'pages':>6} {'layout s':>9} {'pdf s':>7} {'(tags s)':>9} {'total s':>8} "
        f"{'peak MB':>8} {'bytes':>10}"
    )
    best = {}
    for _ in range(args.runs):
        for tagger in ("weasyprint", "ours"):
            result = measure(tagger, args.rows)
            print(
                f"{tagger:10} {result['pages']:6d} {result['layout']:9.2f} {result['pdf']:7.2f} "
                f"{result['tags']:9.2f} {result['total']:8.2f} {result['peak_mb']:8.0f} {result['bytes']:10d}"
            )
            if tagger not in best or result["total"] < best[tagger]["total"]:
                best[tagger] = result
    ratio = best["ours"]["total"] / best["weasyprint"]["total"]
    pdf_ratio = best["ours"]["pdf"] / best["weasyprint"]["pdf"]
    memory = best["ours"]["peak_mb"] - best["weasyprint"]["peak_mb"]
    print(
        f"ours / WeasyPrint's, fastest runs: total {ratio:.2f}x, write_pdf alone {pdf_ratio:.2f}x, "
        f"peak memory {memory:+.0f} MB"
    )
    ok = ratio <= SLOWER_AT_MOST
    record("tagging", "tagged PDF time / WeasyPrint's", f"{ratio:.2f}x", f"at most {SLOWER_AT_MOST:.2f}x",
           "met" if ok else "MISSED")  # fmt: skip
    print(f"target: at most {SLOWER_AT_MOST:.2f}x WeasyPrint's time: {'met' if ok else 'MISSED'}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
