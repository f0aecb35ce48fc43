"""The broker goes down (issue 11, item 9): asking for a report says so in plain English, the job is
marked failed and retryable, never left waiting to be reused; ``/health/`` says the broker is down.

Each test runs its own throwaway redis-server on a free port and stops it, so nothing else's broker
is touched.
"""

import contextlib
import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.db import connection

from bromley_portal.accounts.roles import Role
from bromley_portal.celery import app as celery_app
from bromley_portal.core.models import WorkerHeartbeat
from bromley_portal.reports import registry, services
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from tests.conftest import skip_or_fail
from tests.factories import make_plan, make_user

UNAVAILABLE = "Reports are unavailable just now. Try again shortly."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayRedis:
    def __init__(self):
        if not shutil.which("redis-server"):
            skip_or_fail("needs redis-server to start a broker of the test's own")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return
            time.sleep(0.05)
        pytest.fail("the throwaway redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def use_broker(url: str | None):
    """Point the Celery app (and the settings /health/ reads) at ``url``; None puts it back."""
    conf = celery_app.conf
    conf.broker_url = url
    conf.task_always_eager = url is None
    celery_app._pool = None  # the connection pools are made for a broker URL: make them afresh
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(transactional_db, settings):
    """A broker of the test's own, running; tasks are sent to it rather than run inline."""
    server = ThrowawayRedis()
    server.start()
    previous = celery_app.conf.broker_url
    settings.CELERY_BROKER_URL = server.url
    use_broker(server.url)
    try:
        yield server
    finally:
        server.stop()
        use_broker(previous)
        celery_app.conf.task_always_eager = True  # as tests/conftest.py has it


@pytest.fixture
def clerk_and_plan(transactional_db):
    plan, period = make_plan_with_locked_period()
    return make_user(Role.CLERK), plan, period


def make_plan_with_locked_period():
    from plans.choices import PeriodStatus
    from plans.models import ReportingPeriod

    plan = make_plan()
    period = ReportingPeriod.objects.create(
        year=plan.year, quarter=4, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(plan.year, 4)
    )
    return plan, period


def ask(client, plan, period, number=""):
    return client.post(
        "/reports/new/plan_progress/", {"plan": plan.pk, "period": period.pk, "report_number": number}
    )


def queued(server) -> int:
    return redis.Redis.from_url(server.url).llen("pdf")


def test_with_the_broker_down_asking_for_a_report_says_so_and_the_job_is_failed_not_left_waiting(
    broker, clerk_and_plan, client
):
    clerk, plan, period = clerk_and_plan
    client.force_login(clerk)
    response = ask(client, plan, period, "UP1")
    assert response.status_code == 302 and queued(broker) == 1  # the broker is up: the job is sent

    broker.stop()
    started = time.monotonic()
    response = ask(client, plan, period, "DOWN1")
    assert time.monotonic() - started < 15, "a broker that is down is noticed in seconds"
    assert response.status_code == 503
    page = response.content.decode()
    assert UNAVAILABLE in page and "govuk-error-summary" in page
    dead = ReportJob.objects.get(parameters__report_number="DOWN1")
    assert (dead.status, dead.error) == (JobStatus.FAILED, UNAVAILABLE)

    # Asking again while it is down does not reuse the dead job: it is tried afresh, and fails again.
    assert ask(client, plan, period, "DOWN1").status_code == 503
    assert ReportJob.objects.filter(parameters__report_number="DOWN1").count() == 2
    assert not ReportJob.objects.filter(parameters__report_number="DOWN1").active().exists()

    # Once the broker is back, the same request is sent to a worker, and the failed job can be retried.
    broker.start()
    response = ask(client, plan, period, "DOWN1")
    assert response.status_code == 302
    fresh = ReportJob.objects.filter(parameters__report_number="DOWN1").active().get()
    assert response.url == fresh.get_absolute_url() and fresh.status == JobStatus.PENDING
    assert queued(broker) == 1  # the restarted broker starts empty: this is the one just sent
    fresh.delete()
    response = client.post(f"/reports/{dead.pk}/retry/")
    dead.refresh_from_db()
    assert response.status_code == 302 and dead.status == JobStatus.PENDING and queued(broker) == 2


def test_a_retry_with_the_broker_down_says_so_and_leaves_the_job_failed(broker, clerk_and_plan, client):
    clerk, plan, period = clerk_and_plan
    job, _ = services.request_report(
        clerk, registry.get("plan_progress"), {"plan": plan.pk, "period": period.pk, "report_number": ""}
    )
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="It broke.")
    broker.stop()
    client.force_login(clerk)
    response = client.post(f"/reports/{job.pk}/retry/", follow=True)
    assert UNAVAILABLE in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, UNAVAILABLE)
    assert "Retry</button>" in response.content.decode()


def test_health_reports_the_database_the_broker_and_the_worker(broker, client):
    WorkerHeartbeat.objects.create(worker="pdf@host", last_seen="2020-01-01T00:00:00Z")
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == body["database"] == body["broker"] == "ok"
    assert body["worker"] == "late" and body["worker_last_seen"].startswith("2020-01-01")

    broker.stop()
    started = time.monotonic()
    response = client.get("/health/")
    assert time.monotonic() - started < 5, "the broker is pinged with a short timeout"
    # Pages still serve without the broker: degraded, not taken out of rotation.
    assert response.status_code == 200
    assert response.json() | {"worker_last_seen": None} == {
        "status": "degraded",
        "database": "ok",
        "broker": "unavailable",
        "worker": "late",
        "worker_last_seen": None,
    }


def test_health_is_503_when_the_database_is_down(transactional_db, client, postgres):
    settings_dict = connection.settings_dict
    port = settings_dict["PORT"]
    connection.close()
    settings_dict["PORT"] = str(free_port())  # nothing listens there
    try:
        response = client.get("/health/")
    finally:
        connection.close()
        settings_dict["PORT"] = port
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable" and response.json()["status"] == "unavailable"
    assert client.get("/health/").status_code == 200  # the database is back
