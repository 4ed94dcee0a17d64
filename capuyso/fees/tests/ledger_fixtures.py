"""Helpers of the ledger tests (payments, books, balances, pages): members of the cast's
cells and their monthly dues written directly, so the ledger is tested on exact figures
without going through the dues computation."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from capuyso.core.testing import make_member
from capuyso.fees.models import MonthlyDue

M = dt.date  # M(2026, 3, 1)


def member_in(cast, name: str = "Phạm Văn An", cell=None, **extra):
    return make_member(cast.committee, cell or cast.cell, name, **extra)


def due(member, month: dt.date, amount: int, **extra) -> MonthlyDue:
    """The member's due of `month`, as the dues computation would store it."""
    values = {
        "committee_id": member.committee_id,
        "cell_id": member.cell_id,
        "gross": amount,
        "basis_missing": False,
        "computed_at": timezone.now(),
    }
    values.update(extra)
    row, _ = MonthlyDue.objects.update_or_create(
        member=member, month=month, defaults={"amount": amount, **values}
    )
    return row


def dues(member, months: list[dt.date], amount: int) -> list[MonthlyDue]:
    return [due(member, month, amount) for month in months]


def months_of(year: int, first: int = 1, last: int = 12) -> list[dt.date]:
    return [dt.date(year, m, 1) for m in range(first, last + 1)]
