"""Badge candidates on hand-computed cases, and recording awards.

Platform rules (migration 0003): milestones 30, 40, 45 … 90; award days 03/02, 19/05, 02/09,
07/11; early award 12 months up to 65 years, 24 months above; posthumous 12 months.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member
from capuyso.members.models import BadgeAward, DatePrecision, Gap, Member, MembershipRules
from capuyso.members.services.badges import (
    award_dates_in_year,
    badge_awards_record,
    badge_candidates,
    badge_candidates_for_user,
    member_badge_summary,
    next_award_date,
    previous_award_date,
    rules_by_committee,
)

pytestmark = pytest.mark.django_db

D = dt.date
MAY_2026 = D(2026, 5, 19)  # previous award date: 03/02/2026


def names(candidates):
    return [(c.full_name, c.milestone) for c in candidates]


def lists_of(committee, award_date, **kwargs):
    return badge_candidates(committees=[committee], award_date=award_date, **kwargs)


def admitted(cast, name, admission, cell=None, **extra):
    return make_member(cast.committee, cell or cast.cell, name, admission_date=admission, **extra)


def test_award_dates_come_from_the_rules(cast):
    assert award_dates_in_year(cast.committee, 2026) == [
        D(2026, 2, 3),
        D(2026, 5, 19),
        D(2026, 9, 2),
        D(2026, 11, 7),
    ]
    assert next_award_date(cast.committee, D(2026, 11, 8)) == D(2027, 2, 3)
    assert next_award_date(cast.committee, D(2026, 5, 19)) == MAY_2026
    rules = rules_by_committee([cast.committee.pk], MAY_2026)[cast.committee.pk]
    assert previous_award_date(rules, D(2026, 2, 3)) == D(2025, 11, 7)


def test_window_runs_from_the_day_after_the_previous_award_date_to_the_award_date(cast):
    admitted(cast, "Ngày sau đợt trước", D(1996, 2, 4))  # 30 years on 04/02/2026
    admitted(cast, "Đúng ngày trao", D(1996, 5, 19))  # on 19/05/2026, the award date
    admitted(cast, "Đúng đợt trước", D(1996, 2, 3))  # on 03/02/2026: the previous list
    admitted(cast, "Bốn mươi năm", D(1986, 3, 10))  # 40 years on 10/03/2026
    result = lists_of(cast.committee, MAY_2026)
    assert result.previous_date == D(2026, 2, 3)
    assert sorted(names(result.regular)) == [
        ("Bốn mươi năm", 40),
        ("Ngày sau đợt trước", 30),
        ("Đúng ngày trao", 30),
    ]
    assert names(lists_of(cast.committee, D(2026, 2, 3)).regular) == [("Đúng đợt trước", 30)]
    on_time = next(c for c in result.regular if c.full_name == "Ngày sau đợt trước")
    assert on_time.reaches_on == D(2026, 2, 4) and on_time.kind == BadgeAward.Kind.REGULAR
    age = on_time.party_age  # on the award date
    assert (age.years, age.months, age.days) == (30, 3, 15)


def test_admitted_on_29_february_reaches_30_years_on_28_february_2026(cast):
    admitted(cast, "Nhuận", D(1996, 2, 29))
    result = lists_of(cast.committee, MAY_2026)
    assert [(c.full_name, c.reaches_on) for c in result.regular] == [("Nhuận", D(2026, 2, 28))]
    # With an award day on 28/02 the decision shows: the member is on that day's list.
    MembershipRules.objects.create(
        committee=cast.committee,
        effective_from=D(2020, 1, 1),
        badge_milestones=[30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90],
        badge_award_days=["28/02", "19/05", "02/09", "07/11"],
    )
    assert names(lists_of(cast.committee, D(2026, 2, 28)).regular) == [("Nhuận", 30)]
    assert names(lists_of(cast.committee, MAY_2026).regular) == []


def test_a_gap_of_two_years_moves_the_member_to_a_later_award_date(cast):
    m = admitted(cast, "Có thời gian gián đoạn", D(1994, 4, 10))  # 30 years on 10/04/2024…
    Gap.objects.create(member=m, start=D(2000, 3, 1), end=D(2002, 3, 1), reason="Xóa tên")
    assert names(lists_of(cast.committee, D(2024, 5, 19)).regular) == []
    result = lists_of(cast.committee, MAY_2026)  # … + 730 days = 10/04/2026
    assert [(c.full_name, c.reaches_on) for c in result.regular] == [
        ("Có thời gian gián đoạn", D(2026, 4, 10))
    ]
    assert result.regular[0].party_age.years == 30


def test_imprecise_admission_dates_go_to_check_unless_the_whole_month_is_in_the_window(cast):
    admitted(cast, "Chỉ biết năm", D(1996, 1, 1), admission_date_precision=DatePrecision.YEAR)
    admitted(cast, "Biết tháng", D(1996, 3, 1), admission_date_precision=DatePrecision.MONTH)
    admitted(  # May 1996: 01–31/05/2026 straddles 19/05
        cast, "Tháng trao", D(1996, 5, 1), admission_date_precision=DatePrecision.MONTH
    )
    result = lists_of(cast.committee, MAY_2026)
    assert names(result.regular) == [("Biết tháng", 30)]
    assert result.regular[0].uncertain
    assert result.regular[0].reaches_display == "01/03/2026 – 31/03/2026"
    assert result.regular[0].admission_display == "03/1996"
    assert sorted(names(result.check)) == [("Chỉ biết năm", 30), ("Tháng trao", 30)]
    year_only = next(c for c in result.check if c.full_name == "Chỉ biết năm")
    assert (year_only.reaches_on, year_only.reaches_until) == (D(2026, 1, 1), D(2026, 12, 31))
    assert year_only.admission_display == "1996"
    assert year_only.party_age.years_range == (29, 30)
    # Every award date of 2026 shows the year-only member to check; none in 2025.
    assert names(lists_of(cast.committee, D(2026, 11, 7)).check) == [("Chỉ biết năm", 30)]
    assert lists_of(cast.committee, D(2025, 11, 7)).check == []


def test_members_already_awarded_or_gone_are_not_listed(cast):
    done = admitted(cast, "Đã nhận", D(1996, 3, 1))
    BadgeAward.objects.create(
        member=done,
        milestone=30,
        award_date=D(2026, 2, 3),
        kind=BadgeAward.Kind.EARLY_ILLNESS,
        decision_number="12-QĐ/TU",
        decision_date=D(2026, 1, 20),
    )
    for status in (
        Member.Status.STRUCK_OFF,
        Member.Status.EXPELLED,
        Member.Status.TRANSFERRED_OUT,
    ):
        admitted(cast, status, D(1996, 3, 1), status=status)
    admitted(cast, "Miễn sinh hoạt", D(1996, 3, 2), status=Member.Status.EXEMPT)
    result = lists_of(cast.committee, MAY_2026)
    assert names(result.regular) == [("Miễn sinh hoạt", 30)]
    assert result.total == 1


def test_early_award_for_illness_twelve_months_up_to_65_years_twenty_four_above(cast):
    admitted(cast, "Ba mươi, còn 1 ngày", D(1996, 5, 20))  # 20/05/2026
    admitted(cast, "Sáu lăm, trong 12 tháng", D(1962, 3, 1))  # 01/03/2027
    admitted(cast, "Sáu lăm, quá 12 tháng", D(1962, 6, 1))  # 01/06/2027 > 19/05/2027
    admitted(cast, "Bảy mươi, trong 24 tháng", D(1957, 6, 1))  # 01/06/2027
    admitted(cast, "Bảy mươi, đúng 24 tháng", D(1958, 5, 19))  # 19/05/2028
    admitted(cast, "Bảy mươi, quá 24 tháng", D(1958, 5, 20))  # 20/05/2028
    result = lists_of(cast.committee, MAY_2026)
    assert result.regular == []
    assert sorted(names(result.early_illness)) == [
        ("Ba mươi, còn 1 ngày", 30),
        ("Bảy mươi, trong 24 tháng", 70),
        ("Bảy mươi, đúng 24 tháng", 70),
        ("Sáu lăm, trong 12 tháng", 65),
    ]


def test_posthumous_awards_for_members_who_died_at_most_12_months_short(cast):
    deceased = {"status": Member.Status.DECEASED}
    admitted(cast, "Thiếu 8 tháng", D(1996, 12, 1), closed_on=D(2026, 4, 1), **deceased)
    admitted(cast, "Thiếu đúng 12 tháng", D(1997, 4, 1), closed_on=D(2026, 4, 1), **deceased)
    admitted(cast, "Thiếu 13 tháng", D(1997, 5, 2), closed_on=D(2026, 4, 1), **deceased)
    admitted(cast, "Đã đủ rồi mất", D(1996, 2, 10), closed_on=D(2026, 4, 1), **deceased)
    admitted(cast, "Mất trước đợt trước", D(1996, 12, 1), closed_on=D(2026, 1, 5), **deceased)
    result = lists_of(cast.committee, MAY_2026)
    assert result.regular == [] and result.early_illness == []
    assert sorted(names(result.posthumous)) == [
        ("Thiếu 8 tháng", 30),
        ("Thiếu đúng 12 tháng", 30),
        ("Đã đủ rồi mất", 30),
    ]
    short = next(c for c in result.posthumous if c.full_name == "Thiếu 8 tháng")
    assert short.died_on == D(2026, 4, 1) and short.party_age.years == 29  # at death
    # The one who died before 03/02/2026 belonged to that date's list.
    assert ("Mất trước đợt trước", 30) in names(lists_of(cast.committee, D(2026, 2, 3)).posthumous)


def test_a_committee_rules_row_adding_a_milestone_from_2026_changes_the_lists(cast):
    admitted(cast, "Ba lăm năm", D(1991, 4, 1))  # 35 years on 01/04/2026
    admitted(cast, "Ba lăm năm trước", D(1990, 9, 1))  # 35 years on 01/09/2025
    make_member(cast.other, cast.foreign_cell, "Xã khác", admission_date=D(1991, 4, 1))
    assert lists_of(cast.committee, MAY_2026).regular == []
    MembershipRules.objects.create(
        committee=cast.committee,
        effective_from=D(2026, 1, 1),
        badge_milestones=[30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90],
        badge_award_days=["03/02", "19/05", "02/09", "07/11"],
    )
    assert names(lists_of(cast.committee, MAY_2026).regular) == [("Ba lăm năm", 35)]
    # Not in force for the 02/09/2025 award date, and not for the other committee.
    assert lists_of(cast.committee, D(2025, 9, 2)).regular == []
    assert lists_of(cast.other, MAY_2026).regular == []


def test_a_city_computes_every_commune_with_its_own_rules(cast):
    admitted(cast, "Phú Cát", D(1996, 3, 1))
    make_member(cast.other, cast.foreign_cell, "Đông Xuân", admission_date=D(1991, 4, 1))
    MembershipRules.objects.create(
        committee=cast.other,
        effective_from=D(2026, 1, 1),
        badge_milestones=[30, 35],
        badge_award_days=["03/02", "19/05", "02/09", "07/11"],
    )
    result = badge_candidates(committees=cast.city.children.all(), award_date=MAY_2026)
    assert sorted(names(result.regular)) == [("Phú Cát", 30), ("Đông Xuân", 35)]
    assert result.rules is None  # two rules rows


def test_a_day_that_is_not_an_award_day_lists_nobody_and_says_so(cast):
    admitted(cast, "Ai đó", D(1996, 3, 1))
    result = lists_of(cast.committee, D(2026, 5, 20))
    assert result.total == 0 and result.skipped == [cast.committee.pk]


def test_a_cell_secretary_sees_their_cell_only(cast):
    admitted(cast, "Chi bộ mình", D(1996, 3, 1))
    admitted(cast, "Chi bộ khác", D(1996, 3, 2), cell=cast.other_cell)
    assert names(badge_candidates_for_user(cast.cell_secretary, MAY_2026).regular) == [
        ("Chi bộ mình", 30)
    ]
    assert len(badge_candidates_for_user(cast.party_building, MAY_2026).regular) == 2
    with pytest.raises(PermissionDenied):
        badge_candidates_for_user(cast.clerk, MAY_2026)


# --- Recording -----------------------------------------------------------------------------


def record(cast, selections, actor=None, **overrides):
    values = {
        "actor": actor or cast.party_building,
        "committee": cast.committee,
        "award_date": MAY_2026,
        "decision_number": "125-QĐ/TU",
        "decision_date": D(2026, 5, 10),
        "selections": selections,
    }
    values.update(overrides)
    return badge_awards_record(**values)


def test_recording_creates_one_award_per_member_and_milestone_and_a_second_submit_changes_nothing(
    cast,
):
    regular = admitted(cast, "Đúng hạn", D(1996, 3, 1))
    ill = admitted(cast, "Ốm nặng", D(1996, 8, 1))
    gone = admitted(
        cast, "Truy tặng", D(1996, 12, 1), status=Member.Status.DECEASED, closed_on=D(2026, 4, 1)
    )
    selections = [
        (str(regular.code), 30, "regular"),
        (str(ill.code), 30, "early_illness"),
        (str(gone.code), 30, "posthumous"),
    ]
    result = record(cast, selections)
    assert len(result.created) == 3 and result.already == 0
    award = BadgeAward.objects.get(member=ill)
    assert (award.milestone, award.kind, award.award_date) == (30, "early_illness", MAY_2026)
    assert award.decision_number == "125-QĐ/TU" and award.recorded_by == cast.party_building
    assert AuditEvent.objects.filter(object_type="members.badgeaward").count() == 3
    again = record(cast, selections)
    assert again.created == [] and again.already == 3
    assert BadgeAward.objects.count() == 3
    assert AuditEvent.objects.filter(object_type="members.badgeaward").count() == 3
    # Once recorded, nobody is listed for that milestone any more.
    assert lists_of(cast.committee, MAY_2026).total == 0


def test_recording_refuses_anyone_not_on_the_lists_and_saves_nothing(cast):
    regular = admitted(cast, "Đúng hạn", D(1996, 3, 1))
    young = admitted(cast, "Chưa đủ", D(2000, 3, 1))
    with pytest.raises(ValidationError) as exc:
        record(cast, [(str(regular.code), 30, "regular"), (str(young.code), 30, "regular")])
    assert exc.value.error_dict["selected"][0].code == "not_a_candidate"
    with pytest.raises(ValidationError) as exc:  # on the regular list, not the early one
        record(cast, [(str(regular.code), 30, "early_illness")])
    assert exc.value.error_dict["selected"][0].code == "not_a_candidate"
    foreign = make_member(cast.other, cast.foreign_cell, "Xã khác", admission_date=D(1996, 3, 1))
    with pytest.raises(ValidationError) as exc:
        record(cast, [(str(foreign.code), 30, "regular")])
    assert exc.value.error_dict["selected"][0].code == "not_a_candidate"
    assert not BadgeAward.objects.exists()


def test_recording_checks_the_decision_and_the_award_date(cast):
    regular = admitted(cast, "Đúng hạn", D(1996, 3, 1))
    pick = [(str(regular.code), 30, "regular")]
    cases = [
        ({"decision_number": "  "}, "decision_number", "required"),
        ({"decision_date": None}, "decision_date", "required"),
        ({"decision_date": timezone.localdate() + dt.timedelta(days=1)}, "decision_date", "future"),
        ({"selections": []}, "selected", "nothing_selected"),
        ({"award_date": D(2026, 5, 18)}, "award_date", "not_an_award_date"),
    ]
    for overrides, field, code in cases:
        values = {"selections": pick, **overrides}
        with pytest.raises(ValidationError) as exc:
            record(cast, **values)
        assert exc.value.error_dict[field][0].code == code, overrides
    assert not BadgeAward.objects.exists()


def test_only_committee_wide_managers_record(cast):
    regular = admitted(cast, "Đúng hạn", D(1996, 3, 1))
    pick = [(str(regular.code), 30, "regular")]
    for user in (cast.cell_secretary, cast.standing, cast.clerk, cast.outsider):
        with pytest.raises(PermissionDenied):
            record(cast, pick, actor=user)
    assert len(record(cast, pick, actor=cast.secretary).created) == 1


def test_the_file_summary_shows_party_age_next_badge_and_awards(cast):
    m = admitted(cast, "Hồ sơ", D(1996, 3, 1))
    BadgeAward.objects.create(
        member=m,
        milestone=30,
        award_date=MAY_2026,
        kind="regular",
        decision_number="125-QĐ/TU",
        decision_date=D(2026, 5, 10),
    )
    summary = member_badge_summary(m, on=D(2026, 6, 1))
    assert summary.party_age.years == 30 and summary.party_age.months == 3
    assert summary.next_milestone == (40, D(2036, 3, 1))
    assert [b.milestone for b in summary.badges] == [30]


def test_rules_in_force_are_the_ones_rules_on_gives(cast):
    from capuyso.members.rules import rules_on

    MembershipRules.objects.create(
        committee=cast.committee,
        effective_from=D(2026, 1, 1),
        badge_milestones=[30, 35],
        badge_award_days=["19/05"],
    )
    MembershipRules.objects.create(  # the same day as the platform row: the committee's wins
        committee=cast.other,
        effective_from=D(1930, 2, 3),
        badge_milestones=[30],
        badge_award_days=["19/05"],
    )
    for day in (D(1930, 2, 3), D(2025, 12, 31), D(2026, 1, 1), D(2027, 1, 1)):
        assert rules_by_committee([cast.committee.pk, cast.other.pk], day) == {
            c.pk: rules_on(c, day) for c in (cast.committee, cast.other)
        }, day
    assert award_dates_in_year(cast.committee, 2026) == [D(2026, 5, 19)]
    assert award_dates_in_year(cast.committee, 2025) == [
        D(2025, 2, 3),
        D(2025, 5, 19),
        D(2025, 9, 2),
        D(2025, 11, 7),
    ]
