"""Media on S3-compatible object storage (issue 17), against a local S3-compatible server: moto in server
mode, started on a free port by a fixture. The portal chooses the storage from the environment
(MEDIA_S3_BUCKET); the file system stays the default."""

import hashlib
import io
import json
import socket
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse
from urllib.request import urlopen

import boto3
import pdfplumber
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from bromley_portal.accounts.roles import Role
from bromley_portal.reports import registry, services
from bromley_portal.reports.choices import JobStatus
from meetings import services as meeting_services
from plans.choices import PeriodStatus, Rag, UpdateStatus
from plans.models import Action, QuarterlyUpdate, ReportingPeriod
from tests.factories import make_plan, make_user
from tests.meeting_factories import make_meeting, make_paper, upload
from tests.test_settings import ROOT, production_env

BUCKET = "portal-media"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3-compatible server on a free port, for this module's tests."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urlopen(endpoint, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the local S3 server did not start")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3(s3_server, settings, monkeypatch):
    """The portal's media on a fresh private bucket of the local server, as the settings configure it."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "local-test-key",
        "AWS_SECRET_ACCESS_KEY": "local-test-secret",
        "AWS_DEFAULT_REGION": "eu-west-2",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_server, region_name="eu-west-2")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(s3_server)}
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def media_storage(endpoint: str) -> dict:
    """The default storage the settings build for this environment (read in a fresh process)."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    env = production_env(MEDIA_S3_BUCKET=BUCKET, MEDIA_S3_ENDPOINT_URL=endpoint, MEDIA_S3_REGION="eu-west-2")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_file_system_is_the_default_and_the_environment_chooses_s3(s3_server):
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }
    chosen = media_storage(s3_server)
    assert chosen["BACKEND"] == "storages.backends.s3.S3Storage"
    assert chosen["OPTIONS"]["bucket_name"] == BUCKET and chosen["OPTIONS"]["endpoint_url"] == s3_server
    assert chosen["OPTIONS"]["default_acl"] is None and chosen["OPTIONS"]["querystring_auth"] is True


def assert_private(client, key: str):
    """Nobody but the owner is granted anything, and the object cannot be read without a signature."""
    grants = client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Grantee"].get("URI") for grant in grants if grant["Grantee"]["Type"] == "Group"] == []
    anonymous = boto3.client(
        "s3",
        endpoint_url=client.meta.endpoint_url,
        region_name="eu-west-2",
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(ClientError):
        anonymous.get_object(Bucket=BUCKET, Key=key)


def pdf_text(data: bytes) -> str:
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        plumbed = [page.extract_text() or "" for page in pdf.pages]
    return " ".join(pages) + "\n" + " ".join(plumbed)


@pytest.mark.django_db
def test_a_report_pdf_is_stored_in_the_bucket_privately_and_downloaded_through_the_portal(
    s3, client, django_capture_on_commit_callbacks
):
    plan = make_plan(actions=2)
    period = ReportingPeriod.objects.create(
        year=2023, quarter=4, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(2023, 4)
    )
    for action in Action.objects.filter(section__plan=plan):
        QuarterlyUpdate.objects.create(
            action=action,
            period=period,
            rag=Rag.RED,
            narrative="Stored in the bucket.",
            status=UpdateStatus.LOCKED,
        )
    clerk = make_user(Role.CLERK)
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = services.request_report(
            clerk, registry.get("plan_progress"), {"plan": plan.pk, "period": period.pk}
        )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    key = f"media/{job.file.name}"
    stored = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == job.checksum
    assert default_storage.open(job.file.name).read() == stored
    assert "Stored in the bucket." in pdf_text(stored)
    assert_private(s3, key)
    url = urlparse(default_storage.url(job.file.name))
    assert {"X-Amz-Signature", "X-Amz-Expires"} <= set(parse_qs(url.query))  # a URL asked for is signed

    client.force_login(clerk)
    download = client.get(reverse("reports:download", args=[job.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == stored
    client.logout()  # the portal's permission-checked view is the way in; signed out, it sends to sign-in
    refused = client.get(reverse("reports:download", args=[job.pk]))
    assert refused.status_code == 302 and "/accounts/login/" in refused.url


@pytest.mark.django_db
def test_an_uploaded_agenda_paper_is_stored_in_the_bucket_and_read_back(s3):
    clerk = make_user(Role.CLERK)
    item = meeting_services.add_item(clerk, make_meeting(), number="4", title="Appendix")
    meeting_services.upload_paper(clerk, item, upload(make_paper("Early help strategy", 2), "appendix.pdf"))
    item.refresh_from_db()
    key = f"media/{item.document.name}"
    stored = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    with default_storage.open(item.document.name, "rb") as handle:
        assert handle.read() == stored
    assert hashlib.sha256(stored).hexdigest() == item.document_checksum
    assert "Early help strategy" in pdf_text(stored) and item.document_pages == 2
    assert_private(s3, key)
