"""Secret ballots through the API, driven by the Python client (meetings/tests/ballot_client.py)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from capuyso.accounts.roles import Role
from capuyso.accounts.services import api_token_create
from capuyso.core.testing import login, make_user
from capuyso.meetings.models import Vote
from capuyso.meetings.models_ballots import Ballot, BallotKey, VoterRoll
from capuyso.meetings.services import ballots as services
from capuyso.meetings.tests.ballot_client import Voter, b64
from capuyso.meetings.tests.ballot_factories import ballot_scene

pytestmark = pytest.mark.django_db

API = "/api/v1"


def signed_in(user) -> Client:
    client = Client()
    login(client, user)
    return client


def device(vote) -> Voter:
    return Voter(api=API, vote_code=str(vote.code))


def vote_as(user, vote, choice):
    """One voter's whole journey on their own phone; returns (device, cast response)."""
    phone = device(vote)
    response = phone.vote(signed_in(user), Client(), choice)
    return phone, response


def close(cast, vote):
    return services.ballot_close(actor=cast.cell_secretary, vote=vote)


def test_five_voters_vote_and_the_chair_closes(cast):
    scene = ballot_scene(cast)
    choices = ["for", "for", "for", "against", "abstain"]
    phones = []
    for user, choice in zip(scene.voters, choices, strict=True):
        phone, response = vote_as(user, scene.vote, choice)
        assert response.status_code == 200, response.content
        assert response.json()["receipt"] == phone.receipt
        phones.append(phone)

    vote = close(cast, scene.vote)

    assert (vote.count_for, vote.count_against, vote.count_abstain) == (3, 1, 1)
    assert (vote.ballots_issued, vote.ballots_collected) == (5, 5)
    assert vote.result["ballots"] == {
        "unused": 0,
        "invalid": 0,
        "valid": 5,
        "matches": True,
    }
    # resolution: more than half of the full members of the cell (5 present + 1 absent).
    assert vote.result["voters"] == {"full_members": 6, "present": 5}
    assert vote.result["outcome"]["needed"] == 4
    assert vote.result["passed"] is False
    client = signed_in(cast.member)
    result = client.get(f"{API}/ballots/{vote.code}/result")
    assert result.status_code == 200
    assert result.json()["result"]["counts"] == {"for": 3, "against": 1, "abstain": 1}
    receipts = client.get(f"{API}/ballots/{vote.code}/receipts").json()
    assert receipts["receipts"] == sorted(phone.receipt for phone in phones)
    check = Client().post(
        f"{API}/ballots/{vote.code}/receipt",
        {"receipt": phones[0].receipt},
        content_type="application/json",
    )
    assert check.json() == {"counted": True}
    unknown = Client().post(
        f"{API}/ballots/{vote.code}/receipt",
        {"receipt": "0" * 64},
        content_type="application/json",
    )
    assert unknown.json() == {"counted": False}


def test_results_and_counts_are_refused_until_the_close(cast):
    scene = ballot_scene(cast)
    vote_as(scene.voters[0], scene.vote, "against")
    client = signed_in(scene.voters[1])
    code = scene.vote.code

    for path in ("result", "receipts"):
        response = client.get(f"{API}/ballots/{code}/{path}")
        assert response.status_code == 409
        assert response.json()["code"] == "not_closed"
    response = Client().post(
        f"{API}/ballots/{code}/receipt", {"receipt": "0" * 64}, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "not_closed")
    state = client.get(f"{API}/ballots/{code}").json()
    assert (state["issued"], state["received"]) == (1, 1)
    assert "against" not in json.dumps({k: v for k, v in state.items() if k != "choices"})
    with pytest.raises(ValidationError) as exc:
        services.ballot_result(scene.vote)
    assert exc.value.error_list[0].code == "not_closed"
    scene.vote.refresh_from_db()
    assert scene.vote.count_against is None and scene.vote.result == {}


def test_the_state_gives_the_key_and_the_callers_standing(cast):
    scene = ballot_scene(cast)
    state = signed_in(scene.voters[0]).get(f"{API}/ballots/{scene.vote.code}").json()
    key = BallotKey.objects.get(vote=scene.vote)

    assert state["status"] == "open" and state["kind"] == "question"
    assert [c["value"] for c in state["choices"]] == ["for", "against", "abstain"]
    assert state["key"]["fingerprint"] == key.fingerprint
    assert state["key"]["bits"] == 2048 and state["key"]["e"] == "10001"
    assert state["key"]["variant"] == "RSABSSA-SHA384-PSS-Deterministic"
    assert state["eligible"] is True and state["issued_to_me"] is False
    assert (
        signed_in(scene.probationary).get(f"{API}/ballots/{scene.vote.code}").json()["eligible"]
        is False
    )


@pytest.mark.parametrize("who", ["probationary", "absent", "member", "cell_secretary"])
def test_only_full_members_present_receive_a_ballot(cast, who):
    scene = ballot_scene(cast)
    user = getattr(scene, who, None) or getattr(cast, who)
    phone = device(scene.vote)
    client = signed_in(user)
    phone.state(client)

    response = phone.request_signature(client)

    assert response.status_code == 403
    assert response.json()["code"] == "not_eligible"
    assert not VoterRoll.objects.filter(vote=scene.vote).exists()


def test_a_second_ballot_for_the_same_voter_is_refused(cast):
    scene = ballot_scene(cast)
    user = scene.voters[0]
    first, response = vote_as(user, scene.vote, "for")
    assert response.status_code == 200
    second = device(scene.vote)
    client = signed_in(user)
    second.state(client)

    response = second.request_signature(client)

    assert response.status_code == 409
    assert response.json()["code"] == "already_issued"
    assert VoterRoll.objects.filter(vote=scene.vote).count() == 1
    assert Ballot.objects.filter(vote=scene.vote).count() == 1


def test_a_lost_answer_is_asked_again_and_signed_again(cast):
    scene = ballot_scene(cast)
    phone = device(scene.vote)
    client = signed_in(scene.voters[0])
    phone.state(client)
    first = phone.request_signature(client).json()["blind_sig"]

    again = phone.request_signature(client)  # the phone kept its blinded message

    assert again.status_code == 200
    assert again.json()["blind_sig"] == first
    phone.take_signature(first)
    assert phone.cast(Client(), "for").status_code == 200
    assert VoterRoll.objects.filter(vote=scene.vote).count() == 1


def test_a_cast_retried_after_a_lost_answer_counts_once(cast):
    scene = ballot_scene(cast)
    phone, response = vote_as(scene.voters[0], scene.vote, "for")
    assert response.status_code == 200

    again = phone.cast(Client(), "for")
    other_choice = phone.cast(Client(), "against")

    # The same refusal whatever the choice: the answer never reveals what was cast.
    assert (again.status_code, again.json()["code"]) == (409, "already_cast")
    assert (other_choice.status_code, other_choice.json()) == (409, again.json())
    assert list(Ballot.objects.filter(vote=scene.vote).values_list("choice", flat=True)) == ["for"]


def test_forged_tokens_are_refused(cast):
    scene = ballot_scene(cast)
    other = ballot_scene(cast, voters=1, extras=False, question="Khác", prefix="khac")
    phone = device(scene.vote)
    phone.state(signed_in(scene.voters[0]))
    phone.signature = secrets.token_bytes(256)

    forged = phone.cast(Client(), "for")

    assert (forged.status_code, forged.json()["code"]) == (400, "bad_signature")
    # A token properly signed for another ballot does not vote in this one.
    stranger, response = vote_as(other.voters[0], other.vote, "for")
    stranger.vote_code = str(scene.vote.code)
    replayed = stranger.cast(Client(), "for")
    assert (replayed.status_code, replayed.json()["code"]) == (400, "bad_signature")
    # A damaged request.
    damaged = Client().post(
        f"{API}/ballots/{scene.vote.code}/cast",
        {"token": "not base64!", "signature": "AA==", "choice": "for"},
        content_type="application/json",
    )
    assert (damaged.status_code, damaged.json()["code"]) == (400, "bad_request")
    assert not Ballot.objects.filter(vote=scene.vote).exists()


def test_an_invalid_choice_is_refused_and_the_token_stays_usable(cast):
    scene = ballot_scene(cast)
    phone, response = vote_as(scene.voters[0], scene.vote, "yes")

    assert (response.status_code, response.json()["code"]) == (400, "invalid_choice")
    assert phone.cast(Client(), "abstain").status_code == 200


def test_nothing_is_taken_before_the_open_or_after_the_close(cast):
    scene = ballot_scene(cast, open_it=False)
    phone = device(scene.vote)
    client = signed_in(scene.voters[0])
    state = client.get(f"{API}/ballots/{scene.vote.code}").json()
    assert state["status"] == "draft" and state["key"] is None
    forged = Client().post(
        f"{API}/ballots/{scene.vote.code}/cast",
        {"token": b64(b"x" * 32), "signature": b64(b"y" * 256), "choice": "for"},
        content_type="application/json",
    )
    assert forged.json()["code"] == "not_open"

    services.ballot_open(actor=cast.cell_secretary, vote=scene.vote)
    phone.state(client)
    phone.take_signature(phone.request_signature(client).json()["blind_sig"])
    late_voter = device(scene.vote)
    late_client = signed_in(scene.voters[1])
    late_voter.state(late_client)
    close(cast, scene.vote)

    late_cast = phone.cast(Client(), "for")
    assert (late_cast.status_code, late_cast.json()["code"]) == (409, "vote_closed")
    late_sign = late_voter.request_signature(late_client)
    assert (late_sign.status_code, late_sign.json()["code"]) == (409, "vote_closed")
    scene.vote.refresh_from_db()
    # The token issued but never cast is shown as such.
    assert (scene.vote.ballots_issued, scene.vote.ballots_collected) == (1, 0)
    assert scene.vote.result["ballots"]["unused"] == 1
    assert scene.vote.result["ballots"]["matches"] is False


def test_the_close_deletes_the_private_key_and_keeps_the_public_one(cast):
    scene = ballot_scene(cast)
    vote_as(scene.voters[0], scene.vote, "for")
    key = BallotKey.objects.get(vote=scene.vote)
    assert key.sealed_private_key

    close(cast, scene.vote)

    key.refresh_from_db()
    assert key.sealed_private_key == ""
    assert key.public_key.startswith("-----BEGIN PUBLIC KEY-----")
    assert not VoterRoll.objects.filter(vote=scene.vote).exclude(blinded_hash="").exists()


def test_opening_and_closing_twice_is_harmless_and_only_for_the_organisers(cast):
    scene = ballot_scene(cast, open_it=False)
    with pytest.raises(PermissionDenied):
        services.ballot_open(actor=cast.member, vote=scene.vote)
    services.ballot_open(actor=cast.cell_secretary, vote=scene.vote)
    fingerprint = BallotKey.objects.get(vote=scene.vote).fingerprint
    services.ballot_open(actor=cast.cell_secretary, vote=scene.vote)
    assert BallotKey.objects.get(vote=scene.vote).fingerprint == fingerprint
    with pytest.raises(PermissionDenied):
        services.ballot_close(actor=scene.voters[0], vote=scene.vote)
    close(cast, scene.vote)
    vote = close(cast, scene.vote)
    assert vote.status == Vote.Status.CLOSED
    with pytest.raises(ValidationError) as exc:
        services.ballot_open(actor=cast.cell_secretary, vote=scene.vote)
    assert exc.value.error_list[0].code == "vote_closed"


def test_the_api_door(cast, client):
    scene = ballot_scene(cast)
    outsider_token = api_token_create(actor=None, user=cast.outsider)[1]
    headers = {"Authorization": f"Bearer {outsider_token}"}

    assert client.get(f"{API}/ballots/{scene.vote.code}", headers=headers).status_code == 404
    response = client.post(
        f"{API}/ballots/{scene.vote.code}/sign",
        {"blinded_msg": b64(b"x" * 256)},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 404
    assert Client().get(f"{API}/ballots/{scene.vote.code}").status_code == 401
    # A member of another cell of the committee does not see this cell's meeting.
    neighbour = make_user(cast.committee, "hangxom", "Lê Thị Hàng", Role.MEMBER, cast.other_cell)
    assert signed_in(neighbour).get(f"{API}/ballots/{scene.vote.code}").status_code == 403
    assert signed_in(scene.voters[0]).get(f"{API}/ballots/{scene.vote.code}").status_code == 200


def test_tally_verify_passes_then_fails_on_a_tampered_ballot(cast, capsys):
    scene = ballot_scene(cast)
    for user, choice in zip(scene.voters, ["for", "for", "against", "for", "for"], strict=True):
        vote_as(user, scene.vote, choice)
    close(cast, scene.vote)

    call_command("tally_verify", str(scene.meeting.code))
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] is True
    assert summary["votes"][0]["recount"] == {"for": 4, "against": 1, "abstain": 0}

    ballot = Ballot.objects.filter(vote=scene.vote, choice="against").get()
    Ballot.objects.filter(pk=ballot.pk).update(choice="for")
    with pytest.raises(SystemExit) as exited:
        call_command("tally_verify", str(scene.meeting.code))
    assert exited.value.code == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] is False
    assert set(summary["votes"][0]["mismatches"]) == {"count:for", "count:against"}


def test_tally_verify_catches_a_ballot_slipped_into_the_box(cast, capsys):
    scene = ballot_scene(cast, voters=2)
    vote_as(scene.voters[0], scene.vote, "for")
    close(cast, scene.vote)
    Ballot.objects.create(
        vote=scene.vote,
        receipt="ab" * 32,
        token="cd" * 32,
        signature="00" * 256,
        choice="for",
    )

    with pytest.raises(SystemExit):
        call_command("tally_verify", str(scene.meeting.code))
    summary = json.loads(capsys.readouterr().out)
    assert "bad_signatures" in summary["votes"][0]["problems"]
    assert "collected" in summary["votes"][0]["mismatches"]


def test_tally_verify_compares_the_votes_ballot_figures_with_the_box(cast, capsys):
    scene = ballot_scene(cast, voters=2)
    vote_as(scene.voters[0], scene.vote, "for")
    vote = close(cast, scene.vote)
    assert (vote.ballots_issued, vote.ballots_collected) == (1, 1)
    Vote.objects.filter(pk=vote.pk).update(ballots_issued=2)

    with pytest.raises(SystemExit):
        call_command("tally_verify", str(scene.meeting.code))
    summary = json.loads(capsys.readouterr().out)
    assert summary["votes"][0]["mismatches"] == ["issued"]
    assert summary["votes"][0]["problems"] == []


# --- Races (run on PostgreSQL too: DATABASE_URL=postgres://…) ---------------------------


def _race(*calls):
    """Run the calls at the same moment on separate threads (own connections each);
    returns each one's result or the code of the ValidationError it raised."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            for _attempt in range(500):
                try:
                    return call()
                except OperationalError as exc:
                    # The test database is SQLite in memory with a shared cache, where a
                    # writer waiting for another fails at once instead of waiting as the
                    # file database does (busy_timeout): wait and try again the same way.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
            raise AssertionError("the database stayed locked")
        except ValidationError as exc:
            return exc.error_list[0].code
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_phones_racing_for_one_voter_get_one_ballot(cast):
    scene = ballot_scene(cast, voters=1, extras=False)
    user = scene.voters[0]
    phones = [device(scene.vote) for _ in range(2)]
    for phone in phones:
        phone.state(signed_in(user))

    results = _race(
        *(
            lambda phone=phone: services.ballot_issue(
                voter=user, vote=scene.vote, blinded_msg=phone.prepare()
            )
            for phone in phones
        )
    )

    assert sorted(type(r).__name__ for r in results) == ["bytes", "str"]
    assert "already_issued" in results
    assert VoterRoll.objects.filter(vote=scene.vote).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_ballot_sent_twice_at_once_counts_once(cast):
    scene = ballot_scene(cast, voters=1, extras=False)
    phone = device(scene.vote)
    client = signed_in(scene.voters[0])
    phone.state(client)
    phone.take_signature(phone.request_signature(client).json()["blind_sig"])

    results = _race(
        *(
            lambda choice=choice: services.ballot_cast(
                vote_code=scene.vote.code,
                token=phone.token,
                signature=phone.signature,
                choice=choice,
            )
            for choice in ("for", "against", "for")
        )
    )

    assert sorted(results).count("already_cast") == 2
    assert Ballot.objects.filter(vote=scene.vote).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ballots_racing_the_close_are_counted_or_refused(cast):
    scene = ballot_scene(cast, voters=6, extras=False)
    phones = []
    for user in scene.voters:
        phone = device(scene.vote)
        client = signed_in(user)
        phone.state(client)
        phone.take_signature(phone.request_signature(client).json()["blind_sig"])
        phones.append(phone)

    def caster(phone):
        return lambda: services.ballot_cast(
            vote_code=scene.vote.code, token=phone.token, signature=phone.signature, choice="for"
        )

    results = _race(
        *(caster(phone) for phone in phones),
        lambda: services.ballot_close(actor=cast.cell_secretary, vote=scene.vote),
    )

    received = [r for r in results[:-1] if r != "vote_closed"]
    assert all(len(r) == 64 for r in received)  # receipts
    vote = Vote.objects.get(pk=scene.vote.pk)
    assert vote.status == Vote.Status.CLOSED
    assert vote.count_for == len(received) == Ballot.objects.filter(vote=vote).count()
    assert vote.ballots_issued == 6


# --- Pages -----------------------------------------------------------------------------


def test_the_chair_creates_opens_and_closes_a_ballot_through_the_pages(cast, client_for):
    scene = ballot_scene(cast, open_it=False)
    client = client_for(cast.cell_secretary)

    page = client.get(reverse("meetings:ballot_new", args=[scene.meeting.code]))
    assert page.status_code == 200
    response = client.post(
        reverse("meetings:ballot_new", args=[scene.meeting.code]),
        {
            "question": "Bầu bí thư chi bộ",
            "kind": "election",
            "rule_code": "resolution",
            "seats": 1,
            "candidates": "Nguyễn Văn A\nTrần Văn B",
        },
    )
    vote = Vote.objects.get(question="Bầu bí thư chi bộ")
    assert response.status_code == 302 and response.url == reverse(
        "meetings:ballot", args=[vote.code]
    )
    assert vote.method == Vote.Method.SECRET and vote.seats == 1 and vote.rule.code == "election"

    client.post(reverse("meetings:ballot_open", args=[scene.vote.code]))
    scene.vote.refresh_from_db()
    assert scene.vote.status == Vote.Status.OPEN
    page = client.get(reverse("meetings:ballot", args=[scene.vote.code]))
    key = BallotKey.objects.get(vote=scene.vote)
    assert services.receipt_display(key.fingerprint) in page.content.decode()
    totals = client.get(
        reverse("meetings:ballot", args=[scene.vote.code]) + "?part=totals",
        headers={"HX-Request": "true"},
    )
    assert b'id="ballot-totals"' in totals.content and b"<html" not in totals.content

    client.post(reverse("meetings:ballot_close", args=[scene.vote.code]))
    scene.vote.refresh_from_db()
    assert scene.vote.status == Vote.Status.CLOSED
    meeting_page = client.get(reverse("meetings:detail", args=[scene.meeting.code]))
    assert b'id="ballots"' in meeting_page.content
    assert scene.vote.question.encode() in meeting_page.content


def test_a_voter_sees_the_phone_ballot_only_while_open_and_eligible(cast, client_for):
    scene = ballot_scene(cast)
    url = reverse("meetings:ballot", args=[scene.vote.code])

    page = client_for(scene.voters[0]).get(url)
    assert b'id="ballot-app"' in page.content and b"js/ballot.js" in page.content
    assert b'id="ballot-chair"' not in page.content
    page = client_for(scene.probationary).get(url)
    assert b'id="ballot-app"' not in page.content
    meeting_page = client_for(scene.voters[0]).get(
        reverse("meetings:detail", args=[scene.meeting.code])
    )
    assert url.encode() in meeting_page.content


def test_the_result_page_shows_the_arithmetic_and_the_receipts(cast, client_for):
    scene = ballot_scene(cast)
    phones = [vote_as(user, scene.vote, "for")[0] for user in scene.voters[:4]]
    close(cast, scene.vote)

    page = client_for(scene.voters[0]).get(reverse("meetings:ballot", args=[scene.vote.code]))

    text = page.content.decode()
    assert 'id="result"' in text and 'id="ballot-app"' not in text
    assert "4/6" in text  # 4 for, out of 6 full members
    for phone in phones:
        assert services.receipt_display(phone.receipt) in text
        assert phone.receipt in text  # the list ballot.js checks the phone's receipt in
    assert 'id="ballot-receipts"' in text


def test_ballot_pages_refuse_get_on_actions_other_roles_and_other_committees(cast, client_for):
    scene = ballot_scene(cast, open_it=False)
    code = scene.vote.code
    client = client_for(cast.cell_secretary)
    for name in ("meetings:ballot_open", "meetings:ballot_close"):
        assert client.get(reverse(name, args=[code])).status_code == 405

    client = client_for(scene.voters[0])  # a plain member: sees, may not run
    assert client.get(reverse("meetings:ballot", args=[code])).status_code == 200
    for name in ("meetings:ballot_open", "meetings:ballot_close"):
        assert client.post(reverse(name, args=[code])).status_code == 403
    assert client.get(reverse("meetings:ballot_new", args=[scene.meeting.code])).status_code == 403

    client = client_for(cast.outsider)
    assert client.get(reverse("meetings:ballot", args=[code])).status_code == 404
    for name in ("meetings:ballot_open", "meetings:ballot_close"):
        assert client.post(reverse(name, args=[code])).status_code == 404
    assert client.get(reverse("meetings:ballot_new", args=[scene.meeting.code])).status_code == 404
    scene.vote.refresh_from_db()
    assert scene.vote.status == Vote.Status.DRAFT


def test_the_ballot_page_and_panel_keep_their_queries_bounded(
    cast, client_for, django_assert_max_num_queries
):
    scene = ballot_scene(cast)
    for user in scene.voters:
        vote_as(user, scene.vote, "abstain")
    for i in range(3):
        services.ballot_create(
            actor=cast.cell_secretary, meeting=scene.meeting, question=f"Câu hỏi {i}"
        )
    client = client_for(cast.cell_secretary)
    url = reverse("meetings:ballot", args=[scene.vote.code])
    client.get(url)
    with django_assert_max_num_queries(22):
        assert client.get(url).status_code == 200
    close(cast, scene.vote)
    with django_assert_max_num_queries(22):
        assert client.get(url).status_code == 200


# --- A strike-out election by secret ballot -------------------------------------------------


def test_an_election_by_secret_ballot_strikes_out_names_and_elects_by_majority(cast, capsys):
    scene = ballot_scene(cast, voters=5, extras=False, open_it=False)
    vote = services.ballot_create(
        actor=cast.cell_secretary,
        meeting=scene.meeting,
        question="Bầu chi ủy",
        rule_code="election",
        seats=2,
        candidates=["Nguyễn Văn A", "Trần Thị B", "Lê Văn C"],
    )
    services.ballot_open(actor=cast.cell_secretary, vote=vote)
    state = signed_in(scene.voters[0]).get(f"{API}/ballots/{vote.code}").json()
    assert state["kind"] == "election" and state["seats"] == 2
    assert [c["label"] for c in state["choices"]] == ["Nguyễn Văn A", "Trần Thị B", "Lê Văn C"]
    kept = [["1", "2"], ["1", "3"], ["1"], ["2", "1"], []]  # names left standing
    for user, names in zip(scene.voters, kept, strict=True):
        assert vote_as(user, vote, names)[1].status_code == 200
    # Too many names kept, or a name not on the ballot, is refused.
    user = voter_for_more(cast, scene)
    phone, response = vote_as(user, vote, ["1", "2", "3"])
    assert (response.status_code, response.json()["code"]) == (400, "too_many_kept")
    assert phone.cast(Client(), ["4"]).json()["code"] == "invalid_names"

    vote = services.ballot_close(actor=cast.cell_secretary, vote=vote)

    by_name = {row["name"]: row for row in vote.result["candidates"]}
    assert {name: row["votes"] for name, row in by_name.items()} == {
        "Nguyễn Văn A": 4,
        "Trần Thị B": 2,
        "Lê Văn C": 1,
    }
    # More than half of the 5 valid ballots (6 taken: the sixth voter's was never cast).
    assert vote.result["needed"] == 3 and vote.result["valid"] == 5
    assert [row["name"] for row in vote.result["candidates"] if row["elected"]] == ["Nguyễn Văn A"]
    assert vote.result["another_round"] is True and vote.result["reason"] == "shortfall"
    assert vote.result["ballots"]["unused"] == 1
    call_command("tally_verify", str(scene.meeting.code))
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] is True


def voter_for_more(cast, scene):
    from capuyso.meetings.tests.ballot_factories import voter

    return voter(cast, "Người bỏ phiếu thêm", "bophieuthem", meeting=scene.meeting)
