"""Personal API tokens: made, checked and revoked here, so the account page and the API's
authentication share one rule.

A token is ``bp_<prefix>_<secret>``: the prefix finds the row, and the SHA-256 digest of the whole
token is compared in constant time. The secret has 256 bits of randomness, so a fast digest is enough
(nothing to guess from it); the token itself is never stored and is shown once.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from bromley_portal.accounts.models import ApiToken

PREFIX = "bp"
# How often a token's "last used" is written: at most once in this long, so a poll costs no write.
LAST_USED_EVERY = timedelta(minutes=5)
EXPIRY_CHOICES = [(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "1 year")]


class TokenRefused(Exception):
    """A token that is malformed, unknown, revoked or expired: the message says which (no secret in it)."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token, shown once


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def create_token(user, name: str, days: int) -> NewToken:
    if days not in {choice for choice, _ in EXPIRY_CHOICES} or days > settings.API_TOKEN_MAX_DAYS:
        raise ValueError(f"a token lasts one of {EXPIRY_CHOICES}, at most {settings.API_TOKEN_MAX_DAYS} days")
    prefix = secrets.token_hex(6)
    whole = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API token",
        prefix=prefix,
        digest=digest(whole),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return NewToken(token, whole)


def revoke_token(user, pk) -> bool:
    """Revoke one of ``user``'s own tokens; False when they have no such live token."""
    return bool(
        ApiToken.objects.filter(user=user, pk=pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def authenticate(whole: str):
    """The live token ``whole`` names, with its user; TokenRefused saying why not."""
    parts = whole.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or len(whole) > 200:
        raise TokenRefused("The token is not one the portal made.")
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, digest(whole)):
        raise TokenRefused("The token is not known.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("The token has been revoked.")
    if token.expires_at <= now:
        raise TokenRefused("The token has expired.")
    if not token.user.is_active:
        raise TokenRefused("The token's owner can no longer sign in.")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
