"""Keeping stored counts in step with the rows they count, inside the writing transaction.

An app that stores counts (plans.counts: each period's updates and leads; complaints.counts: each year's
complaints and aspects) has one function that works them out and one ``refresh(keys)`` that rewrites the
stored rows of some keys (periods, years) from it. A :class:`Keeper` holds what the two have in common:

- ``touch(keys)``: these keys' counts changed, refresh them now, or once at the end of the batch under way;
- ``batch()`` / ``batched``: the writes inside note the keys they touch, and the block's end refreshes them
  once, in the same transaction (nested blocks hand theirs to the outermost; a block left by an exception,
  or one whose transaction is marked for rollback, as an import's dry run, refreshes nothing);
- ``lock(keys)``: two transactions rewriting the same key take turns (a PostgreSQL advisory lock per key,
  always taken in one order so two never wait for each other; SQLite has one writer at a time).

Each app also keeps a drift check (its management command and nightly task) that recounts and repairs;
:class:`CheckCountsCommand` is that command's shape.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.core.management.base import BaseCommand
from django.db import connection, router, transaction

ALL = "all"  # every key


class Keeper:
    def __init__(self, refresh: Callable, lock_space: int):
        self._refresh = refresh
        self.lock_space = lock_space
        self._state = threading.local()

    def _pending(self) -> list[set]:
        if not hasattr(self._state, "stack"):
            self._state.stack = []
        return self._state.stack

    @property
    def batching(self) -> bool:
        """A batch is under way in this thread: a touch now is refreshed at its end."""
        return bool(self._pending())

    @contextmanager
    def batch(self):
        stack = self._pending()
        stack.append(set())
        try:
            yield
        except BaseException:
            stack.pop()
            raise
        touched = stack.pop()
        if stack:
            stack[-1] |= touched
        elif touched and not (connection.in_atomic_block and connection.needs_rollback):
            self._refresh(ALL if ALL in touched else touched)

    def batched(self, function):
        """The function's writes refresh the keys they touch once, when it returns. Put it inside
        @transaction.atomic, so the refresh is part of the function's transaction."""

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.batch():
                return function(*args, **kwargs)

        return wrapper

    def touch(self, keys) -> None:
        """These keys' counts changed (a set of keys, or ALL): refreshed now, or at the end of the batch."""
        if keys != ALL and not keys:
            return
        stack = self._pending()
        if stack:
            stack[-1] |= {ALL} if keys == ALL else set(keys)
        else:
            self._refresh(keys)

    def lock(self, keys: Iterable[int]) -> None:
        """One query, however many keys (see the module's docstring)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::int[]) AS key ORDER BY key",
                [self.lock_space, sorted(set(keys))],
            )


class BatchedAdmin:
    """A ModelAdmin mixin for rows that stored counts count (``keeper`` names the app's Keeper). Every admin
    page that writes (a change with its inlines, a deletion that cascades, the list's actions and inline
    edits, a version restored from history) runs in one transaction and one batch: the counts are refreshed
    once, when the page's writes are done, whatever the number of rows. Deleting a plan deletes thousands of
    actions, details and leads, each sending its own signal; outside a batch each one would rewrite the
    open period's counts."""

    keeper: Keeper

    def _batched(self, view, *args, **kwargs):
        with transaction.atomic(using=router.db_for_write(self.model)), self.keeper.batch():
            return view(*args, **kwargs)

    def changeform_view(self, *args, **kwargs):
        return self._batched(super().changeform_view, *args, **kwargs)

    def delete_view(self, *args, **kwargs):
        return self._batched(super().delete_view, *args, **kwargs)

    def changelist_view(self, *args, **kwargs):
        return self._batched(super().changelist_view, *args, **kwargs)

    def history_form_view(self, *args, **kwargs):  # django-simple-history's "revert to this version"
        return self._batched(super().history_form_view, *args, **kwargs)


class CheckCountsCommand(BaseCommand):
    """Recount, compare with the stored counts, report each difference and repair it (unless --dry-run);
    exits with status 1 when anything differed. A subclass names ``check_and_repair`` and what it counts."""

    agree = "The stored counts agree with what they count."
    key_name = "key"  # "period", "year"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report differences, repairing nothing")

    def check_and_repair(self, repair: bool) -> list:
        raise NotImplementedError("a subclass names the app's check_and_repair")

    def handle(self, *args, dry_run=False, **options):
        found = self.check_and_repair(repair=not dry_run)
        for drift in found:
            self.stdout.write(f"Differs: {drift}")
        if not found:
            self.stdout.write(self.agree)
            return
        done = "left as they are (dry run)" if dry_run else "repaired"
        self.stdout.write(f"{len(found)} {self.key_name}{'s' * (len(found) != 1)} differed: {done}.")
        raise SystemExit(1)
