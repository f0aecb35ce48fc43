"""The pages of single sign-on (``sso.py``): start, the provider's answer, no role, sign out.

Each is 404 while single sign-on is not configured (``settings.OIDC_ENABLED``)."""

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.generic import TemplateView, View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from bromley_portal.accounts import sso

logger = logging.getLogger(__name__)

NO_ROLE_SESSION_KEY = "sso_no_role"


def _sso_on() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404("Single sign-on is not set up.")


def _unavailable(request):
    return render(request, "accounts/sso_unavailable.html", status=503)


class StartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with a new state, nonce and PKCE challenge (kept in the session)."""

    get_settings = staticmethod(sso.portal_setting)

    def __init__(self, **kwargs):
        # Not the library's __init__, which reads the provider's endpoints (discovery) before any check.
        View.__init__(self, **kwargs)

    def get(self, request):
        _sso_on()
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso.portal_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except sso.ProviderUnavailable as error:
            logger.error("Single sign-on: %s", error)
            return _unavailable(request)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer. A wrong or spent state, a wrong nonce, a token that does not check out or an
    error from the provider: the sign-in failed page, and no session. Someone whose groups give no role is
    not signed in: they see the page that says to ask their administrator."""

    get_settings = staticmethod(sso.portal_setting)

    def get(self, request):
        _sso_on()
        try:
            return super().get(request)
        except (SuspiciousOperation, jwt.InvalidTokenError, requests.HTTPError) as error:
            # A wrong state or nonce, a token that does not check out (expired, bad signature), or the
            # provider refusing the code (spent, or not for this portal).
            logger.warning("Single sign-on refused: %s", error)
        except (requests.RequestException, sso.ProviderUnavailable) as error:
            logger.error("Single sign-on: the provider could not be reached: %s", error)
            request.session.flush()
            return _unavailable(request)
        return self.login_failure()

    def login_failure(self):
        self.request.session.flush()
        return render(self.request, "accounts/sso_failed.html", status=400)

    def login_success(self):
        if not sso.has_a_role(self.user):
            self.request.session.flush()
            self.request.session[NO_ROLE_SESSION_KEY] = self.user.get_full_name() or self.user.email
            return redirect("sso_no_role")
        return super().login_success()


class NoRoleView(TemplateView):
    """For someone the provider knows whose groups give no role in the portal: ask an administrator."""

    template_name = "accounts/sso_no_role.html"

    def get(self, request, *args, **kwargs):
        _sso_on()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(person=self.request.session.get(NO_ROLE_SESSION_KEY, ""), **kwargs)


class SignOutView(auth_views.LogoutView):
    """Ends the portal session and, for someone who signed in with single sign-on, the provider's too
    when it offers an end_session_endpoint (it sends them back to the sign-in page)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token") if settings.OIDC_ENABLED else None
        auth.logout(request)
        endpoint = sso.end_session_endpoint() if id_token else ""
        if not endpoint:
            return HttpResponseRedirect(self.get_success_url())
        query = {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
        return HttpResponseRedirect(f"{endpoint}?{urlencode(query)}")
