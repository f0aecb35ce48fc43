"""A real Celery worker process for tests, against Redis and this test's database."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from bromley_portal.celery import app as celery_app
from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_this_test_database() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def celery_worker(queue: str, hostname: str, log: Path, pool: str = "solo", **env):
    """Run a worker on ``queue`` while the block runs; the test process stops running tasks inline.

    ``pool="prefork"`` runs one pool process beside the worker's main process (as production
    does), so a test can kill the pool process alone (``pool_processes``).

    Needs Redis and PostgreSQL (a worker cannot share an SQLite test database); skips without
    them on a laptop and fails in CI (PORTAL_REQUIRE_SERVICES).
    """
    if not os.environ.get("REDIS_URL"):
        skip_or_fail("needs Redis: set REDIS_URL")
    if connection.vendor != "postgresql":
        skip_or_fail("a worker process cannot share an SQLite test database: set DATABASE_URL")
    worker_env = {
        **os.environ,
        "DATABASE_URL": database_url_for_this_test_database(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "bromley_portal", "worker", "--pool", pool, "--concurrency", "1",
               "--queues", queue, "--hostname", f"{hostname}@%h", "--loglevel", "INFO",
               "--without-heartbeat", "--without-gossip", "--without-mingle"]  # fmt: skip
    with log.open("a") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=worker_env, stdout=output, stderr=subprocess.STDOUT)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager = previous
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def pool_processes(worker: subprocess.Popen) -> list[int]:
    """The process ids of a prefork worker's pool processes (its children)."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []
