"""The meetings part of the benchmark: the work calendar and the meeting page against the
issue's target, on a year of meetings.

    capuyso bench --scale commune --only meetings.

Target (issue 6): "the calendar and meeting pages stay under 100 ms p95 at commune scale".
The dataset's committee first gets a year of meeting history in the proportions of a
commune (deterministic, SEED), from 52 weeks ago to 8 weeks ahead:

- the work calendar: the committee's meetings below, and every working day 1–2 more lines
  of work (receptions, working visits, online conferences) with 1–2 of the committee's
  leaders, a place and who prepares it; the weeks up to next week are published, the later
  ones not yet;
- the committee's meetings: a Party committee meeting a month, a standing committee
  meeting every other week, a briefing every Monday, each in the calendar;
- every cell's regular meeting every month (the 5th–10th, 19:30) and a thematic meeting a
  quarter; past ones held (closed), later ones planned; 4–6 agenda items each (one in
  eight confidential) and, for the held ones, the attendance of each active member of the
  cell (present 85 %, absent with reason 9 %, without 3 %, exempt members exempt).

Lines (every name starts with `meetings.`):

- meetings.data: what was added, and in how many seconds;
- meetings.calendar.{leader,member}: this week's calendar page (target 100 ms);
- meetings.detail.{cell_secretary,leader,member}: the page of the cell secretary's cell's
  last held regular meeting, with its agenda, attendance and every panel (target 100 ms):
  the organisers see the answers and counts, the member (of the same cell, not on its
  roll) the counts and no confidential item;
- meetings.list.{cell_secretary,leader}: the meeting list (no target);
- meetings.missing.leader: cells without a held regular meeting last month (no target);
- meetings.calendar.ics.member: the iCalendar file of the next 4 weeks (no target);
- meetings.calendar.pdf: this week's PDF, median of 3 runs, with its bytes.

Each page line is the harness's (`runner._measure`: 3 warm-ups, the queries counted once,
then N runs; p50/p95 in ms) with `target_p95_ms` and `pass` where the issue sets a target.

Decision: nothing stays behind. The history is written inside a transaction rolled back at
the end (a savepoint inside the tests' transaction), as bench/members_badges.py does, so
the shared dataset keeps the shape other scenarios expect; building it takes a few seconds
at commune scale (some 60,000 attendance rows).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Iterator

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bench.scenarios import Scenario
from capuyso.meetings.models import AgendaItem, Attendance, CalendarEntry, Meeting
from capuyso.members.models import Member
from capuyso.org.models import Unit

SEED = 1930
TARGET_MS = 100.0
WEEKS_BACK = 52
WEEKS_AHEAD = 8
BATCH = 2000
ACCOUNT_KEYS = {"cell_secretary": "cell_secretary", "leader": "secretary", "member": "member"}
NAMES = (
    "meetings.data",
    "meetings.calendar.leader",
    "meetings.calendar.member",
    "meetings.detail.cell_secretary",
    "meetings.detail.leader",
    "meetings.detail.member",
    "meetings.list.cell_secretary",
    "meetings.list.leader",
    "meetings.missing.leader",
    "meetings.calendar.ics.member",
    "meetings.calendar.pdf",
)

CALENDAR_WORK = (
    ("Giao ban Thường trực Đảng ủy", "Phòng họp Đảng ủy", "Văn phòng Đảng ủy"),
    ("Tiếp công dân định kỳ", "Trụ sở tiếp công dân xã", "Ủy ban Kiểm tra Đảng ủy"),
    (
        "Làm việc với Chi bộ thôn về công tác phát triển đảng viên",
        "Nhà văn hóa thôn",
        "Ban Xây dựng Đảng",
    ),
    ("Dự Hội nghị trực tuyến của Thành ủy", "Hội trường Đảng ủy", "Văn phòng Đảng ủy"),
    ("Kiểm tra tiến độ thu đảng phí quý", "Phòng họp số 2", "Văn phòng Đảng ủy"),
    ("Làm việc với Mặt trận Tổ quốc xã", "Trụ sở Ủy ban MTTQ", "Văn phòng Đảng ủy"),
    ("Nghe báo cáo công tác chuyển đổi số", "Phòng họp Đảng ủy", "Văn phòng Đảng ủy"),
)
AGENDA = (
    ("Thông tin thời sự trong nước và của địa phương", "Bí thư chi bộ"),
    ("Kiểm điểm việc thực hiện nghị quyết tháng trước", "Phó Bí thư chi bộ"),
    ("Phương hướng, nhiệm vụ tháng tới", "Bí thư chi bộ"),
    ("Thu đảng phí", "Chi ủy viên"),
    ("Ý kiến của đảng viên", ""),
    ("Xem xét đề nghị kết nạp đảng viên", "Bí thư chi bộ"),
)


def selected(only: str) -> bool:
    return not only or any(name.startswith(only) for name in NAMES)


def measure(dataset, *, only: str = "", n: int = 50) -> Iterator[dict]:
    """The meetings lines selected by `only` (a name prefix), for the bench command."""
    if not selected(only):
        return
    missing = [key for key in ACCOUNT_KEYS.values() if key not in dataset.users]
    if missing:
        yield {"name": "meetings", "error": f"no benchmark user {missing[0]!r}"}
        return
    yield from run(
        committee=dataset.committee,
        users={who: dataset.users[key] for who, key in ACCOUNT_KEYS.items()},
        only=only,
        n=n,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )


def run(*, committee, users: dict, only: str = "", n: int = 50, log=lambda m: None):
    """Add the meeting history, measure, roll everything back; yields the lines."""
    wanted = [name for name in NAMES if not only or name.startswith(only)]
    lines: list[dict] = []
    with transaction.atomic():
        log("meetings: adding a year of meetings")
        try:
            data = add_history(committee, users)
        except Exception as exc:  # noqa: BLE001 - without the history nothing else can run
            transaction.set_rollback(True)
            yield {"name": "meetings.data", "error": f"{type(exc).__name__}: {exc}"[:300]}
            return
        picks = {key: data.pop(key) for key in ("_this_week", "_last_month", "_meeting")}
        lines.append({"name": "meetings.data", **data})
        lines += list(_pages(picks, users, wanted, n, log))
        if "meetings.calendar.pdf" in wanted:
            try:
                lines.append(_pdf(committee))
            except Exception as exc:  # noqa: BLE001 - report and go on
                lines.append({"name": "meetings.calendar.pdf", "error": f"{exc}"[:300]})
        transaction.set_rollback(True)
    yield from lines


def _pages(picks: dict, users: dict, wanted: list[str], n: int, log) -> Iterator[dict]:
    from bench import runner

    this_week = picks["_this_week"]
    last_month = picks["_last_month"]
    meeting_code = picks["_meeting"]
    calendar = reverse("meetings:calendar")
    week = {"week": this_week.isoformat()}
    detail = reverse("meetings:detail", args=[meeting_code]) if meeting_code else None
    pages = [
        ("meetings.calendar.leader", "leader", calendar, week, TARGET_MS),
        ("meetings.calendar.member", "member", calendar, week, TARGET_MS),
        ("meetings.detail.cell_secretary", "cell_secretary", detail, {}, TARGET_MS),
        ("meetings.detail.leader", "leader", detail, {}, TARGET_MS),
        ("meetings.detail.member", "member", detail, {}, TARGET_MS),
        ("meetings.list.cell_secretary", "cell_secretary", reverse("meetings:list"), {}, None),
        ("meetings.list.leader", "leader", reverse("meetings:list"), {}, None),
        (
            "meetings.missing.leader",
            "leader",
            reverse("meetings:missing"),
            {"month": last_month.strftime("%Y-%m")},
            None,
        ),
        (
            "meetings.calendar.ics.member",
            "member",
            reverse("meetings:calendar_ics"),
            week | {"weeks": "4"},
            None,
        ),
    ]
    clients: dict[str, object] = {}
    for name, who, path, query, target in pages:
        if name not in wanted:
            continue
        if path is None:
            yield {"name": name, "error": "the cell secretary's cell has no held meeting"}
            continue
        log(name)
        if who not in clients:
            clients[who] = runner.session_client(users[who])
        scenario = Scenario(name=name, user=ACCOUNT_KEYS[who], url=path, query=query)
        try:
            for line in runner._measure(scenario, clients[who], path, n):
                if target is not None and "p95_ms" in line:
                    line |= {"target_p95_ms": target, "pass": line["p95_ms"] < target}
                yield line
        except Exception as exc:  # noqa: BLE001 - report and go on, like the page scenarios
            yield {"name": name, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _pdf(committee, runs: int = 3) -> dict:
    from capuyso.meetings import exports_calendar, selectors
    from capuyso.meetings.services.calendar import week_bounds, week_start

    monday = week_start(timezone.localdate())
    start, end = week_bounds(monday)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        content = exports_calendar.calendar_pdf(
            committee, monday, selectors.published_entries(committee, start, end)
        )
        seconds.append(time.perf_counter() - started)
    return {
        "name": "meetings.calendar.pdf",
        "seconds": round(statistics.median(seconds), 2),
        "max_seconds": round(max(seconds), 2),
        "runs": runs,
        "bytes": len(content),
    }


# --- The history ----------------------------------------------------------------------------


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _month_start(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def add_history(committee, users: dict, seed: int = SEED) -> dict:
    """A year of calendar entries, meetings, agenda items and attendance; the counts, and
    what the pages open (`_this_week`, `_last_month`, `_meeting`)."""
    from capuyso.meetings.selectors import leader_choices
    from capuyso.meetings.services.calendar import week_start

    started = time.perf_counter()
    rng = random.Random(seed)
    today = timezone.localdate()
    this_week = week_start(today)
    first_week = this_week - dt.timedelta(weeks=WEEKS_BACK)
    horizon = this_week + dt.timedelta(weeks=WEEKS_AHEAD)
    now = timezone.now()
    leaders = list(leader_choices(committee)) or [users["leader"]]
    cells = list(
        Unit.objects.filter(committee=committee, kind=Unit.Kind.CELL, dissolved_on__isnull=True)
    )
    members_by_cell: dict[int, list[tuple[int, str]]] = {}
    for pk, cell_id, status in Member.objects.filter(
        committee=committee, status__in=Member.ACTIVE_STATUSES
    ).values_list("pk", "cell_id", "status"):
        members_by_cell.setdefault(cell_id, []).append((pk, status))

    # Meetings: the committee's and every cell's.
    meetings: list[Meeting] = []

    def meeting(unit, kind, title, starts_at, place):
        held = starts_at < now - dt.timedelta(hours=3)
        meetings.append(
            Meeting(
                committee=committee,
                unit=unit,
                kind=kind,
                title=title,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=2),
                place=place,
                status=Meeting.Status.CLOSED if held else Meeting.Status.PLANNED,
                opened_at=starts_at if held else None,
                closed_at=starts_at + dt.timedelta(hours=2) if held else None,
                created_by=users["leader"],
            )
        )

    week = first_week
    while week < horizon:
        meeting(None, Meeting.Kind.BRIEFING, "Giao ban tuần", _at(week, 7, 30), "Phòng họp Đảng ủy")
        if (week - first_week).days // 7 % 2 == 0:
            meeting(
                None,
                Meeting.Kind.STANDING,
                "Hội nghị Ban Thường vụ",
                _at(week + dt.timedelta(days=2), 8),
                "Phòng họp Đảng ủy",
            )
        week += dt.timedelta(weeks=1)
    month = _month_start(first_week, 1)
    while month < horizon:
        label = f"tháng {month.month}/{month.year}"
        meeting(
            None,
            Meeting.Kind.EXECUTIVE,
            f"Hội nghị Đảng ủy {label}",
            _at(month + dt.timedelta(days=24), 8),
            "Hội trường Đảng ủy",
        )
        for cell in cells:
            day = month.replace(day=rng.randint(5, 10))
            meeting(
                cell,
                Meeting.Kind.CELL_REGULAR,
                f"Sinh hoạt chi bộ thường kỳ {label}",
                _at(day, 19, 30),
                "Nhà văn hóa thôn",
            )
            if month.month % 3 == 0:
                meeting(
                    cell,
                    Meeting.Kind.CELL_THEMATIC,
                    f"Sinh hoạt chuyên đề quý {(month.month - 1) // 3 + 1}/{month.year}",
                    _at(month.replace(day=rng.randint(15, 20)), 19, 30),
                    "Nhà văn hóa thôn",
                )
        month = _month_start(month, 1)
    Meeting.objects.bulk_create(meetings, batch_size=BATCH)

    items: list[AgendaItem] = []
    attendance: list[Attendance] = []
    statuses = (
        [Attendance.Status.PRESENT] * 85
        + [Attendance.Status.ABSENT_EXCUSED] * 9
        + [Attendance.Status.ABSENT_UNEXCUSED] * 3
    )
    for each in meetings:
        for order, (title, presenter) in enumerate(rng.sample(AGENDA, rng.randint(4, 6)), start=1):
            items.append(
                AgendaItem(
                    meeting=each,
                    order=order,
                    title=title,
                    presenter=presenter,
                    confidential=rng.random() < 0.125,
                )
            )
        if each.unit_id and each.status == Meeting.Status.CLOSED:
            for member_id, status in members_by_cell.get(each.unit_id, []):
                if status == Member.Status.EXEMPT:
                    mark = Attendance.Status.EXEMPT
                else:
                    mark = rng.choice(statuses)
                attendance.append(
                    Attendance(
                        meeting=each,
                        member_id=member_id,
                        status=mark,
                        reason="Đi công tác" if mark == Attendance.Status.ABSENT_EXCUSED else "",
                    )
                )
    AgendaItem.objects.bulk_create(items, batch_size=BATCH)
    Attendance.objects.bulk_create(attendance, batch_size=BATCH)

    # The work calendar: the committee's meetings and 1–2 lines of work every working day.
    entries = [
        _entry(committee, each.starts_at, each.title, each.place, "", each)
        for each in meetings
        if each.unit_id is None
    ]
    day = first_week
    while day < horizon:
        if day.weekday() < 5:
            for hour in rng.sample((8, 9, 14, 15), rng.randint(1, 2)):
                title, place, preparing = rng.choice(CALENDAR_WORK)
                entries.append(_entry(committee, _at(day, hour), title, place, preparing, None))
        day += dt.timedelta(days=1)
    published_until = this_week + dt.timedelta(weeks=2)
    for entry in entries:
        entry.is_published = entry.starts_at < _at(published_until, 0)
        entry.created_by = users["leader"]
    CalendarEntry.objects.bulk_create(entries, batch_size=BATCH)
    links = [
        CalendarEntry.leaders.through(calendarentry_id=entry.pk, user_id=leader.pk)
        for entry in entries
        for leader in rng.sample(leaders, min(len(leaders), rng.randint(1, 2)))
    ]
    CalendarEntry.leaders.through.objects.bulk_create(links, batch_size=BATCH)

    cell = users["cell_secretary"].positions.select_related("unit").first().unit
    opened = (
        Meeting.objects.filter(
            unit=cell, kind=Meeting.Kind.CELL_REGULAR, status=Meeting.Status.CLOSED
        )
        .order_by("-starts_at")
        .values_list("code", flat=True)
        .first()
    )
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "cells": len(cells),
        "meetings": len(meetings),
        "agenda_items": len(items),
        "attendance": len(attendance),
        "calendar_entries": len(entries),
        "calendar_leaders": len(links),
        "opened_meeting_attendance": sum(
            1 for a in attendance if a.meeting.unit_id == cell.pk and a.meeting.code == opened
        ),
        "_this_week": this_week,
        "_last_month": _month_start(today, -1),
        "_meeting": opened,
    }


def _entry(committee, starts_at, title, place, preparing, meeting) -> CalendarEntry:
    return CalendarEntry(
        committee=committee,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        title=title,
        place=place,
        preparing=preparing,
        meeting=meeting,
    )
