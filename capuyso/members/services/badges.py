"""Party badges (Huy hiệu Đảng): who is a candidate on an award date, and recording awards.

For an award date D (one of the rules' `badge_award_days`, in the rules in force on D) and
the award date before it, P, a committee's lists are:

- **regular**: active members (probationary, full, exempt) whose party age reaches a
  milestone in (P, D] — a milestone reached on P itself belonged to P's list, one reached
  the day after P belongs to D's;
- **early_illness**: active members whose milestone falls in (D, D + N months], N being
  `early_award_months_lower` for milestones up to `early_award_split_years` and
  `early_award_months_upper` above; they may be proposed early if seriously ill;
- **posthumous**: members who died in (P, D] and reached a milestone after P, or would have
  reached it at most `posthumous_early_months` months after their death;
- **check**: members whose admission date is known to the month or year only and whose
  possible milestone days straddle the regular (or, for the deceased, the posthumous)
  window: a person checks the date (nothing is invented). Possible days lying wholly inside
  a window keep the member in that list, flagged uncertain (a month-precision date often
  does); possible days straddling only the early-award window list nobody (they come up
  for checking with the award date they may fall on).

A member already awarded a milestone (BadgeAward) is never listed for it again. Struck
off, expelled and transferred-out members are never listed. Statuses are the current ones.

Rules come from `MembershipRules` in force on D per committee, so a committee's own row
(for example one adding a milestone from 2026 on) changes its lists from that date.

Speed (the issue's target: a city of 400,000 members under 2 s, see bench/members_badges.py):
the database filters each milestone's admission-date range (index member_committee_admitted),
including the first-of-month/first-of-January dates that imprecise dates are stored as, and
leaves out members already awarded that milestone; members with recorded gaps (few) are
loaded apart, with their gaps, and computed exactly. Python then places each row exactly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record
from capuyso.core.text import fold
from capuyso.members.models import BadgeAward, DatePrecision, Gap, Member, MembershipRules
from capuyso.members.party_age import (
    PartyAge,
    Span,
    add_months,
    add_years,
    age_from,
    gap_spans,
    latest_possible,
    milestone_from,
    next_milestone,
    party_age,
)
from capuyso.members.rules import award_dates
from capuyso.members.services.file import display_date
from capuyso.org.selectors import path_filter

REGULAR = BadgeAward.Kind.REGULAR
EARLY_ILLNESS = BadgeAward.Kind.EARLY_ILLNESS
POSTHUMOUS = BadgeAward.Kind.POSTHUMOUS
LISTED_STATUSES = (*Member.ACTIVE_STATUSES, Member.Status.DECEASED)
IMPRECISE = (DatePrecision.MONTH, DatePrecision.YEAR)

# The columns read for every candidate row (values_list, no model instances).
ROW_FIELDS = (
    "pk",
    "code",
    "full_name",
    "full_name_folded",
    "date_of_birth",
    "committee_id",
    "cell_id",
    "cell__name",
    "cell__sort_order",
    "admission_date",
    "admission_date_precision",
    "status",
    "closed_on",
    "status_since",
)
(
    PK,
    CODE,
    NAME,
    FOLDED,
    BIRTH,
    COMMITTEE,
    CELL,
    CELL_NAME,
    CELL_ORDER,
    ADMISSION,
    PRECISION,
    STATUS,
    CLOSED_ON,
    STATUS_SINCE,
) = range(len(ROW_FIELDS))


# --- Award dates and the rules in force -------------------------------------------------


def _rules_rows(committee_ids) -> list[MembershipRules]:
    """Every rules row of these committees and of the platform, newest first; on the same
    date a committee's own row comes before the platform's."""
    rows = MembershipRules.objects.filter(
        Q(committee_id__in=list(committee_ids)) | Q(committee__isnull=True)
    )
    return sorted(rows, key=lambda r: (r.effective_from, r.committee_id is not None), reverse=True)


def _in_force(rows: list[MembershipRules], committee_id: int, day: dt.date) -> MembershipRules:
    for row in rows:
        if row.effective_from <= day and row.committee_id in (committee_id, None):
            return row
    raise MembershipRules.DoesNotExist("No membership rules are in force on this date.")


def rules_by_committee(committee_ids, day: dt.date) -> dict[int, MembershipRules]:
    """The rules row in force on `day` for each committee, in one query (the same choice as
    rules.rules_on: the latest row by then; on the same date the committee's own wins)."""
    ids = list(committee_ids)
    rows = _rules_rows(ids)
    return {committee_id: _in_force(rows, committee_id, day) for committee_id in ids}


def is_award_date(rules: MembershipRules, day: dt.date) -> bool:
    return day in award_dates(rules, day.year)


def previous_award_date(rules: MembershipRules, day: dt.date) -> dt.date:
    """The award date before `day` under the same rules (last year's when `day` is the first
    of its year)."""
    earlier = [
        d for d in award_dates(rules, day.year - 1) + award_dates(rules, day.year) if d < day
    ]
    return max(earlier)


def award_dates_in_year(committee, year: int) -> list[dt.date]:
    """The award dates of `year` for the committee: each configured day that is an award day
    under the rules in force on it (rules can change during the year). One query."""
    rows = _rules_rows([committee.pk])
    days: set[dt.date] = set()
    for row in rows:
        days.update(award_dates(row, year))
    return sorted(d for d in days if is_award_date(_in_force(rows, committee.pk, d), d))


def next_award_date(committee, today: dt.date | None = None) -> dt.date:
    """The first award date on or after today."""
    today = today or timezone.localdate()
    for year in (today.year, today.year + 1):
        for day in award_dates_in_year(committee, year):
            if day >= today:
                return day
    raise MembershipRules.DoesNotExist("No award day is configured.")


# --- Candidates --------------------------------------------------------------------------


@dataclass(slots=True)  # not frozen: a city builds ~30,000 of them, frozen ones cost more
class Candidate:
    member_id: int
    code: uuid.UUID
    full_name: str
    sort_name: str
    date_of_birth: dt.date
    committee_id: int
    cell_id: int
    cell_name: str
    cell_order: int
    admission_date: dt.date
    admission_precision: str
    milestone: int
    reaches_on: dt.date  # the earliest possible day the milestone is reached
    reaches_until: dt.date  # the latest possible (the same day for a precise date)
    kind: str  # the list it belongs to: regular, early_illness, posthumous
    party_age: PartyAge  # on the award date; for a deceased member on the day of death
    died_on: dt.date | None = None

    @property
    def uncertain(self) -> bool:
        return self.admission_precision != DatePrecision.DAY

    @property
    def admission_display(self) -> str:
        return display_date(self.admission_date, self.admission_precision)

    @property
    def reaches_display(self) -> str:
        """The milestone day, or the span of days it may fall on (imprecise dates)."""
        if self.reaches_on == self.reaches_until:
            return f"{self.reaches_on:%d/%m/%Y}"
        return f"{self.reaches_on:%d/%m/%Y} – {self.reaches_until:%d/%m/%Y}"

    @property
    def kind_label(self) -> str:
        return BadgeAward.Kind(self.kind).label

    @property
    def key(self) -> str:
        """The value of the candidate's checkbox in the recording form."""
        return f"{self.code}:{self.milestone}:{self.kind}"


@dataclass
class BadgeCandidates:
    award_date: dt.date
    previous_date: dt.date | None  # None when the committees' rules differ
    regular: list[Candidate] = field(default_factory=list)
    early_illness: list[Candidate] = field(default_factory=list)
    posthumous: list[Candidate] = field(default_factory=list)
    check: list[Candidate] = field(default_factory=list)
    rules: MembershipRules | None = None  # when every committee has the same rules row
    skipped: list[int] = field(default_factory=list)  # committees for which D is no award day

    @property
    def total(self) -> int:
        return len(self.regular) + len(self.early_illness) + len(self.posthumous) + len(self.check)

    def lists(self) -> dict[str, list[Candidate]]:
        return {
            REGULAR: self.regular,
            EARLY_ILLNESS: self.early_illness,
            POSTHUMOUS: self.posthumous,
            "check": self.check,
        }


@dataclass(frozen=True)
class _Window:
    """One rules row's windows around the award date."""

    rules: MembershipRules
    previous: dt.date
    award_date: dt.date
    _early_ends: dict[int, dt.date] = field(default_factory=dict, compare=False, repr=False)

    def early_end(self, years: int) -> dt.date:
        end = self._early_ends.get(years)
        if end is None:
            rules = self.rules
            months = (
                rules.early_award_months_lower
                if years <= rules.early_award_split_years
                else rules.early_award_months_upper
            )
            end = self._early_ends[years] = add_months(self.award_date, months)
        return end

    def posthumous_end(self, died_on: dt.date) -> dt.date:
        return add_months(died_on, self.rules.posthumous_early_months)

    def reach_end(self, years: int) -> dt.date:
        """The latest milestone day any list of this window can hold for `years`."""
        return max(self.early_end(years), self.posthumous_end(self.award_date))


def _died_on(row) -> dt.date | None:
    return row[CLOSED_ON] or row[STATUS_SINCE]


def _place(row, years: int, spans: list[Span], window: _Window) -> tuple[str, Candidate] | None:
    """Which list (if any) the member belongs to for the milestone `years`."""
    admission, precision = row[ADMISSION], row[PRECISION]
    earliest = milestone_from(admission, years, spans)
    latest = (
        earliest
        if precision == DatePrecision.DAY
        else milestone_from(latest_possible(admission, precision), years, spans)
    )
    previous, award_date = window.previous, window.award_date
    died_on = None
    if row[STATUS] == Member.Status.DECEASED:
        died_on = _died_on(row)
        if died_on is None or not previous < died_on <= award_date:
            return None
        end = window.posthumous_end(died_on)
        if previous < earliest and latest <= end:
            where, kind = POSTHUMOUS, POSTHUMOUS
        elif previous < latest and earliest <= end:
            where, kind = "check", POSTHUMOUS
        else:
            return None
        on = died_on
    else:
        end = window.early_end(years)
        if previous < earliest and latest <= award_date:
            where, kind = REGULAR, REGULAR
        elif award_date < earliest and latest <= end:
            where, kind = EARLY_ILLNESS, EARLY_ILLNESS
        elif previous < latest and earliest <= award_date:
            where, kind = "check", REGULAR
        else:
            return None
        on = award_date
    y, m, d, total = age_from(admission, on, spans)
    if precision == DatePrecision.DAY:
        age = PartyAge(y, m, d, total)
    else:
        min_years = age_from(latest_possible(admission, precision), on, spans)[0]
        age = PartyAge(y, m, d, total, uncertain=True, min_years=min_years)
    return where, Candidate(
        member_id=row[PK],
        code=row[CODE],
        full_name=row[NAME],
        sort_name=row[FOLDED],
        date_of_birth=row[BIRTH],
        committee_id=row[COMMITTEE],
        cell_id=row[CELL],
        cell_name=row[CELL_NAME],
        cell_order=row[CELL_ORDER],
        admission_date=admission,
        admission_precision=precision,
        milestone=years,
        reaches_on=earliest,
        reaches_until=latest,
        kind=kind,
        party_age=age,
        died_on=died_on,
    )


def _firsts(low: dt.date, high: dt.date) -> list[dt.date]:
    """The first days of every month and year from `low`'s month/year to `high`: the days
    imprecise admission dates are stored as, whose span may reach into a window."""
    days = {dt.date(year, 1, 1) for year in range(low.year, high.year + 1)}
    month = dt.date(low.year, low.month, 1)
    while month <= high:
        days.add(month)
        month = add_months(month, 1)
    return sorted(days)


@dataclass(frozen=True)
class _Range:
    """The admission dates whose milestone `years` (without gaps) may fall in the window."""

    years: int
    low: dt.date  # exclusive
    high: dt.date  # inclusive
    firsts: frozenset[dt.date]  # stored days of imprecise dates that may reach the window


def _ranges(window: _Window) -> list[_Range]:
    margin = dt.timedelta(days=2)  # room for 29/02 and month-end rounding; exact check follows
    ranges = []
    for years in window.rules.badge_milestones:
        low = add_years(window.previous, -years) - margin
        high = add_years(window.reach_end(years), -years) + margin
        # An imprecise date is stored as the 1st of its month or year and may stand for a
        # day up to a year later: its stored day can be before `low`.
        ranges.append(_Range(years, low, high, frozenset(_firsts(low, high))))
    return ranges


def _admission_filter(ranges: list[_Range]) -> Q:
    condition = Q(
        admission_date__in=sorted(set().union(*(r.firsts for r in ranges))),
        admission_date_precision__in=IMPRECISE,
    )
    for r in ranges:
        condition |= Q(admission_date__gt=r.low, admission_date__lte=r.high)
    return condition


def _windows(committee_ids: list[int], award_date: dt.date):
    """Committees grouped by the rules row in force on the award date."""
    rules = rules_by_committee(committee_ids, award_date)
    groups: dict[int, list[int]] = defaultdict(list)
    by_pk = {}
    for committee_id, row in rules.items():
        groups[row.pk].append(committee_id)
        by_pk[row.pk] = row
    for pk, ids in groups.items():
        row = by_pk[pk]
        if not is_award_date(row, award_date):
            yield None, ids
        else:
            yield _Window(row, previous_award_date(row, award_date), award_date), ids


def badge_candidates(*, committees, award_date: dt.date, scope: Q | None = None) -> BadgeCandidates:
    """The badge lists for `award_date` across `committees` (one Committee, or several: a
    city's communes), limited by `scope` (a filter on Member, e.g. the user's cells)."""
    if hasattr(committees, "pk"):
        committees = [committees]
    committee_ids = [getattr(c, "pk", c) for c in committees]
    result = BadgeCandidates(award_date=award_date, previous_date=None)
    windows = list(_windows(committee_ids, award_date))
    used = [w for w, _ in windows if w is not None]
    if len(windows) == 1 and used:
        result.previous_date, result.rules = used[0].previous, used[0].rules
    placed: list[tuple[str, Candidate]] = []
    for window, ids in windows:
        if window is None:
            result.skipped.extend(ids)
            continue
        base = Member.objects.filter(committee_id__in=ids, status__in=LISTED_STATUSES)
        if scope is not None:
            base = base.filter(scope)
        placed.extend(_with_gaps(base, window))
        ranges = _ranges(window)
        members = (
            base.filter(_admission_filter(ranges))
            .exclude(Exists(Gap.objects.filter(member=OuterRef("pk"))))
            .order_by()
        )
        awarded = set(
            BadgeAward.objects.filter(
                member__in=members.values("pk"), milestone__in=[r.years for r in ranges]
            ).values_list("member_id", "milestone")
        )
        spans = [(r.low, r.high, r.years, r.firsts) for r in ranges]
        for row in members.values_list(*ROW_FIELDS):  # the hot loop: ~30,000 rows for a city
            admission, pk = row[ADMISSION], row[PK]
            imprecise = row[PRECISION] != DatePrecision.DAY
            for low, high, years, firsts in spans:
                if not (low < admission <= high or (imprecise and admission in firsts)):
                    continue
                if (pk, years) in awarded:
                    continue
                hit = _place(row, years, [], window)
                if hit is not None:
                    placed.append(hit)
    folded: dict[str, str] = {}

    def order(p: tuple[str, Candidate]):
        c = p[1]
        cell = folded.get(c.cell_name) or folded.setdefault(c.cell_name, fold(c.cell_name))
        return (c.committee_id, c.cell_order, cell, c.sort_name, c.milestone)

    placed.sort(key=order)
    lists = result.lists()
    for where, candidate in placed:
        lists[where].append(candidate)
    return result


def _with_gaps(base, window: _Window) -> list[tuple[str, Candidate]]:
    """Members with recorded periods outside the Party: few, so loaded whole and computed
    exactly (their milestones move later by the days outside)."""
    latest = max(
        add_years(window.reach_end(years), -years) for years in window.rules.badge_milestones
    )
    members = base.filter(
        Exists(Gap.objects.filter(member=OuterRef("pk"))), admission_date__lte=latest
    ).order_by()
    rows = list(members.values_list(*ROW_FIELDS))
    if not rows:
        return []
    gaps: dict[int, list] = defaultdict(list)
    for member_id, start, end in Gap.objects.filter(member__in=members.values("pk")).values_list(
        "member_id", "start", "end"
    ):
        gaps[member_id].append((start, end))
    awarded = set(
        BadgeAward.objects.filter(member__in=members.values("pk")).values_list(
            "member_id", "milestone"
        )
    )
    placed = []
    for row in rows:
        spans = gap_spans(gaps[row[PK]])
        for years in window.rules.badge_milestones:
            if (row[PK], years) in awarded:
                continue
            hit = _place(row, years, spans, window)
            if hit is not None:
                placed.append(hit)
    return placed


def badge_scope_for_user(user, cell=None) -> Q | None:
    """The members the user may see on the badge pages: the committee (leaders, the Party
    building board) or their cells (a cell secretary); `cell` narrows it."""
    access = access_for(user)
    if not access.has(Action.MEMBERS_VIEW_FILE):
        raise PermissionDenied
    scope = Q()
    if not access.committee_wide(Action.MEMBERS_VIEW_FILE):
        scope &= path_filter(access.unit_paths(Action.MEMBERS_VIEW_FILE), "cell__path")
    if cell is not None:
        scope &= Q(cell__path__startswith=cell.path)
    return scope


def badge_candidates_for_user(user, award_date: dt.date, *, cell=None) -> BadgeCandidates:
    """The lists for the user's committee, limited to what the user may see."""
    scope = badge_scope_for_user(user, cell)
    return badge_candidates(committees=[user.committee_id], award_date=award_date, scope=scope)


def check_award_date(committee, award_date: dt.date) -> MembershipRules:
    """The rules in force on `award_date`, refusing a day that is not an award day."""
    rules = rules_by_committee([committee.pk], award_date)[committee.pk]
    if not is_award_date(rules, award_date):
        raise ValidationError(
            {
                "award_date": ValidationError(
                    _("%(date)s is not a badge award day; choose one from the list.")
                    % {"date": f"{award_date:%d/%m/%Y}"},
                    code="not_an_award_date",
                )
            }
        )
    return rules


# --- Recording awards --------------------------------------------------------------------


@dataclass
class RecordResult:
    created: list[BadgeAward]
    already: int  # selections that were already recorded (a second submit): left as they are


def may_record(actor, committee) -> bool:
    access = access_for(actor)
    return access.committee_id == committee.pk and access.committee_wide(Action.MEMBERS_MANAGE)


@transaction.atomic
def badge_awards_record(
    *,
    actor,
    committee,
    award_date: dt.date,
    decision_number: str,
    decision_date: dt.date | None,
    selections: list[tuple[str, int, str]],
) -> RecordResult:
    """Record the badges of one decision: `selections` are (member code, milestone, kind)
    taken from the lists of `award_date`. Each member gets a milestone once: selections
    already recorded are left as they are (a double submit changes nothing); a selection
    that is not on the lists refuses the whole decision."""
    if not may_record(actor, committee):
        raise PermissionDenied
    errors: dict[str, ValidationError] = {}
    decision_number = " ".join((decision_number or "").split())
    if not decision_number:
        errors["decision_number"] = ValidationError(
            _("Enter the number of the award decision."), code="required"
        )
    if decision_date is None:
        errors["decision_date"] = ValidationError(
            _("Enter the date of the award decision."), code="required"
        )
    elif decision_date > timezone.localdate():
        errors["decision_date"] = ValidationError(
            _("This date is in the future; check the day, month and year."), code="future"
        )
    if not selections:
        errors["selected"] = ValidationError(
            _("Tick at least one member in the lists."), code="nothing_selected"
        )
    try:
        check_award_date(committee, award_date)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)

    wanted: dict[tuple[str, int], str] = {}
    for code, milestone, kind in selections:
        wanted.setdefault((str(code), int(milestone)), kind)
    codes = {code for code, _milestone in wanted}
    members = {
        str(m.code): m
        for m in Member.objects.select_for_update()
        .filter(committee=committee, code__in=[c for c in codes if is_uuid(c)])
        .order_by("pk")
    }
    existing = set(
        BadgeAward.objects.filter(member__in=list(members.values())).values_list(
            "member_id", "milestone"
        )
    )
    lists = badge_candidates(committees=[committee], award_date=award_date)
    allowed: dict[tuple[int, int], str] = {}
    for candidates in lists.lists().values():
        for c in candidates:
            allowed[(c.member_id, c.milestone)] = c.kind
    todo, refused, already = [], [], 0
    for (code, milestone), kind in wanted.items():
        member = members.get(code)
        if member is not None and (member.pk, milestone) in existing:
            already += 1
        elif member is None or allowed.get((member.pk, milestone)) != kind:
            refused.append(member.full_name if member else code)
        else:
            todo.append((member, milestone, kind))
    if refused:
        raise ValidationError(
            {
                "selected": ValidationError(
                    _("Not on the lists of %(date)s for the badge ticked: %(names)s.")
                    % {"date": f"{award_date:%d/%m/%Y}", "names": ", ".join(refused)},
                    code="not_a_candidate",
                )
            }
        )
    created = []
    for member, milestone, kind in todo:
        try:
            with transaction.atomic():
                award = BadgeAward.objects.create(
                    member=member,
                    milestone=milestone,
                    award_date=award_date,
                    kind=kind,
                    decision_number=decision_number,
                    decision_date=decision_date,
                    recorded_by=actor,
                )
        except IntegrityError:  # recorded by someone else in the meantime
            already += 1
            continue
        audit_record(
            actor=actor,
            verb=Verb.CREATE,
            committee=committee,
            object_type="members.badgeaward",
            object_id=str(award.code),
            object_label=f"{member.full_name}: {milestone}"[:255],
            changes={
                "member": str(member.code),
                "milestone": milestone,
                "kind": kind,
                "award_date": award_date.isoformat(),
                "decision_number": decision_number,
                "decision_date": decision_date.isoformat(),
            },
        )
        created.append(award)
    return RecordResult(created=created, already=already)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- The member's file ------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeSummary:
    badges: list[BadgeAward]
    party_age: PartyAge | None  # None for a member not counted any more (closed records)
    next_milestone: tuple[int, dt.date] | None
    uncertain: bool


def member_badge_summary(member: Member, on: dt.date | None = None) -> BadgeSummary:
    """What the file page shows (members/_badges.html): party age, next milestone, badges.
    Three small queries (gaps, badges, rules)."""
    on = on or timezone.localdate()
    gaps = list(member.gaps.all())
    badges = list(member.badges.all())
    counted = member.status in Member.ACTIVE_STATUSES
    age = party_age(member, on, gaps) if counted else None
    upcoming = None
    if counted:
        rules = rules_by_committee([member.committee_id], on)[member.committee_id]
        done = {b.milestone for b in badges}
        upcoming = next_milestone(
            member, on, [m for m in rules.badge_milestones if m not in done], gaps
        )
    return BadgeSummary(
        badges=badges,
        party_age=age,
        next_milestone=upcoming,
        uncertain=member.admission_date_precision != DatePrecision.DAY,
    )
