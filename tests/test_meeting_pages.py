"""The clerk's meeting pages: a clerk prepares an agenda and publishes its pack in the browser's way
(forms and POSTs); a member reads the agenda and the Part 1 pack and never a Part 2 title or file;
the pages cost a fixed number of queries."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from bromley_portal.accounts.roles import Role
from meetings import packs, services
from meetings.choices import MeetingStatus, Part
from meetings.models import AgendaItem, AgendaPack, Meeting
from tests.factories import make_user
from tests.meeting_factories import make_meeting, make_paper, upload

SECRET_TITLE = "Exempt: retendering the fostering framework"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def test_a_clerk_prepares_the_agenda_builds_and_publishes_the_pack(client, db):
    from ambitions.services import ensure_portfolios

    committee = ensure_portfolios()["CEF"].pds_committee
    client.force_login(make_user(Role.CLERK))
    response = client.post(
        "/meetings/new/",
        {
            "committee": committee.pk,
            "date_0": "17",
            "date_1": "11",
            "date_2": "2022",
            "time": "19:00",
            "venue": "Bromley Civic Centre",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    for number, title, part, paragraph in [
        ("4", "Strategy", Part.PART_1, ""),
        ("10", SECRET_TITLE, Part.PART_2, "3"),
    ]:
        response = client.post(
            f"/meetings/{meeting.pk}/items/new/",
            {
                "number": number,
                "title": title,
                "decision_type": "non_executive",
                "part": part,
                "exempt_paragraph": paragraph,
                "report_number": "on",
            },
        )
        assert response.status_code == 302
    first, second = meeting.items.order_by("order")
    assert (first.report_number, second.report_number) == ("CEF22001", "CEF22002")

    response = client.post(f"/meetings/{meeting.pk}/pack/", follow=True)
    assert "Item 4, “Strategy”, has no paper" in response.content.decode()
    response = client.post(
        f"{first.get_absolute_url()}upload/", {"paper": upload(b"GIF89a not a pdf", "x.pdf")}
    )
    assert response.status_code == 200 and "“x.pdf” is not a PDF" in response.content.decode()
    for item in (first, second):
        assert (
            client.post(
                f"{item.get_absolute_url()}upload/", {"paper": upload(make_paper(item.title, 2))}
            ).status_code
            == 302
        )

    client.post(f"{second.get_absolute_url()}move/", {"direction": "up"})
    assert list(meeting.items.order_by("order").values_list("number", flat=True)) == ["10", "4"]

    response = client.post(f"/meetings/{meeting.pk}/pack/")
    pack = AgendaPack.objects.get()
    assert response.status_code == 302 and response.url == pack.get_absolute_url()
    packs.run_pack(pack.pk)  # the worker's side (a real worker: test_agenda_pack_worker.py)
    assert "Where each item starts" in client.get(pack.get_absolute_url()).content.decode()
    response = client.post(f"{pack.get_absolute_url()}publish/")
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED


def published_meeting(clerk):
    meeting = make_meeting()
    for number, title, part in [("4", "Public strategy", Part.PART_1), ("10", SECRET_TITLE, Part.PART_2)]:
        item = services.add_item(
            clerk,
            meeting,
            number=number,
            title=title,
            part=part,
            exempt_paragraph=3 if part == Part.PART_2 else None,
        )
        services.upload_paper(clerk, item, upload(make_paper(title, 1)))
    pack = services.request_pack(clerk, meeting)
    packs.run_pack(pack.pk)
    services.publish_pack(clerk, pack)
    return meeting, pack


def test_a_member_reads_part_1_and_never_a_part_2_title_or_file(client, db):
    clerk = make_user(Role.CLERK)
    meeting, pack = published_meeting(clerk)
    client.force_login(make_user(Role.MEMBER))
    for url in ["/meetings/", meeting.get_absolute_url(), pack.get_absolute_url()]:
        page = client.get(url).content.decode()
        assert SECRET_TITLE not in page and "CEF22002" not in page
    assert (
        "Exempt item (paragraph 3 of Schedule 12A)" in client.get(meeting.get_absolute_url()).content.decode()
    )
    response = client.get(f"{pack.get_absolute_url()}download/")
    assert response.status_code == 200
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
    )
    assert "Public strategy" in text and SECRET_TITLE not in text
    assert client.get(f"{pack.get_absolute_url()}part-2/").status_code == 403

    client.force_login(clerk)
    response = client.get(f"{pack.get_absolute_url()}part-2/")
    assert response.status_code == 200
    assert SECRET_TITLE in " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
    )


def test_a_member_cannot_see_a_pack_that_is_not_published(client, db):
    clerk = make_user(Role.CLERK)
    meeting, _ = published_meeting(clerk)
    draft = services.request_pack(clerk, meeting)
    packs.run_pack(draft.pk)
    client.force_login(make_user(Role.MEMBER))
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(f"{draft.get_absolute_url()}download/").status_code == 404


def add_meetings(count: int, clerk):
    for day in range(count):
        meeting = make_meeting(when=timezone.make_aware(datetime.datetime(2023, 1, 1 + day, 19)))
        for number in ("1", "2"):
            services.add_item(clerk, meeting, number=number, title=f"Item {number}")


def test_the_meetings_list_and_a_meeting_cost_the_same_queries_at_any_size(client, db):
    clerk = make_user(Role.CLERK)
    client.force_login(clerk)
    add_meetings(2, clerk)
    few = queries_for(client, "/meetings/")
    meeting = Meeting.objects.first()
    few_items = queries_for(client, meeting.get_absolute_url())
    add_meetings(12, clerk)
    for number in range(3, 15):
        services.add_item(clerk, meeting, number=str(number), title=f"Item {number}")
    assert queries_for(client, "/meetings/") == few
    assert queries_for(client, meeting.get_absolute_url()) == few_items
    assert AgendaItem.objects.count() == 40
