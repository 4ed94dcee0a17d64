"""Metadata of an incoming document read from its PDF text layer.

When a clerk uploads an incoming PDF that has a text layer, the registry form is
pre-filled with the reference, date, issuer, type and summary found here. The
clerk checks them before saving, so the rule is: never guess. A field is left
empty whenever the text does not say it clearly.

The text comes from pypdf, which returns the two header columns in drawing
order: the right column ("ĐẢNG CỘNG SẢN VIỆT NAM" and the place/date line) may
come before, after or interleaved with the left one, sometimes on the same line.
So the known right-column phrases are cut out of the header first, and what
remains is read as the left column.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, fields

from pypdf import PdfReader

from capuyso.core.text import fold

logger = logging.getLogger(__name__)

# Type abbreviations and names (rules.md §1). Only a fallback: the app passes the
# committee's configured list.
DEFAULT_TYPES: tuple[tuple[str, str], ...] = (
    ("NQ", "Nghị quyết"),
    ("QĐ", "Quyết định"),
    ("CT", "Chỉ thị"),
    ("KL", "Kết luận"),
    ("QC", "Quy chế"),
    ("QĐi", "Quy định"),
    ("TT", "Thông tri"),
    ("HD", "Hướng dẫn"),
    ("TB", "Thông báo"),
    ("BC", "Báo cáo"),
    ("KH", "Kế hoạch"),
    ("CTr", "Chương trình"),
    ("CV", "Công văn"),
    ("BB", "Biên bản"),
    ("TTr", "Tờ trình"),
    ("ĐA", "Đề án"),
)
OFFICIAL_LETTER = "CV"

# How far to read: the header, title and summary sit at the top of page 1.
HEADER_MAX_LINES = 30
SUMMARY_MAX_LINES = 4
VV_MAX_LINES = 4
# A centred line shorter than this did not wrap, so the next line starts
# something else (14 pt over the full width; 12 pt over the left column).
SUMMARY_WRAP_MIN_CHARS = 40
VV_WRAP_MIN_CHARS = 24
VV_WIDTH_TOLERANCE = 8  # characters a wrapped "V/v" line may exceed the first one by


@dataclass
class ExtractedMetadata:
    reference: str = ""  # "09-KH/ĐU", without "Số"
    document_date: dt.date | None = None
    issuer_name: str = ""
    type_abbreviation: str = ""
    summary: str = ""

    def filled_fields(self) -> list[str]:
        """Names of the fields that were found, in declaration order."""
        return [f.name for f in fields(self) if getattr(self, f.name)]


def pdf_text(data: bytes, *, max_pages: int = 2) -> str:
    """Text layer of the first pages; "" for image-only, encrypted or unreadable PDFs."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return ""
        texts = [page.extract_text() or "" for page in reader.pages[:max_pages]]
    except Exception:  # pypdf raises many kinds of errors on damaged files
        logger.info("PDF text layer unreadable", exc_info=True)
        return ""
    text = "\n".join(texts)
    return text if any(ch.isalnum() for ch in text) else ""


# --- patterns -----------------------------------------------------------------


def _latin_letters(upper: bool) -> str:
    """Every Latin letter of one case up to the Vietnamese block, for regex classes."""
    letters = (chr(code) for code in range(0x41, 0x1F00))
    return "".join(
        ch
        for ch in letters
        if (ch.isupper() if upper else ch.islower())
        and unicodedata.name(ch, "").startswith("LATIN")
    )


_UPPER = re.escape(_latin_letters(upper=True))
_LOWER = re.escape(_latin_letters(upper=False))

# "Số 09-KH/ĐU", "Số: 123-CV/TU", "Số 15 - NQ/ĐU". The issuer part stops before a
# capitalised word glued to it ("ĐUPhú Cát" → "ĐU").
_PARTY_REFERENCE = re.compile(
    rf"\bS[ốỐ]\s*:?\s*(?P<number>\d{{1,5}})\s*-\s*(?P<type>[{_UPPER}][A-Za-zĐđ]{{0,3}})"
    rf"\s*/\s*(?P<issuer>[{_UPPER}][{_UPPER}0-9]*(?:-[{_UPPER}0-9]+)*)(?![{_LOWER}])"
)
# State format: "Số: 12/UBND-VP", "Số: 45/QĐ-UBND", "Số: 03/2026/QĐ-UBND".
_STATE_REFERENCE = re.compile(
    rf"\bS[ốỐ]\s*:?\s*(?P<number>\d{{1,5}})(?:\s*/\s*(?P<year>\d{{4}}))?\s*/\s*"
    rf"(?P<symbol>[{_UPPER}][A-Za-zĐđ0-9]*(?:\s*-\s*[{_UPPER}][A-Za-zĐđ0-9]*)+)"
    rf"(?![{_LOWER}])"
)
# A place is one to four capitalised words ("Phú Cát", "Hà Nội") before the comma.
_PLACE = rf"(?:[{_UPPER}][{_LOWER}]+\.? +){{0,3}}[{_UPPER}][{_LOWER}]+"
_DATE = r"[nN]gày\s+(?P<day>\d{1,2})\s+tháng\s+(?P<month>\d{1,2})\s+năm\s+(?P<year>\d{4})"
_PLACE_DATE = re.compile(rf"(?P<place>{_PLACE})\s*,\s*{_DATE}")
_BARE_DATE = re.compile(_DATE)
# A date not filled in yet: "Phú Cát, ngày    tháng    năm 2026".
_BLANK_DATE = re.compile(rf"(?:{_PLACE}\s*,\s*)?[nN]gày\s+tháng\s+năm\s+\d{{4}}")


# Letters OCR reads for Đ/đ (Icelandic eth, African D): "09-KH/ÐU" is "09-KH/ĐU". Beside a
# Đ of its own it is the same letter read twice: "21-TTr/ÐĐU".
OCR_LOOKALIKES = str.maketrans({"\u00d0": "Đ", "\u0189": "Đ", "\u00f0": "đ", "\u0256": "đ"})
_DOUBLED_D = re.compile("[\u00d0\u0189]\u0110|\u0110[\u00d0\u0189]")


def _words(phrase: str) -> str:
    return r"\s+".join(re.escape(word) for word in phrase.split())


_RIGHT_COLUMN_PHRASES = tuple(
    re.compile(_words(phrase))
    for phrase in (
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    )
)
# OCR reads the two columns line by line: the right column's name may end a line and its
# "VIỆT NAM" end the next one, after the issuer's line ("ỦY BAN NHÂN DÂN XÃ PHÚ CÁT VIỆT
# NAM"). The name is cut, and "VIỆT NAM" at the end of the next line with text.
_SPLIT_RIGHT_COLUMN = re.compile(
    "(?:"
    + "|".join(
        _words(name)
        for name in ("ĐẢNG CỘNG SẢN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA")
    )
    + r")[ \t]*\n(?P<gap>(?:[ \t]*\n)*)(?P<next>[^\n]*?)[ \t]+VIỆT[ \t]+NAM[ \t:;.,|_]*$",
    re.MULTILINE,
)

# The first words of a body (or of the "Kính gửi" block): the summary ends before them.
_BODY_START = re.compile(
    r"^(?:Kính gửi|Căn cứ|Thực hiện|Triển khai|Theo|Để|Nhằm|Hôm nay|Sau khi|Trong|Qua|"
    r"Ngày\s+\d|Năm\s+\d|Thời gian|Tuy nhiên|Xét)\b"
)
# Numbered or bulleted lines: "1.", "I.", "a)", "- ", "+ ", "Điều 1."
_LIST_ITEM = re.compile(r"^(?:[-+•–]\s|\d+[.)]\s|[IVXLC]+\.\s|[a-zđ]\)\s|Điều\s+\d)")
_RULE = re.compile(r"^[-_*=.…\s]{3,}$")
_STAR = re.compile(r"^\*+$")
# What OCR reads of a scan's edges, a fold or a stamp's rim beside a short line: "| KẾ HOẠCH _".
_OCR_EDGE = " |¦_~`'\""
_VV = re.compile(r"^V/v\b\.?\s*:?\s*", re.IGNORECASE)

# Words that open the name of an issuing body, used to rejoin a name wrapped
# over two lines ("CHI BỘ CƠ QUAN ỦY BAN" + "NHÂN DÂN XÃ PHÚ CÁT").
_BODY_HEADS = tuple(
    fold(head) + " "
    for head in (
        "ĐẢNG ỦY",
        "ĐẢNG BỘ",
        "ĐẢNG ĐOÀN",
        "CHI BỘ",
        "THÀNH ỦY",
        "TỈNH ỦY",
        "HUYỆN ỦY",
        "QUẬN ỦY",
        "THỊ ỦY",
        "BAN",
        "ỦY BAN",
        "VĂN PHÒNG",
        "HỘI ĐỒNG",
        "BỘ",
        "SỞ",
        "PHÒNG",
        "MẶT TRẬN",
        "ĐOÀN",
        "HỘI",
        "LIÊN ĐOÀN",
        "CÔNG AN",
        "TRƯỜNG",
        "TRUNG ƯƠNG",
    )
)


# --- extraction ---------------------------------------------------------------


def extract_metadata(
    text: str,
    *,
    doc_types: Sequence[tuple[str, str]] = DEFAULT_TYPES,
    issuers: Sequence[tuple[str, str]] = (),
) -> ExtractedMetadata:
    """Read reference, date, issuer, type and summary from a document's text.

    `doc_types` are (abbreviation, name) pairs; `issuers` are (abbreviation, name)
    pairs from the committee's directory: a printed issuer matching one of them
    (ignoring case and diacritics) is returned with the directory's spelling.
    """
    lines = _clean_lines(text)
    if not lines:
        return ExtractedMetadata()

    title_index, title_type = _find_title(lines, doc_types)
    header_end = title_index if title_index is not None else _header_end(lines)
    header = "\n".join(lines[:header_end])

    result = ExtractedMetadata()
    reference, reference_type = _find_reference(header, doc_types)
    result.reference = reference
    result.document_date = _find_date(header)

    left_lines = _left_column(header)
    vv_summary = _official_letter_summary(left_lines)
    result.issuer_name = _find_issuer(left_lines, issuers)

    result.type_abbreviation = reference_type or title_type
    if not result.type_abbreviation and vv_summary:
        result.type_abbreviation = _configured(OFFICIAL_LETTER, doc_types)

    summary = ""
    if title_index is not None and result.type_abbreviation != OFFICIAL_LETTER:
        summary = _title_summary(lines[title_index + 1 :])
    result.summary = summary or vv_summary
    return result


def _clean_lines(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = _DOUBLED_D.sub("Đ", text).translate(OCR_LOOKALIKES)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def _configured(abbreviation: str, doc_types: Sequence[tuple[str, str]]) -> str:
    """The committee's spelling of a type abbreviation, or "" when it has no such type."""
    for configured, _name in doc_types:
        if configured == abbreviation:
            return configured
    matches = [c for c, _name in doc_types if fold(c) == fold(abbreviation)]
    return matches[0] if len(matches) == 1 else ""


def _is_upper_line(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def _find_title(
    lines: Sequence[str], doc_types: Sequence[tuple[str, str]]
) -> tuple[int | None, str]:
    """Index and type of the first line that is a type name in capitals ("KẾ HOẠCH")."""
    names = {fold(name): abbreviation for abbreviation, name in doc_types if name}
    # The title comes after the number, wherever pypdf put the right column.
    start = next(
        (
            index
            for index, line in enumerate(lines[:HEADER_MAX_LINES])
            if _PARTY_REFERENCE.search(line) or _STATE_REFERENCE.search(line)
        ),
        0,
    )
    for index, line in enumerate(lines[: HEADER_MAX_LINES + 10]):
        if index < start:
            continue
        line = line.strip(_OCR_EDGE)
        if _is_upper_line(line) and fold(line) in names:
            return index, names[fold(line)]
    return None, ""


def _header_end(lines: Sequence[str]) -> int:
    """Without a title, the header ends where the greeting or the body starts."""
    seen_reference = False
    for index, line in enumerate(lines[:HEADER_MAX_LINES]):
        if _PARTY_REFERENCE.search(line) or _STATE_REFERENCE.search(line):
            seen_reference = True
        elif seen_reference and (_BODY_START.match(line) or _LIST_ITEM.match(line)):
            return index
    return min(len(lines), HEADER_MAX_LINES)


def _find_reference(header: str, doc_types: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(reference without "Số", validated type abbreviation or "")."""
    match = _PARTY_REFERENCE.search(header)
    if match:
        number, type_code, issuer = match.group("number", "type", "issuer")
        return f"{number}-{type_code}/{issuer}", _configured(type_code, doc_types)
    match = _STATE_REFERENCE.search(header)
    if match:
        symbol = re.sub(r"\s+", "", match.group("symbol"))
        year = f"/{match.group('year')}" if match.group("year") else ""
        reference = f"{match.group('number')}{year}/{symbol}"
        # "45/QĐ-UBND" names its type first; "12/UBND-VP" (a letter) names none.
        return reference, _configured(symbol.split("-")[0], doc_types)
    return "", ""


def _valid_date(match: re.Match[str]) -> dt.date | None:
    try:
        return dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None


def _find_date(header: str) -> dt.date | None:
    """The place/date line's date; a date without a place only if it is the only one."""
    for match in _PLACE_DATE.finditer(header):
        date = _valid_date(match)
        if date:
            return date
    bare = [date for match in _BARE_DATE.finditer(header) if (date := _valid_date(match))]
    return bare[0] if len(bare) == 1 else None


def _left_column(header: str) -> list[str]:
    """Header lines with the right column's phrases (Party name, motto, date) cut out."""
    header = _SPLIT_RIGHT_COLUMN.sub(lambda m: "\n" + m["gap"] + m["next"], header)
    for pattern in _RIGHT_COLUMN_PHRASES:
        header = pattern.sub("\n", header)
    header = _PLACE_DATE.sub("\n", header)
    header = _BARE_DATE.sub("\n", header)
    header = _BLANK_DATE.sub("\n", header)
    return [" ".join(line.split()) for line in header.split("\n")]


def _find_issuer(left_lines: Sequence[str], issuers: Sequence[tuple[str, str]]) -> str:
    # The issuer's lines sit above the "*" (Party) or the short rule (State), and
    # always above the number.
    end = None
    for index, line in enumerate(left_lines):
        if _STAR.match(line) or _RULE.match(line) or re.match(r"S[ốỐ]\b", line):
            end = index
            break
    if end is None:
        return ""
    block = [line for line in left_lines[:end] if line and _is_upper_line(line)]
    if not block:
        return ""

    printed = _printed_issuer(block)
    if issuers:
        directory = {fold(name): name for _abbreviation, name in issuers if name}
        # The name may have been split differently: the last 1–3 lines. (A line above
        # them is the superior body: "THÀNH ỦY HÀ NỘI" over "BAN TUYÊN GIÁO".)
        candidates = [fold(printed)] + [
            fold(" ".join(block[-size:])) for size in (1, 2, 3) if size <= len(block)
        ]
        for candidate in candidates:
            if candidate in directory:
                return directory[candidate]
        # OCR misreads marks (gone once folded) and now and then a letter ("CHI BỌ THON
        # ĐỌNG CATT"): a name one letter apart, if only one is.
        for candidate in candidates:
            close = [name for name in directory if _one_letter_apart(candidate, name)]
            if len(close) == 1:
                return directory[close[0]]
    return printed


def _one_letter_apart(printed: str, name: str) -> bool:
    """The same words but one, which differs by one letter added, dropped or changed
    ("dong catt", "dong cat"), not by more ("dong tam", "dong cat": another village)."""
    words, others = printed.split(), name.split()
    if len(words) != len(others):
        return False
    different = [(a, b) for a, b in zip(words, others, strict=True) if a != b]
    if len(different) != 1:
        return False
    a, b = different[0]
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


def _printed_issuer(block: Sequence[str]) -> str:
    """The bottom name of the header block, rejoined when it wrapped over lines."""
    for start in range(len(block) - 1, -1, -1):
        if (fold(block[start]) + " ").startswith(_BODY_HEADS):
            return " ".join(block[start:])
    return block[-1]


def _looks_wrapped(previous: str, line: str, min_chars: int) -> bool:
    """Whether `line` continues `previous`, a centred line that wrapped."""
    if not line or _RULE.match(line) or _STAR.match(line) or _is_upper_line(line):
        return False
    if _BODY_START.match(line) or _LIST_ITEM.match(line) or _VV.match(line):
        return False
    if re.match(r"S[ốỐ]\s*:?\s*\d", line):
        return False
    if len(previous) < min_chars:
        return False
    return not (line[0].isupper() and previous.endswith((".", ";", ":")))


def _title_summary(after_title: Sequence[str]) -> str:
    # OCR leaves a blank line or two between the title and its summary.
    skipped = 0
    while skipped < 2 and skipped < len(after_title) and not after_title[skipped]:
        skipped += 1
    after_title = after_title[skipped:]
    if not after_title:
        return ""
    first = after_title[0]
    if (
        not first
        or _RULE.match(first)
        or _BODY_START.match(first)
        or _LIST_ITEM.match(first)
        or _is_upper_line(first)
    ):
        return ""
    parts = [first]
    for line in after_title[1:SUMMARY_MAX_LINES]:
        if not _looks_wrapped(parts[-1], line, SUMMARY_WRAP_MIN_CHARS):
            break
        parts.append(line)
    return _one_line(parts)


def _official_letter_summary(left_lines: Sequence[str]) -> str:
    """The "V/v …" text under the number of a Công văn, rejoined if it wrapped."""
    for index, line in enumerate(left_lines):
        match = _VV.match(line)
        if not match:
            continue
        parts = [line[match.end() :]]
        previous = line
        # Wrapped lines share the left column's width; a longer line is the body.
        widest = len(line) + VV_WIDTH_TOLERANCE
        for following in left_lines[index + 1 : index + VV_MAX_LINES]:
            if len(following) > widest:
                break
            if not _looks_wrapped(previous, following, VV_WRAP_MIN_CHARS):
                break
            parts.append(following)
            previous = following
        return _one_line(parts)
    return ""


def _one_line(parts: Sequence[str]) -> str:
    return " ".join(" ".join(parts).split()).strip(" -–")
