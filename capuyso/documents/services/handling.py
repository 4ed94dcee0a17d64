"""Handling of incoming documents: submission to a leader, direction (bút phê), assignments,
progress and results, deadlines, closing and filing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive.services import check_dossier_open
from capuyso.audit.services import Verb, audit_record
from capuyso.documents.access import (
    active_delegations,
    holders,
    is_handler,
    may,
    roles_with,
    unit_handlers,
)
from capuyso.documents.models import (
    Assignment,
    Delegation,
    DocumentEvent,
    IncomingDocument,
)
from capuyso.documents.services._incoming_common import (
    _check_not_past,
    _check_stale,
    _event,
    _label,
    _url,
)
from capuyso.documents.services.config import acting_for
from capuyso.notifications.models import Notification
from capuyso.notifications.services import notify
from capuyso.org.models import Unit


def _leaders(committee_id):
    from capuyso.accounts.roles import COMMITTEE_WIDE_ROLES

    roles = roles_with(Action.DOCUMENTS_DIRECT) & set(COMMITTEE_WIDE_ROLES)
    return holders(committee_id, roles).order_by("full_name")


def leaders_for(committee_id):
    """People a document can be submitted to for direction."""
    return _leaders(committee_id)


@transaction.atomic
def incoming_submit(*, actor, document: IncomingDocument, leader, version: int | None = None):
    """The clerk submits the document to a leader for direction (the same day, rules.md)."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    if not may(actor, Action.DOCUMENTS_REGISTER, document.receiving_unit):
        raise PermissionDenied
    _check_stale(document, version)
    if document.status not in (
        IncomingDocument.Status.REGISTERED,
        IncomingDocument.Status.SUBMITTED,
    ):
        raise ValidationError(_("This document already has a direction."))
    if document.receiving_unit.kind != Unit.Kind.OFFICE:
        raise ValidationError(
            _("A cell handles the documents it receives itself; there is no one to submit to.")
        )
    if not _leaders(document.committee_id).filter(pk=leader.pk).exists():
        raise ValidationError({"leader": _("Choose a leader who gives direction.")})
    before = document.submitted_to
    document.submitted_to = leader
    document.submitted_at = timezone.now()
    document.status = IncomingDocument.Status.SUBMITTED
    document.version += 1
    document.save(update_fields=["submitted_to", "submitted_at", "status", "version", "updated_at"])
    _event(document, DocumentEvent.Kind.SUBMITTED, actor, text=leader.full_name)
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=document,
        changes={"submitted_to": [str(before) if before else None, str(leader)]},
    )
    recipients = [leader]
    # A deputy acting for the leader sees it too.
    recipients += [
        d.delegate
        for d in active_delegations(Delegation.Scope.DIRECTION)
        .filter(grantor=leader)
        .select_related("delegate")
    ]
    notify(
        users=recipients,
        kind=Notification.Kind.SUBMITTED,
        title=_("For your direction: %(doc)s") % {"doc": _label(document)},
        url=_url(document),
    )
    return document


def direction_acting_as(actor, document: IncomingDocument):
    """(allowed, on_behalf_of): may `actor` direct this document, and for whom?"""
    if not may(actor, Action.DOCUMENTS_DIRECT, document.receiving_unit):
        # A deputy with a direction delegation may act even without the right of their own.
        if document.submitted_to_id and acting_for(
            actor, document.submitted_to, Delegation.Scope.DIRECTION
        ):
            return True, document.submitted_to
        return False, None
    if document.submitted_to_id is None or document.submitted_to_id == actor.pk:
        return True, None
    if acting_for(actor, document.submitted_to, Delegation.Scope.DIRECTION):
        return True, document.submitted_to
    return False, None


@dataclass
class AssignmentSpec:
    role: str
    unit: Unit | None = None
    user: object | None = None
    due_date: dt.date | None = None


def _check_assignee(document, spec: AssignmentSpec) -> None:
    if spec.unit is None and spec.user is None:
        raise ValidationError(_("Choose a unit or a person for each assignment."))
    if spec.unit is not None and spec.unit.committee_id != document.committee_id:
        raise ValidationError(_("Choose a unit of this committee."))
    if spec.user is not None and spec.user.committee_id != document.committee_id:
        raise ValidationError(_("Choose a person of this committee."))
    if spec.role not in Assignment.Role.values:
        raise ValidationError(_("Choose lead, support or for information."))
    _check_not_past(spec.due_date, "due_date")


def _handlers_of(assignment: Assignment):
    if assignment.user_id:
        return [assignment.user]
    return list(unit_handlers(assignment.unit))


def _create_assignment(document, spec: AssignmentSpec, actor, parent=None) -> Assignment:
    assignment = Assignment.objects.create(
        committee_id=document.committee_id,
        document=document,
        parent=parent,
        role=spec.role,
        unit=spec.unit,
        user=spec.user,
        due_date=spec.due_date if spec.role != Assignment.Role.FYI else None,
        assigned_by=actor,
    )
    notify(
        users=_handlers_of(assignment),
        kind=Notification.Kind.ASSIGNED,
        title=(
            _("For information: %(doc)s")
            if spec.role == Assignment.Role.FYI
            else _("Assigned to you: %(doc)s")
        )
        % {"doc": _label(document)},
        url=_url(document),
        body=document.direction,
    )
    return assignment


@transaction.atomic
def incoming_direct(
    *,
    actor,
    document: IncomingDocument,
    direction: str,
    assignments: list[AssignmentSpec],
    version: int | None = None,
) -> IncomingDocument:
    """The leader's direction (bút phê): one lead, supporting and FYI recipients, deadlines."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    allowed, on_behalf_of = direction_acting_as(actor, document)
    if not allowed:
        if may(actor, Action.DOCUMENTS_DIRECT, document.receiving_unit):
            raise ValidationError(
                _("This document was submitted to %(name)s; only they or their deputy may direct.")
                % {"name": document.submitted_to.full_name}
            )
        raise PermissionDenied
    _check_stale(document, version)
    if not document.is_open:
        raise ValidationError(_("This document is closed."))
    direction = direction.strip()
    if not direction:
        raise ValidationError({"direction": _("Write the direction.")})
    leads = [s for s in assignments if s.role == Assignment.Role.LEAD]
    already_led = document.assignments.filter(
        role=Assignment.Role.LEAD, parent__isnull=True
    ).exists()
    if len(leads) > 1 or (not leads and not already_led):
        raise ValidationError({"lead": _("Choose exactly one lead unit or person.")})
    if leads and already_led:
        raise ValidationError({"lead": _("This document already has a lead.")})
    for spec in assignments:
        _check_assignee(document, spec)
        if spec.role != Assignment.Role.FYI and spec.due_date is None:
            spec.due_date = document.due_date
    for spec in assignments:
        _create_assignment(document, spec, actor)
    first = document.directed_at is None
    document.direction = direction if first else f"{document.direction}\n{direction}"
    document.directed_by = actor
    document.directed_on_behalf_of = on_behalf_of
    document.directed_at = timezone.now()
    if leads and leads[0].due_date and not document.due_date:
        document.due_date = leads[0].due_date
    if document.status in (IncomingDocument.Status.REGISTERED, IncomingDocument.Status.SUBMITTED):
        document.status = IncomingDocument.Status.DIRECTED
    document.version += 1
    document.save()
    _event(
        document,
        DocumentEvent.Kind.DIRECTED,
        actor,
        text=direction,
        on_behalf_of=on_behalf_of,
        assignments=[
            {
                "role": s.role,
                "unit": s.unit.name if s.unit else None,
                "user": s.user.full_name if s.user else None,
                "due": s.due_date.isoformat() if s.due_date else None,
            }
            for s in assignments
        ],
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=document,
        changes={
            "direction": [None, direction],
            **({"on_behalf_of": [None, str(on_behalf_of)]} if on_behalf_of else {}),
        },
    )
    return document


def _may_manage_deadline(actor, assignment: Assignment) -> tuple[bool, object | None]:
    document = assignment.document
    if assignment.assigned_by_id == actor.pk or document.directed_by_id == actor.pk:
        return True, None
    for principal_id in {assignment.assigned_by_id, document.directed_by_id} - {None}:
        from capuyso.accounts.models import User

        principal = User.objects.get(pk=principal_id)
        if acting_for(actor, principal, Delegation.Scope.DIRECTION):
            return True, principal
    if access_for(actor).can(
        Action.DOCUMENTS_DIRECT,
        committee_id=document.committee_id,
        unit_path=document.receiving_path,
    ) and access_for(actor).committee_wide(Action.DOCUMENTS_DIRECT):
        return True, None
    return False, None


@transaction.atomic
def assignment_extend(*, actor, assignment: Assignment, due_date: dt.date, reason: str):
    """The person who gave direction moves a deadline; the old and new dates are recorded."""
    assignment = (
        Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    )
    allowed, on_behalf_of = _may_manage_deadline(actor, assignment)
    if not allowed:
        raise PermissionDenied
    if assignment.status == Assignment.Status.DONE:
        raise ValidationError(_("This assignment is already done."))
    if due_date is None:
        raise ValidationError({"due_date": _("Choose the new deadline.")})
    _check_not_past(due_date, "due_date")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the change.")})
    old = assignment.due_date
    assignment.due_date = due_date
    assignment.save(update_fields=["due_date", "updated_at"])
    document = assignment.document
    if assignment.role == Assignment.Role.LEAD and assignment.parent_id is None:
        document.due_date = due_date
        document.save(update_fields=["due_date", "updated_at"])
    _event(
        document,
        DocumentEvent.Kind.DEADLINE,
        actor,
        text=reason,
        assignment=assignment,
        on_behalf_of=on_behalf_of,
        old=old.isoformat() if old else None,
        new=due_date.isoformat(),
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=assignment,
        committee=document.committee,
        changes={"due_date": [old, due_date], "reason": [None, reason]},
    )
    notify(
        users=_handlers_of(assignment),
        kind=Notification.Kind.DEADLINE_CHANGED,
        title=_("New deadline %(date)s: %(doc)s")
        % {"date": due_date.strftime("%d/%m/%Y"), "doc": _label(document)},
        url=_url(document),
        body=reason,
    )
    return assignment


@transaction.atomic
def assignment_escalate(*, actor, assignment: Assignment, note: str):
    """Press a late or urgent assignment: the handlers get an urgent notice, recorded."""
    assignment = (
        Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    )
    allowed, on_behalf_of = _may_manage_deadline(actor, assignment)
    if not allowed:
        raise PermissionDenied
    if assignment.status == Assignment.Status.DONE:
        raise ValidationError(_("This assignment is already done."))
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Write what you ask of the handlers.")})
    assignment.escalated_at = timezone.now()
    assignment.save(update_fields=["escalated_at", "updated_at"])
    document = assignment.document
    _event(
        document,
        DocumentEvent.Kind.ESCALATED,
        actor,
        text=note,
        assignment=assignment,
        on_behalf_of=on_behalf_of,
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=assignment,
        committee=document.committee,
        changes={"escalated": [None, note]},
    )
    notify(
        users=_handlers_of(assignment),
        kind=Notification.Kind.ESCALATED,
        title=_("Urgent: %(doc)s") % {"doc": _label(document)},
        url=_url(document),
        body=note,
    )
    return assignment


def _require_handler(actor, assignment: Assignment) -> None:
    if not is_handler(actor, assignment):
        raise PermissionDenied
    if not assignment.document.is_open:
        raise ValidationError(_("This document is closed."))


@transaction.atomic
def assignment_record(*, actor, assignment: Assignment, text: str, kind: str):
    """A handler records progress or a comment."""
    assignment = (
        Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    )
    _require_handler(actor, assignment)
    if kind not in (DocumentEvent.Kind.PROGRESS, DocumentEvent.Kind.COMMENT):
        raise ValueError(kind)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write what was done.")})
    document = assignment.document
    if kind == DocumentEvent.Kind.PROGRESS and assignment.status == Assignment.Status.OPEN:
        assignment.status = Assignment.Status.IN_PROGRESS
        assignment.save(update_fields=["status", "updated_at"])
    if document.status == IncomingDocument.Status.DIRECTED and kind == DocumentEvent.Kind.PROGRESS:
        document.status = IncomingDocument.Status.IN_PROGRESS
        document.save(update_fields=["status", "updated_at"])
    return _event(document, kind, actor, text=text, assignment=assignment)


@transaction.atomic
def assignment_delegate(*, actor, assignment: Assignment, spec: AssignmentSpec) -> Assignment:
    """A handler passes part of the work on (sub-assignment)."""
    assignment = (
        Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    )
    _require_handler(actor, assignment)
    if assignment.role == Assignment.Role.FYI:
        raise ValidationError(_("A for-information copy cannot be assigned on."))
    document = assignment.document
    _check_assignee(document, spec)
    if spec.due_date is None:
        spec.due_date = assignment.due_date
    if assignment.due_date and spec.due_date and spec.due_date > assignment.due_date:
        raise ValidationError(
            {"due_date": _("A sub-assignment cannot end after its own deadline.")}
        )
    spec.role = Assignment.Role.SUPPORT
    child = _create_assignment(document, spec, actor, parent=assignment)
    _event(
        document,
        DocumentEvent.Kind.SUB_ASSIGNED,
        actor,
        text=child.handler_label,
        assignment=assignment,
    )
    return child


@transaction.atomic
def assignment_complete(*, actor, assignment: Assignment, result: str, reply=None):
    """A handler reports their result, optionally linking the reply (an outgoing document)."""
    assignment = (
        Assignment.objects.select_for_update().select_related("document").get(pk=assignment.pk)
    )
    _require_handler(actor, assignment)
    result = result.strip()
    if not result:
        raise ValidationError({"result": _("Write the result.")})
    document = assignment.document
    if reply is not None and reply.committee_id != document.committee_id:
        raise ValidationError({"reply": _("Choose a reply of this committee.")})
    assignment.status = Assignment.Status.DONE
    assignment.result = result
    assignment.reply = reply
    assignment.done_at = timezone.now()
    assignment.save(update_fields=["status", "result", "reply", "done_at", "updated_at"])
    if document.status == IncomingDocument.Status.DIRECTED:
        document.status = IncomingDocument.Status.IN_PROGRESS
        document.save(update_fields=["status", "updated_at"])
    _event(
        document,
        DocumentEvent.Kind.RESULT,
        actor,
        text=result,
        assignment=assignment,
        reply=reply.reference if reply is not None else None,
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=assignment,
        committee=document.committee,
        changes={"status": ["open", "done"], "result": [None, result]},
    )
    return assignment


def may_close(actor, document: IncomingDocument) -> bool:
    """The lead handler closes the matter; so may the leader who directed it, and the
    registrar (the Office) once the lead has reported its result. A document without a
    lead (for information, or a cell's copy) is closed by its registrar."""
    if not document.is_open:
        return False
    lead = next(
        (
            a
            for a in document.assignments.all()
            if a.role == Assignment.Role.LEAD and a.parent_id is None
        ),
        None,
    )
    if lead is not None and is_handler(actor, lead):
        return True
    if document.directed_by_id == actor.pk:
        return True
    if not may(actor, Action.DOCUMENTS_REGISTER, document.receiving_unit):
        return False
    return lead is None or lead.status == Assignment.Status.DONE


@transaction.atomic
def incoming_complete(
    *,
    actor,
    document: IncomingDocument,
    result: str,
    dossier=None,
    version: int | None = None,
) -> IncomingDocument:
    """Close the matter and file the document into a dossier."""
    document = IncomingDocument.objects.select_for_update().get(pk=document.pk)
    _check_stale(document, version)
    if not document.is_open:
        raise ValidationError(_("This document is already closed."))
    if not may_close(actor, document):
        raise PermissionDenied
    result = result.strip()
    if not result:
        raise ValidationError({"result": _("Write the result of the handling.")})
    if dossier is not None and dossier.committee_id != document.committee_id:
        raise ValidationError({"dossier": _("Choose a dossier of this committee.")})
    if dossier is not None:
        try:
            check_dossier_open(dossier)  # closed or disposed of: the archive's own message
        except ValidationError as exc:
            raise ValidationError({"dossier": exc.error_list}) from exc
    now = timezone.now()
    document.status = IncomingDocument.Status.COMPLETED
    document.result = result
    document.completed_at = now
    document.completed_by = actor
    document.handled_on_platform = True
    document.dossier = dossier
    document.version += 1
    document.save()
    document.assignments.exclude(status=Assignment.Status.DONE).filter(
        role=Assignment.Role.FYI
    ).update(status=Assignment.Status.DONE, done_at=now)
    lead = document.assignments.filter(
        role=Assignment.Role.LEAD, parent__isnull=True, status__in=["open", "in_progress"]
    ).first()
    if lead is not None:
        lead.status = Assignment.Status.DONE
        lead.result = lead.result or result
        lead.done_at = now
        lead.save(update_fields=["status", "result", "done_at", "updated_at"])
    _event(
        document,
        DocumentEvent.Kind.COMPLETED,
        actor,
        text=result,
        dossier=str(dossier) if dossier else None,
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=document,
        changes={
            "status": ["open", document.status],
            "dossier": [None, str(dossier) if dossier else None],
        },
    )
    return document
