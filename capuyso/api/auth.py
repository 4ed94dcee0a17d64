"""Who is calling: a bearer token, or the signed-in browser session (same origin only).

A request that presents an `Authorization` header is judged by the token alone; it never
falls back to a session cookie sent along with it.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from capuyso.accounts.middleware import IDLE_KEY
from capuyso.accounts.models import ApiToken, User
from capuyso.accounts.permissions import access_for

# Writing last_used_at on every call would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a token made by `capuyso create_api_token`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        if not token:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), revoked_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if row is None or not row.user.is_active:
            return None
        if row.user.locked_until and row.user.locked_until > now:
            return None
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.api_token = row  # type: ignore[attr-defined]
        return row.user


class SessionAuth(APIKeyCookie):
    """The browser session, held to the same policy the UI middleware applies.

    `SessionPolicyMiddleware` skips /api/, so the checks it would make are made here:
    idle expiry, a forced password change, and the second factor for leaders and admins.
    CSRF is checked for unsafe methods by `APIKeyCookie`.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> User | None:
        if "Authorization" in request.headers:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        last_seen = request.session.get(IDLE_KEY)
        if last_seen is not None and time.time() - last_seen > settings.SESSION_IDLE_MINUTES * 60:
            return None
        if user.must_change_password:
            return None
        needs_two_factor = access_for(user).needs_two_factor or user.is_superuser
        if needs_two_factor and not user.is_verified():
            return None
        return user
