"""Load: requests per second under wrk against gunicorn, each page's ratio to /health/ (issue 17).

Builds a council ten times the demo (bench/generate.py's grow_council) in a throwaway PostgreSQL
database next to BENCH_DATABASE_URL's (named after it with "_load", dropped afterwards), collects the
static files into a temporary folder, starts gunicorn (2 sync workers) with production settings
(DEBUG off, a throwaway SECRET_KEY, the cache and sessions in Redis: BENCH_REDIS_URL, else
REDIS_URL), signs the demo member in (the session cookie goes to wrk with -H) and runs wrk with 16
connections for --seconds each against each page below, right after /health/ (its ratio is to that run).
Targets (issue 17): a locked period's dashboard at least half of /health/'s requests per second,
the actions list at least a quarter.

Plain HTTP on the loopback: SECURE_SSL_REDIRECT and secure cookies are off (a proxy terminates TLS
in production). Needs wrk (Debian: apt-get install wrk): the bench installs it with apt-get when it
is missing and it may (root), else it says so and stops.

    BENCH_DATABASE_URL=postgresql://... REDIS_URL=redis://... .venv/bin/python bench/load.py
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import drop_database, record, throwaway_database  # noqa: E402 (after the path above)

PYTHON = Path(sys.executable)
CONNECTIONS = 16
THREADS = 2


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing it with apt-get (Debian package wrk) ...", flush=True)
        subprocess.run(  # noqa: S603 (a fixed command)
            [shutil.which("apt-get"), "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL
        )
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench/load.py needs wrk: apt-get install wrk (Debian), brew install wrk (macOS).")
    return found


def build_council(env: dict, factor: int) -> dict:
    """Migrate, load the demo, grow it ``factor`` times; the demo member's session cookie and the
    addresses to load. In this process, on the throwaway database, tasks inline."""
    os.environ.update({key: value for key, value in env.items() if key != "REDIS_URL"})
    os.environ.pop("REDIS_URL", None)  # building: tasks inline, nothing cached
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bromley_portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from bench.generate import grow_council
    from plans import dashboards
    from plans.models import Action

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    before = Action.objects.count()
    grow_council(factor)
    period = dashboards.latest_locked_period()
    if period is None:
        raise SystemExit("The demo has no locked period: nothing to measure.")
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(
        get_user_model().objects.get(username="member"), backend="django.contrib.auth.backends.ModelBackend"
    )
    from django.db import connections

    connections.close_all()
    return {
        "actions": (before, Action.objects.count()),
        "period": period,
        "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            return response.status, response.headers.get("X-Page-Cache", "")
    except urllib.error.HTTPError as error:
        return error.code, ""


def wait_until_up(base: str, process, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped: see its output above")
        try:
            if get(f"{base}/health/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /health/ in time")


def run_wrk(wrk: str, url: str, cookie: str, seconds: int) -> tuple[float, float, int]:
    """(requests per second, p99 in ms, responses that were not 2xx or 3xx)."""
    command = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rate, p99, int(errors.group(1)) if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="how long wrk loads each page")
    parser.add_argument("--factor", type=int, default=10, help="the council's size, times the demo")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("bench/load.py needs PostgreSQL: set BENCH_DATABASE_URL")
    if not redis_url:
        raise SystemExit("bench/load.py needs Redis (the production cache): set BENCH_REDIS_URL or REDIS_URL")
    wrk = wrk_path()
    url, admin_url = throwaway_database(database_url, "load")
    folder = tempfile.mkdtemp(prefix="bench-load-")
    env = {
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATIC_ROOT": str(Path(folder) / "static"),
        "MEDIA_ROOT": str(Path(folder) / "media"),
    }
    server = None
    try:
        print(f"Building a council {args.factor} times the demo on PostgreSQL ...", flush=True)
        built = build_council(env, args.factor)
        subprocess.run(  # noqa: S603 (our own manage.py)
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
        )
        # A new generation of the page cache in Redis: pages cached by an earlier run are not this database's.
        from django.core.cache.backends.redis import RedisCache

        from bromley_portal.core.pagecache import GENERATION_KEY

        RedisCache(redis_url, {"KEY_PREFIX": "pages"}).delete(GENERATION_KEY)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 (the project's gunicorn)
            [
                PYTHON.parent / "gunicorn",
                "bromley_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**os.environ, **env, "REDIS_URL": redis_url},
            start_new_session=True,
        )
        wait_until_up(base, server)
        period = built["period"]
        pages = [
            ("/health/", "/health/", None, ""),
            (f"corporate overview ({period})", "/plans/dashboards/", 0.5, built["cookie"]),
            ("ambition 1 dashboard", "/plans/dashboards/ambitions/1/", 0.5, built["cookie"]),
            ("CEF portfolio dashboard", "/plans/dashboards/portfolios/CEF/", 0.5, built["cookie"]),
            (f"actions list, {period}", f"/plans/actions/?period={period.pk}", 0.25, built["cookie"]),
            ("actions list (latest updates)", "/plans/actions/", 0.25, built["cookie"]),
        ]
        for name, path, _, cookie in pages:
            status, cached = get(base + path, cookie)
            if status != 200:
                raise SystemExit(f"{name} ({path}) answered {status}: the bench's sign-in or data is wrong")
        before, after = built["actions"]
        print(
            f"\nUnder load: gunicorn, 2 sync workers, Redis cache; wrk, {CONNECTIONS} connections, "
            f"{args.seconds} s each; {after} actions ({before} in the demo)"
        )
        print(
            "Each page is loaded right after /health/, and its ratio is to that run (the machine's load "
            "moves between runs)."
        )
        print(
            f"{'page':40} {'req/s':>7} {'p99 ms':>7} {'/health/ req/s':>14} {'ratio':>6} {'target':>6}  "
            "result  cache"
        )
        for name, path, target, cookie in pages[1:]:
            health_rate, _, _ = run_wrk(wrk, base + "/health/", "", args.seconds)
            rate, p99, errors = run_wrk(wrk, base + path, cookie, args.seconds)
            cached = get(base + path, cookie)[1] or "-"
            ratio = rate / health_rate
            verdict = "pass" if ratio >= target and not errors else "FAIL"
            if errors:
                verdict += f" ({errors} errors)"
            record("load", f"under wrk: {name} / /health/ req/s", f"{ratio:.2f} ({rate:.0f} vs {health_rate:.0f})",
                   f"at least {target:.2f}", "met" if verdict == "pass" else "MISSED")  # fmt: skip
            print(
                f"{name:40} {rate:7.1f} {p99:7.0f} {health_rate:14.1f} {ratio:6.2f} {target:6.2f}  "
                f"{verdict:6}  {cached}",
                flush=True,
            )
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        drop_database(admin_url, url)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
