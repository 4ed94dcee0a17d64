"""The caller (`/me`) and the user accounts of the caller's committee."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.accounts.selectors import (
    active_positions,
    get_user_for_user,
    is_locked,
    users_for_user,
)

from .schemas import (
    AUTH_ERRORS,
    OBJECT_ERRORS,
    CommitteeRef,
    PageMeta,
    PageParams,
    PositionOut,
    paginate,
)

router = Router(tags=["accounts"])


class MeOut(Schema):
    code: UUID
    username: str
    full_name: str
    committee: CommitteeRef | None
    positions: list[PositionOut] = Field(description="Positions held today.")
    roles: list[str]
    actions: list[str] = Field(description="Actions some position grants the caller.")
    two_factor_required: bool


@router.get("/me", response={200: MeOut, **AUTH_ERRORS})
def me(request):
    """Who the caller is, where, and what they may do."""
    user = request.auth
    access = access_for(user)
    positions = list(active_positions().filter(user=user, committee_id=user.committee_id))
    return {
        "code": user.code,
        "username": user.username,
        "full_name": user.full_name,
        "committee": user.committee,
        "positions": positions,
        "roles": sorted(access.roles),
        "actions": [action for action in Action.values if access.has(action)],
        "two_factor_required": access.needs_two_factor,
    }


class UserOut(Schema):
    code: UUID
    username: str
    full_name: str
    is_active: bool
    positions: list[PositionOut] = Field(description="Positions held today.")

    @staticmethod
    def resolve_positions(obj) -> list:
        return obj.current_positions


class UserPage(PageMeta):
    items: list[UserOut]


class UserFilters(Schema):
    q: str = Field("", max_length=100, description="Part of the name or user name.")
    role: str = Field("", description="Only holders of this role.")


@router.get("/users", response={200: UserPage, **AUTH_ERRORS})
def user_list(request, filters: Query[UserFilters], page: Query[PageParams]):
    """The accounts of the caller's committee (needs the right to view accounts)."""
    user = request.auth
    if not access_for(user).committee_wide(Action.USERS_VIEW):
        raise PermissionDenied
    users = users_for_user(user, query=filters.q.strip(), role=filters.role)
    return paginate(users, page)


class UserDetailOut(UserOut):
    email: str
    phone: str
    date_joined: dt.datetime
    last_login: dt.datetime | None
    locked: bool

    @staticmethod
    def resolve_locked(obj) -> bool:

        return is_locked(obj)


@router.get("/users/{code}", response={200: UserDetailOut, **OBJECT_ERRORS})
def user_detail(request, code: UUID):
    """One account of the caller's committee."""
    target = get_user_for_user(request.auth, code)
    target.current_positions = list(active_positions().filter(user=target))
    return target
