"""Recording and voiding payments: cash, portal, bank, advance, late, extra; every refusal
changes nothing."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from capuyso.accounts.models import User
from capuyso.audit.models import AuditEvent
from capuyso.core.testing import build_cast, make_member
from capuyso.fees.models import CellMonthBook, Payment
from capuyso.fees.services import books
from capuyso.fees.services.payments import (
    ABSURD_WITHOUT_DUE,
    CashRow,
    payment_record,
    payment_void,
    payments_record_advance,
    payments_record_cash,
)
from capuyso.fees.tests import factories as f
from capuyso.members.models import Member

MAR, APR, MAY, JUN = (dt.date(2026, m, 1) for m in (3, 4, 5, 6))
Method = Payment.Method


def codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for items in error.error_dict.values() for e in items}
    return {e.code for e in error.error_list}


def fields(error: ValidationError) -> set[str]:
    return set(error.error_dict) if hasattr(error, "error_dict") else set()


def member_in(cast, name: str, cell=None, **extra):
    return make_member(cast.committee, cell or cast.cell, name, **extra)


def salaried(cast, salary: int = 5_000_000, months=(MAR,), name="Phạm Văn An", cell=None):
    """A salaried member (1 % of `salary` a month) with the dues of `months` computed."""
    member = f.member_with_basis(cast, "salaried", salary, full_name=name, cell=cell)
    for month in months:
        f.compute(cast.committee, month)
    return member


@pytest.fixture
def an(cast):
    return salaried(cast)


def record(cast, member, **extra):
    values = {
        "actor": cast.cell_secretary,
        "member": member,
        "month": MAR,
        "amount": 50_000,
        "method": Method.CASH,
        "paid_on": dt.date(2026, 3, 8),
    }
    values.update(extra)
    return payment_record(**values)


def test_cash_payment_is_recorded_in_the_book_of_the_day_it_was_paid(cast, an):
    payment = record(cast, an)
    assert (payment.month, payment.book_month, payment.amount, payment.method) == (
        MAR,
        MAR,
        50_000,
        "cash",
    )
    assert payment.cell == cast.cell and payment.recorded_by == cast.cell_secretary
    book = CellMonthBook.objects.get(cell=cast.cell, month=MAR)
    assert book.version == 2 and book.status == "open"
    event = AuditEvent.objects.get(object_type="fees.payment", object_id=str(payment.code))
    assert event.verb == "create" and event.changes["amount"] == [None, 50_000]


def test_portal_and_bank_payments_keep_their_reference(cast, an):
    portal = record(cast, an, amount=20_000, method=Method.PORTAL, reference="DVC 2026 0001")
    bank = record(cast, an, amount=30_000, method=Method.BANK, reference=" FT26067  12345 ")
    assert portal.reference == "DVC 2026 0001" and bank.reference == "FT26067 12345"
    assert Payment.objects.filter(member=an, month=MAR).count() == 2


def test_late_payment_goes_in_the_open_book_of_the_day_even_when_its_month_is_closed(cast, an):
    books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    late = record(cast, an, paid_on=dt.date(2026, 5, 9))
    assert (late.month, late.book_month) == (MAR, MAY)
    march = CellMonthBook.objects.get(cell=cast.cell, month=MAR)
    assert march.status == "closed" and march.collected_total == 0


def test_voluntary_extra_is_kept_apart_from_the_due(cast, an):
    payment = record(cast, an, extra_amount=100_000)
    assert (payment.amount, payment.extra_amount) == (50_000, 100_000)
    only_extra = record(cast, an, amount=0, extra_amount=20_000, paid_on=dt.date(2026, 3, 9))
    assert only_extra.amount == 0


def test_advance_payment_splits_into_one_payment_per_month_at_each_due(cast, an):
    f.set_basis(an, "salaried", 6_000_000, since=JUN)
    for month in (APR, MAY, JUN):
        f.compute(cast.committee, month)
    made = payments_record_advance(
        actor=cast.cell_secretary,
        member=an,
        first_month=MAR,
        months=4,
        method=Method.BANK,
        paid_on=dt.date(2026, 3, 2),
        reference="FT1",
        extra_amount=10_000,
    )
    assert [(p.month, p.amount, p.extra_amount) for p in made] == [
        (MAR, 50_000, 10_000),
        (APR, 50_000, 0),
        (MAY, 50_000, 0),
        (JUN, 60_000, 0),
    ]
    assert {p.book_month for p in made} == {MAR} and {p.reference for p in made} == {"FT1"}
    assert CellMonthBook.objects.get(cell=cast.cell, month=MAR).version == 2


def test_advance_payment_without_computed_dues_is_refused_and_asks_for_amounts(cast, an):
    with pytest.raises(ValidationError) as caught:
        payments_record_advance(
            actor=cast.cell_secretary,
            member=an,
            first_month=MAR,
            months=3,
            method=Method.CASH,
            paid_on=dt.date(2026, 3, 2),
        )
    assert codes(caught.value) == {"due_not_computed"}
    assert "04/2026, 05/2026" in caught.value.messages[0]
    assert not Payment.objects.exists()
    made = payments_record_advance(
        actor=cast.cell_secretary,
        member=an,
        first_month=MAR,
        months=3,
        method=Method.CASH,
        paid_on=dt.date(2026, 3, 2),
        amounts=[None, 45_000, 45_000],
    )
    assert [p.amount for p in made] == [50_000, 45_000, 45_000]


def test_advance_payment_skips_exempt_months(cast, an):
    f.give_relief(an, start=APR, end=APR)
    f.compute(cast.committee, APR)
    assert f.due_of(an, APR).amount == 0
    made = payments_record_advance(
        actor=cast.cell_secretary,
        member=an,
        first_month=MAR,
        months=2,
        method=Method.CASH,
        paid_on=dt.date(2026, 3, 2),
    )
    assert [p.month for p in made] == [MAR]


@pytest.mark.parametrize(
    ("amount", "extra", "code"),
    [(0, 0, "not_positive"), (-5_000, 0, "not_positive"), (50_000, -1, "not_positive")],
)
def test_zero_or_negative_amounts_are_refused(cast, an, amount, extra, code):
    with pytest.raises(ValidationError) as caught:
        record(cast, an, amount=amount, extra_amount=extra)
    assert codes(caught.value) == {code}
    assert not Payment.objects.exists()


def test_more_than_a_hundred_times_the_due_is_refused_as_a_typing_error(cast, an):
    record(cast, an, amount=5_000_000)  # exactly 100 × 50.000 đ
    with pytest.raises(ValidationError) as caught:
        record(cast, an, amount=50_000, extra_amount=4_950_001, paid_on=dt.date(2026, 3, 9))
    assert codes(caught.value) == {"absurd"} and fields(caught.value) == {"amount"}
    assert Payment.objects.count() == 1


def test_without_any_due_the_ceiling_is_a_fixed_amount(cast):
    member = member_in(cast, "Lê Thị Bích")
    record(cast, member, amount=ABSURD_WITHOUT_DUE)
    with pytest.raises(ValidationError) as caught:
        record(cast, member, amount=ABSURD_WITHOUT_DUE + 1)
    assert codes(caught.value) == {"absurd"}


def test_payment_for_a_month_after_the_member_left_is_refused(cast, an):
    Member.objects.filter(pk=an.pk).update(closed_on=dt.date(2026, 3, 20))
    an.refresh_from_db()
    record(cast, an)  # March is still due: the member left during it
    with pytest.raises(ValidationError) as caught:
        record(cast, an, month=APR, paid_on=dt.date(2026, 3, 20))
    assert codes(caught.value) == {"member_left"} and fields(caught.value) == {"month"}
    assert Payment.objects.count() == 1


def test_payment_for_a_member_transferred_out_is_refused_after_the_transfer(cast):
    member = member_in(
        cast,
        "Trần Văn Cúc",
        status=Member.Status.TRANSFERRED_OUT,
        status_since=dt.date(2026, 2, 15),
    )
    with pytest.raises(ValidationError) as caught:
        record(cast, member)
    assert codes(caught.value) == {"member_left"}


def test_payment_for_a_month_before_admission_is_refused(cast):
    member = member_in(cast, "Đỗ Văn Dũng", admission_date=dt.date(2026, 4, 10))
    with pytest.raises(ValidationError) as caught:
        record(cast, member)
    assert codes(caught.value) == {"before_admission"}


def test_editing_a_closed_month_is_refused(cast, an):
    books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    with pytest.raises(ValidationError) as caught:
        record(cast, an)
    assert codes(caught.value) == {"book_closed"}
    with pytest.raises(ValidationError) as caught:  # an advance into a closed later month
        record(cast, an, month=MAR, paid_on=dt.date(2026, 2, 27))
    assert codes(caught.value) == {"book_closed"}
    assert not Payment.objects.exists()


def test_duplicate_reference_is_refused(cast, an):
    record(cast, an, method=Method.BANK, reference="FT26067")
    with pytest.raises(ValidationError) as caught:
        record(cast, an, method=Method.BANK, reference="FT26067", amount=10_000)
    assert codes(caught.value) == {"duplicate_reference"} and fields(caught.value) == {"reference"}
    assert Payment.objects.count() == 1


def test_the_same_form_sent_twice_records_once(cast, an):
    version = 1  # the page was drawn before the book existed
    record(cast, an, book_version=version)
    with pytest.raises(ValidationError) as caught:
        record(cast, an, book_version=version)
    assert codes(caught.value) == {"stale"}
    assert Payment.objects.count() == 1


def test_future_date_and_unknown_method_are_refused(cast, an):
    with pytest.raises(ValidationError) as caught:
        record(cast, an, paid_on=dt.date.today() + dt.timedelta(days=3))
    assert codes(caught.value) == {"future"}
    with pytest.raises(ValidationError) as caught:
        record(cast, an, method="cheque")
    assert codes(caught.value) == {"method"}


def test_a_secretary_of_another_cell_may_not_record(cast):
    other = member_in(cast, "Vũ Thị Én", cell=cast.other_cell)
    with pytest.raises(PermissionDenied):
        record(cast, other)
    assert record(cast, other, actor=cast.clerk).recorded_by == cast.clerk
    with pytest.raises(PermissionDenied):
        record(cast, other, actor=cast.inspector, paid_on=dt.date(2026, 3, 9))


def test_void_keeps_the_payment_with_its_reason(cast, an):
    payment = record(cast, an)
    with pytest.raises(ValidationError) as caught:
        payment_void(actor=cast.cell_secretary, payment=payment, reason="  ")
    assert codes(caught.value) == {"required"}
    payment_void(actor=cast.cell_secretary, payment=payment, reason="Ghi nhầm người")
    payment.refresh_from_db()
    assert payment.voided_at and payment.voided_by == cast.cell_secretary
    assert payment.void_reason == "Ghi nhầm người"
    again = payment_void(actor=cast.cell_secretary, payment=payment, reason="Lần hai")
    assert again.void_reason == "Ghi nhầm người"
    # The same reference may be recorded again once the mistaken payment is voided.
    record(cast, an, paid_on=dt.date(2026, 3, 9))
    assert Payment.objects.filter(voided_at__isnull=True).count() == 1


def test_void_in_a_closed_book_is_refused(cast, an):
    payment = record(cast, an)
    books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    with pytest.raises(ValidationError) as caught:
        payment_void(actor=cast.cell_secretary, payment=payment, reason="Sai")
    assert codes(caught.value) == {"book_closed"}
    payment.refresh_from_db()
    assert payment.voided_at is None


# --- Cash collected at the cell meeting, many members at once ------------------------------


def test_cash_for_many_members_in_one_go(cast, an):
    binh = f.member_with_basis(cast, "retired", 6_000_000, full_name="Lê Thị Bình")
    cuong = f.member_with_basis(cast, "student", full_name="Trịnh Văn Cường")
    f.compute(cast.committee, MAR)
    made = payments_record_cash(
        actor=cast.cell_secretary,
        cell=cast.cell,
        month=MAR,
        rows=[CashRow(an), CashRow(binh, amount=20_000), CashRow(cuong, extra_amount=15_000)],
        paid_on=dt.date(2026, 3, 8),
        book_version=1,
    )
    assert sorted((p.member.full_name, p.amount, p.extra_amount) for p in made) == [
        ("Lê Thị Bình", 20_000, 0),
        ("Phạm Văn An", 50_000, 0),
        ("Trịnh Văn Cường", 5_000, 15_000),
    ]
    assert CellMonthBook.objects.get(cell=cast.cell, month=MAR).version == 2
    # the rest of Bình's due, later at the same meeting
    rest = payments_record_cash(
        actor=cast.cell_secretary,
        cell=cast.cell,
        month=MAR,
        rows=[CashRow(binh)],
        paid_on=dt.date(2026, 3, 8),
        book_version=2,
    )
    assert rest[0].amount == 10_000


def test_cash_for_many_is_all_or_nothing_and_names_each_refused_line(cast, an):
    no_due = member_in(cast, "Ngô Văn Giang")
    stranger = member_in(cast, "Hà Thị Hoa", cell=cast.other_cell)
    with pytest.raises(ValidationError) as caught:
        payments_record_cash(
            actor=cast.cell_secretary,
            cell=cast.cell,
            month=MAR,
            rows=[CashRow(an), CashRow(no_due), CashRow(stranger, amount=10_000)],
            paid_on=dt.date(2026, 3, 8),
            book_version=1,
        )
    errors = caught.value.error_dict
    assert set(errors) == {str(no_due.code), str(stranger.code)}
    assert errors[str(no_due.code)][0].code == "due_not_computed"
    assert errors[str(stranger.code)][0].code == "not_in_cell"
    assert not Payment.objects.exists()
    assert not CellMonthBook.objects.filter(version__gt=1).exists()


def test_cash_for_a_member_already_paid_is_refused(cast, an):
    record(cast, an, method=Method.PORTAL)
    with pytest.raises(ValidationError) as caught:
        payments_record_cash(
            actor=cast.cell_secretary,
            cell=cast.cell,
            month=MAR,
            rows=[CashRow(an)],
            paid_on=dt.date(2026, 3, 8),
            book_version=None,
        )
    assert caught.value.error_dict[str(an.code)][0].code == "already_paid"


def test_cash_form_sent_twice_records_once(cast, an):
    kwargs = {
        "actor": cast.cell_secretary,
        "cell": cast.cell,
        "month": MAR,
        "rows": [CashRow(an)],
        "paid_on": dt.date(2026, 3, 8),
        "book_version": 1,
    }
    payments_record_cash(**kwargs)
    with pytest.raises(ValidationError) as caught:
        payments_record_cash(**kwargs)
    assert codes(caught.value) == {"stale"}
    assert Payment.objects.count() == 1


# --- Two secretaries (or two taps) sending the same cash form at the same instant ---------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (SQLite serialises writers); set DATABASE_URL=postgres://…",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_cash_forms_with_the_same_version_record_once():
    cast = build_cast()
    member = salaried(cast)
    secretary_pk, deputy_pk, member_pk = cast.cell_secretary.pk, cast.cell_deputy.pk, member.pk
    barrier = threading.Barrier(2, timeout=30)

    def send(actor_pk: int):
        try:
            actor = User.objects.get(pk=actor_pk)
            row = CashRow(Member.objects.select_related("cell").get(pk=member_pk))
            barrier.wait()
            try:
                payments_record_cash(
                    actor=actor,
                    cell=row.member.cell,
                    month=MAR,
                    rows=[row],
                    paid_on=dt.date(2026, 3, 8),
                    book_version=1,
                )
            except ValidationError as exc:
                return codes(exc)
            return "recorded"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(send, [secretary_pk, deputy_pk]))
    assert sorted(map(str, outcomes)) == ["recorded", "{'stale'}"]
    assert Payment.objects.filter(member_id=member_pk).count() == 1
    assert CellMonthBook.objects.get(month=MAR).version == 2


def test_a_payment_is_not_written_in_a_future_book_nor_before_the_month_it_was_paid(cast, an):
    from django.utils import timezone

    next_month = books.add_months(books.month_of(timezone.localdate()), 1)
    with pytest.raises(ValidationError) as caught:
        record(cast, an, book_month=next_month)
    assert codes(caught.value) == {"book_month"} and fields(caught.value) == {"book_month"}
    with pytest.raises(ValidationError) as caught:
        record(cast, an, paid_on=dt.date(2026, 4, 2), book_month=MAR)
    assert codes(caught.value) == {"book_month"}
    assert not Payment.objects.exists()
    # a late payment (its month before the book's) stays allowed
    assert record(cast, an, paid_on=dt.date(2026, 4, 2), book_month=APR).book_month == APR


def test_void_of_an_advance_payment_whose_month_is_closed_is_refused(cast, an):
    f.compute(cast.committee, APR)
    advance = record(cast, an, month=APR)  # paid in March for April, in March's book
    assert (advance.month, advance.book_month) == (APR, MAR)
    books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=APR, version=None)
    with pytest.raises(ValidationError) as caught:
        payment_void(actor=cast.cell_secretary, payment=advance, reason="Sai")
    assert codes(caught.value) == {"book_closed"}
    advance.refresh_from_db()
    assert advance.voided_at is None


def test_cash_above_the_months_due_is_refused_and_points_to_the_advance_form(cast, an):
    with pytest.raises(ValidationError) as caught:
        payments_record_cash(
            actor=cast.cell_secretary,
            cell=cast.cell,
            month=MAR,
            rows=[CashRow(an, amount=150_000)],  # the due is 50,000
            paid_on=dt.date(2026, 3, 8),
            book_version=None,
        )
    assert caught.value.error_dict[str(an.code)][0].code == "over_due"
    assert not Payment.objects.exists()
    made = payments_record_cash(
        actor=cast.cell_secretary,
        cell=cast.cell,
        month=MAR,
        rows=[CashRow(an, amount=50_000, extra_amount=100_000)],
        paid_on=dt.date(2026, 3, 8),
        book_version=None,
    )
    assert [(p.amount, p.extra_amount) for p in made] == [(50_000, 100_000)]
