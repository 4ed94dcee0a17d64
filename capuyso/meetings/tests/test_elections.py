"""Elections: the pure computation (ties, shortfall, more winners than seats, all invalid),
the counting committee's figures and their checks, the result at close and round 2."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from capuyso.meetings.models import Attendance, Vote
from capuyso.meetings.services.elections import (
    SHORTFALL,
    TIE,
    election_next_round,
    election_outcome,
    election_record,
)
from capuyso.meetings.services.votes import vote_close, vote_create
from capuyso.meetings.tests.factories import make_cell_members, make_meeting


# --- The pure computation ----------------------------------------------------------------
def test_the_most_voted_above_the_threshold_fill_the_seats():
    # 3 seats, 9 valid ballots: more than half is at least 5.
    outcome = election_outcome(
        {"An": 8, "Bình": 6, "Cường": 5, "Dung": 3}, seats=3, base=9, needed=5
    )
    assert outcome.elected == ("An", "Bình", "Cường")
    assert outcome.not_elected == ("Dung",)
    assert not outcome.another_round
    assert outcome.remaining_seats == 0
    assert outcome.next_candidates == ()


def test_ranking_is_by_votes_and_keeps_the_list_order_for_equal_votes():
    outcome = election_outcome([("A", 5), ("B", 7), ("C", 5)], seats=3, base=8, needed=5)
    assert outcome.ranking == (("B", 7), ("A", 5), ("C", 5))
    assert outcome.elected == ("B", "A", "C")


def test_more_candidates_above_the_threshold_than_seats_elects_the_first_within_the_seats():
    outcome = election_outcome({"A": 9, "B": 8, "C": 7, "D": 6}, seats=2, base=10, needed=6)
    assert outcome.reached == ("A", "B", "C", "D")
    assert outcome.elected == ("A", "B")
    assert outcome.not_elected == ("C", "D")
    assert not outcome.another_round


def test_a_tie_at_the_last_seat_calls_another_round_among_the_tied():
    outcome = election_outcome({"A": 9, "B": 7, "C": 7, "D": 2}, seats=2, base=10, needed=6)
    assert outcome.elected == ("A",)
    assert outcome.tied == ("B", "C")
    assert outcome.reason == TIE
    assert outcome.another_round
    assert outcome.remaining_seats == 1
    assert outcome.next_candidates == ("B", "C")


def test_a_tie_above_the_last_seat_changes_nothing():
    outcome = election_outcome({"A": 8, "B": 8, "C": 7}, seats=2, base=10, needed=6)
    assert outcome.elected == ("A", "B")
    assert outcome.tied == ()
    assert not outcome.another_round


def test_a_tie_below_the_threshold_does_not_matter():
    outcome = election_outcome({"A": 8, "B": 4, "C": 4}, seats=1, base=10, needed=6)
    assert outcome.elected == ("A",)
    assert not outcome.another_round


def test_everyone_tied_for_fewer_seats_elects_nobody_yet():
    outcome = election_outcome({"A": 6, "B": 6, "C": 6}, seats=2, base=10, needed=6)
    assert outcome.elected == ()
    assert outcome.tied == ("A", "B", "C")
    assert outcome.remaining_seats == 2
    assert outcome.reason == TIE


def test_fewer_elected_than_seats_is_a_shortfall_with_those_not_elected():
    outcome = election_outcome({"A": 7, "B": 5, "C": 3}, seats=2, base=10, needed=6)
    assert outcome.elected == ("A",)
    assert outcome.reason == SHORTFALL
    assert outcome.remaining_seats == 1
    assert outcome.next_candidates == ("B", "C")


def test_exactly_half_is_not_more_than_half():
    # 5 of 10 is not "more than half": needed is 6.
    outcome = election_outcome({"A": 5}, seats=1, base=10, needed=6)
    assert outcome.elected == ()
    assert outcome.reason == SHORTFALL


def test_all_ballots_invalid_elects_nobody():
    outcome = election_outcome({"A": 0, "B": 0}, seats=1, base=0, needed=1)
    assert outcome.elected == ()
    assert outcome.reached == ()
    assert outcome.reason == SHORTFALL
    assert outcome.next_candidates == ("A", "B")
    # Even a wrong "needed" of 0 elects nobody on an empty base.
    assert election_outcome({"A": 0}, seats=1, base=0, needed=0).elected == ()


def test_seats_must_be_positive():
    with pytest.raises(ValueError):
        election_outcome({"A": 1}, seats=0, base=1, needed=1)


# --- The service -------------------------------------------------------------------------


@pytest.fixture
def election(cast):
    """A cell meeting with 9 full members, 8 present, and an election of 2 among 4."""
    meeting = make_meeting(cast)
    members = make_cell_members(cast, 9)
    for member in members[:8]:
        Attendance.objects.create(meeting=meeting, member=member, status=Attendance.Status.PRESENT)
    Attendance.objects.create(
        meeting=meeting, member=members[8], status=Attendance.Status.ABSENT_EXCUSED
    )
    vote = vote_create(
        actor=cast.cell_secretary,
        meeting=meeting,
        question="Bầu chi ủy nhiệm kỳ 2025-2030",
        method=Vote.Method.ELECTION,
        rule_code="election",
        seats=2,
        candidates=["Trần Văn An", "Lê Thị Bình", members[2], "Phạm Văn Dũng"],
    )
    return vote


def _codes(vote):
    return {c.name: str(c.code) for c in vote.candidates.all()}


def _record(cast, vote, votes, *, invalid=0, issued=8, collected=8, close=True, **extra):
    codes = _codes(vote)
    return election_record(
        actor=extra.pop("actor", cast.cell_secretary),
        vote=vote,
        candidate_votes={codes[name]: count for name, count in votes.items()},
        invalid=invalid,
        issued=issued,
        collected=collected,
        counting_committee=extra.pop("committee", ["Nguyễn A", "Trần B", "Lê C"]),
        close=close,
    )


def test_an_election_is_created_with_its_candidates_in_order(cast, election):
    assert election.method == Vote.Method.ELECTION
    assert election.seats == 2
    assert election.rule.code == "election"
    names = [c.name for c in election.candidates.all()]
    assert names == ["Trần Văn An", "Lê Thị Bình", "Đảng viên 3", "Phạm Văn Dũng"]
    assert election.candidates.get(name="Đảng viên 3").member is not None


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"seats": None}, "seats", "seats_required"),
        ({"seats": 5}, "candidates", "too_few_candidates"),
        ({"candidates": ["An", "an", "Bình"]}, "candidates", "duplicate_candidate"),
    ],
)
def test_election_creation_checks(cast, extra, field, code):
    meeting = make_meeting(cast)
    values = {"seats": 2, "candidates": ["An", "Bình", "Cường"], **extra}
    with pytest.raises(ValidationError) as exc:
        vote_create(
            actor=cast.cell_secretary,
            meeting=meeting,
            question="Bầu",
            method=Vote.Method.ELECTION,
            rule_code="election",
            **values,
        )
    assert exc.value.error_dict[field][0].code == code
    assert not Vote.objects.exists()


def test_the_count_elects_within_the_seats_by_more_than_half_of_valid_ballots(cast, election):
    # 8 ballots collected, 1 invalid → 7 valid; more than half of 7 is at least 4.
    vote = _record(
        cast,
        election,
        {"Trần Văn An": 6, "Lê Thị Bình": 4, "Đảng viên 3": 3, "Phạm Văn Dũng": 1},
        invalid=1,
    )
    assert vote.status == Vote.Status.CLOSED
    result = vote.result
    assert (vote.ballots_issued, vote.ballots_collected) == (8, 8)
    assert result["ballots"] == {"invalid": 1, "valid": 7}
    assert (result["base"], result["needed"]) == (7, 4)
    elected = [row["name"] for row in result["candidates"] if row["elected"]]
    assert elected == ["Trần Văn An", "Lê Thị Bình"]
    assert result["another_round"] is False
    assert result["passed"] is True
    assert vote.counting_committee_names == ["Nguyễn A", "Trần B", "Lê C"]
    assert "counting_committee" not in result
    assert result["quorum"]["passed"] is True  # 8 present of 9 ≥ 2/3


def test_a_tie_at_the_last_seat_leads_to_round_two_with_the_tied(cast, election):
    vote = _record(
        cast,
        election,
        {"Trần Văn An": 6, "Lê Thị Bình": 5, "Đảng viên 3": 5, "Phạm Văn Dũng": 0},
    )
    assert vote.result["another_round"] is True
    assert vote.result["reason"] == "tie"
    second = election_next_round(actor=cast.cell_secretary, vote=vote)
    assert (second.round, second.seats, second.previous_round) == (2, 1, vote)
    assert second.status == Vote.Status.DRAFT
    assert [c.name for c in second.candidates.all()] == ["Lê Thị Bình", "Đảng viên 3"]
    assert second.candidates.get(name="Đảng viên 3").member is not None
    # Asking again (a double submit) gives the same round.
    assert election_next_round(actor=cast.cell_secretary, vote=vote) == second
    assert Vote.objects.filter(previous_round=vote).count() == 1


def test_a_shortfall_leads_to_round_two_for_the_remaining_seats(cast, election):
    vote = _record(
        cast,
        election,
        {"Trần Văn An": 7, "Lê Thị Bình": 3, "Đảng viên 3": 4, "Phạm Văn Dũng": 2},
    )
    # 8 valid: needs 5; only An reaches it.
    assert vote.result["reason"] == "shortfall"
    second = election_next_round(actor=cast.cell_secretary, vote=vote)
    assert second.seats == 1
    # Carried over in the order of the first round's list.
    assert [c.name for c in second.candidates.all()] == [
        "Lê Thị Bình",
        "Đảng viên 3",
        "Phạm Văn Dũng",
    ]


def test_all_ballots_invalid_elects_nobody_and_calls_another_round(cast, election):
    vote = _record(
        cast,
        election,
        {"Trần Văn An": 0, "Lê Thị Bình": 0, "Đảng viên 3": 0, "Phạm Văn Dũng": 0},
        invalid=8,
    )
    assert vote.result["valid"] == 0
    assert vote.result["elected"] == 0
    assert vote.result["passed"] is False
    assert vote.result["reason"] == "shortfall"
    assert vote.result["remaining_seats"] == 2


def test_no_next_round_when_the_election_is_complete(cast, election):
    vote = _record(
        cast,
        election,
        {"Trần Văn An": 7, "Lê Thị Bình": 6, "Đảng viên 3": 1, "Phạm Văn Dũng": 1},
    )
    with pytest.raises(ValidationError) as exc:
        election_next_round(actor=cast.cell_secretary, vote=vote)
    assert exc.value.error_list[0].code == "no_next_round"


def _error_codes(exc):
    return {field: [e.code for e in errors] for field, errors in exc.value.error_dict.items()}


def test_figures_that_do_not_add_up_are_refused_and_change_nothing(cast, election):
    votes = {"Trần Văn An": 6, "Lê Thị Bình": 4, "Đảng viên 3": 3, "Phạm Văn Dũng": 1}
    with pytest.raises(ValidationError) as exc:
        _record(cast, election, votes, issued=9, collected=9)
    assert _error_codes(exc) == {"issued": ["issued_over_voters"]}  # 8 present
    with pytest.raises(ValidationError) as exc:
        _record(cast, election, votes, issued=7, collected=8)
    assert _error_codes(exc) == {"collected": ["collected_over_issued"]}
    with pytest.raises(ValidationError) as exc:
        _record(cast, election, votes, invalid=9)
    assert _error_codes(exc) == {"invalid": ["invalid_over_collected"]}
    with pytest.raises(ValidationError) as exc:
        _record(cast, election, votes, committee=["", " "])
    assert _error_codes(exc) == {"counting_committee": ["committee_required"]}
    codes = _codes(election)
    with pytest.raises(ValidationError) as exc:
        _record(cast, election, {**votes, "Trần Văn An": 8}, invalid=1)
    assert _error_codes(exc) == {f"candidate_{codes['Trần Văn An']}": ["over_valid"]}
    with pytest.raises(ValidationError) as exc:
        _record(cast, election, {**votes, "Trần Văn An": -1})
    assert _error_codes(exc) == {f"candidate_{codes['Trần Văn An']}": ["negative"]}
    # Two seats: 6 valid ballots keep at most 12 names.
    with pytest.raises(ValidationError) as exc:
        _record(
            cast,
            election,
            {"Trần Văn An": 6, "Lê Thị Bình": 6, "Đảng viên 3": 1, "Phạm Văn Dũng": 0},
            invalid=2,
        )
    assert _error_codes(exc) == {"candidates": ["too_many_marks"]}
    election.refresh_from_db()
    assert election.status == Vote.Status.DRAFT
    assert election.result == {}
    assert all(c.votes is None for c in election.candidates.all())


def test_entering_the_same_figures_twice_is_harmless_but_a_change_after_close_is_refused(
    cast, election
):
    votes = {"Trần Văn An": 6, "Lê Thị Bình": 5, "Đảng viên 3": 3, "Phạm Văn Dũng": 1}
    first = _record(cast, election, votes)
    again = _record(cast, election, votes)
    assert again.result == first.result
    with pytest.raises(ValidationError) as exc:
        _record(cast, election, {**votes, "Phạm Văn Dũng": 2})
    assert exc.value.error_list[0].code == "vote_closed"


def test_figures_can_be_saved_and_closed_later(cast, election):
    votes = {"Trần Văn An": 6, "Lê Thị Bình": 5, "Đảng viên 3": 3, "Phạm Văn Dũng": 1}
    vote = _record(cast, election, votes, close=False)
    assert vote.status == Vote.Status.OPEN
    assert (vote.ballots_issued, vote.ballots_collected, vote.result) == (8, 8, {})
    vote = vote_close(actor=cast.cell_secretary, vote=vote)
    assert vote.result["elected"] == 2


def test_only_organisers_enter_the_count(cast, election):
    with pytest.raises(PermissionDenied):
        _record(cast, election, {"Trần Văn An": 1}, actor=cast.member)
    with pytest.raises(PermissionDenied):
        election_next_round(actor=cast.member, vote=election)
