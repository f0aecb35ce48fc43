from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from rules.contrib.views import PermissionRequiredMixin

from bromley_portal.accounts import selectors, services, tokens
from bromley_portal.accounts.forms import (
    ApiTokenForm,
    PortalPasswordChangeForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
    SignInForm,
)

LOCKED_OUT_MESSAGE = (
    "Too many failed attempts to sign in to this account. For your security, signing in is blocked "
    "for {minutes} minutes. Try again later, reset your password by e-mail, or ask a portal "
    "administrator to clear the lockout."
)


class LockedOutForm(SignInForm):
    """The sign-in form as shown to someone django-axes has locked out."""

    def clean(self):
        minutes = round(settings.AXES_COOLOFF_TIME * 60)
        raise ValidationError(LOCKED_OUT_MESSAGE.format(minutes=minutes), code="locked_out")


def locked_out(request, original_response=None, credentials=None):
    """django-axes calls this instead of signing someone in once they reach the limit."""
    form = LockedOutForm(request, data=request.POST or None)
    form.is_valid()
    return render(request, "registration/login.html", {"form": form}, status=429)


class LoginView(auth_views.LoginView):
    """Sign in with the council account (single sign-on, when set up) and, as PORTAL_LOCAL_LOGIN allows,
    with a portal username and password."""

    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sso_enabled=settings.OIDC_ENABLED, local_login=settings.PORTAL_LOCAL_LOGIN, **kwargs
        )


class LocalLoginRequiredMixin:
    """Password reset is for the portal's own sign-in: not there when PORTAL_LOCAL_LOGIN is false."""

    def dispatch(self, request, *args, **kwargs):
        if settings.PORTAL_LOCAL_LOGIN == "false":
            raise Http404("Signing in with a password is switched off.")
        return super().dispatch(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm


class PasswordResetView(LocalLoginRequiredMixin, auth_views.PasswordResetView):
    """Sends a link to set a new password to the e-mail address of a local account. Links in the
    e-mail start with PORTAL_BASE_URL, never with the Host the request named."""

    form_class = PortalPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        self.extra_email_context = {"base_url": settings.PORTAL_BASE_URL, "timeout_minutes": _link_minutes()}
        return super().form_valid(form)


def _link_minutes() -> int:
    return settings.PASSWORD_RESET_TIMEOUT // 60


class PasswordResetDoneView(LocalLoginRequiredMixin, auth_views.PasswordResetDoneView):
    def get_context_data(self, **kwargs):
        return super().get_context_data(timeout_minutes=_link_minutes(), **kwargs)


class PasswordResetConfirmView(LocalLoginRequiredMixin, auth_views.PasswordResetConfirmView):
    """A new password from the e-mailed link; it also ends any sign-in lockout of the account."""

    form_class = PortalSetPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        services.clear_lockout(form.user.get_username())
        return response


class LockoutsView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Who cannot sign in now because of failed attempts, for admins to clear."""

    permission_required = "accounts.view_lockouts"
    template_name = "accounts/lockouts.html"

    def get_context_data(self, **kwargs):
        lockouts, total = selectors.current_lockouts()
        return super().get_context_data(
            lockouts=lockouts,
            total=total,
            minutes=round(settings.AXES_COOLOFF_TIME * 60),
            failure_limit=settings.AXES_FAILURE_LIMIT,
            account_failure_limit=settings.AXES_ACCOUNT_FAILURE_LIMIT,
            **kwargs,
        )


class ClearLockoutForm(forms.Form):
    username = forms.CharField(max_length=255)


class ClearLockoutView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST only, from the lockouts page: the account can sign in again from every address."""

    permission_required = "accounts.clear_lockout"
    http_method_names = ["post"]

    def post(self, request):
        form = ClearLockoutForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose an account whose lockout to clear.")
        elif services.clear_lockout(form.cleaned_data["username"], by=request.user):
            messages.success(request, f"{form.cleaned_data['username']} can sign in again.")
        else:
            messages.info(request, f"{form.cleaned_data['username']} was not locked out, so nothing changed.")
        return redirect(reverse("lockouts"))


class ApiTokensView(LoginRequiredMixin, View):
    """Your account's API tokens: make one (shown once, on the page that answers the POST) and revoke
    them. Anyone signed in may keep tokens; a token reads only what its owner's roles may read."""

    template_name = "accounts/api_tokens.html"

    def render(self, request, form, new_token=None, status=200):
        context = {
            "form": form,
            "new_token": new_token,
            "tokens": selectors.api_tokens(request.user),
            "now": timezone.now(),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self.render(request, ApiTokenForm())

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self.render(request, form, status=400)
        made = tokens.create_token(request.user, form.cleaned_data["name"], form.cleaned_data["days"])
        return self.render(request, ApiTokenForm(), new_token=made)


class RevokeApiTokenView(LoginRequiredMixin, View):
    """POST only, from the tokens page: one of your own tokens stops working at once."""

    http_method_names = ["post"]

    def post(self, request, pk):
        if tokens.revoke_token(request.user, pk):
            messages.success(request, "The token is revoked: it no longer works.")
        else:
            messages.info(request, "You have no such token in use, so nothing changed.")
        return redirect(reverse("api_tokens"))
