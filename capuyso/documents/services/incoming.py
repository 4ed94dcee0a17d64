"""Incoming documents: registration, direction, handling, deadlines, closing, reading."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.core.text import fold
from capuyso.documents import files as doc_files
from capuyso.documents import search
from capuyso.documents.access import (
    holders,
    is_handler,
    may,
    position_unit_ids,
    roles_with,
    unit_handlers,
)
from capuyso.documents.models import (
    CLASSIFIED,
    Assignment,
    Delegation,
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
from capuyso.documents.services.config import acting_for, office_of, registry_for
from capuyso.documents.services.numbering import next_number
from capuyso.notifications.models import Notification
from capuyso.notifications.services import notify
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


def _url(document: IncomingDocument) -> str:
    return reverse("documents:incoming_detail", args=[document.code])


def _event(document, kind, actor, *, text="", assignment=None, on_behalf_of=None, **data):
    return DocumentEvent.objects.create(
        committee_id=document.committee_id,
        incoming=document,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        on_behalf_of=on_behalf_of,
        assignment=assignment,
        text=text,
        data=data,
    )


def _search_text(document: IncomingDocument) -> str:
    parts = [document.reference, document.issuer_name, document.summary, document.note]
    if document.issuer_id and document.issuer.abbreviation:
        parts.append(document.issuer.abbreviation)
    return fold(" ".join(p for p in parts if p))


def _check_stale(document, version: int | None) -> None:
    if version is not None and int(version) != document.version:
        raise ValidationError(
            _(
                "Someone else changed this document while you were editing it. "
                "Reload the page to see their changes, then make yours again."
            ),
            code="stale",
        )


def _check_not_past(day: dt.date | None, field: str) -> None:
    if day is not None and day < timezone.localdate():
        raise ValidationError({field: _("The deadline is already past; choose a later date.")})


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
        for item in checked:
            stored = doc_files.store(
                committee=committee,
                checked=item,
                purpose=StoredFile.Purpose.ORIGINAL,
                actor=None if system else actor,
                written=written,
            )
            document.files.add(stored)
        if staged:
            document.files.add(*staged)
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
        values["reference"] = " ".join(values["reference"].split()).removeprefix("Số ").strip()
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


def _leaders(committee_id):
    from capuyso.accounts.roles import COMMITTEE_WIDE_ROLES

    roles = roles_with(Action.DOCUMENTS_DIRECT) & set(COMMITTEE_WIDE_ROLES)
    return holders(committee_id, roles).order_by("full_name")


def leaders_for(committee_id):
    """People a document can be submitted to for direction."""
    return _leaders(committee_id)


@transaction.atomic
def incoming_submit(*, actor, document: IncomingDocument, leader, version: int | None = None):
    """The clerk submits the document to a leader for direction (the same day, rules.md)."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not may(actor, Action.DOCUMENTS_REGISTER, document.receiving_unit):
        raise PermissionDenied
    _check_stale(document, version)
    if document.status not in (
        IncomingDocument.Status.REGISTERED,
        IncomingDocument.Status.SUBMITTED,
    ):
        raise ValidationError(_("This document already has a direction."))
    if document.receiving_unit.kind != Unit.Kind.OFFICE:
        raise ValidationError(
            _("A cell handles the documents it receives itself; there is no one to submit to.")
        )
    if not _leaders(document.committee_id).filter(pk=leader.pk).exists():
        raise ValidationError({"leader": _("Choose a leader who gives direction.")})
    before = document.submitted_to
    document.submitted_to = leader
    document.submitted_at = timezone.now()
    document.status = IncomingDocument.Status.SUBMITTED
    document.version += 1
    document.save(update_fields=["submitted_to", "submitted_at", "status", "version", "updated_at"])
    _event(document, DocumentEvent.Kind.SUBMITTED, actor, text=leader.full_name)
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=document,
        changes={"submitted_to": [str(before) if before else None, str(leader)]},
    )
    recipients = [leader]
    # A deputy acting for the leader sees it too.
    today = timezone.localdate()
    recipients += [
        d.delegate
        for d in Delegation.objects.filter(
            grantor=leader,
            scope=Delegation.Scope.DIRECTION,
            starts_on__lte=today,
            ends_on__gte=today,
            revoked_at__isnull=True,
        ).select_related("delegate")
    ]
    notify(
        users=recipients,
        kind=Notification.Kind.SUBMITTED,
        title=_("For your direction: %(doc)s") % {"doc": _label(document)},
        url=_url(document),
    )
    return document


def _label(document: IncomingDocument) -> str:
    summary = document.summary if not document.summary_withheld else ""
    text = f"{document.reference} {summary}".strip() or document.issuer_name
    return text[:150]


def direction_acting_as(actor, document: IncomingDocument):
    """(allowed, on_behalf_of): may `actor` direct this document, and for whom?"""
    if not may(actor, Action.DOCUMENTS_DIRECT, document.receiving_unit):
        # A deputy with a direction delegation may act even without the right of their own.
        if document.submitted_to_id and acting_for(
            actor, document.submitted_to, Delegation.Scope.DIRECTION
        ):
            return True, document.submitted_to
        return False, None
    if document.submitted_to_id is None or document.submitted_to_id == actor.pk:
        return True, None
    if acting_for(actor, document.submitted_to, Delegation.Scope.DIRECTION):
        return True, document.submitted_to
    return False, None


@dataclass
class AssignmentSpec:
    role: str
    unit: Unit | None = None
    user: object | None = None
    due_date: dt.date | None = None


def _check_assignee(document, spec: AssignmentSpec) -> None:
    if spec.unit is None and spec.user is None:
        raise ValidationError(_("Choose a unit or a person for each assignment."))
    if spec.unit is not None and spec.unit.committee_id != document.committee_id:
        raise ValidationError(_("Choose a unit of this committee."))
    if spec.user is not None and spec.user.committee_id != document.committee_id:
        raise ValidationError(_("Choose a person of this committee."))
    if spec.role not in Assignment.Role.values:
        raise ValidationError(_("Choose lead, support or for information."))
    _check_not_past(spec.due_date, "due_date")


def _handlers_of(assignment: Assignment):
    if assignment.user_id:
        return [assignment.user]
    return list(unit_handlers(assignment.unit))


def _create_assignment(document, spec: AssignmentSpec, actor, parent=None) -> Assignment:
    assignment = Assignment.objects.create(
        committee_id=document.committee_id,
        document=document,
        parent=parent,
        role=spec.role,
        unit=spec.unit,
        user=spec.user,
        due_date=spec.due_date if spec.role != Assignment.Role.FYI else None,
        assigned_by=actor,
    )
    notify(
        users=_handlers_of(assignment),
        kind=Notification.Kind.ASSIGNED,
        title=(
            _("For information: %(doc)s")
            if spec.role == Assignment.Role.FYI
            else _("Assigned to you: %(doc)s")
        )
        % {"doc": _label(document)},
        url=_url(document),
        body=document.direction,
    )
    return assignment


@transaction.atomic
def incoming_direct(
    *,
    actor,
    document: IncomingDocument,
    direction: str,
    assignments: list[AssignmentSpec],
    version: int | None = None,
) -> IncomingDocument:
    """The leader's direction (bút phê): one lead, supporting and FYI recipients, deadlines."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    allowed, on_behalf_of = direction_acting_as(actor, document)
    if not allowed:
        if may(actor, Action.DOCUMENTS_DIRECT, document.receiving_unit):
            raise ValidationError(
                _("This document was submitted to %(name)s; only they or their deputy may direct.")
                % {"name": document.submitted_to.full_name}
            )
        raise PermissionDenied
    _check_stale(document, version)
    if not document.is_open:
        raise ValidationError(_("This document is closed."))
    direction = direction.strip()
    if not direction:
        raise ValidationError({"direction": _("Write the direction.")})
    leads = [s for s in assignments if s.role == Assignment.Role.LEAD]
    already_led = document.assignments.filter(
        role=Assignment.Role.LEAD, parent__isnull=True
    ).exists()
    if len(leads) > 1 or (not leads and not already_led):
        raise ValidationError({"lead": _("Choose exactly one lead unit or person.")})
    if leads and already_led:
        raise ValidationError({"lead": _("This document already has a lead.")})
    for spec in assignments:
        _check_assignee(document, spec)
        if spec.role != Assignment.Role.FYI and spec.due_date is None:
            spec.due_date = document.due_date
    for spec in assignments:
        _create_assignment(document, spec, actor)
    first = document.directed_at is None
    document.direction = direction if first else f"{document.direction}\n{direction}"
    document.directed_by = actor
    document.directed_on_behalf_of = on_behalf_of
    document.directed_at = timezone.now()
    if leads and leads[0].due_date and not document.due_date:
        document.due_date = leads[0].due_date
    if document.status in (IncomingDocument.Status.REGISTERED, IncomingDocument.Status.SUBMITTED):
        document.status = IncomingDocument.Status.DIRECTED
    document.version += 1
    document.save()
    _event(
        document,
        DocumentEvent.Kind.DIRECTED,
        actor,
        text=direction,
        on_behalf_of=on_behalf_of,
        assignments=[
            {
                "role": s.role,
                "unit": s.unit.name if s.unit else None,
                "user": s.user.full_name if s.user else None,
                "due": s.due_date.isoformat() if s.due_date else None,
            }
            for s in assignments
        ],
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=document,
        changes={
            "direction": [None, direction],
            **({"on_behalf_of": [None, str(on_behalf_of)]} if on_behalf_of else {}),
        },
    )
    return document


def _may_manage_deadline(actor, assignment: Assignment) -> tuple[bool, object | None]:
    document = assignment.document
    if assignment.assigned_by_id == actor.pk or document.directed_by_id == actor.pk:
        return True, None
    for principal_id in {assignment.assigned_by_id, document.directed_by_id} - {None}:
        from capuyso.accounts.models import User

        principal = User.objects.get(pk=principal_id)
        if acting_for(actor, principal, Delegation.Scope.DIRECTION):
            return True, principal
    if access_for(actor).can(
        Action.DOCUMENTS_DIRECT,
        committee_id=document.committee_id,
        unit_path=document.receiving_path,
    ) and access_for(actor).committee_wide(Action.DOCUMENTS_DIRECT):
        return True, None
    return False, None


@transaction.atomic
def assignment_extend(*, actor, assignment: Assignment, due_date: dt.date, reason: str):
    """The person who gave direction moves a deadline; the old and new dates are recorded."""
    assignment = (
        Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    )
    allowed, on_behalf_of = _may_manage_deadline(actor, assignment)
    if not allowed:
        raise PermissionDenied
    if assignment.status == Assignment.Status.DONE:
        raise ValidationError(_("This assignment is already done."))
    if due_date is None:
        raise ValidationError({"due_date": _("Choose the new deadline.")})
    _check_not_past(due_date, "due_date")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the change.")})
    old = assignment.due_date
    assignment.due_date = due_date
    assignment.save(update_fields=["due_date", "updated_at"])
    document = assignment.document
    if assignment.role == Assignment.Role.LEAD and assignment.parent_id is None:
        document.due_date = due_date
        document.save(update_fields=["due_date", "updated_at"])
    _event(
        document,
        DocumentEvent.Kind.DEADLINE,
        actor,
        text=reason,
        assignment=assignment,
        on_behalf_of=on_behalf_of,
        old=old.isoformat() if old else None,
        new=due_date.isoformat(),
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=assignment,
        committee=document.committee,
        changes={"due_date": [old, due_date], "reason": [None, reason]},
    )
    notify(
        users=_handlers_of(assignment),
        kind=Notification.Kind.DEADLINE_CHANGED,
        title=_("New deadline %(date)s: %(doc)s")
        % {"date": due_date.strftime("%d/%m/%Y"), "doc": _label(document)},
        url=_url(document),
        body=reason,
    )
    return assignment


@transaction.atomic
def assignment_escalate(*, actor, assignment: Assignment, note: str):
    """Press a late or urgent assignment: the handlers get an urgent notice, recorded."""
    assignment = (
        Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    )
    allowed, on_behalf_of = _may_manage_deadline(actor, assignment)
    if not allowed:
        raise PermissionDenied
    if assignment.status == Assignment.Status.DONE:
        raise ValidationError(_("This assignment is already done."))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Write what you ask of the handlers.")})
    assignment.escalated_at = timezone.now()
    assignment.save(update_fields=["escalated_at", "updated_at"])
    document = assignment.document
    _event(
        document,
        DocumentEvent.Kind.ESCALATED,
        actor,
        text=note,
        assignment=assignment,
        on_behalf_of=on_behalf_of,
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=assignment,
        committee=document.committee,
        changes={"escalated": [None, note]},
    )
    notify(
        users=_handlers_of(assignment),
        kind=Notification.Kind.ESCALATED,
        title=_("Urgent: %(doc)s") % {"doc": _label(document)},
        url=_url(document),
        body=note,
    )
    return assignment


def _require_handler(actor, assignment: Assignment) -> None:
    if not is_handler(actor, assignment):
        raise PermissionDenied
    if not assignment.document.is_open:
        raise ValidationError(_("This document is closed."))


@transaction.atomic
def assignment_record(*, actor, assignment: Assignment, text: str, kind: str):
    """A handler records progress or a comment."""
    assignment = (
        Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    )
    _require_handler(actor, assignment)
    if kind not in (DocumentEvent.Kind.PROGRESS, DocumentEvent.Kind.COMMENT):
        raise ValueError(kind)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write what was done.")})
    document = assignment.document
    if kind == DocumentEvent.Kind.PROGRESS and assignment.status == Assignment.Status.OPEN:
        assignment.status = Assignment.Status.IN_PROGRESS
        assignment.save(update_fields=["status", "updated_at"])
    if document.status == IncomingDocument.Status.DIRECTED and kind == DocumentEvent.Kind.PROGRESS:
        document.status = IncomingDocument.Status.IN_PROGRESS
        document.save(update_fields=["status", "updated_at"])
    return _event(document, kind, actor, text=text, assignment=assignment)


@transaction.atomic
def assignment_delegate(*, actor, assignment: Assignment, spec: AssignmentSpec) -> Assignment:
    """A handler passes part of the work on (sub-assignment)."""
    assignment = (
        Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    )
    _require_handler(actor, assignment)
    if assignment.role == Assignment.Role.FYI:
        raise ValidationError(_("A for-information copy cannot be assigned on."))
    document = assignment.document
    _check_assignee(document, spec)
    if spec.due_date is None:
        spec.due_date = assignment.due_date
    if assignment.due_date and spec.due_date and spec.due_date > assignment.due_date:
        raise ValidationError(
            {"due_date": _("A sub-assignment cannot end after its own deadline.")}
        )
    spec.role = Assignment.Role.SUPPORT
    child = _create_assignment(document, spec, actor, parent=assignment)
    _event(
        document,
        DocumentEvent.Kind.SUB_ASSIGNED,
        actor,
        text=child.handler_label,
        assignment=assignment,
    )
    return child


@transaction.atomic
def assignment_complete(*, actor, assignment: Assignment, result: str, reply=None):
    """A handler reports their result, optionally linking the reply (an outgoing document)."""
    assignment = (
        Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    )
    _require_handler(actor, assignment)
    result = result.strip()
    if not result:
        raise ValidationError({"result": _("Write the result.")})
    document = assignment.document
    if reply is not None and reply.committee_id != document.committee_id:
        raise ValidationError({"reply": _("Choose a reply of this committee.")})
    assignment.status = Assignment.Status.DONE
    assignment.result = result
    assignment.reply = reply
    assignment.done_at = timezone.now()
    assignment.save(update_fields=["status", "result", "reply", "done_at", "updated_at"])
    if document.status == IncomingDocument.Status.DIRECTED:
        document.status = IncomingDocument.Status.IN_PROGRESS
        document.save(update_fields=["status", "updated_at"])
    _event(
        document,
        DocumentEvent.Kind.RESULT,
        actor,
        text=result,
        assignment=assignment,
        reply=reply.reference if reply is not None else None,
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=assignment,
        committee=document.committee,
        changes={"status": ["open", "done"], "result": [None, result]},
    )
    return assignment


def may_close(actor, document: IncomingDocument) -> bool:
    """The lead handler closes the matter; so may the leader who directed it, and the
    registrar (the Office) once the lead has reported its result. A document without a
    lead (for information, or a cell's copy) is closed by its registrar."""
    if not document.is_open:
        return False
    lead = next(
        (
            a
            for a in document.assignments.all()
            if a.role == Assignment.Role.LEAD and a.parent_id is None
        ),
        None,
    )
    if lead is not None and is_handler(actor, lead):
        return True
    if document.directed_by_id == actor.pk:
        return True
    if not may(actor, Action.DOCUMENTS_REGISTER, document.receiving_unit):
        return False
    return lead is None or lead.status == Assignment.Status.DONE


@transaction.atomic
def incoming_complete(
    *,
    actor,
    document: IncomingDocument,
    result: str,
    dossier=None,
    version: int | None = None,
) -> IncomingDocument:
    """Close the matter and file the document into a dossier."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    _check_stale(document, version)
    if not document.is_open:
        raise ValidationError(_("This document is already closed."))
    if not may_close(actor, document):
        raise PermissionDenied
    result = result.strip()
    if not result:
        raise ValidationError({"result": _("Write the result of the handling.")})
    if dossier is not None and dossier.committee_id != document.committee_id:
        raise ValidationError({"dossier": _("Choose a dossier of this committee.")})
    if dossier is not None and dossier.closed_at is not None:
        raise ValidationError({"dossier": _("This dossier is closed; choose an open one.")})
    now = timezone.now()
    document.status = IncomingDocument.Status.COMPLETED
    document.result = result
    document.completed_at = now
    document.completed_by = actor
    document.handled_on_platform = True
    document.dossier = dossier
    document.version += 1
    document.save()
    document.assignments.exclude(status=Assignment.Status.DONE).filter(
        role=Assignment.Role.FYI
    ).update(status=Assignment.Status.DONE, done_at=now)
    lead = document.assignments.filter(
        role=Assignment.Role.LEAD, parent__isnull=True, status__in=["open", "in_progress"]
    ).first()
    if lead is not None:
        lead.status = Assignment.Status.DONE
        lead.result = lead.result or result
        lead.done_at = now
        lead.save(update_fields=["status", "result", "done_at", "updated_at"])
    _event(
        document,
        DocumentEvent.Kind.COMPLETED,
        actor,
        text=result,
        dossier=str(dossier) if dossier else None,
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=document,
        changes={
            "status": ["open", document.status],
            "dossier": [None, str(dossier) if dossier else None],
        },
    )
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
