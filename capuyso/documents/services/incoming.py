"""Incoming documents: registration, direction, handling, deadlines, closing, reading."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.core.text import fold
from capuyso.documents import files as doc_files
from capuyso.documents import search
from capuyso.documents.access import (
    may,
    position_unit_ids,
)
from capuyso.documents.models import (
    CLASSIFIED,
    DocumentEvent,
    DocumentRead,
    DocumentType,
    IncomingDocument,
    IssuerBody,
    Registry,
    Secrecy,
    StoredFile,
    Urgency,
)
from capuyso.documents.services.config import office_of, registry_for
from capuyso.documents.services.numbering import next_number
from capuyso.org.models import Unit

AUDIT_FIELDS = [
    "arrival_number",
    "year",
    "received_at",
    "channel",
    "issuer_name",
    "reference",
    "document_date",
    "doc_type",
    "summary",
    "secrecy",
    "urgency",
    "page_count",
    "paper_holder",
    "due_date",
    "note",
    "status",
]
EDITABLE_FIELDS = [
    "issuer",
    "issuer_name",
    "reference",
    "document_date",
    "doc_type",
    "summary",
    "secrecy",
    "urgency",
    "page_count",
    "paper_holder",
    "due_date",
    "note",
]


class LikelyDuplicate(ValidationError):
    """The same issuer, reference and date are already registered; ask before going on."""

    def __init__(self, existing: IncomingDocument):
        self.existing = existing
        super().__init__(
            _(
                "This document looks already registered: arrival number %(number)s/%(year)s, "
                "%(reference)s of %(issuer)s. Confirm only if it really is another document."
            )
            % {
                "number": existing.arrival_number,
                "year": existing.year,
                "reference": existing.reference,
                "issuer": existing.issuer_name,
            },
            code="duplicate",
        )


def _search_text(document: IncomingDocument) -> str:
    parts = [document.reference, document.issuer_name, document.summary, document.note]
    if document.issuer_id and document.issuer.abbreviation:
        parts.append(document.issuer.abbreviation)
    return fold(" ".join(p for p in parts if p))


def _check_content_rules(
    *, secrecy: str, summary: str, files: list, summary_allowed: bool = False
) -> None:
    if secrecy and secrecy not in Secrecy.values:
        raise ValidationError({"secrecy": _("Choose a secrecy level from the list.")})
    if secrecy in CLASSIFIED and files:
        raise ValidationError(
            {
                "files": _(
                    "A classified document (Mật, Tối mật, Tuyệt mật) must never be put on a "
                    "networked system: only its registry entry is recorded here. Keep the "
                    "paper original and record who holds it."
                )
            }
        )
    if secrecy == Secrecy.ULTRA_SECRET and summary.strip() and not summary_allowed:
        raise ValidationError(
            {
                "summary": _(
                    "A Tuyệt mật document is registered without its summary. A leader may "
                    "allow a summary afterwards."
                )
            }
        )


LENGTHS = {"issuer_name": 200, "reference": 60, "note": 255, "paper_holder": 160}


def _check_lengths(**values) -> None:
    errors = {
        field: _("At most %(limit)s characters.") % {"limit": LENGTHS[field]}
        for field, value in values.items()
        if value and len(value) > LENGTHS[field]
    }
    if errors:
        raise ValidationError(errors)


def find_duplicate(*, registry, issuer_name: str, reference: str, document_date, exclude=None):
    """The same issuer, reference and date already in this registry book (a cell's copy of
    a document the Office also received is not a duplicate)."""
    if not reference.strip():
        return None
    candidates = IncomingDocument.objects.filter(
        registry=registry,
        reference_folded=fold(reference),
        document_date=document_date,
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    issuer = fold(issuer_name)
    for candidate in candidates:
        if fold(candidate.issuer_name) == issuer:
            return candidate
    return None


def default_receiving_unit(actor) -> Unit:
    """Where `actor` registers by default: the Office for committee clerks, else their cell."""
    access = access_for(actor)
    if access.committee_wide(Action.DOCUMENTS_REGISTER):
        from capuyso.org.models import Committee

        return office_of(Committee.objects.get(pk=access.committee_id))
    paths = access.unit_paths(Action.DOCUMENTS_REGISTER)
    if not paths:
        raise PermissionDenied
    unit_id = int(paths[0].strip("/").split("/")[-1])
    return Unit.objects.get(pk=unit_id)


@transaction.atomic
def incoming_register(
    *,
    actor,
    doc_type: DocumentType,
    issuer_name: str,
    receiving_unit: Unit | None = None,
    issuer: IssuerBody | None = None,
    reference: str = "",
    document_date: dt.date | None = None,
    summary: str = "",
    secrecy: str = "",
    urgency: str = "",
    page_count: int | None = None,
    paper_holder: str = "",
    due_date: dt.date | None = None,
    note: str = "",
    channel: str = IncomingDocument.Channel.PAPER,
    received_at: dt.datetime | None = None,
    uploads: list | None = None,
    checked_files: list[doc_files.CheckedFile] | None = None,
    staged_files: list[StoredFile] | None = None,
    submit_token: uuid.UUID | str | None = None,
    confirm_duplicate: bool = False,
    source_recipient=None,
    system: bool = False,
) -> IncomingDocument:
    """Register a document in the receiving office's incoming registry (số đến).

    `system=True` is the platform delivering an outgoing document: no registrar acts.
    """
    if receiving_unit is None:
        receiving_unit = default_receiving_unit(actor)
    committee = receiving_unit.committee
    if not system and not may(actor, Action.DOCUMENTS_REGISTER, receiving_unit):
        raise PermissionDenied
    if submit_token:
        existing = IncomingDocument.objects.filter(
            committee=committee, submit_token=submit_token
        ).first()
        if existing is not None:
            if existing.registered_by_id != getattr(actor, "pk", None):
                raise ValidationError(
                    {
                        "submit_token": _(
                            "This form was already used; open the registration page again."
                        )
                    }
                )
            return existing  # a double submit of the same form: nothing new
    if doc_type.committee_id != committee.pk:
        raise ValidationError({"doc_type": _("Choose a document type of this committee.")})
    if issuer is not None:
        if issuer.committee_id != committee.pk:
            raise ValidationError({"issuer": _("Choose an issuer from this committee's list.")})
        issuer_name = issuer_name or issuer.name
    issuer_name = " ".join((issuer_name or "").split())
    if not issuer_name:
        raise ValidationError({"issuer_name": _("Enter the issuing body.")})
    reference = " ".join(reference.split()).removeprefix("Số ").removeprefix("số ").strip()
    summary = summary.strip()
    if channel not in IncomingDocument.Channel.values:
        raise ValidationError({"channel": _("Choose how the document arrived.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose an urgency from the list.")})
    if not system:
        _check_not_past(due_date, "due_date")
    checked = list(checked_files or [])
    try:
        checked.extend(doc_files.check_upload(upload) for upload in uploads or [])
    except ValidationError as exc:
        raise ValidationError({"files": exc.messages}) from exc
    staged = list(staged_files or [])
    for stored in staged:
        if (
            stored.committee_id != committee.pk
            or stored.uploaded_by_id != getattr(actor, "pk", None)
            or stored.incoming_documents.exists()
        ):
            raise ValidationError({"files": _("A file from an earlier step is no longer valid.")})
    _check_content_rules(secrecy=secrecy, summary=summary, files=checked + staged)
    if secrecy not in CLASSIFIED and not summary:
        raise ValidationError({"summary": _("Enter the summary (trích yếu).")})
    if document_date and document_date > timezone.localdate():
        raise ValidationError({"document_date": _("The document date cannot be in the future.")})
    _check_lengths(
        issuer_name=issuer_name, reference=reference, note=note, paper_holder=paper_holder
    )
    registry = registry_for(receiving_unit, Registry.Kind.INCOMING)
    if not confirm_duplicate:
        duplicate = find_duplicate(
            registry=registry,
            issuer_name=issuer_name,
            reference=reference,
            document_date=document_date,
        )
        if duplicate is not None:
            raise LikelyDuplicate(duplicate)

    received_at = received_at or timezone.now()
    year = timezone.localtime(received_at).year
    written: list[str] = []
    try:
        number = next_number(registry, period=str(year))
        document = IncomingDocument(
            committee=committee,
            registry=registry,
            receiving_unit=receiving_unit,
            receiving_path=receiving_unit.path,
            year=year,
            arrival_number=number,
            received_at=received_at,
            channel=channel,
            issuer=issuer,
            issuer_name=issuer_name,
            reference=reference,
            reference_folded=fold(reference),
            document_date=document_date,
            doc_type=doc_type,
            summary=summary,
            summary_withheld=secrecy == Secrecy.ULTRA_SECRET,
            secrecy=secrecy,
            urgency=urgency,
            page_count=page_count,
            paper_holder=paper_holder.strip(),
            due_date=due_date,
            note=note.strip(),
            registered_by=None if system else actor,
            source_recipient=source_recipient,
            submit_token=submit_token or None,
        )
        document.search_folded = _search_text(document)
        document.save()
        search.index("incoming", document)
        received = [
            doc_files.store(
                committee=committee,
                checked=item,
                purpose=StoredFile.Purpose.ORIGINAL,
                actor=None if system else actor,
                written=written,
            )
            for item in checked
        ] + staged
        if received:
            document.files.add(*received)
            doc_files.incoming_files_added(received)
        _event(
            document,
            DocumentEvent.Kind.REGISTERED,
            None if system else actor,
            number=number,
            files=len(checked) + len(staged),
        )
        audit_record(
            actor=None if system else actor,
            verb=Verb.CREATE,
            obj=document,
            committee=committee,
            changes=created(document, AUDIT_FIELDS),
        )
    except BaseException:
        # The transaction rolls back; the files written so far must go with it.
        doc_files.discard(written)
        raise
    return document


def incoming_stage_upload(*, actor, upload, committee):
    """Check and keep one upload before the registration form is complete, and read the
    Party-layout metadata from its text layer. Returns (stored file, extracted metadata).

    The file is stored now so the clerk doesn't upload it twice; it is linked to the
    document when the registration is saved.
    """
    from capuyso.documents.extract import ExtractedMetadata, extract_metadata
    from capuyso.documents.services.config import active_types

    if not access_for(actor).has(Action.DOCUMENTS_REGISTER):
        raise PermissionDenied
    checked = doc_files.check_upload(upload)
    metadata = ExtractedMetadata()
    if checked.text.strip():
        types = [(t.abbreviation, t.name) for t in active_types(committee)]
        issuers = [
            (i.abbreviation, i.name)
            for i in IssuerBody.objects.filter(committee=committee, is_active=True)
        ]
        metadata = extract_metadata(checked.text, doc_types=types, issuers=issuers)
    stored = doc_files.store(
        committee=committee, checked=checked, purpose=StoredFile.Purpose.ORIGINAL, actor=actor
    )
    return stored, metadata


@transaction.atomic
def incoming_update(*, actor, document: IncomingDocument, version: int | None, **values):
    """Correct the registry entry (never its number). Stale forms are refused."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not may(actor, Action.DOCUMENTS_REGISTER, document.receiving_unit):
        raise PermissionDenied
    _check_stale(document, version)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {unknown}")
    secrecy = values.get("secrecy", document.secrecy)
    summary = values.get("summary", document.summary) or ""
    _check_content_rules(
        secrecy=secrecy,
        summary=summary,
        files=list(document.files.all()) if secrecy in CLASSIFIED else [],
        summary_allowed=document.summary_allowed_by_id is not None,
    )
    if "due_date" in values and values["due_date"] != document.due_date:
        _check_not_past(values["due_date"], "due_date")
    if secrecy not in CLASSIFIED and not summary.strip():
        raise ValidationError({"summary": _("Enter the summary (trích yếu).")})
    if "reference" in values:
        values["reference"] = (
            " ".join(values["reference"].split()).removeprefix("Số ").removeprefix("số ").strip()
        )
    _check_lengths(**{k: v for k, v in values.items() if k in LENGTHS and isinstance(v, str)})
    if values.get("issuer") is not None and not values.get("issuer_name"):
        values["issuer_name"] = values["issuer"].name
    before = snapshot(document, AUDIT_FIELDS)
    for field, value in values.items():
        setattr(document, field, value)
    document.reference_folded = fold(document.reference)
    document.search_folded = _search_text(document)
    document.version += 1
    document.save()
    search.index("incoming", document)
    changes = diff(before, snapshot(document, AUDIT_FIELDS))
    if changes:
        _event(document, DocumentEvent.Kind.EDITED, actor, fields=sorted(changes))
        audit_record(actor=actor, verb=Verb.UPDATE, obj=document, changes=changes)
    return document


@transaction.atomic
def incoming_allow_summary(*, actor, document: IncomingDocument, summary: str):
    """A leader allows (and records) the summary of a Tuyệt mật document."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not may(actor, Action.DOCUMENTS_DIRECT, document.receiving_unit):
        raise PermissionDenied
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": _("Enter the summary (trích yếu).")})
    document.summary = summary
    document.summary_allowed_by = actor
    document.search_folded = _search_text(document)
    document.version += 1
    document.save(
        update_fields=["summary", "summary_allowed_by", "search_folded", "version", "updated_at"]
    )
    search.index("incoming", document)
    _event(document, DocumentEvent.Kind.SUMMARY_ALLOWED, actor)
    audit_record(actor=actor, verb=Verb.UPDATE, obj=document, changes={"summary": ["", summary]})
    return document


def incoming_opened(*, user, document: IncomingDocument) -> None:
    """Record that someone of the receiving unit opened the document: the read receipt the
    sender sees. Others who open it (the Office looking at a cell's copy) don't count."""
    if not read_by_recipient(user, document):
        return
    now = timezone.now()
    updated = DocumentRead.objects.filter(document=document, user=user).update(
        last_opened_at=now, times=F("times") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                DocumentRead.objects.create(
                    committee_id=document.committee_id,
                    document=document,
                    user=user,
                    first_opened_at=now,
                    last_opened_at=now,
                )
        except IntegrityError:
            pass  # opened in two tabs at once: the first row stands


def read_by_recipient(user, document: IncomingDocument) -> bool:
    """Does this user's opening count as the receiving unit reading it?"""
    if document.receiving_unit.kind == Unit.Kind.OFFICE:
        return user.committee_id == document.committee_id
    return document.receiving_unit_id in position_unit_ids(user) or any(
        document.receiving_path.startswith(p)
        for p in access_for(user).unit_paths(Action.DOCUMENTS_VIEW)
    )


# Handling lives in handling.py; its functions are part of this module's API too, so callers
# keep using `services.incoming` for the whole life of an incoming document.
from capuyso.documents.services._incoming_common import (  # noqa: E402
    _check_not_past,
    _check_stale,
    _event,
    _label,
    _url,
)
from capuyso.documents.services.handling import (  # noqa: E402
    AssignmentSpec,
    _handlers_of,
    _may_manage_deadline,
    assignment_complete,
    assignment_delegate,
    assignment_escalate,
    assignment_extend,
    assignment_record,
    direction_acting_as,
    incoming_complete,
    incoming_direct,
    incoming_submit,
    leaders_for,
    may_close,
)

__all__ = [
    "AssignmentSpec",
    "LikelyDuplicate",
    "_check_not_past",
    "_check_stale",
    "_event",
    "_handlers_of",
    "_label",
    "_may_manage_deadline",
    "_url",
    "assignment_complete",
    "assignment_delegate",
    "assignment_escalate",
    "assignment_extend",
    "assignment_record",
    "default_receiving_unit",
    "direction_acting_as",
    "find_duplicate",
    "incoming_allow_summary",
    "incoming_complete",
    "incoming_direct",
    "incoming_opened",
    "incoming_register",
    "incoming_stage_upload",
    "incoming_submit",
    "incoming_update",
    "leaders_for",
    "may_close",
    "read_by_recipient",
]
