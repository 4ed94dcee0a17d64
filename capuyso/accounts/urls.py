from django.urls import path

from capuyso.accounts.views import auth, permissions, profile, users

app_name = "accounts"

urlpatterns = [
    # The session policy middleware exempts these two paths: keep them as they are.
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("2fa/setup/", auth.otp_setup, name="otp_setup"),
    path("2fa/verify/", auth.otp_verify, name="otp_verify"),
    path("password/", auth.password_change, name="password_change"),
    path("profile/", profile.profile, name="profile"),
    path("profile/sign-out-everywhere/", profile.sessions_revoke, name="sessions_revoke"),
    path("profile/2fa/disable/", profile.otp_disable, name="otp_disable"),
    path("profile/tokens/", profile.token_create, name="token_create"),
    path("profile/tokens/<uuid:code>/revoke/", profile.token_revoke, name="token_revoke"),
    path("users/", users.user_list, name="users"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<uuid:code>/", users.user_detail, name="user_detail"),
    path("users/<uuid:code>/edit/", users.user_edit, name="user_edit"),
    path(
        "users/<uuid:code>/password-reset/", users.user_password_reset, name="user_password_reset"
    ),
    path("users/<uuid:code>/unlock/", users.user_unlock, name="user_unlock"),
    path("users/<uuid:code>/sign-out/", users.user_sessions_revoke, name="user_sessions_revoke"),
    path("users/<uuid:code>/active/", users.user_set_active, name="user_set_active"),
    path("users/<uuid:code>/2fa-reset/", users.user_otp_reset, name="user_otp_reset"),
    path("users/<uuid:code>/positions/", users.position_assign, name="position_assign"),
    path(
        "users/<uuid:code>/positions/<uuid:position_code>/end/",
        users.position_end,
        name="position_end",
    ),
    path("permissions/", permissions.permission_matrix, name="permissions"),
]
