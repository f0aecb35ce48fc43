"""The plan import's preview and confirm step (issue 15 item 7): an upload is checked and what it would change
shown, saving nothing; confirming applies exactly what was previewed, once; a plan changed meanwhile is
refused (409 with the preview as it is now). Large files are checked by the background job the same way,
then confirmed. The task runs inline here (tests/conftest.py), through the real code a worker runs;
tests/test_plan_import_worker.py runs the same flow through a real Celery worker."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ambitions.models import Post
from ambitions.services import ensure_portfolios, load_seed_strategy
from bench.plan_import import plan_csv
from bromley_portal.accounts.roles import Role
from plans.choices import ImportStatus
from plans.importers import STALE, import_plan
from plans.models import Action, PlanImportJob
from tests.conftest import data_shared_by_a_module
from tests.factories import make_user
from tests.test_plan_import import GOOD_ROWS, counts, csv_file, edited, preview_form

IMPORT_URL, CONFIRM_URL = "/plans/import/", "/plans/import/confirm/"


@pytest.fixture(scope="module")
def strategy(django_db_setup, django_db_blocker):
    with data_shared_by_a_module(django_db_blocker):
        load_seed_strategy()
        yield ensure_portfolios()


@pytest.fixture
def cef(strategy, db):
    Post.objects.create(title="Director Education")
    Post.objects.create(title="Director of HR")
    return strategy["CEF"]


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user(Role.ADMIN))
    return client


def upload(client, cef, rows=GOOD_ROWS, year="2025-26"):
    file, name = csv_file(rows)
    return client.post(
        IMPORT_URL, {"portfolio": cef.pk, "year": year, "file": SimpleUploadedFile(name, file.getvalue())}
    )


def imported(cef, rows=GOOD_ROWS):
    file, name = csv_file(rows)
    result = import_plan(file, name, cef, "2025-26")
    assert result.ok, result.errors


# A small file: previewed on the page ------------------------------------------------------------


def test_an_upload_shows_what_would_change_and_saves_nothing(admin_client, cef):
    before = counts()
    response = upload(admin_client, cef)
    assert response.status_code == 200
    assert counts() == before
    page = response.content.decode()
    assert "<title>Check what will change before importing plan.csv" in page
    assert "Every row of the file is good. Nothing has been saved yet." in page
    assert "The CEF 2025-26 plan would be created." in page
    assert "3 actions to be created, 0 to be updated, 0 unchanged." in page
    assert "Dry run" not in page and "was created" not in page, "a preview speaks of what would happen"
    assert 'action="/plans/import/confirm/"' in page
    assert "Import the plan" in page


def test_confirming_imports_what_was_previewed(admin_client, cef):
    preview = upload(admin_client, cef)
    response = admin_client.post(CONFIRM_URL, preview_form(preview))
    assert response.status_code == 302
    assert Action.objects.filter(section__plan__portfolio=cef, section__plan__year=2025).count() == 3
    page = admin_client.get(response.url).content.decode()
    assert "3 actions created, 0 updated, 0 unchanged." in page


def test_confirming_twice_imports_once(admin_client, cef):
    preview = upload(admin_client, cef)
    form = preview_form(preview)
    assert admin_client.post(CONFIRM_URL, form).status_code == 302
    after_first = counts()
    second = admin_client.post(CONFIRM_URL, form, follow=True)
    assert counts() == after_first
    assert (
        "That preview has expired or was imported already: upload the file again." in second.content.decode()
    )


def test_a_changed_file_previews_the_changes_and_a_plan_changed_meanwhile_is_refused_with_409(
    admin_client, cef
):
    imported(cef)
    changed = edited(GOOD_ROWS, {2: {"Action": "Raise attainment further"}})
    preview = upload(admin_client, cef, changed)
    assert "0 actions to be created, 1 to be updated, 2 unchanged." in preview.content.decode()
    # Someone changes the plan in the portal between the preview and the confirming.
    action = Action.objects.get(section__plan__portfolio=cef, section__number=1, number=1)
    action.title = "Changed in the portal"
    action.save()
    before = counts()
    refused = admin_client.post(CONFIRM_URL, preview_form(preview))
    assert refused.status_code == 409
    assert counts() == before
    page = refused.content.decode()
    assert "<title>Error: Check what will change" in page
    assert "The CEF 2025-26 plan changed after you checked the file." in page
    action.refresh_from_db()
    assert action.title == "Changed in the portal"
    # The preview shown is the import as it would be now; confirming it applies that.
    assert admin_client.post(CONFIRM_URL, preview_form(refused)).status_code == 302
    action.refresh_from_db()
    assert action.title == "Raise attainment further"


def test_a_confirmation_for_another_plan_than_previewed_is_refused(admin_client, cef, strategy):
    preview = upload(admin_client, cef)
    before = counts()
    form = {**preview_form(preview), "year": 2026}  # the file names CEF 2025-26
    refused = admin_client.post(CONFIRM_URL, form, follow=True)
    assert counts() == before
    assert "The file can no longer be imported: upload it again to see why." in refused.content.decode()


def test_only_the_person_who_previewed_may_confirm(admin_client, cef):
    preview = upload(admin_client, cef)
    other = Client()
    other.force_login(make_user(Role.ADMIN, username="another-admin"))
    before = counts()
    response = other.post(CONFIRM_URL, preview_form(preview), follow=True)
    assert counts() == before
    assert "That preview has expired or was imported already" in response.content.decode()


def test_the_same_file_again_has_nothing_to_import(admin_client, cef):
    imported(cef)
    page = upload(admin_client, cef).content.decode()
    assert "0 actions to be created, 0 to be updated, 3 unchanged." in page
    assert "there is nothing to import" in page
    assert 'action="/plans/import/confirm/"' not in page


def test_a_bad_file_is_not_previewed(admin_client, cef):
    response = upload(admin_client, cef, edited(GOOD_ROWS, {3: {"Target date": "Aprl 2026"}}))
    page = response.content.decode()
    assert "Line 3: Cannot read the target date" in page
    assert "pending" not in response.context or response.context.get("pending") is None
    assert "Check the file" in page  # the upload form, for the corrected file


@pytest.mark.parametrize("role", [role for role in Role if role != Role.ADMIN])
def test_only_admins_may_confirm(client, cef, role):
    client.force_login(make_user(role))
    assert client.post(CONFIRM_URL, {"token": "x"}).status_code == 403


def test_the_importer_refuses_an_import_that_no_longer_does_what_was_previewed(cef):
    file, name = csv_file(GOOD_ROWS)
    preview = import_plan(file, name, cef, "2025-26", dry_run=True)
    assert preview.signature and not preview.stale
    again = import_plan(io.BytesIO(file.getvalue()), name, cef, "2025-26", dry_run=True)
    assert again.signature == preview.signature, "the same file into the same plan: the same signature"
    imported(cef)
    before = counts()
    late = import_plan(io.BytesIO(file.getvalue()), name, cef, "2025-26", expected=preview.signature)
    assert late.stale and late.summary() == [STALE]
    assert counts() == before


# A large file: previewed by the background job ---------------------------------------------------


def large_upload(client, cef, settings, data):
    assert len(data) > settings.PLANS_IMPORT_BACKGROUND_BYTES
    return client.post(
        IMPORT_URL,
        {"portfolio": cef.pk, "year": "2030-31", "file": SimpleUploadedFile("large plan.csv", data)},
    )


@pytest.fixture
def background(settings, tmp_path, cef):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PLANS_IMPORT_BACKGROUND_BYTES = 2_000


def test_a_large_file_is_previewed_in_the_background_then_confirmed_once(
    admin_client, cef, settings, background, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = large_upload(admin_client, cef, settings, plan_csv(100))
    preview = PlanImportJob.objects.get()
    assert response.url == f"/plans/import/{preview.pk}/"
    preview.refresh_from_db()
    assert (preview.preview, preview.status) == (True, ImportStatus.DONE), preview.errors
    assert not Action.objects.filter(section__plan__year=2030).exists(), "a preview saves nothing"
    assert default_storage.exists(preview.file.name), "kept for the confirming"
    page = admin_client.get(response.url).content.decode()
    assert "Check what will change before importing" in page
    assert "20 actions to be created, 0 to be updated, 0 unchanged." in page
    assert "Dry run" not in page
    assert f'action="/plans/import/{preview.pk}/confirm/"' in page

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = admin_client.post(f"/plans/import/{preview.pk}/confirm/")
    applying = PlanImportJob.objects.get(applies=preview)
    assert confirmed.url == f"/plans/import/{applying.pk}/"
    applying.refresh_from_db()
    assert applying.status == ImportStatus.DONE, applying.errors
    assert Action.objects.filter(section__plan__year=2030).count() == 20
    assert not default_storage.exists(preview.file.name), "the file goes when it is imported"
    assert "The plan was imported" in admin_client.get(confirmed.url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        again = admin_client.post(f"/plans/import/{preview.pk}/confirm/")
    assert again.url == confirmed.url, "confirming again shows the same import"
    assert PlanImportJob.objects.count() == 2
    assert "See the import of this file" in admin_client.get(response.url).content.decode()


def test_a_large_files_preview_is_refused_when_the_plan_changed_before_the_worker_applied_it(
    admin_client, cef, settings, background, django_capture_on_commit_callbacks
):
    assert import_plan(io.BytesIO(plan_csv(100)), "plan.csv", cef, "2030-31").ok
    with django_capture_on_commit_callbacks(execute=True):
        response = large_upload(admin_client, cef, settings, plan_csv(100, changed=True))
    preview = PlanImportJob.objects.get()
    action = Action.objects.get(section__plan__year=2030, section__number=1, number=1)
    action.title = "Changed in the portal"
    action.save()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = admin_client.post(f"/plans/import/{preview.pk}/confirm/")
    applying = PlanImportJob.objects.get(applies=preview)
    assert applying.status == ImportStatus.FAILED
    assert applying.summary == [STALE]
    assert not Action.objects.filter(title__contains="(changed)").exists()
    action.refresh_from_db()
    assert action.title == "Changed in the portal"
    page = admin_client.get(confirmed.url).content.decode()
    assert "The plan changed after the file was checked, so nothing was imported" in page
    assert response.status_code == 302


def test_another_person_cannot_confirm_a_background_preview(
    client, admin_client, cef, settings, background, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        large_upload(admin_client, cef, settings, plan_csv(100))
    preview = PlanImportJob.objects.get()
    other = Client()
    other.force_login(make_user(Role.ADMIN, username="another-admin"))
    response = other.post(f"/plans/import/{preview.pk}/confirm/", follow=True)
    assert "That preview cannot be confirmed" in response.content.decode()
    assert not PlanImportJob.objects.filter(applies=preview).exists()
