"""The stored yearly complaint counts (complaints.counts): they follow each kind of write (the case work,
a change of the date received, the admin's saves and deletions, the import, the demo), the dashboard reads
them and shows what the selectors compute, and the check finds and repairs a tampered or forgotten count.
(tests/conftest.py also checks after every test that the stored counts equal the computed ones.)"""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bromley_portal.accounts.roles import Role
from bromley_portal.core.financial_year import FinancialYear
from complaints import counts, dashboards, selectors, services
from complaints.choices import AspectOutcome
from complaints.importers import import_file
from complaints.models import (
    Aspect,
    AspectYearCount,
    Complaint,
    ComplaintYearCount,
    Division,
    Mention,
    Service,
)
from tests.factories import make_complaint, make_user

YEAR = FinancialYear(2025)
TODAY = date(2026, 1, 30)


@pytest.fixture
def officer(db):
    services.load_divisions()
    return make_user(Role.COMPLAINTS_OFFICER, username="officer")


def stored(year: FinancialYear) -> tuple[dict, dict]:
    """The stored rows of a year, keyed as the selectors key them."""
    complaints = {
        (row.division_id, row.channel): (row.complaints, row.on_time)
        for row in ComplaintYearCount.objects.filter(year=year.start_year)
    }
    aspects = {
        (row.type, row.division_id): (row.aspects, row.fully_upheld, row.partially_upheld, row.on_time)
        for row in AspectYearCount.objects.filter(year=year.start_year)
    }
    return complaints, aspects


def computed(year: FinancialYear) -> tuple[dict, dict]:
    """What the selectors count for the year, now."""
    complaints = selectors.complaint_counts_by_year([year]).of(year)
    aspects = {
        key: (c.aspects, c.fully_upheld, c.partially_upheld, c.on_time)
        for key, c in selectors.aspect_counts(year).items()
    }
    return complaints, aspects


def agree(*years: FinancialYear) -> None:
    for year in years:
        assert stored(year) == computed(year)
    assert counts.drift() == []


def test_the_case_work_keeps_the_year_s_counts(officer):
    housing = Division.objects.get(name="Housing")
    case = make_complaint(
        officer, "Housing", received=date(2025, 12, 1), aspects=("information", "lack_of_action"), today=TODAY
    )
    agree(YEAR)
    assert stored(YEAR)[0] == {(housing.pk, "email"): (1, 0)}
    services.acknowledge(officer, case, on=date(2025, 12, 2), today=TODAY)
    services.extend(
        officer, case, new_due=date(2026, 1, 20), reason="Waiting for a report", today=date(2025, 12, 5)
    )
    agree(YEAR)
    first, second = Aspect.objects.filter(mention__complaint=case).order_by("pk")
    services.record_response(
        officer, first, outcome=AspectOutcome.UPHELD, responded_on=date(2026, 1, 10), today=TODAY
    )
    agree(YEAR)
    assert stored(YEAR)[1][("information", housing.pk)] == (1, 1, 0, 1)
    assert stored(YEAR)[0] == {(housing.pk, "email"): (1, 0)}  # not answered yet: not on time
    services.record_response(
        officer, second, outcome=AspectOutcome.PARTIALLY_UPHELD, responded_on=date(2026, 1, 25), today=TODAY
    )
    agree(YEAR)
    assert stored(YEAR)[0] == {(housing.pk, "email"): (1, 0)}  # answered after the 20th: late
    assert stored(YEAR)[1][("lack_of_action", housing.pk)] == (1, 0, 1, 0)
    services.close(officer, case, on=TODAY, today=TODAY)
    agree(YEAR)
    # A statutory children's case goes to stage 2: a new complaint, not counted again.
    children = Division.objects.get(name="Children's Social Care")
    Service.objects.create(division=children, name="Child in care", procedure="children")
    child = make_complaint(
        officer, "Children's Social Care", service="Child in care", received=date(2025, 12, 1), today=TODAY
    )
    services.acknowledge(officer, child, on=date(2025, 12, 2), today=TODAY)
    [aspect] = Aspect.objects.filter(mention__complaint=child)
    services.record_response(
        officer, aspect, outcome="not_upheld", responded_on=date(2025, 12, 10), today=TODAY
    )
    later = services.escalate(officer, child, received=TODAY, today=TODAY)
    assert later.stage == 2 and Mention.objects.filter(complaint=later).exists()
    agree(YEAR)
    assert sum(n for (division, _), (n, _) in stored(YEAR)[0].items() if division == children.pk) == 1


def test_a_new_date_received_moves_a_complaint_between_years_and_both_are_counted(officer):
    case = make_complaint(officer, "Housing", received=date(2025, 4, 1), today=TODAY)
    agree(YEAR)
    before = FinancialYear(2024)
    assert stored(before) == ({}, {})
    case = Complaint.objects.get(pk=case.pk)
    case.received = date(2025, 3, 31)  # as the admin would correct it
    case.save()
    agree(YEAR, before)
    assert stored(YEAR) == ({}, {}) and sum(n for n, _ in stored(before)[0].values()) == 1


def test_saving_and_deleting_mentions_aspects_and_complaints_one_by_one(officer):
    education = Division.objects.get(name="Education")
    case = make_complaint(
        officer, "Housing", received=date(2025, 6, 1), aspects=("information",), today=TODAY
    )
    mention = Mention.objects.get(complaint=case)
    mention.division = education  # as the admin's inline would change it
    mention.save()
    agree(YEAR)
    assert list(stored(YEAR)[0]) == [(education.pk, "email")]
    Aspect.objects.create(mention=mention, type="staff_conduct")
    agree(YEAR)
    assert stored(YEAR)[1][("staff_conduct", education.pk)] == (1, 0, 0, 0)
    Aspect.objects.filter(type="information").get().delete()
    agree(YEAR)
    assert ("information", education.pk) not in stored(YEAR)[1]
    Complaint.objects.get(pk=case.pk).delete()  # with its mentions and aspects
    agree(YEAR)
    assert stored(YEAR) == ({}, {})


def test_the_admin_deleting_complaints_refreshes_the_year_once_whatever_they_cascade_to(officer, client):
    """The admin's pages run in one batch (core.stored_counts.BatchedAdmin): deleting complaints with their
    mentions and aspects rewrites the year's counts once, not once a row."""
    cases = [
        make_complaint(officer, "Housing", received=date(2025, 6, day), aspects=("information", "staff_conduct"),
                       today=TODAY)
        for day in (1, 2, 3)
    ]  # fmt: skip
    client.force_login(make_user(Role.ADMIN, username="jo"))
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/admin/complaints/complaint/",
            {"action": "delete_selected", "post": "yes", "_selected_action": [c.pk for c in cases[:2]]},
        )
    assert response.status_code == 302
    assert list(Complaint.objects.values_list("pk", flat=True)) == [cases[2].pk]
    rewrites = [q for q in captured if q["sql"].startswith('DELETE FROM "complaints_complaintyearcount"')]
    assert len(rewrites) == 1
    agree(YEAR)
    assert sum(n for n, _ in stored(YEAR)[0].values()) == 1


def test_a_save_that_changes_nothing_counted_refreshes_nothing(officer):
    case = make_complaint(officer, "Housing", received=date(2025, 6, 1), today=TODAY)
    case = Complaint.objects.get(pk=case.pk)
    case.handler = officer
    with CaptureQueriesContext(connection) as captured:
        case.save()
    assert not [q for q in captured if "complaintyearcount" in q["sql"].lower()]
    case.channel = "letter"
    with CaptureQueriesContext(connection) as captured:
        case.save()
    assert [q for q in captured if "complaintyearcount" in q["sql"].lower()]
    agree(YEAR)


def _csv(*rows) -> io.BytesIO:
    out = io.StringIO()
    header = ["reference", "received", "channel", "procedure", "stage", "division", "mention", "aspect",
              "outcome", "responded"]  # fmt: skip
    csv.writer(out).writerows([header, *rows])
    return io.BytesIO(out.getvalue().encode())


ROWS = [
    ["I1", "2018-04-09", "Email", "Corporate", "1", "Housing", "1", "Lack of Action", "Upheld", "2018-05-01"],
    [
        "I2",
        "2019-04-09",
        "Website",
        "Corporate",
        "1",
        "Education",
        "1",
        "Information",
        "Not upheld",
        "2019-05-01",
    ],
]


def test_an_import_counts_the_years_it_adds_and_a_dry_run_counts_nothing(officer):
    import_file(_csv(*ROWS), "c.csv", dry_run=True)
    assert not ComplaintYearCount.objects.exists() and not AspectYearCount.objects.exists()
    import_file(_csv(*ROWS), "c.csv")
    agree(FinancialYear(2018), FinancialYear(2019))
    housing = Division.objects.get(name="Housing")
    assert stored(FinancialYear(2018)) == (
        {(housing.pk, "email"): (1, 1)},
        {("lack_of_action", housing.pk): (1, 1, 0, 1)},
    )


def test_the_demo_year_is_counted(officer):
    from complaints.demo import DEMO_YEAR, load_demo_year

    assert load_demo_year() > 0
    agree(DEMO_YEAR)
    assert sum(n for n, _ in stored(DEMO_YEAR)[0].values()) == sum(
        selectors.complaints_by_division_and_channel(DEMO_YEAR).by_division.values()
    )


def test_a_bulk_write_that_forgets_to_refresh_is_found(officer):
    make_complaint(officer, "Housing", received=date(2025, 6, 1), today=TODAY)
    Aspect.objects.update(outcome=AspectOutcome.UPHELD, responded_on=date(2025, 6, 2), on_time=True)
    [found] = counts.drift()
    assert found.year == 2025 and "stored (1, 0, 0, 0), computed (1, 1, 0, 1)" in str(found)
    counts.touch_years([2025])
    agree(YEAR)


def test_the_check_finds_a_tampered_or_orphaned_count_and_repairs_it(officer):
    make_complaint(officer, "Housing", received=date(2025, 6, 1), today=TODAY)
    ComplaintYearCount.objects.update(complaints=7)
    AspectYearCount.objects.create(
        year=2010, type="information", division=Division.objects.first(), aspects=3, fully_upheld=0,
        partially_upheld=0, on_time=0,
    )  # fmt: skip
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("check_complaint_counts", "--dry-run", stdout=out)
    assert exit_.value.code == 1
    text = out.getvalue()
    assert "2025-26" in text and "stored (7, 0), computed (1, 0)" in text and "2010-11" in text
    assert "2 years differed: left as they are (dry run)" in text
    assert len(counts.drift()) == 2  # a dry run repairs nothing
    with pytest.raises(SystemExit):
        call_command("check_complaint_counts", stdout=io.StringIO())
    agree(YEAR)
    assert not AspectYearCount.objects.filter(year=2010).exists()
    out = io.StringIO()
    call_command("check_complaint_counts", stdout=out)
    assert "agree" in out.getvalue()


def test_the_nightly_task_repairs_what_it_finds(officer):
    from complaints.tasks import check_complaint_counts

    make_complaint(officer, "Housing", received=date(2025, 6, 1), today=TODAY)
    ComplaintYearCount.objects.all().delete()
    assert check_complaint_counts.delay().get() == 1
    agree(YEAR)
    assert check_complaint_counts.delay().get() == 0


def test_the_dashboard_reads_the_stored_counts_and_shows_what_the_selectors_count(officer):
    for received, division, channel, kinds in [
        (date(2023, 5, 1), "Housing", "letter", ("information",)),
        (date(2024, 7, 1), "Education", "website", ("lack_of_action", "staff_conduct")),
        (date(2025, 6, 1), "Housing", "email", ("information", "lack_of_action")),
        (date(2025, 9, 1), "Adult Social Care", "telephone", ("quality_of_service",)),
    ]:
        make_complaint(officer, division, received=received, aspects=kinds, channel=channel, today=TODAY)
    first = Aspect.objects.filter(mention__complaint__received=date(2025, 6, 1)).order_by("pk").first()
    case = first.mention.complaint
    services.acknowledge(officer, case, on=date(2025, 6, 2), today=TODAY)
    services.record_response(
        officer, first, outcome=AspectOutcome.UPHELD, responded_on=date(2025, 6, 20), today=TODAY
    )
    board = dashboards.dashboard(YEAR)
    years = board.years
    assert [t.cells for t in board.channels] == [
        t.cells for t in selectors.complaints_by_division_and_channel_by_year(years)
    ]
    assert sum(t.total for t in board.channels) == 4
    assert board.aspects == selectors.aspects_by_type_and_division(YEAR)
    assert board.on_time == selectors.on_time_by_division(YEAR)
    assert board.aspects.by_type["information"].fully_upheld == 1
    # It reads the stored rows, not the cases: a tampered row shows (then is put right).
    ComplaintYearCount.objects.filter(year=2023).update(complaints=40)
    assert dashboards.dashboard(YEAR).channels[0].total == 40
    counts.refresh([2023])
    assert dashboards.dashboard(YEAR).channels[0].total == 1
