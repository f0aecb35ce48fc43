"""The combined table of ``make bench``: one row per target, from what each benchmark recorded
(``bench.record``) in the file BENCH_RESULTS names, in the order the scripts ran. A script named on the
command line that recorded nothing (it stopped, or was skipped) gets a row saying so. Exits 1 if any
target was missed or any script recorded nothing, so ``make bench`` fails after printing everything.

    BENCH_RESULTS=bench/results/summary.jsonl .venv/bin/python bench/summary.py run reports ...
"""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path


def main() -> None:
    path = Path(os.environ.get("BENCH_RESULTS", "bench/results/summary.jsonl"))
    rows = (
        [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    )
    expected = sys.argv[1:]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from the PATH, as make finds it)
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(f"\nmake bench: every target in one table (commit {commit or 'unknown'}, {platform.node()}, "
          f"{os.cpu_count()} CPUs, database {'PostgreSQL' if os.environ.get('BENCH_DATABASE_URL') else 'SQLite'})\n")  # fmt: skip
    widths = (18, 58, 34, 26, 11)
    header = ("benchmark", "measure", "figure", "target", "result")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    missing = [name for name in expected if not any(row["script"] == name for row in rows)]
    for row in rows:
        cells = (row["script"], row["measure"], row["figure"], row["target"], row["result"])
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |")
    for name in missing:
        cells = (name, "(nothing recorded: the script stopped or was skipped)", "", "", "MISSING")
        print("| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |")
    missed = [row for row in rows if row["result"] in ("MISSED", "FAIL")]
    print(f"\n{len(rows)} targets: {sum(r['result'] in ('met', 'aim met') for r in rows)} met, {len(missed)} missed"
          + (f"; {len(missing)} scripts recorded nothing" if missing else ""))  # fmt: skip
    if missed or missing:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
