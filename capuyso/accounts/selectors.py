"""Reads for accounts, filtered to what the acting user may see."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from capuyso.accounts.models import ApiToken, RolePermission, User
from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import TWO_FACTOR_ROLES, Action, Role
from capuyso.core.text import fold
from capuyso.org.models import Position


def active_positions() -> QuerySet[Position]:
    today = timezone.localdate()
    return (
        Position.objects.filter(start_date__lte=today)
        .exclude(end_date__lt=today)
        .select_related("unit")
    )


def users_for_user(
    user, *, action: str = Action.USERS_VIEW, query: str = "", role: str = ""
) -> QuerySet[User]:
    """Accounts of the acting user's committee, when the user may see accounts at all."""
    access = access_for(user)
    if access.committee_id is None or not access.committee_wide(action):
        return User.objects.none()
    users = User.objects.filter(committee_id=access.committee_id)
    if query:
        folded = fold(query)
        users = users.filter(Q(full_name_folded__contains=folded) | Q(username__icontains=query))
    if role:
        users = users.filter(positions__in=active_positions().filter(role=role)).distinct()
    confirmed_device = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        users.annotate(has_two_factor=Exists(confirmed_device))
        .prefetch_related(
            Prefetch("positions", queryset=active_positions(), to_attr="current_positions")
        )
        .order_by("full_name_folded", "username")
    )


def user_list_for_user(user, *, query: str = "", role: str = "") -> QuerySet[User]:
    """The user admin list: 403 without the right to view accounts committee-wide."""
    if not access_for(user).committee_wide(Action.USERS_VIEW):
        raise PermissionDenied
    return users_for_user(user, query=query, role=role)


def decorate_user_rows(users: Iterable[User]) -> None:
    """Set `is_locked` and `needs_two_factor` on rows from `users_for_user` (no queries)."""
    now = timezone.now()
    for row in users:
        row.is_locked = bool(row.locked_until and row.locked_until > now)
        roles = {p.role for p in getattr(row, "current_positions", [])}
        row.needs_two_factor = bool(roles & TWO_FACTOR_ROLES)


def get_user_for_user(user, code, *, action: str = Action.USERS_VIEW) -> User:
    """The one door to another account: 404 outside the committee, 403 without the right."""
    access = access_for(user)
    if access.committee_id is None:
        raise Http404
    try:
        target = User.objects.get(code=code, committee_id=access.committee_id)
    except (User.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not access.committee_wide(action):
        raise PermissionDenied
    return target


def positions_of(target: User) -> QuerySet[Position]:
    """Every position of an account (already reached through `get_user_for_user`).

    Current ones first, then past ones, most recent first.
    """
    today = timezone.localdate()
    return (
        Position.objects.filter(user=target, committee_id=target.committee_id)
        .select_related("unit")
        .annotate(
            ended=Case(When(end_date__lt=today, then=1), default=0, output_field=IntegerField())
        )
        .order_by("ended", "-start_date", "pk")
    )


def get_position_for_user(user, target: User, code) -> Position:
    """A position of `target`; the caller reached `target` through `get_user_for_user`."""
    try:
        return Position.objects.select_related("unit").get(
            code=code, user=target, committee_id=target.committee_id
        )
    except (Position.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens that still work."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def get_own_api_token(user: User, code) -> ApiToken:
    """One of the user's own active tokens (404 for anyone else's)."""
    try:
        return api_tokens_of(user).select_related("user").get(code=code)
    except (ApiToken.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def position_units_for_user(user):
    """Units of the acting admin's committee a position can be held in, by kind."""
    from capuyso.org.models import Unit

    access = access_for(user)
    if access.committee_id is None:
        return Unit.objects.none()
    return Unit.objects.filter(committee_id=access.committee_id, dissolved_on__isnull=True).only(
        "code", "name", "kind", "committee_id"
    )


def permission_matrix_for_user(user) -> tuple[list[tuple[str, str]], list[dict]]:
    """The role × action table as (roles, rows); 403 without the right to view it."""
    if not (access_for(user).has(Action.PERMISSIONS_VIEW) or user.is_superuser):
        raise PermissionDenied
    granted = set(RolePermission.objects.values_list("role", "action"))
    roles = list(Role.choices)
    rows = [
        {
            "action": value,
            "label": label,
            "cells": [(role, (role, value) in granted) for role, _label in roles],
        }
        for value, label in Action.choices
    ]
    return roles, rows


def is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > timezone.now())
