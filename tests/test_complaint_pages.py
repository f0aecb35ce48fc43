"""The complaints officers' caseload and a complaint's page: due and overdue in working days with a RAG
by days left (one rule, complaints.caseload, on the page and in the exports), filters, sorting, a fixed
number of queries, and complainants' details seen only by those who may see them: never in a list, an
export or any page a member can open."""

import csv
import io
from datetime import date

import openpyxl
import pytest
import rules
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse

from bromley_portal.accounts.roles import Role
from bromley_portal.core.working_days import WorkingCalendar
from complaints import caseload, services
from complaints.caseload import DueRag
from complaints.choices import AspectOutcome, ComplaintStatus
from complaints.models import Complaint, Division, Service

# 5 May 2026 is the Tuesday after the Early May bank holiday; Easter 2026 was 3 to 6 April.
TODAY = date(2026, 5, 5)
SECRETS = [
    "Mrs Secret Person",
    "secret.person@example.invalid",
    "020 7946 0999",
    "1 Hidden Road",
    "private account",
]
COMPLAINANT = {
    "name": SECRETS[0],
    "email": SECRETS[1],
    "phone": SECRETS[2],
    "address": SECRETS[3],
    "representative": "",
}


@pytest.fixture
def today(monkeypatch):
    """Pages, services and the caseload rule all read today from django.utils.timezone.localdate."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: TODAY)
    return TODAY


def log(
    officer,
    received,
    division="Adult Social Care",
    *,
    aspects=("quality_of_service",),
    service=None,
    **kwargs,
):
    """A stage 1 complaint logged through complaints.services, with a complainant and a summary."""
    services.load_divisions()
    division = Division.objects.get(name=division)
    service = Service.objects.get(division=division, name=service) if service else None
    return services.log_complaint(
        officer,
        received=received,
        channel=kwargs.pop("channel", "email"),
        mentions=[services.MentionInput(division, service, list(aspects))],
        complainant=COMPLAINANT,
        summary="A very private account of events",
        today=kwargs.pop("today", max(received, TODAY)),
        **kwargs,
    )


def answer_all(officer, complaint, on, outcome=AspectOutcome.NOT_UPHELD):
    for mention in complaint.mentions.all():
        for aspect in mention.aspects.all():
            services.record_response(officer, aspect, outcome=outcome, responded_on=on, today=max(on, TODAY))
    return Complaint.objects.get(pk=complaint.pk)


@pytest.fixture
def officer(people):
    return people[Role.COMPLAINTS_OFFICER]


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def three_cases(officer, today):
    """Due today (a response), 5 working days overdue (an acknowledgement), 20 working days left."""
    due_today = log(officer, date(2026, 4, 2))  # adult social care: acknowledge by 9 April, respond by 5 May
    services.acknowledge(officer, due_today, on=date(2026, 4, 9), today=today)
    overdue = log(officer, date(2026, 4, 20), "Housing")  # corporate: the Code from 1 April 2026
    later = log(officer, TODAY)
    services.acknowledge(officer, later, on=TODAY, today=today)
    return {
        "due_today": Complaint.objects.get(pk=due_today.pk),
        "overdue": Complaint.objects.get(pk=overdue.pk),
        "later": Complaint.objects.get(pk=later.pk),
    }


# The rule ----------------------------------------------------------------------------------------


def test_the_due_dates_are_counted_in_working_days_across_easter_and_the_may_bank_holidays(three_cases):
    due_today, overdue, later = three_cases["due_today"], three_cases["overdue"], three_cases["later"]
    # Adult social care: acknowledge within 3 working days, respond within 20 of receipt. Received
    # Thursday 2 April 2026; Good Friday and Easter Monday are not working days, nor is 4 May.
    assert due_today.acknowledge_by == date(2026, 4, 9)
    assert due_today.respond_by == date(2026, 5, 5)
    # A corporate complaint from 1 April 2026 is under the Complaint Handling Code: acknowledge within 5.
    assert overdue.procedure == "code"
    assert overdue.acknowledge_by == date(2026, 4, 27)
    # Received 5 May: 20 working days, skipping the Spring bank holiday on 25 May.
    assert later.respond_by == date(2026, 6, 3)


def test_the_rag_by_working_days_left(three_cases, today):
    calendar = WorkingCalendar()
    states = {name: caseload.due_state(case, today, calendar) for name, case in three_cases.items()}
    assert (states["due_today"].days_left, states["due_today"].rag) == (0, DueRag.DUE_SOON)
    assert states["due_today"].describe() == "due today"
    # Due Monday 27 April; Tuesday 5 May is five working days after it (4 May is a bank holiday).
    assert (states["overdue"].days_left, states["overdue"].rag) == (-5, DueRag.OVERDUE)
    assert states["overdue"].describe() == "5 working days overdue"
    assert (states["later"].days_left, states["later"].rag) == (20, DueRag.ON_TRACK)


def test_a_date_passed_over_a_weekend_is_overdue_though_no_working_day_has_passed():
    saturday, friday = date(2026, 5, 9), date(2026, 5, 8)
    assert caseload.rag_for(0, friday, saturday) == DueRag.OVERDUE
    assert caseload.rag_for(3, date(2026, 5, 13), friday) == DueRag.DUE_SOON
    assert caseload.rag_for(4, date(2026, 5, 14), friday) == DueRag.ON_TRACK
    assert caseload.rag_for(None, None, friday) == DueRag.NOTHING_DUE


# The caseload page and its exports -------------------------------------------------------------


def test_the_caseload_shows_what_is_due_in_working_days_most_urgent_first(officer_client, three_cases):
    response = officer_client.get(reverse("complaints:caseload"))
    assert response.status_code == 200
    page = response.content.decode()
    overdue, due_today, later = (three_cases[k].reference for k in ("overdue", "due_today", "later"))
    assert page.index(overdue) < page.index(due_today) < page.index(later)
    assert "5 working days overdue" in page and "due today" in page and "20 working days left" in page
    assert "Acknowledgement: 27 Apr 2026" in page and "Response: 5 May 2026" in page


def _csv_rows(client, query=""):
    response = client.get(reverse("complaints:caseload") + "?_export=csv" + query)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_carries_the_same_figures_as_the_page(officer_client, three_cases, today):
    rows = _csv_rows(officer_client)
    header, body = rows[0], rows[1:]
    assert header == [
        "Reference",
        "Received",
        "Stage",
        "Procedure",
        "Divisions and services",
        "Handler",
        "Status",
        "Next due",
        "Working days left",
        "RAG",
    ]
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    calendar = WorkingCalendar()
    for case in three_cases.values():
        state = caseload.due_state(case, today, calendar)  # the one rule the page reads too
        row = by_reference[case.reference]
        assert row["Working days left"] == str(state.days_left)
        assert row["RAG"] == state.rag.label
        assert row["Next due"] == state.due.isoformat()


def test_no_complainant_detail_is_in_the_caseload_or_its_exports(officer_client, three_cases):
    page = officer_client.get(reverse("complaints:caseload")).content.decode()
    csv_text = officer_client.get(reverse("complaints:caseload") + "?_export=csv").content.decode("utf-8-sig")
    workbook = openpyxl.load_workbook(
        io.BytesIO(officer_client.get(reverse("complaints:caseload") + "?_export=xlsx").content)
    )
    cells = " ".join(
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    )
    assert three_cases["overdue"].reference in csv_text and three_cases["overdue"].reference in cells
    for secret in SECRETS:
        assert secret not in page
        assert secret not in csv_text
        assert secret not in cells


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("overdue=true", {"overdue"}),
        ("overdue=false", {"due_today", "later"}),
        ("status=received", {"overdue"}),
        ("status=acknowledged", {"due_today", "later"}),
        ("procedure=code", {"overdue"}),
        ("procedure=adult_social_care", {"due_today", "later"}),
        ("stage=1", {"overdue", "due_today", "later"}),
        ("stage=2", set()),
        ("division=DIVISION", {"overdue"}),
    ],
)
def test_the_filters(officer_client, three_cases, query, expected):
    query = query.replace("DIVISION", str(Division.objects.get(name="Housing").pk))
    references = {row[0] for row in _csv_rows(officer_client, "&" + query)[1:]}
    assert references == {three_cases[name].reference for name in expected}


def test_the_handler_filter_and_closed_cases_only_when_asked_for(officer_client, officer, three_cases, today):
    services.assign(officer, three_cases["later"], officer)
    assert {row[0] for row in _csv_rows(officer_client, f"&handler={officer.pk}")[1:]} == {
        three_cases["later"].reference
    }
    answered = answer_all(officer, three_cases["due_today"], TODAY)
    services.close(officer, answered, on=TODAY, today=today)
    assert three_cases["due_today"].reference not in {row[0] for row in _csv_rows(officer_client)[1:]}
    closed = {row[0] for row in _csv_rows(officer_client, "&status=closed")[1:]}
    assert closed == {three_cases["due_today"].reference}


def test_the_caseload_sorts_by_any_column(officer_client, three_cases):
    for sort in ["reference", "-received", "handler", "status", "-next_due", "days_left", "-rag", "stage"]:
        assert officer_client.get(reverse("complaints:caseload") + f"?sort={sort}").status_code == 200
    rows = _csv_rows(officer_client, "&sort=-next_due")[1:]
    assert rows[0][0] == three_cases["later"].reference


@pytest.mark.parametrize(
    "query",
    [
        "?division=abc",
        "?division=999999",
        "?overdue=maybe",
        "?status=lost",
        "?stage=9",
        "?handler=-1",
        "?sort=complainant__name",
        "?page=9999",
        "?per_page=-1",
        "?reference=" + "x" * 5000,
        "?reference=%00",
        "?_export=pdf",
    ],
)
def test_no_query_string_breaks_the_caseload(officer_client, three_cases, query):
    response = officer_client.get(reverse("complaints:caseload") + query)
    assert response.status_code in {200, 400, 404}
    for secret in SECRETS:
        assert secret not in response.content.decode(errors="replace")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize("query", ["", "?overdue=true&sort=-days_left", "?_export=xlsx", "?_export=csv"])
def test_the_caseload_costs_the_same_queries_at_any_length(officer_client, officer, today, query):
    url = reverse("complaints:caseload") + query
    for day in range(3):
        log(officer, date(2026, 4, 20 + day), aspects=("information", "service_delay"))
    few = _queries(officer_client, url)
    for day in range(40):
        case = log(officer, date(2026, 3, 2 + day % 25), "Housing", aspects=("lack_of_action",))
        services.assign(officer, case, officer)
    assert _queries(officer_client, url) == few
    assert few <= 14


# A complaint's page ------------------------------------------------------------------------------


def test_the_complaint_page_names_the_procedure_its_rule_and_due_dates(officer_client, three_cases):
    case = three_cases["due_today"]
    page = officer_client.get(case.get_absolute_url()).content.decode()
    assert "Adult social care (statutory, 2009 Regulations), stage 1" in page
    assert "acknowledge within 3 working days, respond within 20 of receipt" in page
    assert "Due by Thursday 9 April 2026; acknowledged Thursday 9 April 2026" in page
    assert "Due by Tuesday 5 May 2026" in page
    assert "due today" in page
    assert "Quality of Service" in page


def test_the_complainant_is_shown_only_with_the_permission(officer_client, three_cases, people, client):
    url = three_cases["later"].get_absolute_url()
    page = officer_client.get(url).content.decode()
    assert all(secret in page for secret in SECRETS)
    admin = people[Role.ADMIN]
    client.force_login(admin)
    assert SECRETS[0] in client.get(url).content.decode()
    original = rules.permissions.permissions["complaints.view_complainant"]
    rules.set_perm("complaints.view_complainant", rules.always_false)
    try:
        page = officer_client.get(url).content.decode()
    finally:
        rules.set_perm("complaints.view_complainant", original)
    assert three_cases["later"].reference in page
    assert not any(secret in page for secret in SECRETS)


def test_the_page_shows_extensions_outcomes_the_escalation_chain_and_history(officer_client, officer, today):
    services.load_divisions()
    children = Division.objects.get(name="Children's Social Care")
    statutory = Service.objects.create(division=children, name="Child in care", procedure="children")
    case = log(officer, date(2026, 4, 14), "Children's Social Care", service=statutory.name)
    services.acknowledge(officer, case, on=date(2026, 4, 15), today=today)
    services.extend(
        officer,
        case,
        new_due=date(2026, 5, 12),
        reason="Waiting for the social worker's notes",
        today=date(2026, 4, 20),  # agreed before the response fell due on 28 April
    )
    case = answer_all(officer, case, date(2026, 5, 1), AspectOutcome.PARTIALLY_UPHELD)
    later = services.escalate(officer, case, received=TODAY, today=today)
    page = officer_client.get(case.get_absolute_url()).content.decode()
    assert "Waiting for the social worker&#x27;s notes" in page
    assert "12 May 2026" in page and "Partially upheld" in page
    assert later.reference in page and "Escalated" in page
    assert "Children's Complaints Procedure (Children Act 1989), stage 1: initial response" in page.replace(
        "&#x27;", "'"
    )
    new_page = officer_client.get(later.get_absolute_url()).content.decode()
    assert case.reference in new_page and "Stage 2" in new_page
    assert 'id="history"' in new_page


def test_the_complaint_page_costs_the_same_queries_with_more_services(officer_client, officer, today):
    services.load_divisions()
    housing, adult = Division.objects.get(name="Housing"), Division.objects.get(name="Adult Social Care")
    small = services.log_complaint(
        officer,
        received=TODAY,
        channel="letter",
        mentions=[services.MentionInput(housing, None, ["information"])],
    )
    large = services.log_complaint(
        officer,
        received=TODAY,
        channel="letter",
        mentions=[
            services.MentionInput(division, None, ["information", "service_delay", "staff_conduct"])
            for division in [housing, adult, housing, adult, housing]
        ],
    )
    assert _queries(officer_client, small.get_absolute_url()) == _queries(
        officer_client, large.get_absolute_url()
    )


# Who may see what --------------------------------------------------------------------------------


def test_members_and_other_roles_are_refused_the_caseload_and_cases(client, people, three_cases):
    for role in [Role.MEMBER, Role.OFFICER, Role.APPROVER, Role.CLERK, Role.CONTRACTS_OFFICER]:
        client.force_login(people[role])
        assert client.get(reverse("complaints:caseload")).status_code == 403
        assert client.get(reverse("complaints:caseload") + "?_export=csv").status_code == 403
        assert client.get(three_cases["later"].get_absolute_url()).status_code == 403


def _complaint_urls(council_case):
    """Every page of the complaints app, with a case and an aspect to fill in."""
    aspect = council_case.mentions.first().aspects.first()
    values = {
        "pk": council_case.pk,
        "aspect_pk": aspect.pk,
        # The annual report's words (complaints/report_views.py): a year under the Code, a section, a
        # division's chapter and a provision of the Code.
        "year": "2026-27",
        "section": "upheld",
        "division": council_case.mentions.first().division_id,
        "provision": "stage_1",
    }
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "complaints":
            for inner in pattern.url_patterns:
                kwargs = {name: values[name] for name in inner.pattern.regex.groupindex}
                yield reverse(f"complaints:{inner.name}", kwargs=kwargs)


def test_no_complainant_detail_reaches_any_page_or_export_a_member_can_open(client, people, three_cases):
    client.force_login(people[Role.MEMBER])
    urls = list(_complaint_urls(three_cases["later"]))
    assert len(urls) >= 9
    exports = 0
    for url in urls:
        for suffix in ["", "?_export=csv", "?_export=xlsx"]:
            response = client.get(url + suffix)
            body = _readable(response)
            exports += suffix.endswith("xlsx") and response.get("Content-Type", "").startswith(
                "application/vnd"
            )
            assert not any(secret in body for secret in SECRETS), url + suffix
    assert exports, "a member can download a workbook, read cell by cell above"


def _readable(response) -> str:
    """What the person reads: a page or CSV as text, a workbook's cells (its zip hides them from a search)."""
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return " ".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
    return response.content.decode(errors="replace")


def test_the_caseload_is_in_the_navigation_for_complaints_officers_and_the_statistics_for_everyone(
    client, people
):
    caseload_link = f'href="{reverse("complaints:caseload")}"'
    statistics_link = f'href="{reverse("complaints:dashboard")}"'
    client.force_login(people[Role.COMPLAINTS_OFFICER])
    page = client.get("/").content.decode()
    assert caseload_link in page and statistics_link in page
    client.force_login(people[Role.MEMBER])
    page = client.get("/").content.decode()
    assert caseload_link not in page and statistics_link in page


def test_a_statuses_word_is_read_from_its_set():
    assert caseload.DueRag.OVERDUE.colour == "red"
    assert ComplaintStatus.RECEIVED.short_label == "Received"


# The statistics: dashboards and their anonymised drill-down -----------------------------------------


def test_the_dashboard_shows_the_selectors_figures_and_every_role_may_read_it(
    client, people, three_cases, today
):
    from bromley_portal.core.financial_year import FinancialYear
    from complaints import selectors

    year = FinancialYear.of(TODAY)
    for role in Role:
        client.force_login(people[role])
        assert client.get(reverse("complaints:dashboard")).status_code == 200, role
    response = client.get(reverse("complaints:dashboard") + f"?year={year}")
    channels = selectors.complaints_by_division_and_channel(year)
    on_time = selectors.on_time_by_division(year)
    aspects = selectors.aspects_by_type_and_division(year)
    rows = response.context["rows"]
    assert [total for _, _, total in rows["by_channel"]] == [
        channels.by_division.get(division.pk, 0) for division in channels.divisions
    ]
    assert response.context["board"].channel_table.total == channels.total == 3
    assert [row for _, row in rows["on_time"]] == [on_time.by_division.get(d.pk) for d in on_time.divisions]
    assert [row.total for _, _, row, _ in rows["aspects"]] == [row.total for row in aspects.by_type.values()]
    page = response.content.decode()
    assert "<svg" in page and "<table" in page
    assert not any(secret in page for secret in SECRETS)


def test_a_dashboard_figure_drills_down_to_the_same_number_of_anonymised_complaints(
    client, people, officer, three_cases, today
):
    from bromley_portal.core.financial_year import FinancialYear
    from complaints import selectors

    log(officer, date(2026, 4, 7), "Housing", aspects=("information",), channel="letter")
    log(officer, date(2025, 6, 2), "Housing", today=TODAY)  # the year before
    year = FinancialYear.of(TODAY)
    housing = Division.objects.get(name="Housing")
    client.force_login(people[Role.MEMBER])
    expected = selectors.complaints_by_division_and_channel(year).by_division[housing.pk]
    url = reverse("complaints:statistics_cases") + f"?year={year}&division={housing.pk}&_export=csv"
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))[1:]
    assert len(rows) == expected == 2
    aspect_url = reverse("complaints:statistics_cases") + f"?year={year}&aspect_type=information&_export=csv"
    rows = list(csv.reader(io.StringIO(client.get(aspect_url).content.decode("utf-8-sig"))))[1:]
    assert len(rows) == selectors.aspects_by_type_and_division(year).by_type["information"].total == 1
    text = client.get(reverse("complaints:statistics_cases") + f"?year={year}").content.decode()
    assert not any(secret in text for secret in SECRETS)


@pytest.mark.parametrize(
    "url",
    [
        "/complaints/statistics/",
        "/complaints/statistics/?year=2025-26",
        "/complaints/statistics/complaints/?year=2026-27",
        "/complaints/statistics/complaints/?_export=xlsx",
    ],
)
def test_the_statistics_cost_the_same_queries_at_any_size(client, people, officer, today, url):
    client.force_login(people[Role.MEMBER])
    log(officer, date(2026, 4, 20))
    few = _queries(client, url)
    for number in range(30):
        case = log(
            officer, date(2025, 4, 1 + number % 28), "Housing", aspects=("information", "staff_conduct")
        )
        services.acknowledge(officer, case, on=case.received, today=today)
    assert _queries(client, url) == few


@pytest.mark.parametrize(
    "query",
    ["?year=abc", "?year=1800-01", "?year=2999-3000", "?year=" + "9" * 4000, "?division=x&year=2021-22"],
)
def test_no_query_string_breaks_the_statistics(client, people, query):
    client.force_login(people[Role.MEMBER])
    for url in ["/complaints/statistics/", "/complaints/statistics/complaints/"]:
        assert client.get(url + query).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/complaints/99999999999999999999/",
        "/complaints/99999999999999999999/extend/",
        "/complaints/1/aspects/99999999999999999999/",
        "/complaints/0/close/",
    ],
)
def test_an_address_for_no_complaint_is_not_found(officer_client, url):
    assert officer_client.get(url).status_code == 404
    assert officer_client.post(url, {"version": "x"}).status_code == 404


def test_a_divisions_page_shows_its_services_and_the_nature_of_its_complaints(client, people, officer, today):
    from bromley_portal.core.financial_year import FinancialYear
    from complaints import selectors

    adult = log(officer, date(2026, 4, 7), service="Hospital Team", aspects=("information", "staff_conduct"))
    services.acknowledge(officer, adult, on=date(2026, 4, 8), today=today)
    answer_all(officer, adult, date(2026, 4, 20), AspectOutcome.PARTIALLY_UPHELD)
    log(officer, date(2026, 4, 9), aspects=("information",))
    division = Division.objects.get(name="Adult Social Care")
    year = FinancialYear.of(TODAY)
    client.force_login(people[Role.MEMBER])
    url = reverse("complaints:dashboard_division", args=[division.pk]) + f"?year={year}"
    response = client.get(url)
    assert response.status_code == 200
    board = response.context["board"]
    expected = selectors.services_table(year, division)
    assert (
        [(name, row.mentions, row.aspects) for name, row in board.services.rows]
        == [(name, row.mentions, row.aspects) for name, row in expected.rows]
        == [("Hospital Team", 1, 2), ("", 1, 1)]
    )
    nature = dict(board.nature)
    assert nature["Information"] == selectors.nature_of_complaint(year, division)["information"]
    assert (nature["Information"].aspects, nature["Information"].partially_upheld) == (2, 1)
    page = response.content.decode()
    assert "<svg" in page and "Hospital Team" in page and not any(secret in page for secret in SECRETS)
    assert client.get(reverse("complaints:dashboard_division", args=[999999])).status_code == 404
    few = _queries(client, url)
    for number in range(20):
        log(officer, date(2026, 4, 10 + number % 15), service="Duty Team", aspects=("service_delay",))
    assert _queries(client, url) == few
