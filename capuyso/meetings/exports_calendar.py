"""The work calendar as files: the week as a PDF in the Party's layout, and the published
entries as iCalendar (RFC 5545) for phones and calendar programs.

The PDF is a Vietnamese paper handed on and posted, so its heading, column titles and
weekday names are Vietnamese document content, not UI text (as the members' and the
registries' exports).

Decision: the iCalendar file is written by hand. It holds one VEVENT per entry with
DTSTART/DTEND in UTC (the `Z` form needs no VTIMEZONE block and every client shows it in
local time), a UID made from the entry's code (stable across downloads, so a re-import
updates instead of duplicating), text escaped and lines folded at 75 octets. Some 60
lines of code do not justify a dependency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.template.loader import render_to_string
from django.utils import timezone

from capuyso.meetings.models import CalendarEntry, Meeting

PDF_TYPE = "application/pdf"
ICS_TYPE = "text/calendar; charset=utf-8"
PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
ROW_KEYS = ("time", "title", "leaders", "place", "preparing")
PRODID = "-//Cap uy so//Lich cong tac//VI"


def _superior(committee) -> str:
    if committee.parent_id is None:
        return ""
    name = committee.parent.name.upper()
    if name.startswith("THÀNH ỦY "):
        return "ĐẢNG BỘ " + name.removeprefix("THÀNH ỦY ")
    return name


def _cancelled(entry: CalendarEntry) -> bool:
    return entry.meeting_id is not None and entry.meeting.status == Meeting.Status.CANCELLED


def _time_text(entry: CalendarEntry) -> str:
    start = timezone.localtime(entry.starts_at).strftime("%H:%M")
    if entry.ends_at:
        return f"{start} – {timezone.localtime(entry.ends_at).strftime('%H:%M')}"
    return start


def _leaders_text(entry: CalendarEntry) -> str:
    return ", ".join(u.full_name for u in entry.leaders.all())


def week_rows(monday: dt.date, entries: Iterable[CalendarEntry]) -> list[dict]:
    """One group per day Monday–Sunday (weekend days only when they have entries)."""
    days = {monday + dt.timedelta(days=i): [] for i in range(7)}
    for entry in entries:
        days[timezone.localdate(entry.starts_at)].append(
            {
                "time": _time_text(entry),
                "title": entry.title + (" (hoãn/hủy)" if _cancelled(entry) else ""),
                "leaders": _leaders_text(entry),
                "place": entry.place,
                "preparing": entry.preparing,
            }
        )
    groups = []
    for day, rows in days.items():
        if not rows and day.weekday() >= 5:
            continue
        groups.append(
            {
                "weekday": WEEKDAYS[day.weekday()],
                "date": day.strftime("%d/%m/%Y"),
                "rows": rows or [dict.fromkeys(ROW_KEYS, "")],
                "span": max(1, len(rows)),
            }
        )
    return groups


def calendar_pdf(committee, monday: dt.date, entries: Iterable[CalendarEntry]) -> bytes:
    from weasyprint import HTML

    from capuyso.documents.layout import format_place_date
    from capuyso.documents.services.outgoing import place_name

    sunday = monday + dt.timedelta(days=6)
    html = render_to_string(
        "meetings/calendar_pdf.html",
        {
            "superior": _superior(committee),
            "issuer": (committee.executive_name or committee.name).upper(),
            "party_name": PARTY_NAME,
            "place_date": format_place_date(place_name(committee), timezone.localdate()),
            "period": (
                f"(Từ ngày {monday.strftime('%d/%m/%Y')} đến ngày {sunday.strftime('%d/%m/%Y')})"
            ),
            "groups": week_rows(monday, entries),
        },
    )
    return HTML(string=html).write_pdf()


def pdf_filename(monday: dt.date) -> str:
    return f"lich-cong-tac-{monday.isoformat()}.pdf"


def ics_filename(monday: dt.date, weeks: int) -> str:
    suffix = f"-{weeks}-tuan" if weeks > 1 else ""
    return f"lich-cong-tac-{monday.isoformat()}{suffix}.ics"


# --- iCalendar ---------------------------------------------------------------------------


def ics_escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        (text or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def ics_fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets (§3.1), never inside a UTF-8
    character; continuation lines start with one space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts = []
    limit = 75
    while encoded:
        cut = min(limit, len(encoded))
        while cut < len(encoded) and (encoded[cut] & 0xC0) == 0x80:
            cut -= 1  # do not split a multi-byte character
        parts.append(encoded[:cut].decode())
        encoded = encoded[cut:]
        limit = 74  # the leading space counts
    return "\r\n ".join(parts)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_ics(committee, entries: Iterable[CalendarEntry]) -> str:
    host = f"{committee.slug}.capuyso"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape('Lịch công tác – ' + committee.name)}",
        "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
    ]
    for entry in entries:
        description = []
        if leaders := _leaders_text(entry):
            description.append(f"Lãnh đạo: {leaders}")
        if entry.preparing:
            description.append(f"Chuẩn bị: {entry.preparing}")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{entry.code}@{host}",
            f"DTSTAMP:{_utc(entry.updated_at)}",
            f"LAST-MODIFIED:{_utc(entry.updated_at)}",
            f"DTSTART:{_utc(entry.starts_at)}",
        ]
        if entry.ends_at:
            lines.append(f"DTEND:{_utc(entry.ends_at)}")
        lines.append(f"SUMMARY:{ics_escape(entry.title)}")
        if entry.place:
            lines.append(f"LOCATION:{ics_escape(entry.place)}")
        if description:
            lines.append(f"DESCRIPTION:{ics_escape(chr(10).join(description))}")
        lines.append("STATUS:CANCELLED" if _cancelled(entry) else "STATUS:CONFIRMED")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)
