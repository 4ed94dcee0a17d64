"""Member figures for the dashboard and the API: active members per cell and status.

`member_counts(user)` answers in one grouped query over the units the user may see members
of (MEMBERS_VIEW by default, as the list page), so a cell secretary gets their cell and a
committee-wide role every cell. Only active members count (probationary, full, exempt):
members transferred out, struck off, expelled or deceased have left the active lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Q

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.members.models import Member
from capuyso.org.models import Unit
from capuyso.org.selectors import path_filter

ACTIVE = Member.ACTIVE_STATUSES


@dataclass(frozen=True)
class CellCounts:
    """Active members of one cell (or sub-committee, party group) by status."""

    cell_id: int | None
    code: UUID | None
    name: str
    probationary: int = 0
    full: int = 0
    exempt: int = 0

    @property
    def active(self) -> int:
        return self.probationary + self.full + self.exempt

    def as_dict(self) -> dict:
        return {
            "probationary": self.probationary,
            "full": self.full,
            "exempt": self.exempt,
            "active": self.active,
        }


def _active_count(status: str | None = None) -> Count:
    condition = Q(members__status=status) if status else Q(members__status__in=ACTIVE)
    return Count("members", filter=condition)


def member_counts(user, *, action: str = Action.MEMBERS_VIEW) -> list[CellCounts]:
    """One row per party unit in the user's scope: active members by status.

    Lists every active cell, sub-committee and party group, with zeros where there is no
    member, and any other unit (a dissolved cell) that still holds active members. Ordered
    as the organisation tree shows units. Empty when the user may not see members at all.
    """
    access = access_for(user)
    if access.committee_id is None or not access.has(action):
        return []
    units = Unit.objects.filter(committee_id=access.committee_id)
    if not access.committee_wide(action):
        units = units.filter(path_filter(access.unit_paths(action)))
    party_units = (Unit.Kind.SUB_COMMITTEE, Unit.Kind.CELL, Unit.Kind.PARTY_GROUP)
    rows = (
        units.annotate(
            n_probationary=_active_count(Member.Status.PROBATIONARY),
            n_full=_active_count(Member.Status.FULL),
            n_exempt=_active_count(Member.Status.EXEMPT),
            n_active=_active_count(),
        )
        .filter(Q(kind__in=party_units, dissolved_on__isnull=True) | Q(n_active__gt=0))
        .order_by("sort_order", "name_folded", "pk")
        .values_list("pk", "code", "name", "n_probationary", "n_full", "n_exempt")
    )
    return [
        CellCounts(cell_id=pk, code=code, name=name, probationary=p, full=f, exempt=e)
        for pk, code, name, p, f, e in rows
    ]


def count_totals(rows: list[CellCounts]) -> CellCounts:
    """The sum of `rows` (for the committee line of the dashboard)."""
    return CellCounts(
        cell_id=None,
        code=None,
        name="",
        probationary=sum(r.probationary for r in rows),
        full=sum(r.full for r in rows),
        exempt=sum(r.exempt for r in rows),
    )
