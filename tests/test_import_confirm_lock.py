"""Two confirmations of one import preview at the same moment (two tabs, a double click) import it once:
bromley_portal.core.import_previews.PreviewStore.confirming takes the app's advisory lock, so the second
waits for the first to commit, then finds the previewed file gone and says so. Run with two threads, each
with its own PostgreSQL connection, the first held inside its import until the second is seen waiting."""

import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from bromley_portal.accounts.roles import Role
from complaints import import_views
from complaints.services import load_divisions
from tests.test_complaint_import_page import CONFIRM, SAMPLE, URL, counts, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def officer_client(client, people):
    load_divisions()
    client.force_login(people[Role.COMPLAINTS_OFFICER])
    return client


def _waiting_for_the_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0] > 0


def test_two_confirmations_of_one_preview_at_once_import_it_once(officer_client, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the lock is PostgreSQL's advisory lock")
    response = upload(officer_client, SAMPLE.read_bytes(), "complaints_sample.xlsx")
    assert response.status_code == 200
    token = response.context["pending"].token
    second_tab = Client()
    # The same person's session, in another tab with its own cookie jar: each tab's messages cookie is its
    # own (a shared jar took whichever response's cookie was read last, so the test depended on timing).
    session = settings.SESSION_COOKIE_NAME
    second_tab.cookies[session] = officer_client.cookies[session].value

    entered, release = [], threading.Event()
    attempt = import_views._attempt

    def held_attempt(*args, **kwargs):
        entered.append(threading.current_thread().name)
        release.wait(timeout=15)
        return attempt(*args, **kwargs)

    monkeypatch.setattr(import_views, "_attempt", held_attempt)
    responses, errors = {}, []

    def confirm(name, client):
        try:
            responses[name] = client.post(CONFIRM, {"token": token})
        except Exception as error:  # a second import's IntegrityError would surface here
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=confirm, args=("first", officer_client), name="first")
    second = threading.Thread(target=confirm, args=("second", second_tab), name="second")
    first.start()
    deadline = time.monotonic() + 15
    while not entered and time.monotonic() < deadline:
        time.sleep(0.05)
    assert entered == ["first"], "the first confirmation reached the import"
    second.start()
    seen_waiting = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(entered) < 2:
        if _waiting_for_the_lock():
            seen_waiting = True
            break
        time.sleep(0.05)
    release.set()
    first.join(30)
    second.join(30)

    assert not errors
    assert seen_waiting, "the second confirmation waited for the first's lock"
    assert entered == ["first"], "the second confirmation never ran the import"
    assert counts() == [5, 6, 7, 3, 3, 3], "imported once"
    assert responses["first"].status_code == 302 and responses["first"]["Location"] == "/complaints/"
    assert responses["second"].status_code == 302 and responses["second"]["Location"] == URL
    page = second_tab.get(URL).content.decode()
    assert "That preview has expired or was imported already: upload the file again." in page
