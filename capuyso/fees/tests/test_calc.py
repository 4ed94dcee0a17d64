"""The pure fee arithmetic on hand-computed figures (no database)."""

import datetime as dt
from types import SimpleNamespace as NS

import pytest

from capuyso.fees import calc

D = dt.date


def test_one_percent_of_a_salary_base_rounds_half_up_to_the_dong():
    # 7,654,321 × 1 % = 76,543.21
    assert calc.apply_rate(7_654_321, 100) == 76_543
    # 4,321,987 × 1 % = 43,219.87
    assert calc.apply_rate(4_321_987, 100) == 43_220


def test_half_a_percent_of_a_pension():
    # 5,432,101 × 0.5 % = 27,160.505
    assert calc.apply_rate(5_432_101, 50) == 27_161
    # an exact half: 5,432,100 × 0.5 % = 27,160.5
    assert calc.apply_rate(5_432_100, 50) == 27_161
    assert calc.apply_rate(5_432_100, 50, mode=calc.DOWN) == 27_160
    assert calc.apply_rate(5_432_100, 50, mode=calc.UP) == 27_161


def test_rounding_to_a_thousand_dong():
    assert calc.apply_rate(7_654_321, 100, 1000) == 77_000  # 76,543.21
    assert calc.apply_rate(7_654_321, 100, 1000, calc.DOWN) == 76_000
    assert calc.apply_rate(7_449_999, 100, 1000) == 74_000  # 74,499.99
    assert calc.apply_rate(7_450_000, 100, 1000) == 75_000  # 74,500 exactly: half up
    assert calc.apply_rate(7_400_001, 100, 1000, calc.UP) == 75_000  # 74,000.01


def test_reductions_apply_to_the_gross_then_round():
    gross = 76_543
    assert calc.apply_relief(gross, 30) == 53_580  # 76,543 − 22,962.9 = 53,580.1
    assert calc.apply_relief(gross, 50) == 38_272  # 38,271.5 → half up
    assert calc.apply_relief(gross, 70) == 22_963  # 76,543 − 53,580.1 = 22,962.9
    assert calc.apply_relief(gross, 100) == 0
    assert calc.apply_relief(gross, 0) == gross
    assert calc.apply_relief(5_000, 70, 1000) == 2_000  # 1,500 → 2,000 half up


def test_rounding_refuses_negative_amounts():
    with pytest.raises(ValueError):
        calc.round_ratio(-1, 100)
    with pytest.raises(ValueError):
        calc.round_ratio(1, 100, unit=0)


def test_months():
    assert calc.add_months(D(2026, 12, 1), 1) == D(2027, 1, 1)
    assert calc.add_months(D(2026, 1, 1), -1) == D(2025, 12, 1)
    assert calc.month_end(D(2028, 2, 1)) == D(2028, 2, 29)
    assert calc.months_between(D(2026, 3, 1), D(2027, 2, 1)) == 12
    assert calc.months_between(D(2026, 3, 1), D(2026, 2, 1)) == 0
    assert calc.parse_month("2026-07") == D(2026, 7, 1)
    assert calc.parse_month("07/2026") == D(2026, 7, 1)
    with pytest.raises(ValueError):
        calc.parse_month("July")


def rule(id_, committee_id, since, until=None, rate_bp=100, group_id=1):
    return NS(
        id=id_,
        committee_id=committee_id,
        group_id=group_id,
        effective_from=since,
        effective_until=until,
        rate_bp=rate_bp,
        fixed_amount=None,
    )


def test_the_committee_row_wins_from_its_own_date_on():
    platform = rule(1, None, D(2026, 2, 3))
    own = rule(2, 7, D(2026, 7, 1), until=D(2026, 8, 31), rate_bp=120)
    other = rule(3, 8, D(2026, 3, 1), rate_bp=200)
    rows = [platform, own, other]
    assert calc.pick_in_force(rows, D(2026, 2, 1), 7) is None  # 03/02 is after 01/02
    assert calc.pick_in_force(rows, D(2026, 3, 1), 7) is platform
    assert calc.pick_in_force(rows, D(2026, 6, 1), 7) is platform
    assert calc.pick_in_force(rows, D(2026, 7, 1), 7) is own
    assert calc.pick_in_force(rows, D(2026, 8, 1), 7) is own
    assert calc.pick_in_force(rows, D(2026, 9, 1), 7) is platform  # own ended 31/08
    assert calc.pick_in_force(rows, D(2026, 7, 1), None) is platform
    assert calc.rules_by_group(rows, D(2026, 7, 1), 8) == {1: other}


def test_a_rule_starting_mid_month_applies_from_the_next_month():
    platform = rule(1, None, D(2026, 2, 3))
    own = rule(2, 7, D(2026, 7, 15), rate_bp=120)
    assert calc.pick_in_force([platform, own], D(2026, 7, 1), 7) is platform
    assert calc.pick_in_force([platform, own], D(2026, 8, 1), 7) is own


def test_overlaps():
    assert calc.overlaps(D(2026, 1, 1), None, D(2027, 1, 1), None)
    assert calc.overlaps(D(2026, 1, 1), D(2026, 6, 30), D(2026, 6, 30), None)
    assert not calc.overlaps(D(2026, 1, 1), D(2026, 6, 30), D(2026, 7, 1), None)
    assert not calc.overlaps(D(2026, 7, 1), None, D(2026, 1, 1), D(2026, 6, 30))


def test_due_figures_of_each_case():
    basis = NS(group_id=1, amount=7_654_321)
    rate = rule(5, None, D(2026, 2, 3))
    fixed = NS(id=6, rate_bp=None, fixed_amount=5_000)
    figures = calc.due_figures(basis=basis, rule=rate)
    assert (figures.gross, figures.amount, figures.rate_bp, figures.missing) == (
        76_543,
        76_543,
        100,
        "",
    )
    student = calc.due_figures(basis=NS(group_id=2, amount=None), rule=fixed)
    assert (student.gross, student.amount, student.rate_bp) == (5_000, 5_000, None)
    reduced = calc.due_figures(
        basis=basis, rule=rate, relief=NS(id=9, percent=70, reason="hardship")
    )
    assert (reduced.amount, reduced.relief_percent, reduced.relief_id) == (22_963, 70, 9)
    old = calc.due_figures(
        basis=basis, rule=rate, relief=NS(id=9, percent=30, reason="x"), party_age_exempt=True
    )
    assert (old.amount, old.relief_percent, old.relief_reason, old.relief_id) == (
        0,
        100,
        "party_age",
        None,
    )
    assert calc.due_figures(basis=None, rule=rate).missing == calc.NO_BASIS
    assert calc.due_figures(basis=basis, rule=None).missing == calc.NO_RULE
    no_amount = calc.due_figures(basis=NS(group_id=1, amount=None), rule=rate)
    assert (no_amount.missing, no_amount.amount) == (calc.NO_AMOUNT, 0)


def test_best_relief_covers_the_month_and_takes_the_largest():
    a = NS(percent=30, start_month=D(2026, 3, 1), end_month=D(2026, 5, 1), withdrawn_at=None)
    b = NS(percent=70, start_month=D(2026, 5, 1), end_month=D(2026, 6, 1), withdrawn_at=None)
    c = NS(percent=100, start_month=D(2026, 1, 1), end_month=None, withdrawn_at=dt.datetime.now())  # noqa: DTZ005
    assert calc.best_relief([a, b, c], D(2026, 4, 1)) is a
    assert calc.best_relief([a, b, c], D(2026, 5, 1)) is b
    assert calc.best_relief([a, b, c], D(2026, 7, 1)) is None
