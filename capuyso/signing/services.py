"""Business rules of digital signing: settings, trust, certificates, the signing steps of an
outgoing document, and the checks of signed PDFs.

Order on an outgoing document: it is approved → its PDF is prepared (converted from the
approved DOCX, or uploaded) with fields for the number and date → a reviewer may initial it →
the signer signs → at issue the clerk's registry gives the number, which is written into the
PDF, and the organisation's seal signature closes it. Every step is an incremental revision,
so each earlier signature stays valid, and a failed step leaves the document as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record
from capuyso.core.text import fold
from capuyso.documents import files as doc_files
from capuyso.documents.access import may
from capuyso.documents.layout import format_place_date
from capuyso.documents.models import OutgoingDocument, StoredFile
from capuyso.documents.services.outgoing import (
    outgoing_attach_signature,
    outgoing_issue,
    place_name,
)
from capuyso.signing import convert, keys, pdf
from capuyso.signing.models import (
    Credential,
    Signature,
    SigningFile,
    SigningSettings,
    TrustAnchor,
    Verification,
)

Status = OutgoingDocument.Status
EXPIRY_WARNING_DAYS = 30


def _user_error(problem) -> ValidationError:
    return ValidationError(str(problem.message), code=getattr(problem, "code", "invalid"))


# --- settings and trust ----------------------------------------------------------------


def settings_for(committee) -> SigningSettings:
    found = SigningSettings.objects.filter(committee=committee).first()
    return found or SigningSettings(committee=committee)


def _require_admin(actor, committee):
    from capuyso.accounts.permissions import access_for

    if not access_for(actor).can(Action.DOCUMENTS_CONFIGURE, committee_id=committee.pk):
        raise PermissionDenied


@transaction.atomic
def settings_update(*, actor, committee, **values) -> SigningSettings:
    _require_admin(actor, committee)
    current = settings_for(committee)
    before = {k: getattr(current, k) for k in values if k != "seal_image"}
    for key, value in values.items():
        if key == "seal_image" and value is None:
            continue
        setattr(current, key, value)
    if values.get("seal_image"):
        pdf._pil(values["seal_image"])  # refuses what is not an image
    current.full_clean(exclude=["committee"])
    current.save()
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=current,
        changes={
            k: [str(before[k]), str(getattr(current, k))]
            for k in before
            if k != "remote_provider_api_key" and before[k] != getattr(current, k)
        },
    )
    return current


def trust_store(committee, *, allow_fetching: bool | None = None) -> pdf.TrustStore:
    store = pdf.TrustStore()
    for anchor in TrustAnchor.objects.filter(committee=committee):
        der = bytes(anchor.der)
        if anchor.kind == TrustAnchor.Kind.ROOT:
            store.roots.append(pdf.load_certificate(der))
        elif anchor.kind == TrustAnchor.Kind.INTERMEDIATE:
            store.intermediates.append(pdf.load_certificate(der))
        else:
            store.crls.append(pdf.load_crl(der))
    if allow_fetching is None:
        allow_fetching = settings_for(committee).fetch_revocation
    store.allow_fetching = allow_fetching
    return store


@transaction.atomic
def trust_anchor_add(*, actor, committee, data: bytes, name: str = "") -> list[TrustAnchor]:
    """Add the certificates (PEM bundle or DER) or the CRL in `data` to the trust store."""
    _require_admin(actor, committee)
    if not data:
        raise ValidationError(_("The file is empty."))
    added = []
    try:
        certs = pdf.load_certificates(data)
        items = [
            (
                TrustAnchor.Kind.ROOT if c.self_signed != "no" else TrustAnchor.Kind.INTERMEDIATE,
                c.dump(),
                c.subject.native.get("common_name") or c.subject.human_friendly,
                c["tbs_certificate"]["validity"]["not_after"].native,
            )
            for c in certs
        ]
    except Exception:
        try:
            crl = pdf.load_crl(data)
        except Exception:
            raise ValidationError(
                _("The file is neither a certificate (PEM/DER/CRT) nor a revocation list (CRL).")
            ) from None
        issuer = crl["tbs_cert_list"]["issuer"].native.get("common_name", "")
        items = [
            (
                TrustAnchor.Kind.CRL,
                crl.dump(),
                _("CRL of %(issuer)s") % {"issuer": issuer},
                crl["tbs_cert_list"]["next_update"].native,
            )
        ]
    for kind, der, default_name, until in items:
        sha = hashlib.sha256(der).hexdigest()
        if kind == TrustAnchor.Kind.CRL:
            # A newer CRL of the same issuer replaces the older one.
            for old in TrustAnchor.objects.filter(committee=committee, kind=kind):
                if (
                    pdf.load_crl(bytes(old.der))["tbs_cert_list"]["issuer"]
                    == pdf.load_crl(der)["tbs_cert_list"]["issuer"]
                ):
                    old.delete()
        if TrustAnchor.objects.filter(committee=committee, sha256=sha).exists():
            continue
        anchor = TrustAnchor.objects.create(
            committee=committee,
            kind=kind,
            name=(name or default_name)[:255],
            der=der,
            sha256=sha,
            valid_until=until,
            uploaded_by=actor,
        )
        audit_record(
            actor=actor, verb=Verb.CREATE, obj=anchor, changes={"name": [None, anchor.name]}
        )
        added.append(anchor)
    if not added:
        raise ValidationError(_("These certificates are already in the trust store."))
    return added


@transaction.atomic
def trust_anchor_remove(*, actor, anchor: TrustAnchor) -> None:
    _require_admin(actor, anchor.committee)
    audit_record(actor=actor, verb=Verb.DELETE, obj=anchor, changes={"name": [anchor.name, None]})
    anchor.delete()


# --- certificates --------------------------------------------------------------------


@dataclasses.dataclass
class CertificateCheck:
    warnings: list[str]


def _validity(cert) -> tuple[dt.datetime, dt.datetime]:
    validity = cert["tbs_certificate"]["validity"]
    return validity["not_before"].native, validity["not_after"].native


def _committee_names(committee) -> set[str]:
    from capuyso.documents.services.config import executive_body_name

    names = {
        fold(committee.name),
        fold(committee.executive_name),
        fold(executive_body_name(committee)),
    }
    names.discard("")
    return names


def check_certificate_for(cert, *, owner=None, committee=None, now=None) -> CertificateCheck:
    """Refuse a certificate that is not valid today or does not belong to its holder."""
    now = now or timezone.now()
    not_before, not_after = _validity(cert)
    if now < not_before:
        raise ValidationError(
            _("The certificate is not valid yet (from %(date)s).")
            % {"date": timezone.localtime(not_before).strftime("%d/%m/%Y")}
        )
    if now > not_after:
        raise ValidationError(
            _("The certificate expired on %(date)s.")
            % {"date": timezone.localtime(not_after).strftime("%d/%m/%Y")}
        )
    subject = cert.subject.native
    names = {fold(str(subject.get(k, ""))) for k in ("common_name", "organization_name")}
    names.discard("")
    if owner is not None:
        email = str(subject.get("email_address", "")).lower()
        if fold(owner.full_name) not in names and not (email and email == owner.email.lower()):
            raise ValidationError(
                _(
                    "The certificate is issued to “%(subject)s”, not to %(name)s: register "
                    "your own certificate."
                )
                % {"subject": subject.get("common_name", ""), "name": owner.full_name}
            )
    elif committee is not None and not any(
        wanted in n for n in names for wanted in _committee_names(committee)
    ):
        raise ValidationError(
            _("The seal certificate is issued to “%(subject)s”, not to %(name)s.")
            % {"subject": subject.get("common_name", ""), "name": committee.name}
        )
    warnings = []
    if not_after - now < dt.timedelta(days=EXPIRY_WARNING_DAYS):
        warnings.append(
            _("The certificate expires on %(date)s: ask for its renewal now.")
            % {"date": timezone.localtime(not_after).strftime("%d/%m/%Y")}
        )
    return CertificateCheck(warnings=warnings)


def check_not_revoked(cert, committee) -> None:
    serial = cert.serial_number
    for anchor in TrustAnchor.objects.filter(committee=committee, kind=TrustAnchor.Kind.CRL):
        crl = pdf.load_crl(bytes(anchor.der))
        if crl["tbs_cert_list"]["issuer"] != cert.issuer:
            continue
        for revoked in crl["tbs_cert_list"]["revoked_certificates"] or []:
            if revoked["user_certificate"].native == serial:
                raise ValidationError(
                    _("The certificate has been revoked by its CA."), code="revoked"
                )


@dataclasses.dataclass
class NewCredential:
    kind: str
    purpose: str = Credential.Purpose.PERSONAL
    certificate: bytes = b""  # PEM/DER, for a token
    pkcs12: bytes = b""
    passphrase: str = ""  # only to open the file once now; never stored
    token_label: str = ""
    key_label: str = ""
    remote_user_id: str = ""
    signature_image: bytes | None = None
    label: str = ""


def may_hold_seal(actor, committee) -> bool:
    """May `actor` register and use the committee's seal (the Office's clerks)?"""
    from capuyso.documents.services.config import office_of

    office = office_of(committee)
    return office is not None and may(actor, Action.DOCUMENTS_ISSUE, office)


@transaction.atomic
def credential_register(*, actor, committee, spec: NewCredential) -> tuple[Credential, list[str]]:
    """Record a certificate for `actor` (or, for the seal, for the committee's office)."""
    seal = spec.purpose == Credential.Purpose.SEAL
    if seal and not may_hold_seal(actor, committee):
        raise PermissionDenied
    chain: list = []
    pkcs12_blob = None
    if spec.kind == Credential.Kind.PKCS12:
        try:
            _key, cert_obj, extra = keys.read_pkcs12(spec.pkcs12, spec.passphrase)
        except keys.KeyProblem as problem:
            raise ValidationError(
                {"passphrase" if problem.code == "wrong_secret" else "pkcs12": problem.message}
            ) from None
        from cryptography.hazmat.primitives import serialization

        cert = pdf.load_certificate(cert_obj.public_bytes(serialization.Encoding.DER))
        chain = [pdf.load_certificate(c.public_bytes(serialization.Encoding.DER)) for c in extra]
        pkcs12_blob = spec.pkcs12
    elif spec.kind == Credential.Kind.REMOTE:
        from capuyso.signing import remote

        settings_row = settings_for(committee)
        if not settings_row.remote_provider_url:
            raise ValidationError(_("No remote signing service is configured for this committee."))
        if not spec.remote_user_id.strip():
            raise ValidationError(
                {"remote_user_id": _("Enter your account at the signing service.")}
            )
        try:
            der, chain_der = remote_provider(committee).fetch_certificate(
                spec.remote_user_id.strip()
            )
        except remote.RemoteSigningError as exc:
            raise ValidationError(str(exc.message)) from None
        cert = pdf.load_certificate(der)
        chain = [pdf.load_certificate(c) for c in chain_der]
    else:
        if spec.kind != Credential.Kind.PKCS11:
            raise ValidationError(_("Choose where the key is."))
        if not spec.token_label.strip() or not spec.key_label.strip():
            raise ValidationError(
                _("Enter the token label and the key label shown by the token software.")
            )
        try:
            cert = pdf.load_certificate(spec.certificate)
        except Exception:
            raise ValidationError(
                {"certificate": _("The file is not a certificate (PEM, DER or CRT).")}
            ) from None
    check = check_certificate_for(
        cert, owner=None if seal else actor, committee=committee if seal else None
    )
    check_not_revoked(cert, committee)
    store = trust_store(committee, allow_fetching=False)
    path = _path_to_root(cert, chain, store) if store.roots else None
    if store.roots and path is None:
        check.warnings.append(
            _(
                "The certificate does not chain to the committee's trusted roots: "
                "its signatures will show as untrusted."
            )
        )
    elif path and not chain:
        # A token's certificate file (or a PKCS#12 without its CAs) comes alone: keep the
        # CAs from the trust store so that every signature carries them and a validator
        # elsewhere, which knows only the root, can build the path.
        chain = path
    if spec.signature_image:
        pdf._pil(spec.signature_image)
    owner = None if seal else actor
    sha = cert.sha256.hex()
    existing = Credential.objects.filter(committee=committee, sha256=sha, owner=owner).first()
    if existing is not None and existing.active:
        raise ValidationError(_("This certificate is already registered."))
    not_before, not_after = _validity(cert)
    values = dict(
        purpose=spec.purpose,
        kind=spec.kind,
        label=spec.label[:120],
        certificate=cert.dump(),
        chain=b"".join(_pem(c) for c in chain),
        subject_name=(cert.subject.native.get("common_name") or cert.subject.human_friendly)[:255],
        issuer_name=(cert.issuer.native.get("common_name") or cert.issuer.human_friendly)[:255],
        serial=format(cert.serial_number, "x")[:80],
        not_before=not_before,
        not_after=not_after,
        pkcs12=pkcs12_blob,
        token_label=spec.token_label.strip()[:64],
        key_label=spec.key_label.strip()[:64],
        remote_user_id=spec.remote_user_id.strip()[:120],
        signature_image=spec.signature_image,
        active=True,
        registered_by=actor,
    )
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save()
        credential = existing
    else:
        credential = Credential.objects.create(
            committee=committee, owner=owner, sha256=sha, **values
        )
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=credential,
        changes={"certificate": [None, f"{credential.subject_name} #{credential.serial}"]},
    )
    return credential, check.warnings


def _pem(cert) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", cert.dump())


def _path_to_root(cert, chain, store: pdf.TrustStore) -> list | None:
    """The CA certificates from `cert`'s issuer up to a trusted root, or None if none."""
    import asyncio

    from pyhanko_certvalidator import CertificateValidator

    context = pdf.TrustStore(
        roots=store.roots, intermediates=store.intermediates + list(chain)
    ).context()
    try:
        path = asyncio.run(
            CertificateValidator(cert, validation_context=context).async_validate_usage(set())
        )
    except Exception:
        return None
    return list(path.iter_certs(include_root=True))[-2::-1]


@transaction.atomic
def credential_deactivate(*, actor, credential: Credential) -> None:
    if credential.owner_id != actor.pk and not (
        credential.owner_id is None and may_hold_seal(actor, credential.committee)
    ):
        raise PermissionDenied
    credential.active = False
    credential.save(update_fields=["active", "updated_at"])
    audit_record(actor=actor, verb=Verb.UPDATE, obj=credential, changes={"active": [True, False]})


def credentials_for(actor, committee, *, seal: bool = False):
    qs = Credential.objects.filter(committee=committee, active=True)
    if seal:
        return qs.filter(purpose=Credential.Purpose.SEAL, owner__isnull=True)
    return qs.filter(owner=actor, purpose=Credential.Purpose.PERSONAL)


def remote_provider(committee):
    from django.conf import settings

    from capuyso.signing import remote

    row = settings_for(committee)
    return remote.provider_from_config(
        row.remote_provider_url, row.remote_provider_api_key, settings.SIGNING_REMOTE_TIMEOUT
    )


# --- the signing file of an outgoing document --------------------------------------------


def _lock(document: OutgoingDocument) -> OutgoingDocument:
    return OutgoingDocument.objects.select_for_update().get(pk=document.pk)


def may_prepare(actor, document: OutgoingDocument) -> bool:
    if document.status != Status.APPROVED:
        return False
    return actor.pk in (document.signer_id, document.approved_by_id, document.drafted_by_id) or may(
        actor, Action.DOCUMENTS_ISSUE, document.issuing_unit
    )


def _checked_pdf(data: bytes, name: str) -> doc_files.CheckedFile:
    return doc_files.CheckedFile(
        name=name,
        data=data,
        content_type=doc_files.PDF,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _pdf_name(document: OutgoingDocument, suffix: str = "") -> str:
    base = fold(document.doc_type.name).replace(" ", "-") or "van-ban"
    return f"{base}{suffix}.pdf"


def check_may_prepare(actor, document: OutgoingDocument) -> None:
    """Refuse, before any work, what `prepare_signing_file` would refuse."""
    if not may_prepare(actor, document):
        if document.status != Status.APPROVED:
            raise ValidationError(_("Only an approved document is signed."))
        raise PermissionDenied
    if Signature.objects.filter(document=document).exists():
        raise ValidationError(
            _("The PDF already carries signatures; return the draft for changes to start again.")
        )


@transaction.atomic
def prepare_signing_file(*, actor, document: OutgoingDocument, upload=None) -> SigningFile:
    """Make the PDF to be signed: from the approved DOCX through LibreOffice, or an upload."""
    document = _lock(document)
    check_may_prepare(actor, document)
    latest = document.versions.select_related("file").order_by("-number").first()
    if upload is not None:
        data = upload.data if isinstance(upload, doc_files.CheckedFile) else upload
        source = SigningFile.Source.UPLOADED
    else:
        if latest is None or latest.file.content_type != doc_files.DOCX:
            raise ValidationError(_("There is no approved DOCX to convert; upload the final PDF."))
        try:
            data = convert.docx_to_pdf(doc_files.read_verified(latest.file))
        except (convert.ConversionUnavailable, convert.ConversionFailed) as exc:
            raise ValidationError(str(exc.message)) from None
        source = SigningFile.Source.CONVERTED
    try:
        pdf.open_pdf(data)
        prepared, with_fields = pdf.add_number_fields(data)
    except pdf.PdfProblem as problem:
        raise _user_error(problem) from None
    written: list[str] = []
    try:
        stored = doc_files.store(
            committee=document.committee,
            checked=_checked_pdf(prepared, _pdf_name(document)),
            purpose=StoredFile.Purpose.DRAFT,
            actor=actor,
            written=written,
        )
        signing_file, _created = SigningFile.objects.update_or_create(
            document=document,
            defaults=dict(
                committee=document.committee,
                source=source,
                from_version=latest,
                prepared=stored,
                current=stored,
                has_number_fields=with_fields,
                number_stamped=False,
                prepared_by=actor,
            ),
        )
        audit_record(
            actor=actor, verb=Verb.CREATE, obj=signing_file, changes={"source": [None, source]}
        )
    except BaseException:
        doc_files.discard(written)
        raise
    return signing_file


def signing_file_of(document: OutgoingDocument) -> SigningFile | None:
    return (
        SigningFile.objects.filter(document=document).select_related("current", "prepared").first()
    )


# --- who signs what, in which order ----------------------------------------------------


def _signed_roles(document) -> set[str]:
    return set(Signature.objects.filter(document=document).values_list("role", flat=True))


def may_initial(actor, document) -> bool:
    if document.status != Status.APPROVED or actor.pk == document.signer_id:
        return False
    if Signature.Role.SIGNER in _signed_roles(document):
        return False
    reviewed = document.reviews.filter(reviewer=actor).exists()
    return reviewed or actor.pk == document.drafted_by_id


def may_sign(actor, document) -> bool:
    if document.status != Status.APPROVED:
        return False
    if Signature.Role.SIGNER in _signed_roles(document):
        return False
    return actor.pk in (document.signer_id, document.approved_by_id)


SIGNING_ROLES = (Signature.Role.INITIAL, Signature.Role.SIGNER)


def check_may_sign(actor, document, role: str) -> None:
    """Refuse, before a key is opened, a signature `sign_document` would refuse: a message
    when the document is not (or no longer) at that step, 403 when it is not the actor's."""
    if role not in SIGNING_ROLES:
        raise ValidationError(_("The seal is applied when the document is issued."))
    if document.status != Status.APPROVED:
        raise ValidationError(_("Only an approved document is signed."))
    if Signature.Role.SIGNER in _signed_roles(document):
        raise ValidationError(_("The document is already signed."))
    allowed = may_initial if role == Signature.Role.INITIAL else may_sign
    if not allowed(actor, document):
        raise PermissionDenied


def may_seal(actor, document) -> bool:
    return document.status == Status.APPROVED and may(
        actor, Action.DOCUMENTS_ISSUE, document.issuing_unit
    )


def issuing_body_name(document) -> str:
    from capuyso.org.models import Unit

    if document.issuing_unit.kind == Unit.Kind.CELL:
        name = document.issuing_unit.name
        return name if fold(name).startswith("chi bo") else f"Chi bộ {name}"
    from capuyso.documents.services.config import executive_body_name

    return executive_body_name(document.committee)


def _appearance(role: str, document, credential: Credential, actor, when) -> pdf.Appearance:
    stamp_time = timezone.localtime(when)
    body = issuing_body_name(document)
    if role == Signature.Role.SEAL:
        image = settings_for(document.committee).seal_image
        return pdf.Appearance(
            lines=[body, stamp_time.isoformat(timespec="seconds")],
            image=bytes(image) if image else None,
            font_size=5,
        )
    if role == Signature.Role.INITIAL:
        return pdf.Appearance(
            lines=[
                _("Initialled: %(name)s") % {"name": actor.full_name},
                stamp_time.strftime("%d/%m/%Y %H:%M"),
            ],
            font_size=5,
        )
    title = document.signer_title or ""
    lines = [
        _("Signed by: %(name)s") % {"name": credential.subject_name},
    ]
    if title:
        lines.append(_("Title: %(title)s") % {"title": title.capitalize()})
    lines.append(_("Body: %(body)s") % {"body": body})
    offset = stamp_time.isoformat()[-6:]  # "+07:00"
    lines.append(_("Time: %(time)s") % {"time": f"{stamp_time:%d/%m/%Y %H:%M:%S} {offset}"})
    image = credential.signature_image
    return pdf.Appearance(lines=lines, image=bytes(image) if image else None, font_size=6)


def _sign_request(role, document, credential, actor, when) -> pdf.SignRequest:
    row = settings_for(document.committee)
    return pdf.SignRequest(
        role=role,
        appearance=_appearance(role, document, credential, actor, when),
        reason={
            "initial": "Ký nháy",
            "signer": "Ký ban hành",
            "seal": "Đóng dấu điện tử",
            "copy": "Sao văn bản điện tử",
        }[role],
        location=place_name(document.committee),
        name=credential.subject_name,
        timestamp_url=row.timestamp_url,
        **_revocation_options(row, credential),
    )


def _revocation_options(row: SigningSettings, credential: Credential) -> dict:
    """B-LT needs a timestamp and revocation data for the signer's certificate: from the
    CRLs the administrator uploaded, or fetched from the CA when fetching is allowed."""
    if not row.timestamp_url:
        return {}
    cert = pdf.load_certificate(bytes(credential.certificate))
    if not (cert.crl_distribution_points or cert.ocsp_urls):
        return {}
    store = trust_store(row.committee, allow_fetching=row.fetch_revocation)
    if not (store.crls or store.allow_fetching) or not store.roots:
        return {}
    chain = pdf.load_certificates(bytes(credential.chain)) if credential.chain else []
    store.intermediates += chain
    return {"embed_revocation": True, "validation_context": store.context()}


def _check_valid_today(credential: Credential, committee) -> None:
    """The certificate is inside its validity period and not on an uploaded CRL."""
    cert = pdf.load_certificate(bytes(credential.certificate))
    now = timezone.now()
    not_before, not_after = _validity(cert)
    if now > not_after:
        raise ValidationError(
            _("The certificate expired on %(date)s; register the renewed one.")
            % {"date": timezone.localtime(not_after).strftime("%d/%m/%Y")}
        )
    if now < not_before:
        raise ValidationError(_("The certificate is not valid yet."))
    check_not_revoked(cert, committee)


def check_seal_credential(credential: Credential, committee) -> None:
    """The committee's active seal certificate, valid today and not revoked."""
    if (
        not credential.active
        or credential.committee_id != committee.pk
        or credential.purpose != Credential.Purpose.SEAL
    ):
        raise ValidationError(_("Choose the organisation's seal certificate."))
    _check_valid_today(credential, committee)


def _check_credential_usable(actor, credential: Credential, role: str, document) -> None:
    if not credential.active or credential.committee_id != document.committee_id:
        raise ValidationError(_("This certificate cannot be used."))
    if role == Signature.Role.SEAL:
        if credential.purpose != Credential.Purpose.SEAL:
            raise ValidationError(_("Choose the organisation's seal certificate."))
    elif credential.owner_id != actor.pk:
        raise ValidationError(_("This certificate does not belong to you."))
    _check_valid_today(credential, document.committee)


def _record(actor, document, signing_file, role, credential, data, field, level, written, when):
    if role in (Signature.Role.SIGNER, Signature.Role.SEAL):
        document = outgoing_attach_signature(
            actor=actor,
            document=document,
            signed_pdf=_checked_pdf(data, _pdf_name(document, "-signed")),
            level=level,
            written=written,
        )
        stored = document.signed_file
    else:
        stored = doc_files.store(
            committee=document.committee,
            checked=_checked_pdf(data, _pdf_name(document, "-initialled")),
            purpose=StoredFile.Purpose.DRAFT,
            actor=actor,
            written=written,
        )
    signing_file.current = stored
    signing_file.version += 1
    signing_file.save(update_fields=["current", "version", "updated_at", "number_stamped"])
    signature = Signature.objects.create(
        committee=document.committee,
        document=document,
        role=role,
        field_name=field,
        credential=credential,
        signed_by=actor,
        certificate_subject=credential.subject_name,
        level=level,
        signed_at=when,
        file=stored,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=signature,
        changes={"role": [None, role], "level": [None, level]},
    )
    return signature


def _apply(data: bytes, signer, request: pdf.SignRequest, signer_name: str):
    try:
        return pdf.sign(data, signer, request, signer_name)
    except pdf.PdfProblem as problem:
        raise _user_error(problem) from None


def _sign_locked(*, actor, document, role, credential, signer, written) -> Signature:
    """The common path once the document row is locked and the key is open."""
    signing_file = SigningFile.objects.select_for_update().filter(document=document).first()
    if signing_file is None:
        raise ValidationError(_("Prepare the PDF first."))
    allowed = {
        Signature.Role.INITIAL: may_initial,
        Signature.Role.SIGNER: may_sign,
        Signature.Role.SEAL: may_seal,
    }[role](actor, document)
    if not allowed:
        raise PermissionDenied
    _check_credential_usable(actor, credential, role, document)
    data = doc_files.read_verified(signing_file.current)
    when = timezone.now()
    signed, field, level = _apply(
        data,
        signer,
        _sign_request(role, document, credential, actor, when),
        document.signer.full_name if document.signer_id else "",
    )
    return _record(
        actor, document, signing_file, role, credential, signed, field, level, written, when
    )


def sign_document(
    *, actor, document: OutgoingDocument, role: str, credential: Credential, secret: str
) -> Signature:
    """Sign one document with a PKCS#12 file or a token; nothing changes if anything fails."""
    if role == Signature.Role.SEAL:
        raise ValidationError(_("The seal is applied when the document is issued."))
    written: list[str] = []
    try:
        with keys.open_signer(credential, secret) as signer, transaction.atomic():
            return _sign_locked(
                actor=actor,
                document=_lock(document),
                role=role,
                credential=credential,
                signer=signer,
                written=written,
            )
    except keys.KeyProblem as problem:
        doc_files.discard(written)
        raise ValidationError({"secret": problem.message}) from None
    except BaseException:
        doc_files.discard(written)
        raise


@dataclasses.dataclass
class BatchResult:
    document: OutgoingDocument
    signature: Signature | None = None
    error: str = ""


def batch_sign(*, actor, documents, credential: Credential, secret: str) -> list[BatchResult]:
    """Sign several approved documents with one PIN entry: the key is opened once."""
    results: list[BatchResult] = []
    try:
        with keys.open_signer(credential, secret) as signer:
            for document in documents:
                written: list[str] = []
                try:
                    with transaction.atomic():
                        signature = _sign_locked(
                            actor=actor,
                            document=_lock(document),
                            role=Signature.Role.SIGNER,
                            credential=credential,
                            signer=signer,
                            written=written,
                        )
                    results.append(BatchResult(document, signature))
                except (ValidationError, PermissionDenied) as exc:
                    doc_files.discard(written)
                    message = (
                        "; ".join(exc.messages)
                        if isinstance(exc, ValidationError)
                        else _("You may not sign this document.")
                    )
                    results.append(BatchResult(document, error=message))
                except BaseException:
                    doc_files.discard(written)
                    raise
    except keys.KeyProblem as problem:
        raise ValidationError({"secret": problem.message}) from None
    return results


def issue_signed(
    *,
    actor,
    document: OutgoingDocument,
    credential: Credential | None,
    secret: str,
    version=None,
    issue_date=None,
):
    """Issue: the registry numbers the document, the number and date go into the signed PDF,
    and the organisation's seal signs it. A wrong PIN leaves the document unnumbered."""

    def finalize(doc, written):
        signing_file = SigningFile.objects.select_for_update().filter(document=doc).first()
        if signing_file is None or not doc.digitally_signed_at:
            if credential is not None:
                raise ValidationError(
                    _("The document has not been signed digitally; issue it without the seal.")
                )
            return
        data = doc_files.read_verified(signing_file.current)
        if signing_file.has_number_fields:
            try:
                data = pdf.fill_number_fields(
                    data,
                    reference_line=f"Số {doc.reference}",
                    date_line=format_place_date(place_name(doc.committee), doc.issue_date),
                )
            except pdf.PdfProblem as problem:
                raise _user_error(problem) from None
            signing_file.number_stamped = True
        when = timezone.now()
        if credential is None:
            stored = doc_files.store(
                committee=doc.committee,
                checked=_checked_pdf(data, _pdf_name(doc, "-signed")),
                purpose=StoredFile.Purpose.ISSUED,
                actor=actor,
                written=written,
            )
            doc.signed_file = stored
            doc.save(update_fields=["signed_file", "updated_at"])
            signing_file.current = stored
            signing_file.save(update_fields=["current", "number_stamped", "updated_at"])
            return
        if not may(actor, Action.DOCUMENTS_ISSUE, doc.issuing_unit):
            raise PermissionDenied
        _check_credential_usable(actor, credential, Signature.Role.SEAL, doc)
        signed, field, level = _apply(
            data,
            state["signer"],
            _sign_request(Signature.Role.SEAL, doc, credential, actor, when),
            doc.signer.full_name if doc.signer_id else "",
        )
        signature = _record(
            actor,
            doc,
            signing_file,
            Signature.Role.SEAL,
            credential,
            signed,
            field,
            level,
            written,
            when,
        )
        # outgoing_issue goes on with its own copy of the row: keep it in step.
        doc.signed_file = signature.file
        doc.signature_level = level
        doc.digitally_signed_at = when

    state: dict = {}
    try:
        if credential is None:
            return outgoing_issue(
                actor=actor,
                document=document,
                version=version,
                issue_date=issue_date,
                finalize=finalize,
            )
        with keys.open_signer(credential, secret) as signer:
            state["signer"] = signer
            return outgoing_issue(
                actor=actor,
                document=document,
                version=version,
                issue_date=issue_date,
                finalize=finalize,
            )
    except keys.KeyProblem as problem:
        raise ValidationError({"secret": problem.message}) from None


# --- verification -----------------------------------------------------------------------


def verify_bytes(data: bytes, committee, *, allow_fetching: bool | None = None) -> dict:
    """The signature report of `data` against the committee's trust store. Revocation data
    is fetched as the committee's settings say, unless `allow_fetching` decides."""
    return pdf.verify(data, trust_store(committee, allow_fetching=allow_fetching))


def verify_stored_file(
    stored: StoredFile, *, allow_fetching: bool | None = None
) -> Verification | None:
    """Check a stored PDF's signatures and keep the verdict (never touches the file).

    No transaction of its own: the check may wait for a CA's server, and its one write is a
    single INSERT.
    """
    if stored.content_type != doc_files.PDF:
        return None
    data = doc_files.read_verified(stored)
    report = verify_bytes(data, stored.committee, allow_fetching=allow_fetching)
    signers = [s["signer"]["common_name"] for s in report["signatures"] if s.get("signer")]
    return Verification.objects.create(
        committee=stored.committee,
        file=stored,
        verdict=report["verdict"],
        signer_name=", ".join(dict.fromkeys(signers))[:255],
        signature_count=len(report["signatures"]),
        report=report,
    )


def latest_verification(stored: StoredFile | None) -> Verification | None:
    if stored is None:
        return None
    return Verification.objects.filter(file=stored).order_by("-created_at").first()
