"""Sign-in, sign-out, two-factor setup and verification, password change."""

from __future__ import annotations

import time
from base64 import b32encode

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from capuyso.accounts import selectors, services
from capuyso.accounts.forms import LoginForm, OtpTokenForm, PasswordChangeForm
from capuyso.accounts.middleware import IDLE_KEY, IDLE_REASON, url_with_next
from capuyso.accounts.views.common import safe_next


def _login_error(request) -> str:
    reason = getattr(request, "capuyso_login_error", None)
    if reason and reason[0] == "locked":
        until = time_format(timezone.localtime(reason[1]), "H:i")
        return _(
            "This account is locked after too many wrong passwords. Try again after %(time)s, "
            "or ask the committee's administrator to unlock it."
        ) % {"time": until}
    return _("The user name or password is not correct. Check them and try again.")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            form.add_error(None, _login_error(request))
        else:
            auth_login(request, user)
            request.session[IDLE_KEY] = int(time.time())
            services.login_succeeded(user=user)
            return redirect(safe_next(request))
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "next": safe_next(request, fallback=""),
        "expired": request.GET.get("reason") == IDLE_REASON,
    }
    return render(request, "accounts/login.html", context, status=status)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.logout_recorded(user=request.user)
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


def _qr_svg(url: str) -> str:
    # segno writes the SVG itself from our own otpauth URL: nothing user-typed, safe to inline.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=6, border=2))  # noqa: S308


@sensitive_post_parameters("token")
@login_required
@never_cache
def otp_setup(request):
    user = request.user
    if selectors.has_two_factor(user) and not user.is_verified():
        # Adding a device must not bypass the one already registered.
        return redirect(url_with_next("accounts:otp_verify", request))
    device = services.otp_device_pending(user=user)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = services.otp_device_confirm(
                user=user, device=device, token=form.cleaned_data["token"]
            )
        except ValidationError as exc:
            form.add_error("token", exc)
        else:
            django_otp.login(request, confirmed)
            messages.success(
                request,
                _("Two-factor authentication is on. From now on, sign-in asks for a code."),
            )
            return redirect(safe_next(request, fallback="accounts:profile"))
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": b32encode(device.bin_key).decode(),
        "next": safe_next(request, fallback=""),
    }
    return render(request, "accounts/otp_setup.html", context, status=400 if form.errors else 200)


@sensitive_post_parameters("token")
@login_required
@never_cache
def otp_verify(request):
    user = request.user
    if user.is_verified():
        return redirect(safe_next(request))
    if not selectors.has_two_factor(user):
        return redirect(url_with_next("accounts:otp_setup", request))
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.otp_verify(user=user, token=form.cleaned_data["token"])
        except ValidationError as exc:
            form.add_error("token", exc)
        else:
            django_otp.login(request, device)
            return redirect(safe_next(request))
    context = {"form": form, "next": safe_next(request, fallback="")}
    return render(request, "accounts/otp_verify.html", context, status=400 if form.errors else 200)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@never_cache
def password_change(request):
    user = request.user
    forced = user.must_change_password
    form = PasswordChangeForm(user, request.POST or None, require_old=not forced)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=user, new_password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        else:
            # This session stays signed in; every other session of the account ends.
            update_session_auth_hash(request, user)
            messages.success(
                request, _("Your password has been changed. Other devices have been signed out.")
            )
            return redirect("core:home" if forced else "accounts:profile")
    context = {"form": form, "forced": forced}
    return render(
        request, "accounts/password_change.html", context, status=400 if form.errors else 200
    )
