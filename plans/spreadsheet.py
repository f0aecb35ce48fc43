"""The plan as a spreadsheet: the council's plan table, a row per detail.

The same columns go out (a plan's "Download as a spreadsheet") and come back in
(plans.importers), so a plan can be edited in Excel and imported again. An action's first row
carries its text; its other rows may repeat it or leave it empty, as the council's own tables do.
"""

from django.utils import timezone
from tablib import Dataset

from bromley_portal.core.exports import neutralise_formula

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


def section_text(section) -> str:
    if section.ambition_id:
        return f"Ambition {section.ambition.number}"
    return f"Priority {section.number}: {section.title}"


def plan_rows(plan, period=None) -> list[list[str]]:
    """The plan's table, a row per detail; with ``period``, each row's reported update text.

    ``plan`` comes from plans.selectors.plan_tree (sections, actions, details prefetched).
    """
    updates = {}
    if period is not None:
        from plans.models import QuarterlyUpdate

        for update in (
            QuarterlyUpdate.objects.reported()
            .filter(period=period, action__section__plan=plan)
            .prefetch_related("notes")
        ):
            updates[update.action_id] = update
    rows = []
    for section in plan.sections.all():
        for action in section.actions.all():
            details = list(action.details.all())
            update = updates.get(action.pk)
            texts = _update_cells(update, details)
            for index, detail in enumerate(details):
                rows.append(
                    [
                        str(plan),
                        section_text(section),
                        str(action.number),
                        action.title if index == 0 else "",
                        str(detail) if detail.letter or detail.text else "",
                        "\n".join(measure.text for measure in detail.measures_of_success.all()),
                        detail.target_text,
                        "\n".join(lead.title for lead in detail.leads.all()),
                        texts.get(index, ""),
                    ]
                )
    return rows


def _update_cells(update, details) -> dict[int, str]:
    """Where an update's words go in the table: the action's text on its last row, notes on their rows."""
    if update is None:
        return {}
    if update.is_amended:
        return {len(details) - 1: update.reported_narrative}
    cells = {}
    places = {detail.pk: index for index, detail in enumerate(details)}
    for note in update.notes.all():
        cells[places[note.detail_id]] = note.narrative
    if update.narrative:
        last = len(details) - 1
        cells[last] = f"{cells[last]}\n\n{update.narrative}" if last in cells else update.narrative
    return cells


def plan_dataset(plan, period=None) -> Dataset:
    dataset = Dataset(headers=COLUMNS, title=str(plan)[:31])
    for row in plan_rows(plan, period):
        dataset.append([neutralise_formula(value) for value in row])
    return dataset


def export_filename(plan, extension: str) -> str:
    return f"{plan.portfolio.code.lower()}-{plan.year_label}-plan-{timezone.localdate():%Y-%m-%d}.{extension}"
