"""Session policy: idle expiry, compulsory two-factor for leaders/admins, forced password change."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import devices_for_user

from capuyso.accounts.permissions import access_for

IDLE_KEY = "capuyso_last_seen"
IDLE_REASON = "idle"
EXEMPT_PREFIXES = ("/static/", "/accounts/login/", "/accounts/logout/", "/i18n/", "/api/")


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES):
            response = self._enforce(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _enforce(self, request, user):
        now = int(time.time())
        last_seen = request.session.get(IDLE_KEY)
        idle_limit = settings.SESSION_IDLE_MINUTES * 60
        if last_seen is not None and now - last_seen > idle_limit:
            logout(request)
            # This middleware runs before MessageMiddleware, so the login page shows the
            # reason from the query string instead of the messages framework.
            return redirect(url_with_next("accounts:login", request, reason=IDLE_REASON))
        # Write the timestamp at most once a minute to spare the session table.
        if last_seen is None or now - last_seen > 60:
            request.session[IDLE_KEY] = now

        two_factor_paths = (reverse("accounts:otp_setup"), reverse("accounts:otp_verify"))
        if request.path in two_factor_paths:
            return None
        needs_two_factor = access_for(user).needs_two_factor or user.is_superuser
        if needs_two_factor and not user.is_verified():
            has_device = any(True for _ in devices_for_user(user, confirmed=True))
            target = "accounts:otp_verify" if has_device else "accounts:otp_setup"
            return redirect(url_with_next(target, request))
        password_path = reverse("accounts:password_change")
        if user.must_change_password and request.path != password_path:
            return redirect(password_path)
        return None


def url_with_next(url_name: str, request, **extra) -> str:
    """`url_name` with the current page (query string included) as an encoded `next`."""
    return f"{reverse(url_name)}?{urlencode({'next': request.get_full_path(), **extra})}"
