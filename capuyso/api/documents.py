"""Incoming and outgoing documents, with the same rights as the pages.

Lists need the right to read documents (403 without it, as the pages); a document is
found through the same door as on the pages: 404 outside the caller's committee, 403
without the right to see it. Writes go through the documents services, whose messages
come back as they are: field errors as 422 `{"detail": [{"loc", "msg", "type"}]}`, the
same shape as a request that fails the schema.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from contextlib import contextmanager
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.documents.models import DocumentType, IncomingDocument, OutgoingDocument, Secrecy
from capuyso.documents.selectors import (
    IncomingFilters,
    OutgoingFilters,
    distribution_for,
    filter_incoming,
    filter_outgoing,
    get_incoming_for_user,
    get_outgoing_for_user,
    incoming_for_user,
    outgoing_for_user,
)
from capuyso.documents.services.config import active_types
from capuyso.documents.services.incoming import LikelyDuplicate, incoming_opened, incoming_register
from capuyso.documents.services.outgoing import (
    default_issuing_unit,
    outgoing_create,
    signers_for,
)

from .schemas import (
    AUTH_ERRORS,
    OBJECT_ERRORS,
    ErrorOut,
    InvalidOut,
    PageMeta,
    PageParams,
    UnitRef,
    field_errors,
    paginate,
)

router = Router(tags=["documents"])


def _require(user, action: str) -> None:
    """403 when no position of the user grants `action` anywhere (the page answers 403)."""
    if not access_for(user).has(action):
        raise PermissionDenied


# --- errors ----------------------------------------------------------------------------


class DuplicateOut(Schema):
    detail: str = Field(description="What looks the same, in the language of the request.")
    existing_code: UUID = Field(description="The document already registered.")


# Literals rather than the models' enums: ninja names an enum's schema after its class, and
# the several `Status` enums of the API would overwrite one another in the OpenAPI document.
INCOMING_STATUSES = Literal[(*IncomingDocument.Status.values, "open")]  # type: ignore[valid-type]
OUTGOING_STATUSES = Literal[tuple(OutgoingDocument.Status.values)]  # type: ignore[valid-type]

WRITE_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: InvalidOut}

# Service field names that the API spells differently.
API_FIELD_NAMES = {"doc_type": "type"}


def _field_errors(exc: DjangoValidationError) -> list[dict]:
    return field_errors(exc, names=API_FIELD_NAMES)


@contextmanager
def _service_errors():
    try:
        yield
    except LikelyDuplicate:
        raise
    except DjangoValidationError as exc:
        raise ValidationError(_field_errors(exc)) from exc


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ["body", "payload", field], "msg": message, "type": "invalid"}])


# --- shared pieces ------------------------------------------------------------------------


class DocTypeRef(Schema):
    abbreviation: str
    name: str


class PersonRef(Schema):
    code: UUID
    full_name: str


class FileOut(Schema):
    code: UUID
    name: str
    size: int
    sha256: str
    content_type: str
    url: str = Field(description="Download link (the signed-in pages serve the file).")

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.original_name

    @staticmethod
    def resolve_url(obj) -> str:
        return _file_url(obj.code)


def _file_url(code) -> str:
    try:
        return reverse("documents:file", args=[code])
    except NoReverseMatch:
        return f"/documents/files/{code}/"


class EventOut(Schema):
    code: UUID
    kind: str
    kind_label: str
    actor: PersonRef | None
    on_behalf_of: PersonRef | None
    time: dt.datetime
    text: str

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_time(obj) -> dt.datetime:
        return obj.created_at


def _doc_type_for(user, abbreviation: str) -> DocumentType:
    """A type of the caller's committee in force today, by its abbreviation."""
    abbreviation = unicodedata.normalize("NFC", abbreviation.strip())
    doc_type = (
        active_types(user.committee)
        .filter(abbreviation=abbreviation)
        .order_by(F("valid_from").desc(nulls_last=True))
        .first()
    )
    if doc_type is None:
        raise _invalid("type", _("Choose a document type of this committee."))
    return doc_type


# --- incoming ----------------------------------------------------------------------------


def _summary_withheld(document: IncomingDocument) -> bool:
    return document.secrecy == Secrecy.ULTRA_SECRET and document.summary_allowed_by_id is None


class IncomingOut(Schema):
    code: UUID
    arrival_number: int
    year: int
    received_at: dt.datetime
    channel: str
    issuer_name: str
    reference: str
    document_date: dt.date | None
    type: DocTypeRef
    summary: str = Field(description="Empty for a Tuyệt mật document until a leader allows it.")
    summary_withheld: bool
    secrecy: str
    urgency: str
    due_date: dt.date | None
    overdue: bool
    status: str
    status_label: str
    receiving_unit: UnitRef

    @staticmethod
    def resolve_type(obj):
        return obj.doc_type

    @staticmethod
    def resolve_summary(obj) -> str:
        return "" if _summary_withheld(obj) else obj.summary

    @staticmethod
    def resolve_summary_withheld(obj) -> bool:
        return _summary_withheld(obj)

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return bool(obj.is_open and obj.due_date and obj.due_date < timezone.localdate())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class IncomingPage(PageMeta):
    items: list[IncomingOut]


class IncomingQuery(Schema):
    q: str = Field("", max_length=120, description="Number and symbol, or words of the text.")
    status: INCOMING_STATUSES | None = Field(
        None, description="A status, or `open` for every status before completed."
    )
    type: str = Field("", max_length=10, description="A type abbreviation, e.g. KH.")
    year: int | None = Field(None, description="Year of the arrival number.")
    overdue: bool = Field(False, description="Only open documents past their due date.")
    received_from: dt.date | None = None
    received_to: dt.date | None = None


@router.get("/documents/incoming", response={200: IncomingPage, **AUTH_ERRORS})
def incoming_list(request, filters: Query[IncomingQuery], page: Query[PageParams]):
    """Incoming documents the caller may see, newest arrival first.

    The whole committee for its clerks and leaders; a cell's inbox for its secretaries;
    and for anyone, what is assigned or submitted to them.
    """
    user = request.auth
    _require(user, Action.DOCUMENTS_VIEW)
    documents = filter_incoming(
        incoming_for_user(user),
        IncomingFilters(
            q=filters.q,
            status=filters.status or "",
            received_from=filters.received_from,
            received_to=filters.received_to,
            overdue=filters.overdue,
            year=filters.year,
        ),
        committee_id=user.committee_id,
    )
    if filters.type.strip():
        abbreviation = unicodedata.normalize("NFC", filters.type.strip())
        documents = documents.filter(doc_type__abbreviation=abbreviation)
    documents = documents.select_related("doc_type", "receiving_unit")
    return paginate(documents.order_by("-received_at", "-pk"), page)


class AssignmentOut(Schema):
    code: UUID
    role: str
    role_label: str
    unit: UnitRef | None
    user: PersonRef | None
    due_date: dt.date | None
    status: str
    status_label: str
    parent_code: UUID | None
    result: str
    done_at: dt.datetime | None

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_parent_code(obj) -> UUID | None:
        return obj.parent.code if obj.parent_id else None


class IncomingDetailOut(IncomingOut):
    page_count: int | None
    paper_holder: str
    note: str
    registered_by: PersonRef | None
    submitted_to: PersonRef | None
    submitted_at: dt.datetime | None
    direction: str
    directed_by: PersonRef | None
    directed_at: dt.datetime | None
    completed_at: dt.datetime | None
    result: str
    version: int = Field(description="Changes with every edit of the entry.")
    assignments: list[AssignmentOut] = Field(description="Who handles it, in order given.")
    files: list[FileOut] = Field(description="Never any for a classified document.")
    events: list[EventOut] = Field(description="The timeline, oldest first.")

    # The endpoint loads these onto the document as `api_*` attributes.
    @staticmethod
    def resolve_assignments(obj) -> list:
        return obj.api_assignments

    @staticmethod
    def resolve_files(obj) -> list:
        return obj.api_files

    @staticmethod
    def resolve_events(obj) -> list:
        return obj.api_events


def _incoming_detail(document: IncomingDocument) -> IncomingDocument:
    document.api_assignments = list(
        document.assignments.select_related("unit", "user", "parent").order_by("created_at", "pk")
    )
    document.api_files = list(document.files.order_by("created_at", "pk"))
    document.api_events = list(
        document.events.select_related("actor", "on_behalf_of").order_by("created_at", "pk")
    )
    return document


@router.get("/documents/incoming/{code}", response={200: IncomingDetailOut, **OBJECT_ERRORS})
def incoming_detail(request, code: UUID):
    """One incoming document with its direction, assignments, files and timeline.

    Opening it here counts as reading it, as on the page: the sender sees the receipt.
    """
    user = request.auth
    document = get_incoming_for_user(user, code)
    incoming_opened(user=user, document=document)
    return _incoming_detail(document)


class IncomingIn(Schema):
    type: str = Field(max_length=10, description="The type's abbreviation, e.g. KH, CV, QĐ.")
    issuer_name: str = Field(max_length=200)
    reference: str = Field("", max_length=60, description="Number and symbol, e.g. 09-KH/TU.")
    document_date: dt.date | None = None
    summary: str = Field("", description="Required, except for classified documents.")
    secrecy: str = Field("", description="`` (none), `mat`, `toi_mat` or `tuyet_mat`.")
    urgency: str = Field("", description="`` (normal), `khan`, `thuong_khan` or `hoa_toc`.")
    page_count: int | None = Field(None, ge=1, le=100_000)
    due_date: dt.date | None = None
    note: str = Field("", max_length=255)
    channel: str = Field(
        IncomingDocument.Channel.PAPER, description="`paper`, `email`, `upload` or `platform`."
    )
    submit_token: UUID | None = Field(
        None,
        description="Any UUID the client picks for this registration: sending it again "
        "returns the document already registered with it (200) instead of a second one.",
    )
    confirm_duplicate: bool = Field(
        False, description="Register even though the same document looks already registered."
    )


@router.post(
    "/documents/incoming",
    response={201: IncomingDetailOut, 200: IncomingDetailOut, 409: DuplicateOut, **WRITE_ERRORS},
)
def incoming_create(request, payload: IncomingIn):
    """Register a received document in the caller's incoming registry (số đến).

    Clerks register into the committee Office's book, cell secretaries into their cell's.
    This JSON endpoint takes no files: attach them on the page. 201 with the new entry;
    200 with the earlier entry when `submit_token` was already used; 409 with the code of
    the document that looks the same (send again with `confirm_duplicate: true` if it is
    really another one); 422 with the messages for the fields to correct.
    """
    user = request.auth
    _require(user, Action.DOCUMENTS_REGISTER)
    doc_type = _doc_type_for(user, payload.type)
    visible = incoming_for_user(user)
    if payload.submit_token:
        earlier = visible.filter(submit_token=payload.submit_token).first()
        if earlier is not None:
            return Status(200, _incoming_detail(get_incoming_for_user(user, earlier.code)))
    try:
        with _service_errors():
            document = incoming_register(
                actor=user,
                doc_type=doc_type,
                issuer_name=payload.issuer_name,
                reference=payload.reference,
                document_date=payload.document_date,
                summary=payload.summary,
                secrecy=payload.secrecy,
                urgency=payload.urgency,
                page_count=payload.page_count,
                due_date=payload.due_date,
                note=payload.note,
                channel=payload.channel,
                submit_token=payload.submit_token,
                confirm_duplicate=payload.confirm_duplicate,
            )
    except LikelyDuplicate as exc:
        return Status(409, {"detail": exc.messages[0], "existing_code": exc.existing.code})
    except IntegrityError:
        # The same token sent twice at once: the other request registered it.
        if payload.submit_token is None:
            raise
        document = visible.filter(submit_token=payload.submit_token).first()
        if document is None:
            raise
        return Status(200, _incoming_detail(get_incoming_for_user(user, document.code)))
    if document.registered_by_id != user.pk or not visible.filter(pk=document.pk).exists():
        # The token belongs to someone else's registration: say nothing about it.
        raise _invalid("submit_token", _("This submit token was already used; send a new one."))
    return Status(201, _incoming_detail(get_incoming_for_user(user, document.code)))


# --- outgoing ----------------------------------------------------------------------------


class OutgoingOut(Schema):
    code: UUID
    status: str
    status_label: str
    type: DocTypeRef
    summary: str
    secrecy: str
    urgency: str
    reference: str = Field(description="Number and symbol, once issued.")
    number: int | None
    issue_date: dt.date | None
    issuing_unit: UnitRef
    drafted_by: PersonRef | None
    signer: PersonRef | None
    created_at: dt.datetime

    @staticmethod
    def resolve_type(obj):
        return obj.doc_type

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class OutgoingPage(PageMeta):
    items: list[OutgoingOut]


class OutgoingQuery(Schema):
    q: str = Field("", max_length=120, description="Number and symbol, or words of the text.")
    status: OUTGOING_STATUSES | None = None
    type: str = Field("", max_length=10, description="A type abbreviation, e.g. KH.")
    year: int | None = Field(None, description="Year of issue.")
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None
    unit: UUID | None = Field(None, description="Only documents issued by this unit (its code).")
    signer: UUID | None = Field(None, description="Only documents signed by this user (code).")


@router.get("/documents/outgoing", response={200: OutgoingPage, **AUTH_ERRORS})
def outgoing_list(request, filters: Query[OutgoingQuery], page: Query[PageParams]):
    """Outgoing documents the caller may see, newest first: the committee's, a cell's,
    or the drafts the caller writes, reviews or signs."""
    user = request.auth
    _require(user, Action.DOCUMENTS_VIEW)
    documents = filter_outgoing(
        outgoing_for_user(user),
        OutgoingFilters(
            q=filters.q,
            status=filters.status or "",
            unit=str(filters.unit) if filters.unit else "",
            issued_from=filters.issued_from,
            issued_to=filters.issued_to,
            signer=str(filters.signer) if filters.signer else "",
            year=filters.year,
        ),
        committee_id=user.committee_id,
    )
    if filters.type.strip():
        abbreviation = unicodedata.normalize("NFC", filters.type.strip())
        documents = documents.filter(doc_type__abbreviation=abbreviation)
    documents = documents.select_related("doc_type", "issuing_unit", "drafted_by", "signer")
    return paginate(documents.order_by("-created_at", "-pk"), page)


class RecipientOut(Schema):
    name: str
    method: str
    method_label: str
    unit: UnitRef | None = Field(description="A unit of this committee, delivered on the platform.")
    committee_name: str | None = Field(description="Another committee on the platform.")
    sent_at: dt.datetime | None
    delivered: bool = Field(description="A copy arrived in the recipient's inbox.")
    first_read_at: dt.datetime | None
    first_reader: str
    readers: int = Field(description="People of the recipient who opened it.")


class VersionOut(Schema):
    number: int
    note: str
    author: PersonRef | None
    created_at: dt.datetime
    file: FileOut


class OutgoingDetailOut(OutgoingOut):
    body: str
    recipients_text: str
    signature_capacity: str
    signer_title: str
    deputy_signing: bool
    copies: int
    in_reply_to_code: UUID | None
    approved_at: dt.datetime | None
    issued_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str
    signature_level: str
    digitally_signed_at: dt.datetime | None
    signed_file: FileOut | None
    version: int = Field(description="Changes with every edit.")
    versions: list[VersionOut] = Field(description="Draft versions, newest first.")
    recipients: list[RecipientOut] = Field(description="Where it goes, and who has read it.")
    events: list[EventOut] = Field(description="The timeline, oldest first.")

    @staticmethod
    def resolve_in_reply_to_code(obj) -> UUID | None:
        return obj.in_reply_to.code if obj.in_reply_to_id else None

    @staticmethod
    def resolve_versions(obj) -> list:
        return obj.api_versions

    @staticmethod
    def resolve_recipients(obj) -> list:
        return obj.api_recipients

    @staticmethod
    def resolve_events(obj) -> list:
        return obj.api_events


def _outgoing_detail(document: OutgoingDocument) -> OutgoingDocument:
    document.api_versions = list(
        document.versions.select_related("author", "file").order_by("-number")
    )
    document.api_recipients = [
        {
            "name": row.recipient.name,
            "method": row.recipient.method,
            "method_label": str(row.recipient.get_method_display()),
            "unit": row.recipient.unit,
            "committee_name": (
                row.recipient.target_committee.name if row.recipient.target_committee_id else None
            ),
            "sent_at": row.recipient.sent_at,
            "delivered": row.delivered is not None,
            "first_read_at": row.first_read_at,
            "first_reader": row.first_reader,
            "readers": row.readers,
        }
        for row in distribution_for(document)
    ]
    document.api_events = list(
        document.events.select_related("actor", "on_behalf_of").order_by("created_at", "pk")
    )
    return document


@router.get("/documents/outgoing/{code}", response={200: OutgoingDetailOut, **OBJECT_ERRORS})
def outgoing_detail(request, code: UUID):
    """One outgoing document with its draft versions, recipients and their read receipts."""
    return _outgoing_detail(get_outgoing_for_user(request.auth, code))


class OutgoingIn(Schema):
    type: str = Field(max_length=10, description="The type's abbreviation, e.g. KH, CV, BC.")
    summary: str = Field(description="The summary (trích yếu).")
    body: str = Field("", description="Paragraphs separated by an empty line. None if classified.")
    signer: UUID | None = Field(None, description="Code of the user who will sign.")
    recipients_text: str = Field("", description="Recipients as printed, one per line.")
    secrecy: str = Field("", description="`` (none), `mat`, `toi_mat` or `tuyet_mat`.")
    urgency: str = Field("", description="`` (normal), `khan`, `thuong_khan` or `hoa_toc`.")


@router.post("/documents/outgoing", response={201: OutgoingDetailOut, **WRITE_ERRORS})
def outgoing_create_draft(request, payload: OutgoingIn):
    """Start a draft in the caller's office (the committee Office, or their cell).

    Recipients on the platform and templates are chosen on the page.
    """
    user = request.auth
    _require(user, Action.DOCUMENTS_DRAFT)
    doc_type = _doc_type_for(user, payload.type)
    with _service_errors():
        signer = None
        if payload.signer is not None:
            signer = signers_for(default_issuing_unit(user)).filter(code=payload.signer).first()
            if signer is None:
                raise _invalid("signer", _("This person may not sign for this body."))
        document = outgoing_create(
            actor=user,
            doc_type=doc_type,
            summary=payload.summary,
            body=payload.body,
            signer=signer,
            recipients_text=payload.recipients_text,
            secrecy=payload.secrecy,
            urgency=payload.urgency,
        )
    return Status(201, _outgoing_detail(get_outgoing_for_user(user, document.code)))
