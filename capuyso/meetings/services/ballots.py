"""Secret ballots on the phone, with RSA blind signatures (RFC 9474). Protocol and threat
model: docs/voting.md.

    ballot_create → draft → ballot_open (a fresh key) → open → ballot_close → closed

While the vote is open:

1. `ballot_issue(voter=…, vote=…, blinded_msg=…)`: a signed-in eligible voter sends a
   blinded random token; the voter roll records that this member was issued one (unique
   per vote and member) and the server signs blindly. The same blinded message sent again
   (the answer was lost) is signed again; a different one is refused: one token each.
2. `ballot_cast(vote_code=…, token=…, signature=…, choice=…)`: anyone holding a token with a
   valid signature casts it, once. This service takes no user: the API calls it from an
   endpoint without authentication, cookies, logging or audit. The ballot is stored with no
   voter, no time and a random key.

`ballot_close` counts the ballots (checking every signature), stores the result, deletes
the private key and rewrites the roll and the box so that the order rows were written in
is gone. Results, counts and receipts are refused until then (`ballot_result`,
`counted_receipts`, `receipt_counted`).

Errors are ValidationErrors with the codes in MESSAGES; the API maps them to statuses.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from capuyso.meetings import blindsig
from capuyso.meetings.models import Attendance, Meeting, Vote
from capuyso.meetings.models_ballots import Ballot, BallotKey, VoterRoll
from capuyso.meetings.rules import evaluate, minimum_votes
from capuyso.meetings.services import votes as vote_services
from capuyso.meetings.services.attendance import eligible_voters

logger = logging.getLogger(__name__)

FOR, AGAINST, ABSTAIN = "for", "against", "abstain"
CHOICES = (FOR, AGAINST, ABSTAIN)
CHOICE_LABELS = {
    FOR: pgettext_lazy("vote choice", "For"),
    AGAINST: pgettext_lazy("vote choice", "Against"),
    ABSTAIN: pgettext_lazy("vote choice", "Abstain"),
}

MESSAGES = {
    "not_secret": _("This vote is not a secret ballot."),
    "not_open": _("Voting has not started yet. Wait for the chair to open the ballot."),
    "vote_closed": _("Voting has ended: the chair closed the ballot. No more ballots are taken."),
    "meeting_over": _("This meeting was cancelled."),
    "not_eligible": _(
        "You cannot vote in this ballot: only full members recorded present at the meeting "
        "vote. If you are here, ask the secretary to mark you present."
    ),
    "already_issued": _(
        "A ballot was already issued to you for this vote, perhaps on another phone. "
        "Each member votes once: finish voting on the phone that received it."
    ),
    "bad_request": _("The ballot request is damaged. Reload the page and try again."),
    "bad_signature": _(
        "This ballot does not carry this vote's signature, so it is refused. Reload the "
        "page and vote again."
    ),
    "already_cast": _("This ballot was already received; it is counted once."),
    "invalid_choice": _("Choose for, against or abstain."),
    "too_many_kept": _("Leave at most %(seats)s names standing; strike out the others."),
    "not_closed": _("Results are shown only after the chair closes the ballot."),
    "key_unavailable": _(
        "This vote's key cannot be opened on this server. Tell the administrator."
    ),
    "invalid_names": _("This ballot lists names that are not on it. Reload the page."),
}


def ballot_error(code: str, **params: Any) -> ValidationError:
    message = str(MESSAGES[code])
    return ValidationError(message % params if params else message, code=code)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def receipt_of(token: bytes) -> str:
    """The voter's receipt: SHA-256 of the token, hex (shown grouped: `receipt_display`)."""
    return _sha256(token)


def receipt_display(receipt: str) -> str:
    """The first 16 hex digits in groups of four, as the phone shows the receipt."""
    head = receipt[:16].upper()
    return " ".join(head[i : i + 4] for i in range(0, 16, 4))


# --- Reads -------------------------------------------------------------------------------


def get_ballot_for_user(user, code, *, manage: bool = False) -> Vote:
    """The one door to a secret ballot (votes' door, for secret ballots only): 404 outside
    the user's committee or for another kind of vote, 403 without the right to see
    (`manage`: open and close) it."""
    vote = vote_services.get_vote_for_user(user, code)
    if vote.method != Vote.Method.SECRET:
        raise Http404
    if manage and not vote_services.may_run(user, vote.meeting):
        raise PermissionDenied
    return vote


def secret_ballots_of(meeting: Meeting):
    return (
        Vote.objects.filter(meeting=meeting, method=Vote.Method.SECRET)
        .select_related("rule", "item", "ballot_key")
        .order_by("created_at", "pk")
    )


# Eligibility is asked by every voter's phone (state, signature): the roll is computed
# once per meeting and attendance state, and kept a short while (a change of attendance
# changes the key at once; a change in a member's file is seen within ELIGIBLE_TTL).
ELIGIBLE_TTL = 15.0
_eligible_memo: dict[tuple, tuple[float, frozenset[int]]] = {}


def eligible_member_ids(meeting: Meeting) -> frozenset[int]:
    """Members who may vote: recorded present, full members (not probationary), counted in
    the vote's denominator (the attendance feature's `eligible_voters`)."""
    stamp = Attendance.objects.filter(meeting=meeting).aggregate(
        rows=Count("pk"), last=Max("updated_at")
    )
    key = (meeting.pk, stamp["rows"], stamp["last"])
    now = time.monotonic()
    cached = _eligible_memo.get(key)
    if cached is not None and now - cached[0] < ELIGIBLE_TTL:
        return cached[1]
    ids = frozenset(eligible_voters(meeting).values_list("pk", flat=True))
    if len(_eligible_memo) > 64:
        _eligible_memo.clear()
    _eligible_memo[key] = (now, ids)
    return ids


def is_eligible(user, vote: Vote) -> bool:
    member_id = getattr(user, "member_id", None)
    return bool(member_id) and member_id in eligible_member_ids(vote.meeting)


def public_key_of(vote: Vote) -> blindsig.PublicKey | None:
    row = BallotKey.objects.filter(vote=vote).only("public_key").first()
    return blindsig.PublicKey.from_pem(row.public_key) if row else None


def is_election(vote: Vote) -> bool:
    return bool(vote.seats)


def choices_of(vote: Vote) -> list[dict]:
    """The ballot: for/against/abstain, or the candidates of a strike-out ballot."""
    if is_election(vote):
        return [
            {"value": str(c.order), "label": c.name}
            for c in vote.candidates.order_by("order", "name")
        ]
    return [{"value": value, "label": str(CHOICE_LABELS[value])} for value in CHOICES]


@dataclass
class BallotState:
    """What a voter's device (and the page) needs to know about a ballot."""

    vote: Vote
    key: blindsig.PublicKey | None
    eligible: bool
    issued_to_me: bool
    issued: int
    received: int
    choices: list[dict] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.vote.status


def ballot_state(user, vote: Vote) -> BallotState:
    """The ballot as `user` sees it. Before close only totals of tokens issued and ballots
    received are given — never a count per choice."""
    member_id = getattr(user, "member_id", None)
    issued_to_me = (
        bool(member_id) and VoterRoll.objects.filter(vote=vote, member_id=member_id).exists()
    )
    return BallotState(
        vote=vote,
        key=public_key_of(vote),
        eligible=vote.status != Vote.Status.CLOSED and is_eligible(user, vote),
        issued_to_me=issued_to_me,
        issued=VoterRoll.objects.filter(vote=vote).count(),
        received=Ballot.objects.filter(vote=vote).count(),
        choices=choices_of(vote),
    )


def check_closed(vote: Vote) -> None:
    if vote.status != Vote.Status.CLOSED:
        raise ballot_error("not_closed")


def ballot_result(vote: Vote) -> dict:
    """The stored result, with the tokens issued and the ballots collected (the vote's
    fields) in its `ballots`; refused (`not_closed`) until the chair closes the ballot."""
    check_closed(vote)
    result = dict(vote.result)
    result["ballots"] = {
        **(result.get("ballots") or {}),
        "issued": vote.ballots_issued,
        "collected": vote.ballots_collected,
    }
    return result


def counted_receipts(vote: Vote) -> list[str]:
    """Every counted ballot's receipt, in receipt order (no choices); after close only."""
    check_closed(vote)
    return list(
        Ballot.objects.filter(vote=vote).order_by("receipt").values_list("receipt", flat=True)
    )


def receipt_counted(*, vote_code, receipt: str) -> bool:
    """Was the ballot with this receipt counted? After close only. Takes no user."""
    vote = _secret_vote_by_code(vote_code)
    check_closed(vote)
    receipt = (receipt or "").strip().lower().replace(" ", "")
    if len(receipt) != 64:
        raise ballot_error("bad_request")
    return Ballot.objects.filter(vote=vote, receipt=receipt).exists()


def _secret_vote_by_code(vote_code) -> Vote:
    try:
        return Vote.objects.select_related("meeting").get(code=vote_code, method=Vote.Method.SECRET)
    except (Vote.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc


# --- The life cycle ----------------------------------------------------------------------


def _check_live(vote: Vote) -> None:
    if vote.method != Vote.Method.SECRET:
        raise ballot_error("not_secret")
    if vote.meeting.status == Meeting.Status.CANCELLED:
        raise ballot_error("meeting_over")


def _check_open(vote: Vote) -> None:
    _check_live(vote)
    if vote.status == Vote.Status.DRAFT:
        raise ballot_error("not_open")
    if vote.status == Vote.Status.CLOSED:
        raise ballot_error("vote_closed")


def ballot_create(
    *,
    actor,
    meeting: Meeting,
    question: str,
    rule_code: str = "resolution",
    item=None,
    seats: int | None = None,
    candidates=None,
) -> Vote:
    """A draft secret ballot: a question (for/against/abstain), or with `seats` and
    `candidates` a strike-out ballot electing people (vote_services.vote_create)."""
    return vote_services.vote_create(
        actor=actor,
        meeting=meeting,
        question=question,
        method=Vote.Method.SECRET,
        rule_code=rule_code,
        item=item,
        seats=seats,
        candidates=candidates,
    )


def ensure_key(vote: Vote) -> BallotKey:
    """The vote's key, made on first need (a fresh RSA key per vote)."""
    existing = BallotKey.objects.filter(vote=vote).first()
    if existing is not None:
        return existing
    key = blindsig.generate_key()
    public = blindsig.PublicKey.from_key(key.public_key())
    return BallotKey.objects.create(
        vote=vote,
        public_key=public.pem,
        fingerprint=public.fingerprint,
        bits=key.key_size,
        sealed_private_key=blindsig.seal_private_key(
            key, context=str(vote.code), secret=settings.SECRET_KEY
        ),
    )


def _on_open(vote: Vote, actor) -> None:
    """vote_services.vote_open's hook: the vote's key, and its fingerprint in the audit trail."""
    key = ensure_key(vote)
    vote_services.audit_vote(actor, vote, {"key_fingerprint": [None, key.fingerprint]})


def ballot_open(*, actor, vote: Vote) -> Vote:
    """Start voting with a fresh key (vote_services.vote_open; opening twice does nothing)."""
    if vote.method != Vote.Method.SECRET:
        raise ballot_error("not_secret")
    return vote_services.vote_open(actor=actor, vote=vote)


def ballot_close(*, actor, vote: Vote) -> Vote:
    """End voting (vote_services.vote_close): count the box, store the result, delete the private
    key, rewrite the roll and the box without their order. Closing twice does nothing."""
    if vote.method != Vote.Method.SECRET:
        raise ballot_error("not_secret")
    return vote_services.vote_close(actor=actor, vote=vote)


def _lock(vote: Vote) -> Vote:
    return vote_services.lock_vote(vote)


@transaction.atomic
def ballot_issue(*, voter, vote: Vote, blinded_msg: bytes) -> bytes:
    """Blind-sign one ballot token for an eligible voter, once per vote.

    Nothing about the request is kept but the roll's "issued" row (and, until close, a
    hash of the blinded message, to answer the same request again)."""
    _secure_delete()
    locked = _lock(vote)
    _check_open(locked)
    member_id = getattr(voter, "member_id", None)
    if not member_id or member_id not in eligible_member_ids(locked.meeting):
        raise ballot_error("not_eligible")
    key_row = ensure_key(locked)
    public = blindsig.PublicKey.from_pem(key_row.public_key)
    if len(blinded_msg) != public.size or blindsig.bytes_to_int(blinded_msg) >= public.n:
        raise ballot_error("bad_request")
    digest = _sha256(blinded_msg)
    row = VoterRoll.objects.filter(vote=locked, member_id=member_id).first()
    if row is None:
        try:
            with transaction.atomic():
                VoterRoll.objects.create(vote=locked, member_id=member_id, blinded_hash=digest)
        except IntegrityError:  # the other device won the race
            row = VoterRoll.objects.get(vote=locked, member_id=member_id)
    if row is not None and row.blinded_hash != digest:
        raise ballot_error("already_issued")
    try:
        key = blindsig.open_private_key(
            key_row.sealed_private_key, context=str(locked.code), secret=settings.SECRET_KEY
        )
        return blindsig.blind_sign(key, blinded_msg)
    except blindsig.BlindSigError as exc:
        raise ballot_error("key_unavailable") from exc


def normalise_choice(vote: Vote, choice: Any) -> str:
    """The choice as stored: for/against/abstain, or for a strike-out ballot the orders of
    the names left standing, sorted, comma-separated ("" when every name is struck)."""
    if not is_election(vote):
        if choice not in CHOICES:
            raise ballot_error("invalid_choice")
        return choice
    if isinstance(choice, str):
        choice = [part for part in choice.split(",") if part.strip()]
    if not isinstance(choice, list | tuple):
        raise ballot_error("invalid_names")
    orders = {str(order) for order in vote.candidates.values_list("order", flat=True)}
    kept = {str(part).strip() for part in choice}
    if len(kept) != len(choice) or not kept <= orders:
        raise ballot_error("invalid_names")
    if len(kept) > (vote.seats or 0):
        raise ballot_error("too_many_kept", seats=vote.seats)
    return ",".join(sorted(kept, key=int))


@transaction.atomic
def ballot_cast(*, vote_code, token: bytes, signature: bytes, choice: Any) -> str:
    """Put one ballot in the box; returns its receipt. Takes no user and records nothing
    about the caller: the token's signature is the proof of the right to vote.

    A token already used is refused (`already_cast`) whatever the choice sent with it, so
    the answer never tells which choice it was cast with."""
    if len(token) != blindsig.TOKEN_BYTES:
        raise ballot_error("bad_request")
    vote = _secret_vote_by_code(vote_code)
    _check_open(vote)
    public = public_key_of(vote)
    if public is None or not blindsig.verify(public, token, signature):
        raise ballot_error("bad_signature")
    _secure_delete()
    locked = _lock(vote)  # a close waits for this ballot, or this ballot sees the close
    _check_open(locked)
    stored_choice = normalise_choice(locked, choice)
    receipt = receipt_of(token)
    if Ballot.objects.filter(vote=locked, receipt=receipt).exists():
        raise ballot_error("already_cast")
    try:
        with transaction.atomic():
            Ballot.objects.create(
                vote=locked,
                receipt=receipt,
                token=token.hex(),
                signature=signature.hex(),
                choice=stored_choice,
            )
    except IntegrityError as exc:
        raise ballot_error("already_cast") from exc
    return receipt


# --- Counting ----------------------------------------------------------------------------


@dataclass
class Tally:
    """A count of the stored ballots of one vote, every signature checked."""

    counts: Counter
    ballots: int
    bad_signatures: int
    bad_receipts: int
    bad_choices: int
    duplicates: int
    issued: int

    @property
    def valid(self) -> int:
        return self.ballots - self.bad_signatures - self.bad_receipts - self.bad_choices

    @property
    def problems(self) -> list[str]:
        found = []
        if self.bad_signatures:
            found.append("bad_signatures")
        if self.bad_receipts:
            found.append("bad_receipts")
        if self.bad_choices:
            found.append("bad_choices")
        if self.duplicates:
            found.append("duplicate_tokens")
        if self.ballots > self.issued:
            found.append("more_ballots_than_tokens")
        return found


def count_ballots(vote: Vote, public: blindsig.PublicKey | None = None) -> Tally:
    """Count from the box: each ballot's signature verified against the vote's public key,
    its receipt recomputed from its token, its choice checked."""
    public = public or public_key_of(vote)
    verifier = blindsig.Verifier(public) if public else None
    counts: Counter = Counter()
    bad_sig = bad_receipt = bad_choice = total = 0
    seen: set[str] = set()
    duplicates = 0
    candidates = None
    if is_election(vote):
        candidates = {str(o) for o in vote.candidates.values_list("order", flat=True)}
    rows = Ballot.objects.filter(vote=vote).values_list("receipt", "token", "signature", "choice")
    for receipt, token_hex, signature_hex, choice in rows.iterator(chunk_size=1000):
        total += 1
        try:
            token, signature = bytes.fromhex(token_hex), bytes.fromhex(signature_hex)
        except ValueError:
            bad_sig += 1
            continue
        if verifier is None or not verifier(token, signature):
            bad_sig += 1
            continue
        if receipt_of(token) != receipt:
            bad_receipt += 1
            continue
        if receipt in seen:
            duplicates += 1
            continue
        seen.add(receipt)
        if candidates is None:
            if choice not in CHOICES:
                bad_choice += 1
                continue
            counts[choice] += 1
        else:
            kept = [part for part in choice.split(",") if part]
            if not set(kept) <= candidates or len(kept) > (vote.seats or 0):
                bad_choice += 1
                continue
            counts["ballots"] += 1
            for order in kept:
                counts[order] += 1
    return Tally(
        counts=counts,
        ballots=total,
        bad_signatures=bad_sig,
        bad_receipts=bad_receipt,
        bad_choices=bad_choice,
        duplicates=duplicates,
        issued=VoterRoll.objects.filter(vote=vote).count(),
    )


def compute_result(vote: Vote, tally: Tally) -> dict:
    """The result dict stored at close, in the shape every method stores (votes.py):
    counts (or the candidates' votes and who is elected), the base and the threshold's
    arithmetic, the quorum, and the ballots: unused tokens, invalid and valid ballots,
    whether tokens and ballots match. The tokens issued and the ballots collected go in the
    vote's own fields (`_tally` sets them; vote_close saves them)."""
    voters = vote_services.voters_for(vote.meeting)
    valid = tally.valid - tally.duplicates
    base = vote_services.base_count(vote.rule, voters=voters, valid=valid)
    quorum = vote_services.quorum_of(vote, voters)
    result = vote_services.common_result(vote, voters=voters, base=base, quorum=quorum)
    result.update(
        {
            "valid": valid,
            "ballots": {
                "unused": max(tally.issued - tally.ballots, 0),
                "invalid": tally.ballots - valid,
                "valid": valid,
                "matches": tally.issued == tally.ballots and not tally.problems,
            },
            "problems": tally.problems,
            "key_fingerprint": BallotKey.objects.filter(vote=vote)
            .values_list("fingerprint", flat=True)
            .first(),
        }
    )
    quorate = quorum is None or quorum["passed"]
    if not is_election(vote):
        counts = {choice: tally.counts.get(choice, 0) for choice in CHOICES}
        outcome = evaluate(vote.rule, votes=counts[FOR], base=base)
        result.update(
            {
                "counts": counts,
                "outcome": vote_services.outcome_dict(outcome),
                "passed": outcome.passed and quorate,
            }
        )
        return result
    from capuyso.meetings.services.elections import election_outcome

    candidates = list(vote.candidates.order_by("order", "name"))
    needed = minimum_votes(vote.rule, base)
    outcome = election_outcome(
        [(str(c.code), tally.counts.get(str(c.order), 0)) for c in candidates],
        seats=vote.seats or 1,
        base=base,
        needed=needed,
    )
    names = {str(c.code): c for c in candidates}
    rank = {key: index for index, (key, _count) in enumerate(outcome.ranking, start=1)}
    elected = set(outcome.elected) if quorate else set()
    result.update(
        {
            "seats": outcome.seats,
            "needed": needed,
            "candidates": [
                {
                    "code": key,
                    "order": names[key].order,
                    "name": names[key].name,
                    "votes": count,
                    "rank": rank[key],
                    "reached": key in outcome.reached,
                    "elected": key in elected,
                    "tied": key in set(outcome.tied),
                }
                for key, count in outcome.ranking
            ],
            "elected": len(elected),
            "another_round": outcome.another_round and quorate,
            "reason": outcome.reason if quorate else "",
            "remaining_seats": outcome.remaining_seats if quorate else outcome.seats,
            "next_candidates": list(outcome.next_candidates) if quorate else [],
            "passed": bool(elected),
        }
    )
    return result


def _secure_delete() -> None:
    """SQLite: overwrite freed space with zeros on this connection, so that neither the
    rows deleted at close nor the copies a page split leaves while voting stay in the file
    (with their row ids, i.e. their order)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


def _rewrite_in_order(vote: Vote) -> None:
    """Write the box again in receipt order and the roll in member order, with fresh
    random keys, so that neither table keeps the order (or the row ids) of the writes
    made while voting. On SQLite, deleted content is overwritten with zeros."""
    _secure_delete()
    ballots = list(
        Ballot.objects.filter(vote=vote)
        .order_by("receipt")
        .values_list("receipt", "token", "signature", "choice")
    )
    Ballot.objects.filter(vote=vote).delete()
    Ballot.objects.bulk_create(
        [
            Ballot(vote=vote, receipt=receipt, token=token, signature=signature, choice=choice)
            for receipt, token, signature, choice in ballots
        ],
        batch_size=500,
    )
    members = list(
        VoterRoll.objects.filter(vote=vote)
        .order_by("member_id")
        .values_list("member_id", flat=True)
    )
    VoterRoll.objects.filter(vote=vote).delete()
    VoterRoll.objects.bulk_create(
        [VoterRoll(vote=vote, member_id=member_id) for member_id in members], batch_size=500
    )


def _compact_storage() -> None:
    """After the close commits: let the database drop the old pages (best effort).

    SQLite: checkpoint the WAL and truncate it. PostgreSQL: VACUUM FULL rewrites both
    tables into new files, leaving no dead row versions (which keep their insertion
    transaction ids) behind. What remains is listed in docs/voting.md."""
    if connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            elif connection.vendor == "postgresql":
                tables = ", ".join(
                    connection.ops.quote_name(model._meta.db_table) for model in (Ballot, VoterRoll)
                )
                cursor.execute(f"VACUUM FULL {tables}")
    except Exception:  # noqa: BLE001 - compaction is best effort; the close stands
        logger.warning("Secret ballot storage could not be compacted after a close.")


def _tally(vote: Vote) -> dict:
    """votes.vote_close's tally: count the box, every signature checked. The tokens issued
    and the ballots collected become the (locked) vote's figures, saved with its result."""
    tally = count_ballots(vote)
    vote.ballots_issued = tally.issued
    vote.ballots_collected = tally.ballots
    return compute_result(vote, tally)


def _on_close(vote: Vote, actor) -> None:
    """votes.vote_close's hook, on the locked vote once closed: the counts in the vote's
    fields, the private key deleted, the roll and the box rewritten without their order,
    and (after the commit) the storage compacted."""
    result = vote.result
    fields = ["count_invalid"]
    vote.count_invalid = result["ballots"]["invalid"]
    if is_election(vote):
        by_code = {row["code"]: row["votes"] for row in result["candidates"]}
        for candidate in vote.candidates.all():
            candidate.votes = by_code.get(str(candidate.code), 0)
            candidate.save(update_fields=["votes"])
    else:
        counts = result["counts"]
        vote.count_for, vote.count_against = counts[FOR], counts[AGAINST]
        vote.count_abstain = counts[ABSTAIN]
        fields += ["count_for", "count_against", "count_abstain"]
    vote.save(update_fields=fields)
    BallotKey.objects.filter(vote=vote).update(sealed_private_key="")
    blindsig.forget_opened_keys()
    _rewrite_in_order(vote)
    vote_services.audit_vote(
        actor,
        vote,
        {
            "ballots": [
                None,
                {"issued": vote.ballots_issued, "collected": vote.ballots_collected},
            ],
            "private_key": ["kept", "deleted"],
        },
    )
    transaction.on_commit(_compact_storage)


vote_services.register_method(
    Vote.Method.SECRET, tally=_tally, on_open=_on_open, on_close=_on_close
)


# --- Verification (tally_verify) -----------------------------------------------------------


def verify_vote(vote: Vote) -> dict:
    """Recount one closed secret ballot from its stored ballots and compare with the stored
    result. `ok` is False on any difference or problem."""
    tally = count_ballots(vote)
    mismatches: list[str] = []
    if is_election(vote):
        recount = {str(c.order): tally.counts.get(str(c.order), 0) for c in vote.candidates.all()}
        stored_counts = {str(c.order): c.votes for c in vote.candidates.all()}
    else:
        recount = {choice: tally.counts.get(choice, 0) for choice in CHOICES}
        stored_counts = {
            FOR: vote.count_for,
            AGAINST: vote.count_against,
            ABSTAIN: vote.count_abstain,
        }
    for key, value in recount.items():
        if stored_counts.get(key) != value:
            mismatches.append(f"count:{key}")
    if vote.ballots_collected != tally.ballots:
        mismatches.append("collected")
    if vote.ballots_issued != tally.issued:
        mismatches.append("issued")
    if (
        vote.status == Vote.Status.CLOSED
        and BallotKey.objects.filter(vote=vote, sealed_private_key__gt="").exists()
    ):
        mismatches.append("private_key_kept")
    return {
        "vote": str(vote.code),
        "question": vote.question,
        "status": vote.status,
        "ballots": tally.ballots,
        "valid": tally.valid - tally.duplicates,
        "issued": tally.issued,
        "recount": recount,
        "stored": stored_counts,
        "problems": tally.problems,
        "mismatches": mismatches,
        "ok": not mismatches and not tally.problems,
    }


def verify_meeting(meeting: Meeting, votes: Iterable[Vote] | None = None) -> dict:
    """`tally_verify`: every closed secret ballot of the meeting recounted."""
    checked, skipped = [], []
    for vote in votes if votes is not None else secret_ballots_of(meeting):
        if vote.status != Vote.Status.CLOSED:
            skipped.append({"vote": str(vote.code), "status": vote.status})
            continue
        checked.append(verify_vote(vote))
    return {
        "meeting": str(meeting.code),
        "votes": checked,
        "not_closed": skipped,
        "ok": all(row["ok"] for row in checked),
    }
