"""Outgoing documents: draft → review → approval → (signature) → issue → dispatch."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record, created
from capuyso.core.text import fold
from capuyso.documents import files as doc_files
from capuyso.documents import search
from capuyso.documents.access import (
    active_delegations,
    holders,
    may,
    roles_with,
    unit_registrars,
)
from capuyso.documents.layout import PartyLayout, format_reference, render_docx
from capuyso.documents.models import (
    CLASSIFIED,
    Delegation,
    DocumentEvent,
    DocumentType,
    DraftTemplate,
    DraftVersion,
    IncomingDocument,
    OutgoingDocument,
    OutgoingRecipient,
    Registry,
    Review,
    Secrecy,
    StoredFile,
    Urgency,
)
from capuyso.documents.services._incoming_common import _check_stale
from capuyso.documents.services.config import (
    acting_for,
    active_types,
    issuer_for_platform,
    office_of,
    registry_for,
)
from capuyso.documents.services.incoming import incoming_register
from capuyso.documents.services.numbering import next_number, outgoing_period
from capuyso.notifications.models import Notification
from capuyso.notifications.services import notify
from capuyso.org.models import Committee, Unit

AUDIT_FIELDS = [
    "doc_type",
    "summary",
    "secrecy",
    "urgency",
    "status",
    "signer",
    "signature_capacity",
    "recipients_text",
    "reference",
    "issue_date",
]
Status = OutgoingDocument.Status


def _url(document: OutgoingDocument) -> str:
    return reverse("documents:outgoing_detail", args=[document.code])


def _event(document, kind, actor, *, text="", on_behalf_of=None, **data):
    return DocumentEvent.objects.create(
        committee_id=document.committee_id,
        outgoing=document,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        on_behalf_of=on_behalf_of,
        text=text,
        data=data,
    )


def _search_text(document: OutgoingDocument) -> str:
    return fold(f"{document.reference} {document.summary} {document.recipients_text}")


# --- the printed layout --------------------------------------------------------------


def place_name(committee: Committee) -> str:
    """ "Phú Cát" for "Đảng bộ xã Phú Cát" (the place printed before the date)."""
    name = committee.admin_unit.name if committee.admin_unit_id else committee.name
    for prefix in ("Đảng bộ ", "Đảng ủy "):
        name = name.removeprefix(prefix)
    for prefix in ("xã ", "Xã ", "phường ", "Phường ", "thành phố ", "Thành phố ", "thị trấn "):
        name = name.removeprefix(prefix)
    return name.strip()


def _issuer_lines(document: OutgoingDocument) -> tuple[str, str]:
    committee = document.committee
    if document.issuing_unit.kind == Unit.Kind.CELL:
        name = document.issuing_unit.name
        if not fold(name).startswith("chi bo"):
            name = f"Chi bộ {name}"
        return committee.name.upper(), name.upper()
    superior = committee.parent.name.upper() if committee.parent_id else ""
    if superior.startswith("THÀNH ỦY "):
        superior = "ĐẢNG BỘ " + superior.removeprefix("THÀNH ỦY ")
    return superior, committee.executive_name.upper()


def layout_for(document: OutgoingDocument) -> PartyLayout:
    superior, issuer = _issuer_lines(document)
    on = document.issue_date
    signer = document.signer
    return PartyLayout(
        superior_name=superior,
        issuer_name=issuer,
        number=document.number,
        type_abbreviation=document.doc_type.abbreviation,
        issuer_abbreviation=document.registry.issuer_abbreviation,
        place=place_name(document.committee),
        date=on,
        year=(on or timezone.localdate()).year,
        type_name="" if document.doc_type.is_official_letter else document.doc_type.name.upper(),
        summary=document.summary,
        is_official_letter=document.doc_type.is_official_letter,
        body=document.body,
        signature_capacity=document.signature_capacity,
        deputy_signing=document.deputy_signing,
        signer_title=document.signer_title,
        signer_name=(signer.full_name if signer else ""),
        recipients=[line for line in document.recipients_text.splitlines() if line.strip()],
    )


def _file_name(document: OutgoingDocument, suffix: str) -> str:
    base = document.reference or f"du-thao-{document.doc_type.abbreviation}"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in fold(base))
    return f"{safe}{suffix}.docx"


def _store_docx(document, actor, *, purpose, suffix, written) -> StoredFile:
    data = render_docx(layout_for(document))
    checked = doc_files.CheckedFile(
        name=_file_name(document, suffix),
        data=data,
        content_type=doc_files.DOCX,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return doc_files.store(
        committee=document.committee, checked=checked, purpose=purpose, actor=actor, written=written
    )


def _new_version(document, actor, *, note: str, upload=None, written) -> DraftVersion:
    number = (document.versions.order_by("-number").values_list("number", flat=True).first()) or 0
    if upload is not None:
        checked = doc_files.check_upload(upload, allowed=(doc_files.DOCX, doc_files.PDF))
        stored = doc_files.store(
            committee=document.committee,
            checked=checked,
            purpose=StoredFile.Purpose.DRAFT,
            actor=actor,
            written=written,
        )
    else:
        stored = _store_docx(
            document,
            actor,
            purpose=StoredFile.Purpose.DRAFT,
            suffix=f"-v{number + 1}",
            written=written,
        )
    return DraftVersion.objects.create(
        committee_id=document.committee_id,
        document=document,
        number=number + 1,
        file=stored,
        note=note.strip(),
        author=actor,
    )


# --- drafting ------------------------------------------------------------------------


@dataclass
class RecipientSpec:
    name: str = ""
    unit: Unit | None = None
    committee: Committee | None = None
    method: str = OutgoingRecipient.Method.PLATFORM


def default_issuing_unit(actor) -> Unit:
    access = access_for(actor)
    if access.committee_wide(Action.DOCUMENTS_DRAFT):
        return office_of(Committee.objects.get(pk=access.committee_id))
    paths = access.unit_paths(Action.DOCUMENTS_DRAFT)
    if not paths:
        raise PermissionDenied
    return Unit.objects.get(pk=int(paths[0].strip("/").split("/")[-1]))


def signers_for(unit: Unit):
    """People who may approve and sign for the issuing unit."""
    from capuyso.accounts.roles import COMMITTEE_WIDE_ROLES

    roles = roles_with(Action.DOCUMENTS_APPROVE)
    if unit.kind == Unit.Kind.CELL:
        users = holders(unit.committee_id, roles - COMMITTEE_WIDE_ROLES, unit_ids=[unit.pk])
    else:
        users = holders(unit.committee_id, roles & COMMITTEE_WIDE_ROLES)
    return users.order_by("full_name")


def _resolve_recipients(document, specs: list[RecipientSpec], all_cells: bool):
    rows = []
    seen = set()
    if all_cells:
        cells = Unit.objects.filter(
            committee_id=document.committee_id, kind=Unit.Kind.CELL, dissolved_on__isnull=True
        ).order_by("sort_order", "name")
        specs = [RecipientSpec(unit=cell) for cell in cells] + list(specs)
    for spec in specs:
        if spec.unit is not None:
            if spec.unit.committee_id != document.committee_id:
                raise ValidationError({"recipients": _("Choose units of this committee.")})
            key = ("unit", spec.unit.pk)
            name = spec.unit.name
            method = OutgoingRecipient.Method.PLATFORM
        elif spec.committee is not None:
            if spec.committee.pk == document.committee_id:
                raise ValidationError(
                    {"recipients": _("A committee does not send a document to itself.")}
                )
            key = ("committee", spec.committee.pk)
            name = spec.committee.name
            method = OutgoingRecipient.Method.PLATFORM
        else:
            name = " ".join(spec.name.split())
            if not name:
                continue
            if spec.method not in OutgoingRecipient.Method.values or (
                spec.method == OutgoingRecipient.Method.PLATFORM
            ):
                raise ValidationError(
                    {"recipients": _("Choose how the document goes to %(name)s.") % {"name": name}}
                )
            key = ("external", fold(name))
            method = spec.method
        if key in seen:
            continue
        seen.add(key)
        if document.secrecy in CLASSIFIED and method == OutgoingRecipient.Method.PLATFORM:
            raise ValidationError(
                {
                    "recipients": _(
                        "A classified document never travels over the network; send it on paper."
                    )
                }
            )
        rows.append(
            OutgoingRecipient(
                committee_id=document.committee_id,
                document=document,
                unit=spec.unit,
                target_committee=spec.committee,
                name=name,
                method=method,
            )
        )
    return rows


def _check_fields(
    *, actor, issuing_unit, doc_type, summary, secrecy, urgency, signer, body
) -> None:
    if not may(actor, Action.DOCUMENTS_DRAFT, issuing_unit):
        raise PermissionDenied
    if doc_type.committee_id != issuing_unit.committee_id:
        raise ValidationError({"doc_type": _("Choose a document type of this committee.")})
    is_cell = issuing_unit.kind == Unit.Kind.CELL
    if not active_types(issuing_unit.committee, for_cell=is_cell).filter(pk=doc_type.pk).exists():
        raise ValidationError(
            {"doc_type": _("This type is not in force or may not be issued by this body.")}
        )
    if secrecy == Secrecy.ULTRA_SECRET and summary.strip():
        raise ValidationError(
            {
                "summary": _(
                    "A Tuyệt mật document is registered without its summary. A leader may "
                    "allow a summary afterwards."
                )
            }
        )
    if secrecy != Secrecy.ULTRA_SECRET and not summary.strip():
        raise ValidationError({"summary": _("Enter the summary (trích yếu).")})
    if secrecy not in Secrecy.values:
        raise ValidationError({"secrecy": _("Choose a secrecy level from the list.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Choose an urgency from the list.")})
    if secrecy in CLASSIFIED and body.strip():
        raise ValidationError(
            {
                "body": _(
                    "A classified document is drafted off-line: only its registry entry "
                    "is kept here, without content."
                )
            }
        )
    if signer is not None and not signers_for(issuing_unit).filter(pk=signer.pk).exists():
        raise ValidationError({"signer": _("This person may not sign for this body.")})


@transaction.atomic
def outgoing_create(
    *,
    actor,
    doc_type: DocumentType,
    summary: str,
    issuing_unit: Unit | None = None,
    body: str = "",
    signer=None,
    signature_capacity: str = "",
    signer_title: str = "",
    deputy_signing: bool = False,
    recipients_text: str = "",
    recipients: list[RecipientSpec] | None = None,
    all_cells: bool = False,
    secrecy: str = "",
    urgency: str = "",
    copies: int = 1,
    in_reply_to: IncomingDocument | None = None,
    template: DraftTemplate | None = None,
    submit_token=None,
) -> OutgoingDocument:
    issuing_unit = issuing_unit or default_issuing_unit(actor)
    if submit_token:
        earlier = OutgoingDocument.objects.filter(
            committee_id=issuing_unit.committee_id, submit_token=submit_token, drafted_by=actor
        ).first()
        if earlier is not None:
            return earlier  # the same form sent twice
    _check_fields(
        actor=actor,
        issuing_unit=issuing_unit,
        doc_type=doc_type,
        summary=summary,
        secrecy=secrecy,
        urgency=urgency,
        signer=signer,
        body=body,
    )
    if in_reply_to is not None and in_reply_to.committee_id != issuing_unit.committee_id:
        raise ValidationError({"in_reply_to": _("Choose a document of this committee.")})
    if template is not None and template.committee_id != issuing_unit.committee_id:
        raise ValidationError({"template": _("Choose a template of this committee.")})
    registry = registry_for(issuing_unit, Registry.Kind.OUTGOING)
    document = OutgoingDocument(
        committee_id=issuing_unit.committee_id,
        registry=registry,
        issuing_unit=issuing_unit,
        issuing_path=issuing_unit.path,
        doc_type=doc_type,
        summary=" ".join(summary.split()),
        body=body.strip(),
        secrecy=secrecy,
        urgency=urgency,
        template=template,
        drafted_by=actor,
        signer=signer,
        signature_capacity=signature_capacity.strip(),
        signer_title=signer_title.strip(),
        deputy_signing=deputy_signing,
        recipients_text=recipients_text.strip(),
        copies=max(1, copies or 1),
        in_reply_to=in_reply_to,
        submit_token=submit_token or None,
    )
    document.search_folded = _search_text(document)
    document.save()
    search.index("outgoing", document)
    OutgoingRecipient.objects.bulk_create(
        _resolve_recipients(document, recipients or [], all_cells)
    )
    written: list[str] = []
    try:
        if secrecy not in CLASSIFIED:
            _new_version(document, actor, note=_("First draft"), written=written)
        _event(document, DocumentEvent.Kind.DRAFTED, actor)
        audit_record(
            actor=actor, verb=Verb.CREATE, obj=document, changes=created(document, AUDIT_FIELDS)
        )
    except BaseException:
        doc_files.discard(written)
        raise
    return document


def outgoing_may_edit(actor, document) -> bool:
    """The drafter, or whoever issues for the office, may edit and cancel a draft."""
    return document.drafted_by_id == actor.pk or may(
        actor, Action.DOCUMENTS_ISSUE, document.issuing_unit
    )


@transaction.atomic
def outgoing_update(
    *,
    actor,
    document: OutgoingDocument,
    version: int | None,
    note: str = "",
    upload=None,
    recipients: list[RecipientSpec] | None = None,
    all_cells: bool | None = None,
    **values,
) -> OutgoingDocument:
    """Save a new version of the draft (regenerated, or an uploaded DOCX/PDF)."""
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    _check_stale(document, version)
    if document.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise ValidationError(_("An approved or issued document can no longer be edited."))
    if not outgoing_may_edit(actor, document):
        raise PermissionDenied
    allowed = {
        "doc_type",
        "summary",
        "body",
        "signer",
        "signature_capacity",
        "signer_title",
        "deputy_signing",
        "recipients_text",
        "secrecy",
        "urgency",
        "copies",
    }
    if set(values) - allowed:
        raise ValueError(set(values) - allowed)
    if (
        values.get("secrecy") in CLASSIFIED
        and document.secrecy not in CLASSIFIED
        and document.versions.exists()
    ):
        raise ValidationError(
            {
                "secrecy": _(
                    "This draft's content is already on the platform, so it cannot become "
                    "classified. Cancel it and draft the classified document off-line."
                )
            }
        )
    for field, value in values.items():
        setattr(document, field, value)
    _check_fields(
        actor=actor,
        issuing_unit=document.issuing_unit,
        doc_type=document.doc_type,
        summary=document.summary,
        secrecy=document.secrecy,
        urgency=document.urgency,
        signer=document.signer,
        body=document.body,
    )
    document.summary = " ".join(document.summary.split())
    document.search_folded = _search_text(document)
    document.version += 1
    document.save()
    search.index("outgoing", document)
    if recipients is not None or all_cells is not None:
        document.recipients.all().delete()
        OutgoingRecipient.objects.bulk_create(
            _resolve_recipients(document, recipients or [], bool(all_cells))
        )
    written: list[str] = []
    try:
        if document.secrecy not in CLASSIFIED:
            draft = _new_version(document, actor, note=note, upload=upload, written=written)
            _event(document, DocumentEvent.Kind.NEW_VERSION, actor, text=note, number=draft.number)
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            obj=document,
            changes={"version": [document.version - 1, document.version]},
        )
    except BaseException:
        doc_files.discard(written)
        raise
    return document


def _current_version_number(document) -> int:
    return document.versions.order_by("-number").values_list("number", flat=True).first() or 0


@transaction.atomic
def review_request(*, actor, document: OutgoingDocument, reviewers: list) -> list[Review]:
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    if not outgoing_may_edit(actor, document):
        raise PermissionDenied
    if document.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise ValidationError(_("Only a draft can be sent for review."))
    reviewers = [r for r in reviewers if r is not None]
    if not reviewers:
        raise ValidationError({"reviewers": _("Choose at least one reviewer.")})
    for reviewer in reviewers:
        if reviewer.committee_id != document.committee_id or not access_for(reviewer).has(
            Action.DOCUMENTS_VIEW
        ):
            raise ValidationError(
                {"reviewers": _("%(name)s cannot read documents.") % {"name": reviewer}}
            )
    number = _current_version_number(document)
    reviews = [
        Review.objects.create(
            committee_id=document.committee_id,
            document=document,
            version_number=number,
            reviewer=reviewer,
            requested_by=actor,
        )
        for reviewer in reviewers
    ]
    document.status = Status.IN_REVIEW
    document.version += 1
    document.save(update_fields=["status", "version", "updated_at"])
    _event(
        document,
        DocumentEvent.Kind.REVIEW_REQUESTED,
        actor,
        text=", ".join(r.full_name for r in reviewers),
    )
    notify(
        users=reviewers,
        kind=Notification.Kind.REVIEW,
        title=_("Please review the draft: %(summary)s") % {"summary": document.summary[:120]},
        url=_url(document),
    )
    return reviews


@transaction.atomic
def review_answer(*, actor, review: Review, verdict: str, comment: str) -> Review:
    review = Review.objects.select_for_update().select_related("document").get(pk=review.pk)
    if review.reviewer_id != actor.pk:
        raise PermissionDenied
    if verdict not in (Review.Verdict.AGREED, Review.Verdict.CHANGES):
        raise ValidationError({"verdict": _("Choose agree or request changes.")})
    comment = comment.strip()
    if verdict == Review.Verdict.CHANGES and not comment:
        raise ValidationError({"comment": _("Say what should change.")})
    review.verdict = verdict
    review.comment = comment
    review.answered_at = timezone.now()
    review.save(update_fields=["verdict", "comment", "answered_at", "updated_at"])
    _event(
        review.document,
        DocumentEvent.Kind.REVIEWED,
        actor,
        text=comment,
        verdict=verdict,
        version=review.version_number,
    )
    notify(
        users=[review.document.drafted_by],
        kind=Notification.Kind.INFO,
        title=_("%(name)s reviewed the draft: %(summary)s")
        % {"name": actor.full_name, "summary": review.document.summary[:100]},
        url=_url(review.document),
        body=comment,
    )
    return review


def approval_acting_as(actor, document: OutgoingDocument):
    """(allowed, on_behalf_of) for approving and signing this document."""
    if document.signer_id == actor.pk:
        return True, None
    if document.signer_id and acting_for(actor, document.signer, Delegation.Scope.SIGNING):
        return True, document.signer
    return False, None


@transaction.atomic
def outgoing_send_for_approval(*, actor, document: OutgoingDocument, version=None):
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    _check_stale(document, version)
    if not outgoing_may_edit(actor, document):
        raise PermissionDenied
    if document.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise ValidationError(_("Only a draft can be sent for approval."))
    if document.signer_id is None:
        raise ValidationError({"signer": _("Choose who signs before sending for approval.")})
    document.status = Status.IN_REVIEW
    document.version += 1
    document.save(update_fields=["status", "version", "updated_at"])
    _event(document, DocumentEvent.Kind.SENT_FOR_APPROVAL, actor, text=document.signer.full_name)
    principal = [document.signer]
    principal += [
        d.delegate
        for d in active_delegations(Delegation.Scope.SIGNING)
        .filter(grantor=document.signer)
        .select_related("delegate")
    ]
    notify(
        users=principal,
        kind=Notification.Kind.APPROVAL,
        title=_("For your approval: %(summary)s") % {"summary": document.summary[:120]},
        url=_url(document),
    )
    return document


@transaction.atomic
def outgoing_approve(*, actor, document: OutgoingDocument, version=None) -> OutgoingDocument:
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    _check_stale(document, version)
    allowed, on_behalf_of = approval_acting_as(actor, document)
    if not allowed:
        raise PermissionDenied
    if document.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise ValidationError(_("This document is not waiting for approval."))
    document.status = Status.APPROVED
    document.approved_by = actor
    document.approved_on_behalf_of = on_behalf_of
    document.approved_at = timezone.now()
    document.version += 1
    document.save()
    _event(document, DocumentEvent.Kind.APPROVED, actor, on_behalf_of=on_behalf_of)
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=document,
        changes={
            "status": ["in_review", "approved"],
            **({"on_behalf_of": [None, str(on_behalf_of)]} if on_behalf_of else {}),
        },
    )
    notify(
        users=[document.drafted_by, *unit_registrars(document.issuing_unit)],
        kind=Notification.Kind.INFO,
        title=_("Approved, ready to issue: %(summary)s") % {"summary": document.summary[:120]},
        url=_url(document),
    )
    return document


@transaction.atomic
def outgoing_return(*, actor, document: OutgoingDocument, comment: str, version=None):
    """The signer sends the draft back for changes."""
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    _check_stale(document, version)
    allowed, on_behalf_of = approval_acting_as(actor, document)
    if not allowed:
        raise PermissionDenied
    if document.status not in (Status.DRAFT, Status.IN_REVIEW, Status.APPROVED):
        raise ValidationError(_("This document can no longer be returned."))
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Say what should change.")})
    document.status = Status.DRAFT
    document.approved_by = None
    document.approved_at = None
    document.version += 1
    document.save()
    _event(document, DocumentEvent.Kind.RETURNED, actor, text=comment, on_behalf_of=on_behalf_of)
    notify(
        users=[document.drafted_by],
        kind=Notification.Kind.INFO,
        title=_("Returned for changes: %(summary)s") % {"summary": document.summary[:120]},
        url=_url(document),
        body=comment,
    )
    return document


# --- signing seam ----------------------------------------------------------------------


@transaction.atomic
def outgoing_attach_signature(
    *,
    actor,
    document: OutgoingDocument,
    signed_pdf: doc_files.CheckedFile,
    level: str,
    written: list | None = None,
) -> OutgoingDocument:
    """The seam the signing step fills: record the signed PDF and the PAdES level reached.

    The signing app calls this after it has produced and verified the signature; the
    documents app only stores the result, so issuing and dispatch stay the same.
    """
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    if document.status not in (Status.APPROVED, Status.ISSUED):
        raise ValidationError(_("Only an approved document is signed."))
    stored = doc_files.store(
        committee=document.committee,
        checked=signed_pdf,
        purpose=StoredFile.Purpose.ISSUED,
        actor=actor,
        written=written,
    )
    document.signed_file = stored
    document.signature_level = level
    document.digitally_signed_at = timezone.now()
    document.save(
        update_fields=["signed_file", "signature_level", "digitally_signed_at", "updated_at"]
    )
    _event(document, DocumentEvent.Kind.SIGNED, actor, level=level)
    audit_record(
        actor=actor, verb=Verb.UPDATE, obj=document, changes={"signature_level": [None, level]}
    )
    return document


# --- issue and dispatch ------------------------------------------------------------


@transaction.atomic
def outgoing_issue(
    *,
    actor,
    document: OutgoingDocument,
    version=None,
    issue_date: dt.date | None = None,
    finalize=None,
) -> OutgoingDocument:
    """Number the approved document from its registry, stamp the date, and dispatch it.

    The number is taken in this transaction: if anything fails, no number is used.
    `finalize(document, written)`, when given, runs once the number and date are set and
    before dispatch: the signing app stamps them into the signed PDF and adds the seal there.
    """
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    _check_stale(document, version)
    if not may(actor, Action.DOCUMENTS_ISSUE, document.issuing_unit):
        raise PermissionDenied
    if document.status != Status.APPROVED:
        raise ValidationError(_("Only an approved document can be issued."))
    issue_date = issue_date or timezone.localdate()
    registry = document.registry
    period = outgoing_period(registry, issue_date)
    sequence = document.doc_type.sequence_group or document.doc_type.abbreviation
    if issue_date > timezone.localdate():
        raise ValidationError({"issue_date": _("A document cannot be issued in the future.")})
    latest = (
        OutgoingDocument.objects.filter(registry=registry, period=period, number__isnull=False)
        .filter(doc_type__abbreviation=document.doc_type.abbreviation)
        .order_by("-number")
        .values_list("issue_date", flat=True)
        .first()
    )
    if latest is not None and issue_date < latest:
        raise ValidationError(
            {
                "issue_date": _(
                    "The previous number of this type was issued on %(date)s; a later number "
                    "cannot carry an earlier date."
                )
                % {"date": latest.strftime("%d/%m/%Y")}
            }
        )
    written: list[str] = []
    try:
        number = next_number(registry, period=period, sequence=sequence)
        document.number = number
        document.period = period
        document.reference = format_reference(
            number, document.doc_type.abbreviation, registry.issuer_abbreviation
        )
        document.reference_folded = fold(document.reference)
        document.issue_date = issue_date
        document.issued_at = timezone.now()
        document.issued_by = actor
        document.status = Status.ISSUED
        document.search_folded = _search_text(document)
        document.version += 1
        document.save()
        search.index("outgoing", document)
        if document.secrecy not in CLASSIFIED:
            issued = _store_docx(
                document, actor, purpose=StoredFile.Purpose.ISSUED, suffix="", written=written
            )
            DraftVersion.objects.create(
                committee_id=document.committee_id,
                document=document,
                number=_current_version_number(document) + 1,
                file=issued,
                note=_("Issued copy, numbered %(reference)s") % {"reference": document.reference},
                author=actor,
            )
        if finalize is not None:
            finalize(document, written)
        _event(document, DocumentEvent.Kind.ISSUED, actor, reference=document.reference)
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            obj=document,
            changes={"status": ["approved", "issued"], "reference": [None, document.reference]},
        )
        _dispatch(document, actor, written)
    except BaseException:
        doc_files.discard(written)
        raise
    return document


def issued_file(document: OutgoingDocument) -> StoredFile | None:
    """The copy recipients get: the signed PDF when there is one, else the issued DOCX."""
    if document.signed_file_id:
        return document.signed_file
    latest = document.versions.select_related("file").order_by("-number").first()
    return latest.file if latest else None


def _copy_file(stored: StoredFile, committee_id: int) -> StoredFile:
    if stored.committee_id == committee_id:
        return stored
    return StoredFile.objects.create(
        committee_id=committee_id,
        file=stored.file.name,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        purpose=StoredFile.Purpose.ORIGINAL,
        has_text_layer=stored.has_text_layer,
    )


def _dispatch(document: OutgoingDocument, actor, written) -> None:
    now = timezone.now()
    source = issued_file(document)
    for recipient in document.recipients.select_related("unit", "target_committee"):
        if recipient.method != OutgoingRecipient.Method.PLATFORM or document.secrecy in CLASSIFIED:
            recipient.sent_at = now
            recipient.save(update_fields=["sent_at", "updated_at"])
            continue
        if recipient.unit_id:
            receiving_unit = recipient.unit
            receiver_committee = document.committee
            issuer = issuer_for_platform(
                committee=receiver_committee,
                source_committee=document.committee,
                source_unit=document.issuing_unit
                if document.issuing_unit.kind == Unit.Kind.CELL
                else None,
            )
        else:
            receiver_committee = recipient.target_committee
            receiving_unit = office_of(receiver_committee)
            issuer = issuer_for_platform(
                committee=receiver_committee, source_committee=document.committee
            )
        doc_type = _matching_type(receiver_committee, document.doc_type)
        delivered = incoming_register(
            actor=None,
            system=True,
            receiving_unit=receiving_unit,
            doc_type=doc_type,
            issuer=issuer,
            issuer_name=issuer.name,
            reference=document.reference,
            document_date=document.issue_date,
            summary=document.summary,
            urgency=document.urgency,
            channel=IncomingDocument.Channel.PLATFORM,
            received_at=now,
            confirm_duplicate=True,
            source_recipient=recipient,
        )
        if source is not None:
            copy = _copy_file(source, receiver_committee.pk)
            delivered.files.add(copy)
            doc_files.incoming_files_added([copy])
        recipient.sent_at = now
        recipient.save(update_fields=["sent_at", "updated_at"])
        notify(
            users=unit_registrars(receiving_unit),
            kind=Notification.Kind.RECEIVED,
            title=_("New document from %(issuer)s: %(reference)s %(summary)s")
            % {
                "issuer": issuer.name,
                "reference": document.reference,
                "summary": document.summary[:100],
            },
            url=reverse("documents:incoming_detail", args=[delivered.code]),
        )
    count = document.recipients.count()
    if count:
        _event(document, DocumentEvent.Kind.DISPATCHED, actor, recipients=count)


def _matching_type(committee, doc_type: DocumentType) -> DocumentType:
    if doc_type.committee_id == committee.pk:
        return doc_type
    match = (
        active_types(committee).filter(abbreviation=doc_type.abbreviation).first()
        or DocumentType.objects.filter(committee=committee, name=doc_type.name).first()
    )
    if match is None:
        match = DocumentType.objects.create(
            committee=committee,
            abbreviation=doc_type.abbreviation,
            name=doc_type.name,
            is_official_letter=doc_type.is_official_letter,
            sort_order=99,
        )
    return match


@transaction.atomic
def outgoing_cancel(*, actor, document: OutgoingDocument, reason: str, version=None):
    """Cancel a draft, or revoke an issued document. An issued number stays recorded in
    the registry as cancelled; it is never given again."""
    document = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
    _check_stale(document, version)
    if document.status == Status.CANCELLED:
        raise ValidationError(_("This document is already cancelled."))
    if document.status == Status.ISSUED:
        if not may(actor, Action.DOCUMENTS_ISSUE, document.issuing_unit):
            raise PermissionDenied
    elif not outgoing_may_edit(actor, document):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    before = document.status
    document.status = Status.CANCELLED
    document.cancelled_at = timezone.now()
    document.cancel_reason = reason
    document.version += 1
    document.save()
    _event(document, DocumentEvent.Kind.CANCELLED, actor, text=reason)
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=document,
        changes={"status": [before, "cancelled"], "reason": [None, reason]},
    )
    if before == Status.ISSUED:
        for delivered in IncomingDocument.objects.filter(source_recipient__document=document):
            revoked = _("Revoked by the issuer on %(date)s: %(reason)s") % {
                "date": timezone.localdate().strftime("%d/%m/%Y"),
                "reason": reason,
            }
            delivered.note = (f"{revoked} — {delivered.note}" if delivered.note else revoked)[:255]
            delivered.save(update_fields=["note", "updated_at"])
    return document


@transaction.atomic
def outgoing_remind_unread(*, actor, document: OutgoingDocument) -> int:
    """Remind every platform recipient that has not opened the document yet."""
    if not may(actor, Action.DOCUMENTS_ISSUE, document.issuing_unit):
        raise PermissionDenied
    if document.status != Status.ISSUED:
        raise ValidationError(_("Only an issued document has recipients to remind."))
    now = timezone.now()
    reminded = 0
    unread = OutgoingRecipient.objects.filter(
        document=document,
        method=OutgoingRecipient.Method.PLATFORM,
        delivered__isnull=False,
        delivered__reads__isnull=True,
    ).select_related("delivered", "unit", "target_committee")
    for recipient in unread:
        delivered = recipient.delivered
        people = unit_registrars(delivered.receiving_unit)
        notify(
            users=people,
            kind=Notification.Kind.REMINDER,
            title=_("Reminder: please read %(reference)s %(summary)s")
            % {"reference": document.reference, "summary": document.summary[:100]},
            url=reverse("documents:incoming_detail", args=[delivered.code]),
            dedupe_key=f"remind-read:{delivered.code}:{now:%Y%m%d%H%M}",
        )
        recipient.last_reminded_at = now
        recipient.save(update_fields=["last_reminded_at", "updated_at"])
        reminded += 1
    _event(document, DocumentEvent.Kind.REMINDED, actor, recipients=reminded)
    audit_record(
        actor=actor, verb=Verb.UPDATE, obj=document, changes={"reminded": [None, reminded]}
    )
    return reminded
