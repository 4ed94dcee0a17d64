"""What the Office receives and sends: subjects, issuers, who leads, what is written back.

The subjects are plausible for a commune Party committee of Hà Nội in 2026 (the election of
the 16th National Assembly, the 14th Party Congress, Resolution 57-NQ/TW, the merger of
communes, digital transformation, Party dues…); numbers and names are invented.
"""

from __future__ import annotations

from dataclasses import dataclass

from capuyso.documents.demo.clock import DAY_MINUTES
from capuyso.documents.models import Secrecy, Urgency


@dataclass(frozen=True)
class In:
    """An incoming document (or a recurring kind of one)."""

    issuer: str  # abbreviation in the issuer directory
    type: str
    summary: str
    topic: str
    mode: str = "info"  # info | act | report | secret
    due: int = 0  # days given to handle it
    months: tuple[int, int] = (1, 12)
    every: str = ""  # "" once, "month", "quarter", or "n" times a year (count)
    count: int = 1
    days: tuple[int, int] = (1, 28)  # for "month" and "quarter": days of the month
    reply: tuple[str, str] = ()  # (type, summary) of the report sent back
    secrecy: str = ""
    urgency: str = ""


Y, Y1 = "{y}", "{y1}"
INCOMING = [
    In("TU", "CT", "Chỉ thị về lãnh đạo cuộc bầu cử đại biểu Quốc hội khóa XVI và đại biểu "
       "Hội đồng nhân dân các cấp nhiệm kỳ 2026 - 2031", "baucu", "act", 10, (1, 1),
       urgency=Urgency.VERY_URGENT),
    In("TU", "KH", "Kế hoạch học tập, quán triệt, tuyên truyền và triển khai thực hiện Nghị quyết "
       "Đại hội đại biểu toàn quốc lần thứ XIV của Đảng", "tuyengiao", "act", 20, (2, 3)),
    In("TU", "KH", "Kế hoạch thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị về đột phá phát "
       "triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia năm {y}", "cds",
       "report", 15, (1, 3), reply=("BC", "Báo cáo kết quả triển khai Nghị quyết số 57-NQ/TW "
                                    "của Bộ Chính trị tại Đảng bộ xã")),
    In("TU", "CV", "V/v tổ chức các hoạt động kỷ niệm {dang} năm Ngày thành lập Đảng Cộng sản "
       "Việt Nam (03/02/1930 - 03/02/{y})", "tuyengiao", "act", 7, (1, 1)),
    In("TU", "CV", "V/v tăng cường công tác phòng, chống thiên tai, tìm kiếm cứu nạn mùa mưa bão "
       "năm {y}", "antoan", "act", 5, (5, 6), urgency=Urgency.URGENT),
    In("TU", "CV", "V/v chủ động ứng phó với mưa lớn, ngập úng và sạt lở đất do ảnh hưởng của bão",
       "antoan", "act", 2, (7, 9), urgency=Urgency.FLASH),
    In("TU", "HD", "Hướng dẫn kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng, đảng viên "
       "và tập thể, cá nhân cán bộ lãnh đạo, quản lý năm {y}", "tochuc", "act", 25, (10, 11)),
    In("TU", "TB", "Thông báo kết luận của Ban Thường vụ Thành ủy về tình hình kinh tế - xã hội "
       "và công tác xây dựng Đảng quý {q}/{y}", "chidao", every="quarter", days=(20, 28)),
    In("TU", "CV", "V/v sơ kết công tác xây dựng Đảng 6 tháng đầu năm, nhiệm vụ trọng tâm 6 tháng "
       "cuối năm {y}", "chidao", "report", 12, (6, 6), reply=(
           "BC", "Báo cáo sơ kết công tác xây dựng Đảng 6 tháng đầu năm, phương hướng nhiệm vụ "
           "6 tháng cuối năm {y}")),
    In("TU", "CV", "V/v tổng kết công tác xây dựng Đảng năm {y}, phương hướng, nhiệm vụ năm {y1}",
       "chidao", "act", 20, (11, 11)),
    In("TU", "KH", "Kế hoạch tổng kết 10 năm thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị về đẩy "
       "mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh", "tuyengiao",
       "report", 20, (3, 5), reply=("BC", "Báo cáo tổng kết 10 năm thực hiện Chỉ thị số "
                                    "05-CT/TW của Bộ Chính trị")),
    In("TU", "CV", "V/v đẩy mạnh thu, nộp đảng phí qua Cổng Dịch vụ công quốc gia", "dangvien",
       "act", 10, (3, 4)),
    In("TU", "CV", "V/v triển khai ứng dụng Sổ tay đảng viên điện tử đến các chi bộ trực thuộc",
       "cds", "act", 15, (4, 5)),
    In("TU", "QĐi", "Quy định về chế độ báo cáo định kỳ của các tổ chức đảng trực thuộc Thành ủy",
       "chidao", months=(1, 2)),
    In("TU", "CV", "V/v công tác bảo vệ chính trị nội bộ năm {y}", "tochuc", "secret", 10, (3, 3),
       secrecy=Secrecy.SECRET),
    In("TU", "CV", "", "tochuc", "secret", 7, (9, 9), secrecy=Secrecy.ULTRA_SECRET),
    In("VPTU", "TB", "Thông báo lịch làm việc của Thường trực Thành ủy tháng {m}/{y}", "chidao",
       every="month", days=(1, 4)),
    In("VPTU", "CV", "V/v thực hiện chế độ báo cáo định kỳ trên Hệ thống thông tin báo cáo của "
       "Thành ủy", "cds", "act", 7, (2, 3)),
    In("VPTU", "CV", "V/v bảo đảm an toàn thông tin mạng, bảo vệ bí mật nhà nước trên môi trường "
       "điện tử trong các cơ quan đảng", "cds", "act", 10, (6, 8)),
    In("VPTU", "HD", "Hướng dẫn sử dụng chữ ký số trên văn bản điện tử của các cơ quan đảng",
       "cds", "act", 10, (3, 5)),
    In("VPTU", "CV", "V/v đăng ký nội dung làm việc với Thường trực Thành ủy quý {q}/{y}",
       "chidao", "report", 7, every="quarter", days=(5, 12), reply=(
           "CV", "V/v đăng ký nội dung làm việc với Thường trực Thành ủy quý {q}/{y}")),
    In("VPTU", "CV", "V/v cập nhật tài khoản phần mềm Quản lý văn bản và điều hành, thư điện tử "
       "công vụ của cán bộ", "cds", "report", 5, (1, 2), reply=(
           "CV", "V/v cập nhật danh sách tài khoản phần mềm Quản lý văn bản và điều hành")),
    In("VPTU", "CV", "V/v dự hội nghị trực tuyến {event}", "chidao", "act", 3, every="n", count=9),
    In("TU", "CV", "V/v cử cán bộ tham gia {course}", "tochuc", "act", 5, every="n", count=5),
    In("UBND", "CV", "V/v báo cáo tiến độ {work}", "chinhquyen", every="n", count=6),
    In("BTCTU", "HD", "Hướng dẫn công tác phát triển đảng viên năm {y}", "dangvien", "act", 15,
       (1, 2)),
    In("BTCTU", "CV", "V/v xét tặng Huy hiệu Đảng đợt 19/5/{y}", "dangvien", "report", 10, (3, 4),
       reply=("CV", "V/v đề nghị tặng Huy hiệu Đảng đợt 19/5/{y}")),
    In("BTCTU", "CV", "V/v xét tặng Huy hiệu Đảng đợt 02/9 và 07/11/{y}", "dangvien", "report", 10,
       (7, 8), reply=("CV", "V/v đề nghị tặng Huy hiệu Đảng đợt 02/9 và 07/11/{y}")),
    In("BTCTU", "CV", "V/v rà soát, bổ sung quy hoạch cấp ủy nhiệm kỳ 2025 - 2030", "tochuc",
       "report", 15, (5, 6), reply=("BC", "Báo cáo kết quả rà soát, bổ sung quy hoạch cấp ủy "
                                    "nhiệm kỳ 2025 - 2030")),
    In("BTCTU", "CV", "V/v cập nhật, chuẩn hóa cơ sở dữ liệu đảng viên trên phần mềm Quản lý "
       "đảng viên", "cds", "act", 15, (8, 9)),
    In("BTCTU", "HD", "Hướng dẫn chuyển sinh hoạt đảng sau sắp xếp tổ chức bộ máy", "dangvien",
       "act", 10, (1, 2)),
    In("BTCTU", "CV", "V/v báo cáo số lượng, chất lượng đảng viên quý {q}/{y}", "dangvien",
       "report", 7, every="quarter", days=(15, 25), reply=(
           "BC", "Báo cáo số lượng, chất lượng đảng viên quý {q}/{y}")),
    In("BTCTU", "CV", "V/v chuyển sinh hoạt đảng chính thức cho đảng viên {name}", "dangvien",
       "act", 5, every="n", count=7),
    In("BTCTU", "CV", "V/v nhận xét, đánh giá cán bộ thuộc diện Ban Thường vụ Thành ủy quản lý",
       "tochuc", "secret", 10, (10, 10), secrecy=Secrecy.TOP_SECRET),
    In("UBKTTU", "HD", "Hướng dẫn thực hiện chương trình kiểm tra, giám sát năm {y}", "kiemtra",
       "act", 15, (1, 2)),
    In("UBKTTU", "CV", "V/v báo cáo kết quả công tác kiểm tra, giám sát và thi hành kỷ luật đảng "
       "6 tháng đầu năm {y}", "kiemtra", "report", 10, (6, 6), reply=(
           "BC", "Báo cáo kết quả công tác kiểm tra, giám sát và thi hành kỷ luật đảng 6 tháng "
           "đầu năm {y}")),
    In("UBKTTU", "CV", "V/v kiểm tra việc thu, nộp, quản lý và sử dụng đảng phí năm {y}",
       "kiemtra", "act", 20, (8, 9)),
    In("UBKTTU", "CV", "V/v giải quyết đơn phản ánh liên quan đến đảng viên", "kiemtra", "secret",
       10, (5, 5), secrecy=Secrecy.SECRET),
    In("BTGDVTU", "HD", "Hướng dẫn tuyên truyền kỷ niệm các ngày lễ lớn, sự kiện lịch sử quan "
       "trọng năm {y}", "tuyengiao", months=(1, 1)),
    In("BTGDVTU", "CV", "V/v định hướng công tác thông tin, tuyên truyền tháng {m}/{y}",
       "tuyengiao", every="month", days=(1, 6)),
    In("BTGDVTU", "HD", "Hướng dẫn sinh hoạt chi bộ theo chuyên đề năm {y}", "tuyengiao", "act",
       15, (1, 2)),
    In("BTGDVTU", "CV", "V/v tuyên truyền kết quả cuộc bầu cử đại biểu Quốc hội khóa XVI và đại "
       "biểu Hội đồng nhân dân các cấp", "baucu", "act", 7, (3, 3)),
    In("BTGDVTU", "CV", "V/v nắm bắt tình hình tư tưởng của cán bộ, đảng viên và nhân dân sau sắp "
       "xếp đơn vị hành chính", "tuyengiao", "report", 10, (4, 5), reply=(
           "BC", "Báo cáo tình hình tư tưởng của cán bộ, đảng viên và nhân dân trên địa bàn xã")),
    In("UBND", "BC", "Báo cáo tình hình kinh tế - xã hội tháng {m} năm {y}", "chinhquyen",
       every="month", days=(22, 28)),
    In("UBND", "KH", "Kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm {y}", "antoan",
       "act", 10, (3, 4)),
    In("UBND", "KH", "Kế hoạch tổ chức Tết Nguyên đán và các hoạt động mừng Đảng, mừng Xuân năm "
       "{y}", "chinhquyen", "act", 7, (1, 1)),
    In("UBND", "BC", "Báo cáo kết quả thực hiện Chương trình chuyển đổi số xã quý {q}/{y}", "cds",
       every="quarter", days=(20, 28)),
    In("UBND", "TTr", "Tờ trình về phương án sắp xếp, sử dụng trụ sở, tài sản công dôi dư sau hợp "
       "nhất", "chinhquyen", "act", 7, (2, 4)),
    In("UBND", "CV", "V/v xin ý kiến về dự thảo Kế hoạch xây dựng xã nông thôn mới kiểu mẫu giai "
       "đoạn {y} - 2030", "chinhquyen", "act", 7, (5, 8)),
    In("UBND", "BC", "Báo cáo kết quả công tác chuẩn bị bầu cử đại biểu Quốc hội khóa XVI và đại "
       "biểu Hội đồng nhân dân các cấp", "baucu", months=(2, 3)),
    In("HĐND", "TB", "Thông báo dự kiến nội dung, thời gian tổ chức kỳ họp giữa năm {y} của Hội "
       "đồng nhân dân xã", "chinhquyen", months=(6, 6)),
    In("HĐND", "TB", "Thông báo dự kiến nội dung, thời gian tổ chức kỳ họp cuối năm {y} của Hội "
       "đồng nhân dân xã", "chinhquyen", months=(11, 11)),
    In("MTTQ", "KH", "Kế hoạch tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư năm {y}",
       "tuyengiao", "act", 20, (9, 10)),
    In("MTTQ", "BC", "Báo cáo tổng hợp ý kiến, kiến nghị của cử tri trước kỳ họp Hội đồng nhân dân "
       "xã", "chinhquyen", months=(5, 6)),
    In("MTTQ", "TB", "Thông báo kết quả hiệp thương lần thứ ba, lập danh sách những người đủ tiêu "
       "chuẩn ứng cử đại biểu Hội đồng nhân dân xã", "baucu", months=(2, 2)),
    In("BCHQS", "BC", "Báo cáo kết quả tuyển chọn và gọi công dân nhập ngũ năm {y}", "antoan",
       months=(2, 3)),
    In("BCHQS", "KH", "Kế hoạch huấn luyện dân quân năm {y}", "antoan", months=(1, 2)),
    In("CAX", "BC", "Báo cáo tình hình an ninh, trật tự tháng {m}/{y}", "antoan", every="month",
       days=(20, 27)),
    In("CAX", "BC", "Báo cáo tình hình an ninh chính trị nội bộ 6 tháng đầu năm {y}", "antoan",
       "secret", 10, (7, 7), secrecy=Secrecy.SECRET),
]  # fmt: skip

# Always present, whatever the scale: the states a visitor should find today, all sent to
# the secretary. (office minutes before now, document, stop after, what else: "cell" gives
# the demo's own cell a supporting part, "escalate" and "extend" press a late document.)
RECENT = [
    (25, In("VPTU", "CV", "V/v chuẩn bị nội dung làm việc của Đoàn công tác Thành ủy với Ban "
            "Thường vụ Đảng ủy xã", "chidao", "act", 6, urgency=Urgency.URGENT), "register", ""),
    (90, In("TU", "CV", "V/v tổ chức các hoạt động kỷ niệm {qd} năm Ngày thành lập Quân đội nhân "
            "dân Việt Nam và {qp} năm Ngày hội Quốc phòng toàn dân", "antoan", "act", 10),
     "submit", ""),
    (700, In("BTCTU", "HD", "Hướng dẫn tổng hợp kết quả kiểm điểm, đánh giá, xếp loại chất lượng "
             "đảng viên năm {y}", "tochuc", "act", 12), "direct", "cell"),
    (1500, In("UBND", "TTr", "Tờ trình về dự toán ngân sách xã và kế hoạch đầu tư công năm {y1}",
              "chinhquyen", "act", 8), "progress", ""),
    (20 * DAY_MINUTES, In("UBKTTU", "CV", "V/v báo cáo kết quả kiểm tra tổ chức đảng cấp dưới "
                          "thực hiện nhiệm vụ kiểm tra, giám sát năm {y}", "kiemtra", "act", 8),
     "direct", "escalate"),
    (13 * DAY_MINUTES, In("MTTQ", "KH", "Kế hoạch vận động ủng hộ Quỹ “Vì người nghèo” năm {y}",
                          "tuyengiao", "act", 5), "progress", "cell extend"),
]  # fmt: skip

# What the Office's cells register themselves (the village cell of the demo accounts).
CELL_INCOMING = [
    In("MTTQ", "KH", "Kế hoạch tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư năm {y}",
       "tuyengiao", months=(10, 10)),
    In("UBND", "TB", "Thông báo kết luận của Chủ tịch Ủy ban nhân dân xã tại buổi đối thoại với "
       "nhân dân thôn", "chinhquyen", months=(6, 7)),
    In("UBND", "CV", "V/v rà soát hộ nghèo, hộ cận nghèo năm {y}", "chinhquyen", months=(9, 9)),
    In("MTTQ", "CV", "V/v vận động ủng hộ đồng bào bị ảnh hưởng bởi mưa lũ", "tuyengiao",
       months=(11, 12)),
]  # fmt: skip

EVENTS = [
    "quán triệt Nghị quyết Hội nghị Trung ương",
    "tập huấn nghiệp vụ công tác văn phòng cấp ủy",
    "tập huấn sử dụng phần mềm Quản lý đảng viên",
    "giao ban công tác xây dựng Đảng",
    "tập huấn nghiệp vụ công tác kiểm tra, giám sát",
    "triển khai nhiệm vụ chuyển đổi số trong các cơ quan đảng",
    "thông tin thời sự định kỳ",
]

COURSES = [
    "lớp bồi dưỡng lý luận chính trị dành cho đảng viên mới",
    "lớp bồi dưỡng kỹ năng số cho cán bộ cơ sở",
    "lớp bồi dưỡng nghiệp vụ công tác đảng ở cơ sở",
    "lớp bồi dưỡng cấp ủy viên cơ sở nhiệm kỳ 2025 - 2030",
    "lớp bồi dưỡng nghiệp vụ công tác kiểm tra, giám sát",
]
WORKS = [
    "thực hiện các công trình giao thông nông thôn",
    "giải ngân vốn đầu tư công",
    "cấp giấy chứng nhận quyền sử dụng đất",
    "thu ngân sách nhà nước trên địa bàn",
    "chuyển đổi số trong giải quyết thủ tục hành chính",
    "xây dựng nông thôn mới nâng cao",
]

NEW_ISSUERS = [
    ("Ban Tuyên giáo và Dân vận Thành ủy Hà Nội", "BTGDVTU"),
    ("Ban Chỉ huy Quân sự xã", "BCHQS"),
    ("Công an xã", "CAX"),
]
# Header lines (superior body, issuer) of the Party issuers' documents.
PARTY_HEADERS = {
    "TU": ("", "THÀNH ỦY HÀ NỘI"),
    "VPTU": ("THÀNH ỦY HÀ NỘI", "VĂN PHÒNG"),
    "BTCTU": ("THÀNH ỦY HÀ NỘI", "BAN TỔ CHỨC"),
    "UBKTTU": ("THÀNH ỦY HÀ NỘI", "ỦY BAN KIỂM TRA"),
    "BTGDVTU": ("THÀNH ỦY HÀ NỘI", "BAN TUYÊN GIÁO VÀ DÂN VẬN"),
}
# Issuers outside the Party write their number as "12/KH-UBND" rather than "12-KH/TU".
STATE_STYLE = {"UBND": "UBND", "HĐND": "HĐND", "MTTQ": "MTTQ-BTT", "BCHQS": "BCHQS", "CAX": "CAX"}
# (start of the year's numbers, numbers per day) for references of incoming documents.
NUMBERING = {"TU": (180, 2.2), "VPTU": (60, 1.5), "BTCTU": (25, 0.6), "UBKTTU": (8, 0.2),
             "BTGDVTU": (10, 0.4), "UBND": (40, 1.8)}  # fmt: skip


@dataclass(frozen=True)
class Out:
    """An outgoing document of the Office (or a recurring kind of one)."""

    type: str
    summary: str
    to: str  # cells | tu | btc | cell | dongxuan | standing
    months: tuple[int, int] = (1, 12)
    every: str = ""
    count: int = 1
    days: tuple[int, int] = (1, 28)
    drafter: str = "clerk"
    secrecy: str = ""
    urgency: str = ""


OUTGOING = [
    Out("NQ", "Nghị quyết về lãnh đạo thực hiện nhiệm vụ chính trị năm {y}", "cells", (1, 1)),
    Out("CTr", "Chương trình công tác năm {y} của Ban Chấp hành Đảng bộ xã", "standing", (1, 1)),
    Out("KH", "Kế hoạch lãnh đạo cuộc bầu cử đại biểu Quốc hội khóa XVI và đại biểu Hội đồng nhân "
        "dân các cấp nhiệm kỳ 2026 - 2031", "cells", (1, 1), urgency=Urgency.URGENT),
    Out("KH", "Kế hoạch ứng dụng công nghệ thông tin và chuyển đổi số trong hoạt động của Đảng "
        "bộ xã năm {y}", "cells", (2, 2)),
    Out("KH", "Kế hoạch học tập, quán triệt Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIV của "
        "Đảng", "cells", (3, 3), drafter="standing"),
    Out("CV", "V/v đẩy mạnh thu, nộp đảng phí qua Cổng Dịch vụ công quốc gia", "cells", (4, 4)),
    Out("TB", "Thông báo kết luận của Ban Thường vụ Đảng ủy về công tác phòng, chống thiên tai, "
        "tìm kiếm cứu nạn năm {y}", "standing", (6, 6)),
    Out("QĐ", "Quyết định thành lập Tổ công tác chuyển đổi số khối Đảng xã", "standing", (2, 3)),
    Out("KH", "Kế hoạch kiểm tra, giám sát năm {y} của Ban Chấp hành Đảng bộ xã", "standing",
        (1, 2), drafter="inspection"),
    Out("TB", "Thông báo lịch trực Tết Nguyên đán năm {y}", "standing", (2, 2)),
    Out("BC", "Báo cáo kết quả thực hiện nhiệm vụ tháng {m}/{y}", "tu", every="month",
        days=(18, 24)),
    Out("BC", "Báo cáo kết quả công tác phát triển đảng viên quý {q}/{y}", "btc", every="quarter",
        days=(24, 28), drafter="member"),
    Out("QĐ", "Quyết định kết nạp đảng viên đối với quần chúng {name}", "cell", every="n", count=4,
        drafter="member"),
    Out("QĐ", "Quyết định công nhận đảng viên chính thức đối với đồng chí {name}", "cell",
        every="n", count=3, drafter="member"),
    Out("TTr", "Tờ trình đề nghị hỗ trợ kinh phí trang bị thiết bị họp trực tuyến cho các chi bộ",
        "tu", (5, 5)),
    Out("BC", "Báo cáo kết quả 01 năm thực hiện mô hình tổ chức chính quyền địa phương hai cấp",
        "tu", (6, 6)),
    Out("CV", "V/v trao đổi kinh nghiệm triển khai phần mềm Quản lý văn bản và điều hành",
        "dongxuan", (8, 9)),
    Out("CV", "V/v chuẩn bị nội dung hội nghị Ban Chấp hành Đảng bộ xã quý {q}/{y}", "standing",
        every="quarter", days=(8, 15)),
    Out("BC", "Báo cáo công tác bảo vệ chính trị nội bộ năm {y}", "btc", (10, 10),
        secrecy=Secrecy.SECRET),
    Out("CV", "V/v chủ động phòng, chống mưa lớn, ngập úng, bảo vệ an toàn tính mạng, tài sản của "
        "nhân dân", "cells", (8, 8), urgency=Urgency.FLASH),
]  # fmt: skip
# The all-cells distribution closest to today: read by some cells only.
LATEST_TO_CELLS = Out(
    "HD",
    "Hướng dẫn kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng, đảng viên năm {y}",
    "cells",
)

# What cells send up to the Office.
CELL_REPORTS = [
    ("BC", "Báo cáo kết quả học tập, quán triệt Nghị quyết Đại hội XIV của Đảng", (4, 5)),
    ("BC", "Báo cáo kết quả thu, nộp đảng phí 6 tháng đầu năm {y}", (7, 7)),
    ("TTr", "Tờ trình đề nghị kết nạp đảng viên đối với quần chúng {name}", (3, 10)),
    ("BC", "Báo cáo tình hình sử dụng Sổ tay đảng viên điện tử tại chi bộ", (6, 9)),
    ("NQ", "Nghị quyết lãnh đạo thực hiện nhiệm vụ quý {q}/{y}", (1, 11)),
    ("BC", "Báo cáo kết quả tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư năm {y}",
     (11, 11)),
]  # fmt: skip

DOSSIERS = [
    ("01", "Văn bản chỉ đạo của cấp trên"),
    ("02", "Chuyển đổi số"),
    ("03", "Bầu cử đại biểu Quốc hội và Hội đồng nhân dân các cấp"),
    ("04", "Công tác tổ chức, cán bộ"),
    ("05", "Công tác đảng viên"),
    ("06", "Công tác kiểm tra, giám sát"),
    ("07", "Công tác tuyên giáo, dân vận"),
    ("08", "Văn bản của chính quyền, Mặt trận và đoàn thể"),
    ("09", "Quốc phòng, an ninh, phòng chống thiên tai"),
    ("10", "Báo cáo, nghị quyết của các chi bộ trực thuộc"),
]
# topic -> (dossier, lead, supporting, for information)
TOPICS = {
    "chidao": ("01", "office", [], ["standing"]),
    "cds": ("02", "office", ["member"], []),
    "baucu": ("03", "standing", ["office", "cells"], []),
    "tochuc": ("04", "member", ["office"], []),
    "dangvien": ("05", "member", ["cells"], []),
    "kiemtra": ("06", "inspection", ["office"], []),
    "tuyengiao": ("07", "standing", ["cells"], ["member"]),
    "chinhquyen": ("08", "office", [], ["standing"]),
    "antoan": ("09", "standing", ["cells"], ["member"]),
}
DIRECTIONS = {
    "info": ["Văn phòng lưu, theo dõi; báo cáo Thường trực khi có nội dung liên quan.",
             "Đã xem. Văn phòng sao gửi các đồng chí Ủy viên Ban Thường vụ để biết."],
    "act": ["Giao {lead} chủ trì tham mưu triển khai; hoàn thành trước ngày {due}.",
            "Đề nghị {lead} chủ trì, phối hợp các đơn vị liên quan thực hiện, báo cáo kết quả "
            "trước ngày {due}.",
            "Giao {lead} nghiên cứu, tham mưu văn bản triển khai đến các chi bộ; hạn {due}."],
    "report": ["Giao {lead} tổng hợp, dự thảo báo cáo trình Thường trực ký, gửi trước ngày {due}.",
               "{lead} chủ trì xây dựng báo cáo; các đơn vị phối hợp cung cấp số liệu. Hạn {due}."],
    "secret": ["Giao {lead} nghiên cứu, thực hiện theo nội dung văn bản (bản giấy lưu tại "
               "Văn phòng); báo cáo trực tiếp Thường trực."],
}  # fmt: skip
PROGRESS = [
    "Đã dự thảo kế hoạch triển khai, đang xin ý kiến Thường trực Đảng ủy.",
    "Đã sao gửi văn bản tới các chi bộ, đang theo dõi, đôn đốc thực hiện.",
    "Đã tổng hợp số liệu của {k} chi bộ, còn chờ các chi bộ khác.",
    "Đã làm việc với các đơn vị liên quan, thống nhất phân công thực hiện.",
]
RESULTS = {
    "info": ["Đã báo cáo Thường trực Đảng ủy; lưu hồ sơ.",
             "Đã sao gửi các đồng chí Ủy viên Ban Thường vụ; lưu hồ sơ."],
    "act": ["Đã tham mưu ban hành văn bản triển khai tới các chi bộ; các chi bộ đã thực hiện.",
            "Đã hoàn thành các nội dung theo chỉ đạo; báo cáo Thường trực Đảng ủy.",
            "Đã triển khai thực hiện, kết quả tổng hợp báo cáo tại giao ban tuần."],
    "report": ["Đã gửi báo cáo đúng thời hạn.", "Đã tổng hợp, gửi báo cáo theo yêu cầu."],
    "secret": ["Đã thực hiện theo văn bản; hồ sơ giấy lưu tại tủ tài liệu mật của Văn phòng."],
    "support": ["Chi bộ đã triển khai tới 100% đảng viên; báo cáo kết quả về Văn phòng.",
                "Đã thực hiện xong phần việc được giao, gửi số liệu cho đơn vị chủ trì.",
                "Chi bộ đã quán triệt tại buổi sinh hoạt định kỳ, phân công đảng viên thực hiện."],
    "cell": ["Đã quán triệt tại buổi sinh hoạt chi bộ; lưu hồ sơ chi bộ.",
             "Đã phổ biến tới đảng viên, phân công thực hiện.",
             "Đã triển khai tới các tổ chức đoàn thể của thôn."],
}  # fmt: skip
QUARTERS = ("I", "II", "III", "IV")
PAPER_HOLDER = "Văn phòng Đảng ủy – tủ tài liệu mật (đ/c Văn thư giữ)"
