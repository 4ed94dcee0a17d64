"""User administration: list, create, detail, positions and security actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from capuyso.accounts import selectors, services
from capuyso.accounts.forms import (
    PositionAssignForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.accounts.views.common import show_once, take_once
from capuyso.core.forms import add_service_errors

PAGE_SIZE = 50
_PASSWORD_KEY = "temporary_password:%s"


@login_required
def user_list(request):
    form = UserFilterForm(request.GET or None, committee=request.user.committee)
    query = role = ""
    if form.is_valid():
        query, role = form.cleaned_data["q"], form.cleaned_data["role"]
    users = selectors.user_list_for_user(request.user, query=query, role=role)
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.decorate_user_rows(page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query_string": params.urlencode(),
        "can_manage": access_for(request.user).committee_wide(Action.USERS_MANAGE),
        "can_view_permissions": access_for(request.user).has(Action.PERMISSIONS_VIEW),
    }
    template = "accounts/user_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@login_required
@never_cache
def user_create(request):
    actor = request.user
    if not access_for(actor).committee_wide(Action.USERS_MANAGE):
        raise PermissionDenied
    units = selectors.position_units_for_user(actor)
    form = UserCreateForm(request.POST or None, committee=actor.committee, units=units)
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, initial = services.user_create_with_position(
                actor=actor,
                committee=actor.committee,
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                email=data["email"],
                role=data["role"],
                unit=data["unit"],
                title=data["title"],
            )
        except ValidationError as exc:
            username = data["username"]
            add_service_errors(form, exc)
            # A double submit lands here: point to the account the first one created.
            existing = selectors.users_for_user(actor).filter(username__iexact=username).first()
        else:
            show_once(request, _PASSWORD_KEY % user.code, initial)
            messages.success(request, _("The account of %(name)s was created.") % {"name": user})
            return redirect("accounts:user_detail", code=user.code)
    return render(
        request,
        "accounts/user_create.html",
        {"form": form, "existing": existing},
        status=400 if form.errors else 200,
    )


def _render_detail(request, target, *, position_form=None, status=200):
    actor = request.user
    can_manage = access_for(actor).committee_wide(Action.USERS_MANAGE)
    if position_form is None and can_manage:
        position_form = PositionAssignForm(
            committee=target.committee,
            units=selectors.position_units_for_user(actor),
            prefix="position",
        )
    context = {
        "target": target,
        "positions": selectors.positions_of(target),
        "has_two_factor": selectors.has_two_factor(target),
        "needs_two_factor": access_for(target).needs_two_factor,
        "is_locked": selectors.is_locked(target),
        "can_manage": can_manage,
        "position_form": position_form,
        "temporary_password": take_once(request, _PASSWORD_KEY % target.code),
        "is_self": target.pk == actor.pk,
    }
    return render(request, "accounts/user_detail.html", context, status=status)


@login_required
@never_cache
def user_detail(request, code):
    target = selectors.get_user_for_user(request.user, code)
    return _render_detail(request, target)


@login_required
def user_edit(request, code):
    target = selectors.get_user_for_user(request.user, code, action=Action.USERS_MANAGE)
    initial = {"full_name": target.full_name, "phone": target.phone, "email": target.email}
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=target, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("accounts:user_detail", code=target.code)
    return render(
        request,
        "accounts/user_edit.html",
        {"form": form, "target": target},
        status=400 if form.errors else 200,
    )


def _managed_target(request, code):
    return selectors.get_user_for_user(request.user, code, action=Action.USERS_MANAGE)


def _back(target):
    return redirect("accounts:user_detail", code=target.code)


@require_POST
@login_required
def user_password_reset(request, code):
    target = _managed_target(request, code)
    temporary = services.password_reset_by_admin(actor=request.user, user=target)
    show_once(request, _PASSWORD_KEY % target.code, temporary)
    messages.success(
        request,
        _("A new temporary password was set and %(name)s was signed out everywhere.")
        % {"name": target},
    )
    return _back(target)


@require_POST
@login_required
def user_unlock(request, code):
    target = _managed_target(request, code)
    services.user_unlock(actor=request.user, user=target)
    messages.success(request, _("The account is unlocked; the person can sign in again."))
    return _back(target)


@require_POST
@login_required
def user_sessions_revoke(request, code):
    target = _managed_target(request, code)
    services.sessions_revoke_all(actor=request.user, user=target)
    messages.success(request, _("%(name)s was signed out on all devices.") % {"name": target})
    return _back(target)


@require_POST
@login_required
def user_set_active(request, code):
    target = _managed_target(request, code)
    active = request.POST.get("active") == "1"
    try:
        services.user_update(actor=request.user, user=target, is_active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, _("The account is active again."))
        else:
            messages.success(
                request, _("The account is deactivated; the person can no longer sign in.")
            )
    return _back(target)


@require_POST
@login_required
def user_otp_reset(request, code):
    target = _managed_target(request, code)
    services.otp_reset_by_admin(actor=request.user, user=target)
    messages.success(
        request,
        _("Two-factor authentication was reset. The person sets it up again at next sign-in."),
    )
    return _back(target)


@require_POST
@login_required
def position_assign(request, code):
    target = _managed_target(request, code)
    form = PositionAssignForm(
        request.POST,
        committee=target.committee,
        units=selectors.position_units_for_user(request.user),
        prefix="position",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.position_assign(
                actor=request.user,
                user=target,
                role=data["role"],
                unit=data["unit"],
                title=data["title"],
                start_date=data["start_date"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The position was added."))
            return _back(target)
    return _render_detail(request, target, position_form=form, status=400)


@require_POST
@login_required
def position_end(request, code, position_code):
    target = _managed_target(request, code)
    position = selectors.get_position_for_user(request.user, target, position_code)
    try:
        services.position_end(actor=request.user, position=position)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The position was ended today."))
    return _back(target)
