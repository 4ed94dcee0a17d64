"""The committee's summary by cell (month and year to date), remittances, unpaid months."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from capuyso.fees import selectors
from capuyso.fees.models import Remittance
from capuyso.fees.services import books
from capuyso.fees.services.payments import payment_record
from capuyso.fees.services.remittances import remittance_record
from capuyso.fees.tests import factories as f
from capuyso.org import services as org_services
from capuyso.org.models import Unit

MAR, APR = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def pay(member, month, amount, method="cash", extra=0, reference=""):
    return payment_record(
        actor=None,
        member=member,
        month=month,
        amount=amount,
        extra_amount=extra,
        method=method,
        paid_on=dt.date(2026, 3, 8),
        reference=reference,
    )


@pytest.fixture
def march(cast):
    an = f.member_with_basis(cast, "salaried", 5_000_000, full_name="Phạm Văn An")
    binh = f.member_with_basis(cast, "student", full_name="Lê Thị Bình")
    cuc = f.member_with_basis(
        cast, "retired", 6_000_000, full_name="Vũ Thị Cúc", cell=cast.other_cell
    )
    for month in (MAR, APR):
        f.compute(cast.committee, month)
    pay(an, MAR, 50_000)
    pay(binh, MAR, 5_000, "portal", extra=1_000, reference="DVC-1")
    pay(an, APR, 50_000)  # ahead, in March's book
    pay(cuc, MAR, 10_000, "bank", reference="FT-1")
    books.book_close(actor=None, cell=cast.cell, month=MAR, version=None)
    remittance_record(
        actor=cast.clerk,
        committee=cast.committee,
        direction="cell",
        cell=cast.cell,
        month=MAR,
        amount=74_200,
        paid_on=dt.date(2026, 4, 2),
        method="bank",
    )
    return an, binh, cuc


def test_the_summary_by_cell_for_a_month(cast, march):
    summary = selectors.committee_summary(cast.committee, MAR)
    cells = {c.cell_id: c for c in summary.cells}
    mine, other = cells[cast.cell.pk], cells[cast.other_cell.pk]
    assert (mine.due, mine.paid, mine.missing, mine.collected) == (55_000, 55_000, 0, 106_000)
    assert mine.online_percent == 5.7  # 6,000 of 106,000 by portal
    assert (mine.to_remit, mine.remitted, mine.status) == (74_200, 74_200, "closed")
    assert (other.due, other.paid, other.missing, other.collected) == (
        30_000,
        10_000,
        20_000,
        10_000,
    )
    assert (other.online_percent, other.to_remit, other.status) == (100.0, 7_000, "open")
    assert (summary.total.due, summary.total.collected, summary.total.missing) == (
        85_000,
        116_000,
        20_000,
    )
    assert summary.total.to_remit == 81_200 and summary.closed_count == 1
    # the committee keeps 90 % of what it received and remits the rest upward
    assert (summary.committee_keeps, summary.to_remit_upward) == (66_780, 7_420)


def test_the_year_to_date_adds_the_months(cast, march):
    summary = selectors.committee_summary(cast.committee, APR)
    mine = next(c for c in summary.cells if c.cell_id == cast.cell.pk)
    assert (mine.due, mine.paid, mine.missing, mine.collected, mine.status) == (
        55_000,
        50_000,
        5_000,
        0,
        "open",  # the book was opened by the payment ahead
    )
    year = mine.year
    assert (year.due, year.paid, year.missing, year.collected) == (110_000, 105_000, 5_000, 106_000)
    assert (year.to_remit, year.remitted) == (74_200, 74_200)
    assert summary.year_total.due == 170_000 and summary.year_total.collected == 116_000


def test_the_page_for_the_office_and_readers(cast, client_for, march):
    response = client_for(cast.clerk).get(reverse("fees:committee"), {"month": "2026-03"})
    html = response.content.decode()
    assert response.status_code == 200
    assert cast.cell.name in html and cast.other_cell.name in html
    assert reverse("fees:cell_month", args=[cast.cell.code, "2026-03"]) in html
    assert "106.000 đ" in html and "74.200 đ" in html
    assert "5,7 %" in html or "5.7 %" in html
    year = client_for(cast.clerk).get(
        reverse("fees:committee"), {"month": "2026-04", "view": "year"}
    )
    assert year.context["year_view"] and "110.000 đ" in year.content.decode()
    partial = client_for(cast.inspector).get(
        reverse("fees:committee"), {"month": "2026-03"}, HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 200 and "<html" not in partial.content.decode()


def test_who_sees_the_summary(cast, client_for, march):
    assert client_for(cast.cell_secretary).get(reverse("fees:committee")).status_code == 403
    assert client_for(cast.member).get(reverse("fees:committee")).status_code == 403
    assert client_for(cast.committee_member).get(reverse("fees:committee")).status_code == 403
    theirs = client_for(cast.outsider).get(reverse("fees:committee"), {"month": "2026-03"})
    assert theirs.status_code == 200 and cast.cell.name not in theirs.content.decode()


def test_the_summary_takes_the_same_queries_for_many_cells(
    cast, client_for, march, django_assert_max_num_queries
):
    for i in range(12):
        cell = org_services.unit_create(
            actor=None,
            committee=cast.committee,
            kind=Unit.Kind.CELL,
            cell_kind="village",
            name=f"Chi bộ thôn {i}",
        )
        member = f.member_with_basis(cast, "student", full_name=f"Đảng viên {i}", cell=cell)
        f.compute(cast.committee, MAR, cells=[cell])
        pay(member, MAR, 5_000)
    client = client_for(cast.clerk)
    with django_assert_max_num_queries(17):  # 7 for the figures, the rest for the page
        response = client.get(reverse("fees:committee"), {"month": "2026-03"})
    assert len(response.context["summary"].cells) == 14


def test_remittances_recorded_listed_and_voided(cast, client_for, march):
    client = client_for(cast.clerk)
    page = client.get(reverse("fees:remittances"), {"month": "2026-03"})
    assert page.status_code == 200 and "74.200 đ" in page.content.decode()
    response = client.post(
        reverse("fees:remittance_record"),
        {
            "direction": "upper",
            "month": "2026-03",
            "amount": "7.420",
            "paid_on": "2026-04-05",
            "method": "bank",
            "reference": "UNC-03",
        },
    )
    assert response.status_code == 302
    upward = Remittance.objects.get(direction="upper")
    assert (upward.amount, upward.cell, upward.month) == (7_420, None, MAR)
    assert selectors.committee_summary(cast.committee, MAR).remitted_upward == 7_420
    bad = client.post(
        reverse("fees:remittance_record"),
        {
            "direction": "cell",
            "month": "2026-03",
            "amount": "0",
            "paid_on": "2026-04-05",
            "method": "cash",
            "cell": str(cast.other_cell.code),
        },
    )
    assert bad.status_code == 400 and "amount" in bad.context["cell_form"].errors
    client.post(reverse("fees:remittance_void", args=[upward.code]), {"reason": "Sai số"})
    upward.refresh_from_db()
    assert upward.voided_at and upward.void_reason == "Sai số"


def test_remittance_rights(cast, client_for, march):
    remittance = Remittance.objects.get()
    assert client_for(cast.clerk).get(reverse("fees:remittance_record")).status_code == 405
    assert client_for(cast.inspector).post(reverse("fees:remittance_record"), {}).status_code == (
        403
    )
    assert client_for(cast.cell_secretary).get(reverse("fees:remittances")).status_code == 403
    void = reverse("fees:remittance_void", args=[remittance.code])
    assert client_for(cast.outsider).post(void, {"reason": "x"}).status_code == 404
    assert client_for(cast.inspector).post(void, {"reason": "x"}).status_code == 403
    assert Remittance.objects.get().voided_at is None


def test_unpaid_months_page(cast, client_for, march):
    _an, binh, cuc = march
    today = timezone.localdate()
    response = client_for(cast.clerk).get(reverse("fees:unpaid"), {"year": "2026", "all": "1"})
    names = [r.member.full_name for r in response.context["rows"]]
    if today >= dt.date(2026, 5, 1):  # April is over
        assert "Vũ Thị Cúc" in names and "Lê Thị Bình" in names  # partly or not paid
    mine = client_for(cast.cell_secretary).get(reverse("fees:unpaid"), {"year": "2026", "all": "1"})
    assert "Vũ Thị Cúc" not in [r.member.full_name for r in mine.context["rows"]]
    assert client_for(cast.member).get(reverse("fees:unpaid")).status_code == 403


def test_a_cell_secretary_may_not_void_the_committees_remittance(cast, client_for, march):
    from django.core.exceptions import PermissionDenied

    from capuyso.fees.services.remittances import remittance_void

    remittance = Remittance.objects.get()
    assert remittance.cell == cast.cell
    void = reverse("fees:remittance_void", args=[remittance.code])
    assert client_for(cast.cell_secretary).post(void, {"reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        remittance_void(actor=cast.cell_secretary, remittance=remittance, reason="x")
    assert Remittance.objects.get().voided_at is None
    remittance_void(actor=cast.clerk, remittance=remittance, reason="Sai số")
    assert Remittance.objects.get().voided_at is not None


def test_the_remittance_form_sent_twice_records_once(cast, client_for, march):
    client = client_for(cast.clerk)
    form = {
        "direction": "upper",
        "month": "2026-03",
        "amount": "7.420",
        "paid_on": "2026-04-05",
        "method": "bank",
    }
    assert client.post(reverse("fees:remittance_record"), form).status_code == 302
    again = client.post(reverse("fees:remittance_record"), form)
    assert again.status_code == 400
    assert [e.code for e in again.context["upper_form"].non_field_errors().as_data()] == [
        "duplicate"
    ]
    assert Remittance.objects.filter(direction="upper").count() == 1


def test_the_payment_form_needs_the_books_version():
    from capuyso.fees.forms_ledger import PaymentForm

    assert PaymentForm.base_fields["version"].required
