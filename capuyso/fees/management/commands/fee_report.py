"""`capuyso fee_report --committee SLUG --year YYYY [--month M | --quarter Q] [--cell CELL]
--format xlsx|pdf -o FILE`

Writes the committee's fee summary by cell (by default) or one cell's fee book (--cell: the
cell's code, or its name with or without diacritics) for a month, a quarter or the year.
Bad input ends with a message and exit code 2; nothing is written then.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from capuyso.core.text import fold
from capuyso.fees import reports
from capuyso.org.models import Committee, Unit

USAGE_ERROR = 2


def find_cell(committee: Committee, text: str) -> Unit:
    cells = Unit.objects.filter(committee=committee, kind=Unit.Kind.CELL)
    try:
        code = uuid.UUID(text)
    except ValueError:
        folded = fold(text)
        found = [c for c in cells if fold(c.name) == folded]
        if not found:
            found = [c for c in cells if folded and folded in fold(c.name)]
        if len(found) == 1:
            return found[0]
        raise CommandError(
            _("No single cell of %(committee)s is called “%(name)s”.")
            % {"committee": committee.name, "name": text},
            returncode=USAGE_ERROR,
        ) from None
    cell = cells.filter(code=code).first()
    if cell is None:
        raise CommandError(
            _("%(committee)s has no cell with code %(code)s.")
            % {"committee": committee.name, "code": text},
            returncode=USAGE_ERROR,
        )
    return cell


class Command(BaseCommand):
    help = "Write a party fee report (committee summary by cell, or a cell's fee book) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--committee", required=True, help="the committee's slug")
        parser.add_argument("--year", type=int, required=True)
        period = parser.add_mutually_exclusive_group()
        period.add_argument("--month", type=int, help="1–12: one month")
        period.add_argument("--quarter", type=int, help="1–4: one quarter")
        parser.add_argument("--cell", help="a cell's code or name: its fee book")
        parser.add_argument("--format", dest="fmt", required=True, help="xlsx or pdf")
        parser.add_argument("-o", "--output", required=True, metavar="FILE")

    def handle(self, *args, **options):
        fmt = (options["fmt"] or "").lower()
        if fmt not in reports.FORMATS:
            raise CommandError(_("The format must be xlsx or pdf."), returncode=USAGE_ERROR)
        committee = Committee.objects.filter(slug=options["committee"]).first()
        if committee is None:
            raise CommandError(
                _("No committee has the short name “%(slug)s”.") % {"slug": options["committee"]},
                returncode=USAGE_ERROR,
            )
        try:
            period = reports.Period(
                options["year"], month=options["month"], quarter=options["quarter"]
            )
        except ValueError as exc:
            raise CommandError(
                _("The year must be 2000–2099, the month 1–12 and the quarter 1–4."),
                returncode=USAGE_ERROR,
            ) from exc
        if options["cell"]:
            report = reports.cell_book(find_cell(committee, options["cell"]), period)
        else:
            report = reports.committee_summary(committee, period)
        if fmt == "xlsx":
            data = reports.write_xlsx(report)
        else:
            from capuyso.fees.reports_pdf import write_pdf

            data = write_pdf(report)
        path = Path(options["output"])
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": path, "error": exc.strerror},
                returncode=USAGE_ERROR,
            ) from exc
        self.stdout.write(f"{path} ({len(data):,} bytes): {report.title}, {period.text}")
