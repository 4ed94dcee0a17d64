"""Test helpers for meetings: a meeting of a cell or of the committee, with members."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from capuyso.core.testing import make_member
from capuyso.meetings.models import Meeting


def make_meeting(cast, *, unit=None, kind=None, title="Sinh hoạt chi bộ tháng 11", **extra):
    """A planned meeting of `unit` (the cast's cell by default; pass unit=False for the
    committee itself), tomorrow at 19:30 local time, created straight in the database."""
    if unit is None:
        unit = cast.cell
    if unit is False:
        unit = None
    if kind is None:
        kind = Meeting.Kind.CELL_REGULAR if unit is not None else Meeting.Kind.EXECUTIVE
    starts = timezone.localtime().replace(hour=19, minute=30, second=0, microsecond=0)
    starts += dt.timedelta(days=1)
    values = {
        "committee": cast.committee,
        "unit": unit,
        "kind": kind,
        "title": title,
        "starts_at": starts,
        "place": "Nhà văn hóa thôn",
        "status": Meeting.Status.PLANNED,
    }
    values.update(extra)
    return Meeting.objects.create(**values)


def make_cell_members(cast, count=5, *, cell=None, prefix="Đảng viên"):
    """`count` full members of the cell (make_member's defaults), named prefix 1..count."""
    cell = cell or cast.cell
    return [make_member(cast.committee, cell, f"{prefix} {i}") for i in range(1, count + 1)]
