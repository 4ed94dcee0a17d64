"""Payment codes: what a member's VietQR for a month's dues holds (the account, the amount
still owed, the note), and a cell's code for remitting its share to the committee.

- The account: the member's cell's active bank account when it has one, else the
  committee's (an account without a cell). None when neither is configured.
- The amount: the month's due minus what was paid for it (voided payments left out). Nothing
  owed, or no due computed yet, gives a static code (the payer types the amount) with the
  same note.
- The note: `vietqr.format_fee_note(cell ref, member ref, year, month)`; references are given
  on first use (`services.refs`).
- A cell's remittance: to the committee's account, for the closed book's `to_remit` less what
  was already remitted for the month; an open book gives a static code.

Reads only, except the first use of a fee reference, which creates it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum

from capuyso.fees import vietqr
from capuyso.fees.models import (
    BankAccount,
    CellMonthBook,
    FeeReference,
    MonthlyDue,
    Payment,
    Remittance,
)
from capuyso.fees.services.refs import fee_ref_for_cell, fee_ref_for_member
from capuyso.members.models import Member
from capuyso.org.models import Unit


@dataclass
class PaymentCode:
    """A payment code ready to show: `payload` is None when there is no account (or the
    note cannot be written, `error` then says why)."""

    month: dt.date
    account: BankAccount | None
    note: str
    amount: int | None  # None: static code
    due: int | None = None  # the month's due (None when not computed)
    paid: int = 0
    payload: str | None = None
    error: str = ""
    member: Member | None = None
    cell: Unit | None = None

    @property
    def is_static(self) -> bool:
        return self.amount is None


def committee_account(committee_id: int) -> BankAccount | None:
    return (
        BankAccount.objects.filter(committee_id=committee_id, cell__isnull=True, is_active=True)
        .order_by("pk")
        .first()
    )


def account_for_cell(cell: Unit) -> BankAccount | None:
    """The cell's own active account, else the committee's."""
    own = (
        BankAccount.objects.filter(committee_id=cell.committee_id, cell=cell, is_active=True)
        .order_by("pk")
        .first()
    )
    return own or committee_account(cell.committee_id)


def _finish(code: PaymentCode, cell_ref: int, member_ref: int | None) -> PaymentCode:
    try:
        code.note = vietqr.format_fee_note(cell_ref, member_ref, code.month.year, code.month.month)
        if code.account is not None:
            code.payload = vietqr.build_payload(
                bank_bin=code.account.bank_bin,
                account=code.account.account_number,
                amount=code.amount,
                note=code.note,
            )
    except vietqr.VietQRError as exc:
        code.payload = None
        code.error = exc.message
    return code


def _owed(due: MonthlyDue | None, paid: int) -> tuple[int | None, int | None]:
    """(the due, the amount of a dynamic code or None)."""
    if due is None or due.basis_missing:
        return None, None
    rest = due.amount - paid
    return due.amount, rest if rest > 0 else None


def member_code(member: Member, month: dt.date) -> PaymentCode:
    """The member's code for `month` (the member must have a cell)."""
    cell = member.cell
    due = MonthlyDue.objects.filter(member=member, month=month).first()
    paid = (
        Payment.objects.filter(member=member, month=month, voided_at__isnull=True).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    due_amount, amount = _owed(due, paid)
    code = PaymentCode(
        month=month,
        account=account_for_cell(cell),
        note="",
        amount=amount,
        due=due_amount,
        paid=paid,
        member=member,
        cell=cell,
    )
    return _finish(code, fee_ref_for_cell(cell), fee_ref_for_member(member))


def cell_members_codes(cell: Unit, month: dt.date) -> list[PaymentCode]:
    """A code for every member of the cell's book of `month` (the members with a due row;
    before dues are computed, the cell's current members), in name order."""
    dues = {
        d.member_id: d
        for d in MonthlyDue.objects.filter(cell=cell, month=month).select_related("member")
    }
    if dues:
        members: Iterable[Member] = sorted(
            (d.member for d in dues.values()), key=lambda m: (m.full_name_folded, m.pk)
        )
    else:
        members = Member.objects.filter(cell=cell, status__in=Member.ACTIVE_STATUSES).order_by(
            "full_name_folded", "pk"
        )
    members = list(members)
    paid = dict(
        Payment.objects.filter(
            member__in=[m.pk for m in members], month=month, voided_at__isnull=True
        )
        .values("member")
        .annotate(total=Sum("amount"))
        .values_list("member", "total")
    )
    refs = dict(
        FeeReference.objects.filter(
            member__in=[m.pk for m in members], committee_id=cell.committee_id
        ).values_list("member_id", "number")
    )
    account = account_for_cell(cell)
    cell_ref = fee_ref_for_cell(cell)
    codes = []
    for member in members:
        member.cell = cell
        due_amount, amount = _owed(dues.get(member.pk), paid.get(member.pk, 0))
        code = PaymentCode(
            month=month,
            account=account,
            note="",
            amount=amount,
            due=due_amount,
            paid=paid.get(member.pk, 0),
            member=member,
            cell=cell,
        )
        member_ref = refs.get(member.pk) or fee_ref_for_member(member)
        codes.append(_finish(code, cell_ref, member_ref))
    return codes


def cell_remittance_code(cell: Unit, month: dt.date) -> PaymentCode:
    """The cell's code for remitting the month's share to the committee's account."""
    book = CellMonthBook.objects.filter(cell=cell, month=month).first()
    remitted = (
        Remittance.objects.filter(
            cell=cell,
            month=month,
            direction=Remittance.Direction.CELL_TO_COMMITTEE,
            voided_at__isnull=True,
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    due = amount = None
    if book is not None and book.status == CellMonthBook.Status.CLOSED:
        due = book.to_remit
        rest = book.to_remit - remitted
        amount = rest if rest > 0 else None
    code = PaymentCode(
        month=month,
        account=committee_account(cell.committee_id),
        note="",
        amount=amount,
        due=due,
        paid=remitted,
        cell=cell,
    )
    return _finish(code, fee_ref_for_cell(cell), None)
