from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm


def _without_autofocus(form):
    """Django autofocuses the first field; that skips the skip link and steals focus from the error summary."""
    for field in form.fields.values():
        field.widget.attrs.pop("autofocus", None)


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_autofocus(self)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class PortalPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_autofocus(self)
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"
