"""Recording and voiding fee payments.

A payment pays a member's due of `month` and is written in the cell's book of `book_month`
(the month the cell took the money in; by default the month of `paid_on`). Cash collected
at the cell meeting, the national portal (recorded from the cell's confirmation or a bank
statement) and bank transfers all go through `payment_record`; an advance payment for
several months becomes one payment per month; a voluntary amount above the due is
`extra_amount`. Payments are never deleted: a mistaken one is voided with a reason.

Refused with a coded ValidationError, changing nothing:

- `not_positive`: a negative amount or extra, or nothing at all to record;
- `absurd`: more than ABSURD_MULTIPLE times the month's due (or, when there is no due to
  compare with, more than ABSURD_WITHOUT_DUE đồng) — almost always a typing error;
- `member_left`: a month after the member left (closed record, transferred out, struck
  off, expelled, deceased); `before_admission`: a month before the admission month;
- `book_closed`: the book of `book_month` is closed, or the book of `month` is closed and the
  payment is not a late one written in a later book;
- `duplicate_reference`: the same method and transaction reference already recorded for
  this member and month;
- `stale`: the form carried the book's version and the book has changed since (the same
  form sent twice, or someone else wrote into the book meanwhile);
- `future`, `method`, `due_not_computed`, `already_paid`, `not_in_cell` where they apply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.fees.models import MonthlyDue, Payment
from capuyso.fees.services import books
from capuyso.fees.services.books import month_label, month_of
from capuyso.members.models import Member
from capuyso.org.models import Unit

Method = Payment.Method
ABSURD_MULTIPLE = 100
ABSURD_WITHOUT_DUE = 10_000_000
MAX_ADVANCE_MONTHS = 24
AUDITED = (
    "member",
    "month",
    "book_month",
    "amount",
    "extra_amount",
    "method",
    "paid_on",
    "reference",
    "note",
)


def left_on(member: Member) -> dt.date | None:
    """The day the member left the committee's books: the record's closing date, or the
    status date of a member no longer active; None for an active member."""
    if member.closed_on is not None:
        return member.closed_on
    if member.status not in Member.ACTIVE_STATUSES:
        return member.status_since or dt.date.min
    return None


def _error(field: str | None, message: str, code: str) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error


def _clean_money(value, field: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError) as exc:
        raise _error(field, _("Enter a whole number of đồng."), "invalid") from exc
    if number < 0:
        raise _error(field, _("An amount cannot be negative."), "not_positive")
    return number


def check_member_month(member: Member, month: dt.date) -> None:
    left = left_on(member)
    if left is not None and month > left:
        raise _error(
            "month",
            _("%(name)s left on %(date)s; no fee is due for %(month)s or later. Check the month.")
            % {
                "name": member.full_name,
                "date": left.strftime("%d/%m/%Y") if left != dt.date.min else "—",
                "month": month_label(month),
            },
            "member_left",
        )
    if month < month_of(member.admission_date):
        raise _error(
            "month",
            _("%(name)s was admitted on %(date)s; no fee is due for %(month)s.")
            % {
                "name": member.full_name,
                "date": member.admission_date.strftime("%d/%m/%Y"),
                "month": month_label(month),
            },
            "before_admission",
        )


def _due_amount(member: Member, month: dt.date) -> int | None:
    return (
        MonthlyDue.objects.filter(member=member, month=month)
        .values_list("amount", flat=True)
        .first()
    )


def _absurd_cap(member: Member, month: dt.date) -> tuple[int, int | None]:
    """The largest payment accepted for one month, and the due it was derived from."""
    due = _due_amount(member, month)
    if not due:
        due = (
            MonthlyDue.objects.filter(member=member, amount__gt=0)
            .order_by("-month")
            .values_list("amount", flat=True)
            .first()
        )
    if due:
        return due * ABSURD_MULTIPLE, due
    return ABSURD_WITHOUT_DUE, None


def _paid_for(member: Member, month: dt.date) -> int:
    return (
        Payment.objects.filter(member=member, month=month, voided_at__isnull=True).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )


def _write(
    *,
    actor,
    member: Member,
    cell: Unit,
    month: dt.date,
    book_month: dt.date,
    amount: int,
    extra_amount: int,
    method: str,
    paid_on: dt.date,
    reference: str,
    note: str,
) -> Payment:
    """Validate one payment against the member, the amounts and the reference, and write it
    with its audit row. The caller holds the lock on the book of `book_month`."""
    if amount + extra_amount <= 0:
        raise _error("amount", _("Enter the amount paid."), "not_positive")
    check_member_month(member, month)
    cap, due = _absurd_cap(member, month)
    if amount + extra_amount > cap:
        if due is not None:
            message = _(
                "%(amount)s đ is more than %(times)s times the due of %(due)s đ for %(month)s; "
                "check the figure (a voluntary extra this large is recorded by the committee)."
            ) % {
                "amount": f"{amount + extra_amount:,}".replace(",", "."),
                "times": ABSURD_MULTIPLE,
                "due": f"{due:,}".replace(",", "."),
                "month": month_label(month),
            }
        else:
            message = _(
                "%(amount)s đ is more than %(cap)s đ for one month while no due is computed; "
                "check the figure."
            ) % {
                "amount": f"{amount + extra_amount:,}".replace(",", "."),
                "cap": f"{cap:,}".replace(",", "."),
            }
        raise _error("amount", message, "absurd")
    if (
        reference
        and Payment.objects.filter(
            committee_id=member.committee_id,
            method=method,
            reference=reference,
            member=member,
            month=month,
            voided_at__isnull=True,
        ).exists()
    ):
        raise _error(
            "reference",
            _("A payment with reference %(reference)s is already recorded for %(month)s.")
            % {"reference": reference, "month": month_label(month)},
            "duplicate_reference",
        )
    payment = Payment(
        committee_id=member.committee_id,
        member=member,
        cell=cell,
        month=month,
        book_month=book_month,
        amount=amount,
        extra_amount=extra_amount,
        method=method,
        paid_on=paid_on,
        reference=reference,
        note=note,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError as exc:  # the reference raced in from another transaction
        raise _error(
            "reference",
            _("A payment with reference %(reference)s is already recorded for %(month)s.")
            % {"reference": reference, "month": month_label(month)},
            "duplicate_reference",
        ) from exc
    audit_record(actor=actor, verb=Verb.CREATE, obj=payment, changes=created(payment, AUDITED))
    return payment


def _common(method: str, paid_on: dt.date | None, reference: str, note: str):
    if method not in Method.values:
        raise _error("method", _("Choose how the fee was paid."), "method")
    if paid_on is None:
        raise _error("paid_on", _("Enter the day the fee was paid."), "required")
    if paid_on > timezone.localdate():
        raise _error(
            "paid_on", _("This date is in the future; check the day, month and year."), "future"
        )
    return " ".join((reference or "").split())[:80], (note or "").strip()[:255]


def _check_book_month(book_month: dt.date, paid_on: dt.date) -> None:
    """A payment is written in the book of a month that has begun and not before the month
    the money was taken in (a late payment goes in a later book, never an earlier one)."""
    if book_month > month_of(timezone.localdate()):
        raise _error(
            "book_month",
            _("The book of %(month)s is not open yet: %(month)s has not begun.")
            % {"month": month_label(book_month)},
            "book_month",
        )
    if book_month < month_of(paid_on):
        raise _error(
            "book_month",
            _(
                "Money paid on %(date)s is written in the book of %(paid_month)s or a later "
                "one, not in the book of %(month)s."
            )
            % {
                "date": paid_on.strftime("%d/%m/%Y"),
                "paid_month": month_label(month_of(paid_on)),
                "month": month_label(book_month),
            },
            "book_month",
        )


def _lock_books(cell: Unit, book_month: dt.date, months: list[dt.date], version):
    """Lock the book of `book_month` (checking the form's version) and the books of the
    months paid for; refuse when a book the payment would change is closed. A late payment
    (month before book_month) is written in the open later book and leaves the closed book
    of its month untouched."""
    locked = {}
    for month in sorted({book_month, *months}):
        locked[month] = books.book_for_update(cell, month)
    book = locked[book_month]
    books.check_version(book, version)
    books.check_open(book)
    for month in months:
        if month >= book_month:
            books.check_open(locked[month])
    return book


@transaction.atomic
def payment_record(
    *,
    actor,
    member: Member,
    month: dt.date,
    amount: int,
    method: str,
    paid_on: dt.date,
    extra_amount: int = 0,
    reference: str = "",
    note: str = "",
    book_month: dt.date | None = None,
    book_version: int | None = None,
) -> Payment:
    """Record one payment of `member`'s fee for `month` (see the module for refusals)."""
    cell = member.cell
    books.require_manage(actor, cell)
    reference, note = _common(method, paid_on, reference, note)
    amount = _clean_money(amount, "amount")
    extra_amount = _clean_money(extra_amount, "extra_amount")
    month = month_of(month)
    book_month = month_of(book_month or paid_on)
    _check_book_month(book_month, paid_on)
    book = _lock_books(cell, book_month, [month], book_version)
    payment = _write(
        actor=actor,
        member=member,
        cell=cell,
        month=month,
        book_month=book_month,
        amount=amount,
        extra_amount=extra_amount,
        method=method,
        paid_on=paid_on,
        reference=reference,
        note=note,
    )
    books.bump(book)
    return payment


@transaction.atomic
def payments_record_advance(
    *,
    actor,
    member: Member,
    first_month: dt.date,
    months: int,
    method: str,
    paid_on: dt.date,
    amounts: list[int] | None = None,
    extra_amount: int = 0,
    reference: str = "",
    note: str = "",
    book_month: dt.date | None = None,
    book_version: int | None = None,
) -> list[Payment]:
    """Record a payment covering `months` months from `first_month` as one payment per month.
    Each month takes the amount given in `amounts`, else the month's computed due; when a
    month has no computed due and no amount is given, nothing is recorded. Months whose due
    is zero (exempt) are skipped. A voluntary extra goes on the first month's payment."""
    cell = member.cell
    books.require_manage(actor, cell)
    reference, note = _common(method, paid_on, reference, note)
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= MAX_ADVANCE_MONTHS:
        raise _error(
            "months",
            _("Pay for 1 to %(max)s months at a time.") % {"max": MAX_ADVANCE_MONTHS},
            "months",
        )
    first_month = month_of(first_month)
    wanted = [books.add_months(first_month, i) for i in range(months)]
    if amounts is not None and len(amounts) != months:
        raise _error("amounts", _("Give one amount per month."), "amounts")
    extra_amount = _clean_money(extra_amount, "extra_amount")
    dues = dict(
        MonthlyDue.objects.filter(member=member, month__in=wanted).values_list("month", "amount")
    )
    plan: list[tuple[dt.date, int]] = []
    missing = []
    for index, month in enumerate(wanted):
        if amounts is not None and amounts[index] not in (None, ""):
            plan.append((month, _clean_money(amounts[index], "amounts")))
        elif month in dues:
            plan.append((month, dues[month]))
        else:
            missing.append(month)
    if missing:
        raise _error(
            "months",
            _(
                "The dues of %(months)s are not computed yet. Compute the dues of those months "
                "first, or enter the amount of each month."
            )
            % {"months": ", ".join(month_label(m) for m in missing)},
            "due_not_computed",
        )
    plan = [(month, amount) for month, amount in plan if amount > 0]
    if not plan:
        raise _error("amount", _("Nothing is due for these months."), "not_positive")
    book_month = month_of(book_month or paid_on)
    _check_book_month(book_month, paid_on)
    book = _lock_books(cell, book_month, [m for m, _a in plan], book_version)
    payments = []
    for index, (month, amount) in enumerate(plan):
        payments.append(
            _write(
                actor=actor,
                member=member,
                cell=cell,
                month=month,
                book_month=book_month,
                amount=amount,
                extra_amount=extra_amount if index == 0 else 0,
                method=method,
                paid_on=paid_on,
                reference=reference,
                note=note,
            )
        )
    books.bump(book)
    return payments


@dataclass
class CashRow:
    """One line of the cell meeting's collection: the member paid `amount` (None: exactly
    the month's due) and `extra_amount` above it."""

    member: Member
    amount: int | None = None
    extra_amount: int = 0


@transaction.atomic
def payments_record_cash(
    *,
    actor,
    cell: Unit,
    month: dt.date,
    rows: list[CashRow],
    paid_on: dt.date,
    book_version: int | None,
    note: str = "",
) -> list[Payment]:
    """Record the cash collected at the cell meeting of `month` for many members at once, in
    the book of `month`. All or nothing: every refused line is reported (by member code) and
    nothing is written. Sending the same form twice is refused as `stale`."""
    books.require_manage(actor, cell)
    _reference, note = _common(Method.CASH, paid_on, "", note)
    month = month_of(month)
    if not rows:
        raise _error(None, _("Tick the members who paid."), "empty")
    book = _lock_books(cell, month, [month], book_version)
    dues = dict(
        MonthlyDue.objects.filter(month=month, member__in=[r.member for r in rows]).values_list(
            "member_id", "amount"
        )
    )
    errors: dict[str, list[ValidationError]] = {}
    payments = []
    for row in rows:
        member = row.member
        key = str(member.code)
        try:
            if member.cell_id != cell.pk or member.committee_id != cell.committee_id:
                raise _error(
                    None,
                    _("%(name)s is not a member of this cell.") % {"name": member.full_name},
                    "not_in_cell",
                )
            amount = row.amount
            if amount is None:
                if member.pk not in dues:
                    raise _error(
                        None,
                        _(
                            "The due of %(name)s for %(month)s is not computed; compute the "
                            "month's dues or enter the amount."
                        )
                        % {"name": member.full_name, "month": month_label(month)},
                        "due_not_computed",
                    )
                due = dues[member.pk]
                amount = max(due - _paid_for(member, month), 0)
                if due and not amount and not row.extra_amount:
                    raise _error(
                        None,
                        _("%(name)s has already paid the due of %(month)s.")
                        % {"name": member.full_name, "month": month_label(month)},
                        "already_paid",
                    )
            elif member.pk in dues:
                left = max(dues[member.pk] - _paid_for(member, month), 0)
                if _clean_money(amount, "amount") > left:
                    raise _error(
                        None,
                        _(
                            "%(name)s owes %(left)s for %(month)s; %(amount)s is more. For "
                            "several months use the advance payment form (one payment per "
                            "month); a voluntary amount goes in the extra column."
                        )
                        % {
                            "name": member.full_name,
                            "left": _vnd(left),
                            "amount": _vnd(amount),
                            "month": month_label(month),
                        },
                        "over_due",
                    )
            with transaction.atomic():
                payments.append(
                    _write(
                        actor=actor,
                        member=member,
                        cell=cell,
                        month=month,
                        book_month=month,
                        amount=_clean_money(amount, "amount"),
                        extra_amount=_clean_money(row.extra_amount, "extra_amount"),
                        method=Method.CASH,
                        paid_on=paid_on,
                        reference="",
                        note=note,
                    )
                )
        except ValidationError as exc:
            errors.setdefault(key, []).extend(_flat(exc))
    if errors:
        raise ValidationError(errors)
    books.bump(book)
    return payments


def _vnd(amount: int) -> str:
    return f"{amount:,} đ".replace(",", ".")


def _flat(error: ValidationError) -> list[ValidationError]:
    """The single errors inside `error`, each with its own message and code."""
    if hasattr(error, "error_dict"):
        return [item for items in error.error_dict.values() for item in items]
    return list(error.error_list)


@transaction.atomic
def payment_void(
    *, actor, payment: Payment, reason: str, book_version: int | None = None
) -> Payment:
    """Void a mistaken payment with a reason; it stays in the book, struck through and out
    of every total. Voiding it again changes nothing."""
    cell = payment.cell
    books.require_manage(actor, cell)
    reason = " ".join((reason or "").split())
    if not reason:
        raise _error("reason", _("Give the reason for voiding this payment."), "required")
    book = books.book_for_update(cell, payment.book_month)
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.voided_at is not None:
        payment.__dict__.update(locked.__dict__)
        return payment
    books.check_version(book, book_version)
    books.check_open(book)
    if locked.month > locked.book_month:
        # an advance payment also counts in its own month's book (as when recording it)
        books.check_open(books.book_for_update(cell, locked.month))
    before = snapshot(locked, ("voided_at", "void_reason"))
    locked.voided_at = timezone.now()
    locked.voided_by = actor if actor is not None and actor.is_authenticated else None
    locked.void_reason = reason[:255]
    locked.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=locked,
        changes=diff(before, snapshot(locked, ("voided_at", "void_reason"))),
    )
    _reopen_statement_line(actor, locked)
    books.bump(book)
    payment.__dict__.update(locked.__dict__)
    return payment


def _reopen_statement_line(actor, payment: Payment) -> None:
    """A voided payment matched from a bank statement gives its line back: UNMATCHED with the
    reason `payment_voided` and no payment, so the office can resolve it again."""
    from capuyso.fees.models import BankStatement, StatementLine

    line = StatementLine.objects.select_for_update().filter(payment=payment).first()
    if line is None:
        return
    fields = ("status", "payment", "unmatched_reason")
    before = snapshot(line, fields)
    line.status = StatementLine.Status.UNMATCHED
    line.unmatched_reason = "payment_voided"
    line.payment = None
    line.resolved_by = None
    line.resolved_at = None
    line.save(
        update_fields=[
            "status",
            "unmatched_reason",
            "payment",
            "resolved_by",
            "resolved_at",
            "updated_at",
        ]
    )
    BankStatement.objects.filter(pk=line.statement_id, matched_count__gt=0).update(
        matched_count=F("matched_count") - 1
    )
    audit_record(
        actor=actor, verb=Verb.UPDATE, obj=line, changes=diff(before, snapshot(line, fields))
    )
