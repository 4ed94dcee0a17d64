"""Shared helpers for the fees tests: set up a committee's fee rules, members' bases and
reliefs, compute dues, close a cell's month. Plain functions (no pytest fixtures) so every
fees test module and the browser tests can import them.

They write the rows directly (no audit, no validation): a test that checks a service's
validation calls the service itself. The platform rules seeded by migration 0002 are in force
from 03/02/2026 (salaried 1 %, leave 1 %, retired 0.5 %, student 5,000 đ; farmer, no_income,
overseas without a rate), so the first month with rules is 03/2026.

    from capuyso.fees.tests import factories as f

    m = f.month(2026, 3)
    member = f.member_with_basis(cast, "salaried", 7_654_321, since=m)
    f.compute(cast.committee, m)
    assert f.due_of(member, m).amount == 76_543
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from capuyso.core.testing import make_member
from capuyso.fees.models import (
    CellMonthBook,
    FeeBasis,
    FeeGroup,
    FeeRelief,
    FeeRule,
    FeeSettings,
    MonthlyDue,
    RetentionRule,
)

# The first month the seeded platform rules are in force for (they start on 03/02/2026).
FIRST_MONTH = dt.date(2026, 3, 1)


def month(year: int, month_: int) -> dt.date:
    """The month as stored: its first day."""
    return dt.date(year, month_, 1)


def group(slug: str, committee=None) -> FeeGroup:
    """A fee group by short name: the committee's own when it has one, else the platform's."""
    if committee is not None:
        own = FeeGroup.objects.filter(committee=committee, slug=slug).first()
        if own is not None:
            return own
    return FeeGroup.objects.get(committee=None, slug=slug)


def add_group(committee, slug: str, name: str = "", *, basis_kind: str = "fixed") -> FeeGroup:
    """A committee's own fee group (e.g. its farmers' fixed amount)."""
    return FeeGroup.objects.create(
        committee=committee, slug=slug, name=name or slug, basis_kind=basis_kind
    )


def set_rule(
    group_or_slug,
    *,
    committee=None,
    since: dt.date,
    until: dt.date | None = None,
    rate_bp: int | None = None,
    fixed_amount: int | None = None,
) -> FeeRule:
    """A fee rule row (platform when committee is None). Give rate_bp or fixed_amount."""
    grp = group_or_slug if isinstance(group_or_slug, FeeGroup) else group(group_or_slug, committee)
    return FeeRule.objects.create(
        committee=committee,
        group=grp,
        effective_from=since,
        effective_until=until,
        rate_bp=rate_bp,
        fixed_amount=fixed_amount,
    )


def set_settings(committee=None, *, since: dt.date, **fields) -> FeeSettings:
    """A fee settings row from `since`, copying the platform row then applying `fields`
    (rounding_unit=1000, rounding_mode="down", basis_min=…, reduction_percents=[…]…)."""
    base = FeeSettings.objects.filter(committee=None).order_by("-effective_from").first()
    values = {
        "rounding_unit": base.rounding_unit if base else 1,
        "rounding_mode": base.rounding_mode if base else FeeSettings.RoundingMode.HALF_UP,
        "basis_min": base.basis_min if base else 100_000,
        "basis_max": base.basis_max if base else 500_000_000,
        "exemption_party_age_years": base.exemption_party_age_years if base else 50,
        "reduction_percents": list(base.reduction_percents) if base else [30, 50, 70],
        "max_reduction_months": base.max_reduction_months if base else 12,
        "unpaid_months_threshold": base.unpaid_months_threshold if base else 3,
    }
    values.update(fields)
    return FeeSettings.objects.create(committee=committee, effective_from=since, **values)


def set_retention(
    committee=None,
    *,
    since: dt.date,
    cell_keeps_bp: int = 3000,
    committee_keeps_bp: int = 9000,
    until: dt.date | None = None,
) -> RetentionRule:
    return RetentionRule.objects.create(
        committee=committee,
        effective_from=since,
        effective_until=until,
        cell_keeps_bp=cell_keeps_bp,
        committee_keeps_bp=committee_keeps_bp,
    )


def set_basis(
    member, group_or_slug, amount: int | None = None, *, since: dt.date = FIRST_MONTH
) -> FeeBasis:
    """The member's basis from month `since` (amount None for a fixed-amount group)."""
    grp = (
        group_or_slug
        if isinstance(group_or_slug, FeeGroup)
        else group(group_or_slug, member.committee)
    )
    return FeeBasis.objects.create(
        committee_id=member.committee_id,
        member=member,
        group=grp,
        effective_from=since,
        amount=amount,
    )


def member_with_basis(
    cast_or_committee,
    group_slug: str,
    amount: int | None = None,
    *,
    since: dt.date = FIRST_MONTH,
    cell=None,
    full_name: str = "Nguyễn Văn Đóng",
    **member_fields,
):
    """A member of the cast's committee (cell defaults to cast.cell) with a fee basis."""
    committee = getattr(cast_or_committee, "committee", cast_or_committee)
    cell = cell or cast_or_committee.cell
    member = make_member(committee, cell, full_name, **member_fields)
    set_basis(member, group_slug, amount, since=since)
    return member


def give_relief(
    member,
    *,
    percent: int = 100,
    start: dt.date = FIRST_MONTH,
    end: dt.date | None = None,
    reason: str = "",
    decision: str = "01/QĐ-ĐU",
) -> FeeRelief:
    """An exemption (percent=100) or a reduction of the member's dues."""
    kind = FeeRelief.Kind.EXEMPTION if percent == 100 else FeeRelief.Kind.REDUCTION
    return FeeRelief.objects.create(
        committee_id=member.committee_id,
        member=member,
        kind=kind,
        reason=reason
        or (FeeRelief.Reason.POOR_HOUSEHOLD if percent == 100 else FeeRelief.Reason.HARDSHIP),
        percent=percent,
        decision=decision,
        start_month=start,
        end_month=end,
    )


def compute(committee, month_: dt.date, *, cells=None, actor=None):
    """Compute (upsert) the committee's dues for the month: returns the DuesRun counts."""
    from capuyso.fees.services.dues import dues_compute

    return dues_compute(committee=committee, month=month_, cells=cells, actor=actor)


def due_of(member, month_: dt.date) -> MonthlyDue | None:
    return MonthlyDue.objects.filter(member=member, month=month_).first()


def close_book(cell, month_: dt.date, *, user=None) -> CellMonthBook:
    """Mark the cell's month book closed (directly, without totals): dues for that cell and
    month are no longer recomputed."""
    book, _ = CellMonthBook.objects.get_or_create(
        cell=cell, month=month_, defaults={"committee_id": cell.committee_id}
    )
    book.status = CellMonthBook.Status.CLOSED
    book.closed_at = timezone.now()
    book.closed_by = user
    book.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    return book
