"""Party age on hand-computed cases (leap years, gaps, imprecise dates) and the consistency
of milestone dates with party age."""

import datetime as dt
import random

import pytest

from capuyso.members.models import DatePrecision, Member
from capuyso.members.party_age import (
    PartyAge,
    add_months,
    add_years,
    gap_spans,
    milestone_date,
    milestone_span,
    next_milestone,
    party_age,
)

D = dt.date


def member(admission: dt.date, precision: str = DatePrecision.DAY) -> Member:
    return Member(admission_date=admission, admission_date_precision=precision)


def test_anniversary_is_whole_years_and_days_count_leap_days():
    m = member(D(1996, 2, 3))
    assert party_age(m, D(2026, 2, 3), gaps=[]) == PartyAge(30, 0, 0, 30 * 365 + 8)
    assert party_age(m, D(2026, 2, 2), gaps=[]) == PartyAge(29, 11, 30, 30 * 365 + 7)
    assert milestone_date(m, 30, gaps=[]) == D(2026, 2, 3)


def test_before_admission_the_age_is_zero():
    assert party_age(member(D(2020, 5, 1)), D(2020, 4, 30), gaps=[]) == PartyAge(0, 0, 0, 0)


def test_admitted_on_29_february_has_the_anniversary_on_28_february_in_common_years():
    m = member(D(1996, 2, 29))
    # Civil Code 2015 art. 148: the month has no 29th, so the term ends on its last day.
    assert add_years(D(1996, 2, 29), 30) == D(2026, 2, 28)
    assert milestone_date(m, 30, gaps=[]) == D(2026, 2, 28)
    age = party_age(m, D(2026, 2, 27), gaps=[])
    assert (age.years, age.months, age.days) == (29, 11, 29)
    assert party_age(m, D(2026, 2, 28), gaps=[]) == PartyAge(30, 0, 0, 10957)
    age = party_age(m, D(2027, 3, 1), gaps=[])
    assert (age.years, age.months, age.days) == (31, 0, 1)
    # In a leap year the anniversary is 29/02 again.
    assert milestone_date(m, 32, gaps=[]) == D(2028, 2, 29)
    age = party_age(m, D(2028, 2, 28), gaps=[])
    assert (age.years, age.months, age.days) == (31, 11, 30)


def test_month_ends_follow_the_same_rule():
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2025, 3, 31), -1) == D(2025, 2, 28)
    assert add_months(D(2025, 12, 15), 1) == D(2026, 1, 15)


def test_a_two_year_gap_freezes_the_age_and_pushes_the_milestone():
    m = member(D(1990, 6, 15))
    gaps = [(D(2000, 3, 1), D(2002, 3, 1))]  # 730 days outside the Party
    # The age stands still during the gap: the same on the day it starts and the day back.
    frozen = party_age(m, D(2000, 3, 1), gaps=gaps)
    assert (frozen.years, frozen.months, frozen.days) == (9, 8, 15)
    assert party_age(m, D(2002, 3, 1), gaps=gaps) == frozen
    assert milestone_date(m, 30, gaps=gaps) == D(2022, 6, 15)  # 15/06/2020 + 730 days
    before = party_age(m, D(2022, 6, 14), gaps=gaps)
    assert (before.years, before.months, before.days) == (29, 11, 30)
    assert party_age(m, D(2022, 6, 15), gaps=gaps).years == 30
    assert (
        party_age(m, D(2022, 6, 15), gaps=gaps).total_days == (D(2020, 6, 15) - D(1990, 6, 15)).days
    )


def test_gap_rows_overlaps_and_time_before_admission():
    assert gap_spans([(D(2000, 1, 1), D(2000, 3, 1)), (D(2000, 2, 1), D(2000, 4, 1))]) == [
        (D(2000, 1, 1), D(2000, 4, 1))
    ]
    m = member(D(2000, 1, 1))
    # A gap that starts before admission counts only from the admission date.
    assert milestone_date(m, 1, gaps=[(D(1999, 1, 1), D(2000, 1, 11))]) == D(2001, 1, 11)
    # A gap after the milestone does not move it; one starting on the milestone day neither.
    assert milestone_date(m, 1, gaps=[(D(2001, 1, 1), D(2002, 1, 1))]) == D(2001, 1, 1)


def test_a_later_gap_counts_once_an_earlier_one_pushed_the_milestone_past_it():
    m = member(D(2000, 1, 1))
    gaps = [(D(2000, 6, 1), D(2000, 7, 1)), (D(2001, 1, 10), D(2001, 1, 20))]
    # 01/01/2001 + 30 days = 31/01/2001, which is after the second gap: + 10 days.
    assert milestone_date(m, 1, gaps=gaps) == D(2001, 2, 10)


def test_year_only_admission_is_uncertain_and_never_invents_a_day():
    m = member(D(1996, 1, 1), DatePrecision.YEAR)  # "1996" in the sheet
    age = party_age(m, D(2026, 5, 19), gaps=[])
    assert age.uncertain and age.years_range == (29, 30)
    assert milestone_span(m, 30, gaps=[]) == (D(2026, 1, 1), D(2026, 12, 31))
    month = member(D(1996, 3, 1), DatePrecision.MONTH)  # "03/1996"
    assert milestone_span(month, 30, gaps=[]) == (D(2026, 3, 1), D(2026, 3, 31))
    assert party_age(month, D(2026, 3, 15), gaps=[]).years_range == (29, 30)
    assert party_age(month, D(2026, 4, 1), gaps=[]).years_range == (30, 30)


def test_next_milestone():
    m = member(D(1996, 2, 3))
    assert next_milestone(m, D(2026, 2, 3), [30, 40, 45], gaps=[]) == (40, D(2036, 2, 3))
    assert next_milestone(m, D(2026, 2, 2), [30, 40], gaps=[]) == (30, D(2026, 2, 3))
    assert next_milestone(m, D(2100, 1, 1), [30, 40], gaps=[]) is None


@pytest.mark.django_db
def test_recorded_gap_rows_are_read_when_not_given(cast):
    from capuyso.core.testing import make_member
    from capuyso.members.models import Gap

    m = make_member(cast.committee, cast.cell, "Trần Văn An", admission_date=D(1990, 6, 15))
    Gap.objects.create(member=m, start=D(2000, 3, 1), end=D(2002, 3, 1), reason="Xóa tên")
    assert milestone_date(m, 30) == D(2022, 6, 15)
    assert party_age(m, D(2022, 6, 15)).years == 30


def test_milestone_day_is_the_first_day_with_that_party_age():
    rng = random.Random(5)  # noqa: S311 - test data
    for _ in range(2000):
        admission = D(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 30000))
        gaps = []
        for _gap in range(rng.randint(0, 3)):
            start = admission + dt.timedelta(days=rng.randint(-400, 20000))
            gaps.append((start, start + dt.timedelta(days=rng.randint(1, 2000))))
        m = member(admission)
        years = rng.choice([30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90])
        day = milestone_date(m, years, gaps=gaps)
        assert party_age(m, day, gaps=gaps).years == years, (admission, gaps, years)
        assert party_age(m, day - dt.timedelta(days=1), gaps=gaps).years == years - 1
