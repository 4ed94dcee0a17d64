"""Calendar months as the date of their first day: the arithmetic the fee ledger, the meeting
series and the monthly checks share."""

import datetime as dt


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `month`'s month."""
    index = month.year * 12 + (month.month - 1) + months
    year, m = divmod(index, 12)
    return dt.date(year, m + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> int:
    """How many months `first`..`last` cover, both included (0 when last is before first)."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return max(count, 0)
