from django.contrib.auth import views as auth_views
from django.urls import path

from bromley_portal.accounts import sso_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", sso_views.SignOutView.as_view(), name="logout"),
    path("sso/start/", sso_views.StartView.as_view(), name="sso_start"),
    path("sso/callback/", sso_views.CallbackView.as_view(), name="sso_callback"),
    path("sso/no-role/", sso_views.NoRoleView.as_view(), name="sso_no_role"),
    path("password-change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("api-tokens/", views.ApiTokensView.as_view(), name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", views.RevokeApiTokenView.as_view(), name="revoke_api_token"),
    path("lockouts/", views.LockoutsView.as_view(), name="lockouts"),
    path("lockouts/clear/", views.ClearLockoutView.as_view(), name="clear_lockout"),
]
