"""Vote thresholds in force, and the arithmetic that says whether a motion passed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import F, Q
from django.utils.translation import gettext as _

from capuyso.meetings.models import VoteRule


def vote_rule_on(committee, code: str, day: dt.date) -> VoteRule:
    """The newest rule for `code` in force on `day` (the committee's own row wins a tie)."""
    committee_id = getattr(committee, "pk", committee)
    row = (
        VoteRule.objects.filter(code=code, effective_from__lte=day)
        .filter(Q(committee_id=committee_id) | Q(committee__isnull=True))
        .order_by("-effective_from", F("committee_id").asc(nulls_last=True))
        .first()
    )
    if row is None:
        raise VoteRule.DoesNotExist(f"No vote rule {code!r} is in force on {day}.")
    return row


def rules_in_force(committee, day: dt.date) -> list[VoteRule]:
    codes = VoteRule.objects.values_list("code", flat=True).distinct()
    return [vote_rule_on(committee, code, day) for code in sorted(set(codes))]


@dataclass(frozen=True)
class Outcome:
    """Whether `votes` meet the rule against `base`, with the arithmetic to show."""

    votes: int
    base: int
    needed: int
    passed: bool
    fraction: str
    strict: bool

    @property
    def arithmetic(self) -> str:
        """'7/9 ≥ 2/3 (needs 6)': the count, the base, the threshold and the minimum."""
        return _("%(votes)s/%(base)s %(sign)s %(fraction)s (needs %(needed)s)") % {
            "votes": self.votes,
            "base": self.base,
            "sign": ">" if self.strict else "≥",
            "fraction": self.fraction,
            "needed": self.needed,
        }


def minimum_votes(rule: VoteRule, base: int) -> int:
    """The fewest votes that pass: more than (strict) or at least numerator/denominator."""
    share = Fraction(rule.numerator, rule.denominator) * base
    if rule.strict:
        return int(share) + 1
    return int(share) if share == int(share) else int(share) + 1


def evaluate(rule: VoteRule, *, votes: int, base: int) -> Outcome:
    needed = minimum_votes(rule, base)
    return Outcome(
        votes=votes,
        base=base,
        needed=needed,
        passed=base > 0 and votes >= needed,
        fraction=f"{rule.numerator}/{rule.denominator}",
        strict=rule.strict,
    )
