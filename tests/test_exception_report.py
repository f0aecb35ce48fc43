"""The exception report (plans/exception_report.py): a page per red or amber action and per measure off
target, read back from the PDF with pypdf and pdfplumber, its pages drawn with pdftoppm, its RAG the
one the dashboards and the progress report give (amendments included), and a fixed query count."""

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pdfplumber
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from ambitions.models import Post
from bromley_portal.accounts.roles import Role
from bromley_portal.reports import rendering
from contracts.models import ContractAction
from plans import dashboards
from plans.choices import Frequency, MeasureUnit, Polarity, Rag, UpdateStatus
from plans.exception_report import ExceptionReportForm, build_exception_report
from plans.models import Action, Amendment, Measure, QuarterlyUpdate, Reading, ReportingPeriod
from plans.reports import build_plan_progress
from tests.contract_factories import make_contract
from tests.factories import make_plan, make_user

# The RAG each action reports in 2024-25 Q2, and in Q1.
Q2 = {1: Rag.RED, 2: Rag.AMBER, 3: Rag.GREEN, 4: Rag.COMPLETE}
Q1 = {1: Rag.AMBER, 2: Rag.GREEN, 3: Rag.GREEN, 4: Rag.GREEN}


def locked(year, quarter):
    return ReportingPeriod.objects.create(
        year=year, quarter=quarter, status="locked", **ReportingPeriod.default_dates(year, quarter)
    )


def make_council(actions=4):
    """A CEF plan for 2024-25 reporting in two locked quarters, a measure off target linked to action 1,
    a contract delivering action 1, and an approver who signed the updates off."""
    plan = make_plan(year=2024, actions=actions)
    locked(2023, 4)
    q1, q2 = locked(2024, 1), locked(2024, 2)
    approver = make_user(Role.APPROVER, username="dlt-approver")
    approver.first_name, approver.last_name = "Dana", "Approver"
    approver.save()
    for action in Action.objects.filter(section__plan=plan):
        for period, rags in ((q1, Q1), (q2, Q2)):
            QuarterlyUpdate.objects.create(
                action=action,
                period=period,
                rag=rags.get(action.number, Rag.AMBER if action.number % 2 else Rag.RED),
                narrative=f"Action {action.number} in {period}: the words as reported.",
                status=UpdateStatus.LOCKED,
                decided_by=approver,
                decided_at=datetime(2024, 10, 20, 12, tzinfo=UTC),
            )
    first = Action.objects.get(section__plan=plan, number=1)
    measure = Measure.objects.create(
        slug="foster-carers",
        name="Foster carers recruited",
        definition="New foster carers approved in the year.",
        unit=MeasureUnit.NUMBER,
        polarity=Polarity.HIGHER_IS_BETTER,
        frequency=Frequency.QUARTERLY,
        tolerance=Decimal("2"),
        owner_post=Post.objects.get(title="Director Education"),
    )
    measure.actions.add(first)
    Reading.objects.create(measure=measure, period=q1, actual=14, target=20, england=18, london=17)
    Reading.objects.create(measure=measure, period=q2, actual=11, target=20, england=18, estimated=True)
    contract = make_contract(
        title="Fostering support service",
        supplier="Carers Together Ltd",
        commentary={"owner_comment": "PART TWO owner comment", "procurement_comment": "PART TWO procurement"},
    )
    ContractAction.objects.create(contract=contract, action=first)
    return plan, q2


@pytest.fixture
def council(db):
    return make_council()


def render(plan, period):
    return rendering.render_report_to_pdf("exception_report", {"plan": plan.pk, "period": period.pk})


def page_texts(pdf: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_each_exception_has_a_page_with_its_quarters_narrative_links_and_approver(council):
    plan, period = council
    rendered = render(plan, period)
    pages = page_texts(rendered.pdf)
    red = [i for i, text in enumerate(pages) if "CEF 1.1: Action 1 of CEF" in text]
    amber = [i for i, text in enumerate(pages) if "CEF 1.2: Action 2 of CEF" in text]
    measure = [i for i, text in enumerate(pages) if "Measure: Foster carers recruited" in text]
    assert len(red) == len(amber) == len(measure) == 1
    assert red[0] < amber[0] < measure[0]  # red first, then amber, then the measures
    assert len(set(red + amber + measure)) == 3  # each on a page of its own
    red_page = pages[red[0]]
    assert "Action 1 in 2024-25 Q2: the words as reported." in red_page
    assert "Approved by Dana Approver on 20 October 2024." in red_page
    # The last four quarters: two before the plan's year, then Q1 amber and Q2 red.
    assert "2023-24 Q3 2023-24 Q4 2024-25 Q1 2024-25 Q2" in red_page
    assert "before this plan's year" in red_page
    assert re.search(r"Amber: at risk\s*Red: off track", red_page)
    assert "Fostering support service" in red_page and "Carers Together Ltd" in red_page
    assert "Measures: Foster carers recruited" in red_page
    # A linked contract is shown with its Part 1 fields only: its commentary is Part 2.
    assert not any("PART TWO" in text for text in pages) and "PART TWO" not in rendered.html
    assert not any("Action 3 of CEF" in text or "Action 4 of CEF" in text for text in pages)
    measure_page = pages[measure[0]]
    assert "11 against a target of 20" in measure_page
    assert "Estimated or provisional figure" in measure_page
    assert "Owner Director Education" in measure_page and "CEF 1.1" in measure_page


def test_pdfplumber_reads_the_quarters_table_and_the_trend_table(council):
    plan, period = council
    with pdfplumber.open(io.BytesIO(render(plan, period).pdf)) as pdf:
        tables = [table for page in pdf.pages for table in page.extract_tables()]
    tables = [[[re.sub(r"\s+", " ", cell or "") for cell in row] for row in table] for table in tables]
    quarters = [t for t in tables if t and t[0] == ["2023-24 Q3", "2023-24 Q4", "2024-25 Q1", "2024-25 Q2"]]
    before = "Not rated: before this plan's year"
    assert [t[1] for t in quarters] == [
        [before, before, "Amber: at risk", "Red: off track"],  # 1.1
        [before, before, "Green: on track", "Amber: at risk"],  # 1.2
    ]
    trend = next(t for t in tables if t and t[0][:3] == ["Period", "Bromley", "Target"])
    assert trend[0] == ["Period", "Bromley", "Target", "England", "London", "Statistical neighbours"]
    assert trend[1:] == [
        ["2024-25 Q1", "14", "20", "18", "17", "—"],
        ["2024-25 Q2 (estimated)", "11", "20", "18", "—", "—"],
    ]
    facts = next(t for t in tables if t and t[0][0] == "Definition")
    assert ["Data quality", "Estimated or provisional figure"] in facts
    assert ["Direction of travel", "Worsening"] in facts
    linked = next(t for t in tables if t and t[0] == ["What", "Reference and title", "Status"])
    assert linked[1][0] == "Contract" and linked[1][1].startswith("T")


def test_bookmarks_name_every_exception_and_the_pdf_is_tagged(council):
    plan, period = council
    reader = PdfReader(io.BytesIO(render(plan, period).pdf))

    def titles(outline):
        for item in outline:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title, reader.get_destination_page_number(item)

    marks = dict(titles(reader.outline))
    assert marks["CEF 1.1: Action 1 of CEF"] != marks["CEF 1.2: Action 2 of CEF"]
    assert "Measure: Foster carers recruited" in marks
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_the_pages_are_drawn_not_blank(council, tmp_path):
    plan, period = council
    path = tmp_path / "exceptions.pdf"
    path.write_bytes(render(plan, period).pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.pgm"))
    assert len(images) == len(PdfReader(path).pages)
    for image in images:
        data = image.read_bytes()
        pixels = data.split(b"\n", 3)[3]  # after the P5 header: width height, maxval
        dark = sum(1 for value in pixels if value < 128)
        assert dark > 200, f"{image.name} is blank"


def test_the_rag_agrees_with_the_dashboard_and_the_progress_report_after_an_amendment(council):
    plan, period = council
    third = QuarterlyUpdate.objects.get(action__section__plan=plan, action__number=3, period=period)
    clerk = make_user(Role.CLERK, username="amending-clerk")
    Amendment.objects.create(
        update=third, rag=Rag.AMBER, narrative="Three, now at risk", reason="RAG", created_by=clerk
    )
    first = QuarterlyUpdate.objects.get(action__section__plan=plan, action__number=1, period=period)
    Amendment.objects.create(
        update=first, rag="", narrative="One, words corrected", reason="Words", created_by=clerk
    )
    cleaned = {"plan": plan, "period": period}
    report = build_exception_report(cleaned)
    ours = {page.row.reference: page.row.rag for page in report.sections[0].context["pages"]}
    dashboard = {
        update.action.reference: Rag(update.reported_rag)
        for update in dashboards.exceptions(dashboards.Filters(period, plan.portfolio))
    }
    progress = build_plan_progress(cleaned)
    exceptions = next(s for s in progress.sections if s.title == "Actions rated red or amber")
    progress_rags = {row.reference: row.rag for row in exceptions.context["rows"]}
    assert ours == dashboard == progress_rags == {"1.1": Rag.RED, "1.2": Rag.AMBER, "1.3": Rag.AMBER}
    text = " ".join(page_texts(render(plan, period).pdf))
    assert "Three, now at risk" in text and "One, words corrected" in text
    assert "Corrected by" in text


# The periods, the actions with their details, leads, four quarters' updates, amendments, notes and
# measures, the linked contracts, the officers of the header block, the measures off target with
# their readings and linked actions, and the themes of the portfolios' complaints (one grouped query).
QUERIES = 17


@pytest.mark.parametrize("actions", [4, 24])
def test_a_fixed_number_of_queries_whatever_the_number_of_actions(db, actions, django_assert_max_num_queries):
    plan, period = make_council(actions=actions)
    with django_assert_max_num_queries(QUERIES):
        report = build_exception_report({"plan": plan, "period": period})
    # 1.1 red, 1.2 amber, 1.3 green, 1.4 complete; from 1.5 on, amber and red by turns.
    assert len(report.sections[0].context["pages"]) == 2 + actions - 4
    assert len(report.sections[1].context["pages"]) == 1


def test_the_same_queries_for_all_plans_at_two_sizes(db):
    _, period = make_council(actions=4)
    counts, pages = [], []
    for extra in (0, 12):
        if extra:
            other = make_plan(code="ACH", year=2024, actions=extra)
            for action in Action.objects.filter(section__plan=other):
                QuarterlyUpdate.objects.create(
                    action=action, period=period, rag=Rag.RED, narrative="Late", status=UpdateStatus.LOCKED
                )
        with CaptureQueriesContext(connection) as queries:
            report = build_exception_report({"plan": None, "period": period})
        counts.append(len(queries))
        pages.append(len(report.sections[0].context["pages"]))
    assert pages == [2, 14]
    assert counts[0] == counts[1] <= QUERIES + 2  # and the year's plans, the ERC committee, its chief officer


def test_the_form_asks_for_a_locked_period_of_the_plans_year(council):
    plan, period = council
    open_period = ReportingPeriod.objects.create(
        year=2024, quarter=3, status="open", **ReportingPeriod.default_dates(2024, 3)
    )
    form = ExceptionReportForm(data={"plan": plan.pk, "period": open_period.pk})
    assert not form.is_valid() and "Only a locked period goes to committee" in str(form.errors)
    form = ExceptionReportForm(data={"plan": plan.pk, "period": ReportingPeriod.objects.get(year=2023).pk})
    assert not form.is_valid() and "choose a period of 2024-25" in str(form.errors)
    form = ExceptionReportForm(data={"plan": "", "period": period.pk})
    assert form.is_valid() and form.parameters()["plan"] == ""
    form = ExceptionReportForm(data={"plan": "not a plan", "period": "2024-25 Q2"})
    assert not form.is_valid() and "Choose a plan from the list" in str(form.errors)


def test_all_plans_report_names_every_portfolio(council):
    _, period = council
    rendered = rendering.render_report_to_pdf("exception_report", {"plan": "", "period": period.pk})
    text = " ".join(page_texts(rendered.pdf))
    assert "All Portfolio Plans: Exception Report at Quarter 2 2024-25" in text
    assert "CEF 1.1" in text and "Measure: Foster carers recruited" in text
    assert "Foster carers recruited" in rendered.html and "CEF 1.1" in rendered.html


def test_an_action_page_shows_the_themes_of_its_portfolio_s_complaints(council):
    """Complaints naming Children's Social Care (a CEF division) in the twelve months to the quarter's end
    appear as themes on the CEF action's page, counted, with the share upheld; older ones, other
    portfolios' and any complainant's details do not."""
    from datetime import date

    from complaints import counts
    from complaints.choices import AspectOutcome
    from complaints.models import Aspect
    from tests.factories import make_complaint

    plan, period = council
    officer = make_user(Role.COMPLAINTS_OFFICER, username="complaints-officer")
    end = period.bounds[1]
    for received, aspects in [
        (date(2024, 8, 1), ("quality_of_service", "quality_of_service")),
        (date(2024, 5, 2), ("quality_of_service", "lack_of_action")),
        (date(2023, 6, 1), ("staff_conduct",)),  # more than twelve months before the quarter's end
    ]:
        make_complaint(
            officer, "Children's Social Care", received=received, aspects=aspects, today=date(2024, 9, 30)
        )
    make_complaint(
        officer, "Housing", received=date(2024, 8, 1), aspects=("service_delay",), today=date(2024, 9, 30)
    )
    answered = date(2024, 9, 1)
    Aspect.objects.filter(type="quality_of_service").update(
        outcome=AspectOutcome.UPHELD, responded_on=answered
    )
    Aspect.objects.filter(type="quality_of_service", mention__complaint__received=date(2024, 5, 2)).update(
        outcome=AspectOutcome.NOT_UPHELD
    )
    counts.refresh(counts.ALL)  # (a queryset update sends no signals: the stored yearly counts follow)
    texts = page_texts(render(plan, period).pdf)
    first = next(text for text in texts if "Fostering support service" in text)
    flat = " ".join(first.split())
    assert (
        f"Children's Social Care: Quality of Service 3 complaint aspects in the twelve months to {end:%-d %B %Y}; 67% upheld"
        in flat
    )
    assert "Children's Social Care: Lack of Action 1 complaint aspect" in flat
    assert "Staff conduct" not in flat and "Housing:" not in flat and "Jones" not in " ".join(texts)
