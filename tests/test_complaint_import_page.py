"""The complaints import page (complaints/import_views.py): upload a workbook or CSV, see the problems by
sheet, line and column or a preview of what will be added, and confirm; nothing is saved before the
confirmation, and a preview is imported only if the import still does what it showed."""

import csv
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from bromley_portal.accounts.roles import Role
from complaints.import_views import PREVIEWS
from complaints.importers import import_file
from complaints.models import Aspect, Complaint, Compliment, Mention, OmbudsmanCase, Remedy
from complaints.services import load_divisions
from tests.seed_documents import REPO

URL = "/complaints/import/"
CONFIRM = "/complaints/import/confirm/"
SAMPLE = REPO / "fixtures" / "samples" / "complaints_sample.xlsx"
MODELS = (Complaint, Mention, Aspect, OmbudsmanCase, Remedy, Compliment)
HEADER = ["reference", "received", "channel", "procedure", "stage", "division", "service", "mention", "aspect",
          "outcome", "responded", "extended_to"]  # fmt: skip
ROW = ["C2018-00001", "2018-04-09", "Email", "Corporate", "1", "Housing", "", "1", "Lack of Action",
       "Not upheld", "2018-05-01", ""]  # fmt: skip


@pytest.fixture(autouse=True)
def divisions(db):
    load_divisions()


@pytest.fixture
def officer_client(client, people):
    client.force_login(people[Role.COMPLAINTS_OFFICER])
    return client


def counts():
    return [model.objects.count() for model in MODELS]


def csv_bytes(*rows, header=HEADER) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def upload(client, data: bytes, name="complaints.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data)})


def test_the_workbook_is_previewed_saving_nothing_then_imported_on_confirmation(officer_client):
    response = upload(officer_client, SAMPLE.read_bytes(), "complaints_sample.xlsx")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Check what will be added before importing" in page
    assert response.context["counts"] == [
        ("complaints", 5, 0),
        ("aspects", 7, None),
        ("Ombudsman cases", 3, 0),
        ("remedies", 3, 0),
        ("compliments", 3, 0),
    ]
    assert "Import 21 records" in page
    assert counts() == [0] * len(MODELS), "a preview saves nothing"
    token, kept = response.context["pending"].token, response.context["pending"].path
    assert default_storage.exists(kept)
    response = officer_client.post(CONFIRM, {"token": token})
    assert response.status_code == 302 and response["Location"] == "/complaints/"
    assert counts() == [5, 6, 7, 3, 3, 3]
    assert not default_storage.exists(kept) and PREVIEWS.session_key not in officer_client.session
    # The same confirmation cannot import twice.
    response = officer_client.post(CONFIRM, {"token": token}, follow=True)
    assert "That preview has expired or was imported already" in response.content.decode()
    assert counts() == [5, 6, 7, 3, 3, 3]


def test_the_second_upload_of_a_file_shows_it_is_all_there(officer_client):
    with SAMPLE.open("rb") as handle:
        import_file(handle, SAMPLE.name)
    before = counts()
    response = upload(officer_client, SAMPLE.read_bytes(), SAMPLE.name)
    assert response.context["counts"] == [
        ("complaints", 0, 5),
        ("aspects", 0, None),
        ("Ombudsman cases", 0, 3),
        ("remedies", 0, 3),
        ("compliments", 0, 3),
    ]
    page = response.content.decode()
    assert "there is nothing to import" in page and CONFIRM not in page
    assert counts() == before


def test_a_confirmation_after_the_portal_changed_shows_the_new_preview(officer_client):
    token = upload(officer_client, csv_bytes(ROW)).context["pending"].token
    with io.BytesIO(csv_bytes(ROW)) as handle:  # someone else imports the same complaint meanwhile
        import_file(handle, "complaints.csv")
    before = counts()
    response = officer_client.post(CONFIRM, {"token": token})
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed after you checked the file" in page and "nothing was imported" in page
    assert response.context["counts"][0] == ("complaints", 0, 1)
    assert counts() == before


def test_a_confirmation_that_would_now_fail_saves_nothing(officer_client):
    token = upload(officer_client, csv_bytes(ROW)).context["pending"].token
    other = [*ROW]
    other[1] = "2018-04-10"
    with io.BytesIO(csv_bytes(other)) as handle:  # the same reference, other details
        import_file(handle, "complaints.csv")
    before = counts()
    response = officer_client.post(CONFIRM, {"token": token}, follow=True)
    assert "The file can no longer be imported" in response.content.decode()
    assert counts() == before and PREVIEWS.session_key not in officer_client.session


def test_another_session_cannot_confirm_a_preview(client, officer_client, people):
    token = upload(officer_client, csv_bytes(ROW)).context["pending"].token
    client.force_login(people[Role.ADMIN])
    response = client.post(CONFIRM, {"token": token})
    assert response.status_code == 302 and response["Location"] == URL
    assert not Complaint.objects.exists()


def test_the_page_lists_the_problems_by_sheet_line_and_column(officer_client):
    bad = [*ROW]
    bad[8] = "Rudeness"
    response = upload(officer_client, csv_bytes(ROW, bad, [*ROW[:1], "2018-13-01", *ROW[2:]]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "Nothing was imported" in page
    problems = response.context["problems"]
    assert [(p["sheet"], p["line"], p["column"]) for p in problems] == [
        ("complaints", 3, "aspect"),
        ("complaints", 4, "received"),
    ]
    assert CONFIRM not in page and not Complaint.objects.exists()
    assert PREVIEWS.session_key not in officer_client.session


def test_the_problems_are_capped_and_the_rest_counted(officer_client, settings):
    settings.IMPORT_MAX_ERRORS = 2
    bad = [*ROW]
    bad[2] = "Pigeon"
    rows = [[f"C2018-{n:05}", *bad[1:]] for n in range(1, 6)]
    response = upload(officer_client, csv_bytes(*rows))
    assert len(response.context["problems"]) == 2 and response.context["more"] == 3
    assert "And 3 more problems not listed here" in response.content.decode()


def test_a_missing_column_is_a_problem_with_the_whole_file(officer_client):
    response = upload(
        officer_client,
        csv_bytes(["2018-04-09", "Housing", "Thank you"], header=["received", "division", "quote"]),
    )
    assert response.status_code == 200
    problems = response.context["problems"]
    assert problems and {p["line"] for p in problems} <= {None, 1}, problems
    assert "There is a problem" in response.content.decode() and not Compliment.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("complaints.pdf", b"%PDF", "The selected file must be a CSV or an Excel (.xlsx) file"),
        ("complaints.csv", b"", "The selected file is empty"),
        ("complaints.xlsx", b"PK\x03\x04 not really a zip", "problem"),
        ("complaints.csv", b"\xff\xfe\x00bad", "problem"),
    ],
)
def test_the_form_refuses_what_is_not_a_spreadsheet(officer_client, name, data, message):
    response = upload(officer_client, data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_file_past_the_size_limit_is_refused(officer_client, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(officer_client, csv_bytes(ROW, ROW))
    assert "The selected file must be smaller than" in response.content.decode()


def test_the_caseload_links_to_the_import_for_those_allowed(client, people):
    for role, linked in [(Role.COMPLAINTS_OFFICER, True), (Role.ADMIN, True)]:
        client.force_login(people[role])
        assert (URL in client.get("/complaints/").content.decode()) is linked, role
    for role in [Role.MEMBER, Role.OFFICER, Role.CONTRACTS_OFFICER]:
        client.force_login(people[role])
        assert client.get(URL).status_code == 403, role
        assert client.post(CONFIRM, {"token": "x"}).status_code == 403, role
