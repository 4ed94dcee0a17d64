"""Payment code pages: a member's VietQR for a month, a cell's remittance code, the images
and the printed notices; the payloads are read back with zbarimg and `vietqr.parse_payload`."""

import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from capuyso.core.testing import make_member
from capuyso.fees import vietqr
from capuyso.fees.models import BankAccount, CellMonthBook, MonthlyDue, Payment, Remittance
from capuyso.fees.services.refs import fee_ref_for_cell, fee_ref_for_member
from capuyso.fees.tests import factories as f

ZBARIMG = shutil.which("zbarimg")
needs_zbar = pytest.mark.skipif(ZBARIMG is None, reason="zbarimg not installed (zbar-tools)")

MONTH = f.month(2026, 3)
YM = "2026-03"


def zbar_decode(path) -> str:
    result = subprocess.run(
        [ZBARIMG, "--raw", "-q", str(path)], capture_output=True, text=True, check=True
    )
    return result.stdout.rstrip("\n")


def account(committee, cell=None, *, number="0011001234567", bank_bin="970436"):
    return BankAccount.objects.create(
        committee=committee,
        cell=cell,
        bank_bin=bank_bin,
        bank_name="Vietcombank",
        account_number=number,
        account_name="DANG UY XA PHU CAT",
    )


def due(member, amount, *, month=MONTH):
    return MonthlyDue.objects.create(
        committee_id=member.committee_id,
        member=member,
        cell_id=member.cell_id,
        month=month,
        gross=amount,
        amount=amount,
        computed_at=timezone.now(),
    )


def pay(member, amount, *, month=MONTH, voided=False):
    return Payment.objects.create(
        committee_id=member.committee_id,
        member=member,
        cell_id=member.cell_id,
        month=month,
        book_month=month,
        amount=amount,
        method=Payment.Method.CASH,
        paid_on=month,
        voided_at=timezone.now() if voided else None,
    )


def url(name, obj, month=YM, **query):
    address = reverse(f"fees:{name}", args=[obj.code, month])
    if query:
        address += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return address


@pytest.fixture
def member(cast):
    return make_member(cast.committee, cast.cell, "Nguyễn Thị Đào")


def expected_note(member, month=MONTH):
    return vietqr.format_fee_note(
        fee_ref_for_cell(member.cell), fee_ref_for_member(member), month.year, month.month
    )


@needs_zbar
def test_member_code_png_reads_back_to_the_due_less_what_was_paid(
    cast, client_for, member, tmp_path
):
    account(cast.committee)
    due(member, 76_543)
    pay(member, 20_000)
    pay(member, 5_000, voided=True)  # a voided payment does not count
    response = client_for(cast.clerk).get(url("qr_member", member, format="png"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"]
    png = tmp_path / "code.png"
    png.write_bytes(response.content)
    parsed = vietqr.parse_payload(zbar_decode(png))
    assert parsed["initiation"] == vietqr.DYNAMIC
    assert parsed["amount"] == 56_543
    assert parsed["bank_bin"] == "970436" and parsed["account"] == "0011001234567"
    assert parsed["note"] == expected_note(member)
    assert vietqr.parse_fee_note(parsed["note"]).member_ref == fee_ref_for_member(member)


def test_member_page_shows_amount_account_note_and_svg(cast, client_for, member):
    account(cast.committee)
    due(member, 76_543)
    page = client_for(cast.cell_secretary).get(url("qr_member", member))
    assert page.status_code == 200
    text = page.content.decode()
    assert "76.543 đ" in text and "0011001234567" in text
    assert expected_note(member) in text
    assert "<svg" in text
    svg = client_for(cast.cell_secretary).get(url("qr_member", member, format="svg"))
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
    assert "private" in svg["Cache-Control"]


def test_cell_account_is_preferred_to_the_committee_account(cast, client_for, member, tmp_path):
    account(cast.committee)
    account(cast.committee, cast.cell, number="1903555666777", bank_bin="970407")
    due(member, 50_000)
    page = client_for(cast.clerk).get(url("qr_member", member))
    assert page.context["code"].account.account_number == "1903555666777"
    payload = page.context["code"].payload
    assert vietqr.parse_payload(payload)["bank_bin"] == "970407"


def test_inactive_account_is_not_used(cast, client_for, member):
    account(cast.committee)
    cell_account = account(cast.committee, cast.cell, number="1903555666777")
    cell_account.is_active = False
    cell_account.save()
    page = client_for(cast.clerk).get(url("qr_member", member))
    assert page.context["code"].account.account_number == "0011001234567"


@pytest.mark.parametrize("case", ["no_due", "paid_in_full", "basis_missing"])
def test_static_code_without_amount(cast, client_for, member, case):
    account(cast.committee)
    if case == "paid_in_full":
        due(member, 30_000)
        pay(member, 30_000)
    elif case == "basis_missing":
        row = due(member, 0)
        row.basis_missing = True
        row.save()
    page = client_for(cast.clerk).get(url("qr_member", member))
    code = page.context["code"]
    parsed = vietqr.parse_payload(code.payload)
    assert parsed["initiation"] == vietqr.STATIC and parsed["amount"] is None
    assert parsed["note"] == expected_note(member)


def test_member_reads_their_own_code_but_not_another_members(cast, client_for, member):
    account(cast.committee)
    cast.member.member = member
    cast.member.save(update_fields=["member"])
    client = client_for(cast.member)
    assert client.get(url("qr_member", member)).status_code == 200
    assert client.get(url("qr_member", member, format="png")).status_code == 200
    other = make_member(cast.committee, cast.cell, "Lê Văn Khác")
    assert client.get(url("qr_member", other)).status_code == 403


def test_access_outsider_404_other_cell_secretary_403(cast, client_for):
    foreign = make_member(cast.other, cast.foreign_cell, "Người Xã Khác")
    elsewhere = make_member(cast.committee, cast.other_cell, "Trần Văn Trường")
    assert client_for(cast.outsider).get(url("qr_member", elsewhere)).status_code == 404
    assert client_for(cast.outsider_clerk).get(url("qr_member", elsewhere)).status_code == 404
    assert client_for(cast.clerk).get(url("qr_member", foreign)).status_code == 404
    client = client_for(cast.cell_secretary)
    assert client.get(url("qr_member", elsewhere)).status_code == 403
    assert client.get(url("qr_cell", cast.other_cell)).status_code == 403
    assert client.get(url("notice_cell", cast.other_cell)).status_code == 403
    assert client_for(cast.outsider).get(url("qr_cell", cast.cell)).status_code == 404
    assert client_for(cast.party_building).get(url("qr_cell", cast.cell)).status_code == 403


def test_bad_month_is_404(cast, client_for, member):
    client = client_for(cast.clerk)
    for bad in ("2026-13", "abc", "1999-12"):
        assert client.get(url("qr_member", member, month=bad)).status_code == 404


def test_views_refuse_post(cast, client_for, member):
    assert client_for(cast.clerk).post(url("qr_member", member)).status_code == 405


def test_no_account_page_explains_and_links_the_rules_for_administrators(cast, client_for, member):
    due(member, 40_000)
    page = client_for(cast.clerk).get(url("qr_member", member))
    assert page.status_code == 200
    assert page.context["code"].account is None and page.context["code"].payload is None
    assert 'id="no-account"' in page.content.decode()
    assert page.context["may_configure"] is False
    assert client_for(cast.clerk).get(url("qr_member", member, format="png")).status_code == 404
    admin_page = client_for(cast.admin).get(url("qr_cell", cast.cell))
    assert admin_page.context["may_configure"] is True


@needs_zbar
def test_cell_remittance_code_uses_the_closed_books_to_remit(cast, client_for, tmp_path):
    account(cast.committee)
    account(cast.committee, cast.cell, number="1903555666777")  # the cell's own: not used
    book = f.close_book(cast.cell, MONTH)
    CellMonthBook.objects.filter(pk=book.pk).update(to_remit=210_000)
    Remittance.objects.create(
        committee=cast.committee,
        direction=Remittance.Direction.CELL_TO_COMMITTEE,
        cell=cast.cell,
        month=MONTH,
        amount=10_000,
        paid_on=MONTH,
        method=Payment.Method.CASH,
    )
    response = client_for(cast.cell_secretary).get(url("qr_cell", cast.cell, format="png"))
    png = tmp_path / "cell.png"
    png.write_bytes(response.content)
    parsed = vietqr.parse_payload(zbar_decode(png))
    assert parsed["amount"] == 200_000
    assert parsed["account"] == "0011001234567"
    note = vietqr.parse_fee_note(parsed["note"])
    assert note.is_remittance and note.cell_ref == fee_ref_for_cell(cast.cell)
    assert (note.year, note.month) == (2026, 3)


def test_cell_remittance_of_an_open_book_is_static(cast, client_for):
    account(cast.committee)
    page = client_for(cast.clerk).get(url("qr_cell", cast.cell))
    assert page.status_code == 200
    parsed = vietqr.parse_payload(page.context["code"].payload)
    assert parsed["amount"] is None and parsed["note"].endswith("NOP T032026")


def test_cell_notices_one_per_member_with_its_own_code(cast, client_for):
    account(cast.committee)
    first = make_member(cast.committee, cast.cell, "Bùi Văn An")
    second = make_member(cast.committee, cast.cell, "Đặng Thị Yến")
    make_member(cast.committee, cast.other_cell, "Ở Chi Bộ Khác")
    due(first, 76_543)
    due(second, 5_000)
    page = client_for(cast.cell_secretary).get(url("notice_cell", cast.cell))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('class="notice"') == 2
    assert "GIẤY BÁO ĐÓNG ĐẢNG PHÍ" in text and "Bùi Văn An" in text and "Đặng Thị Yến" in text
    assert "Ở Chi Bộ Khác" not in text
    codes = [n["code"] for n in page.context["notices"]]
    assert [vietqr.parse_payload(c.payload)["amount"] for c in codes] == [76_543, 5_000]
    assert codes[0].note == expected_note(first)


def test_cell_notices_before_dues_list_the_current_members(cast, client_for):
    make_member(cast.committee, cast.cell, "Bùi Văn An")
    page = client_for(cast.cell_secretary).get(url("notice_cell", cast.cell))
    assert page.content.decode().count('class="notice"') == 1
    assert page.context["missing_account"] is True


def test_member_notice_page(cast, client_for, member):
    account(cast.committee)
    due(member, 76_543)
    page = client_for(cast.clerk).get(url("notice_member", member))
    text = page.content.decode()
    assert text.count('class="notice"') == 1 and "76.543 đ" in text and "<svg" in text


def test_cell_notices_queries_are_bounded(cast, client_for, django_assert_max_num_queries):
    account(cast.committee)
    for index in range(12):
        due(make_member(cast.committee, cast.cell, f"Đảng viên {index:02d}"), 10_000 + index)
    client = client_for(cast.cell_secretary)
    client.get(url("notice_cell", cast.cell))  # gives the references
    with django_assert_max_num_queries(25):
        assert client.get(url("notice_cell", cast.cell)).status_code == 200


def test_after_the_dues_computation_the_code_pages_only_read_numbers(cast, client_for):
    from capuyso.fees.models import FeeReference
    from capuyso.fees.tests import factories as f

    account(cast.committee)
    members = [
        f.member_with_basis(cast, "salaried", 5_000_000 + i, full_name=f"Đảng viên {i:02d}")
        for i in range(5)
    ]
    f.compute(cast.committee, MONTH)
    numbered = set(FeeReference.objects.values_list("pk", "number"))
    client = client_for(cast.cell_secretary)
    assert client.get(url("notice_cell", cast.cell)).status_code == 200
    assert client.get(url("qr_member", members[0])).status_code == 200
    assert client.get(url("qr_cell", cast.cell)).status_code == 200
    assert set(FeeReference.objects.values_list("pk", "number")) == numbered
