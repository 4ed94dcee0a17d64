"""Reads for the member life cycle: probation and recognition deadlines, the recognition
list, transfers, and the vote denominator (quorum counts) of a cell.

Every deadline comes from the effective-dated `MembershipRules` and the working-day
calendar (`org.workdays`), never from constants.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import COMMITTEE_WIDE_ROLES, Action
from capuyso.members.models import Exemption, Member, MemberRevision, MembershipRules, Transfer
from capuyso.members.selectors import members_for_user
from capuyso.org.selectors import path_filter
from capuyso.org.workdays import WorkCalendar

# The key a failed recognition vote leaves in its revision's `changes` (see lifecycle.py).
VOTE_FAILED_KEY = "recognition_vote_failed"
# After this many failed votes the cell refers the case to the committee (rules.md §2).
MAX_RECOGNITION_VOTES = 3


def _today() -> dt.date:
    return timezone.localdate()


# --- Rules and dates --------------------------------------------------------------------


class RulesBook:
    """The membership rules of one committee on any day, loaded once (one query); answers
    like `rules.rules_on` (the latest row in force; the committee's row wins a tie)."""

    def __init__(self, committee):
        committee_id = getattr(committee, "pk", committee)
        rows = MembershipRules.objects.filter(
            Q(committee_id=committee_id) | Q(committee__isnull=True)
        ).order_by("-effective_from", F("committee_id").asc(nulls_last=True))
        self.rows = list(rows)

    def on(self, day: dt.date) -> MembershipRules:
        for row in self.rows:
            if row.effective_from <= day:
                return row
        raise MembershipRules.DoesNotExist("No membership rules are in force on this date.")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the month lacks becomes its last day (a period
    in months ends on the corresponding day, Civil Code art. 147): 29/02/2024 + 12 → 28/02/2025."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def calendar_between(committee, first: dt.date, last: dt.date) -> WorkCalendar:
    """The working-day calendar covering `first`..`last` plus the year after (deadlines run
    past the last date)."""
    return WorkCalendar(committee, first_year=first.year, last_year=last.year + 1)


@dataclass(frozen=True)
class Probation:
    starts_on: dt.date
    from_admission: bool  # no ceremony date: counted from the admission decision (flagged)
    approximate: bool  # the starting date is known only to the month or year
    ends_on: dt.date  # the end of probation = the full-membership date once recognised
    deadline: dt.date  # the cell must consider recognition by this day (working days)


def probation_for(
    member: Member, *, book: RulesBook | None = None, work: WorkCalendar | None = None
) -> Probation:
    """Probation ends `probation_months` after the admission ceremony (the admission date
    when no ceremony date is recorded, flagged); recognition must be considered within
    `recognition_working_days` working days after that."""
    book = book or RulesBook(member.committee_id)
    from_admission = member.ceremony_date is None
    starts_on = member.admission_date if from_admission else member.ceremony_date
    approximate = from_admission and member.admission_date_precision != "day"
    ends_on = add_months(starts_on, book.on(starts_on).probation_months)
    rules = book.on(ends_on)
    if work is None:
        work = calendar_between(member.committee_id, ends_on, ends_on)
    deadline = work.add_working_days(ends_on, rules.recognition_working_days)
    return Probation(starts_on, from_admission, approximate, ends_on, deadline)


def transfer_deadline(committee, decision_date: dt.date, *, book: RulesBook | None = None):
    """The day by which a transfer must be received: `transfer_working_days` working days
    after the decision."""
    book = book or RulesBook(committee)
    days = book.on(decision_date).transfer_working_days
    work = calendar_between(committee, decision_date, decision_date)
    return work.add_working_days(decision_date, days)


def failed_votes(member: Member) -> list[MemberRevision]:
    return list(
        MemberRevision.objects.filter(member=member, changes__has_key=VOTE_FAILED_KEY).order_by(
            "effective_on", "pk"
        )
    )


# --- The recognition list ---------------------------------------------------------------


class RecognitionState:
    UPCOMING = "upcoming"  # probation ends within the notice period
    DUE = "due"  # probation has ended; within the working-day deadline
    OVERDUE = "overdue"  # the deadline has passed without a recognition


@dataclass
class RecognitionItem:
    member: Member
    probation: Probation
    state: str
    failed_votes: int = 0

    @property
    def refer_upward(self) -> bool:
        return self.failed_votes >= MAX_RECOGNITION_VOTES


def recognition_items(
    members: Iterable[Member], *, committee, today: dt.date, include_later: bool = False
) -> list[RecognitionItem]:
    """Probationary members with their probation dates and state; those whose probation
    ends beyond the notice period are left out unless `include_later`."""
    members = list(members)
    if not members:
        return []
    book = RulesBook(committee)
    starts = [m.ceremony_date or m.admission_date for m in members]
    work = calendar_between(committee, min(starts), max(max(starts), today))
    notice = book.on(today).recognition_notice_days
    votes = dict(
        MemberRevision.objects.filter(
            member__in=[m.pk for m in members], changes__has_key=VOTE_FAILED_KEY
        )
        .values_list("member")
        .annotate(n=Count("pk"))
    )
    items = []
    for member in members:
        probation = probation_for(member, book=book, work=work)
        if today > probation.deadline:
            state = RecognitionState.OVERDUE
        elif today >= probation.ends_on:
            state = RecognitionState.DUE
        elif (probation.ends_on - today).days <= notice or include_later:
            state = RecognitionState.UPCOMING
        else:
            continue
        items.append(RecognitionItem(member, probation, state, votes.get(member.pk, 0)))
    order = {RecognitionState.OVERDUE: 0, RecognitionState.DUE: 1, RecognitionState.UPCOMING: 2}
    items.sort(key=lambda i: (order[i.state], i.probation.ends_on, i.member.full_name_folded))
    return items


def recognitions_for_user(
    user, *, cell=None, today: dt.date | None = None, include_later: bool = False
) -> list[RecognitionItem]:
    """Upcoming, due and overdue recognitions among the members the user may open."""
    access = access_for(user)
    if access.committee_id is None:
        return []
    members = members_for_user(user, action=Action.MEMBERS_VIEW_FILE, cell=cell).filter(
        status=Member.Status.PROBATIONARY
    )
    return recognition_items(
        members,
        committee=access.committee_id,
        today=today or _today(),
        include_later=include_later,
    )


# --- Quorum (vote denominator) ----------------------------------------------------------


@dataclass
class QuorumCounts:
    """The vote denominator of a cell on a day (rules.md §2): full members summoned, minus
    those temporarily attached elsewhere, minus exempt members who are absent, minus
    suspended or detained members (not modelled yet: always 0)."""

    day: dt.date
    total: int  # active members: probationary + full (exempt included)
    probationary: int
    full: int  # full members, exempt ones included
    exempt: int  # full members exempt from activities on the day
    temporarily_away: int  # full members temporarily attached elsewhere on the day
    exempt_present: int = 0
    suspended: int = 0
    eligible: int = 0  # full members who count in the denominator
    member_ids: dict[str, set[int]] = field(default_factory=dict, repr=False)

    @property
    def two_thirds(self) -> int:
        """Votes needed for a decision taken by 2/3 of the denominator."""
        return math.ceil(self.eligible * 2 / 3)

    @property
    def majority(self) -> int:
        """Votes needed for more than half of the denominator."""
        return self.eligible // 2 + 1 if self.eligible else 0


def away_member_ids(member_ids: Collection[int], day: dt.date) -> set[int]:
    """Members temporarily attached elsewhere on `day` (a temporary transfer decided and
    not yet over, waiting or received)."""
    return set(
        Transfer.objects.filter(
            member_id__in=list(member_ids),
            kind=Transfer.Kind.TEMPORARY,
            status__in=(Transfer.Status.PENDING, Transfer.Status.COMPLETED),
            decision_date__lte=day,
        )
        .exclude(scope=Transfer.Scope.EXTERNAL_IN)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .values_list("member_id", flat=True)
    )


def exempt_member_ids(member_ids: Collection[int], day: dt.date) -> set[int]:
    return set(
        Exemption.objects.filter(member_id__in=list(member_ids), starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .values_list("member_id", flat=True)
    )


def quorum_counts(
    cell, day: dt.date | None = None, *, exempt_present: Collection[int] = ()
) -> QuorumCounts:
    """Counts for a meeting of `cell` on `day` (today by default).

    The cell's membership is the current one (active records of the cell admitted by
    `day`); probation, exemptions and temporary absences are taken as they stood on `day`.
    Exempt members are counted absent (a count before the meeting) unless their ids are
    in `exempt_present`. Suspension and detention are not recorded yet, so `suspended`
    is always 0. Three queries."""
    day = day or _today()
    rows = Member.objects.filter(
        cell_id=cell.pk, status__in=Member.ACTIVE_STATUSES, admission_date__lte=day
    ).values_list("pk", "status", "full_membership_date")
    probationary, full, exempt_now = set(), set(), set()
    for pk, status, full_date in rows:
        if status == Member.Status.PROBATIONARY or (full_date is not None and full_date > day):
            probationary.add(pk)
        else:
            full.add(pk)
            if status == Member.Status.EXEMPT:
                exempt_now.add(pk)
    everyone = probationary | full
    away = away_member_ids(everyone, day) & full if everyone else set()
    exempt = exempt_member_ids(full, day) if full else set()
    if day == _today():
        exempt |= exempt_now  # a file imported as exempt, with no exemption recorded
    present = set(exempt_present) & exempt
    eligible = full - away - (exempt - present)
    return QuorumCounts(
        day=day,
        total=len(everyone),
        probationary=len(probationary),
        full=len(full),
        exempt=len(exempt),
        temporarily_away=len(away),
        exempt_present=len(present - away),
        eligible=len(eligible),
        member_ids={"eligible": eligible, "exempt": exempt, "away": away},
    )


# --- Transfers --------------------------------------------------------------------------


def may_manage_committee(user, committee_id: int) -> bool:
    """Committee-wide MEMBERS_MANAGE in `committee_id` (cross-committee transfers)."""
    access = access_for(user)
    return access.committee_id == committee_id and access.committee_wide(Action.MEMBERS_MANAGE)


def transfers_for_user(user) -> QuerySet[Transfer]:
    """Transfers the user may follow: committee-wide managers see every transfer from or to
    their committee; a cell's managers see those from or to their cells."""
    access = access_for(user)
    if access.committee_id is None:
        return Transfer.objects.none()
    cid = access.committee_id
    if access.committee_wide(Action.MEMBERS_MANAGE):
        visible = Q(from_committee_id=cid) | Q(to_committee_id=cid)
    else:
        paths = access.unit_paths(Action.MEMBERS_MANAGE)
        if not paths:
            return Transfer.objects.none()
        visible = (Q(from_committee_id=cid) & path_filter(paths, "from_cell__path")) | (
            Q(to_committee_id=cid) & path_filter(paths, "to_cell__path")
        )
    return Transfer.objects.filter(visible).select_related(
        "member", "from_committee", "to_committee", "from_cell", "to_cell"
    )


def get_transfer_for_user(user, code) -> Transfer:
    """The one door to a transfer: 404 for anyone outside the two committees (and for the
    receiving committee's people without the right), 403 without the right at home."""
    access = access_for(user)
    cid = access.committee_id
    try:
        transfer = Transfer.objects.select_related(
            "member", "member__cell", "from_committee", "to_committee", "from_cell", "to_cell"
        ).get(Q(from_committee_id=cid) | Q(to_committee_id=cid), code=code)
    except (Transfer.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not transfers_for_user(user).filter(pk=transfer.pk).exists():
        if transfer.from_committee_id != cid:
            raise Http404
        raise PermissionDenied
    return transfer


def is_overdue(transfer: Transfer, today: dt.date | None = None) -> bool:
    """Pending past its deadline: the member left and no receipt came back."""
    return transfer.status == Transfer.Status.PENDING and (today or _today()) > transfer.deadline


def member_transfers(member: Member) -> QuerySet[Transfer]:
    return member.transfers.select_related("to_committee", "from_cell", "to_cell")


def pending_transfer(member: Member) -> Transfer | None:
    return member.transfers.filter(status=Transfer.Status.PENDING).first()


def platform_committees(committee) -> QuerySet:
    """Other active committees a member can be transferred to on the platform."""
    from capuyso.org.models import Committee

    return Committee.objects.filter(is_active=True).exclude(pk=committee.pk).order_by("name")


def transfer_target_cells(user) -> QuerySet:
    """Cells of the user's committee where they may manage members (to move or receive)."""
    from capuyso.org.models import Unit
    from capuyso.org.selectors import units_for_user

    return units_for_user(user, Action.MEMBERS_MANAGE).filter(
        kind__in=(Unit.Kind.CELL, Unit.Kind.PARTY_GROUP), dissolved_on__isnull=True
    )


# --- Who to notify ----------------------------------------------------------------------


def _holders(committee_id: int, roles: Collection[str], *, unit_ids=None):
    from capuyso.accounts.models import User
    from capuyso.org.models import Position

    today = _today()
    positions = Position.objects.filter(
        committee_id=committee_id, role__in=list(roles), start_date__lte=today
    ).exclude(end_date__lt=today)
    if unit_ids is not None:
        positions = positions.filter(unit_id__in=list(unit_ids))
    return User.objects.filter(is_active=True, positions__in=positions).distinct()


def _roles_with(action: str) -> set[str]:
    from capuyso.accounts.models import RolePermission

    return set(RolePermission.objects.filter(action=action).values_list("role", flat=True))


def committee_member_managers(committee_id: int):
    """People who manage members committee-wide (Ban Xây dựng Đảng, secretaries)."""
    roles = _roles_with(Action.MEMBERS_MANAGE) & set(COMMITTEE_WIDE_ROLES)
    return _holders(committee_id, roles)


def cell_member_managers(cell):
    """The cell's own managers of members (the cell secretary), on the cell or above it."""
    roles = _roles_with(Action.MEMBERS_MANAGE) - set(COMMITTEE_WIDE_ROLES)
    ancestors = [int(pk) for pk in cell.path.strip("/").split("/") if pk]
    return _holders(cell.committee_id, roles, unit_ids=ancestors)


# --- Exemptions -------------------------------------------------------------------------


def get_exemption_for_user(user, code) -> Exemption:
    """An exemption through its member's door: 404 outside the committee, 403 without the
    right to open the file."""
    from capuyso.members.selectors import get_member_for_user

    access = access_for(user)
    try:
        exemption = Exemption.objects.select_related("member").get(
            code=code, member__committee_id=access.committee_id
        )
    except (Exemption.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    exemption.member = get_member_for_user(user, exemption.member.code)
    return exemption


def current_exemption(member: Member, day: dt.date | None = None) -> Exemption | None:
    day = day or _today()
    return (
        member.exemptions.filter(starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .first()
    )


def current_away(member: Member, day: dt.date | None = None) -> Transfer | None:
    """The temporary transfer the member is away on today, if any."""
    day = day or _today()
    return (
        member.transfers.filter(
            kind=Transfer.Kind.TEMPORARY,
            status__in=(Transfer.Status.PENDING, Transfer.Status.COMPLETED),
            decision_date__lte=day,
        )
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .select_related("to_committee", "to_cell")
        .first()
    )
