from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models

from bromley_portal.accounts.roles import Role


class User(AbstractUser):
    """A person who signs in. Roles are groups; see ``roles.py``."""

    phone = models.CharField(
        "telephone", max_length=30, blank=True, help_text="As committee reports print it: 020 8461 7261."
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now):
        """Tokens that still work at ``now``: not revoked, not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A personal token for the read API (``bromley_portal.accounts.tokens`` makes, checks and revokes
    them). Only a SHA-256 digest of the secret is kept: the token is shown once, when it is made. It
    reads what its owner may read, through the owner's roles, until it expires or is revoked."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What it is for, so you know which to revoke.")
    prefix = models.CharField(max_length=16, unique=True, help_text="The token's public first part.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the whole token, hex.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_live(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now


class SingleSignOnIdentity(models.Model):
    """A person's account at the council's identity provider (single sign-on, ``accounts/sso.py``): the
    provider (its issuer) and the subject it names them by, which never changes, so a person whose
    e-mail address changes still signs in to the same account."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_account_per_sso_subject")
        ]

    def __str__(self):
        return f"{self.subject} at {self.issuer}"


class IdentityProviderGroup(models.Model):
    """A group at the identity provider (its id as the provider's group claim sends it; Entra ID sends
    object ids) and the portal role its members get. Someone signing in with single sign-on gets exactly
    the roles their groups map to, at each sign-in; groups that map to no role give none."""

    group_id = models.CharField(
        "group id",
        max_length=255,
        help_text="As the identity provider sends it in the group claim, e.g. an Entra ID group's object id.",
    )
    role = models.CharField(max_length=50, choices=Role.choices)
    description = models.CharField(
        max_length=200, blank=True, help_text="The group's name at the provider, so people know which it is."
    )

    class Meta:
        verbose_name = "identity provider group"
        ordering = ["group_id", "role"]
        constraints = [
            models.UniqueConstraint(fields=["group_id", "role"], name="one_row_per_group_and_role")
        ]

    def __str__(self):
        return f"{self.description or self.group_id} → {self.get_role_display()}"
