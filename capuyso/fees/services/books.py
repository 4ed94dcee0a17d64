"""A cell's fee book for one month (`CellMonthBook`): finding and locking it, closing it
with its totals, reopening it with a reason.

The book of month M holds the dues of M and the payments whose `book_month` is M (money the
cell took in during M, whatever month it pays for). Closing computes the totals by method,
the share the cell keeps (the `RetentionRule` in force on the first day of M, rounded to the
đồng half up) and what it remits to the committee, then freezes the book: the payment
services refuse to add to or void in a closed book, and dues computation skips it.
Reopening needs a reason and is audited (old → new). Every change bumps `version`, and the
forms of the cell month page carry the version they were drawn from: a stale or repeated
form changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record, diff, snapshot
from capuyso.fees import calc
from capuyso.fees.access import may_manage_cell
from capuyso.fees.models import CellMonthBook, MonthlyDue, Payment, RetentionRule
from capuyso.fees.services.refs import lock_committee_fees
from capuyso.org.models import Unit

Status = CellMonthBook.Status
TOTAL_FIELDS = (
    "members_count",
    "paying_count",
    "paid_count",
    "due_total",
    "collected_cash",
    "collected_portal",
    "collected_bank",
    "extra_total",
    "collected_total",
    "cell_keeps_bp",
    "retained",
    "to_remit",
)
AUDITED_FIELDS = ("status", *TOTAL_FIELDS, "reopened_count", "reopen_reason")


# --- Months -------------------------------------------------------------------------------


month_of = calc.month_start
add_months = calc.add_months
month_end = calc.month_end


def month_label(month: dt.date) -> str:
    return month.strftime("%m/%Y")


def this_month() -> dt.date:
    return month_of(timezone.localdate())


# --- Rules --------------------------------------------------------------------------------


def retention_for(committee_id: int, month: dt.date) -> RetentionRule | None:
    """The retention share in force on the first day of `month` (the committee's own row
    when one is in force, else the platform's)."""
    month = month_of(month)
    rows = RetentionRule.objects.filter(
        Q(committee__isnull=True) | Q(committee_id=committee_id),
        Q(effective_until__isnull=True) | Q(effective_until__gte=month),
        effective_from__lte=month,
    )
    return calc.pick_in_force(list(rows), month, committee_id)


def share_of(amount: int, basis_points: int) -> int:
    """`amount` × `basis_points` / 10000 rounded to the đồng, half up (integers only)."""
    return (amount * basis_points + 5000) // 10000


# --- Finding and locking --------------------------------------------------------------------


def book_of(cell: Unit, month: dt.date) -> CellMonthBook | None:
    return CellMonthBook.objects.filter(cell=cell, month=month_of(month)).first()


def book_for_update(cell: Unit, month: dt.date) -> CellMonthBook:
    """The cell's book of `month`, created when missing, locked until the transaction ends
    (two writers into one book queue here)."""
    month = month_of(month)
    book, _created = CellMonthBook.objects.select_for_update().get_or_create(
        cell=cell, month=month, defaults={"committee_id": cell.committee_id}
    )
    return book


def check_open(book: CellMonthBook) -> None:
    if book.status == Status.CLOSED:
        raise ValidationError(
            _(
                "The fee book of %(month)s is closed: its dues and payments cannot change. "
                "Reopen it with a reason first, or record the payment in an open month."
            )
            % {"month": month_label(book.month)},
            code="book_closed",
        )


def check_version(book: CellMonthBook, version: int | None) -> None:
    """Refuse a form drawn from an older state of the book (a repeated or stale submit)."""
    if version is not None and int(version) != book.version:
        raise ValidationError(
            _(
                "The fee book of %(month)s has changed since this page was opened (perhaps "
                "this form was already sent). Nothing was recorded: check the book and enter "
                "again what is missing."
            )
            % {"month": month_label(book.month)},
            code="stale",
        )


def bump(book: CellMonthBook) -> None:
    CellMonthBook.objects.filter(pk=book.pk).update(version=F("version") + 1)
    book.version += 1


def require_manage(actor, cell: Unit) -> None:
    if actor is not None and not may_manage_cell(actor, cell):
        raise PermissionDenied


# --- Totals ---------------------------------------------------------------------------------


def totals_from(
    *, dues: dict[int, int], paid: dict[int, int], money: list[tuple[str, int, int]], rule
) -> dict:
    """The book's figures from the month's dues ({member: amount}), what each member paid
    for the month ({member: amount}), the book's non-voided payments ([(method, amount,
    extra)]) and the retention rule in force (or None)."""
    collected = {"cash": 0, "portal": 0, "bank": 0}
    extra = 0
    for method, amount, extra_amount in money:
        collected[method] += amount + extra_amount
        extra += extra_amount
    total = sum(collected.values())
    keeps_bp = rule.cell_keeps_bp if rule is not None else None
    retained = share_of(total, keeps_bp) if keeps_bp is not None else 0
    return {
        "members_count": len(dues),
        "paying_count": sum(1 for amount in dues.values() if amount > 0),
        "paid_count": sum(
            1 for member, amount in dues.items() if amount > 0 and paid.get(member, 0) >= amount
        ),
        "due_total": sum(dues.values()),
        "collected_cash": collected["cash"],
        "collected_portal": collected["portal"],
        "collected_bank": collected["bank"],
        "extra_total": extra,
        "collected_total": total,
        "cell_keeps_bp": keeps_bp,
        "retained": retained,
        "to_remit": total - retained if keeps_bp is not None else 0,
        "retention_rule": rule,
    }


def book_totals(cell: Unit, month: dt.date) -> dict:
    """The figures of the book of `month` as they stand, with the retention rule in force:
    what closing would freeze."""
    month = month_of(month)
    dues = dict(
        MonthlyDue.objects.filter(cell=cell, month=month).values_list("member_id", "amount")
    )
    paid = dict(
        Payment.objects.filter(month=month, voided_at__isnull=True, member_id__in=list(dues))
        .values("member")
        .annotate(total=Sum("amount"))
        .values_list("member", "total")
    )
    money = list(
        Payment.objects.filter(cell=cell, book_month=month, voided_at__isnull=True).values_list(
            "method", "amount", "extra_amount"
        )
    )
    return totals_from(
        dues=dues, paid=paid, money=money, rule=retention_for(cell.committee_id, month)
    )


# --- Closing and reopening --------------------------------------------------------------------


@transaction.atomic
def book_close(*, actor, cell: Unit, month: dt.date, version: int | None) -> CellMonthBook:
    """Close the cell's book of `month` with its totals. Refused when already closed, when
    the form is stale, for a month not yet begun, or when no retention share is in force."""
    require_manage(actor, cell)
    # The lock the dues computation holds: a computation under way finishes before the totals
    # are read, and none starts until the book is closed.
    lock_committee_fees(cell.committee_id)
    book = book_for_update(cell, month)
    if book.status == Status.CLOSED:
        raise ValidationError(
            _("The fee book of %(month)s is already closed.") % {"month": month_label(book.month)},
            code="already_closed",
        )
    check_version(book, version)
    if book.month > this_month():
        raise ValidationError(
            _("%(month)s has not begun; a month is closed once its fees are collected.")
            % {"month": month_label(book.month)},
            code="future_month",
        )
    totals = book_totals(cell, book.month)
    rule = totals.pop("retention_rule")
    if rule is None:
        raise ValidationError(
            _(
                "No retention share is in force for %(month)s, so the amount to remit cannot "
                "be computed. Ask the administrator to enter the retention shares."
            )
            % {"month": month_label(book.month)},
            code="no_retention_rule",
        )
    before = snapshot(book, AUDITED_FIELDS)
    for name, value in totals.items():
        setattr(book, name, value)
    book.retention_rule = rule
    book.status = Status.CLOSED
    book.closed_at = timezone.now()
    book.closed_by = actor if actor is not None and actor.is_authenticated else None
    book.version += 1
    book.save(
        update_fields=[
            *TOTAL_FIELDS,
            "retention_rule",
            "status",
            "closed_at",
            "closed_by",
            "version",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=book,
        changes=diff(before, snapshot(book, AUDITED_FIELDS)),
    )
    return book


@transaction.atomic
def book_reopen(
    *, actor, cell: Unit, month: dt.date, reason: str, version: int | None
) -> CellMonthBook:
    """Reopen a closed book so its dues and payments can be corrected; the reason is kept."""
    require_manage(actor, cell)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Give the reason for reopening."), code="required")}
        )
    book = book_for_update(cell, month)
    if book.status != Status.CLOSED:
        raise ValidationError(
            _("The fee book of %(month)s is open already.") % {"month": month_label(book.month)},
            code="not_closed",
        )
    check_version(book, version)
    before = snapshot(book, AUDITED_FIELDS)
    book.status = Status.OPEN
    book.reopened_count += 1
    book.reopen_reason = reason[:255]
    book.version += 1
    book.save(update_fields=["status", "reopened_count", "reopen_reason", "version", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=book,
        changes=diff(before, snapshot(book, AUDITED_FIELDS)),
    )
    return book
