import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection
from django.urls import reverse
from django.utils import timezone

from capuyso.core.testing import make_member
from capuyso.meetings.models import Attendance, Invitation, Meeting
from capuyso.meetings.services import attendance as svc
from capuyso.meetings.services.attendance import (
    attendance_mark,
    attendance_mark_many,
    attendance_summary,
    eligible_voters,
)
from capuyso.meetings.tests.factories import make_cell_members, make_meeting
from capuyso.members.models import Exemption, Member

pytestmark = pytest.mark.django_db

P = Attendance.Status.PRESENT
EXCUSED = Attendance.Status.ABSENT_EXCUSED
UNEXCUSED = Attendance.Status.ABSENT_UNEXCUSED
EXEMPT = Attendance.Status.EXEMPT


def nine(cast):
    """9 members: 7 full, 1 probationary, 1 exempt (on file)."""
    members = make_cell_members(cast, 7)
    probationary = make_member(
        cast.committee,
        cast.cell,
        "Dự Bị Một",
        status=Member.Status.PROBATIONARY,
        admission_date=timezone.localdate() - dt.timedelta(days=100),
        full_membership_date=None,
    )
    exempt = make_member(cast.committee, cast.cell, "Miễn Sinh Hoạt", status=Member.Status.EXEMPT)
    return members, probationary, exempt


def test_counts_on_hand_made_attendance(cast):
    meeting = make_meeting(cast)
    full, probationary, exempt = nine(cast)
    for member in full[:5] + [probationary]:
        attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=member, status=P)
    attendance_mark(
        actor=cast.cell_secretary, meeting=meeting, member=full[5], status=EXCUSED, reason="Ốm"
    )
    attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=full[6], status=UNEXCUSED)
    # The exempt member is not tapped: exempt by default.
    summary = attendance_summary(meeting)
    assert (summary.total, summary.present, summary.exempt, summary.absent) == (9, 6, 1, 2)
    assert (summary.absent_excused, summary.absent_unexcused, summary.unrecorded) == (1, 1, 0)
    assert summary.present_probationary == 1
    assert summary.vote_base == 5
    # 8 full members (the exempt one included), minus the exempt one who is absent.
    assert summary.denominator == 7
    assert summary.quorum.passed
    assert (summary.quorum.votes, summary.quorum.base, summary.quorum.needed) == (5, 7, 5)
    assert "5/7" in summary.quorum.arithmetic
    assert summary.reasons == [(full[5].full_name, "Ốm")]
    assert summary.names[EXEMPT] == [exempt.full_name]
    assert set(eligible_voters(meeting)) == set(full[:5])
    data = summary.as_dict()
    assert data["vote_base"] == 5 and data["quorum"]["needed"] == 5


def test_quorum_arithmetic_fails_below_two_thirds(cast):
    meeting = make_meeting(cast)
    members = make_cell_members(cast, 9)
    for member in members[:5]:
        attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=member, status=P)
    summary = attendance_summary(meeting)
    # 5 of 9: two thirds of 9 is 6.
    assert (summary.vote_base, summary.denominator, summary.unrecorded) == (5, 9, 4)
    assert not summary.quorum.passed
    assert summary.quorum.needed == 6
    marks = {m.pk: (P, "") for m in members[5:6]}
    attendance_mark_many(actor=cast.cell_secretary, meeting=meeting, marks=marks)
    assert attendance_summary(meeting).quorum.passed


def test_exempt_member_who_comes_counts_and_votes(cast):
    meeting = make_meeting(cast)
    members = make_cell_members(cast, 2)
    exempt = make_member(cast.committee, cast.cell, "Cụ Già", status=Member.Status.EXEMPT)
    attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=exempt, status=P)
    summary = attendance_summary(meeting)
    assert (summary.present, summary.exempt, summary.exempt_present) == (1, 0, 1)
    assert summary.denominator == 3
    assert list(eligible_voters(meeting)) == [exempt]
    # Marking exempt is only for members exempt from activities.
    with pytest.raises(ValidationError) as exc:
        attendance_mark(
            actor=cast.cell_secretary, meeting=meeting, member=members[0], status=EXEMPT
        )
    assert exc.value.error_dict["status"][0].code == "not_exempt"


def test_exemption_recorded_on_the_day_counts_as_exempt(cast):
    meeting = make_meeting(cast)
    member = make_cell_members(cast, 1)[0]
    Exemption.objects.create(
        member=member,
        reason=Exemption.Reason.AGE,
        applied_on=dt.date(2025, 1, 1),
        decision_date=dt.date(2025, 1, 2),
        starts_on=dt.date(2025, 1, 2),
    )
    summary = attendance_summary(meeting)
    assert (summary.exempt, summary.denominator) == (1, 0)
    assert summary.quorum is not None and not summary.quorum.passed


def test_marking_is_refused_when_closed_outside_the_roll_or_without_right(cast):
    meeting = make_meeting(cast)
    member = make_cell_members(cast, 1)[0]
    stranger = make_member(cast.committee, cast.other_cell, "Chi Bộ Khác")
    with pytest.raises(ValidationError) as exc:
        attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=stranger, status=P)
    assert exc.value.error_dict["member"][0].code == "not_on_roll"
    with pytest.raises(PermissionDenied):
        attendance_mark(actor=cast.member, meeting=meeting, member=member, status=P)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CLOSED)
    with pytest.raises(ValidationError) as exc:
        attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=member, status=P)
    assert exc.value.error_list[0].code == "meeting_over"
    with pytest.raises(ValidationError) as exc:
        attendance_mark_many(actor=cast.cell_secretary, meeting=meeting, marks={member.pk: (P, "")})
    assert exc.value.error_list[0].code == "meeting_over"
    assert not Attendance.objects.exists()


def test_whole_list_is_refused_whole(cast):
    meeting = make_meeting(cast)
    a, b = make_cell_members(cast, 2)
    with pytest.raises(ValidationError):
        attendance_mark_many(
            actor=cast.cell_secretary, meeting=meeting, marks={a.pk: (P, ""), b.pk: (EXEMPT, "")}
        )
    assert not Attendance.objects.exists()


def test_tapping_twice_keeps_one_row_and_the_last_tap(cast):
    meeting = make_meeting(cast)
    member = make_cell_members(cast, 1)[0]
    attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=member, status=P)
    attendance_mark(actor=cast.cell_deputy, meeting=meeting, member=member, status=P)
    attendance_mark(actor=cast.cell_deputy, meeting=meeting, member=member, status=UNEXCUSED)
    row = Attendance.objects.get()
    assert (row.status, row.recorded_by) == (UNEXCUSED, cast.cell_deputy)


def test_absent_with_reason_takes_the_invitees_reason(cast):
    meeting = make_meeting(cast)
    member = make_cell_members(cast, 1)[0]
    Invitation.objects.create(
        meeting=meeting,
        member=member,
        name=member.full_name,
        response=Invitation.Response.ABSENT,
        reason="Đi công tác",
    )
    attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=member, status=EXCUSED)
    assert Attendance.objects.get().reason == "Đi công tác"


def test_a_race_between_read_and_insert_updates_the_other_phones_row(cast):
    """The other phone's row appears between update_or_create's read and its insert: the
    insert hits the unique constraint and the tap updates the row instead."""
    meeting = make_meeting(cast)
    member = make_cell_members(cast, 1)[0]
    Attendance.objects.create(meeting=meeting, member=member, status=P)
    racing = mock.Mock(side_effect=IntegrityError("attendance_once"))
    with mock.patch.object(Attendance.objects, "update_or_create", racing):
        attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=member, status=UNEXCUSED)
    assert racing.called
    assert Attendance.objects.count() == 1
    assert Attendance.objects.get().status == UNEXCUSED


def test_committee_meeting_roll_is_its_invited_members(cast):
    meeting = make_meeting(cast, unit=False)
    invited, other = make_cell_members(cast, 2)
    Invitation.objects.create(meeting=meeting, member=invited, name=invited.full_name)
    assert [row.member for row in svc.attendance_roll(meeting)] == [invited]
    attendance_mark(actor=cast.secretary, meeting=meeting, member=invited, status=P)
    summary = attendance_summary(meeting)
    assert (summary.total, summary.present, summary.vote_base, summary.denominator) == (1, 1, 1, 1)
    with pytest.raises(ValidationError):
        attendance_mark(actor=cast.secretary, meeting=meeting, member=other, status=P)


def test_summary_query_count(cast, django_assert_max_num_queries):
    meeting = make_meeting(cast)
    members = make_cell_members(cast, 30)
    for member in members[:20]:
        attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=member, status=P)
    with django_assert_max_num_queries(9):
        summary = attendance_summary(meeting)
    assert summary.present == 20


# --- Two phones at the same instant (PostgreSQL) --------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrency needs PostgreSQL (SQLite serialises writers)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_phones_tapping_the_same_member_make_one_row():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from capuyso.accounts.models import User
    from capuyso.core.testing import build_cast

    cast = build_cast()
    meeting = make_meeting(cast)
    member = make_cell_members(cast, 1)[0]
    count = 8
    barrier = threading.Barrier(count, timeout=30)
    statuses = [P, UNEXCUSED] * (count // 2)

    def tap(i):
        try:
            barrier.wait()
            who = cast.cell_secretary if i % 2 else cast.cell_deputy
            return attendance_mark(
                actor=User.objects.get(pk=who.pk),
                meeting=Meeting.objects.get(pk=meeting.pk),
                member=Member.objects.get(pk=member.pk),
                status=statuses[i],
            ).pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = [f.result() for f in [pool.submit(tap, i) for i in range(count)]]
    assert len(set(results)) == 1
    assert Attendance.objects.filter(meeting=meeting).count() == 1


# --- Pages ---------------------------------------------------------------------------------


def test_attendance_page_on_a_phone_saves_each_tap(cast, client_for):
    meeting = make_meeting(cast)
    members = make_cell_members(cast, 3)
    exempt = make_member(cast.committee, cast.cell, "Miễn Sinh Hoạt", status=Member.Status.EXEMPT)
    client = client_for(cast.cell_secretary)
    page = client.get(reverse("meetings:attendance", args=[meeting.code]))
    assert page.status_code == 200
    html = page.content.decode()
    for member in members + [exempt]:
        assert f'id="m-{member.code}"' in html
    # The exempt member's row starts on "exempt"; the others offer no exempt tap.
    assert f'name="status-{exempt.code}" value="exempt" checked' in html
    assert f'name="status-{members[0].code}" value="exempt"' not in html

    url = reverse("meetings:attendance_mark", args=[meeting.code, members[0].code])
    response = client.post(
        url, {f"status-{members[0].code}": "present"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="m-{members[0].code}"' in body and "<html" not in body
    assert 'hx-swap-oob="true"' in body and 'data-count="present">1<' in body
    assert Attendance.objects.get(member=members[0]).status == P

    # Without JavaScript: one tap redirects back to the list.
    response = client.post(url, {"status": "absent_unexcused"})
    assert response.status_code == 302
    assert Attendance.objects.get(member=members[0]).status == UNEXCUSED

    # A refused tap comes back with its message and changes nothing.
    response = client.post(
        reverse("meetings:attendance_mark", args=[meeting.code, members[1].code]),
        {"status": "exempt"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and b"errorlist" in response.content
    assert not Attendance.objects.filter(member=members[1]).exists()


def test_whole_list_without_javascript(cast, client_for):
    meeting = make_meeting(cast)
    a, b, c = make_cell_members(cast, 3)
    client = client_for(cast.cell_secretary)
    save_url = reverse("meetings:attendance_save", args=[meeting.code])
    assert client.get(save_url).status_code == 405
    response = client.post(
        save_url,
        {
            f"status-{a.code}": "present",
            f"status-{b.code}": "absent_excused",
            f"reason-{b.code}": "Đi làm xa",
        },
    )
    assert response.status_code == 302
    rows = {row.member_id: (row.status, row.reason) for row in Attendance.objects.all()}
    assert rows == {a.pk: (P, ""), b.pk: (EXCUSED, "Đi làm xa")}
    html = client.get(reverse("meetings:attendance", args=[meeting.code])).content.decode()
    assert 'value="Đi làm xa"' in html


def test_attendance_pages_check_rights(cast, client_for):
    meeting = make_meeting(cast)
    member = make_cell_members(cast, 1)[0]
    page = reverse("meetings:attendance", args=[meeting.code])
    mark = reverse("meetings:attendance_mark", args=[meeting.code, member.code])
    save = reverse("meetings:attendance_save", args=[meeting.code])
    client = client_for(cast.cell_secretary)
    assert client.get(mark).status_code == 405
    client = client_for(cast.member)
    assert client.get(page).status_code == 403
    assert client.post(mark, {"status": "present"}).status_code == 403
    assert client.post(save, {f"status-{member.code}": "present"}).status_code == 403
    client = client_for(cast.outsider)
    assert client.get(page).status_code == 404
    assert client.post(mark, {"status": "present"}).status_code == 404
    assert client.post(save, {}).status_code == 404
    client = client_for(cast.cell_secretary)
    foreign = make_member(cast.other, cast.foreign_cell, "Xã Khác")
    bad = reverse("meetings:attendance_mark", args=[meeting.code, foreign.code])
    assert client.post(bad, {"status": "present"}).status_code == 404
    assert not Attendance.objects.exists()


def test_closed_meeting_page_is_read_only(cast, client_for):
    meeting = make_meeting(cast, status=Meeting.Status.CLOSED)
    member = make_cell_members(cast, 1)[0]
    client = client_for(cast.cell_secretary)
    html = client.get(reverse("meetings:attendance", args=[meeting.code])).content.decode()
    assert "hx-post" not in html and "disabled" in html
    response = client.post(
        reverse("meetings:attendance_mark", args=[meeting.code, member.code]), {"status": "present"}
    )
    assert response.status_code == 302
    assert not Attendance.objects.exists()


def test_attendance_page_query_count(cast, client_for, django_assert_max_num_queries):
    meeting = make_meeting(cast)
    members = make_cell_members(cast, 40)
    for member in members[:30]:
        attendance_mark(actor=cast.cell_secretary, meeting=meeting, member=member, status=P)
    client = client_for(cast.cell_secretary)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("meetings:attendance", args=[meeting.code]))
    assert response.status_code == 200
