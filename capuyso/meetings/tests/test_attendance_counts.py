"""The meeting page's attendance counts in one aggregate query (selectors_attendance) give
the same numbers as the roll-based `attendance_summary`, on a roll with every case: present,
absent with and without a reason, not recorded, probationary (by status and by date),
exempt by an exemption and by the file, temporarily away, recorded without being summoned,
admitted after the meeting; for a cell meeting today, a cell meeting in the past and a
committee meeting."""

import datetime as dt

import pytest
from django.utils import timezone

from capuyso.core.testing import make_member
from capuyso.meetings.models import Attendance, Invitation, Meeting
from capuyso.meetings.selectors_attendance import COUNTS, attendance_counts
from capuyso.meetings.services.attendance import attendance_summary
from capuyso.meetings.tests.factories import make_meeting
from capuyso.members.models import Exemption, Member, Transfer

pytestmark = pytest.mark.django_db

S = Attendance.Status


def _exempt(member, starts, ends=None):
    Exemption.objects.create(
        member=member,
        reason=Exemption.Reason.AGE,
        applied_on=starts,
        decision_date=starts,
        starts_on=starts,
        ends_on=ends,
    )


def _away(cast, member, decided, until=None, status=Transfer.Status.PENDING):
    Transfer.objects.create(
        member=member,
        kind=Transfer.Kind.TEMPORARY,
        scope=Transfer.Scope.INTERNAL,
        status=status,
        from_committee=cast.committee,
        from_cell=cast.cell,
        to_committee=cast.committee,
        to_cell=cast.other_cell,
        decision_date=decided,
        deadline=decided + dt.timedelta(days=60),
        until=until,
    )


def _people(cast, day: dt.date) -> dict[str, Member]:
    """Members of the cast's cell in every case, keyed by what they show."""
    long_ago = dt.date(2000, 1, 1)

    def member(name, **extra):
        return make_member(cast.committee, cast.cell, name, **extra)

    people = {
        "present": [member(f"Có mặt {i}") for i in range(6)],
        "excused": member("Vắng có lý do"),
        "unexcused": member("Vắng không lý do"),
        "unrecorded": member("Chưa điểm danh"),
        "probationary": member(
            "Dự bị", status=Member.Status.PROBATIONARY, full_membership_date=None
        ),
        "probationary_by_date": member(
            "Chính thức sau ngày họp", full_membership_date=day + dt.timedelta(days=30)
        ),
        "exempt_record": member("Miễn theo quyết định"),
        "exempt_record_present": member("Miễn mà vẫn dự"),
        "exempt_ended": member("Hết miễn"),
        "exempt_file": member("Hồ sơ miễn", status=Member.Status.EXEMPT),
        "exempt_file_absent": member("Hồ sơ miễn vắng", status=Member.Status.EXEMPT),
        "away_present": member("Đi vắng mà về dự"),
        "away_absent": member("Đi vắng"),
        "away_over": member("Đã hết tạm chuyển"),
        "away_refused": member("Tạm chuyển bị từ chối"),
        "late": member("Kết nạp sau", admission_date=day + dt.timedelta(days=5)),
        "other_cell": make_member(cast.committee, cast.other_cell, "Chi bộ khác"),
        "left": member("Đã chuyển đi", status=Member.Status.TRANSFERRED_OUT),
    }
    _exempt(people["exempt_record"], long_ago)
    _exempt(people["exempt_record_present"], long_ago, day + dt.timedelta(days=1))
    _exempt(people["exempt_ended"], long_ago, day - dt.timedelta(days=1))
    _away(cast, people["away_present"], day - dt.timedelta(days=10))
    _away(cast, people["away_absent"], day - dt.timedelta(days=10), until=day)
    _away(cast, people["away_over"], long_ago, until=day - dt.timedelta(days=1))
    _away(cast, people["away_refused"], long_ago, status=Transfer.Status.REJECTED)
    return people


def _record(meeting, people):
    marks = {
        "excused": S.ABSENT_EXCUSED,
        "unexcused": S.ABSENT_UNEXCUSED,
        "probationary": S.PRESENT,
        "probationary_by_date": S.PRESENT,
        "exempt_record_present": S.PRESENT,
        "exempt_ended": S.PRESENT,
        "exempt_file_absent": S.ABSENT_EXCUSED,
        "away_present": S.PRESENT,
        "away_absent": S.ABSENT_EXCUSED,
        "away_over": S.PRESENT,
        "away_refused": S.PRESENT,
        "late": S.PRESENT,
        "other_cell": S.PRESENT,  # recorded without being summoned
        "left": S.ABSENT_UNEXCUSED,  # recorded, then transferred out
    }
    rows = [Attendance(meeting=meeting, member=m, status=S.PRESENT) for m in people["present"]]
    rows += [Attendance(meeting=meeting, member=people[k], status=s) for k, s in marks.items()]
    Attendance.objects.bulk_create(rows)


def _same(meeting):
    summary = attendance_summary(meeting)
    counts = attendance_counts(meeting)
    expected = {name: getattr(summary, name) for name in COUNTS}
    assert counts.counts() == expected
    assert (counts.quorum is None) == (summary.quorum is None)
    if counts.quorum is not None:
        assert counts.quorum.arithmetic == summary.quorum.arithmetic
        assert counts.quorum.passed == summary.quorum.passed
    return counts


def test_a_cell_meeting_today_counts_the_same_both_ways(cast):
    day = timezone.localdate()
    meeting = make_meeting(cast, starts_at=timezone.now(), status=Meeting.Status.IN_PROGRESS)
    people = _people(cast, day)
    assert _same(meeting).total > 0  # the roll before anyone taps: all unrecorded or exempt
    _record(meeting, people)
    counts = _same(meeting)
    # By hand: present 6 + 9 others tapped present; of the full members summoned, 13 count
    # (the exempt absent and the temporarily away do not) and 10 of them are present.
    assert (counts.present, counts.denominator, counts.vote_base) == (15, 13, 10)
    assert counts.unrecorded == 1 and counts.exempt == 2


def test_a_cell_meeting_in_the_past_counts_the_same_both_ways(cast):
    day = timezone.localdate() - dt.timedelta(days=40)
    starts = dt.datetime.combine(day, dt.time(19, 30), tzinfo=timezone.get_current_timezone())
    meeting = make_meeting(cast, starts_at=starts)
    people = _people(cast, day)
    _record(meeting, people)
    _same(meeting)


def test_a_committee_meeting_counts_its_invitees_the_same_both_ways(cast):
    day = timezone.localdate()
    meeting = make_meeting(cast, unit=False, starts_at=timezone.now())
    people = _people(cast, day)
    invited = [*people["present"][:3], people["exempt_record"], people["away_absent"]]
    invited += [people["probationary"], people["unrecorded"]]
    for member in invited:
        Invitation.objects.create(meeting=meeting, member=member, name=member.full_name)
    _same(meeting)
    _record(meeting, people)
    _same(meeting)


def test_the_counts_take_two_queries(cast, django_assert_num_queries):
    meeting = make_meeting(cast)
    _record(meeting, _people(cast, timezone.localdate()))
    with django_assert_num_queries(2):
        attendance_counts(meeting)
