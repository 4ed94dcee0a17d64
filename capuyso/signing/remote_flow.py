"""Remote (phone-confirmed, cloud) signing of an outgoing document, in three steps.

`remote_start` prepares the PDF with room for the signature, sends its hash to the signing
service and keeps the prepared bytes in a RemoteSigningRequest; the signer confirms on the
phone; `remote_poll` asks the service and, once it answers with the CMS signature, embeds it
and records the signature exactly as a local one is recorded.

The signing service is never called inside a database transaction: a slow service must not
hold the document (or, on SQLite, the whole database) locked. The document is locked only
for the short final step, which checks that nothing changed meanwhile. Until that step
succeeds nothing is written to the document: a refusal, a timeout or a wrong answer leaves
it exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.audit.services import Verb, audit_record
from capuyso.documents import files as doc_files
from capuyso.documents.models import OutgoingDocument
from capuyso.signing import pdf, services
from capuyso.signing.models import Credential, RemoteSigningRequest, Signature, SigningFile
from capuyso.signing.remote import RemoteSigningError

logger = logging.getLogger(__name__)

Status = RemoteSigningRequest.Status
# How long the signer has to confirm. The HTTP provider does not hand back the service's
# own `expires_in`, so every request gets this lifetime.
LIFETIME = dt.timedelta(minutes=5)
# Errors worth another poll while the request is still alive: the phone confirmation may
# already be done, and starting over would ask the signer to confirm a second time.
TRANSIENT = frozenset({"timeout", "unreachable"})
_ROLE_CHECKS = {
    Signature.Role.INITIAL: services.may_initial,
    Signature.Role.SIGNER: services.may_sign,
}


class _Abandon(Exception):
    """The final step cannot go on: the request fails with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading ------------------------------------------------------------------------------


def get_remote_request_for_user(user, code) -> RemoteSigningRequest:
    """The user's own signing request, or 404 (someone else's, another committee's, none)."""
    committee_id = access_for(user).committee_id
    found = (
        RemoteSigningRequest.objects.filter(
            code=code, committee_id=committee_id, requested_by_id=user.pk
        )
        .select_related("document", "document__doc_type", "credential")
        .defer("prepared_pdf")
        .first()
        if committee_id is not None
        else None
    )
    if found is None:
        raise Http404
    return found


def _pending_for(document, role):
    return (
        RemoteSigningRequest.objects.filter(document=document, role=role, status=Status.PENDING)
        .defer("prepared_pdf")
        .select_related("requested_by")
        .first()
    )


# --- start --------------------------------------------------------------------------------


def _document_name(document: OutgoingDocument) -> str:
    """What the signer's phone shows: the type and the summary."""
    name = f"{document.doc_type.name}: {' '.join(document.summary.split())}"
    return name[:200]


def _check_allowed(actor, document, role: str) -> None:
    if role == Signature.Role.SEAL:
        raise ValidationError(_("The seal is applied when the document is issued."))
    check = _ROLE_CHECKS.get(role)
    if check is None:
        raise ValidationError(_("Choose whether you initial or sign the document."))
    if not check(actor, document):
        raise PermissionDenied


def _certificates(credential: Credential):
    certificate = pdf.load_certificate(bytes(credential.certificate))
    chain_pem = bytes(credential.chain or b"")
    chain = pdf.load_certificates(chain_pem) if chain_pem.strip() else []
    return certificate, chain


def remote_start(
    *, actor, document: OutgoingDocument, role: str, credential: Credential
) -> RemoteSigningRequest:
    """Send the document's hash to the signing service and wait for the phone confirmation.

    A second start while the actor's request for this document and role is pending returns
    that request. Nothing is stored when the service refuses or does not answer.
    """
    _check_allowed(actor, document, role)
    if credential.kind != Credential.Kind.REMOTE:
        raise ValidationError(_("This certificate is not an account at a remote signing service."))
    existing = _pending_or_expire(actor, document, role)
    if existing is not None:
        return existing
    signing_file = services.signing_file_of(document)
    if signing_file is None:
        raise ValidationError(_("Prepare the PDF first."))
    services._check_credential_usable(actor, credential, role, document)
    data = doc_files.read_verified(signing_file.current)
    base_sha256 = signing_file.current.sha256
    certificate, chain = _certificates(credential)
    sign_request = services._sign_request(role, document, credential, actor, timezone.now())
    try:
        prepared = pdf.prepare_remote(
            data,
            certificate,
            chain,
            sign_request,
            document.signer.full_name if document.signer_id else "",
        )
    except pdf.PdfProblem as problem:
        raise services._user_error(problem) from None
    try:
        provider = services.remote_provider(document.committee)
        transaction_id = provider.start(
            user_id=credential.remote_user_id,
            digest=prepared.digest,
            digest_algorithm="sha256",
            document_name=_document_name(document),
        )
    except ValueError:  # no address, or not http(s)
        raise ValidationError(
            _("No remote signing service is configured for this committee.")
        ) from None
    except RemoteSigningError as exc:
        raise ValidationError(exc.message, code=exc.code) from None
    with transaction.atomic():
        document = services._lock(document)
        # Checked again under the lock: two starts may have raced.
        existing = _pending_for(document, role)
        if existing is not None:
            logger.info("Remote signing: transaction %s dropped for a racing start", transaction_id)
            if existing.requested_by_id == actor.pk:
                return existing
            raise _busy(existing)
        _check_allowed(actor, document, role)
        signing = RemoteSigningRequest.objects.create(
            committee=document.committee,
            document=document,
            credential=credential,
            requested_by=actor,
            role=role,
            transaction_id=transaction_id,
            base_sha256=base_sha256,
            prepared_pdf=prepared.pdf,
            digest=prepared.digest,
            reserved_start=prepared.reserved_start,
            reserved_end=prepared.reserved_end,
            field_name=prepared.field_name,
            expires_at=timezone.now() + LIFETIME,
        )
        audit_record(
            actor=actor,
            verb=Verb.CREATE,
            obj=signing,
            changes={"status": [None, Status.PENDING], "role": [None, role]},
        )
    return signing


def _busy(existing: RemoteSigningRequest) -> ValidationError:
    return ValidationError(
        _("%(name)s is already signing this document on the phone; wait for them to finish.")
        % {"name": existing.requested_by.full_name}
    )


def _pending_or_expire(actor, document, role) -> RemoteSigningRequest | None:
    """The pending request of this document and role, once stale ones are closed."""
    existing = _pending_for(document, role)
    if existing is None:
        return None
    if existing.expires_at <= timezone.now():
        _fail(existing, RemoteSigningError("expired").message, actor=actor)
        return None
    if existing.requested_by_id != actor.pk:
        raise _busy(existing)
    return existing


# --- poll, finish, cancel -----------------------------------------------------------------


def remote_poll(*, actor, request: RemoteSigningRequest) -> RemoteSigningRequest:
    """Ask the service once; on a signature, embed it and record it. A finished request is
    returned as it is."""
    if request.requested_by_id != actor.pk:
        raise PermissionDenied
    request.refresh_from_db(fields=["status", "error"])
    if request.status != Status.PENDING:
        return request
    try:
        result = services.remote_provider(request.committee).poll(request.transaction_id)
    except ValueError:  # the service's address was removed meanwhile
        return _fail(request, _("No remote signing service is configured for this committee."))
    except RemoteSigningError as exc:
        if exc.code in TRANSIENT and timezone.now() < request.expires_at:
            return _note(request, exc.message)
        return _fail(request, exc.message)
    if result.status == "signed" and result.cms:
        return _finish(actor, request, result.cms)
    if timezone.now() >= request.expires_at:
        return _fail(request, RemoteSigningError("expired").message)
    return _note(request, "")


def remote_cancel(*, actor, request: RemoteSigningRequest) -> RemoteSigningRequest:
    """Stop waiting. The service is not told (the protocol has no cancel): a late
    confirmation on the phone is simply never used."""
    if request.requested_by_id != actor.pk:
        raise PermissionDenied
    return _fail(request, _("Cancelled: the document was not signed."))


def _note(request: RemoteSigningRequest, message: str) -> RemoteSigningRequest:
    """Keep (or clear) a passing problem on a pending request; no status change."""
    message = message[:255]
    if request.error != message:
        RemoteSigningRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
            error=message, updated_at=timezone.now()
        )
        request.error = message
    return request


def _fail(request: RemoteSigningRequest, message: str, *, actor=None) -> RemoteSigningRequest:
    with transaction.atomic():
        locked = RemoteSigningRequest.objects.select_for_update().defer("prepared_pdf")
        row = locked.get(pk=request.pk)
        if row.status != Status.PENDING:
            return row
        row.status = Status.FAILED
        row.error = message[:255]
        row.prepared_pdf = b""  # the half-made file is not kept
        row.save(update_fields=["status", "error", "prepared_pdf", "updated_at"])
        audit_record(
            actor=actor or request.requested_by,
            verb=Verb.UPDATE,
            obj=row,
            changes={"status": [Status.PENDING, Status.FAILED], "error": [None, row.error]},
        )
    return row


def _finish(actor, request: RemoteSigningRequest, cms: bytes) -> RemoteSigningRequest:
    """Embed the returned signature and record it; any problem fails the request instead."""
    row = RemoteSigningRequest.objects.select_related("credential").get(pk=request.pk)
    if row.status != Status.PENDING:
        return row
    written: list[str] = []
    try:
        # The CPU work comes first, outside the lock: only the bookkeeping waits for it.
        signed = _embed(row, cms)
        with transaction.atomic():
            document = services._lock(request.document)
            current = (
                RemoteSigningRequest.objects.select_for_update()
                .defer("prepared_pdf")
                .get(pk=row.pk)
            )
            if current.status != Status.PENDING:  # another poll finished it meanwhile
                return current
            signing_file = (
                SigningFile.objects.select_for_update()
                .select_related("current")
                .filter(document=document)
                .first()
            )
            if signing_file is None or signing_file.current.sha256 != row.base_sha256:
                raise _Abandon(
                    _(
                        "The document changed while you were confirming on the phone "
                        "(another signature or a new PDF); nothing was signed. Sign again."
                    )
                )
            try:
                _check_allowed(actor, document, row.role)
            except PermissionDenied:
                raise _Abandon(
                    _("The document is no longer waiting for your signature; nothing was signed.")
                ) from None
            services._check_credential_usable(actor, row.credential, row.role, document)
            services._record(
                actor,
                document,
                signing_file,
                row.role,
                row.credential,
                signed,
                row.field_name,
                pdf.LEVEL_B_B,  # what prepare_remote makes: no timestamp on the remote path
                written,
                timezone.now(),
            )
            row.status = Status.SIGNED
            row.error = ""
            row.prepared_pdf = b""
            row.save(update_fields=["status", "error", "prepared_pdf", "updated_at"])
            audit_record(
                actor=actor,
                verb=Verb.UPDATE,
                obj=row,
                changes={"status": [Status.PENDING, Status.SIGNED]},
            )
            return row
    except _Abandon as exc:
        doc_files.discard(written)
        return _fail(request, exc.message, actor=actor)
    except ValidationError as exc:
        doc_files.discard(written)
        return _fail(request, " ".join(exc.messages), actor=actor)
    except BaseException:
        doc_files.discard(written)
        raise


def _embed(row: RemoteSigningRequest, cms: bytes) -> bytes:
    """The prepared PDF with the service's signature in it, checked, or _Abandon."""
    prepared = pdf.PreparedRemote(
        pdf=bytes(row.prepared_pdf),
        digest=bytes(row.digest),
        reserved_start=row.reserved_start,
        reserved_end=row.reserved_end,
        field_name=row.field_name,
        level=pdf.LEVEL_B_B,
    )
    try:
        signed = pdf.finish_remote(prepared, cms)
    except pdf.PdfProblem as problem:
        raise _Abandon(str(problem.message)) from None
    _check_signed_by(signed, row.field_name, row.credential)
    return signed


def _check_signed_by(data: bytes, field_name: str, credential: Credential) -> None:
    """The embedded signature is intact and made with the credential's certificate."""
    report = pdf.verify(data, pdf.TrustStore())
    entry = next((s for s in report["signatures"] if s["field"] == field_name), None)
    if entry is None or not (entry.get("intact") and entry.get("valid")):
        raise _Abandon(_("The signature returned by the signing service is not valid."))
    signer = entry.get("signer") or {}
    if signer.get("sha256") != credential.sha256:
        raise _Abandon(
            _(
                "The signing service signed with a certificate other than the one registered "
                "for you; nothing was signed."
            )
        )
