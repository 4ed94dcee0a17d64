"""Reads for accounts, filtered to what the acting user may see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from capuyso.accounts.models import User
from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
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
    return users.prefetch_related(
        Prefetch("positions", queryset=active_positions(), to_attr="current_positions")
    ).order_by("full_name_folded", "username")


def get_user_for_user(user, code, *, action: str = Action.USERS_VIEW) -> User:
    """The one door to another account: 404 outside the committee, 403 without the right."""
    access = access_for(user)
    try:
        target = User.objects.get(code=code, committee_id=access.committee_id)
    except (User.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if access.committee_id is None or not access.committee_wide(action):
        raise PermissionDenied
    return target
