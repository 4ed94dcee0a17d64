"""Fee reports: the cell's fee book and the committee's summary, read back from the XLSX
to the đồng and from the PDF's text (Vietnamese names must come out whole)."""

import datetime as dt
import io

import openpyxl
import pytest
from pypdf import PdfReader

from capuyso.fees import reports
from capuyso.fees.models import Payment, Remittance
from capuyso.fees.reports import Period
from capuyso.fees.reports_pdf import write_pdf
from capuyso.fees.services.books import book_close
from capuyso.fees.services.payments import payment_record
from capuyso.fees.tests import factories as f

M3 = f.month(2026, 3)
M4 = f.month(2026, 4)
TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def book(cast):
    """March–April 2026 in cell Đồng Cát (An 76,543/month, Bình 5,000) and the school cell
    (Chi, retired, 20,000). March: An pays cash, Bình pays 10,000 on the portal; the cell's
    March book is closed (keeps 30 %) and 20,000 đ remitted. April: An pays by bank."""
    an = f.member_with_basis(cast, "salaried", 7_654_321, full_name="Nguyễn Văn An")
    binh = f.member_with_basis(cast, "student", full_name="Trần Thị Bình")
    chi = f.member_with_basis(
        cast, "retired", 4_000_000, full_name="Lê Thị Chi", cell=cast.other_cell
    )
    for month in (M3, M4):
        f.compute(cast.committee, month)
    pay = dict(actor=cast.clerk)
    payment_record(**pay, member=an, month=M3, amount=76_543, method="cash",
                   paid_on=dt.date(2026, 3, 10))  # fmt: skip
    payment_record(**pay, member=binh, month=M3, amount=10_000, method="portal",
                   paid_on=dt.date(2026, 3, 12))  # fmt: skip
    book_close(actor=cast.clerk, cell=cast.cell, month=M3, version=None)
    Remittance.objects.create(
        committee=cast.committee,
        direction="cell",
        cell=cast.cell,
        month=M3,
        amount=20_000,
        paid_on=dt.date(2026, 4, 2),
        method="bank",
    )
    payment_record(**pay, member=an, month=M4, amount=76_543, method="bank",
                   paid_on=dt.date(2026, 4, 5), reference="FT4")  # fmt: skip
    return an, binh, chi


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def row_of(sheet, text, column=2):
    for row in sheet.iter_rows():
        if row[column - 1].value == text:
            return row
    raise AssertionError(f"{text!r} not found")


def values(row):
    return [c.value for c in row]


def test_period_months_and_text():
    assert (
        Period(2026, month=3).months == [M3] and Period(2026, month=3).text == "Tháng 03 năm 2026"
    )
    assert Period(2026, quarter=2).months == [M4, f.month(2026, 5), f.month(2026, 6)]
    assert Period(2026, quarter=1).text == "Quý I năm 2026" and len(Period(2026).months) == 12
    for bad in ({"month": 13}, {"quarter": 5}, {"month": 1, "quarter": 1}):
        with pytest.raises(ValueError):
            Period(2026, **bad)


def test_cell_book_for_a_month_to_the_dong(cast, book):
    report = reports.cell_book(cast.cell, Period(2026, month=3), today=TODAY)
    sheet = workbook(reports.write_xlsx(report))
    assert sheet["A1"].value == "ĐẢNG BỘ XÃ PHÚ CÁT"
    assert sheet["A2"].value == "CHI BỘ THÔN ĐỒNG CÁT"
    texts = [c.value for row in sheet.iter_rows(max_row=8) for c in row if c.value]
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in texts and "SỔ THU NỘP ĐẢNG PHÍ" in texts
    assert "Tháng 03 năm 2026" in texts
    assert "Phú Cát, ngày 28 tháng 11 năm 2026" in texts
    header = row_of(sheet, "Họ và tên")
    assert all(c.font.b for c in header if c.value)
    # STT, name, group, basis, | due, paid, date, method | total due, total paid, missing, note
    an = values(row_of(sheet, "Nguyễn Văn An"))
    assert an[3:12] == [
        7_654_321,
        76_543,
        76_543,
        "10/03/2026",
        "Tiền mặt",
        76_543,
        76_543,
        0,
        None,
    ]
    assert an[2] == "Hưởng lương, đóng bảo hiểm xã hội bắt buộc"
    binh = values(row_of(sheet, "Trần Thị Bình"))
    assert binh[4:11] == [5_000, 10_000, "12/03/2026", "Cổng DVCQG", 5_000, 10_000, 0]
    totals = values(row_of(sheet, "Cộng"))
    assert totals[4:11] == [81_543, 86_543, None, None, 81_543, 86_543, 0]
    money_cell = row_of(sheet, "Nguyễn Văn An")[4]
    assert money_cell.number_format == "#,##0"
    assert "Lê Thị Chi" not in [c.value for c in sheet["B"]]
    # The month's totals: closed book, 30 % kept, 20,000 remitted.
    march = values(row_of(sheet, "03/2026", column=1))
    assert march[:9] == ["03/2026", 76_543, 10_000, 0, 86_543, 25_963, 60_580, 20_000, "Đã khóa"]
    assert sheet.freeze_panes is not None
    assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == "9"


def test_cell_book_for_a_quarter_and_a_year(cast, book):
    report = reports.cell_book(cast.cell, Period(2026, quarter=2), today=TODAY)
    sheet = workbook(reports.write_xlsx(report))
    an = values(row_of(sheet, "Nguyễn Văn An"))
    # April due 76,543 paid by bank 05/04; May and June not computed.
    assert an[4:8] == [76_543, 76_543, "05/04/2026", "Chuyển khoản"]
    assert an[8:16] == [None] * 8
    april = values(row_of(sheet, "04/2026", column=1))
    assert april[1:8] == [0, 0, 76_543, 76_543, 22_963, 53_580, 0]
    assert april[8] == "Đang mở"
    year = workbook(reports.write_xlsx(reports.cell_book(cast.cell, Period(2026), today=TODAY)))
    an_year = values(row_of(year, "Nguyễn Văn An"))
    # 12 months of (due, paid): total due 2 × 76,543, paid the same, nothing missing
    assert an_year[-4:-1] == [153_086, 153_086, 0]
    assert len(an_year) == 4 + 24 + 4


def test_committee_summary_by_cell_to_the_dong(cast, book):
    report = reports.committee_summary(cast.committee, Period(2026, quarter=1), today=TODAY)
    sheet = workbook(reports.write_xlsx(report))
    assert sheet["A1"].value == "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI"
    assert "TỔNG HỢP THU, NỘP ĐẢNG PHÍ THEO CHI BỘ" in [c.value for c in sheet["A"]]
    village = values(row_of(sheet, "Chi bộ thôn Đồng Cát"))
    # members, due, collected, kept, to remit, remitted, missing, online share
    assert village[2:10] == [
        2,
        81_543,
        86_543,
        25_963,
        60_580,
        20_000,
        0,
        pytest.approx(10_000 / 86_543, abs=1e-4),
    ]
    school = values(row_of(sheet, "Chi bộ Trường Tiểu học Phú Cát"))
    assert school[2:10] == [1, 20_000, 0, 0, 0, 0, 20_000, None]
    total = values(row_of(sheet, "Toàn Đảng bộ"))
    assert total[2:9] == [3, 101_543, 86_543, 25_963, 60_580, 20_000, 20_000]
    assert row_of(sheet, "Chi bộ thôn Đồng Cát")[9].number_format == "0.0%"


def test_voided_payments_are_left_out(cast, book):
    an, _binh, _chi = book
    payment = Payment.objects.get(member=an, month=M4)
    from capuyso.fees.services.payments import payment_void

    payment_void(actor=cast.clerk, payment=payment, reason="Nhập nhầm")
    report = reports.cell_book(cast.cell, Period(2026, month=4), today=TODAY)
    an_row = next(r for r in report.tables[0].rows if r[1] == "Nguyễn Văn An")
    assert an_row[5] is None and an_row[-2] == 76_543  # nothing paid, the due missing


def test_pdf_renders_vietnamese_names(cast, book):
    pdf = write_pdf(reports.cell_book(cast.cell, Period(2026, month=3), today=TODAY))
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Nguyễn Văn An", "Trần Thị Bình", "SỔ THU NỘP ĐẢNG PHÍ", "76.543"):
        assert expected in text
    summary = write_pdf(reports.committee_summary(cast.committee, Period(2026), today=TODAY))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(summary)).pages)
    assert "Chi bộ Trường Tiểu học Phú Cát" in text and "ĐẢNG CỘNG SẢN VIỆT NAM" in text


def test_formula_like_names_stay_text(cast):
    from capuyso.core.testing import make_member

    member = make_member(cast.committee, cast.cell, "=HYPERLINK(1)")
    f.set_basis(member, "student", since=M3)
    f.compute(cast.committee, M3)
    sheet = workbook(reports.write_xlsx(reports.cell_book(cast.cell, Period(2026, month=3))))
    cell = row_of(sheet, "=HYPERLINK(1)")[1]
    assert cell.data_type == "s"


# --- The page ---------------------------------------------------------------------------


def report_url(scope, fmt="html", **period):
    from urllib.parse import urlencode

    from django.urls import reverse

    query = {"scope": scope, "kind": "month", "year": 2026, "month": 3, "format": fmt}
    query.update(period)
    return reverse("fees:reports") + "?" + urlencode(query)


def test_page_shows_the_form_and_a_preview(cast, client_for, book):
    from django.urls import reverse

    client = client_for(cast.clerk)
    page = client.get(reverse("fees:reports"))
    assert page.status_code == 200
    scopes = [value for value, _label in page.context["form"].fields["scope"].choices]
    assert scopes[0] == "committee" and str(cast.cell.code) in scopes
    preview = client.get(report_url(str(cast.cell.code)))
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Nguyễn Văn An" in text and "76.543" in text and 'id="report"' in text


def test_xlsx_and_pdf_downloads_are_audited(cast, client_for, book):
    from capuyso.audit.models import AuditEvent

    client = client_for(cast.secretary)
    response = client.get(report_url("committee", "xlsx", kind="quarter", quarter=1))
    assert response.status_code == 200
    assert response["Content-Type"] == reports.XLSX_TYPE
    assert "tong-hop-dang-phi-phu-cat-2026-q1.xlsx" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    sheet = workbook(response.content)
    assert values(row_of(sheet, "Toàn Đảng bộ"))[3] == 101_543
    pdf = client.get(report_url(str(cast.cell.code), "pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(verb="export", object_type="fees.report").count() == 2


def test_cell_secretary_reads_their_cell_only(cast, client_for, book):
    client = client_for(cast.cell_secretary)
    page = client.get(report_url(str(cast.cell.code)))
    assert page.status_code == 200
    scopes = [v for v, _label in page.context["form"].fields["scope"].choices]
    assert scopes == [str(cast.cell.code)]
    assert client.get(report_url(str(cast.other_cell.code), "xlsx")).status_code == 403
    assert client.get(report_url("committee", "xlsx")).status_code == 403


def test_outsiders_and_members(cast, client_for, book):
    from django.urls import reverse

    assert client_for(cast.outsider).get(report_url(str(cast.cell.code), "xlsx")).status_code == 404
    assert client_for(cast.outsider_clerk).get(report_url(str(cast.cell.code))).status_code == 404
    assert client_for(cast.member).get(reverse("fees:reports")).status_code == 403
    assert client_for(cast.party_building).get(reverse("fees:reports")).status_code == 403
    assert client_for(cast.clerk).post(reverse("fees:reports")).status_code == 405


def test_bad_period_is_a_form_error(cast, client_for):
    client = client_for(cast.clerk)
    missing = client.get(report_url("committee", "xlsx", month=""))
    assert missing.status_code == 400
    assert missing.context["form"].has_error("month", "required")
    bad = client.get(report_url("committee", "xlsx", year=1990))
    assert bad.status_code == 400 and bad.context["form"].has_error("year")
