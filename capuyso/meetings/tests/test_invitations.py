import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from capuyso.accounts.roles import Role
from capuyso.core.testing import make_member, make_user
from capuyso.meetings.access import may_view
from capuyso.meetings.models import Invitation, Meeting
from capuyso.meetings.services.invitations import (
    Answers,
    answer_counts,
    answers,
    default_users,
    invitation_respond,
    invitations_of,
    invitations_send,
)
from capuyso.meetings.tests.factories import make_cell_members, make_meeting
from capuyso.members.models import Member
from capuyso.notifications.models import Notification

pytestmark = pytest.mark.django_db


def link(user, member):
    user.member = member
    user.save(update_fields=["member"])
    return member


def test_cell_meeting_invites_the_cells_active_members_and_notifies_those_with_accounts(cast):
    meeting = make_meeting(cast)
    members = make_cell_members(cast, 3)
    link(cast.member, members[0])
    make_member(cast.committee, cast.cell, "Đã Mất", status=Member.Status.DECEASED)
    make_member(cast.committee, cast.other_cell, "Chi Bộ Khác")
    result = invitations_send(actor=cast.cell_secretary, meeting=meeting, users=[cast.standing])
    assert result.created == 4  # three members and the guest
    assert result.notified == 2  # the member with an account and the guest
    invited = Invitation.objects.filter(meeting=meeting)
    assert {i.member for i in invited if i.member_id} == set(members)
    mine = invited.get(member=members[0])
    assert mine.user == cast.member and mine.notified_at is not None
    guest = invited.get(user=cast.standing)
    assert guest.member is None
    assert invited.get(member=members[1]).notified_at is None  # no account: told in person
    note = Notification.objects.get(user=cast.member)
    assert note.url == reverse("meetings:invitation", args=[meeting.code])
    assert note.kind == Notification.Kind.MEETING_INVITATION
    assert str(note.get_kind_display()) == str(Notification.Kind.MEETING_INVITATION.label)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.INVITED

    # Sending again adds newcomers and notifies nobody twice.
    newcomer = make_cell_members(cast, 1, prefix="Mới")[0]
    again = invitations_send(actor=cast.cell_secretary, meeting=meeting)
    assert (again.created, again.notified) == (1, 0)
    assert invited.filter(member=newcomer).exists()
    assert Notification.objects.filter(user=cast.member).count() == 1


def test_a_guest_who_is_a_member_of_the_cell_is_invited_once(cast):
    meeting = make_meeting(cast)
    member = link(cast.member, make_cell_members(cast, 1)[0])
    invitations_send(actor=cast.cell_secretary, meeting=meeting, members=[], users=[cast.member])
    invitations_send(actor=cast.cell_secretary, meeting=meeting)
    row = Invitation.objects.get(meeting=meeting)
    assert (row.member, row.user) == (member, cast.member)


def test_sending_is_refused_across_cells_committees_roles_and_after_the_meeting(cast):
    meeting = make_meeting(cast)
    stranger = make_member(cast.committee, cast.other_cell, "Chi Bộ Khác")
    with pytest.raises(ValidationError) as exc:
        invitations_send(actor=cast.cell_secretary, meeting=meeting, members=[stranger])
    assert exc.value.error_dict["members"][0].code == "not_in_cell"
    with pytest.raises(ValidationError) as exc:
        invitations_send(actor=cast.cell_secretary, meeting=meeting, users=[cast.outsider])
    assert exc.value.error_dict["users"][0].code == "user_other_committee"
    with pytest.raises(PermissionDenied):
        invitations_send(actor=cast.member, meeting=meeting)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    with pytest.raises(ValidationError) as exc:
        invitations_send(actor=cast.cell_secretary, meeting=meeting)
    assert exc.value.error_list[0].code == "meeting_over"
    assert not Invitation.objects.exists()


def test_committee_meeting_invites_the_holders_of_its_positions(cast):
    meeting = make_meeting(cast, unit=False, kind=Meeting.Kind.STANDING, title="Họp BTV")
    member = link(cast.deputy, make_cell_members(cast, 1)[0])
    defaults = set(default_users(meeting))
    assert defaults == {cast.secretary, cast.deputy, cast.standing}
    invitations_send(actor=cast.clerk, meeting=meeting, users=list(defaults))
    rows = Invitation.objects.filter(meeting=meeting)
    assert {r.user for r in rows} == defaults
    assert rows.get(user=cast.deputy).member == member  # on the roll of the meeting
    assert Notification.objects.filter(user__in=defaults).count() == 3
    with pytest.raises(PermissionDenied):
        invitations_send(actor=cast.cell_secretary, meeting=meeting, users=[cast.secretary])


def test_invitee_confirms_or_declines_with_a_reason(cast):
    meeting = make_meeting(cast)
    link(cast.member, make_cell_members(cast, 1)[0])
    invitations_send(actor=cast.cell_secretary, meeting=meeting)
    with pytest.raises(ValidationError) as exc:
        invitation_respond(actor=cast.member, meeting=meeting, response="absent", reason="  ")
    assert exc.value.error_dict["reason"][0].code == "reason_required"
    with pytest.raises(ValidationError) as exc:
        invitation_respond(actor=cast.member, meeting=meeting, response="maybe")
    assert exc.value.error_dict["response"][0].code == "invalid_choice"
    invitation_respond(actor=cast.member, meeting=meeting, response="absent", reason="Ốm")
    row = Invitation.objects.get()
    assert (row.response, row.reason) == ("absent", "Ốm")
    invitation_respond(actor=cast.member, meeting=meeting, response="attending", reason="x")
    row.refresh_from_db()
    assert (row.response, row.reason) == ("attending", "")
    with pytest.raises(PermissionDenied):
        invitation_respond(actor=cast.cell_deputy, meeting=meeting, response="attending")
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CLOSED)
    with pytest.raises(ValidationError) as exc:
        invitation_respond(actor=cast.member, meeting=meeting, response="absent", reason="Ốm")
    assert exc.value.error_list[0].code == "meeting_over"


def test_the_meeting_pages_answer_counts_match_the_invitations(cast):
    meeting = make_meeting(cast)
    link(cast.member, make_cell_members(cast, 3)[0])
    invitations_send(actor=cast.cell_secretary, meeting=meeting, users=[cast.standing])
    invitation_respond(actor=cast.member, meeting=meeting, response="absent", reason="Ốm")
    invitation_respond(actor=cast.standing, meeting=meeting, response="attending")
    counts = answer_counts(meeting)
    assert counts == answers(invitations_of(meeting))
    # Three cell members (one with an account) and the standing committee member as guest.
    assert counts == Answers(total=4, attending=1, absent=1, pending=2, without_account=2)


def test_a_guest_invitation_lets_the_guest_see_the_meeting(cast):
    meeting = make_meeting(cast, unit=cast.other_cell)
    assert not may_view(cast.member, meeting)
    invitations_send(actor=cast.secretary, meeting=meeting, members=[], users=[cast.member])
    assert may_view(cast.member, meeting)


# --- Pages ---------------------------------------------------------------------------------


def test_invitation_pages_and_answer_on_a_phone(cast, client_for):
    meeting = make_meeting(cast)
    link(cast.member, make_cell_members(cast, 2)[0])
    send_url = reverse("meetings:invitations_send", args=[meeting.code])
    list_url = reverse("meetings:invitations", args=[meeting.code])
    client = client_for(cast.cell_secretary)
    assert client.get(send_url).status_code == 405
    assert client.get(list_url).status_code == 200
    response = client.post(send_url, {"all_members": "1", "users": [str(cast.standing.code)]})
    assert response.status_code == 302
    assert Invitation.objects.filter(meeting=meeting).count() == 3

    answer_url = reverse("meetings:invitation_respond", args=[meeting.code])
    client = client_for(cast.member)
    assert client.get(answer_url).status_code == 405
    page = client.get(reverse("meetings:invitation", args=[meeting.code]))
    assert page.status_code == 200 and answer_url.encode() in page.content
    assert client.get(list_url).status_code == 403
    assert client.post(send_url, {"all_members": "1"}).status_code == 403
    response = client.post(answer_url, {"response": "absent", "reason": "Đi viện"})
    assert response.status_code == 302
    assert Invitation.objects.get(user=cast.member).reason == "Đi viện"
    partial = client.post(
        answer_url, {"response": "absent", "reason": ""}, headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200
    assert b"errorlist" in partial.content and b"<html" not in partial.content
    assert Invitation.objects.get(user=cast.member).reason == "Đi viện"  # unchanged

    client = client_for(cast.cell_secretary)
    html = client.get(list_url).content.decode()
    assert "Đi viện" in html  # managers see the answers

    client = client_for(cast.outsider)
    for url in (list_url, reverse("meetings:invitation", args=[meeting.code])):
        assert client.get(url).status_code == 404
    assert client.post(send_url, {"all_members": "1"}).status_code == 404
    assert client.post(answer_url, {"response": "attending"}).status_code == 404


def test_invitations_page_query_count(cast, client_for, django_assert_max_num_queries):
    meeting = make_meeting(cast)
    make_cell_members(cast, 30)
    invitations_send(actor=cast.cell_secretary, meeting=meeting)
    for i in range(10):
        make_user(cast.committee, f"khach{i}", f"Khách {i}", Role.MEMBER, cast.other_cell)
    client = client_for(cast.cell_secretary)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("meetings:invitations", args=[meeting.code])).status_code == 200


def test_attendance_panel_shows_the_answer_form_to_an_invitee(cast, django_assert_max_num_queries):
    meeting = make_meeting(cast)
    link(cast.member, make_cell_members(cast, 5)[0])
    invitations_send(actor=cast.cell_secretary, meeting=meeting)
    request = RequestFactory().get("/")
    request.user = cast.member
    with django_assert_max_num_queries(6):
        html = render_to_string(
            "meetings/_attendance_panel.html",
            {"meeting": meeting, "can_manage": False, "request": request},
        )
    assert reverse("meetings:invitation_respond", args=[meeting.code]) in html
    assert reverse("meetings:attendance", args=[meeting.code]) not in html
    request.user = cast.cell_secretary
    with django_assert_max_num_queries(15):
        html = render_to_string(
            "meetings/_attendance_panel.html",
            {"meeting": meeting, "can_manage": True, "request": request},
        )
    assert reverse("meetings:attendance", args=[meeting.code]) in html
