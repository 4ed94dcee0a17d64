"""`capuyso import_members FILE.xlsx --committee SLUG [--dry-run] [--create-cells]
[--user USERNAME]`: import party members from a commune's Excel workbook and print the
JSON report (see capuyso/members/importing.py for its shape and the rules).

Every row that is not blank has a line in "rows", created rows included.

Exit codes: 0 the import ran (look at the counts: rejected and review rows were not
written, the rest was); 2 nothing was done: the file is missing or is not a readable XLSX
(the JSON then holds "error" and "reason"; the message also goes to stderr), or the
committee or user is unknown.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from capuyso.members.importing import ImportFileError, import_members

USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Import party members from an Excel workbook (.xlsx) into a committee and print a "
        "JSON report: counts of created, updated, unchanged, rejected and review rows, and "
        "one line per row with its sheet, row number, status, code and reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.xlsx")
        parser.add_argument("--committee", required=True, metavar="SLUG")
        parser.add_argument("--dry-run", action="store_true", help="plan and report, write nothing")
        parser.add_argument(
            "--create-cells",
            action="store_true",
            help="create the cells the workbook names that the committee does not have",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="the committee's user the import is recorded as (default: the system)",
        )

    def handle(self, *args, file, committee, dry_run, create_cells, user, **options):
        from capuyso.accounts.models import User
        from capuyso.org.models import Committee

        try:
            target = Committee.objects.get(slug=committee)
        except Committee.DoesNotExist as exc:
            raise CommandError(f"No committee {committee!r}.", returncode=USAGE_ERROR) from exc
        actor = None
        if user:
            actor = User.objects.filter(username=user, committee=target).first()
            if actor is None:
                raise CommandError(
                    f"No user {user!r} in the committee {committee!r}.", returncode=USAGE_ERROR
                )
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                f"Cannot read {file}: {exc.strerror}", returncode=USAGE_ERROR
            ) from exc
        try:
            report = import_members(
                actor=actor,
                committee=target,
                data=data,
                file_name=path.name,
                dry_run=dry_run,
                create_cells=create_cells,
            )
        except ImportFileError as exc:
            self._print({"error": exc.code, "reason": exc.messages[0], "file": path.name})
            raise CommandError(exc.messages[0], returncode=USAGE_ERROR) from exc
        self._print(report)

    def _print(self, data: dict) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
