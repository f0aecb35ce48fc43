"""The benchmarks import one another's helpers (bench/run.py's ``setup_django`` and ``measure``): each
script must still import after a change to another, or ``make bench`` stops half way. They are not run
here (they take minutes and build their own councils); they are imported, as ``make bench`` would."""

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCRIPTS = sorted(path.stem for path in BENCH.glob("*.py") if path.stem != "__init__")


@pytest.mark.parametrize("name", SCRIPTS)
def test_each_benchmark_imports(name):
    module = importlib.import_module(f"bench.{name}")
    assert module.__doc__, f"bench/{name}.py says what it measures"


def test_make_bench_runs_every_benchmark_script():
    makefile = (BENCH.parent / "Makefile").read_text()
    helpers = {"generate"}  # used by the others, not run on its own
    missing = [name for name in SCRIPTS if name not in helpers and f"bench/{name}.py" not in makefile]
    assert missing == []
