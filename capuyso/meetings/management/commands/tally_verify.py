"""capuyso tally_verify MEETING_CODE

Recounts every closed secret ballot of the meeting from its stored ballots: each ballot's
signature is verified against the vote's public key (kept after the close), its receipt
recomputed from its token and its choice checked; the counts, the ballots collected and
the tokens issued are compared with the stored result. Prints a JSON summary; exits 1 on
any mismatch or problem (a bad signature, a duplicate token, more ballots than tokens).
"""

from __future__ import annotations

import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from capuyso.meetings.models import Meeting
from capuyso.meetings.services.ballots import verify_meeting


class Command(BaseCommand):
    help = "Recount the secret ballots of a meeting from the stored ballots; exit 1 on a mismatch."

    def add_arguments(self, parser):
        parser.add_argument("meeting_code", help="The meeting's code (UUID).")

    def handle(self, *args, meeting_code, **options):
        try:
            meeting = Meeting.objects.get(code=meeting_code)
        except (Meeting.DoesNotExist, ValidationError, ValueError) as exc:
            raise CommandError(f"No meeting with the code {meeting_code!r}.") from exc
        summary = verify_meeting(meeting)
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        if not summary["ok"]:
            sys.exit(1)
