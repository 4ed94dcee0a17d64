"""A member's running balance and month-by-month statement."""

from __future__ import annotations

import datetime as dt

import pytest

from capuyso.fees import selectors
from capuyso.fees.models import Payment
from capuyso.fees.services.payments import payment_record, payment_void
from capuyso.fees.tests import factories as f

MAR, APR, MAY, JUN = (dt.date(2026, m, 1) for m in (3, 4, 5, 6))
TODAY = dt.date(2026, 5, 20)  # May is the current month in these tests


def pay(cast, member, month, amount, *, extra=0, paid_on=dt.date(2026, 3, 8), method="cash"):
    return payment_record(
        actor=cast.cell_secretary,
        member=member,
        month=month,
        amount=amount,
        extra_amount=extra,
        method=method,
        paid_on=paid_on,
    )


@pytest.fixture
def an(cast):
    member = f.member_with_basis(cast, "salaried", 5_000_000, full_name="Phạm Văn An")
    for month in (MAR, APR, MAY, JUN):
        f.compute(cast.committee, month)
    return member


def test_balance_is_paid_minus_dues_up_to_the_current_month(cast, an):
    assert selectors.member_balance(an, today=TODAY) == -150_000  # March, April, May
    pay(cast, an, MAR, 50_000)
    pay(cast, an, APR, 20_000, extra=30_000)  # the extra is not counted against dues
    assert selectors.member_balance(an, today=TODAY) == -80_000


def test_paying_ahead_makes_the_balance_positive_and_voids_do_not_count(cast, an):
    for month in (MAR, APR, MAY, JUN):
        pay(cast, an, month, 50_000)
    assert selectors.member_balance(an, today=TODAY) == 50_000  # June is paid ahead
    mistaken = pay(cast, an, JUN, 50_000, paid_on=dt.date(2026, 3, 9))
    assert selectors.member_balance(an, today=TODAY) == 100_000
    payment_void(actor=cast.cell_secretary, payment=mistaken, reason="Ghi hai lần")
    assert selectors.member_balance(an, today=TODAY) == 50_000


def test_statement_lists_each_month_with_due_paid_and_difference(cast, an):
    pay(cast, an, MAR, 50_000)
    pay(cast, an, APR, 20_000, extra=5_000, method=Payment.Method.PORTAL)
    statement = selectors.member_statement(an, 2026, today=TODAY)
    lines = {line.month: line for line in statement.lines}
    assert [m.month for m in statement.lines][:2] == [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert (lines[MAR].due_amount, lines[MAR].paid, lines[MAR].difference) == (50_000, 50_000, 0)
    assert lines[MAR].status == "paid"
    assert (lines[APR].paid, lines[APR].extra, lines[APR].difference) == (20_000, 5_000, -30_000)
    assert lines[APR].status == "partial" and lines[APR].payable == 30_000
    assert lines[MAY].status == "unpaid" and not lines[MAY].over
    assert lines[JUN].status == "unpaid"  # computed ahead, shown, not yet over
    assert lines[dt.date(2026, 1, 1)].status == "not_computed"
    assert (statement.due_total, statement.paid_total, statement.extra_total) == (
        200_000,
        70_000,
        5_000,
    )
    assert statement.balance == -80_000 and statement.years == [2026]
    assert lines[MAR].due.group.slug == "salaried" and lines[MAR].due.rate_bp == 100


def test_statement_shows_exempt_months_and_voided_payments(cast, an):
    f.give_relief(an, start=MAY, end=MAY)
    f.compute(cast.committee, MAY)
    voided = pay(cast, an, MAR, 50_000)
    payment_void(actor=cast.cell_secretary, payment=voided, reason="Nhầm")
    statement = selectors.member_statement(an, 2026, today=TODAY)
    lines = {line.month: line for line in statement.lines}
    assert lines[MAY].status == "exempt" and lines[MAY].due.relief_percent == 100
    assert lines[MAR].paid == 0 and lines[MAR].payments[0].voided_at is not None
    assert [p.pk for p in statement.payments] == [voided.pk]
