"""`capuyso vietqr --bin BIN --account ACC [--amount N] [--note TEXT] [--png F] [--svg F]`

Prints the VietQR payload (static without --amount, dynamic with it) on standard output and
writes the QR image files asked for. Bad input ends with a message and exit code 2.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from capuyso.fees import qrimage
from capuyso.fees.vietqr import VietQRError, build_payload

USAGE_ERROR = 2
# "50000", or grouped the Vietnamese way: "50.000", "1.250.000".
_AMOUNT_RE = re.compile(r"[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+")


def parse_amount(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    if not _AMOUNT_RE.fullmatch(text):
        raise VietQRError("amount_invalid")
    return int(text.replace(".", ""))


class Command(BaseCommand):
    help = "Print a VietQR payload for a bank transfer and optionally write it as PNG/SVG."
    requires_system_checks = []  # pure: no database, no models

    def add_arguments(self, parser):
        parser.add_argument("--bin", dest="bank_bin", required=True, help="bank BIN, 6 digits")
        parser.add_argument("--account", required=True, help="beneficiary account number")
        parser.add_argument("--amount", help="amount in đồng (50000 or 50.000); none: static QR")
        parser.add_argument("--note", help="transfer note, at most 25 characters without accents")
        parser.add_argument("--png", metavar="FILE", help="write the QR as a PNG image")
        parser.add_argument("--svg", metavar="FILE", help="write the QR as an SVG image")

    def handle(self, *args, **options):
        try:
            payload = build_payload(
                bank_bin=options["bank_bin"],
                account=options["account"],
                amount=parse_amount(options["amount"]),
                note=options["note"],
            )
        except VietQRError as exc:
            raise CommandError(exc.message, returncode=USAGE_ERROR) from exc
        self.stdout.write(payload)
        if options["png"]:
            self._write(options["png"], qrimage.qr_png(payload))
        if options["svg"]:
            self._write(options["svg"], qrimage.qr_svg(payload, title="VietQR"))

    def _write(self, path: str, data: bytes) -> None:
        try:
            Path(path).write_bytes(data)
        except OSError as exc:
            raise CommandError(
                _("Cannot write the file %(path)s: %(reason)s")
                % {"path": path, "reason": exc.strerror},
                returncode=USAGE_ERROR,
            ) from exc
        self.stderr.write(_("Written: %(path)s") % {"path": path})
