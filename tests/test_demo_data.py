"""The demo data hook: apps register loaders with the core, and setup_demo runs them in order."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bromley_portal.core import demo
from plans.models import Measure, PortfolioPlan, QuarterlyUpdate


@pytest.fixture
def demo_folder(settings, tmp_path):
    """setup_demo keeps the demo passwords in BASE_DIR/.demo-credentials.json: not the repository's."""
    settings.BASE_DIR = tmp_path
    return tmp_path


def setup_demo() -> str:
    out = StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


def test_the_apps_register_their_loaders_strategy_before_plans():
    labels = [item.label for item in demo.demo_data()]
    assert labels.index("Ambitions") < labels.index("Portfolio plans")


def test_setup_demo_runs_each_registered_loader_in_order(db, demo_folder, monkeypatch, settings):
    monkeypatch.setattr(demo, "_loaders", {})
    demo.register_demo_data("Second", lambda stdout: stdout.write("  second ran"), order=20)
    demo.register_demo_data("First", lambda stdout: stdout.write("  first ran"), order=10)
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    output = setup_demo()
    assert output.index("Loading First ...\n  first ran") < output.index("Loading Second ...\n  second ran")
    assert "Sign in at https://portal.example.org/accounts/login/" in output
    assert (demo_folder / ".demo-credentials.json").exists()


def test_setup_demo_twice_loads_everything_once_and_says_so(db, demo_folder):
    first = setup_demo()
    counts = [model.objects.count() for model in (PortfolioPlan, QuarterlyUpdate, Measure, get_user_model())]
    second = setup_demo()
    assert [
        model.objects.count() for model in (PortfolioPlan, QuarterlyUpdate, Measure, get_user_model())
    ] == (counts)
    assert "CEF 2023-24: loaded" in first and "is open for updates" in first
    assert "CEF 2023-24: already there" in second and "demo quarterly updates: already there" in second
