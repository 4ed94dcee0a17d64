"""Reading bank statement files (CSV or XLSX exported from internet banking): finding the
header row, recognising the layout, and turning rows into credit lines. No database here;
`capuyso.fees.services.statements` matches and writes.

- **Layouts are data** (`LAYOUTS`): each names the columns it needs (date, a credit amount or
  a signed amount, the note) and those it may have (bank reference, debit), as folded header
  aliases. A file whose header row matches no layout is refused with the columns found and
  the columns each layout expects; nothing is read further.
- **CSV**: UTF-8 with or without a BOM (else Windows-1258, as old Vietnamese Excel saves it),
  `;`, `,` or tab separated; the separator is the one whose rows give a known header.
- **XLSX**: openpyxl read-only. A zip bomb is refused before openpyxl opens it (the sum of
  the uncompressed members and the compression ratio are capped), and so is a sheet with
  more rows than `max_rows()`.
- Dates are dd/mm/yyyy (also dd-mm-yyyy, dd/mm/yy, yyyy-mm-dd, with or without a time);
  amounts are whole đồng written 76.543, 76,543, 76 543, 76543, 76.543,00 or 76,543.00.
- Only credit lines are returned; debit lines are counted and skipped, and so are blank or
  total rows ("Tổng cộng", "Số dư cuối kỳ").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from capuyso.core.text import fold

HEADER_SCAN_ROWS = 30
MAX_COLUMNS = 40
MAX_ERRORS_SHOWN = 10


def max_rows() -> int:
    """Data rows a statement may have (a commune's year of transfers is a few thousand)."""
    return getattr(settings, "FEES_STATEMENT_MAX_ROWS", 20_000)


def max_bytes() -> int:
    """The largest statement file accepted, in bytes (a 20,000-line CSV is about 3 MB)."""
    return getattr(settings, "FEES_STATEMENT_MAX_MB", 5) * 1024 * 1024


def max_unpacked_bytes() -> int:
    """What an XLSX may unpack to, all members together."""
    return getattr(settings, "FEES_STATEMENT_MAX_UNPACKED_MB", 50) * 1024 * 1024


MAX_RATIO = 100  # an honest workbook packs text 5–20 times; a bomb packs it thousands


class StatementFileError(ValidationError):
    """The file cannot be read as a statement; `code` says why, `params` the details."""


# --- Layouts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """A statement layout: for each field, the folded header texts that name it."""

    key: str
    label: Any  # lazy text shown on the page
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    signed_amount: bool = False  # the amount column holds credits (+) and debits (−)

    def expected(self) -> str:
        """The required columns as the bank prints them: 'Ngày giao dịch, Số tiền ghi có /
        Số tiền, Nội dung'."""
        return ", ".join(
            " / ".join(self.columns[name][0] for name in need.split("|")) for need in self.required
        )


# Fields: date, credit (amount credited), debit, amount (signed), note, reference. Headers are
# written as banks print them; matching folds them (case, diacritics, punctuation, "(VND)").
LAYOUTS: tuple[Layout, ...] = (
    Layout(
        key="debit_credit",
        label=_("Bank export with debit, credit and balance columns"),
        columns={
            "date": ("Ngày giao dịch", "Ngày GD", "Ngày hạch toán"),
            "reference": ("Số tham chiếu", "Số bút toán", "Mã giao dịch", "Số CT"),
            "debit": ("Số tiền ghi nợ", "Ghi nợ"),
            "credit": ("Số tiền ghi có", "Ghi có"),
            "balance": ("Số dư",),
            "note": ("Nội dung chi tiết", "Mô tả", "Nội dung", "Diễn giải"),
        },
        required=("date", "reference", "debit", "credit", "balance", "note"),
    ),
    Layout(
        key="posting",
        label=_("Bank export with posting date and debit/credit movements"),
        columns={
            "date": ("Ngày hiệu lực", "Ngày phát sinh", "Ngày giao dịch"),
            "reference": ("Mã giao dịch", "Số giao dịch", "Số tham chiếu"),
            "debit": ("Phát sinh nợ", "PS nợ"),
            "credit": ("Phát sinh có", "PS có"),
            "note": ("Diễn giải", "Nội dung", "Mô tả"),
        },
        required=("date", "debit", "credit", "note"),
    ),
    Layout(
        key="generic",
        label=_("Simple table: date, amount, note"),
        columns={
            "date": ("Ngày giao dịch", "Ngày", "Ngày GD", "Ngày hạch toán"),
            "credit": ("Số tiền ghi có", "Ghi có", "Số tiền nhận"),
            "debit": ("Số tiền ghi nợ", "Ghi nợ"),
            "amount": ("Số tiền",),
            "note": ("Nội dung", "Diễn giải", "Nội dung chuyển khoản", "Mô tả"),
            "reference": ("Số tham chiếu", "Mã giao dịch", "Số giao dịch"),
        },
        required=("date", "credit|amount", "note"),
    ),
)
LAYOUTS_BY_KEY = {layout.key: layout for layout in LAYOUTS}


def _header_key(value: Any) -> str:
    """'Số tiền ghi có (VND)' -> 'so tien ghi co'; '' for a cell that is not text."""
    if value is None or not isinstance(value, str):
        return ""
    text = fold(value).split("(", 1)[0]
    text = re.sub(r"[^a-z0-9/ ]+", " ", text)
    return " ".join(text.split())


def _match_layout(layout: Layout, headers: list[str]) -> dict[str, int] | None:
    """{field: column index} when every required field is found in `headers`, else None."""
    found: dict[str, int] = {}
    for name, aliases in layout.columns.items():
        folded = {_header_key(alias) for alias in aliases}
        for index, header in enumerate(headers):
            if header in folded and index not in found.values():
                found[name] = index
                break
    for need in layout.required:
        if not any(option in found for option in need.split("|")):
            return None
    return found


def detect_layout(rows: list[list[Any]]) -> tuple[Layout, dict[str, int], int] | None:
    """(layout, columns, header row index) for the first of `rows` that is a known header."""
    for row_index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        headers = [_header_key(v) for v in row[:MAX_COLUMNS]]
        if sum(1 for h in headers if h) < 3:
            continue
        for layout in LAYOUTS:
            columns = _match_layout(layout, headers)
            if columns is not None:
                return layout, columns, row_index
    return None


def _likely_header(rows: list[list[Any]]) -> list[str]:
    """The texts of the row that looks most like a header (most text cells), for the message."""
    best: list[str] = []
    for row in rows[:HEADER_SCAN_ROWS]:
        texts = [str(v).strip() for v in row[:MAX_COLUMNS] if isinstance(v, str) and v.strip()]
        if len(texts) > len(best):
            best = texts
    return best


def unknown_layout_error(rows: list[list[Any]]) -> StatementFileError:
    found = _likely_header(rows)
    expected = "; ".join(f"{layout.label}: {layout.expected()}" for layout in LAYOUTS)
    return StatementFileError(
        _(
            "The statement's layout is not known, so nothing was imported. Columns found: "
            "%(found)s. Columns expected: %(expected)s."
        ),
        code="unknown_layout",
        params={"found": ", ".join(found) or "—", "expected": expected},
    )


# --- Values -----------------------------------------------------------------------------

_DATE_RE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T].*)?")
_ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?")


def parse_date(value: Any) -> dt.date | None:
    """A statement date (day first), or None when the value is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if match := _ISO_RE.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if match := _DATE_RE.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
            if year < 100:
                year += 2000
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


_AMOUNT_NOISE = re.compile(r"(?i)\s*(vnd|vnđ|đ|d)\s*$")
_GROUPED = re.compile(r"\d{1,3}(?:([.,  ])\d{3})(?:\1\d{3})*")


class AmountError(ValueError):
    pass


def parse_amount(value: Any) -> int | None:
    """Whole đồng from a statement cell: None when empty; AmountError when not an amount
    or when it has a non-zero fraction. The sign is kept (a debit may be written −50.000)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise AmountError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        number = Decimal(str(value)) if isinstance(value, float) else value
        if not number.is_finite() or number != number.to_integral_value():
            raise AmountError(value)
        return int(number)
    text = _AMOUNT_NOISE.sub("", str(value).strip()).strip()
    if not text:
        return None
    sign = 1
    if text[0] in "+-−":
        sign = -1 if text[0] in "-−" else 1
        text = text[1:].strip()
    elif text.startswith("(") and text.endswith(")"):  # accountants' negative
        sign, text = -1, text[1:-1].strip()
    # A decimal part of one or two digits after the last separator: must be zero.
    if (decimal := re.fullmatch(r"(.*\d)[.,](\d{1,2})", text)) and not _GROUPED.fullmatch(text):
        text, fraction = decimal.groups()
        if int(fraction):
            raise AmountError(value)
    if text.isdigit():
        return sign * int(text)
    if _GROUPED.fullmatch(text):
        return sign * int(re.sub(r"[.,  ]", "", text))
    raise AmountError(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


# --- Lines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedLine:
    row: int  # 1-based row number in the file
    posted_on: dt.date
    amount: int
    note: str
    reference: str


@dataclass
class ParsedStatement:
    layout: Layout
    header_row: int  # 1-based
    lines: list[ParsedLine] = field(default_factory=list)
    debit_count: int = 0
    skipped_count: int = 0


_TOTAL_MARKS = ("tong", "cong phat sinh", "so du", "luy ke", "cong:")


def _is_total_row(values: list[Any]) -> bool:
    text = " ".join(fold(v) for v in values if isinstance(v, str))
    return any(mark in text for mark in _TOTAL_MARKS)


def read_lines(rows: Iterable[list[Any]]) -> ParsedStatement:
    """The credit lines of a statement given as rows of cell values (header included)."""
    iterator = iter(rows)
    head: list[list[Any]] = []
    found = None
    for row in iterator:
        head.append(row)
        found = detect_layout([row])
        if found is not None or len(head) >= HEADER_SCAN_ROWS:
            break
    if found is None:
        raise unknown_layout_error(head)
    layout, columns, _index = found
    parsed = ParsedStatement(layout=layout, header_row=len(head))
    errors: list[str] = []
    limit = max_rows()
    row_no = len(head)
    data_rows = 0

    def cell(values: list[Any], name: str) -> Any:
        index = columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    for values in iterator:
        row_no += 1
        if not any(v not in (None, "") and str(v).strip() for v in values):
            continue
        data_rows += 1
        if data_rows > limit:
            raise StatementFileError(
                _(
                    "The statement has more than %(limit)s lines. Split it by month and import "
                    "each part."
                ),
                code="too_many_rows",
                params={"limit": limit},
            )
        posted_on = parse_date(cell(values, "date"))
        try:
            credit = parse_amount(cell(values, "credit"))
            debit = parse_amount(cell(values, "debit"))
            signed = parse_amount(cell(values, "amount"))
        except AmountError:
            if _is_total_row(values):
                parsed.skipped_count += 1
            else:
                errors.append(str(row_no))
            continue
        if posted_on is None:
            if cell(values, "date") in (None, "") or _is_total_row(values):
                parsed.skipped_count += 1
            else:
                errors.append(str(row_no))
            continue
        if credit is None and signed is not None:
            credit = signed if signed > 0 else None
            if signed < 0:
                debit = -signed
        if credit is None or credit <= 0:
            if (debit or 0) != 0:
                parsed.debit_count += 1
            else:
                parsed.skipped_count += 1
            continue
        parsed.lines.append(
            ParsedLine(
                row=row_no,
                posted_on=posted_on,
                amount=credit,
                note=_text(cell(values, "note")),
                reference=_text(cell(values, "reference"))[:80],
            )
        )
    if errors:
        shown = ", ".join(errors[:MAX_ERRORS_SHOWN]) + (
            "…" if len(errors) > MAX_ERRORS_SHOWN else ""
        )
        raise StatementFileError(
            _(
                "Some lines have a date or an amount that cannot be read (rows %(rows)s), so "
                "nothing was imported. Dates are written dd/mm/yyyy and amounts in whole đồng."
            ),
            code="bad_values",
            params={"rows": shown},
        )
    return parsed


# --- Files ------------------------------------------------------------------------------

_DELIMITERS = (";", ",", "\t")


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Windows-1258 writes tone marks as combining characters: compose them.
        return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))


def csv_rows(data: bytes) -> Iterator[list[Any]]:
    """Rows of a CSV statement, with the separator that makes its header known."""
    text = _decode(data)
    if "\x00" in text:
        raise _not_a_statement()
    sample = text.splitlines()[:HEADER_SCAN_ROWS]
    chosen = None
    widest: tuple[int, str] = (0, _DELIMITERS[0])
    for delimiter in _DELIMITERS:
        rows = list(csv.reader(sample, delimiter=delimiter))
        if detect_layout(rows) is not None:
            chosen = delimiter
            break
        width = max((len(r) for r in rows), default=0)
        if width > widest[0]:
            widest = (width, delimiter)
    reader = csv.reader(io.StringIO(text), delimiter=chosen or widest[1])
    try:
        yield from reader
    except csv.Error as exc:
        raise _not_a_statement() from exc


def _not_a_statement() -> StatementFileError:
    return StatementFileError(
        _("This file is not a statement in CSV or Excel (.xlsx). Export it again from the bank."),
        code="not_a_statement",
    )


def check_xlsx_package(data: bytes) -> None:
    """Refuse a package that would unpack to too much (zip bomb) before anything reads it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except zipfile.BadZipFile as exc:
        raise _not_a_statement() from exc
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise _not_a_statement()
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if unpacked > max_unpacked_bytes() or unpacked / packed > MAX_RATIO and unpacked > 1 << 20:
        raise StatementFileError(
            _(
                "The workbook unpacks to far more data than a statement holds, so it was not "
                "opened. Export the statement again from the bank, or as CSV."
            ),
            code="xlsx_too_large",
        )


def xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    """Rows of the first sheet of an XLSX statement (read-only, values only)."""
    check_xlsx_package(data)
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken package
        raise _not_a_statement() from exc
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield list(row)
    finally:
        workbook.close()


def read_statement(data: bytes, file_name: str = "") -> ParsedStatement:
    """The credit lines of a statement file (CSV or XLSX, told apart by content)."""
    if not data:
        raise StatementFileError(_("The file is empty (0 bytes)."), code="empty")
    if len(data) > max_bytes():
        raise StatementFileError(
            _(
                "The file is larger than %(limit)s MB; a statement is far smaller. Export one "
                "month or one quarter at a time."
            ),
            code="file_too_large",
            params={"limit": max_bytes() // (1024 * 1024)},
        )
    if data.startswith(b"PK\x03\x04"):
        return read_lines(xlsx_rows(data))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise StatementFileError(
            _(
                "This is an old Excel 97–2003 workbook (.xls). Open it in Excel and save it as "
                ".xlsx, or export the statement as CSV."
            ),
            code="xls",
        )
    return read_lines(csv_rows(data))


# --- Fingerprints -----------------------------------------------------------------------


def folded_note(note: str) -> str:
    """The note as compared across imports: folded, upper-case, letters and digits only."""
    return re.sub(r"[^A-Z0-9]+", " ", fold(note).upper()).strip()


def fingerprints(lines: Iterable[ParsedLine]) -> list[str]:
    """One fingerprint a line: sha256 of the date, amount, bank reference and folded note.
    Identical lines within one file (same person paying the same twice a day, no bank
    reference) get an occurrence number, so re-importing an overlapping period finds each
    again instead of folding two real payments into one."""
    import hashlib

    seen: dict[str, int] = {}
    result = []
    for line in lines:
        key = (
            f"{line.posted_on.isoformat()}|{line.amount}|{line.reference}|{folded_note(line.note)}"
        )
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key += f"|#{seen[key]}"
        result.append(hashlib.sha256(key.encode()).hexdigest())
    return result
