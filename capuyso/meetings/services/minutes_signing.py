"""Signing minutes: the chair and the secretary each sign once, in either order.

A signer with a registered, active personal certificate (PKCS#12 file or token) signs the
minutes PDF with PAdES, as an incremental revision, through signing.keys.open_signer and
signing.pdf.sign (the way signing/copies.py signs a PDF that is not an outgoing document):
the chair's appearance over the right-hand signature block, the secretary's over the left.
A signer without a certificate confirms on the platform; the confirmation is recorded with
its time and the SHA-256 of the content, audited, and printed under their name in the filed
PDF. The first signature freezes the content; once both have signed, the minutes are
SIGNED and `Minutes.file` holds the filed PDF (the signed one, or the one printed with both
confirmations). Until the second signature, the meeting's organisers may withdraw the first
(with a reason, audited): the minutes go back to an editable draft.

The PDF is made and signed outside the database transaction (LibreOffice and a timestamp
server may be slow); the transaction then checks that nothing changed meanwhile.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.core.text import fold
from capuyso.documents import files as doc_files
from capuyso.documents.models import StoredFile
from capuyso.meetings.access import may_manage
from capuyso.meetings.models import Meeting, Minutes
from capuyso.meetings.services.minutes import (
    CONFIRMATION,
    PADES,
    ROLES,
    _error,
    _lock,
    content_hash,
    minutes_url,
    signatures_of,
    signer_roles,
)


def _check_may_sign(actor, minutes: Minutes) -> str:
    """The role the actor signs in now, or a refusal."""
    meeting = minutes.meeting
    roles = signer_roles(actor, meeting)
    if not roles:
        raise PermissionDenied
    if minutes.status == Minutes.Status.SIGNED:
        raise _error(_("These minutes are already signed."), "already_signed")
    if Minutes.objects.filter(meeting_id=minutes.meeting_id, version__gt=minutes.version).exists():
        raise _error(_("A newer version of these minutes exists."), "not_latest")
    if meeting.status == Meeting.Status.CANCELLED:
        raise _error(_("This meeting was cancelled; it has no minutes."), "meeting_cancelled")
    if meeting.starts_at > timezone.now():
        raise _error(
            _("The meeting has not taken place yet; sign the minutes after it."), "not_held_yet"
        )
    if not meeting.chair_id or not meeting.secretary_id:
        raise _error(
            _("Name the chair and the secretary of the meeting before signing."),
            "signers_missing",
        )
    heading = (minutes.sections or {}).get("heading") or {}
    if (heading.get("chair"), heading.get("secretary")) != (
        meeting.chair.full_name,
        meeting.secretary.full_name,
    ):
        raise _error(
            _(
                "The minutes name another chair or secretary than the meeting: write "
                "attendance, agenda and votes again from the meeting before signing."
            ),
            "signers_changed",
        )
    signed = signatures_of(minutes)
    for role in roles:
        if role not in signed:
            return role
    raise _error(_("You have already signed these minutes."), "already_signed")


def personal_credentials(actor, committee):
    from capuyso.signing.services import credentials_for

    return credentials_for(actor, committee).exclude(kind="remote")


def _finish_if_complete(minutes: Minutes, when) -> bool:
    signed = signatures_of(minutes)
    if all(role in signed for role in ROLES):
        minutes.status = Minutes.Status.SIGNED
        minutes.signed_at = when
        return True
    return False


def _store_pdf(minutes: Minutes, data: bytes, actor, written, suffix: str) -> StoredFile:
    name = f"bien-ban-{timezone.localtime(minutes.meeting.starts_at):%Y-%m-%d}-v{minutes.version}"
    return doc_files.store(
        committee=minutes.meeting.committee,
        checked=doc_files.CheckedFile(
            name=f"{name}{suffix}.pdf",
            data=data,
            content_type=doc_files.PDF,
            sha256=hashlib.sha256(data).hexdigest(),
        ),
        purpose=StoredFile.Purpose.ISSUED,
        actor=actor,
        written=written,
    )


def _signature_entry(actor, role: str, method: str, when, digest: str, **extra) -> dict:
    return {
        "user": actor.pk,
        "name": actor.full_name,
        "role": role,
        "method": method,
        "at": when.isoformat(),
        "content_sha256": digest,
        **extra,
    }


def minutes_confirm(*, actor, minutes: Minutes, confirm: bool) -> Minutes:
    """Sign without a certificate: the signer confirms the minutes on the platform."""
    from capuyso.meetings import minutes_docx

    role = _check_may_sign(actor, minutes)
    if personal_credentials(actor, minutes.meeting.committee).exists():
        raise _error(
            _("You have a registered certificate: sign the minutes with it."),
            "certificate_required",
        )
    if not confirm:
        raise _error(
            _("Tick the box to confirm that you have read the minutes."), "required", "confirm"
        )
    when = timezone.now()
    digest = content_hash(minutes.sections)
    entry = _signature_entry(actor, role, CONFIRMATION, when, digest)
    signed = {**signatures_of(minutes), role: entry}
    completes = all(r in signed for r in ROLES)
    final_pdf = None
    if completes and not any(s.get("method") == PADES for s in signed.values()):
        # Print the minutes with both confirmations, outside the transaction (slow).
        preview = Minutes(
            meeting=minutes.meeting,
            version=minutes.version,
            sections={**minutes.sections, "signatures": signed},
        )
        final_pdf = minutes_docx.render_pdf(preview).data
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = _lock(minutes)
            if (
                locked.lock_version != minutes.lock_version
                or content_hash(locked.sections) != digest
                or role in signatures_of(locked)
                or locked.status == Minutes.Status.SIGNED
            ):
                raise _error(
                    _("Someone else changed these minutes meanwhile; open them again."), "stale"
                )
            sections = dict(locked.sections)
            sections["signatures"] = {**signatures_of(locked), role: entry}
            locked.sections = sections
            fields = ["sections", "lock_version", "updated_at"]
            locked.lock_version += 1
            if _finish_if_complete(locked, when):
                fields += ["status", "signed_at"]
                if final_pdf is not None:
                    locked.file = _store_pdf(locked, final_pdf, actor, written, "")
                    fields.append("file")
            locked.save(update_fields=fields)
            audit_record(
                actor=actor,
                verb=Verb.UPDATE,
                obj=locked,
                committee=locked.meeting.committee,
                changes={
                    "signed": [None, role],
                    "method": [None, CONFIRMATION],
                    "content_sha256": [None, digest],
                    **({"status": ["draft", "signed"]} if locked.status == "signed" else {}),
                },
            )
            _notify_other_signer(locked, role)
    except BaseException:
        doc_files.discard(written)
        raise
    return locked


def _notify_other_signer(minutes: Minutes, role: str) -> None:
    from capuyso.notifications.models import Notification
    from capuyso.notifications.services import notify

    if minutes.status == Minutes.Status.SIGNED:
        return
    meeting = minutes.meeting
    other = meeting.secretary if role == "chair" else meeting.chair
    if other is None or other.pk in {s.get("user") for s in signatures_of(minutes).values()}:
        return
    notify(
        users=[other],
        kind=Notification.Kind.INFO,
        title=_("Please sign the minutes of %(meeting)s") % {"meeting": meeting.title[:150]},
        url=minutes_url(minutes),
        dedupe_key=f"minutes-sign:{minutes.code}:{other.pk}",
    )


def _appearance_lines(actor, role: str, credential, when) -> list[str]:
    stamp = timezone.localtime(when)
    title = {"chair": "Chủ trì", "secretary": "Thư ký"}[role]
    return [
        _("Signed by: %(name)s") % {"name": credential.subject_name},
        _("Title: %(title)s") % {"title": title},
        _("Time: %(time)s") % {"time": f"{stamp:%d/%m/%Y %H:%M:%S} {stamp.isoformat()[-6:]}"},
    ]


def _placement(data: bytes, role: str, name: str):
    """Over the signer's block on the last page: the chair's on the right (the signing app's
    own placement for a signer), the secretary's on the left, above the printed name."""
    from capuyso.signing import pdf

    if role == "chair":
        return pdf.signature_placement(data, "signer", name)
    reader = pdf.open_pdf(data)
    last = pdf.page_count(reader) - 1
    width, _height = pdf.page_box(reader, last)
    runs = [
        r
        for r in pdf.text_runs(data, [last])
        if r.x < width * 0.45 and fold(" ".join(r.text.split())) == fold(" ".join(name.split()))
    ]
    sig_w = 150.0
    if runs:
        run = runs[-1]
        centre = run.x + run.width / 2
        bottom = run.y + run.size + 2
        above = [r.y for r in pdf.text_runs(data, [last]) if r.y > bottom and r.x < width * 0.45]
        top = max(bottom + 50, min(above, default=bottom + 80) - 4)
    else:
        centre, bottom, top = width * 0.28, 110.0, 180.0
    left = max(10.0, centre - sig_w / 2)
    return pdf.Placement(last, (left, bottom, left + sig_w, top))


def minutes_sign_digitally(*, actor, minutes: Minutes, credential, secret: str) -> Minutes:
    """Sign the minutes PDF with PAdES (a PKCS#12 file or a token) as a new incremental
    revision; nothing changes if anything fails."""
    from capuyso.meetings import minutes_docx
    from capuyso.signing import keys, pdf
    from capuyso.signing.services import check_certificate_for, check_not_revoked, settings_for

    role = _check_may_sign(actor, minutes)
    committee = minutes.meeting.committee
    if (
        credential is None
        or not credential.active
        or credential.committee_id != committee.pk
        or credential.owner_id != actor.pk
        or credential.kind == "remote"
    ):
        raise _error(_("Choose one of your certificates."), "invalid", "credential")
    cert = pdf.load_certificate(bytes(credential.certificate))
    check_certificate_for(cert, owner=actor)
    check_not_revoked(cert, committee)
    digest = content_hash(minutes.sections)
    source_file_id = minutes.file_id
    if minutes.file_id and minutes.file.content_type == doc_files.PDF and signatures_of(minutes):
        data = doc_files.read_verified(minutes.file)
    else:
        data = minutes_docx.render_pdf(minutes).data
    when = timezone.now()
    name = (minutes.sections.get("heading") or {}).get(role, "") or actor.full_name
    request = pdf.SignRequest(
        role="signer",
        appearance=pdf.Appearance(lines=_appearance_lines(actor, role, credential, when)),
        placement=_placement(data, role, name),
        reason="Ký biên bản",
        location=(minutes.sections.get("heading") or {}).get("place", ""),
        name=credential.subject_name,
        timestamp_url=settings_for(committee).timestamp_url,
    )
    written: list[str] = []
    try:
        with keys.open_signer(credential, secret) as signer:
            try:
                signed, field_name, level = pdf.sign(data, signer, request)
            except pdf.PdfProblem as problem:
                raise _error(str(problem.message), problem.code) from None
        with transaction.atomic():
            locked = _lock(minutes)
            if (
                locked.lock_version != minutes.lock_version
                or locked.file_id != source_file_id
                or content_hash(locked.sections) != digest
                or role in signatures_of(locked)
                or locked.status == Minutes.Status.SIGNED
            ):
                raise _error(
                    _("Someone else changed these minutes meanwhile; open them again."), "stale"
                )
            stored = _store_pdf(locked, signed, actor, written, f"-{role}")
            entry = _signature_entry(
                actor,
                role,
                PADES,
                when,
                digest,
                level=level,
                field=field_name,
                certificate=credential.subject_name,
                serial=credential.serial,
                file_sha256=stored.sha256,
            )
            sections = dict(locked.sections)
            sections["signatures"] = {**signatures_of(locked), role: entry}
            locked.sections = sections
            locked.file = stored
            locked.lock_version += 1
            fields = ["sections", "file", "lock_version", "updated_at"]
            if _finish_if_complete(locked, when):
                fields += ["status", "signed_at"]
            locked.save(update_fields=fields)
            audit_record(
                actor=actor,
                verb=Verb.UPDATE,
                obj=locked,
                committee=committee,
                changes={
                    "signed": [None, role],
                    "method": [None, PADES],
                    "level": [None, level],
                    "certificate": [None, f"{credential.subject_name} #{credential.serial}"],
                    **({"status": ["draft", "signed"]} if locked.status == "signed" else {}),
                },
            )
            _notify_other_signer(locked, role)
    except keys.KeyProblem as problem:
        doc_files.discard(written)
        raise _error(problem.message, problem.code, "secret") from None
    except BaseException:
        doc_files.discard(written)
        raise
    return locked


# --- Withdrawing the signatures of half-signed minutes -------------------------------------


@transaction.atomic
def minutes_signatures_withdraw(*, actor, minutes: Minutes, reason: str) -> Minutes:
    """Take back the signature already given on half-signed minutes (one of the chair and
    the secretary has signed, the other not yet), for instance when the text turns out to
    be wrong before the second signature: the minutes go back to an editable draft.

    Only the meeting's organisers may, with a reason; the withdrawn signatures are kept
    in `sections["withdrawn"]` and the audit trail, and a partly signed PDF stays in
    storage (named in the audit) but is no longer the minutes' file. Fully signed minutes
    are never withdrawn: they are corrected by a new version (`minutes_correct`)."""
    locked = _lock(minutes)
    meeting = locked.meeting
    if not may_manage(actor, meeting):
        raise PermissionDenied
    reason = " ".join((reason or "").split())
    if not reason:
        raise _error(_("Say why the signatures are withdrawn."), "required", "reason")
    if len(reason) > 255:
        raise _error(_("Keep the reason under 255 characters."), "too_long", "reason")
    if locked.status == Minutes.Status.SIGNED:
        raise _error(
            _("Both have signed these minutes: make a correction instead."), "minutes_signed"
        )
    if Minutes.objects.filter(meeting_id=locked.meeting_id, version__gt=locked.version).exists():
        raise _error(_("A newer version of these minutes exists."), "not_latest")
    signed = signatures_of(locked)
    if not signed:
        raise _error(_("Nobody has signed these minutes yet."), "not_signed")
    when = timezone.now()
    sections = dict(locked.sections)
    sections["signatures"] = {}
    sections["withdrawn"] = [
        *(sections.get("withdrawn") or []),
        {
            "signatures": signed,
            "reason": reason,
            "by": actor.pk,
            "by_name": actor.full_name,
            "at": when.isoformat(),
        },
    ]
    old_file = locked.file
    locked.sections = sections
    locked.file = None
    locked.lock_version += 1
    locked.edited_by = actor
    locked.save(update_fields=["sections", "file", "lock_version", "edited_by", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=locked,
        committee=meeting.committee,
        changes={
            "signatures_withdrawn": [sorted(signed), None],
            "reason": reason,
            **(
                {"file": [f"{old_file.original_name} ({old_file.sha256[:12]})", None]}
                if old_file is not None
                else {}
            ),
        },
    )
    _notify_withdrawn(locked, signed, reason)
    return locked


def _notify_withdrawn(minutes: Minutes, signed: dict, reason: str) -> None:
    """Tell whoever had signed that their signature was withdrawn and why."""
    from capuyso.accounts.models import User
    from capuyso.notifications.models import Notification
    from capuyso.notifications.services import notify

    users = list(User.objects.filter(pk__in=[s.get("user") for s in signed.values()]))
    if not users:
        return
    notify(
        users=users,
        kind=Notification.Kind.INFO,
        title=_("Your signature on the minutes of %(meeting)s was withdrawn: %(reason)s")
        % {"meeting": minutes.meeting.title[:100], "reason": reason[:100]},
        url=minutes_url(minutes),
        dedupe_key=f"minutes-withdrawn:{minutes.code}:{minutes.lock_version}",
    )
