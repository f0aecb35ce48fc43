"""The plan as a spreadsheet: the council's plan table, a row per detail.

The same columns go out (a plan's "Download as a spreadsheet") and come back in
(plans.importers), so a plan can be edited in Excel and imported again. An action's first row
carries its text; its other rows may repeat it or leave it empty, as the council's own tables do.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

from django.utils import timezone
from tablib import Dataset

from bromley_portal.core.exports import EXPORT_CHUNK, csv_lines, neutralise_formula, write_xlsx
from plans.models import (
    ActionDetail,
    DetailLead,
    MeasureOfSuccess,
    PlanSection,
    QuarterlyUpdate,
    UpdateNote,
)

PLAN = "Plan"
SECTION = "Ambition or priority"
NUMBER = "No."
ACTION = "Action"
DETAIL = "Detail"
MEASURES = "Measures of success"
TARGET = "Target date"
LEAD = "Lead"
UPDATE = "Update"

COLUMNS = [PLAN, SECTION, NUMBER, ACTION, DETAIL, MEASURES, TARGET, LEAD, UPDATE]
OPTIONAL_COLUMNS = (PLAN, UPDATE)
REQUIRED_COLUMNS = tuple(column for column in COLUMNS if column not in OPTIONAL_COLUMNS)

# Other headings people give the same columns (the plan page heads ambition plans' actions "Commitment").
COLUMN_ALIASES = {
    "ambition": SECTION,
    "priority": SECTION,
    "ambition/priority": SECTION,
    "no": NUMBER,
    "number": NUMBER,
    "commitment": ACTION,
    "making bromley even better": ACTION,
    "details": DETAIL,
    "measure of success": MEASURES,
    "measures": MEASURES,
    "target": TARGET,
    "leads": LEAD,
    "lead(s)": LEAD,
    "updates": UPDATE,
}


def plan_rows(plan, period=None) -> Iterator[list[str]]:
    """The plan's table, a row per detail, in the plan's order; with ``period``, each row's reported
    update text (QuarterlyUpdate.objects.reported(), the one rule, amendments applied).

    Built from values() queries read once, a fixed number whatever the plan's length (one streamed
    query of the details with their actions and sections, and one each of the leads, the measures of
    success, the period's updates and their notes), each cell written by the rule its model keeps
    (PlanSection.label_of, ActionDetail.written and target_text_of, DetailLead.title_of), so the plan
    page and the spreadsheet write a plan alike.
    """
    details = (
        ActionDetail.objects.filter(action__section__plan=plan)
        .order_by("action__section__number", "action__number", "order")
        .values_list(
            "pk",
            "action_id",
            "letter",
            "text",
            "target_date",
            "annual_programme",
            "action__number",
            "action__title",
            "action__section__number",
            "action__section__title",
            "action__section__ambition__number",
        )
    )
    # The lookups are read when the first row is asked for.
    leads = _by_detail(
        DetailLead.objects.filter(detail__action__section__plan=plan)
        .order_by("detail_id", "order")
        .values_list("detail_id", "written_as", "post__title"),
        DetailLead.title_of,
    )
    measures = _by_detail(
        MeasureOfSuccess.objects.filter(detail__action__section__plan=plan)
        .order_by("detail_id", "order")
        .values_list("detail_id", "text"),
        str,
    )
    updates = _updates_by_action(plan, period) if period is not None else {}
    title = str(plan)
    for action_id, rows in groupby(details.iterator(chunk_size=EXPORT_CHUNK), key=itemgetter(1)):
        rows = list(rows)
        update = updates.get(action_id)
        texts = update_cells(update, [row[0] for row in rows]) if update else {}
        for index, row in enumerate(rows):
            (pk, _, letter, text, target_date, programme, number, action_title, section_number,
             section_title, ambition_number) = row  # fmt: skip
            yield [
                title,
                PlanSection.label_of(ambition_number, section_number, section_title),
                str(number),
                action_title if index == 0 else "",
                ActionDetail.written(letter, text),
                "\n".join(measures.get(pk, ())),
                ActionDetail.target_text_of(target_date, programme),
                "\n".join(leads.get(pk, ())),
                texts.get(index, ""),
            ]


def _by_detail(rows, text) -> dict[int, list[str]]:
    """Each detail's texts in order, from rows of (detail id, *the parts ``text`` writes one from)."""
    found = {}
    for detail_id, *parts in rows.iterator(chunk_size=EXPORT_CHUNK):
        found.setdefault(detail_id, []).append(text(*parts))
    return found


@dataclass
class ReportedUpdate:
    """What an action's update reports in a period, as the spreadsheet places it."""

    narrative: str
    amended_narrative: str | None
    notes: dict = field(default_factory=dict)  # detail id: the note's narrative


def _updates_by_action(plan, period) -> dict[int, ReportedUpdate]:
    """The period's reported updates of the plan's actions, with their notes on details: two queries."""
    reported = QuarterlyUpdate.objects.reported().filter(period=period, action__section__plan=plan)
    by_update, by_action = {}, {}
    for pk, action_id, narrative, amended in reported.values_list(
        "pk", "action_id", "narrative", "amended_narrative"
    ):
        by_update[pk] = by_action[action_id] = ReportedUpdate(narrative, amended)
    notes = UpdateNote.objects.filter(update__in=reported.values("pk"))
    for update_id, detail_id, narrative in notes.values_list("update_id", "detail_id", "narrative"):
        by_update[update_id].notes[detail_id] = narrative
    return by_action


def update_cells(update: ReportedUpdate, detail_ids: list[int]) -> dict[int, str]:
    """Where an update's words go in the action's rows (``detail_ids``, in order): an amended update's
    text on its last row; else each note on its detail's row, and the update's own narrative on the
    last row, after the note there if there is one. The import compares a file's cells with these for an
    update the action already has (plans.importers._same_words), so a download imports back unchanged."""
    last = len(detail_ids) - 1
    if update.amended_narrative:
        return {last: update.amended_narrative}
    places = {detail_id: index for index, detail_id in enumerate(detail_ids)}
    cells = {places[detail_id]: narrative for detail_id, narrative in update.notes.items()}
    if update.narrative:
        cells[last] = f"{cells[last]}\n\n{update.narrative}" if last in cells else update.narrative
    return cells


def plan_dataset(plan, period=None) -> Dataset:
    dataset = Dataset(headers=COLUMNS, title=str(plan)[:31])
    for row in plan_rows(plan, period):
        dataset.append([neutralise_formula(value) for value in row])
    return dataset


def plan_csv(plan, period=None) -> bytes:
    """The plan's spreadsheet as CSV (UTF-8 with a byte order mark, for Excel), formulas neutralised."""
    return "".join(csv_lines(COLUMNS, plan_rows(plan, period))).encode("utf-8-sig")


def plan_xlsx(plan, period=None) -> bytes:
    """The plan's spreadsheet as an Excel workbook (write_xlsx), formulas neutralised."""
    buffer = io.BytesIO()
    rows = ([neutralise_formula(value) for value in row] for row in plan_rows(plan, period))
    write_xlsx(buffer, COLUMNS, rows, title=str(plan))
    return buffer.getvalue()


def export_filename(plan, extension: str) -> str:
    return f"{plan.portfolio.code.lower()}-{plan.year_label}-plan-{timezone.localdate():%Y-%m-%d}.{extension}"
