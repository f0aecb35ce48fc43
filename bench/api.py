"""The read API's actions endpoint against the HTML actions list, at the demo's size and at ten times it.

Targets (issue 16): at ten times the demo data the endpoint's first page takes at most twice the HTML
list's time, with the same number of queries as at the demo's size; a repeated poll with If-None-Match
is answered 304 without reading the action tables. Server time in-process (Django's test client), as
bench/run.py measures; the API is read with a personal token, the list signed in, as a councillor.

    .venv/bin/python bench/api.py [--repeat 15]
"""

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import bench_database, record  # noqa: E402 (after the path above)
from bench.run import setup_django  # noqa: E402

LIST = "/plans/actions/"
API = "/api/v1/actions/"
ACTION_TABLES = re.compile(
    r'"plans_(action|actiondetail|detaillead|quarterlyupdate|updatenote|measureofsuccess)"'
)
LIMIT = 2.0


def timed(client, url, repeat, headers=None, status=200):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, headers=headers)  # warm up
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            timings.append(time.perf_counter() - start)
        if response.status_code != status:
            raise SystemExit(f"{url} answered {response.status_code}, not {status}")
    return statistics.median(timings) * 1000, [query["sql"] for query in queries], response


def clients():
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bromley_portal.accounts.demo import DEMO_PEOPLE
    from bromley_portal.accounts.roles import Role
    from bromley_portal.accounts.tokens import create_token

    username = next(name for name, _, _, role in DEMO_PEOPLE if role == Role.MEMBER)
    member = get_user_model().objects.get(username=username)
    page = Client()
    page.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    api = Client(headers={"Authorization": f"Bearer {create_token(member, 'bench', 30).secret}"})
    return page, api


def measure(repeat):
    page, api = clients()
    html_ms, html_queries, _ = timed(page, LIST, repeat)
    api_ms, api_queries, response = timed(api, API, repeat)
    poll_ms, poll_queries, _ = timed(api, API, repeat, {"If-None-Match": response["ETag"]}, status=304)
    return {
        "html": (html_ms, len(html_queries)),
        "api": (api_ms, len(api_queries)),
        "poll": (poll_ms, len(poll_queries), [q for q in poll_queries if ACTION_TABLES.search(q)]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, bench_database(folder, "api") as database_url:
        setup_django(database_url)
        from django.conf import settings
        from django.core.management import call_command

        from bench.generate import grow_council
        from plans.models import Action

        settings.API_THROTTLE_RATE = "1000000/minute"  # the benchmark is one client polling hard
        call_command("migrate", verbosity=0)
        call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        before, small = Action.objects.count(), measure(args.repeat)
        grow_council(10)
        after, large = Action.objects.count(), measure(args.repeat)

    print(f"\nRead API: the actions endpoint's first page ({before} -> {after} actions)")
    print(f"{'':36} {'x1 ms':>8} {'x10 ms':>8} {'queries x1/x10':>15}")
    for key, name in [
        ("html", "HTML actions list"),
        ("api", "API actions, first page"),
        ("poll", "API poll, If-None-Match"),
    ]:
        print(f"{name:36} {small[key][0]:8.1f} {large[key][0]:8.1f} {small[key][1]:>7d}/{large[key][1]:<7d}")
    ratio = large["api"][0] / large["html"][0]
    constant = small["api"][1] == large["api"][1]
    print(
        f"API first page / HTML list at x10: {ratio:.2f} (target at most {LIMIT}); queries constant: "
        f"{'yes' if constant else 'NO'}: {'met' if ratio <= LIMIT and constant else 'MISSED'}"
    )
    record("api", "API first page / HTML list at x10", f"{ratio:.2f}, queries {'constant' if constant else 'GREW'}",
           f"at most {LIMIT}", "met" if ratio <= LIMIT and constant else "MISSED")  # fmt: skip
    untouched = not small["poll"][2] and not large["poll"][2]
    record("api", "API repeated poll: 304 without reading action tables", "none read" if untouched else "read",
           "none read", "met" if untouched else "MISSED")  # fmt: skip
    print(
        f"Repeated poll: 304 in {large['poll'][1]} queries, action tables read: "
        f"{'none' if untouched else large['poll'][2]}: {'met' if untouched else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
