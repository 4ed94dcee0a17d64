"""Elections with strike-out ballots (bầu cử, phiếu gạch tên) counted in the room.

The counting committee (ban kiểm phiếu) enters, for each candidate, the ballots on which
the name was left standing, and the invalid ballots separately. A candidate is elected
with the share of the base the "election" VoteRule asks (more than half of the valid
ballots by default), ranked by votes within the seats. A tie at the last seat, or fewer
elected than seats, calls for another round: `election_next_round` creates it with the
tied candidates (or those not elected) and the seats that remain.

`election_outcome` is the pure computation, with no database access, so it can be tested
case by case (ties, shortfall, more winners than seats, all ballots invalid).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb
from capuyso.meetings.access import may_manage
from capuyso.meetings.models import Candidate, Vote
from capuyso.meetings.rules import minimum_votes
from capuyso.meetings.services import votes as vote_services

TIE = "tie"
SHORTFALL = "shortfall"


@dataclass(frozen=True)
class ElectionOutcome:
    """Who is elected, and whether another round is needed.

    `ranking` holds every candidate key by votes (most first; equal votes keep the given
    order). `reached` are those with at least `needed` votes. `elected` are within the
    seats; `tied` share the last seat's count beyond the seats (another round among them);
    `remaining_seats` and `next_candidates` describe the next round when `another_round`.
    """

    seats: int
    base: int
    needed: int
    ranking: tuple[tuple[Hashable, int], ...]
    reached: tuple[Hashable, ...]
    elected: tuple[Hashable, ...]
    tied: tuple[Hashable, ...]
    reason: str  # "", TIE or SHORTFALL
    remaining_seats: int
    next_candidates: tuple[Hashable, ...]

    @property
    def another_round(self) -> bool:
        return bool(self.reason)

    @property
    def not_elected(self) -> tuple[Hashable, ...]:
        chosen = set(self.elected)
        return tuple(key for key, _votes in self.ranking if key not in chosen)


def election_outcome(
    votes: Sequence[tuple[Hashable, int]] | Mapping[Hashable, int],
    *,
    seats: int,
    base: int,
    needed: int,
) -> ElectionOutcome:
    """Elect within `seats` those with at least `needed` votes out of `base` (nobody when
    the base is 0: every ballot invalid). Pure: no database, no rules lookup."""
    if seats < 1:
        raise ValueError("seats must be at least 1")
    pairs = list(votes.items()) if isinstance(votes, Mapping) else list(votes)
    ranking = tuple(
        pair for _index, pair in sorted(enumerate(pairs), key=lambda row: (-row[1][1], row[0]))
    )
    reached = tuple(key for key, count in ranking if base > 0 and count >= needed)
    elected: tuple[Hashable, ...]
    tied: tuple[Hashable, ...] = ()
    reason = ""
    if len(reached) <= seats:
        elected = reached
        if len(elected) < seats:
            reason = SHORTFALL
    else:
        counts = dict(ranking)
        last = counts[reached[seats - 1]]
        first_out = counts[reached[seats]]
        if last == first_out:
            elected = tuple(key for key in reached if counts[key] > last)
            tied = tuple(key for key in reached if counts[key] == last)
            reason = TIE
        else:
            elected = reached[:seats]
    remaining = seats - len(elected)
    if reason == TIE:
        next_candidates = tied
    elif reason == SHORTFALL:
        chosen = set(elected)
        next_candidates = tuple(key for key, _count in ranking if key not in chosen)
    else:
        next_candidates = ()
    return ElectionOutcome(
        seats=seats,
        base=base,
        needed=needed,
        ranking=ranking,
        reached=reached,
        elected=elected,
        tied=tied,
        reason=reason,
        remaining_seats=remaining,
        next_candidates=next_candidates,
    )


# --- Entering the count ------------------------------------------------------------------


@transaction.atomic
def election_record(
    *,
    actor,
    vote: Vote,
    candidate_votes: Mapping[Any, int],
    invalid: int,
    issued: int,
    collected: int,
    counting_committee: Sequence[str],
    close: bool = False,
) -> Vote:
    """The counting committee's figures for an election: votes per candidate (by the
    candidate's code), invalid ballots, ballots issued and collected, and the names of
    the committee. Checks that they add up: valid + invalid = collected ≤ issued ≤ voters
    present; a candidate has at most the valid ballots; a strike-out ballot keeps at most
    `seats` names, so the votes together are at most valid × seats. With `close`, closes
    the vote and computes the result. Entering the same figures on a closed vote again
    is a harmless no-op."""
    locked = vote_services.lock_vote(vote)
    if not may_manage(actor, locked.meeting):
        raise PermissionDenied
    if locked.method != Vote.Method.ELECTION:
        raise ValidationError(_("This vote is not an election."), code="wrong_method")
    candidates = list(locked.candidates.all())
    by_code = {str(c.code): c for c in candidates}
    given = {str(key): value for key, value in candidate_votes.items()}
    committee = vote_services.clean_names(counting_committee)
    if locked.status == Vote.Status.CLOSED:
        same = all(
            given.get(code) == c.votes for code, c in by_code.items()
        ) and vote_services.same_figures(
            locked, issued=issued, collected=collected, invalid=invalid, committee=committee
        )
        if same:
            return locked
    vote_services.check_can_record(locked)
    errors = vote_services.Errors()
    for code in given:
        if code not in by_code:
            errors.add("candidates", _("This candidate is not on the list."), "unknown_candidate")
    for code, candidate in by_code.items():
        value = given.get(code)
        if value is None:
            errors.add(
                f"candidate_{code}",
                _("Enter the votes of %(name)s.") % {"name": candidate.name},
                "required",
            )
        elif value < 0:
            errors.add(f"candidate_{code}", _("A count cannot be negative."), "negative")
    voters = vote_services.voters_for(locked.meeting)
    valid = vote_services.check_ballots(
        errors,
        voters=voters,
        issued=issued,
        collected=collected,
        invalid=invalid,
        committee=committee,
    )
    if not errors and valid is not None:
        for code, candidate in by_code.items():
            if given[code] > valid:
                errors.add(
                    f"candidate_{code}",
                    _(
                        "%(name)s has more votes (%(votes)s) than there are valid ballots "
                        "(%(valid)s)."
                    )
                    % {"name": candidate.name, "votes": given[code], "valid": valid},
                    "over_valid",
                )
        seats = locked.seats or 1
        if not errors and sum(given.values()) > valid * seats:
            errors.add(
                "candidates",
                _(
                    "The votes together (%(total)s) exceed %(valid)s valid ballots × %(seats)s "
                    "seats: a ballot that keeps more names than seats is invalid. Check the "
                    "count."
                )
                % {"total": sum(given.values()), "valid": valid, "seats": seats},
                "too_many_marks",
            )
    errors.raise_if_any()
    before = {str(c.code): c.votes for c in candidates}
    for code, candidate in by_code.items():
        if candidate.votes != given[code]:
            candidate.votes = given[code]
            candidate.save(update_fields=["votes", "updated_at"])
    changes = vote_services.store_ballots(
        locked, issued=issued, collected=collected, invalid=invalid, committee=committee
    )
    changes["candidates"] = [before, {code: given[code] for code in by_code}]
    if locked.status == Vote.Status.DRAFT:
        vote_services.mark_open(locked)
    vote_services.audit_vote(actor, locked, changes)
    if close:
        return vote_services.vote_close(actor=actor, vote=locked)
    return locked


def election_tally(vote: Vote) -> dict:
    """The result of a closed election, from the stored counts (the registered tally)."""
    candidates = list(vote.candidates.all())
    voters = vote_services.voters_for(vote.meeting)
    ballots = vote_services.ballots_of(vote)
    if not candidates or any(c.votes is None for c in candidates) or ballots["collected"] is None:
        raise ValidationError(
            _("Enter the counting committee's figures before closing the election."),
            code="counts_missing",
        )
    invalid = vote.count_invalid or 0
    valid = ballots["collected"] - invalid
    base = vote_services.base_count(vote.rule, voters=voters, valid=valid)
    needed = minimum_votes(vote.rule, base)
    outcome = election_outcome(
        [(str(c.code), c.votes or 0) for c in candidates],
        seats=vote.seats or 1,
        base=base,
        needed=needed,
    )
    quorum = vote_services.quorum_of(vote, voters)
    elected = set(outcome.elected)
    tied = set(outcome.tied)
    rank = {key: index for index, (key, _count) in enumerate(outcome.ranking, start=1)}
    names = {str(c.code): c for c in candidates}
    result = vote_services.common_result(vote, voters=voters, base=base, quorum=quorum)
    result.update(
        {
            "valid": valid,
            # Issued and collected are the vote's own fields (ballots_of).
            "ballots": {"invalid": invalid, "valid": valid},
            "seats": outcome.seats,
            "needed": needed,
            "candidates": [
                {
                    "code": key,
                    "name": names[key].name,
                    "votes": count,
                    "rank": rank[key],
                    "reached": key in outcome.reached,
                    "elected": key in elected,
                    "tied": key in tied,
                }
                for key, count in outcome.ranking
            ],
            "elected": len(outcome.elected),
            "another_round": outcome.another_round,
            "reason": outcome.reason,
            "remaining_seats": outcome.remaining_seats,
            "next_candidates": list(outcome.next_candidates),
            "passed": bool(outcome.elected) and (quorum is None or quorum["passed"]),
        }
    )
    if quorum is not None and not quorum["passed"]:
        # Without a quorum nobody is elected: the whole election is held again.
        for row in result["candidates"]:
            row["elected"] = False
        result.update(
            {
                "elected": 0,
                "another_round": False,
                "reason": "",
                "remaining_seats": outcome.seats,
                "next_candidates": [],
            }
        )
    return result


vote_services.register_method(Vote.Method.ELECTION, tally=election_tally)


# --- The next round ----------------------------------------------------------------------


@transaction.atomic
def election_next_round(*, actor, vote: Vote) -> Vote:
    """Round n+1 of a closed election that calls for another round: the tied candidates
    (or those not elected) for the seats that remain, same question, method and rule.
    Asking twice gives the same round."""
    locked = vote_services.lock_vote(vote)
    if not may_manage(actor, locked.meeting):
        raise PermissionDenied
    existing = Vote.objects.filter(previous_round=locked).first()
    if existing is not None:
        return existing
    if locked.status != Vote.Status.CLOSED or not locked.result.get("another_round"):
        raise ValidationError(
            _("This election does not call for another round."), code="no_next_round"
        )
    carried = set(locked.result.get("next_candidates", []))
    candidates = [c for c in locked.candidates.all() if str(c.code) in carried]
    new = Vote.objects.create(
        meeting=locked.meeting,
        item=locked.item,
        question=locked.question,
        method=locked.method,
        rule=locked.rule,
        seats=locked.result["remaining_seats"],
        round=locked.round + 1,
        previous_round=locked,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    Candidate.objects.bulk_create(
        [
            Candidate(vote=new, name=c.name, member_id=c.member_id, order=index)
            for index, c in enumerate(candidates, start=1)
        ]
    )
    vote_services.audit_vote(
        actor,
        new,
        {
            "round": [locked.round, new.round],
            "seats": [None, new.seats],
            "candidates": [None, [c.name for c in candidates]],
        },
        verb=Verb.CREATE,
    )
    return new


__all__ = [
    "SHORTFALL",
    "TIE",
    "ElectionOutcome",
    "election_next_round",
    "election_outcome",
    "election_record",
    "election_tally",
]
