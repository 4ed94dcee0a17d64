"""The Party layout DOCX, read back with python-docx."""

import datetime as dt
import io
from dataclasses import replace

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table

from capuyso.documents.layout import (
    DEFAULT_ARCHIVE_LINE,
    PartyLayout,
    format_place_date,
    format_reference,
    recipient_lines,
    render_docx,
)

PLAN = PartyLayout(
    superior_name="Đảng bộ thành phố Hà Nội",
    issuer_name="Đảng ủy xã Phú Cát",
    number=9,
    type_abbreviation="KH",
    issuer_abbreviation="ĐU",
    place="Phú Cát",
    date=dt.date(2026, 1, 5),
    year=2026,
    type_name="Kế hoạch",
    summary="tổ chức Hội nghị học tập, quán triệt Nghị quyết Đại hội Đảng bộ xã",
    is_official_letter=False,
    body=(
        "Căn cứ Điều lệ Đảng, Ban Thường vụ Đảng ủy xây dựng kế hoạch như sau:\n\n"
        "I. MỤC ĐÍCH, YÊU CẦU\n"
        "1. Quán triệt sâu rộng đến cán bộ, đảng viên.\n\n\n"
        "II. THỜI GIAN, ĐỊA ĐIỂM"
    ),
    signature_capacity="T/M Ban Thường vụ",
    deputy_signing=False,
    signer_title="BÍ THƯ",
    signer_name="Nguyễn Văn Hùng",
    recipients=["Các chi bộ trực thuộc", "Ban Tổ chức Thành ủy (để báo cáo)"],
)

LETTER = replace(
    PLAN,
    number=123,
    type_abbreviation="CV",
    type_name="",
    summary="triển khai thu, nộp đảng phí năm 2026",
    is_official_letter=True,
    body="Kính gửi: Các chi bộ trực thuộc.\n\nThực hiện chỉ đạo của cấp trên, đề nghị:",
)


def _read(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def _paragraphs(document):
    """Every paragraph in document order, those inside tables included."""
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                for cell in row.cells:
                    yield from cell.paragraphs
        else:
            yield item


def _texts(data: bytes) -> list[str]:
    return [p.text for p in _paragraphs(_read(data)) if p.text.strip()]


def _paragraph(data: bytes, text: str):
    matches = [p for p in _paragraphs(_read(data)) if p.text == text]
    assert len(matches) == 1, f"{text!r} found {len(matches)} times"
    return matches[0]


def _tables(data: bytes) -> list[Table]:
    return [item for item in _read(data).iter_inner_content() if isinstance(item, Table)]


def test_every_text_appears_once_in_document_order():
    texts = _texts(render_docx(PLAN))

    assert texts == [
        "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI",
        "ĐẢNG ỦY XÃ PHÚ CÁT",
        "*",
        "Số 09-KH/ĐU",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Phú Cát, ngày 05 tháng 01 năm 2026",
        "KẾ HOẠCH",
        "tổ chức Hội nghị học tập, quán triệt Nghị quyết Đại hội Đảng bộ xã",
        "-----",
        "Căn cứ Điều lệ Đảng, Ban Thường vụ Đảng ủy xây dựng kế hoạch như sau:",
        "I. MỤC ĐÍCH, YÊU CẦU\n1. Quán triệt sâu rộng đến cán bộ, đảng viên.",
        "II. THỜI GIAN, ĐỊA ĐIỂM",
        "Nơi nhận:",
        "- Các chi bộ trực thuộc,",
        "- Ban Tổ chức Thành ủy (để báo cáo),",
        "- Lưu Văn phòng Đảng ủy.",
        "T/M BAN THƯỜNG VỤ",
        "BÍ THƯ",
        "Nguyễn Văn Hùng",
    ]


def test_header_is_a_borderless_two_column_table():
    header, footer = _tables(render_docx(PLAN))

    for table in (header, footer):
        assert len(table.columns) == 2
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert {edge.get(qn("w:val")) for edge in borders} == {"nil"}
    left, right = header.rows[0].cells
    assert [p.text for p in left.paragraphs] == [
        "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI",
        "ĐẢNG ỦY XÃ PHÚ CÁT",
        "*",
        "Số 09-KH/ĐU",
    ]
    assert [p.text for p in right.paragraphs] == [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Phú Cát, ngày 05 tháng 01 năm 2026",
    ]
    assert left.paragraphs[2].alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_header_emphasis_follows_the_party_layout():
    data = render_docx(PLAN)

    superior = _paragraph(data, "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI").runs[0]
    issuer = _paragraph(data, "ĐẢNG ỦY XÃ PHÚ CÁT").runs[0]
    party = _paragraph(data, "ĐẢNG CỘNG SẢN VIỆT NAM").runs[0]
    date = _paragraph(data, "Phú Cát, ngày 05 tháng 01 năm 2026").runs[0]
    title = _paragraph(data, "KẾ HOẠCH")
    summary = _paragraph(data, PLAN.summary)

    assert not superior.bold
    assert issuer.bold
    assert party.bold and party.underline
    assert date.italic and not date.bold
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].bold and Pt(15) <= title.runs[0].font.size <= Pt(16)
    assert summary.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert summary.runs[0].bold


def test_unnumbered_document_leaves_blanks_for_number_and_date():
    data = render_docx(replace(PLAN, number=None, type_abbreviation="NQ", date=None, year=2026))

    texts = _texts(data)
    assert "Số      -NQ/ĐU" in texts
    assert "Phú Cát, ngày    tháng    năm 2026" in texts


@pytest.mark.parametrize(
    ("number", "expected"),
    [(9, "09-KH/ĐU"), (1, "01-KH/ĐU"), (10, "10-KH/ĐU"), (123, "123-KH/ĐU")],
)
def test_format_reference_pads_numbers_below_ten(number, expected):
    assert format_reference(number, "KH", "ĐU") == expected


def test_format_reference_without_number_keeps_type_and_issuer():
    assert format_reference(None, "NQ", "CB") == "     -NQ/CB"
    with pytest.raises(ValueError):
        format_reference(-1, "NQ", "CB")


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (dt.date(2026, 1, 5), "Phú Cát, ngày 05 tháng 01 năm 2026"),
        (dt.date(2026, 11, 15), "Phú Cát, ngày 15 tháng 11 năm 2026"),
        (dt.date(2026, 3, 3), "Phú Cát, ngày 03 tháng 3 năm 2026"),
        (dt.date(2026, 2, 28), "Phú Cát, ngày 28 tháng 02 năm 2026"),
        (dt.date(2026, 9, 9), "Phú Cát, ngày 09 tháng 9 năm 2026"),
        (dt.date(2025, 10, 1), "Phú Cát, ngày 01 tháng 10 năm 2025"),
    ],
)
def test_format_place_date_zero_pads_days_and_only_january_february(date, expected):
    assert format_place_date("Phú Cát", date, date.year) == expected


def test_format_place_date_placeholder_and_missing_year():
    assert format_place_date("Phú Cát", None, 2027) == "Phú Cát, ngày    tháng    năm 2027"
    # The date wins over a stale year.
    assert format_place_date("Phú Cát", dt.date(2026, 1, 5), 2025).endswith("năm 2026")
    assert format_place_date("", dt.date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    with pytest.raises(ValueError):
        format_place_date("Phú Cát", None, None)


def test_official_letter_puts_summary_under_the_number_in_12pt_italics():
    data = render_docx(LETTER)

    header = _tables(data)[0]
    left = [p.text for p in header.rows[0].cells[0].paragraphs]
    assert left[-2:] == ["Số 123-CV/ĐU", "V/v triển khai thu, nộp đảng phí năm 2026"]
    vv = _paragraph(data, "V/v triển khai thu, nộp đảng phí năm 2026").runs[0]
    assert vv.italic and vv.font.size == Pt(12)
    texts = _texts(data)
    # No type name and no bold summary under the header for a Công văn.
    assert texts[texts.index("Phú Cát, ngày 05 tháng 01 năm 2026") + 1] == (
        "Kính gửi: Các chi bộ trực thuộc."
    )
    assert sum("triển khai thu, nộp đảng phí" in text for text in texts) == 1
    assert "-----" not in texts


def test_deputy_signs_for_the_secretary():
    data = render_docx(
        replace(
            PLAN,
            signature_capacity="T/M BAN THƯỜNG VỤ",
            deputy_signing=True,
            signer_title="PHÓ BÍ THƯ",
            signer_name="Trần Thị Mai",
        )
    )

    signature = [p for p in _tables(data)[1].rows[0].cells[1].paragraphs]
    texts = [p.text for p in signature]
    assert texts[:3] == ["T/M BAN THƯỜNG VỤ", "K/T BÍ THƯ", "PHÓ BÍ THƯ"]
    assert texts[-1] == "Trần Thị Mai"
    assert texts[3:-1] and all(text == "" for text in texts[3:-1])  # room to sign
    assert all(p.runs[0].bold for p in signature if p.text)
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.CENTER for p in signature)
    assert "BÍ THƯ" not in texts


def test_cell_signature_without_deputy_line():
    data = render_docx(replace(PLAN, signature_capacity="T/M CHI BỘ", issuer_abbreviation="CB"))

    texts = _texts(data)
    assert "T/M CHI BỘ" in texts
    assert "K/T BÍ THƯ" not in texts
    assert "Số 09-KH/CB" in texts


def test_recipients_end_with_the_archive_line_exactly_once():
    data = render_docx(
        replace(
            PLAN,
            recipients=[
                "- Lưu Văn phòng Đảng ủy.",
                "Các chi bộ trực thuộc,",
                "  lưu văn phòng đảng ủy",
                "- Ủy ban Kiểm tra Đảng ủy;",
            ],
        )
    )

    footer = _tables(data)[1]
    recipients = footer.rows[0].cells[0].paragraphs
    assert recipients[0].text == "Nơi nhận:"
    assert recipients[0].runs[0].underline
    assert [p.text for p in recipients[1:]] == [
        "- Các chi bộ trực thuộc,",
        "- Ủy ban Kiểm tra Đảng ủy,",
        "- Lưu Văn phòng Đảng ủy.",
    ]
    assert all(run.font.size == Pt(12) for p in recipients[1:] for run in p.runs)
    assert _texts(data).count(DEFAULT_ARCHIVE_LINE) == 1


def test_archive_line_is_configurable_and_added_when_missing():
    assert recipient_lines([], "- Lưu Văn phòng Chi bộ.") == ["- Lưu Văn phòng Chi bộ."]
    assert recipient_lines(["Như trên"]) == ["- Như trên,", DEFAULT_ARCHIVE_LINE]


def test_times_new_roman_14pt_body_on_a4():
    data = render_docx(PLAN)
    document = _read(data)

    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(14)
    fonts = normal.element.rPr.rFonts
    assert {fonts.get(qn(f"w:{slot}")) for slot in ("ascii", "hAnsi", "eastAsia", "cs")} == {
        "Times New Roman"
    }
    body = _paragraph(data, "II. THỜI GIAN, ĐỊA ĐIỂM")
    assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert body.paragraph_format.first_line_indent > 0
    # Runs inherit the font from Normal and carry the 14 pt size themselves.
    runs = [run for p in _paragraphs(document) for run in p.runs]
    assert all(run.font.name is None for run in runs)
    assert all(run.font.size == Pt(14) for run in body.runs)

    section = document.sections[0]
    assert round(section.page_width.mm) == 210
    assert round(section.page_height.mm) == 297
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(margin.mm) for margin in margins] == [20, 20, 30, 15]


def test_line_breaks_inside_a_paragraph_are_kept():
    data = render_docx(replace(PLAN, body="Dòng một\nDòng hai\n\nĐoạn sau"))

    texts = _texts(data)
    assert "Dòng một\nDòng hai" in texts
    assert "Đoạn sau" in texts
