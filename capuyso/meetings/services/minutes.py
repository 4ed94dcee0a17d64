"""Minutes (biên bản) of a meeting: the draft pre-filled from the meeting, the secretary's
edits, the chair's and the secretary's signatures, corrections as new versions, and the
resolution handed to the documents registry as an outgoing document.

`Minutes.sections` (JSON) holds:

- ``heading``: what the printed header and signature block show (organisation names, title,
  place, date, chair and secretary), taken from the meeting when the draft is made;
- ``content``: one text per section (SECTIONS), the pre-filled ones and those the secretary
  writes, all editable until the first signature;
- ``facts``: the numbers the pre-filled text was written from (attendance counts, votes);
- ``signatures``: ``{"chair": {...}, "secretary": {...}}`` once each has signed.

The draft's text is written by minutes_prefill.py, the signatures by minutes_signing.py.

Signing. A signer with a registered, active personal certificate signs the minutes PDF with
PAdES (pyHanko through signing.pdf / signing.keys, the way signing/copies.py signs a PDF that
is not an outgoing document); one without a certificate confirms on the platform, which is
recorded with the time and a hash of the content, and audited. The first signature freezes
the content; once both have signed the minutes are SIGNED and the file (the signed PDF, or
the PDF printed with both confirmations) is filed as `Minutes.file`. A correction is a new
version that replaces the signed one, which stays readable.

The printed text is Vietnamese whatever the interface language, like documents/layout.py:
it is an official record, not interface text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from capuyso.audit.services import Verb, audit_record
from capuyso.meetings.access import (
    has_confidential_items,
    may_manage,
    may_see_confidential,
    may_view,
)
from capuyso.meetings.models import Meeting, MeetingResolution, Minutes
from capuyso.meetings.services.minutes_prefill import (
    FACT_KEYS,
    MAX_SECTION_CHARS,
    SECTION_KEYS,
    SECTIONS,
    cell_of,
    prefill,
)
from capuyso.org.models import Unit

__all__ = ["MAX_SECTION_CHARS", "SECTION_KEYS", "SECTIONS"]

ROLES = ("chair", "secretary")
CONFIRMATION = "confirmation"
PADES = "pades"


def _error(message, code: str, field_name: str | None = None) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field_name: error}) if field_name else error


# --- rights ---------------------------------------------------------------------------------


def signer_roles(user, meeting: Meeting) -> list[str]:
    roles = []
    if meeting.chair_id and meeting.chair_id == user.pk:
        roles.append("chair")
    if meeting.secretary_id and meeting.secretary_id == user.pk:
        roles.append("secretary")
    return roles


def may_read(user, minutes: Minutes) -> bool:
    """Signed minutes: whoever sees the meeting — but minutes of a meeting with a
    confidential agenda item record it, so only those access.may_see_confidential lets see
    it. Drafts: its organisers, chair, secretary."""
    meeting = minutes.meeting
    if not may_view(user, meeting):
        return False
    manage = may_manage(user, meeting)
    if minutes.status == Minutes.Status.SIGNED:
        return _may_read_confidential(user, meeting, manage)
    return manage or bool(signer_roles(user, meeting))


def _may_read_confidential(user, meeting: Meeting, manage: bool) -> bool:
    """Minutes hold the whole meeting: with a confidential item on its agenda they are for
    those who may see it (the prefill writes its title, its votes and their results)."""
    if manage or not has_confidential_items(meeting):
        return True
    return may_see_confidential(user, meeting, manage=manage)


def signatures_of(minutes: Minutes) -> dict:
    return dict((minutes.sections or {}).get("signatures") or {})


ROLE_LABELS = {"chair": gettext_lazy("Chair"), "secretary": gettext_lazy("Secretary")}
METHOD_LABELS = {
    CONFIRMATION: gettext_lazy("Confirmed on the platform"),
    PADES: gettext_lazy("Digital signature"),
}


def signature_rows(minutes: Minutes | None) -> list[dict]:
    """Both signers in print order with what they did, for the pages."""
    if minutes is None:
        return []
    heading = (minutes.sections or {}).get("heading") or {}
    signed = signatures_of(minutes)
    rows = []
    for role in ROLES:
        entry = signed.get(role) or {}
        at = None
        if entry.get("at"):
            try:
                at = dt.datetime.fromisoformat(entry["at"])
            except ValueError:
                at = None
        rows.append(
            {
                "role": role,
                "role_label": ROLE_LABELS[role],
                "name": entry.get("name") or heading.get(role, ""),
                "signed": bool(entry),
                "method_label": METHOD_LABELS.get(entry.get("method"), ""),
                "level": entry.get("level", ""),
                "certificate": entry.get("certificate", ""),
                "at": at,
            }
        )
    return rows


def is_frozen(minutes: Minutes) -> bool:
    """Signed, or signing has started: the content no longer changes."""
    return minutes.status == Minutes.Status.SIGNED or bool(signatures_of(minutes))


def latest_minutes(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.filter(meeting=meeting).order_by("-version").first()


def content_hash(sections: dict) -> str:
    payload = {"heading": sections.get("heading"), "content": sections.get("content")}
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()


def get_minutes_for_user(user, code, *, manage: bool = False) -> Minutes:
    """One version of minutes: 404 outside the user's committee, 403 when the user may not
    read it (a draft) or, with `manage`, may not organise the meeting."""
    from django.http import Http404

    from capuyso.accounts.permissions import access_for

    access = access_for(user)
    try:
        minutes = Minutes.objects.select_related(
            "meeting",
            "meeting__unit",
            "meeting__committee",
            "meeting__chair",
            "meeting__secretary",
            "file",
        ).get(code=code, meeting__committee_id=access.committee_id)
    except (Minutes.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    allowed = may_manage(user, minutes.meeting) if manage else may_read(user, minutes)
    if not allowed:
        raise PermissionDenied
    return minutes


def readable_versions(user, meeting: Meeting) -> list[Minutes]:
    """The meeting's minutes versions the user may read, newest first."""
    if not may_view(user, meeting):
        return []
    manage = may_manage(user, meeting)
    drafts = manage or bool(signer_roles(user, meeting))
    versions = Minutes.objects.filter(meeting=meeting).select_related("file").order_by("-version")
    if not drafts:
        if not _may_read_confidential(user, meeting, manage):
            return []
        versions = versions.filter(status=Minutes.Status.SIGNED)
    versions = list(versions)
    for version in versions:
        version.meeting = meeting
    return versions


def minutes_url(minutes: Minutes) -> str:
    return reverse("meetings:minutes_detail", args=[minutes.code])


# --- writing ----------------------------------------------------------------------------


def _lock_meeting(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("unit", "committee", "chair", "secretary")
        .get(pk=meeting.pk)
    )


def _lock(minutes: Minutes) -> Minutes:
    return (
        Minutes.objects.select_for_update(of=("self",))
        .select_related(
            "meeting",
            "meeting__unit",
            "meeting__committee",
            "meeting__chair",
            "meeting__secretary",
        )
        .get(pk=minutes.pk)
    )


def _check_stale(minutes: Minutes, lock_version: int | None) -> None:
    if lock_version is not None and int(lock_version) != minutes.lock_version:
        raise _error(
            _(
                "Someone else changed these minutes meanwhile; your text was not saved. "
                "Open them again."
            ),
            "stale",
        )


def _check_editable(minutes: Minutes) -> None:
    if minutes.status == Minutes.Status.SIGNED:
        raise _error(
            _("Signed minutes cannot be changed; make a correction instead."), "minutes_signed"
        )
    if signatures_of(minutes):
        raise _error(
            _("Signing has started: the minutes can no longer be changed."), "signing_started"
        )
    if Minutes.objects.filter(meeting_id=minutes.meeting_id, version__gt=minutes.version).exists():
        raise _error(_("A newer version of these minutes exists."), "not_latest")


@transaction.atomic
def minutes_create(*, actor, meeting: Meeting) -> Minutes:
    """The draft pre-filled from the meeting; the existing latest version if there is one
    (a double submit makes one draft)."""
    meeting = _lock_meeting(meeting)
    if not may_manage(actor, meeting):
        raise PermissionDenied
    existing = latest_minutes(meeting)
    if existing is not None:
        return existing
    if meeting.status == Meeting.Status.CANCELLED:
        raise _error(_("This meeting was cancelled; it has no minutes."), "meeting_cancelled")
    minutes = Minutes.objects.create(
        meeting=meeting, version=1, sections=prefill(meeting), edited_by=actor
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=minutes,
        committee=meeting.committee,
        changes={"meeting": [None, str(meeting.code)], "version": [None, 1]},
    )
    return minutes


@transaction.atomic
def minutes_update(*, actor, minutes: Minutes, lock_version: int | None, content: dict) -> Minutes:
    """Save the secretary's text (one string per section); a stale form saves nothing."""
    minutes = _lock(minutes)
    if not may_manage(actor, minutes.meeting):
        raise PermissionDenied
    _check_editable(minutes)
    _check_stale(minutes, lock_version)
    unknown = set(content) - set(SECTION_KEYS)
    if unknown:
        raise ValueError(unknown)
    errors = {}
    cleaned = {}
    for key, value in content.items():
        text = (value or "").replace("\r\n", "\n").strip()
        if len(text) > MAX_SECTION_CHARS:
            errors[key] = ValidationError(
                _("Keep this section under %(limit)s characters.") % {"limit": MAX_SECTION_CHARS},
                code="too_long",
            )
        cleaned[key] = text
    if errors:
        raise ValidationError(errors)
    sections = dict(minutes.sections)
    before = dict(sections.get("content") or {})
    after = {**before, **cleaned}
    changes = {
        key: [before.get(key, "")[:300], after[key][:300]]
        for key in cleaned
        if before.get(key, "") != after[key]
    }
    if not changes:
        return minutes  # nothing changed: the same form sent twice
    sections["content"] = after
    minutes.sections = sections
    minutes.lock_version += 1
    minutes.edited_by = actor
    minutes.save(update_fields=["sections", "lock_version", "edited_by", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=minutes,
        committee=minutes.meeting.committee,
        changes=changes,
    )
    return minutes


@transaction.atomic
def minutes_refresh(*, actor, minutes: Minutes, lock_version: int | None) -> Minutes:
    """Write the pre-filled parts again from the meeting (after attendance or a vote changed);
    the secretary's own sections stay as they are."""
    minutes = _lock(minutes)
    if not may_manage(actor, minutes.meeting):
        raise PermissionDenied
    _check_editable(minutes)
    _check_stale(minutes, lock_version)
    fresh = prefill(minutes.meeting)
    sections = dict(minutes.sections)
    content = dict(sections.get("content") or {})
    for key in FACT_KEYS:
        content[key] = fresh["content"][key]
    sections.update(heading=fresh["heading"], content=content, facts=fresh["facts"])
    minutes.sections = sections
    minutes.lock_version += 1
    minutes.edited_by = actor
    minutes.save(update_fields=["sections", "lock_version", "edited_by", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=minutes,
        committee=minutes.meeting.committee,
        changes={"refreshed": list(FACT_KEYS)},
    )
    return minutes


@transaction.atomic
def minutes_correct(*, actor, minutes: Minutes, reason: str) -> Minutes:
    """A new draft version replacing signed minutes; the signed version stays as it is."""
    minutes = _lock(minutes)
    meeting = minutes.meeting
    if not may_manage(actor, meeting):
        raise PermissionDenied
    reason = " ".join((reason or "").split())
    if not reason:
        raise _error(_("Say what the correction is for."), "required", "reason")
    if len(reason) > 255:
        raise _error(_("Keep the reason under 255 characters."), "too_long", "reason")
    newest = Minutes.objects.filter(meeting=meeting).order_by("-version").first()
    if newest is not None and newest.pk != minutes.pk:
        if newest.replaces_id == minutes.pk and newest.status == Minutes.Status.DRAFT:
            return newest  # the same correction asked twice
        raise _error(_("A newer version of these minutes exists."), "not_latest")
    if minutes.status != Minutes.Status.SIGNED:
        raise _error(_("These minutes are not signed yet: edit the draft instead."), "not_signed")
    sections = {
        "heading": dict(minutes.sections.get("heading") or {}),
        "content": dict(minutes.sections.get("content") or {}),
        "facts": minutes.sections.get("facts") or {},
        "signatures": {},
    }
    correction = Minutes.objects.create(
        meeting=meeting,
        version=minutes.version + 1,
        sections=sections,
        replaces=minutes,
        correction_reason=reason,
        edited_by=actor,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=correction,
        committee=meeting.committee,
        changes={
            "version": [minutes.version, correction.version],
            "replaces": [None, str(minutes.code)],
            "reason": [None, reason],
        },
    )
    return correction


# --- the resolution -------------------------------------------------------------------------


def _issuing_unit(meeting: Meeting) -> Unit:
    from capuyso.documents.services.config import office_of

    cell = cell_of(meeting)
    if cell is not None:
        return cell
    return office_of(meeting.committee)


def resolution_documents(minutes_or_meeting, *, issued_only: bool = False) -> list:
    """Outgoing documents drafted from a meeting's minutes (newest first), through the
    meeting's `MeetingResolution` links; `issued_only`: those the registry has issued."""
    meeting = getattr(minutes_or_meeting, "meeting", minutes_or_meeting)
    links = MeetingResolution.objects.filter(meeting=meeting).select_related(
        "document", "document__doc_type"
    )
    if issued_only:
        from capuyso.documents.models import OutgoingDocument

        links = links.filter(document__status=OutgoingDocument.Status.ISSUED)
    return [link.document for link in links.order_by("-created_at", "-pk")]


def minutes_resolution_create(*, actor, minutes: Minutes):
    """Hand the resolution section to the documents registry as a draft outgoing Nghị quyết
    of the cell (NQ/CB) or of the committee (NQ/ĐU); the documents workflow numbers it at
    issue. Asking twice gives the same draft."""
    from capuyso.documents.models import DocumentEvent, OutgoingDocument
    from capuyso.documents.services.config import active_types
    from capuyso.documents.services.outgoing import outgoing_create, signers_for

    with transaction.atomic():
        minutes = _lock(minutes)
        meeting = minutes.meeting
        if not may_manage(actor, meeting):
            raise PermissionDenied
        for document in resolution_documents(meeting):
            if document.status != OutgoingDocument.Status.CANCELLED:
                return document
        text = ((minutes.sections.get("content") or {}).get("resolution") or "").strip()
        if not text:
            raise _error(
                _("Write the resolution in the minutes first."), "resolution_empty", "resolution"
            )
        unit = _issuing_unit(meeting)
        is_cell = unit.kind == Unit.Kind.CELL
        doc_type = (
            active_types(meeting.committee, for_cell=is_cell).filter(abbreviation="NQ").first()
        )
        if doc_type is None:
            raise _error(
                _("This committee has no resolution (NQ) document type in force."),
                "no_resolution_type",
            )
        heading = minutes.sections.get("heading") or {}
        subtitle = heading.get("subtitle", "")
        summary = f"Nghị quyết {subtitle[:1].lower()}{subtitle[1:]}".strip()
        signer = None
        if meeting.chair_id and signers_for(unit).filter(pk=meeting.chair_id).exists():
            signer = meeting.chair
        capacity = {
            Meeting.Kind.STANDING: "T/M BAN THƯỜNG VỤ",
            Meeting.Kind.EXECUTIVE: "T/M ĐẢNG ỦY",
        }.get(meeting.kind, "T/M CHI BỘ" if is_cell else "T/M ĐẢNG ỦY")
        from capuyso.documents.services.config import executive_body_name

        recipients = (
            [executive_body_name(meeting.committee), "Các đảng viên trong chi bộ"]
            if is_cell
            else ["Các chi bộ trực thuộc"]
        )
        document = outgoing_create(
            actor=actor,
            doc_type=doc_type,
            summary=summary,
            issuing_unit=unit,
            body=text,
            signer=signer,
            signature_capacity=capacity,
            signer_title="BÍ THƯ",
            recipients_text="\n".join(recipients),
        )
        MeetingResolution.objects.create(
            meeting=meeting, minutes=minutes, document=document, created_by=actor
        )
        day = timezone.localtime(meeting.starts_at)
        # The event tells the document's readers where it came from (the link above is
        # what the meeting uses).
        DocumentEvent.objects.create(
            committee_id=document.committee_id,
            outgoing=document,
            kind=DocumentEvent.Kind.COMMENT,
            actor=actor,
            text=_("Drafted from the minutes of “%(meeting)s” held on %(date)s.")
            % {"meeting": meeting.title, "date": f"{day:%d/%m/%Y}"},
            data={
                "meeting": str(meeting.code),
                "minutes": str(minutes.code),
                "minutes_version": minutes.version,
            },
        )
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            obj=minutes,
            committee=meeting.committee,
            changes={"resolution_document": [None, str(document.code)]},
        )
    return document
