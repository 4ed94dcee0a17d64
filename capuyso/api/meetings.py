"""Meetings, their agenda, attendance and votes, read with the same rights as the pages.

The list covers the meetings the caller may see (`meetings_for_user`: their view scope plus
the meetings they are invited to); 403 for a caller who may see no meeting at all. A
meeting is found through the page's door: 404 outside the caller's committee, 403 outside
their scope.

A confidential agenda item keeps its place and its `confidential` flag, but its title,
presenter and notes are given only to those `access.may_see_confidential` lets see it (who
runs the meeting, the members recorded present: the pages' rule); a vote on such an item
likewise shows no question and no result to anyone else. A vote's result is given only
once the vote is closed.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from ninja import Field, Query, Router, Schema

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.meetings.access import (
    get_meeting_for_user,
    may_manage,
    may_see_confidential,
    meetings_for_user,
)
from capuyso.meetings.models import Invitation, Meeting, Vote
from capuyso.meetings.selectors_attendance import attendance_counts
from capuyso.meetings.services import votes as vote_services
from capuyso.org.selectors import get_unit_for_user

from .schemas import OBJECT_ERRORS, PageMeta, PageParams, UnitRef, paginate

router = Router(tags=["meetings"])


# --- The list --------------------------------------------------------------------------


class MeetingOut(Schema):
    code: UUID
    title: str
    kind: str = Field(
        description="`executive`, `standing`, `briefing`, `cell_regular`, `cell_thematic` or "
        "`party_group`."
    )
    kind_label: str
    status: str = Field(
        description="`planned`, `invited`, `in_progress`, `closed` (held) or `cancelled`."
    )
    status_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str
    mode: str = Field(description="`in_person`, `online` or `hybrid`.")
    online_url: str
    unit: UnitRef | None = Field(description="The cell or organ; null for the committee itself.")

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class MeetingPage(PageMeta):
    items: list[MeetingOut]


class MeetingQuery(Schema):
    unit: UUID | None = Field(None, description="Only the meetings held by this cell or organ.")
    status: str = Field("", description="Only meetings with this status.")
    starts_from: dt.date | None = Field(None, description="Starting on or after this day.")
    starts_until: dt.date | None = Field(None, description="Starting on or before this day.")


def _may_see_meetings(user) -> bool:
    if access_for(user).has(Action.MEETINGS_VIEW):
        return True
    invited = Q(user_id=user.pk)
    if getattr(user, "member_id", None):
        invited |= Q(member_id=user.member_id)
    return Invitation.objects.filter(invited, meeting__committee_id=user.committee_id).exists()


@router.get("/meetings", response={200: MeetingPage, **OBJECT_ERRORS})
def meeting_list(request, filters: Query[MeetingQuery], page: Query[PageParams]):
    """Meetings the caller may see, the latest first (days in Asia/Ho_Chi_Minh).

    404 for a `unit` of another committee."""
    user = request.auth
    if not _may_see_meetings(user):
        raise PermissionDenied
    meetings = meetings_for_user(user)
    if filters.unit is not None:
        unit = get_unit_for_user(user, filters.unit)
        meetings = meetings.filter(unit=unit)
    if filters.status:
        meetings = meetings.filter(status=filters.status)
    if filters.starts_from is not None:
        meetings = meetings.filter(starts_at__date__gte=filters.starts_from)
    if filters.starts_until is not None:
        meetings = meetings.filter(starts_at__date__lte=filters.starts_until)
    return paginate(meetings.order_by("-starts_at", "-pk"), page)


# --- One meeting -----------------------------------------------------------------------


class PersonRef(Schema):
    code: UUID
    full_name: str


class AgendaItemOut(Schema):
    code: UUID
    order: int
    confidential: bool
    title: str | None = Field(description="Null for a confidential item the caller may not see.")
    presenter: str | None
    notes: str | None
    documents: int = Field(description="How many documents the item has.")


class MeetingDetailOut(MeetingOut):
    chair: PersonRef | None
    secretary: PersonRef | None
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    agenda: list[AgendaItemOut]
    can_manage: bool = Field(description="Whether the caller organises this meeting.")


def _agenda(meeting: Meeting, see_confidential: bool) -> list[dict]:
    rows = []
    for item in meeting.items.annotate(document_count=Count("documents")).order_by("order", "pk"):
        shown = see_confidential or not item.confidential
        rows.append(
            {
                "code": item.code,
                "order": item.order,
                "confidential": item.confidential,
                "title": item.title if shown else None,
                "presenter": item.presenter if shown else None,
                "notes": item.notes if shown else None,
                "documents": item.document_count,
            }
        )
    return rows


@router.get("/meetings/{code}", response={200: MeetingDetailOut, **OBJECT_ERRORS})
def meeting_detail(request, code: UUID):
    """One meeting with its agenda. Confidential items show their titles only to the
    organisers and the members recorded present."""
    meeting = get_meeting_for_user(request.auth, code)
    manage = may_manage(request.auth, meeting)
    see = may_see_confidential(request.auth, meeting, manage=manage)
    meeting.agenda = _agenda(meeting, see)
    meeting.can_manage = manage
    return meeting


# --- Attendance ------------------------------------------------------------------------


class OutcomeOut(Schema):
    votes: int
    base: int
    needed: int = Field(description="The fewest votes that meet the threshold.")
    passed: bool
    fraction: str = Field(description="The threshold, e.g. `2/3`.")
    strict: bool = Field(description="True: more than the fraction; false: at least.")
    arithmetic: str = Field(description="E.g. `6/9 ≥ 2/3 (needs 6)`, in the request's language.")


class AttendanceOut(Schema):
    meeting: UUID
    total: int = Field(description="Members on the roll: present + exempt + absent + unrecorded.")
    present: int
    exempt: int
    absent: int
    absent_excused: int
    absent_unexcused: int
    unrecorded: int = Field(description="On the roll, attendance not recorded yet.")
    vote_base: int = Field(description="Full members present who may vote.")
    denominator: int = Field(
        description="Full members who count (rules.md §2): summoned, minus those temporarily "
        "attached elsewhere, minus exempt members who are absent."
    )
    quorum: OutcomeOut | None = Field(description="The quorum rule's outcome, if one is in force.")


def _outcome(data: dict | None) -> dict | None:
    outcome = vote_services.outcome_from(data)
    if outcome is None:
        return None
    return {**vote_services.outcome_dict(outcome), "arithmetic": outcome.arithmetic}


def _attendance(meeting: Meeting) -> dict:
    summary = attendance_counts(meeting)
    counts = {
        name: getattr(summary, name)
        for name in (
            "total",
            "present",
            "exempt",
            "absent",
            "absent_excused",
            "absent_unexcused",
            "unrecorded",
            "vote_base",
            "denominator",
        )
    }
    quorum = summary.quorum
    return {
        "meeting": meeting.code,
        **counts,
        "quorum": {**vote_services.outcome_dict(quorum), "arithmetic": quorum.arithmetic}
        if quorum is not None
        else None,
    }


@router.get("/meetings/{code}/attendance", response={200: AttendanceOut, **OBJECT_ERRORS})
def meeting_attendance(request, code: UUID):
    """The attendance counts of rules.md §5, the vote base and whether the quorum is met."""
    meeting = get_meeting_for_user(request.auth, code)
    return _attendance(meeting)


# --- Votes -----------------------------------------------------------------------------


class RuleOut(Schema):
    code: str = Field(description="The vote type, e.g. `admission`, `resolution`, `election`.")
    label: str
    numerator: int
    denominator: int
    strict: bool
    base: str = Field(description="`full_members`, `present` or `valid_ballots`.")


class VotersOut(Schema):
    full_members: int
    present: int


class BallotsOut(Schema):
    issued: int | None
    collected: int | None
    invalid: int | None
    valid: int | None


class CandidateResultOut(Schema):
    code: str
    name: str
    votes: int
    rank: int
    reached: bool = Field(description="Reached the threshold.")
    elected: bool
    tied: bool = Field(description="Tied for the last seat: goes to another round.")


class VoteResultOut(Schema):
    passed: bool | None = Field(description="Passed (or, for an election, somebody elected).")
    base: int | None = Field(None, description="The count the threshold is taken of.")
    valid: int | None = Field(None, description="Votes cast or valid ballots.")
    voters: VotersOut | None = None
    quorum: OutcomeOut | None = None
    outcome: OutcomeOut | None = Field(None, description="The motion's outcome (not elections).")
    counts: dict[str, int | None] | None = Field(
        None, description="`for`, `against` and, for an open vote, `abstain`."
    )
    named: dict[str, list[str]] | None = Field(
        None, description="For an open vote taken by name: the names per choice."
    )
    ballots: BallotsOut | None = None
    counting_committee: list[str] = []
    seats: int | None = None
    needed: int | None = Field(None, description="Election: the votes a candidate needs.")
    candidates: list[CandidateResultOut] | None = Field(
        None, description="Election: every candidate by rank."
    )
    another_round: bool | None = None
    reason: str | None = Field(None, description="Election: `tie`, `shortfall` or empty.")
    remaining_seats: int | None = None


class VoteOut(Schema):
    code: UUID
    question: str | None = Field(description="Null for a vote on a confidential item.")
    method: str = Field(description="`open`, `secret`, `paper` or `election`.")
    method_label: str
    status: str = Field(description="`draft`, `open` or `closed`.")
    status_label: str
    rule: RuleOut
    item: UUID | None = Field(description="The agenda item voted on.")
    seats: int | None
    round: int
    previous_round: UUID | None
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    result: VoteResultOut | None = Field(description="Only once the vote is closed.")


class VoteList(Schema):
    items: list[VoteOut]


def _result(vote: Vote) -> dict:
    data = vote.result
    named = data.get("named")
    ballots = data.get("ballots")
    if isinstance(ballots, dict):
        ballots = {
            "issued": vote.ballots_issued,
            "collected": vote.ballots_collected,
            "invalid": ballots.get("invalid"),
            "valid": ballots.get("valid"),
        }
    return {
        "passed": data.get("passed"),
        "base": data.get("base"),
        "valid": data.get("valid"),
        "voters": data.get("voters"),
        "quorum": _outcome(data.get("quorum")),
        "outcome": _outcome(data.get("outcome")),
        "counts": data.get("counts"),
        "named": {key: [row["name"] for row in rows] for key, rows in named.items()}
        if isinstance(named, dict)
        else None,
        "ballots": ballots if isinstance(ballots, dict) else None,
        "counting_committee": vote.counting_committee_names,
        "seats": data.get("seats"),
        "needed": data.get("needed"),
        "candidates": data.get("candidates"),
        "another_round": data.get("another_round"),
        "reason": data.get("reason"),
        "remaining_seats": data.get("remaining_seats"),
    }


def _vote(vote: Vote, shown: bool, previous: dict) -> dict:
    closed = vote.status == Vote.Status.CLOSED
    return {
        "code": vote.code,
        "question": vote.question if shown else None,
        "method": vote.method,
        "method_label": str(vote.get_method_display()),
        "status": vote.status,
        "status_label": str(vote.get_status_display()),
        "rule": vote.rule,
        "item": vote.item.code if vote.item_id else None,
        "seats": vote.seats,
        "round": vote.round,
        "previous_round": previous.get(vote.previous_round_id),
        "opened_at": vote.opened_at,
        "closed_at": vote.closed_at,
        "result": _result(vote) if closed and shown and vote.result else None,
    }


@router.get("/meetings/{code}/votes", response={200: VoteList, **OBJECT_ERRORS})
def meeting_votes(request, code: UUID):
    """The meeting's votes in order, every method; results only for closed votes."""
    meeting = get_meeting_for_user(request.auth, code)
    votes = list(vote_services.meeting_votes(meeting))
    manage = may_manage(request.auth, meeting)
    see = None
    previous = {vote.pk: vote.code for vote in votes}
    items = []
    for vote in votes:
        shown = True
        if vote.item_id and vote.item.confidential:
            if see is None:
                see = may_see_confidential(request.auth, meeting, manage=manage)
            shown = see
        items.append(_vote(vote, shown, previous))
    return {"items": items}
