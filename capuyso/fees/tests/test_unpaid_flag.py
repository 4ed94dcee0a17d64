"""Three months unpaid in a year without a reason: the member is flagged for a proposal to
strike off, with the months listed; an excused month does not count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from capuyso.audit.models import AuditEvent
from capuyso.fees import selectors
from capuyso.fees.models import UnpaidExcuse
from capuyso.fees.services.excuses import excuse_record, excuse_withdraw
from capuyso.fees.services.payments import payment_record
from capuyso.fees.tests import factories as f

MONTHS = [dt.date(2026, m, 1) for m in range(3, 12)]  # March to November 2026
MAR, APR, MAY, JUN, JUL, AUG = MONTHS[:6]


def pay(cast, member, month, amount):
    return payment_record(
        actor=cast.cell_secretary,
        member=member,
        month=month,
        amount=amount,
        method="cash",
        paid_on=month.replace(day=8),
    )


@pytest.fixture
def an(cast):
    member = f.member_with_basis(cast, "salaried", 5_000_000, full_name="Phạm Văn An")
    for month in MONTHS[:6]:
        f.compute(cast.committee, month)
    return member


def test_three_unpaid_months_flag_the_member_with_the_months(cast, an):
    pay(cast, an, MAR, 50_000)
    pay(cast, an, APR, 49_999)  # one đồng short still counts as unpaid
    pay(cast, an, JUN, 50_000)
    flag = selectors.unpaid_flag(an, 2026, today=dt.date(2026, 7, 15))
    assert flag.months == [APR, MAY] and not flag.flagged  # July is not over
    flag = selectors.unpaid_flag(an, 2026, today=dt.date(2026, 8, 2))
    assert flag.months == [APR, MAY, JUL] and flag.flagged and flag.threshold == 3


def test_an_excused_month_does_not_count_and_withdrawing_restores_it(cast, an):
    for month in (MAR, APR):
        pay(cast, an, month, 50_000)
    excuse = excuse_record(actor=cast.cell_secretary, member=an, month=MAY, reason="Ốm nằm viện")
    flag = selectors.unpaid_flag(an, 2026, today=dt.date(2026, 9, 1))
    assert flag.months == [JUN, JUL, AUG] and flag.flagged  # May excused
    excuse_record(actor=cast.cell_secretary, member=an, month=JUN, reason="Đi công tác")
    excuse_record(actor=cast.cell_secretary, member=an, month=JUL, reason="Đi công tác xa")
    flag = selectors.unpaid_flag(an, 2026, today=dt.date(2026, 9, 1))
    assert flag.months == [AUG] and not flag.flagged
    excuse_withdraw(actor=cast.cell_secretary, excuse=excuse)
    assert selectors.unpaid_flag(an, 2026, today=dt.date(2026, 9, 1)).months == [MAY, AUG]
    verbs = list(
        AuditEvent.objects.filter(object_type="fees.unpaidexcuse")
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs == ["create", "create", "create", "delete"]
    assert UnpaidExcuse.objects.count() == 2


def test_exempt_and_uncomputed_months_never_count(cast, an):
    f.give_relief(an, start=MAR, end=JUN)
    for month in MONTHS[:6]:
        f.compute(cast.committee, month)
    flag = selectors.unpaid_flag(an, 2026, today=dt.date(2026, 12, 5))
    assert flag.months == [JUL, AUG]  # exempt to June; September on never computed


def test_the_threshold_is_a_setting(cast, an):
    f.set_settings(cast.committee, since=MAR, unpaid_months_threshold=2)
    flag = selectors.unpaid_flag(an, 2026, today=dt.date(2026, 5, 3))
    assert flag.months == [MAR, APR] and flag.threshold == 2 and flag.flagged


def test_flags_of_a_whole_cell_in_one_go(cast, an):
    binh = f.member_with_basis(cast, "student", full_name="Lê Thị Bình")
    f.compute(cast.committee, MAR)
    pay(cast, binh, MAR, 5_000)
    flags = selectors.unpaid_flags(
        cast.committee.pk, [an.pk, binh.pk], 2026, today=dt.date(2026, 6, 1)
    )
    assert set(flags) == {an.pk} and flags[an.pk].months == [MAR, APR, MAY]


def test_excuse_needs_a_reason_and_the_right(cast, an):
    with pytest.raises(ValidationError) as caught:
        excuse_record(actor=cast.cell_secretary, member=an, month=MAY, reason="  ")
    assert set(caught.value.error_dict) == {"reason"}
    with pytest.raises(PermissionDenied):
        excuse_record(actor=cast.inspector, member=an, month=MAY, reason="Ốm")
    assert not UnpaidExcuse.objects.exists()


def test_excuse_of_a_future_month_or_a_closed_book_is_refused(cast, an):
    from django.utils import timezone

    from capuyso.fees.services import books
    from capuyso.fees.tests import factories

    next_month = books.add_months(books.month_of(timezone.localdate()), 1)
    with pytest.raises(ValidationError) as caught:
        excuse_record(actor=cast.cell_secretary, member=an, month=next_month, reason="Ốm")
    assert caught.value.error_dict["month"][0].code == "future_month"
    factories.close_book(cast.cell, MAY)
    with pytest.raises(ValidationError) as caught:
        excuse_record(actor=cast.cell_secretary, member=an, month=MAY, reason="Ốm")
    assert caught.value.code == "book_closed"
    assert not UnpaidExcuse.objects.exists()
