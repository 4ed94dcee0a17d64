"""The attendance counts of a meeting in one aggregate query, for the meeting page and the
API: the numbers of `services.attendance.attendance_summary` without its roll of names.

`attendance_summary` builds the roll (a Member row per person), then asks the members
app's `quorum_counts` for the denominator: about eight queries and a model instance per
member, some 40 ms for a village cell of 150 members. The meeting page shows only the
counts, so this module reads the roll in one query as plain tuples: each member with what
is recorded, an exemption in force on the meeting day and a temporary transfer away (as
correlated EXISTS), their status, full membership date, cell and admission date; counting
those ~150 tuples in Python gives every number. Two queries (the roll, the quorum rule),
three for a party group meeting.

Measured on the benchmark's commune (a cell of 150 members): ~2 ms for the roll's query
against ~25 ms for `attendance_summary`. (An ORM `aggregate()` with a filtered Count per
number was tried first: the expression rewriting of an aggregate over annotations costs
more than the whole summary.)

The rules are those of `attendance_summary` (rules.md §2, §5):

- the roll: the cell's active members admitted by the meeting day (a committee meeting:
  its invitees with a member file), plus anyone recorded;
- a member exempt on file who is not recorded counts as exempt;
- the denominator: full members summoned (a committee meeting: on the roll), minus those
  temporarily attached elsewhere, minus exempt members who are absent; the vote base: those
  of them recorded present.

The exemption and transfer conditions mirror members.selectors_lifecycle
(`exempt_member_ids`, `away_member_ids`); tests/test_attendance_counts.py checks that both
ways give the same numbers on a roll with every case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from capuyso.meetings.models import Attendance, Invitation, Meeting, VoteRule
from capuyso.meetings.rules import Outcome, evaluate, vote_rule_on
from capuyso.meetings.services.attendance import (
    QUORUM_RULE,
    is_cell_meeting,
    meeting_day,
    roll_cell,
)
from capuyso.members.models import Exemption, Member, Transfer

Status = Attendance.Status

COUNTS = (
    "total",
    "present",
    "present_probationary",
    "exempt",
    "exempt_present",
    "absent",
    "absent_excused",
    "absent_unexcused",
    "unrecorded",
    "vote_base",
    "denominator",
)


@dataclass
class AttendanceCounts:
    """The counts of `AttendanceSummary` (same names, same meaning) and the quorum."""

    meeting: Meeting
    day: dt.date
    total: int = 0
    present: int = 0
    present_probationary: int = 0
    exempt: int = 0
    exempt_present: int = 0
    absent: int = 0
    absent_excused: int = 0
    absent_unexcused: int = 0
    unrecorded: int = 0
    vote_base: int = 0
    denominator: int = 0
    recorded: int = 0  # members with a tap recorded (not in AttendanceSummary)
    quorum: Outcome | None = None
    quorum_rule: VoteRule | None = None

    @property
    def complete(self) -> bool:
        return self.unrecorded == 0

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    def as_dict(self) -> dict[str, Any]:
        return {"meeting": str(self.meeting.code), "day": self.day.isoformat(), **self.counts()}


def _roll(meeting: Meeting, day: dt.date, cell) -> list[tuple]:
    """The roll in one query, a tuple per member: (status, full membership date, cell id,
    admission date, recorded status or '', an exemption in force on the day, temporarily
    attached elsewhere on the day)."""
    recorded = Attendance.objects.filter(meeting=meeting)
    if cell is not None:
        summoned = Member.objects.filter(
            cell_id=cell.pk, status__in=Member.ACTIVE_STATUSES, admission_date__lte=day
        )
    else:
        summoned = Member.objects.filter(
            pk__in=Invitation.objects.filter(meeting=meeting, member__isnull=False).values(
                "member_id"
            ),
            status__in=Member.ACTIVE_STATUSES,
        )
    exemption = Exemption.objects.filter(member_id=OuterRef("pk"), starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    away = (
        Transfer.objects.filter(
            member_id=OuterRef("pk"),
            kind=Transfer.Kind.TEMPORARY,
            status__in=(Transfer.Status.PENDING, Transfer.Status.COMPLETED),
            decision_date__lte=day,
        )
        .exclude(scope=Transfer.Scope.EXTERNAL_IN)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
    )
    # The roll's ids as a UNION: an OR of the two conditions reads every member of the
    # committee instead of the cell's (through its index) and the recorded ones.
    ids = summoned.values("pk").union(recorded.values("member_id"))
    rows = (
        Member.objects.filter(committee_id=meeting.committee_id, pk__in=ids)
        .annotate(
            rec=Coalesce(
                Subquery(recorded.filter(member_id=OuterRef("pk")).values("status")[:1]),
                Value(""),
            ),
            exemption=Exists(exemption),
            away=Exists(away),
        )
        .order_by()  # by primary key from the ids; a name order reads the whole committee
        .values_list(
            "status",
            "full_membership_date",
            "cell_id",
            "admission_date",
            "rec",
            "exemption",
            "away",
        )
    )
    return list(rows)


def attendance_counts(meeting: Meeting) -> AttendanceCounts:
    """The meeting's attendance counts, vote base, denominator and quorum (see the module's
    docstring): the roll in one query, counted here, and the quorum rule."""
    day = meeting_day(meeting)
    cell = roll_cell(meeting) if is_cell_meeting(meeting) else None
    counts = AttendanceCounts(meeting=meeting, day=day)
    active = set(Member.ACTIVE_STATUSES)
    for status, full_date, cell_id, admitted, rec, exemption, away in _roll(meeting, day, cell):
        probationary = status == Member.Status.PROBATIONARY or (
            full_date is not None and full_date > day
        )
        exempt_file = (exemption and not probationary) or status == Member.Status.EXEMPT
        present = rec == Status.PRESENT
        counts.total += 1
        counts.recorded += bool(rec)
        if present:
            counts.present += 1
            counts.present_probationary += probationary
            counts.exempt_present += exempt_file
        elif rec == Status.EXEMPT or (not rec and exempt_file):
            counts.exempt += 1
        elif rec == Status.ABSENT_EXCUSED:
            counts.absent_excused += 1
        elif rec == Status.ABSENT_UNEXCUSED:
            counts.absent_unexcused += 1
        else:
            counts.unrecorded += 1
        # The denominator (rules.md §2): full members summoned — for a committee meeting,
        # those on the roll — not temporarily away, and not exempt unless they came.
        summoned = cell is None or (
            cell_id == cell.pk and status in active and admitted is not None and admitted <= day
        )
        if summoned and not probationary and not away and (present or not exempt_file):
            counts.denominator += 1
            counts.vote_base += present
    counts.absent = counts.absent_excused + counts.absent_unexcused
    try:
        rule = vote_rule_on(meeting.committee_id, QUORUM_RULE, day)
    except VoteRule.DoesNotExist:
        rule = None
    if rule is not None:
        counts.quorum_rule = rule
        counts.quorum = evaluate(rule, votes=counts.vote_base, base=counts.denominator)
    return counts
