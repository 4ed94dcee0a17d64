"""Closing a cell's month: totals by method, the share kept (half up), the amount to remit;
a closed book is frozen; reopening needs a reason and is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from capuyso.audit.models import AuditEvent
from capuyso.fees.models import CellMonthBook, Payment
from capuyso.fees.services import books
from capuyso.fees.services.dues import dues_compute
from capuyso.fees.services.payments import payment_record
from capuyso.fees.tests import factories as f

MAR, APR = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
Method = Payment.Method
OPEN, CLOSED = CellMonthBook.Status.OPEN, CellMonthBook.Status.CLOSED


def pay(cast, member, amount, method=Method.CASH, *, month=MAR, extra=0, day=8, **kw):
    return payment_record(
        actor=cast.cell_secretary,
        member=member,
        month=month,
        amount=amount,
        extra_amount=extra,
        method=method,
        paid_on=dt.date(2026, 3, day),
        **kw,
    )


@pytest.fixture
def march(cast):
    """Four members: 76,543 + 50,000 + 5,000 + (no basis) due; paid in three ways."""
    an = f.member_with_basis(cast, "salaried", 7_654_321, full_name="Phạm Văn An")
    binh = f.member_with_basis(cast, "salaried", 5_000_000, full_name="Lê Thị Bình")
    cuong = f.member_with_basis(cast, "student", full_name="Trịnh Văn Cường")
    f.member_with_basis(cast, "farmer", full_name="Đỗ Văn Dũng")  # no rate: not computed
    f.compute(cast.committee, MAR)
    pay(cast, an, 76_543)
    pay(cast, binh, 30_000, Method.PORTAL, reference="DVC-1")
    pay(cast, cuong, 5_000, Method.BANK, extra=12_345, reference="FT-1")
    pay(cast, binh, 50_000, Method.CASH, month=APR)  # paid ahead for April, in March's book
    return an, binh, cuong


def test_closing_freezes_the_totals_and_the_share_kept_half_up(cast, march):
    book = books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    assert book.status == "closed" and book.closed_by == cast.cell_secretary
    assert (book.members_count, book.paying_count, book.paid_count) == (4, 3, 2)
    assert book.due_total == 76_543 + 50_000 + 5_000
    assert (book.collected_cash, book.collected_portal, book.collected_bank) == (
        126_543,
        30_000,
        17_345,
    )
    assert book.extra_total == 12_345 and book.collected_total == 173_888
    # 30 % of 173,888 = 52,166.4 → 52,166 kept, 121,722 to remit
    assert (book.cell_keeps_bp, book.retained, book.to_remit) == (3000, 52_166, 121_722)
    event = AuditEvent.objects.filter(object_type="fees.cellmonthbook").latest("seq")
    assert event.changes["status"] == [str(OPEN.label), str(CLOSED.label)]
    assert event.changes["to_remit"] == [0, 121_722]


def test_the_share_rounds_half_up_to_the_dong(cast):
    member = f.member_with_basis(cast, "student")
    f.set_retention(cast.committee, since=MAR, cell_keeps_bp=3333)
    f.compute(cast.committee, MAR)
    pay(cast, member, 5_000, extra=1_000)  # 6,000 × 33.33 % = 1,999.8 → 2,000
    pay(cast, member, 1_000, month=APR)  # 7,000 × 33.33 % = 2,333.1 → 2,333
    book = books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    assert (book.collected_total, book.retained, book.to_remit) == (7_000, 2_333, 4_667)
    assert books.share_of(6_000, 3333) == 2_000 and books.share_of(15, 5000) == 8


def test_a_committee_retention_rule_wins_over_the_platform_rule(cast, march):
    f.set_retention(cast.committee, since=MAR, cell_keeps_bp=5000)
    f.set_retention(cast.other, since=MAR, cell_keeps_bp=1000)
    book = books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    assert (book.cell_keeps_bp, book.retained, book.to_remit) == (5000, 86_944, 86_944)


def test_a_closed_book_refuses_changes_and_dues_are_not_recomputed(cast, march):
    an = march[0]
    books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    with pytest.raises(ValidationError) as caught:
        pay(cast, an, 10_000, day=9)
    assert caught.value.code == "book_closed"
    an.fee_bases.update(amount=9_000_000)  # a correction the closed book must not take
    run = dues_compute(committee=cast.committee, month=MAR)
    assert run.skipped_closed == 4 and f.due_of(an, MAR).amount == 76_543


def test_closing_twice_or_from_a_stale_page_is_refused(cast, march):
    version = CellMonthBook.objects.get(cell=cast.cell, month=MAR).version
    with pytest.raises(ValidationError) as caught:
        books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=version - 1)
    assert caught.value.code == "stale"
    books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=version)
    with pytest.raises(ValidationError) as caught:
        books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=version + 1)
    assert caught.value.code == "already_closed"


def test_a_month_not_yet_begun_cannot_be_closed(cast):
    next_month = books.add_months(books.this_month(), 1)
    with pytest.raises(ValidationError) as caught:
        books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=next_month, version=None)
    assert caught.value.code == "future_month"
    assert not CellMonthBook.objects.filter(status="closed").exists()


def test_without_a_retention_rule_the_month_cannot_be_closed(cast):
    with pytest.raises(ValidationError) as caught:  # the seeded rule starts on 03/02/2026
        books.book_close(
            actor=cast.cell_secretary, cell=cast.cell, month=dt.date(2026, 2, 1), version=None
        )
    assert caught.value.code == "no_retention_rule"


def test_reopening_needs_a_reason_and_is_audited(cast, march):
    an = march[0]
    book = books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    with pytest.raises(ValidationError) as caught:
        books.book_reopen(
            actor=cast.cell_secretary, cell=cast.cell, month=MAR, reason=" ", version=None
        )
    assert set(caught.value.error_dict) == {"reason"}
    book = books.book_reopen(
        actor=cast.cell_secretary,
        cell=cast.cell,
        month=MAR,
        reason="Bổ sung khoản nộp của đồng chí An",
        version=book.version,
    )
    assert (book.status, book.reopened_count) == ("open", 1)
    event = AuditEvent.objects.filter(object_type="fees.cellmonthbook").latest("seq")
    assert event.changes["status"] == [str(CLOSED.label), str(OPEN.label)]
    assert event.changes["reopen_reason"] == ["", "Bổ sung khoản nộp của đồng chí An"]
    pay(cast, an, 10_000, day=9)
    with pytest.raises(ValidationError) as caught:  # reopening an open book
        books.book_reopen(
            actor=cast.cell_secretary, cell=cast.cell, month=MAR, reason="x", version=None
        )
    assert caught.value.code == "not_closed"
    again = books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    assert again.collected_total == 183_888 and again.reopened_count == 1


def test_only_those_who_manage_the_cell_close_it(cast, march):
    for user in (cast.inspector, cast.member, cast.outsider):
        with pytest.raises(PermissionDenied):
            books.book_close(actor=user, cell=cast.cell, month=MAR, version=None)
    assert books.book_close(actor=cast.clerk, cell=cast.cell, month=MAR, version=None).status == (
        "closed"
    )
