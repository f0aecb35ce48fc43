"""What the seed tests share: the builder (fixtures/build_seed_data.py, loaded as a module), the JSON it
wrote, and the council's documents it reads.

The documents live outside the repository (``../shared/seeds``); the builder's ``default_seeds_dir``
says where (``PORTAL_SEEDS_DIR``, else the nearest ``shared/seeds`` above the checkout). A test that
needs them calls :func:`seeds_dir`: on a laptop without them it is skipped, and with
``PORTAL_REQUIRE_SERVICES=true`` (CI) it fails.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from tests.conftest import skip_or_fail

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "fixtures" / "build_seed_data.py"
DATA = REPO / "fixtures" / "data"
CEF_PLAN_SEED = "001_e8e78d54940f3605.txt"


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_seed_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


builder = sys.modules.get("build_seed_data") or _load_builder()


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def seeds_dir() -> Path:
    """The folder of the council's documents; skips (or fails, in CI) when it is not there."""
    folder = builder.default_seeds_dir()
    if not (folder / CEF_PLAN_SEED).is_file():
        skip_or_fail(
            f"the council's documents are not in {folder}: set {builder.SEEDS_ENV} to the folder "
            "holding 000_...txt to 004_...txt"
        )
    return folder


def seed_text(name: str) -> str:
    return (seeds_dir() / name).read_text(encoding="utf-8")
