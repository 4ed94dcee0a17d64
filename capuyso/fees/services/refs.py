"""Fee references: a short number per member and per cell, unique within a committee, written
in payment notes and VietQR codes (`DP C7 M1234 T112026`) so that a bank statement line finds
its way back. A number is given once and kept; a member received by another committee gets a
new number there (numbers are per committee)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from capuyso.fees.models import FeeReference
from capuyso.members.models import Member
from capuyso.org.models import Committee, Unit


def lock_committee_fees(committee_id: int) -> None:
    """The one lock of a committee's fee ledger, held to the end of the transaction: taken by
    the dues computation, by closing a cell's month (so a computation never writes into a book
    that closes meanwhile) and when numbers are given. A FOR NO KEY UPDATE of the committee
    row, so rows that merely refer to the committee are still written meanwhile. SQLite
    serialises writers anyway (IMMEDIATE transactions): no clause there."""
    Committee.objects.select_for_update(no_key=True).filter(pk=committee_id).first()


def _next_number(committee_id: int, kind: str) -> int:
    # Two first payments of one committee can't both take the same number.
    lock_committee_fees(committee_id)
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


def refs_assign(committee_id: int, member_ids: list[int], cell_ids: list[int]) -> int:
    """Give a number to each of these members and cells of the committee that has none in it
    yet, in one statement per kind (in id order, after the committee's highest number); called
    by the dues computation, so pages and the API that show payment codes only read numbers.
    The caller holds lock_committee_fees. Returns how many numbers were given."""
    given = 0
    have = set(
        FeeReference.objects.filter(committee_id=committee_id, member_id__isnull=False)
        .order_by()
        .values_list("member_id", flat=True)
    )
    missing = sorted(set(member_ids) - have)
    if missing:
        # A member received from another committee keeps a row there: renumbered one by one
        # (rare); the others get new rows in bulk.
        moved = set(
            FeeReference.objects.filter(member_id__in=missing).values_list("member_id", flat=True)
        )
        for member in Member.objects.filter(pk__in=moved):
            fee_ref_for_member(member)
            given += 1
        given += _insert_refs(
            committee_id,
            FeeReference.Kind.MEMBER,
            "member_id",
            [m for m in missing if m not in moved],
        )
    have_cells = set(
        FeeReference.objects.filter(cell_id__in=cell_ids).values_list("cell_id", flat=True)
    )
    given += _insert_refs(
        committee_id,
        FeeReference.Kind.CELL,
        "cell_id",
        sorted(set(cell_ids) - have_cells),
    )
    return given


def _insert_refs(committee_id: int, kind: str, column: str, ids: list[int]) -> int:
    if not ids:
        return 0
    top = (
        FeeReference.objects.filter(committee_id=committee_id, kind=kind).aggregate(
            n=Max("number")
        )["n"]
        or 0
    )
    quote = connection.ops.quote_name
    table = quote(FeeReference._meta.db_table)
    # A fresh random code per row, made by the database (Django's UUIDField is char(32) hex
    # on SQLite, uuid on PostgreSQL).
    new_code = (
        "gen_random_uuid()" if connection.vendor == "postgresql" else "lower(hex(randomblob(16)))"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    written = 0
    size = 5000
    with connection.cursor() as cursor:
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            rows = ", ".join(f"({new_code}, %s, %s, %s, %s, %s, %s)" for _ in chunk)
            params: list = []
            for offset, object_id in enumerate(chunk, start=top + start + 1):
                params += [now, now, committee_id, kind, object_id, offset]
            cursor.execute(
                f"INSERT INTO {table} (code, created_at, updated_at, committee_id, kind, "  # noqa: S608
                f"{quote(column)}, number) VALUES {rows}",
                params,
            )
            written += len(chunk)
    return written


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
