"""A cell's regular monthly meeting as a series, and the meetings it schedules.

`series_generate` is run daily (`capuyso meeting_series`) and when a series is created or
changed. For every series in force it plans the meeting of the current month and of the
next `months_ahead` months, on the series' day (days after the 28th fall back to the 28th,
so February has its meeting too) at its time and place. It is idempotent: a month in which
the series already has a meeting (even a cancelled one: cancelling is a decision, not a
gap to refill) or in which the cell already planned its regular meeting by hand gets
nothing; a day already past gets nothing either. Each series is handled under a lock on its
row, so two runs at once still plan each month once.

Changing a series changes the meetings it plans from then on; meetings already planned keep
their day and place (the secretary may have moved one by hand).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.core.months import add_months
from capuyso.meetings.access import may_manage_unit
from capuyso.meetings.models import Meeting, MeetingSeries
from capuyso.org.models import Unit
from capuyso.search.index import index_object

SERIES_FIELDS = ("title", "day_of_month", "time", "place", "starts_on", "ends_on")
LAST_SAFE_DAY = 28
MONTHS_AHEAD = 2


def month_bounds(first: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of the first of the month and of the next month, as aware datetimes."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first.replace(day=1), dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(add_months(first, 1), dt.time.min, tzinfo=tz)
    return start, end


def meeting_day(series: MeetingSeries, month: dt.date) -> dt.date:
    return month.replace(day=min(series.day_of_month, LAST_SAFE_DAY))


def _check(series: MeetingSeries) -> None:
    errors = {}
    unit = series.unit if series.unit_id else None
    if unit is None or unit.kind != Unit.Kind.CELL:
        errors["unit"] = ValidationError(
            _("A regular meeting is held by a cell; choose the cell."), code="cell_required"
        )
    elif unit.committee_id != series.committee_id:
        errors["unit"] = ValidationError(
            _("This cell belongs to another committee."), code="unit_other_committee"
        )
    if not series.title.strip():
        errors["title"] = ValidationError(_("Give the meeting a title."), code="required")
    if not series.place.strip():
        errors["place"] = ValidationError(_("Give the place of the meeting."), code="required")
    if not 1 <= (series.day_of_month or 0) <= 31:
        errors["day_of_month"] = ValidationError(
            _("Choose a day of the month from 1 to 31."), code="day_of_month"
        )
    if series.ends_on is not None and series.starts_on and series.ends_on < series.starts_on:
        errors["ends_on"] = ValidationError(
            _("The series must end after it starts."), code="ends_before_start"
        )
    if not errors and unit is not None:
        others = MeetingSeries.objects.filter(unit=unit, kind=series.kind).exclude(pk=series.pk)
        if series.ends_on is not None:
            others = others.filter(starts_on__lte=series.ends_on)
        others = others.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=series.starts_on))
        if others.exists():
            errors["starts_on"] = ValidationError(
                _(
                    "This cell already has a regular meeting series in these months; "
                    "change that one or end it first."
                ),
                code="series_overlap",
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def series_create(
    *,
    actor,
    committee,
    unit: Unit | None,
    title: str,
    day_of_month: int,
    time: dt.time,
    place: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    today: dt.date | None = None,
) -> MeetingSeries:
    """A cell's regular monthly meeting; the meetings of the coming months are planned at
    once. Submitting the same series twice returns the first."""
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
    series = MeetingSeries(
        committee=committee,
        unit=unit,
        kind=Meeting.Kind.CELL_REGULAR,
        title=(title or "").strip(),
        day_of_month=day_of_month,
        time=time,
        place=(place or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    same = MeetingSeries.objects.filter(
        committee=committee,
        unit=unit,
        kind=series.kind,
        title=series.title,
        day_of_month=day_of_month,
        time=time,
        starts_on=starts_on,
    ).first()
    if same is not None:  # a double submit
        return same
    _check(series)
    series.save()
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=series,
        changes={name: [None, str(getattr(series, name))] for name in SERIES_FIELDS},
    )
    series_generate(series=series, today=today)
    return series


@transaction.atomic
def series_update(
    *, actor, series: MeetingSeries, today: dt.date | None = None, **fields
) -> MeetingSeries:
    # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    locked = (
        MeetingSeries.objects.select_for_update(of=("self",))
        .select_related("unit")
        .get(pk=series.pk)
    )
    if not may_manage_unit(actor, locked.committee, locked.unit):
        raise PermissionDenied
    before = {name: str(getattr(locked, name)) for name in fields}
    for name, value in fields.items():
        if name not in SERIES_FIELDS:
            raise ValueError(name)
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    _check(locked)
    locked.save()
    changes = {
        name: [before[name], str(getattr(locked, name))]
        for name in fields
        if before[name] != str(getattr(locked, name))
    }
    if changes:
        audit_record(actor=actor, verb=Verb.UPDATE, obj=locked, changes=changes)
        series_generate(series=locked, today=today)
    return locked


def series_in_force(today: dt.date):
    return MeetingSeries.objects.filter(starts_on__lte=add_months(today, MONTHS_AHEAD + 1)).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )


def series_generate(
    *,
    series: MeetingSeries | None = None,
    committee=None,
    today: dt.date | None = None,
    months_ahead: int = MONTHS_AHEAD,
) -> dict:
    """Plan the missing meetings of every series in force (or of one series, or of one
    committee's); {"series": …, "created": …, "skipped": …}."""
    today = today or timezone.localdate()
    chosen = series_in_force(today).select_related("unit", "committee")
    if series is not None:
        chosen = chosen.filter(pk=series.pk)
    if committee is not None:
        chosen = chosen.filter(committee=committee)
    counts = {"series": 0, "created": 0, "skipped": 0}
    for each in chosen.order_by("pk").iterator():
        counts["series"] += 1
        created, skipped = _generate_one(each.pk, today, months_ahead)
        counts["created"] += created
        counts["skipped"] += skipped
    return counts


@transaction.atomic
def _generate_one(series_pk: int, today: dt.date, months_ahead: int) -> tuple[int, int]:
    series = (
        MeetingSeries.objects.select_for_update(of=("self",))
        .select_related("unit", "committee")
        .get(pk=series_pk)
    )
    unit = series.unit
    if unit is None or not series.committee.is_active:
        return 0, 0
    created = skipped = 0
    first = today.replace(day=1)
    for offset in range(months_ahead + 1):
        month = add_months(first, offset)
        day = meeting_day(series, month)
        if day < today or day < series.starts_on:
            continue
        if series.ends_on is not None and day > series.ends_on:
            continue
        if unit.dissolved_on is not None and day >= unit.dissolved_on:
            continue
        start, end = month_bounds(month)
        in_month = Meeting.objects.filter(starts_at__gte=start, starts_at__lt=end)
        if (
            in_month.filter(series=series).exists()
            or in_month.filter(unit=unit, kind=series.kind)
            .exclude(status=Meeting.Status.CANCELLED)
            .exists()
        ):
            skipped += 1
            continue
        _plan(series, day)
        created += 1
    return created, skipped


def _plan(series: MeetingSeries, day: dt.date) -> Meeting:
    from capuyso.meetings.services.meetings import _check as check_meeting

    starts_at = dt.datetime.combine(day, series.time, tzinfo=timezone.get_current_timezone())
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(title)s, month %(month)s/%(year)s") % {
            "title": series.title,
            "month": day.month,
            "year": day.year,
        }
    meeting = Meeting(
        committee=series.committee,
        unit=series.unit,
        kind=series.kind,
        title=title[:255],
        starts_at=starts_at,
        place=series.place,
        mode=Meeting.Mode.IN_PERSON,
        status=Meeting.Status.PLANNED,
        series=series,
    )
    check_meeting(meeting)
    meeting.save()
    index_object(meeting)
    audit_record(
        actor=None,
        verb=Verb.CREATE,
        obj=meeting,
        committee=series.committee,
        changes={"series": str(series.code), "starts_at": [None, str(starts_at)]},
    )
    return meeting
