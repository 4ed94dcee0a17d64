"""`capuyso archive_ingest DIR --committee SLUG [--dossier CODE] [--user USERNAME]`: take
every file under DIR (PDF, DOCX, JPEG, PNG, TIFF; sub-folders included, links not
followed) into the committee's archive and print a JSON summary:

    {"committee": "phu-cat", "dossier": "05/2025", "folder": "/scans",
     "counts": {"files": 12, "added": 9, "duplicates": 1, "failed": 2, "ocr_queued": 4},
     "files": [{"name": "kh-09.pdf", "path": "2025/kh-09.pdf", "status": "added",
                "code": "<item uuid>", "sha256": "…", "ocr": "not_needed"},
               {"name": "hong.pdf", "path": "hong.pdf", "status": "failed",
                "code": null, "error": "corrupt", "reason": "…"}, …]}

A duplicate's "code" is the item already holding those bytes. Running the command again on
the same folder adds nothing twice. Messages are in the site's language (Vietnamese).

--dossier names the dossier the items are filed into: its number in the yearly file list
and its year, "05/2025" (the number may itself hold slashes: "05/HS/2025"), or its code
(the uuid in its page address).

Exit codes: 0 the batch ran, even when some files failed (see "failed" and each file's
"reason"); 2 nothing was done: DIR is not a folder, or the committee, dossier or user is
unknown (the message goes to stderr).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Take a folder of scans and files (PDF, DOCX, JPEG, PNG, TIFF) into a committee's "
        "archive, each file once, and print a JSON summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR")
        parser.add_argument("--committee", required=True, metavar="SLUG")
        parser.add_argument(
            "--dossier",
            metavar="CODE",
            help='the dossier to file into: "NUMBER/YEAR" of the file list (05/2025) or its uuid',
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="the committee's user the intake is recorded as (default: the system)",
        )

    def handle(self, *args, folder, committee, dossier, user, **options):
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(folder, committee, dossier, user)

    def _handle(self, folder, committee_slug, dossier_code, username):
        from capuyso.accounts.models import User
        from capuyso.archive.ingest import Intake
        from capuyso.archive.selectors_items import find_dossier
        from capuyso.org.models import Committee

        root = Path(folder)
        if not root.is_dir():
            raise CommandError(f"{folder} is not a folder.", returncode=USAGE_ERROR)
        committee = Committee.objects.filter(slug=committee_slug).first()
        if committee is None:
            raise CommandError(f"No committee {committee_slug!r}.", returncode=USAGE_ERROR)
        dossier = None
        if dossier_code:
            dossier = find_dossier(committee, dossier_code)
            if dossier is None:
                raise CommandError(
                    f"No dossier {dossier_code!r} in the committee {committee_slug!r} "
                    '(give "NUMBER/YEAR", e.g. 05/2025, or the dossier\'s code).',
                    returncode=USAGE_ERROR,
                )
        actor = None
        if username:
            actor = User.objects.filter(username=username, committee=committee).first()
            if actor is None:
                raise CommandError(
                    f"No user {username!r} in the committee {committee_slug!r}.",
                    returncode=USAGE_ERROR,
                )
        try:
            intake = Intake(committee=committee, actor=actor, dossier=dossier)
        except PermissionDenied as exc:
            raise CommandError(
                f"The user {username!r} may not take files into the archive.",
                returncode=USAGE_ERROR,
            ) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=USAGE_ERROR) from exc
        intake.add_folder(root)
        report = {
            "committee": committee.slug,
            "dossier": f"{dossier.file_number}/{dossier.year}" if dossier else None,
            "folder": str(root),
            **intake.summary(),
        }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
