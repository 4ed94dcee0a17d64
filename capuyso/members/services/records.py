"""Records attached to a member file: commendations, disciplines, family relations, scanned
papers, and the member's own correction requests.

Each write needs MEMBERS_MANAGE over the member's cell (a correction request: being the
member), refuses a closed record with code "closed", locks the member row so it cannot race
a closing, and leaves an audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.documents import files as doc_files
from capuyso.members.models import (
    Commendation,
    CorrectionRequest,
    Discipline,
    FamilyRelation,
    Member,
    MemberRevision,
    Paper,
)
from capuyso.members.services.file import (
    EDITABLE_FIELDS,
    check_open,
    lock_member,
    may_manage,
    member_update,
)
from capuyso.org.models import Committee

PAPER_TYPES = (doc_files.PDF, doc_files.JPEG, doc_files.PNG, doc_files.TIFF)
CORRECTION_OTHER = "other"
# What a member may say is wrong: the fields of their file (a date and its precision are
# one thing to them), their cell and status, or something else.
CORRECTABLE_FIELDS = (
    *(f for f in EDITABLE_FIELDS if not f.endswith("_precision")),
    "cell",
    "status",
    CORRECTION_OTHER,
)
MAX_OPEN_CORRECTIONS = 10


# --- Helpers ---------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _open_for_manager(actor, member: Member) -> Member:
    """The member row, locked, after the permission and closed-record checks."""
    locked = lock_member(member)
    if not may_manage(actor, locked):
        raise PermissionDenied
    check_open(locked)
    return locked


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _check_decision(
    errors: dict[str, list[ValidationError]], number: str, date: dt.date | None
) -> None:
    if not number.strip():
        errors["decision_number"] = [
            ValidationError(_("Enter the decision number."), code="required")
        ]
    if date is None:
        errors["decision_date"] = [ValidationError(_("Enter the decision date."), code="required")]
    elif date > _today():
        errors["decision_date"] = [
            ValidationError(
                _("This date is in the future; check the day, month and year."), code="future"
            )
        ]


def _audit(actor, verb: str, member: Member, obj: Model, label: str, changes: dict) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        committee=Committee(pk=member.committee_id),
        object_type=obj._meta.label_lower,
        object_id=str(obj.code),
        object_label=f"{member.full_name}: {label}"[:255],
        changes=changes,
    )


def _values(obj: Model, names) -> dict[str, Any]:
    values = {}
    for name in names:
        value = getattr(obj, name)
        display = getattr(obj, f"get_{name}_display", None)
        if display is not None and value:
            value = display()
        values[name] = value.isoformat() if isinstance(value, dt.date) else value
    return values


def _created(obj: Model, names) -> dict:
    return {k: [None, v] for k, v in _values(obj, names).items() if v not in ("", None)}


def _deleted(obj: Model, names) -> dict:
    return {k: [v, None] for k, v in _values(obj, names).items() if v not in ("", None)}


def _remove(actor, obj, member: Member, names, label: str) -> None:
    _open_for_manager(actor, member)
    changes = _deleted(obj, names)
    _audit(actor, Verb.DELETE, member, obj, label, changes)
    obj.delete()


# --- Commendations and disciplines ------------------------------------------------------

DECISION_FIELDS = ("form", "decision_number", "decision_date", "issuer", "reason")


@transaction.atomic
def commendation_add(
    *,
    actor,
    member: Member,
    form: str,
    decision_number: str,
    decision_date: dt.date | None,
    issuer: str = "",
    reason: str = "",
) -> Commendation:
    locked = _open_for_manager(actor, member)
    errors: dict[str, list[ValidationError]] = {}
    if not form.strip():
        errors["form"] = [ValidationError(_("Enter the form of commendation."), code="required")]
    _check_decision(errors, decision_number, decision_date)
    if errors:
        raise ValidationError(errors)
    commendation = Commendation.objects.create(
        member=locked,
        form=form.strip(),
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        issuer=issuer.strip(),
        reason=reason.strip(),
    )
    _audit(
        actor,
        Verb.CREATE,
        locked,
        commendation,
        commendation.form,
        _created(commendation, DECISION_FIELDS),
    )
    return commendation


@transaction.atomic
def commendation_remove(*, actor, commendation: Commendation) -> None:
    _remove(
        actor,
        commendation,
        commendation.member,
        DECISION_FIELDS,
        commendation.form,
    )


@transaction.atomic
def discipline_add(
    *,
    actor,
    member: Member,
    form: str,
    decision_number: str,
    decision_date: dt.date | None,
    issuer: str = "",
    reason: str = "",
) -> Discipline:
    locked = _open_for_manager(actor, member)
    errors: dict[str, list[ValidationError]] = {}
    if form not in Discipline.Form.values:
        errors["form"] = [ValidationError(_("Choose the form of discipline."), code="required")]
    _check_decision(errors, decision_number, decision_date)
    if errors:
        raise ValidationError(errors)
    discipline = Discipline.objects.create(
        member=locked,
        form=form,
        decision_number=decision_number.strip(),
        decision_date=decision_date,
        issuer=issuer.strip(),
        reason=reason.strip(),
    )
    _audit(
        actor,
        Verb.CREATE,
        locked,
        discipline,
        discipline.get_form_display(),
        _created(discipline, DECISION_FIELDS),
    )
    return discipline


@transaction.atomic
def discipline_remove(*, actor, discipline: Discipline) -> None:
    _remove(
        actor,
        discipline,
        discipline.member,
        DECISION_FIELDS,
        discipline.get_form_display(),
    )


# --- Family relations -----------------------------------------------------------------

RELATION_FIELDS = ("relation", "full_name", "birth_year", "occupation", "residence", "notes")


@transaction.atomic
def relation_add(
    *,
    actor,
    member: Member,
    relation: str,
    full_name: str,
    birth_year: int | None = None,
    occupation: str = "",
    residence: str = "",
    notes: str = "",
) -> FamilyRelation:
    from capuyso.members.services.file import clean_name

    locked = _open_for_manager(actor, member)
    errors: dict[str, list[ValidationError]] = {}
    if relation not in FamilyRelation.Relation.values:
        errors["relation"] = [ValidationError(_("Choose the relation."), code="required")]
    name = clean_name(full_name)
    if not name:
        errors["full_name"] = [ValidationError(_("Enter the person's full name."), code="required")]
    if birth_year is not None and not (1850 <= birth_year <= _today().year):
        errors["birth_year"] = [
            ValidationError(
                _("Enter a year of birth between 1850 and this year."), code="birth_year"
            )
        ]
    if errors:
        raise ValidationError(errors)
    relative = FamilyRelation.objects.create(
        member=locked,
        relation=relation,
        full_name=name,
        birth_year=birth_year,
        occupation=occupation.strip(),
        residence=residence.strip(),
        notes=notes.strip(),
    )
    label = f"{relative.get_relation_display()} {relative.full_name}"
    _audit(actor, Verb.CREATE, locked, relative, label, _created(relative, RELATION_FIELDS))
    return relative


@transaction.atomic
def relation_remove(*, actor, relative: FamilyRelation) -> None:
    label = f"{relative.get_relation_display()} {relative.full_name}"
    _remove(actor, relative, relative.member, RELATION_FIELDS, label)


# --- Scanned papers -------------------------------------------------------------------

PAPER_FIELDS = ("kind", "title", "dated")


@transaction.atomic
def paper_attach(
    *,
    actor,
    member: Member,
    kind: str,
    title: str,
    upload,
    dated: dt.date | None = None,
) -> Paper:
    """Check the scan (PDF, JPEG, PNG or TIFF, by content), store it and attach it."""
    from capuyso.documents.models import StoredFile

    locked = _open_for_manager(actor, member)
    errors: dict[str, list[ValidationError]] = {}
    if kind not in Paper.Kind.values:
        errors["kind"] = [ValidationError(_("Choose the kind of paper."), code="required")]
    if not title.strip():
        errors["title"] = [ValidationError(_("Enter the title of the paper."), code="required")]
    if dated is not None and dated > _today():
        errors["dated"] = [
            ValidationError(
                _("This date is in the future; check the day, month and year."), code="future"
            )
        ]
    checked = None
    if upload is None:
        errors["upload"] = [ValidationError(_("Choose the scanned file."), code="required")]
    else:
        try:
            checked = doc_files.check_upload(upload, allowed=PAPER_TYPES)
        except ValidationError as exc:
            errors["upload"] = [ValidationError(m, code="bad_file") for m in exc.messages]
    if errors:
        raise ValidationError(errors)
    written: list[str] = []
    try:
        stored = doc_files.store(
            committee=Committee(pk=locked.committee_id),
            checked=checked,
            purpose=StoredFile.Purpose.ATTACHMENT,
            actor=actor,
            written=written,
        )
        paper = Paper.objects.create(
            member=locked,
            kind=kind,
            title=title.strip(),
            dated=dated,
            file=stored,
            added_by=actor if actor.is_authenticated else None,
        )
        changes = _created(paper, PAPER_FIELDS)
        changes["file"] = [None, f"{stored.original_name} ({stored.sha256[:12]})"]
        _audit(actor, Verb.CREATE, locked, paper, paper.title, changes)
    except BaseException:
        doc_files.discard(written)  # the transaction rolls back; the bytes go with it
        raise
    return paper


@transaction.atomic
def paper_remove(*, actor, paper: Paper) -> None:
    """Detach a paper from the file. The stored bytes stay (the audit trail names them)."""
    _remove(actor, paper, paper.member, PAPER_FIELDS, paper.title)


def paper_opened(*, actor, paper: Paper) -> None:
    """Opening a scanned paper is recorded like opening the file."""
    _audit(actor, Verb.VIEW, paper.member, paper, paper.title, {})


# --- Correction requests ----------------------------------------------------------------


@transaction.atomic
def correction_request_create(
    *, actor, member: Member, field_name: str, proposed_value: str, message: str = ""
) -> CorrectionRequest:
    """The member asks for a correction of their own file."""
    locked = lock_member(member)
    if actor.member_id is None or actor.member_id != locked.pk:
        raise PermissionDenied
    check_open(locked)
    errors: dict[str, list[ValidationError]] = {}
    if field_name not in CORRECTABLE_FIELDS:
        errors["field_name"] = [
            ValidationError(_("Choose what is wrong in your file."), code="required")
        ]
    if not proposed_value.strip():
        errors["proposed_value"] = [ValidationError(_("Write the correct value."), code="required")]
    if errors:
        raise ValidationError(errors)
    waiting = CorrectionRequest.objects.filter(
        member=locked, status=CorrectionRequest.Status.OPEN
    ).count()
    if waiting >= MAX_OPEN_CORRECTIONS:
        raise ValidationError(
            _("You already have %(n)s requests waiting; wait for an answer before sending more.")
            % {"n": waiting},
            code="too_many",
        )
    correction = CorrectionRequest.objects.create(
        member=locked,
        requested_by=actor,
        field_name=field_name,
        proposed_value=proposed_value.strip()[:255],
        message=message.strip(),
    )
    _audit(
        actor,
        Verb.CREATE,
        locked,
        correction,
        field_name,
        _created(correction, ("field_name", "proposed_value", "message")),
    )
    return correction


def _lock_open_correction(actor, correction: CorrectionRequest) -> CorrectionRequest:
    locked = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
    _open_for_manager(actor, correction.member)
    if locked.status != CorrectionRequest.Status.OPEN:
        raise ValidationError(
            _("This request has already been answered (%(status)s).")
            % {"status": locked.get_status_display()},
            code="handled",
        )
    return locked


def _notify_outcome(correction: CorrectionRequest, member: Member) -> None:
    from django.urls import reverse

    from capuyso.notifications.models import Notification
    from capuyso.notifications.services import notify

    if correction.status == CorrectionRequest.Status.ACCEPTED:
        title = _("Your file was corrected as you asked")
    else:
        title = _("Your correction request was refused")
    notify(
        users=[correction.requested_by],
        kind=Notification.Kind.INFO,
        title=title,
        body=correction.reply,
        url=reverse("members:detail", args=[member.code]) + "#corrections",
    )


def _answer(actor, correction: CorrectionRequest, status: str, reply: str) -> None:
    correction.status = status
    correction.reply = reply.strip()[:255]
    correction.handled_by = actor
    correction.handled_at = timezone.now()
    correction.save(update_fields=["status", "reply", "handled_by", "handled_at", "updated_at"])
    _audit(
        actor,
        Verb.UPDATE,
        correction.member,
        correction,
        correction.field_name,
        {"status": [CorrectionRequest.Status.OPEN.label, correction.get_status_display()]}
        | ({"reply": [None, correction.reply]} if correction.reply else {}),
    )
    _notify_outcome(correction, correction.member)


@transaction.atomic
def correction_refuse(*, actor, correction: CorrectionRequest, reply: str) -> CorrectionRequest:
    """Refuse a correction request; the member reads the reply on their file."""
    if not reply.strip():
        raise _error("reply", _("Write the reason for refusing."), "required")
    locked = _lock_open_correction(actor, correction)
    locked.member = correction.member
    _answer(actor, locked, CorrectionRequest.Status.REJECTED, reply)
    return locked


@transaction.atomic
def correction_apply(
    *,
    actor,
    correction: CorrectionRequest,
    data: dict[str, Any],
    version: int | None,
    effective_on: dt.date | None = None,
    reply: str = "",
) -> Member:
    """Accept a correction request by editing the file: the edit is recorded as a
    correction, and the request is answered, together or not at all."""
    locked = _lock_open_correction(actor, correction)
    locked.member = correction.member
    requester = correction.requested_by
    note = _("Corrected on the request of %(name)s") % {
        "name": (requester.full_name or requester.get_username()) if requester else "—"
    }
    member = member_update(
        actor=actor,
        member=correction.member,
        data=data,
        version=version,
        effective_on=effective_on,
        note=note,
        kind=MemberRevision.Kind.CORRECTED,
    )
    _answer(actor, locked, CorrectionRequest.Status.ACCEPTED, reply)
    return member
