"""collectstatic publishes built assets and the files pages load as they are, never the front-end sources.

The sources (SCSS, the entry module before the build copies it, the build script, the images it copies)
live in frontend/, outside STATICFILES_DIRS; `npm run build` (frontend/build.mjs) writes static/dist.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
SOURCE_SUFFIXES = {".scss", ".sass"}


@pytest.fixture
def published(settings, tmp_path) -> set[str]:
    """Every file collectstatic writes, as production collects them (hashed, compressed), relative names."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "bromley_portal.core.staticfiles.HashedStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return {
        path.relative_to(settings.STATIC_ROOT).as_posix()
        for path in settings.STATIC_ROOT.rglob("*")
        if path.is_file()
    }


def test_the_front_end_sources_and_build_script_live_outside_static():
    static_dirs = [Path(folder).resolve() for folder in django_settings.STATICFILES_DIRS]
    for source in (
        "frontend/build.mjs",
        "frontend/src/portal.scss",
        "frontend/src/portal.mjs",
        "frontend/images",
    ):
        path = (ROOT / source).resolve()
        assert path.exists(), source
        assert not any(path.is_relative_to(folder) for folder in static_dirs), f"{source} would be published"
    assert json.loads((ROOT / "package.json").read_text())["scripts"]["build"] == "node frontend/build.mjs"


def test_collectstatic_publishes_no_source_file(published):
    assert published, "nothing was collected"
    sources = sorted(name for name in published if Path(name).suffix in SOURCE_SUFFIXES)
    assert sources == []
    assert not [name for name in published if name.startswith(("src/", "images/", "frontend/"))]
    assert not [name for name in published if Path(name).name.startswith("build.")]
    # Every module published is one the build wrote (dist/) or one a page loads as it is.
    modules = {name for name in published if name.endswith(".mjs") and not name.startswith("dist/")}
    assert {name.split(".")[0] for name in modules} == {"reports/progress"}


def test_collectstatic_publishes_the_built_assets_and_the_files_pages_load(published):
    for name in (
        "dist/portal.css",
        "dist/portal.mjs",
        "dist/govuk-frontend.min.js",
        "dist/assets/images/favicon.svg",
        "core/js-enabled.js",
        "reports/progress.mjs",
        "reports/report.css",
    ):
        assert name in published, name
