"""A plan's spreadsheet (plans.spreadsheet, its download plans:plan_export): a row per detail, each cell
written by the rule its model keeps (the plan page reads the same models), in a fixed number of
queries whatever the plan's length, and read back by the plan import without a change."""

import csv
import io

import openpyxl
import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bromley_portal.accounts.roles import Role
from plans import spreadsheet
from plans.choices import PeriodStatus, UpdateStatus
from plans.importers import import_plan
from plans.models import Action, Amendment, PortfolioPlan, QuarterlyUpdate, ReportingPeriod, UpdateNote
from plans.seeds import load_seed_plans
from tests.factories import make_plan


def url(plan, file_format, period=None):
    query = f"?format={file_format}" + (f"&period={period.pk}" if period else "")
    return plan.get_absolute_url() + "export/" + query


def rows_of(response, file_format) -> list[list]:
    assert response.status_code == 200
    if file_format == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]


def queries_of(client, address) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(address).status_code == 200
    return len(context)


def locked_period(year=2023, quarter=2):
    return ReportingPeriod.objects.create(
        year=year, quarter=quarter, status=PeriodStatus.LOCKED, **ReportingPeriod.default_dates(year, quarter)
    )


def report(action, period, narrative, notes=(), amended="", author=None):
    """A locked update of ``action`` with notes on its details (by letter) and, with ``amended``, an
    amendment."""
    update = QuarterlyUpdate.objects.create(
        action=action, period=period, status=UpdateStatus.LOCKED, rag="green", narrative=narrative
    )
    details = {detail.letter: detail for detail in action.details.all()}
    for letter in notes:
        UpdateNote.objects.create(update=update, detail=details[letter], narrative=f"Note on {letter}")
    if amended:
        Amendment.objects.create(update=update, narrative=amended, reason="Typo", created_by=author)
    return update


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_spreadsheet_costs_the_same_queries_at_any_length(client, people, file_format):
    client.force_login(people[Role.MEMBER])
    plan = make_plan(actions=2)
    period = locked_period()
    report(Action.objects.get(number=1), period, "Overall", notes="a")
    few = queries_of(client, url(plan, file_format, period))
    few_rows = len(rows_of(client.get(url(plan, file_format, period)), file_format))

    make_plan(actions=30)
    make_plan(actions=20, ambition_number=2)
    for action in Action.objects.filter(number__gt=1).order_by("pk")[:25]:
        report(action, period, f"Words {action.pk}", notes="ab" if action.pk % 2 else "b",
               amended="Corrected" if action.pk % 3 == 0 else "", author=people[Role.APPROVER])  # fmt: skip
    assert queries_of(client, url(plan, file_format, period)) == few
    assert len(rows_of(client.get(url(plan, file_format, period)), file_format)) == few_rows + 2 * 50


def test_each_cell_is_its_models_own_rule_in_the_plans_order(client, people):
    """Beside the plan as the models write it, action by action and detail by detail (the plan page's
    reading): the seed's plans, by ambitions and by priorities, with details without letters or dates."""
    load_seed_plans()
    client.force_login(people[Role.MEMBER])
    for plan in PortfolioPlan.objects.select_related("portfolio"):
        expected = [spreadsheet.COLUMNS]
        for section in plan.sections.select_related("ambition"):
            for action in section.actions.order_by("number"):
                for index, detail in enumerate(action.details.order_by("order")):
                    expected.append(
                        [
                            str(plan),
                            section.label,
                            str(action.number),
                            action.title if index == 0 else "",
                            str(detail) if detail.letter or detail.text else "",
                            "\n".join(measure.text for measure in detail.measures_of_success.all()),
                            detail.target_text,
                            "\n".join(lead.title for lead in detail.leads.select_related("post")),
                            "",
                        ]
                    )
        assert len(expected) > 10, plan
        assert rows_of(client.get(url(plan, "csv")), "csv") == expected, plan


def test_an_updates_words_go_where_the_import_reads_them(client, people):
    """Notes on their details' rows, the update's own narrative on the action's last row (after a note
    there), an amended update's corrected text alone on the last row; formulas neutralised."""
    client.force_login(people[Role.MEMBER])
    plan = make_plan(actions=3)
    period = locked_period()
    first, second, third = Action.objects.order_by("number")
    report(first, period, "Overall", notes="ab")
    report(second, period, "=Old words", notes="a", amended="=Corrected", author=people[Role.APPROVER])
    report(third, period, "", notes="a")
    for file_format in ("csv", "xlsx"):
        rows = rows_of(client.get(url(plan, file_format, period)), file_format)
        assert [row[-1] for row in rows[1:]] == [
            "Note on a", "Note on b\n\nOverall", "", "'=Corrected", "Note on a", "",
        ], file_format  # fmt: skip
        assert not any(row[-1] for row in rows_of(client.get(url(plan, file_format)), file_format)[1:])


def counts():
    models = [
        model
        for app in ("plans", "ambitions")
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    ]
    return {model._meta.db_table: model._base_manager.count() for model in models}


def round_trip(client, admin, plan, period, file_format):
    """The plan's download for ``period`` imported back into it: the import's result, and whether any
    table of the plans and ambitions apps changed."""
    client.force_login(admin)
    content = client.get(url(plan, file_format, period)).content
    before = counts()
    result = import_plan(
        io.BytesIO(content),
        f"plan.{file_format}",
        plan.portfolio,
        plan.year,
        user=admin,
        updates_period=period,
    )
    return result, counts() != before


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_download_with_notes_and_narratives_imports_back_changing_nothing(client, people, file_format):
    plan = make_plan(actions=4)
    period = locked_period()
    first, second, third, _ = Action.objects.order_by("number")
    report(first, period, "", notes="ab")
    report(second, period, "", notes="a")
    report(third, period, "Its own words")
    result, changed = round_trip(client, people[Role.ADMIN], plan, period, file_format)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged, result.updates_created) == (0, 0, 4, 0)
    assert not changed


def one_reported(what, people):
    """A plan of one action (details a and b) whose locked update is amended, or has a narrative and a
    note on a: the two the download places differently from the update's own words."""
    plan = make_plan(actions=1)
    period = locked_period()
    if what == "amended":
        report(Action.objects.get(), period, "Old words", amended="Corrected", author=people[Role.APPROVER])
    else:
        report(Action.objects.get(), period, "Overall", notes="a")
    return plan, period


@pytest.mark.parametrize("what", ["amended", "narrative and notes"])
def test_an_amended_update_or_one_with_narrative_and_notes_imports_back(client, people, what):
    plan, period = one_reported(what, people)
    result, changed = round_trip(client, people[Role.ADMIN], plan, period, "csv")
    assert result.ok and not changed, result.errors


@pytest.mark.parametrize(
    "what, changed",
    [
        ("amended", ("Corrected", "Corrected again")),  # the amendment's text
        ("amended", ("Corrected", "Old words")),  # the words the amendment replaced
        ("narrative and notes", ("Overall", "Overall, reworded")),  # the narrative after the note
        ("narrative and notes", ("Overall", "")),  # the narrative left out
        ("narrative and notes", ("Note on a", "")),  # the note left out
    ],
)
def test_a_download_whose_update_was_changed_is_still_refused(client, people, what, changed):
    """Reading the download's placement back does not let a file change a reported update: any other
    words are a different update, corrected in the portal by an amendment."""
    plan, period = one_reported(what, people)
    client.force_login(people[Role.ADMIN])
    content = client.get(url(plan, "csv", period)).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    update_column = len(rows[0]) - 1
    assert changed[0] in [row[update_column] for row in rows[1:]]
    for row in rows[1:]:
        if row[update_column] == changed[0]:
            row[update_column] = changed[1]
    edited = io.StringIO()
    csv.writer(edited).writerows(rows)
    before = counts()
    result = import_plan(
        io.BytesIO(edited.getvalue().encode()),
        "plan.csv",
        plan.portfolio,
        plan.year,
        user=people[Role.ADMIN],
        updates_period=period,
    )
    assert not result.ok
    assert [error.message for error in result.errors] == [
        f"Action 1.1 already has a different {period} update; correct it in the portal with an amendment "
        "rather than by import."
    ]
    assert counts() == before
