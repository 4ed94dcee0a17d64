"""Electronic copies (bản sao điện tử): the copying body signs a copy of a PDF.

The copy is the source plus one incremental signature, so the source's own signatures stay
valid inside the copy, and the source file itself is never touched. The stamp at the top right
of page 1 gives the copy type, the copying body and the time in ISO 8601 with +07:00.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.documents import files as doc_files
from capuyso.documents.models import StoredFile
from capuyso.documents.services.config import executive_body_name
from capuyso.signing import keys, pdf
from capuyso.signing.models import Credential, ElectronicCopy
from capuyso.signing.services import check_seal_credential, may_hold_seal, settings_for

DEFAULT_LABELS = {
    ElectronicCopy.Kind.TRUE_COPY: "SAO Y",
    ElectronicCopy.Kind.REPRODUCTION: "SAO LỤC",
    ElectronicCopy.Kind.EXTRACT: "TRÍCH SAO",
}


def copy_stamp_lines(committee, kind: str, when) -> list[str]:
    label = DEFAULT_LABELS[kind]
    if kind == ElectronicCopy.Kind.TRUE_COPY:
        label = settings_for(committee).copy_label or label
    return [
        label,
        executive_body_name(committee),
        timezone.localtime(when).isoformat(timespec="seconds"),
    ]


def may_copy(actor, committee) -> bool:
    return may_hold_seal(actor, committee)


def make_copy(
    *,
    actor,
    committee,
    source: StoredFile,
    kind: str,
    credential: Credential,
    secret: str,
    outgoing=None,
    incoming=None,
) -> ElectronicCopy:
    if not may_copy(actor, committee):
        raise PermissionDenied
    if source.committee_id != committee.pk:
        raise PermissionDenied
    if kind not in DEFAULT_LABELS:
        raise ValidationError(_("Choose the copy type."))
    if source.content_type != doc_files.PDF:
        raise ValidationError(_("Only a PDF can be copied electronically."))
    check_seal_credential(credential, committee)
    data = doc_files.read_verified(source)
    when = timezone.now()
    request = pdf.SignRequest(
        role="copy",
        appearance=pdf.Appearance(lines=copy_stamp_lines(committee, kind, when), font_size=7),
        reason="Sao văn bản điện tử",
        name=credential.subject_name,
        timestamp_url=settings_for(committee).timestamp_url,
    )
    written: list[str] = []
    try:
        with keys.open_signer(credential, secret) as signer:
            try:
                signed, _field, level = pdf.sign(data, signer, request)
            except pdf.PdfProblem as problem:
                raise ValidationError(str(problem.message)) from None
        with transaction.atomic():
            stored = doc_files.store(
                committee=committee,
                checked=doc_files.CheckedFile(
                    name=f"ban-sao-{source.original_name.rsplit('.', 1)[0]}.pdf"[:200],
                    data=signed,
                    content_type=doc_files.PDF,
                    sha256=hashlib.sha256(signed).hexdigest(),
                ),
                purpose=StoredFile.Purpose.ISSUED,
                actor=actor,
                written=written,
            )
            copy = ElectronicCopy.objects.create(
                committee=committee,
                kind=kind,
                source=source,
                copy=stored,
                outgoing=outgoing,
                incoming=incoming,
                credential=credential,
                made_by=actor,
                level=level,
            )
            audit_record(actor=actor, verb=Verb.CREATE, obj=copy, changes={"kind": [None, kind]})
    except keys.KeyProblem as problem:
        doc_files.discard(written)
        raise ValidationError({"secret": problem.message}) from None
    except BaseException:
        doc_files.discard(written)
        raise
    return copy
