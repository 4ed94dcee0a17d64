"""Transfers of party activity (chuyển sinh hoạt đảng), permanent or temporary.

- Between cells of one committee: a move, done at once (MEMBERS_MANAGE on both cells).
- To another committee on the platform: a handshake. The sending committee opens a
  pending transfer; the receiving committee accepts it into one of its cells (the file
  moves with its history) or refuses it; the sender may cancel while it waits.
- To an organisation outside the platform: the member's status becomes "transferred
  out" and the introduction letter is generated (DOCX) and kept with the transfer; the
  transfer waits for the receipt slip to come back.
- From outside: the member file is created from the introduction letter.

A temporary transfer keeps the member in their cell and status, away until `until`.
Every transfer has a deadline `transfer_working_days` working days after the decision;
one still waiting after it is flagged (the member left and nothing came back).
Cross-committee and external transfers need committee-wide MEMBERS_MANAGE.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.documents import files as doc_files
from capuyso.members.letters import introduction_letter, letter_file_name
from capuyso.members.models import Member, MemberRevision, Transfer
from capuyso.members.selectors_lifecycle import (
    cell_member_managers,
    committee_member_managers,
    may_manage_committee,
    transfer_deadline,
)
from capuyso.members.services.file import (
    apply_change,
    check_open,
    lock_member,
    may_manage,
    may_manage_in,
    member_create,
    record_revision,
    snapshot,
)
from capuyso.notifications.models import Notification
from capuyso.notifications.services import notify
from capuyso.org.models import Unit

TStatus = Transfer.Status
Scope = Transfer.Scope
Kind = MemberRevision.Kind
CELL_KINDS = (Unit.Kind.CELL, Unit.Kind.PARTY_GROUP)


def _today() -> dt.date:
    return timezone.localdate()


def _d(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _url(transfer: Transfer) -> str:
    return reverse("members:transfer_detail", args=[transfer.code])


def _audit(actor, transfer: Transfer, verb: str, changes: dict | None = None) -> None:
    """One event in each committee's trail the transfer touches."""
    committees = {transfer.from_committee_id, transfer.to_committee_id} - {None}
    for committee_id in sorted(committees):
        from capuyso.org.models import Committee

        audit_record(
            actor=actor,
            verb=verb,
            obj=transfer,
            committee=Committee(pk=committee_id),
            changes=changes,
        )


def _check_terms(
    *,
    kind: str,
    decision_date: dt.date | None,
    until: dt.date | None,
    errors: dict[str, list[ValidationError]],
) -> None:
    def add(field, message, code):
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if kind not in Transfer.Kind.values:
        add("kind", _("Choose a permanent or a temporary transfer."), "required")
    if decision_date is None:
        add("decision_date", _("Enter the date of the transfer decision."), "required")
    elif decision_date > _today():
        add(
            "decision_date",
            _("This date is in the future; check the day, month and year."),
            "future",
        )
    if kind == Transfer.Kind.TEMPORARY:
        if until is None:
            add("until", _("Enter until when the temporary transfer lasts."), "required")
        elif decision_date is not None and until <= decision_date:
            add("until", _("The temporary transfer must end after the decision."), "until_before")


def _check_can_leave(member: Member) -> None:
    check_open(member)
    if member.transfers.filter(status=TStatus.PENDING).exists():
        raise ValidationError(
            _(
                "A transfer of %(name)s is already waiting; finish or cancel it before "
                "starting another."
            )
            % {"name": member.full_name},
            code="pending_transfer",
        )


def _note_revision(actor, member: Member, effective_on: dt.date, note: str) -> None:
    """A dated line in the member's history for a temporary transfer (no field changes)."""
    record_revision(
        actor=actor,
        member=member,
        kind=Kind.TRANSFERRED,
        effective_on=effective_on,
        before=snapshot(member),
        note=note,
    )


def _describe(transfer: Transfer) -> str:
    if transfer.scope in (Scope.EXTERNAL_OUT, Scope.EXTERNAL_IN):
        where = transfer.external_organisation
    elif transfer.to_cell_id and transfer.scope == Scope.INTERNAL:
        where = transfer.to_cell.name
    else:
        where = transfer.to_committee.name if transfer.to_committee_id else ""
    text = f"{transfer.get_kind_display()}: {where}"
    if transfer.decision_number:
        text += f" ({transfer.decision_number}, {_d(transfer.decision_date)})"
    if transfer.kind == Transfer.Kind.TEMPORARY and transfer.until:
        text += " " + _("until %(date)s") % {"date": _d(transfer.until)}
    return text


# --- Between cells of the committee -----------------------------------------------------


@transaction.atomic
def transfer_internal(
    *,
    actor,
    member: Member,
    to_cell: Unit,
    kind: str,
    decision_number: str = "",
    decision_date: dt.date | None,
    until: dt.date | None = None,
    note: str = "",
) -> Transfer:
    """Move a member to another cell of the committee (permanent) or attach them there for
    a time (temporary: they stay in their cell, away until `until`)."""
    locked = lock_member(member)
    if not may_manage(actor, locked):
        raise PermissionDenied
    if to_cell.committee_id != locked.committee_id:
        raise _error(
            "to_cell", _("This cell belongs to another committee."), "cell_other_committee"
        )
    if not may_manage_in(actor, to_cell):
        raise PermissionDenied
    decision_number = " ".join((decision_number or "").split())
    same = Transfer.objects.filter(
        member=locked,
        scope=Scope.INTERNAL,
        to_cell=to_cell,
        kind=kind,
        decision_date=decision_date,
        status=TStatus.COMPLETED,
    ).first()
    if same is not None and decision_date is not None:
        member.__dict__.update(locked.__dict__)
        return same  # submitted twice
    _check_can_leave(locked)
    errors: dict[str, list[ValidationError]] = {}
    if to_cell.kind not in CELL_KINDS:
        errors.setdefault("to_cell", []).append(
            ValidationError(_("Members belong to a cell; choose a cell."), code="not_a_cell")
        )
    elif to_cell.dissolved_on is not None:
        errors.setdefault("to_cell", []).append(
            ValidationError(_("This cell has been dissolved."), code="dissolved")
        )
    elif to_cell.pk == locked.cell_id:
        errors.setdefault("to_cell", []).append(
            ValidationError(_("The member is already in this cell."), code="same_cell")
        )
    _check_terms(kind=kind, decision_date=decision_date, until=until, errors=errors)
    if errors:
        raise ValidationError(errors)
    temporary = kind == Transfer.Kind.TEMPORARY
    transfer = Transfer.objects.create(
        member=locked,
        kind=kind,
        scope=Scope.INTERNAL,
        status=TStatus.COMPLETED,
        from_committee_id=locked.committee_id,
        from_cell=locked.cell,
        to_committee_id=locked.committee_id,
        to_cell=to_cell,
        decision_number=decision_number[:60],
        decision_date=decision_date,
        deadline=transfer_deadline(locked.committee_id, decision_date),
        until=until if temporary else None,
        received_on=decision_date,
        note=note.strip()[:255],
        created_by=_user(actor),
        handled_by=_user(actor),
    )
    _audit(actor, transfer, Verb.CREATE)
    if temporary:
        _note_revision(actor, locked, decision_date, _describe(transfer))
    else:
        apply_change(
            actor=actor,
            member=locked,
            kind=Kind.TRANSFERRED,
            effective_on=decision_date,
            changes={"cell": to_cell},
            note=_describe(transfer),
        )
    member.__dict__.update(locked.__dict__)
    return transfer


# --- To another committee on the platform -----------------------------------------------


@transaction.atomic
def transfer_platform_start(
    *,
    actor,
    member: Member,
    to_committee,
    kind: str,
    decision_number: str = "",
    decision_date: dt.date | None,
    until: dt.date | None = None,
    note: str = "",
) -> Transfer:
    """Open a transfer to another committee on the platform; it waits for them to accept."""
    locked = lock_member(member)
    if not may_manage_committee(actor, locked.committee_id):
        raise PermissionDenied
    decision_number = " ".join((decision_number or "").split())
    same = Transfer.objects.filter(
        member=locked,
        scope=Scope.PLATFORM,
        to_committee=to_committee,
        kind=kind,
        decision_date=decision_date,
        status=TStatus.PENDING,
    ).first()
    if same is not None and decision_date is not None:
        return same  # submitted twice
    _check_can_leave(locked)
    errors: dict[str, list[ValidationError]] = {}
    if to_committee is None or not to_committee.is_active:
        errors.setdefault("to_committee", []).append(
            ValidationError(_("Choose the committee the member goes to."), code="required")
        )
    elif to_committee.pk == locked.committee_id:
        errors.setdefault("to_committee", []).append(
            ValidationError(
                _("This is the member's own committee; move them between cells instead."),
                code="same_committee",
            )
        )
    _check_terms(kind=kind, decision_date=decision_date, until=until, errors=errors)
    if errors:
        raise ValidationError(errors)
    transfer = Transfer.objects.create(
        member=locked,
        kind=kind,
        scope=Scope.PLATFORM,
        status=TStatus.PENDING,
        from_committee_id=locked.committee_id,
        from_cell=locked.cell,
        to_committee=to_committee,
        decision_number=decision_number[:60],
        decision_date=decision_date,
        deadline=transfer_deadline(locked.committee_id, decision_date),
        until=until if kind == Transfer.Kind.TEMPORARY else None,
        note=note.strip()[:255],
        created_by=_user(actor),
    )
    _audit(actor, transfer, Verb.CREATE)
    notify(
        users=committee_member_managers(to_committee.pk),
        kind=Notification.Kind.INFO,
        title=_("Party member %(name)s is transferred to you from %(committee)s")
        % {"name": locked.full_name, "committee": locked.committee.name},
        body=_("Accept them into one of your cells, or refuse with a reason, by %(date)s.")
        % {"date": _d(transfer.deadline)},
        url=_url(transfer),
        dedupe_key=f"transfer-in:{transfer.code}",
    )
    return transfer


def _lock_transfer(transfer: Transfer) -> Transfer:
    return (
        # `of=("self",)`: PostgreSQL cannot lock the nullable side of the outer joins.
        Transfer.objects.select_for_update(of=("self",))
        .select_related("member", "from_committee", "to_committee", "from_cell", "to_cell")
        .get(pk=transfer.pk)
    )


def _not_pending(transfer: Transfer) -> ValidationError:
    return ValidationError(
        _("This transfer is no longer waiting (%(status)s).")
        % {"status": transfer.get_status_display()},
        code="not_pending",
    )


def _tell_sender(transfer: Transfer, title: str, key: str) -> None:
    people = [transfer.created_by] if transfer.created_by_id else []
    if not people:
        people = list(committee_member_managers(transfer.from_committee_id))
    notify(
        users=people,
        kind=Notification.Kind.INFO,
        title=title,
        url=_url(transfer),
        dedupe_key=f"{key}:{transfer.code}",
    )


def _check_unique_in(member: Member, committee_id: int) -> None:
    others = Member.objects.filter(committee_id=committee_id).exclude(pk=member.pk)
    errors = {}
    if member.card_number and others.filter(card_number=member.card_number).exists():
        errors["to_cell"] = ValidationError(
            _(
                "A member of your committee already has party card number %(card)s; "
                "resolve the duplicate before accepting."
            )
            % {"card": member.card_number},
            code="duplicate_card",
        )
    elif member.citizen_id and others.filter(citizen_id=member.citizen_id).exists():
        errors["to_cell"] = ValidationError(
            _(
                "A member of your committee already has this citizen ID; resolve the "
                "duplicate before accepting."
            ),
            code="duplicate_citizen_id",
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def transfer_accept(
    *, actor, transfer: Transfer, to_cell: Unit | None, received_on: dt.date | None
) -> Transfer:
    """The receiving committee accepts a platform transfer into one of its cells. A
    permanent transfer moves the member file (with its history) to that committee and cell;
    a temporary one records where the member is attached until `until`."""
    transfer = _lock_transfer(transfer)
    if not may_manage_committee(actor, transfer.to_committee_id):
        raise PermissionDenied
    if (
        transfer.status == TStatus.COMPLETED
        and to_cell is not None
        and transfer.to_cell_id == to_cell.pk
    ):
        return transfer  # submitted twice
    if transfer.scope != Scope.PLATFORM or transfer.status != TStatus.PENDING:
        raise _not_pending(transfer)
    errors: dict[str, list[ValidationError]] = {}

    def add(field, message, code):
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if to_cell is None:
        add("to_cell", _("Choose the cell that receives the member."), "required")
    elif to_cell.committee_id != transfer.to_committee_id:
        add("to_cell", _("This cell belongs to another committee."), "cell_other_committee")
    elif to_cell.kind not in CELL_KINDS or to_cell.dissolved_on is not None:
        add("to_cell", _("Members belong to a cell; choose a cell."), "not_a_cell")
    if received_on is None:
        add("received_on", _("Enter the date the member was received."), "required")
    elif received_on > _today():
        add(
            "received_on", _("This date is in the future; check the day, month and year."), "future"
        )
    elif received_on < transfer.decision_date:
        add(
            "received_on",
            _("The member cannot be received before the transfer decision (%(date)s).")
            % {"date": _d(transfer.decision_date)},
            "before_decision",
        )
    if errors:
        raise ValidationError(errors)
    member = lock_member(transfer.member)
    transfer.to_cell = to_cell
    transfer.received_on = received_on
    transfer.status = TStatus.COMPLETED
    transfer.handled_by = _user(actor)
    if transfer.kind == Transfer.Kind.PERMANENT:
        check_open(member)
        _check_unique_in(member, transfer.to_committee_id)
        member.committee_id = transfer.to_committee_id
        apply_change(
            actor=actor,
            member=member,
            kind=Kind.TRANSFERRED,
            effective_on=received_on,
            changes={"cell": to_cell},
            note=_("Received from %(committee)s (%(transfer)s).")
            % {"committee": transfer.from_committee.name, "transfer": _describe(transfer)},
        )
    else:
        _note_revision(
            actor,
            member,
            received_on,
            _("Temporarily attached to %(cell)s, %(committee)s.")
            % {"cell": to_cell.name, "committee": transfer.to_committee.name}
            + " "
            + _describe(transfer),
        )
    transfer.save()
    _audit(
        actor,
        transfer,
        Verb.UPDATE,
        {"status": [TStatus.PENDING, TStatus.COMPLETED], "received_on": received_on.isoformat()},
    )
    _tell_sender(
        transfer,
        _("%(committee)s received party member %(name)s")
        % {"committee": transfer.to_committee.name, "name": member.full_name},
        "transfer-accepted",
    )
    return transfer


@transaction.atomic
def transfer_refuse(*, actor, transfer: Transfer, reason: str) -> Transfer:
    """The receiving committee refuses a platform transfer, with the reason."""
    transfer = _lock_transfer(transfer)
    if not may_manage_committee(actor, transfer.to_committee_id):
        raise PermissionDenied
    if transfer.status == TStatus.REJECTED:
        return transfer
    if transfer.scope != Scope.PLATFORM or transfer.status != TStatus.PENDING:
        raise _not_pending(transfer)
    reason = " ".join((reason or "").split())
    if not reason:
        raise _error("reason", _("Say why the transfer is refused."), "required")
    transfer.status = TStatus.REJECTED
    transfer.note = reason[:255]
    transfer.handled_by = _user(actor)
    transfer.save(update_fields=["status", "note", "handled_by", "updated_at"])
    _audit(actor, transfer, Verb.UPDATE, {"status": [TStatus.PENDING, TStatus.REJECTED]})
    _tell_sender(
        transfer,
        _("%(committee)s refused the transfer of %(name)s: %(reason)s")
        % {
            "committee": transfer.to_committee.name,
            "name": transfer.member.full_name,
            "reason": reason,
        },
        "transfer-refused",
    )
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer, reason: str = "") -> Transfer:
    """The sending side withdraws a transfer that is still waiting. A member transferred
    out of the platform gets back the status they had."""
    transfer = _lock_transfer(transfer)
    if not may_manage_committee(actor, transfer.from_committee_id):
        raise PermissionDenied
    if transfer.status == TStatus.CANCELLED:
        return transfer
    if transfer.status != TStatus.PENDING:
        raise _not_pending(transfer)
    reason = " ".join((reason or "").split())
    transfer.status = TStatus.CANCELLED
    if reason:
        transfer.note = reason[:255]
    transfer.handled_by = _user(actor)
    transfer.save(update_fields=["status", "note", "handled_by", "updated_at"])
    if (
        transfer.scope == Scope.EXTERNAL_OUT
        and transfer.kind == Transfer.Kind.PERMANENT
        and transfer.member.status == Member.Status.TRANSFERRED_OUT
    ):
        member = lock_member(transfer.member)
        out = (
            member.revisions.filter(kind=Kind.TRANSFERRED, changes__has_key="status")
            .order_by("-recorded_at", "-pk")
            .first()
        )
        previous = out.changes["status"][0] if out else Member.Status.FULL
        since = out.changes.get("status_since", [None])[0] if out else None
        apply_change(
            actor=actor,
            member=member,
            kind=Kind.TRANSFERRED,
            effective_on=transfer.decision_date,
            changes={
                "status": previous,
                "status_since": dt.date.fromisoformat(since) if since else member.status_since,
            },
            note=_("Transfer cancelled: %(transfer)s") % {"transfer": _describe(transfer)},
        )
    _audit(actor, transfer, Verb.UPDATE, {"status": [TStatus.PENDING, TStatus.CANCELLED]})
    if transfer.scope == Scope.PLATFORM:
        notify(
            users=committee_member_managers(transfer.to_committee_id),
            kind=Notification.Kind.INFO,
            title=_("The transfer of %(name)s from %(committee)s was cancelled")
            % {"name": transfer.member.full_name, "committee": transfer.from_committee.name},
            url=_url(transfer),
            dedupe_key=f"transfer-cancelled:{transfer.code}",
        )
    return transfer


# --- To and from organisations outside the platform -------------------------------------


def _store_letter(transfer: Transfer, member: Member, *, actor, written: list) -> Any:
    data = introduction_letter(transfer, member, on=_today())
    checked = doc_files.CheckedFile(
        name=letter_file_name(transfer, member),
        data=data,
        content_type=doc_files.DOCX,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    from capuyso.documents.models import StoredFile

    return doc_files.store(
        committee=transfer.from_committee,
        checked=checked,
        purpose=StoredFile.Purpose.ISSUED,
        actor=_user(actor),
        written=written,
    )


def transfer_external_out(
    *,
    actor,
    member: Member,
    organisation: str,
    kind: str,
    decision_number: str = "",
    decision_date: dt.date | None,
    until: dt.date | None = None,
    note: str = "",
) -> Transfer:
    """Transfer a member to an organisation outside the platform: the introduction letter
    is generated and kept; a permanent transfer sets the status to "transferred out"."""
    written: list[str] = []
    try:
        return _transfer_external_out(
            actor=actor,
            member=member,
            organisation=organisation,
            kind=kind,
            decision_number=decision_number,
            decision_date=decision_date,
            until=until,
            note=note,
            written=written,
        )
    except Exception:
        doc_files.discard(written)  # nothing half-saved: no letter without its transfer
        raise


@transaction.atomic
def _transfer_external_out(
    *, actor, member, organisation, kind, decision_number, decision_date, until, note, written
) -> Transfer:
    locked = lock_member(member)
    if not may_manage_committee(actor, locked.committee_id):
        raise PermissionDenied
    organisation = " ".join((organisation or "").split())
    decision_number = " ".join((decision_number or "").split())
    same = (
        Transfer.objects.filter(
            member=locked,
            scope=Scope.EXTERNAL_OUT,
            external_organisation=organisation,
            kind=kind,
            decision_date=decision_date,
        )
        .exclude(status=TStatus.CANCELLED)
        .first()
    )
    if same is not None and decision_date is not None:
        member.__dict__.update(locked.__dict__)
        return same  # submitted twice
    _check_can_leave(locked)
    errors: dict[str, list[ValidationError]] = {}
    if not organisation:
        errors["organisation"] = [
            ValidationError(_("Enter the party organisation the member goes to."), code="required")
        ]
    _check_terms(kind=kind, decision_date=decision_date, until=until, errors=errors)
    if errors:
        raise ValidationError(errors)
    transfer = Transfer.objects.create(
        member=locked,
        kind=kind,
        scope=Scope.EXTERNAL_OUT,
        status=TStatus.PENDING,
        from_committee_id=locked.committee_id,
        from_cell=locked.cell,
        external_organisation=organisation[:255],
        decision_number=decision_number[:60],
        decision_date=decision_date,
        deadline=transfer_deadline(locked.committee_id, decision_date),
        until=until if kind == Transfer.Kind.TEMPORARY else None,
        note=note.strip()[:255],
        created_by=_user(actor),
    )
    transfer.letter = _store_letter(transfer, locked, actor=actor, written=written)
    transfer.save(update_fields=["letter", "updated_at"])
    _audit(actor, transfer, Verb.CREATE)
    if kind == Transfer.Kind.PERMANENT:
        apply_change(
            actor=actor,
            member=locked,
            kind=Kind.TRANSFERRED,
            effective_on=decision_date,
            changes={"status": Member.Status.TRANSFERRED_OUT, "status_since": decision_date},
            note=_describe(transfer),
        )
    else:
        _note_revision(actor, locked, decision_date, _describe(transfer))
    member.__dict__.update(locked.__dict__)
    return transfer


@transaction.atomic
def transfer_confirm_receipt(*, actor, transfer: Transfer, received_on: dt.date | None) -> Transfer:
    """The receipt slip came back: the organisation outside received the member."""
    transfer = _lock_transfer(transfer)
    if not may_manage_committee(actor, transfer.from_committee_id):
        raise PermissionDenied
    if transfer.status == TStatus.COMPLETED and transfer.received_on == received_on:
        return transfer
    if transfer.scope != Scope.EXTERNAL_OUT or transfer.status != TStatus.PENDING:
        raise _not_pending(transfer)
    if received_on is None:
        raise _error("received_on", _("Enter the date on the receipt slip."), "required")
    if received_on > _today():
        raise _error(
            "received_on", _("This date is in the future; check the day, month and year."), "future"
        )
    if received_on < transfer.decision_date:
        raise _error(
            "received_on",
            _("The member cannot be received before the transfer decision (%(date)s).")
            % {"date": _d(transfer.decision_date)},
            "before_decision",
        )
    transfer.status = TStatus.COMPLETED
    transfer.received_on = received_on
    transfer.handled_by = _user(actor)
    transfer.save(update_fields=["status", "received_on", "handled_by", "updated_at"])
    _audit(actor, transfer, Verb.UPDATE, {"status": [TStatus.PENDING, TStatus.COMPLETED]})
    return transfer


@transaction.atomic
def transfer_external_in(
    *,
    actor,
    committee,
    data: dict[str, Any],
    organisation: str,
    decision_number: str = "",
    decision_date: dt.date | None,
    received_on: dt.date | None = None,
    note: str = "",
) -> Member:
    """Receive a member from an organisation outside the platform: their file is created
    from the introduction letter (`data` holds the file's fields, cell as a Unit)."""
    if not may_manage_committee(actor, committee.pk):
        raise PermissionDenied
    organisation = " ".join((organisation or "").split())
    decision_number = " ".join((decision_number or "").split())
    received_on = received_on or _today()
    same = (
        Transfer.objects.filter(
            scope=Scope.EXTERNAL_IN,
            to_committee=committee,
            external_organisation=organisation,
            decision_number=decision_number,
            decision_date=decision_date,
            member__full_name=" ".join(str(data.get("full_name", "")).split()),
        )
        .select_related("member")
        .first()
    )
    if same is not None and decision_date is not None:
        return same.member  # submitted twice
    errors: dict[str, list[ValidationError]] = {}
    if not organisation:
        errors["organisation"] = [
            ValidationError(
                _("Enter the party organisation the member comes from."), code="required"
            )
        ]
    _check_terms(
        kind=Transfer.Kind.PERMANENT, decision_date=decision_date, until=None, errors=errors
    )
    if received_on > _today():
        errors.setdefault("received_on", []).append(
            ValidationError(
                _("This date is in the future; check the day, month and year."), code="future"
            )
        )
    elif decision_date is not None and received_on < decision_date:
        errors.setdefault("received_on", []).append(
            ValidationError(
                _("The member cannot be received before the letter's date."),
                code="before_decision",
            )
        )
    if errors:
        raise ValidationError(errors)
    member = member_create(actor=actor, committee=committee, data=data, kind=Kind.TRANSFERRED)
    transfer = Transfer.objects.create(
        member=member,
        kind=Transfer.Kind.PERMANENT,
        scope=Scope.EXTERNAL_IN,
        status=TStatus.COMPLETED,
        from_committee=committee,
        to_committee=committee,
        to_cell=member.cell,
        external_organisation=organisation[:255],
        decision_number=decision_number[:60],
        decision_date=decision_date,
        deadline=transfer_deadline(committee.pk, decision_date),
        received_on=received_on,
        note=note.strip()[:255],
        created_by=_user(actor),
        handled_by=_user(actor),
    )
    _audit(actor, transfer, Verb.CREATE)
    return member


# --- Temporary transfers: coming back ---------------------------------------------------


@transaction.atomic
def transfer_return(*, actor, transfer: Transfer, back_on: dt.date | None) -> Transfer:
    """A temporarily transferred member is back in their cell from `back_on` (earlier than
    planned, or on the planned day)."""
    transfer = _lock_transfer(transfer)
    member = lock_member(transfer.member)
    if transfer.scope == Scope.INTERNAL:
        allowed = may_manage(actor, member)
    else:
        allowed = may_manage_committee(actor, transfer.from_committee_id)
    if not allowed or transfer.from_committee_id != member.committee_id:
        raise PermissionDenied
    if back_on is not None and transfer.until == back_on - dt.timedelta(days=1):
        return transfer
    if transfer.kind != Transfer.Kind.TEMPORARY or transfer.status != TStatus.COMPLETED:
        raise _not_pending(transfer)
    if back_on is None:
        raise _error("back_on", _("Enter the date the member is back."), "required")
    if back_on > _today():
        raise _error(
            "back_on", _("This date is in the future; check the day, month and year."), "future"
        )
    if back_on <= transfer.decision_date:
        raise _error(
            "back_on",
            _("The return date must come after the transfer decision."),
            "before_decision",
        )
    if transfer.until is not None and back_on > transfer.until + dt.timedelta(days=1):
        raise _error(
            "back_on",
            _("This temporary transfer already ended on %(date)s.") % {"date": _d(transfer.until)},
            "not_current",
        )
    old = transfer.until
    transfer.until = back_on - dt.timedelta(days=1)
    transfer.save(update_fields=["until", "updated_at"])
    _audit(
        actor,
        transfer,
        Verb.UPDATE,
        {"until": [old and old.isoformat(), transfer.until.isoformat()]},
    )
    _note_revision(
        actor,
        member,
        back_on,
        _("Back from a temporary transfer: %(t)s") % {"t": _describe(transfer)},
    )
    return transfer


# --- Reminders ------------------------------------------------------------------------


def overdue_transfer_people(transfer: Transfer):
    """Who hears about a transfer past its deadline: the sending cell's secretary and the
    person who opened it."""
    people = []
    if transfer.from_cell_id:
        people.extend(cell_member_managers(transfer.from_cell))
    if transfer.created_by_id:
        people.append(transfer.created_by)
    return people
