"""Reads for the organisation tree, already filtered to what the user may see."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.org.models import Committee, Grouping, Term, Unit


def path_filter(paths: list[str], field: str = "path") -> Q:
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field}__startswith": path})
    return query


def units_for_user(user, action: str = Action.ORG_VIEW) -> QuerySet[Unit]:
    """Units the user may open for `action`: the whole committee, or their subtrees only.

    Every unit returned is one `get_unit_for_user` would also return.
    """
    access = access_for(user)
    if access.committee_id is None:
        return Unit.objects.none()
    units = Unit.objects.filter(committee_id=access.committee_id)
    if access.committee_wide(action):
        return units
    paths = access.unit_paths(action)
    if not paths:
        return Unit.objects.none()
    return units.filter(path_filter(paths))


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
    except (Unit.DoesNotExist, ValueError, ValidationError) as exc:
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


def member_count_for_user(user, unit: Unit | None = None) -> int | None:
    """Members the user may see (MEMBERS_VIEW), optionally inside `unit`'s subtree.

    None when the user may not see member lists there at all.
    """
    from capuyso.members.models import Member

    access = access_for(user)
    if access.committee_id is None:
        return None
    members = Member.objects.filter(committee_id=access.committee_id)
    if unit is not None:
        if not access.can(Action.MEMBERS_VIEW, committee_id=unit.committee_id, unit_path=unit.path):
            return None
        return members.filter(cell__path__startswith=unit.path).count()
    if access.committee_wide(Action.MEMBERS_VIEW):
        return members.count()
    paths = access.unit_paths(Action.MEMBERS_VIEW)
    if not paths:
        return None
    return members.filter(path_filter(paths, "cell__path")).count()


def child_committee_stats_for_user(user) -> QuerySet[Committee]:
    """Aggregate figures of the child committees, for a city committee's STATS_VIEW holders.

    Each committee carries `cell_count` (active cells) and `member_count`; no names of people.
    Raises PermissionDenied for anyone else, commune users included.
    """
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from capuyso.members.models import Member

    access = access_for(user)
    if access.committee_id is None or not access.committee_wide(Action.STATS_VIEW):
        raise PermissionDenied
    committee = Committee.objects.get(pk=access.committee_id)
    if committee.level != Committee.Level.CITY:
        raise PermissionDenied

    def count_of(queryset) -> Coalesce:
        counted = (
            queryset.filter(committee_id=OuterRef("pk"))
            .order_by()
            .values("committee_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return child_committees(committee).annotate(
        cell_count=count_of(Unit.objects.filter(kind=Unit.Kind.CELL, dissolved_on__isnull=True)),
        member_count=count_of(Member.objects.all()),
    )


def groupings_for_user(user) -> QuerySet[Grouping]:
    """The groupings of the user's committee, with their number of cells."""
    return (
        Grouping.objects.filter(committee_id=access_for(user).committee_id)
        .select_related("former_admin_unit")
        .annotate(cell_count=Count("units", filter=Q(units__kind=Unit.Kind.CELL), distinct=True))
    )


def committee_terms(committee: Committee) -> QuerySet[Term]:
    return Term.objects.filter(committee=committee, unit__isnull=True)


def unit_ancestors(user, unit: Unit) -> list[Unit]:
    """The units above `unit` that the user may open, top first (from its materialised path)."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1] if part]
    by_id = {u.pk: u for u in units_for_user(user).filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def hide_member_counts_without_right(user, units) -> list[Unit]:
    """Blank `member_count` on units whose member lists the user may not see.

    The same rule as the API: counts are shown only with MEMBERS_VIEW over that unit.
    """
    access = access_for(user)
    units = list(units)
    for unit in units:
        if not access.can(Action.MEMBERS_VIEW, committee_id=unit.committee_id, unit_path=unit.path):
            unit.member_count = None
    return units
