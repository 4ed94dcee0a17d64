"""Reads of member records, already scoped to what the user may see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.core.text import fold
from capuyso.members.models import Member
from capuyso.org.selectors import path_filter


def members_for_user(
    user, *, action: str = Action.MEMBERS_VIEW, query: str = "", cell=None
) -> QuerySet[Member]:
    access = access_for(user)
    if access.committee_id is None:
        return Member.objects.none()
    members = Member.objects.filter(committee_id=access.committee_id)
    if not access.committee_wide(action):
        paths = access.unit_paths(action)
        if not paths:
            return Member.objects.none()
        members = members.filter(path_filter(paths, "cell__path"))
    if cell is not None:
        members = members.filter(cell__path__startswith=cell.path)
    if query:
        members = members.filter(full_name_folded__contains=fold(query))
    return members.select_related("cell")


def get_member_for_user(user, code) -> Member:
    """A member's file: their own, or within the user's MEMBERS_VIEW_FILE scope."""
    access = access_for(user)
    try:
        member = Member.objects.select_related("cell").get(
            code=code, committee_id=access.committee_id
        )
    except (Member.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if member.pk == user.member_id:
        return member
    if not access.can(
        Action.MEMBERS_VIEW_FILE, committee_id=member.committee_id, unit_path=member.cell.path
    ):
        raise PermissionDenied
    return member
