"""The registry books (sổ đăng ký văn bản đến / đi) as XLSX and PDF files.

The columns are the ones of the legal form (rules.md §1), so their headers and the few
markers written in the rows ("Đã hủy", "Mật"…) are Vietnamese document content, not UI
text. Rows are streamed from the database (`values_list(...).iterator()`), with the
handlers, recipients and read receipts of the whole period fetched in one query each, so
an export costs a handful of queries whatever its size.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape as xml_escape

from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from capuyso.core.text import fold
from capuyso.documents.models import (
    Assignment,
    DocumentRead,
    IncomingDocument,
    OutgoingDocument,
    OutgoingRecipient,
    Registry,
)
from capuyso.documents.services.config import office_of
from capuyso.org.models import Committee, Unit

INCOMING = Registry.Kind.INCOMING
OUTGOING = Registry.Kind.OUTGOING
FORMATS = ("xlsx", "pdf")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # characters, in the spreadsheet
    kind: str = "text"  # "text", "int", "date", "datetime"


# The registry books' columns, in the order of the legal form (rules.md §1).
INCOMING_COLUMNS = (
    Column("Ngày đến", 12, "date"),
    Column("Số đến", 8, "int"),
    Column("Tác giả", 28),
    Column("Số ký hiệu", 16),
    Column("Ngày văn bản", 12, "date"),
    Column("Tên loại và trích yếu", 50),
    Column("Đơn vị/người nhận", 30),
    Column("Ngày chuyển", 12, "date"),
    Column("Ký nhận", 17, "datetime"),
    Column("Ghi chú", 30),
)
OUTGOING_COLUMNS = (
    Column("Số ký hiệu", 16),
    Column("Ngày", 12, "date"),
    Column("Tên loại và trích yếu", 55),
    Column("Người ký", 22),
    Column("Nơi nhận", 40),
    Column("Đơn vị/người nhận bản lưu", 24),
    Column("Số lượng bản", 9, "int"),
    Column("Ghi chú", 30),
)
BOOK_TITLES = {INCOMING: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", OUTGOING: "SỔ ĐĂNG KÝ VĂN BẢN ĐI"}
SECRECY_MARKS = {"mat": "Mật", "toi_mat": "Tối mật", "tuyet_mat": "Tuyệt mật"}
URGENCY_MARKS = {"khan": "Khẩn", "thuong_khan": "Thượng khẩn", "hoa_toc": "Hỏa tốc"}
ROLE_MARKS = {"lead": "chủ trì", "support": "phối hợp", "fyi": "để biết"}
CANCELLED_MARK = "Đã hủy"
REVOKED_MARK = "Đã thu hồi"
PAPER_HOLDER_MARK = "Bản giấy"


def columns_for(kind: str) -> tuple[Column, ...]:
    return INCOMING_COLUMNS if kind == INCOMING else OUTGOING_COLUMNS


def _check_kind(kind: str) -> None:
    if kind not in (INCOMING, OUTGOING):
        raise ValueError(f"unknown registry kind {kind!r}")


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in local time, for indexed range queries."""
    zone = timezone.get_current_timezone()
    low = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return low, high


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(value).date() if value is not None else None


def _local_naive(value: dt.datetime | None) -> dt.datetime | None:
    """A spreadsheet has no time zones: the Vietnam wall-clock time, to the minute."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0)


def _type_and_summary(type_name: str, summary: str) -> str:
    """ "Kế hoạch triển khai …": the summary, led by the type unless it already says it."""
    summary = " ".join((summary or "").split())
    if not summary:
        return type_name
    if fold(summary).startswith(fold(type_name)):
        return summary
    return f"{type_name} {summary}"


def _joined(parts: Iterable[str]) -> str:
    return "; ".join(part for part in parts if part)


def _registry(committee: Committee, kind: str, unit: Unit | None) -> Registry | None:
    unit = unit or office_of(committee)
    if unit.committee_id != committee.pk:
        raise ValueError("the unit belongs to another committee")
    return Registry.objects.filter(unit=unit, kind=kind).first()


# --- rows ------------------------------------------------------------------------------


def registry_rows(
    committee: Committee, kind: str, start: dt.date, end: dt.date, *, unit: Unit | None = None
) -> Iterator[tuple]:
    """The rows of one registry book over [start, end], as plain values (dates are dates).

    The book is the committee Office's by default, or the given unit's (a cell's).
    """
    _check_kind(kind)
    registry = _registry(committee, kind, unit)
    if registry is None:
        return iter(())
    if kind == INCOMING:
        return _incoming_rows(_incoming_documents(registry, start, end))
    return _outgoing_rows(_outgoing_documents(registry, start, end))


def registry_row_count(
    committee: Committee, kind: str, start: dt.date, end: dt.date, *, unit: Unit | None = None
) -> int:
    """How many rows `registry_rows` gives, in one COUNT query."""
    _check_kind(kind)
    registry = _registry(committee, kind, unit)
    if registry is None:
        return 0
    if kind == INCOMING:
        return _incoming_documents(registry, start, end).count()
    return _outgoing_documents(registry, start, end).count()


def _incoming_documents(registry: Registry, start: dt.date, end: dt.date):
    low, high = _bounds(start, end)
    return IncomingDocument.objects.filter(
        registry=registry, received_at__gte=low, received_at__lt=high
    )


def _outgoing_documents(registry: Registry, start: dt.date, end: dt.date):
    # Every number given stays in the book: issued documents and revoked ones alike.
    return OutgoingDocument.objects.filter(
        registry=registry,
        number__isnull=False,
        issue_date__gte=start,
        issue_date__lte=end,
        status__in=[OutgoingDocument.Status.ISSUED, OutgoingDocument.Status.CANCELLED],
    )


def _handlers(documents) -> dict[int, list[str]]:
    """Each document's top-level handlers, lead first: 'Chi bộ … (chủ trì)'."""
    order = Case(
        When(role=Assignment.Role.LEAD, then=Value(0)),
        When(role=Assignment.Role.SUPPORT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    assignments = (
        Assignment.objects.filter(document__in=documents, parent__isnull=True)
        .annotate(order=order)
        .order_by("document_id", "order", "created_at", "pk")
        .values_list("document_id", "role", "unit__name", "user__full_name", "user__username")
    )
    handlers: dict[int, list[str]] = {}
    for document_id, role, unit_name, full_name, username in assignments.iterator():
        person = full_name or username or ""
        label = f"{person} ({unit_name})" if person and unit_name else person or unit_name or ""
        handlers.setdefault(document_id, []).append(f"{label} ({ROLE_MARKS.get(role, role)})")
    return handlers


def _incoming_rows(documents) -> Iterator[tuple]:
    handlers = _handlers(documents.values("pk"))
    first_read = (
        DocumentRead.objects.filter(document=OuterRef("pk"))
        .order_by("first_opened_at")
        .values("first_opened_at")[:1]
    )
    rows = (
        documents.annotate(first_read=Subquery(first_read))
        .order_by("year", "arrival_number")
        .values_list(
            "pk",
            "received_at",
            "arrival_number",
            "issuer_name",
            "reference",
            "document_date",
            "doc_type__name",
            "summary",
            "channel",
            "directed_at",
            "submitted_at",
            "first_read",
            "secrecy",
            "urgency",
            "paper_holder",
            "note",
            "source_recipient__document__status",
            "source_recipient__document__cancel_reason",
        )
    )
    platform = IncomingDocument.Channel.PLATFORM
    for (
        pk,
        received_at,
        arrival_number,
        issuer_name,
        reference,
        document_date,
        type_name,
        summary,
        channel,
        directed_at,
        submitted_at,
        first_read_at,
        secrecy,
        urgency,
        paper_holder,
        note,
        source_status,
        source_reason,
    ) in rows.iterator(chunk_size=1000):
        notes = [SECRECY_MARKS.get(secrecy, ""), URGENCY_MARKS.get(urgency, "")]
        if secrecy and paper_holder:
            notes.append(f"{PAPER_HOLDER_MARK}: {paper_holder}")
        revoked = source_status == OutgoingDocument.Status.CANCELLED
        if revoked:
            notes.append(f"{REVOKED_MARK}: {source_reason}" if source_reason else REVOKED_MARK)
        if note and not (revoked and source_reason and source_reason in note):
            notes.append(note)
        yield (
            _local_date(received_at),
            arrival_number,
            issuer_name,
            reference,
            document_date,
            _type_and_summary(type_name, summary),
            _joined(handlers.get(pk, ())),
            _local_date(directed_at or submitted_at),
            # Paper deliveries are signed for by hand in the printed book; a delivery on
            # the platform shows when the receiving unit first opened it.
            _local_naive(first_read_at) if channel == platform else None,
            _joined(notes),
        )


def _recipient_names(documents) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    recipients = (
        OutgoingRecipient.objects.filter(document__in=documents)
        .order_by("document_id", "name")
        .values_list("document_id", "name")
    )
    for document_id, name in recipients.iterator():
        names.setdefault(document_id, []).append(name)
    return names


def _printed_recipients(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        line = line.strip().lstrip("-–•").strip().rstrip(";,.").strip()
        if line:
            lines.append(line)
    return lines


def _outgoing_rows(documents) -> Iterator[tuple]:
    recipients = _recipient_names(documents.filter(recipients_text="").values("pk"))
    rows = documents.order_by("issue_date", "issued_at", "pk").values_list(
        "pk",
        "reference",
        "issue_date",
        "doc_type__name",
        "summary",
        "signer__full_name",
        "signer__username",
        "recipients_text",
        "issuing_unit__name",
        "copies",
        "status",
        "cancel_reason",
        "secrecy",
        "urgency",
    )
    for (
        pk,
        reference,
        issue_date,
        type_name,
        summary,
        signer_name,
        signer_username,
        recipients_text,
        unit_name,
        copies,
        status,
        cancel_reason,
        secrecy,
        urgency,
    ) in rows.iterator(chunk_size=1000):
        notes = []
        if status == OutgoingDocument.Status.CANCELLED:
            notes.append(f"{CANCELLED_MARK}: {cancel_reason}" if cancel_reason else CANCELLED_MARK)
        notes += [SECRECY_MARKS.get(secrecy, ""), URGENCY_MARKS.get(urgency, "")]
        sent_to = _printed_recipients(recipients_text) or recipients.get(pk, [])
        yield (
            reference,
            issue_date,
            _type_and_summary(type_name, summary),
            signer_name or signer_username or "",
            _joined(sent_to),
            unit_name,
            copies,
            _joined(notes),
        )


# --- titles and names ------------------------------------------------------------------


def _owner_name(committee: Committee, unit: Unit | None) -> str:
    if unit is None or unit.kind == Unit.Kind.OFFICE:
        return (committee.executive_name or committee.name).upper()
    name = unit.name
    if unit.kind == Unit.Kind.CELL and not fold(name).startswith("chi bo"):
        name = f"Chi bộ {name}"
    return name.upper()


def _period_text(start: dt.date, end: dt.date) -> str:
    if start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31):
        return f"NĂM {start.year}"
    return f"TỪ NGÀY {start:%d/%m/%Y} ĐẾN NGÀY {end:%d/%m/%Y}"


def registry_title(
    committee: Committee, kind: str, start: dt.date, end: dt.date, *, unit: Unit | None = None
) -> str:
    """ "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM 2026 – ĐẢNG ỦY XÃ PHÚ CÁT"."""
    _check_kind(kind)
    return f"{BOOK_TITLES[kind]} {_period_text(start, end)} – {_owner_name(committee, unit)}"


def registry_filename(
    committee: Committee,
    kind: str,
    start: dt.date,
    end: dt.date,
    fmt: str,
    *,
    unit: Unit | None = None,
) -> str:
    """An ASCII file name: so-van-ban-den-2026-dang-uy-xa-phu-cat.xlsx."""
    book = "so-van-ban-den" if kind == INCOMING else "so-van-ban-di"
    if start == dt.date(start.year, 1, 1) and end == dt.date(start.year, 12, 31):
        period = str(start.year)
    else:
        period = f"{start:%Y%m%d}-{end:%Y%m%d}"
    owner = slugify(fold(_owner_name(committee, unit))) or "so"
    return f"{book}-{period}-{owner}.{fmt}"


# --- XLSX ------------------------------------------------------------------------------


# The workbook is written directly as SpreadsheetML (ECMA-376, one sheet, inline strings):
# 5,000 rows take about 0.3 s this way, where openpyxl's write-only mode took 2–5 s on the
# same machine (its per-cell objects and style hashing). The tests read the files back
# with openpyxl.

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = dt.date(1899, 12, 30)  # day 0 of spreadsheet dates
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OOXML = "http://schemas.openxmlformats.org"
_MAIN_NS = f"{_OOXML}/spreadsheetml/2006/main"
_DOC_REL = f"{_OOXML}/officeDocument/2006/relationships"
_PKG_REL = f"{_OOXML}/package/2006/relationships"
_SHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_SHEET_NAME = "Sổ đăng ký"

# Cell formats (cellXfs) by index: 0 is the default, then these.
_STYLE = {"title": 1, "header": 2, "text": 3, "int": 4, "date": 5, "datetime": 6}


def _relationships(*targets: tuple[str, str]) -> str:
    items = "".join(
        f'<Relationship Id="rId{number}" Type="{kind}" Target="{target}"/>'
        for number, (kind, target) in enumerate(targets, start=1)
    )
    return f'{_DECLARATION}<Relationships xmlns="{_PKG_REL}">{items}</Relationships>'


_CONTENT_TYPES = (
    f'{_DECLARATION}<Types xmlns="{_OOXML}/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEETML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_SHEETML}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_SHEETML}.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = _relationships(
    (f"{_DOC_REL}/officeDocument", "xl/workbook.xml"),
    (f"{_PKG_REL}/metadata/core-properties", "docProps/core.xml"),
)
_WORKBOOK_RELS = _relationships(
    (f"{_DOC_REL}/worksheet", "worksheets/sheet1.xml"), (f"{_DOC_REL}/styles", "styles.xml")
)


def _font(size: int, *, bold: bool = False) -> str:
    weight = "<b/>" if bold else ""
    return f'<font>{weight}<sz val="{size}"/><name val="Times New Roman"/><family val="1"/></font>'


def _xf(number_format: int, font: int, fill: int, border: int, alignment: str = "") -> str:
    applied = ' applyNumberFormat="1"' if number_format else ""
    applied += ' applyFont="1"' if font else ""
    applied += ' applyFill="1"' if fill else ""
    applied += ' applyBorder="1"' if border else ""
    ids = f'numFmtId="{number_format}" fontId="{font}" fillId="{fill}" borderId="{border}"'
    if not alignment:
        return f'<xf {ids} xfId="0"{applied}/>'
    return f'<xf {ids} xfId="0"{applied} applyAlignment="1"><alignment {alignment}/></xf>'


_THIN = "".join(
    f'<{side} style="thin"><color rgb="FF000000"/></{side}>'
    for side in ("left", "right", "top", "bottom")
)
_TOP_CENTRE = 'horizontal="center" vertical="top"'
_STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
    f'<fonts count="3">{_font(12)}{_font(12, bold=True)}{_font(14, bold=True)}</fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFEFEFEC"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    f"<border>{_THIN}<diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7">'
    + _xf(0, 0, 0, 0)
    + _xf(0, 2, 0, 0)  # title
    + _xf(0, 1, 2, 1, 'horizontal="center" vertical="center" wrapText="1"')  # header
    + _xf(0, 0, 0, 1, 'vertical="top" wrapText="1"')  # text
    + _xf(1, 0, 0, 1, _TOP_CENTRE)  # whole number
    + _xf(164, 0, 0, 1, _TOP_CENTRE)  # date
    + _xf(165, 0, 0, 1, f'{_TOP_CENTRE} wrapText="1"')  # date and time
    + "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _xml_text(value: str) -> str:
    return xml_escape(_XML_ILLEGAL.sub("", value))


def _column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _xlsx_cell(reference: str, value, style: int) -> str:
    if value is None or value == "":
        return f'<c r="{reference}" s="{style}"/>'
    if isinstance(value, dt.datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        serial = (value.date() - _EPOCH).days + seconds / 86400
        return f'<c r="{reference}" s="{style}"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        serial = (value - _EPOCH).days
        return f'<c r="{reference}" s="{style}"><v>{serial}</v></c>'
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        return f'<c r="{reference}" s="{style}"><v>{value}</v></c>'
    return (
        f'<c r="{reference}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
        f"{_xml_text(str(value))}</t></is></c>"
    )


def _write_xlsx(
    title: str, columns: tuple[Column, ...], rows: Iterable[tuple]
) -> tuple[bytes, int]:
    """One sheet: the title in A1, the header on row 3 (frozen, printed on every page),
    then the rows; A4 landscape, fitted to the page width."""
    letters = [_column_letter(index) for index in range(1, len(columns) + 1)]
    styles = [_STYLE[column.kind] for column in columns]
    last = letters[-1]
    body: list[str] = [
        f'<row r="1" ht="21" customHeight="1">{_xlsx_cell("A1", title, _STYLE["title"])}</row>',
        '<row r="3">'
        + "".join(
            _xlsx_cell(f"{letter}3", column.title, _STYLE["header"])
            for letter, column in zip(letters, columns, strict=True)
        )
        + "</row>",
    ]
    number = 3
    for row in rows:
        number += 1
        cells = "".join(
            _xlsx_cell(f"{letter}{number}", value, style)
            for letter, style, value in zip(letters, styles, row, strict=True)
        )
        body.append(f'<row r="{number}">{cells}</row>')
    widths = "".join(
        f'<col min="{index}" max="{index}" width="{column.width}" customWidth="1"/>'
        for index, column in enumerate(columns, start=1)
    )
    sheet = (
        f'{_DECLARATION}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_DOC_REL}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{last}{number}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="3" topLeftCell="A4" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A4" sqref="A4"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15.75"/>'
        f"<cols>{widths}</cols>"
        f"<sheetData>{''.join(body)}</sheetData>"
        '<printOptions horizontalCentered="1"/>'
        '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        "</worksheet>"
    )
    workbook = (
        f'{_DECLARATION}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_DOC_REL}">'
        "<bookViews><workbookView/></bookViews>"
        f'<sheets><sheet name="{_SHEET_NAME}" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'
        f"'{_SHEET_NAME}'!$3:$3</definedName></definedNames>"
        "</workbook>"
    )
    now = timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    core = (
        f'{_DECLARATION}<cp:coreProperties xmlns:cp="{_OOXML}/package/2006/metadata/'
        'core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_xml_text(title)}</dc:title><dc:creator>Cấp ủy số</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        "</cp:coreProperties>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("docProps/core.xml", core)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue(), number - 3


def export_registry_xlsx(
    committee: Committee, kind: str, start: dt.date, end: dt.date, *, unit: Unit | None = None
) -> bytes:
    return export_registry(committee, kind, start, end, unit=unit, fmt="xlsx").content


# --- PDF -------------------------------------------------------------------------------


def _shown(column: Column, value) -> str:
    if value is None:
        return ""
    if column.kind == "date":
        return value.strftime("%d/%m/%Y")
    if column.kind == "datetime":
        return value.strftime("%H:%M %d/%m/%Y")
    return str(value)


def _write_pdf(
    title: str, columns: tuple[Column, ...], rows: Iterable[tuple], generated: dt.datetime
) -> tuple[bytes, int]:
    from weasyprint import HTML

    shown = [[(c.kind, _shown(c, v)) for c, v in zip(columns, row, strict=True)] for row in rows]
    html = render_to_string(
        "documents/registry_pdf.html",
        {
            "title": title,
            "columns": columns,
            "rows": shown,
            "generated": timezone.localtime(generated).strftime("%H:%M %d/%m/%Y"),
        },
    )
    return HTML(string=html).write_pdf(), len(shown)


def export_registry_pdf(
    committee: Committee, kind: str, start: dt.date, end: dt.date, *, unit: Unit | None = None
) -> bytes:
    return export_registry(committee, kind, start, end, unit=unit, fmt="pdf").content


# --- both ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistryExport:
    content: bytes
    rows: int
    filename: str
    content_type: str
    title: str


def export_registry(
    committee: Committee,
    kind: str,
    start: dt.date,
    end: dt.date,
    *,
    unit: Unit | None = None,
    fmt: str = "xlsx",
) -> RegistryExport:
    """The book over [start, end] as a file, with its row count and an ASCII file name."""
    _check_kind(kind)
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    if end < start:
        raise ValueError("the period ends before it starts")
    title = registry_title(committee, kind, start, end, unit=unit)
    rows = registry_rows(committee, kind, start, end, unit=unit)
    columns = columns_for(kind)
    if fmt == "xlsx":
        content, count = _write_xlsx(title, columns, rows)
        content_type = XLSX_TYPE
    else:
        content, count = _write_pdf(title, columns, rows, timezone.now())
        content_type = PDF_TYPE
    return RegistryExport(
        content=content,
        rows=count,
        filename=registry_filename(committee, kind, start, end, fmt, unit=unit),
        content_type=content_type,
        title=title,
    )
