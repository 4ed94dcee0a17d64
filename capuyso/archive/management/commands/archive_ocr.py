"""`capuyso archive_ocr [--recover] [--item CODE [--redo]] [--pending [--workers N] [--limit N]]`

The OCR of archive items from the command line; prints a JSON summary.

- `--recover`: running items whose worker went silent (no heartbeat for
  ARCHIVE_OCR_STALE_SECONDS, 10 minutes by default) go back in the queue; they resume at the
  first page not done; so do waiting items with no task in the queue (their process died
  before queuing it). Each task run does the same, so a restarted worker heals by itself.
- `--item CODE`: (re)run one item now, in this process: a failed item's failed pages, or the
  whole item when it has no plan yet (`--redo`: start again even when it is done).
- `--pending`: process the waiting items in the foreground, in `--workers` processes (2 by
  default: both cores), for a large intake without the background worker.

Bad input ends with a message and exit code 2; nothing is changed then.
"""

from __future__ import annotations

import json
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from capuyso.archive import ocr
from capuyso.archive.models import ArchiveItem

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "Recover, run or re-run the OCR of archive items; prints a JSON summary."

    def add_arguments(self, parser):
        parser.add_argument(
            "--recover",
            action="store_true",
            help="requeue stale running items and lost waiting ones",
        )
        parser.add_argument("--item", help="the code of one item to (re)run now")
        parser.add_argument("--redo", action="store_true", help="with --item: redo every page")
        parser.add_argument("--pending", action="store_true", help="process the waiting items")
        parser.add_argument("--workers", type=int, default=2, help="with --pending: processes")
        parser.add_argument("--limit", type=int, help="with --pending: items per process at most")

    def handle(self, *args, **options):
        if not (options["recover"] or options["item"] or options["pending"]):
            raise CommandError(
                _("Say what to do: --recover, --item CODE or --pending."), returncode=USAGE_ERROR
            )
        if options["workers"] < 1:
            raise CommandError(_("--workers must be at least 1."), returncode=USAGE_ERROR)
        summary: dict = {}
        if options["recover"]:
            summary["requeued"] = len(ocr.ocr_recover())
        if options["item"]:
            summary["item"] = self._run_item(options["item"], redo=options["redo"])
        if options["pending"]:
            started = time.monotonic()
            summary["processed"] = ocr.ocr_work_parallel(
                workers=options["workers"], limit=options["limit"]
            )
            summary["seconds"] = round(time.monotonic() - started, 1)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _run_item(self, code: str, *, redo: bool) -> dict:
        try:
            item = ArchiveItem.objects.get(code=code)
        except (ArchiveItem.DoesNotExist, ValueError, ValidationError):
            raise CommandError(
                _("No archive item has the code %(code)s.") % {"code": code},
                returncode=USAGE_ERROR,
            ) from None
        try:
            item = ocr.ocr_rerun(item, redo=redo)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=USAGE_ERROR) from None
        if item.ocr_status == ArchiveItem.OcrStatus.WAITING:
            ocr.ocr_process_item(item.pk)
        item.refresh_from_db()
        return {
            "code": str(item.code),
            "source_name": item.source_name,
            "ocr_status": item.ocr_status,
            "pages_done": item.ocr_pages_done,
            "error": item.ocr_error,
        }
