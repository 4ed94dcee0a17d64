"""Reads for the organisation tree, already filtered to what the user may see."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.org.models import Committee, Term, Unit


def _path_filter(paths: list[str], field: str = "path") -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def units_for_user(user, action: str = Action.ORG_VIEW) -> QuerySet[Unit]:
    """Units of the user's committee the user may see for `action`."""
    access = access_for(user)
    if access.committee_id is None:
        return Unit.objects.none()
    units = Unit.objects.filter(committee_id=access.committee_id)
    if access.committee_wide(action):
        return units
    paths = access.unit_paths(action)
    if not paths:
        return Unit.objects.none()
    # A unit-scoped user sees their subtree and the path up to it (for the breadcrumb).
    ancestor_ids = {int(part) for p in paths for part in p.strip("/").split("/") if part}
    return units.filter(_path_filter(paths) | Q(pk__in=ancestor_ids))


def cells_for_user(
    user, *, query: str = "", kind: str = "", grouping_code: str = ""
) -> QuerySet[Unit]:
    """Cells (and sub-committees) the user may see, with active member counts."""
    units = units_for_user(user).filter(kind__in=Unit.PARTY_ORG_KINDS, dissolved_on__isnull=True)
    if query:
        from capuyso.core.text import fold

        units = units.filter(name_folded__contains=fold(query))
    if kind:
        units = units.filter(cell_kind=kind)
    if grouping_code:
        units = units.filter(grouping__code=grouping_code)
    return units.select_related("grouping", "parent").annotate(member_count=Count("members"))


def get_unit_for_user(user, code, *, action: str = Action.ORG_VIEW) -> Unit:
    """The one door to a unit: 404 outside the user's committee, 403 without the right."""
    access = access_for(user)
    try:
        unit = Unit.objects.select_related("grouping", "parent", "admin_unit").get(
            code=code, committee_id=access.committee_id
        )
    except (Unit.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
    if not access.can(action, committee_id=unit.committee_id, unit_path=unit.path):
        raise PermissionDenied
    return unit


def current_term(
    committee: Committee, unit: Unit | None = None, on: dt.date | None = None
) -> Term | None:
    """The term in force on `on` (default today) for the committee or a unit."""
    on = on or timezone.localdate()
    return (
        Term.objects.filter(committee=committee, unit=unit, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
        .order_by("-start_date")
        .first()
    )


def child_committees(committee: Committee) -> QuerySet[Committee]:
    return Committee.objects.filter(parent=committee, is_active=True).order_by("name")
