import io
import json

import pytest
from django.core.management import call_command

from bench import meetings as bench_meetings
from capuyso.meetings.models import Attendance, CalendarEntry, Meeting

pytestmark = pytest.mark.django_db

TIMED = {
    "meetings.calendar.leader",
    "meetings.calendar.member",
    "meetings.detail.cell_secretary",
    "meetings.detail.leader",
    "meetings.detail.member",
    "meetings.list.cell_secretary",
    "meetings.list.leader",
    "meetings.missing.leader",
    "meetings.calendar.ics.member",
}
WITH_TARGET = {
    "meetings.calendar.leader",
    "meetings.calendar.member",
    "meetings.detail.cell_secretary",
    "meetings.detail.leader",
    "meetings.detail.member",
}


def bench(*args) -> dict[str, dict]:
    out = io.StringIO()
    call_command("bench", "--scale", "tiny", "--n", "2", *args, stdout=out)
    return {line["name"]: line for line in map(json.loads, out.getvalue().splitlines())}


def test_meetings_lines_time_the_pages_on_a_year_of_meetings_and_leave_nothing():
    lines = bench("--only", "meetings.")

    data = lines["meetings.data"]
    assert "error" not in data, data
    assert data["cells"] >= 8 and data["meetings"] > 12 * data["cells"]
    assert data["agenda_items"] >= 4 * data["meetings"] and data["attendance"] > 0
    assert data["calendar_entries"] > 52 * 5 and data["opened_meeting_attendance"] > 0
    assert not any(key.startswith("_") for key in data)
    for name in TIMED:
        line = lines[name]
        assert "error" not in line, line
        assert line["p95_ms"] >= line["p50_ms"] > 0 and line["n"] == 2 and line["queries"] > 0
    for name in WITH_TARGET:
        assert lines[name]["target_p95_ms"] == 100.0
        assert lines[name]["pass"] is (lines[name]["p95_ms"] < 100.0)
    assert "target_p95_ms" not in lines["meetings.list.leader"]
    assert lines["weight.meetings.calendar.member"]["bytes"] > 1000
    assert "weight.meetings.calendar.ics.member" not in lines  # not HTML
    pdf = lines["meetings.calendar.pdf"]
    assert "error" not in pdf, pdf
    assert pdf["bytes"] > 0 and pdf["runs"] == 3 and pdf["seconds"] >= 0
    # The history was rolled back.
    assert not Meeting.objects.exists() and not CalendarEntry.objects.exists()
    assert not Attendance.objects.exists()


def test_only_selects_meetings_lines_and_other_prefixes_skip_them():
    assert bench_meetings.selected("")
    assert bench_meetings.selected("meetings.")
    assert bench_meetings.selected("meetings.calendar.member")
    assert not bench_meetings.selected("members.")
    lines = bench("--only", "meetings.calendar.member")
    assert {n for n in lines if n.startswith("meetings.")} == {
        "meetings.data",
        "meetings.calendar.member",
    }
