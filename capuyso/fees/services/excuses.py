"""The cell's reasons why a member did not pay a month (`UnpaidExcuse`). An excused month
does not count towards the unpaid months that call for a proposal to strike off. Recording
again replaces the reason; withdrawing removes it; both are audited (old → new)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.fees import calc
from capuyso.fees.models import CellMonthBook, UnpaidExcuse
from capuyso.fees.services import books
from capuyso.fees.services.payments import check_member_month
from capuyso.members.models import Member


@transaction.atomic
def excuse_record(*, actor, member: Member, month: dt.date, reason: str) -> UnpaidExcuse:
    books.require_manage(actor, member.cell)
    reason = " ".join((reason or "").split())[:255]
    if not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Give the reason the month was not paid."), code="required"
                )
            }
        )
    month = calc.month_start(month)
    if month > books.this_month():
        raise ValidationError(
            {
                "month": ValidationError(
                    _("%(month)s has not begun; only a month already due can be excused.")
                    % {"month": books.month_label(month)},
                    code="future_month",
                )
            }
        )
    check_member_month(member, month)
    book = (
        CellMonthBook.objects.select_for_update()
        .filter(cell_id=member.cell_id, month=month)
        .first()
    )
    if book is not None:
        books.check_open(book)  # a closed book's unpaid months stay as they were closed
    Member.objects.select_for_update().filter(pk=member.pk).first()
    excuse = UnpaidExcuse.objects.filter(member=member, month=month).first()
    if excuse is not None and excuse.reason == reason:
        return excuse
    old = excuse.reason if excuse is not None else None
    if excuse is None:
        excuse = UnpaidExcuse.objects.create(
            committee_id=member.committee_id,
            member=member,
            month=month,
            reason=reason,
            recorded_by=actor if actor is not None and actor.is_authenticated else None,
        )
    else:
        excuse.reason = reason
        excuse.save(update_fields=["reason", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.CREATE if old is None else Verb.UPDATE,
        obj=excuse,
        changes={"member": [None, member.full_name], "month": [None, books.month_label(month)]}
        | {"reason": [old, reason]},
    )
    return excuse


@transaction.atomic
def excuse_withdraw(*, actor, excuse: UnpaidExcuse) -> None:
    member = excuse.member
    books.require_manage(actor, member.cell)
    locked = UnpaidExcuse.objects.select_for_update().filter(pk=excuse.pk).first()
    if locked is None:
        return  # withdrawn already
    audit_record(
        actor=actor,
        verb=Verb.DELETE,
        obj=locked,
        changes={
            "member": [member.full_name, member.full_name],
            "month": [books.month_label(locked.month), None],
            "reason": [locked.reason, None],
        },
    )
    locked.delete()
