"""The public committee pages (meetings.public_views): signed out, published meetings only, Part 1
only. A Part 2 item shows as "Exempt item (paragraph N of Schedule 12A)" and nothing of it (title,
report number, paper, report, the Part 2 pack) has a public address; a draft meeting is a 404."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bromley_portal.accounts.roles import Role
from bromley_portal.reports.choices import Classification, JobStatus
from bromley_portal.reports.models import ReportJob
from meetings import packs, public_views, services
from meetings.choices import MeetingStatus, Part
from meetings.models import AgendaItem, Meeting
from tests.factories import make_user
from tests.meeting_factories import make_meeting, make_paper, upload

SECRET_TITLE = "Secret contract award to Bidder B"
SECRET_NUMBER_MARK = "exempt-report-number"
PUBLIC_REPORT_TEXT = "Placement sufficiency: what the report says"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def clerk(db):
    return make_user(Role.CLERK)


def done_report(title: str, html: str, classification=Classification.PART_1, paragraph=None) -> ReportJob:
    """A finished portal report with its PDF and its web version, as the pipeline leaves one."""
    job = ReportJob(
        report_type="plan_progress",
        title=title,
        status=JobStatus.DONE,
        page_count=1,
        classification=classification,
        exempt_paragraph=paragraph,
        finished_at=timezone.now(),
        dedupe_key=f"public-{title}",
    )
    job.file.save("report.pdf", ContentFile(make_paper(title, 1)), save=False)
    job.html_file.save("report.html", ContentFile(html.encode()), save=False)
    job.save()
    return job


def with_report(item: AgendaItem, job: ReportJob) -> AgendaItem:
    AgendaItem.objects.filter(pk=item.pk).update(report=job)
    item.refresh_from_db()
    return item


def published_meeting(clerk, *, when=None, versions=1):
    """A meeting with a Part 1 portal report, a Part 1 upload and a Part 2 portal report, published."""
    meeting = make_meeting(when=when)
    public = services.add_item(clerk, meeting, number="4", title="Placement sufficiency strategy")
    with_report(public, done_report("Placement sufficiency", f"<h1>Report</h1><p>{PUBLIC_REPORT_TEXT}</p>"))
    upload_item = services.add_item(clerk, meeting, number="5", title="Early help strategy")
    services.upload_paper(clerk, upload_item, upload(make_paper("Early help", 1)))
    exempt = services.add_item(
        clerk, meeting, number="10", title=SECRET_TITLE, part=Part.PART_2, exempt_paragraph=3
    )
    with_report(
        exempt,
        done_report(SECRET_TITLE, f"<p>{SECRET_TITLE}</p>", Classification.PART_2, 3),
    )
    built = []
    for _ in range(versions):
        pack = services.request_pack(clerk, meeting)
        packs.run_pack(pack.pk)
        services.publish_pack(clerk, pack)
        built.append(pack)
    meeting.refresh_from_db()
    return meeting, public, exempt, built


def test_signed_out_a_visitor_lists_opens_downloads_and_reads(client, clerk, media):
    meeting, public, exempt, built = published_meeting(clerk, versions=2)
    listing = client.get(reverse("meetings:public_list"))
    assert listing.status_code == 200
    assert reverse("meetings:public_meeting", args=[meeting.pk]) in listing.content.decode()
    assert "public" in listing["Cache-Control"] and "private" not in listing["Cache-Control"]

    page = client.get(reverse("meetings:public_meeting", args=[meeting.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "public" in page["Cache-Control"]
    assert "Placement sufficiency strategy" in html and public.report_number in html
    assert "Exempt item (paragraph 3 of Schedule 12A)" in html
    assert SECRET_TITLE not in html and exempt.report_number not in html
    latest, older = built[1], built[0]
    latest.refresh_from_db()
    assert latest.checksum in html
    assert reverse("meetings:public_pack_download", args=[meeting.pk, latest.pk]) in html
    assert "Version 1" in html  # the earlier version is listed

    download = client.get(reverse("meetings:public_pack_download", args=[meeting.pk, older.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF") and "public" in download["Cache-Control"]

    report = client.get(reverse("meetings:public_report", args=[meeting.pk, public.pk]))
    assert report.status_code == 200 and PUBLIC_REPORT_TEXT in report.content.decode()
    assert "public" in report["Cache-Control"]


def test_signed_in_the_public_pages_are_the_same_and_still_public(client, clerk, media):
    meeting, *_ = published_meeting(clerk)
    client.force_login(clerk)
    page = client.get(reverse("meetings:public_meeting", args=[meeting.pk]))
    assert page.status_code == 200
    assert "public" in page["Cache-Control"] and "no-store" not in page["Cache-Control"]
    assert "Signed in as" not in page.content.decode()  # nothing personal on a cacheable page
    assert "csrfmiddlewaretoken" not in page.content.decode()


def part_2_urls(meeting, exempt, pack) -> list[str]:
    """Every public URL pattern, filled in with the Part 2 item's and the pack's ids."""
    return [
        reverse("meetings:public_report", args=[meeting.pk, exempt.pk]),
        f"/meetings/public/{meeting.pk}/items/{exempt.pk}/download/",
        f"/meetings/public/{meeting.pk}/packs/{pack.pk}/part-2/",
        f"/meetings/public/{meeting.pk}/packs/{pack.pk}/",
        f"/meetings/public/{meeting.pk}/items/{exempt.pk}/html/",
    ]


def test_nothing_of_part_2_is_reachable_publicly(client, clerk, media):
    meeting, public, exempt, built = published_meeting(clerk)
    from meetings.urls import urlpatterns

    public_patterns = [p for p in urlpatterns if p.name.startswith("public_")]
    assert len(public_patterns) == 4
    for url in part_2_urls(meeting, exempt, built[0]):
        assert client.get(url).status_code == 404, url
    # Every public pattern that takes an item, with the Part 2 item's id (and its report's id).
    for pattern in public_patterns:
        keys = set(pattern.pattern.converters)
        if "item" in keys:
            for item_id in (exempt.pk, exempt.report_id):
                url = reverse(f"meetings:{pattern.name}", kwargs={"pk": meeting.pk, "item": item_id})
                if item_id == public.pk:
                    continue
                assert client.get(url).status_code == 404, url
    # The Part 2 report's own id as a pack id, and the item's id as a pack id.
    for pack_id in (exempt.report_id, exempt.pk):
        url = reverse("meetings:public_pack_download", args=[meeting.pk, pack_id])
        response = client.get(url)
        assert response.status_code == 404 or (
            response.status_code == 200 and pack_id in [p.pk for p in built]
        ), url
    # Every page a visitor can reach, none with a word of Part 2.
    for url in [
        reverse("meetings:public_list"),
        reverse("meetings:public_meeting", args=[meeting.pk]),
        reverse("meetings:public_report", args=[meeting.pk, public.pk]),
    ]:
        html = client.get(url).content.decode()
        assert SECRET_TITLE not in html and exempt.report_number not in html, url


def test_the_part_1_pack_download_is_not_the_part_2_pack(client, clerk, media):
    meeting, _public, _exempt, built = published_meeting(clerk)
    pack = built[0]
    pack.refresh_from_db()
    assert pack.part_2_file  # the meeting has a Part 2 pack, kept for clerks
    body = b"".join(
        client.get(reverse("meetings:public_pack_download", args=[meeting.pk, pack.pk])).streaming_content
    )
    assert body == pack.file.open("rb").read()
    assert body != pack.part_2_file.open("rb").read()


def test_a_part_1_item_with_a_report_not_yet_published_or_exempt_has_no_public_web_version(
    client, clerk, media
):
    meeting, public, _exempt, _built = published_meeting(clerk)
    ReportJob.objects.filter(pk=public.report_id).update(published=False)
    assert client.get(reverse("meetings:public_report", args=[meeting.pk, public.pk])).status_code == 404
    ReportJob.objects.filter(pk=public.report_id).update(
        published=True, classification=Classification.PART_2, exempt_paragraph=1
    )
    assert client.get(reverse("meetings:public_report", args=[meeting.pk, public.pk])).status_code == 404


def test_draft_meetings_and_unpublished_packs_are_404(client, clerk, media):
    draft = make_meeting(when=timezone.make_aware(datetime.datetime(2023, 1, 10, 19, 0)))
    item = services.add_item(clerk, draft, number="4", title="Draft item")
    with_report(item, done_report("Draft report", "<p>Draft words</p>"))
    pack = services.request_pack(clerk, draft)
    packs.run_pack(pack.pk)
    ReportJob.objects.filter(pk=item.report_id).update(published=True)
    assert Meeting.objects.get(pk=draft.pk).status == MeetingStatus.DRAFT
    for url in [
        reverse("meetings:public_meeting", args=[draft.pk]),
        reverse("meetings:public_pack_download", args=[draft.pk, pack.pk]),
        reverse("meetings:public_report", args=[draft.pk, item.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert "Draft item" not in client.get(reverse("meetings:public_list")).content.decode()
    assert (
        reverse("meetings:public_meeting", args=[draft.pk])
        not in client.get(reverse("meetings:public_list")).content.decode()
    )

    # A published meeting's unpublished later version is not downloadable either.
    meeting, *_ = published_meeting(clerk)
    later = services.request_pack(clerk, meeting)
    packs.run_pack(later.pk)
    assert (
        client.get(reverse("meetings:public_pack_download", args=[meeting.pk, later.pk])).status_code == 404
    )
    assert (
        reverse("meetings:public_pack_download", args=[meeting.pk, later.pk])
        not in client.get(reverse("meetings:public_meeting", args=[meeting.pk])).content.decode()
    )


def many_meetings(count: int) -> None:
    """``count`` published meetings, each with a Part 1 and a Part 2 item (no packs: rows only)."""
    base = make_meeting()
    start = base.starts_at
    for n in range(count):
        meeting = Meeting.objects.create(
            committee=base.committee,
            starts_at=start - datetime.timedelta(days=7 * (n + 1)),
            status=MeetingStatus.PUBLISHED,
        )
        AgendaItem.objects.create(meeting=meeting, number="1", title=f"Item {n}")
        AgendaItem.objects.create(
            meeting=meeting, number="2", title=f"{SECRET_TITLE} {n}", part=Part.PART_2, exempt_paragraph=3
        )


def query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_and_meeting_pages_cost_a_fixed_number_of_queries(client, db):
    many_meetings(2)
    meeting = Meeting.objects.filter(status=MeetingStatus.PUBLISHED).first()
    small = (
        query_count(client, reverse("meetings:public_list")),
        query_count(client, reverse("meetings:public_meeting", args=[meeting.pk])),
    )
    many_meetings(30)
    for n in range(20):
        AgendaItem.objects.create(meeting=meeting, number=str(n + 10), title=f"More {n}")
    large = (
        query_count(client, reverse("meetings:public_list")),
        query_count(client, reverse("meetings:public_meeting", args=[meeting.pk])),
    )
    assert small == large


def test_the_list_is_newest_first_paged_and_filtered_by_committee(client, db):
    from ambitions.services import ensure_portfolios

    many_meetings(public_views.PAGE_SIZE + 3)
    other = Meeting.objects.create(
        committee=ensure_portfolios()["ACH"].pds_committee,
        starts_at=timezone.make_aware(datetime.datetime(2021, 3, 1, 19, 0)),
        status=MeetingStatus.HELD,
    )
    first = client.get(reverse("meetings:public_list"))
    shown = first.context["meetings"]
    assert len(shown) == public_views.PAGE_SIZE
    assert [m.starts_at for m in shown] == sorted((m.starts_at for m in shown), reverse=True)
    second = client.get(reverse("meetings:public_list"), {"page": 2})
    assert len(second.context["meetings"]) == 4  # 3 more, and the held meeting of another committee
    filtered = client.get(reverse("meetings:public_list"), {"committee": other.committee_id})
    assert [m.pk for m in filtered.context["meetings"]] == [other.pk]


@pytest.mark.parametrize(
    "query",
    [
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"page": "abc"},
        {"committee": "not-a-number"},
        {"committee": "99999999"},
        {"committee": "1' OR '1'='1"},
        {"committee": ["1", "2"], "page": ["1", "x"]},
        {"committee": "9" * 400},
    ],
)
def test_hostile_query_strings_never_500(client, db, query):
    many_meetings(1)
    response = client.get(reverse("meetings:public_list"), query)
    assert response.status_code == 200


def test_ids_that_do_not_exist_are_404_not_500(client, clerk, media):
    meeting, public, *_ = published_meeting(clerk)
    for url in [
        f"/meetings/public/{10**12}/",
        f"/meetings/public/{meeting.pk}/items/{10**12}/",
        f"/meetings/public/{meeting.pk}/packs/{10**12}/download/",
        f"/meetings/public/{meeting.pk + 1000}/items/{public.pk}/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("meetings:public_list")).status_code == 405
