"""Pure fee arithmetic: months, the rule rows in force for a month, rounding and the due of one
member. No database access: callers pass rows (model instances or anything with the same
attributes) they have already loaded, so the bulk computation runs these for 400,000 members.

Conventions (fees.md, tested in tests/test_calc.py):

- A month is the date of its first day. The rows in force for month M are those in force on
  that first day: `effective_from <= M` and (`effective_until` empty or `>= M`).
- A committee's own rows win over the platform rows whenever one of them is in force; among
  rows of one scope the latest `effective_from` wins.
- Gross = basis × rate_bp / 10 000 (or the rule's fixed amount), rounded to the settings'
  `rounding_unit` with its `rounding_mode`. A relief of p % is applied to that gross and the
  result rounded the same way: due = round(gross × (100 − p) / 100). With whole-đồng half-up
  rounding, 1 % of 7,654,321 is 76,543 (76,543.21) and a 70 % reduction leaves 22,963
  (22,962.9). All in integer arithmetic: no float ever touches an amount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

# Month arithmetic lives in core (the meeting series use it too); fee code calls it as calc.*.
from capuyso.core.months import add_months as add_months
from capuyso.core.months import month_end as month_end
from capuyso.core.months import month_start as month_start
from capuyso.core.months import months_between as months_between

HALF_UP = "half_up"
DOWN = "down"
UP = "up"

# Why a due was not computed (MonthlyDue.basis_missing rows; see `missing_reason`).
NO_BASIS = "no_basis"
NO_AMOUNT = "no_amount"
NO_RULE = "no_rule"

PARTY_AGE = "party_age"


# --- Months ------------------------------------------------------------------------------


def parse_month(text: str) -> dt.date:
    """'2026-07' or '07/2026' → date(2026, 7, 1); ValueError otherwise."""
    text = (text or "").strip()
    if "/" in text:
        m, y = text.split("/", 1)
    else:
        y, m = text.split("-", 1)
    return dt.date(int(y), int(m), 1)


# --- Rows in force -------------------------------------------------------------------------


def in_force(row: Any, day: dt.date) -> bool:
    if row.effective_from > day:
        return False
    until = getattr(row, "effective_until", None)
    return until is None or until >= day


def pick_in_force(rows: Iterable[Any], day: dt.date, committee_id: int | None) -> Any | None:
    """The row in force on `day`: the committee's own when one is, else the platform's
    (committee empty); the latest effective_from within a scope. Rows of other committees
    are ignored."""
    own = None
    platform = None
    for row in rows:
        if not in_force(row, day):
            continue
        if row.committee_id is None:
            if platform is None or row.effective_from > platform.effective_from:
                platform = row
        elif (
            committee_id is not None
            and row.committee_id == committee_id
            and (own is None or row.effective_from > own.effective_from)
        ):
            own = row
    return own if own is not None else platform


def rules_by_group(rules: Iterable[Any], day: dt.date, committee_id: int | None) -> dict:
    """{group_id: rule in force on day} for every group that has one."""
    grouped: dict[int, list] = {}
    for rule in rules:
        grouped.setdefault(rule.group_id, []).append(rule)
    picked = {}
    for group_id, rows in grouped.items():
        rule = pick_in_force(rows, day, committee_id)
        if rule is not None:
            picked[group_id] = rule
    return picked


def overlaps(
    a_from: dt.date, a_until: dt.date | None, b_from: dt.date, b_until: dt.date | None
) -> bool:
    """Do two closed date ranges (open-ended when until is None) share a day?"""
    return (b_until is None or a_from <= b_until) and (a_until is None or b_from <= a_until)


def latest_from(rows: Sequence[Any], day: dt.date, attr: str = "effective_from") -> Any | None:
    """Among rows sorted by `attr` ascending, the last one with attr <= day."""
    found = None
    for row in rows:
        if getattr(row, attr) <= day:
            found = row
        else:
            break
    return found


# --- Rounding ------------------------------------------------------------------------------


def round_ratio(numerator: int, denominator: int, unit: int = 1, mode: str = HALF_UP) -> int:
    """numerator / denominator rounded to a multiple of `unit` (>= 1), for non-negative
    integers, without floats: half up (…,5 goes up), down or up."""
    if numerator < 0 or denominator <= 0 or unit < 1:
        raise ValueError("round_ratio takes a non-negative ratio and a positive unit")
    scale = denominator * unit
    if mode == DOWN:
        units = numerator // scale
    elif mode == UP:
        units = -(-numerator // scale)
    else:
        units = (2 * numerator + scale) // (2 * scale)
    return units * unit


def apply_rate(amount: int, rate_bp: int, unit: int = 1, mode: str = HALF_UP) -> int:
    """amount × rate_bp / 10 000, rounded: 1 % (100 bp) of 7,654,321 = 76,543."""
    return round_ratio(amount * rate_bp, 10_000, unit, mode)


def apply_relief(gross: int, percent: int, unit: int = 1, mode: str = HALF_UP) -> int:
    """What is left to pay of `gross` after a relief of `percent` %, rounded."""
    percent = min(max(percent, 0), 100)
    if percent == 100:
        return 0
    return round_ratio(gross * (100 - percent), 100, unit, mode)


# --- One member's due -----------------------------------------------------------------------


class DueFigures(NamedTuple):
    """The due of one member for one month, with its inputs (a tuple: the bulk computation
    makes 400,000 of them)."""

    group_id: int | None
    rule_id: int | None
    basis_amount: int | None
    rate_bp: int | None
    gross: int
    relief_percent: int
    relief_id: int | None
    relief_reason: str
    amount: int
    missing: str  # "" when computed, else NO_BASIS / NO_AMOUNT / NO_RULE

    @property
    def basis_missing(self) -> bool:
        return bool(self.missing)


def due_figures(
    *,
    basis: Any | None,
    rule: Any | None,
    relief: Any | None = None,
    party_age_exempt: bool = False,
    unit: int = 1,
    mode: str = HALF_UP,
) -> DueFigures:
    """The due of one member for one month from the inputs in force that month.

    `basis` has group_id and amount; `rule` rate_bp or fixed_amount; `relief` percent, id and
    reason. Without a basis, without the amount a rate needs, or without a rule, nothing is
    computed: amount 0 and the reason in `missing` (never a guess)."""
    group_id = basis.group_id if basis is not None else None
    if basis is None:
        return DueFigures(None, None, None, None, 0, 0, None, "", 0, NO_BASIS)
    if rule is None:
        return DueFigures(group_id, None, basis.amount, None, 0, 0, None, "", 0, NO_RULE)
    if rule.fixed_amount is not None:
        gross = round_ratio(rule.fixed_amount, 1, unit, mode)
        rate_bp = None
        amount_in = basis.amount
    else:
        if basis.amount is None:
            return DueFigures(group_id, rule.id, None, rule.rate_bp, 0, 0, None, "", 0, NO_AMOUNT)
        gross = apply_rate(basis.amount, rule.rate_bp, unit, mode)
        rate_bp = rule.rate_bp
        amount_in = basis.amount
    percent, relief_id, reason = 0, None, ""
    if party_age_exempt:
        percent, reason = 100, PARTY_AGE
    if relief is not None and relief.percent > percent:
        percent, relief_id, reason = relief.percent, relief.id, relief.reason
    amount = apply_relief(gross, percent, unit, mode)
    return DueFigures(
        group_id, rule.id, amount_in, rate_bp, gross, percent, relief_id, reason, amount, ""
    )


def best_relief(reliefs: Iterable[Any], month: dt.date) -> Any | None:
    """The relief covering `month` with the largest percent (withdrawn ones excluded)."""
    best = None
    for relief in reliefs:
        if getattr(relief, "withdrawn_at", None) is not None:
            continue
        if relief.start_month > month:
            continue
        if relief.end_month is not None and relief.end_month < month:
            continue
        if best is None or relief.percent > best.percent:
            best = relief
    return best


def missing_reason(due: Any) -> str:
    """Why a stored MonthlyDue was not computed ("" when it was)."""
    if not due.basis_missing:
        return ""
    if due.group_id is None:
        return NO_BASIS
    if due.rule_id is None:
        return NO_RULE
    return NO_AMOUNT
