"""Checking the signatures of stored PDFs: the automatic check of every PDF an incoming
document receives, the re-check a reader asks for, and what the badges show.

The automatic check is a hook the documents app calls (`files.register_incoming_hook`,
registered in `SigningConfig.ready`), so documents never imports signing. It runs in the
request and never fetches: revocation is checked against the CRLs the administrator
uploaded, and shows as "not checked" otherwise. A re-check follows the committee's
setting and may download OCSP/CRL data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from capuyso.audit.services import Verb, audit_record
from capuyso.documents import files as doc_files
from capuyso.documents.models import IncomingDocument, StoredFile
from capuyso.signing import services
from capuyso.signing.models import Verification

logger = logging.getLogger(__name__)

Verdict = Verification.Verdict
# The file verdict when one document has several PDFs: the worst that says something.
_SEVERITY = {
    Verdict.UNSIGNED: 0,
    Verdict.VALID: 1,
    Verdict.UNTRUSTED: 2,
    Verdict.EXPIRED: 3,
    Verdict.MODIFIED: 4,
    Verdict.INVALID: 5,
}


# --- writing checks ---------------------------------------------------------------------


def _record_failure(stored: StoredFile, exc: Exception) -> Verification:
    """A check that could not run still leaves a row: the file cannot be trusted as signed."""
    error = str(_("The signatures could not be checked: %(error)s") % {"error": exc})[:300]
    return Verification.objects.create(
        committee_id=stored.committee_id,
        file=stored,
        verdict=Verdict.INVALID,
        report={
            "verdict": Verdict.INVALID.value,
            "signatures": [],
            "error": error,
            "error_code": "check_failed",
        },
    )


def check_file(stored: StoredFile, *, allow_fetching: bool | None = None) -> Verification | None:
    """Check one stored PDF and keep the verdict; never raises (None for other files)."""
    if stored.content_type != doc_files.PDF:
        return None
    try:
        with transaction.atomic():
            return services.verify_stored_file(stored, allow_fetching=allow_fetching)
    except Exception as exc:
        logger.warning("signature check of file %s failed", stored.pk, exc_info=True)
        return _record_failure(stored, exc)


def check_incoming_file(stored: StoredFile) -> None:
    """The hook: a PDF an incoming document received gets its check, once, offline."""
    if stored.content_type != doc_files.PDF:
        return
    if Verification.objects.filter(file=stored).exists():
        return  # the same file delivered again (a cell's copy of the Office's file)
    check_file(stored, allow_fetching=False)


def verification_recheck(*, actor, document: IncomingDocument) -> list[Verification]:
    """Check again every PDF of an incoming document (after the administrator uploaded new
    trust roots or CRLs). The caller has fetched `document` through the access door.

    The checks run outside a transaction (they may wait for a CA's server); each new row
    and its audit event are written together.
    """
    files = list(document.files.filter(content_type=doc_files.PDF))
    before = latest_by_file(files)
    rows = []
    for stored in files:
        checked = check_file(stored)
        if checked is None:
            continue
        previous = before.get(stored.pk)
        with transaction.atomic():
            audit_record(
                actor=actor,
                verb=Verb.CREATE,
                obj=checked,
                committee=document.committee,
                changes={
                    "verdict": [previous.verdict if previous else None, checked.verdict],
                    "file": [None, stored.original_name],
                },
            )
        rows.append(checked)
    return rows


# --- reading checks ---------------------------------------------------------------------


def latest_by_file(files: Iterable[StoredFile]) -> dict[int, Verification]:
    """The newest check of each file, in one query."""
    ids = [f.pk for f in files]
    latest: dict[int, Verification] = {}
    if not ids:
        return latest
    for row in Verification.objects.filter(file_id__in=ids).order_by("created_at", "pk"):
        latest[row.file_id] = row
    return latest


@dataclasses.dataclass
class Summary:
    """What a list shows for one document: the verdict of its PDFs and who signed."""

    verdict: str
    signer_name: str

    @property
    def badge(self) -> Badge:
        return Badge(verdict=self.verdict, signers=[self.signer_name] if self.signer_name else [])


def summaries_for_incoming(documents: Iterable[IncomingDocument]) -> dict[int, Summary]:
    """Per document, the newest check of each PDF combined (one query for the whole page).

    A document whose PDFs are all unsigned is "unsigned"; otherwise the worst verdict of its
    signed PDFs counts.
    """
    ids = [d.pk for d in documents]
    if not ids:
        return {}
    rows = (
        Verification.objects.filter(file__incoming_documents__in=ids)
        .order_by("created_at", "pk")
        .values_list("file__incoming_documents", "file_id", "verdict", "signer_name")
    )
    newest: dict[tuple[int, int], tuple[str, str]] = {}
    for document_id, file_id, verdict, signer in rows:
        newest[(document_id, file_id)] = (verdict, signer)
    out: dict[int, Summary] = {}
    for (document_id, _file_id), (verdict, signer) in newest.items():
        current = out.get(document_id)
        if current is None or _SEVERITY[verdict] > _SEVERITY[current.verdict]:
            signer = signer or (current.signer_name if current else "")
            out[document_id] = Summary(verdict=verdict, signer_name=signer)
        elif signer and not current.signer_name:
            current.signer_name = signer
    return out


# --- what the badge and the report show -------------------------------------------------

VERDICT_TONES = {
    Verdict.VALID: "badge-ok",
    Verdict.INVALID: "badge-err",
    Verdict.MODIFIED: "badge-err",
    Verdict.UNTRUSTED: "badge-warn",
    Verdict.EXPIRED: "badge-warn",
    Verdict.UNSIGNED: "",
}
VERDICT_HELP = {
    Verdict.VALID: _("The signatures are intact and made with trusted, valid certificates."),
    Verdict.INVALID: _("The file was altered after signing or the signature is broken."),
    Verdict.MODIFIED: _("The file was changed after signing in a way a signature forbids."),
    Verdict.UNTRUSTED: _(
        "The certificate does not chain to a root the committee trusts, or it was revoked. "
        "The administrator can upload the CA's root certificate, then check again."
    ),
    Verdict.EXPIRED: _("The certificate was not valid at the signing time."),
    Verdict.UNSIGNED: _("The file carries no digital signature."),
}
REVOCATION_LABELS = {
    "good": _("not revoked (checked)"),
    "revoked": _("revoked"),
    "not_checked": _("not checked (offline)"),
}
TIME_SOURCE_LABELS = {
    "timestamp": _("from a trusted timestamp"),
    "claimed": _("as claimed by the signer (no trusted timestamp)"),
}
MODIFICATION_LABELS = {
    "NONE": _("none"),
    "LTA_UPDATES": _("validation data only"),
    "FORM_FILLING": _("form filling or later signatures"),
    "ANNOTATIONS": _("comments (annotations)"),
    "OTHER": _("changes to the content"),
}
COVERAGE_LABELS = {
    "ENTIRE_FILE": _("the whole file"),
    "ENTIRE_REVISION": _("the file as it was when signed; later revisions were added"),
    "CONTIGUOUS_BLOCK_FROM_START": _("only part of the file"),
    "UNCLEAR": _("unclear"),
}
TRUST_PROBLEM_LABELS = {
    "NO_CERTIFICATE_CHAIN_FOUND": _("no chain to a root the committee trusts"),
    "REVOKED_NO_POE": _("the certificate was revoked"),
    "REVOKED_CA_NO_POE": _("a CA certificate of the chain was revoked"),
    "OUT_OF_BOUNDS_NO_POE": _("outside the certificate's validity period"),
    "OUT_OF_BOUNDS_NOT_REVOKED": _("outside the certificate's validity period"),
    "EXPIRED": _("the certificate had expired"),
    "NOT_YET_VALID": _("the certificate was not valid yet"),
    "CHAIN_CONSTRAINTS_FAILURE": _("the certificate may not be used for signing"),
    "SIG_CONSTRAINTS_FAILURE": _("the certificate may not be used for signing"),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": _("the certificate chain could not be validated"),
    "CRYPTO_CONSTRAINTS_FAILURE": _("a weak algorithm was used"),
}


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return timezone.localtime(dt.datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return None


@dataclasses.dataclass
class SignatureLine:
    """One signature of the report, in words."""

    entry: dict

    @property
    def verdict_label(self) -> str:
        verdict = self.entry.get("verdict", "")
        return Verdict(verdict).label if verdict in Verdict.values else verdict

    @property
    def tone(self) -> str:
        return VERDICT_TONES.get(self.entry.get("verdict", ""), "")

    @property
    def signer(self) -> dict:
        return self.entry.get("signer") or {}

    @property
    def signing_time(self) -> dt.datetime | None:
        return _parse_time(self.entry.get("signing_time"))

    @property
    def time_source(self) -> str:
        return TIME_SOURCE_LABELS.get(self.entry.get("signing_time_source") or "", "")

    @property
    def is_document_timestamp(self) -> bool:
        return self.entry.get("kind") == "document_timestamp"

    @property
    def coverage(self) -> str:
        value = self.entry.get("coverage") or ""
        return COVERAGE_LABELS.get(value, value)

    @property
    def modification(self) -> str:
        value = self.entry.get("modification_level") or ""
        return MODIFICATION_LABELS.get(value, value)

    @property
    def trust_problem(self) -> str:
        value = self.entry.get("trust_problem") or ""
        return TRUST_PROBLEM_LABELS.get(value, value)

    @property
    def revocation(self) -> str:
        value = self.entry.get("revocation") or ""
        return REVOCATION_LABELS.get(value, value)

    @property
    def revocation_date(self) -> dt.datetime | None:
        return _parse_time(self.entry.get("revocation_date"))


@dataclasses.dataclass
class Badge:
    """The verdict of one check, ready for `signing/_verification_badge.html`."""

    verdict: str
    signers: list[str] = dataclasses.field(default_factory=list)
    verification: Verification | None = None

    @classmethod
    def of(cls, verification: Verification) -> Badge:
        signers = [n.strip() for n in verification.signer_name.split(",") if n.strip()]
        return cls(verdict=verification.verdict, signers=signers, verification=verification)

    @property
    def label(self) -> str:
        return Verdict(self.verdict).label if self.verdict in Verdict.values else self.verdict

    @property
    def tone(self) -> str:
        return VERDICT_TONES.get(self.verdict, "")

    @property
    def help(self) -> str:
        return VERDICT_HELP.get(self.verdict, "")

    @property
    def report(self) -> dict:
        return self.verification.report if self.verification else {}

    @property
    def error(self) -> str:
        return self.report.get("error", "")

    @property
    def signatures(self) -> list[SignatureLine]:
        return [SignatureLine(entry) for entry in self.report.get("signatures", [])]

    @property
    def signing_time(self) -> dt.datetime | None:
        """The time of the last signature (the one that closed the document)."""
        times = [s.signing_time for s in self.signatures if s.signing_time]
        return times[-1] if times else None

    @property
    def timestamped(self) -> bool:
        lines = [s for s in self.signatures if not s.is_document_timestamp]
        return bool(lines) and all(s.entry.get("signing_time_source") == "timestamp" for s in lines)

    @property
    def revocation_not_checked(self) -> bool:
        return any(s.entry.get("revocation") == "not_checked" for s in self.signatures)

    @property
    def checked_at(self) -> dt.datetime | None:
        return self.verification.created_at if self.verification else None
