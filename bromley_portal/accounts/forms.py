import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.cache import cache

from bromley_portal.accounts.tokens import EXPIRY_CHOICES


def _without_autofocus(form):
    """Django autofocuses the first field; that skips the skip link and steals focus from the error summary."""
    for field in form.fields.values():
        field.widget.attrs.pop("autofocus", None)


LOCAL_LOGIN_OFF_MESSAGE = (
    "Signing in with a username and password is switched off: sign in with your council account."
)
LOCAL_LOGIN_ADMINS_MESSAGE = (
    "Only administrators sign in with a username and password: sign in with your council account."
)


class SignInForm(AuthenticationForm):
    """The portal's own sign-in, as PORTAL_LOCAL_LOGIN allows: for everyone, only for the Admin role, or
    for nobody (then the password is not even checked)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_autofocus(self)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"

    def clean(self):
        if settings.PORTAL_LOCAL_LOGIN == "false":
            raise forms.ValidationError(LOCAL_LOGIN_OFF_MESSAGE, code="local_login_off")
        return super().clean()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if settings.PORTAL_LOCAL_LOGIN == "admins" and not user.has_perm("accounts.access_admin"):
            raise forms.ValidationError(LOCAL_LOGIN_ADMINS_MESSAGE, code="local_login_admins_only")


class PortalPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_autofocus(self)
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"


class PortalPasswordResetForm(PasswordResetForm):
    """Asks for the e-mail address of a local account. The page that follows says the same whether or
    not an account has the address, and each address gets at most PASSWORD_RESET_EMAILS_PER_HOUR
    e-mails, so the form can be used neither to find out who has an account nor to flood an inbox."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_autofocus(self)
        self.fields["email"].label = "Email address"
        self.fields["email"].help_text = "The address your portal account uses."
        self.fields["email"].error_messages.update(
            required="Enter your email address",
            invalid="Enter an email address in the correct format, like name@bromley.gov.uk",
        )

    def get_users(self, email):
        if not within_reset_limit(email):
            return iter(())
        return super().get_users(email)


def within_reset_limit(email: str) -> bool:
    """Count one more reset asked for ``email`` this hour (in the shared cache); False past the limit."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    key = f"password-reset:{digest}"
    cache.add(key, 0, timeout=60 * 60)
    try:
        asked = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60 * 60)
        asked = 1
    return asked <= settings.PASSWORD_RESET_EMAILS_PER_HOUR


class PortalSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_autofocus(self)
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"


class ApiTokenForm(forms.Form):
    """A new personal API token: what it is for and how long it lasts."""

    name = forms.CharField(
        label="What is it for?",
        max_length=100,
        help_text="For example, “Power BI performance dashboard”. You see this when you revoke it.",
        error_messages={"required": "Enter what the token is for"},
    )
    days = forms.TypedChoiceField(
        label="How long should it last?",
        coerce=int,
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how long the token lasts"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [
            (days, label) for days, label in EXPIRY_CHOICES if days <= settings.API_TOKEN_MAX_DAYS
        ]
