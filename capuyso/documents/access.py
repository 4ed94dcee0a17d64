"""Who may do what with a document: the questions services and selectors share."""

from __future__ import annotations

from django.utils import timezone

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import COMMITTEE_WIDE_ROLES, Action, Role


def may(user, action: str, unit) -> bool:
    """May `user` perform `action` on documents of `unit` (an office or a cell)?"""
    return access_for(user).can(action, committee_id=unit.committee_id, unit_path=unit.path)


def position_unit_ids(user) -> set[int]:
    """Units the user acts for: where they hold an active position other than plain member
    (a cell's secretaries, an organ's staff)."""
    return {
        s.unit_id
        for s in access_for(user).scopes
        if s.unit_id is not None and s.role != Role.MEMBER
    }


def holders(committee_id, roles, *, unit_ids=None):
    """Active users holding, today, a position with one of `roles` (in one of `unit_ids`)."""
    from capuyso.accounts.models import User
    from capuyso.org.models import Position

    today = timezone.localdate()
    positions = Position.objects.filter(
        committee_id=committee_id, role__in=list(roles), start_date__lte=today
    ).exclude(end_date__lt=today)
    if unit_ids is not None:
        positions = positions.filter(unit_id__in=list(unit_ids))
    return User.objects.filter(is_active=True, positions__in=positions).distinct()


def roles_with(action: str) -> set[str]:
    from capuyso.accounts.models import RolePermission

    return set(RolePermission.objects.filter(action=action).values_list("role", flat=True))


def unit_handlers(unit):
    """People who act for a unit assigned to handle a document: the holders of its active
    positions other than plain members (a cell's secretaries; an organ's staff)."""
    roles = set(Role.values) - {Role.MEMBER}
    return holders(unit.committee_id, roles, unit_ids=[unit.pk])


def unit_registrars(unit):
    """People who register documents for `unit`: a cell's secretaries, or the committee
    clerks for the Office."""
    from capuyso.org.models import Unit

    roles = roles_with(Action.DOCUMENTS_REGISTER)
    if unit.kind == Unit.Kind.OFFICE:
        return holders(unit.committee_id, roles & set(COMMITTEE_WIDE_ROLES))
    ancestors = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
    return holders(unit.committee_id, roles - set(COMMITTEE_WIDE_ROLES), unit_ids=ancestors)


def is_handler(user, assignment) -> bool:
    if assignment.user_id is not None:
        return assignment.user_id == user.pk
    return assignment.unit_id in position_unit_ids(user)


def active_delegations(scope: str, *, on=None):
    """Delegations of `scope` in force on `on` (today by default), not revoked."""
    from capuyso.documents.models import Delegation

    on = on or timezone.localdate()
    return Delegation.objects.filter(
        scope=scope, starts_on__lte=on, ends_on__gte=on, revoked_at__isnull=True
    )
