"""A member's fee account: their own page (`fees:mine`) and the managers' page
(`fees:member`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from capuyso.fees.models import Payment
from capuyso.fees.services import books
from capuyso.fees.services.payments import payment_record
from capuyso.fees.tests import factories as f

MAR, APR = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


@pytest.fixture
def phuc(cast):
    """The cast's plain member user, linked to their party member record."""
    member = f.member_with_basis(cast, "salaried", 6_543_210, full_name="Ngô Văn Phúc")
    for month in (MAR, APR):
        f.compute(cast.committee, month)
    payment_record(
        actor=cast.cell_secretary,
        member=member,
        month=MAR,
        amount=65_432,
        method="cash",
        paid_on=dt.date(2026, 3, 8),
    )
    cast.member.member = member
    cast.member.save(update_fields=["member"])
    return member


def qr(member, month):
    return reverse("fees:qr_member", args=[member.code, month.strftime("%Y-%m")])


def test_my_fees_show_dues_payments_balance_and_a_code_for_each_unpaid_month(
    cast, client_for, phuc
):
    response = client_for(cast.member).get(reverse("fees:mine"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "65.432 đ" in html and "6.543.210 đ" in html
    assert qr(phuc, APR) in html and qr(phuc, MAR) not in html  # March is paid
    statement = response.context["statement"]
    assert statement.balance < 0 and statement.paid_total == 65_432
    assert (
        'name="paid-' not in html
        and reverse("fees:payment_void", args=[Payment.objects.get().code]) not in html
    )


def test_my_fees_by_year(cast, client_for, phuc):
    response = client_for(cast.member).get(reverse("fees:mine"), {"year": "2025"})
    assert response.status_code == 200 and response.context["year"] == 2025
    assert response.context["statement"].paid_total == 0


def test_an_account_without_a_member_record_gets_a_clear_page(cast, client_for):
    response = client_for(cast.clerk).get(reverse("fees:mine"))
    assert response.status_code == 200
    assert response.templates[0].name == "fees/mine_none.html"


def test_a_member_reads_only_their_own_account(cast, client_for, phuc):
    other = f.member_with_basis(cast, "student", full_name="Lê Thị Bình")
    client = client_for(cast.member)
    own = client.get(reverse("fees:member", args=[phuc.code]))
    assert own.status_code == 302 and own["Location"] == reverse("fees:mine")
    assert client.get(reverse("fees:member", args=[other.code])).status_code == 403
    assert client.get(reverse("fees:home"))["Location"] == reverse("fees:mine")
    assert client_for(cast.outsider).get(reverse("fees:member", args=[phuc.code])).status_code == (
        404
    )


def test_the_menu_offers_my_fees_to_a_member_and_party_fees_to_managers(cast, client_for, phuc):
    html = client_for(cast.member).get(reverse("fees:mine")).content.decode()
    assert f'href="{reverse("fees:mine")}"' in html and f'href="{reverse("fees:home")}"' not in html
    html = client_for(cast.cell_secretary).get(reverse("fees:mine")).content.decode()
    assert f'href="{reverse("fees:home")}"' in html


def test_the_managers_page_shows_the_arithmetic_and_records_payments(cast, client_for, phuc):
    client = client_for(cast.cell_secretary)
    response = client.get(reverse("fees:member", args=[phuc.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "1% × 6.543.210 đ" in html and "65.432 đ" in html
    assert reverse("fees:member_payment", args=[phuc.code]) in html
    version = response.context["payment_form"].initial["version"]
    form = {
        "member": str(phuc.code),
        "method": "bank",
        "month": "2026-04",
        "months": 1,
        "paid_on": timezone.localdate().isoformat(),
        "reference": "FT-LATE-1",
        "version": version,
    }
    assert client.post(reverse("fees:member_payment", args=[phuc.code]), form).status_code == 302
    late = Payment.objects.get(reference="FT-LATE-1")
    assert (late.month, late.amount, late.book_month) == (APR, 65_432, books.this_month())
    # the same form again: refused as stale, nothing more recorded
    client.post(reverse("fees:member_payment", args=[phuc.code]), form)
    assert Payment.objects.filter(reference="FT-LATE-1").count() == 1


def test_readers_see_the_account_without_forms(cast, client_for, phuc):
    response = client_for(cast.inspector).get(reverse("fees:member", args=[phuc.code]))
    assert response.status_code == 200 and not response.context["may_manage"]
    assert reverse("fees:member_payment", args=[phuc.code]) not in response.content.decode()
    assert (
        client_for(cast.inspector)
        .post(reverse("fees:member_payment", args=[phuc.code]), {})
        .status_code
        == 403
    )


# --- A member declares their own basis ---------------------------------------------------------


def test_a_member_declares_their_own_basis_on_their_page(cast, client_for, phuc):
    from capuyso.fees.models import FeeBasis

    client = client_for(cast.member)
    page = client.get(reverse("fees:mine"))
    assert reverse("fees:mine_declare") in page.content.decode()
    assert page.context["declare_form"].initial["amount"] == 6_543_210
    retired = f.group("retired")
    response = client.post(
        reverse("fees:mine_declare"),
        {"month": "06/2026", "group": retired.pk, "amount": "4.800.000", "note": "Nghỉ hưu"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("fees:mine")
    row = FeeBasis.objects.get(member=phuc, effective_from=dt.date(2026, 6, 1))
    assert (row.group, row.amount, row.declared_by, row.note) == (
        retired,
        4_800_000,
        FeeBasis.DeclaredBy.MEMBER,
        "Nghỉ hưu",
    )
    assert row.recorded_by == cast.member
    # the cell secretary sees it in the member's history, declared by the member
    history = client_for(cast.cell_secretary).get(reverse("fees:member_bases", args=[phuc.code]))
    assert "4.800.000 đ" in history.content.decode()


def test_a_bad_declaration_shows_the_message_and_changes_nothing(cast, client_for, phuc):
    from capuyso.fees.models import FeeBasis

    client = client_for(cast.member)
    before = list(FeeBasis.objects.values_list("pk", "amount"))
    salaried = f.group("salaried")
    response = client.post(
        reverse("fees:mine_declare"), {"month": "06/2026", "group": salaried.pk, "amount": "-1"}
    )
    assert response.status_code == 400
    assert response.context["declare_form"].has_error("amount")
    books.book_close(actor=cast.cell_secretary, cell=cast.cell, month=MAR, version=None)
    response = client.post(
        reverse("fees:mine_declare"),
        {"month": "03/2026", "group": salaried.pk, "amount": "7000000"},
    )
    assert response.status_code == 400
    assert response.context["declare_form"].has_error("month", "closed_month")
    response = client.post(reverse("fees:mine_declare"), {"month": "tháng sáu"})
    assert response.status_code == 400
    assert list(FeeBasis.objects.values_list("pk", "amount")) == before
    # an account without a member file has nothing to declare; GET is refused
    assert client_for(cast.clerk).post(reverse("fees:mine_declare"), {}).status_code == 403
    assert client.get(reverse("fees:mine_declare")).status_code == 405
