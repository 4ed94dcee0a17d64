"""The signed-in person's own page: positions, password, 2FA, sessions, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from capuyso.accounts import selectors, services
from capuyso.accounts.forms import ApiTokenForm
from capuyso.accounts.permissions import access_for
from capuyso.accounts.views.common import show_once, take_once

_TOKEN_KEY = "api_token"


@login_required
@never_cache
def profile(request, token_form=None):
    user = request.user
    context = {
        "positions": selectors.active_positions().filter(user=user),
        "has_two_factor": selectors.has_two_factor(user),
        "two_factor_required": access_for(user).needs_two_factor or user.is_superuser,
        "tokens": selectors.api_tokens_of(user),
        "token_form": token_form or ApiTokenForm(),
        "new_token": take_once(request, _TOKEN_KEY),
    }
    return render(request, "accounts/profile.html", context, status=400 if token_form else 200)


@require_POST
@login_required
def sessions_revoke(request):
    """Sign out on every device, this one included."""
    services.sessions_revoke_all(actor=request.user, user=request.user)
    logout(request)
    messages.success(request, _("You have been signed out on all devices. Sign in again."))
    return redirect("accounts:login")


@require_POST
@login_required
def otp_disable(request):
    try:
        services.otp_disable(actor=request.user, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:profile")


@require_POST
@login_required
def token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return profile(request, token_form=form)
    _token, raw = services.api_token_create(
        actor=request.user, user=request.user, name=form.cleaned_data["name"]
    )
    show_once(request, _TOKEN_KEY, raw)
    return redirect("accounts:profile")


@require_POST
@login_required
def token_revoke(request, code):
    token = selectors.get_own_api_token(request.user, code)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token has been revoked; programs using it stop working."))
    return redirect("accounts:profile")
