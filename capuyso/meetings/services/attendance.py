"""Attendance at a meeting: the roll, one tap per member, and the counts of rules.md §5.

The roll of a cell meeting is the cell's active members (probationary, full, exempt)
admitted by the meeting day, plus anyone already recorded. The roll of a committee meeting
is its invitees who have a member file. A member exempt from activities counts as exempt
until someone marks them present.

The vote base and the denominator follow rules.md §2 through the members app's
`quorum_counts`: full members summoned, minus those temporarily attached elsewhere, minus
exempt members who are absent; probationary members present do not vote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.meetings.access import is_recorded_present, may_manage
from capuyso.meetings.models import Attendance, Invitation, Meeting, VoteRule
from capuyso.meetings.rules import Outcome, evaluate, vote_rule_on
from capuyso.meetings.services.meetings import check_not_held
from capuyso.members.models import Member
from capuyso.members.selectors_lifecycle import (
    away_member_ids,
    exempt_member_ids,
    quorum_counts,
)
from capuyso.org.models import Unit

Status = Attendance.Status
ABSENT = (Status.ABSENT_EXCUSED, Status.ABSENT_UNEXCUSED)
QUORUM_RULE = "quorum"


def meeting_day(meeting: Meeting) -> dt.date:
    return timezone.localdate(meeting.starts_at)


def is_cell_meeting(meeting: Meeting) -> bool:
    return meeting.kind in Meeting.CELL_KINDS and meeting.unit_id is not None


def roll_cell(meeting: Meeting):
    """The unit whose members are summoned to a cell meeting: the cell, or a party group
    with members on file (else its cell, where the group's members are filed)."""
    unit = meeting.unit
    if unit.kind == Unit.Kind.PARTY_GROUP and unit.parent_id:
        has_members = Member.objects.filter(
            cell_id=unit.pk, status__in=Member.ACTIVE_STATUSES
        ).exists()
        if not has_members:
            return unit.parent
    return unit


# --- The roll ---------------------------------------------------------------------------


def roll_members(meeting: Meeting) -> QuerySet[Member]:
    """The members on the meeting's roll, by name (one query when evaluated)."""
    day = meeting_day(meeting)
    recorded = Q(pk__in=Attendance.objects.filter(meeting=meeting).values("member_id"))
    if is_cell_meeting(meeting):
        summoned = Q(
            cell_id=roll_cell(meeting).pk,
            status__in=Member.ACTIVE_STATUSES,
            admission_date__lte=day,
        )
    else:
        summoned = Q(
            pk__in=Invitation.objects.filter(meeting=meeting, member__isnull=False).values(
                "member_id"
            ),
            status__in=Member.ACTIVE_STATUSES,
        )
    return (
        Member.objects.filter(committee_id=meeting.committee_id)
        .filter(summoned | recorded)
        .only(
            "pk",
            "code",
            "full_name",
            "full_name_folded",
            "status",
            "full_membership_date",
            "cell_id",
            "committee_id",
        )
        .order_by("full_name_folded", "pk")
    )


@dataclass
class RollRow:
    """One member of the roll: the recorded status (None before anyone taps) and what
    counts (`status`: an exempt member not recorded counts as exempt)."""

    member: Member
    recorded: str | None
    reason: str
    probationary: bool
    exempt_file: bool  # exempt from activities on the meeting day (file status or exemption)
    may_vote: bool = False  # full member present who counts in the vote base

    @property
    def status(self) -> str | None:
        if self.recorded:
            return self.recorded
        return Status.EXEMPT if self.exempt_file else None

    @property
    def status_label(self) -> str:
        status = self.status
        return Status(status).label if status else _("Not recorded")

    @property
    def allowed(self) -> list[tuple[str, str]]:
        """The taps offered for this member (exempt only for members exempt on file)."""
        return [(value, label) for value, label in Status.choices if self._allows(value)]

    def _allows(self, value: str) -> bool:
        return value != Status.EXEMPT or self.exempt_file


@dataclass
class AttendanceSummary:
    """The attendance of one meeting, as `attendance_summary` returns it.

    Counts (ints): `total` members on the roll = `present` + `exempt` + `absent` +
    `unrecorded`; `absent` = `absent_excused` + `absent_unexcused`; `present_probationary`
    (present, do not vote); `exempt_present` (exempt members who came anyway, counted in
    `present`); `vote_base` (full members present who may vote: the votes a motion of the
    meeting can count on); `denominator` (full members who count: summoned, minus those
    temporarily attached elsewhere, minus exempt members who are absent — rules.md §2).

    `quorum` is the `rules.Outcome` of the committee's "quorum" VoteRule in force on the
    meeting day with votes=`vote_base` and base=`denominator` (`.passed`, `.needed`,
    `.arithmetic` e.g. "5/7 ≥ 2/3 (needs 5)"), or None when no such rule exists;
    `quorum_rule` is that VoteRule (or None).

    `rows` is the roll: a list of `RollRow` (member, recorded, status, reason,
    probationary, exempt_file, may_vote) by name. `names` maps each Attendance.Status value
    to the names with that status (exempt members not recorded are under "exempt");
    `reasons` lists (name, reason) of the members absent with a reason.
    `voter_ids` is the set of Member ids in the vote base (see `eligible_voters`).
    `as_dict()` gives the same as plain JSON-ready data.
    """

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
    quorum: Outcome | None = None
    quorum_rule: VoteRule | None = None
    rows: list[RollRow] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)
    reasons: list[tuple[str, str]] = field(default_factory=list)
    voter_ids: set[int] = field(default_factory=set)

    @property
    def complete(self) -> bool:
        return self.unrecorded == 0

    def as_dict(self) -> dict[str, Any]:
        quorum = None
        if self.quorum is not None:
            quorum = {
                "passed": self.quorum.passed,
                "votes": self.quorum.votes,
                "base": self.quorum.base,
                "needed": self.quorum.needed,
                "fraction": self.quorum.fraction,
                "strict": self.quorum.strict,
                "arithmetic": self.quorum.arithmetic,
            }
        return {
            "meeting": str(self.meeting.code),
            "day": self.day.isoformat(),
            "total": self.total,
            "present": self.present,
            "present_probationary": self.present_probationary,
            "exempt": self.exempt,
            "exempt_present": self.exempt_present,
            "absent": self.absent,
            "absent_excused": self.absent_excused,
            "absent_unexcused": self.absent_unexcused,
            "unrecorded": self.unrecorded,
            "vote_base": self.vote_base,
            "denominator": self.denominator,
            "quorum": quorum,
            "names": self.names,
            "reasons": [list(pair) for pair in self.reasons],
        }


def _probationary(member: Member, day: dt.date) -> bool:
    return member.status == Member.Status.PROBATIONARY or (
        member.full_membership_date is not None and member.full_membership_date > day
    )


def attendance_roll(meeting: Meeting) -> list[RollRow]:
    """The roll with what is recorded, without the counts (three or four queries)."""
    return _roll(meeting)[0]


def _roll(meeting: Meeting) -> tuple[list[RollRow], dt.date]:
    day = meeting_day(meeting)
    members = list(roll_members(meeting))
    recorded = {
        member_id: (status, reason)
        for member_id, status, reason in Attendance.objects.filter(meeting=meeting).values_list(
            "member_id", "status", "reason"
        )
    }
    full_ids = [m.pk for m in members if not _probationary(m, day)]
    exempt = exempt_member_ids(full_ids, day) if full_ids else set()
    exempt |= {m.pk for m in members if m.status == Member.Status.EXEMPT}
    rows = []
    for member in members:
        status, reason = recorded.get(member.pk, (None, ""))
        rows.append(
            RollRow(
                member=member,
                recorded=status,
                reason=reason,
                probationary=_probationary(member, day),
                exempt_file=member.pk in exempt,
            )
        )
    return rows, day


def _voters(meeting: Meeting, rows: list[RollRow], day: dt.date) -> tuple[set[int], int]:
    """(ids of the members in the vote base, the denominator)."""
    present = {row.member.pk for row in rows if row.status == Status.PRESENT}
    exempt_present = {row.member.pk for row in rows if row.exempt_file} & present
    exempt_file = {row.member.pk for row in rows if row.exempt_file}
    if is_cell_meeting(meeting):
        counts = quorum_counts(roll_cell(meeting), day, exempt_present=exempt_present)
        eligible = set(counts.member_ids["eligible"])
        # quorum_counts takes a file marked exempt without an exemption record as exempt
        # only for today's counts; the meeting's roll takes it on any day.
        eligible -= exempt_file - exempt_present
    else:
        full = {row.member.pk for row in rows if not row.probationary}
        away = away_member_ids(full, day) if full else set()
        eligible = full - away - (exempt_file - exempt_present)
    return present & eligible, len(eligible)


def attendance_summary(meeting: Meeting) -> AttendanceSummary:
    """Counts of the meeting's attendance, the vote base and the quorum (see
    `AttendanceSummary` for the shape). About seven queries."""
    rows, day = _roll(meeting)
    summary = AttendanceSummary(meeting=meeting, day=day, rows=rows)
    summary.names = {value: [] for value in Status.values}
    for row in rows:
        status = row.status
        summary.total += 1
        if status is None:
            summary.unrecorded += 1
            continue
        summary.names[status].append(row.member.full_name)
        if status == Status.PRESENT:
            summary.present += 1
            summary.present_probationary += row.probationary
            summary.exempt_present += row.exempt_file
        elif status == Status.EXEMPT:
            summary.exempt += 1
        elif status == Status.ABSENT_EXCUSED:
            summary.absent_excused += 1
            summary.reasons.append((row.member.full_name, row.reason))
        else:
            summary.absent_unexcused += 1
    summary.absent = summary.absent_excused + summary.absent_unexcused
    voter_ids, summary.denominator = _voters(meeting, rows, day)
    summary.voter_ids = voter_ids
    summary.vote_base = len(voter_ids)
    for row in rows:
        row.may_vote = row.member.pk in voter_ids
    try:
        rule = vote_rule_on(meeting.committee_id, QUORUM_RULE, day)
    except VoteRule.DoesNotExist:
        rule = None
    if rule is not None:
        summary.quorum_rule = rule
        summary.quorum = evaluate(rule, votes=summary.vote_base, base=summary.denominator)
    return summary


def eligible_voters(meeting: Meeting) -> QuerySet[Member]:
    """The members who may vote at the meeting, by name: recorded present, full members
    (not probationary), counted in the denominator (not temporarily attached elsewhere).
    This is the roll secret ballots use; `select_related("user")` gives their accounts."""
    rows, day = _roll(meeting)
    voter_ids, _denominator = _voters(meeting, rows, day)
    return Member.objects.filter(pk__in=voter_ids).order_by("full_name_folded", "pk")


def attendance_of(meeting: Meeting, member: Member) -> Attendance | None:
    return Attendance.objects.filter(meeting=meeting, member=member).first()


def is_present(user, meeting: Meeting) -> bool:
    """Is the user's member file recorded present at the meeting? (access.py's rule.)"""
    return is_recorded_present(user, meeting)


# --- Recording --------------------------------------------------------------------------


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("unit").get(pk=meeting.pk)


def _check_status(status: str) -> None:
    if status not in Status.values:
        raise ValidationError(
            {"status": ValidationError(_("Choose present, absent or exempt."), code="invalid")}
        )


def _write(
    *, actor, meeting: Meeting, row: RollRow, status: str, reason: str
) -> tuple[Attendance, list[str] | None]:
    """Record one member's status; last write wins. Returns the row and [old, new] (None
    when nothing changed)."""
    _check_status(status)
    if status == Status.EXEMPT and not row.exempt_file:
        raise ValidationError(
            {
                "status": ValidationError(
                    _("%(name)s is not exempt from activities; mark them present or absent.")
                    % {"name": row.member.full_name},
                    code="not_exempt",
                )
            }
        )
    reason = " ".join((reason or "").split())[:255] if status in ABSENT else ""
    if status == Status.ABSENT_EXCUSED and not reason:
        reason = (
            Invitation.objects.filter(
                meeting=meeting, member=row.member, response=Invitation.Response.ABSENT
            )
            .values_list("reason", flat=True)
            .first()
            or ""
        )
    values = {"status": status, "reason": reason, "recorded_by": actor}
    try:
        with transaction.atomic():
            attendance, created = Attendance.objects.update_or_create(
                meeting=meeting, member=row.member, defaults=values
            )
    except IntegrityError:
        # Another phone inserted the row between our read and our insert: update theirs.
        attendance = Attendance.objects.select_for_update().get(meeting=meeting, member=row.member)
        for name, value in values.items():
            setattr(attendance, name, value)
        attendance.save(update_fields=["status", "reason", "recorded_by", "updated_at"])
    old = row.recorded or ""
    if (old, row.reason) == (status, reason):
        return attendance, None
    row.recorded, row.reason = status, reason
    return attendance, [old, status]


def _find(rows: list[RollRow], member: Member) -> RollRow:
    for row in rows:
        if row.member.pk == member.pk:
            return row
    raise ValidationError(
        {
            "member": ValidationError(
                _("%(name)s is not on this meeting's roll.") % {"name": member.full_name},
                code="not_on_roll",
            )
        }
    )


@transaction.atomic
def attendance_mark(
    *, actor, meeting: Meeting, member: Member, status: str, reason: str = ""
) -> Attendance:
    """Record one member present, absent (with or without a reason) or exempt. Tapping
    twice is harmless; two phones tapping the same member keep the last tap."""
    locked = _locked(meeting)
    if not may_manage(actor, locked):
        raise PermissionDenied
    check_not_held(locked)
    rows, _day = _roll(locked)
    row = _find(rows, member)
    attendance, change = _write(actor=actor, meeting=locked, row=row, status=status, reason=reason)
    if change is not None:
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            obj=locked,
            changes={"attendance": {row.member.full_name: change}},
        )
    return attendance


@transaction.atomic
def attendance_mark_many(
    *, actor, meeting: Meeting, marks: dict[int, tuple[str, str]]
) -> list[Attendance]:
    """Record the whole roll at once (the page without JavaScript): `marks` maps member id
    to (status, reason); members left out or with an empty status are left as they are.
    Nothing is written if one mark is refused."""
    locked = _locked(meeting)
    if not may_manage(actor, locked):
        raise PermissionDenied
    check_not_held(locked)
    rows, _day = _roll(locked)
    by_id = {row.member.pk: row for row in rows}
    unknown = set(marks) - set(by_id)
    if unknown:
        raise ValidationError(
            {
                "member": ValidationError(
                    _("Someone on the list is not on this meeting's roll; open the page again."),
                    code="not_on_roll",
                )
            }
        )
    saved, changes = [], {}
    for member_id, (status, reason) in marks.items():
        if not status:
            continue
        row = by_id[member_id]
        attendance, change = _write(
            actor=actor, meeting=locked, row=row, status=status, reason=reason
        )
        saved.append(attendance)
        if change is not None:
            changes[row.member.full_name] = change
    if changes:
        audit_record(actor=actor, verb=Verb.UPDATE, obj=locked, changes={"attendance": changes})
    return saved
