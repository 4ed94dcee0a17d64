"""Reading one value of a members workbook: dates with their precision, sex, status,
education and political theory levels, citizen IDs and card numbers, names, and the keys
cell names are matched by. Each parser returns the model's value or raises ValueProblem
with a code and a message for the report."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from capuyso.core import text as core_text
from capuyso.members.models import DatePrecision, Member

# Excel serials 1900–2100 (a year typed into a date-formatted cell) show as these dates.
YEAR_AS_DATE = (dt.date(1905, 3, 14), dt.date(1905, 9, 30))


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"), None)


def clean_text(value: Any) -> str:
    """A cell as text: NFC, no invisible characters, single spaces. Whole numbers lose the
    '.0' Excel gives them."""
    if value is None:
        return ""
    if type(value) is str:
        return _clean_str(value)
    if isinstance(value, bool):
        return "x" if value else ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return f"{value:%d/%m/%Y}"
    return _clean_str(str(value))


@functools.lru_cache(maxsize=65536)
def _clean_str(value: str) -> str:
    # Cached: a workbook repeats its cells' names, "Kinh", "Nam", "Chính thức"…
    text = unicodedata.normalize("NFC", value).translate(_INVISIBLE)
    return " ".join(text.split())


@functools.lru_cache(maxsize=65536)
def fold(text: str | None) -> str:
    """`capuyso.core.text.fold`, cached for the many repeated values of a workbook."""
    return core_text.fold(text)


class ValueProblem(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})$")


_YMD = re.compile(r"^(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})$")


_MY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{4})$")


_Y = re.compile(r"^(\d{4})$")


_WORDS = re.compile(r"^(?:ngay\s*(\d{1,2})\s*)?(?:thang\s*(\d{1,2})\s*)?(?:nam\s*)?(\d{4})$")


def parse_date(value: Any) -> tuple[dt.date | None, str]:
    """An Excel date, d/m/yyyy, dd-mm-yyyy, d.m.yyyy, yyyy-mm-dd, m/yyyy, a year alone, or
    “ngày 3 tháng 2 năm 1975”. A year-only date is 1 January with precision YEAR, a month
    and year the 1st with precision MONTH: nothing is invented. Raises ValueProblem."""
    if value is None or value == "":
        return None, DatePrecision.DAY
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and YEAR_AS_DATE[0] <= value.date() <= YEAR_AS_DATE[1]:
            # A year typed into a date-formatted cell: Excel shows 1975 as 27/05/1905.
            from openpyxl.utils.datetime import to_excel

            return dt.date(int(to_excel(value)), 1, 1), DatePrecision.YEAR
        return value.date(), DatePrecision.DAY
    if isinstance(value, dt.date):
        return value, DatePrecision.DAY
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 1900 <= number <= 2100:
            return dt.date(int(number), 1, 1), DatePrecision.YEAR
        if number.is_integer() and 2100 < number < 80000:
            # A date serial whose cell lost its date format.
            from openpyxl.utils.datetime import from_excel

            return from_excel(int(number)).date(), DatePrecision.DAY
        raise _bad_date(value)
    text = clean_text(value)
    folded = fold(text).replace(",", " ").strip(" .")
    folded = " ".join(folded.split())
    try:
        if match := _DMY.match(folded):
            day, month, year = (int(g) for g in match.groups())
            if len(match.group(3)) != 4:
                raise ValueProblem(
                    "bad_date",
                    _("“%(value)s”: write the year with four digits, for example 12/03/1965.")
                    % {"value": text},
                )
            return dt.date(year, month, day), DatePrecision.DAY
        if match := _YMD.match(folded):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day), DatePrecision.DAY
        if match := _MY.match(folded):
            month, year = (int(g) for g in match.groups())
            return dt.date(year, month, 1), DatePrecision.MONTH
        if match := _Y.match(folded):
            return dt.date(int(match.group(1)), 1, 1), DatePrecision.YEAR
        if (match := _WORDS.match(folded)) and ("thang" in folded or "nam" in folded):
            day_s, month_s, year_s = match.groups()
            if day_s and month_s:
                return dt.date(int(year_s), int(month_s), int(day_s)), DatePrecision.DAY
            if month_s:
                return dt.date(int(year_s), int(month_s), 1), DatePrecision.MONTH
            if not day_s:
                return dt.date(int(year_s), 1, 1), DatePrecision.YEAR
    except ValueError as exc:  # 31/02/1990, month 13
        raise ValueProblem(
            "bad_date",
            _("“%(value)s” is not a date that exists; check the day and the month.")
            % {"value": text},
        ) from exc
    raise _bad_date(text)


def _bad_date(text: Any) -> ValueProblem:
    return ValueProblem(
        "bad_date",
        _("“%(value)s” is not a date; write it as 12/03/1965, or the year alone, like 1965.")
        % {"value": clean_text(text)},
    )


def _unknown(value: str, examples: str) -> ValueProblem:
    return ValueProblem(
        "unknown_value",
        _("“%(value)s” is not understood; write for example %(examples)s.")
        % {"value": value, "examples": examples},
    )


def parse_sex(value: Any) -> str:
    text = clean_text(value)
    key = fold(text).strip(" .")
    if key in {"nam", "m", "male", "trai"}:
        return Member.Sex.MALE
    if key in {"nu", "f", "female", "gai"}:
        return Member.Sex.FEMALE
    raise _unknown(text, "Nam, Nữ")


_STATUSES = (
    (("chinh thuc", "dang vien chinh thuc", "ct", "dvct"), Member.Status.FULL),
    (("du bi", "dang vien du bi", "db", "dvdb"), Member.Status.PROBATIONARY),
    (
        ("mien sinh hoat", "mien sh", "mien shd", "mien", "mien sinh hoat dang"),
        Member.Status.EXEMPT,
    ),
    (("da chuyen di", "chuyen di", "chuyen sinh hoat", "da chuyen sinh hoat"), "transferred_out"),
    (("xoa ten", "bi xoa ten", "da xoa ten"), Member.Status.STRUCK_OFF),
    (("khai tru", "bi khai tru"), Member.Status.EXPELLED),
    (("tu tran", "da tu tran", "qua doi", "da mat", "tu"), Member.Status.DECEASED),
)


def parse_status(value: Any) -> str:
    text = clean_text(value)
    key = fold(text).strip(" .")
    for names, status in _STATUSES:
        if key in names:
            return status
    if key.startswith("mien sinh hoat"):
        return Member.Status.EXEMPT
    raise _unknown(text, "Chính thức, Dự bị, Miễn sinh hoạt")


_GRADE = re.compile(r"(\d{1,2})\s*/\s*(10|12)\b")


def parse_education(value: Any) -> str:
    text = clean_text(value)
    key = fold(text)
    if match := _GRADE.search(key):
        grade, system = int(match.group(1)), int(match.group(2))
        if grade < 1 or grade > system:
            raise _unknown(text, "12/12, 9/12, 10/10")
        lower, upper = (5, 9) if system == 12 else (4, 7)
        if grade <= lower:
            return Member.GeneralEducation.PRIMARY
        if grade <= upper:
            return Member.GeneralEducation.LOWER_SECONDARY
        return Member.GeneralEducation.UPPER_SECONDARY
    words = f" {re.sub(r'[^a-z0-9]+', ' ', key)} "
    for needles, level in (
        ((" thpt ", " trung hoc pho thong ", " cap 3 ", " cap iii "), "upper_secondary"),
        ((" thcs ", " trung hoc co so ", " cap 2 ", " cap ii "), "lower_secondary"),
        ((" tieu hoc ", " cap 1 ", " cap i "), "primary"),
    ):
        if any(needle in words for needle in needles):
            return level
    raise _unknown(text, "12/12, 9/12, THPT, THCS")


_QUALIFICATIONS = (
    ((" tien si ", " ts "), Member.Qualification.DOCTORATE),
    ((" thac si ", " ths "), Member.Qualification.MASTER),
    (
        (
            " dai hoc ",
            " cu nhan ",
            " ky su ",
            " bac si ",
            " duoc si ",
            " kien truc su ",
            " dh ",
        ),
        Member.Qualification.UNIVERSITY,
    ),
    ((" cao dang ", " cd "), Member.Qualification.COLLEGE),
    ((" trung cap ", " tc "), Member.Qualification.INTERMEDIATE),
    ((" so cap ", " cong nhan ky thuat ", " cnkt "), Member.Qualification.ELEMENTARY),
    ((" khong ", " chua qua dao tao ", " chua "), Member.Qualification.NONE),
)


_BARE_LEVELS = {
    "tien si",
    "ts",
    "thac si",
    "ths",
    "dai hoc",
    "dh",
    "cao dang",
    "cd",
    "trung cap",
    "tc",
    "so cap",
    "khong",
    "chua qua dao tao",
    "chua",
}


def parse_qualification(value: Any) -> tuple[str, str]:
    """Free text such as “Kỹ sư nông nghiệp” → (university, “Kỹ sư nông nghiệp”). Never
    refuses: a text with no level word is kept as the field of study alone."""
    text = clean_text(value)
    key = re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()
    words = f" {key} "
    level = ""
    for needles, choice in _QUALIFICATIONS:
        if any(needle in words for needle in needles):
            level = choice
            break
    detail = "" if key in _BARE_LEVELS or key in {"", "-"} else text
    return level, detail


def parse_theory(value: Any) -> str:
    text = clean_text(value)
    key = f" {re.sub(r'[^a-z0-9]+', ' ', fold(text)).strip()} "
    for needles, level in (
        ((" cu nhan ",), Member.Theory.BACHELOR),
        ((" cao cap ",), Member.Theory.ADVANCED),
        ((" trung cap ",), Member.Theory.INTERMEDIATE),
        ((" so cap ",), Member.Theory.ELEMENTARY),
        ((" khong ", " chua ", " chua qua dao tao ", " chua hoc "), Member.Theory.NONE),
    ):
        if any(needle in key for needle in needles):
            return level
    raise _unknown(text, "Sơ cấp, Trung cấp, Cao cấp, Cử nhân")


def parse_citizen_id(value: Any) -> str:
    """Digits only. A number cell lost its leading zeros (every citizen ID starts with the
    province code 001–096), so a 10- or 11-digit number from a number cell is padded back
    to 12; text keeps what was typed, and the validator refuses a wrong length."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = str(int(value))
        return digits.zfill(12) if len(digits) in (10, 11) else digits
    return re.sub(r"[\s.\-]", "", clean_text(value))


def card_key(value: str) -> str:
    """Card numbers compared without spaces, dots or dashes: “52.012 345” = “52012345”."""
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()


def clean_name(value: Any) -> str:
    """NFC, single spaces, and a name typed in capitals written the usual way."""
    text = clean_text(value)
    if text and text == text.upper() and text != text.lower():
        text = text.title()
    return text


_CELL_PREFIX = re.compile(r"^(?:[ivxlc]+|\d+)[.)]\s+|^(?:chi bo|cb)[\s.:\-]+")


_CELL_KIND_WORDS = re.compile(r"^(?:thon|xom|ap|ban|lang|khu pho|to dan pho|khu dan cu|khu|to)\s+")


def cell_key(name: str) -> str:
    """“Chi bộ thôn Đồng Cát”, “chi bo thon dong cat”, “CB thôn Đồng Cát” and “Thôn Đồng
    Cát” give the same key."""
    key = " ".join(re.sub(r"[^a-z0-9.:\-() ]", " ", fold(name)).split())
    for _repeat in range(2):
        key = _CELL_PREFIX.sub("", key)
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", key).split())


def cell_loose_key(name: str) -> str:
    """The key without the kind of place (thôn, xóm, ấp, tổ dân phố…), tried when the exact
    key matches nothing: “Chi bộ Đồng Cát” finds “Chi bộ thôn Đồng Cát” if it is the only
    one."""
    return _CELL_KIND_WORDS.sub("", cell_key(name))


def is_section_row(text: str) -> bool:
    key = fold(text)
    key = re.sub(r"^(?:[ivxlc]+|\d+)[.)]\s+", "", key)
    return key.startswith(("chi bo ", "cb ", "cb.", "chi bo:"))


def section_cell_name(text: str) -> str:
    return re.sub(r"^(?:[IVXLCivxlc]+|\d+)[.)]\s+", "", clean_text(text))


def title_cell_name(title: str) -> str:
    """“DANH SÁCH ĐẢNG VIÊN CHI BỘ THÔN ĐỒNG CÁT NĂM 2025” → “Chi bộ Thôn Đồng Cát”."""
    words = clean_text(title).split()
    folded = [fold(w).strip(".,:;") for w in words]
    for i in range(len(words) - 1):
        if folded[i] == "chi" and folded[i + 1] == "bo":
            rest = []
            for word, key in zip(words[i + 2 :], folded[i + 2 :], strict=True):
                if key in {"nam", "tinh", "den", "-", "ngay", "thang", "("} or key.startswith("("):
                    break
                rest.append(word.strip(".,:;"))
            name = " ".join(rest)
            if not name or fold(name) in {"", "cac", "truc thuoc"}:
                return ""
            if name == name.upper():
                name = name.title()
            return f"Chi bộ {name}"
    return ""


def is_exempt_text(text: str) -> bool:
    key = fold(text)
    return "mien sinh hoat" in key or bool(re.search(r"\bmien sh", key))
