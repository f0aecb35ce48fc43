"""Saving many new rows at COPY's speed, for the imports (issue 17): :func:`copy_create`.

Django's ``bulk_create`` builds one INSERT whose every value passes through the SQL compiler, which for
tens of thousands of rows takes longer than PostgreSQL takes to store them. ``copy_create`` takes the
new rows' primary keys from the table's sequence in one query, sets them on the objects (so children
built afterwards point at them), and sends the rows with psycopg's ``COPY ... FROM STDIN``; with
``history_reason`` it writes each row's django-simple-history record ("+", the change reason, the user
simple_history would name, now) with a second COPY. Queries: two a table, three with history, whatever
the number of rows. It runs on the caller's connection and transaction, so an import stays
all-or-nothing. On a database other than PostgreSQL it falls back to ``bulk_create`` (and
simple_history's ``bulk_create_with_history``), with the same result.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.lookups import In, Lookup
from django.dispatch import Signal
from django.utils import timezone
from psycopg.copy import Copy, FileWriter, LibpqWriter
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_change_reason_from_object,
)

# Sent (with the model as sender) after every bulk write here, which sends no save signals: what keeps
# something derived from a model's rows listens for it as it does for saves (plans.counts, the page cache).
bulk_written = Signal()

# Field types whose Python values psycopg sends as they are; any other goes through the field's own
# get_db_prep_save (JSON, for example).
PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallAutoField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}


class AnyOf(Lookup):
    """``field IN values`` for the long lists of an import (the references of a year's complaints, say):
    ``filter(AnyOf(F("reference"), references))``. On PostgreSQL the values go as one array parameter
    (``= ANY(%s)``), not a placeholder each, which Django and psycopg would handle one by one; elsewhere
    it is ``IN``."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        return In(self.lhs, list(self.rhs)).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection, prepared=False) for value in self.rhs]
        return f"{lhs_sql} = ANY(%s)", (*lhs_params, values)


def copy_create(
    model: type[Model], objs: Sequence[Model], *, history_reason: str | None = None, history_user=None
) -> list:
    """Insert ``objs`` (new, unsaved, their parents saved already) and, with ``history_reason``, their
    history (by ``history_user``, else the user simple_history would name); the objects get their
    primary keys."""
    objs = list(objs)
    if not objs:
        return objs
    if history_reason is not None and any(
        get_change_reason_from_object(obj) not in (None, "", history_reason) for obj in objs
    ):
        raise ValueError("copy_create gives every row the one history_reason")
    if connection.vendor != "postgresql":
        if history_reason is None:
            created = model.objects.bulk_create(objs)
        else:
            created = bulk_create_with_history(
                objs, model, default_change_reason=history_reason, default_user=history_user
            )
        bulk_written.send(sender=model)
        return created
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="copy_create")
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                field.pre_save(obj, add=True)
        rows.append(vars(obj))
    pks = copy_rows(model, rows, history_reason=history_reason, history_user=history_user)
    alias = connection.alias
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, alias
    return objs


def copy_rows(
    model: type[Model], rows: list[dict], *, history_reason: str | None = None, history_user=None
) -> list[int]:
    """Insert ``rows`` (dicts of field attnames to values; a field left out gets its default) on
    PostgreSQL, and with ``history_reason`` their history; the new primary keys, in order. The dicts
    get their ``pk`` attname set too."""
    if not rows:
        return []
    meta = model._meta
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        if history_reason is None:
            model.objects.bulk_create(objs)
        else:
            bulk_create_with_history(
                objs, model, default_change_reason=history_reason, default_user=history_user
            )
        for row, obj in zip(rows, objs, strict=True):
            row[meta.pk.attname] = obj.pk
        bulk_written.send(sender=model)
        return [obj.pk for obj in objs]
    pk_name = meta.pk.attname
    with connection.cursor() as cursor:
        # The sequence looked up once (a materialized CTE), not for each row as nextval(pg_get_serial_sequence(...))
        # would: 10,000 keys in a fifth of the time.
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS sequence) "
            "SELECT nextval(s.sequence) FROM s, generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        pks = [pk for (pk,) in cursor.fetchall()]
        for row, pk in zip(rows, pks, strict=True):
            row[pk_name] = pk
        written = _copy(
            cursor, meta.db_table, meta.concrete_fields, rows, {}, keep=history_reason is not None
        )
        if history_reason is not None:
            _copy_history(cursor, model, rows, "+", history_reason, history_user, written)
    bulk_written.send(sender=model)
    return pks


def copy_update(
    model: type[Model],
    objs: Sequence[Model],
    fields: Sequence[str],
    *,
    history_reason: str | None = None,
    history_user=None,
) -> None:
    """Write ``fields`` of saved ``objs`` as they are in memory and, with ``history_reason``, record each
    object's history ("~", as simple_history's ``bulk_update_with_history`` does; with no fields the
    objects are only recorded as changed). On PostgreSQL the values go by COPY into a temporary table
    and one UPDATE ... FROM joins them: four queries, five with history, whatever the number of rows."""
    objs = list(objs)
    if not objs:
        return
    meta = model._meta
    written = [meta.pk, *(meta.get_field(name) for name in fields)]
    if any(not f.concrete or f.primary_key or f.many_to_many for f in written[1:]):
        raise ValueError(f"copy_update writes a model's own columns, not {list(fields)}")
    if connection.vendor != "postgresql":
        if history_reason is None:
            model.objects.bulk_update(objs, fields, batch_size=100)
        else:  # in batches: each is one UPDATE with a CASE a field, which grows as the square of its length
            bulk_update_with_history(
                objs, model, list(fields), batch_size=100, default_user=history_user,
                default_change_reason=history_reason,
            )  # fmt: skip
        bulk_written.send(sender=model)
        return
    rows = [vars(obj) for obj in objs]
    with connection.cursor() as cursor:
        if fields:
            quote = connection.ops.quote_name
            scratch = quote(f"copy_update_{meta.db_table}")
            columns = ", ".join(quote(f.column) for f in written)
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {scratch} ON COMMIT DROP AS "  # noqa: S608 (names from the model)
                f"SELECT {columns} FROM {quote(meta.db_table)} WITH NO DATA"
            )
            _copy(cursor, scratch.strip('"'), written, rows, {})
            assignments = ", ".join(f"{quote(f.column)} = s.{quote(f.column)}" for f in written[1:])
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} AS t SET {assignments} FROM {scratch} AS s "  # noqa: S608
                f"WHERE t.{quote(meta.pk.column)} = s.{quote(meta.pk.column)}"
            )
            cursor.execute(f"DROP TABLE {scratch}")
        if history_reason is not None:
            _copy_history(cursor, model, rows, "~", history_reason, history_user)
    bulk_written.send(sender=model)


def _copy_history(
    cursor, model: type[Model], rows: list[dict], kind: str, reason: str, user, written=None
) -> None:
    """django-simple-history's record of each row ("+" added, "~" changed): its tracked fields as in
    ``rows``, the change reason, the user (simple_history's default user if none), now.

    With ``written`` ((fields, COPY text) of the rows as just copied into the model's table, every tracked
    field and only those), the history is that text with the fixed columns added to each line: the
    values are not formatted twice, and the history holds exactly what the table does."""
    historical = model.history.model
    user = user or historical.get_default_history_user(None)
    tracked = {f.attname for f in historical.tracked_fields}
    fields = [f for f in historical._meta.concrete_fields if f.attname in tracked or not f.primary_key]
    fixed = {
        "history_date": timezone.now(),
        "history_user_id": user.pk if user is not None else None,
        "history_change_reason": reason,
        "history_type": kind,
    }
    unknown = [f.attname for f in fields if f.attname not in tracked and f.attname not in fixed]
    if unknown:
        raise ValueError(f"core.bulk does not know how to fill {model.__name__} history's {unknown}")
    if written is not None and tracked <= {f.attname for f in written[0]}:
        by_attname = {f.attname: f for f in fields}
        kept = [i for i, f in enumerate(written[0]) if f.attname in tracked]
        columns = [by_attname[written[0][i].attname] for i in kept] + [by_attname[name] for name in fixed]
        tail = b"\t" + _copy_text(cursor, [list(fixed.values())])  # ends with the row's newline
        data = written[1]
        if len(kept) < len(written[0]):  # (COPY's text escapes tabs and newlines in values)
            data = b"\n".join(b"\t".join([cells[i] for i in kept]) for cells in _copy_cells(data)) + b"\n"
        with cursor.cursor.copy(_copy_sql(historical._meta.db_table, columns)) as copy:
            copy.write(data.replace(b"\n", tail))
        return
    _copy(cursor, historical._meta.db_table, fields, rows, fixed)


def _copy_cells(data: bytes):
    """Each line of COPY text as its list of cells."""
    for line in data.split(b"\n")[:-1]:
        yield line.split(b"\t")


class _KeepingWriter(LibpqWriter):
    """Sends COPY data to the server as psycopg's own writer does, and keeps a copy of it."""

    def __init__(self, cursor):
        super().__init__(cursor)
        self.kept: list[bytes] = []

    def write(self, data) -> None:
        self.kept.append(bytes(data))
        super().write(data)


def _copy_text(cursor, rows: list[list]) -> bytes:
    """``rows`` as COPY's text format has them, formatted as psycopg formats them for the server."""
    out = io.BytesIO()
    fresh = cursor.cursor.connection.cursor()  # (a cursor that has run a statement takes no Copy of its own)
    with Copy(fresh, binary=False, writer=FileWriter(out)) as copy:
        for row in rows:
            copy.write_row(row)
    return out.getvalue()


def _copy_sql(table: str, fields) -> str:
    quote = connection.ops.quote_name
    return f"COPY {quote(table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"


def _copy(cursor, table: str, fields, rows: list[dict], fixed: dict, *, keep: bool = False):
    """COPY the rows' values of ``fields`` (``fixed[attname]`` for every row, else the row's value, else
    the field's default) into ``table``. With ``keep``, returns (fields, the COPY text sent)."""
    getters = []
    for f in fields:
        if f.attname in fixed:
            getters.append((f.attname, None, fixed[f.attname], None))
            continue
        prep = None if f.get_internal_type() in PLAIN else f
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):  # as their pre_save sets them
            now = timezone.now() if f.get_internal_type() == "DateTimeField" else timezone.localdate()
            getters.append((f.attname, None, now, prep))
            continue
        if f.has_default() and callable(f.default):
            getters.append((f.attname, f, None, prep))  # a default made for each row
        else:
            default = f.get_default() if f.has_default() or not f.primary_key else None
            getters.append((f.attname, None, default, prep))
    writer = _KeepingWriter(cursor.cursor) if keep else None
    with cursor.cursor.copy(_copy_sql(table, fields), writer=writer) as copy:
        write = copy.write_row
        if all(made is None and prep is None for _, made, _, prep in getters):  # the usual case, quickly
            known = [(attname, default, attname in fixed) for attname, _, default, _ in getters]
            if not fixed:
                known = [(attname, default) for attname, default, _ in known]
                for row in rows:
                    write([row.get(attname, default) for attname, default in known])
            else:
                for row in rows:
                    write([default if fix else row.get(attname, default) for attname, default, fix in known])
        else:
            for row in rows:
                values = []
                for attname, made, default, prep in getters:
                    if attname in fixed:
                        value = default
                    elif attname in row:
                        value = row[attname]
                    else:
                        value = made.get_default() if made is not None else default
                    if prep is not None:
                        value = prep.get_db_prep_save(value, connection)
                    values.append(value)
                write(values)
    return (list(fields), b"".join(writer.kept)) if keep else None
