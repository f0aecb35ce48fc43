"""Benchmarks (`make bench`): page times and queries (run.py), report rendering (reports.py) and
the PDF tagger (tagging.py)."""

import json
import subprocess
import sys
import time


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


def copy_seconds(scratch: str, table: str, data: bytes, count: int | None = None, *settings: str) -> float:
    """Seconds for PostgreSQL to COPY ``data`` (CSV with a header) into ``table``, which the SQL in
    ``scratch`` creates, after any ``settings`` statements; rolled back. What the imports' benchmarks
    compare themselves with. With ``count``, stops the benchmark unless COPY copied that many rows."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(scratch)
        for statement in settings:
            cursor.execute(statement)
        started = time.perf_counter()
        with cursor.cursor.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(data)
        seconds = time.perf_counter() - started
        if count is not None:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (the benchmark's own table)
            if cursor.fetchone()[0] != count:
                raise SystemExit("COPY did not copy every row")
        transaction.set_rollback(True)
    return seconds
