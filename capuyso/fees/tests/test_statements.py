"""Bank statements: reading CSV/XLSX in the known layouts (and refusing others, bombs and
oversized files), then importing: matched, unmatched, duplicate lines, a re-import, a
remittance, resolution by hand; nothing is matched twice."""

import datetime as dt
import io
import unicodedata
import zipfile

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member
from capuyso.fees import statements as reader
from capuyso.fees import vietqr
from capuyso.fees.models import BankStatement, Payment, Remittance, StatementLine
from capuyso.fees.services import statements as service
from capuyso.fees.services.refs import fee_ref_for_cell, fee_ref_for_member
from capuyso.fees.tests import factories as f
from capuyso.members.models import Member

M3 = f.month(2026, 3)
M4 = f.month(2026, 4)
HEADER = ("Ngày giao dịch", "Số tiền ghi có", "Nội dung", "Số tham chiếu")


def csv_bytes(rows, *, header=HEADER, sep=";", bom=True, title=True, encoding="utf-8"):
    lines = []
    if title:
        lines += ["SAO KÊ TÀI KHOẢN", f"Tài khoản: 0011001234567{sep}{sep}"]
    lines.append(sep.join(header))
    lines += [sep.join(str(v) for v in row) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(rows, *, header=HEADER, title_rows=2):
    book = openpyxl.Workbook()
    sheet = book.active
    for index in range(title_rows):
        sheet.append([f"NGÂN HÀNG TMCP – SAO KÊ {index}"])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def note_for(member, month=M3):
    return vietqr.format_fee_note(
        fee_ref_for_cell(member.cell), fee_ref_for_member(member), month.year, month.month
    )


# --- Reading ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("76.543", 76_543),
        ("76,543", 76_543),
        ("76543", 76_543),
        ("76 543", 76_543),
        ("1.234.567", 1_234_567),
        ("1,234,567", 1_234_567),
        ("76.543,00", 76_543),
        ("76,543.00", 76_543),
        ("+50.000", 50_000),
        ("-50.000", -50_000),
        ("50.000 VND", 50_000),
        (76543, 76_543),
        (76543.0, 76_543),
        ("", None),
        (None, None),
    ],
)
def test_amounts_with_dots_commas_and_spaces(text, amount):
    assert reader.parse_amount(text) == amount


@pytest.mark.parametrize("text", ["76.54", "1.5", "1,234.567", "abc", 76543.5, "12.34.5"])
def test_amounts_that_are_not_whole_dong_are_refused(text):
    with pytest.raises(reader.AmountError):
        reader.parse_amount(text)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("05/03/2026", dt.date(2026, 3, 5)),
        ("5/3/2026 14:22:01", dt.date(2026, 3, 5)),
        ("05-03-26", dt.date(2026, 3, 5)),
        ("2026-03-05", dt.date(2026, 3, 5)),
        (dt.datetime(2026, 3, 5, 10, 0), dt.date(2026, 3, 5)),
        ("31/02/2026", None),
        ("hôm qua", None),
    ],
)
def test_dates_are_day_first(value, day):
    assert reader.parse_date(value) == day


@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_csv_generic_layout_with_any_separator_and_bom(bom, sep):
    amount = '"76,543"' if sep == "," else "76.543"
    data = csv_bytes(
        [("05/03/2026", amount, "DP C1 M1 T032026", "FT1"), ("06/03/2026", "", "rut", "FT2")],
        sep=sep,
        bom=bom,
    )
    parsed = reader.read_statement(data)
    assert parsed.layout.key == "generic"
    assert [(x.posted_on, x.amount, x.note, x.reference) for x in parsed.lines] == [
        (dt.date(2026, 3, 5), 76_543, "DP C1 M1 T032026", "FT1")
    ]


def test_debit_credit_layout_counts_debits_and_skips_totals():
    header = ("STT", "Ngày giao dịch", "Số tham chiếu", "Số tiền ghi nợ", "Số tiền ghi có (VND)",
              "Số dư", "Nội dung chi tiết")  # fmt: skip
    rows = [
        (1, "05/03/2026", "5213.1", "", "76.543", "1.076.543", "NGUYEN VAN A DP C1 M1 T032026"),
        (2, "06/03/2026", "5213.2", "200.000", "", "876.543", "RUT TIEN MAT"),
        (3, "07/03/2026", "5213.3", "1.100", "", "875.443", "PHI SMS"),
        ("", "Tổng cộng", "", "201.100", "76.543", "", ""),
    ]
    parsed = reader.read_statement(csv_bytes(rows, header=header))
    assert parsed.layout.key == "debit_credit"
    assert [x.amount for x in parsed.lines] == [76_543]
    assert parsed.lines[0].reference == "5213.1"
    assert parsed.debit_count == 2 and parsed.skipped_count == 1


def test_posting_layout_from_xlsx_with_real_dates_and_numbers():
    header = ("Ngày hiệu lực", "Mã giao dịch", "Phát sinh nợ", "Phát sinh có", "Diễn giải")
    rows = [
        (dt.datetime(2026, 3, 5), "TT26001", None, 76543, "dp c1 m1 t032026"),
        (dt.datetime(2026, 3, 6), "TT26002", 5000, None, "phi"),
    ]
    parsed = reader.read_statement(xlsx_bytes(rows, header=header))
    assert parsed.layout.key == "posting"
    assert [(x.posted_on, x.amount, x.reference) for x in parsed.lines] == [
        (dt.date(2026, 3, 5), 76_543, "TT26001")
    ]
    assert parsed.debit_count == 1


def test_signed_amount_column_negative_is_a_debit():
    header = ("Ngày", "Số tiền", "Diễn giải")
    parsed = reader.read_statement(
        csv_bytes([("05/03/2026", "76.543", "a"), ("05/03/2026", "-10.000", "b")], header=header)
    )
    assert [x.amount for x in parsed.lines] == [76_543] and parsed.debit_count == 1


def test_unknown_layout_lists_the_columns_found_and_expected():
    data = csv_bytes([("05/03/2026", "1", "x")], header=("Thời gian", "Giá trị", "Ghi chú"))
    with pytest.raises(reader.StatementFileError) as caught:
        reader.read_statement(data)
    assert caught.value.code == "unknown_layout"
    assert "Thời gian, Giá trị, Ghi chú" in caught.value.params["found"]
    assert "Ngày giao dịch" in caught.value.params["expected"]
    assert "Số tiền ghi có" in caught.value.params["expected"]


def test_a_line_with_an_unreadable_amount_refuses_the_file_with_the_row():
    data = csv_bytes([("05/03/2026", "76.543", "a"), ("06/03/2026", "7,6.5", "b")], title=False)
    with pytest.raises(reader.StatementFileError) as caught:
        reader.read_statement(data)
    assert caught.value.code == "bad_values" and caught.value.params["rows"] == "3"


def test_zip_bomb_xlsx_is_refused_before_opening():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook/>")
        package.writestr("xl/worksheets/sheet1.xml", b"\0" * (4 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 64 * 1024
    with pytest.raises(reader.StatementFileError) as caught:
        reader.read_statement(data)
    assert caught.value.code == "xlsx_too_large"


def test_an_xlsx_that_unpacks_beyond_the_cap_is_refused(settings):
    settings.FEES_STATEMENT_MAX_UNPACKED_MB = 0
    with pytest.raises(reader.StatementFileError) as caught:
        reader.read_statement(xlsx_bytes([("05/03/2026", 1000, "a", "")]))
    assert caught.value.code == "xlsx_too_large"


def test_oversized_file_is_refused(settings):
    settings.FEES_STATEMENT_MAX_MB = 1
    data = csv_bytes([("05/03/2026", "1.000", "x" * 200, "")] * 6000)
    assert len(data) > 1024 * 1024
    with pytest.raises(reader.StatementFileError) as caught:
        reader.read_statement(data)
    assert caught.value.code == "file_too_large"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_rows_are_refused(settings, kind):
    settings.FEES_STATEMENT_MAX_ROWS = 5
    rows = [("05/03/2026", 1000 + i, f"line {i}", f"R{i}") for i in range(6)]
    data = csv_bytes(rows) if kind == "csv" else xlsx_bytes(rows)
    with pytest.raises(reader.StatementFileError) as caught:
        reader.read_statement(data)
    assert caught.value.code == "too_many_rows"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "xls"),
        (b"PK\x03\x04garbage", "not_a_statement"),
    ],
)
def test_files_that_are_not_statements(data, code):
    with pytest.raises(reader.StatementFileError) as caught:
        reader.read_statement(data)
    assert caught.value.code == code


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: letters precomposed, tone marks combining."""
    out = []
    for ch in text:
        try:
            ch.encode("cp1258")
            out.append(ch)
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out.append(base + "".join(c for c in parts if c in TONES))
    return "".join(out).encode("cp1258")


def test_windows_1258_csv_is_read():
    text = csv_bytes([("05/03/2026", "76.543", "Đảng phí DP C1 M1 T032026", "")], bom=False)
    parsed = reader.read_statement(to_cp1258(text.decode()))
    assert parsed.lines[0].amount == 76_543
    assert parsed.lines[0].note == "Đảng phí DP C1 M1 T032026"


def test_fingerprints_fold_the_note_and_number_identical_lines():
    line = reader.ParsedLine(3, dt.date(2026, 3, 5), 5000, "Đảng phí  tháng 3", "")
    same = reader.ParsedLine(9, dt.date(2026, 3, 5), 5000, "DANG PHI THANG 3", "")
    first, second = reader.fingerprints([line, same])
    assert first != second  # two real payments in one file stay two
    assert reader.fingerprints([same]) == [first]  # but re-importing finds the first


# --- Importing --------------------------------------------------------------------------


@pytest.fixture
def fees(cast):
    """Two members with computed dues for 03/2026: An 76,543 đ, Bình 5,000 đ (student)."""
    an = f.member_with_basis(cast, "salaried", 7_654_321, full_name="Nguyễn Văn An")
    binh = f.member_with_basis(cast, "student", full_name="Trần Thị Bình")
    f.compute(cast.committee, M3)
    f.compute(cast.committee, M4)
    assert f.due_of(an, M3).amount == 76_543
    return an, binh


def run_import(cast, data, name="saoke.csv", actor=None):
    return service.statement_import(
        actor=actor or cast.clerk, committee=cast.committee, file_name=name, data=data
    )


def test_import_matches_members_and_leaves_the_rest_with_reasons(cast, fees):
    an, binh = fees
    left = f.member_with_basis(cast, "salaried", 5_000_000, full_name="Lê Văn Đi")
    left_note = note_for(left)
    Member.objects.filter(pk=left.pk).update(closed_on=dt.date(2026, 2, 10))
    foreign = make_member(cast.other, cast.foreign_cell, "Người Xã Khác")
    foreign_ref = fee_ref_for_member(foreign)
    cell_ref = fee_ref_for_cell(cast.cell)
    rows = [
        ("05/03/2026", "76.543", f"NGUYEN VAN AN {note_for(an)} FT26064", "FT26064"),
        ("06/03/2026", "5,000", note_for(binh).replace(" ", ""), "FT26065"),
        ("07/03/2026", "50.000", "ung ho quy khuyen hoc", "FT26066"),
        ("08/03/2026", "50.000", left_note, "FT26067"),
        ("09/03/2026", "5.000", f"DP C{cell_ref} M{foreign_ref + 50} T032026", "FT26068"),
        ("10/03/2026", "-20.000", "phi", "FT26069"),
    ]  # fmt: skip
    report = run_import(cast, csv_bytes(rows, header=(*HEADER[:3], HEADER[3])))
    assert [x.amount for x in report.matched] == [76_543, 5_000]
    assert len(report.unmatched) == 3
    report.statement.refresh_from_db()
    statement = report.statement
    assert (statement.line_count, statement.debit_count + statement.skipped_count) == (5, 1)
    by_note = {line.note: line for line in report.unmatched}
    assert by_note["ung ho quy khuyen hoc"].unmatched_reason == "no_fee_note"
    assert by_note[left_note].unmatched_reason == "payment:member_left"
    assert by_note[left_note].member == left
    unknown = next(x for x in report.unmatched if x.amount == 5_000)
    assert unknown.unmatched_reason == "unknown_member"  # a suggestion for the person resolving
    assert report.debit_count == 0  # a negative credit cell is not a debit column
    payment = Payment.objects.get(member=an, month=M3)
    assert (payment.amount, payment.method, payment.reference) == (76_543, "bank", "FT26064")
    assert payment.paid_on == dt.date(2026, 3, 5) and payment.book_month == M3
    assert report.matched[0].payment == payment and report.matched[0].status == "matched"
    statement = report.statement
    assert (statement.line_count, statement.matched_count, statement.duplicate_count) == (5, 2, 0)
    assert AuditEvent.objects.filter(object_type__endswith="bankstatement").exists()
    assert service.line_reason(by_note["ung ho quy khuyen hoc"])


def test_partial_and_over_payments_are_recorded_as_paid(cast, fees):
    an, binh = fees
    rows = [
        ("05/03/2026", "50.000", note_for(an), "A1"),
        ("05/03/2026", "10.000", note_for(binh), "B1"),
    ]
    report = run_import(cast, csv_bytes(rows))
    assert len(report.matched) == 2
    assert Payment.objects.get(member=an).amount == 50_000
    assert Payment.objects.get(member=binh).amount == 10_000


def test_portal_payments_are_recorded_as_portal(cast, fees):
    an, _binh = fees
    rows = [("05/03/2026", "76.543", f"DVCQG Thanh toan dang phi {note_for(an)}", "P1")]
    run_import(cast, csv_bytes(rows))
    assert Payment.objects.get(member=an).method == Payment.Method.PORTAL


def test_a_line_without_bank_reference_uses_its_fingerprint(cast, fees):
    an, _binh = fees
    report = run_import(cast, csv_bytes([("05/03/2026", "76.543", note_for(an), "")]))
    line = report.matched[0]
    assert line.payment.reference == f"SK-{line.fingerprint[:16]}"


def test_same_file_twice_is_refused_and_nothing_changes(cast, fees):
    an, _binh = fees
    data = csv_bytes([("05/03/2026", "76.543", note_for(an), "FT1")])
    run_import(cast, data)
    with pytest.raises(ValidationError) as caught:
        run_import(cast, data, name="again.csv")
    assert caught.value.code == "already_imported"
    assert BankStatement.objects.count() == 1 and Payment.objects.count() == 1


def test_reimporting_an_overlapping_statement_reports_duplicates(cast, fees):
    an, binh = fees
    march = [("05/03/2026", "76.543", note_for(an), "FT1")]
    first = run_import(cast, csv_bytes(march))
    line = first.matched[0]
    updated_at = StatementLine.objects.get(pk=line.pk).updated_at
    overlapping = xlsx_bytes(
        [*march, ("06/03/2026", 5000, note_for(binh), "FT2")]
    )  # the same line in another file type, plus a new one
    second = run_import(cast, overlapping, name="saoke.xlsx")
    assert [d.row for d in second.duplicates] == [4]
    assert second.duplicates[0].earlier == line
    assert [x.amount for x in second.matched] == [5_000]
    assert StatementLine.objects.get(pk=line.pk).updated_at == updated_at
    assert StatementLine.objects.get(pk=line.pk).statement == first.statement
    assert Payment.objects.filter(member=an).count() == 1
    assert second.statement.duplicate_count == 1 and second.statement.line_count == 1


def test_unknown_layout_saves_nothing(cast, fees):
    data = csv_bytes([("05/03/2026", "1", "x")], header=("Thời gian", "Giá trị", "Ghi chú"))
    with pytest.raises(ValidationError) as caught:
        run_import(cast, data)
    assert caught.value.code == "unknown_layout"
    assert not BankStatement.objects.exists() and not StatementLine.objects.exists()


def test_statement_with_only_debits_is_refused(cast, fees):
    header = ("Ngày", "Số tiền", "Diễn giải")
    with pytest.raises(ValidationError) as caught:
        run_import(cast, csv_bytes([("05/03/2026", "-10.000", "phi")], header=header))
    assert caught.value.code == "no_credit_lines"
    assert not BankStatement.objects.exists()


def test_closed_month_is_left_unmatched(cast, fees):
    an, _binh = fees
    f.close_book(cast.cell, M3)
    report = run_import(cast, csv_bytes([("05/03/2026", "76.543", note_for(an), "FT1")]))
    assert report.unmatched[0].unmatched_reason == "payment:book_closed"
    assert not Payment.objects.exists()


def test_cell_mismatch_is_left_for_a_person(cast, fees):
    an, _binh = fees
    other_ref = fee_ref_for_cell(cast.other_cell)
    wrong = f"DP C{other_ref} M{fee_ref_for_member(an)} T032026"
    report = run_import(cast, csv_bytes([("05/03/2026", "76.543", wrong, "FT1")]))
    assert report.unmatched[0].unmatched_reason == "cell_mismatch"


def test_remittance_note_records_a_remittance(cast, fees):
    note = vietqr.format_fee_note(fee_ref_for_cell(cast.cell), None, 2026, 3)
    report = run_import(cast, csv_bytes([("02/04/2026", "210.000", note, "FT9")]))
    line = report.matched[0]
    remittance = Remittance.objects.get()
    assert line.remittance == remittance and line.payment is None
    assert (remittance.cell, remittance.month, remittance.amount) == (cast.cell, M3, 210_000)
    assert remittance.direction == "cell" and remittance.reference == "FT9"


def test_import_needs_committee_wide_manage(cast, fees):
    an, _binh = fees
    data = csv_bytes([("05/03/2026", "76.543", note_for(an), "FT1")])
    for user in (cast.cell_secretary, cast.secretary, cast.admin):
        with pytest.raises(PermissionDenied):
            run_import(cast, data, actor=user)
    with pytest.raises(PermissionDenied):
        service.statement_import(
            actor=cast.outsider_clerk, committee=cast.committee, file_name="x", data=data
        )


# --- Nothing matched twice, resolution --------------------------------------------------


def test_a_payment_cannot_be_linked_to_two_lines(cast, fees):
    an, binh = fees
    rows = [
        ("05/03/2026", "76.543", note_for(an), "FT1"),
        ("06/03/2026", "5.000", "chuyen tien", "FT2"),
    ]
    report = run_import(cast, csv_bytes(rows))
    matched, unmatched = report.matched[0], report.unmatched[0]
    unmatched.payment = matched.payment
    with pytest.raises(IntegrityError), transaction.atomic():
        unmatched.save(update_fields=["payment"])


def test_resolve_an_unmatched_line_to_a_member_and_month(cast, fees):
    an, binh = fees
    report = run_import(cast, csv_bytes([("06/03/2026", "5.000", "chuyen tien dang phi", "FT2")]))
    line = report.unmatched[0]
    resolved = service.statement_line_resolve(
        actor=cast.clerk, line=line, member=binh, month=M3, note="Đã gọi điện hỏi"
    )
    assert resolved.status == "resolved" and resolved.resolved_by == cast.clerk
    payment = resolved.payment
    assert (payment.member, payment.month, payment.amount, payment.reference) == (
        binh,
        M3,
        5_000,
        "FT2",
    )
    report.statement.refresh_from_db()
    assert report.statement.matched_count == 1
    assert AuditEvent.objects.filter(object_type__endswith="statementline").exists()
    with pytest.raises(ValidationError) as caught:
        service.statement_line_resolve(actor=cast.clerk, line=line, member=an, month=M3)
    assert caught.value.code == "line_not_open"
    assert Payment.objects.count() == 1


def test_resolution_refused_by_the_payment_service_changes_nothing(cast, fees):
    an, _binh = fees
    report = run_import(cast, csv_bytes([("06/03/2026", "5.000", "chuyen tien", "FT2")]))
    line = report.unmatched[0]
    f.close_book(cast.cell, M3)
    with pytest.raises(ValidationError) as caught:
        service.statement_line_resolve(actor=cast.clerk, line=line, member=an, month=M3)
    assert service._error_code(caught.value) == "book_closed"
    line.refresh_from_db()
    assert line.status == "unmatched" and line.payment is None
    # recorded in the open April book as a late payment for March
    resolved = service.statement_line_resolve(
        actor=cast.clerk, line=line, member=an, month=M3, book_month=M4
    )
    assert resolved.payment.book_month == M4


def test_mark_a_line_not_a_fee_needs_a_note(cast, fees):
    report = run_import(cast, csv_bytes([("06/03/2026", "500.000", "hoan tien", "FT3")]))
    line = report.unmatched[0]
    with pytest.raises(ValidationError) as caught:
        service.statement_line_ignore(actor=cast.clerk, line=line, note="  ")
    assert "note" in caught.value.error_dict
    ignored = service.statement_line_ignore(actor=cast.clerk, line=line, note="Hoàn tiền tạm ứng")
    assert ignored.status == "ignored" and ignored.resolution_note == "Hoàn tiền tạm ứng"
    with pytest.raises(ValidationError):
        service.statement_line_ignore(actor=cast.clerk, line=line, note="again")


def test_resolve_as_a_cell_remittance(cast, fees):
    report = run_import(cast, csv_bytes([("02/04/2026", "210.000", "chi bo nop", "FT4")]))
    line = report.unmatched[0]
    service.statement_line_resolve_remittance(actor=cast.clerk, line=line, cell=cast.cell, month=M3)
    line.refresh_from_db()
    assert line.status == "resolved" and line.remittance.amount == 210_000


def test_resolve_to_a_member_of_another_committee_is_refused(cast, fees):
    foreign = make_member(cast.other, cast.foreign_cell, "Người Xã Khác")
    report = run_import(cast, csv_bytes([("06/03/2026", "5.000", "x", "FT2")]))
    with pytest.raises(ValidationError) as caught:
        service.statement_line_resolve(
            actor=cast.clerk, line=report.unmatched[0], member=foreign, month=M3
        )
    assert "member" in caught.value.error_dict


def test_a_bank_reference_is_not_recorded_twice_as_a_remittance(cast, fees):
    note = vietqr.format_fee_note(fee_ref_for_cell(cast.cell), None, 2026, 3)
    run_import(cast, csv_bytes([("02/04/2026", "210.000", note, "FT9")]))
    # the same transaction exported again with a longer note: a new line, the same reference
    again = run_import(cast, csv_bytes([("02/04/2026", "210.000", f"{note} CHI BO", "FT9")]))
    assert again.unmatched[0].unmatched_reason == "duplicate_reference"
    assert Remittance.objects.count() == 1


def test_voiding_a_matched_payment_gives_the_line_back_to_resolve(cast, fees):
    from capuyso.fees.services.payments import payment_void

    an, binh = fees
    report = run_import(cast, csv_bytes([("06/03/2026", "5.000", note_for(an), "FT7")]))
    line = report.matched[0]
    assert line.status == "matched" and line.payment.member == an
    audited = AuditEvent.objects.filter(object_type__endswith="statementline").count()
    payment_void(actor=cast.cell_secretary, payment=line.payment, reason="Người khác trả")
    line.refresh_from_db()
    assert (line.status, line.payment, line.unmatched_reason) == (
        "unmatched",
        None,
        "payment_voided",
    )
    assert service.line_reason(line)
    assert AuditEvent.objects.filter(object_type__endswith="statementline").count() == (audited + 1)
    resolved = service.statement_line_resolve(
        actor=cast.clerk, line=line, member=binh, month=M3, note="Của Bình"
    )
    assert resolved.status == "resolved" and resolved.payment.member == binh
    assert Payment.objects.filter(voided_at__isnull=True).get().member == binh
