"""Party documents as DOCX in the layout of Hướng dẫn 36-HD/VPTW (rules.md §1).

A pure module: it knows nothing about models. Services fill a `PartyLayout`
and call `render_docx`; the formatting helpers are shared with the registry
views so a reference or a date is written the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

FONT_NAME = "Times New Roman"
BODY_SIZE = Pt(14)
SMALL_SIZE = Pt(12)  # "V/v …" line and recipient lines
TYPE_NAME_SIZE = Pt(15)

PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
MARGIN_TOP = Mm(20)
MARGIN_BOTTOM = Mm(20)
MARGIN_LEFT = Mm(30)
MARGIN_RIGHT = Mm(15)
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT  # 165 mm

# The header's left column holds the issuer and the number, the right one the
# Party's name and the date; the footer splits recipients and signature.
HEADER_WIDTHS = (Mm(72), TEXT_WIDTH - Mm(72))
FOOTER_WIDTHS = (Mm(80), TEXT_WIDTH - Mm(80))

PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"
DEPUTY_LINE = "K/T BÍ THƯ"
SUMMARY_RULE = "-----"  # five hyphens under the summary (Hướng dẫn 36-HD/VPTW)
RECIPIENTS_LABEL = "Nơi nhận:"
DEFAULT_ARCHIVE_LINE = "- Lưu Văn phòng Đảng ủy."
SIGNATURE_SPACE_LINES = 4

# Blank space left for the number of a document not yet numbered ("Số      -NQ/ĐU").
NUMBER_PLACEHOLDER = " " * 5
# Blank space left for the day and the month of a document not yet dated.
DAY_MONTH_PLACEHOLDER = " " * 4


@dataclass(frozen=True, kw_only=True)
class PartyLayout:
    """Everything printed on a Party document, already in its final wording."""

    superior_name: str
    issuer_name: str
    number: int | None
    type_abbreviation: str
    issuer_abbreviation: str
    place: str
    date: dt.date | None
    year: int | None = None  # printed when `date` is None; defaults to date.year
    type_name: str = ""  # empty for a Công văn
    summary: str = ""
    is_official_letter: bool = False
    body: str = ""
    signature_capacity: str = ""
    deputy_signing: bool = False
    signer_title: str = ""
    signer_name: str = ""
    recipients: Sequence[str] = ()
    archive_line: str = DEFAULT_ARCHIVE_LINE


def format_reference(number: int | None, type_abbreviation: str, issuer_abbreviation: str) -> str:
    """`09-KH/ĐU`: numbers below 10 written 01–09; None leaves a blank for the number."""
    if number is None:
        shown = NUMBER_PLACEHOLDER
    elif number < 0:
        raise ValueError("a document number cannot be negative")
    else:
        shown = f"{number:02d}"
    return f"{shown}-{type_abbreviation}/{issuer_abbreviation}"


def _month_text(month: int) -> str:
    # Leading zeros only for January and February (rules.md §1): "tháng 01", "tháng 3".
    return f"{month:02d}" if month <= 2 else str(month)


def format_place_date(place: str, date: dt.date | None, year: int | None = None) -> str:
    """`Phú Cát, ngày 05 tháng 01 năm 2026`; without a date, blanks for day and month."""
    if date is not None:
        when = f"ngày {date.day:02d} tháng {_month_text(date.month)} năm {date.year}"
    elif year is not None:
        gap = DAY_MONTH_PLACEHOLDER
        when = f"ngày{gap}tháng{gap}năm {year}"
    else:
        raise ValueError("a document needs a date or at least a year")
    place = place.strip()
    return f"{place}, {when}" if place else when


def render_docx(layout: PartyLayout) -> bytes:
    """The document as DOCX bytes (A4, Times New Roman, 14 pt body)."""
    document = Document()
    _setup_page(document)
    _setup_styles(document)
    _add_header(document, layout)
    _add_title(document, layout)
    _add_body(document, layout.body)
    _add_footer(document, layout)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- page and styles ---------------------------------------------------------


def _setup_page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = PAGE_WIDTH
    section.page_height = PAGE_HEIGHT
    section.top_margin = MARGIN_TOP
    section.bottom_margin = MARGIN_BOTTOM
    section.left_margin = MARGIN_LEFT
    section.right_margin = MARGIN_RIGHT


def _setup_styles(document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = BODY_SIZE
    # `font.name` sets only the ASCII and high-ANSI slots; set the others too so
    # Word never falls back to a theme font for any character range.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT_NAME)
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE


# --- building blocks ---------------------------------------------------------


def _write(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    size: Pt = BODY_SIZE,
) -> None:
    """Append `text` to `paragraph`; newlines inside it become line breaks."""
    for index, line in enumerate(text.split("\n")):
        run = paragraph.add_run()
        if index:
            run.add_break()
        run.add_text(line)
        run.bold = bold
        run.italic = italic
        run.underline = underline
        run.font.size = size


def _cell_paragraph(cell: _Cell, *, first: bool, align=WD_ALIGN_PARAGRAPH.CENTER) -> Paragraph:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = align
    return paragraph


def _borderless_table(document, widths: Sequence[int]) -> Table:
    table = document.add_table(rows=1, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid, read by LibreOffice
        for cell in column.cells:
            cell.width = width  # the cell, read by Word
    return table


def _add_header(document, layout: PartyLayout) -> None:
    table = _borderless_table(document, HEADER_WIDTHS)
    left, right = table.rows[0].cells

    _write(_cell_paragraph(left, first=True), layout.superior_name.upper())
    _write(_cell_paragraph(left, first=False), layout.issuer_name.upper(), bold=True)
    _write(_cell_paragraph(left, first=False), "*")
    reference = format_reference(
        layout.number, layout.type_abbreviation, layout.issuer_abbreviation
    )
    _write(_cell_paragraph(left, first=False), f"Số {reference}")
    if layout.is_official_letter and layout.summary.strip():
        _write(
            _cell_paragraph(left, first=False),
            f"V/v {_one_line(layout.summary)}",
            italic=True,
            size=SMALL_SIZE,
        )

    _write(_cell_paragraph(right, first=True), PARTY_NAME, bold=True, underline=True)
    date_line = _cell_paragraph(right, first=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    # Two lines lower, so the date sits level with the number on the left.
    date_line.paragraph_format.space_before = Pt(34)
    _write(date_line, format_place_date(layout.place, layout.date, layout.year), italic=True)


def _add_title(document, layout: PartyLayout) -> None:
    if layout.is_official_letter:
        return  # a Công văn carries its summary under the number instead
    if layout.type_name.strip():
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_before = Pt(18)
        _write(title, layout.type_name.strip().upper(), bold=True, size=TYPE_NAME_SIZE)
    if layout.summary.strip():
        summary = document.add_paragraph()
        summary.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _write(summary, layout.summary.strip(), bold=True)
    if layout.type_name.strip() or layout.summary.strip():
        rule = document.add_paragraph()
        rule.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _write(rule, SUMMARY_RULE)


def _add_body(document, body: str) -> None:
    for index, block in enumerate(_paragraphs(body)):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt = paragraph.paragraph_format
        fmt.first_line_indent = Mm(12.7)
        fmt.space_after = Pt(6)
        if index == 0:
            fmt.space_before = Pt(12)
        _write(paragraph, block)


def _add_footer(document, layout: PartyLayout) -> None:
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_before = Pt(6)
    table = _borderless_table(document, FOOTER_WIDTHS)
    left, right = table.rows[0].cells

    label = _cell_paragraph(left, first=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    _write(label, RECIPIENTS_LABEL, bold=True, underline=True)
    for line in recipient_lines(layout.recipients, layout.archive_line):
        _write(
            _cell_paragraph(left, first=False, align=WD_ALIGN_PARAGRAPH.LEFT), line, size=SMALL_SIZE
        )

    lines: list[tuple[str, bool]] = []
    if layout.signature_capacity.strip():
        lines.append((layout.signature_capacity.strip().upper(), True))
    if layout.deputy_signing:
        lines.append((DEPUTY_LINE, True))
    title = layout.signer_title.strip() or ("PHÓ BÍ THƯ" if layout.deputy_signing else "BÍ THƯ")
    lines.append((title.upper(), True))
    lines.extend(("", False) for _ in range(SIGNATURE_SPACE_LINES))
    if layout.signer_name.strip():
        lines.append((layout.signer_name.strip(), True))
    for index, (text, bold) in enumerate(lines):
        _write(_cell_paragraph(right, first=index == 0), text, bold=bold)


# --- text helpers -------------------------------------------------------------

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _paragraphs(body: str) -> list[str]:
    """Body paragraphs: blocks separated by blank lines, trimmed line by line."""
    blocks = []
    for block in _BLANK_LINE.split(body.replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if lines:
            blocks.append("\n".join(lines))
    return blocks


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _recipient_key(line: str) -> str:
    return " ".join(line.strip().lstrip("-–• ").rstrip(".,;").split()).casefold()


def recipient_lines(
    recipients: Sequence[str], archive_line: str = DEFAULT_ARCHIVE_LINE
) -> list[str]:
    """Each recipient as `- Name,`, ending with the archive line exactly once."""
    archive_key = _recipient_key(archive_line)
    lines = []
    for recipient in recipients:
        name = " ".join(recipient.strip().lstrip("-–• ").rstrip(".,;").split())
        if name and _recipient_key(name) != archive_key:
            lines.append(f"- {name},")
    if archive_line.strip():
        lines.append(archive_line.strip())
    return lines
