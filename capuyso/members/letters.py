"""The introduction letter for a transfer out of the platform (Giấy giới thiệu sinh hoạt
đảng), with its detachable receipt slip, as DOCX.

The letter is a Party form and is always printed in Vietnamese, like every document the
platform issues (see documents/layout.py); the page around it is translated as usual.
"""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from capuyso.documents.layout import FONT_NAME, PARTY_NAME, format_place_date
from capuyso.members.models import Member, Transfer

BODY = Pt(14)


def _d(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "…"


def _styles(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = document.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = BODY
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT_NAME)
    normal.paragraph_format.space_after = Pt(0)


def _line(container, text: str = "", *, bold=False, italic=False, underline=False, align=None):
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
    return paragraph


def _field(document, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(3)
    paragraph.add_run(f"{label}: ")
    paragraph.add_run(value or "…").bold = True


def _two_columns(document):
    widths = (Mm(75), Mm(90))
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    return table.rows[0].cells


def _place(committee) -> str:
    from capuyso.documents.services.outgoing import place_name

    return place_name(committee)


def _superior(committee) -> str:
    if committee.parent_id is None:
        return ""
    name = committee.parent.name.upper()
    return "ĐẢNG BỘ " + name.removeprefix("THÀNH ỦY ") if name.startswith("THÀNH ỦY ") else name


def introduction_letter(transfer: Transfer, member: Member, *, on: dt.date) -> bytes:
    """The letter for `transfer` (to an organisation outside the platform), dated `on`."""
    committee = transfer.from_committee
    issuer = (committee.executive_name or committee.name).upper()
    temporary = transfer.kind == Transfer.Kind.TEMPORARY
    document = Document()
    _styles(document)
    center = WD_ALIGN_PARAGRAPH.CENTER

    left, right = _two_columns(document)
    left.paragraphs[0].alignment = center
    left.paragraphs[0].add_run(_superior(committee))
    _line(left, issuer, bold=True, align=center)
    _line(left, "*", align=center)
    _line(left, f"Số {transfer.decision_number or '      '}", align=center)
    right.paragraphs[0].alignment = center
    run = right.paragraphs[0].add_run(PARTY_NAME)
    run.bold = run.underline = True
    date_line = _line(right, format_place_date(_place(committee), on), italic=True, align=center)
    date_line.paragraph_format.space_before = Pt(18)

    title = _line(document, "GIẤY GIỚI THIỆU SINH HOẠT ĐẢNG", bold=True, align=center)
    title.paragraph_format.space_before = Pt(18)
    _line(document, "(TẠM THỜI)" if temporary else "(CHÍNH THỨC)", bold=True, align=center)
    _line(document, "-----", align=center)
    greeting = _line(document, f"Kính gửi: {transfer.external_organisation}", align=center)
    greeting.paragraph_format.space_after = Pt(12)

    _line(document, f"{committee.executive_name or committee.name} trân trọng giới thiệu:")
    _field(document, "Đồng chí", member.full_name)
    _field(document, "Giới tính", "Nam" if member.sex == Member.Sex.MALE else "Nữ")
    _field(document, "Sinh ngày", _d(member.date_of_birth))
    _field(document, "Dân tộc", member.ethnicity)
    _field(document, "Quê quán", member.home_town)
    _field(document, "Nơi cư trú", member.residence)
    _field(document, "Số thẻ đảng viên", member.card_number)
    _field(document, "Vào Đảng ngày", _d(member.admission_date))
    if member.status == Member.Status.PROBATIONARY or not member.full_membership_date:
        _field(document, "Là đảng viên", "dự bị")
    else:
        _field(document, "Chính thức ngày", _d(member.full_membership_date))
    cell_name = transfer.from_cell.name if transfer.from_cell_id else member.cell.name
    _field(document, "Đang sinh hoạt tại", f"{cell_name}, {committee.name}")

    text = (
        f"Được chuyển sinh hoạt đảng {'tạm thời' if temporary else 'chính thức'} "
        f"đến {transfer.external_organisation}"
    )
    if temporary and transfer.until:
        text += f" đến hết ngày {_d(transfer.until)}"
    if transfer.decision_date:
        text += f" (theo quyết định ngày {_d(transfer.decision_date)})"
    paragraph = _line(document, text + ".")
    paragraph.paragraph_format.space_before = Pt(6)
    _line(
        document,
        "Đề nghị các đồng chí tiếp nhận, quản lý và giúp đỡ đồng chí đảng viên "
        "hoàn thành nhiệm vụ.",
    )
    _line(
        document,
        f"Đảng viên phải xuất trình giấy giới thiệu này với tổ chức đảng nơi đến chậm nhất "
        f"ngày {_d(transfer.deadline)}.",
        italic=True,
    )

    _line(document)
    recipients, signature = _two_columns(document)
    recipients.paragraphs[0].add_run("Nơi nhận:").bold = True
    _line(recipients, "- Như trên,")
    _line(recipients, "- Đảng viên có tên trên,")
    _line(recipients, "- Lưu hồ sơ đảng viên.")
    signature.paragraphs[0].alignment = center
    signature.paragraphs[0].add_run("T/M ĐẢNG ỦY").bold = True
    _line(signature, "BÍ THƯ", bold=True, align=center)

    cut = _line(
        document, "- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -", align=center
    )
    cut.paragraph_format.space_before = Pt(60)
    _line(document, "PHIẾU BÁO ĐÃ NHẬN GIẤY GIỚI THIỆU SINH HOẠT ĐẢNG", bold=True, align=center)
    _line(document, f"Kính gửi: {issuer}", align=center)
    _line(
        document,
        f"{transfer.external_organisation} đã nhận giấy giới thiệu sinh hoạt đảng "
        f"số {transfer.decision_number or '…'} của đồng chí {member.full_name} "
        "vào ngày …… tháng …… năm ………",
    )
    _line(document, "T/M TỔ CHỨC ĐẢNG NƠI ĐẾN", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def letter_file_name(transfer: Transfer, member: Member) -> str:
    from capuyso.core.text import fold

    slug = "-".join(fold(member.full_name).split()) or "dang-vien"
    return f"giay-gioi-thieu-sinh-hoat-dang-{slug}.docx"
