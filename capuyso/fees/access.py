"""Who may see and change which fee records: the one door every fees view and API goes through.

- A cell's fee book (its members' bases, reliefs, dues and payments) is read with FEES_VIEW over
  the cell and changed with FEES_MANAGE over the cell: the cell's secretaries, the committee's
  office (clerk), the committee's readers (leaders, inspection) read only.
- The committee summary, remittances and bank statements need the action over the whole
  committee.
- Rules, retention shares and bank accounts need FEES_CONFIGURE over the committee.
- Every member reads their own dues, payments and payment codes without any action.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.members.models import Member
from capuyso.org.models import Unit


def may_view_cell(user, cell: Unit) -> bool:
    return access_for(user).can(
        Action.FEES_VIEW, committee_id=cell.committee_id, unit_path=cell.path
    )


def may_manage_cell(user, cell: Unit) -> bool:
    return access_for(user).can(
        Action.FEES_MANAGE, committee_id=cell.committee_id, unit_path=cell.path
    )


def may_view_committee(user) -> bool:
    return access_for(user).committee_wide(Action.FEES_VIEW)


def may_manage_committee(user) -> bool:
    return access_for(user).committee_wide(Action.FEES_MANAGE)


def may_configure(user) -> bool:
    return access_for(user).committee_wide(Action.FEES_CONFIGURE)


def committee_of(user):
    """The user's committee, or 404 for a user without one (platform accounts)."""
    access = access_for(user)
    if access.committee_id is None:
        raise Http404
    from capuyso.org.models import Committee

    return Committee.objects.get(pk=access.committee_id)


def require_committee(user, *, manage: bool = False, configure: bool = False):
    """The committee when the user holds the fee action over all of it, else 403."""
    committee = committee_of(user)
    if configure:
        allowed = may_configure(user)
    elif manage:
        allowed = may_manage_committee(user)
    else:
        allowed = may_view_committee(user)
    if not allowed:
        raise PermissionDenied
    return committee


def get_cell_for_user(user, code, *, manage: bool = False) -> Unit:
    """A cell of the user's committee whose fee book the user may read (or change), else
    404 (not in the committee, not a cell) or 403 (no right over it)."""
    access = access_for(user)
    try:
        cell = Unit.objects.get(code=code, committee_id=access.committee_id, kind=Unit.Kind.CELL)
    except (Unit.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    allowed = may_manage_cell(user, cell) if manage else may_view_cell(user, cell)
    if not allowed:
        raise PermissionDenied
    return cell


def may_view_member_fees(user, member: Member) -> bool:
    if getattr(user, "member_id", None) == member.pk:
        return True
    return member.cell_id is not None and may_view_cell(user, member.cell)


def get_member_for_user(user, code, *, manage: bool = False) -> Member:
    """A member whose fee account the user may read (themselves, or a cell they hold
    FEES_VIEW over) or change (FEES_MANAGE over the member's cell)."""
    access = access_for(user)
    try:
        member = Member.objects.select_related("cell").get(
            code=code, committee_id=access.committee_id
        )
    except (Member.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    if manage:
        allowed = member.cell_id is not None and may_manage_cell(user, member.cell)
    else:
        allowed = may_view_member_fees(user, member)
    if not allowed:
        raise PermissionDenied
    return member
