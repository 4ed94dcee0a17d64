"""Creating and changing meetings and their agenda."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.meetings.access import may_manage, may_manage_unit
from capuyso.meetings.models import AgendaItem, Meeting
from capuyso.org.models import Unit

MEETING_FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "mode",
    "online_url",
    "chair",
    "secretary",
)


def _check(meeting: Meeting) -> None:
    errors = {}
    unit = meeting.unit if meeting.unit_id else None
    if unit is not None and unit.committee_id != meeting.committee_id:
        errors["unit"] = ValidationError(
            _("This cell belongs to another committee."), code="unit_other_committee"
        )
    cell_kind = meeting.kind in Meeting.CELL_KINDS
    if cell_kind and (unit is None or unit.kind not in (Unit.Kind.CELL, Unit.Kind.PARTY_GROUP)):
        errors["unit"] = ValidationError(
            _("A cell meeting is held by a cell; choose the cell."), code="cell_required"
        )
    if not cell_kind and unit is not None and unit.kind in (Unit.Kind.CELL, Unit.Kind.PARTY_GROUP):
        errors["kind"] = ValidationError(
            _("A cell holds cell meetings; choose a cell meeting kind."), code="kind_for_cell"
        )
    if meeting.ends_at and meeting.ends_at <= meeting.starts_at:
        errors["ends_at"] = ValidationError(
            _("The meeting must end after it starts."), code="ends_before_start"
        )
    if meeting.mode != Meeting.Mode.IN_PERSON and not meeting.online_url:
        errors["online_url"] = ValidationError(
            _("Give the link of the online meeting."), code="online_url_required"
        )
    if meeting.mode != Meeting.Mode.ONLINE and not meeting.place:
        errors["place"] = ValidationError(_("Give the place of the meeting."), code="required")
    if not meeting.title.strip():
        errors["title"] = ValidationError(_("Give the meeting a title."), code="required")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def meeting_create(*, actor, committee, unit: Unit | None, **fields) -> Meeting:
    if unit is not None and unit.committee_id != committee.pk:
        raise ValidationError(
            {
                "unit": ValidationError(
                    _("This cell belongs to another committee."), code="unit_other_committee"
                )
            }
        )
    if not may_manage_unit(actor, committee, unit):
        raise PermissionDenied
    meeting = Meeting(
        committee=committee,
        unit=unit,
        status=Meeting.Status.PLANNED,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for name, value in fields.items():
        if name not in MEETING_FIELDS + ("series",):
            raise ValueError(name)
        setattr(meeting, name, value)
    _check(meeting)
    meeting.save()
    audit_record(actor=actor, verb=Verb.CREATE, obj=meeting)
    return meeting


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)


def check_not_held(meeting: Meeting) -> None:
    if meeting.status in (Meeting.Status.CLOSED, Meeting.Status.CANCELLED):
        raise ValidationError(
            _("This meeting is %(status)s; it can no longer be changed.")
            % {"status": meeting.get_status_display().lower()},
            code="meeting_over",
        )


@transaction.atomic
def meeting_update(*, actor, meeting: Meeting, version: int | None = None, **fields) -> Meeting:
    locked = _locked(meeting)
    if not may_manage(actor, locked):
        raise PermissionDenied
    check_not_held(locked)
    if version is not None and version != locked.version:
        raise ValidationError(
            _("Someone else changed this meeting meanwhile; open it again."), code="stale"
        )
    before = {name: str(getattr(locked, name)) for name in fields}
    for name, value in fields.items():
        if name not in MEETING_FIELDS:
            raise ValueError(name)
        setattr(locked, name, value)
    _check(locked)
    locked.version += 1
    locked.save()
    changes = {
        name: [before[name], str(getattr(locked, name))]
        for name in fields
        if before[name] != str(getattr(locked, name))
    }
    audit_record(actor=actor, verb=Verb.UPDATE, obj=locked, changes=changes)
    return locked


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting, reason: str) -> Meeting:
    locked = _locked(meeting)
    if not may_manage(actor, locked):
        raise PermissionDenied
    check_not_held(locked)
    if not reason.strip():
        raise ValidationError(
            {"reason": ValidationError(_("Say why the meeting is cancelled."), code="required")}
        )
    locked.status = Meeting.Status.CANCELLED
    locked.version += 1
    locked.save(update_fields=["status", "version", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=locked,
        changes={"status": ["", "cancelled"], "reason": reason},
    )
    return locked


@transaction.atomic
def agenda_item_add(
    *, actor, meeting: Meeting, title: str, presenter: str = "", confidential: bool = False
) -> AgendaItem:
    locked = _locked(meeting)
    if not may_manage(actor, locked):
        raise PermissionDenied
    check_not_held(locked)
    if not title.strip():
        raise ValidationError(
            {"title": ValidationError(_("Give the item a title."), code="required")}
        )
    last = locked.items.order_by("-order").values_list("order", flat=True).first() or 0
    item = AgendaItem.objects.create(
        meeting=locked,
        order=last + 1,
        title=title.strip(),
        presenter=presenter.strip(),
        confidential=confidential,
    )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=locked,
        changes={"agenda": [None, item.title], "confidential": confidential},
    )
    return item


def local_now() -> dt.datetime:
    return timezone.localtime()
