"""Who may do what with complaints: case work and complainants' details for complaints officers and
admins; the anonymous statistics for every role; the admin keeps the workflow read-only."""

from datetime import date

import pytest

from bromley_portal.accounts.roles import Role
from complaints.choices import ComplaintStatus
from complaints.models import Complaint
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

CASE_WORKERS = {Role.COMPLAINTS_OFFICER, Role.ADMIN}


@pytest.mark.parametrize("role", [*Role, None])
def test_case_work_and_personal_details_are_for_complaints_officers_and_admins(people, role):
    person = people[role]
    for permission in [
        "complaints.view_complaint",
        "complaints.handle_complaint",
        "complaints.view_complainant",
        "complaints.handle_ombudsmancase",
        "complaints.record_remedy",
        "complaints.record_compliment",
    ]:
        assert person.has_perm(permission) == (role in CASE_WORKERS), (permission, role)
    # Members (and every other role) see only the anonymous statistics.
    assert person.has_perm("complaints.view_statistics") == (role is not None)
    assert person.has_perm("complaints.erase_complainant") == (role == Role.ADMIN)
    assert person.has_perm("complaints.change_division") == (role == Role.ADMIN)
    assert person.has_perm("core.add_closureday") == (role == Role.ADMIN)


def test_the_admin_shows_a_complaint_but_its_workflow_moves_only_through_the_services(client, people):
    complaint = make_complaint(people[Role.COMPLAINTS_OFFICER], received=date(2026, 11, 2))
    client.force_login(people[Role.ADMIN])
    url = f"/admin/complaints/complaint/{complaint.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    for field in ["status", "procedure", "respond_by", "acknowledge_by", "reference"]:
        assert field not in form.fields, f"{field} is editable in the admin"
    assert client.get("/admin/complaints/complaint/add/").status_code == 403
    # An admin may still correct the channel; a posted status is ignored.
    data = {
        "received": "2026-11-02",
        "channel": "letter",
        "stage": "1",
        "status": ComplaintStatus.CLOSED,
        "summary": "",
        "mentions-TOTAL_FORMS": "0",
        "mentions-INITIAL_FORMS": "0",
        "extensions-TOTAL_FORMS": "0",
        "extensions-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert (complaint.channel, complaint.status) == ("letter", ComplaintStatus.RECEIVED)


def test_the_admin_pages_open_for_every_complaints_model(client, people):
    make_complaint(people[Role.COMPLAINTS_OFFICER])
    client.force_login(people[Role.ADMIN])
    for model in [
        "division", "service", "complainant", "complaint", "mention", "ombudsmancase", "remedy", "compliment",
        "complaintreminder",
    ]:  # fmt: skip
        assert client.get(f"/admin/complaints/{model}/").status_code == 200, model
    assert client.get("/admin/core/closureday/").status_code == 200
