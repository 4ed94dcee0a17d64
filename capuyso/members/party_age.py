"""Party age (tuổi đảng): the time since the admission decision, minus time outside the Party.

Conventions (rules.md §2; tested in tests/test_party_age.py):

- **Start.** Party age counts from the date in the admission decision (`admission_date`).
- **Periods outside the Party** (`Gap`) are half-open: `start` is the first day outside,
  `end` the day the member is back (re-admission or reception). A gap from 01/03/2000 to
  01/03/2002 takes 730 days off. Overlapping gaps are merged; days before the admission
  date never count.
- **Years, months, days** are the calendar difference between the admission date and the
  day the member would have reached had they never left (the day minus the days outside).
  On the anniversary the member has N years, 0 months, 0 days.
- **29 February.** In a year without 29/02, the anniversary of an admission on 29/02 falls
  on 28/02 — the rule of the Civil Code 2015, art. 148 (a term in years ends on the last
  day of the month when that month has no corresponding day). Months from a 31st end on
  the last day of a shorter month the same way. Admitted 29/02/1996: 30 years on
  28/02/2026, 32 years on 29/02/2028.
- **Milestone date.** `milestone_date(member, years)` is the first day the party age is at
  least `years`: the anniversary, pushed later day for day by every gap that starts before
  it. So `party_age(member, milestone_date(member, y)).years == y` and the day before has
  `y - 1`; the badge lists and the file page use the same functions.
- **Imprecise admission dates.** A date known to the month or year only is stored as the
  first day of that month/year (DatePrecision). Nothing is invented: the party age is
  `uncertain`, its years/months/days count from the earliest possible day, `min_years` from
  the latest; `milestone_span` gives the earliest and latest possible milestone days.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from capuyso.members.models import DatePrecision

Span = tuple[dt.date, dt.date]  # [start, end): days outside the Party


@dataclass(frozen=True)
class PartyAge:
    years: int
    months: int
    days: int
    total_days: int  # days counted as membership (gaps taken off)
    uncertain: bool = False  # admission date known to the month or year only
    min_years: int | None = None  # for an uncertain age: the fewest years it may be

    @property
    def years_range(self) -> tuple[int, int]:
        low = self.years if self.min_years is None else self.min_years
        return low, self.years


ZERO_AGE = PartyAge(0, 0, 0, 0)


# --- Calendar arithmetic ---------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus `months` calendar months; a day the target month lacks becomes its last
    day (31/01 + 1 month = 28/02 or 29/02)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if day.day <= 28:  # every month has it (the common case, and a hot path of the lists)
        return dt.date(year, month, day.day)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` plus `years`; 29/02 becomes 28/02 in a year without it (Civil Code art. 148)."""
    return add_months(day, 12 * years)


def calendar_difference(start: dt.date, end: dt.date) -> tuple[int, int, int]:
    """Whole years, months and days from `start` to `end` (end >= start), with the same
    month-end rule as add_months, so the difference on an anniversary is (N, 0, 0)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    days = (end - add_months(start, months)).days
    return months // 12, months % 12, days


def latest_possible(day: dt.date, precision: str) -> dt.date:
    """The last day an imprecise date may stand for (itself for a precise date)."""
    if precision == DatePrecision.YEAR:
        return dt.date(day.year, 12, 31)
    if precision == DatePrecision.MONTH:
        return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


# --- Gaps --------------------------------------------------------------------------------


def gap_spans(gaps: Iterable[Any]) -> list[Span]:
    """Gap rows (or (start, end) pairs) as sorted, merged half-open spans."""
    spans = sorted(
        (g.start, g.end) if hasattr(g, "start") else (g[0], g[1]) for g in gaps if g is not None
    )
    merged: list[list[dt.date]] = []
    for start, end in spans:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def days_outside(spans: list[Span], admission: dt.date, on: dt.date) -> int:
    """Days in [admission, on) spent outside the Party."""
    total = 0
    for start, end in spans:
        start = max(start, admission)
        end = min(end, on)
        if end > start:
            total += (end - start).days
    return total


def push_by_gaps(target: dt.date, admission: dt.date, spans: list[Span]) -> dt.date:
    """The day the membership clock reaches `target` once the gaps are added back: each gap
    that starts before the (moving) target pushes it by the gap's length."""
    for start, end in spans:
        start = max(start, admission)
        if end <= start:
            continue
        if start >= target:
            break
        target += end - start
    return target


def _spans_for(member, gaps) -> list[Span]:
    if gaps is None:
        gaps = member.gaps.all() if getattr(member, "pk", None) else ()
    return gap_spans(gaps)


# --- Party age and milestones ---------------------------------------------------------


def age_from(admission: dt.date, on: dt.date, spans: list[Span]) -> tuple[int, int, int, int]:
    """(years, months, days, total_days) of membership on `on` for a precise admission date."""
    if on < admission:
        return 0, 0, 0, 0
    reached = on - dt.timedelta(days=days_outside(spans, admission, on))
    years, months, days = calendar_difference(admission, reached)
    return years, months, days, (reached - admission).days


def party_age(member, on: dt.date, gaps=None) -> PartyAge:
    """The member's party age on `on`. `gaps` defaults to the member's recorded Gap rows;
    pass them (rows or (start, end) pairs) when they are already loaded."""
    spans = _spans_for(member, gaps)
    admission = member.admission_date
    precision = getattr(member, "admission_date_precision", DatePrecision.DAY)
    years, months, days, total = age_from(admission, on, spans)
    if precision == DatePrecision.DAY:
        return PartyAge(years, months, days, total)
    min_years = age_from(latest_possible(admission, precision), on, spans)[0]
    return PartyAge(years, months, days, total, uncertain=True, min_years=min_years)


def milestone_from(admission: dt.date, years: int, spans: list[Span]) -> dt.date:
    return push_by_gaps(add_years(admission, years), admission, spans)


def milestone_date(member, years: int, gaps=None) -> dt.date:
    """The first day the member's party age is at least `years`. For an imprecise admission
    date this is the earliest possible day: use `milestone_span` to know the latest."""
    return milestone_from(member.admission_date, years, _spans_for(member, gaps))


def milestone_span(member, years: int, gaps=None) -> tuple[dt.date, dt.date]:
    """Earliest and latest possible milestone days (the same day for a precise date)."""
    spans = _spans_for(member, gaps)
    admission = member.admission_date
    precision = getattr(member, "admission_date_precision", DatePrecision.DAY)
    earliest = milestone_from(admission, years, spans)
    if precision == DatePrecision.DAY:
        return earliest, earliest
    return earliest, milestone_from(latest_possible(admission, precision), years, spans)


def next_milestone(
    member, on: dt.date, milestones: Iterable[int], gaps=None
) -> tuple[int, dt.date] | None:
    """The first milestone (years, earliest day) reached after `on`, or None."""
    spans = _spans_for(member, gaps)
    for years in sorted(milestones):
        day = milestone_from(member.admission_date, years, spans)
        if day > on:
            return years, day
    return None
