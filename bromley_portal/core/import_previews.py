"""An uploaded file between its preview and the person's confirming it (any app's import page).

The upload is kept through Django's storage (shared by every web process) under a random name, and the
person's session holds that name, the file's SHA-256 and the preview's signature, so only they can
confirm it, only that file is imported, and only if the import still does what the preview showed
(the app's importer compares it). A session holds one pending file per app (a ``PreviewStore``); a new
upload replaces it, and files left unconfirmed are deleted after a day.

Confirming is done inside ``PreviewStore.confirming``: one transaction holding a lock of the app's own
(a PostgreSQL advisory lock), so two confirmations of the same preview (two tabs, a double click, two
people) run one after the other. The second finds the file gone (the first discarded it before its
transaction committed) or, for another person's preview of the same file, an import that no longer does
what its preview showed: nothing is imported twice.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

KEEP = timedelta(days=1)


@dataclass(frozen=True)
class PendingImport:
    token: str
    path: str
    filename: str
    sha256: str
    signature: str

    def read(self) -> io.BytesIO | None:
        """The file as uploaded, or None when it is gone or not the file previewed."""
        try:
            with default_storage.open(self.path, "rb") as stored:
                data = stored.read()
        except OSError:
            return None
        return io.BytesIO(data) if hashlib.sha256(data).hexdigest() == self.sha256 else None


@dataclass(frozen=True)
class PreviewStore:
    """Where one app keeps its previewed uploads: a session key and a storage folder of its own."""

    session_key: str
    folder: str

    def keep(self, request, upload, signature: str) -> PendingImport:
        """Keep an upload that has been previewed, for this person's session (replacing any other)."""
        self.discard(request)
        self._sweep()
        upload.seek(0)
        data = upload.read()
        token = secrets.token_urlsafe(24)
        suffix = Path(upload.name).suffix.lower()
        path = default_storage.save(f"{self.folder}/{token}{suffix}", ContentFile(data))
        pending = PendingImport(
            token, path, Path(upload.name).name, hashlib.sha256(data).hexdigest(), signature
        )
        request.session[self.session_key] = pending.__dict__
        return pending

    def replace_signature(self, request, pending: PendingImport, signature: str) -> PendingImport:
        """The same file, previewed again because what it would import changed since."""
        pending = PendingImport(pending.token, pending.path, pending.filename, pending.sha256, signature)
        request.session[self.session_key] = pending.__dict__
        return pending

    def pending_for(self, request, token: str) -> PendingImport | None:
        """This session's pending file, if ``token`` names it."""
        stored = request.session.get(self.session_key)
        if not stored or not token or not secrets.compare_digest(str(stored.get("token", "")), str(token)):
            return None
        try:
            return PendingImport(**stored)
        except TypeError:
            return None

    @contextmanager
    def confirming(self, request, token: str) -> Iterator[tuple[PendingImport | None, io.BytesIO | None]]:
        """This session's pending file for ``token`` and its contents (None, None when it is gone or not the
        file previewed), read after taking this app's import lock, inside one transaction that the import
        and the discarding of the file happen in. A second confirmation waits for the first to commit."""
        with transaction.atomic():
            self._lock()
            pending = self.pending_for(request, token)
            yield pending, (pending.read() if pending else None)

    def _lock(self) -> None:
        """This app's import lock until the transaction ends (PostgreSQL; SQLite writes one at a time)."""
        if connection.vendor != "postgresql":
            return
        key = int.from_bytes(
            hashlib.sha256(f"import-preview:{self.folder}".encode()).digest()[:8], "big", signed=True
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])

    def discard(self, request) -> None:
        stored = request.session.pop(self.session_key, None)
        if stored and stored.get("path", "").startswith(f"{self.folder}/"):
            default_storage.delete(stored["path"])

    def _sweep(self) -> None:
        """Delete previewed files nobody confirmed within a day."""
        try:
            _, files = default_storage.listdir(self.folder)
        except (FileNotFoundError, NotADirectoryError):
            return
        cutoff = timezone.now() - KEEP
        for name in files:
            path = f"{self.folder}/{name}"
            try:
                if default_storage.get_modified_time(path) < cutoff:
                    default_storage.delete(path)
            except OSError:
                continue
