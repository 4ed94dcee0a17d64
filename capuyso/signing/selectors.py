"""Reads of the signing app, already limited to what the acting user may see.

Every query is scoped to the user's committee; the `get_<thing>_for_user` functions are the
one door to a single row (404 outside the committee or the user's own rows).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.documents import files as doc_files
from capuyso.documents.access import may
from capuyso.documents.models import IncomingDocument, OutgoingDocument, StoredFile
from capuyso.documents.selectors import incoming_for_user, outgoing_for_user
from capuyso.signing import convert, copies, services
from capuyso.signing.models import (
    Credential,
    ElectronicCopy,
    Signature,
    SigningSettings,
    TrustAnchor,
)

Status = OutgoingDocument.Status
BATCH_LIMIT = 100
COPIES_SHOWN = 50


# --- who may open which page -------------------------------------------------------------


def may_hold_certificates(user) -> bool:
    """People who take part in documents (drafters initial, leaders sign) keep certificates."""
    access = access_for(user)
    return access.committee_id is not None and (
        access.has(Action.DOCUMENTS_VIEW) or access.has(Action.DOCUMENTS_DRAFT)
    )


def may_configure_signing(user) -> bool:
    """The trust store and the signing settings: the committee's document configurers."""
    access = access_for(user)
    return access.committee_id is not None and access.committee_wide(Action.DOCUMENTS_CONFIGURE)


def may_issue(user, document: OutgoingDocument) -> bool:
    """The Office (or a cell's secretary) numbers and issues; the same rule as the
    documents page's issue button."""
    return may(user, Action.DOCUMENTS_ISSUE, document.issuing_unit)


def may_manage_seal(user) -> bool:
    return user.committee_id is not None and services.may_hold_seal(user, user.committee)


# --- certificates ---------------------------------------------------------------------


def _with_expiry(credentials, now=None) -> list[Credential]:
    now = now or timezone.now()
    soon = now + dt.timedelta(days=services.EXPIRY_WARNING_DAYS)
    rows = list(credentials)
    for credential in rows:
        credential.expired = credential.not_after < now
        credential.expires_soon = not credential.expired and credential.not_after < soon
    return rows


def credentials_of(user) -> list[Credential]:
    """The user's own personal certificates, active first, each with expiry flags."""
    return _with_expiry(
        Credential.objects.filter(
            committee_id=user.committee_id, owner=user, purpose=Credential.Purpose.PERSONAL
        )[:50]
    )


def seal_credentials_of(user) -> list[Credential]:
    """The committee's seal certificates, for those who hold the seal."""
    if not may_manage_seal(user):
        return []
    return _with_expiry(
        Credential.objects.filter(
            committee_id=user.committee_id,
            owner__isnull=True,
            purpose=Credential.Purpose.SEAL,
        )[:50]
    )


def get_credential_for_user(user, code) -> Credential:
    """One of the user's certificates, or a seal certificate of their committee for a seal
    holder; 404 for anything else."""
    condition = Q(owner=user, purpose=Credential.Purpose.PERSONAL)
    if may_manage_seal(user):
        condition |= Q(owner__isnull=True, purpose=Credential.Purpose.SEAL)
    try:
        return Credential.objects.filter(condition).get(code=code, committee_id=user.committee_id)
    except (Credential.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def signing_credentials(user, *, seal: bool = False, remote: bool = True) -> QuerySet:
    """Active certificates the user may choose when signing (the seal's when `seal`)."""
    if user.committee_id is None:
        return Credential.objects.none()
    qs = services.credentials_for(user, user.committee, seal=seal)
    if not remote:
        qs = qs.exclude(kind=Credential.Kind.REMOTE)
    return qs.order_by("-not_after")


def remote_offered(committee) -> bool:
    return bool(services.settings_for(committee).remote_provider_url)


# --- trust store and settings ------------------------------------------------------------


def _committee_id_for_config(user) -> int:
    if not may_configure_signing(user):
        raise PermissionDenied
    return user.committee_id


def trust_anchors_for_config(user) -> QuerySet:
    return TrustAnchor.objects.filter(committee_id=_committee_id_for_config(user)).only(
        "code", "kind", "name", "valid_until", "created_at"
    )[:500]


def get_trust_anchor_for_config(user, code) -> TrustAnchor:
    committee_id = _committee_id_for_config(user)
    try:
        return TrustAnchor.objects.select_related("committee").get(
            code=code, committee_id=committee_id
        )
    except (TrustAnchor.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def settings_for_config(user) -> SigningSettings:
    _committee_id_for_config(user)
    return services.settings_for(user.committee)


def mask_secret(secret: str) -> str:
    """A stored key shown only by its last characters."""
    if not secret:
        return ""
    return "••••••••" + (secret[-4:] if len(secret) >= 12 else "")


# --- outgoing documents --------------------------------------------------------------------


def signing_context(user, document: OutgoingDocument) -> dict:
    """What the signing part of an outgoing document's page shows to `user`."""
    signing_file = services.signing_file_of(document)
    signatures = list(
        Signature.objects.filter(document=document).select_related("signed_by", "file")
    )
    approved = document.status == Status.APPROVED
    if not (approved or signing_file or signatures):
        return {"show": False}
    roles = []
    if approved and signing_file is not None:
        if services.may_initial(user, document):
            roles.append((Signature.Role.INITIAL, Signature.Role.INITIAL.label))
        if services.may_sign(user, document):
            roles.append((Signature.Role.SIGNER, Signature.Role.SIGNER.label))
    seal_issue = (
        approved
        and may_issue(user, document)
        and signing_file is not None
        and document.is_digitally_signed
    )
    may_prepare = approved and not signatures and services.may_prepare(user, document)
    credentials = list(signing_credentials(user)) if roles else []
    return {
        "show": True,
        "file": signing_file,
        "signatures": signatures,
        "roles": roles,
        "credentials": credentials,
        "has_remote": any(c.kind == Credential.Kind.REMOTE for c in credentials),
        "can_prepare": may_prepare,
        "can_convert": may_prepare and convert.available(),
        "seal_issue": seal_issue,
        "seal_credentials": list(signing_credentials(user, seal=True, remote=False))
        if seal_issue
        else [],
        "may_manage_seal": seal_issue and may_manage_seal(user),
    }


def documents_to_sign(user) -> QuerySet:
    """Approved documents with a prepared PDF that wait for the user's signature.

    The same rule as `services.may_sign`, as one query: the user is the signer or the
    approver and nobody has signed as signer yet. `batch_sign` checks each one again."""
    if user.committee_id is None:
        return OutgoingDocument.objects.none()
    return (
        OutgoingDocument.objects.filter(
            committee_id=user.committee_id,
            status=Status.APPROVED,
            signing_file__isnull=False,
        )
        .filter(Q(signer=user) | Q(approved_by=user))
        .exclude(signatures__role=Signature.Role.SIGNER)
        .select_related("doc_type", "issuing_unit", "signer")
        .order_by("approved_at", "pk")
    )


# --- electronic copies -----------------------------------------------------------------------


def copy_sources(document: OutgoingDocument | IncomingDocument) -> QuerySet[StoredFile]:
    """The PDFs of a document that may be copied: an issued outgoing document's digitally
    signed PDF, or an incoming document's PDF files (none for a classified one)."""
    if isinstance(document, OutgoingDocument):
        if (
            document.status == Status.ISSUED
            and document.signed_file_id is not None
            and document.is_digitally_signed
        ):
            return StoredFile.objects.filter(pk=document.signed_file_id, content_type=doc_files.PDF)
        return StoredFile.objects.none()
    if document.is_classified:
        return StoredFile.objects.none()
    return document.files.filter(content_type=doc_files.PDF).order_by("pk")


def copies_of(document: OutgoingDocument | IncomingDocument) -> QuerySet[ElectronicCopy]:
    """The newest electronic copies made of a document, for anyone who may open it."""
    link = "outgoing" if isinstance(document, OutgoingDocument) else "incoming"
    return ElectronicCopy.objects.filter(
        committee_id=document.committee_id, **{link: document}
    ).select_related("made_by", "copy")[:COPIES_SHOWN]


def copies_context(user, document: OutgoingDocument | IncomingDocument) -> dict:
    """What the electronic-copies part of a document's page shows to `user`: the copies, and
    the form to make one for the seal holders when the document has a PDF to copy."""
    sources = list(copy_sources(document))
    may_copy = bool(sources) and copies.may_copy(user, document.committee)
    rows = list(copies_of(document))
    return {
        "show": may_copy or bool(rows),
        "copies": rows,
        "may_copy": may_copy,
        "sources": sources,
        "kinds": ElectronicCopy.Kind.choices,
        "credentials": list(signing_credentials(user, seal=True, remote=False)) if may_copy else [],
        "is_outgoing": isinstance(document, OutgoingDocument),
    }


def get_copy_for_user(user, code) -> ElectronicCopy:
    """One electronic copy, for those who may open its document: 404 outside the committee,
    403 without the right to read the document (the same rule as the document's page)."""
    access = access_for(user)
    try:
        copy = ElectronicCopy.objects.select_related("copy").get(
            code=code, committee_id=access.committee_id
        )
    except (ElectronicCopy.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if copy.outgoing_id is not None:
        readable = outgoing_for_user(user).filter(pk=copy.outgoing_id).exists()
    elif copy.incoming_id is not None:
        readable = incoming_for_user(user).filter(pk=copy.incoming_id).exists()
    else:  # a copy of no document: only the copying body
        readable = copies.may_copy(user, copy.committee)
    if not readable:
        raise PermissionDenied
    return copy
