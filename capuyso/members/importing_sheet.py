"""Reading the members workbooks communes keep: finding the table on each sheet and turning
its cells into member field values. No database access here; `importing.py` matches,
validates and writes.

What a sheet may look like, and what is done about it:
- Title rows above the table (“DANH SÁCH ĐẢNG VIÊN…”): the header row is the first of the
  first 30 rows with a name column and at least two other known columns. A second header
  row under it (“Ngày sinh” over “Nam | Nữ”) and a row of column numbers (“(1) (2) (3)…”) are
  recognised and skipped.
- Headers in any order, with or without diacritics, in capitals, with notes in brackets
  (“Ngày sinh (dd/mm/yyyy)”): folded with `capuyso.core.text.fold` and looked up in
  `HEADERS`. Unknown columns are ignored and listed in the report.
- Cells merged down a column (the cell's name written once for a block of rows) give their
  value to every row of the block; rows like “I. Chi bộ thôn Đồng Cát” between blocks set
  the cell of the rows below them; a sheet without a cell column takes its cell from a title
  row (“… CHI BỘ THÔN ĐỒNG CÁT”) or from the sheet's name.
- Blank rows, and rows where only the ordinal (STT) is filled in (pre-numbered templates),
  are skipped without a word. Any other row is a row and gets a line in the report.
- Sheets whose name or title says “miễn sinh hoạt” list exempt members.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from capuyso.members.importing_values import (
    clean_text,
    fold,
    is_exempt_text,
    is_section_row,
    section_cell_name,
    title_cell_name,
)

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


HEADER_SCAN_ROWS = 30


# Folded header text → field. Besides the model's fields: "male"/"female" (the two-column
# “Nam | Nữ” layout, where the column holds the birth date or an x), "exempt_since" (the
# date an exempt member's exemption started) and "ordinal" (STT).
HEADERS: dict[str, str] = {}


_ALIASES = {
    "ordinal": ("stt", "tt", "so tt", "so thu tu", "thu tu"),
    "full_name": (
        "ho va ten",
        "ho ten",
        "ho va ten dang vien",
        "ho ten dang vien",
        "ten dang vien",
        "ho va ten khai sinh",
        "ho ten khai sinh",
        "dang vien",
    ),
    "date_of_birth": (
        "ngay sinh",
        "ngay thang nam sinh",
        "ngay, thang, nam sinh",
        "nam sinh",
        "sinh ngay",
        "ngay sinh/nam sinh",
    ),
    "sex": ("gioi tinh", "nam/nu", "nam, nu", "nam nu", "gioi"),
    "male": ("nam", "ngay sinh nam", "nam sinh nam", "ngay sinh (nam)"),
    "female": ("nu", "ngay sinh nu", "nam sinh nu", "ngay sinh (nu)"),
    "ethnicity": ("dan toc",),
    "religion": ("ton giao",),
    "home_town": ("que quan", "nguyen quan", "que"),
    "residence": (
        "noi o hien nay",
        "noi cu tru",
        "noi o",
        "cho o hien nay",
        "cho o",
        "dia chi",
        "dia chi thuong tru",
        "noi thuong tru",
        "thuong tru",
        "noi o hien tai",
    ),
    "citizen_id": (
        "so cccd",
        "cccd",
        "can cuoc",
        "so can cuoc",
        "can cuoc cong dan",
        "so can cuoc cong dan",
        "so dinh danh",
        "so dinh danh ca nhan",
        "cmnd/cccd",
        "so cmnd/cccd",
        "cccd/cmnd",
        "so cccd/cmnd",
        "cmnd",
        "so cmnd",
    ),
    "phone": ("so dien thoai", "sdt", "so dt", "dien thoai", "dtdd", "di dong", "so di dong"),
    "card_number": ("so the dang", "so the", "so the dang vien", "the dang", "so the dv"),
    "cell": (
        "chi bo",
        "ten chi bo",
        "chi bo sinh hoat",
        "sinh hoat tai chi bo",
        "sinh hoat chi bo",
        "thuoc chi bo",
    ),
    "admission_date": (
        "ngay vao dang",
        "ngay ket nap",
        "ngay ket nap dang",
        "ngay ket nap vao dang",
        "vao dang",
        "ket nap",
        "ngay vao dang (ket nap)",
    ),
    "admission_decision": (
        "so qd ket nap",
        "so quyet dinh ket nap",
        "quyet dinh ket nap",
        "qd ket nap",
    ),
    "full_membership_date": (
        "ngay chinh thuc",
        "ngay cong nhan chinh thuc",
        "ngay dang vien chinh thuc",
        "ngay chuyen chinh thuc",
        "chinh thuc",
    ),
    "general_education": (
        "trinh do hoc van",
        "van hoa",
        "trinh do van hoa",
        "hoc van",
        "giao duc pho thong",
        "trinh do giao duc pho thong",
    ),
    "qualification": (
        "chuyen mon",
        "trinh do chuyen mon",
        "chuyen mon nghiep vu",
        "trinh do chuyen mon nghiep vu",
        "trinh do chuyen mon, nghiep vu",
    ),
    "political_theory": (
        "ly luan chinh tri",
        "trinh do ly luan chinh tri",
        "ly luan",
        "llct",
        "trinh do llct",
    ),
    "occupation": ("nghe nghiep", "nghe nghiep hien nay", "nghe"),
    "workplace": ("noi lam viec", "don vi cong tac", "co quan cong tac", "noi cong tac"),
    "positions_held": ("chuc vu", "chuc vu hien nay", "chuc vu dang"),
    "notes": ("ghi chu",),
    "status": ("trang thai", "tinh trang", "loai dang vien"),
    "exempt_since": (
        "ngay mien sinh hoat",
        "mien sinh hoat tu ngay",
        "ngay duoc mien sinh hoat",
        "ngay mien",
        "tu ngay",
    ),
}


for _field, _names in _ALIASES.items():
    for _name in _names:
        HEADERS[_name] = _field


class ImportFileError(ValidationError):
    """The file cannot be read as a members workbook; nothing is written."""


@dataclass
class SheetRow:
    sheet: str
    row: int  # 1-based, as Excel numbers it
    values: dict[str, Any]  # field → raw cell value
    exempt: bool
    cell_hint: str = ""  # from a section row or the sheet's title when the row has no cell


@dataclass
class SheetInfo:
    name: str
    header_row: int | None = None
    columns: list[str] = field(default_factory=list)  # the fields found, in column order
    ignored: list[str] = field(default_factory=list)  # headers not understood
    exempt: bool = False
    rows: int = 0
    default_cell: str = ""
    code: str = ""  # "no_header" for a sheet whose table was not found
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = {
            "sheet": self.name,
            "header_row": self.header_row,
            "columns": self.columns,
            "ignored": self.ignored,
            "exempt": self.exempt,
            "rows": self.rows,
        }
        if self.code:
            data.update(code=self.code, reason=self.reason)
        return data


@dataclass
class Workbook:
    sheets: list[SheetInfo]
    rows: list[SheetRow]


def header_key(value: Any) -> str:
    text = fold(clean_text(value))
    text = re.sub(r"[\r\n]+", " ", text)
    return " ".join(re.sub(r"[^a-z0-9/,() ]", " ", text).split()).strip(" ,")


def field_for_header(value: Any) -> str | None:
    key = header_key(value)
    if not key:
        return None
    if key in HEADERS:
        return HEADERS[key]
    # "Ngày sinh (dd/mm/yyyy)", "Số CCCD (12 số)": the words before the bracket.
    bare = key.split("(", 1)[0].strip(" ,")
    if bare in HEADERS:
        return HEADERS[bare]
    bare = bare.replace(",", "").strip()
    return HEADERS.get(" ".join(bare.split()))


def open_workbook(data: bytes):
    """The openpyxl workbook (read-only), or ImportFileError with one clear message."""
    if not data:
        raise ImportFileError(_("The file is empty (0 bytes)."), code="empty")
    if data.startswith(CFB_SIGNATURE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise ImportFileError(
                _(
                    "The workbook is password-protected. Open it in Excel, remove the password "
                    "(File, Info, Protect Workbook), save it and upload it again."
                ),
                code="encrypted",
            )
        raise ImportFileError(
            _(
                "This is an old Excel 97–2003 workbook (.xls) or another old Office file. "
                "Open it in Excel and save it as an Excel Workbook (.xlsx)."
            ),
            code="xls",
        )
    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            _("This file is not an Excel workbook (.xlsx). Save the list from Excel as .xlsx."),
            code="not_xlsx",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except zipfile.BadZipFile as exc:
        raise _damaged() from exc
    if "xl/workbook.xml" not in names:
        raise ImportFileError(
            _("This file is not an Excel workbook (.xlsx). Save the list from Excel as .xlsx."),
            code="not_xlsx",
        )
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken package
        raise _damaged() from exc


def _damaged() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook cannot be read (the file is damaged or incomplete). Open it in Excel, "
            "save it again as .xlsx and upload it again."
        ),
        code="damaged",
    )


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _vertical_merges(workbook, worksheet) -> list[tuple[int, int, int]]:
    """(column, first row, last row) of the merged ranges spanning several rows; read-only
    openpyxl does not expose them, so they are read from the sheet's XML."""
    from openpyxl.utils import column_index_from_string

    path = getattr(worksheet, "_worksheet_path", None)
    if not path:
        return []
    with workbook._archive.open(path) as handle:
        xml = handle.read()
    merges = []
    for match in _MERGE.finditer(xml):
        first_col, first_row, _last_col, last_row = match.groups()
        if int(last_row) > int(first_row):
            merges.append(
                (column_index_from_string(first_col.decode()), int(first_row), int(last_row))
            )
    return merges


_ORDINAL = re.compile(r"[0-9IVXLCivxlc]+[.)]?")


def _is_numbering_row(values: list[Any]) -> bool:
    filled = [v for v in values if v not in (None, "")]
    return len(filled) >= 3 and all(
        re.fullmatch(r"\(?\d{1,2}\)?", clean_text(v) or "") for v in filled
    )


def _header_fields(values: list[Any]) -> dict[int, str]:
    return {
        index: found for index, value in enumerate(values) if (found := field_for_header(value))
    }


def read_workbook(data: bytes) -> Workbook:
    workbook = open_workbook(data)
    try:
        sheets, rows = [], []
        for worksheet in workbook.worksheets:
            if getattr(worksheet, "sheet_state", "visible") != "visible":
                # Hidden sheets mostly hold the lists behind drop-downs; say so, once.
                info = SheetInfo(name=worksheet.title, code="hidden")
                info.reason = _(
                    "This sheet is hidden in Excel and was not read. If it lists members, "
                    "unhide it (right-click a sheet tab, Unhide) and upload the workbook again."
                )
                sheets.append(info)
                continue
            info, sheet_rows = _read_sheet(workbook, worksheet)
            if info is not None:
                sheets.append(info)
                rows.extend(sheet_rows)
        return Workbook(sheets=sheets, rows=rows)
    finally:
        workbook.close()


def _read_sheet(workbook, worksheet) -> tuple[SheetInfo | None, list[SheetRow]]:
    name = worksheet.title
    info = SheetInfo(name=name, exempt=is_exempt_text(name))
    try:
        worksheet.reset_dimensions()  # some writers record a wrong size; read every row
        merges = _vertical_merges(workbook, worksheet)
    except (AttributeError, KeyError):
        merges = []
    fill: dict[int, tuple[int, int]] = {}  # column → (first row, last row) of a merge
    merge_starts = {(col, first): last for col, first, last in merges}
    carried: dict[int, Any] = {}

    columns: dict[int, str] | None = None
    titles: list[str] = []
    rows: list[SheetRow] = []
    anything = False
    section = ""
    header_index = None
    header_texts: list[str] = []
    for number, raw in enumerate(worksheet.iter_rows(values_only=True), start=1):
        values = list(raw)
        # Merged cells: the value of the top cell goes to every row of the block.
        for index in range(len(values)):
            col = index + 1
            if (col, number) in merge_starts:
                fill[col] = (number, merge_starts[(col, number)])
                carried[col] = values[index]
            elif col in fill and fill[col][0] < number <= fill[col][1]:
                if values[index] in (None, ""):
                    values[index] = carried.get(col)
            elif col in fill and number > fill[col][1]:
                del fill[col]
        for col, (first, last) in list(fill.items()):
            if col > len(values) and first < number <= last:
                values.extend([None] * (col - len(values)))
                values[col - 1] = carried.get(col)
        if not anything and any(clean_text(v) for v in values):
            anything = True
        if columns is None:
            if number > HEADER_SCAN_ROWS:
                break
            found = _header_fields(values)
            if "full_name" in found.values() and len(set(found.values()) - {"ordinal"}) >= 3:
                columns = {}
                for index, found_field in found.items():
                    if found_field not in columns.values():
                        columns[index] = found_field
                info.header_row = number
                header_index = number
                header_texts = [clean_text(v) for v in values]
                info.ignored = [
                    clean_text(v)
                    for i, v in enumerate(values)
                    if clean_text(v) and i not in columns
                ]
                continue
            text = " ".join(clean_text(v) for v in values if clean_text(v))
            if text:
                titles.append(text)
            continue
        if header_index is not None and number == header_index + 1:
            # A second header row ("Nam | Nữ" under "Ngày sinh"), or the column numbers.
            sub = _header_fields(values)
            # Every cell a header name, or the header above repeated (merged over both rows).
            all_headers = all(
                i in sub or (i < len(header_texts) and text == header_texts[i])
                for i, text in enumerate(clean_text(v) for v in values)
                if text
            )
            if sub and all_headers and not _looks_like_data(values, columns):
                for index, found_field in sub.items():
                    if columns.get(index) != found_field and found_field not in columns.values():
                        if index in columns and columns[index] != "date_of_birth":
                            continue
                        columns[index] = found_field
                continue
        if _is_numbering_row(values):
            continue
        cells = {
            columns[i]: v for i, v in enumerate(values) if i in columns and clean_text(v) != ""
        }
        cells.pop("ordinal", None)
        if not cells:
            # Nothing in the table's columns: a blank or pre-numbered row (skipped), a
            # section row naming the cell of the rows below, or something else to report.
            texts = [
                text
                for i, v in enumerate(values)
                if (text := clean_text(v))
                and not (columns.get(i) == "ordinal" and _ORDINAL.fullmatch(text))
            ]
            if len(texts) == 1 and is_section_row(texts[0]):
                section = section_cell_name(texts[0])
            elif texts:
                # Something written outside the table's columns: still a row to report.
                rows.append(_row(name, number, {}, info, section))
            continue
        if (
            len(cells) == 1
            and "full_name" in cells
            and is_section_row(clean_text(cells["full_name"]))
        ):
            section = section_cell_name(cells["full_name"])
            continue
        rows.append(_row(name, number, cells, info, section))

    if columns is None:
        if not anything:
            return None, []  # an empty sheet: nothing to say
        info.code = "no_header"
        info.reason = _(
            "No table of members was found on this sheet (no header row with a name column "
            "and at least two other known columns in its first %(n)s rows); it was skipped."
        ) % {"n": HEADER_SCAN_ROWS}
        return info, []
    info.columns = [columns[i] for i in sorted(columns) if columns[i] != "ordinal"]
    if not info.exempt and any(is_exempt_text(t) for t in titles):
        info.exempt = True
        for row in rows:
            row.exempt = True
    if "cell" not in columns.values():
        for title in titles:
            if found := title_cell_name(title):
                info.default_cell = found
                break
    info.rows = len(rows)
    return info, rows


def _looks_like_data(values: list[Any], columns: dict[int, str]) -> bool:
    for index, found_field in columns.items():
        if found_field == "full_name" and index < len(values):
            text = clean_text(values[index])
            return bool(text) and field_for_header(text) is None
    return False


def _row(sheet: str, number: int, cells: dict, info: SheetInfo, section: str) -> SheetRow:
    return SheetRow(sheet=sheet, row=number, values=cells, exempt=info.exempt, cell_hint=section)
