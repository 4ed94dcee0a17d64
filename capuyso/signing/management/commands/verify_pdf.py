"""`capuyso verify_pdf FILE [--trust ROOT.pem ...]`: check a PDF's signatures, print a JSON
report, exit 0 only when every signature is valid.

Exit codes: 0 valid; 1 any other verdict (unsigned included); 2 the command could not run
(missing or unreadable file, a bad certificate or CRL file, an unknown committee).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from capuyso.signing import pdf

USAGE_ERROR = 2


def _read(path: str, what: str) -> bytes:
    file = Path(path)
    if not file.exists():
        raise CommandError(f"{what} not found: {path}", returncode=USAGE_ERROR)
    if not file.is_file():
        raise CommandError(f"{what} is not a file: {path}", returncode=USAGE_ERROR)
    try:
        return file.read_bytes()
    except OSError as exc:
        raise CommandError(
            f"{what} cannot be read: {path} ({exc.strerror})", returncode=USAGE_ERROR
        ) from exc


def _certificates(paths: list[str], what: str) -> list:
    certs = []
    for path in paths:
        try:
            certs.extend(pdf.load_certificates(_read(path, what)))
        except CommandError:
            raise
        except Exception as exc:
            raise CommandError(
                f"{what} is not a certificate (PEM or DER): {path}", returncode=USAGE_ERROR
            ) from exc
    return certs


def _crls(paths: list[str]) -> list:
    crls = []
    for path in paths:
        data = _read(path, "CRL")
        try:
            crls.append(pdf.load_crl(data))
        except Exception as exc:
            raise CommandError(
                f"CRL is not a revocation list (PEM or DER): {path}", returncode=USAGE_ERROR
            ) from exc
    return crls


class Command(BaseCommand):
    help = (
        "Check the digital signatures of a PDF and print a JSON report (verdict: valid, "
        "invalid_integrity, untrusted, expired, modified_after_signing or unsigned; one "
        "entry per signature). Exits 0 only when every signature is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the PDF to check")
        parser.add_argument(
            "--trust",
            action="append",
            default=[],
            metavar="ROOT.pem",
            help="a trusted root certificate, PEM or DER; a PEM bundle may hold several "
            "(repeatable)",
        )
        parser.add_argument(
            "--other-certs",
            action="append",
            default=[],
            metavar="CA.pem",
            help="intermediate CA certificates the chain may need (repeatable)",
        )
        parser.add_argument(
            "--crl",
            action="append",
            default=[],
            metavar="CA.crl",
            help="a certificate revocation list, PEM or DER (repeatable)",
        )
        parser.add_argument(
            "--committee",
            metavar="SLUG",
            help="also trust what this committee's administrator uploaded (roots, "
            "intermediates, CRLs)",
        )
        parser.add_argument(
            "--fetch",
            action="store_true",
            help="download revocation data (OCSP, CRL) from the CAs; off by default, "
            "revocation is then checked against the given CRLs only",
        )

    def handle(self, *args, **options):
        data = _read(options["file"], "File")
        trust = pdf.TrustStore(
            roots=_certificates(options["trust"], "Trust root"),
            intermediates=_certificates(options["other_certs"], "Certificate"),
            crls=_crls(options["crl"]),
            allow_fetching=options["fetch"],
        )
        if options["committee"]:
            from capuyso.org.models import Committee
            from capuyso.signing.services import trust_store

            committee = Committee.objects.filter(slug=options["committee"]).first()
            if committee is None:
                raise CommandError(
                    f"No committee with the slug {options['committee']!r}.",
                    returncode=USAGE_ERROR,
                )
            uploaded = trust_store(committee, allow_fetching=options["fetch"])
            trust.roots += uploaded.roots
            trust.intermediates += uploaded.intermediates
            trust.crls += uploaded.crls
        checked = pdf.verify(data, trust)
        report = {
            "verdict": checked["verdict"],
            "file": options["file"],
            "sha256": hashlib.sha256(data).hexdigest(),
            **checked,
        }
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        if report["verdict"] != "valid":
            raise CommandError(f"verdict: {report['verdict']}", returncode=1)
