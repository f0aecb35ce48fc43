"""Named people for tests, one per role, plus an outsider with no role."""

from django.contrib.auth import get_user_model

from bromley_portal.accounts.roles import Role
from bromley_portal.accounts.services import assign_roles

TEST_PASSWORD = "correct-horse-battery-staple"


def make_user(
    role: Role | str | None = None, username: str | None = None, password: str = TEST_PASSWORD, **extra
):
    role = Role(role) if role else None
    username = username or (role.value.lower().replace(" ", "-") if role else "outsider")
    user = get_user_model().objects.create_user(
        username=username,
        password=password,
        first_name=extra.pop("first_name", username.title()),
        last_name=extra.pop("last_name", "Tester"),
        email=extra.pop("email", f"{username}@example.invalid"),
        **extra,
    )
    if role:
        assign_roles(user, [role])
    return user
