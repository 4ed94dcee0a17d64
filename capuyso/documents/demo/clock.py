"""Office hours in the local time zone: work moves on only while the office is open."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

PERIODS = ((dt.time(7, 30), dt.time(11, 30)), (dt.time(13, 30), dt.time(17, 0)))
DAY_MINUTES = 450
# Days off besides weekends: fixed public holidays, plus the lunar ones of years we know
# (2026: Tết 14–22/02, Giỗ Tổ observed on Monday 27/04). Other years skip them.
MOVABLE_HOLIDAYS = {
    2026: [dt.date(2026, 2, 14) + dt.timedelta(days=i) for i in range(9)] + [dt.date(2026, 4, 27)],
}


class WorkClock:
    """Moves through office hours in the local time zone."""

    def __init__(self):
        self.tz = timezone.get_current_timezone()

    def workday(self, day: dt.date) -> bool:
        fixed = {(1, 1), (4, 30), (5, 1), (9, 1), (9, 2)}
        return (
            day.weekday() < 5
            and (day.month, day.day) not in fixed
            and day not in MOVABLE_HOLIDAYS.get(day.year, ())
        )

    def periods(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if not self.workday(day):
            return []
        return [
            (dt.datetime.combine(day, a, self.tz), dt.datetime.combine(day, b, self.tz))
            for a, b in PERIODS
        ]

    def forward(self, t: dt.datetime, minutes: float) -> dt.datetime:
        """`t` plus `minutes` of office time (0 moves to the next office moment)."""
        day = timezone.localtime(t, self.tz).date()
        while True:
            for start, end in self.periods(day):
                if end <= t:
                    continue
                t = max(t, start)
                room = (end - t).total_seconds() / 60
                if minutes <= room:
                    return t + dt.timedelta(minutes=minutes)
                minutes -= room
                t = end
            day += dt.timedelta(days=1)

    def backward(self, t: dt.datetime, minutes: float) -> dt.datetime:
        """`t` minus `minutes` of office time (0 gives the last office moment ≤ t)."""
        day = timezone.localtime(t, self.tz).date()
        while True:
            for start, end in reversed(self.periods(day)):
                if start >= t:
                    continue
                t = min(t, end)
                room = (t - start).total_seconds() / 60
                if minutes <= room:
                    return t - dt.timedelta(minutes=minutes)
                minutes -= room
                t = start
            day -= dt.timedelta(days=1)

    def morning(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0, 0), self.tz)
