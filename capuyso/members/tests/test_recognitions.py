"""Recognition as full member: probation end, the working-day deadline, the list, the
decision, failed votes. Deadlines are hand-computed against the Vietnamese calendar."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from capuyso.core.testing import make_member
from capuyso.members.models import Member, MemberRevision, MembershipRules
from capuyso.members.selectors_lifecycle import (
    RecognitionState,
    add_months,
    probation_for,
    recognitions_for_user,
)
from capuyso.members.services.file import member_create, member_state_on
from capuyso.members.services.lifecycle import member_recognize, recognition_vote_failed
from capuyso.org.models import CalendarDay

pytestmark = pytest.mark.django_db

D = dt.date


def probationer(cast, name="Lê Văn Dự Bị", cell=None, *, ceremony, admission=None, **extra):
    return make_member(
        cast.committee,
        cell or cast.cell,
        name,
        admission_date=admission or ceremony - dt.timedelta(days=20),
        ceremony_date=ceremony,
        full_membership_date=None,
        status=Member.Status.PROBATIONARY,
        **extra,
    )


def test_months_are_added_as_the_civil_code_counts_them():
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert add_months(D(2023, 2, 28), 12) == D(2024, 2, 28)
    assert add_months(D(2024, 3, 31), 11) == D(2025, 2, 28)
    assert add_months(D(2025, 12, 15), 2) == D(2026, 2, 15)


def test_deadline_crosses_tet_2026(cast):
    # Probation ends Tue 20/01/2026. Thirty working days after it: 21/01 … 13/02 is 18,
    # Tết 16–20/02 counts nothing, 23/02 … 06/03 makes 28, then 09/03 and 10/03.
    member = probationer(cast, ceremony=D(2025, 1, 20))
    probation = probation_for(member)
    assert probation.ends_on == D(2026, 1, 20)
    assert probation.deadline == D(2026, 3, 10)
    assert not probation.from_admission


def test_ceremony_on_29_february(cast):
    # Ceremony 29/02/2024 → probation ends 28/02/2025 (Fri). From Mon 03/03/2025: five weeks
    # give 25 working days to 04/04; Giỗ Tổ Hùng Vương (Mon 07/04) is off; 08–11/04 make
    # 29 and Mon 14/04 the 30th.
    member = probationer(cast, ceremony=D(2024, 2, 29))
    probation = probation_for(member)
    assert probation.ends_on == D(2025, 2, 28)
    assert probation.deadline == D(2025, 4, 14)


def test_an_announced_extra_day_off_moves_the_deadline(cast):
    member = probationer(cast, ceremony=D(2025, 1, 20))
    CalendarDay.objects.create(committee=None, date=D(2026, 3, 9), is_working_day=False)
    assert probation_for(member).deadline == D(2026, 3, 11)


def test_without_ceremony_date_probation_counts_from_admission_flagged(cast):
    member = probationer(cast, ceremony=None, admission=D(2025, 3, 3))
    probation = probation_for(member)
    assert probation.from_admission
    assert probation.ends_on == D(2026, 3, 3)


def test_committee_rules_change_the_probation_length(cast):
    MembershipRules.objects.create(
        committee=cast.committee, effective_from=D(2024, 1, 1), probation_months=6
    )
    member = probationer(cast, ceremony=D(2025, 1, 20))
    assert probation_for(member).ends_on == D(2025, 7, 20)


def test_list_states_and_scope(cast):
    today = D(2026, 2, 10)
    overdue = probationer(cast, "An Quá Hạn", ceremony=D(2024, 11, 1))  # deadline 12/2025
    due = probationer(cast, "Bình Đến Hạn", ceremony=D(2025, 1, 20))  # ended 20/01/2026
    upcoming = probationer(cast, "Cúc Sắp Tới", ceremony=D(2025, 3, 1))  # ends 01/03/2026
    probationer(cast, "Dũng Còn Lâu", ceremony=D(2025, 9, 1))  # beyond the notice period
    other_cell = probationer(cast, "Em Chi Bộ Khác", cell=cast.other_cell, ceremony=D(2025, 1, 20))
    make_member(cast.committee, cast.cell, "Full Member")

    items = recognitions_for_user(cast.cell_secretary, today=today)
    assert [(i.member, i.state) for i in items] == [
        (overdue, RecognitionState.OVERDUE),
        (due, RecognitionState.DUE),
        (upcoming, RecognitionState.UPCOMING),
    ]
    everything = recognitions_for_user(cast.party_building, today=today)
    assert other_cell in [i.member for i in everything]
    assert recognitions_for_user(cast.outsider, today=today) == []
    assert recognitions_for_user(cast.clerk, today=today) == []  # no MEMBERS_VIEW_FILE
    later = recognitions_for_user(cast.cell_secretary, today=today, include_later=True)
    assert len(later) == 4


def test_recognition_takes_effect_at_the_end_of_probation_even_when_late(cast):
    member = member_create(
        actor=cast.cell_secretary,
        committee=cast.committee,
        data={
            "full_name": "Lê Văn Dự Bị",
            "sex": Member.Sex.MALE,
            "date_of_birth": D(1995, 4, 4),
            "cell": cast.cell,
            "admission_date": D(2024, 12, 30),
            "ceremony_date": D(2025, 1, 20),
        },
    )
    assert member.status == Member.Status.PROBATIONARY
    revision = member_recognize(
        actor=cast.cell_secretary,
        member=member,
        decision_number="45-QĐ/ĐU",
        decision_date=D(2026, 4, 2),  # after the 10/03/2026 deadline
    )
    member.refresh_from_db()
    assert member.status == Member.Status.FULL
    assert member.full_membership_date == D(2026, 1, 20)
    assert member.status_since == D(2026, 1, 20)
    assert member.full_membership_decision == "45-QĐ/ĐU"
    assert revision.kind == MemberRevision.Kind.RECOGNIZED
    assert revision.effective_on == D(2026, 1, 20)
    assert "10/03/2026" in revision.note  # says it was late, and the deadline
    assert member_state_on(member, D(2026, 1, 19))["status"] == Member.Status.PROBATIONARY
    assert member_state_on(member, D(2026, 1, 20))["status"] == Member.Status.FULL


def test_recognising_twice_is_harmless(cast):
    member = probationer(cast, ceremony=D(2025, 1, 20))
    first = member_recognize(
        actor=cast.cell_secretary,
        member=member,
        decision_number="45-QĐ/ĐU",
        decision_date=D(2026, 2, 2),
    )
    second = member_recognize(
        actor=cast.cell_secretary,
        member=member,
        decision_number="45-QĐ/ĐU",
        decision_date=D(2026, 2, 2),
    )
    assert first.pk == second.pk
    assert member.revisions.filter(kind=MemberRevision.Kind.RECOGNIZED).count() == 1


@pytest.mark.parametrize(
    ("number", "day", "field", "code"),
    [
        ("", D(2026, 2, 2), "decision_number", "required"),
        ("45-QĐ/ĐU", None, "decision_date", "required"),
        ("45-QĐ/ĐU", D(2099, 1, 1), "decision_date", "future"),
        ("45-QĐ/ĐU", D(2026, 1, 19), "decision_date", "probation_not_over"),
    ],
)
def test_bad_recognitions_change_nothing(cast, number, day, field, code):
    member = probationer(cast, ceremony=D(2025, 1, 20))
    with pytest.raises(ValidationError) as exc:
        member_recognize(
            actor=cast.cell_secretary, member=member, decision_number=number, decision_date=day
        )
    assert exc.value.error_dict[field][0].code == code
    member.refresh_from_db()
    assert member.status == Member.Status.PROBATIONARY
    assert not member.revisions.exists()


def test_only_probationary_members_are_recognised_and_only_with_the_right(cast):
    full = make_member(cast.committee, cast.cell, "Đã Chính Thức")
    with pytest.raises(ValidationError) as exc:
        member_recognize(
            actor=cast.cell_secretary, member=full, decision_number="1", decision_date=D(2026, 1, 5)
        )
    assert exc.value.error_list[0].code == "not_probationary"
    member = probationer(cast, ceremony=D(2025, 1, 20))
    for user in (cast.cell_deputy, cast.standing, cast.outsider):
        with pytest.raises(PermissionDenied):
            member_recognize(
                actor=user, member=member, decision_number="1", decision_date=D(2026, 2, 2)
            )
    closed = probationer(cast, "Đã Xóa Tên", ceremony=D(2025, 1, 20))
    Member.objects.filter(pk=closed.pk).update(status=Member.Status.STRUCK_OFF)
    with pytest.raises(ValidationError) as exc:
        member_recognize(
            actor=cast.cell_secretary,
            member=closed,
            decision_number="1",
            decision_date=D(2026, 2, 2),
        )
    assert exc.value.error_list[0].code == "closed"


def test_failed_votes_are_counted_and_listed(cast):
    member = probationer(cast, ceremony=D(2025, 1, 20))
    assert (
        recognition_vote_failed(actor=cast.cell_secretary, member=member, vote_date=D(2026, 1, 22))
        == 1
    )
    # The same vote submitted again is not a second failure.
    assert (
        recognition_vote_failed(actor=cast.cell_secretary, member=member, vote_date=D(2026, 1, 22))
        == 1
    )
    assert (
        recognition_vote_failed(actor=cast.cell_secretary, member=member, vote_date=D(2026, 2, 5))
        == 2
    )
    assert (
        recognition_vote_failed(actor=cast.cell_secretary, member=member, vote_date=D(2026, 3, 2))
        == 3
    )
    member.refresh_from_db()
    assert member.status == Member.Status.PROBATIONARY
    [item] = recognitions_for_user(cast.cell_secretary, today=D(2026, 3, 3))
    assert item.failed_votes == 3
    assert item.refer_upward
    with pytest.raises(ValidationError) as exc:
        recognition_vote_failed(actor=cast.cell_secretary, member=member, vote_date=D(2026, 1, 2))
    assert exc.value.error_dict["vote_date"][0].code == "probation_not_over"
