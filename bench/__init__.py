"""Benchmarks (`make bench`): page times and queries (run.py), report rendering (reports.py) and
the PDF tagger (tagging.py)."""

import json
import subprocess
import sys


def run_child(script: str, *arguments: str, env: dict | None = None) -> dict:
    """Run ``script`` again in a fresh Python process, as a worker would start, and return the JSON
    object it prints on its last line; stop the benchmark with the child's errors if it fails."""
    result = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, script, *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"the renderer failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])
