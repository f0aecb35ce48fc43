"""The Annual Complaints Report 2021/22 produced by a real Celery worker on the ``pdf`` queue, against Redis
and the test database, from the demo year: a clerk asks for it, the worker renders it, its PDF and web
version carry the published tables, and a committee member reads it (Part 1) but never a complainant's
details."""

import io
import re

import pytest
from pypdf import PdfReader

from bromley_portal.accounts.roles import Role
from bromley_portal.reports import registry, services
from bromley_portal.reports.choices import JobStatus
from complaints.demo import load_demo_data
from complaints.models import Complainant, Complaint
from complaints.services import load_divisions
from tests.factories import make_user
from tests.test_report_worker import pdf_worker_running, wait_for

SECRET = "Ottoline Featherstonehaugh"


@pytest.fixture
def worker_log(transactional_db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    log = tmp_path / "worker.log"
    with pdf_worker_running(settings.MEDIA_ROOT, log):
        yield log


@pytest.mark.worker
def test_a_real_worker_renders_the_2021_22_annual_report_with_the_published_tables(worker_log, client):
    load_divisions()
    load_demo_data(io.StringIO())
    complaint = Complaint.objects.filter(stage=1, received__year=2021).order_by("pk").first()
    complaint.complainant = Complainant.objects.create(name=SECRET, email="ottoline@example.invalid")
    complaint.save()
    clerk, member = make_user(Role.CLERK), make_user(Role.MEMBER)

    job, created = services.request_report(clerk, registry.get("complaints_annual"), {"year": "2021-22"})
    assert created
    job = wait_for(job, worker_log, timeout=300)  # about 25 pages of tables on a shared machine
    assert job.status == JobStatus.DONE, f"{job.error}\nWorker log:\n{worker_log.read_text()}"
    assert "Task reports.render[" in worker_log.read_text()

    client.force_login(member)
    response = client.get(f"/reports/{job.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))
    assert "PART 1 - PUBLIC" in text and SECRET not in text
    for row in [
        "Total (excluding E&PP) 445 335 387 15.5%",
        "Email 37 46 68 20 31 183 49 0 434 49.8%",
        "Total 54 74 94 35 50 485 80 0 872",
        "Quality of Service 33 25 57 5 18 290 32 0 460 46.3% 8.9%",
        "Total (divisions recording outcomes) 509 196 39% 44%",
        "£20,831.22",
        "Referrals 149 103 122 18.4%",
        "Total 282 233 -17.4%",
    ]:
        assert row in text, row
    html = client.get(f"/reports/{job.pk}/html/")
    assert html.status_code == 200
    body = html.content.decode()
    assert "Complaints &amp; Compliments Annual Report 2021/22" in body and SECRET not in body
