"""One reported truth: after amendments that change only the words, or only the RAG, every place that
shows what an action reported in a quarter agrees: the dashboards, the actions list and its CSV and
Excel exports, the action page, and the committee reports (read back from the PDF).

The rule itself is QuarterlyUpdate.objects.reported() (plans.models): the RAG of the latest
amendment that gives one, else the update's own; the words of the latest amendment, else its own.
"""

import csv
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader

from bromley_portal.accounts.roles import Role
from bromley_portal.reports import rendering
from plans import dashboards
from plans.choices import Rag, UpdateStatus
from plans.models import Action, Amendment, QuarterlyUpdate, ReportingPeriod
from tests.factories import make_plan, make_user

ORIGINAL = {
    1: (Rag.GREEN, "First as reported"),
    2: (Rag.AMBER, "Second as reported"),
    3: (Rag.RED, "Third as reported"),
}
# What each action reports once amended: 1 had its RAG corrected to red and then only its words;
# 2 had only its words corrected; 3 was not amended.
EXPECTED = {
    1: (Rag.RED, "First, words corrected after the RAG"),
    2: (Rag.AMBER, "Second, words corrected"),
    3: (Rag.RED, "Third as reported"),
}


@pytest.fixture
def amended(db):
    plan = make_plan(year=2024, actions=3)
    period = ReportingPeriod.objects.create(
        year=2024, quarter=1, status="locked", **ReportingPeriod.default_dates(2024, 1)
    )
    clerk = make_user(Role.CLERK, username="clerk-amends")
    for action in Action.objects.filter(section__plan=plan):
        rag, words = ORIGINAL[action.number]
        update = QuarterlyUpdate.objects.create(
            action=action, period=period, rag=rag, narrative=words, status=UpdateStatus.LOCKED
        )
        if action.number == 1:
            Amendment.objects.create(
                update=update, rag=Rag.RED, narrative="First, RAG corrected", reason="RAG", created_by=clerk
            )
            Amendment.objects.create(
                update=update,
                rag="",
                narrative="First, words corrected after the RAG",
                reason="Words",
                created_by=clerk,
            )
        if action.number == 2:
            Amendment.objects.create(
                update=update, rag="", narrative="Second, words corrected", reason="Words", created_by=clerk
            )
    return plan, period


def test_the_rule_itself(amended):
    _, period = amended
    updates = (
        QuarterlyUpdate.objects.reported()
        .filter(period=period)
        .select_related("action")
        .prefetch_related("notes")
    )
    got = {update.action.number: (update.reported_rag, update.reported_narrative) for update in updates}
    assert got == EXPECTED


def test_the_dashboard_counts_and_exceptions_agree(amended, client, people):
    plan, period = amended
    counts = dashboards.rag_counts(dashboards.Filters(period), "portfolio")[plan.portfolio.pk]
    assert (counts.now[Rag.RED], counts.now[Rag.AMBER], counts.now[Rag.GREEN]) == (2, 1, 0)
    client.force_login(people[Role.MEMBER])
    response = client.get(f"/plans/dashboards/portfolios/{plan.portfolio.code}/", {"period": period.pk})
    exceptions = {
        update.action.number: (update.reported_rag, update.reported_narrative)
        for update in response.context["exceptions"]
    }
    assert exceptions == EXPECTED
    page = response.content.decode()
    assert "First, words corrected after the RAG" in page and "First as reported" not in page


def test_the_actions_list_and_its_exports_agree(amended, client, people):
    _, period = amended
    client.force_login(people[Role.MEMBER])
    response = client.get("/plans/actions/", {"period": period.pk, "sort": "number"})
    got = {
        row.record.number: (row.record.shown_rag, row.get_cell_value("update"))
        for row in response.context["table"].paginated_rows
    }
    assert got == EXPECTED
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/plans/actions/", {"period": period.pk, "sort": "number", "_export": "csv"})
                .getvalue()
                .decode("utf-8-sig")
            )
        )
    )
    header = rows[0]
    assert [(row[header.index("RAG status")], row[header.index("Update")]) for row in rows[1:]] == [
        (rag.short_label, words) for rag, words in EXPECTED.values()
    ]
    sheet = openpyxl.load_workbook(
        io.BytesIO(
            client.get(
                "/plans/actions/", {"period": period.pk, "sort": "number", "_export": "xlsx"}
            ).getvalue()
        )
    ).active
    xlsx = list(sheet.iter_rows(values_only=True))
    assert [(row[header.index("RAG status")], row[header.index("Update")]) for row in xlsx[1:]] == [
        (rag.short_label, words) for rag, words in EXPECTED.values()
    ]
    for rag, count in [(Rag.RED, 2), (Rag.AMBER, 1), (Rag.GREEN, 0)]:
        filtered = client.get("/plans/actions/", {"period": period.pk, "rag": rag.value})
        assert len(filtered.context["table"].rows) == count, rag


def test_the_action_page_agrees(amended, client, people):
    client.force_login(people[Role.MEMBER])
    for number, (rag, words) in EXPECTED.items():
        action = Action.objects.get(number=number)
        page = client.get(action.get_absolute_url())
        shown = page.context["page"].updates[0]
        assert (shown.reported_rag, shown.reported_narrative) == (rag, words)
        strip = re.search(r'<ol class="govuk-list app-rag-history".*?</ol>', page.content.decode(), re.S)[0]
        assert rag.label in strip


def pdf_words(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def test_the_progress_report_agrees(amended):
    plan, period = amended
    text = pdf_words(
        rendering.render_report_to_pdf("plan_progress", {"plan": plan.pk, "period": period.pk}).pdf
    )
    assert "3 actions at quarter 1 (April to June 2024): 2 red, 1 amber." in text
    exceptions = text.split("4. Actions rated red or amber", 1)[1].split("5. Ambition", 1)[0]
    assert "First, words corrected after the RAG" in exceptions and "Second, words corrected" in exceptions
    assert "Third as reported" in exceptions
    table = exceptions.split("Table 4.1", 1)[1]
    assert (table.count(Rag.RED.label), table.count(Rag.AMBER.label), table.count(Rag.GREEN.label)) == (
        2,
        1,
        0,
    )


def test_the_corporate_summary_agrees(amended):
    _, period = amended
    text = pdf_words(rendering.render_report_to_pdf("corporate_summary", {"period": period.pk}).pdf)
    assert "2 red, 1 amber" in text
    assert "First, words corrected after the RAG" in text
