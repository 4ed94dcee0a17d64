"""What a user may do, and where: positions × the role/action table.

`access_for(user)` loads the user's active positions and the grants of their roles once
per request (two small queries) and answers every permission question from memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from capuyso.accounts.roles import COMMITTEE_WIDE_ROLES, TWO_FACTOR_ROLES, Role


@dataclass(frozen=True)
class Scope:
    role: str
    committee_id: int
    unit_id: int | None
    unit_path: str | None


@dataclass
class UserAccess:
    user_id: int | None
    committee_id: int | None
    scopes: list[Scope] = field(default_factory=list)
    grants: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def roles(self) -> set[str]:
        return {s.role for s in self.scopes}

    def _scopes_for(self, action: str) -> list[Scope]:
        return [s for s in self.scopes if action in self.grants.get(s.role, frozenset())]

    def committee_wide(self, action: str) -> bool:
        """True when some position grants `action` over the whole committee."""
        return any(s.role in COMMITTEE_WIDE_ROLES for s in self._scopes_for(action))

    def unit_paths(self, action: str) -> list[str]:
        """Subtree paths where a unit-scoped position grants `action`."""
        return [
            s.unit_path
            for s in self._scopes_for(action)
            if s.role not in COMMITTEE_WIDE_ROLES and s.unit_path
        ]

    def has(self, action: str) -> bool:
        """True when the user may perform `action` somewhere in their committee."""
        return bool(self._scopes_for(action))

    def can(self, action: str, *, committee_id: int, unit_path: str | None = None) -> bool:
        """May the user perform `action` on an object of `committee_id` (in unit `unit_path`)?"""
        if committee_id != self.committee_id:
            return False
        if self.committee_wide(action):
            return True
        if unit_path is None:
            return False
        return any(unit_path.startswith(p) for p in self.unit_paths(action))

    @property
    def needs_two_factor(self) -> bool:
        return bool(self.roles & TWO_FACTOR_ROLES)


def load_grants() -> dict[str, frozenset[str]]:
    from capuyso.accounts.models import RolePermission

    table: dict[str, set[str]] = {}
    for role, action in RolePermission.objects.values_list("role", "action"):
        table.setdefault(role, set()).add(action)
    return {role: frozenset(actions) for role, actions in table.items()}


def build_access(user) -> UserAccess:
    from capuyso.org.models import Position

    if not user.is_authenticated or not user.is_active or user.committee_id is None:
        return UserAccess(user_id=getattr(user, "pk", None), committee_id=None)
    today = timezone.localdate()
    positions = (
        Position.objects.filter(
            user_id=user.pk, committee_id=user.committee_id, committee__is_active=True
        )
        .filter(start_date__lte=today)
        .exclude(end_date__lt=today)
        .select_related("unit")
        .only("role", "committee_id", "unit_id", "unit__path")
    )
    scopes = [
        Scope(
            role=p.role,
            committee_id=p.committee_id,
            unit_id=p.unit_id,
            unit_path=p.unit.path if p.unit_id else None,
        )
        for p in positions
    ]
    return UserAccess(
        user_id=user.pk, committee_id=user.committee_id, scopes=scopes, grants=load_grants()
    )


def access_for(user) -> UserAccess:
    """The user's access, memoised on the user object for the rest of the request."""
    cached = getattr(user, "_capuyso_access", None)
    if cached is None:
        cached = build_access(user)
        if user.is_authenticated:
            user._capuyso_access = cached
    return cached


def forget_access(user) -> None:
    if hasattr(user, "_capuyso_access"):
        del user._capuyso_access


__all__ = ["Role", "UserAccess", "access_for", "build_access", "forget_access"]
