"""Complaints against real components: two officers logging at once get different references
(PostgreSQL), and the beat's tasks run on a real Celery worker, twice, doing their work once."""

import threading
import time
import uuid
from datetime import date, timedelta

import pytest
from django.db import connection, transaction

from bromley_portal.accounts.roles import Role
from complaints import services, tasks
from complaints.models import Complainant, Complaint, ComplaintReminder
from tests.factories import make_complaint, make_user
from tests.workers import celery_worker


def wait_for(check, log, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    pytest.fail(f"{what} within {seconds} s. Worker log:\n{log.read_text()}")


def test_two_officers_logging_at_once_get_the_next_references(transactional_db, postgres):
    officer = make_user(Role.COMPLAINTS_OFFICER)
    make_complaint(officer, received=date(2026, 5, 1))  # C2026-00001
    holding, release = threading.Event(), threading.Event()

    def the_other_officer():
        # Takes C2026-00002 and holds its transaction open while this test logs its own.
        try:
            with transaction.atomic():
                make_complaint(officer, received=date(2026, 5, 2))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=the_other_officer)
    other.start()
    assert holding.wait(10)
    threading.Timer(1.0, release.set).start()  # the insert below waits on the other's row, then retries
    mine = make_complaint(officer, received=date(2026, 5, 3))
    other.join(10)
    assert mine.reference == "C2026-00003"
    assert sorted(Complaint.objects.values_list("reference", flat=True)) == [
        "C2026-00001",
        "C2026-00002",
        "C2026-00003",
    ]


@pytest.mark.worker
def test_a_real_worker_runs_the_beat_tasks_twice_and_does_their_work_once(transactional_db, tmp_path):
    officer = make_user(Role.COMPLAINTS_OFFICER)
    old = make_complaint(officer, received=date(2018, 1, 8), today=date(2018, 1, 8))
    services.acknowledge(officer, old, today=date(2018, 1, 9))
    for aspect in old.mentions.get().aspects.all():
        services.record_response(
            officer, aspect, outcome="upheld", responded_on=date(2018, 1, 20), today=date(2018, 1, 20)
        )
    services.close(officer, old, on=date(2018, 1, 22), today=date(2018, 1, 22))
    due = make_complaint(officer, received=date(2025, 10, 1), today=date(2025, 10, 1))
    services.assign(officer, due, officer)

    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    with celery_worker(queue, queue, log, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for _ in range(2):
            tasks.erase_complainant_details.apply_async(queue=queue)
            tasks.send_reminders.apply_async(args=["2025-10-02"], queue=queue)
        wait_for(
            lambda: (
                Complainant.objects.filter(erased_on__isnull=False).exists()
                and ComplaintReminder.objects.exists()
            ),
            log,
            "the worker did not erase and remind",
        )
        wait_for(lambda: log.read_text().count("succeeded in") >= 4, log, "the worker did not run all four")
    erased = Complainant.objects.get(complaints=old)
    assert erased.name == "" and erased.erased_on >= date.today() - timedelta(days=1)
    assert Complainant.objects.get(complaints=due).name == "Mrs Jones"
    assert ComplaintReminder.objects.count() == 1
