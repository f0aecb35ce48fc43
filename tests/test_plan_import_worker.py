"""A large plan file imported by a real Celery worker (against Redis and this test's database), with
its progress on the job's page: the pattern of tests/test_celery_worker.py."""

import io
import os
import signal
import time
import uuid

import psycopg
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from ambitions.models import Portfolio, Post
from ambitions.services import load_seed_strategy
from bench.plan_import import plan_csv
from bromley_portal.accounts.roles import Role
from plans.choices import ImportStatus
from plans.importers import import_plan
from plans.models import Action, PlanImportJob, PortfolioPlan
from tests.factories import make_user
from tests.workers import celery_worker, database_url_for_this_test_database, pool_processes


def wait_for(condition, what: str, log, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} within {seconds} s. Worker log:\n{log.read_text()}")


def confirm_and_wait(client, preview, log):
    """Confirm a checked preview as its page's button does; the worker's import of it, once finished."""
    response = client.post(f"/plans/import/{preview.pk}/confirm/")
    applying = PlanImportJob.objects.get(applies=preview)
    assert response["Location"] == f"/plans/import/{applying.pk}/"
    return wait_for(
        lambda: (
            PlanImportJob.objects.filter(pk=applying.pk)
            .exclude(status__in=[ImportStatus.PENDING, ImportStatus.RUNNING])
            .first()
        ),
        "the confirmed import did not finish",
        log,
    )


@pytest.mark.worker
def test_a_worker_imports_a_large_file_and_its_page_follows_the_progress(
    transactional_db, client, settings, tmp_path, postgres
):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    load_seed_strategy()
    Post.objects.create(title="Director Education")
    # The plan exists (a small file, imported at once); the large one changes every action of it.
    assert import_plan(io.BytesIO(plan_csv(10)), "small.csv", "CEF", "2030-31").ok
    plan = PortfolioPlan.objects.get(portfolio__code="CEF", year=2030)
    large = plan_csv(2000, changed=True)
    assert len(large) > settings.PLANS_IMPORT_BACKGROUND_BYTES
    admin = make_user(Role.ADMIN)
    client.force_login(admin)
    log = tmp_path / "worker.log"
    # Another session holds the plan's row, so the worker stops where it takes it, after reading the
    # file: the test sees the progress it has recorded, then lets it go on.
    with (
        psycopg.connect(database_url_for_this_test_database()) as other,
        celery_worker("default", f"import-{uuid.uuid4().hex[:8]}", log, MEDIA_ROOT=str(media)),
    ):
        other.execute("SELECT id FROM plans_portfolioplan WHERE id = %s FOR UPDATE", [plan.pk])
        response = client.post(
            "/plans/import/",
            {
                "portfolio": plan.portfolio.pk,
                "year": "2030-31",
                "file": SimpleUploadedFile("large plan.csv", large),
            },
        )
        job = PlanImportJob.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/plans/import/{job.pk}/"
        assert job.requested_by == admin
        assert job.filename == "large plan.csv"
        assert default_storage.exists(job.file.name)
        assert job.file.name.startswith("plan-imports/") and "large" not in job.file.name

        running = wait_for(
            lambda: PlanImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING, percent=50).first(),
            "the worker did not read the file",
            log,
        )
        assert running.stage == "Checking 2,000 rows and writing the plan"
        page = client.get(f"/plans/import/{job.pk}/").content.decode()
        assert '<meta http-equiv="refresh" content="3">' in page
        assert 'value="50"' in page
        assert "Checking 2,000 rows and writing the plan" in page
        assert "<script>" not in page.split("</head>")[0]
        assert not Action.objects.filter(section__plan=plan, title__contains="(changed)").exists()

        other.rollback()  # let the worker have the plan
        done = wait_for(
            lambda: (
                PlanImportJob.objects.filter(pk=job.pk)
                .exclude(status__in=[ImportStatus.PENDING, ImportStatus.RUNNING])
                .first()
            ),
            "the import did not finish",
            log,
        )
        assert done.status == ImportStatus.DONE and done.preview, done.errors
        assert not Action.objects.filter(section__plan=plan, title__contains="(changed)").exists()
        page = client.get(f"/plans/import/{job.pk}/").content.decode()
        assert "Check what will change before importing" in page
        assert "398 actions to be created, 2 to be updated, 0 unchanged." in page
        done = confirm_and_wait(client, done, log)
    assert done.status == ImportStatus.DONE, done.errors
    assert done.percent == 100
    assert done.plan == plan
    assert done.summary[0] == "398 actions created, 2 updated, 0 unchanged."
    assert Action.objects.filter(section__plan=plan).count() == 400
    assert Action.objects.filter(section__plan=plan, title__contains="(changed)").count() == 400
    assert not done.file and not default_storage.exists(job.file.name), "the stored file is deleted"
    page = client.get(f"/plans/import/{done.pk}/").content.decode()
    assert "The plan was imported" in page
    assert "http-equiv" not in page
    assert "398 actions created, 2 updated, 0 unchanged." in page


@pytest.mark.worker
def test_an_import_whose_pool_process_is_killed_is_started_afresh_and_finishes_once(
    transactional_db, client, settings, tmp_path, postgres
):
    """A worker's pool process killed mid-import: Celery sends the task again (retry on worker loss),
    and the job the dead process left running is started afresh, not left running for good."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    load_seed_strategy()
    Post.objects.create(title="Director Education")
    assert import_plan(io.BytesIO(plan_csv(10)), "small.csv", "CEF", "2030-31").ok
    plan = PortfolioPlan.objects.get(portfolio__code="CEF", year=2030)
    client.force_login(make_user(Role.ADMIN))
    log = tmp_path / "worker.log"
    with (
        psycopg.connect(database_url_for_this_test_database()) as other,
        celery_worker(
            "default", f"import-{uuid.uuid4().hex[:8]}", log, pool="prefork", MEDIA_ROOT=str(media)
        ) as worker,
    ):
        other.execute("SELECT id FROM plans_portfolioplan WHERE id = %s FOR UPDATE", [plan.pk])
        client.post(
            "/plans/import/",
            {
                "portfolio": plan.portfolio.pk,
                "year": "2030-31",
                "file": SimpleUploadedFile("large plan.csv", plan_csv(2000, changed=True)),
            },
        )
        job = PlanImportJob.objects.get()
        wait_for(
            lambda: PlanImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING, percent=50).exists(),
            "the worker did not start the import",
            log,
        )
        [pool_process] = wait_for(lambda: pool_processes(worker), "no pool process", log)
        os.kill(pool_process, signal.SIGKILL)
        wait_for(lambda: "WorkerLostError" in log.read_text() or pool_processes(worker) not in ([], [pool_process]),
                 "the worker did not notice its pool process died", log)  # fmt: skip
        other.rollback()  # let the next attempt have the plan
        checked = wait_for(
            lambda: PlanImportJob.objects.filter(pk=job.pk, status=ImportStatus.DONE).first(),
            "the job was not started afresh and finished",
            log,
        )
        done = confirm_and_wait(client, checked, log)
    assert done.percent == 100 and done.plan == plan
    assert Action.objects.filter(section__plan=plan, title__contains="(changed)").count() == 400
    assert Action.objects.filter(section__plan=plan).count() == 400, "the dead attempt wrote nothing"


def test_a_running_job_is_only_taken_over_by_a_task_sent_again(db, settings, tmp_path):
    from django.core.files.base import ContentFile

    from plans.import_jobs import run_import_job

    settings.MEDIA_ROOT = str(tmp_path)
    load_seed_strategy()
    Post.objects.create(title="Director Education")
    job = PlanImportJob.objects.create(
        requested_by=make_user(Role.ADMIN),
        portfolio=Portfolio.objects.get(code="CEF"),
        year=2030,
        filename="plan.csv",
        status=ImportStatus.RUNNING,
    )
    job.file.save("plan.csv", ContentFile(plan_csv(10)))
    assert run_import_job(job.pk) == "skipped", "a second delivery leaves a live import alone"
    assert run_import_job(job.pk, take_over=True) == "done"
    assert PlanImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE
