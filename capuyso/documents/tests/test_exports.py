import datetime as dt
import io
import time
import unicodedata

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from capuyso.audit.models import AuditEvent
from capuyso.documents import exports
from capuyso.documents.models import IncomingDocument, Registry, Secrecy
from capuyso.documents.services import incoming as incoming_svc
from capuyso.documents.services import outgoing as outgoing_svc
from capuyso.documents.services.config import office_of, registry_for
from capuyso.documents.tests.factories import doc_type, register

pytestmark = pytest.mark.django_db

INCOMING_HEADERS = [
    "Ngày đến",
    "Số đến",
    "Tác giả",
    "Số ký hiệu",
    "Ngày văn bản",
    "Tên loại và trích yếu",
    "Đơn vị/người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
]
OUTGOING_HEADERS = [
    "Số ký hiệu",
    "Ngày",
    "Tên loại và trích yếu",
    "Người ký",
    "Nơi nhận",
    "Đơn vị/người nhận bản lưu",
    "Số lượng bản",
    "Ghi chú",
]
YEAR_2025 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=timezone.get_current_timezone())


def as_date(value):
    """openpyxl reads every date cell back as a datetime."""
    return value.date() if isinstance(value, dt.datetime) else value


def read_xlsx(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return sheet, rows[0][0], list(rows[2]), [list(row) for row in rows[3:]]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def register_2025(cast, **kw):
    return register(cast, confirm_duplicate=True, **kw)


def issued(cast, *, on, summary="Kế hoạch tổ chức Đại hội", actor=None, **kw):
    document = outgoing_svc.outgoing_create(
        actor=actor or cast.clerk,
        doc_type=doc_type(cast.committee, "KH"),
        summary=summary,
        body="I. MỤC ĐÍCH, YÊU CẦU\n\nBảo đảm dân chủ.",
        signer=kw.pop("signer", cast.secretary),
        signature_capacity="T/M BAN THƯỜNG VỤ",
        **kw,
    )
    outgoing_svc.outgoing_approve(actor=document.signer, document=document)
    return outgoing_svc.outgoing_issue(actor=actor or cast.clerk, document=document, issue_date=on)


@pytest.fixture
def incoming_book(cast):
    """Four documents of 2025 in the Office book, one of 2024 just before midnight."""
    register_2025(cast, reference="99-KH/TU", received_at=local(2024, 12, 31, 23, 30))
    first = register_2025(
        cast,
        reference="01-KH/TU",
        summary="chuyển đổi số trong các chi bộ",
        document_date=dt.date(2025, 3, 1),
        received_at=local(2025, 3, 5, 9, 0),
    )
    register_2025(
        cast,
        abbreviation="CV",
        issuer_name="Văn phòng Thành ủy",
        reference="15-CV/VPTU",
        summary="V/v báo cáo sơ kết",
        urgency="khan",
        received_at=local(2025, 3, 6, 14, 0),
    )
    register_2025(
        cast,
        abbreviation="BC",
        reference="02-BC/TU",
        summary="",
        secrecy=Secrecy.ULTRA_SECRET,
        paper_holder="Văn phòng Đảng ủy",
        received_at=local(2025, 3, 7, 8, 0),
    )
    register_2025(cast, reference="40-KH/TU", received_at=local(2025, 12, 31, 23, 30))
    incoming_svc.incoming_submit(actor=cast.clerk, document=first, leader=cast.secretary)
    incoming_svc.incoming_direct(
        actor=cast.secretary,
        document=first,
        direction="Chi bộ thôn Đồng Cát chủ trì.",
        assignments=[
            incoming_svc.AssignmentSpec(role="support", user=cast.committee_member),
            incoming_svc.AssignmentSpec(role="lead", unit=cast.cell),
        ],
    )
    return first


def test_incoming_xlsx_has_the_legal_columns_rows_in_arrival_order_and_real_dates(
    cast, incoming_book
):
    export = exports.export_registry(cast.committee, "incoming", *YEAR_2025, fmt="xlsx")
    sheet, title, headers, rows = read_xlsx(export.content)

    assert title == f"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM 2025 – {cast.committee.executive_name}"
    assert headers == INCOMING_HEADERS
    assert export.rows == 4
    assert [row[1] for row in rows] == [1, 2, 3, 4]  # 2024's document has its own sequence
    assert [as_date(row[0]) for row in rows] == [
        dt.date(2025, 3, 5),
        dt.date(2025, 3, 6),
        dt.date(2025, 3, 7),
        dt.date(2025, 12, 31),  # 23:30 Vietnam time is still the 31st
    ]
    first, letter, secret, _last = rows
    assert first[2:6] == [
        "Thành ủy Hà Nội",
        "01-KH/TU",
        dt.datetime(2025, 3, 1),
        "Kế hoạch chuyển đổi số trong các chi bộ",
    ]
    assert first[6] == "Chi bộ thôn Đồng Cát (chủ trì); Phạm Thị Dung (phối hợp)"
    assert as_date(first[7]) == timezone.localdate()  # the day it was directed
    assert first[8] is None  # a paper delivery is signed for in the printed book
    assert letter[5] == "Công văn V/v báo cáo sơ kết" and letter[9] == "Khẩn"
    assert secret[5] == "Báo cáo"  # Tuyệt mật: no summary
    assert secret[9] == "Tuyệt mật; Bản giấy: Văn phòng Đảng ủy"
    assert sheet["A4"].number_format == "dd/mm/yyyy"
    assert sheet["A3"].font.b
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.column_dimensions["F"].width == 50
    assert export.filename == "so-van-ban-den-2025-dang-bo-xa-phu-cat.xlsx"


def test_outgoing_xlsx_keeps_a_cancelled_number_marked_with_its_reason(cast):
    issued(
        cast,
        on=dt.date(2025, 5, 5),
        recipients_text="- Ban Thường vụ Thành ủy (để báo cáo),\n- Các chi bộ trực thuộc,",
        copies=12,
    )
    revoked = issued(cast, on=dt.date(2025, 5, 6), summary="Kế hoạch kiểm tra")
    outgoing_svc.outgoing_cancel(actor=cast.clerk, document=revoked, reason="Sai thể thức")
    outgoing_svc.outgoing_create(  # a draft has no number: not in the book
        actor=cast.clerk, doc_type=doc_type(cast.committee, "KH"), summary="Dự thảo"
    )

    export = exports.export_registry(cast.committee, "outgoing", *YEAR_2025, fmt="xlsx")
    _sheet, title, headers, rows = read_xlsx(export.content)

    assert title.startswith("SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM 2025")
    assert headers == OUTGOING_HEADERS
    office = office_of(cast.committee).name
    assert [[row[0], as_date(row[1])] for row in rows] == [
        ["01-KH/ĐU", dt.date(2025, 5, 5)],
        ["02-KH/ĐU", dt.date(2025, 5, 6)],
    ]
    assert rows[0][2:8] == [
        "Kế hoạch tổ chức Đại hội",
        "Nguyễn Văn Bình",
        "Ban Thường vụ Thành ủy (để báo cáo); Các chi bộ trực thuộc",
        office,
        12,
        None,
    ]
    assert rows[1][2] == "Kế hoạch kiểm tra"
    assert rows[1][7] == "Đã hủy: Sai thể thức"


def test_a_cells_book_shows_platform_reads_and_a_revoked_delivery(cast):
    document = issued(
        cast,
        on=timezone.localdate(),
        recipients=[outgoing_svc.RecipientSpec(unit=cast.cell)],
    )
    delivered = IncomingDocument.objects.get(receiving_unit=cast.cell)
    incoming_svc.incoming_opened(user=cast.cell_secretary, document=delivered)
    read_at = timezone.localtime(delivered.reads.get().first_opened_at)
    outgoing_svc.outgoing_cancel(actor=cast.clerk, document=document, reason="Ban hành nhầm")
    register(cast, reference="77-KH/TU")  # the Office's own book

    year = timezone.localdate().year
    period = (dt.date(year, 1, 1), dt.date(year, 12, 31))
    cell_rows = list(exports.registry_rows(cast.committee, "incoming", *period, unit=cast.cell))
    office_rows = list(exports.registry_rows(cast.committee, "incoming", *period))

    assert [row[3] for row in office_rows] == ["77-KH/TU"]
    (row,) = cell_rows
    assert row[3] == "01-KH/ĐU"
    assert row[8] == read_at.replace(tzinfo=None, second=0, microsecond=0)
    assert row[9].startswith("Đã thu hồi: Ban hành nhầm")


def test_pdf_is_a4_landscape_with_vietnamese_text(cast, incoming_book):
    export = exports.export_registry(cast.committee, "incoming", *YEAR_2025, fmt="pdf")

    assert export.content.startswith(b"%PDF")
    assert export.rows == 4
    reader = PdfReader(io.BytesIO(export.content))
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    text = nfc(page.extract_text())
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM 2025" in text
    assert "chuyển đổi số" in text
    assert "Tên loại và trích yếu" in text


def test_five_thousand_rows_export_well_under_three_seconds(cast, capsys):
    office = office_of(cast.committee)
    registry = registry_for(office, Registry.Kind.INCOMING)
    kind = doc_type(cast.committee)
    start = local(2025, 1, 2, 8, 0)
    IncomingDocument.objects.bulk_create(
        [
            IncomingDocument(
                committee=cast.committee,
                registry=registry,
                receiving_unit=office,
                receiving_path=office.path,
                year=2025,
                arrival_number=number,
                received_at=start + dt.timedelta(minutes=90 * number),
                channel=IncomingDocument.Channel.PAPER,
                issuer_name="Thành ủy Hà Nội",
                reference=f"{number:02d}-KH/TU",
                document_date=dt.date(2025, 1, 1),
                doc_type=kind,
                summary="Kế hoạch triển khai chuyển đổi số trong các tổ chức đảng năm 2025",
                note="Bản chính",
            )
            for number in range(1, 5001)
        ],
        batch_size=1000,
    )
    began = time.perf_counter()
    export = exports.export_registry(cast.committee, "incoming", *YEAR_2025, fmt="xlsx")
    elapsed = time.perf_counter() - began
    with capsys.disabled():
        print(f"\n5,000-row registry XLSX: {elapsed:.2f} s, {len(export.content):,} bytes")
    assert export.rows == 5000
    assert elapsed < 3
    _sheet, _title, _headers, rows = read_xlsx(export.content)
    assert [row[1] for row in rows] == list(range(1, 5001))


# --- the management command ------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("export_registry", *args, stdout=out)
    return out.getvalue()


def test_command_writes_the_book_and_records_the_export(cast, incoming_book, tmp_path):
    target = tmp_path / "so-den.xlsx"
    output = run("--committee", "phu-cat", "--kind", "incoming", "--year", "2025", "-o", target)

    assert "4 rows" in output and str(target) in output
    _sheet, _title, headers, rows = read_xlsx(target.read_bytes())
    assert headers == INCOMING_HEADERS and len(rows) == 4
    event = AuditEvent.objects.filter(verb=AuditEvent.Verb.EXPORT).get()
    assert event.object_type == "registry" and event.changes["rows"] == 4


def test_command_takes_a_period_a_cell_and_the_format_from_the_file_name(cast, tmp_path):
    register(cast, actor=cast.cell_secretary, reference="05-KH/ĐU")
    register(cast, reference="06-KH/ĐU")
    today = timezone.localdate()
    target = tmp_path / "chi-bo.pdf"
    output = run(
        "--committee",
        "phu-cat",
        "--kind",
        "incoming",
        "--from",
        today.replace(day=1).strftime("%d/%m/%Y"),
        "--to",
        today.isoformat(),
        "--unit",
        "chi bo thon dong cat",
        "-o",
        target,
    )
    assert "1 rows" in output
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--committee", "khong-co", "--kind", "incoming"], "No committee has the short name"),
        (["--committee", "phu-cat", "--kind", "den"], "Unknown registry “den”"),
        (["--committee", "phu-cat", "--kind", "incoming", "--format", "csv"], "Unknown format"),
        (
            ["--committee", "phu-cat", "--kind", "incoming", "--from", "31/02/2025", "--to", "x"],
            "not a date",
        ),
        (["--committee", "phu-cat", "--kind", "incoming", "--unit", "Chi bộ X"], "no unit named"),
    ],
)
def test_command_errors_clearly(cast, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args, "-o", tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()


# --- the registry page -----------------------------------------------------------------


def test_registry_page_is_refused_without_the_right_to_register(cast, client_for):
    assert client_for(cast.member).get(reverse("documents:registry")).status_code == 403
    assert client_for(cast.committee_member).get(reverse("documents:registry")).status_code == 403


def test_registry_page_downloads_the_office_book_and_audits_it(cast, client_for, incoming_book):
    client = client_for(cast.clerk)
    assert client.get(reverse("documents:registry")).status_code == 200
    office = office_of(cast.committee)
    response = client.post(
        reverse("documents:registry"),
        {"unit": office.code, "kind": "incoming", "year": "2025", "fmt": "xlsx"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="so-van-ban-den-2025-dang-bo-xa-phu-cat.xlsx"'
    )
    _sheet, _title, _headers, rows = read_xlsx(response.content)
    assert [row[1] for row in rows] == [1, 2, 3, 4]
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.EXPORT)
    assert event.actor_id == cast.clerk.pk and event.object_type == "registry"
    assert event.committee_id == cast.committee.pk


def test_a_cell_secretary_exports_only_the_cells_book(cast, client_for):
    register(cast, actor=cast.cell_secretary, reference="05-KH/ĐU", summary="Kế hoạch của chi bộ")
    register(cast, reference="06-KH/ĐU", summary="Kế hoạch của Văn phòng")
    register(cast, reference="07-KH/ĐU", receiving_unit=cast.other_cell, actor=cast.clerk)
    client = client_for(cast.cell_secretary)
    year = str(timezone.localdate().year)

    response = client.post(
        reverse("documents:registry"),
        {"unit": cast.cell.code, "kind": "incoming", "year": year, "fmt": "xlsx"},
    )
    _sheet, title, _headers, rows = read_xlsx(response.content)
    assert title.endswith("CHI BỘ THÔN ĐỒNG CÁT")
    assert [row[3] for row in rows] == ["05-KH/ĐU"]

    office = office_of(cast.committee)
    refused = client.post(
        reverse("documents:registry"),
        {"unit": office.code, "kind": "incoming", "year": year, "fmt": "xlsx"},
    )
    assert refused.status_code == 200 and "unit" in refused.context["form"].errors
    assert not AuditEvent.objects.filter(
        verb=AuditEvent.Verb.EXPORT, object_id__startswith=str(office.code)
    ).exists()


def test_registry_form_asks_for_a_complete_period(cast, client_for):
    response = client_for(cast.clerk).post(
        reverse("documents:registry"),
        {
            "unit": office_of(cast.committee).code,
            "kind": "outgoing",
            "date_from": "2025-03-01",
            "fmt": "pdf",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_a_pdf_too_long_to_make_while_waiting_is_refused_with_advice(
    cast, client_for, incoming_book, settings
):
    settings.DOCUMENT_REGISTRY_PDF_MAX_ROWS = 3
    client = client_for(cast.clerk)
    values = {"unit": office_of(cast.committee).code, "kind": "incoming", "year": "2025"}

    refused = client.post(reverse("documents:registry"), {**values, "fmt": "pdf"})
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors()
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.EXPORT).exists()

    settings.DOCUMENT_REGISTRY_PDF_MAX_ROWS = 4
    pdf = client.post(reverse("documents:registry"), {**values, "fmt": "pdf"})
    assert pdf["Content-Type"] == exports.PDF_TYPE and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].endswith('so-van-ban-den-2025-dang-bo-xa-phu-cat.pdf"')
