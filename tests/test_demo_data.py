"""The demo data hook: apps register loaders with the core, and setup_demo runs them in order."""

import json
import re
import stat
import subprocess
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bromley_portal.core import demo
from complaints.models import Division, Service
from plans.models import Measure, PortfolioPlan, QuarterlyUpdate


@pytest.fixture
def demo_folder(settings, tmp_path):
    """setup_demo keeps the demo passwords in DEMO_CREDENTIALS_FILE: here a scratch one, not the repository's."""
    settings.DEMO_CREDENTIALS_FILE = tmp_path / ".demo-credentials.json"
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


def test_setup_demo_prints_the_address_it_is_told(db, demo_folder, monkeypatch):
    monkeypatch.setattr(demo, "_loaders", {})
    out = StringIO()
    call_command("setup_demo", "--url", "http://127.0.0.1:8123/", stdout=out)
    assert "Sign in at http://127.0.0.1:8123/accounts/login/" in out.getvalue()
    assert ":8000" not in out.getvalue()


def test_make_run_serves_and_prints_the_same_port():
    """`make run PORT=8123` serves on 8123 and its demo (links in e-mails, the printed address) says 8123."""
    commands = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], capture_output=True, text=True, check=True, cwd=settings.BASE_DIR
    ).stdout
    setup = next(line for line in commands.splitlines() if "setup_demo" in line)
    serve = next(line for line in commands.splitlines() if "runserver" in line)
    assert "PORTAL_BASE_URL=http://127.0.0.1:8123" in setup
    assert serve.rstrip().endswith("runserver 127.0.0.1:8123")


def test_setup_demo_twice_loads_everything_once_and_says_so(db, demo_folder):
    first = setup_demo()
    from meetings.models import AgendaItem, CommitteeMembership, Meeting, ScrutinyAction

    models = (
        PortfolioPlan,
        QuarterlyUpdate,
        Measure,
        get_user_model(),
        Division,
        Service,
        Meeting,
        AgendaItem,
        ScrutinyAction,
        CommitteeMembership,
    )
    counts = [model.objects.count() for model in models]
    second = setup_demo()
    assert [model.objects.count() for model in models] == counts
    assert "CEF 2023-24: loaded" in first and "is open for updates" in first
    assert "complaints divisions: 8 loaded" in first
    assert "complaints divisions and services: already there" in second
    assert "CEF 2023-24: already there" in second and "demo quarterly updates: already there" in second
    assert "Families PDS Committee, 17 November 2022: loaded" in first
    assert "Families PDS Committee, 17 November 2022: already there" in second
    assert "scrutiny actions of 17 November 2022: 4 loaded" in first
    assert "scrutiny actions of 17 November 2022: 4 already there" in second
    assert ScrutinyAction.objects.filter(post__holders__username="officer").count() == 2
    assert CommitteeMembership.objects.filter(member__username="member").exists()
    assert list(AgendaItem.objects.values_list("report_number", flat=True)) == [
        "CEF22074",
        "CEF22066",
        "CEF22047",
        "CEF22053A",
    ]


def test_the_demo_is_dated_from_today_and_gives_every_ambition_something_to_report(db, demo_folder):
    from datetime import date

    from ambitions.models import Ambition
    from ambitions.services import load_seed_strategy
    from plans import dashboards
    from plans.choices import PeriodStatus, Rag, UpdateStatus
    from plans.demo import load_demo_updates
    from plans.models import ReportingPeriod
    from plans.seeds import load_seed_plans

    load_seed_strategy()
    load_seed_plans()
    today = date(2026, 11, 30)  # quarter 3 of 2026-27
    assert load_demo_updates(today=today)
    open_period = ReportingPeriod.objects.get(status=PeriodStatus.OPEN)
    assert (open_period.year, open_period.quarter) == (2026, 3)
    assert open_period.opens_on <= today < open_period.due_on, "the open quarter's deadline is still to come"
    assert dashboards.latest_locked_period() == ReportingPeriod.objects.get(year=2026, quarter=2)
    assert not ReportingPeriod.objects.filter(year=2025).exclude(status=PeriodStatus.LOCKED).exists()
    # Every ambition of the corporate overview has actions with reported RAGs, and some are off track.
    counts = dashboards.rag_counts(dashboards.Filters(dashboards.latest_locked_period()), "ambition")
    for ambition in Ambition.objects.all():
        reported = sum(count for status, count in counts[ambition.pk].now.items() if status != Rag.NO_UPDATE)
        assert reported, f"ambition {ambition.number} has nothing reported"
    assert sum(c.now[Rag.RED] + c.now[Rag.AMBER] for c in counts.values()) > 0
    # The open quarter holds updates in every state, and the illustrative plans say what they are.
    states = set(QuarterlyUpdate.objects.filter(period=open_period).values_list("status", flat=True))
    assert states == {
        UpdateStatus.DRAFT,
        UpdateStatus.SUBMITTED,
        UpdateStatus.RETURNED,
        UpdateStatus.APPROVED,
    }
    illustrative = PortfolioPlan.objects.filter(illustrative=True, year=2026)
    assert sorted(illustrative.values_list("portfolio__code", flat=True)) == ["ACH", "ECS", "RRH"]
    assert all("illustrative" in plan.title for plan in illustrative)


def test_the_demo_credentials_go_where_the_setting_says_readable_by_the_owner_only(
    db, settings, tmp_path, monkeypatch
):
    """In the image the code is read-only: DEMO_CREDENTIALS_FILE points at a writable folder (made if missing)."""
    monkeypatch.setattr(demo, "_loaders", {})
    settings.DEMO_CREDENTIALS_FILE = tmp_path / "media" / "demo" / "credentials.json"
    output = setup_demo()
    saved = json.loads(settings.DEMO_CREDENTIALS_FILE.read_text())
    assert set(saved) >= {"officer", "clerk", "admin"}
    assert re.search(rf"officer +password {re.escape(saved['officer'])} ", output)
    assert stat.S_IMODE(settings.DEMO_CREDENTIALS_FILE.stat().st_mode) == 0o600
    assert not (tmp_path / ".demo-credentials.json").exists()
    setup_demo()  # a second run keeps the same passwords
    assert json.loads(settings.DEMO_CREDENTIALS_FILE.read_text()) == saved
