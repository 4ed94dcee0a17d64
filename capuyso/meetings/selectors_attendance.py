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

Measured on the benchmark's commune (a cell of 150 members, a loaded machine): the roll's
query answers in ~1.5 ms, against ~20–60 ms for `attendance_summary`. Two ORM versions
came first: an `aggregate()` with a filtered Count per number (its rewriting of an
aggregate over annotations cost more than the whole summary), then the same query as
`values_list` (building it cost several times what the database took to answer): the
query is now plain SQL, written once per process from the models' table names.

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
import functools
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_date

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


@functools.cache
def _roll_sql(cell: bool) -> str:
    """The roll's query, written once per process (see `_roll`). The tables' names come
    from the models (the columns are Django's names for their fields); every value is a
    parameter."""
    q = connection.ops.quote_name
    member, attendance, invitation = (
        q(Member._meta.db_table),
        q(Attendance._meta.db_table),
        q(Invitation._meta.db_table),
    )
    exemption, transfer = q(Exemption._meta.db_table), q(Transfer._meta.db_table)
    active = ", ".join(["%s"] * len(Member.ACTIVE_STATUSES))
    if cell:
        summoned = (
            f"SELECT s.id FROM {member} s "  # noqa: S608 - table names from the models
            f"WHERE s.cell_id = %s AND s.status IN ({active}) AND s.admission_date <= %s"
        )
    else:
        summoned = (
            f"SELECT s.id FROM {member} s JOIN {invitation} i ON i.member_id = s.id "  # noqa: S608
            f"WHERE i.meeting_id = %s AND s.status IN ({active})"
        )
    return (
        "SELECT m.status, m.full_membership_date, m.cell_id, m.admission_date, "  # noqa: S608
        f"COALESCE((SELECT a.status FROM {attendance} a "
        "WHERE a.meeting_id = %s AND a.member_id = m.id), ''), "
        f"EXISTS(SELECT 1 FROM {exemption} e WHERE e.member_id = m.id "
        "AND e.starts_on <= %s AND (e.ends_on IS NULL OR e.ends_on >= %s)), "
        f"EXISTS(SELECT 1 FROM {transfer} t WHERE t.member_id = m.id AND t.kind = %s "
        "AND t.status IN (%s, %s) AND t.decision_date <= %s AND t.scope <> %s "
        "AND (t.until IS NULL OR t.until >= %s)) "
        f"FROM {member} m WHERE m.committee_id = %s AND m.id IN ("
        f"{summoned} UNION SELECT a.member_id FROM {attendance} a WHERE a.meeting_id = %s)"
    )


def _roll(meeting: Meeting, day: dt.date, cell) -> list[tuple]:
    """The roll in one query, a tuple per member: (status, full membership date, cell id,
    admission date, recorded status or '', an exemption in force on the day, temporarily
    attached elsewhere on the day).

    Written in SQL rather than through the ORM: on the meeting page, building the ORM's
    query (a UNION and three correlated subqueries) cost several times what the database
    takes to answer it. The roll's ids are a UNION — the summoned (through the cell's
    index, or the invitations) and the recorded — because an OR of the two would read
    every member of the committee; no ORDER BY, for the same reason."""
    when = connection.ops.adapt_datefield_value(day)
    summoned = (
        [cell.pk, *Member.ACTIVE_STATUSES, when]
        if cell is not None
        else [meeting.pk, *Member.ACTIVE_STATUSES]
    )
    params = [
        meeting.pk,
        when,
        when,
        Transfer.Kind.TEMPORARY,
        Transfer.Status.PENDING,
        Transfer.Status.COMPLETED,
        when,
        Transfer.Scope.EXTERNAL_IN,
        when,
        meeting.committee_id,
        *summoned,
        meeting.pk,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_roll_sql(cell is not None), params)
        rows = cursor.fetchall()
    # SQLite gives dates as text and booleans as 0/1.
    return [
        (status, _date(full), cell_id, _date(admitted), rec, bool(exempt), bool(away))
        for status, full, cell_id, admitted, rec, exempt, away in rows
    ]


def _date(value) -> dt.date | None:
    return parse_date(value) if isinstance(value, str) else value


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
