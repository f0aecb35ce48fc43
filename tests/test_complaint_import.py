"""The complaints import (complaints/importers.py, manage.py import_complaints): the sample workbook and CSV
in fixtures/samples/ import, a second import changes nothing, and every kind of bad input is refused with
its sheet, line and column, saving nothing."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bromley_portal.core.tabular import TableFileError
from complaints.choices import AspectOutcome, OmbudsmanDecision, Procedure
from complaints.importers import ImportFailed, import_file
from complaints.models import Aspect, Complaint, Compliment, Mention, OmbudsmanCase, Remedy
from complaints.services import load_divisions
from tests.seed_documents import REPO

SAMPLES = REPO / "fixtures" / "samples"
MODELS = (Complaint, Mention, Aspect, OmbudsmanCase, Remedy, Compliment)
HEADER = ["reference", "received", "channel", "procedure", "stage", "division", "service", "mention", "aspect",
          "outcome", "responded", "extended_to"]  # fmt: skip
ROW = ["C2018-00001", "2018-04-09", "Email", "Corporate", "1", "Housing", "", "1", "Lack of Action",
       "Not upheld", "2018-05-01", ""]  # fmt: skip


@pytest.fixture(autouse=True)
def divisions(db):
    load_divisions()


def counts():
    return [model.objects.count() for model in MODELS]


def csv_file(*rows, header=HEADER) -> io.BytesIO:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return io.BytesIO(out.getvalue().encode("utf-8"))


def sample_workbook(change=None) -> io.BytesIO:
    """The sample workbook, with ``change(workbook)`` applied."""
    workbook = load_workbook(SAMPLES / "complaints_sample.xlsx")
    if change:
        change(workbook)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def refused(file, filename="complaints.csv") -> list[str]:
    before = counts()
    with pytest.raises(ImportFailed) as failed:
        import_file(file, filename)
    assert counts() == before, "nothing is saved"
    return [str(problem) for problem in failed.value.problems]


def test_the_sample_workbook_imports_as_written_and_a_second_import_changes_nothing():
    with (SAMPLES / "complaints_sample.xlsx").open("rb") as handle:
        result = import_file(handle, "complaints_sample.xlsx")
    assert result.created == {
        "complaints": 5,
        "aspects": 7,
        "Ombudsman cases": 3,
        "remedies": 3,
        "compliments": 3,
    }
    first = Complaint.objects.get(reference="C2019-00001")
    assert first.procedure == Procedure.ADULT_SOCIAL_CARE and first.mentions.count() == 2
    assert first.responded_on.isoformat() == "2019-05-10"
    assert sorted(
        Aspect.objects.filter(mention__complaint=first).values_list("outcome", flat=True)
    ) == sorted([AspectOutcome.PARTIALLY_UPHELD, AspectOutcome.NOT_UPHELD, AspectOutcome.UPHELD])
    # The extension moved the due date, so the answer on 20/06/2019 was on time.
    delayed = Complaint.objects.get(reference="C2019-00002")
    assert delayed.respond_by.isoformat() == "2019-06-25"
    assert Aspect.objects.get(mention__complaint=delayed).on_time is True
    assert Complaint.objects.get(reference="C2019-00005").responded_on is None  # ongoing
    case = OmbudsmanCase.objects.get(reference="19 001 234")
    assert case.complaint == first and case.decision == OmbudsmanDecision.UPHELD and case.investigated
    assert Remedy.objects.get(stage="ombudsman").ombudsman_case == case
    assert sum(r.amount for r in Remedy.objects.all()) == Decimal("2817.93")
    # Each imported row has its history, saying it was imported.
    assert Complaint.history.filter(history_change_reason="Imported").count() == 5
    assert Aspect.history.filter(history_change_reason="Imported").count() == 7
    before = counts()
    with (SAMPLES / "complaints_sample.xlsx").open("rb") as handle:
        again = import_file(handle, "complaints_sample.xlsx")
    assert counts() == before and sum(again.created.values()) == 0
    assert again.unchanged["complaints"] == 5 and again.unchanged["compliments"] == 3


def test_the_sample_csv_is_the_complaints_sheet_and_the_command_imports_it():
    out = io.StringIO()
    call_command("import_complaints", str(SAMPLES / "complaints_sample.csv"), stdout=out)
    assert "5 complaints added" in out.getvalue()
    call_command("import_complaints", str(SAMPLES / "complaints_sample.csv"), stdout=out)
    assert "5 complaints already there" in out.getvalue()


def test_the_command_lists_the_problems_and_saves_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([*ROW[:5], "Adults", *ROW[6:]]).getvalue())
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_complaints", str(bad), stderr=err)
    assert "complaints, line 2, division: “Adults” is not a division" in err.getvalue()
    assert counts() == [0] * len(MODELS)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("division", "Adults", "division: “Adults” is not a division"),
        ("channel", "Pigeon", "channel: “Pigeon” is not a channel"),
        ("aspect", "Rudeness", "aspect: “Rudeness” is not a type of aspect"),
        ("outcome", "Mostly upheld", "outcome: “Mostly upheld” is not an outcome"),
        (
            "responded",
            "2018-04-01",
            "responded: the response (01/04/2018) is before the complaint was received",
        ),
        ("received", "2018-13-01", "received: “2018-13-01” is not a date"),
        (
            "received",
            "9 April 2018",
            "received: “9 April 2018” is not a date: write it as YYYY-MM-DD or DD/MM/YYYY",
        ),
        ("stage", "4", "stage: “4” is not a stage"),
        ("mention", "0", "mention: “0” is not a mention number"),
        ("outcome", "Not known", "outcome: Housing records outcomes"),
        ("service", "Hospital Team", "service: “Hospital Team” is not a service of Housing"),
        ("reference", "", "reference: the reference is missing"),
    ],
)
def test_a_bad_cell_is_named_by_line_and_column(column, value, message):
    row = list(ROW)
    row[HEADER.index(column)] = value
    problems = refused(csv_file(ROW, row))
    assert any(message in p and p.startswith("complaints, line 3") for p in problems), problems


def test_a_text_read_once_a_column_still_names_every_row_it_is_wrong_on():
    """The complaints sheet parses each distinct text of a column once (importers.Column): a bad text on
    several rows is a problem on each of them, a good one stays good, and a service is looked up in the
    division of its own row (the same name can be one division's service and not another's)."""
    rows = [
        [f"C2018-0000{n}", "2018-04-09", "Email", "Corporate", "1", "Housing", "", "1", "Lack of Action",
         "Not upheld", "2018-05-01", ""]
        for n in range(1, 5)
    ]  # fmt: skip
    for row in (rows[1], rows[3]):
        row[HEADER.index("received")] = "2018-13-01"
    rows[2][HEADER.index("channel")] = ""
    problems = refused(csv_file(*rows))
    assert [p.split(":")[0] for p in problems] == [
        "complaints, line 3, received",
        "complaints, line 4, channel",
        "complaints, line 5, received",
    ]
    from complaints.models import Service

    service = Service.objects.select_related("division").exclude(division__name="Housing").first()
    with_service = [list(ROW), [*ROW[:5], service.division.name, service.name, *ROW[7:]]]
    with_service[1][0] = "C2018-00009"
    with_service[1][HEADER.index("outcome")] = (
        "Not upheld" if service.division.records_outcomes else "Not known"
    )
    housing = [*ROW[:6], service.name, *ROW[7:]]
    housing[0] = "C2018-00010"
    problems = refused(csv_file(*with_service, housing))
    assert problems == [f"complaints, line 4, service: “{service.name}” is not a service of Housing: an admin adds it, "
                        "or leave it blank"]  # fmt: skip


def test_rows_of_one_complaint_must_agree():
    other = [*ROW[:1], "10/04/2018", *ROW[2:]]
    problems = refused(csv_file(ROW, other))
    assert problems == [
        "complaints, line 3, received: reference C2018-00001 has received “10/04/2018” here but “09/04/2018” on "
        "line 2: a complaint's fields repeat on each of its rows and must agree"
    ]
    moved = [*ROW[:5], "Education", *ROW[6:]]
    assert "mention 1 of C2018-00001 names Education" in refused(csv_file(ROW, moved))[0]


def test_both_date_forms_are_read_and_an_answer_needs_its_date():
    day_first = [*ROW[:1], "09/04/2018", *ROW[2:10], "01/05/2018", ""]
    result = import_file(csv_file(day_first), "c.csv")
    assert result.created["complaints"] == 1
    assert Complaint.objects.get().received.isoformat() == "2018-04-09"
    unanswered = [*ROW[:10], "", ""]
    unanswered[0] = "C2018-00002"
    assert "the response date is missing" in refused(csv_file(unanswered))[0]


def test_the_same_reference_with_other_details_is_refused_not_changed():
    import_file(csv_file(ROW), "c.csv")
    changed = [*ROW[:8], "Information", *ROW[9:]]
    problems = refused(csv_file(changed))
    assert "C2018-00001 is in the portal already with other details" in problems[0]
    assert Aspect.objects.get().type == "lack_of_action"


def test_an_amount_with_three_decimals_and_an_unflagged_investigation_are_refused():
    def bad_amount(workbook):
        workbook["remedies"]["E3"] = "1417.935"

    problems = refused(sample_workbook(bad_amount), "book.xlsx")
    assert problems == [
        "remedies, line 3, amount: £1417.935 has more than two decimal places: give pounds and pence."
    ]

    def not_investigated(workbook):
        workbook["ombudsman"]["F2"] = "no"

    problems = refused(sample_workbook(not_investigated), "book.xlsx")
    assert problems == [
        "ombudsman, line 2, investigated: “Upheld: fault and injustice” follows an investigation: write yes in "
        "investigated"
    ]


def test_a_problem_on_any_sheet_saves_nothing_from_the_others():
    def unknown_case(workbook):
        workbook["remedies"]["A2"] = "19 999 999"
        workbook["compliments"]["C2"] = "Nowhere Team"

    problems = refused(sample_workbook(unknown_case), "book.xlsx")
    assert problems == [
        "remedies, line 2, reference: no Ombudsman case 19 999 999 in this file or the portal",
        "compliments, line 2, service: “Nowhere Team” is not a service of Adult Social Care: an admin adds it, "
        "or leave it blank",
    ]


def test_files_that_are_not_the_import_are_refused_whole():
    with pytest.raises(TableFileError, match="not one of the import's tables"):
        import_file(csv_file(["a", "b"], header=["name", "value"]), "other.csv")
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(TableFileError, match="has none of the sheets"):
        import_file(io.BytesIO(out.getvalue()), "empty.xlsx")
    with pytest.raises(TableFileError, match="is not a CSV or Excel"):
        import_file(io.BytesIO(b"x"), "notes.txt", sheet="complaints")
    with pytest.raises(TableFileError):
        import_file(io.BytesIO(b"PK\x03\x04 broken"), "broken.xlsx")


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(settings):
    settings.COMPLAINTS_IMPORT_MAX_BYTES = 200
    with pytest.raises(TableFileError, match="the largest file the portal imports"):
        import_file(csv_file(*[ROW] * 10), "big.csv")
    with pytest.raises(TableFileError, match="the largest file the portal imports"):
        import_file(sample_workbook(), "big.xlsx")


FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
CELL = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "-", "0", "1", "4", "1e9", "31/02/2021", "2021-02-29", "£-5", "1.005", "=SUM(A1)",
                     "Fully upheld", "Not known", "Housing", "Email", "Stage 2", "\x00"]),
)  # fmt: skip


@FUZZ
@given(cells=st.lists(st.lists(CELL, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=4))
def test_any_cells_give_a_listed_refusal_or_an_import_never_an_exception(cells):
    """Whatever the cells hold, the import saves it all or raises its own errors and saves nothing."""
    before = counts()
    try:
        import_file(csv_file(*cells), "fuzz.csv")
    except (ImportFailed, TableFileError) as failure:
        assert counts() == before
        assert str(failure)


def test_a_complaints_csv_missing_a_column_is_reported_as_the_complaints_sheet():
    """Without its outcome column a complaints file still has the compliments sheet's required columns
    (received, division, channel): it is the complaints sheet with a column missing, said so, nothing saved."""
    header = [column for column in HEADER if column != "outcome"]
    row = [value for column, value in zip(HEADER, ROW, strict=True) if column != "outcome"]
    before = counts()
    with pytest.raises(TableFileError, match="no “outcome” column"):
        import_file(csv_file(row, header=header), "complaints.csv")
    assert counts() == before


@pytest.mark.parametrize(
    ("header", "row", "model"),
    [
        (
            ["received", "division", "channel", "quote"],
            ["2018-04-09", "Housing", "Email", "Thank you"],
            Compliment,
        ),
        (
            ["reference", "complaint_reference", "division", "received"],
            ["18 001 234", "", "Housing", "2018-06-01"],
            OmbudsmanCase,
        ),
    ],
)
def test_a_csv_of_another_sheet_is_still_read_as_that_sheet(header, row, model):
    import_file(csv_file(row, header=header), "sheet.csv")
    assert model.objects.count() == 1


def _year_of_rows(prefix: str, complaints: int) -> list[list[str]]:
    """``complaints`` complaints of two mentions, the first with two aspects."""
    rows = []
    for number in range(1, complaints + 1):
        reference = f"{prefix}{number:05d}"
        common = [reference, "2018-04-09", "Email", "Corporate", "1"]
        rows.append([*common, "Housing", "", "1", "Lack of Action", "Not upheld", "2018-05-01", ""])
        rows.append([*common, "Housing", "", "1", "Quality of Service", "Partially upheld", "2018-05-01", ""])
        rows.append([*common, "Education", "", "2", "Lack of Action", "Upheld", "2018-05-02", ""])
    return rows


def test_an_import_costs_the_same_queries_for_10_complaints_as_for_60(postgres):
    """The saving is in bulk (core.bulk: COPY with their history), the checking from lookups made once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(prefix: str, count: int) -> tuple[int, int]:
        data = csv_file(*_year_of_rows(prefix, count)).getvalue()
        with CaptureQueriesContext(connection) as first:
            result = import_file(io.BytesIO(data), "complaints.csv")
        assert result.created["complaints"] == count and result.created["aspects"] == 3 * count
        with CaptureQueriesContext(connection) as again:
            result = import_file(io.BytesIO(data), "complaints.csv")
        assert result.unchanged["complaints"] == count and not sum(result.created.values())
        return len(first), len(again)

    assert queries("S", 10) == queries("L", 60)
    # Each row was saved once, with its history saying the import made it.
    assert Aspect.objects.count() == 3 * 70
    assert Aspect.history.filter(history_change_reason="Imported", history_type="+").count() == 3 * 70
    assert Mention.history.filter(history_change_reason="Imported").count() == 2 * 70
    first = Complaint.objects.get(reference="L00001")
    assert first.history.get().history_change_reason == "Imported"
    assert [(m.order, m.division.name, m.aspects.count()) for m in first.mentions.order_by("order")] == [
        (1, "Housing", 2),
        (2, "Education", 1),
    ]
