"""Relevance on a small registry written the way a commune's is: for each query of the set,
the document a clerk is looking for is among the first five hits (the issue's target), and
usually the first."""

import pytest

from capuyso.documents.tests.factories import doc_type
from capuyso.search.services import search
from capuyso.search.tests.factories import dossier, incoming, meeting, outgoing

REGISTRY = [
    # key, type, reference, summary
    ("dx", "KH", "09-KH/ĐU", "Kế hoạch thực hiện chuyển đổi số năm 2026"),
    ("dp", "BC", "15-BC/ĐU", "Báo cáo kết quả thu nộp đảng phí quý I năm 2026"),
    ("pt", "NQ", "03-NQ/ĐU", "Nghị quyết về phát triển đảng viên mới năm 2026"),
    ("kd", "HD", "02-HD/TU", "Hướng dẫn kiểm điểm, đánh giá, xếp loại tập thể và cá nhân"),
    ("cv", "CV", "123-CV/TU", "V/v tổ chức học tập chuyên đề năm 2026"),
    ("tb", "TB", "45-TB/ĐU", "Thông báo kết luận của Ban Thường vụ về công tác cán bộ"),
    ("lt", "KH", "11-KH/ĐU", "Kế hoạch phòng, chống lụt bão và tìm kiếm cứu nạn"),
    ("nt", "CTr", "04-CTr/ĐU", "Chương trình xây dựng nông thôn mới nâng cao thôn Đồng Cát"),
    ("hh", "QĐ", "210-QĐ/ĐU", "Quyết định tặng Huy hiệu 30 năm tuổi Đảng"),
    ("dh", "KH", "20-KH/ĐU", "Kế hoạch tổ chức đại hội chi bộ nhiệm kỳ 2025 – 2027"),
    ("gs", "BC", "16-BC/ĐU", "Báo cáo kết quả kiểm tra, giám sát 6 tháng đầu năm"),
    ("ms", "TB", "46-TB/ĐU", "Thông báo miễn sinh hoạt đảng đối với đảng viên cao tuổi"),
]
FILLER = [
    "Kế hoạch công tác tuyên giáo năm 2026",
    "Báo cáo sơ kết công tác xây dựng Đảng",
    "Thông báo lịch làm việc của Thường trực Đảng ủy",
    "Kế hoạch thực hiện công tác dân vận",
    "Báo cáo tình hình an ninh trật tự tháng 3",
    "Nghị quyết lãnh đạo phát triển kinh tế – xã hội",
    "Kế hoạch kiểm tra việc thu nộp đảng phí",
    "Hướng dẫn thực hiện chuyển sinh hoạt đảng",
]
QUERIES = [
    ("ke hoach chuyen doi so", "dx"),
    ("chuyển đổi số", "dx"),
    ("09-KH/ĐU", "dx"),
    ("dang phi quy I", "dp"),
    ("bao cao thu nop dang phi", "dp"),
    ("phat trien dang vien moi", "pt"),
    ("kiểm điểm xếp loại", "kd"),
    ("123-CV/TU", "cv"),
    ("hoc tap chuyen de", "cv"),
    ("ket luan ban thuong vu can bo", "tb"),
    ("phong chong lut bao", "lt"),
    ("nong thon moi dong cat", "nt"),
    ("huy hieu 30 nam tuoi dang", "hh"),
    ("dai hoi chi bo nhiem ky", "dh"),
    ("kiem tra giam sat 6 thang", "gs"),
    ("mien sinh hoat dang", "ms"),
    ("Đảng viên cao tuổi", "ms"),
    ("sinh hoạt chi bộ tháng 11", "meeting"),
    ("ho so dai hoi", "dossier"),
]


@pytest.fixture
def registry(cast):
    wanted = {}
    for key, abbreviation, reference, summary in REGISTRY:
        document = incoming(
            cast,
            summary=summary,
            reference=reference,
            doc_type=doc_type(cast.committee, abbreviation),
        )
        wanted[key] = str(document.code)
    for number, summary in enumerate(FILLER * 3, start=1):
        if number % 2:
            incoming(cast, summary=summary, reference=f"{300 + number}-KH/ĐU")
        else:
            outgoing(cast, summary=summary, body="Đề nghị các chi bộ thực hiện nghiêm túc.")
    wanted["meeting"] = str(meeting(cast, title="Sinh hoạt chi bộ tháng 11").code)
    wanted["dossier"] = str(dossier(cast, title="Hồ sơ đại hội chi bộ nhiệm kỳ 2025–2027").code)
    return wanted


def test_the_wanted_item_is_in_the_top_five_for_every_query(cast, registry):
    ranks = {}
    for query, key in QUERIES:
        found = [hit.code for hit in search(user=cast.clerk, query=query).hits]
        ranks[query] = found.index(registry[key]) + 1 if registry[key] in found else None
    misses = {q: r for q, r in ranks.items() if r is None or r > 5}
    assert misses == {}
    first = sum(1 for r in ranks.values() if r == 1)
    assert first >= len(QUERIES) - 2, ranks  # and nearly always first
