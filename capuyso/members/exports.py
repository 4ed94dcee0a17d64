"""The member list as files: XLSX and PDF of the filtered list, and the card data as CSV.

`listed_members(user, GET)` gives the members exactly as the list page shows them for
the same query (its parsing and filters, its scope, its order); the API list uses it too.

These files are Vietnamese papers handed on and filed, so their titles, column headers
and the words written in their cells are Vietnamese document content, not UI text (as
the registry books in `capuyso.documents.exports`); the labels come from the maps below,
checked in the tests against the models' choices so none is missing.

Rows are read with one `values_list(...).iterator()` query. Dates are dd/mm/yyyy; a date
known only to the year (or month) is written as that much text ("1970", "03/1970"),
never as an invented 1 January.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.core.text import fold
from capuyso.members.models import DatePrecision, Member
from capuyso.members.selectors import (
    AGE_BANDS,
    PARTY_AGE_BANDS,
    STATUS_ALL,
    MemberFilters,
    filter_members,
    members_for_user,
)
from capuyso.org.models import Unit
from capuyso.org.selectors import get_unit_for_user

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
CSV_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"  # Excel opens a UTF-8 CSV as UTF-8 only when it starts with the BOM


def pdf_max_rows() -> int:
    """Members a PDF holds when made while the user waits. WeasyPrint lays out some 150
    table rows a second on a small server (1,000 rows: ~7 s on two shared cores); a
    cell's list is far below, a whole commune is refused with a pointer to the XLSX."""
    return getattr(settings, "MEMBERS_EXPORT_PDF_MAX_ROWS", 1000)


# --- What the list shows --------------------------------------------------------------

LIST_ORDER = ("full_name_folded", "pk")  # the list page's order


@dataclass
class ListedMembers:
    members: QuerySet[Member]
    filters: MemberFilters
    cell: Unit | None


def listed_members(user, query, *, action: str = Action.MEMBERS_VIEW) -> ListedMembers:
    """The members the list page shows for `query` (its GET parameters, parsed by the
    list's own `MemberFilters.from_query`), within the user's `action` scope, in the
    list's order. 404 for a `cell` of another committee (before any permission question),
    403 for a cell outside the scope or a user without `action` anywhere."""
    filters = MemberFilters.from_query(query)
    cell = None
    if filters.cell:
        cell = get_unit_for_user(user, filters.cell, action=action)
    if not access_for(user).has(action):
        raise PermissionDenied
    scoped = members_for_user(user, action=action, cell=cell)
    members = filter_members(scoped, filters).order_by(*LIST_ORDER)
    return ListedMembers(members=members, filters=filters, cell=cell)


# --- Vietnamese labels -----------------------------------------------------------------

SEX_LABELS = {Member.Sex.MALE: "Nam", Member.Sex.FEMALE: "Nữ"}
STATUS_LABELS = {
    Member.Status.PROBATIONARY: "Dự bị",
    Member.Status.FULL: "Chính thức",
    Member.Status.EXEMPT: "Miễn sinh hoạt",
    Member.Status.TRANSFERRED_OUT: "Đã chuyển sinh hoạt đi",
    Member.Status.STRUCK_OFF: "Đã xóa tên",
    Member.Status.EXPELLED: "Đã khai trừ",
    Member.Status.DECEASED: "Đã từ trần",
}
EDUCATION_LABELS = {
    Member.GeneralEducation.PRIMARY: "Tiểu học",
    Member.GeneralEducation.LOWER_SECONDARY: "Trung học cơ sở",
    Member.GeneralEducation.UPPER_SECONDARY: "Trung học phổ thông",
}
QUALIFICATION_LABELS = {
    Member.Qualification.NONE: "Chưa qua đào tạo",
    Member.Qualification.ELEMENTARY: "Sơ cấp",
    Member.Qualification.INTERMEDIATE: "Trung cấp",
    Member.Qualification.COLLEGE: "Cao đẳng",
    Member.Qualification.UNIVERSITY: "Đại học",
    Member.Qualification.MASTER: "Thạc sĩ",
    Member.Qualification.DOCTORATE: "Tiến sĩ",
}
THEORY_LABELS = {
    Member.Theory.NONE: "Chưa qua đào tạo",
    Member.Theory.ELEMENTARY: "Sơ cấp",
    Member.Theory.INTERMEDIATE: "Trung cấp",
    Member.Theory.ADVANCED: "Cao cấp",
    Member.Theory.BACHELOR: "Cử nhân",
}
ACTIVE_LABEL = "Đảng viên hiện có (dự bị, chính thức, miễn sinh hoạt)"


def _label(labels: dict, value: str) -> str:
    return labels.get(value, value)


def _band_text(band: tuple, unit: str) -> str:
    """(30, 46) -> 'từ 30 đến 45 tuổi': the bands are [at least, less than) completed years."""
    low, high = band[0], band[1]
    if low is None:
        return f"dưới {high} {unit}"
    if high is None:
        return f"từ {low} {unit} trở lên"
    return f"từ {low} đến {high - 1} {unit}"


def describe_filters(filters: MemberFilters, *, scope: str = "") -> str:
    """The list's filters as one Vietnamese line for the title row and the page header:
    'Chi bộ thôn Đồng Cát; Trạng thái: Chính thức; Tìm: “an”'."""
    parts = [scope] if scope else []
    if filters.status == STATUS_ALL:
        parts.append("Mọi hồ sơ (kể cả đã chuyển đi, đã xóa tên, khai trừ, từ trần)")
    elif filters.status:
        parts.append(f"Trạng thái: {_label(STATUS_LABELS, filters.status)}")
    else:
        parts.append(ACTIVE_LABEL)
    if filters.age in AGE_BANDS:
        parts.append(f"Tuổi đời: {_band_text(AGE_BANDS[filters.age], 'tuổi')}")
    if filters.party_age in PARTY_AGE_BANDS:
        parts.append(f"Tuổi đảng: {_band_text(PARTY_AGE_BANDS[filters.party_age], 'năm')}")
    if filters.sex:
        parts.append(f"Giới tính: {_label(SEX_LABELS, filters.sex)}")
    if filters.education:
        parts.append(f"Giáo dục phổ thông: {_label(EDUCATION_LABELS, filters.education)}")
    if filters.qualification:
        label = _label(QUALIFICATION_LABELS, filters.qualification)
        parts.append(f"Chuyên môn, nghiệp vụ: {label}")
    if filters.theory:
        parts.append(f"Lý luận chính trị: {_label(THEORY_LABELS, filters.theory)}")
    if filters.q:
        parts.append(f"Tìm: “{filters.q}”")
    return "; ".join(parts)


# --- Rows ------------------------------------------------------------------------------


def shown_date(value: dt.date | None, precision: str = DatePrecision.DAY) -> str:
    """dd/mm/yyyy, or mm/yyyy or yyyy when only that much is known; '' for none."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year}"
    if precision == DatePrecision.MONTH:
        return f"{value:%m/%Y}"
    return f"{value:%d/%m/%Y}"


def _cell_date(value: dt.date | None, precision: str) -> dt.date | str | None:
    """A spreadsheet value: a real date when the day is known, else the text of what is."""
    if value is None:
        return None
    if precision == DatePrecision.DAY:
        return value
    return shown_date(value, precision)


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # characters in the spreadsheet; relative width in the PDF
    kind: str = "text"  # "text", "int", "date"


LIST_COLUMNS = (
    Column("STT", 6, "int"),
    Column("Họ và tên", 26),
    Column("Giới tính", 9),
    Column("Ngày sinh", 12, "date"),
    Column("Chi bộ", 28),
    Column("Số thẻ đảng viên", 14),
    Column("Ngày vào Đảng", 13, "date"),
    Column("Ngày chính thức", 13, "date"),
    Column("Trạng thái", 16),
    Column("Điện thoại", 13),
)
CARD_COLUMNS = (
    "Số thẻ đảng viên",
    "Họ và tên",
    "Ngày sinh",
    "Ngày vào Đảng",
    "Ngày chính thức",
    "Chi bộ",
    "Số CCCD",
)

_LIST_FIELDS = (
    "full_name",
    "sex",
    "date_of_birth",
    "date_of_birth_precision",
    "cell__name",
    "card_number",
    "admission_date",
    "admission_date_precision",
    "full_membership_date",
    "full_membership_date_precision",
    "status",
    "phone",
)
_CARD_FIELDS = (
    "card_number",
    "full_name",
    "date_of_birth",
    "date_of_birth_precision",
    "admission_date",
    "admission_date_precision",
    "full_membership_date",
    "full_membership_date_precision",
    "cell__name",
    "citizen_id",
)
CHUNK = 2000


def list_rows(members) -> Iterator[tuple]:
    """One tuple a member, in LIST_COLUMNS order; dates as `_cell_date` gives them."""
    rows = members.values_list(*_LIST_FIELDS).iterator(chunk_size=CHUNK)
    for number, (
        name,
        sex,
        born,
        born_precision,
        cell,
        card,
        admitted,
        admitted_precision,
        full,
        full_precision,
        status,
        phone,
    ) in enumerate(rows, start=1):
        yield (
            number,
            name,
            _label(SEX_LABELS, sex),
            _cell_date(born, born_precision),
            cell,
            card,
            _cell_date(admitted, admitted_precision),
            _cell_date(full, full_precision),
            _label(STATUS_LABELS, status),
            phone,
        )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Text a spreadsheet will not run as a formula: a leading = + - @ gets an apostrophe."""
    return f"'{text}" if text and text.startswith(_FORMULA_START) else text


def card_rows(members) -> Iterator[tuple[str, ...]]:
    """The member card data (rules.md §6), one tuple of strings a member."""
    rows = members.values_list(*_CARD_FIELDS).iterator(chunk_size=CHUNK)
    for card, name, born, bp, admitted, ap, full, fp, cell, citizen_id in rows:
        yield (
            inert(card),
            inert(name),
            shown_date(born, bp),
            shown_date(admitted, ap),
            shown_date(full, fp),
            inert(cell),
            inert(citizen_id),
        )


# --- Titles and names ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportHeading:
    owner: str  # the committee, as its papers name it: "ĐẢNG BỘ XÃ PHÚ CÁT"
    title: str  # "DANH SÁCH ĐẢNG VIÊN"
    filters: str  # describe_filters(...)
    made_on: dt.date

    @property
    def made_on_text(self) -> str:
        return f"Lập ngày {self.made_on:%d/%m/%Y}"


LIST_TITLE = "DANH SÁCH ĐẢNG VIÊN"


def heading_for(committee, filters_text: str, *, today: dt.date | None = None) -> ExportHeading:
    return ExportHeading(
        owner=committee.name.upper(),
        title=LIST_TITLE,
        filters=filters_text,
        made_on=today or timezone.localdate(),
    )


def filename(kind: str, committee, cell=None, *, today: dt.date | None = None) -> str:
    """An ASCII name: danh-sach-dang-vien-chi-bo-thon-dong-cat-20261128.xlsx."""
    stem = {"xlsx": "danh-sach-dang-vien", "pdf": "danh-sach-dang-vien", "csv": "the-dang-vien"}
    owner = slugify(fold(cell.name if cell is not None else committee.name)) or "dang-bo"
    day = today or timezone.localdate()
    return f"{stem[kind]}-{owner}-{day:%Y%m%d}.{kind}"


# --- XLSX ------------------------------------------------------------------------------

_HEADER_ROW = 4


def write_xlsx(heading: ExportHeading, rows: Iterable[tuple]) -> tuple[bytes, int]:
    """One sheet, openpyxl write-only (rows go straight to the file): the title, the
    filters and the date on rows 1–2, the header on row 4 (frozen, printed on every page),
    then one row a member; A4 landscape, fitted to the page width."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách đảng viên")
    letters = [chr(ord("A") + index) for index in range(len(LIST_COLUMNS))]
    for letter, column in zip(letters, LIST_COLUMNS, strict=True):
        sheet.column_dimensions[letter].width = column.width
    sheet.freeze_panes = f"A{_HEADER_ROW + 1}"
    sheet.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    font = Font(name="Times New Roman", size=12)
    thin = Side(style="thin", color="FF000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    def styled(value, **style) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    bold = Font(name="Times New Roman", size=12, bold=True)
    sheet.append([styled(f"{heading.title} – {heading.owner}", font=Font(bold=True, size=14))])
    sheet.append([styled(f"{heading.filters}. {heading.made_on_text}.", font=font)])
    sheet.append([])
    header_fill = PatternFill("solid", fgColor="FFEFEFEC")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.append(
        [
            styled(c.title, font=bold, fill=header_fill, border=border, alignment=centre)
            for c in LIST_COLUMNS
        ]
    )
    # One template cell a column kind; each data cell copies its style ids (cheap).
    top = Alignment(vertical="top", wrap_text=True)
    top_centre = Alignment(horizontal="center", vertical="top")
    templates = {
        "text": styled(None, font=font, border=border, alignment=top),
        "int": styled(None, font=font, border=border, alignment=top_centre),
        "date": styled(
            None, font=font, border=border, alignment=top_centre, number_format="dd/mm/yyyy"
        ),
    }
    kinds = [templates[c.kind] for c in LIST_COLUMNS]
    count = 0
    for row in rows:
        count += 1
        cells = []
        for template, value in zip(kinds, row, strict=True):
            cell = WriteOnlyCell(sheet, value=value)
            if cell.data_type == "f":  # a name typed as "=…" stays text, never a formula
                cell.data_type = "s"
            cell._style = template._style
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


# --- PDF -------------------------------------------------------------------------------


def write_pdf(heading: ExportHeading, rows: Iterable[tuple]) -> tuple[bytes, int]:
    """A4 landscape, the committee and the filters at the top of every page, page numbers
    at the bottom; system fonts that carry Vietnamese diacritics (Times New Roman, else
    Liberation Serif or DejaVu Serif)."""
    from weasyprint import HTML

    shown = [
        [
            (column.kind, shown_date(value) if isinstance(value, dt.date) else value)
            for column, value in zip(LIST_COLUMNS, row, strict=True)
        ]
        for row in rows
    ]
    html = render_to_string(
        "members/export_list_pdf.html",
        {"heading": heading, "columns": LIST_COLUMNS, "rows": shown},
    )
    return HTML(string=html).write_pdf(), len(shown)


# --- CSV -------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[tuple[str, ...]]) -> Iterator[bytes]:
    """The card data as UTF-8 CSV with a BOM (Excel), header first; one chunk a line, so
    the response streams however long the list."""
    writer = csv.writer(_Echo())
    yield (BOM + writer.writerow(CARD_COLUMNS)).encode()
    for row in rows:
        yield writer.writerow(row).encode()
