"""A real Celery worker process, against Redis and the test database."""

import os
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bromley_portal.celery import app as celery_app
from bromley_portal.core.models import WorkerHeartbeat
from bromley_portal.core.tasks import record_heartbeat
from tests.conftest import REDIS_URL_GIVEN, redis_url_for_this_process
from tests.test_settings import production_env, run_manage
from tests.workers import celery_worker

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A worker on a queue of its own; yields (queue, log path)."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    with celery_worker(queue, queue, log):
        yield queue, log


@pytest.mark.worker
def test_a_real_worker_runs_a_task_that_writes_to_the_database(worker):
    queue, log = worker
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    record_heartbeat.apply_async(queue=queue)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if WorkerHeartbeat.objects.filter(worker__startswith=f"{queue}@").exists():
            break
        time.sleep(0.25)
    else:
        pytest.fail(f"no worker recorded a heartbeat within 60 s. Worker log:\n{log.read_text()}")
    assert WorkerHeartbeat.objects.get(worker__startswith=f"{queue}@").last_seen is not None


def test_every_beat_schedule_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, f"beat entry {name} names an unknown task {entry['task']}"


def test_celery_speaks_json_only_and_outlives_its_hard_limit():
    conf = celery_app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_track_started is True
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit


def test_a_task_whose_worker_dies_is_sent_again_and_its_message_is_redelivered_within_minutes():
    """Late acknowledgement, with a retry (and, if that cannot be sent, a requeue) when the worker is
    lost; Redis redelivers a dead worker's message a minute after the hard limit, not five times it."""
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.task_retry_on_worker_lost
    assert (
        conf.task_time_limit
        < conf.broker_transport_options["visibility_timeout"]
        <= conf.task_time_limit + 120
    )
    celery_app.loader.import_default_modules()
    render = celery_app.tasks["reports.render"]
    assert render.acks_late and render.reject_on_worker_lost and render.retry_on_worker_lost
    # Sent again once the dead attempt's heartbeat has stopped, so the job can be taken over.
    assert render.default_retry_delay > settings.REPORTS_HEARTBEAT_TIMEOUT
    assert render.max_retries and render.max_retries < 10
    # A broker that does not answer is given up on in seconds.
    assert conf.broker_transport_options["socket_connect_timeout"] <= 5
    assert conf.task_publish_retry_policy["max_retries"] <= 3


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"CELERY_TASK_TIME_LIMIT": "720", "CELERY_BROKER_VISIBILITY_TIMEOUT": "600"}, "must be longer than"),
        ({"REPORTS_HEARTBEAT_SECONDS": "30", "REPORTS_HEARTBEAT_TIMEOUT": "40"}, "at least twice"),
    ],
)
def test_timeouts_that_would_run_a_live_task_twice_stop_the_portal(variables, message):
    result = run_manage("check", env=production_env(**variables))
    assert result.returncode != 0 and message in result.stderr


@pytest.mark.django_db
def test_the_heartbeat_task_runs_inline_without_a_broker():
    record_heartbeat.delay()
    assert WorkerHeartbeat.objects.count() == 1


def test_ci_runs_against_postgresql_and_redis(db):
    if not os.environ.get("PORTAL_REQUIRE_SERVICES"):
        pytest.skip("only CI promises PostgreSQL and Redis")
    assert connection.vendor == "postgresql"
    import redis

    assert redis.Redis.from_url(os.environ["REDIS_URL"]).ping()


def test_each_test_process_queues_and_caches_in_a_redis_database_of_its_own():
    """Side by side under ``make test``, a worker one process starts must never take another's task."""
    assert redis_url_for_this_process("redis://127.0.0.1:6379/0", "gw0") == "redis://127.0.0.1:6379/1"
    assert redis_url_for_this_process("redis://:pw@redis:6379/3", "gw2") == "redis://:pw@redis:6379/6"
    with pytest.raises(pytest.UsageError, match="Redis has 16"):
        redis_url_for_this_process("redis://127.0.0.1:6379/0", "gw15")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not (worker and os.environ.get("REDIS_URL")):
        pytest.skip("only under pytest -n with REDIS_URL")
    from django.core.cache import cache

    own = os.environ["REDIS_URL"]
    assert own == redis_url_for_this_process(REDIS_URL_GIVEN, worker) != REDIS_URL_GIVEN
    with celery_app.connection_for_write() as connection_:
        assert connection_.as_uri(include_password=False).endswith(own.rsplit("/", 1)[1])
    assert cache._cache._servers == [own]
