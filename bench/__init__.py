"""Benchmarks (`make bench`): page times and queries (run.py), report rendering (reports.py) and
the PDF tagger (tagging.py)."""

import json
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC


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


class _Rollback(Exception):
    pass


class Written(dict):
    """Per table, the rows an import inserted, as ``COPY ... TO`` text; and in ``deleted``, per table,
    the ids of the rows it deleted: the stored counts it rewrites (``plans.counts``,
    ``complaints.counts``: a touched key's row deleted and inserted again) and anything else it
    replaces. ``COPY``'s side deletes those too, as the import did, or its rows would collide."""

    def __init__(self):
        super().__init__()
        self.deleted: dict[str, list[int]] = {}


def _tables_changed(cursor, column: str) -> set[str]:
    cursor.execute(f"SELECT relname FROM pg_stat_xact_user_tables WHERE {column} > 0")  # noqa: S608
    return {name for (name,) in cursor.fetchall()}


def written_rows(run) -> Written:
    """Call ``run()`` in a transaction that is rolled back, and return every row it inserted, per table,
    as ``COPY ... TO`` text, and the ids of the rows it deleted: what an import writes, to compare the
    import with ``COPY`` of the same rows (:func:`copy_written_seconds`). Only tables with an integer
    ``id``; the caller checks the result covers what it expects. ``run()`` runs twice: first to learn
    which tables it deletes from, whose ids are then read before and after it."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t "
            "USING (table_schema, table_name) WHERE c.table_schema = current_schema() AND c.column_name = 'id' "
            "AND t.table_type = 'BASE TABLE' AND c.data_type IN ('integer', 'bigint', 'smallint')"
        )
        tables = [name for (name,) in cursor.fetchall()]
    replaced: set[str] = set()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            run()
            replaced = _tables_changed(cursor, "n_tup_del") & set(tables)
            raise _Rollback
    except _Rollback:
        pass
    dumps = Written()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            highest, before = {}, {}
            for table in tables:
                cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')  # noqa: S608 (catalogue names)
                highest[table] = cursor.fetchone()[0]
            for table in replaced:
                cursor.execute(f'SELECT id FROM "{table}"')  # noqa: S608 (catalogue names)
                before[table] = {row_id for (row_id,) in cursor.fetchall()}
            run()
            for table in sorted(replaced):
                cursor.execute(f'SELECT id FROM "{table}"')  # noqa: S608 (catalogue names)
                gone = before[table] - {row_id for (row_id,) in cursor.fetchall()}
                if gone:
                    dumps.deleted[table] = sorted(gone)
            inserted = _tables_changed(cursor, "n_tup_ins") & set(tables)
            for table in sorted(inserted):
                out = bytearray()
                query = f'COPY (SELECT * FROM "{table}" WHERE id > {int(highest[table])}) TO STDOUT'  # noqa: S608
                with cursor.cursor.copy(query) as copy:
                    for block in copy:
                        out += block
                if out:
                    dumps[table] = bytes(out)
            raise _Rollback
    except _Rollback:
        pass
    return dumps


def copy_written_seconds(dumps: dict[str, bytes]) -> float:
    """Seconds for PostgreSQL to ``COPY`` the rows of :func:`written_rows` back into the same tables, with
    their indexes, constraints and triggers, in one transaction (rolled back): the same rows an import
    writes, written the fastest way PostgreSQL has (after deleting the rows it deleted: the stored
    counts it rewrites). Like the imports' timings, it is rolled back, so
    neither pays for the deferred foreign-key checks of a commit."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        for table, ids in getattr(dumps, "deleted", {}).items():
            cursor.execute(f'DELETE FROM "{table}" WHERE id = ANY(%s)', [ids])  # noqa: S608 (catalogue names)
        for table, data in dumps.items():
            with cursor.cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                copy.write(data)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def row_count(dumps: dict[str, bytes]) -> int:
    """Rows in :func:`written_rows`' result."""
    return sum(data.count(b"\n") for data in dumps.values())


def compare_with_copy(
    title: str, file_rows: int, run, time_import, time_file_copy, *, repeat: int, target: float, aim: float
) -> dict:
    """Time an import against ``COPY`` and print one table: the import (``time_import()``, seconds, rolled
    back), ``COPY`` of the rows it writes into the tables it writes them to (:func:`written_rows` of
    ``run()``; the target's measure), and, for reference, ``COPY`` of the file's rows into one
    unindexed scratch table (``time_file_copy()``). Timings are interleaved, medians of ``repeat``, so
    the machine's load falls on all alike. Returns the figures."""
    import statistics

    dumps = written_rows(run)
    written = row_count(dumps)
    imports, copies, file_copies = [], [], []
    for _ in range(repeat):
        imports.append(time_import())
        copies.append(copy_written_seconds(dumps))
        file_copies.append(time_file_copy())
    imported, copied, file_copied = (statistics.median(x) for x in (imports, copies, file_copies))
    ratio, file_ratio = copied / imported, file_copied / imported
    verdict = "aim met" if ratio >= aim else "met" if ratio >= target else "MISSED"
    record(
        title.lower().replace(" ", "_"),
        f"{title}, {file_rows:,} rows: speed / COPY of the written rows",
        f"{ratio:.2f} ({imported:.2f} s vs {copied:.3f} s)",
        f"at least {target:.2f} (aim {aim:.2f})",
        verdict,
    )
    print(f"{title}: {file_rows:,} rows in the file; the import writes {written:,} rows into {len(dumps)} tables "
          f"({', '.join(f'{t} {d.count(bytes([10])):,}' for t, d in dumps.items())})")  # fmt: skip
    print(f"| {'import s':>8} | {'COPY of written rows s':>22} | {'ratio':>5} | {'target (aim)':>12} | "
          f"{'result':7} | {'COPY of the file s':>18} | {'ratio to it':>11} |")  # fmt: skip
    print(f"|{'-' * 9}:|{'-' * 23}:|{'-' * 6}:|{'-' * 13}:|{'-' * 9}|{'-' * 19}:|{'-' * 12}:|")
    print(f"| {imported:8.3f} | {copied:22.3f} | {ratio:5.2f} | {f'{target:.2f} ({aim:.2f})':>12} | "
          f"{verdict:7} | {file_copied:18.3f} | {file_ratio:11.3f} |")  # fmt: skip
    return {"import": imported, "copy": copied, "ratio": ratio, "file_copy": file_copied,
            "file_ratio": file_ratio, "written": written, "verdict": verdict}  # fmt: skip


def record(script: str, measure: str, figure: str, target: str, result: str) -> None:
    """Add one line to the combined table ``make bench`` prints at the end (``bench/summary.py``): the
    file named by BENCH_RESULTS, if set. ``result`` is "met", "aim met", "MISSED" or "information"."""
    import os
    from datetime import datetime
    from pathlib import Path

    path = os.environ.get("BENCH_RESULTS")
    if not path:
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    line = {"script": script, "measure": measure, "figure": figure, "target": target, "result": result,
            "at": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def throwaway_database(url: str, suffix: str) -> tuple[str, str]:
    """(the URL of an empty PostgreSQL database next to ``url``'s, named after it with ``_suffix``, the
    server's maintenance URL): made afresh, for a benchmark that builds its own data."""
    import psycopg

    base, _, name = url.rpartition("/")
    name = name.split("?")[0]
    own = f"{name}_{suffix}"
    admin_url = f"{base}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{own}"')
    return f"{base}/{own}", admin_url


def drop_database(admin_url: str, url: str) -> None:
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def bench_database(folder: str, suffix: str):
    """The database a benchmark builds its data in: with BENCH_DATABASE_URL, a throwaway PostgreSQL
    database beside it (``throwaway_database``), dropped afterwards, so a benchmark run twice, or after
    another that made the same generated contracts, starts clean; else a SQLite file in ``folder``."""
    import os

    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        yield f"sqlite:///{folder}/bench.sqlite3"
        return
    own, admin_url = throwaway_database(url, suffix)
    try:
        yield own
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 (Django not set up yet: nothing to close)
            pass
        drop_database(admin_url, own)
