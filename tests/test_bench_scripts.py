"""The benchmarks import one another's helpers (bench/run.py's ``setup_django`` and ``measure_interleaved``): each
script must still import after a change to another, or ``make bench`` stops half way. They are not run
here (they take minutes and build their own councils); they are imported, as ``make bench`` would."""

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(path.stem for path in BENCH.glob("*.py") if path.stem != "__init__")


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_benchmark_imports(name):
    module = importlib.import_module(f"bench.{name}")
    assert module.__doc__, f"bench/{name}.py says what it measures"


def bench_scripts_in_the_makefile() -> list[str]:
    makefile = (BENCH.parent / "Makefile").read_text()
    listed = re.search(r"^BENCH_SCRIPTS := (.*?)(?<!\\)$", makefile, re.M | re.S).group(1)
    return listed.replace("\\", " ").split()


def test_make_bench_runs_every_benchmark_script():
    helpers = {"generate", "summary"}  # used by the others, or run at the end to print the table
    listed = bench_scripts_in_the_makefile()
    assert sorted(listed) == sorted(name for name in SCRIPTS if name not in helpers)


def test_the_combined_table_shows_every_target_and_fails_on_a_miss_or_a_silent_script(tmp_path, monkeypatch):
    from bench import record

    results = tmp_path / "summary.jsonl"
    monkeypatch.setenv("BENCH_RESULTS", str(results))
    record("plan_import", "plan import: speed / COPY", "0.27", "at least 0.10", "aim met")
    record("run", "page at 100x: periods", "1.74x", "at most 1.3x", "MISSED")

    def summary(*scripts):
        return subprocess.run(
            [sys.executable, str(BENCH / "summary.py"), *scripts],
            env={**os.environ, "BENCH_RESULTS": str(results)}, capture_output=True, text=True, check=False,
        )  # fmt: skip

    shown = summary("plan_import", "run", "load")
    assert shown.returncode == 1
    assert "plan import: speed / COPY" in shown.stdout and "page at 100x: periods" in shown.stdout
    assert "| load " in shown.stdout and "MISSING" in shown.stdout  # load recorded nothing
    assert "2 targets: 1 met, 1 missed; 1 scripts recorded nothing" in shown.stdout

    results.write_text("")
    record("plan_import", "plan import: speed / COPY", "0.27", "at least 0.10", "met")
    assert summary("plan_import").returncode == 0


@pytest.mark.django_db
def test_copy_of_the_written_rows_is_what_the_import_wrote():
    """The imports' benchmarks compare an import with COPY of the rows it writes: ``written_rows`` must
    catch exactly those rows (and leave nothing behind), and ``copy_written_seconds`` must write them all
    into the same tables (and leave nothing behind either)."""
    from django.db import connection

    from ambitions.models import Post
    from bench import copy_written_seconds, row_count, written_rows
    from plans.builders import _Stamp, posts_named

    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    Post.objects.create(title="Head of Existing")
    titles = ["Head of Benchmarks", "Head of Copies", "Head of Existing"]
    dumps = written_rows(lambda: posts_named(titles, _Stamp(None, "bench")))
    assert set(dumps) == {Post._meta.db_table, Post.history.model._meta.db_table}
    assert row_count(dumps) == 4  # two new posts and their history; the existing post is not written
    assert b"Head of Copies" in dumps[Post._meta.db_table]
    assert not Post.objects.filter(title__in=titles[:2]).exists()  # rolled back

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Post.history.model._meta.db_table}")  # noqa: S608
        before = cursor.fetchone()[0]
    assert copy_written_seconds(dumps) > 0
    assert not Post.objects.filter(title__in=titles[:2]).exists()  # rolled back too
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {Post.history.model._meta.db_table}")  # noqa: S608
        assert cursor.fetchone()[0] == before


def test_every_open_data_feed_is_judged_per_row_as_a_download():
    """bench/run.py judges a whole-data download per row: at 100x it holds 100 times the rows. Every
    open data feed of the matrix is one, JSON as well as CSV (the measures JSON, whose name and address
    say neither "export" nor "csv", was once judged on its whole time), and a JSON feed's rows count."""
    from django.http import HttpResponse

    from bench.run import is_download, rows_in
    from tests.permissions import PAGES

    feeds = [page for page in PAGES if page.url_name == "open_data:feed"]
    assert {page.name for page in feeds} >= {"open data measures JSON", "open data actions CSV"}
    for page in feeds:
        assert is_download(page.name, page.url, page.url_name), page.name
    assert not is_download("open data dictionary", "/open-data/schemas/actions.json", "open_data:schema")
    assert not is_download("plans", "/plans/", "plans:plan_list")
    feed = HttpResponse('{"dataset": "measures", "rows": [{"quarter": 1}, {"quarter": 2}]}',
                        content_type="application/json; charset=utf-8")  # fmt: skip
    assert rows_in(feed, feed.content) == 2


def test_a_paged_list_the_1x_council_does_not_fill_is_judged_from_its_first_full_size():
    """bench/run.py judges a page against 1x unless its 1x page shows less than its 100x page (an HTML body
    under FULL_PAGE of the 100x one: the approvals queue with 8 cards at 1x, 25 after) and its 10x page
    shows as much: then against 10x. A page that keeps growing, and any download, stays judged against 1x."""
    from bench.run import full_from

    assert full_from({1: 24_000, 10: 99_000, 100: 99_500}) == 10  # a queue filling its page at 10x
    assert full_from({1: 98_000, 10: 99_000, 100: 99_500}) == 1  # full at 1x
    assert full_from({1: 24_000, 10: 60_000, 100: 99_500}) == 1  # still growing at 10x: not excused
    assert full_from({1: 30_000, 10: 300_000, 100: 3_000_000}) == 1  # unbounded
    assert full_from({1: None, 10: None, 100: None}) == 1  # a download (not HTML)


@pytest.mark.django_db
def test_sizes_are_timed_back_to_back_each_round_after_a_round_to_warm_up(monkeypatch):
    """bench.run.measure_interleaved (the contracts and complaints benchmarks, as bench/run.py's pages): each
    round opens every size in turn, so the machine's load falls on all alike, each after collecting what
    the requests before it left (outside the timing); the first round is not counted; a page that does
    not answer 200 stops the benchmark."""
    from bench import run
    from bench.run import measure_interleaved

    used, called, collected = [], [], []
    monkeypatch.setattr(run, "collect_garbage", lambda: collected.append(len(called)))

    class Sizes:
        def use(self, size):
            used.append(size)

    def timed(size):
        return lambda: called.append(size)

    by_size = {500: {"selector": timed(500)}, 5000: {"selector": timed(5000)}}
    results = measure_interleaved(Sizes(), by_size, "selector", repeat=3)
    assert used == called == [500, 5000] * 4
    assert collected == list(range(8))  # before every call, none skipped
    assert set(results) == {500, 5000} and all(queries == 0 for _, queries in results.values())

    class Refused:
        def get(self, url):
            return type("Response", (), {"status_code": 403})()

    with pytest.raises(SystemExit, match="/contracts/ answered 403 at size 500"):
        measure_interleaved(Sizes(), {500: {"page": (Refused(), "/contracts/")}}, "page", repeat=1)
