"""HTML goes out gzipped with Django's BREACH mitigation; every static file is hashed and immutable.

The tests run with DEBUG off, as production does; the static test collects the files as production does.
"""

import gzip
import re

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import RequestFactory
from whitenoise.middleware import WhiteNoiseMiddleware

LOGIN = "/accounts/login/"
IMMUTABLE = "max-age=315360000, public, immutable"


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.django_db
def test_a_page_asked_for_with_gzip_is_gzipped(client):
    assert not django_settings.DEBUG
    response = client.get(LOGIN, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "Sign in" in html and "csrfmiddlewaretoken" in html
    assert len(response.content) < len(html.encode()) / 2  # with up to 100 bytes of padding


@pytest.mark.django_db
def test_a_page_asked_for_without_gzip_is_plain(client):
    response = client.get(LOGIN)
    assert not response.has_header("Content-Encoding")
    assert "Sign in" in response.content.decode()


@pytest.mark.django_db
def test_breach_a_csrf_bearing_page_never_repeats_its_secret_or_its_length(client):
    """The mitigation chosen: Django's GZipMiddleware pads each response with random bytes, and the CSRF
    token in a page is masked afresh each time, so an attacker cannot read it from compressed sizes."""
    bodies = [client.get(LOGIN, HTTP_ACCEPT_ENCODING="gzip").content for _ in range(6)]
    tokens = {csrf_token(gzip.decompress(body).decode()) for body in bodies}
    assert len(tokens) == 6  # a fresh mask in every response
    assert len({len(body) for body in bodies}) > 1  # the random padding changes the compressed length


@pytest.fixture
def collected(settings, tmp_path):
    """The static files collected as production collects them (hashed, compressed)."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "bromley_portal.core.staticfiles.HashedStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)  # settings' signals reset the storage
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_pages_reference_hashed_static_files_and_the_bundle_imports_govuk_frontend_hashed(client, collected):
    html = client.get(LOGIN).content.decode()
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', html)
    assert any(asset.startswith("dist/portal.") and asset.endswith(".mjs") for asset in assets)
    for asset in assets:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", asset), f"{asset} is not hashed"
        assert (collected / asset).exists()
    bundle = next(asset for asset in assets if asset.endswith(".mjs"))
    imports = re.findall(r'from "([^"]+)"', (collected / bundle).read_text())
    assert imports and all(
        re.fullmatch(r"\./govuk-frontend\.min\.[0-9a-f]{12}\.js", name) for name in imports
    )


@pytest.mark.django_db
def test_hashed_static_files_are_served_immutable(client, collected):
    html = client.get(LOGIN).content.decode()
    bundle = re.search(r'src="(/static/dist/portal\.[0-9a-f]{12}\.mjs)"', html).group(1)
    module = re.search(r'from "\./([^"]+)"', (collected / bundle.removeprefix("/static/")).read_text()).group(
        1
    )
    whitenoise = WhiteNoiseMiddleware(lambda request: None)
    for path in (bundle, f"/static/dist/{module}"):
        response = whitenoise(RequestFactory().get(path, HTTP_ACCEPT_ENCODING="gzip"))
        assert response.status_code == 200, path
        assert response["Cache-Control"] == IMMUTABLE, path
        response.close()
