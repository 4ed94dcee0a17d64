"""Exemptions (100 %) and reductions of a member's dues, decided by the committee and recorded
by the cell (FEES_MANAGE over the member's cell).

- An exemption has one of the reasons of the regulation (long party age, social pension, poor
  or near-poor household, serious illness, other) and may be open-ended.
- A reduction takes one of the percentages the fee settings in force allow (30, 50, 70 %) and
  ends at most `max_reduction_months` months after it starts (the end month is required).
- Reliefs of one member never overlap (withdrawn ones aside).
- Months whose cell book is closed are not changed: a relief cannot start in or cover one, a
  relief that covered one is ended (not withdrawn), at or after the last closed month.

The automatic exemption at 50 years of party age needs no record: the dues computation applies
it (calc.PARTY_AGE).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.fees import calc
from capuyso.fees.access import may_manage_cell
from capuyso.fees.models import CellMonthBook, FeeRelief, FeeSettings
from capuyso.fees.selectors_rules import settings_in_force
from capuyso.fees.services.bases import leave_date
from capuyso.members.models import Member

Reason = FeeRelief.Reason
EXEMPTION_REASONS = (
    Reason.PARTY_AGE,
    Reason.SOCIAL_PENSION,
    Reason.POOR_HOUSEHOLD,
    Reason.NEAR_POOR_HOUSEHOLD,
    Reason.ILLNESS,
    Reason.OTHER,
)
REDUCTION_REASONS = (
    Reason.HARDSHIP,
    Reason.ILLNESS,
    Reason.NEAR_POOR_HOUSEHOLD,
    Reason.POOR_HOUSEHOLD,
    Reason.OTHER,
)
FIELDS = (
    "kind",
    "reason",
    "percent",
    "decision",
    "decision_date",
    "start_month",
    "end_month",
    "note",
)


def reliefs_of(member: Member):
    return FeeRelief.objects.filter(member=member).order_by("-start_month", "-created_at")


def _require(actor, member: Member) -> None:
    if actor is None:
        return
    if member.cell_id is None or not may_manage_cell(actor, member.cell):
        raise PermissionDenied


def _closed(cell_id: int, start: dt.date, end: dt.date | None) -> list[dt.date]:
    rows = CellMonthBook.objects.filter(
        cell_id=cell_id, status=CellMonthBook.Status.CLOSED, month__gte=start
    )
    if end is not None:
        rows = rows.filter(month__lte=end)
    return sorted(rows.values_list("month", flat=True))


def _lock_member(member: Member) -> Member:
    return Member.objects.select_for_update().select_related("cell", "committee").get(pk=member.pk)


def _m(month: dt.date | None) -> str:
    return f"{month:%m/%Y}" if month else "…"


@transaction.atomic
def relief_record(
    *,
    actor,
    member: Member,
    kind: str,
    reason: str,
    percent: int | None,
    decision: str,
    decision_date: dt.date | None,
    start_month: dt.date | None,
    end_month: dt.date | None,
    note: str = "",
) -> FeeRelief:
    """Record an exemption or a reduction decided for the member."""
    _require(actor, member)
    member = _lock_member(member)
    decision = " ".join((decision or "").split())
    note = " ".join((note or "").split())
    start = calc.month_start(start_month) if start_month else None
    end = calc.month_start(end_month) if end_month else None
    errors: dict[str, ValidationError] = {}

    def add(name, message, code):
        errors.setdefault(name, ValidationError(message, code=code))

    if kind not in FeeRelief.Kind.values:
        add("kind", _("Choose exemption or reduction."), "kind")
    if start is None:
        add("start_month", _("Enter the first month."), "required")
    if not decision:
        add("decision", _("Enter the number of the decision."), "required")
    if decision_date is not None and decision_date > timezone.localdate():
        add("decision_date", _("The decision date is in the future."), "future")
    if start and end and end < start:
        add("end_month", _("The last month is before the first."), "end_before_start")
    fee_settings = (settings_in_force(member.committee, start) if start else None) or FeeSettings(
        reduction_percents=[30, 50, 70]
    )
    if kind == FeeRelief.Kind.EXEMPTION:
        percent = 100
        if reason not in EXEMPTION_REASONS:
            add("reason", _("Choose the reason of the exemption."), "reason")
    elif kind == FeeRelief.Kind.REDUCTION:
        if reason not in REDUCTION_REASONS:
            add("reason", _("Choose the reason of the reduction."), "reason")
        allowed = list(fee_settings.reduction_percents)
        if percent not in allowed:
            add(
                "percent",
                _("Choose one of the allowed reductions: %(list)s %%.")
                % {"list": ", ".join(str(p) for p in allowed)},
                "percent",
            )
        if end is None:
            add("end_month", _("A reduction needs its last month."), "end_required")
        elif start and calc.months_between(start, end) > fee_settings.max_reduction_months:
            add(
                "end_month",
                _("A reduction lasts at most %(n)s months.")
                % {"n": fee_settings.max_reduction_months},
                "too_long",
            )
    left = leave_date(member)
    if start and left is not None and start > calc.month_start(left):
        add(
            "start_month",
            _("The member left on %(day)s.") % {"day": f"{left:%d/%m/%Y}"},
            "member_left",
        )
    if errors:
        raise ValidationError(errors)
    overlapping = (
        FeeRelief.objects.filter(member=member, withdrawn_at__isnull=True)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=start))
        .order_by("start_month")
    )
    if end is not None:
        overlapping = overlapping.filter(start_month__lte=end)
    other = overlapping.first()
    if other is not None:
        raise ValidationError(
            {
                "start_month": ValidationError(
                    _(
                        "These months overlap the %(kind)s from %(start)s to %(end)s; end or "
                        "withdraw it first."
                    )
                    % {
                        "kind": other.get_kind_display().lower(),
                        "start": _m(other.start_month),
                        "end": _m(other.end_month),
                    },
                    code="overlap",
                )
            }
        )
    closed = _closed(member.cell_id, start, end)
    if closed:
        raise ValidationError(
            {
                "start_month": ValidationError(
                    _("The fee book of %(month)s is closed; start after it.")
                    % {"month": _m(closed[-1])},
                    code="closed_month",
                )
            }
        )
    relief = FeeRelief.objects.create(
        committee_id=member.committee_id,
        member=member,
        kind=kind,
        reason=reason,
        percent=percent,
        decision=decision[:120],
        decision_date=decision_date,
        start_month=start,
        end_month=end,
        note=note[:255],
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=relief,
        committee=member.committee,
        changes={**created(relief, FIELDS), "member": [None, member.full_name]},
    )
    return relief


def _locked_relief(relief: FeeRelief) -> FeeRelief:
    return FeeRelief.objects.select_for_update().select_related("member__cell").get(pk=relief.pk)


@transaction.atomic
def relief_withdraw(*, actor, relief: FeeRelief, reason: str) -> FeeRelief:
    """Withdraw a relief recorded by mistake or revoked, with the reason. One a closed month
    used is ended instead (relief_end)."""
    relief = _locked_relief(relief)
    _require(actor, relief.member)
    reason = " ".join((reason or "").split())
    if relief.withdrawn_at is not None:
        raise ValidationError(_("This relief was already withdrawn."), code="already_withdrawn")
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the relief is withdrawn."), code="required")}
        )
    closed = _closed(relief.member.cell_id, relief.start_month, relief.end_month)
    if closed:
        raise ValidationError(
            _(
                "The closed month %(month)s used this relief; end it after that month instead "
                "of withdrawing it."
            )
            % {"month": _m(closed[-1])},
            code="closed_month",
        )
    before = snapshot(relief, ("withdrawn_at", "withdrawal_reason"))
    relief.withdrawn_at = timezone.now()
    relief.withdrawal_reason = reason[:255]
    relief.save(update_fields=["withdrawn_at", "withdrawal_reason", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=relief,
        changes=diff(before, snapshot(relief, ("withdrawn_at", "withdrawal_reason"))),
    )
    return relief


@transaction.atomic
def relief_end(*, actor, relief: FeeRelief, end_month: dt.date | None) -> FeeRelief:
    """End a relief earlier (its last month), not before a closed month it covered."""
    relief = _locked_relief(relief)
    _require(actor, relief.member)
    if relief.withdrawn_at is not None:
        raise ValidationError(_("This relief was already withdrawn."), code="already_withdrawn")
    if end_month is None:
        raise ValidationError(
            {"end_month": ValidationError(_("Enter the last month."), code="required")}
        )
    end = calc.month_start(end_month)
    if end < relief.start_month:
        raise ValidationError(
            {
                "end_month": ValidationError(
                    _("The last month is before the first."), code="end_before_start"
                )
            }
        )
    if relief.end_month is not None and end > relief.end_month:
        raise ValidationError(
            {
                "end_month": ValidationError(
                    _("The relief already ends in %(month)s.") % {"month": _m(relief.end_month)},
                    code="not_earlier",
                )
            }
        )
    closed = _closed(relief.member.cell_id, calc.add_months(end, 1), relief.end_month)
    if closed:
        raise ValidationError(
            {
                "end_month": ValidationError(
                    _("The closed month %(month)s used this relief; end it on or after it.")
                    % {"month": _m(closed[-1])},
                    code="closed_month",
                )
            }
        )
    before = snapshot(relief, ("end_month",))
    relief.end_month = end
    relief.save(update_fields=["end_month", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=relief,
        changes=diff(before, snapshot(relief, ("end_month",))),
    )
    return relief
