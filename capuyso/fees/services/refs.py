"""Fee references: a short number per member and per cell, unique within a committee, written
in payment notes and VietQR codes (`DP C7 M1234 T112026`) so that a bank statement line finds
its way back. A number is given once and kept; a member received by another committee gets a
new number there (numbers are per committee)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from capuyso.fees.models import FeeReference
from capuyso.members.models import Member
from capuyso.org.models import Committee, Unit


def _next_number(committee_id: int, kind: str) -> int:
    # The committee row is the lock: two first payments of one committee can't both take the
    # same number (SQLite serialises writers anyway; on PostgreSQL this waits).
    Committee.objects.select_for_update().filter(pk=committee_id).first()
    top = FeeReference.objects.filter(committee_id=committee_id, kind=kind).aggregate(
        n=Max("number")
    )["n"]
    return (top or 0) + 1


@transaction.atomic
def fee_ref_for_member(member: Member) -> int:
    """The member's number in their committee, given on first use."""
    ref = FeeReference.objects.select_for_update().filter(member_id=member.pk).first()
    if ref is not None and ref.committee_id == member.committee_id:
        return ref.number
    number = _next_number(member.committee_id, FeeReference.Kind.MEMBER)
    if ref is not None:  # received by another committee: a number of the new committee
        ref.committee_id = member.committee_id
        ref.number = number
        ref.save(update_fields=["committee", "number", "updated_at"])
        return number
    FeeReference.objects.create(
        committee_id=member.committee_id,
        kind=FeeReference.Kind.MEMBER,
        member=member,
        number=number,
    )
    return number


@transaction.atomic
def fee_ref_for_cell(cell: Unit) -> int:
    """The cell's number in its committee, given on first use."""
    ref = FeeReference.objects.filter(cell_id=cell.pk).first()
    if ref is not None:
        return ref.number
    number = _next_number(cell.committee_id, FeeReference.Kind.CELL)
    FeeReference.objects.create(
        committee_id=cell.committee_id, kind=FeeReference.Kind.CELL, cell=cell, number=number
    )
    return number


def member_for_ref(committee, number: int) -> Member | None:
    """The committee's member with this number, or None."""
    ref = (
        FeeReference.objects.filter(
            committee=committee,
            kind=FeeReference.Kind.MEMBER,
            number=number,
            member__committee=committee,
        )
        .select_related("member", "member__cell")
        .first()
    )
    return ref.member if ref is not None else None


def cell_for_ref(committee, number: int) -> Unit | None:
    """The committee's cell with this number, or None."""
    ref = (
        FeeReference.objects.filter(committee=committee, kind=FeeReference.Kind.CELL, number=number)
        .select_related("cell")
        .first()
    )
    return ref.cell if ref is not None else None
