"""Reads for the meeting pages and the work calendar, already scoped to the acting user.

The doors (`get_…_for_user`) give 404 outside the user's committee and 403 without the
right; the lists only ever hold what the user may open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from capuyso.accounts.models import User
from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import COMMITTEE_WIDE_ROLES, LEADER_ROLES, Action, Role
from capuyso.meetings.access import get_meeting_for_user, meetings_for_user
from capuyso.meetings.models import AgendaItem, CalendarEntry, Meeting, MeetingSeries
from capuyso.meetings.services.calendar import may_manage_calendar, week_bounds
from capuyso.meetings.services.series import add_months, month_bounds
from capuyso.org.models import Committee, Position, Unit
from capuyso.org.selectors import path_filter, units_for_user

COMMITTEE = "committee"  # the unit filter's value for meetings of the committee itself


# --- The work calendar -----------------------------------------------------------------


def calendar_committee(user) -> Committee:
    """The committee whose calendar the user reads: their own (any signed-in user of it)."""
    access = access_for(user)
    if access.committee_id is None:
        raise PermissionDenied
    return user.committee


def calendar_entries(user, start: dt.datetime, end: dt.datetime) -> QuerySet[CalendarEntry]:
    """Entries of the user's committee starting in [start, end): every entry for the
    calendar's managers, the published ones for everyone else."""
    committee = calendar_committee(user)
    entries = CalendarEntry.objects.filter(
        committee=committee, starts_at__gte=start, starts_at__lt=end
    )
    if not may_manage_calendar(user, committee):
        entries = entries.filter(is_published=True)
    return (
        entries.select_related("meeting")
        .prefetch_related(Prefetch("leaders", queryset=User.objects.only("pk", "full_name")))
        .order_by("starts_at", "pk")
    )


def published_entries(committee, start: dt.datetime, end: dt.datetime) -> QuerySet[CalendarEntry]:
    """The published entries, for the PDF and the iCalendar file."""
    return (
        CalendarEntry.objects.filter(
            committee=committee, starts_at__gte=start, starts_at__lt=end, is_published=True
        )
        .select_related("meeting")
        .prefetch_related(Prefetch("leaders", queryset=User.objects.only("pk", "full_name")))
        .order_by("starts_at", "pk")
    )


@dataclass
class CalendarDay:
    day: dt.date
    entries: list[CalendarEntry]


def calendar_week(user, monday: dt.date) -> list[CalendarDay]:
    """Monday to Sunday, each day with its entries in time order."""
    start, end = week_bounds(monday)
    days = [CalendarDay(monday + dt.timedelta(days=i), []) for i in range(7)]
    for entry in calendar_entries(user, start, end):
        index = (timezone.localdate(entry.starts_at) - monday).days
        days[index].entries.append(entry)
    return days


def get_calendar_entry_for_user(user, code) -> CalendarEntry:
    """An entry to change: 404 outside the committee (and for an unpublished entry to whoever
    may not see it), 403 for a reader who is not a manager."""
    access = access_for(user)
    try:
        entry = CalendarEntry.objects.select_related("committee", "meeting").get(
            code=code, committee_id=access.committee_id
        )
    except (CalendarEntry.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    if not may_manage_calendar(user, entry.committee):
        if not entry.is_published:
            raise Http404
        raise PermissionDenied
    return entry


def leader_choices(committee) -> QuerySet[User]:
    """Who leads work on the calendar: the committee's secretaries, standing committee and
    committee members, by their positions today."""
    today = timezone.localdate()
    roles = LEADER_ROLES | {Role.COMMITTEE_MEMBER}
    holders = Position.objects.filter(
        committee=committee, role__in=roles, start_date__lte=today
    ).exclude(end_date__lt=today)
    return (
        User.objects.filter(committee=committee, is_active=True, pk__in=holders.values("user_id"))
        .only("pk", "full_name")
        .order_by("full_name", "pk")
    )


# --- Meetings --------------------------------------------------------------------------


@dataclass
class MeetingFilters:
    unit: str = ""  # a unit code, or COMMITTEE
    kind: str = ""
    month: str = ""  # YYYY-MM

    @classmethod
    def from_query(cls, query) -> MeetingFilters:
        kind = query.get("kind", "")
        month = query.get("month", "")
        return cls(
            unit=query.get("unit", "").strip(),
            kind=kind if kind in Meeting.Kind.values else "",
            month=month if parse_month(month) else "",
        )


def parse_month(text: str) -> dt.date | None:
    """'2026-03' -> 1 March 2026; None for anything else."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return dt.date(year, month, 1) if 2000 <= year <= 2100 else None
    except ValueError:
        return None


def meeting_list(user, filters: MeetingFilters, unit: Unit | None = None) -> QuerySet[Meeting]:
    """The meetings the user may see, upcoming first (soonest first), then the past ones
    (latest first). A meeting in progress counts as upcoming."""
    meetings = meetings_for_user(user)
    if filters.unit == COMMITTEE:
        meetings = meetings.filter(Q(unit__isnull=True) | Q(unit__kind__in=Unit.ORGAN_KINDS))
    elif unit is not None:
        meetings = meetings.filter(unit=unit)
    if filters.kind:
        meetings = meetings.filter(kind=filters.kind)
    if month := parse_month(filters.month):
        start, end = month_bounds(month)
        meetings = meetings.filter(starts_at__gte=start, starts_at__lt=end)
    today = dt.datetime.combine(
        timezone.localdate(), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    upcoming = Q(starts_at__gte=today) | Q(status=Meeting.Status.IN_PROGRESS)
    return meetings.annotate(
        is_past=Case(When(upcoming, then=Value(0)), default=Value(1), output_field=IntegerField()),
        upcoming_at=Case(When(upcoming, then=F("starts_at")), default=None),
        past_at=Case(When(upcoming, then=None), default=F("starts_at")),
    ).order_by(
        "is_past", F("upcoming_at").asc(nulls_last=True), F("past_at").desc(nulls_last=True), "pk"
    )


def unit_filter_choices(user) -> list[Unit]:
    """Cells and organs whose meetings the user may see, for the list's filter."""
    kinds = (Unit.Kind.CELL, Unit.Kind.PARTY_GROUP, *Unit.ORGAN_KINDS)
    return list(
        units_for_user(user, Action.MEETINGS_VIEW)
        .filter(kind__in=kinds, dissolved_on__isnull=True)
        .only("code", "name", "kind")
        .order_by("kind", "sort_order", "name")
    )


def manageable_units(user) -> tuple[bool, list[Unit]]:
    """(may organise meetings of the committee itself, the cells and organs the user may
    organise meetings of) — the choices of the meeting form."""
    access = access_for(user)
    if access.committee_id is None:
        return False, []
    wide = access.committee_wide(Action.MEETINGS_MANAGE)
    units = Unit.objects.filter(committee_id=access.committee_id, dissolved_on__isnull=True)
    if wide:
        units = units.filter(kind__in=(Unit.Kind.CELL, Unit.Kind.PARTY_GROUP, *Unit.ORGAN_KINDS))
    else:
        paths = access.unit_paths(Action.MEETINGS_MANAGE)
        if not paths:
            return False, []
        units = units.filter(path_filter(paths), kind__in=(Unit.Kind.CELL, Unit.Kind.PARTY_GROUP))
    return wide, list(units.only("code", "name", "kind", "path").order_by("kind", "name"))


def person_choices(user) -> QuerySet[User]:
    """Who may chair or take the minutes of a meeting the user organises: the committee's
    leaders for a committee-wide organiser, and whoever holds a position in the organiser's
    cells."""
    access = access_for(user)
    today = timezone.localdate()
    positions = Position.objects.filter(
        committee_id=access.committee_id, start_date__lte=today
    ).exclude(end_date__lt=today)
    if access.committee_wide(Action.MEETINGS_MANAGE):
        positions = positions.filter(
            Q(role__in=COMMITTEE_WIDE_ROLES - {Role.TENANT_ADMIN, Role.CITY_VIEWER})
            | Q(role__in=(Role.CELL_SECRETARY, Role.CELL_DEPUTY_SECRETARY))
        )
    else:
        paths = access.unit_paths(Action.MEETINGS_MANAGE)
        positions = positions.filter(path_filter(paths, "unit__path"))
    return (
        User.objects.filter(
            committee_id=access.committee_id, is_active=True, pk__in=positions.values("user_id")
        )
        .only("pk", "full_name", "username")
        .order_by("full_name", "pk")
    )


def meeting_agenda(meeting: Meeting, *, documents: bool = False) -> list[AgendaItem]:
    """The agenda in order; with `documents`, each item's documents prefetched (the
    meeting page's documents panel reads them from the same list)."""
    items = meeting.items.order_by("order", "pk")
    if documents:
        from capuyso.meetings.models import MeetingDocument

        items = items.prefetch_related(
            Prefetch(
                "documents",
                queryset=MeetingDocument.objects.select_related("file").order_by("created_at"),
            )
        )
    return list(items)


def get_agenda_item_for_user(user, code) -> AgendaItem:
    """An agenda item to change, through its meeting's door (manage)."""
    access = access_for(user)
    try:
        item = AgendaItem.objects.select_related("meeting").get(
            code=code, meeting__committee_id=access.committee_id
        )
    except (AgendaItem.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    meeting = get_meeting_for_user(user, item.meeting.code, manage=True)
    item.meeting = meeting
    return item


# --- Series ----------------------------------------------------------------------------


def series_for_user(user) -> QuerySet[MeetingSeries]:
    """The series of the cells whose meetings the user organises."""
    access = access_for(user)
    if access.committee_id is None:
        return MeetingSeries.objects.none()
    series = MeetingSeries.objects.filter(committee_id=access.committee_id)
    if not access.committee_wide(Action.MEETINGS_MANAGE):
        paths = access.unit_paths(Action.MEETINGS_MANAGE)
        series = series.filter(path_filter(paths, "unit__path"))
    return series.select_related("unit").order_by("unit__name", "starts_on", "pk")


def get_series_for_user(user, code) -> MeetingSeries:
    access = access_for(user)
    try:
        series = MeetingSeries.objects.select_related("unit", "committee").get(
            code=code, committee_id=access.committee_id
        )
    except (MeetingSeries.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    path = series.unit.path if series.unit_id else None
    if not access.can(Action.MEETINGS_MANAGE, committee_id=series.committee_id, unit_path=path):
        raise PermissionDenied
    return series


# --- Cells that held no regular meeting ------------------------------------------------


def cells_without_regular_meeting(committee_or_user, month: dt.date) -> QuerySet[Unit]:
    """The cells that held no regular meeting in the calendar month of `month`.

    "Held" means a `cell_regular` meeting of the cell, starting in that month (local time),
    whose status is closed (Meeting.Status.CLOSED, "Held"): the secretary opened and closed
    it, so it has its attendance and minutes. A meeting still planned, in progress at the
    month's end or cancelled does not count, so a meeting that took place but was never
    closed on the platform flags its cell until someone closes it. Thematic and party
    group meetings do not replace the regular one.

    Cells counted are those active in that month (established before its end, not dissolved
    before its start). Given a user, only the cells whose meetings they may see; given a
    committee, all its cells. Each cell carries `last_held_at` (its latest held regular
    meeting before the month's end, or None) and `planned_in_month` (a regular meeting
    planned in that month, not held nor cancelled).
    """
    start, end = month_bounds(month)
    if isinstance(committee_or_user, Committee):
        cells = Unit.objects.filter(committee=committee_or_user)
    else:
        cells = units_for_user(committee_or_user, Action.MEETINGS_VIEW)
    cells = cells.filter(kind=Unit.Kind.CELL).filter(
        Q(established_on__isnull=True) | Q(established_on__lt=end.date()),
        Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=start.date()),
    )
    regular = Meeting.objects.filter(unit=OuterRef("pk"), kind=Meeting.Kind.CELL_REGULAR)
    held = regular.filter(status=Meeting.Status.CLOSED)
    return (
        cells.annotate(
            held_in_month=Exists(held.filter(starts_at__gte=start, starts_at__lt=end)),
            last_held_at=Subquery(
                held.filter(starts_at__lt=end)
                .order_by()
                .values("unit")
                .annotate(last=Max("starts_at"))
                .values("last")
            ),
            planned_in_month=Exists(
                regular.filter(starts_at__gte=start, starts_at__lt=end).exclude(
                    status__in=(Meeting.Status.CLOSED, Meeting.Status.CANCELLED)
                )
            ),
        )
        .filter(held_in_month=False)
        .order_by("sort_order", "name")
    )


def month_choices(today: dt.date, back: int = 12) -> list[dt.date]:
    """The current month and the `back` months before it, latest first."""
    first = today.replace(day=1)
    return [add_months(first, -i) for i in range(back + 1)]
