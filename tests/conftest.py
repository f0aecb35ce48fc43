import os
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection, transaction
from django.test import Client

from bromley_portal.accounts.roles import Role
from bromley_portal.celery import app as celery_app
from tests.factories import make_user

REQUIRE_SERVICES = os.environ.get("PORTAL_REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str):
    """Skip when a service is missing on a laptop; fail in CI, where it must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (PORTAL_REQUIRE_SERVICES is set, so this is a failure)")
    pytest.skip(reason)


class PortalClient(Client):
    """django-axes must be the first authentication backend; tests sign in past it."""

    def force_login(self, user, backend="django.contrib.auth.backends.ModelBackend"):
        super().force_login(user, backend)


@pytest.fixture
def client():
    return PortalClient()


@pytest.fixture(autouse=True)
def portal_test_settings(settings):
    """Fast hashing, and plain HTTP for the test client (production redirects to HTTPS)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    # Production serves hashed files after collectstatic; tests read static/ directly.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """Each test starts with nothing cached (bromley_portal.core.pagecache): the test databases roll
    back, the cache does not, and ids and dates repeat from test to test."""
    from bromley_portal.core import pagecache

    pagecache._set_new_generation()


@pytest.fixture(autouse=True)
def tasks_run_inline():
    """Tests run tasks inline unless they start a real worker (see test_celery_worker)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def people(db):
    """One person per role, plus an outsider with no role, keyed by role (None for the outsider)."""
    everyone = {role: make_user(role) for role in Role}
    everyone[None] = make_user(None)
    return everyone


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL")
    return connection


@contextmanager
def data_shared_by_a_module(django_db_blocker):
    """Rows made once for all of a module's tests, as Django's TestCase.setUpTestData makes them.

    They are made inside a transaction that each test's own transaction (pytest-django's ``db``)
    nests in as a savepoint, so whatever a test changes is undone after it, and the rows
    themselves are rolled back when the module is done. For tests that use ``db``, never
    ``transactional_db`` or a real worker (which would not see uncommitted rows). Model instances
    handed to tests are shared too: a test that changes one in memory should refresh it.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


REDIS_DATABASES = 16  # Redis's default "databases"
REDIS_URL_GIVEN = os.environ.get("REDIS_URL", "")


def redis_url_for_this_process(url: str, xdist_worker: str) -> str:
    """``make test`` runs ``pytest -n auto --dist loadscope``: a module's tests stay in one process,
    but modules run side by side, each process with its own test database. Each process also gets
    a Redis database of its own (gw0 → base+1, gw1 → base+2, …), so a Celery worker one test starts
    never takes a task another process queued (a job its database does not have), and cached
    values never cross."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base + 1 + int(xdist_worker.removeprefix("gw"))
    if database >= REDIS_DATABASES:
        raise pytest.UsageError(
            f"{xdist_worker} would need Redis database {database}; Redis has {REDIS_DATABASES}: "
            "run with fewer processes (-n) or a lower database in REDIS_URL"
        )
    return urlunsplit(parts._replace(path=f"/{database}"))


def pytest_configure(config):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not (worker and REDIS_URL_GIVEN):
        return
    from django.conf import settings

    own = redis_url_for_this_process(REDIS_URL_GIVEN, worker)
    os.environ["REDIS_URL"] = own  # the Celery worker processes tests start inherit it
    settings.REDIS_URL = settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = own
    for cache in settings.CACHES.values():  # the default cache and the page cache
        if "redis" in cache["BACKEND"].lower():
            cache["LOCATION"] = own
    celery_app.conf.broker_url = celery_app.conf.result_backend = own


# Stored counts (plans.counts and complaints.counts) -------------------------------------------------


def _uses_database(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return "db" in names or "transactional_db" in names or item.get_closest_marker("django_db") is not None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After every test that touched the database, while its data is still there: the stored counts equal
    what they count (plans.counts: periods' updates and leads; complaints.counts: the yearly complaint and
    aspect counts). A write path that changes what is counted without refreshing the counts fails the test
    that takes it."""
    result = yield
    if _uses_database(item) and not (connection.in_atomic_block and connection.needs_rollback):
        from complaints import counts as complaint_counts
        from plans import counts as plan_counts

        found = [f"plans.counts: {d}" for d in plan_counts.drift()]
        found += [f"complaints.counts: {d}" for d in complaint_counts.drift()]
        if found:
            pytest.fail(
                "The stored counts differ from what they count: a write in this test did not refresh them.\n"
                + "\n".join(found),
                pytrace=False,
            )
    return result
