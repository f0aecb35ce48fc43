"""A contracts file between its preview and the person's confirming it (bromley_portal.core.import_previews):
only the person who previewed it can confirm it, only that file is imported, and only if the import still
does what the preview showed (contracts.importers.import_contracts(expected=...))."""

from bromley_portal.core.import_previews import PendingImport, PreviewStore

SESSION_KEY = "contracts_import_preview"
FOLDER = "contract-imports"
STORE = PreviewStore(SESSION_KEY, FOLDER)

keep = STORE.keep
replace_signature = STORE.replace_signature
pending_for = STORE.pending_for
discard = STORE.discard
confirming = STORE.confirming

__all__ = [
    "FOLDER",
    "SESSION_KEY",
    "PendingImport",
    "confirming",
    "discard",
    "keep",
    "pending_for",
    "replace_signature",
]
