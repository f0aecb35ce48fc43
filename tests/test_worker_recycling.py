"""Workers recycle after a set number of tasks or memory, read from the environment (issue 17)."""

import json
import subprocess
import sys

import pytest

from bromley_portal.celery import app as celery_app
from tests.test_settings import ROOT, production_env, run_manage

READ_CONFIG = (
    "import django; django.setup(); import json; from bromley_portal.celery import app; "
    "print(json.dumps([app.conf.worker_max_tasks_per_child, app.conf.worker_max_memory_per_child]))"
)


def worker_limits(**variables):
    result = subprocess.run(
        [sys.executable, "-c", READ_CONFIG],
        cwd=ROOT,
        env=production_env(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_celery_app_recycles_workers_by_default():
    assert celery_app.conf.worker_max_tasks_per_child == 50
    assert celery_app.conf.worker_max_memory_per_child == 768 * 1024  # KiB
    assert worker_limits() == [50, 768 * 1024]


def test_the_limits_come_from_the_environment_and_0_turns_one_off():
    assert worker_limits(
        CELERY_WORKER_MAX_TASKS_PER_CHILD="7", CELERY_WORKER_MAX_MEMORY_PER_CHILD="262144"
    ) == [
        7,
        262144,
    ]
    assert worker_limits(CELERY_WORKER_MAX_TASKS_PER_CHILD="0") == [None, 768 * 1024]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"CELERY_WORKER_MAX_TASKS_PER_CHILD": "-1"},
            "CELERY_WORKER_MAX_TASKS_PER_CHILD must be 0 (no limit) or more",
        ),
        (
            {"CELERY_WORKER_MAX_MEMORY_PER_CHILD": "1GB"},
            "CELERY_WORKER_MAX_MEMORY_PER_CHILD must be a whole number",
        ),
    ],
)
def test_a_bad_limit_stops_the_portal_with_a_clear_message(variables, message):
    result = run_manage("check", env=production_env(**variables))
    assert result.returncode != 0 and message in result.stderr
