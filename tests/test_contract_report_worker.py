"""The contract register's Part 1 and Part 2 extracts produced by a real Celery worker on the ``pdf`` queue,
against Redis and the test database: a clerk downloads both, a committee member gets the Part 1 one and
never the Part 2 one, by its download link or its web version."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from pypdf import PdfReader

from bromley_portal.accounts.roles import Role
from bromley_portal.reports import registry, services
from bromley_portal.reports.choices import JobStatus
from contracts.models import RegisterCycle, RegisterEntry, RegisterEntryCommentary
from contracts.seeds import load_seed_register
from tests.factories import make_user
from tests.test_report_worker import pdf_worker_running, wait_for

SECRET = "Retender brought forward to March"


@pytest.fixture
def worker_log(transactional_db, tmp_path, settings):
    """A worker on the pdf queue writing to a throwaway media folder; its log."""
    settings.MEDIA_ROOT = tmp_path / "media"
    log = tmp_path / "worker.log"
    with pdf_worker_running(settings.MEDIA_ROOT, log):
        yield log


@pytest.mark.worker
def test_a_clerk_downloads_both_extracts_from_a_real_worker_and_a_member_never_the_part_2_one(
    worker_log, client
):
    load_seed_register()
    cycle = RegisterCycle.objects.get(name="September 2022")
    entry = RegisterEntry.objects.get(cycle=cycle, council_id="6253")
    RegisterEntryCommentary.objects.create(entry=entry, owner_comment=SECRET)
    clerk, member = make_user(Role.CLERK), make_user(Role.MEMBER)
    parameters = {"portfolio": "CEF", "cycle": cycle.pk}

    jobs = {}
    for name in ["contracts_part_1", "contracts_part_2"]:
        job, created = services.request_report(clerk, registry.get(name), parameters)
        assert created
        jobs[name] = wait_for(job, worker_log)
        assert jobs[name].status == JobStatus.DONE, (
            f"{jobs[name].error}\nWorker log:\n{worker_log.read_text()}"
        )
    assert "Task reports.render[" in worker_log.read_text()

    client.force_login(clerk)
    texts = {}
    for name, job in jobs.items():
        response = client.get(f"/reports/{job.pk}/download/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
        texts[name] = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
        assert client.get(f"/reports/{job.pk}/html/").status_code == 200
    assert "PART 1 - PUBLIC" in texts["contracts_part_1"] and SECRET not in texts["contracts_part_1"]
    assert "PART 2 - EXEMPT" in texts["contracts_part_2"] and SECRET in texts["contracts_part_2"]
    assert jobs["contracts_part_2"].classification == "part_2"

    client.force_login(member)
    assert client.get(f"/reports/{jobs['contracts_part_1'].pk}/download/").status_code == 200
    part_2 = jobs["contracts_part_2"].pk
    for url in [f"/reports/{part_2}/download/", f"/reports/{part_2}/html/", f"/reports/{part_2}/"]:
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert SECRET.encode() not in response.content
    assert client.get("/reports/new/contracts_part_2/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.request_report(member, registry.get("contracts_part_2"), parameters)
