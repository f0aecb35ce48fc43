"""Site-wide protections: the Content-Security-Policy, no caching of signed-in pages, and generated
files (media) only through the views that check who may read them, with DEBUG on or off."""

import importlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import get_template
from django.urls import clear_url_caches, reverse
from django.utils import timezone

from bromley_portal.accounts.roles import Role
from bromley_portal.reports.choices import Classification, JobStatus
from bromley_portal.reports.models import ReportJob
from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


# Content-Security-Policy ------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True], ids=["sign-in page", "home page"])
def test_pages_carry_a_policy_with_no_inline_script_or_style(client, signed_in):
    if signed_in:
        client.force_login(make_user(Role.OFFICER))
        response = client.get(reverse("home"))
    else:
        response = client.get(reverse("login"))
    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_the_admin_carries_the_policy_too(client):
    client.force_login(make_user(Role.ADMIN))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]


def test_the_base_template_has_no_inline_script_or_style():
    """base.html loads GOV.UK Frontend's js-enabled snippet from a file; every page extends it."""
    source = get_template("base.html").template.source
    assert "<script>" not in source and "<style" not in source and "style=" not in source
    assert "core/js-enabled.js" in source


# Cache-Control ---------------------------------------------------------------------------


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize(
    "url",
    ["/", "/plans/", "/plans/actions/?_export=csv", "/accounts/password-change/", "/reports/", "/admin/"],
)
def test_every_signed_in_page_is_private_and_not_stored(client, url):
    client.force_login(make_user(Role.ADMIN))
    response = client.get(url)
    assert response.status_code == 200, url
    assert {"private", "no-store"} <= cache_control(response), url
    assert "public" not in cache_control(response)


def test_a_signed_in_error_page_is_not_stored_either(client):
    client.force_login(make_user(Role.MEMBER))
    response = client.get("/plans/periods/")
    assert response.status_code == 403
    assert {"private", "no-store"} <= cache_control(response)


def test_signing_in_itself_is_not_stored(client):
    make_user(Role.OFFICER, username="olu")
    response = client.post(reverse("login"), {"username": "olu", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert {"private", "no-store"} <= cache_control(response)


def test_the_health_check_is_left_to_cache_as_usual(client):
    client.force_login(make_user(Role.ADMIN))
    health = client.get(reverse("health"))
    assert health.status_code == 200
    assert "no-store" not in cache_control(health)


# Media ------------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def urls_built_with_debug_on(settings, media_root):
    """The URL configuration as `make run` builds it (DEBUG on, this test's MEDIA_ROOT), rebuilt as
    before afterwards."""
    import bromley_portal.urls

    settings.DEBUG = True
    importlib.reload(bromley_portal.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(bromley_portal.urls)
    clear_url_caches()


@pytest.fixture
def part_2_report(media_root):
    name = default_storage.save("reports/exempt/register.pdf", ContentFile(b"%PDF-1.7 exempt"))
    return ReportJob.objects.create(
        report_type="contract_register",
        title="Exempt register",
        dedupe_key="exempt",
        classification=Classification.PART_2,
        exempt_paragraph=3,
        status=JobStatus.DONE,
        file=name,
        finished_at=timezone.now(),
        page_count=1,
        size=15,
    )


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ADMIN, None], ids=["member", "admin", "anonymous"])
def test_media_is_never_served_by_its_address_even_with_debug_on(
    client, urls_built_with_debug_on, part_2_report, role
):
    assert (default_storage.path(part_2_report.file.name)).endswith("reports/exempt/register.pdf")
    if role is not None:
        client.force_login(make_user(role))
    for url in [part_2_report.file.url, f"/media/{part_2_report.file.name}"]:
        assert client.get(url).status_code == 404, url


def test_a_part_2_report_is_read_through_its_permission_checked_view(
    client, urls_built_with_debug_on, part_2_report
):
    client.force_login(make_user(Role.MEMBER))
    assert client.get(reverse("reports:download", args=[part_2_report.pk])).status_code == 403
    client.force_login(make_user(Role.CLERK))
    response = client.get(reverse("reports:download", args=[part_2_report.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 exempt"
    assert {"private", "no-store"} <= cache_control(response)
