"""The committee's weekly work calendar (lịch công tác): entries, and publishing a week.

Only committee-wide MEETINGS_MANAGE holders (the committee's leaders and its clerk) write
the calendar. An entry is seen by the managers from the moment it is written and by every
signed-in user of the committee once its week is published (selectors.calendar_entries).

Submitting the same entry twice is harmless: an identical entry (same start, work and
place) already in the calendar is returned instead of a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record
from capuyso.meetings.models import CalendarEntry, Meeting

ENTRY_FIELDS = ("starts_at", "ends_at", "title", "place", "preparing")


def may_manage_calendar(user, committee) -> bool:
    access = access_for(user)
    return access.committee_id == committee.pk and access.committee_wide(Action.MEETINGS_MANAGE)


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def week_bounds(monday: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of the Monday and of the next Monday, as aware datetimes."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time.min, tzinfo=tz)
    return start, end


def _check(entry: CalendarEntry, leaders: Iterable | None) -> None:
    errors = {}
    if not entry.title.strip():
        errors["title"] = ValidationError(_("Say what the work is."), code="required")
    if entry.starts_at is None:
        errors["starts_at"] = ValidationError(_("Give the day and the time."), code="required")
    elif entry.ends_at is not None and entry.ends_at <= entry.starts_at:
        errors["ends_at"] = ValidationError(
            _("The work must end after it starts."), code="ends_before_start"
        )
    if leaders is not None and any(u.committee_id != entry.committee_id for u in leaders):
        errors["leaders"] = ValidationError(
            _("Choose leaders of this committee."), code="leader_other_committee"
        )
    if entry.meeting_id and entry.meeting.committee_id != entry.committee_id:
        errors["meeting"] = ValidationError(
            _("This meeting belongs to another committee."), code="meeting_other_committee"
        )
    if errors:
        raise ValidationError(errors)


def _leader_ids(entry: CalendarEntry) -> list[int]:
    return sorted(entry.leaders.values_list("pk", flat=True))


@transaction.atomic
def calendar_entry_create(
    *,
    actor,
    committee,
    starts_at: dt.datetime,
    title: str,
    ends_at: dt.datetime | None = None,
    place: str = "",
    preparing: str = "",
    leaders: Iterable = (),
    meeting: Meeting | None = None,
    is_published: bool = False,
) -> CalendarEntry:
    if not may_manage_calendar(actor, committee):
        raise PermissionDenied
    leaders = list(leaders)
    entry = CalendarEntry(
        committee=committee,
        starts_at=starts_at,
        ends_at=ends_at,
        title=(title or "").strip(),
        place=(place or "").strip(),
        preparing=(preparing or "").strip(),
        meeting=meeting,
        is_published=is_published,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _check(entry, leaders)
    same = CalendarEntry.objects.filter(
        committee=committee, starts_at=starts_at, title=entry.title, place=entry.place
    ).first()
    if same is not None:  # a double submit: the entry is already there
        return same
    entry.save()
    entry.leaders.set(leaders)
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=entry,
        changes={
            "starts_at": [None, str(starts_at)],
            "leaders": [None, [u.pk for u in leaders]],
            "meeting": [None, str(meeting.code) if meeting else None],
        },
    )
    return entry


def _locked(entry: CalendarEntry) -> CalendarEntry:
    return (
        CalendarEntry.objects.select_for_update(of=("self",))
        .select_related("committee", "meeting")
        .get(pk=entry.pk)
    )


@transaction.atomic
def calendar_entry_update(
    *, actor, entry: CalendarEntry, leaders: Iterable | None = None, **fields
) -> CalendarEntry:
    locked = _locked(entry)
    if not may_manage_calendar(actor, locked.committee):
        raise PermissionDenied
    before = {name: str(getattr(locked, name)) for name in fields}
    for name, value in fields.items():
        if name not in ENTRY_FIELDS:
            raise ValueError(name)
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    leaders = list(leaders) if leaders is not None else None
    _check(locked, leaders)
    locked.save()
    changes = {
        name: [before[name], str(getattr(locked, name))]
        for name in fields
        if before[name] != str(getattr(locked, name))
    }
    if leaders is not None:
        old = _leader_ids(locked)
        new = sorted(u.pk for u in leaders)
        if old != new:
            locked.leaders.set(leaders)
            changes["leaders"] = [old, new]
    if changes:
        audit_record(actor=actor, verb=Verb.UPDATE, obj=locked, changes=changes)
    return locked


@transaction.atomic
def calendar_entry_delete(*, actor, entry: CalendarEntry) -> None:
    try:
        locked = _locked(entry)
    except CalendarEntry.DoesNotExist:
        return  # deleted already: a second click
    if not may_manage_calendar(actor, locked.committee):
        raise PermissionDenied
    audit_record(
        actor=actor,
        verb=Verb.DELETE,
        obj=locked,
        changes={"starts_at": [str(locked.starts_at), None], "title": [locked.title, None]},
    )
    locked.delete()


@transaction.atomic
def calendar_week_publish(*, actor, committee, monday: dt.date, publish: bool = True) -> int:
    """Publish (or withdraw) every entry of the week starting on `monday`; the number of
    entries that changed (0 when done already)."""
    if not may_manage_calendar(actor, committee):
        raise PermissionDenied
    monday = week_start(monday)
    start, end = week_bounds(monday)
    changed = CalendarEntry.objects.filter(
        committee=committee, starts_at__gte=start, starts_at__lt=end
    ).exclude(is_published=publish)
    count = changed.update(is_published=publish, updated_at=timezone.now())
    if count:
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            committee=committee,
            object_type="meetings.calendarweek",
            object_id=monday.isoformat(),
            object_label=_("Work calendar of the week of %(day)s")
            % {"day": monday.strftime("%d/%m/%Y")},
            changes={"published": [not publish, publish], "entries": count},
        )
    return count


def calendar_entries_for_meeting(meeting: Meeting):
    return CalendarEntry.objects.filter(meeting=meeting)


def calendar_sync_meeting(*, meeting: Meeting) -> int:
    """Carry a meeting's new time, place and title to its calendar entries (called inside
    the meeting's own transaction)."""
    count = 0
    for entry in calendar_entries_for_meeting(meeting).select_for_update():
        entry.starts_at = meeting.starts_at
        entry.ends_at = meeting.ends_at
        entry.title = meeting.title
        entry.place = meeting.place or (
            _("Online") if meeting.mode == Meeting.Mode.ONLINE else entry.place
        )
        entry.save(update_fields=["starts_at", "ends_at", "title", "place", "updated_at"])
        count += 1
    return count
