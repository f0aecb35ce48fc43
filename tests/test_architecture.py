"""The dependency rules (README, Architecture) as a test: import-linter's contracts in pyproject.toml.

``make lint`` runs the same contracts with ``lint-imports``; this runs them under ``make test``
too, and fails with import-linter's own report of what broke which contract.
"""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The modules that wire the apps together, which may name any app; everything else in
# bromley_portal is the core.
WIRING = {"settings", "urls", "celery", "wsgi"}
LINT_IMPORTS = (
    "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
)


def import_linter_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_the_import_contracts_are_kept():
    result = subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1"},
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"import-linter found broken contracts:\n{result.stdout}{result.stderr}", pytrace=False)
    assert "0 broken" in result.stdout


def test_the_contracts_cover_every_app_and_every_core_package():
    config = import_linter_config()
    apps = {path.name for path in ROOT.iterdir() if (path / "apps.py").exists()}
    assert set(config["root_packages"]) == {"bromley_portal", *apps}, "a new app needs its contracts"

    core = ROOT / "bromley_portal"
    children = {
        path.stem if path.is_file() else path.name
        for path in core.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    contracts = {contract["id"]: contract for contract in config["contracts"]}
    covered = {
        name.removeprefix("bromley_portal.") for name in contracts["core-knows-no-app"]["source_modules"]
    }
    assert children - WIRING == covered, (
        "every module of bromley_portal but the wiring is the core, which imports no domain app"
    )
    assert set(contracts["core-knows-no-app"]["forbidden_modules"]) == apps


# Thin views, short functions ---------------------------------------------------------------

APP_CODE = ["bromley_portal", "ambitions", "plans", "contracts", "complaints", "api"]
LONGEST_VIEW = 40  # lines: a view declares; queries, moves and rules live elsewhere
LONGEST_FUNCTION = 60
# Code kept in another project's shape on purpose, with the reason.
COPIED = {
    "bromley_portal/reports/tagging.py": "modified copies of WeasyPrint 70's add_tags and _build_box_tree, kept "
    "in WeasyPrint's shape so each release can be compared with them line by line",
}


def python_files():
    for folder in APP_CODE:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def definitions(path, kind):
    import ast

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, kind):
            yield node.name, node.end_lineno - node.lineno + 1


def test_no_view_is_longer_than_forty_lines():
    import ast

    long = [
        f"{path.relative_to(ROOT)}: {name} ({length} lines)"
        for path in python_files()
        if path.name == "views.py"
        for name, length in definitions(path, ast.ClassDef)
        if length > LONGEST_VIEW
    ]
    assert long == [], "views declare; move queries to selectors and moves to services"


def test_no_function_is_longer_than_sixty_lines():
    import ast

    long = [
        f"{path.relative_to(ROOT)}: {name} ({length} lines)"
        for path in python_files()
        if str(path.relative_to(ROOT)) not in COPIED
        for name, length in definitions(path, (ast.FunctionDef, ast.AsyncFunctionDef))
        if length > LONGEST_FUNCTION
    ]
    assert long == []
