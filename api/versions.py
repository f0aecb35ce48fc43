"""What an API response or a feed depends on, read cheaply, for its ETag and Last-Modified.

Most tables the API and the feeds read keep their history (django-simple-history, written by every save
and by the bulk writes, which use its ``*_with_history`` helpers), and a removal is recorded too: the
newest ``history_date`` of those history tables (each indexed on it) changes whenever anything they hold
does. The few small tables with no history (the strategy's, plan sections, amendments) are read by their
number of rows and newest id, and an edit of one in place (the admin) bumps a counter in the cache
(``api.apps``). One query reads it all, and it reads no table of plans' actions, details or updates: a
repeated poll of the actions is answered 304 from this alone.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import connection
from django.utils.dateparse import parse_datetime

from ambitions.models import Ambition, Commitment, Portfolio, Post, Strategy
from complaints.models import (
    Aspect,
    Complaint,
    Compliment,
    Division,
    Extension,
    Mention,
    OmbudsmanCase,
    OmbudsmanDeadline,
    Remedy,
)
from contracts.models import Contract, ProcurementRating
from plans.models import (
    Action,
    ActionDetail,
    Amendment,
    DetailLead,
    Measure,
    MeasureOfSuccess,
    PlanSection,
    PortfolioPlan,
    QuarterlyUpdate,
    Reading,
    ReportingPeriod,
    UpdateNote,
)

EDITS_KEY = "api:edits"  # the counter of edits to tables without history

# Bumped when what a response holds changes shape (a new field), so clients' copies are not reused.
SHAPE = "1"

STRATEGY = [Strategy, Ambition, Commitment, Portfolio, Post]
PLANS = [*STRATEGY, PortfolioPlan, PlanSection, ReportingPeriod]
ACTIONS = [
    *PLANS,
    Action,
    ActionDetail,
    DetailLead,
    MeasureOfSuccess,
    QuarterlyUpdate,
    UpdateNote,
    Amendment,
]
MEASURES = [*PLANS, Measure, Reading]
CONTRACTS = [Portfolio, Contract, ProcurementRating]
COMPLAINTS = [
    Division,
    Complaint,
    Mention,
    Aspect,
    Extension,
    OmbudsmanCase,
    OmbudsmanDeadline,
    Remedy,
    Compliment,
]


@dataclass(frozen=True)
class Version:
    etag: str
    last_modified: datetime | None


def without_history(models) -> list:
    return [model for model in models if not hasattr(model, "history")]


def version(models, *parts) -> Version:
    """The ETag and Last-Modified of a response built from ``models`` (and ``parts``: the client's
    query, its roles, today's date), in one query."""
    quote = connection.ops.quote_name
    histories = [model.history.model._meta.db_table for model in models if hasattr(model, "history")]
    # Table names come from the models, never from input.
    dates = [f"(SELECT MAX({quote('history_date')}) FROM {quote(table)})" for table in histories]  # noqa: S608
    others = [
        f"(SELECT COUNT(*) FROM {quote(table)}), (SELECT MAX({quote('id')}) FROM {quote(table)})"  # noqa: S608
        for table in (model._meta.db_table for model in without_history(models))
    ]
    row = ()
    if dates or others:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(dates + others))
            row = cursor.fetchone()
    newest = max((day for day in map(_moment, row[: len(dates)]) if day is not None), default=None)
    text = "|".join(str(part) for part in (SHAPE, *row, cache.get(EDITS_KEY, 0), *parts))
    return Version(hashlib.sha256(text.encode()).hexdigest()[:32], newest)


def record_edit(**kwargs) -> None:
    """A table without history changed (post_save or post_delete): every ETag that reads it changes."""
    try:
        cache.incr(EDITS_KEY)
    except ValueError:
        cache.set(EDITS_KEY, 1, timeout=None)


def _moment(value):
    """SQLite gives a history date back as text; PostgreSQL as a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    moment = parse_datetime(value)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
