"""Creating and changing meetings, their status and their agenda.

Every service locks the meeting row, checks the right (`access.may_manage`), refuses with a
coded ValidationError changing nothing, and records an audit event. Doing the same thing
twice is harmless: a second identical create returns the first meeting, starting a
meeting in progress or closing a closed one changes nothing.
"""

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
from capuyso.search.index import index_object

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
def meeting_create(
    *, actor, committee, unit: Unit | None, add_to_calendar: bool = False, **fields
) -> Meeting:
    """A planned meeting. With `add_to_calendar` (a committee-level meeting, by a
    committee-wide manager) it also gets an unpublished line in the work calendar."""
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
    if add_to_calendar:
        _check_calendar(actor, meeting)
    same = _same_meeting(meeting)
    if same is not None:  # a double submit: the meeting is already there
        return same
    meeting.save()
    index_object(meeting)
    audit_record(actor=actor, verb=Verb.CREATE, obj=meeting)
    if add_to_calendar:
        _add_to_calendar(actor, meeting)
    return meeting


def _same_meeting(meeting: Meeting) -> Meeting | None:
    if meeting.created_by is None:
        return None
    return (
        Meeting.objects.filter(
            committee_id=meeting.committee_id,
            unit=meeting.unit,
            kind=meeting.kind,
            title=meeting.title,
            starts_at=meeting.starts_at,
            created_by=meeting.created_by,
        )
        .exclude(status=Meeting.Status.CANCELLED)
        .first()
    )


def _check_calendar(actor, meeting: Meeting) -> None:
    from capuyso.meetings.services.calendar import may_manage_calendar

    if meeting.kind in Meeting.CELL_KINDS:
        raise ValidationError(
            {
                "add_to_calendar": ValidationError(
                    _("Only meetings of the committee go into its work calendar."),
                    code="calendar_cell_meeting",
                )
            }
        )
    if not may_manage_calendar(actor, meeting.committee):
        raise PermissionDenied


def _add_to_calendar(actor, meeting: Meeting) -> None:
    from capuyso.meetings.services.calendar import calendar_entry_create

    calendar_entry_create(
        actor=actor,
        committee=meeting.committee,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        title=meeting.title,
        place=meeting.place or _("Online"),
        preparing=meeting.unit.name if meeting.unit_id else "",
        leaders=[u for u in (meeting.chair,) if u is not None],
        meeting=meeting,
    )


def _locked(meeting: Meeting) -> Meeting:
    # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the join to `unit`.
    return Meeting.objects.select_for_update(of=("self",)).select_related("unit").get(pk=meeting.pk)


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
    index_object(locked)
    if {"starts_at", "ends_at", "title", "place", "mode"} & set(fields):
        from capuyso.meetings.services.calendar import calendar_sync_meeting

        calendar_sync_meeting(meeting=locked)
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
    if locked.status == Meeting.Status.CANCELLED:
        return locked  # cancelled already: a second click
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
    same = locked.items.filter(title=title.strip()).first()
    if same is not None:  # a double submit: the item is on the agenda already
        return same
    last = locked.items.order_by("-order").values_list("order", flat=True).first() or 0
    item = AgendaItem.objects.create(
        meeting=locked,
        order=last + 1,
        title=title.strip(),
        presenter=presenter.strip(),
        confidential=confidential,
    )
    index_object(locked)
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=locked,
        changes={"agenda": [None, item.title], "confidential": confidential},
    )
    return item


def _agenda_locked(item: AgendaItem) -> tuple[Meeting, AgendaItem]:
    """The item's meeting locked (the agenda's order changes under that lock), then the
    item read again; 404-like DoesNotExist when the item was removed meanwhile."""
    meeting = _locked(item.meeting)
    return meeting, AgendaItem.objects.get(pk=item.pk, meeting=meeting)


@transaction.atomic
def agenda_item_update(
    *,
    actor,
    item: AgendaItem,
    title: str,
    presenter: str = "",
    confidential: bool = False,
    notes: str | None = None,
) -> AgendaItem:
    meeting, locked = _agenda_locked(item)
    if not may_manage(actor, meeting):
        raise PermissionDenied
    check_not_held(meeting)
    if not title.strip():
        raise ValidationError(
            {"title": ValidationError(_("Give the item a title."), code="required")}
        )
    values = {"title": title.strip(), "presenter": presenter.strip(), "confidential": confidential}
    if notes is not None:
        values["notes"] = notes.strip()
    changes = {
        name: [getattr(locked, name), value]
        for name, value in values.items()
        if getattr(locked, name) != value
    }
    if not changes:
        return locked
    for name, value in values.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*values, "updated_at"])
    index_object(meeting)
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=meeting,
        changes={"agenda_item": str(locked.code), **changes},
    )
    return locked


def _renumber(meeting: Meeting) -> list[AgendaItem]:
    items = list(meeting.items.order_by("order", "pk"))
    changed = []
    for number, each in enumerate(items, start=1):
        if each.order != number:
            each.order = number
            changed.append(each)
    if changed:
        AgendaItem.objects.bulk_update(changed, ["order"])
    return items


@transaction.atomic
def agenda_item_move(*, actor, item: AgendaItem, direction: str) -> AgendaItem:
    """Swap the item with the one above ("up") or below ("down"); at the top or the bottom
    already, nothing changes."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move the item up or down."), code="direction")
    meeting, locked = _agenda_locked(item)
    if not may_manage(actor, meeting):
        raise PermissionDenied
    check_not_held(meeting)
    items = _renumber(meeting)
    index = next(i for i, each in enumerate(items) if each.pk == locked.pk)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(items):
        return items[index]
    mine, theirs = items[index], items[other]
    mine.order, theirs.order = theirs.order, mine.order
    AgendaItem.objects.bulk_update([mine, theirs], ["order"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=meeting,
        changes={"agenda_item": str(mine.code), "order": [theirs.order, mine.order]},
    )
    return mine


@transaction.atomic
def agenda_item_remove(*, actor, item: AgendaItem) -> None:
    """Remove an item without documents or votes (those stay with the meeting's record);
    the items below move up. Removing an item removed already does nothing."""
    try:
        meeting, locked = _agenda_locked(item)
    except AgendaItem.DoesNotExist:
        return
    if not may_manage(actor, meeting):
        raise PermissionDenied
    check_not_held(meeting)
    if locked.documents.exists():
        raise ValidationError(
            _("This item has documents; remove its documents first."), code="item_has_documents"
        )
    if locked.votes.exists():
        raise ValidationError(
            _("This item has votes; it stays on the agenda."), code="item_has_votes"
        )
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=meeting,
        changes={"agenda": [locked.title, None], "agenda_item": str(locked.code)},
    )
    locked.delete()
    _renumber(meeting)
    index_object(meeting)


# --- Status: start and close -------------------------------------------------------------


@transaction.atomic
def meeting_start(*, actor, meeting: Meeting) -> Meeting:
    """The meeting opens (in progress from now). Not before its day; starting a meeting in
    progress already changes nothing."""
    locked = _locked(meeting)
    if not may_manage(actor, locked):
        raise PermissionDenied
    if locked.status == Meeting.Status.IN_PROGRESS:
        return locked
    check_not_held(locked)
    now = timezone.now()
    if timezone.localdate(locked.starts_at) > timezone.localdate(now):
        raise ValidationError(
            _("The meeting is planned for %(day)s; it can be opened from that day.")
            % {"day": timezone.localtime(locked.starts_at).strftime("%d/%m/%Y")},
            code="too_early",
        )
    before = locked.status
    locked.status = Meeting.Status.IN_PROGRESS
    locked.opened_at = now
    locked.version += 1
    locked.save(update_fields=["status", "opened_at", "version", "updated_at"])
    audit_record(
        actor=actor, verb=Verb.UPDATE, obj=locked, changes={"status": [before, locked.status]}
    )
    return locked


@transaction.atomic
def meeting_close(*, actor, meeting: Meeting) -> Meeting:
    """The meeting ends: held. Only a meeting in progress closes; closing it twice changes
    nothing."""
    locked = _locked(meeting)
    if not may_manage(actor, locked):
        raise PermissionDenied
    if locked.status == Meeting.Status.CLOSED:
        return locked
    check_not_held(locked)
    if locked.status != Meeting.Status.IN_PROGRESS:
        raise ValidationError(_("Open the meeting before closing it."), code="not_in_progress")
    locked.status = Meeting.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "closed_at", "version", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=locked,
        changes={"status": [Meeting.Status.IN_PROGRESS, locked.status]},
    )
    return locked


def local_now() -> dt.datetime:
    return timezone.localtime()
