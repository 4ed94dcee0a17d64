"""Export a registry book (sổ đăng ký văn bản đến / đi) to an XLSX or PDF file.

    capuyso export_registry --committee phu-cat --kind incoming --year 2026 \
        --format xlsx -o so-den-2026.xlsx
    capuyso export_registry --committee phu-cat --kind outgoing --from 01/01/2026 \
        --to 31/03/2026 --unit "Chi bộ thôn Đồng Cát" -o quy-1.pdf

The book is the committee Office's unless --unit names a cell (or another unit with its
own registry). Each export is recorded in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.core.text import fold
from capuyso.documents import exports
from capuyso.org.models import Committee, Unit


def parse_date(value: str, option: str) -> dt.date:
    """dd/mm/yyyy (as written in Vietnam) or ISO yyyy-mm-dd."""
    text = value.strip()
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise CommandError(
        _("“%(value)s” (given as %(option)s) is not a date; write it as dd/mm/yyyy.")
        % {"value": value, "option": option}
    )


class Command(BaseCommand):
    help = (
        "Export a committee's incoming or outgoing registry book for a year or a period "
        "to an XLSX or PDF file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--committee", required=True, help="Short name, e.g. phu-cat.")
        parser.add_argument("--kind", required=True, help="incoming or outgoing.")
        parser.add_argument("--year", type=int, help="Calendar year, e.g. 2026.")
        parser.add_argument("--from", dest="date_from", help="First day, dd/mm/yyyy.")
        parser.add_argument("--to", dest="date_to", help="Last day, dd/mm/yyyy.")
        parser.add_argument(
            "--format", dest="fmt", help="xlsx or pdf (default: from the file name)."
        )
        parser.add_argument(
            "--unit", default="", help="Name of the cell whose book to export (default: Office)."
        )
        parser.add_argument("-o", "--output", required=True, help="File to write.")

    def handle(self, *args, **options):
        committee = Committee.objects.filter(slug=options["committee"].strip()).first()
        if committee is None:
            raise CommandError(
                _("No committee has the short name “%(slug)s”.") % {"slug": options["committee"]}
            )
        kind = options["kind"].strip().lower()
        if kind not in (exports.INCOMING, exports.OUTGOING):
            raise CommandError(
                _("Unknown registry “%(kind)s”: choose incoming or outgoing.") % {"kind": kind}
            )
        output = Path(options["output"])
        fmt = (options["fmt"] or output.suffix.lstrip(".")).strip().lower()
        if fmt not in exports.FORMATS:
            raise CommandError(
                _("Unknown format “%(format)s”: choose xlsx or pdf.") % {"format": fmt}
            )
        start, end = self._period(options)
        unit = self._unit(committee, options["unit"])
        try:
            export = exports.export_registry(committee, kind, start, end, unit=unit, fmt=fmt)
        except ValidationError as exc:  # e.g. a committee without an Office
            raise CommandError(" ".join(exc.messages)) from exc
        try:
            output.write_bytes(export.content)
        except OSError as exc:
            raise CommandError(
                _("Could not write %(file)s: %(error)s") % {"file": output, "error": exc}
            ) from exc
        audit_record(
            actor=None,
            verb=Verb.EXPORT,
            committee=committee,
            object_type="registry",
            object_label=f"{export.title} ({fmt})",
            changes={
                "kind": kind,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "format": fmt,
                "rows": export.rows,
                "via": "export_registry",
            },
        )
        self.stdout.write(
            _("%(rows)s rows of “%(title)s” written to %(file)s.")
            % {"rows": export.rows, "title": export.title, "file": output}
        )

    def _period(self, options) -> tuple[dt.date, dt.date]:
        if options["date_from"] or options["date_to"]:
            if options["year"]:
                raise CommandError(_("Give either --year or --from/--to, not both."))
            if not (options["date_from"] and options["date_to"]):
                raise CommandError(_("Give both --from and --to."))
            start = parse_date(options["date_from"], "--from")
            end = parse_date(options["date_to"], "--to")
            if end < start:
                raise CommandError(_("The period ends before it starts."))
            return start, end
        year = options["year"] or timezone.localdate().year
        if not 1900 < year < 3000:
            raise CommandError(_("“%(year)s” is not a year.") % {"year": year})
        return dt.date(year, 1, 1), dt.date(year, 12, 31)

    def _unit(self, committee: Committee, name: str) -> Unit | None:
        name = name.strip()
        if not name:
            return None
        units = Unit.objects.filter(committee=committee)
        unit = units.filter(name=name).first() or units.filter(name_folded=fold(name)).first()
        if unit is None:
            raise CommandError(
                _("%(committee)s has no unit named “%(name)s”.")
                % {"committee": committee.name, "name": name}
            )
        return unit
