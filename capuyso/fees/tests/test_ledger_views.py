"""The cell month page and its forms: cash for many members in one POST, other payments,
computing the month's dues, closing and reopening, the printable book, voiding, excuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from capuyso.fees.models import CellMonthBook, MonthlyDue, Payment, UnpaidExcuse
from capuyso.fees.services import books
from capuyso.fees.services.payments import payment_record
from capuyso.fees.tests import factories as f

MAR, APR = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def url(name, cell, month="2026-03"):
    return reverse(f"fees:{name}", args=[cell.code, month])


@pytest.fixture
def people(cast):
    an = f.member_with_basis(cast, "salaried", 7_654_321, full_name="Phạm Văn An")
    binh = f.member_with_basis(cast, "retired", 6_000_000, full_name="Lê Thị Bình")
    dung = f.member_with_basis(cast, "farmer", full_name="Đỗ Văn Dũng")  # no rate: no due
    f.compute(cast.committee, MAR)
    return an, binh, dung


def test_the_page_lists_every_member_with_the_due_and_why(cast, client_for, people):
    an, binh, dung = people
    response = client_for(cast.cell_secretary).get(url("cell_month", cast.cell))
    assert response.status_code == 200
    html = response.content.decode()
    for member in people:
        assert member.full_name in html
    assert "76.543 đ" in html and "7.654.321 đ" in html  # 1 % × the declared salary
    assert "30.000 đ" in html and "0,5%" in html  # the pension rate
    assert f'name="paid-{an.code}"' in html and f'name="paid-{dung.code}"' not in html
    assert 'id="nobasis-h"' in html  # Dũng's due cannot be computed: listed
    assert 'name="version" value="1"' in html


def test_the_month_selector_moves_month_by_month_with_htmx_or_links(cast, client_for, people):
    client = client_for(cast.cell_secretary)
    html = client.get(url("cell_month", cast.cell)).content.decode()
    assert url("cell_month", cast.cell, "2026-02") in html
    assert url("cell_month", cast.cell, "2026-04") in html
    partial = client.get(url("cell_month", cast.cell, "2026-04"), HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200 and body.lstrip().startswith('<div id="month-body">')
    assert "<html" not in body
    assert (
        client.get(reverse("fees:cell_month", args=[cast.cell.code, "2026-13"])).status_code == 404
    )
    assert client.get(reverse("fees:cell_month", args=[cast.cell.code, "xx"])).status_code == 404


def test_cash_for_many_members_in_one_post(cast, client_for, people):
    an, binh, _dung = people
    client = client_for(cast.cell_secretary)
    form = {
        "version": 1,
        "paid_on": "2026-03-08",
        f"paid-{an.code}": "1",
        f"amount-{binh.code}": "20.000",
        f"extra-{binh.code}": "5 000",
    }
    response = client.post(url("cell_month_cash", cast.cell), form)
    assert response.status_code == 302 and response["Location"] == url("cell_month", cast.cell)
    paid = {p.member_id: (p.amount, p.extra_amount, p.method) for p in Payment.objects.all()}
    assert paid == {an.pk: (76_543, 0, "cash"), binh.pk: (20_000, 5_000, "cash")}
    # The same form sent again (a double tap, the back button) records nothing.
    again = client.post(url("cell_month_cash", cast.cell), form)
    assert again.status_code == 400 and Payment.objects.count() == 2
    assert again.context["cash_error"]


def test_a_refused_row_records_nothing_and_is_shown_on_its_row(cast, client_for, people):
    an, _binh, dung = people
    client = client_for(cast.cell_secretary)
    response = client.post(
        url("cell_month_cash", cast.cell),
        {"version": 1, "paid_on": "2026-03-08", f"paid-{an.code}": "1", f"paid-{dung.code}": "1"},
    )
    assert response.status_code == 400 and not Payment.objects.exists()
    rows = {str(r.member.code): r for r in response.context["view"].rows}
    assert rows[str(dung.code)].error and not rows[str(an.code)].error
    assert "checked" in response.content.decode()  # the ticks are kept for a second try
    bad = client.post(
        url("cell_month_cash", cast.cell),
        {"version": 1, "paid_on": "2026-03-08", f"amount-{an.code}": "12,5"},
    )
    assert bad.status_code == 400 and not Payment.objects.exists()


def test_portal_payment_and_advance_through_the_payment_form(cast, client_for, people):
    an, binh, _dung = people
    client = client_for(cast.cell_secretary)
    response = client.post(
        url("cell_month_payment", cast.cell),
        {
            "member": str(binh.code),
            "method": "portal",
            "month": "2026-03",
            "months": 1,
            "amount": "30000",
            "paid_on": "2026-03-02",
            "reference": "DVC-2026-77",
            "version": 1,
        },
    )
    assert response.status_code == 302
    payment = Payment.objects.get(member=binh)
    assert (payment.method, payment.reference, payment.book_month) == ("portal", "DVC-2026-77", MAR)
    # Three months ahead without computed dues: refused, asking to compute or give amounts.
    refused = client.post(
        url("cell_month_payment", cast.cell),
        {
            "member": str(an.code),
            "method": "bank",
            "month": "2026-03",
            "months": 3,
            "paid_on": "2026-03-02",
            "version": 2,
        },
    )
    assert refused.status_code == 400
    assert refused.context["payment_form"].errors["months"][0]
    assert Payment.objects.filter(member=an).count() == 0
    ok = client.post(
        url("cell_month_payment", cast.cell),
        {
            "member": str(an.code),
            "method": "bank",
            "month": "2026-03",
            "months": 3,
            "amount": "76.543",
            "paid_on": "2026-03-02",
            "version": 2,
        },
    )
    assert ok.status_code == 302
    assert sorted(Payment.objects.filter(member=an).values_list("month", flat=True)) == [
        MAR,
        APR,
        dt.date(2026, 5, 1),
    ]


def test_a_member_of_another_cell_is_not_offered_nor_accepted(cast, client_for, people):
    stranger = f.member_with_basis(cast, "student", full_name="Hà Thị Hoa", cell=cast.other_cell)
    response = client_for(cast.cell_secretary).post(
        url("cell_month_payment", cast.cell),
        {
            "member": str(stranger.code),
            "method": "cash",
            "month": "2026-03",
            "months": 1,
            "amount": "5000",
            "paid_on": "2026-03-02",
        },
    )
    assert response.status_code == 400 and "member" in response.context["payment_form"].errors
    assert not Payment.objects.exists()


def test_the_compute_button_computes_the_cells_dues(cast, client_for):
    an = f.member_with_basis(cast, "salaried", 5_000_000, full_name="Phạm Văn An")
    other = f.member_with_basis(cast, "student", full_name="Hà Thị Hoa", cell=cast.other_cell)
    client = client_for(cast.cell_secretary)
    page = client.get(url("cell_month", cast.cell)).content.decode()
    assert url("cell_month_compute", cast.cell) in page
    response = client.post(url("cell_month_compute", cast.cell))
    assert response.status_code == 302
    assert f.due_of(an, MAR).amount == 50_000 and f.due_of(other, MAR) is None


def test_closing_and_reopening_from_the_page(cast, client_for, people):
    an = people[0]
    payment_record(
        actor=cast.cell_secretary,
        member=an,
        month=MAR,
        amount=76_543,
        method="cash",
        paid_on=dt.date(2026, 3, 8),
    )
    client = client_for(cast.cell_secretary)
    stale = client.post(url("cell_month_close", cast.cell), {"version": 1})
    assert stale.status_code == 302
    assert CellMonthBook.objects.get(cell=cast.cell, month=MAR).status == "open"
    client.post(url("cell_month_close", cast.cell), {"version": 2})
    book = CellMonthBook.objects.get(cell=cast.cell, month=MAR)
    assert (book.status, book.collected_total, book.to_remit) == ("closed", 76_543, 53_580)
    page = client.get(url("cell_month", cast.cell)).content.decode()
    assert url("cell_month_reopen", cast.cell) in page and "paid-" not in page
    no_reason = client.post(url("cell_month_reopen", cast.cell), {"version": 3, "reason": ""})
    assert no_reason.status_code == 302
    assert CellMonthBook.objects.get(pk=book.pk).status == "closed"
    client.post(url("cell_month_reopen", cast.cell), {"version": 3, "reason": "Sửa sai sót"})
    book.refresh_from_db()
    assert (book.status, book.reopened_count, book.reopen_reason) == ("open", 1, "Sửa sai sót")


def test_the_printable_book(cast, client_for, people):
    books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    response = client_for(cast.inspector).get(url("cell_month_book", cast.cell))
    html = response.content.decode()
    assert response.status_code == 200 and "Sổ thu, nộp đảng phí" in html
    assert "Phạm Văn An" in html and "76.543" in html and "window.print()" in html


def test_voiding_from_the_page(cast, client_for, people):
    an = people[0]
    payment = payment_record(
        actor=cast.cell_secretary,
        member=an,
        month=MAR,
        amount=76_543,
        method="cash",
        paid_on=dt.date(2026, 3, 8),
    )
    void_url = reverse("fees:payment_void", args=[payment.code])
    assert client_for(cast.inspector).post(void_url, {"reason": "x"}).status_code == 403
    response = client_for(cast.cell_secretary).post(void_url, {"reason": "Ghi nhầm"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.voided_at and payment.void_reason == "Ghi nhầm"
    assert client_for(cast.outsider).post(void_url, {"reason": "x"}).status_code == 404


def test_excuse_recorded_and_withdrawn_from_the_member_page(cast, client_for, people):
    an = people[0]
    client = client_for(cast.cell_secretary)
    response = client.post(
        reverse("fees:excuse_record", args=[an.code]), {"month": "2026-03", "reason": "Ốm"}
    )
    assert response.status_code == 302
    excuse = UnpaidExcuse.objects.get(member=an, month=MAR)
    client.post(reverse("fees:excuse_withdraw", args=[excuse.code]))
    assert not UnpaidExcuse.objects.exists()


def test_who_may_do_what(cast, client_for, people):
    an = people[0]
    page = url("cell_month", cast.cell)
    mutating = [
        url("cell_month_cash", cast.cell),
        url("cell_month_payment", cast.cell),
        url("cell_month_compute", cast.cell),
        url("cell_month_close", cast.cell),
        url("cell_month_reopen", cast.cell),
        reverse("fees:member_payment", args=[an.code]),
        reverse("fees:excuse_record", args=[an.code]),
    ]
    client = client_for(cast.cell_secretary)
    for target in mutating:
        assert client.get(target).status_code == 405, target
    assert client.get(url("cell_month", cast.other_cell)).status_code == 403
    client = client_for(cast.inspector)  # reads every cell, changes none
    assert client.get(page).status_code == 200
    assert 'name="paid-' not in client.get(page).content.decode()
    for target in mutating:
        assert client.post(target, {"version": 1}).status_code == 403, target
    client = client_for(cast.member)
    assert client.get(page).status_code == 403
    client = client_for(cast.outsider)
    assert client.get(page).status_code == 404
    for target in mutating:
        assert client.post(target, {"version": 1}).status_code == 404, target
    assert not Payment.objects.exists() and not CellMonthBook.objects.filter(status="closed")


def test_the_page_queries_do_not_grow_with_the_members(
    cast, client_for, django_assert_max_num_queries
):
    for i in range(40):
        f.member_with_basis(cast, "salaried", 5_000_000 + i, full_name=f"Đảng viên {i:02d}")
    f.compute(cast.committee, MAR)
    for member in list(MonthlyDue.objects.filter(month=MAR).select_related("member"))[:20]:
        payment_record(
            actor=None,
            member=member.member,
            month=MAR,
            amount=member.amount,
            method="cash",
            paid_on=dt.date(2026, 3, 8),
        )
    client = client_for(cast.cell_secretary)
    with django_assert_max_num_queries(30):
        response = client.get(url("cell_month", cast.cell))
    assert response.status_code == 200 and len(response.context["view"].rows) == 40


def test_home_leads_each_user_to_their_page(cast, client_for):
    assert client_for(cast.clerk).get(reverse("fees:home"))["Location"] == reverse("fees:committee")
    response = client_for(cast.cell_secretary).get(reverse("fees:home"))
    assert response["Location"] == url(
        "cell_month", cast.cell, books.this_month().strftime("%Y-%m")
    )
    assert client_for(cast.committee_member).get(reverse("fees:home")).status_code == 403


def test_the_member_page_shows_the_fee_basis_and_reliefs(cast, client_for, people):
    an, _binh, _dung = people
    html = client_for(cast.cell_secretary).get(reverse("fees:member", args=[an.code]))
    html = html.content.decode()
    assert 'id="fee-bases"' in html and "7.654.321 đ" in html
    assert 'id="fee-reliefs"' in html
    declare = reverse("fees:member_bases", args=[an.code]) + "#declare"
    assert declare in html  # the declare / relief forms, for those who manage the cell
    reader = client_for(cast.inspector).get(reverse("fees:member", args=[an.code]))
    assert 'id="fee-bases"' in reader.content.decode()
    assert declare not in reader.content.decode()


def test_unpaid_flags_are_shown_with_their_months(cast, client_for):
    an = f.member_with_basis(cast, "salaried", 5_000_000, full_name="Phạm Văn An")
    months = [dt.date(2026, m, 1) for m in (3, 4, 5)]
    for month in months:
        f.compute(cast.committee, month)
    today = timezone.localdate()
    response = client_for(cast.cell_secretary).get(url("cell_month", cast.cell, "2026-05"))
    html = response.content.decode()
    flagged = response.context["view"].flagged
    if today >= dt.date(2026, 6, 1):  # the three months are over
        assert [row.member for row in flagged] == [an]
        assert 'id="flag-h"' in html and "03/2026, 04/2026, 05/2026" in html
    unpaid = client_for(cast.clerk).get(reverse("fees:unpaid"), {"year": "2026"})
    assert [r.member for r in unpaid.context["rows"]] == ([an] if flagged else [])
