"""The pinned dependencies stay pinned, pyproject.toml and the two locks agree, and the production lock
(the one the image installs) holds what the portal's code imports and none of the development tools.

requirements.lock: [project] dependencies and what they need. requirements-dev.lock: `-r requirements.lock`
plus the [dev] extras and what they need beyond that (`make lock` writes both).
"""

import ast
import re
import sys
import tomllib
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# Not the portal's runtime code: tests, benchmarks, and the scripts that rebuild fixtures/data from the
# council's documents (run by a developer, never by the portal).
NOT_RUNTIME = {
    "tests",
    "bench",
    "fixtures",
    "docs",
    "static",
    "frontend",
    "node_modules",
    ".venv",
    ".lock-venv",
}
# Run by the image rather than imported (Dockerfile CMD, docker-compose.yml).
RUN_BY_THE_IMAGE = {"gunicorn", "celery"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins(name: str = "requirements.lock") -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if line and not line.startswith(("#", "-r ")):
            name, version = line.split("==")
            pins[normalise(name)] = version
    return pins


def production_requirements() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def dev_requirements() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]


def declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"] + [
        dep for group in project["optional-dependencies"].values() for dep in group
    ]


def test_every_direct_dependency_is_pinned_exactly():
    for requirement in declared():
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z0-9,]+\])?==[0-9][\w.]*", requirement), requirement


def test_the_locks_pin_every_direct_dependency_at_the_same_version():
    """Production dependencies in requirements.lock; dev tools in requirements-dev.lock, or in the
    production lock when a production package needs them too (PyYAML, for drf-spectacular)."""
    production, dev = lock_pins(), lock_pins("requirements-dev.lock")
    for requirement in production_requirements():
        name, version = requirement.split("==")
        name = normalise(name.split("[")[0])
        assert production.get(name) == version, (
            f"{name}: pyproject says {version}, the lock says {production.get(name)}"
        )
    for requirement in dev_requirements():
        name, version = requirement.split("==")
        name = normalise(name.split("[")[0])
        pinned = dev.get(name) or production.get(name)
        assert pinned == version, f"{name}: pyproject says {version}, the locks say {pinned}"


def test_the_dev_lock_is_the_production_lock_plus_the_rest():
    lines = [line for line in (ROOT / "requirements-dev.lock").read_text().splitlines() if line]
    assert next(line for line in lines if not line.startswith("#")) == "-r requirements.lock"
    assert not set(lock_pins()) & set(lock_pins("requirements-dev.lock")), "a package pinned in both locks"
    assert "-r requirements-dev.lock" in (ROOT / "Makefile").read_text()


# What the production lock must hold, and must not -----------------------------------


def runtime_imports(root: Path = ROOT) -> dict[str, set[str]]:
    """Top-level third-party modules the portal's runtime code uses: its import statements, and dotted
    names in strings that start with an installed package (INSTALLED_APPS, MIDDLEWARE, storage backends),
    each with the files that use it."""
    installed = packages_distributions()
    local = {path.name for path in root.iterdir() if path.is_dir()} | {
        path.stem for path in root.glob("*.py")
    }
    found: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if relative.parts[0] in NOT_RUNTIME:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"[a-z_]\w*(\.\w+)+", node.value)
                and node.value.split(".")[0] in installed
            ):
                names = [node.value]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in local or (path.parent / f"{top}.py").exists():
                    continue
                found.setdefault(top, set()).add(str(relative))
    return found


def production_closure(requirements: list[str]) -> set[str]:
    """The distributions the requirements need, with their extras, as installed here."""
    needed: dict[str, set[str]] = {}
    todo = [Requirement(text) for text in requirements]
    while todo:
        requirement = todo.pop()
        name = normalise(requirement.name)
        extras = needed.get(name)
        if extras is not None and set(requirement.extras) <= extras:
            continue
        extras = (extras or set()) | set(requirement.extras)
        needed[name] = extras
        for text in distribution(requirement.name).requires or []:
            wanted = Requirement(text)
            if wanted.marker is None or any(
                wanted.marker.evaluate({"extra": extra}) for extra in extras | {""}
            ):
                todo.append(wanted)
    return set(needed)


def lock_problems(pins: set[str], imports: dict[str, set[str]]) -> list[str]:
    """What is wrong with a production lock holding `pins` for code importing `imports`."""
    problems = []
    installed = packages_distributions()
    for module, files in sorted(imports.items()):
        providers = {normalise(name) for name in installed.get(module, [])}
        if not providers:
            problems.append(f"{module} (imported by {', '.join(sorted(files))}) is not installed at all")
        elif not providers & pins:
            problems.append(f"{module} (imported by {', '.join(sorted(files))}) is not in requirements.lock")
    for tool in sorted(RUN_BY_THE_IMAGE - pins):
        problems.append(f"{tool} (run by the image) is not in requirements.lock")
    closure = production_closure(production_requirements())
    for requirement in dev_requirements():
        name = normalise(Requirement(requirement).name)
        if name in pins and name not in closure:
            problems.append(f"{name} is a development tool that no production package needs")
    for name in sorted(pins - closure):
        problems.append(f"{name} is in requirements.lock but nothing in pyproject's dependencies needs it")
    return problems


def test_the_production_lock_holds_what_the_code_imports_and_no_development_tool():
    assert lock_problems(set(lock_pins()), runtime_imports()) == []


def test_the_production_lock_is_exactly_what_the_dependencies_need():
    assert set(lock_pins()) == production_closure(production_requirements())


def test_the_check_finds_a_missing_package_and_a_development_tool():
    """The check above can fail: a lock without nh3 (complaints' report text) and with pytest and moto."""
    pins = set(lock_pins()) - {"nh3"} | {"pytest", "moto"}
    problems = lock_problems(pins, runtime_imports())
    assert any(problem.startswith("nh3 (imported by complaints/report_text.py") for problem in problems), (
        problems
    )
    assert "pytest is a development tool that no production package needs" in problems
    assert "moto is a development tool that no production package needs" in problems
    assert lock_problems(set(lock_pins()), {**runtime_imports(), "pypdf": {"reports/x.py"}}) == [
        "pypdf (imported by reports/x.py) is not in requirements.lock"
    ]


def test_the_scan_sees_imports_and_dotted_names_in_settings():
    imports = runtime_imports()
    assert "complaints/report_text.py" in imports["nh3"]
    assert "bromley_portal/settings.py" in imports["storages"]  # "storages.backends.s3.S3Storage"
    assert "pytest" not in imports and "bromley_portal" not in imports


def test_weasyprint_is_past_the_ssrf_fix():
    assert int(lock_pins()["weasyprint"].split(".")[0]) >= 68


def test_openpyxl_reads_workbooks_with_defusedxml():
    """Plan imports read uploaded .xlsx files; openpyxl refuses entity tricks only with defusedxml."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML
