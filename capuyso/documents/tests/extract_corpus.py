"""A corpus of incoming documents rendered to real PDFs, with the metadata a clerk would type.

Each document is laid out like a printed Party (or State) document: a two-column
header, the type name and summary (or "V/v …" for a Công văn), a body, recipients
and a signature block. The header is built three ways, because the order in which
pypdf returns the two columns depends on how the PDF draws them:

- "columns": one table row, each column a cell (left column drawn first);
- "rows": one table row per header line, so left and right lines interleave;
- "right-first": two floats with the right column first in the drawing order.

`build_corpus()` renders every document once per process (WeasyPrint, ~50 ms a page)
and returns `(pdf_bytes, expected)` pairs; `expected` holds the five fields of
`ExtractedMetadata` (reference, document_date, issuer_name, type_abbreviation, summary).
Used by test_extract.py and by the extraction benchmark.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass, field
from html import escape

FIELDS = ("reference", "document_date", "issuer_name", "type_abbreviation", "summary")

PARTY = "ĐẢNG CỘNG SẢN VIỆT NAM"
STATE = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

BODY_CAN_CU = (
    "Căn cứ Điều lệ Đảng Cộng sản Việt Nam và các quy định, hướng dẫn thi hành Điều lệ "
    "Đảng; căn cứ chương trình công tác năm 2026 của Ban Chấp hành Đảng bộ xã, Ban "
    "Thường vụ Đảng ủy xây dựng kế hoạch thực hiện như sau:",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "1. Quán triệt sâu rộng đến cán bộ, đảng viên và Nhân dân nội dung của văn bản; tạo "
    "sự thống nhất cao trong nhận thức và hành động của cả hệ thống chính trị.",
    "2. Việc tổ chức thực hiện phải nghiêm túc, thiết thực, hiệu quả, tránh hình thức; "
    "gắn với thực hiện nhiệm vụ chính trị của từng chi bộ.",
)
BODY_THUC_HIEN = (
    "Thực hiện Hướng dẫn số 12-HD/BTCTW ngày 20 tháng 3 năm 2025 của Ban Tổ chức Trung "
    "ương về một số vấn đề cụ thể về nghiệp vụ công tác đảng viên, chi bộ báo cáo kết "
    "quả như sau:",
    "1. Tổng số đảng viên của chi bộ: 42 đồng chí; có mặt 38 đồng chí, vắng 04 đồng chí có lý do.",
    "2. Chi bộ đã thu đảng phí đầy đủ, đúng quy định; không có đảng viên nợ đảng phí.",
)
BODY_LETTER = (
    "Thực hiện chỉ đạo của cấp trên, để kịp thời tổng hợp, báo cáo tình hình, đề nghị "
    "các đồng chí chỉ đạo triển khai thực hiện một số nội dung sau:",
    "1. Rà soát, cập nhật đầy đủ thông tin đảng viên trên hệ thống cơ sở dữ liệu.",
    "2. Báo cáo kết quả về Văn phòng Đảng ủy trước ngày 25 hằng tháng.",
)
BODY_PLAIN = (
    "Thời gian qua, công tác lãnh đạo, chỉ đạo của các cấp ủy đảng đã có nhiều chuyển "
    "biến tích cực, nhận thức của cán bộ, đảng viên và Nhân dân được nâng lên rõ rệt.",
    "Tuy nhiên, việc tổ chức thực hiện ở một số nơi còn chậm, chưa đồng bộ; sự phối hợp "
    "giữa các cơ quan, đơn vị có lúc chưa chặt chẽ.",
)


@dataclass(frozen=True)
class CorpusDocument:
    key: str
    left: tuple[str, ...]  # header lines above the "*" (last one bold)
    reference_line: str  # printed as is: "Số 09-KH/ĐU", "Số: 12/UBND-VP"
    place_date: str
    expected: dict
    title: str = ""
    summary: str = ""  # under the title (wrapped by the renderer)
    vv: str = ""  # "V/v …" text of a Công văn (wrapped in the left column)
    greeting: tuple[str, ...] = ()  # "Kính gửi: …" lines
    body: tuple[str, ...] = BODY_CAN_CU
    header: str = "columns"  # "columns" | "rows" | "right-first"
    rule: bool = True  # the five hyphens under the summary
    state: bool = False  # State layout: national motto instead of the Party's name
    recipients: tuple[str, ...] = ("- Các chi bộ trực thuộc,", "- Lưu Văn phòng Đảng ủy.")
    signature: tuple[str, ...] = ("T/M BAN THƯỜNG VỤ", "BÍ THƯ", "", "", "Nguyễn Văn Hùng")
    extra_pages: int = 0  # repeat the body to reach a second page
    options: dict = field(default_factory=dict)


def _expected(reference, date, issuer, type_abbreviation, summary) -> dict:
    return {
        "reference": reference,
        "document_date": date,
        "issuer_name": issuer,
        "type_abbreviation": type_abbreviation,
        "summary": summary,
    }


D = dt.date

DOCUMENTS: tuple[CorpusDocument, ...] = (
    CorpusDocument(
        key="du-kh-columns",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 09-KH/ĐU",
        place_date="Phú Cát, ngày 05 tháng 01 năm 2026",
        title="KẾ HOẠCH",
        summary="tổ chức Hội nghị học tập, quán triệt Nghị quyết Đại hội Đảng bộ xã",
        expected=_expected(
            "09-KH/ĐU",
            D(2026, 1, 5),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "KH",
            "tổ chức Hội nghị học tập, quán triệt Nghị quyết Đại hội Đảng bộ xã",
        ),
    ),
    CorpusDocument(
        key="du-nq-wrapped-summary",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 15-NQ/ĐU",
        place_date="Phú Cát, ngày 15 tháng 11 năm 2025",
        title="NGHỊ QUYẾT",
        summary=(
            "về lãnh đạo thực hiện nhiệm vụ phát triển kinh tế - xã hội, bảo đảm quốc "
            "phòng, an ninh và xây dựng Đảng, hệ thống chính trị năm 2026"
        ),
        body=BODY_PLAIN,
        expected=_expected(
            "15-NQ/ĐU",
            D(2025, 11, 15),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "NQ",
            "về lãnh đạo thực hiện nhiệm vụ phát triển kinh tế - xã hội, bảo đảm quốc "
            "phòng, an ninh và xây dựng Đảng, hệ thống chính trị năm 2026",
        ),
    ),
    CorpusDocument(
        key="du-cv-rows-wrapped-vv",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 123-CV/ĐU",
        place_date="Phú Cát, ngày 20 tháng 01 năm 2026",
        vv="triển khai thu, nộp đảng phí theo Quy định số 01-QĐ/TW năm 2026",
        greeting=("Kính gửi: Các chi bộ trực thuộc Đảng bộ xã.",),
        body=BODY_LETTER,
        header="rows",
        expected=_expected(
            "123-CV/ĐU",
            D(2026, 1, 20),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "CV",
            "triển khai thu, nộp đảng phí theo Quy định số 01-QĐ/TW năm 2026",
        ),
    ),
    CorpusDocument(
        key="cb-bc-no-leading-zeros",
        left=("ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ THÔN ĐÔNG YÊN"),
        reference_line="Số 01-BC/CB",
        place_date="Đông Yên, ngày 5 tháng 1 năm 2026",
        title="BÁO CÁO",
        summary="kết quả sinh hoạt chi bộ tháng 12 năm 2025",
        body=BODY_THUC_HIEN,
        rule=False,
        recipients=("- Đảng ủy xã Phú Cát,", "- Lưu Chi bộ."),
        signature=("T/M CHI BỘ", "BÍ THƯ", "", "", "Trần Thị Mai"),
        expected=_expected(
            "01-BC/CB",
            D(2026, 1, 5),
            "CHI BỘ THÔN ĐÔNG YÊN",
            "BC",
            "kết quả sinh hoạt chi bộ tháng 12 năm 2025",
        ),
    ),
    CorpusDocument(
        key="tu-cv-city",
        left=("THÀNH ỦY HÀ NỘI",),
        reference_line="Số 1234-CV/TU",
        place_date="Hà Nội, ngày 20 tháng 02 năm 2026",
        vv="tổ chức các hoạt động kỷ niệm 96 năm Ngày thành lập Đảng",
        greeting=("Kính gửi: Các huyện ủy, thị ủy, quận ủy, đảng ủy trực thuộc Thành ủy.",),
        body=BODY_LETTER,
        recipients=("- Như trên,", "- Lưu Văn phòng Thành ủy."),
        signature=("T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG", "", "", "Lê Minh Quân"),
        expected=_expected(
            "1234-CV/TU",
            D(2026, 2, 20),
            "THÀNH ỦY HÀ NỘI",
            "CV",
            "tổ chức các hoạt động kỷ niệm 96 năm Ngày thành lập Đảng",
        ),
    ),
    CorpusDocument(
        key="du-tb-colon-spaces-right-first",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số: 12 - TB/ĐU",
        place_date="Phú Cát, ngày 03 tháng 3 năm 2026",
        title="THÔNG BÁO",
        summary="kết luận của Ban Thường vụ Đảng ủy tại cuộc họp ngày 02/3/2026",
        body=BODY_PLAIN,
        header="right-first",
        expected=_expected(
            "12-TB/ĐU",
            D(2026, 3, 3),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "TB",
            "kết luận của Ban Thường vụ Đảng ủy tại cuộc họp ngày 02/3/2026",
        ),
    ),
    CorpusDocument(
        key="state-cv-ubnd",
        left=("ỦY BAN NHÂN DÂN", "XÃ PHÚ CÁT"),
        reference_line="Số: 12/UBND-VP",
        place_date="Phú Cát, ngày 10 tháng 3 năm 2026",
        vv="báo cáo tình hình thực hiện chuyển đổi số quý I năm 2026",
        greeting=("Kính gửi: Đảng ủy xã Phú Cát.",),
        body=BODY_LETTER,
        state=True,
        recipients=("- Như trên,", "- Lưu: VT, VP."),
        signature=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "", "", "Phạm Văn Đức"),
        expected=_expected(
            "12/UBND-VP",
            D(2026, 3, 10),
            "ỦY BAN NHÂN DÂN XÃ PHÚ CÁT",
            "CV",
            "báo cáo tình hình thực hiện chuyển đổi số quý I năm 2026",
        ),
    ),
    CorpusDocument(
        key="state-qd-ubnd",
        left=("ỦY BAN NHÂN DÂN", "XÃ PHÚ CÁT"),
        reference_line="Số: 45/QĐ-UBND",
        place_date="Phú Cát, ngày 02 tháng 4 năm 2026",
        title="QUYẾT ĐỊNH",
        summary="Về việc thành lập Tổ công tác chuyển đổi số xã Phú Cát",
        rule=False,
        body=(
            "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ PHÚ CÁT",
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
            "Theo đề nghị của Chánh Văn phòng Ủy ban nhân dân xã.",
        ),
        state=True,
        recipients=("- Như Điều 3,", "- Lưu: VT."),
        signature=("CHỦ TỊCH", "", "", "Phạm Văn Đức"),
        expected=_expected(
            "45/QĐ-UBND",
            D(2026, 4, 2),
            "ỦY BAN NHÂN DÂN XÃ PHÚ CÁT",
            "QĐ",
            "Về việc thành lập Tổ công tác chuyển đổi số xã Phú Cát",
        ),
    ),
    CorpusDocument(
        key="cb-nq-body-without-starter",
        left=("ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ THÔN HÒA THẠCH"),
        reference_line="Số 03-NQ/CB",
        place_date="Hòa Thạch, ngày 28 tháng 02 năm 2026",
        title="NGHỊ QUYẾT",
        summary="về nhiệm vụ tháng 3 năm 2026",
        rule=False,
        body=(
            "Chi bộ thôn Hòa Thạch tổ chức sinh hoạt thường kỳ tháng 02 năm 2026, sau khi "
            "thảo luận, Chi bộ thống nhất quyết nghị những nội dung sau:",
            "1. Lãnh đạo hoàn thành việc thu nộp đảng phí đúng thời gian quy định.",
        ),
        recipients=("- Đảng ủy xã,", "- Lưu Chi bộ."),
        signature=("T/M CHI BỘ", "BÍ THƯ", "", "", "Đỗ Văn Thành"),
        expected=_expected(
            "03-NQ/CB",
            D(2026, 2, 28),
            "CHI BỘ THÔN HÒA THẠCH",
            "NQ",
            "về nhiệm vụ tháng 3 năm 2026",
        ),
    ),
    CorpusDocument(
        key="du-bc-three-line-summary",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 27-BC/ĐU",
        place_date="Phú Cát, ngày 18 tháng 12 năm 2025",
        title="BÁO CÁO",
        summary=(
            "tổng kết công tác xây dựng Đảng, hệ thống chính trị năm 2025; phương hướng, "
            "nhiệm vụ trọng tâm năm 2026 và kết quả thực hiện các chương trình, đề án "
            "trọng điểm của Ban Chấp hành Đảng bộ xã"
        ),
        body=BODY_PLAIN,
        extra_pages=1,
        expected=_expected(
            "27-BC/ĐU",
            D(2025, 12, 18),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "BC",
            "tổng kết công tác xây dựng Đảng, hệ thống chính trị năm 2025; phương hướng, "
            "nhiệm vụ trọng tâm năm 2026 và kết quả thực hiện các chương trình, đề án "
            "trọng điểm của Ban Chấp hành Đảng bộ xã",
        ),
    ),
    CorpusDocument(
        key="du-qd-bullets",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 105-QĐ/ĐU",
        place_date="Phú Cát, ngày 07 tháng 5 năm 2026",
        title="QUYẾT ĐỊNH",
        summary="kết nạp đảng viên",
        rule=False,
        body=(
            "- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;",
            "- Xét đề nghị của Chi bộ thôn Phú Mãn và Ban Tổ chức Đảng ủy,",
            "BAN THƯỜNG VỤ ĐẢNG ỦY QUYẾT ĐỊNH",
            "Điều 1. Kết nạp quần chúng Nguyễn Thị Lan vào Đảng Cộng sản Việt Nam.",
        ),
        expected=_expected(
            "105-QĐ/ĐU", D(2026, 5, 7), "ĐẢNG ỦY XÃ PHÚ CÁT", "QĐ", "kết nạp đảng viên"
        ),
    ),
    CorpusDocument(
        key="du-ctr-rows",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 02-CTr/ĐU",
        place_date="Phú Cát, ngày 12 tháng 01 năm 2026",
        title="CHƯƠNG TRÌNH",
        summary="kiểm tra, giám sát năm 2026 của Ban Chấp hành Đảng bộ xã",
        header="rows",
        expected=_expected(
            "02-CTr/ĐU",
            D(2026, 1, 12),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "CTr",
            "kiểm tra, giám sát năm 2026 của Ban Chấp hành Đảng bộ xã",
        ),
    ),
    CorpusDocument(
        key="cb-ttr-greeting",
        left=("ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ THÔN PHÚ MÃN"),
        reference_line="Số 04-TTr/CB",
        place_date="Phú Mãn, ngày 09 tháng 6 năm 2026",
        title="TỜ TRÌNH",
        summary="đề nghị kết nạp quần chúng Nguyễn Thị Lan vào Đảng",
        rule=False,
        greeting=("Kính gửi: Ban Thường vụ Đảng ủy xã Phú Cát.",),
        body=BODY_THUC_HIEN,
        signature=("T/M CHI BỘ", "BÍ THƯ", "", "", "Vũ Văn Bình"),
        expected=_expected(
            "04-TTr/CB",
            D(2026, 6, 9),
            "CHI BỘ THÔN PHÚ MÃN",
            "TTr",
            "đề nghị kết nạp quần chúng Nguyễn Thị Lan vào Đảng",
        ),
    ),
    CorpusDocument(
        key="du-hd-right-first-wrapped",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 03-HD/ĐU",
        place_date="Phú Cát, ngày 25 tháng 11 năm 2025",
        title="HƯỚNG DẪN",
        summary=(
            "kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng và đảng viên năm 2025 "
            "theo Quy định số 366-QĐ/TW của Bộ Chính trị"
        ),
        header="right-first",
        expected=_expected(
            "03-HD/ĐU",
            D(2025, 11, 25),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "HD",
            "kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng và đảng viên năm 2025 "
            "theo Quy định số 366-QĐ/TW của Bộ Chính trị",
        ),
    ),
    CorpusDocument(
        key="cb-bc-february",
        left=("ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ THÔN ĐÔNG YÊN"),
        reference_line="Số 07-BC/CB",
        place_date="Đông Yên, ngày 28 tháng 2 năm 2026",
        title="BÁO CÁO",
        summary="tình hình đảng viên và công tác thu, nộp đảng phí quý I năm 2026",
        body=BODY_THUC_HIEN,
        header="rows",
        signature=("T/M CHI BỘ", "BÍ THƯ", "", "", "Trần Thị Mai"),
        expected=_expected(
            "07-BC/CB",
            D(2026, 2, 28),
            "CHI BỘ THÔN ĐÔNG YÊN",
            "BC",
            "tình hình đảng viên và công tác thu, nộp đảng phí quý I năm 2026",
        ),
    ),
    CorpusDocument(
        key="tu-kh-city-wrapped",
        left=("THÀNH ỦY HÀ NỘI",),
        reference_line="Số 345-KH/TU",
        place_date="Hà Nội, ngày 09 tháng 4 năm 2026",
        title="KẾ HOẠCH",
        summary=(
            "triển khai thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị về đột phá phát "
            "triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia"
        ),
        recipients=("- Ban Bí thư Trung ương Đảng (để báo cáo),", "- Lưu Văn phòng Thành ủy."),
        expected=_expected(
            "345-KH/TU",
            D(2026, 4, 9),
            "THÀNH ỦY HÀ NỘI",
            "KH",
            "triển khai thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị về đột phá phát "
            "triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
        ),
    ),
    CorpusDocument(
        key="du-kl",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 08-KL/ĐU",
        place_date="Phú Cát, ngày 06 tháng 4 năm 2026",
        title="KẾT LUẬN",
        summary="của Ban Thường vụ Đảng ủy về công tác chuẩn bị Đại hội các chi bộ",
        body=(
            "Ngày 02/4/2026, Ban Thường vụ Đảng ủy họp nghe báo cáo tiến độ chuẩn bị Đại "
            "hội các chi bộ trực thuộc nhiệm kỳ 2025 - 2027.",
            "Sau khi thảo luận, Ban Thường vụ Đảng ủy kết luận như sau:",
        ),
        expected=_expected(
            "08-KL/ĐU",
            D(2026, 4, 6),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "KL",
            "của Ban Thường vụ Đảng ủy về công tác chuẩn bị Đại hội các chi bộ",
        ),
    ),
    CorpusDocument(
        key="draft-unnumbered",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số      -NQ/ĐU",
        place_date="Phú Cát, ngày    tháng    năm 2026",
        title="NGHỊ QUYẾT",
        summary="về công tác cán bộ (dự thảo)",
        body=BODY_PLAIN,
        expected=_expected("", None, "ĐẢNG ỦY XÃ PHÚ CÁT", "NQ", "về công tác cán bộ (dự thảo)"),
    ),
    CorpusDocument(
        key="ubkt-cv",
        left=("ĐẢNG ỦY XÃ PHÚ CÁT", "ỦY BAN KIỂM TRA"),
        reference_line="Số 06-CV/UBKTĐU",
        place_date="Phú Cát, ngày 14 tháng 5 năm 2026",
        vv="giám sát việc thực hiện nhiệm vụ của đảng viên",
        greeting=("Kính gửi:", "- Chi bộ thôn Đông Yên;", "- Chi bộ thôn Phú Mãn."),
        body=BODY_LETTER,
        header="right-first",
        expected=_expected(
            "06-CV/UBKTĐU",
            D(2026, 5, 14),
            "ỦY BAN KIỂM TRA",
            "CV",
            "giám sát việc thực hiện nhiệm vụ của đảng viên",
        ),
    ),
    CorpusDocument(
        key="du-cv-short-no-zero",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 05-CV/ĐU",
        place_date="Phú Cát, ngày 5 tháng 3 năm 2026",
        vv="cử cán bộ dự tập huấn",
        greeting=("Kính gửi: Ban Tổ chức Thành ủy Hà Nội.",),
        body=BODY_LETTER,
        expected=_expected(
            "05-CV/ĐU", D(2026, 3, 5), "ĐẢNG ỦY XÃ PHÚ CÁT", "CV", "cử cán bộ dự tập huấn"
        ),
    ),
    CorpusDocument(
        key="cb-wrapped-issuer",
        left=("ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ CƠ QUAN ỦY BAN NHÂN DÂN XÃ PHÚ CÁT"),
        reference_line="Số 02-KH/CB",
        place_date="Phú Cát, ngày 16 tháng 01 năm 2026",
        title="KẾ HOẠCH",
        summary="sinh hoạt chuyên đề quý I năm 2026",
        body=BODY_CAN_CU,
        signature=("T/M CHI BỘ", "BÍ THƯ", "", "", "Ngô Thị Hạnh"),
        expected=_expected(
            "02-KH/CB",
            D(2026, 1, 16),
            "CHI BỘ CƠ QUAN ỦY BAN NHÂN DÂN XÃ PHÚ CÁT",
            "KH",
            "sinh hoạt chuyên đề quý I năm 2026",
        ),
    ),
    CorpusDocument(
        key="du-da",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 01-ĐA/ĐU",
        place_date="Phú Cát, ngày 30 tháng 6 năm 2026",
        title="ĐỀ ÁN",
        summary=(
            "chuyển đổi số trong hoạt động của các tổ chức đảng thuộc Đảng bộ xã Phú Cát "
            "giai đoạn 2026 - 2030"
        ),
        body=BODY_PLAIN,
        header="rows",
        expected=_expected(
            "01-ĐA/ĐU",
            D(2026, 6, 30),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "ĐA",
            "chuyển đổi số trong hoạt động của các tổ chức đảng thuộc Đảng bộ xã Phú Cát "
            "giai đoạn 2026 - 2030",
        ),
    ),
    CorpusDocument(
        key="du-ct",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 04-CT/ĐU",
        place_date="Phú Cát, ngày 01 tháng 10 năm 2025",
        title="CHỈ THỊ",
        summary=(
            "về tăng cường sự lãnh đạo của Đảng đối với công tác phòng cháy, chữa cháy "
            "trên địa bàn xã"
        ),
        body=BODY_PLAIN,
        expected=_expected(
            "04-CT/ĐU",
            D(2025, 10, 1),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "CT",
            "về tăng cường sự lãnh đạo của Đảng đối với công tác phòng cháy, chữa cháy "
            "trên địa bàn xã",
        ),
    ),
    CorpusDocument(
        key="du-qdi",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 02-QĐi/ĐU",
        place_date="Phú Cát, ngày 11 tháng 8 năm 2026",
        title="QUY ĐỊNH",
        summary="về chế độ làm việc, sinh hoạt của cấp ủy chi bộ",
        body=("- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;", *BODY_PLAIN),
        rule=False,
        expected=_expected(
            "02-QĐi/ĐU",
            D(2026, 8, 11),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "QĐi",
            "về chế độ làm việc, sinh hoạt của cấp ủy chi bộ",
        ),
    ),
    CorpusDocument(
        key="state-bc-ubnd-rows",
        left=("ỦY BAN NHÂN DÂN", "XÃ PHÚ CÁT"),
        reference_line="Số: 87/BC-UBND",
        place_date="Phú Cát, ngày 08 tháng 4 năm 2026",
        title="BÁO CÁO",
        summary="Tình hình kinh tế - xã hội quý I, nhiệm vụ trọng tâm quý II năm 2026",
        rule=False,
        body=BODY_PLAIN,
        header="rows",
        state=True,
        recipients=("- Đảng ủy xã,", "- Lưu: VT."),
        signature=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "", "", "Phạm Văn Đức"),
        expected=_expected(
            "87/BC-UBND",
            D(2026, 4, 8),
            "ỦY BAN NHÂN DÂN XÃ PHÚ CÁT",
            "BC",
            "Tình hình kinh tế - xã hội quý I, nhiệm vụ trọng tâm quý II năm 2026",
        ),
    ),
    CorpusDocument(
        key="du-tb-urgent-columns",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 31-TB/ĐU",
        place_date="Phú Cát, ngày 19 tháng 9 năm 2026",
        title="THÔNG BÁO",
        summary="phân công nhiệm vụ Ủy viên Ban Chấp hành Đảng bộ xã nhiệm kỳ 2025 - 2030",
        body=(
            "Căn cứ Quy chế làm việc của Ban Chấp hành Đảng bộ xã nhiệm kỳ 2025 - 2030, "
            "Ban Thường vụ Đảng ủy thông báo phân công nhiệm vụ như sau:",
            *BODY_PLAIN,
        ),
        options={"urgency": "KHẨN"},
        expected=_expected(
            "31-TB/ĐU",
            D(2026, 9, 19),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "TB",
            "phân công nhiệm vụ Ủy viên Ban Chấp hành Đảng bộ xã nhiệm kỳ 2025 - 2030",
        ),
    ),  # Added after the extractor was written, to check it on cases it was not tuned on.
    CorpusDocument(
        key="btc-ttr-small-header",
        left=("ĐẢNG ỦY XÃ PHÚ CÁT", "BAN TỔ CHỨC"),
        reference_line="Số 11-TTr/BTCĐU",
        place_date="Phú Cát, ngày 1 tháng 12 năm 2025",
        title="TỜ TRÌNH",
        summary="về việc đề nghị công nhận đảng viên chính thức",
        greeting=("Kính gửi: Ban Thường vụ Đảng ủy xã.",),
        body=BODY_THUC_HIEN,
        options={"header_size": "12pt"},
        expected=_expected(
            "11-TTr/BTCĐU",
            D(2025, 12, 1),
            "BAN TỔ CHỨC",
            "TTr",
            "về việc đề nghị công nhận đảng viên chính thức",
        ),
    ),
    CorpusDocument(
        key="du-cv-rows-body-without-greeting",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 140-CV/ĐU",
        place_date="Phú Cát, ngày 22 tháng 7 năm 2026",
        vv=(
            "đôn đốc hoàn thành việc rà soát, cập nhật thông tin đảng viên vào Cơ sở dữ "
            "liệu đảng viên 3.0"
        ),
        body=(
            "Ban Thường vụ Đảng ủy đề nghị các chi bộ khẩn trương rà soát, cập nhật đầy đủ "
            "thông tin đảng viên và báo cáo kết quả về Văn phòng Đảng ủy.",
        ),
        header="rows",
        expected=_expected(
            "140-CV/ĐU",
            D(2026, 7, 22),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "CV",
            "đôn đốc hoàn thành việc rà soát, cập nhật thông tin đảng viên vào Cơ sở dữ "
            "liệu đảng viên 3.0",
        ),
    ),
    CorpusDocument(
        key="du-tt-subtitle",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 02-TT/ĐU",
        place_date="Phú Cát, ngày 04 tháng 02 năm 2026",
        title="THÔNG TRI",
        summary="về lãnh đạo tổ chức Tết Nguyên đán Bính Ngọ năm 2026",
        body=BODY_PLAIN,
        header="right-first",
        expected=_expected(
            "02-TT/ĐU",
            D(2026, 2, 4),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "TT",
            "về lãnh đạo tổ chức Tết Nguyên đán Bính Ngọ năm 2026",
        ),
    ),
    CorpusDocument(
        key="cb-bb-meeting",
        left=("ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ THÔN PHÚ MÃN"),
        reference_line="Số 06-BB/CB",
        place_date="Phú Mãn, ngày 30 tháng 1 năm 2026",
        title="BIÊN BẢN",
        summary="sinh hoạt chi bộ thường kỳ tháng 01 năm 2026",
        body=(
            "Hôm nay, vào lúc 19 giờ 30 phút ngày 30 tháng 01 năm 2026, tại Nhà văn hóa "
            "thôn Phú Mãn, Chi bộ tổ chức sinh hoạt thường kỳ.",
            *BODY_THUC_HIEN,
        ),
        header="rows",
        rule=False,
        signature=("CHỦ TRÌ", "", "", "Vũ Văn Bình"),
        expected=_expected(
            "06-BB/CB",
            D(2026, 1, 30),
            "CHI BỘ THÔN PHÚ MÃN",
            "BB",
            "sinh hoạt chi bộ thường kỳ tháng 01 năm 2026",
        ),
    ),
    CorpusDocument(
        key="du-qd-central-style-title-quy-dinh",
        left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT"),
        reference_line="Số 15-QĐ/ĐU",
        place_date="Phú Cát, ngày 20 tháng 10 năm 2025",
        title="QUY ĐỊNH",
        summary=(
            "về trách nhiệm nêu gương của cán bộ, đảng viên, trước hết là Ủy viên Ban "
            "Chấp hành Đảng bộ xã và người đứng đầu các chi bộ"
        ),
        body=("- Căn cứ Điều lệ Đảng Cộng sản Việt Nam;", *BODY_PLAIN),
        expected=_expected(
            "15-QĐ/ĐU",
            D(2025, 10, 20),
            "ĐẢNG ỦY XÃ PHÚ CÁT",
            "QĐ",
            "về trách nhiệm nêu gương của cán bộ, đảng viên, trước hết là Ủy viên Ban "
            "Chấp hành Đảng bộ xã và người đứng đầu các chi bộ",
        ),
    ),
)


STYLE = """
@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
body { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif;
       font-size: 14pt; line-height: 1.2; margin: 0; }
p { margin: 0; }
.c { text-align: center; }
.b { font-weight: bold; }
.u { text-decoration: underline; }
.i { font-style: italic; }
.small { font-size: 12pt; }
table { border-collapse: collapse; width: 100%; }
td { vertical-align: top; padding: 0; }
.l { width: 45%; } .r { width: 55%; }
.float-l { float: left; width: 45%; } .float-r { float: right; width: 55%; }
.clear { clear: both; }
.title { font-size: 15pt; font-weight: bold; text-align: center; margin-top: 14pt; }
.body p { text-align: justify; text-indent: 12.7mm; margin-bottom: 6pt; }
.sign td { padding-top: 12pt; }
"""


def _p(text: str, classes: str = "c") -> str:
    return f'<p class="{classes}">{escape(text) if text else "&nbsp;"}</p>'


def _left_lines(doc: CorpusDocument) -> list[str]:
    *upper, issuer = doc.left
    lines = [_p(line) for line in upper] + [_p(issuer, "c b")]
    lines.append(_p("*" if not doc.state else "-------"))
    lines.append(_p(doc.reference_line))
    if doc.vv:
        lines.append(_p(f"V/v {doc.vv}", "c i small"))
    if doc.options.get("urgency"):
        lines.append(_p(doc.options["urgency"], "c b"))
    return lines


def _right_lines(doc: CorpusDocument) -> tuple[list[str], str]:
    top = [_p(STATE[0], "c b"), _p(STATE[1], "c b u")] if doc.state else [_p(PARTY, "c b u")]
    return top, _p(doc.place_date, "c i")


def _header(doc: CorpusDocument) -> str:
    left = _left_lines(doc)
    top, date = _right_lines(doc)
    if doc.header == "columns":
        right = [*top, _p(""), date]
        return (
            f'<table><tr><td class="l">{"".join(left)}</td>'
            f'<td class="r">{"".join(right)}</td></tr></table>'
        )
    if doc.header == "rows":
        # One row per line: the date sits level with the number, as on paper.
        number_row = len(left) - (2 if doc.vv else 1) - (1 if doc.options.get("urgency") else 0)
        right = [*top] + [""] * max(0, number_row - len(top))
        right.append(date)
        rows = max(len(left), len(right))
        left += [""] * (rows - len(left))
        right += [""] * (rows - len(right))
        cells = "".join(
            f'<tr><td class="l">{a}</td><td class="r">{b}</td></tr>'
            for a, b in zip(left, right, strict=True)
        )
        return f"<table>{cells}</table>"
    if doc.header == "right-first":
        right = [*top, _p(""), date]
        return (
            f'<div class="float-r">{"".join(right)}</div>'
            f'<div class="float-l">{"".join(left)}</div><div class="clear"></div>'
        )
    raise ValueError(doc.header)


def _document_html(doc: CorpusDocument) -> str:
    size = doc.options.get("header_size", "14pt")
    parts = [f'<div style="font-size: {size}">{_header(doc)}</div>']
    if doc.title:
        parts.append(f'<p class="title">{escape(doc.title)}</p>')
    if doc.summary:
        parts.append(_p(doc.summary, "c b"))
    if (doc.title or doc.summary) and doc.rule:
        parts.append(_p("-----"))
    if doc.greeting:
        parts.append('<div style="margin-top: 12pt">')
        parts.extend(_p(line, "c") for line in doc.greeting)
        parts.append("</div>")
    body = list(doc.body) * (1 + 6 * doc.extra_pages)
    parts.append('<div class="body" style="margin-top: 12pt">')
    parts.extend(_p(text, "") for text in body)
    parts.append("</div>")
    recipients = "".join([_p("Nơi nhận:", "b u"), *(_p(line, "small") for line in doc.recipients)])
    signature = "".join(_p(line, "c b") for line in doc.signature)
    parts.append(
        f'<table class="sign"><tr><td class="l">{recipients}</td>'
        f'<td class="r">{signature}</td></tr></table>'
    )
    return "".join(parts)


def html_page(body: str) -> str:
    return (
        f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><style>{STYLE}</style>"
        f"</head><body>{body}</body></html>"
    )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def _render_all(documents: tuple[CorpusDocument, ...]) -> list[bytes]:
    """One PDF per document, laid out in a single WeasyPrint run.

    Subsetting the fonts costs ~0.4 s per PDF, so all documents are laid out in
    one HTML (each starting a page), written once, then split per document
    with pypdf: the pages and their text layer are WeasyPrint's own.
    """
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    sections = "".join(
        f'<section id="{doc.key}" style="break-before: page">{_document_html(doc)}</section>'
        for doc in documents
    )
    rendered = HTML(string=html_page(sections)).render()
    # A section's id is an anchor on every page it covers: keep the first one.
    starts = [
        next(index for index, page in enumerate(rendered.pages) if doc.key in page.anchors)
        for doc in documents
    ]
    reader = PdfReader(io.BytesIO(rendered.write_pdf()))
    pdfs = []
    for start, end in zip(starts, [*starts[1:], len(reader.pages)], strict=True):
        writer = PdfWriter()
        for page in reader.pages[start:end]:
            writer.add_page(page)
        buffer = io.BytesIO()
        writer.write(buffer)
        pdfs.append(buffer.getvalue())
    return pdfs


@functools.cache
def _rendered() -> tuple[tuple[bytes, dict], ...]:
    pdfs = _render_all(DOCUMENTS)
    return tuple(
        (pdf, dict(doc.expected, key=doc.key)) for pdf, doc in zip(pdfs, DOCUMENTS, strict=True)
    )


def build_corpus() -> list[tuple[bytes, dict]]:
    """`(pdf, expected)` for every corpus document; `expected["key"]` names the case."""
    return [(pdf, dict(expected)) for pdf, expected in _rendered()]


def field_accuracy(results: list[tuple[dict, dict]]) -> dict[str, float]:
    """Share of right values per field and overall, from `(expected, got)` pairs."""
    scores: dict[str, float] = {}
    total_right = 0
    for name in FIELDS:
        right = sum(1 for expected, got in results if got.get(name) == expected[name])
        scores[name] = right / len(results) if results else 0.0
        total_right += right
    scores["all"] = total_right / (len(results) * len(FIELDS)) if results else 0.0
    return scores
