import datetime as dt

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def isodate(value: str | None) -> str:
    """'2026-11-30' (as stored in an event's data) -> '30/11/2026'."""
    if not value:
        return "—"
    try:
        return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return str(value)
