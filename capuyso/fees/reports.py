"""Fee reports: a cell's fee book (sổ thu nộp đảng phí) for a month, a quarter or a year,
and the committee's summary by cell, as tables ready for a page, XLSX and PDF.

The figures:
- **Due** of a member and month: the `MonthlyDue` amount (blank when not computed; the
  basis missing is said in the note column).
- **Paid** for a month: the member's payments *for* that month (`Payment.month`), amount plus
  voluntary extra, voided ones left out. **Missing**: for each member and month, the due
  less the amount paid against it, when positive.
- A month's **collected** money is what the cell wrote in the book of that month
  (`Payment.book_month`), by method. A closed book gives its frozen totals (collected, kept,
  to remit); an open book is computed the same way with the retention share in force on
  the first day of the month. **Remitted**: the cell's remittances for the month.
- **Share online**: portal and bank transfer over everything collected.

These are Vietnamese papers (as the members' exports): the titles, column headers and words
written in cells are Vietnamese document content, not UI text. Writers: `write_xlsx` here,
`reports_pdf.write_pdf`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, Sum
from django.utils import timezone
from django.utils.text import slugify

from capuyso.core.text import fold
from capuyso.fees.models import CellMonthBook, MonthlyDue, Payment, Remittance
from capuyso.fees.services.books import retention_for, share_of
from capuyso.org.models import Committee, Unit

PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
FORMATS = ("xlsx", "pdf")
METHOD_LABELS = {
    Payment.Method.CASH: "Tiền mặt",
    Payment.Method.PORTAL: "Cổng DVCQG",
    Payment.Method.BANK: "Chuyển khoản",
}
QUARTER_NAMES = {1: "I", 2: "II", 3: "III", 4: "IV"}
DETAIL_MAX_MONTHS = 3  # date and method columns up to a quarter; a year would not fit A4


# --- Periods ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None
    quarter: int | None = None

    def __post_init__(self):
        if not 2000 <= self.year <= 2099:
            raise ValueError("year")
        if self.month is not None and self.quarter is not None:
            raise ValueError("month and quarter")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError("month")
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValueError("quarter")

    @property
    def months(self) -> list[dt.date]:
        if self.month is not None:
            return [dt.date(self.year, self.month, 1)]
        if self.quarter is not None:
            first = (self.quarter - 1) * 3 + 1
            return [dt.date(self.year, m, 1) for m in range(first, first + 3)]
        return [dt.date(self.year, m, 1) for m in range(1, 13)]

    @property
    def text(self) -> str:
        """'Tháng 03 năm 2026', 'Quý I năm 2026', 'Năm 2026'."""
        if self.month is not None:
            return f"Tháng {self.month:02d} năm {self.year}"
        if self.quarter is not None:
            return f"Quý {QUARTER_NAMES[self.quarter]} năm {self.year}"
        return f"Năm {self.year}"

    @property
    def slug(self) -> str:
        if self.month is not None:
            return f"{self.year}-{self.month:02d}"
        if self.quarter is not None:
            return f"{self.year}-q{self.quarter}"
        return f"{self.year}"


# --- Tables -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text, int, money, percent
    width: int = 12  # characters in the spreadsheet; relative width in the PDF
    group: str = ""  # a second header line above (e.g. "Tháng 03/2026")


@dataclass
class Table:
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    totals: list | None = None
    caption: str = ""


@dataclass
class Report:
    owner_lines: list[str]  # left heading: the level above, the issuer
    place_date: str
    title: str
    period: Period
    tables: list[Table]
    filename_stem: str
    made_on: dt.date

    @property
    def party_name(self) -> str:
        return PARTY_NAME

    def filename(self, fmt: str) -> str:
        return f"{self.filename_stem}.{fmt}"


def _place_date(committee: Committee, day: dt.date) -> str:
    from capuyso.documents.layout import format_place_date
    from capuyso.documents.services.outgoing import place_name

    return format_place_date(place_name(committee), day)


def _issuer(committee: Committee) -> str:
    return (committee.executive_name or committee.name).upper()


def _superior(committee: Committee) -> str:
    if committee.parent_id is None:
        return ""
    name = committee.parent.name.upper()
    if name.startswith("THÀNH ỦY "):
        return "ĐẢNG BỘ " + name.removeprefix("THÀNH ỦY ")
    return name


def _cell_title(cell: Unit) -> str:
    name = cell.name
    return name.upper() if fold(name).startswith("chi bo") else f"CHI BỘ {name.upper()}"


# --- Figures ----------------------------------------------------------------------------


@dataclass
class MonthFigures:
    """One cell's book of one month."""

    due: int = 0
    cash: int = 0
    portal: int = 0
    bank: int = 0
    retained: int = 0
    to_remit: int = 0
    remitted: int = 0
    missing: int = 0
    closed: bool = False

    @property
    def collected(self) -> int:
        return self.cash + self.portal + self.bank

    @property
    def online(self) -> int:
        return self.portal + self.bank

    def add(self, other: MonthFigures) -> None:
        for name in ("due", "cash", "portal", "bank", "retained", "to_remit", "remitted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.missing += other.missing


def month_figures(
    committee_id: int, cells: list[Unit], months: list[dt.date]
) -> dict[tuple[int, dt.date], MonthFigures]:
    """{(cell id, month): figures} in a handful of queries, whatever the number of cells."""
    cell_ids = [c.pk for c in cells]
    figures: dict[tuple[int, dt.date], MonthFigures] = defaultdict(MonthFigures)
    dues = MonthlyDue.objects.filter(cell_id__in=cell_ids, month__in=months)
    due_rows = list(dues.values_list("cell_id", "month", "member_id", "amount"))
    paid_against = defaultdict(int)
    for member_id, month, amount in Payment.objects.filter(
        member_id__in={r[2] for r in due_rows}, month__in=months, voided_at__isnull=True
    ).values_list("member_id", "month", "amount"):
        paid_against[(member_id, month)] += amount
    for cell_id, month, member_id, amount in due_rows:
        item = figures[(cell_id, month)]
        item.due += amount
        item.missing += max(amount - paid_against[(member_id, month)], 0)
    money = (
        Payment.objects.filter(cell_id__in=cell_ids, book_month__in=months, voided_at__isnull=True)
        .values("cell_id", "book_month", "method")
        .annotate(total=Sum(F("amount") + F("extra_amount")))
    )
    for row in money:
        item = figures[(row["cell_id"], row["book_month"])]
        setattr(item, row["method"], getattr(item, row["method"]) + row["total"])
    keeps = {}
    for month in months:
        rule = retention_for(committee_id, month)
        keeps[month] = rule.cell_keeps_bp if rule is not None else None
    for (_cell_id, month), item in figures.items():
        if keeps[month] is not None:
            item.retained = share_of(item.collected, keeps[month])
            item.to_remit = item.collected - item.retained
    for book in CellMonthBook.objects.filter(
        cell_id__in=cell_ids, month__in=months, status=CellMonthBook.Status.CLOSED
    ):
        item = figures[(book.cell_id, book.month)]
        item.closed = True
        item.cash, item.portal, item.bank = (
            book.collected_cash,
            book.collected_portal,
            book.collected_bank,
        )
        item.retained, item.to_remit = book.retained, book.to_remit
    for row in (
        Remittance.objects.filter(
            cell_id__in=cell_ids,
            month__in=months,
            direction=Remittance.Direction.CELL_TO_COMMITTEE,
            voided_at__isnull=True,
        )
        .values("cell_id", "month")
        .annotate(total=Sum("amount"))
    ):
        figures[(row["cell_id"], row["month"])].remitted += row["total"]
    return figures


def _percent(part: int, whole: int) -> float | None:
    """A share as a fraction for the spreadsheet (0.905), None when nothing was collected."""
    if not whole:
        return None
    return round(part / whole, 4)


# --- The cell's fee book ----------------------------------------------------------------


def _month_group(month: dt.date) -> str:
    return f"Tháng {month:%m/%Y}"


def cell_book(cell: Unit, period: Period, *, today: dt.date | None = None) -> Report:
    """The cell's fee book for the period: a row per member, then the months' totals."""
    months = period.months
    detail = len(months) <= DETAIL_MAX_MONTHS
    dues = list(
        MonthlyDue.objects.filter(cell=cell, month__in=months)
        .select_related("member", "group")
        .order_by("month")
    )
    payments = list(
        Payment.objects.filter(cell=cell, month__in=months, voided_at__isnull=True)
        .select_related("member")
        .order_by("paid_on", "pk")
    )
    members = {d.member_id: d.member for d in dues}
    members.update({p.member_id: p.member for p in payments if p.member_id not in members})
    due_of = {(d.member_id, d.month): d for d in dues}
    paid = defaultdict(list)
    for payment in payments:
        paid[(payment.member_id, payment.month)].append(payment)

    # Column widths: roomy for a month; a quarter or a year must still fit A4 landscape.
    wide = len(months) == 1
    money, text = (11, 13) if wide else (9, 9)
    columns = [
        Column("STT", "int", 5),
        Column("Họ và tên", "text", 24 if wide else 17),
        Column("Nhóm", "text", 16 if wide else 10),
        Column("Căn cứ đóng", "money", 13 if wide else 11),
    ]
    for month in months:
        group = _month_group(month)
        columns += [
            Column("Phải đóng", "money", money, group),
            Column("Đã đóng", "money", money, group),
        ]
        if detail:
            columns += [
                Column("Ngày đóng", "text", 11 if wide else 10, group),
                Column("Hình thức", "text", text, group),
            ]
    columns += [
        Column("Tổng phải đóng", "money", 13 if wide else 10),
        Column("Tổng đã đóng", "money", 13 if wide else 10),
        Column("Còn thiếu", "money", 12 if wide else 10),
        Column("Ghi chú", "text", 18 if wide else 10),
    ]
    table = Table(columns=columns)
    totals_due = defaultdict(int)
    totals_paid = defaultdict(int)
    ordered = sorted(members.values(), key=lambda m: (m.full_name_folded, m.pk))
    for number, member in enumerate(ordered, start=1):
        latest = next(
            (due_of[(member.pk, m)] for m in reversed(months) if (member.pk, m) in due_of), None
        )
        row: list = [
            number,
            member.full_name,
            latest.group.name if latest and latest.group else "",
            latest.basis_amount if latest else None,
        ]
        sum_due = sum_paid = missing = 0
        notes = []
        for month in months:
            due = due_of.get((member.pk, month))
            paid_list = paid.get((member.pk, month), [])
            paid_total = sum(p.amount + p.extra_amount for p in paid_list)
            against = sum(p.amount for p in paid_list)
            row += [due.amount if due else None, paid_total or None]
            if detail:
                row += [
                    ", ".join(sorted({f"{p.paid_on:%d/%m/%Y}" for p in paid_list})),
                    ", ".join(sorted({METHOD_LABELS[p.method] for p in paid_list})),
                ]
            if due:
                sum_due += due.amount
                missing += max(due.amount - against, 0)
                totals_due[month] += due.amount
                if due.basis_missing:
                    notes.append(f"T{month:%m}: chưa kê khai căn cứ")
                elif due.relief_percent == 100:
                    notes.append(f"T{month:%m}: miễn")
                elif due.relief_percent:
                    notes.append(f"T{month:%m}: giảm {due.relief_percent}%")
            sum_paid += paid_total
            totals_paid[month] += paid_total
        if (
            len(months) > 1
            and len({n.split(": ", 1)[1] for n in notes}) == 1
            and len(notes) == len(months)
        ):
            notes = [notes[0].split(": ", 1)[1]]
        row += [sum_due, sum_paid, missing, "; ".join(notes)]
        table.rows.append(row)
    totals: list = ["", "Cộng", "", None]
    for month in months:
        totals += [totals_due[month], totals_paid[month]]
        if detail:
            totals += ["", ""]
    totals += [
        sum(totals_due.values()),
        sum(totals_paid.values()),
        sum(r[-2] for r in table.rows),
        "",
    ]
    table.totals = totals

    figures = month_figures(cell.committee_id, [cell], months)
    summary = Table(
        caption="Tổng hợp thu, nộp theo tháng",
        columns=[
            Column("Tháng", "text", 10),
            Column("Tiền mặt", "money", 13),
            Column("Cổng DVCQG", "money", 13),
            Column("Chuyển khoản", "money", 13),
            Column("Tổng thu", "money", 13),
            Column("Chi bộ giữ lại", "money", 13),
            Column("Phải nộp cấp ủy", "money", 14),
            Column("Đã nộp", "money", 13),
            Column("Sổ tháng", "text", 10),
        ],
    )
    total = MonthFigures()
    for month in months:
        item = figures.get((cell.pk, month), MonthFigures())
        total.add(item)
        summary.rows.append(
            [
                f"{month:%m/%Y}",
                item.cash,
                item.portal,
                item.bank,
                item.collected,
                item.retained,
                item.to_remit,
                item.remitted,
                "Đã khóa" if item.closed else "Đang mở",
            ]
        )
    summary.totals = [
        "Cộng",
        total.cash,
        total.portal,
        total.bank,
        total.collected,
        total.retained,
        total.to_remit,
        total.remitted,
        "",
    ]
    committee = cell.committee
    day = today or timezone.localdate()
    owner = slugify(fold(cell.name)) or "chi-bo"
    return Report(
        owner_lines=[committee.name.upper(), _cell_title(cell)],
        place_date=_place_date(committee, day),
        title="SỔ THU NỘP ĐẢNG PHÍ",
        period=period,
        tables=[table, summary],
        filename_stem=f"so-thu-nop-dang-phi-{owner}-{period.slug}",
        made_on=day,
    )


# --- The committee's summary ------------------------------------------------------------


def committee_cells(committee: Committee) -> list[Unit]:
    return list(
        Unit.objects.filter(committee=committee, kind=Unit.Kind.CELL).order_by(
            "sort_order", "name_folded"
        )
    )


def committee_summary(
    committee: Committee, period: Period, *, cells: Iterable[Unit] | None = None, today=None
) -> Report:
    """Per cell: members, due, collected, kept, to remit, remitted, missing, share online."""
    cells = list(cells) if cells is not None else committee_cells(committee)
    months = period.months
    figures = month_figures(committee.pk, cells, months)
    members_by_cell = defaultdict(set)
    for cell_id, member_id in (
        MonthlyDue.objects.filter(cell__in=cells, month__in=months)
        .values_list("cell_id", "member_id")
        .distinct()
    ):
        members_by_cell[cell_id].add(member_id)
    table = Table(
        columns=[
            Column("STT", "int", 5),
            Column("Chi bộ", "text", 30),
            Column("Số đảng viên", "int", 9),
            Column("Phải thu", "money", 13),
            Column("Đã thu", "money", 13),
            Column("Chi bộ giữ lại", "money", 13),
            Column("Phải nộp cấp ủy", "money", 14),
            Column("Đã nộp", "money", 13),
            Column("Còn thiếu", "money", 13),
            Column("Nộp trực tuyến", "percent", 10),
        ]
    )
    total = MonthFigures()
    for number, cell in enumerate(cells, start=1):
        item = MonthFigures()
        for month in months:
            item.add(figures.get((cell.pk, month), MonthFigures()))
        total.add(item)
        table.rows.append(
            [
                number,
                cell.name,
                len(members_by_cell[cell.pk]),
                item.due,
                item.collected,
                item.retained,
                item.to_remit,
                item.remitted,
                item.missing,
                _percent(item.online, item.collected),
            ]
        )
    table.totals = [
        "",
        "Toàn Đảng bộ",
        sum(len(v) for v in members_by_cell.values()),
        total.due,
        total.collected,
        total.retained,
        total.to_remit,
        total.remitted,
        total.missing,
        _percent(total.online, total.collected),
    ]
    day = today or timezone.localdate()
    return Report(
        owner_lines=[line for line in (_superior(committee), _issuer(committee)) if line],
        place_date=_place_date(committee, day),
        title="TỔNG HỢP THU, NỘP ĐẢNG PHÍ THEO CHI BỘ",
        period=period,
        tables=[table],
        filename_stem=f"tong-hop-dang-phi-{committee.slug}-{period.slug}",
        made_on=day,
    )


# --- XLSX -------------------------------------------------------------------------------

MONEY_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"


def write_xlsx(report: Report) -> bytes:
    """One sheet: the Party heading, the title and period, each table with a bold header
    (two lines when columns are grouped by month), money as #,##0, the header frozen and
    printed on every page, A4 landscape fitted to the width."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"[:31]
    font = Font(name="Times New Roman", size=11)
    bold = Font(name="Times New Roman", size=11, bold=True)
    thin = Side(style="thin", color="FF000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    fill = PatternFill("solid", fgColor="FFEFEFEC")
    width = max(len(t.columns) for t in report.tables)
    half = max(width // 2, 1)

    def put(row, col, value, *, style=font, align=None, merge_to=None):
        cell = sheet.cell(row=row, column=col, value=None if value == "" else value)
        if cell.data_type == "f":  # a name typed as "=…" stays text, never a formula
            cell.data_type = "s"
        cell.font = style
        if align is not None:
            cell.alignment = align
        if merge_to and merge_to > col:
            sheet.merge_cells(start_row=row, start_column=col, end_row=row, end_column=merge_to)
        return cell

    # The Party heading: the issuer on the left, the Party's name and the date on the right.
    for index, line in enumerate(report.owner_lines, start=1):
        put(index, 1, line, style=bold if index == len(report.owner_lines) else font,
            align=centre, merge_to=half)  # fmt: skip
    put(1, half + 1, PARTY_NAME, style=Font(name="Times New Roman", size=11, bold=True,
        underline="single"), align=centre, merge_to=width)  # fmt: skip
    put(2, half + 1, report.place_date, style=Font(name="Times New Roman", size=11, italic=True),
        align=centre, merge_to=width)  # fmt: skip
    row = max(len(report.owner_lines), 2) + 2
    put(row, 1, report.title, style=Font(name="Times New Roman", size=14, bold=True),
        align=centre, merge_to=width)  # fmt: skip
    put(row + 1, 1, report.period.text, style=Font(name="Times New Roman", size=11, italic=True),
        align=centre, merge_to=width)  # fmt: skip
    row += 3
    first_header = None
    for table in report.tables:
        if table.caption:
            put(row, 1, table.caption, style=bold)
            row += 1
        grouped = any(c.group for c in table.columns)
        header_rows = 2 if grouped else 1
        if first_header is None:
            first_header = row
            sheet.freeze_panes = sheet.cell(row=row + header_rows, column=3)
            sheet.print_title_rows = f"{row}:{row + header_rows - 1}"
        for index, column in enumerate(table.columns, start=1):
            if grouped and column.group:
                put(row, index, column.group, style=bold, align=centre)
                put(row + 1, index, column.title, style=bold, align=centre)
            else:
                put(row, index, column.title, style=bold, align=centre)
                if grouped:
                    sheet.merge_cells(
                        start_row=row, start_column=index, end_row=row + 1, end_column=index
                    )
            for r in range(row, row + header_rows):
                sheet.cell(row=r, column=index).border = border
                sheet.cell(row=r, column=index).fill = fill
        if grouped:  # merge each month's group title across its columns
            start = None
            for index, column in enumerate([*table.columns, Column("")], start=1):
                if start is not None and column.group != table.columns[start - 1].group:
                    if index - 1 > start:
                        sheet.merge_cells(
                            start_row=row, start_column=start, end_row=row, end_column=index - 1
                        )
                    start = None
                if start is None and column.group:
                    start = index
        row += header_rows
        body = [*table.rows, *([table.totals] if table.totals else [])]
        for number, values in enumerate(body):
            is_total = table.totals is not None and number == len(body) - 1
            for index, (column, value) in enumerate(zip(table.columns, values, strict=True), 1):
                cell = put(row, index, value, style=bold if is_total else font)
                cell.border = border
                if column.kind == "money":
                    cell.number_format = MONEY_FORMAT
                    cell.alignment = Alignment(horizontal="right", vertical="top")
                elif column.kind == "percent":
                    cell.number_format = PERCENT_FORMAT
                    cell.alignment = Alignment(horizontal="right", vertical="top")
                elif column.kind == "int":
                    cell.alignment = Alignment(horizontal="center", vertical="top")
                else:
                    cell.alignment = Alignment(vertical="top", wrap_text=True)
            row += 1
        row += 1
    widths: dict[int, int] = {}
    for table in report.tables:
        for index, column in enumerate(table.columns, start=1):
            widths[index] = max(widths.get(index, 0), column.width)
    for index, value in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = value
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
