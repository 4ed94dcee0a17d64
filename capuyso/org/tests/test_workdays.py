import datetime as dt

import pytest

from capuyso.org.models import CalendarDay
from capuyso.org.workdays import WorkCalendar, add_working_days, public_holidays

pytestmark = pytest.mark.django_db


def test_tet_2026_and_weekends_are_not_working_days():
    work = WorkCalendar(first_year=2026, last_year=2026)
    # Tết Bính Ngọ: 16–20/02/2026 off (Monday to Friday), then the weekend.
    for day in range(16, 21):
        assert not work.is_working_day(dt.date(2026, 2, day))
    assert not work.is_working_day(dt.date(2026, 2, 21))  # Saturday
    assert work.is_working_day(dt.date(2026, 2, 13))  # Friday before Tết
    assert work.is_working_day(dt.date(2026, 2, 23))  # Monday after


def test_counting_across_tet_skips_the_whole_holiday():
    # Friday 13/02/2026 + 1 working day: the weekend and Tết week are skipped → Monday 23/02.
    assert add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 23)
    # 30 working days after Monday 02/02/2026, by hand: 3–13/02 gives 9, 23–27/02 gives 5
    # (14), then 5 a week in March: 06/03 (19), 13/03 (24), 20/03 (29), Monday 23/03 (30).
    days, day = [], dt.date(2026, 2, 2)
    while len(days) < 30:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and not (dt.date(2026, 2, 16) <= day <= dt.date(2026, 2, 20)):
            days.append(day)
    assert add_working_days(dt.date(2026, 2, 2), 30) == days[-1] == dt.date(2026, 3, 23)


def test_national_day_and_hung_kings():
    names = dict(public_holidays(2026))
    assert dt.date(2026, 9, 2) in names
    assert dt.date(2026, 4, 26) in names  # Giỗ Tổ Hùng Vương (10/3 lunar)
    work = WorkCalendar(first_year=2026, last_year=2026)
    assert not work.is_working_day(dt.date(2026, 4, 27))  # substitute day off (Monday)


def test_corrections_override_the_package_and_committee_rows_win(cast):
    saturday = dt.date(2026, 12, 5)
    friday = dt.date(2026, 12, 4)
    CalendarDay.objects.create(date=saturday, is_working_day=True, note="Làm bù")
    CalendarDay.objects.create(date=friday, is_working_day=False, note="Nghỉ bù toàn quốc")
    CalendarDay.objects.create(
        committee=cast.committee, date=friday, is_working_day=True, note="Xã làm việc"
    )
    everyone = WorkCalendar(first_year=2026, last_year=2026)
    assert everyone.is_working_day(saturday)
    assert not everyone.is_working_day(friday)
    own = WorkCalendar(cast.committee, first_year=2026, last_year=2026)
    assert own.is_working_day(friday)
    other = WorkCalendar(cast.other, first_year=2026, last_year=2026)
    assert not other.is_working_day(friday)


def test_working_days_between():
    work = WorkCalendar(first_year=2026, last_year=2026)
    assert work.working_days_between(dt.date(2026, 2, 13), dt.date(2026, 2, 23)) == 1
    assert work.working_days_between(dt.date(2026, 3, 2), dt.date(2026, 3, 2)) == 0
