"""Single sign-on with OpenID Connect: the council's identity provider (Entra ID in production).

mozilla-django-oidc runs the authorization code flow (with PKCE, state and nonce) and checks the ID
token's signature; this module adds what the portal needs on top:

- the provider's endpoints from its discovery document (``OIDC_ISSUER/.well-known/openid-configuration``),
  fetched when someone signs in, not at start-up, and kept in the cache for an hour; an endpoint set in
  the environment wins;
- the ID token's issuer and audience are checked (the library checks neither);
- the person: matched by the provider's subject (``SingleSignOnIdentity``), else by a verified e-mail
  address, else a new account; their name and address are kept up to date;
- their roles: exactly those their groups (the ``OIDC_GROUPS_CLAIM`` claim) map to in the admin's
  ``IdentityProviderGroup`` rows, set again at every sign-in.

Settings are read when they are used, so nothing here runs unless single sign-on is configured.
"""

import logging

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from bromley_portal.accounts.models import IdentityProviderGroup, SingleSignOnIdentity
from bromley_portal.accounts.roles import Role

logger = logging.getLogger(__name__)

DISCOVERY_CACHE_SECONDS = 60 * 60
# mozilla-django-oidc's setting -> the discovery document's key.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_END_SESSION_ENDPOINT": "end_session_endpoint",
}


class ProviderUnavailable(Exception):
    """The identity provider's discovery document could not be read."""


class SignInRefused(Exception):
    """The provider vouched for someone the portal cannot take as an account (no subject, or no
    verified e-mail address for a person it does not know yet). The message says why, for the log."""


def provider_metadata() -> dict:
    """The provider's discovery document (cached), checked to be the configured issuer's."""
    issuer = settings.OIDC_ISSUER
    key = f"sso:discovery:{issuer}"
    metadata = cache.get(key)
    if metadata is None:
        try:
            response = requests.get(
                f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
            )
            response.raise_for_status()
            metadata = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(f"cannot read {issuer}'s discovery document: {error}") from error
        if not isinstance(metadata, dict) or str(metadata.get("issuer", "")).rstrip("/") != issuer:
            raise ProviderUnavailable(f"{issuer}'s discovery document names another issuer")
        cache.set(key, metadata, DISCOVERY_CACHE_SECONDS)
    return metadata


def portal_setting(attr, *args):
    """mozilla-django-oidc's settings, with the provider's endpoints from discovery unless set."""
    if attr in DISCOVERED and not getattr(settings, attr, ""):
        value = provider_metadata().get(DISCOVERED[attr])
        if value:
            return value
        if args:
            return args[0]
        raise ProviderUnavailable(f"the provider's discovery document has no {DISCOVERED[attr]}")
    return import_from_settings(attr, *args)


def end_session_endpoint() -> str:
    """The provider's sign-out address, or "" when it has none (or cannot be reached)."""
    try:
        return portal_setting("OIDC_OP_END_SESSION_ENDPOINT", "")
    except ProviderUnavailable:
        return ""


class PortalOIDCBackend(OIDCAuthenticationBackend):
    """Signs in the person the provider vouches for. Built by Django for every sign-in, a password's
    too, so it reads the provider's settings only when it has a code from the provider to exchange."""

    get_settings = staticmethod(portal_setting)

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not request.GET.get("code"):
            return None
        for name in ("OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT"):
            setattr(self, name, portal_setting(name))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was not issued to this portal (aud).")
        if str(payload.get("iss", "")).rstrip("/") != settings.OIDC_ISSUER:
            raise SuspiciousOperation("The ID token was not issued by the configured provider (iss).")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo's subject is not the ID token's.")
        try:
            return sign_in_from_claims({**userinfo, **payload})
        except SignInRefused as refusal:
            logger.warning("Single sign-on refused: %s", refusal)
            return None


def axes_passes(request, credentials=None) -> bool:
    """django-axes' AXES_WHITELIST_CALLABLE: a sign-in with the provider's answer (the only one whose
    credentials carry a nonce) is neither counted nor locked by axes. The provider checked the password;
    axes guards the portal's own password form, and the failures of single sign-on (all with no
    username) must not add up to a lockout of everyone's."""
    return bool(credentials) and "nonce" in credentials


def _verified_email(claims) -> str:
    email = str(claims.get("email") or "").strip()
    verified = claims.get("email_verified") in (True, "true") or not settings.OIDC_REQUIRE_VERIFIED_EMAIL
    return email if email and verified else ""


def group_ids(claims) -> list[str]:
    """The person's group ids from the groups claim. When someone is in more groups than fit in a token
    (Entra ID's "groups overage": over 200 in a JWT), the provider leaves the claim out and names a
    source for it in ``_claim_names`` instead. Reading that source needs Microsoft Graph permissions the
    portal does not ask for, and taking "no groups" from it would silently take away the person's roles,
    so the sign-in is refused with the fix in the log: send only the groups assigned to the application."""
    if settings.OIDC_GROUPS_CLAIM not in claims and settings.OIDC_GROUPS_CLAIM in (
        claims.get("_claim_names") or {}
    ):
        raise SignInRefused(
            f"the provider left out the {settings.OIDC_GROUPS_CLAIM!r} claim because the person is in too many "
            "groups (groups overage); set the app registration to send only groups assigned to the application"
        )
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    return [str(group) for group in groups if isinstance(group, str | int)]


def roles_for_groups(groups: list[str]) -> set[str]:
    return set(IdentityProviderGroup.objects.filter(group_id__in=groups).values_list("role", flat=True))


def _new_username(claims, email: str) -> str:
    base = slugify(claims.get("preferred_username") or email.split("@")[0])[:140] or "person"
    username, counter = base, 1
    User = get_user_model()
    while User.objects.filter(username=username).exists():
        counter += 1
        username = f"{base}-{counter}"
    return username


def _find_or_make_user(issuer: str, subject: str, email: str, claims):
    identity = (
        SingleSignOnIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    if identity:
        return identity
    if not email:
        raise SignInRefused(f"{subject} is not linked to an account and has no verified e-mail address")
    User = get_user_model()
    matches = list(User.objects.filter(email__iexact=email)[:2])
    if len(matches) > 1:
        raise SignInRefused(f"two accounts have the address {email}")
    user = matches[0] if matches else User.objects.create_user(_new_username(claims, email), email=email)
    return SingleSignOnIdentity.objects.create(user=user, issuer=issuer, subject=subject)


@transaction.atomic
def sign_in_from_claims(claims: dict):
    """The account for the person the provider's (already checked) claims describe, with their name,
    address and roles brought up to date. Roles are exactly those their groups map to."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused("the provider sent no subject")
    email = _verified_email(claims)
    identity = _find_or_make_user(settings.OIDC_ISSUER, subject, email, claims)
    user = identity.user
    user.first_name = str(claims.get("given_name") or user.first_name)[:150]
    user.last_name = str(claims.get("family_name") or user.last_name)[:150]
    user.email = email or user.email
    user.save()
    identity.last_signed_in_at = timezone.now()
    identity.save(update_fields=["last_signed_in_at"])
    set_roles(user, roles_for_groups(group_ids(claims)))
    return user


def set_roles(user, roles: set[str]) -> None:
    """Give ``user`` exactly ``roles`` among the role groups; other groups stay as they are."""
    role_groups = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*[group for group in role_groups if group.name not in roles])
    user.groups.add(*[group for group in role_groups if group.name in roles])
    user.__dict__.pop("role_names", None)
    if hasattr(user, "_group_names_cache"):
        del user._group_names_cache


def has_a_role(user) -> bool:
    return user.is_superuser or user.groups.filter(name__in=Role.values).exists()
