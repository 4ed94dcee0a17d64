"""Metadata read from incoming PDFs: a rendered corpus plus targeted text cases."""

import base64
import datetime as dt
import io
from dataclasses import asdict

import pytest
import segno

from capuyso.documents.extract import (
    DEFAULT_TYPES,
    ExtractedMetadata,
    extract_metadata,
    pdf_text,
)
from capuyso.documents.tests.extract_corpus import (
    DOCUMENTS,
    FIELDS,
    build_corpus,
    field_accuracy,
    html_page,
    render_pdf,
)

MIN_ACCURACY = 0.9


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[bytes, dict]]:
    return {expected["key"]: (pdf, expected) for pdf, expected in build_corpus()}


@pytest.fixture(scope="module")
def extracted(corpus) -> dict[str, dict]:
    """Each corpus PDF read once with the default type list and no directory."""
    return {key: _extract(pdf) for key, (pdf, _expected) in corpus.items()}


def _extract(pdf: bytes, **kwargs) -> dict:
    return asdict(extract_metadata(pdf_text(pdf), **kwargs))


# --- the corpus ----------------------------------------------------------------


def test_corpus_is_varied():
    assert len(DOCUMENTS) >= 20
    expected = [doc.expected for doc in DOCUMENTS]
    types = {e["type_abbreviation"] for e in expected}
    assert {"CV", "KH", "NQ", "BC", "TB"} <= types
    references = [e["reference"] for e in expected]
    assert any(r.endswith("/CB") for r in references)
    assert any(r.endswith("/TU") for r in references)
    assert any("/UBND" in r or "-UBND" in r for r in references)
    assert {doc.header for doc in DOCUMENTS} == {"columns", "rows", "right-first"}


@pytest.mark.parametrize("key", [doc.key for doc in DOCUMENTS])
def test_extracts_every_field_of_corpus_document(corpus, extracted, key):
    _pdf, expected = corpus[key]

    got = extracted[key]

    assert {name: got[name] for name in FIELDS} == {name: expected[name] for name in FIELDS}


def test_field_accuracy_over_the_corpus(corpus, extracted, capsys):
    results = [(expected, extracted[key]) for key, (_pdf, expected) in corpus.items()]

    accuracy = field_accuracy(results)

    with capsys.disabled():
        shown = ", ".join(f"{name} {value:.3f}" for name, value in accuracy.items())
        print(f"\nextraction accuracy over {len(results)} PDFs: {shown}")
    assert accuracy["all"] >= MIN_ACCURACY


def test_printed_issuer_is_replaced_by_the_directory_name(corpus):
    pdf, _expected = corpus["du-kh-columns"]
    directory = [("ĐU", "Đảng ủy xã Phú Cát"), ("CB", "Chi bộ thôn Đông Yên")]

    assert _extract(pdf, issuers=directory)["issuer_name"] == "Đảng ủy xã Phú Cát"


def test_type_outside_the_committee_list_is_left_empty(corpus):
    pdf, _expected = corpus["du-kh-columns"]
    types = [(abbreviation, name) for abbreviation, name in DEFAULT_TYPES if abbreviation != "KH"]

    got = _extract(pdf, doc_types=types)

    assert got["type_abbreviation"] == ""
    assert got["reference"] == "09-KH/ĐU"


def test_only_the_first_pages_are_read(corpus):
    pdf, _expected = corpus["du-bc-three-line-summary"]  # two pages

    assert len(pdf_text(pdf, max_pages=1)) < len(pdf_text(pdf, max_pages=2))
    assert pdf_text(pdf, max_pages=0) == ""


# --- PDFs without a usable text layer ---------------------------------------------


def test_image_only_pdf_has_no_text():
    png = io.BytesIO()
    segno.make("Số 09-KH/ĐU", micro=False).save(png, kind="png", scale=8)
    uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    pdf = render_pdf(html_page(f'<img src="{uri}" style="width: 120mm; height: 120mm">'))

    assert pdf.startswith(b"%PDF")
    assert pdf_text(pdf) == ""
    assert extract_metadata(pdf_text(pdf)) == ExtractedMetadata()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a pdf at all",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog",
        b"%PDF-1.4\n" + bytes(range(256)) * 20,
    ],
    ids=["empty", "garbage", "header-only", "binary-noise"],
)
def test_unreadable_pdf_gives_empty_text_without_raising(data):
    assert pdf_text(data) == ""


def test_truncated_pdf_gives_empty_text_or_a_prefix_without_raising(corpus):
    pdf, _expected = corpus["du-kh-columns"]

    for size in (len(pdf) // 10, len(pdf) // 2, len(pdf) - 200):
        text = pdf_text(pdf[:size])
        assert isinstance(text, str)


def test_encrypted_pdf_with_a_password_gives_empty_text(corpus):
    from pypdf import PdfReader, PdfWriter

    pdf, _expected = corpus["du-kh-columns"]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password="mat-khau", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)

    assert pdf_text(buffer.getvalue()) == ""


# --- text cases ---------------------------------------------------------------------


def test_empty_text_gives_empty_metadata():
    for text in ("", "   \n\n  ", "\x0c"):
        metadata = extract_metadata(text)
        assert metadata == ExtractedMetadata()
        assert metadata.filled_fields() == []


def test_filled_fields_lists_found_fields_in_order():
    metadata = ExtractedMetadata(reference="09-KH/ĐU", summary="tổ chức hội nghị")

    assert metadata.filled_fields() == ["reference", "summary"]


INTERLEAVED = """ĐẢNG BỘ THÀNH PHỐ HÀ NỘI ĐẢNG CỘNG SẢN VIỆT NAM
ĐẢNG ỦY XÃ PHÚ CÁT Phú Cát, ngày 5 tháng 1 năm 2026
*
Số 15 - NQ/ĐU
NGHỊ QUYẾT
về công tác xây dựng Đảng năm 2026
Căn cứ Điều lệ Đảng Cộng sản Việt Nam, ngày 10 tháng 3 năm 2025;
"""


def test_interleaved_columns_on_one_line():
    got = extract_metadata(INTERLEAVED)

    assert got == ExtractedMetadata(
        reference="15-NQ/ĐU",
        document_date=dt.date(2026, 1, 5),
        issuer_name="ĐẢNG ỦY XÃ PHÚ CÁT",
        type_abbreviation="NQ",
        summary="về công tác xây dựng Đảng năm 2026",
    )


def test_right_column_first_and_colon_after_so():
    text = """ĐẢNG CỘNG SẢN VIỆT NAM
Hà Nội, ngày 20 tháng 02 năm 2026
THÀNH ỦY HÀ NỘI
*
Số:  123-CV/TU
V/v tổ chức các hoạt động kỷ niệm
96 năm Ngày thành lập Đảng
Kính gửi: Các đảng ủy trực thuộc.
"""
    got = extract_metadata(text)

    assert got.reference == "123-CV/TU"
    assert got.document_date == dt.date(2026, 2, 20)
    assert got.issuer_name == "THÀNH ỦY HÀ NỘI"
    assert got.type_abbreviation == "CV"
    assert got.summary == "tổ chức các hoạt động kỷ niệm 96 năm Ngày thành lập Đảng"


@pytest.mark.parametrize(
    ("line", "reference", "type_abbreviation"),
    [
        ("Số 09-KH/ĐU", "09-KH/ĐU", "KH"),
        ("Số 15 - NQ/ĐU", "15-NQ/ĐU", "NQ"),
        ("Số: 123-CV/TU", "123-CV/TU", "CV"),
        ("Số 02-QĐi/ĐU", "02-QĐi/ĐU", "QĐi"),
        ("Số 06-CV/UBKTĐU", "06-CV/UBKTĐU", "CV"),
        ("Số: 12/UBND-VP", "12/UBND-VP", ""),
        ("Số: 45/QĐ-UBND", "45/QĐ-UBND", "QĐ"),
        ("Số: 03/2026/QĐ-UBND", "03/2026/QĐ-UBND", "QĐ"),
        ("Số 07-XY/ĐU", "07-XY/ĐU", ""),
        ("Số      -NQ/ĐU", "", ""),
    ],
)
def test_reference_formats(line, reference, type_abbreviation):
    got = extract_metadata(f"ĐẢNG ỦY XÃ PHÚ CÁT\n*\n{line}\n")

    assert (got.reference, got.type_abbreviation) == (reference, type_abbreviation)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Phú Cát, ngày 05 tháng 01 năm 2026", dt.date(2026, 1, 5)),
        ("Phú Cát, ngày 5 tháng 1 năm 2026", dt.date(2026, 1, 5)),
        ("Hà Nội, ngày 28 tháng 02 năm\n2026", dt.date(2026, 2, 28)),
        ("Phú Cát, ngày 30 tháng 02 năm 2026", None),  # no such day
        ("Phú Cát, ngày    tháng    năm 2026", None),  # not dated yet
    ],
)
def test_document_date(line, expected):
    got = extract_metadata(f"ĐẢNG ỦY XÃ PHÚ CÁT\n*\nSố 09-KH/ĐU\n{line}\nKẾ HOẠCH\n")

    assert got.document_date == expected


def test_body_dates_are_not_taken_for_the_document_date():
    text = """ĐẢNG ỦY XÃ PHÚ CÁT
*
Số 09-KH/ĐU
KẾ HOẠCH
thực hiện Chỉ thị số 05 ngày 15 tháng 5 năm 2025
Căn cứ Nghị quyết ngày 10 tháng 3 năm 2025 của Ban Chấp hành;
"""
    assert extract_metadata(text).document_date is None


def test_issuer_matches_the_directory_ignoring_case_and_diacritics():
    text = "DANG BO XA PHU CAT\nCHI BO THON DONG YEN\n*\nSố 01-BC/CB\nBÁO CÁO\n"
    directory = [("ĐU", "Đảng ủy xã Phú Cát"), ("CB", "Chi bộ thôn Đông Yên")]

    assert extract_metadata(text, issuers=directory).issuer_name == "Chi bộ thôn Đông Yên"
    assert extract_metadata(text).issuer_name == "CHI BO THON DONG YEN"


def test_the_directory_gives_the_issuing_organ_not_its_superior_body():
    text = "THÀNH ỦY HÀ NỘI\nBAN TUYÊN GIÁO\n*\nSố 12-HD/BTGTU\nHƯỚNG DẪN\n"
    directory = [("TU", "Thành ủy Hà Nội"), ("ĐU", "Đảng ủy xã Phú Cát")]

    assert extract_metadata(text, issuers=directory).issuer_name == "BAN TUYÊN GIÁO"


def test_the_directory_takes_an_ocr_misreading_for_the_closest_name_only():
    directory = [("CB", "Chi bộ thôn Đồng Cát"), ("CB", "Chi bộ thôn Đông Yên")]

    def issuer(printed: str) -> str:
        text = f"ĐẢNG BỘ XÃ PHÚ CÁT\n{printed}\n*\nSố 01-BB/CB\nBIÊN BẢN\n"
        return extract_metadata(text, issuers=directory).issuer_name

    assert issuer("CHI BỌ THON ĐỌNG CATT") == "Chi bộ thôn Đồng Cát"
    assert issuer("CHI BỘ THÔN ĐÔNG YEN") == "Chi bộ thôn Đông Yên"
    # Another village is not a misreading of one in the directory: printed as it is.
    assert issuer("CHI BỘ THÔN ĐỒNG TÂM") == "CHI BỘ THÔN ĐỒNG TÂM"


def test_wrapped_issuer_name_is_rejoined():
    text = "ĐẢNG BỘ XÃ PHÚ CÁT\nCHI BỘ CƠ QUAN ỦY BAN\nNHÂN DÂN XÃ PHÚ CÁT\n*\nSố 02-KH/CB\n"

    assert extract_metadata(text).issuer_name == "CHI BỘ CƠ QUAN ỦY BAN NHÂN DÂN XÃ PHÚ CÁT"


def test_summary_stops_at_the_body():
    header = "ĐẢNG ỦY XÃ PHÚ CÁT\n*\nSố 09-KH/ĐU\nKẾ HOẠCH\n"
    cases = {
        "tổ chức hội nghị\nCăn cứ Điều lệ Đảng;": "tổ chức hội nghị",
        "tổ chức hội nghị\n-----\nChi bộ họp ngày": "tổ chức hội nghị",
        "tổ chức hội nghị\nChi bộ thôn Đông Yên tổ chức sinh hoạt": "tổ chức hội nghị",
        "Căn cứ Điều lệ Đảng;\nthứ hai": "",
        "- Căn cứ Điều lệ Đảng;": "",
        "tổ chức Hội nghị học tập, quán triệt, triển khai thực hiện\n"
        "Nghị quyết Đại hội Đảng bộ xã lần thứ nhất\n"
        "Kính gửi: các chi bộ": "tổ chức Hội nghị học tập, quán triệt, triển khai thực hiện "
        "Nghị quyết Đại hội Đảng bộ xã lần thứ nhất",
    }
    for after_title, summary in cases.items():
        assert extract_metadata(header + after_title).summary == summary, after_title


@pytest.mark.parametrize("title", ["| KẾ HOẠCH", "KẾ HOẠCH _", "_ KẾ HOẠCH |", "¦KẾ HOẠCH~"])
def test_ocr_marks_beside_the_title_do_not_hide_it(title):
    text = f"ĐẢNG ỦY XÃ PHÚ CÁT\n*\nSố 09-KH/ĐU\n{title}\ntổ chức hội nghị\nCăn cứ Điều lệ Đảng;"
    got = extract_metadata(text)
    assert got.type_abbreviation == "KH"
    assert got.summary == "tổ chức hội nghị"


def test_state_letter_takes_its_type_from_the_title_when_printed():
    text = """ỦY BAN NHÂN DÂN
XÃ PHÚ CÁT
Số: 87/UBND-VP
CỘNG HÒA XÃ HỘI CHỦ NGHĨA
VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Phú Cát, ngày 08 tháng 4 năm 2026
BÁO CÁO
Tình hình kinh tế - xã hội quý I năm 2026
"""
    got = extract_metadata(text)

    assert got.reference == "87/UBND-VP"
    assert got.issuer_name == "ỦY BAN NHÂN DÂN XÃ PHÚ CÁT"
    assert got.type_abbreviation == "BC"
    assert got.summary == "Tình hình kinh tế - xã hội quý I năm 2026"


def test_ocr_reading_of_a_state_header_line_by_line():
    """Tesseract reads the two header columns across: the motto's "VIỆT NAM" ends the
    issuer's line, Đ comes out as the look-alike Ð, and blank lines part the title from its
    summary."""
    text = """UBND HUYỆN PHÚ XUYÊN CỘNG HÒA XÃ HỘI CHỦ NGHĨA

ỦY BAN NHÂN DÂN XÃ PHÚ CÁT VIỆT NAM
_——— Độc lập - Tự do - Hạnh phúc
Số: 45/QÐ-UBND Phú Cát, ngày 18 tháng 7 năm 2024

QUYẾT ĐỊNH

Về việc thành lập Tổ công tác chuyển đổi số
xã Phú Cát

Căn cứ Luật Tổ chức chính quyền địa phương;
"""
    got = extract_metadata(text)

    assert got.issuer_name == "ỦY BAN NHÂN DÂN XÃ PHÚ CÁT"
    assert got.reference == "45/QĐ-UBND" and got.type_abbreviation == "QĐ"
    assert got.document_date == dt.date(2024, 7, 18)
    assert got.summary == "Về việc thành lập Tổ công tác chuyển đổi số xã Phú Cát"


def test_ocr_doubled_d_of_a_party_reference_is_read_once():
    text = "ĐẢNG ỦY XÃ PHÚ CÁT Phú Cát, ngày 28 tháng 6 năm 2025\n>k\nSố 21-TTr/ÐĐU\nTỜ TRÌNH\n"

    assert extract_metadata(text).reference == "21-TTr/ĐU"


def test_a_party_header_whose_name_ends_in_viet_nam_keeps_it():
    text = "ĐẢNG ỦY XÃ PHÚ CÁT\nHỘI NÔNG DÂN VIỆT NAM\n*\nSố 03-BC/HND\nBÁO CÁO\n"

    assert extract_metadata(text).issuer_name == "HỘI NÔNG DÂN VIỆT NAM"


def test_unstructured_text_leaves_fields_empty():
    text = "Biên lai thu tiền\nSố tiền: 50.000 đồng\nNgười nộp: Nguyễn Văn An\n"

    assert extract_metadata(text).filled_fields() == []
