"""The pinned dependencies stay pinned, and pyproject.toml and requirements.lock agree."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[normalise(name)] = version
    return pins


def declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"] + [
        dep for group in project["optional-dependencies"].values() for dep in group
    ]


def test_every_direct_dependency_is_pinned_exactly():
    for requirement in declared():
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z0-9,]+\])?==[0-9][\w.]*", requirement), requirement


def test_the_lock_pins_every_direct_dependency_at_the_same_version():
    pins = lock_pins()
    for requirement in declared():
        name, version = requirement.split("==")
        name = normalise(name.split("[")[0])
        assert pins.get(name) == version, f"{name}: pyproject says {version}, the lock says {pins.get(name)}"


def test_weasyprint_is_past_the_ssrf_fix():
    assert int(lock_pins()["weasyprint"].split(".")[0]) >= 68


def test_openpyxl_reads_workbooks_with_defusedxml():
    """Plan imports read uploaded .xlsx files; openpyxl refuses entity tricks only with defusedxml."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML
