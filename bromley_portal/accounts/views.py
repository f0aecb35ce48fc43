from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import render

from bromley_portal.accounts.forms import PortalPasswordChangeForm, SignInForm

LOCKED_OUT_MESSAGE = (
    "Too many failed attempts to sign in. For your security, signing in is blocked "
    "for {minutes} minutes. Try again later or ask an administrator to unlock your account."
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
    form_class = SignInForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm
