"""How well the metadata proposed at intake matches what a clerk would type.

A test set of 18 papers of the kind a commune's archive holds (2012–2026; Party and State
layouts; the Đảng ủy, its boards, cells, the district and city committees, the commune's
People's Committee; one list without a number), each made into the file the archive
receives: a PDF with a text layer, a Word document with the header in a table, or an older
Word document typed with tabs. The text goes through the intake's own reading (examine)
and the documents extractor (propose); `proposal_accuracy` counts the fields it gets right.

Expected values are what the paper prints: the reference without "Số", the place/date line,
the issuing body's line as printed (no directory is given here), the type's abbreviation
when the type is one of the defaults, and the summary under the title or after "V/v".
"""

from __future__ import annotations

import datetime as dt

import pytest

from capuyso.archive.ingest import examine, propose
from capuyso.archive.tests.ingest_samples import PartyDoc, party_docx, party_pdf
from capuyso.core.text import fold

FIELDS = ("reference", "document_date", "issuer_name", "type_abbreviation", "summary")
D = dt.date.isoformat


def expect(reference, date, issuer, type_abbreviation, summary) -> dict:
    return dict(
        reference=reference,
        document_date=D(date) if date else "",
        issuer_name=issuer,
        type_abbreviation=type_abbreviation,
        summary=summary,
    )


XA = ("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG ỦY XÃ PHÚ CÁT")
CASES: tuple[tuple[str, str, PartyDoc], ...] = (
    (
        "pdf",
        "du-kh-2026",
        PartyDoc(
            left=XA,
            reference_line="Số 09-KH/ĐU",
            place_date="Phú Cát, ngày 05 tháng 01 năm 2026",
            title="KẾ HOẠCH",
            summary="thực hiện chuyển đổi số trong các cơ quan Đảng năm 2026",
            expected=expect(
                "09-KH/ĐU",
                dt.date(2026, 1, 5),
                "ĐẢNG ỦY XÃ PHÚ CÁT",
                "KH",
                "thực hiện chuyển đổi số trong các cơ quan Đảng năm 2026",
            ),
        ),
    ),
    (
        "docx",
        "du-nq-2020-long",
        PartyDoc(
            left=XA,
            reference_line="Số 15-NQ/ĐU",
            place_date="Phú Cát, ngày 20 tháng 12 năm 2020",
            title="NGHỊ QUYẾT",
            summary=(
                "về lãnh đạo thực hiện nhiệm vụ phát triển kinh tế - xã hội, bảo đảm quốc "
                "phòng, an ninh và xây dựng Đảng năm 2021"
            ),
            expected=expect(
                "15-NQ/ĐU",
                dt.date(2020, 12, 20),
                "ĐẢNG ỦY XÃ PHÚ CÁT",
                "NQ",
                "về lãnh đạo thực hiện nhiệm vụ phát triển kinh tế - xã hội, bảo đảm quốc "
                "phòng, an ninh và xây dựng Đảng năm 2021",
            ),
        ),
    ),
    (
        "docx",
        "du-cv-2023",
        PartyDoc(
            left=XA,
            reference_line="Số 123-CV/ĐU",
            vv="triển khai thu, nộp đảng phí năm 2023",
            place_date="Phú Cát, ngày 09 tháng 02 năm 2023",
            greeting="Kính gửi: Các chi bộ trực thuộc Đảng bộ xã.",
            expected=expect(
                "123-CV/ĐU",
                dt.date(2023, 2, 9),
                "ĐẢNG ỦY XÃ PHÚ CÁT",
                "CV",
                "triển khai thu, nộp đảng phí năm 2023",
            ),
        ),
    ),
    (
        "tabs",
        "cb-bc-2019-typed",
        PartyDoc(
            left=("ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ THÔN ĐÔNG YÊN"),
            reference_line="Số 01-BC/CB",
            place_date="Đông Yên, ngày 5 tháng 1 năm 2019",
            title="BÁO CÁO",
            summary="kết quả sinh hoạt chi bộ tháng 12 năm 2018",
            expected=expect(
                "01-BC/CB",
                dt.date(2019, 1, 5),
                "CHI BỘ THÔN ĐÔNG YÊN",
                "BC",
                "kết quả sinh hoạt chi bộ tháng 12 năm 2018",
            ),
        ),
    ),
    (
        "pdf",
        "cb-bb-2021",
        PartyDoc(
            left=("ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ THÔN ĐỒNG CÁT"),
            reference_line="Số 03-BB/CB",
            place_date="Đồng Cát, ngày 15 tháng 3 năm 2021",
            title="BIÊN BẢN",
            summary="họp chi bộ thường kỳ tháng 3 năm 2021",
            expected=expect(
                "03-BB/CB",
                dt.date(2021, 3, 15),
                "CHI BỘ THÔN ĐỒNG CÁT",
                "BB",
                "họp chi bộ thường kỳ tháng 3 năm 2021",
            ),
        ),
    ),
    (
        "pdf",
        "tu-cv-2015",
        PartyDoc(
            left=("THÀNH ỦY HÀ NỘI",),
            reference_line="Số 1234-CV/TU",
            vv="tổ chức kỷ niệm 85 năm Ngày thành lập Đảng",
            place_date="Hà Nội, ngày 20 tháng 01 năm 2015",
            greeting="Kính gửi: Các huyện ủy, quận ủy, thị ủy, đảng ủy trực thuộc Thành ủy.",
            expected=expect(
                "1234-CV/TU",
                dt.date(2015, 1, 20),
                "THÀNH ỦY HÀ NỘI",
                "CV",
                "tổ chức kỷ niệm 85 năm Ngày thành lập Đảng",
            ),
        ),
    ),
    (
        "tabs",
        "hu-qd-2012-typed",
        PartyDoc(
            left=("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "HUYỆN ỦY PHÚ XUYÊN"),
            reference_line="Số 245-QĐ/HU",
            place_date="Phú Xuyên, ngày 12 tháng 10 năm 2012",
            title="QUYẾT ĐỊNH",
            summary="về việc chuẩn y kết quả bầu cử cấp ủy nhiệm kỳ 2010 - 2015",
            expected=expect(
                "245-QĐ/HU",
                dt.date(2012, 10, 12),
                "HUYỆN ỦY PHÚ XUYÊN",
                "QĐ",
                "về việc chuẩn y kết quả bầu cử cấp ủy nhiệm kỳ 2010 - 2015",
            ),
        ),
    ),
    (
        "docx",
        "du-tb-2018-colon",
        PartyDoc(
            left=XA,
            reference_line="Số: 12 - TB/ĐU",
            place_date="Phú Cát, ngày 03 tháng 3 năm 2018",
            title="THÔNG BÁO",
            summary="kết luận của Ban Thường vụ Đảng ủy tại cuộc họp ngày 02/3/2018",
            expected=expect(
                "12-TB/ĐU",
                dt.date(2018, 3, 3),
                "ĐẢNG ỦY XÃ PHÚ CÁT",
                "TB",
                "kết luận của Ban Thường vụ Đảng ủy tại cuộc họp ngày 02/3/2018",
            ),
        ),
    ),
    (
        "pdf",
        "ubnd-cv-2022-state",
        PartyDoc(
            left=("UBND HUYỆN PHÚ XUYÊN", "ỦY BAN NHÂN DÂN XÃ PHÚ CÁT"),
            reference_line="Số: 56/UBND-VP",
            vv="rà soát hồ sơ lưu trữ năm 2022",
            place_date="Phú Cát, ngày 18 tháng 7 năm 2022",
            greeting="Kính gửi: Các thôn trên địa bàn xã.",
            state=True,
            signature=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Lê Văn Toàn"),
            expected=expect(
                "56/UBND-VP",
                dt.date(2022, 7, 18),
                "ỦY BAN NHÂN DÂN XÃ PHÚ CÁT",
                "CV",
                "rà soát hồ sơ lưu trữ năm 2022",
            ),
        ),
    ),
    (
        "docx",
        "ubnd-qd-2024-state",
        PartyDoc(
            left=("UBND HUYỆN PHÚ XUYÊN", "ỦY BAN NHÂN DÂN XÃ PHÚ CÁT"),
            reference_line="Số: 112/QĐ-UBND",
            place_date="Phú Cát, ngày 02 tháng 4 năm 2024",
            title="QUYẾT ĐỊNH",
            summary="Về việc thành lập Tổ công tác chuyển đổi số xã Phú Cát",
            state=True,
            signature=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Lê Văn Toàn"),
            expected=expect(
                "112/QĐ-UBND",
                dt.date(2024, 4, 2),
                "ỦY BAN NHÂN DÂN XÃ PHÚ CÁT",
                "QĐ",
                "Về việc thành lập Tổ công tác chuyển đổi số xã Phú Cát",
            ),
        ),
    ),
    (
        "pdf",
        "btg-hd-2017",
        PartyDoc(
            left=("THÀNH ỦY HÀ NỘI", "BAN TUYÊN GIÁO"),
            reference_line="Số 45-HD/BTGTU",
            place_date="Hà Nội, ngày 25 tháng 5 năm 2017",
            title="HƯỚNG DẪN",
            summary="tuyên truyền kỷ niệm 127 năm Ngày sinh Chủ tịch Hồ Chí Minh",
            expected=expect(
                "45-HD/BTGTU",
                dt.date(2017, 5, 25),
                "BAN TUYÊN GIÁO",
                "HD",
                "tuyên truyền kỷ niệm 127 năm Ngày sinh Chủ tịch Hồ Chí Minh",
            ),
        ),
    ),
    (
        "docx",
        "ubkt-tb-2016",
        PartyDoc(
            left=("ĐẢNG ỦY XÃ PHÚ CÁT", "ỦY BAN KIỂM TRA"),
            reference_line="Số 03-TB/UBKT",
            place_date="Phú Cát, ngày 08 tháng 8 năm 2016",
            title="THÔNG BÁO",
            summary="kết quả kiểm tra việc thu, nộp đảng phí 6 tháng đầu năm 2016",
            signature=("T/M ỦY BAN KIỂM TRA", "CHỦ NHIỆM", "Vũ Văn Hải"),
            expected=expect(
                "03-TB/UBKT",
                dt.date(2016, 8, 8),
                "ỦY BAN KIỂM TRA",
                "TB",
                "kết quả kiểm tra việc thu, nộp đảng phí 6 tháng đầu năm 2016",
            ),
        ),
    ),
    (
        "docx",
        "cb-nq-2016-school",
        PartyDoc(
            left=("ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ TRƯỜNG THCS PHÚ CÁT"),
            reference_line="Số 02-NQ/CB",
            place_date="Phú Cát, ngày 10 tháng 9 năm 2016",
            title="NGHỊ QUYẾT",
            summary="về nhiệm vụ năm học 2016 - 2017",
            signature=("T/M CHI BỘ", "BÍ THƯ", "Trần Thị Mai"),
            expected=expect(
                "02-NQ/CB",
                dt.date(2016, 9, 10),
                "CHI BỘ TRƯỜNG THCS PHÚ CÁT",
                "NQ",
                "về nhiệm vụ năm học 2016 - 2017",
            ),
        ),
    ),
    (
        "pdf",
        "du-ctr-2021",
        PartyDoc(
            left=XA,
            reference_line="Số 07-CTr/ĐU",
            place_date="Phú Cát, ngày 15 tháng 01 năm 2021",
            title="CHƯƠNG TRÌNH",
            summary="công tác trọng tâm năm 2021",
            expected=expect(
                "07-CTr/ĐU",
                dt.date(2021, 1, 15),
                "ĐẢNG ỦY XÃ PHÚ CÁT",
                "CTr",
                "công tác trọng tâm năm 2021",
            ),
        ),
    ),
    (
        "docx",
        "du-ttr-2025",
        PartyDoc(
            left=XA,
            reference_line="Số 21-TTr/ĐU",
            place_date="Phú Cát, ngày 28 tháng 6 năm 2025",
            title="TỜ TRÌNH",
            summary="về việc đề nghị kết nạp đảng viên",
            expected=expect(
                "21-TTr/ĐU",
                dt.date(2025, 6, 28),
                "ĐẢNG ỦY XÃ PHÚ CÁT",
                "TTr",
                "về việc đề nghị kết nạp đảng viên",
            ),
        ),
    ),
    (
        "pdf",
        "du-bc-2024-wrapped",
        PartyDoc(
            left=XA,
            reference_line="Số 98-BC/ĐU",
            place_date="Phú Cát, ngày 9 tháng 12 năm 2024",
            title="BÁO CÁO",
            summary=(
                "tổng kết công tác xây dựng Đảng và hệ thống chính trị năm 2024, phương "
                "hướng, nhiệm vụ năm 2025"
            ),
            expected=expect(
                "98-BC/ĐU",
                dt.date(2024, 12, 9),
                "ĐẢNG ỦY XÃ PHÚ CÁT",
                "BC",
                "tổng kết công tác xây dựng Đảng và hệ thống chính trị năm 2024, phương "
                "hướng, nhiệm vụ năm 2025",
            ),
        ),
    ),
    (
        "tabs",
        "cb-list-2014-no-number",
        PartyDoc(
            left=("ĐẢNG ỦY XÃ PHÚ CÁT", "CHI BỘ THÔN ĐỒNG CÁT"),
            reference_line="",
            place_date="Đồng Cát, ngày 30 tháng 6 năm 2014",
            title="DANH SÁCH",
            summary="đảng viên đề nghị tặng Huy hiệu Đảng đợt 2/9/2014",
            expected=expect("", dt.date(2014, 6, 30), "CHI BỘ THÔN ĐỒNG CÁT", "", ""),
        ),
    ),
    (
        "docx",
        "mttq-kh-2019",
        PartyDoc(
            left=("ỦY BAN MTTQ VIỆT NAM XÃ PHÚ CÁT", "BAN THƯỜNG TRỰC"),
            reference_line="Số 05-KH/MTTQ",
            place_date="Phú Cát, ngày 14 tháng 11 năm 2019",
            title="KẾ HOẠCH",
            summary="tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2019",
            expected=expect(
                "05-KH/MTTQ",
                dt.date(2019, 11, 14),
                "BAN THƯỜNG TRỰC",
                "KH",
                "tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2019",
            ),
        ),
    ),
)


# The committee's issuer directory, as the intake passes it: a printed name that matches
# one (ignoring case and diacritics) is proposed with the directory's spelling.
DIRECTORY = (
    ("ĐU", "Đảng ủy xã Phú Cát"),
    ("CB", "Chi bộ thôn Đông Yên"),
    ("CB", "Chi bộ thôn Đồng Cát"),
    ("CB", "Chi bộ Trường THCS Phú Cát"),
    ("TU", "Thành ủy Hà Nội"),
    ("HU", "Huyện ủy Phú Xuyên"),
    ("UBND", "Ủy ban nhân dân xã Phú Cát"),
)


def with_directory(expected: dict) -> dict:
    names = {fold(name): name for _abbreviation, name in DIRECTORY}
    issuer = names.get(fold(expected["issuer_name"]), expected["issuer_name"])
    return {**expected, "issuer_name": issuer}


def render(kind: str, doc: PartyDoc) -> tuple[bytes, str]:
    if kind == "pdf":
        return party_pdf(doc), "van-ban.pdf"
    return party_docx(doc, header="tabs" if kind == "tabs" else "table"), "van-ban.docx"


def proposal_accuracy(results: list[tuple[dict, dict]]) -> dict[str, float]:
    """Share of documents with each field right, and with all five right."""
    total = len(results)
    accuracy = {
        name: sum(got.get(name, "") == want[name] for want, got in results) / total
        for name in FIELDS
    }
    accuracy["fields"] = sum(
        got.get(name, "") == want[name] for want, got in results for name in FIELDS
    ) / (total * len(FIELDS))
    accuracy["all"] = sum(all(got.get(n, "") == want[n] for n in FIELDS) for want, got in results)
    accuracy["all"] /= total
    return accuracy


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {key: examine(*render(kind, doc)).text for kind, key, doc in CASES}


def measure(texts: dict[str, str], *, directory: bool) -> dict[str, tuple[dict, dict]]:
    found = {}
    for _kind, key, doc in CASES:
        want = with_directory(doc.expected) if directory else doc.expected
        got = propose(texts[key], issuers=DIRECTORY if directory else ())
        found[key] = (want, got)
    return found


def report(label: str, proposals: dict[str, tuple[dict, dict]]) -> dict[str, float]:
    accuracy = proposal_accuracy(list(proposals.values()))
    shown = ", ".join(f"{name} {value:.3f}" for name, value in accuracy.items())
    print(f"\nproposal accuracy over {len(proposals)} {label}: {shown}")
    for key, (want, got) in proposals.items():
        misses = {n: (want[n], got.get(n)) for n in FIELDS if got.get(n, "") != want[n]}
        if misses:
            print(f"  {key}: {misses}")
    return accuracy


def test_the_test_set_is_varied():
    kinds = {kind for kind, _key, _doc in CASES}
    types = {doc.expected["type_abbreviation"] for _kind, _key, doc in CASES}
    years = {doc.expected["document_date"][:4] for _kind, _key, doc in CASES}
    assert len(CASES) == 18 and kinds == {"pdf", "docx", "tabs"}
    assert {"KH", "NQ", "CV", "BC", "BB", "QĐ", "TB", "HD"} <= types
    assert len(years) >= 10


@pytest.mark.parametrize("directory", [False, True])
def test_proposal_accuracy_on_the_archive_test_set(texts, directory, capsys):
    with capsys.disabled():
        label = "files" + (" with the issuer directory" if directory else "")
        accuracy = report(label, measure(texts, directory=directory))
    assert accuracy["fields"] >= 0.95


# --- the same papers scanned: opt-in, it runs Tesseract on every page --------------------


def scan(pdf: bytes, *, dpi: int, degrade: bool):
    """Page 1 as a scanner gives it; `degrade`: slightly skewed, blurred and speckled."""
    import random

    import pypdfium2
    from PIL import ImageFilter

    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    if degrade:
        image = image.rotate(0.8, expand=True, fillcolor=255).filter(ImageFilter.GaussianBlur(0.8))
        noise = random.Random(7)
        pixels = image.load()
        for _ in range(image.width * image.height // 200):
            pixels[noise.randrange(image.width), noise.randrange(image.height)] = 0
    return image


def tesseract_text(image) -> str:
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "page.png")
        image.save(path)
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        done = subprocess.run(  # noqa: S603 - a fixed program and our own arguments
            ["tesseract", path, "stdout", "-l", "vie", "--psm", "3"],  # noqa: S607
            capture_output=True,
            check=True,
            env=env,
            timeout=120,
        )
    return done.stdout.decode()


@pytest.mark.skipif(
    not __import__("os").environ.get("CAPUYSO_OCR_ACCURACY"),
    reason="set CAPUYSO_OCR_ACCURACY=1: runs Tesseract on 36 pages (about two minutes)",
)
@pytest.mark.parametrize(("dpi", "degrade"), [(300, False), (200, True)])
def test_proposal_accuracy_on_scans_of_the_test_set(dpi, degrade, capsys):
    import shutil

    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed")
    texts = {
        key: tesseract_text(scan(party_pdf(doc), dpi=dpi, degrade=degrade))
        for _kind, key, doc in CASES
    }
    label = f"scans at {dpi} dpi{', degraded' if degrade else ''}"
    with capsys.disabled():
        report(label, measure(texts, directory=False))
        accuracy = report(f"{label}, with the directory", measure(texts, directory=True))
    assert accuracy["fields"] >= 0.5
