"""A real Celery worker on the ``pdf`` queue renders a portal report with the report number the
meeting gave it, then builds the agenda pack from it and an uploaded appendix (issue 14)."""

import io
import time

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from ambitions.services import load_seed_strategy
from bromley_portal.accounts.roles import Role
from bromley_portal.reports.choices import JobStatus
from bromley_portal.reports.models import ReportJob
from meetings import services
from meetings.models import AgendaPack
from plans.models import PortfolioPlan, ReportingPeriod
from plans.seeds import load_seed_plans
from tests.factories import make_user
from tests.meeting_factories import make_meeting, make_paper, upload
from tests.test_report_worker import pdf_worker_running, wait_for


@pytest.fixture
def worker_log(transactional_db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    log = tmp_path / "worker.log"
    with pdf_worker_running(settings.MEDIA_ROOT, log):
        yield log


def wait_for_pack(pack: AgendaPack, log, timeout: float = 180) -> AgendaPack:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pack.refresh_from_db()
        if not pack.is_in_progress:
            return pack
        time.sleep(0.25)
    pytest.fail(
        f"the worker did not build agenda pack {pack.pk} in {timeout} s. Worker log:\n{log.read_text()}"
    )


@pytest.mark.worker
def test_a_real_worker_builds_the_pack_from_a_portal_report_and_an_uploaded_appendix(worker_log):
    load_seed_strategy()
    load_seed_plans()
    clerk = make_user(Role.CLERK)
    plan = PortfolioPlan.objects.get(portfolio__code="CEF", year=2023)
    period = ReportingPeriod.objects.get(year=2023, quarter=3)
    source = ReportJob.objects.create(
        report_type="plan_progress", parameters={"plan": plan.pk, "period": period.pk}, dedupe_key="source"
    )
    meeting = make_meeting()
    report_item = services.add_item(clerk, meeting, number="4", title="Portfolio plan progress")
    job = wait_for(services.attach_report(clerk, report_item, source), worker_log)
    assert job.status == JobStatus.DONE, f"{job.error}\n{worker_log.read_text()}"
    appendix = services.add_item(
        clerk, meeting, number="5", title="Appendix: strategy", with_report_number=False
    )
    services.upload_paper(clerk, appendix, upload(make_paper("Appendix", 2), "strategy.pdf"))

    pack = wait_for_pack(services.request_pack(clerk, meeting), worker_log)
    assert pack.status == JobStatus.DONE, f"{pack.error}\n{worker_log.read_text()}"
    assert "Task meetings.build_pack[" in worker_log.read_text()
    with default_storage.open(pack.file.name, "rb") as handle:
        texts = [
            " ".join((page.extract_text() or "").split())
            for page in PdfReader(io.BytesIO(handle.read())).pages
        ]
    starts = {entry["number"]: entry["start"] for entry in pack.contents}
    assert starts["4"] == 2 and starts["5"] == 2 + job.page_count
    assert "CEF22001 2" in texts[0]
    report_first_page = texts[starts["4"] - 1]
    assert "Report No. CEF22001" in report_first_page and "17th November 2022" in report_first_page
    assert report_first_page.endswith("Page 2")
    assert texts[starts["5"] - 1].startswith("Appendix") and f"Page {starts['5']}" in texts[starts["5"] - 1]
    assert len(texts) == pack.page_count == 1 + job.page_count + 2
    services.publish_pack(clerk, pack)
    job.refresh_from_db()
    assert job.published, "a report in a published pack is kept as a committee paper"
