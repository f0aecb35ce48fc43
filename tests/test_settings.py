import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from bromley_portal.env import env_bool, env_database, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


def test_env_bool_reads_true_and_false(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", True) is False
    monkeypatch.delenv("FLAG")
    assert env_bool("FLAG", True) is True


def test_env_bool_refuses_a_value_it_cannot_read(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        env_bool("DEBUG", False)


def test_env_int_refuses_a_value_it_cannot_read(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be a whole number"):
        env_int("EMAIL_PORT", 25)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "portal.bromley.gov.uk, localhost,")
    assert env_list("ALLOWED_HOSTS", []) == ["portal.bromley.gov.uk", "localhost"]


def test_env_str_names_a_required_variable(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="Set the environment variable SECRET_KEY"):
        env_str("SECRET_KEY")


def test_env_database_refuses_an_unsupported_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/portal")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be a postgresql"):
        env_database("DATABASE_URL", "sqlite:///db.sqlite3")


def test_env_database_parses_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://portal:pw@db.internal:5433/portal")
    config = env_database("DATABASE_URL", "sqlite:///db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "portal")
    assert config["OPTIONS"]["options"] == "-c jit=off"


def test_env_database_turns_jit_off_but_keeps_a_urls_own_choice(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_URL", "postgresql://db.internal/portal?options=-c%20statement_timeout%3D5000"
    )
    assert env_database("DATABASE_URL", "")["OPTIONS"]["options"] == "-c statement_timeout=5000 -c jit=off"
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.internal/portal?options=-c%20jit%3Don")
    assert env_database("DATABASE_URL", "")["OPTIONS"]["options"] == "-c jit=on"
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")
    assert "options" not in env_database("DATABASE_URL", "").get("OPTIONS", {})


@pytest.mark.django_db
def test_the_portals_postgresql_connection_runs_without_jit():
    """The setting reaches the server: the connection the pages use has JIT off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides):
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY"}}
    env.update(
        DJANGO_SETTINGS_MODULE="bromley_portal.settings",  # the real settings, not the tests' (tests/settings.py)
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.bromley.gov.uk",
        DATABASE_URL="sqlite:////tmp/unused.sqlite3",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    env.update(overrides)
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (None, "SECRET_KEY is not set and DEBUG is off"),
        ("", "SECRET_KEY is not set and DEBUG is off"),
        (
            "django-insecure-bromley-portal-local-demo-only-never-use-in-production",
            "the demo key or a placeholder",
        ),
        ("change-me", "the demo key or a placeholder"),
        ("CHANGE-ME-to-something-long-and-random-before-going-live-please", "the demo key or a placeholder"),
        ("collectstatic-build-only", "must be at least 50 characters"),
        ("a" * 80, "must be at least 50 characters"),
        ("django-insecure-" + secrets.token_urlsafe(50), "must be at least 50 characters"),
    ],
    ids=[
        "unset",
        "empty",
        "demo key",
        "change-me",
        "a change-me sentence",
        "short",
        "one character",
        "startproject's",
    ],
)
def test_production_refuses_to_start_with_a_demo_placeholder_or_weak_key(key, says):
    """Settings import fails (ImproperlyConfigured), so no command starts: not gunicorn, not a worker."""
    env = production_env()
    if key is None:
        del env["SECRET_KEY"]
    else:
        env["SECRET_KEY"] = key
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert says in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr, "the message says how to make a key"


def test_the_demo_key_still_serves_the_local_demo_with_debug_on():
    env = production_env(DEBUG="true", DATABASE_URL="sqlite:////tmp/unused.sqlite3")
    del env["SECRET_KEY"]
    env.pop("REDIS_URL")
    result = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("django-insecure-bromley-portal-local-demo-only")


def test_a_bad_setting_stops_the_portal_with_a_clear_message():
    result = run_manage("check", env=production_env(DEBUG="perhaps"))
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'perhaps'" in result.stderr


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("AXES_ACCOUNT_FAILURE_LIMIT", "3", "AXES_ACCOUNT_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT"),
        ("AXES_PROXY_COUNT", "-1", "AXES_PROXY_COUNT must be 0 or more"),
    ],
)
def test_sign_in_settings_that_make_no_sense_stop_the_portal(setting, value, says):
    result = run_manage("check", env=production_env(**{setting: value}))
    assert result.returncode != 0
    assert says in result.stderr
