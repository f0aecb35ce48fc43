"""A committee report rendered by a real Celery worker on the ``pdf`` queue, against Redis and
the test database, as production runs it (the pattern of tests/test_celery_worker.py)."""

import contextlib
import hashlib
import io
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
from bromley_portal.reports import registry, services
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from plans.models import PortfolioPlan, ReportingPeriod
from plans.seeds import load_seed_plans
from tests.factories import make_user
from tests.workers import celery_worker

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
