"""Small helpers shared by the account views."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

_ONCE_KEY = "capuyso_show_once"


def safe_next(request, fallback: str | None = None) -> str:
    """The `next` target when it points to this site, else `fallback` (the home page)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback or settings.LOGIN_REDIRECT_URL)


def show_once(request, key: str, value: str) -> None:
    """Keep a secret (temporary password, raw token) for the next page only."""
    stash = request.session.get(_ONCE_KEY, {})
    stash[key] = value
    request.session[_ONCE_KEY] = stash


def take_once(request, key: str) -> str | None:
    """The secret stored by `show_once`, removed from the session as it is read."""
    stash = request.session.get(_ONCE_KEY)
    if not stash or key not in stash:
        return None
    value = stash.pop(key)
    request.session[_ONCE_KEY] = stash
    return value
