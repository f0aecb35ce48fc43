"""Stored yearly counts of complaints and aspects (issue 13): what the statistics dashboard reads instead of
counting the three years' complaints and the year's aspects on every request.

Two small tables hold them (complaints.models.ComplaintYearCount and AspectYearCount), and
:func:`computed` is the one function that works them out, from the selectors' own grouped queries
(complaints.selectors.complaint_counts_by_year and aspect_counts_by_year: the same rules the annual report
and the tests call directly). :func:`refresh` replaces some financial years' stored rows with freshly
computed ones (a delete and an insert) inside the writing transaction.

Every write that changes what is counted refreshes the years it touches (a complaint's year is the
financial year it was received in; a change of the received date touches the year before and after):

- a save or deletion of a complaint, mention or aspect, one by one (the case work, the admin, the demo's
  few, a test's factory), through the signals connected below: at once, or, inside :func:`batch`, once at
  the end of the block;
- a bulk write or a queryset update, which sends no signals: its caller calls :func:`touch_years` (the
  import, the demo, the aspects a new complaint names) or :func:`refresh` (the benchmark's generator).

The services that write several rows run in :func:`batch`, so a year is refreshed once, however many rows
were written. ``check_complaint_counts`` (a management command, and a nightly Celery task) finds and
repairs any drift; the tests check after every test that the stored counts equal the computed ones, so a
write path that forgets to refresh fails the test that takes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max, Min
from django.db.models.signals import post_delete, post_save, pre_save

from bromley_portal.core.financial_year import FinancialYear
from bromley_portal.core.stored_counts import ALL, Keeper
from complaints import selectors
from complaints.models import Aspect, AspectYearCount, Complaint, ComplaintYearCount, Mention

# Working the counts out -------------------------------------------------------------------------


def years_counted() -> list[FinancialYear]:
    """Every financial year from the earliest stage 1 complaint's to the latest one's (one query)."""
    span = Complaint.objects.filter(stage=1).aggregate(first=Min("received"), last=Max("received"))
    if span["first"] is None:
        return []
    first, last = FinancialYear.of(span["first"]), FinancialYear.of(span["last"])
    return [FinancialYear(start) for start in range(first.start_year, last.start_year + 1)]


def computed(years: list[FinancialYear]) -> tuple[list[ComplaintYearCount], list[AspectYearCount]]:
    """What the stored rows of ``years`` should be (two queries, whatever the number of years): the
    selectors' complaints by year, division and channel, and aspects by year, type and division."""
    years = list(years)
    if not years:
        return [], []
    complaints = selectors.complaint_counts_by_year(years)
    complaint_rows = [
        ComplaintYearCount(
            year=start, division_id=division_id, channel=channel, complaints=n, on_time=on_time
        )
        for start, cells in complaints.by_year.items()
        for (division_id, channel), (n, on_time) in cells.items()
    ]
    aspect_rows = [
        AspectYearCount(
            year=start,
            type=kind,
            division_id=division_id,
            aspects=count.aspects,
            fully_upheld=count.fully_upheld,
            partially_upheld=count.partially_upheld,
            on_time=count.on_time,
        )
        for start, cells in selectors.aspect_counts_by_year(years).items()
        for (kind, division_id), count in cells.items()
    ]
    return complaint_rows, aspect_rows


# Reading them ----------------------------------------------------------------------------------


def complaint_counts(years: list[FinancialYear]) -> selectors.ComplaintCounts:
    """The stored counterpart of selectors.complaint_counts_by_year (one query of a few rows a year)."""
    by_year: dict[int, dict[tuple[int, str], tuple[int, int]]] = {each.start_year: {} for each in years}
    rows = ComplaintYearCount.objects.filter(year__in=list(by_year)).values_list(
        "year", "division_id", "channel", "complaints", "on_time"
    )
    for start, division_id, channel, n, on_time in rows:
        by_year[start][(division_id, channel)] = (n, on_time)
    return selectors.ComplaintCounts(by_year)


def aspect_counts(year: FinancialYear) -> dict[tuple[str, int], selectors.AspectCount]:
    """The stored counterpart of selectors.aspect_counts (one query of a few rows)."""
    rows = AspectYearCount.objects.filter(year=year.start_year).values_list(
        "type", "division_id", "aspects", "fully_upheld", "partially_upheld", "on_time"
    )
    return {
        (kind, division_id): selectors.AspectCount(n, fully, partly, on_time)
        for kind, division_id, n, fully, partly, on_time in rows
    }


# Storing them -----------------------------------------------------------------------------------


def refresh(years) -> None:
    """Recompute the stored counts of these financial years (start years, FinancialYears, or ALL) from
    scratch: their rows deleted and inserted again, in the caller's transaction (or one of its own)."""
    with transaction.atomic():
        if years == ALL:
            chosen = years_counted()
            keeper.lock([each.start_year for each in chosen] or [0])
            complaints, aspects = ComplaintYearCount.objects.all(), AspectYearCount.objects.all()
        else:
            starts = sorted({getattr(each, "start_year", each) for each in years})
            chosen = [FinancialYear(start) for start in starts]
            keeper.lock(starts)
            complaints = ComplaintYearCount.objects.filter(year__in=starts)
            aspects = AspectYearCount.objects.filter(year__in=starts)
        # A plain DELETE each, one query whether or not there were rows (QuerySet.delete() selects first
        # when any deletion signal is connected: the page cache's are): the rows have no dependants.
        complaints._raw_delete(complaints.db)
        aspects._raw_delete(aspects.db)
        complaint_rows, aspect_rows = computed(chosen)
        ComplaintYearCount.objects.bulk_create(complaint_rows)
        AspectYearCount.objects.bulk_create(aspect_rows)


def refresh_all() -> None:
    refresh(ALL)


@dataclass
class Drift:
    year: int
    stored: dict
    computed: dict

    def __str__(self) -> str:
        keys = sorted(set(self.stored) | set(self.computed), key=str)
        wrong = [
            f"{key}: stored {self.stored.get(key)}, computed {self.computed.get(key)}"
            for key in keys
            if self.stored.get(key) != self.computed.get(key)
        ]
        return f"{FinancialYear(self.year)}: " + "; ".join(wrong)


def _keyed(complaint_rows, aspect_rows) -> dict[int, dict]:
    keyed: dict[int, dict] = {}
    for row in complaint_rows:
        keyed.setdefault(row.year, {})["complaints", row.division_id, row.channel] = (
            row.complaints,
            row.on_time,
        )
    for row in aspect_rows:
        keyed.setdefault(row.year, {})["aspects", row.type, row.division_id] = (
            row.aspects,
            row.fully_upheld,
            row.partially_upheld,
            row.on_time,
        )
    return keyed


def drift() -> list[Drift]:
    """The years whose stored counts differ from what computed() gives now (stored rows of a year with no
    complaints left included)."""
    stored = _keyed(ComplaintYearCount.objects.all(), AspectYearCount.objects.all())
    now = _keyed(*computed(years_counted()))
    return [
        Drift(year, stored.get(year, {}), now.get(year, {}))
        for year in sorted(set(stored) | set(now))
        if stored.get(year, {}) != now.get(year, {})
    ]


def check_and_repair(repair: bool = True) -> list[Drift]:
    """Every year's stored counts against what they count now; with ``repair`` the years that differ are
    refreshed (in one transaction). The drift found, for the command and the nightly task to report."""
    with transaction.atomic():
        found = drift()
        if found and repair:
            refresh([d.year for d in found])
    return found


# Keeping them: which writes touch which years -------------------------------------------------------


# The key space of the advisory locks taken while a year's counts are rewritten (plans.counts uses another).
keeper = Keeper(refresh, lock_space=1313)
batch, batched = keeper.batch, keeper.batched


def touch_years(years) -> None:
    """These financial years' counts changed (start years, FinancialYears, or ALL; None is ignored):
    refreshed now, or at the end of the batch under way."""
    if years != ALL:
        years = {getattr(each, "start_year", each) for each in years} - {None}
    keeper.touch(years)


def touch_dates(received) -> None:
    """The years of these dates received (None ignored)."""
    touch_years({FinancialYear.of(day).start_year for day in received if day is not None})


def _start(received: date | None) -> int | None:
    return None if received is None else FinancialYear.of(received).start_year


# What the counts read of each model, and the path from it to its complaint's received date.
COUNTED_FIELDS = {
    Complaint: (("received", "stage", "channel", "respond_by", "responded_on"), "received"),
    Mention: (("complaint_id", "division_id"), "complaint__received"),
    Aspect: (("mention_id", "type", "outcome", "on_time"), "mention__complaint__received"),
}


def _before_save(sender, instance, **kwargs):
    """Note what the counts read of the row as it is stored, and its year, before it changes."""
    instance._counts_before = None
    if instance.pk is not None and not instance._state.adding:
        fields, received = COUNTED_FIELDS[sender]
        row = sender.objects.filter(pk=instance.pk).values_list(*fields, received).first()
        if row is not None:
            instance._counts_before = (row[:-1], _start(row[-1]))


def _year_now(sender, instance) -> int | None:
    if sender is Complaint:
        return _start(instance.received)
    # A mention or aspect deleted with its complaint finds it still there (a deletion removes the rows
    # that point at a row first); if not, the complaint's own signal touches the year.
    parent, received = (Complaint, "received") if sender is Mention else (Mention, "complaint__received")
    parent_id = instance.complaint_id if sender is Mention else instance.mention_id
    return _start(parent.objects.filter(pk=parent_id).values_list(received, flat=True).first())


def _written(sender, instance, **kwargs):
    """A save touches the years before and after when it changed what the counts read (a new row always);
    a deletion touches its year."""
    before = getattr(instance, "_counts_before", None) if kwargs.get("signal") is post_save else None
    if before is not None:
        fields, _ = COUNTED_FIELDS[sender]
        if tuple(getattr(instance, name) for name in fields) == tuple(before[0]):
            return  # nothing counted changed (a handler assigned, a complaint closed)
    touch_years({before[1] if before else None, _year_now(sender, instance)})


def connect_signals() -> None:
    """Called once from ComplaintsConfig.ready()."""
    for model in COUNTED_FIELDS:
        name = model._meta.model_name
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"counts-{name}-before")
        post_save.connect(_written, sender=model, dispatch_uid=f"counts-{name}-saved")
        post_delete.connect(_written, sender=model, dispatch_uid=f"counts-{name}-deleted")
