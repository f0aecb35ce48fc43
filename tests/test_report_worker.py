"""A committee report rendered by a real Celery worker on the ``pdf`` queue, against Redis and
the test database, as production runs it (the pattern of tests/test_celery_worker.py)."""

import contextlib
import hashlib
import io
import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from pypdf import PdfReader

from ambitions.services import load_seed_strategy
from bromley_portal.accounts.roles import Role
from bromley_portal.celery import app as celery_app
from bromley_portal.reports import registry, services, tasks
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from plans.models import PortfolioPlan, ReportingPeriod
from plans.seeds import load_seed_plans
from tests.factories import make_user
from tests.workers import celery_worker, pool_processes

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "pdf"  # the queue CELERY_TASK_ROUTES sends reports.* to


@contextlib.contextmanager
def pdf_worker_running(media_root: Path, log: Path):
    """A worker on the pdf queue writing files to ``media_root``.

    Messages left on the queue by an earlier run name jobs this database does not have: the
    task returns quietly for them.
    """
    assert celery_app.amqp.router.route({}, "reports.render")["queue"].name == QUEUE
    with celery_worker(QUEUE, f"pdf-test-{uuid.uuid4().hex[:8]}", log, MEDIA_ROOT=str(media_root)) as process:
        yield process


def wait_for(job: ReportJob, log: Path, timeout: float = 180) -> ReportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if not job.is_active:
            return job
        time.sleep(0.25)
    pytest.fail(
        f"the worker did not finish report job {job.pk} within {timeout} s. Worker log:\n{log.read_text()}"
    )


@pytest.fixture
def pdf_worker(transactional_db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    log = tmp_path / "worker.log"
    with pdf_worker_running(settings.MEDIA_ROOT, log):
        yield log


@pytest.mark.worker
def test_a_real_worker_on_the_pdf_queue_renders_the_cef_progress_report(pdf_worker):
    load_seed_strategy()
    load_seed_plans()
    clerk = make_user(Role.CLERK)
    plan = PortfolioPlan.objects.get(portfolio__code="CEF", year=2023)
    period = ReportingPeriod.objects.get(year=2023, quarter=3)  # seed 001 reports quarter 3
    assert settings.CELERY_BROKER_URL.startswith("redis://")

    job, created = services.request_report(
        clerk,
        registry.get("plan_progress"),
        {"plan": plan.pk, "period": period.pk, "report_number": "CEF24015"},
    )
    assert created
    job = wait_for(job, pdf_worker)

    assert job.status == JobStatus.DONE, f"{job.error}\nWorker log:\n{pdf_worker.read_text()}"
    assert job.attempts == 1 and job.percent == 100
    assert "Task reports.render[" in pdf_worker.read_text()
    data = default_storage.open(job.file.name).read()
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == job.title
    assert len(reader.pages) == job.page_count > 5
    assert f"Page 1 of {job.page_count}" in reader.pages[0].extract_text()
    assert "CEF24015" in reader.pages[0].extract_text()
    # The web version is stored beside the PDF by the same worker, from the same build.
    assert job.html_file.name == job.file.name.removesuffix(".pdf") + ".html"
    html = default_storage.open(job.html_file.name).read()
    assert hashlib.sha256(html).hexdigest() == job.html_checksum
    assert b"CEF24015" in html and job.title.encode() in html


# A worker that dies mid-render (issue 11, item 8) --------------------------------------------------
# The heartbeat is quick here (a beat a second, dead after three) so the tests need not wait a minute.
HEARTBEAT = {"REPORTS_HEARTBEAT_SECONDS": "1", "REPORTS_HEARTBEAT_TIMEOUT": "3"}


@pytest.fixture
def quick_heartbeat(settings):
    settings.REPORTS_HEARTBEAT_SECONDS = 1
    settings.REPORTS_HEARTBEAT_TIMEOUT = 3


@pytest.fixture
def cef_report(transactional_db, tmp_path, settings, quick_heartbeat):
    """The clerk, and what to ask for: the CEF 2023-24 quarter 3 progress report."""
    settings.MEDIA_ROOT = tmp_path / "media"
    load_seed_strategy()
    load_seed_plans()
    plan = PortfolioPlan.objects.get(portfolio__code="CEF", year=2023)
    period = ReportingPeriod.objects.get(year=2023, quarter=3)
    return make_user(Role.CLERK), {"plan": plan.pk, "period": period.pk, "report_number": "CEF24015"}


def worker_for(tmp_path, name, pool="solo"):
    return celery_worker(
        QUEUE, f"{name}-{uuid.uuid4().hex[:8]}", tmp_path / "worker.log", pool, MEDIA_ROOT=str(tmp_path / "media"),
        **HEARTBEAT,
    )  # fmt: skip


def wait_until_mid_render(job: ReportJob, log: Path, timeout: float = 120) -> None:
    """Until the worker is laying out pages, with a heartbeat recorded since it started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == JobStatus.RUNNING and job.percent >= 30 and job.heartbeat_at > job.started_at:
            return
        assert job.is_active, (
            f"the job ended before it could be killed ({job.status}). Log:\n{log.read_text()}"
        )
        time.sleep(0.05)
    pytest.fail(f"report job {job.pk} never got to laying out pages. Worker log:\n{log.read_text()}")


def pdfs_in(media: Path) -> list[Path]:
    return sorted(media.rglob("*.pdf"))


@pytest.mark.worker
def test_a_job_whose_pool_process_is_killed_mid_render_is_finished_once_by_the_same_worker(
    cef_report, tmp_path
):
    clerk, parameters = cef_report
    log = tmp_path / "worker.log"
    with worker_for(tmp_path, "pool-kill", pool="prefork") as worker:
        job, _ = services.request_report(clerk, registry.get("plan_progress"), parameters)
        wait_until_mid_render(job, log)
        (pool_process,) = pool_processes(worker)
        os.kill(pool_process, signal.SIGKILL)
        # The worker sees its pool process lost, and sends the task again (retry_on_worker_lost): once the
        # dead attempt's heartbeat has stopped, the job is taken over and finished.
        job = wait_for(job, log)

    assert job.status == JobStatus.DONE, f"{job.error}\nWorker log:\n{log.read_text()}"
    assert "WorkerLostError" in log.read_text()
    assert job.attempts == 2
    (pdf,) = pdfs_in(tmp_path / "media")  # one file: the dead attempt saved none
    assert default_storage.path(job.file.name) == str(pdf)
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == job.checksum


@pytest.mark.worker
def test_a_job_whose_whole_worker_is_killed_says_so_and_a_retry_finishes_it_once(
    cef_report, tmp_path, client
):
    clerk, parameters = cef_report
    log = tmp_path / "worker.log"
    client.force_login(clerk)
    with worker_for(tmp_path, "first") as worker:
        job, _ = services.request_report(clerk, registry.get("plan_progress"), parameters)
        wait_until_mid_render(job, log)
        worker.kill()  # SIGKILL: its message waits, unacknowledged, for the visibility timeout
        worker.wait()

    # The heartbeat stops: the page says the report stopped, and offers Retry, rather than "being produced".
    deadline = time.monotonic() + 10
    while not job.is_stalled and time.monotonic() < deadline:
        time.sleep(0.25)
        job.refresh_from_db()
    assert job.is_stalled and job.status == JobStatus.RUNNING
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The report stopped before it was finished" in page
    assert "You can leave it" not in page and "report-progress" not in page
    assert f'action="/reports/{job.pk}/retry/"' in page
    assert client.get(f"/reports/{job.pk}/status/").json()["stalled"] is True

    with worker_for(tmp_path, "second"):
        response = client.post(f"/reports/{job.pk}/retry/")  # sent again at once, not in 13 minutes
        assert response.status_code == 302 and response.url == job.get_absolute_url()
        job = wait_for(job, log)
        assert job.status == JobStatus.DONE, f"{job.error}\nWorker log:\n{log.read_text()}"
        # When Redis hands the dead worker's message out again, it finds the job done and changes nothing.
        finished_at, name = job.finished_at, job.file.name
        tasks.render.apply_async((job.pk,))
        deadline = time.monotonic() + 60
        while log.read_text().count("succeeded in") < 2 and time.monotonic() < deadline:
            time.sleep(0.25)
        assert "'already done'" in log.read_text()

    job.refresh_from_db()
    assert (job.status, job.finished_at, job.file.name, job.attempts) == (
        JobStatus.DONE,
        finished_at,
        name,
        2,
    )
    (pdf,) = pdfs_in(tmp_path / "media")
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == job.checksum
