"""Money handed upward (`Remittance`): a cell's share of the month's fees to the committee,
and the committee's share to the level above. Recorded by whoever manages the payer's fee
book (the cell's secretaries or the committee's office for a cell; the office for the
committee), never deleted: a mistaken one is voided with a reason."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.fees import calc
from capuyso.fees.access import may_manage_cell, may_manage_committee
from capuyso.fees.models import Payment, Remittance
from capuyso.fees.services.books import month_label
from capuyso.org.models import Committee, Unit

Direction = Remittance.Direction
AUDITED = ("direction", "cell", "month", "amount", "paid_on", "method", "reference", "note")


def _may(actor, direction: str, cell: Unit | None) -> bool:
    if actor is None:
        return True
    if direction == Direction.CELL_TO_COMMITTEE:
        return cell is not None and may_manage_cell(actor, cell)
    return may_manage_committee(actor)


def _field(name: str, message: str, code: str) -> ValidationError:
    return ValidationError({name: ValidationError(message, code=code)})


@transaction.atomic
def remittance_record(
    *,
    actor,
    committee,
    direction: str,
    month: dt.date,
    amount: int,
    paid_on: dt.date,
    method: str,
    cell: Unit | None = None,
    reference: str = "",
    note: str = "",
) -> Remittance:
    if direction not in Direction.values:
        raise _field("direction", _("Choose who remits."), "direction")
    if direction == Direction.CELL_TO_COMMITTEE:
        if cell is None or cell.committee_id != committee.pk or cell.kind != Unit.Kind.CELL:
            raise _field("cell", _("Choose the cell that remits."), "cell")
    else:
        cell = None
    if not _may(actor, direction, cell):
        raise PermissionDenied
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        amount = 0
    if amount <= 0:
        raise _field("amount", _("Enter the amount remitted."), "not_positive")
    if method not in Payment.Method.values:
        raise _field("method", _("Choose how the money was remitted."), "method")
    if paid_on is None:
        raise _field("paid_on", _("Enter the day the money was remitted."), "required")
    if paid_on > timezone.localdate():
        raise _field(
            "paid_on", _("This date is in the future; check the day, month and year."), "future"
        )
    month = calc.month_start(month)
    if month > calc.month_start(timezone.localdate()):
        raise _field(
            "month", _("%(month)s has not begun.") % {"month": month_label(month)}, "future_month"
        )
    reference = " ".join((reference or "").split())[:80]
    # Serialise remittances of the committee so the same form sent twice cannot slip in twice.
    Committee.objects.select_for_update().filter(pk=committee.pk).first()
    if (
        reference
        and Remittance.objects.filter(
            committee=committee,
            direction=direction,
            reference=reference,
            voided_at__isnull=True,
        ).exists()
    ):
        raise _field(
            "reference",
            _("A remittance with reference %(reference)s is already recorded.")
            % {"reference": reference},
            "duplicate_reference",
        )
    identical = Remittance.objects.filter(
        committee=committee,
        direction=direction,
        cell=cell,
        month=month,
        amount=amount,
        paid_on=paid_on,
        voided_at__isnull=True,
    )
    if reference:  # two transfers with their own different references are two remittances
        identical = identical.filter(reference="")
    if identical.exists():
        raise ValidationError(
            _(
                "The same remittance (%(amount)s đ on %(date)s for %(month)s) is already "
                "recorded; void it first if this is a second one."
            )
            % {
                "amount": f"{amount:,}".replace(",", "."),
                "date": paid_on.strftime("%d/%m/%Y"),
                "month": month_label(month),
            },
            code="duplicate",
        )
    remittance = Remittance.objects.create(
        committee=committee,
        direction=direction,
        cell=cell,
        month=month,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
        note=(note or "").strip()[:255],
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor, verb=Verb.CREATE, obj=remittance, changes=created(remittance, AUDITED)
    )
    return remittance


@transaction.atomic
def remittance_void(*, actor, remittance: Remittance, reason: str) -> Remittance:
    """Void a mistaken remittance with a reason. The record is the committee's (the money
    it received or handed up), so voiding needs FEES_MANAGE over the whole committee, even
    for a cell's remittance that the cell's secretary could record."""
    if actor is not None and not may_manage_committee(actor):
        raise PermissionDenied
    reason = " ".join((reason or "").split())[:255]
    if not reason:
        raise _field("reason", _("Give the reason for voiding this remittance."), "required")
    locked = Remittance.objects.select_for_update().get(pk=remittance.pk)
    if locked.voided_at is None:
        before = snapshot(locked, ("voided_at", "void_reason"))
        locked.voided_at = timezone.now()
        locked.void_reason = reason
        locked.save(update_fields=["voided_at", "void_reason", "updated_at"])
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            obj=locked,
            changes=diff(before, snapshot(locked, ("voided_at", "void_reason"))),
        )
    remittance.__dict__.update(locked.__dict__)
    return remittance
