"""The badge proposal list (danh sách đề nghị tặng Huy hiệu Đảng) as DOCX and XLSX.

The DOCX follows the Party document layout of capuyso.documents.layout (A4, Times New Roman,
the superior and issuing committee on the left, the Party's name and the place and date on
the right), then the title and one table per list. Like the registry books
(capuyso.documents.exports), the headings and columns are Vietnamese document content,
not UI text.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from capuyso.documents import layout
from capuyso.documents.services.outgoing import place_name
from capuyso.members.models import DatePrecision
from capuyso.members.services.badges import (
    EARLY_ILLNESS,
    POSTHUMOUS,
    REGULAR,
    BadgeCandidates,
    Candidate,
)
from capuyso.members.services.file import display_date

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("docx", "xlsx")
CHECK = "check"
LISTS = (REGULAR, POSTHUMOUS, EARLY_ILLNESS, CHECK)
DEFAULT_LISTS = (REGULAR, POSTHUMOUS)

COLUMNS = (
    ("STT", 10),
    ("Họ và tên", 42),
    ("Năm sinh", 15),
    ("Chi bộ", 40),
    ("Ngày vào Đảng", 22),
    ("Tuổi đảng", 20),
    ("Huy hiệu", 16),
)
SECTION_TITLES = {
    REGULAR: "Đảng viên đủ tuổi đảng",
    POSTHUMOUS: "Đảng viên đã từ trần đề nghị truy tặng",
    EARLY_ILLNESS: "Đảng viên ốm nặng đề nghị tặng sớm",
    CHECK: "Đảng viên cần kiểm tra lại ngày vào Đảng",
}
ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Export:
    content: bytes
    content_type: str
    filename: str
    rows: int


def party_age_text(candidate: Candidate) -> str:
    age = candidate.party_age
    low, high = age.years_range
    if age.uncertain:
        return f"{high} năm" if low == high else f"{low}–{high} năm"
    text = f"{age.years} năm"
    if age.months:
        text += f" {age.months} tháng"
    return text


def row_values(number: int, candidate: Candidate) -> list[str]:
    badge = f"{candidate.milestone} năm"
    return [
        str(number),
        candidate.full_name,
        str(candidate.date_of_birth.year),
        candidate.cell_name,
        display_date(candidate.admission_date, candidate.admission_precision),
        party_age_text(candidate),
        badge,
    ]


def _sections(result: BadgeCandidates, lists) -> list[tuple[str, list[Candidate]]]:
    chosen = result.lists()
    return [(name, chosen[name]) for name in LISTS if name in lists]


def _title(award_date: dt.date) -> str:
    return f"đề nghị tặng Huy hiệu Đảng đợt {award_date.day}/{award_date.month}/{award_date.year}"


def _filename(award_date: dt.date, suffix: str) -> str:
    return f"huy-hieu-dang-{award_date:%Y-%m-%d}.{suffix}"


def export_docx(
    result: BadgeCandidates, *, committee, lists=DEFAULT_LISTS, today: dt.date
) -> Export:
    document = Document()
    layout._setup_page(document)
    layout._setup_styles(document)
    _docx_header(document, committee, today)
    for text in ("DANH SÁCH", _title(result.award_date)):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if text == "DANH SÁCH":
            paragraph.paragraph_format.space_before = Pt(18)
        layout._write(
            paragraph,
            text,
            bold=True,
            size=layout.TYPE_NAME_SIZE if text == "DANH SÁCH" else layout.BODY_SIZE,
        )
    rule = document.add_paragraph()
    rule.alignment = WD_ALIGN_PARAGRAPH.CENTER
    layout._write(rule, layout.SUMMARY_RULE)
    rows = 0
    for index, (name, candidates) in enumerate(_sections(result, lists)):
        heading = document.add_paragraph()
        heading.paragraph_format.space_before = Pt(12)
        heading.paragraph_format.space_after = Pt(6)
        layout._write(
            heading, f"{ROMAN[index]}. {SECTION_TITLES[name]} ({len(candidates)})", bold=True
        )
        _docx_table(document, candidates)
        rows += len(candidates)
    buffer = io.BytesIO()
    document.save(buffer)
    return Export(buffer.getvalue(), DOCX_TYPE, _filename(result.award_date, "docx"), rows)


def _docx_header(document, committee, today: dt.date) -> None:
    superior = committee.parent.name.upper() if committee.parent_id else ""
    if superior.startswith("THÀNH ỦY "):
        superior = "ĐẢNG BỘ " + superior.removeprefix("THÀNH ỦY ")
    table = layout._borderless_table(document, layout.HEADER_WIDTHS)
    left, right = table.rows[0].cells
    layout._write(layout._cell_paragraph(left, first=True), superior)
    issuer = (committee.executive_name or committee.name).upper()
    layout._write(layout._cell_paragraph(left, first=False), issuer, bold=True)
    layout._write(layout._cell_paragraph(left, first=False), "*")
    layout._write(
        layout._cell_paragraph(right, first=True), layout.PARTY_NAME, bold=True, underline=True
    )
    date_line = layout._cell_paragraph(right, first=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    date_line.paragraph_format.space_before = Pt(12)
    layout._write(date_line, layout.format_place_date(place_name(committee), today), italic=True)


def _docx_table(document, candidates: list[Candidate]) -> None:
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    size = Pt(12)
    for cell, (title, width) in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.width = Mm(width)
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        layout._write(paragraph, title, bold=True, size=size)
    for number, candidate in enumerate(candidates, start=1):
        cells = table.add_row().cells
        for column, (cell, value) in enumerate(
            zip(cells, row_values(number, candidate), strict=True)
        ):
            cell.width = Mm(COLUMNS[column][1])
            paragraph = cell.paragraphs[0]
            if column in (0, 2, 4, 6):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            layout._write(paragraph, value, size=size)
    if not candidates:
        cell = table.add_row().cells[0].merge(table.rows[-1].cells[-1])
        layout._write(cell.paragraphs[0], "Không có đảng viên nào.", italic=True, size=size)


def export_xlsx(result: BadgeCandidates, *, committee, lists=DEFAULT_LISTS) -> Export:
    workbook = Workbook()
    workbook.remove(workbook.active)
    rows = 0
    for index, (name, candidates) in enumerate(_sections(result, lists)):
        sheet = workbook.create_sheet(f"{ROMAN[index]}. {SECTION_TITLES[name]}"[:31])
        sheet.append([f"{(committee.executive_name or committee.name).upper()}"])
        sheet.append([f"Danh sách {_title(result.award_date)}: {SECTION_TITLES[name].lower()}"])
        sheet["A1"].font = Font(bold=True)
        sheet["A2"].font = Font(bold=True)
        sheet.append([title for title, _width in COLUMNS])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for number, candidate in enumerate(candidates, start=1):
            values = row_values(number, candidate)
            values[0] = number
            values[2] = candidate.date_of_birth.year
            if candidate.admission_precision == DatePrecision.DAY:
                values[4] = candidate.admission_date
            sheet.append(values)
            if candidate.admission_precision == DatePrecision.DAY:
                sheet.cell(row=sheet.max_row, column=5).number_format = "DD/MM/YYYY"
        for letter, (_title_text, width) in zip("ABCDEFG", COLUMNS, strict=True):
            sheet.column_dimensions[letter].width = width * 0.6
        sheet.freeze_panes = "A4"
        rows += len(candidates)
    if not workbook.sheetnames:
        workbook.create_sheet("Danh sách")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Export(buffer.getvalue(), XLSX_TYPE, _filename(result.award_date, "xlsx"), rows)
