"""Reads of the fee ledger: a member's balance, statement and unpaid months, a cell's month,
the committee's summary.

Callers pass objects already fetched through `capuyso.fees.access` (the door checks who may
read them); these functions only read, scoped to the object given.

Definitions (the pages say them in words too):

- paid for a month = the non-voided payment amounts *for* that month (whatever book they
  were written in); voluntary extras are not counted against dues;
- balance = everything paid (non-voided amounts) − every due up to the current month;
  positive = paid ahead, negative = owed;
- an unpaid month of a year = a month already over (before the current month) with a due
  above zero, paid less than the due, and no excuse recorded by the cell. At the fee
  settings' `unpaid_months_threshold` (3) such months in one calendar year the member is
  flagged: the cell should consider a proposal to strike them off (rules.md §4);
- collected in a month = the money written in that month's book (amount + extra), by method;
  online = portal + bank.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone

from capuyso.fees import calc
from capuyso.fees.models import (
    CellMonthBook,
    FeeRelief,
    FeeSettings,
    MonthlyDue,
    Payment,
    Remittance,
    RetentionRule,
    UnpaidExcuse,
)
from capuyso.fees.services.books import share_of
from capuyso.fees.services.dues import owing_members, settings_for
from capuyso.members.models import Member
from capuyso.org.models import Unit

DEFAULT_THRESHOLD = FeeSettings._meta.get_field("unpaid_months_threshold").default


# --- Dues explained -------------------------------------------------------------------------

RELIEF_LABELS = dict(FeeRelief.Reason.choices)


def percent_label(basis_points: int | None) -> str:
    """Basis points as a Vietnamese percentage without a float: 100 → '1', 50 → '0,5'."""
    if basis_points is None:
        return ""
    whole, rest = divmod(int(basis_points), 100)
    return f"{whole},{rest:02d}".rstrip("0") if rest else str(whole)


def explained(due: MonthlyDue) -> MonthlyDue:
    """Attach what the pages say about the due: `missing` (why it is not computed:
    no_basis, no_rule, no_amount or ""), `rate_label` and `relief_label`."""
    due.missing = calc.missing_reason(due)
    due.rate_label = percent_label(due.rate_bp)
    due.relief_label = RELIEF_LABELS.get(due.relief_reason, due.relief_reason)
    return due


# --- Unpaid months --------------------------------------------------------------------------


@dataclass
class UnpaidFlag:
    year: int
    months: list[dt.date]
    threshold: int

    @property
    def count(self) -> int:
        return len(self.months)

    @property
    def flagged(self) -> bool:
        return self.count >= self.threshold


def unpaid_threshold(committee_id: int, year: int, today: dt.date | None = None) -> int:
    """The threshold in force for the year (as of the last month counted)."""
    today = today or timezone.localdate()
    last = min(dt.date(year, 12, 1), calc.month_start(today))
    found = settings_for(committee_id, last)
    return found.unpaid_months_threshold if found is not None else DEFAULT_THRESHOLD


def _counted_months(year: int, today: dt.date | None) -> tuple[dt.date, dt.date] | None:
    """First and last month of `year` already over on `today` (None: none yet)."""
    current = calc.month_start(today or timezone.localdate())
    first = dt.date(year, 1, 1)
    last = min(dt.date(year, 12, 1), calc.add_months(current, -1))
    return (first, last) if last >= first else None


def unpaid_flags(
    committee_id: int,
    member_ids=None,
    year: int = 0,
    *,
    today: dt.date | None = None,
    flagged_only: bool = False,
) -> dict[int, UnpaidFlag]:
    """{member id: UnpaidFlag} for the members given (a list or a queryset of ids; None:
    every member with dues in the committee): one query returns only the unpaid months,
    another the (few) excused ones. Only members with at least one unpaid month (or, with
    `flagged_only`, with at least the threshold) are in the result."""
    threshold = unpaid_threshold(committee_id, year, today)
    span = _counted_months(year, today)
    if span is None:
        return {}
    dues = MonthlyDue.objects.filter(month__range=span, amount__gt=0)
    if member_ids is None:
        dues = dues.filter(committee_id=committee_id)
    else:
        if not hasattr(member_ids, "query"):  # a queryset stays a subquery
            member_ids = list(member_ids)
        dues = dues.filter(member_id__in=member_ids)
    paid = (
        Payment.objects.filter(
            member=OuterRef("member_id"), month=OuterRef("month"), voided_at__isnull=True
        )
        .values("member")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    unpaid = dues.annotate(paid=Coalesce(Subquery(paid), 0)).filter(paid__lt=F("amount"))
    excuses = UnpaidExcuse.objects.filter(month__range=span)
    if member_ids is None:
        excuses = excuses.filter(committee_id=committee_id)
    else:
        excuses = excuses.filter(member_id__in=member_ids)
    excused = set(excuses.values_list("member_id", "month"))  # few: checked here
    months: dict[int, list[dt.date]] = defaultdict(list)
    for member_id, month in unpaid.order_by().values_list("member_id", "month"):
        if (member_id, month) not in excused:
            months[member_id].append(month)
    if flagged_only:
        months = {m: found for m, found in months.items() if len(found) >= threshold}
    return {
        member_id: UnpaidFlag(year, sorted(found), threshold) for member_id, found in months.items()
    }


def unpaid_flag(member: Member, year: int, *, today: dt.date | None = None) -> UnpaidFlag:
    flags = unpaid_flags(member.committee_id, [member.pk], year, today=today)
    return flags.get(member.pk) or UnpaidFlag(
        year, [], unpaid_threshold(member.committee_id, year, today)
    )


# --- A member's account ---------------------------------------------------------------------


def member_balance(member: Member, *, today: dt.date | None = None) -> int:
    """Paid − due up to the current month (positive: paid ahead)."""
    current = calc.month_start(today or timezone.localdate())
    paid = Payment.objects.filter(member=member, voided_at__isnull=True).aggregate(
        total=Coalesce(Sum("amount"), 0)
    )["total"]
    due = MonthlyDue.objects.filter(member=member, month__lte=current).aggregate(
        total=Coalesce(Sum("amount"), 0)
    )["total"]
    return paid - due


@dataclass
class MonthLine:
    month: dt.date
    due: MonthlyDue | None = None
    paid: int = 0
    extra: int = 0
    excuse: UnpaidExcuse | None = None
    payments: list[Payment] = field(default_factory=list)
    over: bool = False  # the month is over (before the current month)

    @property
    def due_amount(self) -> int:
        return self.due.amount if self.due is not None else 0

    @property
    def difference(self) -> int:
        return self.paid - self.due_amount

    @property
    def status(self) -> str:
        """paid, partial, unpaid, excused, exempt, not_computed, no_due, ahead."""
        if self.due is None:
            return "ahead" if self.paid else "not_computed"
        if self.due.basis_missing:
            return "not_computed"
        if self.due.amount == 0:
            return "exempt"
        if self.paid >= self.due.amount:
            return "paid"
        if self.excuse is not None:
            return "excused"
        return "partial" if self.paid else "unpaid"

    @property
    def payable(self) -> int:
        """What is left to pay for the month (for a payment code)."""
        return max(self.due_amount - self.paid, 0)


@dataclass
class Statement:
    member: Member
    year: int
    lines: list[MonthLine]
    payments: list[Payment]  # every payment of the year's months or books, voided included
    balance: int
    flag: UnpaidFlag
    reliefs: list[FeeRelief]
    years: list[int]

    @property
    def due_total(self) -> int:
        return sum(line.due_amount for line in self.lines)

    @property
    def paid_total(self) -> int:
        return sum(line.paid for line in self.lines)

    @property
    def extra_total(self) -> int:
        return sum(line.extra for line in self.lines)


def member_years(member: Member, *, today: dt.date | None = None) -> list[int]:
    """Years with dues or payments, newest first (always the current year)."""
    current = (today or timezone.localdate()).year
    years = {current}
    years.update(d.year for d in MonthlyDue.objects.filter(member=member).dates("month", "year"))
    years.update(d.year for d in Payment.objects.filter(member=member).dates("month", "year"))
    return sorted(years, reverse=True)


def member_statement(member: Member, year: int, *, today: dt.date | None = None) -> Statement:
    """The member's months of `year` (dues with their inputs, paid, difference, status), the
    payments of those months, the balance and the unpaid-months flag."""
    today = today or timezone.localdate()
    current = calc.month_start(today)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 1)
    lines = {
        m: MonthLine(m, over=m < current) for m in (calc.add_months(first, i) for i in range(12))
    }
    for due in MonthlyDue.objects.filter(member=member, month__range=(first, last)).select_related(
        "group", "cell"
    ):
        lines[due.month].due = explained(due)
    payments = list(
        Payment.objects.filter(member=member)
        .filter(Q(month__range=(first, last)) | Q(book_month__range=(first, last)))
        .select_related("recorded_by", "voided_by", "cell")
        .order_by("month", "paid_on", "id")
    )
    for payment in payments:
        line = lines.get(payment.month)
        if line is None:
            continue
        line.payments.append(payment)
        if payment.voided_at is None:
            line.paid += payment.amount
            line.extra += payment.extra_amount
    for excuse in UnpaidExcuse.objects.filter(member=member, month__range=(first, last)):
        lines[excuse.month].excuse = excuse
    shown = [
        line
        for line in lines.values()
        if line.due is not None or line.payments or line.excuse or line.month <= current
    ]
    return Statement(
        member=member,
        year=year,
        lines=shown,
        payments=payments,
        balance=member_balance(member, today=today),
        flag=unpaid_flag(member, year, today=today),
        reliefs=list(member.fee_reliefs.filter(withdrawn_at__isnull=True)),
        years=member_years(member, today=today),
    )


# --- A cell's month -------------------------------------------------------------------------


@dataclass
class CellRow:
    member: Member
    due: MonthlyDue | None
    paid: int = 0
    extra: int = 0
    payments: list[Payment] = field(default_factory=list)  # written in this month's book
    flag: UnpaidFlag | None = None
    excuse: UnpaidExcuse | None = None

    @cached_property
    def status(self) -> str:
        return MonthLine(None, self.due, self.paid, self.extra, self.excuse).status

    @property
    def left_to_pay(self) -> int:
        if self.due is None or self.due.basis_missing:
            return 0
        return max(self.due.amount - self.paid, 0)


@dataclass
class CellMonth:
    cell: Unit
    month: dt.date
    book: CellMonthBook | None
    rows: list[CellRow]
    book_payments: list[Payment]  # every payment of this book, voided included
    totals: dict

    @property
    def closed(self) -> bool:
        return self.book is not None and self.book.status == CellMonthBook.Status.CLOSED

    @property
    def version(self) -> int:
        return self.book.version if self.book is not None else 1

    @property
    def missing_basis(self) -> list[CellRow]:
        return [r for r in self.rows if r.due is not None and r.due.basis_missing]

    @property
    def not_computed(self) -> list[CellRow]:
        return [r for r in self.rows if r.due is None]

    @property
    def flagged(self) -> list[CellRow]:
        return [r for r in self.rows if r.flag is not None and r.flag.flagged]


def cell_month(cell: Unit, month: dt.date, *, today: dt.date | None = None) -> CellMonth:
    """Every member who owes the month in the cell (or has a due there), with the due and
    its inputs, what was paid for the month, the payments of the cell's book of the month,
    unpaid-months flags of the year and the live totals of the book."""
    from capuyso.fees.services.books import retention_for, totals_from

    today = today or timezone.localdate()
    month = calc.month_start(month)
    owing = {row[0] for row in owing_members(cell.committee_id, month, [cell])}
    dues = {
        d.member_id: explained(d)
        for d in MonthlyDue.objects.filter(cell=cell, month=month).select_related("group")
    }
    members = list(
        Member.objects.filter(pk__in=owing | set(dues)).only(
            "code", "full_name", "full_name_folded", "status", "cell_id", "committee_id"
        )
    )
    ids = [m.pk for m in members]
    paid = {
        m: (total, extra)
        for m, total, extra in Payment.objects.filter(
            member_id__in=ids, month=month, voided_at__isnull=True
        )
        .values("member_id")
        .annotate(total=Sum("amount"), extras=Sum("extra_amount"))
        .values_list("member_id", "total", "extras")
    }
    book_payments = list(
        Payment.objects.filter(cell=cell, book_month=month)
        .select_related("member")
        .only(
            "code",
            "member_id",
            "member__code",
            "member__full_name",
            "cell_id",
            "month",
            "book_month",
            "amount",
            "extra_amount",
            "method",
            "paid_on",
            "reference",
            "voided_at",
            "void_reason",
        )
        .order_by("-id")
    )
    excuses = {e.member_id: e for e in UnpaidExcuse.objects.filter(member_id__in=ids, month=month)}
    flags = unpaid_flags(cell.committee_id, ids, month.year, today=today)
    rows = []
    by_member: dict[int, CellRow] = {}
    for member in sorted(members, key=lambda m: (m.full_name_folded, m.pk)):
        total, extra = paid.get(member.pk, (0, 0))
        row = CellRow(
            member=member,
            due=dues.get(member.pk),
            paid=total,
            extra=extra,
            flag=flags.get(member.pk),
            excuse=excuses.get(member.pk),
        )
        rows.append(row)
        by_member[member.pk] = row
    for payment in book_payments:
        if payment.member_id in by_member:
            by_member[payment.member_id].payments.append(payment)
    book = CellMonthBook.objects.filter(cell=cell, month=month).first()
    if book is not None and book.status == CellMonthBook.Status.CLOSED:
        totals = {name: getattr(book, name) for name in book_totals_fields()}
    else:
        totals = totals_from(
            dues={m: d.amount for m, d in dues.items()},
            paid={m: total for m, (total, _extra) in paid.items()},
            money=[
                (p.method, p.amount, p.extra_amount) for p in book_payments if p.voided_at is None
            ],
            rule=retention_for(cell.committee_id, month),
        )
        totals.pop("retention_rule")
    return CellMonth(cell, month, book, rows, book_payments, totals)


def book_totals_fields() -> tuple[str, ...]:
    from capuyso.fees.services.books import TOTAL_FIELDS

    return TOTAL_FIELDS


def cells_for(user, committee_id: int) -> list[Unit]:
    """The cells whose fee book the user may read, by name."""
    from capuyso.fees.access import may_view_cell

    cells = Unit.objects.filter(
        committee_id=committee_id, kind=Unit.Kind.CELL, dissolved_on__isnull=True
    ).order_by("name_folded")
    return [cell for cell in cells if may_view_cell(user, cell)]


# --- The committee's summary ----------------------------------------------------------------


@dataclass
class CellFigures:
    cell_id: int
    name: str = ""
    code: str = ""
    due: int = 0
    paid: int = 0  # month: paid for the month; year: collected against dues (no extras)
    missing: int = 0  # month: dues its members did not pay; year: due less paid, if above
    collected: int = 0  # money in the book(s): amount + extra
    online: int = 0
    extra: int = 0
    to_remit: int = 0
    remitted: int = 0
    members: int = 0
    no_basis: int = 0
    status: str = ""  # the month's book: open, closed, "" (no book yet)
    year: CellFigures | None = None  # the same cell's year to date (month figures only)

    @property
    def online_percent(self) -> float | None:
        return round(100 * self.online / self.collected, 1) if self.collected else None

    @property
    def remit_missing(self) -> int:
        return max(self.to_remit - self.remitted, 0)


@dataclass
class Summary:
    month: dt.date
    first: dt.date
    cells: list[CellFigures]
    total: CellFigures
    year_total: CellFigures
    committee_keeps_bp: int | None
    committee_keeps: int
    to_remit_upward: int
    remitted_upward: int
    year_remitted_upward: int
    closed_count: int


def _retention_by_month(committee_id: int, months: list[dt.date]) -> dict[dt.date, RetentionRule]:
    rows = list(
        RetentionRule.objects.filter(
            Q(committee__isnull=True) | Q(committee_id=committee_id),
            effective_from__lte=max(months),
        )
    )
    found = {}
    for month in months:
        rule = calc.pick_in_force(rows, month, committee_id)
        if rule is not None:
            found[month] = rule
    return found


SUMMED = (
    "due",
    "paid",
    "missing",
    "collected",
    "online",
    "extra",
    "to_remit",
    "remitted",
    "members",
    "no_basis",
)


def _total(items) -> CellFigures:
    total = CellFigures(0)
    for item in items:
        for name in SUMMED:
            setattr(total, name, getattr(total, name) + getattr(item, name))
    return total


def committee_summary(committee, month: dt.date) -> Summary:
    """Per cell, for `month` and for the year to date: due, paid, missing, collected,
    online, to remit, remitted and the month's book status; the committee's totals and its
    own share. A closed book gives its frozen totals; only months some cell has not closed
    are aggregated from the dues and payments, so the year costs little more than a month.

    The month's `missing` sums, member by member, the dues not paid for the month (one
    member paying ahead does not hide another's debt). The year's compares the dues with
    what the books collected against dues."""
    month = calc.month_start(month)
    first = dt.date(month.year, 1, 1)
    months = [calc.add_months(first, i) for i in range(month.month)]
    committee_id = committee.pk
    cells = {
        cell_id: (name, str(code))
        for cell_id, name, code in Unit.objects.filter(
            committee_id=committee_id, kind=Unit.Kind.CELL, dissolved_on__isnull=True
        ).values_list("pk", "name", "code")
    }
    this = {pk: CellFigures(pk) for pk in cells}
    year = {pk: CellFigures(pk) for pk in cells}

    def figures(store, cell_id):
        if cell_id not in store:
            store[cell_id] = CellFigures(cell_id)
        return store[cell_id]

    # Per (cell, month): the closed books' figures, or the live ones below.
    per: dict[tuple[int, dt.date], dict] = {}
    statuses: dict[tuple[int, dt.date], str] = {}
    for row in CellMonthBook.objects.filter(
        committee_id=committee_id, month__range=(first, month)
    ).values(
        "cell_id",
        "month",
        "status",
        "due_total",
        "collected_total",
        "collected_portal",
        "collected_bank",
        "extra_total",
        "to_remit",
    ):
        key = (row["cell_id"], row["month"])
        statuses[key] = row["status"]
        if row["status"] == CellMonthBook.Status.CLOSED:
            per[key] = {
                "due": row["due_total"],
                "collected": row["collected_total"],
                "online": row["collected_portal"] + row["collected_bank"],
                "extra": row["extra_total"],
                "to_remit": row["to_remit"],
            }
    live = [m for m in months if any((cell_id, m) not in per for cell_id in cells)]
    live_keys = set()

    def live_entry(cell_id, each):
        key = (cell_id, each)
        if key in per and key not in live_keys:
            return None  # frozen in a closed book
        live_keys.add(key)
        return per.setdefault(key, {"due": 0, "collected": 0, "online": 0, "extra": 0})

    # The month itself: member by member, what was paid for it.
    paid_for_month = (
        Payment.objects.filter(member=OuterRef("member_id"), month=month, voided_at__isnull=True)
        .values("member")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    # The subquery appears once in the SQL (paid = due − unpaid): SQLite runs it per row.
    short = Greatest(F("amount") - Coalesce(Subquery(paid_for_month), 0), 0)
    for row in (
        MonthlyDue.objects.filter(committee_id=committee_id, month=month)
        .annotate(short=short)
        .values("cell_id")
        .annotate(
            due=Sum("amount"),
            members=Count("id"),
            no_basis=Count("id", filter=Q(basis_missing=True)),
            missing=Sum("short"),
        )
        .order_by()
    ):
        m = figures(this, row["cell_id"])
        m.members, m.no_basis = row["members"], row["no_basis"]
        m.missing = row["missing"] or 0
        m.paid = row["due"] - m.missing
        entry = live_entry(row["cell_id"], month)
        if entry is not None:
            entry["due"] = row["due"]
    others = [m for m in live if m != month]
    if others:
        for cell_id, each, due in (
            MonthlyDue.objects.filter(committee_id=committee_id, month__in=others)
            .values("cell_id", "month")
            .annotate(due=Sum("amount"))
            .order_by()
            .values_list("cell_id", "month", "due")
        ):
            entry = live_entry(cell_id, each)
            if entry is not None:
                entry["due"] = due
    if live:
        money = F("amount") + F("extra_amount")
        for row in (
            Payment.objects.filter(
                committee_id=committee_id, voided_at__isnull=True, book_month__in=live
            )
            .values("cell_id", "book_month")
            .annotate(
                collected=Sum(money),
                online=Coalesce(Sum(money, filter=Q(method__in=("portal", "bank"))), 0),
                extra=Sum("extra_amount"),
            )
            .order_by()
        ):
            entry = live_entry(row["cell_id"], row["book_month"])
            if entry is not None:
                entry.update(collected=row["collected"], online=row["online"], extra=row["extra"])
    retention = _retention_by_month(committee_id, months)
    for (cell_id, each), entry in per.items():
        if "to_remit" not in entry:
            rule = retention.get(each)
            collected = entry["collected"]
            entry["to_remit"] = collected - share_of(collected, rule.cell_keeps_bp) if rule else 0
        y = figures(year, cell_id)
        for name in ("due", "collected", "online", "extra", "to_remit"):
            setattr(y, name, getattr(y, name) + entry[name])
        if each == month:
            m = figures(this, cell_id)
            for name in ("due", "collected", "online", "extra", "to_remit"):
                setattr(m, name, entry[name])
    for y in year.values():
        y.paid = y.collected - y.extra
        y.missing = max(y.due - y.paid, 0)

    upward: dict[dt.date, int] = defaultdict(int)
    for direction, cell_id, each, total in (
        Remittance.objects.filter(
            committee_id=committee_id, voided_at__isnull=True, month__range=(first, month)
        )
        .values("direction", "cell_id", "month")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("direction", "cell_id", "month", "total")
    ):
        if direction == Remittance.Direction.COMMITTEE_TO_UPPER:
            upward[each] += total
            continue
        figures(year, cell_id).remitted += total
        if each == month:
            figures(this, cell_id).remitted += total

    closed_count = 0
    for (cell_id, each), status in statuses.items():
        if each == month:
            figures(this, cell_id).status = status
            closed_count += status == CellMonthBook.Status.CLOSED
    for cell_id in set(year) - set(this):  # a cell with earlier figures only
        this[cell_id] = CellFigures(cell_id)
    for store in (this, year):
        for cell_id, item in store.items():
            item.name, item.code = cells.get(cell_id, ("", ""))
    ordered = sorted(this.values(), key=lambda c: (c.name == "", c.name))
    for item in ordered:
        item.year = year.get(item.cell_id) or CellFigures(item.cell_id, item.name, item.code)

    month_total = _total(ordered)
    rule = retention.get(month)
    keeps_bp = rule.committee_keeps_bp if rule is not None else None
    keeps = share_of(month_total.remitted, keeps_bp) if keeps_bp is not None else 0
    return Summary(
        month=month,
        first=first,
        cells=ordered,
        total=month_total,
        year_total=_total(year.values()),
        committee_keeps_bp=keeps_bp,
        committee_keeps=keeps,
        to_remit_upward=month_total.remitted - keeps if keeps_bp is not None else 0,
        remitted_upward=upward.get(month, 0),
        year_remitted_upward=sum(upward.values()),
        closed_count=closed_count,
    )


# --- Doors to ledger rows, and lists --------------------------------------------------------


def _in_committee(model, user, code, **related):
    from capuyso.accounts.permissions import access_for

    committee_id = access_for(user).committee_id
    try:
        return model.objects.select_related(*related.get("related", ())).get(
            code=code, committee_id=committee_id
        )
    except (model.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


def get_payment_for_user(user, code, *, manage: bool = False) -> Payment:
    """A payment of the user's committee (else 404) in a cell they may read or change (else
    403)."""
    from capuyso.fees.access import may_manage_cell, may_view_cell

    payment = _in_committee(Payment, user, code, related=("cell", "member"))
    allowed = may_manage_cell(user, payment.cell) if manage else may_view_cell(user, payment.cell)
    if not allowed:
        raise PermissionDenied
    return payment


def get_excuse_for_user(user, code, *, manage: bool = False) -> UnpaidExcuse:
    from capuyso.fees.access import may_manage_cell, may_view_cell

    excuse = _in_committee(UnpaidExcuse, user, code, related=("member__cell",))
    cell = excuse.member.cell
    allowed = may_manage_cell(user, cell) if manage else may_view_cell(user, cell)
    if not allowed:
        raise PermissionDenied
    return excuse


def get_remittance_for_user(user, code) -> Remittance:
    """A remittance of the user's committee (else 404); the services check the right."""
    return _in_committee(Remittance, user, code, related=("cell",))


def remittances_of(committee, month: dt.date) -> list[Remittance]:
    """The remittances for the fees of `month`, voided included, cells first."""
    return list(
        Remittance.objects.filter(committee=committee, month=calc.month_start(month))
        .select_related("cell", "recorded_by")
        .order_by("direction", "cell__name", "paid_on", "id")
    )


@dataclass
class UnpaidRow:
    member: Member
    flag: UnpaidFlag


def unpaid_members(
    committee_id: int,
    cells,
    year: int,
    *,
    today=None,
    flagged_only: bool = True,
    whole_committee: bool = False,
) -> list[UnpaidRow]:
    """Members of `cells` (or of the whole committee) with unpaid months in `year`, the most
    months first; with `flagged_only`, only those at the threshold."""
    if whole_committee:
        ids = None
    else:
        ids = Member.objects.filter(committee_id=committee_id, cell__in=list(cells)).values("pk")
    flags = unpaid_flags(committee_id, ids, year, today=today, flagged_only=flagged_only)
    found = {
        m.pk: m
        for m in Member.objects.filter(pk__in=list(flags))
        .select_related("cell")
        .only("code", "full_name", "status", "cell__name", "cell__code")
    }
    rows = [UnpaidRow(found[pk], flag) for pk, flag in flags.items() if pk in found]
    rows.sort(key=lambda r: (-r.flag.count, r.member.cell.name, r.member.full_name))
    return rows
