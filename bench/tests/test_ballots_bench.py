import pytest

from bench import ballots
from capuyso.accounts.models import User
from capuyso.meetings.models import Vote
from capuyso.meetings.models_ballots import Ballot, VoterRoll

pytestmark = pytest.mark.django_db


def test_the_ballot_lines_are_opt_in():
    assert not ballots.selected("")
    assert not ballots.selected("members.")
    assert ballots.selected("ballots")
    assert ballots.selected("ballots.tally500")
    assert not ballots.selected("ballot.x")


def test_a_small_ballot_is_cast_counted_and_rolled_back(cast):
    users = User.objects.count()
    lines = {
        line["name"]: line
        for line in ballots.run(committee=cast.committee, chair=cast.secretary, voters=12)
    }

    assert list(lines) == list(ballots.NAMES)
    cast_line, tally, close = (lines[name] for name in ballots.NAMES)
    assert cast_line["errors"] == 0, cast_line["first_errors"]
    assert (cast_line["voters"], cast_line["ballots"], cast_line["issued"]) == (12, 12, 12)
    assert cast_line["lost"] == 0 and cast_line["pass"] is True
    assert cast_line["target_seconds"] == 60
    assert tally["counts"] == tally["expected"] and sum(tally["counts"].values()) == 12
    assert tally["target_seconds"] == 1 and tally["pass"] is True
    assert close["matches"] is True and close["counts"] == tally["counts"]
    # Rolled back.
    assert User.objects.count() == users
    assert not Vote.objects.exists()
    assert not Ballot.objects.exists() and not VoterRoll.objects.exists()


def test_only_one_line_is_given_when_asked(cast):
    lines = list(
        ballots.run(
            committee=cast.committee, chair=cast.secretary, voters=3, only="ballots.tally500"
        )
    )
    assert [line["name"] for line in lines] == ["ballots.tally500"]


def test_without_a_committee_the_lines_are_errors():
    lines = list(ballots.run(committee=None, chair=None, only="ballots.cast500"))
    assert lines == [{"name": "ballots.cast500", "error": "no benchmark committee"}]
