"""The Annual Complaints Report (issue 13, item 8), rendered as a clerk gets it and read back with pypdf and
pdfplumber: the 2021/22 demo year's tables in the PDF and in its HTML twin are the published numbers of
seed 004 (fixtures/data/complaints_*.json), the earlier years come from the published figures, no
complainant's details reach either, it is Part 1, the complaints team's words and (for a year under the
Complaint Handling Code) the self-assessment and the Code's figures are in it, it costs a fixed number of
queries, and a real Celery worker renders it."""

import io
import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pdfplumber
import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from bromley_portal.accounts.roles import Role
from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.reports import registry, rendering
from bromley_portal.reports.choices import Classification
from complaints import report_text, reports, selectors
from complaints.choices import AspectType, Channel
from complaints.demo import DEMO_YEAR, load_demo_data
from complaints.models import Complainant, Complaint, Division
from complaints.report_text import CodeProvision, Compliance, NarrativeSection
from complaints.services import load_divisions
from tests.conftest import data_shared_by_a_module
from tests.factories import make_complaint, make_user
from tests.seed_documents import load
from tests.test_pdf_tags import TaggedPDF, assert_well_tagged

REPORT = load("complaints_report_2021_22.json")
CHAPTERS = load("complaints_chapters_2021_22.json")["chapters"]
PUBLISHED = load("complaints_published_years.json")
NAMES = {d["key"]: d["name"] for d in REPORT["divisions"]}
SHORT = {d["key"]: d["short_name"] for d in REPORT["divisions"]}
ORDER = [d["key"] for d in sorted(REPORT["divisions"], key=lambda d: d["order"])]

# A complainant's details put on one of the demo year's complaints: none of it may reach the report.
SECRET_NAME = "Zebedee Quartermaine"
SECRET_EMAIL = "zebedee.q@example.invalid"
SECRET_PHONE = "020 7946 0999"
SECRET_SUMMARY = "Her neighbour's hedge at 14 Privet Drive"
NARRATIVE = "The rise in Education complaints follows the new SEN assessment process."


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def pdf_texts(pdf: bytes) -> tuple[str, str]:
    """The whole document's text as pypdf and as pdfplumber read it."""
    first = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        second = " ".join(page.extract_text() or "" for page in document.pages)
    return squash(first), squash(second)


def pdf_rows(pdf: bytes) -> list[list[str]]:
    """Every ruled table row pdfplumber finds, its cells squashed."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [
            [squash(cell) for cell in row if cell is not None]
            for page in document.pages
            for table in page.extract_tables()
            for row in table
        ]


class _Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(squash("".join(self.cell)))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def html_rows(html: str) -> list[list[str]]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def n(value) -> str:
    return "–" if value is None else f"{value:,}"


def money(value: str) -> str:
    return f"£{Decimal(value):,.2f}"


def parameters(**more) -> dict:
    return {"year": "2021-22", "report_number": "GPL23004", **more}


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker):
    """The demo data (published figures, the generated 2021/22 case list), a complainant's details on one
    of its complaints, a paragraph for Education's chapter, and both reports rendered once."""
    with data_shared_by_a_module(django_db_blocker):
        load_divisions()
        load_demo_data(io.StringIO())
        complaint = Complaint.objects.filter(stage=1, received__year=2021).order_by("pk").first()
        complaint.complainant = Complainant.objects.create(
            name=SECRET_NAME, email=SECRET_EMAIL, phone=SECRET_PHONE, address="14 Privet Drive"
        )
        complaint.summary = SECRET_SUMMARY
        complaint.save()
        officer = make_user(Role.COMPLAINTS_OFFICER, username="cx-writer")
        report_text.save_narrative(
            officer,
            DEMO_YEAR,
            NarrativeSection.CHAPTER,
            f"<script>alert(1)</script>{NARRATIVE}",
            division=Division.objects.get(name="Education"),
        )
        yield {
            name: rendering.render_report_to_pdf(name, parameters())
            for name in ["complaints_cover", "complaints_annual"]
        }


@pytest.fixture(scope="module")
def annual(rendered):
    report = rendered["complaints_annual"]
    return {
        "report": report,
        "texts": pdf_texts(report.pdf),
        "pdf_rows": pdf_rows(report.pdf),
        "html_rows": html_rows(report.html),
    }


def assert_row(annual, row: list[str]):
    """The row is a ruled table row pdfplumber reads, a row of the HTML twin, and its words run in order
    in the text pypdf and pdfplumber extract."""
    assert row in annual["pdf_rows"], row
    assert row in annual["html_rows"], row
    for text in annual["texts"]:
        assert " ".join(row) in text, row


# The council overview: the published 2021/22 tables -------------------------------------------------------


def test_complaints_received_by_division_over_three_years(annual, db):
    for key in ORDER:
        years = REPORT["complaints_received"]["by_division"][key]
        values = [years.get("2019/20"), years.get("2020/21"), years["2021/22"]]
        assert_row(annual, [NAMES[key], *[n(v) for v in values], *annual_change(values)])
    totals = REPORT["complaints_received"]["total_excluding_epp"]
    assert_row(annual, ["Total (excluding E&PP)", "445", "335", "387", "15.5%"])
    assert [totals["2019/20"], totals["2020/21"], totals["2021/22"]] == [445, 335, 387]


def annual_change(values) -> list[str]:
    before, after = values[1], values[2]
    if not before:
        return ["n/a"]
    rate = (Decimal(after - before) * 100 / before).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
    return [f"{rate}%"]


def test_channel_by_division_is_the_published_872(annual, db):
    header = ["Channel", *[SHORT[key] for key in ORDER], "Total", "% of total"]
    assert header in annual["pdf_rows"] or [squash(c) for c in header] in annual["html_rows"]
    channels = REPORT["channels"]
    for channel in Channel:
        cells = channels["by_channel"][channel.value]
        row = [
            channel.label,
            *[n(cells[key]) for key in ORDER],
            n(sum(cells.values())),
            channels["printed_share_of_total"][channel.value],
        ]
        assert_row(annual, row)
    totals = ["Total", *[n(channels["by_division"][k]) for k in ORDER], "872"]
    assert any(row[: len(totals)] == totals for row in annual["pdf_rows"])
    assert any(row[: len(totals)] == totals for row in annual["html_rows"])


def test_aspects_by_type_are_the_published_994_with_each_types_upheld_rate(annual, db):
    for key, published in REPORT["aspects"]["by_type"].items():
        row = [
            AspectType(key).label,
            # The seed prints "-" where a division does not use the type; the portal counts none: 0.
            *[n(published["by_division"][k] or 0) for k in ORDER],
            n(published["total"]),
            f"{published['printed_share_of_total']}%",
            f"{published['printed_upheld_rate']}%" if published["total"] else "n/a",
        ]
        assert_row(annual, row)
    totals = ["Total", *[n(REPORT["aspects"]["by_division"][k]) for k in ORDER], "994"]
    assert any(row[: len(totals)] == totals for row in annual["pdf_rows"])


def test_proportion_upheld_by_division(annual, db):
    for key, published in REPORT["upheld"]["by_division"].items():
        if not published["aspects"]:
            continue
        assert_row(
            annual,
            [
                NAMES[key],
                n(published["aspects"]),
                n(published["upheld_or_partially"]),
                f"{published['printed_percent']}%",
                f"{published['printed_previous_year_percent']}%",
            ],
        )
    assert_row(annual, ["Total (divisions recording outcomes)", "509", "196", "39%", "44%"])
    assert_row(annual, [NAMES["epp"], "485", "n/k", "data not collected", "n/a"])


def test_responding_on_time_by_division(annual, db):
    printed = REPORT["on_time"]["printed_percent"]
    # P&R's printed 50% is of its mentions; the README's reading gives 51% of its complaints.
    for key in ("asc", "csc", "housing", "education", "ced", "epp"):
        glance = CHAPTERS[key]["at_a_glance"]["on_time_percent"] if key != "epp" else {}
        earlier = [f"{glance[y]}%" if y in glance else "n/a" for y in ("2019/20", "2020/21")]
        assert_row(annual, [NAMES[key], *earlier, f"{printed[key]}%"])


def test_ombudsman_cases_and_the_review_letter(annual, db):
    ombudsman = REPORT["ombudsman"]
    for text in annual["texts"]:
        assert (
            f"The Council handled {ombudsman['cases_handled']} Ombudsman cases during the year, which generated "
            f"{ombudsman['response_deadlines']} response deadlines" in text
        )
        assert (
            "16 were upheld, and 2 more were upheld without investigation, an overall upheld rate of 69%"
            in text
        )
    assert_row(annual, ["Overall", "93", "104"])
    letters = {letter["year"]: letter for letter in PUBLISHED["review_letters"]}
    years = ["2019/20", "2020/21", "2021/22"]
    assert_row(annual, ["Referrals", *[n(letters[y]["referrals"]) for y in years], "18.4%"])
    assert_row(
        annual, ["Resulting investigations", *[n(letters[y]["investigations"]) for y in years], "-31.6%"]
    )
    assert_row(annual, ["Number upheld", *[n(letters[y]["upheld"]) for y in years], "-30.8%"])
    assert_row(annual, ["Upheld rate", *[f"{letters[y]['printed_upheld_rate']}%" for y in years], "+0 pts"])
    assert_row(
        annual, ["London average", *[f"{letters[y]['london_average_upheld_rate']}%" for y in years], "-2 pts"]
    )
    assert_row(annual, ["London ranking", *[letters[y]["london_ranking"] for y in years], "-2"])


def test_financial_consequences_by_stage_type_and_division(annual, db):
    remedies = REPORT["remedies"]
    keys = list(ORDER)
    by_division = {k: remedies["by_division"].get(k, "0.00") for k in keys}
    assert_row(annual, ["Total", *[money(by_division[k]) for k in keys], money(remedies["total"])])
    compensation = remedies["by_stage_type_division"]["stage_1"]["compensation"]
    assert_row(
        annual,
        [
            "Stage 1: Compensation & Backdating",
            *[money(compensation.get(k, "0.00")) for k in keys],
            money(sum((Decimal(v) for v in compensation.values()), Decimal(0))),
        ],
    )
    assert money(remedies["total"]) == "£20,831.22"


def test_compliments_by_division(annual, db):
    for key, row in REPORT["compliments"]["by_division"].items():
        before, now = row["2020/21"], row["2021/22"]
        assert_row(annual, [NAMES[key], n(before), n(now), *annual_change([None, before, now])])
    assert_row(annual, ["Total", "282", "233", "-17.4%"])


# The divisions' chapters ------------------------------------------------------------------------------


def published(key: str, measure: str, year: str):
    """An earlier year's figure as complaints.demo loads it (complaints_published_years.json)."""
    for figure in PUBLISHED["figures"]:
        if (figure["division"], figure["measure"], figure["year"]) == (key, measure, year):
            return figure["value"]
    return None


def test_each_chapter_at_a_glance_over_three_years(annual, db):
    for key in ("asc", "csc", "housing", "education"):
        glance = CHAPTERS[key]["at_a_glance"]
        years = ["2019/20", "2020/21", "2021/22"]
        amounts = [
            published(key, "financial_consequences", "2019/20"),
            published(key, "financial_consequences", "2020/21"),
            REPORT["remedies"]["by_division"][key],
        ]
        assert_row(
            annual,
            [
                "Financial consequences",
                *[money(a) for a in amounts],
                *annual_change([Decimal(a) for a in amounts]),
            ],
        )
        assert_row(
            annual,
            [
                "Percentage fully upheld",
                *[f"{glance['fully_upheld_percent'][y]}%" for y in years],
                points(glance, "fully_upheld_percent"),
            ],
        )


def points(glance, measure) -> str:
    change = Decimal(glance[measure]["2021/22"]) - Decimal(glance[measure]["2020/21"])
    return f"{change:+} pts"


def test_the_adult_social_care_services_table_with_percentages(annual, db):
    services = [s for s in CHAPTERS["asc"]["services"] if s["aspects"]]
    mentions = sum(max(s["mentions"], 1) for s in services)
    aspects = sum(s["aspects"] for s in services)
    for service in services:
        counts = [max(service["mentions"], 1), service["aspects"]] + [
            service[c] for c in ("fully_upheld", "partially_upheld", "not_upheld", "ongoing", "on_time")
        ]
        assert [service["service"], *[n(c) for c in counts]] in annual["pdf_rows"], service["service"]
        assert [service["service"], *[n(c) for c in counts]] in annual["html_rows"], service["service"]
        shares = [
            selectors.percent(counts[0], mentions),
            selectors.percent(counts[1], aspects),
            *[selectors.percent(c, service["aspects"]) for c in counts[2:]],
        ]
        assert ["%", *[f"{s}%" for s in shares]] in annual["pdf_rows"], service["service"]
    assert ["Total", n(mentions), "79", "28", "8", "42", "1", "22"] in annual["pdf_rows"]


def test_nature_of_complaint_and_outcome_by_aspect(annual, db):
    for kind, row in CHAPTERS["asc"]["nature_of_complaint"].items():
        cells = [
            row[c]
            for c in ("aspects", "fully_upheld", "partially_upheld", "not_upheld", "ongoing", "on_time")
        ]
        found = [r for r in annual["pdf_rows"] if r[:7] == [AspectType(kind).label, *[n(c) for c in cells]]]
        assert found, kind


def test_environment_and_public_protection_records_no_outcomes(annual, db):
    for text in annual["texts"]:
        assert "Environment & Public Protection: complaint aspects by service or team" in text
    header = ["Service or team", "Mentions", "Aspects", "Not known", "Ongoing", "On time"]
    assert header in annual["pdf_rows"] and header in annual["html_rows"]


def test_the_chapters_narrative_is_in_the_report_without_its_markup(annual, db):
    report = annual["report"]
    for text in annual["texts"]:
        assert NARRATIVE in text and "alert(1)" not in text
    assert NARRATIVE in report.html and "<script>alert" not in report.html


# The cover report ---------------------------------------------------------------------------------------


def test_the_cover_report_has_the_committee_header_block_and_the_years_figures(rendered, db):
    cover = rendered["complaints_cover"]
    for text in pdf_texts(cover.pdf):
        assert "PART 1 - PUBLIC" in text and "GPL23004" in text
        assert "DECISION MAKER: GENERAL PURPOSES & LICENSING COMMITTEE" in text.upper()
        assert "ANNUAL COMPLAINTS REPORT & LG&SCO LETTER 2021/22" in text.upper()
        assert "Ward: Borough-wide" in text
        assert (
            "the Council received 387 complaints in 2021/22, a change of 15.5% on the year before (335)"
            in text
        )
        assert (
            "The financial consequences of upheld complaints amounted to £20,831.22, against £35,461.57"
            in text
        )
        assert "122 referrals, of which 26 were investigated and 18 upheld (69%)" in text
        assert "placing Bromley 13th of the 32 London boroughs" in text
        assert "Appendix 1. Annual Complaints Report 2021/22" in text
    assert "Customer Engagement &amp; Complaints Service" in cover.html


# Part 1, and nobody's details --------------------------------------------------------------------------


def test_no_complainant_detail_reaches_the_pdf_or_the_html(rendered, db):
    assert Complaint.objects.filter(complainant__name=SECRET_NAME).exists()
    for report in rendered.values():
        for text in pdf_texts(report.pdf):
            for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE, SECRET_SUMMARY, "Privet"):
                assert secret not in text, secret
        for secret in (SECRET_NAME, SECRET_EMAIL, SECRET_PHONE, "Privet"):
            assert secret not in report.html, secret


def test_both_are_part_1_on_every_page(rendered, db):
    for name, report in rendered.items():
        assert registry.get(name).classification == Classification.PART_1
        for page in PdfReader(io.BytesIO(report.pdf)).pages:
            assert "PART 1 - PUBLIC" in (page.extract_text() or "")
        assert "PART 2" not in report.html


# Asking for it ------------------------------------------------------------------------------------------


def test_bad_years_get_a_clear_message(db):
    report_type = registry.get("complaints_annual")
    for bad, message in [
        ({}, "Enter the financial year, for example 2021-22"),
        ({"year": "2021-23"}, "“2021-23” is not a financial year: write it as 2021-22"),
        ({"year": "last year"}, "is not a financial year"),
        ({"year": "1999-00"}, "Choose a financial year from 2000-01"),
        ({"year": "x" * 5000}, "Write the financial year as 2021-22"),
        ({"year": "2021-22", "committee": "C" * 201}, "200 characters or fewer"),
    ]:
        with pytest.raises(registry.ReportError, match=re.escape(message)):
            report_type.clean(bad)
    cleaned, stored = report_type.clean({"year": "2021/22"})
    assert cleaned["year"] == FinancialYear(2021) and stored["year"] == "2021-22"


def test_clerks_and_admins_ask_for_it(people):
    for name in ("complaints_cover", "complaints_annual"):
        permission = registry.get(name).permission
        assert {role for role, person in people.items() if person.has_perm(permission)} == {
            Role.CLERK,
            Role.ADMIN,
        }


# Earlier years: computed where the portal has cases ----------------------------------------------------


def test_an_earlier_year_with_cases_is_computed_not_published(db):
    officer = make_user(Role.COMPLAINTS_OFFICER)
    load_divisions()
    make_complaint(officer, "Housing", received=date(2024, 6, 3), today=date(2024, 6, 3))
    make_complaint(officer, "Housing", received=date(2025, 6, 2), today=date(2025, 6, 2))
    make_complaint(officer, "Housing", received=date(2025, 7, 1), today=date(2025, 7, 1))
    years = reports.three_years(FinancialYear(2025))
    assert [y.computed for y in years] == [False, True, True]
    housing = Division.objects.get(name="Housing")
    assert [y.value("complaints", housing) for y in years] == [None, 1, 2]


# A fixed number of queries ------------------------------------------------------------------------------


def _queries(name: str, year: str) -> int:
    report_type = registry.get(name)
    cleaned, _ = report_type.clean({"year": year})
    with CaptureQueriesContext(connection) as captured:
        report_type.build(cleaned)
    return len(captured)


@pytest.mark.parametrize("name", ["complaints_cover", "complaints_annual"])
def test_each_report_costs_the_same_queries_whatever_the_number_of_cases(db, name):
    officer = make_user(Role.COMPLAINTS_OFFICER)
    load_divisions()
    make_complaint(officer, "Housing", received=date(2025, 6, 2), today=date(2025, 6, 2))
    before = Complaint.objects.count()  # with this module's demo data, in other years
    few = _queries(name, "2025-26")
    for day, division, aspects in [
        (date(2025, 7, 1), "Adult Social Care", ("lack_of_action", "information")),
        (date(2025, 8, 1), "Education", ("service_delay",)),
        (date(2025, 9, 1), "Housing", ("quality_of_service", "staff_conduct")),
        (date(2025, 10, 1), "Chief Executive's Dept.", ("disputed_decision",)),
    ]:
        for _ in range(3):
            make_complaint(officer, division, received=day, today=day, aspects=aspects)
    assert Complaint.objects.count() == before + 12
    assert _queries(name, "2025-26") == few


# Under the Complaint Handling Code -------------------------------------------------------------------------


def test_a_code_year_carries_the_self_assessment_and_the_codes_figures(db):
    officer = make_user(Role.COMPLAINTS_OFFICER)
    load_divisions()
    year = FinancialYear(2027)  # the demo's open cases are in 2026-27
    make_complaint(officer, "Housing", received=date(2027, 5, 5), today=date(2027, 5, 5))
    make_complaint(officer, "Housing", received=date(2027, 6, 1), today=date(2027, 6, 1))
    report_text.save_self_assessment(
        officer,
        year,
        CodeProvision.STAGE_1,
        compliance=Compliance.PARTLY,
        evidence="Stage 1 responses tracked on the caseload",
        explanation="Acknowledgements slipped in August; a second officer now covers leave",
    )
    figures = selectors.code_figures(year)
    assert figures.stage_1.complaints == 2 and figures.stage_2.complaints == 0
    report = rendering.render_report_to_pdf("complaints_annual", {"year": "2027-28"})
    for text in pdf_texts(report.pdf):
        assert "The Complaint Handling Code: performance and self-assessment" in text
        assert "Complaints received 2 0" in text
        assert "Acknowledgements slipped in August" in text
        assert "Corporate complaints received from 1 April 2026 are handled under" in text
    rows = html_rows(report.html)
    assert [
        "6. Complaint stages: stage 1",
        "Partly complies",
        "Stage 1 responses tracked on the caseload",
        "Acknowledgements slipped in August; a second officer now covers leave",
    ] in rows
    assert [
        "9. Scrutiny and oversight: continuous learning and improvement",
        "Not yet assessed",
        "–",
        "–",
    ] in rows
    before = rendering.render_report_to_pdf("complaints_annual", {"year": "2025-26"})
    assert "self-assessment" not in before.html.lower()


# The complaints team's pages for the report's words ------------------------------------------------------


def test_a_complaints_officer_writes_a_sections_paragraphs_plain_text_with_history(client, db):
    officer = make_user(Role.COMPLAINTS_OFFICER)
    load_divisions()
    client.force_login(officer)
    url = "/complaints/annual-report/2024-25/text/on_time/"
    page = client.get(url)
    assert page.status_code == 200 and "Council overview: responding on time" in page.content.decode()
    response = client.post(
        url, {"text": "<b>Better</b> than last year.<script>steal()</script>\r\n\r\nSecond."}
    )
    assert response.status_code == 302 and response.url == "/complaints/annual-report/2024-25/"
    narrative = report_text.ReportNarrative.objects.get(year=2024, section="on_time")
    assert narrative.text == "Better than last year.\n\nSecond."
    assert narrative.paragraphs == ["Better than last year.", "Second."] and narrative.updated_by == officer
    client.post(url, {"text": "Changed."})
    assert [h.text for h in narrative.history.order_by("history_date")] == [
        "Better than last year.\n\nSecond.",
        "Changed.",
    ]
    listing = client.get("/complaints/annual-report/2024-25/").content.decode()
    assert "Changed." in listing and "2025-26" in listing


def test_too_long_a_text_is_refused_and_nothing_saved(client, db):
    client.force_login(make_user(Role.COMPLAINTS_OFFICER))
    response = client.post(
        "/complaints/annual-report/2024-25/text/on_time/",
        {"text": "x" * (report_text.NARRATIVE_MAX_LENGTH + 1)},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body
    assert f"Text must be {report_text.NARRATIVE_MAX_LENGTH:,} characters or fewer" in body
    assert not report_text.ReportNarrative.objects.filter(year=2024).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/complaints/annual-report/not-a-year/",
        "/complaints/annual-report/1899-00/",
        "/complaints/annual-report/2024-25/text/nonsense/",
        "/complaints/annual-report/2024-25/text/chapter/",
        "/complaints/annual-report/2024-25/text/code/",
        "/complaints/annual-report/2024-25/chapter/999999/",
        "/complaints/annual-report/2024-25/code/stage_1/",
        "/complaints/annual-report/2026-27/code/nonsense/",
    ],
)
def test_addresses_that_name_nothing_are_not_found(client, db, url):
    client.force_login(make_user(Role.COMPLAINTS_OFFICER))
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "x"}).status_code == 404


def test_the_self_assessment_asks_for_evidence_or_an_explanation(client, db):
    client.force_login(make_user(Role.COMPLAINTS_OFFICER))
    url = "/complaints/annual-report/2026-27/code/stage_2/"
    response = client.post(url, {"compliance": "partly", "evidence": "", "explanation": ""})
    assert "Explain why the council does not fully comply" in response.content.decode()
    response = client.post(url, {"compliance": "yes", "evidence": "", "explanation": ""})
    assert "Enter the evidence that the council complies" in response.content.decode()
    assert client.post(url, {"compliance": "maybe"}).status_code == 200
    assert not report_text.CodeSelfAssessment.objects.filter(year=2026).exists()
    response = client.post(url, {"compliance": "yes", "evidence": "A different officer handles stage 2"})
    assert response.status_code == 302
    row = report_text.CodeSelfAssessment.objects.get(year=2026, provision="stage_2")
    assert row.compliance == Compliance.YES and row.history.count() == 1
    listing = client.get("/complaints/annual-report/2026-27/").content.decode()
    assert "Self-assessment against the Complaint Handling Code" in listing


def test_only_the_complaints_team_keeps_the_words(db):
    year = FinancialYear(2026)
    for role in (Role.MEMBER, Role.OFFICER, Role.CLERK):
        with pytest.raises(PermissionError):
            report_text.save_narrative(make_user(role), year, NarrativeSection.ON_TIME, "x")
    with pytest.raises(report_text.ReportTextError, match="before the Complaint Handling Code"):
        report_text.save_self_assessment(
            make_user(Role.ADMIN),
            FinancialYear(2025),
            "stage_1",
            compliance="yes",
            evidence="",
            explanation="",
        )


@pytest.mark.parametrize("name", ["complaints_cover", "complaints_annual"])
def test_each_report_is_a_well_tagged_pdf(rendered, db, name):
    """One tagged Table per HTML table with all its rows and header scopes, so screen readers read them."""
    report_type = registry.get(name)
    cleaned, _ = report_type.clean(parameters())
    context = rendering.template_context(report_type, report_type.build(cleaned), for_pdf=True)
    assert_well_tagged(TaggedPDF(rendered[name].pdf), render_to_string(report_type.template_name, context))


def test_a_clerk_asks_for_it_through_the_form_and_a_bad_year_changes_nothing(rendered, client, db):
    from bromley_portal.reports.models import ReportJob

    client.force_login(make_user(Role.CLERK))
    url = "/reports/new/complaints_annual/"
    page = client.get(url).content.decode()
    assert "Financial year" in page and "Committee (optional)" in page
    response = client.post(url, {"year": "2021-23"})
    assert response.status_code == 200 and "is not a financial year" in response.content.decode()
    assert not ReportJob.objects.exists()
