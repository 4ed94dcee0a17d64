"""Votes of a meeting: the common life cycle every method shares, and the open vote
(raised party card) and the paper ballot counted in the room.

Life cycle (every method, secret ballots included)::

    vote_create  →  draft  →  vote_open  →  open  →  vote_close  →  closed (result)

- `vote_create(*, actor, meeting, question, method, rule_code, item=None, seats=None,
  candidates=None)` makes a draft vote. The threshold is the VoteRule `rule_code` in force
  on the meeting's day (`rules.vote_rule_on`). `seats` and `candidates` (names or
  Member rows) are for elections, and for a secret ballot that elects people.
- `vote_open(*, actor, vote)` starts voting; `vote_close(*, actor, vote, result=None)`
  ends it and stores the result. Both are idempotent (a second call returns the vote).
- The result is computed at close by the method's tally, registered with
  `register_method(method, tally=…, on_open=…, on_close=…)`: this module registers the
  open vote and the paper ballot, `elections.py` the election. A method that counts
  elsewhere (the secret ballot) may instead pass its `result` dict to `vote_close`, or
  register its own tally. Hooks run inside the service's transaction, on the locked vote.
- The result dict always has `method`, `round`, `rule`, `voters` (full_members,
  present), `quorum` (or None), `base`, `valid` and `passed`; `common_result` and
  `outcome_dict` build those parts so every method stores the same shape. Results are
  shown only once a vote is closed (templates, API).

Who may do what: organisers of the meeting (MEETINGS_MANAGE) create votes and enter
counts; they and the meeting's chair open and close them. Every change is audited and
refused with a coded ValidationError that changes nothing.

Eligible voters come from `voters_for(meeting)`: the members present who may vote and the
full-member denominator, as the attendance feature counts them (`attendance_summary`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.audit.services import Verb, audit_record
from capuyso.core.text import fold
from capuyso.documents import files as doc_files
from capuyso.meetings import access
from capuyso.meetings.access import may_manage, may_view
from capuyso.meetings.models import (
    AgendaItem,
    Candidate,
    Meeting,
    Vote,
    VoteRule,
)
from capuyso.meetings.rules import Outcome, evaluate, vote_rule_on
from capuyso.meetings.services.attendance import attendance_summary
from capuyso.members.models import Member
from capuyso.org.models import Committee

CHOICES = ("for", "against", "abstain")
MINUTES_TYPES = (doc_files.PDF, doc_files.DOCX)
# A second identical "create" from the same person within this time is a double submit.
DOUBLE_SUBMIT_WINDOW = dt.timedelta(minutes=2)


class Errors:
    """Collects field errors so a form shows every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, field_name: str | None, message: str, code: str) -> None:
        key = field_name or "__all__"
        self.errors.setdefault(key, []).append(ValidationError(message, code=code))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


# --- Who may vote ------------------------------------------------------------------------


@dataclass(frozen=True)
class Voter:
    pk: int
    code: str
    name: str


@dataclass(frozen=True)
class Voters:
    """The voters of a meeting: `full_members` is the denominator "all full members who
    may vote" (for a cell: full members minus those temporarily away and exempt members
    absent, rules.md §2); `present` the members present who may vote, by name."""

    full_members: int
    present: tuple[Voter, ...] = field(default=())
    attendance_taken: bool = False

    @property
    def count(self) -> int:
        return len(self.present)

    def codes(self) -> set[str]:
        return {voter.code for voter in self.present}


def meeting_day(meeting: Meeting) -> dt.date:
    return timezone.localtime(meeting.starts_at).date()


def voters_for(meeting: Meeting) -> Voters:
    """The eligible voters of `meeting`, from the attendance feature's summary
    (`attendance.attendance_summary`): the denominator is its `denominator` (full members
    who count, rules.md §2: a cell through the members' `quorum_counts`), the voters
    present its vote base (full members recorded present, by name)."""
    summary = attendance_summary(meeting)
    present = tuple(
        Voter(pk=row.member.pk, code=str(row.member.code), name=row.member.full_name)
        for row in summary.rows
        if row.member.pk in summary.voter_ids
    )
    return Voters(
        full_members=summary.denominator,
        present=present,
        attendance_taken=summary.total > summary.unrecorded,
    )


# --- Method hooks ------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodHooks:
    tally: Callable[[Vote], dict] | None = None
    on_open: Callable[[Vote, Any], None] | None = None
    on_close: Callable[[Vote, Any], None] | None = None


_HOOKS: dict[str, MethodHooks] = {}


def register_method(
    method: str,
    *,
    tally: Callable[[Vote], dict] | None = None,
    on_open: Callable[[Vote, Any], None] | None = None,
    on_close: Callable[[Vote, Any], None] | None = None,
) -> None:
    """Register what a method does at open and close. `tally(vote)` returns the result
    dict (or raises a coded ValidationError when the counts are not ready); `on_open(vote,
    actor)` and `on_close(vote, actor)` run after the status change, in the transaction."""
    if method not in Vote.Method.values:
        raise ValueError(method)
    _HOOKS[method] = MethodHooks(tally=tally, on_open=on_open, on_close=on_close)


def _hooks(method: str) -> MethodHooks:
    if method == Vote.Method.ELECTION and method not in _HOOKS:
        from capuyso.meetings.services import elections  # noqa: F401 - registers its tally
    if method == Vote.Method.SECRET and method not in _HOOKS:
        from capuyso.meetings.services import ballots  # noqa: F401 - registers its hooks
    return _HOOKS.get(method, MethodHooks())


# --- Shared steps (used by elections.py and the secret ballot) --------------------------


def lock_vote(vote: Vote) -> Vote:
    """The vote row locked for the transaction, with its meeting, unit and rule."""
    return (
        Vote.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__unit", "rule")
        .get(pk=vote.pk)
    )


def may_run(user, meeting: Meeting) -> bool:
    """May open and close votes: the organisers and the meeting's chair."""
    if may_manage(user, meeting):
        return True
    return bool(meeting.chair_id) and meeting.chair_id == user.pk and may_view(user, meeting)


def _check_meeting_live(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."), code="meeting_over")


def check_can_record(vote: Vote) -> None:
    """Counts can be entered while the vote is not closed and the meeting not cancelled."""
    _check_meeting_live(vote.meeting)
    if vote.status == Vote.Status.CLOSED:
        raise ValidationError(
            _("This vote is closed; its result can no longer be changed."), code="vote_closed"
        )


def mark_open(vote: Vote) -> None:
    vote.status = Vote.Status.OPEN
    vote.opened_at = timezone.now()
    vote.save(update_fields=["status", "opened_at", "updated_at"])


def _committee(vote: Vote) -> Committee:
    return Committee(pk=vote.meeting.committee_id)


def audit_vote(actor, vote: Vote, changes: dict, *, verb: str = Verb.UPDATE) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        committee=_committee(vote),
        object_type=Vote._meta.label_lower,
        object_id=str(vote.code),
        object_label=vote.question[:255],
        changes=changes,
    )


def clean_names(names: Iterable[str]) -> list[str]:
    """Names stripped, blanks dropped, repeats (accents and case aside) dropped."""
    seen: set[str] = set()
    cleaned = []
    for name in names:
        name = " ".join((name or "").split())
        key = fold(name)
        if name and key not in seen:
            seen.add(key)
            cleaned.append(name)
    return cleaned


def ballots_of(vote: Vote) -> dict:
    """Ballots issued and collected, as entered by the counting committee (or counted from
    a secret ballot's box at its close)."""
    return {"issued": vote.ballots_issued, "collected": vote.ballots_collected}


def same_figures(
    vote: Vote, *, issued: int, collected: int, invalid: int, committee: Sequence[str]
) -> bool:
    """Are these the ballot figures and counting committee already stored? (The same
    figures sent again to a closed vote do nothing.)"""
    return (
        ballots_of(vote) == {"issued": issued, "collected": collected}
        and vote.count_invalid == invalid
        and vote.counting_committee_names == list(committee)
    )


def check_ballots(
    errors: Errors,
    *,
    voters: Voters,
    issued: int,
    collected: int,
    invalid: int,
    committee: Sequence[str],
) -> int | None:
    """Check the ballot figures of a paper count; returns the valid ballots (collected −
    invalid) when the figures are consistent, else None (errors added)."""
    for name, value in (("issued", issued), ("collected", collected), ("invalid", invalid)):
        if value is None:
            errors.add(name, _("Enter this count."), "required")
        elif value < 0:
            errors.add(name, _("A count cannot be negative."), "negative")
    if not committee:
        errors.add(
            "counting_committee",
            _("Enter the names of the counting committee's members."),
            "committee_required",
        )
    if voters.count == 0:
        errors.add(
            None,
            _("Nobody who may vote is recorded as present. Take attendance first."),
            "no_voters_present",
        )
    if errors:
        return None
    if issued > voters.count:
        errors.add(
            "issued",
            _("%(issued)s ballots issued, but only %(present)s voters are present.")
            % {"issued": issued, "present": voters.count},
            "issued_over_voters",
        )
    if collected > issued:
        errors.add(
            "collected",
            _("More ballots collected (%(collected)s) than issued (%(issued)s).")
            % {"collected": collected, "issued": issued},
            "collected_over_issued",
        )
    if invalid > collected:
        errors.add(
            "invalid",
            _("More invalid ballots (%(invalid)s) than ballots collected (%(collected)s).")
            % {"invalid": invalid, "collected": collected},
            "invalid_over_collected",
        )
    return None if errors else collected - invalid


def store_ballots(
    vote: Vote, *, issued: int, collected: int, invalid: int, committee: Sequence[str]
) -> dict:
    """Write the ballot figures and the counting committee; returns the audit changes."""
    before = {
        **ballots_of(vote),
        "invalid": vote.count_invalid,
        "counting_committee": vote.counting_committee_names,
    }
    vote.ballots_issued = issued
    vote.ballots_collected = collected
    vote.count_invalid = invalid
    vote.counting_committee = "\n".join(committee)
    vote.save(
        update_fields=[
            "ballots_issued",
            "ballots_collected",
            "count_invalid",
            "counting_committee",
            "updated_at",
        ]
    )
    after = {
        "issued": issued,
        "collected": collected,
        "invalid": invalid,
        "counting_committee": list(committee),
    }
    return {key: [before[key], after[key]] for key in after if before[key] != after[key]}


def base_count(rule: VoteRule, *, voters: Voters, valid: int) -> int:
    """The count the rule's threshold is taken of."""
    if rule.base == VoteRule.Base.FULL_MEMBERS:
        return voters.full_members
    if rule.base == VoteRule.Base.PRESENT:
        return voters.count
    return valid


def outcome_dict(outcome: Outcome) -> dict:
    return {
        "votes": outcome.votes,
        "base": outcome.base,
        "needed": outcome.needed,
        "passed": outcome.passed,
        "fraction": outcome.fraction,
        "strict": outcome.strict,
    }


def outcome_from(data: Mapping | None) -> Outcome | None:
    """The Outcome stored by `outcome_dict`, to show its arithmetic in the reader's language."""
    if not data:
        return None
    return Outcome(
        votes=data["votes"],
        base=data["base"],
        needed=data["needed"],
        passed=data["passed"],
        fraction=data["fraction"],
        strict=data["strict"],
    )


def quorum_of(vote: Vote, voters: Voters) -> dict | None:
    """Whether the meeting had its quorum (VoteRule "quorum"): the voters present against
    all full members who may vote. None when no quorum rule is in force."""
    try:
        rule = vote_rule_on(vote.meeting.committee_id, "quorum", meeting_day(vote.meeting))
    except VoteRule.DoesNotExist:
        return None
    return outcome_dict(evaluate(rule, votes=voters.count, base=voters.full_members))


def common_result(vote: Vote, *, voters: Voters, base: int, quorum: dict | None) -> dict:
    rule = vote.rule
    return {
        "method": vote.method,
        "round": vote.round,
        "rule": {
            "code": rule.code,
            "label": rule.label,
            "numerator": rule.numerator,
            "denominator": rule.denominator,
            "strict": rule.strict,
            "base": rule.base,
        },
        "voters": {"full_members": voters.full_members, "present": voters.count},
        "quorum": quorum,
        "base": base,
        "computed_at": timezone.now().isoformat(),
    }


def _rule_result(vote: Vote, *, voters: Voters, votes_for: int, valid: int) -> dict:
    base = base_count(vote.rule, voters=voters, valid=valid)
    outcome = evaluate(vote.rule, votes=votes_for, base=base)
    quorum = quorum_of(vote, voters)
    result = common_result(vote, voters=voters, base=base, quorum=quorum)
    result.update(
        {
            "valid": valid,
            "outcome": outcome_dict(outcome),
            "passed": outcome.passed and (quorum is None or quorum["passed"]),
        }
    )
    return result


# --- Reads -------------------------------------------------------------------------------


def may_see_confidential(user, meeting: Meeting, *, manage: bool | None = None) -> bool:
    """Votes on confidential agenda items follow access.may_see_confidential (the one
    rule: those running the meeting and the members recorded present)."""
    return access.may_see_confidential(user, meeting, manage=manage)


def meeting_votes(meeting: Meeting) -> QuerySet[Vote]:
    """The votes of a meeting in order, with what the panel and the API show."""
    return (
        Vote.objects.filter(meeting=meeting)
        .select_related("rule", "item", "counting_minutes", "ballot_key")
        .prefetch_related("candidates")
        .order_by("created_at", "pk")
    )


def get_vote_for_user(user, code, *, manage: bool = False) -> Vote:
    """The one door to a vote: 404 outside the user's committee, 403 without the right to
    see (or, with `manage`, organise) its meeting, or for a vote on a confidential item
    the user may not see."""
    access = access_for(user)
    try:
        vote = Vote.objects.select_related(
            "meeting", "meeting__unit", "meeting__chair", "rule", "item", "counting_minutes"
        ).get(code=code, meeting__committee_id=access.committee_id)
    except (Vote.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    meeting = vote.meeting
    allowed = may_manage(user, meeting) if manage else may_view(user, meeting)
    if not allowed:
        raise PermissionDenied
    if vote.item_id and vote.item.confidential and not may_see_confidential(user, meeting):
        raise PermissionDenied
    return vote


# --- The life cycle ----------------------------------------------------------------------


def _same_candidates(vote: Vote, names: list[str]) -> bool:
    return [c.name for c in vote.candidates.all()] == names


@transaction.atomic
def vote_create(
    *,
    actor,
    meeting: Meeting,
    question: str,
    method: str,
    rule_code: str,
    item: AgendaItem | None = None,
    seats: int | None = None,
    candidates: Sequence[str | Member] | None = None,
) -> Vote:
    """A draft vote on `question` by `method`, with the threshold `rule_code` in force on
    the meeting's day. Elections need `seats` (≥ 1) and at least as many `candidates`
    (names or members of the committee); a secret ballot may elect people the same way.
    Submitting the same vote again within two minutes returns the first one."""
    locked = (
        Meeting.objects.select_for_update(of=("self",)).select_related("unit").get(pk=meeting.pk)
    )
    if not may_manage(actor, locked):
        raise PermissionDenied
    from capuyso.meetings.services.meetings import check_not_held

    check_not_held(locked)
    errors = Errors()
    question = " ".join((question or "").split())
    if not question:
        errors.add("question", _("Write the question put to the vote."), "required")
    if method not in Vote.Method.values:
        errors.add("method", _("Choose how the vote is taken."), "invalid_method")
    rule = None
    try:
        rule = vote_rule_on(locked.committee_id, rule_code or "", meeting_day(locked))
    except VoteRule.DoesNotExist:
        errors.add("rule_code", _("Choose the type of vote."), "unknown_rule")
    if item is not None and item.meeting_id != locked.pk:
        errors.add("item", _("This item is on another meeting's agenda."), "item_other_meeting")
    electing = method == Vote.Method.ELECTION or (
        method == Vote.Method.SECRET and (seats or candidates)
    )
    names: list[str] = []
    members: dict[str, Member] = {}
    if electing:
        for candidate in candidates or ():
            if isinstance(candidate, Member):
                if candidate.committee_id != locked.committee_id:
                    errors.add(
                        "candidates",
                        _("%(name)s is a member of another committee.")
                        % {"name": candidate.full_name},
                        "candidate_other_committee",
                    )
                    continue
                members[fold(candidate.full_name)] = candidate
                names.append(candidate.full_name)
            else:
                names.append(candidate)
        raw = [" ".join(n.split()) for n in names if n and n.strip()]
        names = clean_names(raw)
        if len(names) != len(raw):
            errors.add("candidates", _("A candidate is listed twice."), "duplicate_candidate")
        if not seats or seats < 1:
            errors.add("seats", _("Give the number of seats to fill."), "seats_required")
        elif len(names) < seats:
            errors.add(
                "candidates",
                _("List at least as many candidates as seats (%(seats)s).") % {"seats": seats},
                "too_few_candidates",
            )
    elif seats or candidates:
        errors.add("candidates", _("Only an election has seats and candidates."), "not_an_election")
    errors.raise_if_any()
    assert rule is not None
    since = timezone.now() - DOUBLE_SUBMIT_WINDOW
    for earlier in Vote.objects.filter(
        meeting=locked,
        question=question,
        method=method,
        rule=rule,
        item=item,
        seats=seats if electing else None,
        status=Vote.Status.DRAFT,
        created_by=actor,
        created_at__gte=since,
        previous_round__isnull=True,
    ):
        if _same_candidates(earlier, names):
            return earlier
    vote = Vote.objects.create(
        meeting=locked,
        item=item,
        question=question,
        method=method,
        rule=rule,
        seats=seats if electing else None,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if names:
        Candidate.objects.bulk_create(
            [
                Candidate(vote=vote, name=name, member=members.get(fold(name)), order=index)
                for index, name in enumerate(names, start=1)
            ]
        )
    changes: dict[str, Any] = {
        "question": [None, question],
        "method": [None, method],
        "rule": [None, rule.code],
        "meeting": [None, str(locked.code)],
    }
    if electing:
        changes["seats"] = [None, seats]
        changes["candidates"] = [None, names]
    audit_vote(actor, vote, changes, verb=Verb.CREATE)
    return vote


@transaction.atomic
def vote_open(*, actor, vote: Vote) -> Vote:
    """Start voting. Opening an open vote again does nothing; a closed vote stays closed."""
    locked = lock_vote(vote)
    if not may_run(actor, locked.meeting):
        raise PermissionDenied
    if locked.status == Vote.Status.OPEN:
        return locked
    check_can_record(locked)
    mark_open(locked)
    audit_vote(actor, locked, {"status": [Vote.Status.DRAFT, Vote.Status.OPEN]})
    hook = _hooks(locked.method).on_open
    if hook is not None:
        hook(locked, actor)
    return locked


@transaction.atomic
def vote_close(*, actor, vote: Vote, result: dict | None = None) -> Vote:
    """End voting and store the result: `result` when the caller counted it (the secret
    ballot), else the method's registered tally. Closing a closed vote does nothing."""
    locked = lock_vote(vote)
    if not may_run(actor, locked.meeting):
        raise PermissionDenied
    if locked.status == Vote.Status.CLOSED:
        return locked
    _check_meeting_live(locked.meeting)
    if locked.status != Vote.Status.OPEN:
        raise ValidationError(_("This vote has not started."), code="not_open")
    hooks = _hooks(locked.method)
    if result is None:
        if hooks.tally is None:
            raise ValidationError(_("This kind of vote cannot be counted here."), code="no_tally")
        result = hooks.tally(locked)
    locked.result = result
    locked.status = Vote.Status.CLOSED
    locked.closed_at = timezone.now()
    # A tally may count the ballots itself (a secret ballot's box): keep its figures.
    locked.save(
        update_fields=[
            "result",
            "status",
            "closed_at",
            "ballots_issued",
            "ballots_collected",
            "updated_at",
        ]
    )
    audit_vote(
        actor,
        locked,
        {"status": [Vote.Status.OPEN, Vote.Status.CLOSED], "passed": result.get("passed")},
    )
    if hooks.on_close is not None:
        hooks.on_close(locked, actor)
    return locked


# --- Open vote (raised party card) -------------------------------------------------------


def _counts_errors(errors: Errors, counts: Mapping[str, int | None]) -> None:
    for name, value in counts.items():
        if value is None:
            errors.add(f"count_{name}", _("Enter this count (0 if none)."), "required")
        elif value < 0:
            errors.add(f"count_{name}", _("A count cannot be negative."), "negative")


def _check_open_total(errors: Errors, voters: Voters, total: int) -> None:
    if voters.count == 0:
        errors.add(
            None,
            _("Nobody who may vote is recorded as present. Take attendance first."),
            "no_voters_present",
        )
    elif total > voters.count:
        errors.add(
            None,
            _(
                "%(total)s votes recorded, but only %(present)s voters who may vote are "
                "present. Check the counts."
            )
            % {"total": total, "present": voters.count},
            "too_many_votes",
        )
    elif total == 0:
        errors.add(None, _("No vote is recorded. Enter the counts."), "no_votes")


def _locked_open_vote(actor, vote: Vote) -> Vote:
    locked = lock_vote(vote)
    if not may_manage(actor, locked.meeting):
        raise PermissionDenied
    if locked.method != Vote.Method.OPEN:
        raise ValidationError(_("This vote is not an open vote."), code="wrong_method")
    return locked


def _save_counts(actor, vote: Vote, counts: dict[str, int], named: dict, close: bool) -> Vote:
    before = {
        "for": vote.count_for,
        "against": vote.count_against,
        "abstain": vote.count_abstain,
        "named": bool(vote.named),
    }
    vote.count_for = counts["for"]
    vote.count_against = counts["against"]
    vote.count_abstain = counts["abstain"]
    vote.named = named
    vote.save(update_fields=["count_for", "count_against", "count_abstain", "named", "updated_at"])
    after = {**counts, "named": bool(named)}
    if vote.status == Vote.Status.DRAFT:
        mark_open(vote)
    audit_vote(
        actor, vote, {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    )
    if close:
        return vote_close(actor=actor, vote=vote)
    return vote


def _stored_counts(vote: Vote) -> dict:
    return {"for": vote.count_for, "against": vote.count_against, "abstain": vote.count_abstain}


@transaction.atomic
def open_vote_record(
    *,
    actor,
    vote: Vote,
    count_for: int,
    count_against: int,
    count_abstain: int,
    close: bool = False,
) -> Vote:
    """The counts of an open vote (raised cards): for, against, abstain. Their sum is at
    most the voters present who may vote. A draft vote opens; with `close` it closes and
    the result is computed. The same counts sent again to a closed vote do nothing."""
    locked = _locked_open_vote(actor, vote)
    counts = {"for": count_for, "against": count_against, "abstain": count_abstain}
    if locked.status == Vote.Status.CLOSED and _stored_counts(locked) == counts:
        return locked
    check_can_record(locked)
    errors = Errors()
    _counts_errors(errors, counts)
    errors.raise_if_any()
    _check_open_total(errors, voters_for(locked.meeting), sum(counts.values()))
    errors.raise_if_any()
    return _save_counts(actor, locked, counts, {}, close)


@transaction.atomic
def open_vote_record_names(
    *, actor, vote: Vote, choices: Mapping[str, str], close: bool = False
) -> Vote:
    """An open vote recorded by names: `choices` maps the code of a member present who
    may vote to "for", "against" or "abstain" (members left out did not vote). The counts
    are derived; the names are kept on the vote."""
    locked = _locked_open_vote(actor, vote)
    voters = voters_for(locked.meeting)
    by_code = {voter.code: voter for voter in voters.present}
    picked = {str(code): choice for code, choice in choices.items() if choice}
    named: dict[str, list[dict]] = {choice: [] for choice in CHOICES}
    errors = Errors()
    for code, choice in picked.items():
        voter = by_code.get(code)
        if choice not in CHOICES:
            errors.add("choices", _("Choose for, against or abstain."), "invalid_choice")
        elif voter is None:
            errors.add(
                "choices", _("Only members present who may vote can be counted."), "not_a_voter"
            )
        else:
            named[choice].append({"code": voter.code, "name": voter.name})
    errors.raise_if_any()
    counts = {choice: len(named[choice]) for choice in CHOICES}
    if (
        locked.status == Vote.Status.CLOSED
        and _stored_counts(locked) == counts
        and locked.named == named
    ):
        return locked
    check_can_record(locked)
    _check_open_total(errors, voters, sum(counts.values()))
    errors.raise_if_any()
    return _save_counts(actor, locked, counts, named, close)


def open_vote_tally(vote: Vote) -> dict:
    counts = _stored_counts(vote)
    if any(value is None for value in counts.values()):
        raise ValidationError(_("Enter the counts before closing the vote."), code="counts_missing")
    voters = voters_for(vote.meeting)
    valid = sum(counts.values())
    if valid > voters.count:
        raise ValidationError(
            _(
                "%(total)s votes recorded, but only %(present)s voters who may vote are "
                "present. Check the counts."
            )
            % {"total": valid, "present": voters.count},
            code="too_many_votes",
        )
    result = _rule_result(vote, voters=voters, votes_for=counts["for"], valid=valid)
    result["counts"] = counts
    result["named"] = vote.named or None
    return result


register_method(Vote.Method.OPEN, tally=open_vote_tally)


# --- Paper ballot counted in the room ----------------------------------------------------


@transaction.atomic
def paper_vote_record(
    *,
    actor,
    vote: Vote,
    count_for: int,
    count_against: int,
    invalid: int,
    issued: int,
    collected: int,
    counting_committee: Sequence[str],
    close: bool = False,
) -> Vote:
    """The counting committee's figures for a paper ballot: ballots agreeing and
    disagreeing, invalid ballots, ballots issued and collected, and the committee's
    names. Valid (for + against) + invalid = collected ≤ issued ≤ voters present. With
    `close`, closes the vote. The same figures sent again to a closed vote do nothing."""
    locked = lock_vote(vote)
    if not may_manage(actor, locked.meeting):
        raise PermissionDenied
    if locked.method != Vote.Method.PAPER:
        raise ValidationError(_("This vote is not a paper ballot."), code="wrong_method")
    committee = clean_names(counting_committee)
    if (
        locked.status == Vote.Status.CLOSED
        and (locked.count_for, locked.count_against) == (count_for, count_against)
        and same_figures(
            locked, issued=issued, collected=collected, invalid=invalid, committee=committee
        )
    ):
        return locked
    check_can_record(locked)
    errors = Errors()
    _counts_errors(errors, {"for": count_for, "against": count_against})
    valid = check_ballots(
        errors,
        voters=voters_for(locked.meeting),
        issued=issued,
        collected=collected,
        invalid=invalid,
        committee=committee,
    )
    if not errors and valid is not None and count_for + count_against != valid:
        errors.add(
            None,
            _(
                "The ballots do not add up: %(for)s for + %(against)s against + %(invalid)s "
                "invalid should equal the %(collected)s ballots collected."
            )
            % {
                "for": count_for,
                "against": count_against,
                "invalid": invalid,
                "collected": collected,
            },
            "ballots_dont_add_up",
        )
    errors.raise_if_any()
    before = {"for": locked.count_for, "against": locked.count_against}
    locked.count_for = count_for
    locked.count_against = count_against
    locked.save(update_fields=["count_for", "count_against", "updated_at"])
    changes = store_ballots(
        locked, issued=issued, collected=collected, invalid=invalid, committee=committee
    )
    for key, value in (("for", count_for), ("against", count_against)):
        if before[key] != value:
            changes[key] = [before[key], value]
    if locked.status == Vote.Status.DRAFT:
        mark_open(locked)
    audit_vote(actor, locked, changes)
    if close:
        return vote_close(actor=actor, vote=locked)
    return locked


def paper_vote_tally(vote: Vote) -> dict:
    ballots = ballots_of(vote)
    if vote.count_for is None or vote.count_against is None or ballots["collected"] is None:
        raise ValidationError(
            _("Enter the counting committee's figures before closing the vote."),
            code="counts_missing",
        )
    voters = voters_for(vote.meeting)
    invalid = vote.count_invalid or 0
    valid = vote.count_for + vote.count_against
    result = _rule_result(vote, voters=voters, votes_for=vote.count_for, valid=valid)
    result.update(
        {
            "counts": {"for": vote.count_for, "against": vote.count_against},
            # Issued and collected are the vote's own fields (ballots_of).
            "ballots": {"invalid": invalid, "valid": valid},
        }
    )
    return result


register_method(Vote.Method.PAPER, tally=paper_vote_tally)


# --- The counting committee's minutes ----------------------------------------------------


@transaction.atomic
def counting_minutes_attach(*, actor, vote: Vote, upload) -> Vote:
    """Attach the counting committee's minutes (biên bản kiểm phiếu), PDF or DOCX, to a
    paper ballot or an election, before or after it closes; a new file replaces the old
    one (kept in storage, named in the audit trail)."""
    from capuyso.documents.models import StoredFile

    locked = lock_vote(vote)
    if not may_manage(actor, locked.meeting):
        raise PermissionDenied
    _check_meeting_live(locked.meeting)
    if locked.method == Vote.Method.OPEN:
        raise ValidationError(_("An open vote has no counting committee."), code="wrong_method")
    if upload is None:
        raise ValidationError(
            {"file": ValidationError(_("Choose the minutes file."), code="required")}
        )
    try:
        checked = doc_files.check_upload(upload, allowed=MINUTES_TYPES)
    except ValidationError as exc:
        raise ValidationError(
            {"file": [ValidationError(m, code="bad_file") for m in exc.messages]}
        ) from exc
    old = locked.counting_minutes
    written: list[str] = []
    try:
        stored = doc_files.store(
            committee=_committee(locked),
            checked=checked,
            purpose=StoredFile.Purpose.ATTACHMENT,
            actor=actor,
            written=written,
        )
        locked.counting_minutes = stored
        locked.save(update_fields=["counting_minutes", "updated_at"])
        audit_vote(
            actor,
            locked,
            {
                "counting_minutes": [
                    f"{old.original_name} ({old.sha256[:12]})" if old else None,
                    f"{stored.original_name} ({stored.sha256[:12]})",
                ]
            },
        )
    except BaseException:
        doc_files.discard(written)
        raise
    return locked
