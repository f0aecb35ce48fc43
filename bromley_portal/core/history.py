"""Who changed what, and when: a record's history as a page shows it, from django-simple-history.

Every app's history panel is made here (plans' action page, contracts' contract page), so the same
change reads the same way everywhere::

    entries = history_entries([
        HistorySource("Action", action.history.all()),
        HistorySource("Detail", ActionDetail.history.filter(action_id=action.pk), suffix=letter_of),
    ])

Each source is a kind of record (its label) and its historical records. An entry says what happened
("Detail added (a)"), who did it ("Data load" when no one is recorded), when, and for a change each
field's old and new value under the field's label. A change that changed no field says nothing and is
left out, unless its source says what to show instead (``fallback``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.text import Truncator, capfirst

VERBS = {"+": "added", "~": "changed", "-": "removed"}
# A changed value longer than this is cut short, with an ellipsis.
VALUE_CHARS = 120
NO_ONE = "Data load"


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    what: str
    changes: list[str]


@dataclass(frozen=True)
class HistorySource:
    """A kind of record and its historical records (a simple-history queryset)."""

    kind: str
    records: object
    # Words after "<kind> <verb>" for a record, e.g. a detail's letter: " (a)".
    suffix: Callable[[object], str] | None = None
    # What a record whose fields did not change shows instead (else it is left out).
    fallback: Callable[[object], list[str]] | None = None


def field_changes(record, previous, labels: dict[str, str]) -> list[str]:
    """“Label: “old” → “new”” for each field ``record`` changed since ``previous``."""
    if previous is None:
        return []
    return [
        f"{labels.get(change.field, capfirst(change.field.replace('_', ' ')))}: "
        f"“{Truncator(str(change.old)).chars(VALUE_CHARS)}” → “{Truncator(str(change.new)).chars(VALUE_CHARS)}”"
        for change in record.diff_against(previous).changes
    ]


def history_entries(sources: Iterable[HistorySource]) -> list[HistoryEntry]:
    """The sources' history, newest first: one query per source."""
    entries = []
    for source in sources:
        labels = {field.name: capfirst(field.verbose_name) for field in source.records.model._meta.fields}
        previous_by_object = {}
        for record in source.records.select_related("history_user").order_by("history_date", "history_id"):
            previous = previous_by_object.get(record.id)
            previous_by_object[record.id] = record
            changed = record.history_type == "~"
            changes = field_changes(record, previous, labels) if changed else []
            if not changes and source.fallback is not None:
                changes = source.fallback(record)
            if changed and not changes:
                continue
            suffix = source.suffix(record) if source.suffix else ""
            entries.append(
                HistoryEntry(
                    when=record.history_date,
                    who=str(record.history_user) if record.history_user else NO_ONE,
                    what=f"{source.kind} {VERBS[record.history_type]}{suffix}",
                    changes=changes,
                )
            )
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
