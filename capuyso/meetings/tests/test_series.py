"""Regular monthly meetings as a series (planning idempotent, its days and limits), the
daily command, and the cells that held no regular meeting in a month."""

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from capuyso.meetings.models import Meeting, MeetingSeries
from capuyso.meetings.selectors import cells_without_regular_meeting
from capuyso.meetings.services import series as svc
from capuyso.meetings.tests.factories import make_meeting
from capuyso.org import services as org_services
from capuyso.org.models import Unit

pytestmark = pytest.mark.django_db

D = dt.date


def at(day: dt.date, hour: int = 19, minute: int = 30) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def make_series(cast, *, today, unit=None, day=15, starts_on=None, **extra):
    return svc.series_create(
        actor=cast.cell_secretary if unit in (None, cast.cell) else cast.secretary,
        committee=cast.committee,
        unit=unit or cast.cell,
        title="Sinh hoạt chi bộ thường kỳ",
        day_of_month=day,
        time=dt.time(19, 30),
        place="Nhà văn hóa thôn Đồng Cát",
        starts_on=starts_on or today,
        today=today,
        **extra,
    )


def planned(series) -> list[dt.datetime]:
    return [
        timezone.localtime(m.starts_at)
        for m in Meeting.objects.filter(series=series).order_by("starts_at")
    ]


# --- Planning ---------------------------------------------------------------------------


def test_a_series_plans_this_month_and_the_next_two_once(cast):
    today = D(2026, 3, 10)
    series = make_series(cast, today=today)
    assert planned(series) == [at(D(2026, 3, 15)), at(D(2026, 4, 15)), at(D(2026, 5, 15))]
    meeting = Meeting.objects.filter(series=series).order_by("starts_at").first()
    assert (meeting.unit, meeting.kind, meeting.status, meeting.place) == (
        cast.cell,
        Meeting.Kind.CELL_REGULAR,
        Meeting.Status.PLANNED,
        "Nhà văn hóa thôn Đồng Cát",
    )
    assert "3/2026" in meeting.title
    # Idempotent: again the same day, and again later.
    assert svc.series_generate(today=today)["created"] == 0
    assert svc.series_generate(today=D(2026, 4, 2))["created"] == 1  # June
    assert len(planned(series)) == 4
    assert svc.series_generate(today=D(2026, 4, 2))["created"] == 0


def test_a_past_day_is_not_planned_and_late_days_fall_back_to_the_28th(cast):
    series = make_series(cast, today=D(2026, 1, 20), day=31)
    assert planned(series) == [at(D(2026, 1, 28)), at(D(2026, 2, 28)), at(D(2026, 3, 28))]
    other = make_series(cast, unit=cast.other_cell, today=D(2026, 1, 20), day=5)
    assert planned(other) == [at(D(2026, 2, 5)), at(D(2026, 3, 5))]  # 5 January is past


def test_series_limits_and_what_is_already_there(cast):
    today = D(2026, 3, 1)
    # A regular meeting the secretary planned by hand for April stays the only one.
    make_meeting(cast, title="Tháng 4 (tay)", starts_at=at(D(2026, 4, 3)))
    series = make_series(cast, today=today, ends_on=D(2026, 4, 30))
    assert planned(series) == [at(D(2026, 3, 15))]  # April by hand, May after the end
    # A cancelled meeting of the series is not planned again.
    Meeting.objects.filter(series=series).update(status=Meeting.Status.CANCELLED)
    assert svc.series_generate(series=series, today=today)["created"] == 0
    # A series starting later plans from its first day.
    later = make_series(cast, unit=cast.other_cell, today=today, starts_on=D(2026, 4, 20))
    assert planned(later) == [at(D(2026, 5, 15))]
    # A dissolved cell gets nothing after its end.
    Unit.objects.filter(pk=cast.other_cell.pk).update(dissolved_on=D(2026, 6, 1))
    assert svc.series_generate(today=D(2026, 5, 20))["created"] == 0


def test_series_checks_refuse_with_codes(cast):
    today = D(2026, 3, 1)
    make_series(cast, today=today)
    with pytest.raises(ValidationError) as exc:
        make_series(cast, today=today, day=20, starts_on=D(2026, 6, 1))
    assert exc.value.error_dict["starts_on"][0].code == "series_overlap"
    with pytest.raises(ValidationError) as exc:
        svc.series_create(
            actor=cast.secretary,
            committee=cast.committee,
            unit=None,
            title="",
            day_of_month=0,
            time=dt.time(8),
            place="",
            starts_on=D(2026, 5, 1),
            ends_on=D(2026, 4, 1),
        )
    codes = {field: errors[0].code for field, errors in exc.value.error_dict.items()}
    assert codes == {
        "unit": "cell_required",
        "title": "required",
        "place": "required",
        "day_of_month": "day_of_month",
        "ends_on": "ends_before_start",
    }
    with pytest.raises(PermissionDenied):
        svc.series_create(
            actor=cast.cell_secretary,
            committee=cast.committee,
            unit=cast.other_cell,
            title="x",
            day_of_month=1,
            time=dt.time(8),
            place="x",
            starts_on=today,
        )
    with pytest.raises(ValidationError) as exc:
        svc.series_create(
            actor=cast.secretary,
            committee=cast.committee,
            unit=cast.foreign_cell,
            title="x",
            day_of_month=1,
            time=dt.time(8),
            place="x",
            starts_on=today,
        )
    assert exc.value.error_dict["unit"][0].code == "unit_other_committee"
    assert MeetingSeries.objects.count() == 1


def test_changing_a_series_plans_from_then_on(cast):
    series = make_series(cast, today=D(2026, 3, 1))
    svc.series_update(
        actor=cast.cell_secretary, series=series, ends_on=D(2026, 3, 31), today=D(2026, 3, 1)
    )
    series.refresh_from_db()
    assert series.ends_on == D(2026, 3, 31)
    assert len(planned(series)) == 3  # planned meetings stay
    with pytest.raises(PermissionDenied):
        svc.series_update(actor=cast.member, series=series, title="x")


def test_the_daily_command_plans_once():
    out = io.StringIO()
    call_command("meeting_series", stdout=out)
    assert json.loads(out.getvalue()) == {"series": 0, "created": 0, "skipped": 0}


def test_the_daily_command_plans_each_month_once(cast):
    today = timezone.localdate()
    series = make_series(cast, today=today, day=28)
    before = len(planned(series))
    out = io.StringIO()
    call_command("meeting_series", stdout=out)
    call_command("meeting_series", stdout=out)
    counts = [json.loads(line) for line in out.getvalue().splitlines()]
    assert counts[0]["created"] == counts[1]["created"] == 0
    assert len(planned(series)) == before >= 2


# --- Pages ------------------------------------------------------------------------------


def test_series_pages(cast, client_for):
    client = client_for(cast.cell_secretary)
    assert client.get("/meetings/series/").status_code == 200
    page = client.get("/meetings/series/new/")
    assert [v for v, _ in page.context["form"].fields["unit"].choices] == [str(cast.cell.code)]
    data = {
        "unit": str(cast.cell.code),
        "title": "Sinh hoạt chi bộ thường kỳ",
        "day_of_month": "5",
        "time": "19:30",
        "place": "Nhà văn hóa",
        "starts_on": timezone.localdate().strftime("%d/%m/%Y"),
        "ends_on": "",
    }
    assert client.post("/meetings/series/new/", data).status_code == 302
    assert client.post("/meetings/series/new/", data).status_code == 302  # double submit
    series = MeetingSeries.objects.get()
    assert Meeting.objects.filter(series=series).count() >= 2
    bad = client.post("/meetings/series/new/", data | {"day_of_month": "40", "time": "x"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["day_of_month"] and bad.context["form"].errors["time"]
    edit = client.get(f"/meetings/series/{series.code}/edit/")
    assert edit.status_code == 200
    response = client.post(
        f"/meetings/series/{series.code}/edit/",
        {k: v for k, v in data.items() if k != "unit"} | {"place": "Hội trường thôn"},
    )
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.place == "Hội trường thôn"
    assert client_for(cast.member).get("/meetings/series/").status_code == 403
    assert client_for(cast.member).get("/meetings/series/new/").status_code == 403
    assert client_for(cast.member).get(f"/meetings/series/{series.code}/edit/").status_code == 403
    assert client_for(cast.outsider).get(f"/meetings/series/{series.code}/edit/").status_code == 404


# --- Cells without a regular meeting --------------------------------------------------------


def test_cells_without_a_held_regular_meeting_in_a_month(cast):
    january = D(2026, 1, 1)
    # The village cell held its January meeting; the school cell only planned one and held
    # a thematic meeting; a third cell was dissolved in December; a fourth founded in February.
    make_meeting(cast, starts_at=at(D(2026, 1, 10)), status=Meeting.Status.CLOSED)
    make_meeting(cast, starts_at=at(D(2025, 12, 10)), status=Meeting.Status.CLOSED)
    make_meeting(cast, unit=cast.other_cell, starts_at=at(D(2026, 1, 12)))
    make_meeting(
        cast,
        unit=cast.other_cell,
        kind=Meeting.Kind.CELL_THEMATIC,
        starts_at=at(D(2026, 1, 20)),
        status=Meeting.Status.CLOSED,
    )
    make_meeting(
        cast,
        unit=cast.other_cell,
        starts_at=at(D(2025, 11, 8)),
        status=Meeting.Status.CLOSED,
    )
    gone = org_services.unit_create(
        actor=None,
        committee=cast.committee,
        kind=Unit.Kind.CELL,
        cell_kind="village",
        name="Chi bộ cũ",
    )
    Unit.objects.filter(pk=gone.pk).update(dissolved_on=D(2025, 12, 31))
    new = org_services.unit_create(
        actor=None,
        committee=cast.committee,
        kind=Unit.Kind.CELL,
        cell_kind="school",
        name="Chi bộ mới",
    )
    Unit.objects.filter(pk=new.pk).update(established_on=D(2026, 2, 1))
    # A meeting at 23:30 on 31 January, Hà Nội time, is January's (16:30 UTC).
    late = org_services.unit_create(
        actor=None,
        committee=cast.committee,
        kind=Unit.Kind.CELL,
        cell_kind="village",
        name="Chi bộ muộn",
    )
    make_meeting(cast, unit=late, starts_at=at(D(2026, 1, 31), 23, 30), status="closed")

    missing = {u.name: u for u in cells_without_regular_meeting(cast.committee, january)}
    assert set(missing) == {cast.other_cell.name}
    school = missing[cast.other_cell.name]
    assert school.planned_in_month is True
    assert timezone.localtime(school.last_held_at).date() == D(2025, 11, 8)

    february = {u.name for u in cells_without_regular_meeting(cast.committee, D(2026, 2, 1))}
    assert february == {cast.cell.name, cast.other_cell.name, "Chi bộ mới", "Chi bộ muộn"}
    # Given a user: only the cells they may see.
    assert [u.name for u in cells_without_regular_meeting(cast.cell_secretary, D(2026, 2, 1))] == [
        cast.cell.name
    ]
    assert not cells_without_regular_meeting(cast.outsider, january).exists()


def test_missing_page_for_committee_wide_readers(cast, client_for, django_assert_max_num_queries):
    make_meeting(cast, starts_at=at(D(2026, 1, 10)), status=Meeting.Status.CLOSED)
    client = client_for(cast.party_building)
    client.get("/meetings/missing/", {"month": "2026-01"})
    with django_assert_max_num_queries(12):
        response = client.get("/meetings/missing/", {"month": "2026-01"})
    assert response.status_code == 200
    assert [u.name for u in response.context["cells"]] == [cast.other_cell.name]
    default = client.get("/meetings/missing/")
    this_month = timezone.localdate().replace(day=1)
    assert default.context["month"] == svc.add_months(this_month, -1)
    future = client.get("/meetings/missing/", {"month": "2099-01"})
    assert future.context["month"] == this_month
    assert client_for(cast.cell_secretary).get("/meetings/missing/").status_code == 403
    assert client_for(cast.member).get("/meetings/missing/").status_code == 403
    assert client_for(cast.outsider).get("/meetings/missing/").status_code == 403
