"""Confidential agenda items are for those present (issue 6): one rule,
`access.may_see_confidential` — who runs the meeting (its organisers, chair, secretary)
and the members recorded present — asked by every surface. Each surface is checked for a
member of the cell who is not present (and for a committee reader who is not) and again
once the member is recorded present."""

import pytest
from django.urls import reverse

from capuyso.accounts.services import api_token_create
from capuyso.core.testing import make_member
from capuyso.meetings import access
from capuyso.meetings.models import Attendance, Meeting, Minutes, Vote
from capuyso.meetings.services import reader as reader_svc
from capuyso.meetings.services import votes as vote_services
from capuyso.meetings.services.ballots import ballot_create
from capuyso.meetings.services.meetings import agenda_item_add
from capuyso.meetings.tests.factories import make_cell_members, make_meeting
from capuyso.meetings.tests.test_reader import upload

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Xem xét kỷ luật đảng viên Trần Văn Xứng"
SECRET_PRESENTER = "Ủy viên kiểm tra"
SECRET_QUESTION = "Thi hành kỷ luật khiển trách đảng viên Trần Văn Xứng"
SECRET_BALLOT = "Đề nghị cách chức đảng viên Trần Văn Xứng"
PUBLIC_TITLE = "Thông tin thời sự trong tháng"


@pytest.fixture
def scene(cast):
    """A cell meeting in progress: a public item and a confidential one with a document,
    a closed open vote and a secret ballot on it, signed minutes; the cast's member has a
    member file of the cell, not recorded yet; eight others present."""
    meeting = make_meeting(cast, chair=cast.cell_secretary, status=Meeting.Status.IN_PROGRESS)
    others = make_cell_members(cast, 8)
    for member in others:
        Attendance.objects.create(meeting=meeting, member=member, status="present")
    me = make_member(cast.committee, cast.cell, "Ngô Văn Phúc")
    cast.member.member = me
    cast.member.save(update_fields=["member"])
    agenda_item_add(actor=cast.cell_secretary, meeting=meeting, title=PUBLIC_TITLE)
    item = agenda_item_add(
        actor=cast.cell_secretary,
        meeting=meeting,
        title=SECRET_TITLE,
        presenter=SECRET_PRESENTER,
        confidential=True,
    )
    document = reader_svc.meeting_document_add(
        actor=cast.cell_secretary, item=item, upload=upload(), title="Báo cáo kiểm tra"
    )
    vote = vote_services.vote_create(
        actor=cast.cell_secretary,
        meeting=meeting,
        question=SECRET_QUESTION,
        method=Vote.Method.OPEN,
        rule_code="discipline",
        item=item,
    )
    vote_services.open_vote_record(
        actor=cast.cell_secretary,
        vote=vote,
        count_for=7,
        count_against=1,
        count_abstain=0,
        close=True,
    )
    ballot = ballot_create(
        actor=cast.cell_secretary,
        meeting=meeting,
        question=SECRET_BALLOT,
        rule_code="personnel",
        item=item,
    )
    minutes = Minutes.objects.create(
        meeting=meeting,
        status=Minutes.Status.SIGNED,
        sections={"content": {"agenda": f"1. {PUBLIC_TITLE}\n2. {SECRET_TITLE}"}},
    )
    return {
        "meeting": meeting,
        "item": item,
        "document": document,
        "vote": vote,
        "ballot": ballot,
        "minutes": minutes,
        "me": me,
    }


def _mark_present(cast, scene):
    Attendance.objects.create(meeting=scene["meeting"], member=scene["me"], status="present")


def _page(client, scene) -> str:
    response = client.get(reverse("meetings:detail", args=[scene["meeting"].code]))
    assert response.status_code == 200
    return response.content.decode()


def _hidden_everywhere_in(html: str) -> None:
    for text in (SECRET_TITLE, SECRET_PRESENTER, SECRET_QUESTION, SECRET_BALLOT):
        assert text not in html
    assert "Báo cáo kiểm tra" not in html


def test_the_rule_is_those_running_the_meeting_and_those_recorded_present(cast, scene):
    meeting = scene["meeting"]
    assert access.may_see_confidential(cast.cell_secretary, meeting)  # organises, takes attendance
    assert access.may_see_confidential(cast.secretary, meeting)  # organises committee-wide
    assert not access.may_see_confidential(cast.member, meeting)  # not recorded yet
    assert not access.may_see_confidential(cast.committee_member, meeting)  # reads, no more
    Attendance.objects.create(meeting=meeting, member=scene["me"], status="absent_excused")
    assert not access.may_see_confidential(cast.member, meeting)
    Attendance.objects.filter(meeting=meeting, member=scene["me"]).update(status="present")
    assert access.may_see_confidential(cast.member, meeting)
    # The meeting's secretary (a plain member here) runs it with the chair.
    meeting.secretary = cast.cell_deputy
    meeting.save(update_fields=["secretary"])
    assert access.may_see_confidential(cast.cell_deputy, meeting)


def test_a_member_not_present_sees_no_confidential_item_on_the_meeting_page(
    cast, scene, client_for
):
    html = _page(client_for(cast.member), scene)
    assert PUBLIC_TITLE in html
    _hidden_everywhere_in(html)
    # The item keeps its place; votes on it are listed without their question.
    assert html.count('class="muted"') >= 1
    assert reverse("meetings:vote", args=[scene["vote"].code]) not in html
    assert reverse("meetings:ballot", args=[scene["ballot"].code]) not in html
    assert reverse("meetings:reader", args=[scene["document"].code]) not in html
    # The signed minutes record the item: not offered.
    assert reverse("meetings:minutes_detail", args=[scene["minutes"].code]) not in html
    _hidden_everywhere_in(_page(client_for(cast.committee_member), scene))


def test_a_member_recorded_present_sees_them_all(cast, scene, client_for):
    _mark_present(cast, scene)
    html = _page(client_for(cast.member), scene)
    for text in (SECRET_TITLE, SECRET_PRESENTER, SECRET_QUESTION, SECRET_BALLOT):
        assert text in html
    assert reverse("meetings:reader", args=[scene["document"].code]) in html
    assert reverse("meetings:vote", args=[scene["vote"].code]) in html
    assert reverse("meetings:minutes_detail", args=[scene["minutes"].code]) in html


def test_the_items_documents_are_404_to_a_member_not_present(cast, scene, client_for):
    document = scene["document"]
    urls = [
        reverse("meetings:reader", args=[document.code]),
        reverse("meetings:reader_page", args=[document.code, 1]),
    ]
    client = client_for(cast.member)
    for url in urls:
        assert client.get(url).status_code == 404
    client = client_for(cast.committee_member)
    for url in urls:
        assert client.get(url).status_code == 404
    _mark_present(cast, scene)
    client = client_for(cast.member)
    for url in urls:
        assert client.get(url).status_code == 200


def test_votes_and_ballots_on_the_item_are_refused_to_a_member_not_present(cast, scene, client_for):
    vote_url = reverse("meetings:vote", args=[scene["vote"].code])
    ballot_url = reverse("meetings:ballot", args=[scene["ballot"].code])
    client = client_for(cast.member)
    assert client.get(vote_url).status_code == 403
    assert client.get(ballot_url).status_code == 403
    _mark_present(cast, scene)
    client = client_for(cast.member)
    page = client.get(vote_url)
    assert page.status_code == 200 and SECRET_QUESTION in page.content.decode()
    assert client.get(ballot_url).status_code == 200


def test_minutes_recording_the_item_are_refused_to_a_member_not_present(cast, scene, client_for):
    minutes = scene["minutes"]
    urls = [
        reverse("meetings:minutes_detail", args=[minutes.code]),
        reverse("meetings:minutes_docx", args=[minutes.code]),
    ]
    client = client_for(cast.member)
    for url in urls:
        assert client.get(url).status_code == 403
    listed = client.get(reverse("meetings:minutes", args=[scene["meeting"].code]))
    assert listed.status_code == 200 and listed.context["minutes"] is None
    _mark_present(cast, scene)
    client = client_for(cast.member)
    page = client.get(urls[0])
    assert page.status_code == 200 and SECRET_TITLE in page.content.decode()


def test_minutes_of_a_meeting_without_confidential_items_stay_open_to_its_readers(cast, client_for):
    meeting = make_meeting(cast)
    agenda_item_add(actor=cast.cell_secretary, meeting=meeting, title=PUBLIC_TITLE)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CLOSED)
    minutes = Minutes.objects.create(meeting=meeting, status=Minutes.Status.SIGNED)
    url = reverse("meetings:minutes_detail", args=[minutes.code])
    assert client_for(cast.member).get(url).status_code == 200


def test_the_api_hides_the_item_and_its_votes_until_the_member_is_present(cast, scene, client):
    token = api_token_create(actor=None, user=cast.member, name="test")[1]

    def api_get(user, path):
        return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})

    meeting = scene["meeting"]
    body = api_get(cast.member, f"/meetings/{meeting.code}").json()
    secret = next(i for i in body["agenda"] if i["confidential"])
    assert (secret["title"], secret["presenter"]) == (None, None)
    votes = api_get(cast.member, f"/meetings/{meeting.code}/votes").json()["items"]
    assert {v["question"] for v in votes} == {None}
    assert all(v["result"] is None for v in votes)
    _mark_present(cast, scene)
    body = api_get(cast.member, f"/meetings/{meeting.code}").json()
    secret = next(i for i in body["agenda"] if i["confidential"])
    assert secret["title"] == SECRET_TITLE
    votes = api_get(cast.member, f"/meetings/{meeting.code}/votes").json()["items"]
    assert {v["question"] for v in votes} == {SECRET_QUESTION, SECRET_BALLOT}
    closed = next(v for v in votes if v["question"] == SECRET_QUESTION)
    assert closed["result"]["counts"]["for"] == 7
