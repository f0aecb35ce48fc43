"""What WeasyPrint may fetch while it renders a report: the portal's own static files, nothing else.

Reports are rendered with the portal's address as their base URL, so the report
stylesheet is ``{PORTAL_BASE_URL}{STATIC_URL}reports/report.css``. The fetcher answers
such a URL by reading the file from disk through the staticfiles finders (no network,
no web server), and refuses every other address: other portal pages, remote http(s),
``file:`` (which would read any file the worker can), ``data:``, ``ftp:`` and the rest.
``data:`` is refused too: our templates draw charts with inline SVG and need no data
URLs, and refusing them keeps the rule simple, "only our static files".

User text never becomes markup (Django templates escape it), so a narrative holding
``<img src="http://...">`` prints as text; the fetcher is the second line of defence.
"""

import logging
import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """An address the report renderer will not fetch."""


class MissingStaticFile(FatalURLFetchingError):
    """One of the report's own static files is missing: stop rather than print a broken paper."""


def base_url() -> str:
    """The base URL reports are rendered with: relative links resolve to the portal's pages."""
    return settings.PORTAL_BASE_URL.rstrip("/") + "/"


def static_prefix() -> str:
    """The absolute URL under which the portal's static files are served."""
    return base_url() + settings.STATIC_URL.strip("/") + "/"


def static_url(path: str) -> str:
    """The URL a report template uses for one of our static files (unhashed, found on disk)."""
    return static_prefix() + path.lstrip("/")


def static_path_for(url: str) -> str:
    """The static file path a URL names, or RefusedURL if it names anything else."""
    prefix = urlsplit(static_prefix())
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise RefusedURL(f"{url!r} is not a valid address") from error
    same_origin = (parts.scheme.lower(), parts.netloc.lower()) == (prefix.scheme, prefix.netloc.lower())
    if not same_origin or not parts.path.startswith(prefix.path):
        raise RefusedURL(f"reports may only use the portal's own static files, not {url[:200]!r}")
    path = unquote(parts.path[len(prefix.path) :])
    normalised = posixpath.normpath(path) if path else ""
    if (
        not normalised
        or normalised in {".", ".."}
        or normalised.startswith(("../", "/"))
        or "\\" in path
        or "\x00" in path
    ):
        raise RefusedURL(f"{url[:200]!r} does not name a static file")
    return normalised


class PortalStaticFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only the portal's static files, from disk."""

    def __init__(self):
        super().__init__(
            timeout=1, allowed_protocols=("http", "https"), allow_redirects=False, fail_on_errors=False
        )
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url, headers=None):
        try:
            path = static_path_for(url)
        except RefusedURL:
            self.refused.append(url)
            logger.warning("Report rendering refused to fetch %.200s", url)
            raise
        found = finders.find(path)
        if not found:
            raise MissingStaticFile(f"the report's static file {path} is missing")
        with open(found, "rb") as file:
            body = file.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        self.served.append(path)
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
