"""Synthetic archive pages for the search benchmark: about one page (1,500–2,500 characters)
of Vietnamese Party paperwork per item, as OCR gives it.

A page is built like the real ones: the header (the issuing committee, "ĐẢNG CỘNG SẢN VIỆT
NAM", place and date, the reference "Số 123-KH/ĐU"), a title (type + matter + place + year),
then paragraphs until the page's length is reached. The paragraphs mix

- sentences of the paperwork (the matter, places, people, cited references, figures), so
  queries for a matter, a place or a person find real phrases;
- clauses of words drawn from a vocabulary ranked by frequency with a Zipf law (the k-th
  word ~ 1/(k + 2.7)): function words ("của", "và", "các", "được") in nearly every page,
  administrative words ("triển khai", "kiểm tra") in many, the long tail in few;
- names from a long tail (~16,000 people, ~3,600 villages and hamlets), each in a few dozen
  pages of a million, for the rare-word queries.

After folding (no diacritics, đ→d) the frequencies pile up the way Vietnamese does:
"so" is số, sở, sổ, sợ; "dang" is đảng, đang, đáng, đăng — a handful of folded syllables are
in almost every page, which is what makes a common-word query costly.

Speed: a page comes with its folded and exact words (`Page.folded`, `Page.exact`, what the
search index stores), put together from pieces folded once (the words of the vocabulary,
the fixed parts of the sentences, each name, reference and date), so that a million pages
are made in minutes; the benchmark checks them against `capuyso.search.index.entry_fields`.
"""

from __future__ import annotations

import itertools
import random
import string
from dataclasses import dataclass
from functools import lru_cache

from capuyso.search.text import exact_words, folded_text

DOC_TYPES = [
    ("Kế hoạch", "KH"),
    ("Báo cáo", "BC"),
    ("Nghị quyết", "NQ"),
    ("Thông báo", "TB"),
    ("Công văn", "CV"),
    ("Quyết định", "QĐ"),
    ("Tờ trình", "TTr"),
    ("Biên bản", "BB"),
    ("Chương trình", "CTr"),
    ("Hướng dẫn", "HD"),
]
ISSUERS = ["ĐU", "TU", "HU", "CB", "UBND", "MTTQ", "BTG", "UBKT"]
ISSUER_NAMES = [
    "Thành ủy",
    "Huyện ủy",
    "Đảng ủy xã",
    "Ban Thường vụ Đảng ủy",
    "Ủy ban nhân dân xã",
    "Ủy ban Mặt trận Tổ quốc xã",
    "Ủy ban Kiểm tra Đảng ủy",
    "Ban Tuyên giáo Thành ủy",
]
MATTERS = [
    "chuyển đổi số",
    "thu nộp đảng phí",
    "phát triển đảng viên mới",
    "kiểm điểm tập thể cá nhân",
    "học tập quán triệt nghị quyết",
    "xây dựng nông thôn mới",
    "phòng chống thiên tai",
    "bảo đảm an ninh trật tự",
    "bầu cử đại biểu Hội đồng nhân dân",
    "đại hội chi bộ nhiệm kỳ",
    "công tác kiểm tra giám sát",
    "tuyên truyền phổ biến pháp luật",
    "giảm nghèo bền vững",
    "tiêm chủng mở rộng",
    "chỉnh trang đô thị",
    "giải phóng mặt bằng",
    "thi đua khen thưởng",
    "quản lý đất đai",
    "vệ sinh môi trường",
    "dân vận khéo",
    "xóa nhà tạm nhà dột nát",
    "cải cách hành chính",
    "khuyến học khuyến tài",
    "chăm sóc người có công",
    "quốc phòng toàn dân",
    "phòng cháy chữa cháy",
    "sinh hoạt chuyên đề",
    "tổng kết công tác năm",
    "sơ kết sáu tháng đầu năm",
    "đánh giá xếp loại chất lượng",
    "miễn sinh hoạt đảng",
    "chuyển sinh hoạt đảng",
    "trao tặng huy hiệu Đảng",
    "quy hoạch cán bộ",
    "bảo vệ nền tảng tư tưởng của Đảng",
    "xây dựng đời sống văn hóa ở khu dân cư",
    "y tế học đường",
    "nước sạch nông thôn",
    "làm đường giao thông liên thôn",
    "hỗ trợ sinh kế cho hộ nghèo",
    "tu sửa đê bao",
    "phòng chống dịch bệnh gia súc",
]
FAMILY = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
    "Lý", "Đinh", "Trịnh", "Mai", "Tạ", "Lương", "Phan", "Võ",
]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Thanh", "Quang", "Ngọc", "Xuân", "Công"]
GIVEN = [
    "An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Minh", "Nga", "Phúc", "Quý",
    "Sơn", "Tâm", "Thảo", "Tuấn", "Uyên", "Vinh", "Xuyến", "Yến", "Khoa", "Loan", "Mến",
    "Nhung", "Oanh", "Phượng", "Quyết", "Sáu", "Thắng", "Toàn", "Trung", "Việt", "Hải", "Huệ",
    "Kiên", "Lộc", "Nam", "Ngân", "Nhàn", "Thơm", "Tươi", "Chiến", "Đông", "Hiền", "Hoa",
    "Hồng", "Huyền", "Khánh", "Liên", "Long", "Mạnh", "Ninh", "Phong", "Thủy", "Tiến",
    "Trang", "Tú", "Vân", "Yên", "Đào", "Giang", "Hằng", "Hưng", "Kim", "Lâm", "Linh",
    "Luyến", "Mai", "Mơ", "Nguyệt", "Phương", "Sen", "Thu", "Thuận", "Tình", "Trâm", "Vui",
    "Xoan", "Ánh",
]  # fmt: skip
SYLLABLES = [
    "Đồng", "Cát", "Xuân", "Lai", "Phú", "Mỹ", "Hòa", "Bình", "Thượng", "Hạ", "Đông", "Tây",
    "Tân", "Lập", "Đồi", "Thông", "Khê", "Lư", "Cồn", "Xanh", "Bến", "Đá", "Gò", "Nổi",
    "Vĩnh", "Phúc", "An", "Thái", "Hưng", "Yên", "Trung", "Nam", "Bắc", "Sơn", "Thủy",
    "Lâm", "Hải", "Giang", "Long", "Phong", "Quang", "Minh", "Định", "Thành", "Lộc", "Thọ",
    "Khánh", "Ninh", "Hội", "Kênh", "Rạch", "Bàu", "Trảng", "Dốc", "Suối", "Hồ", "Cầu",
    "Chợ", "Đình", "Chùa", "Miếu", "Ao", "Ruộng", "Bãi", "Vạn", "Kim", "Ngọc", "Bảo",
    "Hoàng", "Lương",
]  # fmt: skip
PLACE_KINDS = ["thôn", "xóm", "khu", "ấp", "tổ dân phố"]
COMMON_WORDS = """
của và các có là được trong cho với những đã không này một để theo về từ tại đến người
năm việc khi đó ra như còn cũng thì nhưng hơn sẽ đang do nên vì trên dưới sau trước mỗi
nhiều đều chỉ vẫn lại mà bằng qua cùng hoặc nếu đồng chí đảng viên chi bộ công tác thực
hiện Đảng ủy kết quả triển khai nhiệm vụ tổ chức cán bộ nhân dân địa phương đề nghị báo
cáo tình hình kế hoạch chỉ đạo lãnh đạo xã thôn hội nghị ban hành quy định hướng dẫn kiểm
tra giám sát đánh giá chất lượng phong trào thi đua tuyên truyền vận động quần chúng xây
dựng phát triển kinh tế xã hội văn hóa giáo dục y tế an ninh quốc phòng chính quyền mặt
trận đoàn thể hội viên thanh niên phụ nữ nông dân cựu chiến binh hộ gia đình sản xuất
nông nghiệp đất đai môi trường giao thông thủy lợi công trình dự án kinh phí ngân sách hỗ
trợ chính sách người có công hộ nghèo cận nghèo bảo hiểm việc làm thu nhập đời sống vật
chất tinh thần tư tưởng đạo đức lối sống trách nhiệm kỷ luật kỷ cương nêu gương tự phê
bình phê bình đoàn kết thống nhất dân chủ tập trung nguyên tắc quy chế làm việc chương
trình hành động nghị quyết chỉ thị kết luận thông báo quyết định tờ trình biên bản công
văn số ngày tháng quý đợt giai đoạn nhiệm kỳ đại hội bầu cử ứng cử đề cử bổ nhiệm điều
động luân chuyển quy hoạch đào tạo bồi dưỡng lý luận chính trị chuyên môn nghiệp vụ
chuyển đổi số ứng dụng công nghệ thông tin phần mềm cơ sở dữ liệu hồ sơ lưu trữ văn thư
tài liệu sổ sách chứng từ đảng phí thu nộp quản lý sử dụng tài chính tài sản kiểm kê
quyết toán dự toán nguồn vốn đầu tư xây dựng cơ bản giải ngân tiến độ chất lượng hiệu quả
tồn tại hạn chế nguyên nhân khắc phục giải pháp phương hướng mục tiêu chỉ tiêu đạt vượt
chưa đạt hoàn thành tốt khá trung bình yếu kém xuất sắc tiêu biểu khen thưởng biểu dương
nhắc nhở khiển trách cảnh cáo cách chức khai trừ xóa tên miễn sinh hoạt chuyển sinh hoạt
kết nạp công nhận chính thức dự bị quần chúng ưu tú cảm tình đảng lớp học nhận thức
"""
FILLER_SHARE = 0.45  # share of a page's sentences made of vocabulary clauses
PARAGRAPH = 4  # sentences per paragraph
SENTENCES = [
    "Căn cứ {doc} số {ref} ngày {day} của {issuer} về {matter}.",
    "Thực hiện {doc} số {ref} của {issuer}, {place} đã triển khai {matter} đến từng đảng viên.",
    "Đồng chí {person} báo cáo kết quả {matter} tại {place} trong {period}.",
    "Trong {period}, {place} hoàn thành {percent}% chỉ tiêu {matter}, xếp loại {grade}.",
    "Kinh phí {matter} năm {year} là {money} đồng, do đồng chí {person} quản lý.",
    "Ban Thường vụ Đảng ủy giao đồng chí {person} phụ trách {matter} ở {place}.",
    "Các chi bộ quán triệt {matter}, khắc phục hạn chế của {period} trước ngày {day}.",
    "Ý kiến của đồng chí {person}: đề nghị {place} tiếp tục {matter} đúng tiến độ.",
]
GRADES = ["tốt", "khá", "trung bình", "xuất sắc", "hoàn thành nhiệm vụ"]
PERIODS = ["quý I", "quý II", "quý III", "quý IV", "sáu tháng đầu năm", "năm trước"]


ONSETS = [
    "b", "c", "ch", "d", "đ", "g", "gi", "h", "kh", "l", "m", "n", "ng", "nh", "ph", "qu",
    "r", "s", "t", "th", "tr", "v", "x",
]  # fmt: skip
RHYMES = [
    "a", "ai", "am", "an", "ang", "anh", "ao", "au", "ay", "ăm", "ăn", "ăng", "âm", "ân",
    "âng", "âu", "ây", "e", "em", "en", "eo", "ê", "êm", "ên", "ênh", "êu", "ia", "im", "in",
    "inh", "iu", "o", "oa", "oai", "oan", "oanh", "oi", "om", "on", "ong", "ô", "ôi", "ôm",
    "ôn", "ông", "ơ", "ơi", "ơm", "ơn", "u", "ua", "ui", "um", "un", "ung", "uôn", "uông",
    "ư", "ưa", "ưi", "ưng", "ươi", "ươn", "ương", "ưu",
]  # fmt: skip
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
TAIL = 4000  # syllables of the long tail, after the ranked vocabulary


def _syllable(onset: str, rhyme: str, tone: str) -> str:
    """onset + rhyme with the tone mark on its first vowel, in NFC (where the mark sits does
    not matter to the search: folding drops it, the exact key moves it to the end)."""
    import unicodedata

    at = next(i for i, ch in enumerate(rhyme) if ch in "aăâeêioôơuưy")
    return unicodedata.normalize("NFC", onset + rhyme[: at + 1] + tone + rhyme[at + 1 :])


@lru_cache(maxsize=1)
def vocabulary() -> tuple[list[str], list[float]]:
    """The vocabulary in frequency order — the common words as ranked above, every
    matter's words, then a long tail of syllables — with cumulative Zipf weights for
    random.choices."""
    words = COMMON_WORDS.split()
    seen = set(words)
    for phrase in MATTERS:
        for word in phrase.split():
            if word not in seen:
                seen.add(word)
                words.append(word)
    tail = [_syllable(o, r, t) for o in ONSETS for r in RHYMES for t in TONES]
    random.Random(11).shuffle(tail)
    limit = len(words) + TAIL
    for word in tail:
        if len(words) >= limit:
            break
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights = list(itertools.accumulate(1.0 / (rank + 2.7) for rank in range(len(words))))
    return words, weights


@lru_cache(maxsize=1)
def places() -> list[str]:
    names = [f"{a} {b}" for a in SYLLABLES for b in SYLLABLES if a != b]
    rng = random.Random(7)
    rng.shuffle(names)
    return [f"{rng.choice(PLACE_KINDS)} {name}" for name in names[:3600]]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def reference(rng: random.Random) -> str:
    return f"{rng.randint(1, 999)}-{rng.choice(DOC_TYPES)[1]}/{rng.choice(ISSUERS)}"


@lru_cache(maxsize=400_000)
def forms(text: str) -> tuple[str, str]:
    """(folded words, exact words) of a piece of text, each joined by single spaces."""
    return folded_text(text), " ".join(exact_words(text))


@dataclass
class Page:
    title: str
    reference: str
    abbreviation: str
    text: str
    folded: str  # folded_text(text)
    exact: str  # " ".join(exact_words(text))


class _Builder:
    """The original text and its two word forms, built side by side. Pieces are joined by
    spaces or punctuation, never inside a word, so the forms of the whole are the forms of
    the pieces joined."""

    def __init__(self):
        self.text: list[str] = []
        self.folded: list[str] = []
        self.exact: list[str] = []

    def add(self, original: str, folded: str, exact: str) -> None:
        self.text.append(original)
        if folded:
            self.folded.append(folded)
            self.exact.append(exact)

    def piece(self, original: str) -> None:
        self.add(original, *forms(original))


@lru_cache(maxsize=1)
def _vocabulary_forms() -> tuple[list[str], list[str], list[str], list[float], range]:
    words, weights = vocabulary()
    folded, exact = zip(*(forms(word) for word in words), strict=True)
    return words, list(folded), list(exact), weights, range(len(words))


@lru_cache(maxsize=1)
def _templates() -> list[list[tuple[str, str]]]:
    """Each sentence as (literal, slot) pairs (string.Formatter's parse)."""
    return [
        [(literal, slot or "") for literal, slot, _spec, _conv in string.Formatter().parse(t)]
        for t in SENTENCES
    ]


def _clause(rng: random.Random, out: _Builder, first: bool, end: str) -> None:
    words, folded, exact, weights, indices = _vocabulary_forms()
    picked = rng.choices(indices, cum_weights=weights, k=rng.randint(6, 16))
    text = " ".join([words[i] for i in picked])
    if first:
        text = text[0].upper() + text[1:]
    out.add(
        text + end,
        " ".join([folded[i] for i in picked]),
        " ".join([exact[i] for i in picked]),
    )


def _sentence(rng: random.Random, out: _Builder, *, matter: str, home: str, day: str) -> None:
    """One sentence of the paperwork, about the page's matter and place half the time."""
    year = day[-4:]
    values = {
        "doc": rng.choice(DOC_TYPES)[0].lower(),
        "ref": reference(rng),
        "day": day,
        "issuer": rng.choice(ISSUER_NAMES),
        "matter": matter if rng.random() < 0.5 else rng.choice(MATTERS),
        "place": home if rng.random() < 0.4 else rng.choice(places()),
        "person": person(rng),
        "period": rng.choice(PERIODS),
        "percent": str(rng.randint(50, 100)),
        "grade": rng.choice(GRADES),
        "year": year,
        "money": f"{rng.randint(1, 900)}.{rng.randint(0, 99) * 10:03d}.000",
    }
    for literal, slot in rng.choice(_templates()):
        if literal:
            out.piece(literal)
        if slot:
            out.piece(values[slot])


class _Pool:
    """Sentences made once per process, with their forms, that pages draw from: a page is
    its header, two sentences about its own matter and place, then pool sentences (the
    paperwork's with other matters, places, people and references, and vocabulary clauses)
    until its length. POOL sentences: each is in ~1 page in 5,000 of a million."""

    def __init__(self, size: int, seed: int):
        rng = random.Random(seed)
        self.text: list[str] = []
        self.folded: list[str] = []
        self.exact: list[str] = []
        for _ in range(size):
            out = _Builder()
            if rng.random() < FILLER_SHARE:
                _clause(rng, out, True, ", ")
                _clause(rng, out, False, ".")
            else:
                matter = rng.choice(MATTERS)
                home = rng.choice(places())
                year = rng.randint(1990, 2026)
                day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"
                _sentence(rng, out, matter=matter, home=home, day=day)
            self.text.append("".join(out.text))
            self.folded.append(" ".join(out.folded))
            self.exact.append(" ".join(out.exact))
        self.indices = range(size)


POOL = 200_000
_POOLS: dict[int, _Pool] = {}


def _pool() -> _Pool:
    if POOL not in _POOLS:
        _POOLS[POOL] = _Pool(POOL, seed=1930)
    return _POOLS[POOL]


def page(rng: random.Random, year: int) -> Page:
    """One archived page of `year`."""
    doc, abbreviation = rng.choice(DOC_TYPES)
    matter = rng.choice(MATTERS)
    home = rng.choice(places())
    own_reference = f"{rng.randint(1, 999)}-{abbreviation}/{rng.choice(ISSUERS)}"
    title = f"{doc} {matter} {home} năm {year}"
    day = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"
    out = _Builder()
    out.piece(f"{rng.choice(ISSUER_NAMES).upper()}      ĐẢNG CỘNG SẢN VIỆT NAM\n")
    out.piece(f"{home}, ngày {day}\nSố {own_reference}\n")
    upper = title.upper()
    out.add(upper + "\n", folded_text(upper), " ".join(exact_words(upper)))
    for _ in range(2):
        _sentence(rng, out, matter=matter, home=home, day=day)
        out.text.append(" ")
    target = rng.randint(1500, 2500)
    length = sum(len(part) for part in out.text)
    pool = _pool()
    picked = rng.choices(pool.indices, k=40)
    for number, index in enumerate(picked, start=3):
        if length >= target:
            break
        sentence = pool.text[index]
        out.add(sentence, pool.folded[index], pool.exact[index])
        out.text.append("\n" if number % PARAGRAPH == 0 else " ")
        length += len(sentence) + 1
    text = "".join(out.text).rstrip()
    return Page(
        title=title,
        reference=own_reference,
        abbreviation=abbreviation,
        text=text,
        folded=" ".join(out.folded),
        exact=" ".join(out.exact),
    )
