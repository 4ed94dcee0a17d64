"""Working days: weekends and Vietnamese public holidays excluded.

Holidays come from the maintained `holidays` package (Tết follows the lunar calendar, and
announced swapped days are included as it publishes them); `CalendarDay` rows correct it
where the government announces something the package does not have yet (an extra day off,
or a Saturday made a working day). Deadlines in working days count from the day after the
starting date, as administrative deadlines do.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from capuyso.org.models import CalendarDay


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def public_holidays(year: int) -> list[tuple[dt.date, str]]:
    """The year's public holidays with their (Vietnamese) names, in date order."""
    return sorted(holidays.country_holidays("VN", years=year).items())


class WorkCalendar:
    """The calendar of one committee over a span of years, loaded once (one query)."""

    def __init__(self, committee=None, *, first_year: int, last_year: int):
        self.committee_id = getattr(committee, "pk", committee)
        self.first_year, self.last_year = first_year, last_year
        rows = CalendarDay.objects.filter(
            date__year__gte=first_year, date__year__lte=last_year
        ).filter(committee__isnull=True)
        overrides = {row.date: row.is_working_day for row in rows}
        if self.committee_id is not None:
            own = CalendarDay.objects.filter(
                committee_id=self.committee_id,
                date__year__gte=first_year,
                date__year__lte=last_year,
            )
            overrides.update({row.date: row.is_working_day for row in own})
        self.overrides = overrides

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.weekday() >= 5:
            return False
        return day not in _public_holidays(day.year)

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The date on which `count` working days after `start` have passed."""
        day = start
        remaining = count
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def calendar_for(committee=None, *, around: dt.date, years_after: int = 1) -> WorkCalendar:
    return WorkCalendar(committee, first_year=around.year - 1, last_year=around.year + years_after)


def add_working_days(start: dt.date, count: int, *, committee=None) -> dt.date:
    return calendar_for(committee, around=start).add_working_days(start, count)
