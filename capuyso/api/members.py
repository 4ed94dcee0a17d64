"""Party members and their status, with the same rights as the pages.

The list and the counts need the right to see member lists (403 without it) and cover
the caller's scope: the whole committee, or a cell secretary's own cell. The list takes
the list page's filters, read by the page's own parser, so a query gives the same
members here as on the page. A file is found through the page's door: 404 outside the
caller's committee, 403 outside their scope; a plain member may open their own file
only. Opening a file here is recorded in the audit trail, as on the page.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.members.exports import listed_members
from capuyso.members.selectors import get_member_for_user
from capuyso.members.selectors_stats import count_totals, member_counts
from capuyso.members.services import member_file_viewed

from .schemas import AUTH_ERRORS, OBJECT_ERRORS, PageMeta, PageParams, paginate

router = Router(tags=["members"])

PRECISION = "`day`, `month` or `year` (only the year is known: the date is 1 January)."


class CellRef(Schema):
    code: UUID
    name: str


class MemberOut(Schema):
    code: UUID
    full_name: str
    sex: str = Field(description="`male` or `female`.")
    date_of_birth: dt.date
    date_of_birth_precision: str = Field(description=PRECISION)
    cell: CellRef
    status: str = Field(
        description="`probationary`, `full`, `exempt`, `transferred_out`, `struck_off`, "
        "`expelled` or `deceased`."
    )
    status_label: str
    card_number: str
    admission_date: dt.date
    admission_date_precision: str = Field(description=PRECISION)
    full_membership_date: dt.date | None
    full_membership_date_precision: str = Field(description=PRECISION)

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class MemberPage(PageMeta):
    items: list[MemberOut]


class MemberQuery(Schema):
    """The list page's filters; an unknown value is ignored, as on the page."""

    q: str = Field(
        "", max_length=100, description="Name with or without accents, card number or citizen ID."
    )
    cell: UUID | None = Field(None, description="Only this cell (or sub-committee) and below.")
    status: str = Field(
        "", description="A status; empty for active members (probationary, full, exempt); `all`."
    )
    age: str = Field("", description="Age band: `lt30`, `30-45`, `46-60` or `gt60`.")
    party_age: str = Field("", description="Party-age band: `lt10`, `10-29`, `30-49` or `50+`.")
    sex: str = Field("", description="`male` or `female`.")
    education: str = Field("", description="General education level.")
    qualification: str = Field("", description="Professional qualification.")
    theory: str = Field("", description="Political theory level.")


@router.get("/members", response={200: MemberPage, **OBJECT_ERRORS})
def member_list(request, filters: Query[MemberQuery], page: Query[PageParams]):
    """Members the caller may see, as the list page shows them (same filters and order).

    404 for a `cell` of another committee; 403 for a cell outside the caller's scope.
    """
    listed = listed_members(request.auth, request.GET, action=Action.MEMBERS_VIEW)
    return paginate(listed.members, page)


class StatusCounts(Schema):
    probationary: int
    full: int
    exempt: int
    active: int = Field(description="Probationary, full and exempt together.")


class CellCountsOut(StatusCounts):
    cell: CellRef


class CountsOut(Schema):
    items: list[CellCountsOut] = Field(
        description="Every active cell of the caller's scope (zeros included), and any other "
        "unit that still holds active members."
    )
    totals: StatusCounts


@router.get("/members/counts", response={200: CountsOut, **AUTH_ERRORS})
def member_count_list(request):
    """Active members by cell and status, for the dashboard (one grouped query)."""
    if not access_for(request.auth).has(Action.MEMBERS_VIEW):
        raise PermissionDenied
    rows = member_counts(request.auth)
    return {
        "items": [{"cell": {"code": row.code, "name": row.name}, **row.as_dict()} for row in rows],
        "totals": count_totals(rows).as_dict(),
    }


class MemberDetailOut(MemberOut):
    ethnicity: str
    religion: str
    home_town: str
    residence: str
    citizen_id: str
    phone: str
    admission_decision: str
    ceremony_date: dt.date | None
    full_membership_decision: str
    status_since: dt.date | None
    closed_on: dt.date | None
    closing_decision: str
    general_education: str
    qualification: str
    qualification_detail: str
    political_theory: str
    occupation: str
    workplace: str
    version: int = Field(description="Changes with every edit of the file.")


@router.get("/members/{code}", response={200: MemberDetailOut, **OBJECT_ERRORS})
def member_detail(request, code: UUID):
    """One member's file. Opening it is recorded in the audit trail, as on the page."""
    member = get_member_for_user(request.auth, code)
    member_file_viewed(actor=request.auth, member=member)
    return member
