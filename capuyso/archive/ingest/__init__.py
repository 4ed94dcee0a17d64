"""Bulk intake of files into the archive: the `archive_ingest` command and the upload page.

Each file is checked before anything is written (type by content, not by name; a PDF that
opens and is not encrypted; a DOCX whose declared unpacked size is sane before a byte of it
is inflated; an image whose width × height, read from its header, is within the limit; the
size), then stored byte for byte under a random name in `archive/<committee>/YYYY/MM/` and
recorded as an ArchiveItem with its SHA-256. A committee never holds the same bytes twice:
the second copy is reported as a duplicate pointing at the first.

Text comes from the PDF text layer (pages joined by PAGE_BREAK) or from the DOCX itself.
A PDF with pages without text, or an image, waits for OCR (archive.ocr). A signed PDF is
flagged so OCR only ever works on a copy. Metadata is proposed from the text with the
documents app's extractor; a person confirms it on the item page.

One bad file never stops a batch: every file gets a result (added, duplicate, failed with
a code and a message), and the batch goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive.ingest.checks import (
    PAGE_BREAK,
    Examined,
    examine,
    max_file_bytes,
    page_has_text,
    refusal,
    safe_name,
    safe_path,
    too_large,
)
from capuyso.archive.models import ArchiveItem
from capuyso.audit.services import Verb, audit_record, created
from capuyso.documents.files import EXTENSIONS
from capuyso.search.index import index_object

__all__ = [
    "PAGE_BREAK",
    "Examined",
    "IngestResult",
    "Intake",
    "enqueue_ocr",
    "examine",
    "propose",
    "proposal_lists",
    "propose_metadata",
    "safe_name",
]

logger = logging.getLogger(__name__)
PROPOSAL_TEXT_CHARS = 20_000  # the extractor reads the header at the top of page 1
AUDIT_FIELDS = ["source_name", "size", "sha256", "pages", "signed", "dossier", "ocr_status"]

# --- metadata proposals -----------------------------------------------------------------


def proposal_lists(committee) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The committee's document types and issuer directory, as the extractor takes them
    (the same lists the documents app passes for an incoming PDF)."""
    from capuyso.documents.models import IssuerBody
    from capuyso.documents.services.config import active_types

    types = [(t.abbreviation, t.name) for t in active_types(committee)]
    issuers = list(
        IssuerBody.objects.filter(committee=committee, is_active=True).values_list(
            "abbreviation", "name"
        )
    )
    return types, issuers


def propose(text: str, *, doc_types=None, issuers=()) -> dict:
    """Reference, date (ISO), issuer, type and summary read from the text; {} without text."""
    from capuyso.documents.extract import DEFAULT_TYPES, extract_metadata

    if not page_has_text(text):
        return {}
    # (OCR's look-alikes of Đ are the extractor's to read.)
    found = extract_metadata(
        text[:PROPOSAL_TEXT_CHARS], doc_types=doc_types or DEFAULT_TYPES, issuers=issuers
    )
    return {
        "reference": found.reference,
        "document_date": found.document_date.isoformat() if found.document_date else "",
        "issuer_name": found.issuer_name,
        "type_abbreviation": found.type_abbreviation,
        "summary": found.summary,
    }


def propose_metadata(item: ArchiveItem) -> dict:
    """Propose again from the item's text (archive.ocr calls it once OCR put the text in).
    Saves `proposed`; the confirmed fields are never touched."""
    doc_types, issuers = proposal_lists(item.committee)
    item.proposed = propose(item.text, doc_types=doc_types, issuers=issuers)
    item.save(update_fields=["proposed", "updated_at"])
    return item.proposed


# --- one batch --------------------------------------------------------------------------


@dataclass
class IngestResult:
    name: str
    status: str  # "added", "duplicate" or "failed"
    path: str = ""
    item: ArchiveItem | None = None
    error: str = ""  # a failure's code
    reason: str = ""
    sha256: str = ""

    ADDED = "added"
    DUPLICATE = "duplicate"
    FAILED = "failed"

    @property
    def ocr_queued(self) -> bool:
        return self.status == self.ADDED and self.item.ocr_status == ArchiveItem.OcrStatus.WAITING

    def as_dict(self) -> dict:
        line = {"name": self.name, "path": self.path, "status": self.status}
        line["code"] = str(self.item.code) if self.item is not None else None
        if self.sha256:
            line["sha256"] = self.sha256
        if self.status == self.ADDED:
            line["ocr"] = self.item.ocr_status
        if self.reason:
            line["reason"] = self.reason
        if self.error:
            line["error"] = self.error
        return line


@dataclass
class Intake:
    """One batch of files taken into a committee's archive, by `actor` (None: the system,
    for the command without --user), filed into `dossier` when one is given."""

    committee: object
    actor: object = None
    dossier: object = None
    results: list[IngestResult] = field(default_factory=list)
    _lists: tuple | None = field(default=None, init=False, repr=False)  # types, issuers

    def __post_init__(self) -> None:
        if self.actor is not None:
            access = access_for(self.actor)
            if access.committee_id != self.committee.pk or not access.committee_wide(
                Action.DOCUMENTS_REGISTER
            ):
                raise PermissionDenied
        if self.dossier is not None:
            check_dossier(self.dossier, self.committee)

    # the three ways in

    def add_bytes(self, data: bytes, *, name: str, path: str = "") -> IngestResult:
        name = safe_name(name)
        try:
            result = self._add(data, name=name, path=path)
        except Exception:  # the rest of the batch goes on; the error is logged
            logger.exception("archive intake failed on %s", name)
            result = IngestResult(
                name=name,
                path=path,
                status=IngestResult.FAILED,
                error="internal",
                reason=_("%(name)s could not be taken in (unexpected error); it was logged.")
                % {"name": name},
            )
        self.results.append(result)
        return result

    def add_upload(self, upload) -> IngestResult:
        """A browser upload: its client-supplied name is only shown, never trusted."""
        name = safe_name(getattr(upload, "name", ""))
        limit = max_file_bytes()
        if (upload.size or 0) > limit:
            return self._failed(name, "", too_large(name))
        upload.seek(0)
        return self.add_bytes(upload.read(limit + 1), name=name)

    def add_path(self, path: Path, *, root: Path) -> IngestResult:
        relative = safe_path(path.relative_to(root).parts)
        name = safe_name(path.name)
        if path.is_symlink() or not path.is_file():
            error = refusal(
                _("%(name)s is not a regular file (a link or a device); it was skipped."),
                "not_a_file",
                name=name,
            )
            return self._failed(name, relative, error)
        try:
            if path.stat().st_size > max_file_bytes():
                return self._failed(name, relative, too_large(name))
            data = path.read_bytes()
        except OSError as exc:
            error = refusal(
                _("%(name)s could not be read: %(error)s"),
                "unreadable",
                name=name,
                error=exc.strerror or exc.__class__.__name__,
            )
            return self._failed(name, relative, error)
        return self.add_bytes(data, name=path.name, path=relative)

    def add_folder(self, root: Path) -> list[IngestResult]:
        """Every file under `root`, folders in name order; links are reported, not followed."""
        for folder, subfolders, files in os.walk(root, followlinks=False):
            subfolders.sort()
            for file_name in sorted(files):
                self.add_path(Path(folder) / file_name, root=root)
        return self.results

    # the work

    def _failed(self, name: str, path: str, error: ValidationError) -> IngestResult:
        result = IngestResult(
            name=name,
            path=path,
            status=IngestResult.FAILED,
            error=error.code or "invalid",
            reason=error.messages[0],
        )
        self.results.append(result)
        return result

    def _duplicate(self, name: str, path: str, sha256: str, existing) -> IngestResult:
        return IngestResult(
            name=name,
            path=path,
            status=IngestResult.DUPLICATE,
            item=existing,
            error="duplicate",
            sha256=sha256,
            reason=_("%(name)s is already in the archive (%(existing)s).")
            % {"name": name, "existing": existing.source_name},
        )

    def _existing(self, sha256: str):
        return (
            ArchiveItem.objects.filter(committee_id=self.committee.pk, sha256=sha256)
            .only("code", "source_name", "ocr_status")
            .first()
        )

    def _add(self, data: bytes, *, name: str, path: str) -> IngestResult:
        sha256 = hashlib.sha256(data).hexdigest() if data else ""
        existing = self._existing(sha256) if data else None
        if existing is not None:
            return self._duplicate(name, path, sha256, existing)
        try:
            examined = examine(data, name)
        except ValidationError as exc:
            return IngestResult(
                name=name,
                path=path,
                status=IngestResult.FAILED,
                error=exc.code or "invalid",
                reason=exc.messages[0],
                sha256=sha256,
            )
        if self._lists is None:
            self._lists = proposal_lists(self.committee)
        doc_types, issuers = self._lists
        proposed = propose(examined.text, doc_types=doc_types, issuers=issuers)
        written: list[str] = []
        try:
            with transaction.atomic():
                item = self._create(data, name, path, sha256, examined, proposed, written)
        except IntegrityError:
            _discard(written)
            existing = self._existing(sha256)
            if existing is None:
                raise
            return self._duplicate(name, path, sha256, existing)  # the same bytes, just now
        except BaseException:
            _discard(written)
            raise
        return IngestResult(
            name=name, path=path, status=IngestResult.ADDED, item=item, sha256=sha256
        )

    def _create(self, data, name, path, sha256, examined, proposed, written) -> ArchiveItem:
        today = timezone.localdate()
        extension = EXTENSIONS[examined.content_type]
        storage_name = f"archive/{self.committee.pk}/{today:%Y/%m}/{uuid.uuid4().hex}.{extension}"
        saved = default_storage.save(storage_name, ContentFile(data))
        written.append(saved)
        status = ArchiveItem.OcrStatus
        item = ArchiveItem.objects.create(
            committee=self.committee,
            dossier=self.dossier,
            source_name=name,
            source_path=path,
            file=saved,
            content_type=examined.content_type,
            size=len(data),
            sha256=sha256,
            pages=examined.pages,
            signed=examined.signed,
            text=examined.text,
            text_source=examined.text_source,
            ocr_status=status.WAITING if examined.needs_ocr else status.NOT_NEEDED,
            proposed=proposed,
            ingested_by=self._actor(),
        )
        audit_record(
            actor=self._actor(),
            verb=Verb.CREATE,
            obj=item,
            committee=self.committee,
            changes=created(item, AUDIT_FIELDS),
        )
        index_object(item)
        if examined.needs_ocr:
            transaction.on_commit(lambda: enqueue_ocr(item), robust=True)
        return item

    def _actor(self):
        actor = self.actor
        return actor if actor is not None and actor.is_authenticated else None

    # the report

    def summary(self) -> dict:
        counts = {
            "files": len(self.results),
            "added": sum(r.status == IngestResult.ADDED for r in self.results),
            "duplicates": sum(r.status == IngestResult.DUPLICATE for r in self.results),
            "failed": sum(r.status == IngestResult.FAILED for r in self.results),
            "ocr_queued": sum(r.ocr_queued for r in self.results),
        }
        return {"counts": counts, "files": [r.as_dict() for r in self.results]}


def check_dossier(dossier, committee) -> None:
    """A dossier items may be filed into: the committee's own, not disposed of. A closed
    dossier is accepted: digitized papers of a past year belong in that year's dossier."""
    if dossier.committee_id != committee.pk:
        raise ValidationError(
            {"dossier": ValidationError(_("Choose a dossier of this committee."), code="dossier")}
        )
    if dossier.disposed_at is not None:
        raise ValidationError(
            {
                "dossier": ValidationError(
                    _("This dossier was disposed of; choose another."), code="disposed"
                )
            }
        )


def enqueue_ocr(item: ArchiveItem) -> None:
    """Hand a waiting item to OCR (archive.ocr), after the intake committed. Until that
    module is installed, the item simply stays "waiting"."""
    try:
        from capuyso.archive.ocr import ocr_enqueue
    except ImportError:
        logger.info("archive OCR is not installed; item %s stays waiting", item.pk)
        return
    # ocr_enqueue leaves an item it sees waiting alone (already planned); this one is
    # waiting for its plan, so it is shown as not yet planned, as ocr_retry does.
    item.ocr_status = ArchiveItem.OcrStatus.NOT_NEEDED
    try:
        ocr_enqueue(item)
    except Exception:
        item.ocr_status = ArchiveItem.OcrStatus.WAITING  # as it stays in the database
        raise


def _discard(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)
