"""The organisation tree: the caller's committee, its units and cells, and city figures."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, Query, Router, Schema

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.core.text import fold
from capuyso.org.models import Committee, Term, Unit
from capuyso.org.selectors import (
    cells_for_user,
    child_committee_stats_for_user,
    current_term,
    get_unit_for_user,
    member_count_for_user,
    units_for_user,
)

from .schemas import (
    AUTH_ERRORS,
    OBJECT_ERRORS,
    CommitteeRef,
    GroupingRef,
    PageMeta,
    PageParams,
    TermOut,
    UnitRef,
    paginate,
)

router = Router(tags=["org"])


def _require(user, action: str) -> None:
    """403 when no position of the user grants `action` anywhere (the UI hides the page)."""
    if not access_for(user).has(action):
        raise PermissionDenied


# --- Committee ---------------------------------------------------------------------------


class CommitteeCounts(Schema):
    units: int = Field(description="Units the caller may see.")
    cells: int = Field(description="Active cells the caller may see.")
    members: int | None = Field(
        description="Members the caller may see; null without the right to see member lists."
    )


class CommitteeOut(Schema):
    code: UUID
    slug: str
    name: str
    executive_name: str
    level: str
    address: str
    parent: CommitteeRef | None
    current_term: TermOut | None
    counts: CommitteeCounts


@router.get("/committee", response={200: CommitteeOut, **OBJECT_ERRORS})
def committee_detail(request):
    """The caller's own committee, with counts of what the caller may see in it."""
    user = request.auth
    if user.committee_id is None:
        raise Http404
    committee = Committee.objects.select_related("parent").get(pk=user.committee_id)
    visible = units_for_user(user)
    return {
        "code": committee.code,
        "slug": committee.slug,
        "name": committee.name,
        "executive_name": committee.executive_name,
        "level": committee.level,
        "address": committee.address,
        "parent": committee.parent,
        "current_term": current_term(committee),
        "counts": {
            "units": visible.count(),
            "cells": visible.filter(kind=Unit.Kind.CELL, dissolved_on__isnull=True).count(),
            "members": member_count_for_user(user),
        },
    }


# --- Units -------------------------------------------------------------------------------


class UnitOut(Schema):
    code: UUID
    name: str
    kind: str
    kind_label: str
    cell_kind: str
    parent_code: UUID | None
    grouping: GroupingRef | None
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_parent_code(obj) -> UUID | None:
        return obj.parent.code if obj.parent_id else None


class UnitPage(PageMeta):
    items: list[UnitOut]


class UnitFilters(Schema):
    kind: Unit.Kind | None = Field(None, description="Only units of this kind.")
    q: str = Field("", max_length=100, description="Part of the name, with or without accents.")


@router.get("/units", response={200: UnitPage, **AUTH_ERRORS})
def unit_list(request, filters: Query[UnitFilters], page: Query[PageParams]):
    """Units the caller may open: the whole committee, or their own unit's subtree."""
    _require(request.auth, Action.ORG_VIEW)
    units = units_for_user(request.auth).select_related("parent", "grouping")
    if filters.kind:
        units = units.filter(kind=filters.kind)
    if filters.q.strip():
        units = units.filter(name_folded__contains=fold(filters.q.strip()))
    return paginate(units.order_by("sort_order", "name", "pk"), page)


class UnitDetailOut(UnitOut):
    parent: UnitRef | None
    address_line: str
    admin_unit: str | None
    established_on: dt.date | None
    dissolved_on: dt.date | None
    current_term: TermOut | None
    terms: list[TermOut] = Field(description="Terms of office, newest first.")
    children: list[UnitRef] = Field(description="Child units the caller may open.")
    member_count: int | None = Field(
        description="Members in this unit's subtree; null without the right to see them."
    )

    # The endpoint loads these onto the unit as `api_*` attributes, already scoped.
    @staticmethod
    def resolve_admin_unit(obj) -> str | None:
        return str(obj.admin_unit) if obj.admin_unit_id else None

    @staticmethod
    def resolve_current_term(obj):
        return obj.api_current_term

    @staticmethod
    def resolve_terms(obj) -> list:
        return obj.api_terms

    @staticmethod
    def resolve_children(obj) -> list:
        return obj.api_children

    @staticmethod
    def resolve_member_count(obj) -> int | None:
        return obj.api_member_count


@router.get("/units/{code}", response={200: UnitDetailOut, **OBJECT_ERRORS})
def unit_detail(request, code: UUID):
    """One unit with its terms of office and the children the caller may open."""
    user = request.auth
    unit = get_unit_for_user(user, code)
    unit.api_terms = list(Term.objects.filter(committee_id=unit.committee_id, unit=unit))
    unit.api_current_term = current_term(unit.committee, unit)
    unit.api_children = list(units_for_user(user).filter(parent=unit))
    unit.api_member_count = member_count_for_user(user, unit)
    return unit


# --- Cells -------------------------------------------------------------------------------


class CellOut(Schema):
    code: UUID
    name: str
    kind: str
    cell_kind: str
    parent_code: UUID | None
    grouping: GroupingRef | None
    member_count: int | None

    @staticmethod
    def resolve_parent_code(obj) -> UUID | None:
        return obj.parent.code if obj.parent_id else None


class CellPage(PageMeta):
    items: list[CellOut]


class CellFilters(Schema):
    cell_kind: Unit.CellKind | None = Field(None, description="Only cells of this kind.")
    grouping: UUID | None = Field(None, description="Only cells of this grouping (its code).")
    q: str = Field("", max_length=100, description="Part of the name, with or without accents.")


@router.get("/cells", response={200: CellPage, **AUTH_ERRORS})
def cell_list(request, filters: Query[CellFilters], page: Query[PageParams]):
    """Active cells and sub-committees the caller may open, with their member counts.

    `member_count` is null for a caller who may not see the member lists of that cell.
    """
    user = request.auth
    _require(user, Action.ORG_VIEW)
    cells = cells_for_user(
        user,
        query=filters.q.strip(),
        kind=filters.cell_kind or "",
        grouping_code=str(filters.grouping) if filters.grouping else "",
    )
    result = paginate(cells.order_by("sort_order", "name", "pk"), page)
    access = access_for(user)
    for cell in result["items"]:
        if not access.can(Action.MEMBERS_VIEW, committee_id=cell.committee_id, unit_path=cell.path):
            cell.member_count = None
    return result


# --- City committee ----------------------------------------------------------------------


class CommitteeStatsOut(Schema):
    code: UUID
    slug: str
    name: str
    cell_count: int
    member_count: int


class CityStatsOut(Schema):
    items: list[CommitteeStatsOut]


@router.get("/city/committees", response={200: CityStatsOut, **AUTH_ERRORS})
def city_committees(request):
    """For a city committee: each child committee's number of cells and members, no names."""
    return {"items": list(child_committee_stats_for_user(request.auth))}
