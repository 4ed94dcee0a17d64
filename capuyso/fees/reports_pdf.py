"""Fee reports as PDF: the same tables as the XLSX, laid out by WeasyPrint from an HTML
template (as the members' list and the work calendar), A4 landscape, Times New Roman or the
Liberation/DejaVu fonts that carry every Vietnamese diacritic."""

from __future__ import annotations

from django.template.loader import render_to_string

from capuyso.fees.reports import Report, Table


def shown(value, kind: str) -> str:
    """A cell as printed: money 1.234.567, a share 90,5 %, nothing for None."""
    if value is None or value == "":
        return ""
    if kind == "money":
        return f"{int(value):,}".replace(",", ".")
    if kind == "percent":
        return f"{value * 100:.1f} %".replace(".", ",")
    return str(value)


def _header_rows(table: Table) -> list[list[dict]]:
    """One or two header lines with row/col spans, as the XLSX header."""
    if not any(c.group for c in table.columns):
        return [[{"text": c.title, "colspan": 1, "rowspan": 1} for c in table.columns]]
    top: list[dict] = []
    bottom: list[dict] = []
    for column in table.columns:
        if not column.group:
            top.append({"text": column.title, "colspan": 1, "rowspan": 2})
            continue
        if top and top[-1].get("group") == column.group:
            top[-1]["colspan"] += 1
        else:
            top.append({"text": column.group, "colspan": 1, "rowspan": 1, "group": column.group})
        bottom.append({"text": column.title, "colspan": 1, "rowspan": 1})
    return [top, bottom]


def shown_tables(report: Report) -> list[dict]:
    """The report's tables as printed text (for the PDF and the page's preview)."""
    tables = []
    for table in report.tables:
        kinds = [c.kind for c in table.columns]
        total_width = sum(c.width for c in table.columns) or 1
        tables.append(
            {
                "caption": table.caption,
                "widths": [round(c.width * 100 / total_width, 2) for c in table.columns],
                "header": _header_rows(table),
                "rows": [
                    [(k, shown(v, k)) for k, v in zip(kinds, row, strict=True)]
                    for row in table.rows
                ],
                "totals": (
                    [(k, shown(v, k)) for k, v in zip(kinds, table.totals, strict=True)]
                    if table.totals
                    else None
                ),
                "size": "tiny"
                if len(table.columns) > 24
                else "small"
                if len(table.columns) > 12
                else "",
            }
        )
    return tables


def write_pdf(report: Report) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "fees/report_pdf.html", {"report": report, "tables": shown_tables(report)}
    )
    return HTML(string=html).write_pdf()
