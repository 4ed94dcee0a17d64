"""Minutes as DOCX in the Party layout, and as PDF.

The DOCX uses the page, styles and building blocks of documents/layout.py (Hướng dẫn
36-HD/VPTW): the header with the party organisation's names and the Party's name with the
place and date, the title and its subject, the sections as justified paragraphs, and a
signature block with the secretary on the left and the chair on the right.

The PDF is the DOCX converted by LibreOffice (signing/convert.py) when the server has it;
otherwise WeasyPrint prints meetings/minutes_print.html, a simpler layout with the same text,
and `Rendered.via` says so, so pages can tell the user.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from capuyso.documents.layout import (
    HEADER_WIDTHS,
    PARTY_NAME,
    SIGNATURE_SPACE_LINES,
    TEXT_WIDTH,
    PartyLayout,
    _add_title,
    _borderless_table,
    _cell_paragraph,
    _paragraphs,
    _setup_page,
    _setup_styles,
    _write,
    format_place_date,
)
from capuyso.meetings.services.minutes import CONFIRMATION
from capuyso.meetings.services.minutes_prefill import SECTIONS

logger = logging.getLogger(__name__)

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII")
BODY_INDENT = Mm(12.7)
SIGNATURE_WIDTHS = (TEXT_WIDTH // 2, TEXT_WIDTH - TEXT_WIDTH // 2)
VIA_LIBREOFFICE = "libreoffice"
VIA_HTML = "html"


@dataclass(frozen=True)
class PrintedSection:
    number: str
    heading: str
    paragraphs: list[str]


@dataclass(frozen=True)
class SignatureBlock:
    title: str
    name: str
    note: str  # the platform confirmation, when signed that way


def _day(heading: dict) -> dt.date | None:
    try:
        return dt.date.fromisoformat(heading.get("date", ""))
    except ValueError:
        return None


def printed_sections(sections: dict) -> list[PrintedSection]:
    """The sections with text, numbered I, II, … in print order; the closing unnumbered."""
    content = sections.get("content") or {}
    out = []
    number = 0
    for section in SECTIONS:
        text = (content.get(section.key) or "").strip()
        if not text:
            continue
        label = ""
        if section.heading:
            label = ROMAN[number] if number < len(ROMAN) else str(number + 1)
            number += 1
        # One paragraph per line: a justified paragraph would stretch a line ended by a break.
        lines = [line for block in _paragraphs(text) for line in block.split("\n")]
        out.append(PrintedSection(label, section.heading, lines))
    return out


def _confirmation_note(entry: dict | None) -> str:
    if not entry or entry.get("method") != CONFIRMATION:
        return ""
    try:
        when = timezone.localtime(dt.datetime.fromisoformat(entry["at"]))
    except (KeyError, ValueError):
        return ""
    return f"(Đã xác nhận điện tử {when:%H:%M} ngày {when:%d/%m/%Y})"


def signature_blocks(sections: dict) -> tuple[SignatureBlock, SignatureBlock]:
    """(secretary on the left, chair on the right)."""
    heading = sections.get("heading") or {}
    signed = sections.get("signatures") or {}
    return (
        SignatureBlock(
            heading.get("secretary_title", "THƯ KÝ"),
            heading.get("secretary", ""),
            _confirmation_note(signed.get("secretary")),
        ),
        SignatureBlock(
            heading.get("chair_title", "CHỦ TRÌ"),
            heading.get("chair", ""),
            _confirmation_note(signed.get("chair")),
        ),
    )


# --- DOCX -----------------------------------------------------------------------------------


def _header(document, heading: dict) -> None:
    table = _borderless_table(document, HEADER_WIDTHS)
    left, right = table.rows[0].cells
    first = True
    if heading.get("superior"):
        _write(_cell_paragraph(left, first=True), heading["superior"].upper())
        first = False
    _write(_cell_paragraph(left, first=first), heading.get("issuer", "").upper(), bold=True)
    _write(_cell_paragraph(left, first=False), "*")
    _write(_cell_paragraph(right, first=True), PARTY_NAME, bold=True, underline=True)
    date_line = _cell_paragraph(right, first=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    date_line.paragraph_format.space_before = Pt(17)
    day = _day(heading)
    _write(
        date_line,
        format_place_date(heading.get("place", ""), day, None if day else timezone.now().year),
        italic=True,
    )


def _sections(document, sections: dict) -> None:
    for printed in printed_sections(sections):
        if printed.heading:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.space_before = Pt(12)
            paragraph.paragraph_format.space_after = Pt(3)
            paragraph.paragraph_format.keep_with_next = True
            _write(paragraph, f"{printed.number}. {printed.heading}", bold=True)
        for index, line in enumerate(printed.paragraphs):
            paragraph = document.add_paragraph()
            if not printed.heading and index == 0:
                paragraph.paragraph_format.space_before = Pt(12)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = BODY_INDENT
            paragraph.paragraph_format.space_after = Pt(3)
            _write(paragraph, line)


def _signatures(document, sections: dict) -> None:
    """Titles and the space to sign on one row, the names on the next, so the two names
    stay level whatever is written in the space."""
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_before = Pt(12)
    table = _borderless_table(document, SIGNATURE_WIDTHS)
    names = table.add_row().cells
    for cell, width in zip(names, SIGNATURE_WIDTHS, strict=True):
        cell.width = width
    blocks = signature_blocks(sections)
    for cell, name_cell, block in zip(table.rows[0].cells, names, blocks, strict=True):
        _write(_cell_paragraph(cell, first=True), block.title.upper(), bold=True)
        blanks = SIGNATURE_SPACE_LINES
        if block.note:
            _write(_cell_paragraph(cell, first=False), "")
            _write(_cell_paragraph(cell, first=False), block.note, italic=True, size=Pt(11))
            blanks -= 2
        for _ in range(blanks):
            _write(_cell_paragraph(cell, first=False), "")
        _write(_cell_paragraph(name_cell, first=True), block.name, bold=True)


def build_docx(minutes) -> bytes:
    """The minutes version as DOCX bytes (A4, Times New Roman 14 pt, Party layout)."""
    sections = minutes.sections or {}
    heading = sections.get("heading") or {}
    document = Document()
    _setup_page(document)
    _setup_styles(document)
    _header(document, heading)
    _add_title(
        document,
        PartyLayout(
            superior_name="",
            issuer_name="",
            number=None,
            type_abbreviation="BB",
            issuer_abbreviation="",
            place="",
            date=None,
            type_name=heading.get("title", "BIÊN BẢN"),
            summary=heading.get("subtitle", ""),
        ),
    )
    _sections(document, sections)
    _signatures(document, sections)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def file_name(minutes, extension: str) -> str:
    day = _day((minutes.sections or {}).get("heading") or {})
    stamp = day.isoformat() if day else "khong-ngay"
    return f"bien-ban-{stamp}-v{minutes.version}.{extension}"


# --- PDF ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    data: bytes
    via: str


def _html_pdf(minutes) -> bytes:
    from weasyprint import HTML

    sections = minutes.sections or {}
    heading = sections.get("heading") or {}
    day = _day(heading)
    html = render_to_string(
        "meetings/minutes_print.html",
        {
            "heading": heading,
            "party_name": PARTY_NAME,
            "place_date": format_place_date(
                heading.get("place", ""), day, None if day else timezone.now().year
            ),
            "sections": printed_sections(sections),
            "signatures": signature_blocks(sections),
        },
    )
    return HTML(string=html).write_pdf()


def render_pdf(minutes) -> Rendered:
    """The PDF of a minutes version: LibreOffice's conversion of the DOCX when it is
    installed and works, else the simpler HTML print (Rendered.via tells which)."""
    from capuyso.signing import convert

    if convert.available():
        try:
            return Rendered(convert.docx_to_pdf(build_docx(minutes)), VIA_LIBREOFFICE)
        except (convert.ConversionUnavailable, convert.ConversionFailed):
            logger.warning("LibreOffice failed on minutes %s; printing from HTML", minutes.pk)
    return Rendered(_html_pdf(minutes), VIA_HTML)


def pdf_is_simplified() -> bool:
    """Will PDFs come from the HTML print (no LibreOffice on this server)?"""
    from capuyso.signing import convert

    return not convert.available()
