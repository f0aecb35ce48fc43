"""Demo people: one per role, for the one-command local portal.

Passwords are made at random on the first run and kept in ``settings.DEMO_CREDENTIALS_FILE``
(``.demo-credentials.json`` beside the code by default, ignored by git; a writable path in the image), so a
second run signs the same people in with the same passwords. The file is readable by its owner only.
"""

import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from bromley_portal.accounts.roles import Role
from bromley_portal.accounts.services import assign_roles

DEMO_PEOPLE = [
    ("officer", "Olu", "Adeyemi", Role.OFFICER),
    ("approver", "Grace", "Whitfield", Role.APPROVER),
    ("member", "Cllr Sam", "Hollis", Role.MEMBER),
    ("clerk", "Dev", "Patel", Role.CLERK),
    ("complaints", "Aisha", "Rahman", Role.COMPLAINTS_OFFICER),
    ("contracts", "Tom", "Barker", Role.CONTRACTS_OFFICER),
    ("admin", "Jo", "Fielding", Role.ADMIN),
]


def credentials_file() -> Path:
    return Path(settings.DEMO_CREDENTIALS_FILE)


def ensure_demo_people() -> list[tuple[str, str, str]]:
    """Create or refresh the demo people; return (username, password, role) rows."""
    path = credentials_file()
    saved = json.loads(path.read_text()) if path.exists() else {}
    User = get_user_model()
    rows = []
    for username, first, last, role in DEMO_PEOPLE:
        password = saved.get(username) or secrets.token_urlsafe(12)
        saved[username] = password
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.invalid"},
        )
        user.set_password(password)
        user.save()
        assign_roles(user, [role])
        rows.append((username, password, role.label))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created owner-only (never readable by others, even for a moment), then written.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(json.dumps(saved, indent=2) + "\n")
    path.chmod(0o600)
    return rows
