"""The meetings API: the list (scope, filters), a meeting with its agenda (confidential
titles only for organisers and those present), attendance counts and votes (results only
once closed); 401 without a credential, 403 without the right, 404 across committees."""

import uuid

import pytest

from capuyso.meetings.models import AgendaItem, Attendance, Invitation, Meeting, Vote
from capuyso.meetings.services import votes as vote_services
from capuyso.meetings.tests.factories import make_cell_members, make_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def meetings(cast):
    cell = make_meeting(cast, title="Sinh hoạt chi bộ Đồng Cát")
    other_cell = make_meeting(cast, unit=cast.other_cell, title="Sinh hoạt chi bộ Trường")
    committee = make_meeting(cast, unit=False, title="Hội nghị Đảng ủy")
    foreign = Meeting.objects.create(
        committee=cast.other,
        unit=cast.foreign_cell,
        kind=Meeting.Kind.CELL_REGULAR,
        title="Chi bộ Xuân Lai",
        starts_at=cell.starts_at,
        place="x",
        status=Meeting.Status.PLANNED,
    )
    return {"cell": cell, "other_cell": other_cell, "committee": committee, "foreign": foreign}


def titles(response):
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["items"]}


# --- GET /meetings -----------------------------------------------------------------------


def test_the_list_is_scoped_to_what_the_caller_may_see(api_get, cast, meetings):
    assert titles(api_get(cast.secretary, "/meetings")) == {
        "Sinh hoạt chi bộ Đồng Cát",
        "Sinh hoạt chi bộ Trường",
        "Hội nghị Đảng ủy",
    }
    assert titles(api_get(cast.member, "/meetings")) == {"Sinh hoạt chi bộ Đồng Cát"}
    assert titles(api_get(cast.cell_secretary, "/meetings")) == {"Sinh hoạt chi bộ Đồng Cát"}
    Invitation.objects.create(meeting=meetings["committee"], user=cast.member, name="Phúc")
    assert titles(api_get(cast.member, "/meetings")) == {
        "Sinh hoạt chi bộ Đồng Cát",
        "Hội nghị Đảng ủy",
    }


def test_the_list_item_fields(api_get, cast, meetings):
    body = api_get(cast.member, "/meetings").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["code"] == str(meetings["cell"].code)
    assert item["kind"] == "cell_regular"
    assert item["status"] == "planned"
    assert item["unit"] == {
        "code": str(cast.cell.code),
        "name": "Chi bộ thôn Đồng Cát",
        "kind": "cell",
    }


def test_the_list_filters(api_get, cast, meetings):
    response = api_get(cast.secretary, "/meetings", unit=str(cast.other_cell.code))
    assert titles(response) == {"Sinh hoạt chi bộ Trường"}
    Meeting.objects.filter(pk=meetings["committee"].pk).update(status=Meeting.Status.CANCELLED)
    assert titles(api_get(cast.secretary, "/meetings", status="cancelled")) == {"Hội nghị Đảng ủy"}
    day = meetings["cell"].starts_at.date()
    assert titles(api_get(cast.secretary, "/meetings", starts_from=day.isoformat())) != set()
    later = day.replace(year=day.year + 1).isoformat()
    assert titles(api_get(cast.secretary, "/meetings", starts_from=later)) == set()
    response = api_get(cast.secretary, "/meetings", unit=str(cast.foreign_cell.code))
    assert response.status_code == 404


def test_the_list_needs_a_credential_and_the_right(client, api_get, cast, meetings):
    assert client.get("/api/v1/meetings").status_code == 401
    assert api_get(cast.admin, "/meetings").status_code == 403  # no meeting right
    assert api_get(cast.outsider, "/meetings").status_code == 403
    # An invitation alone opens the list to what the caller is invited to.
    Invitation.objects.create(meeting=meetings["committee"], user=cast.admin, name="Quang")
    assert titles(api_get(cast.admin, "/meetings")) == {"Hội nghị Đảng ủy"}


def test_the_list_is_bounded_in_queries(api_get, cast, meetings, django_assert_max_num_queries):
    for i in range(15):
        make_meeting(cast, title=f"Họp {i}")
    api_get(cast.secretary, "/meetings")  # the token is made outside the count
    with django_assert_max_num_queries(9):
        response = api_get(cast.secretary, "/meetings")
    assert response.json()["count"] == 18


# --- GET /meetings/{code} ----------------------------------------------------------------


@pytest.fixture
def agenda(cast, meetings):
    meeting = meetings["cell"]
    open_item = AgendaItem.objects.create(meeting=meeting, order=1, title="Thông tin thời sự")
    secret_item = AgendaItem.objects.create(
        meeting=meeting, order=2, title="Xem xét kỷ luật", presenter="Bí thư", confidential=True
    )
    return {"meeting": meeting, "open": open_item, "secret": secret_item}


def test_a_meeting_with_its_agenda(api_get, cast, agenda):
    response = api_get(cast.cell_secretary, f"/meetings/{agenda['meeting'].code}")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Sinh hoạt chi bộ Đồng Cát"
    assert body["can_manage"] is True
    assert [(i["order"], i["title"], i["confidential"]) for i in body["agenda"]] == [
        (1, "Thông tin thời sự", False),
        (2, "Xem xét kỷ luật", True),
    ]


def test_confidential_titles_only_for_organisers_and_those_present(api_get, cast, agenda):
    path = f"/meetings/{agenda['meeting'].code}"
    body = api_get(cast.member, path).json()
    assert body["can_manage"] is False
    assert body["agenda"][0]["title"] == "Thông tin thời sự"
    assert body["agenda"][1] == {
        "code": str(agenda["secret"].code),
        "order": 2,
        "confidential": True,
        "title": None,
        "presenter": None,
        "notes": None,
        "documents": 0,
    }
    member = make_cell_members(cast, 1)[0]
    cast.member.member = member
    cast.member.save(update_fields=["member"])
    Attendance.objects.create(
        meeting=agenda["meeting"], member=member, status=Attendance.Status.PRESENT
    )
    assert api_get(cast.member, path).json()["agenda"][1]["title"] == "Xem xét kỷ luật"


def test_a_meeting_answers_401_403_404(client, api_get, cast, meetings):
    path = f"/meetings/{meetings['cell'].code}"
    assert client.get(f"/api/v1{path}").status_code == 401
    assert api_get(cast.member, f"/meetings/{meetings['other_cell'].code}").status_code == 403
    assert api_get(cast.member, f"/meetings/{meetings['committee'].code}").status_code == 403
    assert api_get(cast.outsider, path).status_code == 404
    assert api_get(cast.secretary, f"/meetings/{meetings['foreign'].code}").status_code == 404
    assert api_get(cast.secretary, f"/meetings/{uuid.uuid4()}").status_code == 404
    assert api_get(cast.secretary, "/meetings/not-a-code").status_code == 404


# --- Attendance and votes ----------------------------------------------------------------


@pytest.fixture
def held(cast, meetings):
    """The cell meeting with 9 full members: 8 present, 1 absent with reason."""
    meeting = meetings["cell"]
    members = make_cell_members(cast, 9)
    for member in members[:8]:
        Attendance.objects.create(meeting=meeting, member=member, status="present")
    Attendance.objects.create(meeting=meeting, member=members[8], status="absent_excused")
    return meeting


def test_attendance_counts_and_quorum(api_get, cast, held):
    response = api_get(cast.member, f"/meetings/{held.code}/attendance")
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["present"], body["unrecorded"]) == (9, 8, 0)
    assert body["absent"] == body["absent_excused"] == 1
    assert (body["vote_base"], body["denominator"]) == (8, 9)
    assert body["quorum"]["passed"] is True
    assert (body["quorum"]["needed"], body["quorum"]["fraction"]) == (6, "2/3")
    assert body["quorum"]["arithmetic"].startswith("8/9 ≥ 2/3")


def test_attendance_answers_401_403_404(client, api_get, cast, meetings):
    assert client.get(f"/api/v1/meetings/{meetings['cell'].code}/attendance").status_code == 401
    path = f"/meetings/{meetings['other_cell'].code}/attendance"
    assert api_get(cast.member, path).status_code == 403
    path = f"/meetings/{meetings['cell'].code}/attendance"
    assert api_get(cast.outsider, path).status_code == 404


def _open_vote(cast, meeting, question, rule="admission", item=None):
    return vote_services.vote_create(
        actor=cast.cell_secretary,
        meeting=meeting,
        question=question,
        method=Vote.Method.OPEN,
        rule_code=rule,
        item=item,
    )


def test_votes_give_results_only_once_closed(api_get, cast, held):
    closed = vote_services.open_vote_record(
        actor=cast.cell_secretary,
        vote=_open_vote(cast, held, "Kết nạp Nguyễn Văn A"),
        count_for=6,
        count_against=2,
        count_abstain=0,
        close=True,
    )
    still_open = vote_services.open_vote_record(
        actor=cast.cell_secretary,
        vote=_open_vote(cast, held, "Kết nạp Trần Văn B"),
        count_for=5,
        count_against=3,
        count_abstain=0,
    )
    response = api_get(cast.member, f"/meetings/{held.code}/votes")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["code"] for i in items] == [str(closed.code), str(still_open.code)]
    first, second = items
    assert first["status"] == "closed"
    assert first["rule"]["code"] == "admission"
    result = first["result"]
    assert result["passed"] is True
    assert result["counts"] == {"for": 6, "against": 2, "abstain": 0}
    assert result["outcome"]["needed"] == 6
    assert result["outcome"]["arithmetic"].startswith("6/9 ≥ 2/3")
    assert result["voters"] == {"full_members": 9, "present": 8}
    assert second["status"] == "open"
    assert second["result"] is None


def test_an_election_result_through_the_api(api_get, cast, held):
    from capuyso.meetings.services.elections import election_record

    vote = vote_services.vote_create(
        actor=cast.cell_secretary,
        meeting=held,
        question="Bầu bí thư",
        method=Vote.Method.ELECTION,
        rule_code="election",
        seats=1,
        candidates=["Trần Văn An", "Lê Thị Bình"],
    )
    codes = {c.name: str(c.code) for c in vote.candidates.all()}
    election_record(
        actor=cast.cell_secretary,
        vote=vote,
        candidate_votes={codes["Trần Văn An"]: 4, codes["Lê Thị Bình"]: 4},
        invalid=0,
        issued=8,
        collected=8,
        counting_committee=["Lê A"],
        close=True,
    )
    result = api_get(cast.member, f"/meetings/{held.code}/votes").json()["items"][0]["result"]
    assert result["another_round"] is True
    assert result["reason"] == "shortfall"  # 4 of 8 is not more than half
    assert [c["name"] for c in result["candidates"]] == ["Trần Văn An", "Lê Thị Bình"]
    assert result["ballots"] == {"issued": 8, "collected": 8, "invalid": 0, "valid": 8}
    assert result["counting_committee"] == ["Lê A"]


def test_a_vote_on_a_confidential_item_hides_its_question_and_result(api_get, cast, held):
    item = AgendaItem.objects.create(meeting=held, order=1, title="Kỷ luật", confidential=True)
    vote = _open_vote(cast, held, "Kỷ luật đảng viên X", rule="discipline", item=item)
    vote_services.open_vote_record(
        actor=cast.cell_secretary,
        vote=vote,
        count_for=6,
        count_against=0,
        count_abstain=0,
        close=True,
    )
    seen = api_get(cast.member, f"/meetings/{held.code}/votes").json()["items"][0]
    assert (seen["question"], seen["result"]) == (None, None)
    seen = api_get(cast.cell_secretary, f"/meetings/{held.code}/votes").json()["items"][0]
    assert seen["question"] == "Kỷ luật đảng viên X"
    assert seen["result"]["passed"] is True


def test_votes_answer_401_403_404(client, api_get, cast, meetings):
    assert client.get(f"/api/v1/meetings/{meetings['cell'].code}/votes").status_code == 401
    path = f"/meetings/{meetings['other_cell'].code}/votes"
    assert api_get(cast.member, path).status_code == 403
    assert api_get(cast.outsider, f"/meetings/{meetings['cell'].code}/votes").status_code == 404
