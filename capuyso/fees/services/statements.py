"""Bank statements: importing a statement file, matching its credit lines to members' fees
(or a cell's remittance) by the transfer note, and resolving by hand what is left.

Import (`statement_import`) runs in one transaction:

- the same file (sha256) imported twice is refused (`already_imported`), so is a file the
  reader refuses (`unknown_layout`, `too_many_rows`, `xlsx_too_large`…): nothing is saved;
- each credit line gets a fingerprint (date, amount, bank reference, folded note); a line
  whose fingerprint the committee already has is a **duplicate**: not imported again,
  nothing about it changes, and the report lists it;
- a new line whose note holds a fee note (`vietqr.parse_fee_note`) of a known member is
  recorded as a payment through `payments.payment_record` (method PORTAL when the note comes
  from the national public-service portal, else BANK; reference: the bank's, else the
  line's fingerprint) and linked: MATCHED. What was paid is what is recorded, even when it
  differs from the due (the ledger shows the difference);
- a cell's remittance note (`DP C7 NOP T112026`) records a Remittance and links it;
- anything else stays UNMATCHED with the reason (`LINE_REASONS`) for a person.

A line has at most one payment and a payment at most one line (one-to-one in the model);
a line that is not UNMATCHED cannot be resolved again. Everything here needs FEES_MANAGE
over the whole committee (the committee's office).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.core.text import fold
from capuyso.fees import statements as reader
from capuyso.fees import vietqr
from capuyso.fees.access import committee_of, may_manage_committee
from capuyso.fees.models import (
    BankAccount,
    BankStatement,
    FeeReference,
    Payment,
    Remittance,
    StatementLine,
)
from capuyso.fees.services.books import month_of
from capuyso.fees.services.payments import payment_record
from capuyso.fees.services.remittances import remittance_record
from capuyso.members.models import Member
from capuyso.org.models import Unit

Status = StatementLine.Status
LOOKUP_CHUNK = 500
PORTAL_MARKS = ("dvcqg", "dich vu cong", "dichvucong", "cong dvc")

# Why a line was left for a person. A refusal of the payment service is kept as
# "payment:<its code>".
LINE_REASONS = {
    "no_fee_note": gettext_lazy("The note has no fee reference (DP C… M… T…)."),
    "several_notes": gettext_lazy("The note names several members or months."),
    "unknown_member": gettext_lazy("No member of the committee has this fee reference."),
    "unknown_cell": gettext_lazy("No cell of the committee has this fee reference."),
    "cell_mismatch": gettext_lazy(
        "The member's reference is known but the cell in the note is not the member's cell."
    ),
    "member_without_cell": gettext_lazy("The member belongs to no cell."),
    "duplicate_reference": gettext_lazy("A remittance with this reference is already recorded."),
    "future_month": gettext_lazy("The note names a month that has not begun."),
    "duplicate": gettext_lazy("The same remittance (amount, day and month) is already recorded."),
    "payment:member_left": gettext_lazy("The member had left before this month."),
    "payment:before_admission": gettext_lazy("The month is before the member's admission."),
    "payment:book_closed": gettext_lazy("The cell's fee book of this month is closed."),
    "payment:absurd": gettext_lazy("The amount is far above the member's due."),
    "payment:duplicate_reference": gettext_lazy(
        "A payment with this bank reference is already recorded for the member and month."
    ),
    "payment:future": gettext_lazy("The transaction date is in the future."),
    "payment_voided": gettext_lazy(
        "The payment recorded from this line was voided; resolve the line again."
    ),
}


def line_reason(line: StatementLine) -> str:
    """The reason an UNMATCHED line was left, in words ('' when it has none)."""
    reason = line.unmatched_reason
    if line.status != Status.UNMATCHED or not reason:
        return ""
    text = LINE_REASONS.get(reason)
    if text is None and reason.startswith("payment:"):
        return _("The payment was refused (%(code)s).") % {"code": reason.removeprefix("payment:")}
    return str(text or reason)


# --- Access -----------------------------------------------------------------------------


def _require_manage(actor, committee) -> None:
    if actor is None:
        return
    if getattr(actor, "committee_id", None) != committee.pk or not may_manage_committee(actor):
        raise PermissionDenied


def require_statements(user):
    """The committee when the user holds FEES_MANAGE over all of it; 404 without a committee,
    else 403."""
    committee = committee_of(user)
    if not may_manage_committee(user):
        raise PermissionDenied
    return committee


def get_statement_for_user(user, code) -> BankStatement:
    committee = committee_of(user)
    try:
        statement = BankStatement.objects.get(code=code, committee=committee)
    except (BankStatement.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    if not may_manage_committee(user):
        raise PermissionDenied
    return statement


def get_line_for_user(user, code) -> StatementLine:
    committee = committee_of(user)
    try:
        line = StatementLine.objects.select_related("statement", "member", "member__cell").get(
            code=code, committee=committee
        )
    except (StatementLine.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    if not may_manage_committee(user):
        raise PermissionDenied
    return line


def statements_for_user(user) -> QuerySet[BankStatement]:
    committee = require_statements(user)
    return BankStatement.objects.filter(committee=committee).select_related(
        "uploaded_by", "account"
    )


def unmatched_lines_for_user(user) -> QuerySet[StatementLine]:
    committee = require_statements(user)
    return (
        StatementLine.objects.filter(committee=committee, status=Status.UNMATCHED)
        .select_related("statement", "member")
        .order_by("-posted_on", "statement_id", "line_no")
    )


def member_candidates(committee, query: str, *, limit: int = 20) -> list[Member]:
    """Members of the committee whose folded name contains the folded `query`."""
    folded = fold(query)
    if len(folded) < 2:
        return []
    return list(
        Member.objects.filter(committee=committee, full_name_folded__contains=folded)
        .select_related("cell")
        .order_by("full_name_folded", "pk")[:limit]
    )


# --- Import -----------------------------------------------------------------------------


@dataclass
class DuplicateLine:
    row: int
    posted_on: dt.date
    amount: int
    note: str
    reference: str
    earlier: StatementLine


@dataclass
class ImportReport:
    statement: BankStatement
    matched: list[StatementLine] = field(default_factory=list)
    unmatched: list[StatementLine] = field(default_factory=list)
    duplicates: list[DuplicateLine] = field(default_factory=list)
    debit_count: int = 0
    skipped_count: int = 0


def _already_imported(statement: BankStatement) -> ValidationError:
    when = timezone.localtime(statement.created_at).strftime("%d/%m/%Y %H:%M")
    return ValidationError(
        _("This file was already imported on %(when)s (%(name)s); nothing was imported again.")
        % {"when": when, "name": statement.file_name},
        code="already_imported",
    )


def _method(note: str) -> str:
    folded = fold(note)
    if any(mark in folded for mark in PORTAL_MARKS):
        return Payment.Method.PORTAL
    return Payment.Method.BANK


def _reference(line: StatementLine) -> str:
    return line.bank_reference or f"SK-{line.fingerprint[:16]}"


def _error_code(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        items = [e for errors in error.error_dict.values() for e in errors]
    else:
        items = list(error.error_list)
    return next((e.code for e in items if e.code), "invalid")


def _existing(committee, fingerprints: list[str]) -> dict[str, StatementLine]:
    found: dict[str, StatementLine] = {}
    for start in range(0, len(fingerprints), LOOKUP_CHUNK):
        chunk = fingerprints[start : start + LOOKUP_CHUNK]
        for line in StatementLine.objects.filter(
            committee=committee, fingerprint__in=chunk
        ).select_related("statement"):
            found[line.fingerprint] = line
    return found


@transaction.atomic
def statement_import(
    *,
    actor,
    committee,
    file_name: str,
    data: bytes,
    account: BankAccount | None = None,
) -> ImportReport:
    """Import a statement file and match its lines (see the module docstring)."""
    _require_manage(actor, committee)
    if account is not None and account.committee_id != committee.pk:
        raise PermissionDenied
    digest = hashlib.sha256(data).hexdigest()
    earlier = BankStatement.objects.filter(committee=committee, sha256=digest).first()
    if earlier is not None:
        raise _already_imported(earlier)
    parsed = reader.read_statement(data, file_name)
    if not parsed.lines:
        raise ValidationError(
            _(
                "The statement has no credit line (money received), so nothing was imported. "
                "%(debits)s debit lines were skipped."
            )
            % {"debits": parsed.debit_count},
            code="no_credit_lines",
        )
    try:
        with transaction.atomic():
            statement = BankStatement.objects.create(
                committee=committee,
                account=account,
                file_name=(file_name or "statement")[:255],
                sha256=digest,
                layout=parsed.layout.key,
                debit_count=parsed.debit_count,
                skipped_count=parsed.skipped_count,
                uploaded_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError as exc:  # the same file raced in from another request
        earlier = BankStatement.objects.get(committee=committee, sha256=digest)
        raise _already_imported(earlier) from exc
    report = ImportReport(
        statement=statement,
        debit_count=parsed.debit_count,
        skipped_count=parsed.skipped_count,
    )
    prints = reader.fingerprints(parsed.lines)
    refs = _Refs(committee)
    known = _existing(committee, prints)
    for parsed_line, fingerprint in zip(parsed.lines, prints, strict=True):
        if fingerprint in known:
            report.duplicates.append(_duplicate(parsed_line, known[fingerprint]))
            continue
        line = StatementLine(
            committee=committee,
            statement=statement,
            line_no=parsed_line.row,
            posted_on=parsed_line.posted_on,
            amount=parsed_line.amount,
            note=parsed_line.note,
            bank_reference=parsed_line.reference,
            fingerprint=fingerprint,
        )
        try:
            with transaction.atomic():
                line.save()
        except IntegrityError:  # imported meanwhile by another request
            other = StatementLine.objects.select_related("statement").get(
                committee=committee, fingerprint=fingerprint
            )
            report.duplicates.append(_duplicate(parsed_line, other))
            continue
        known[fingerprint] = line
        _match(actor=actor, committee=committee, line=line, refs=refs)
        (report.matched if line.status == Status.MATCHED else report.unmatched).append(line)
    statement.line_count = len(report.matched) + len(report.unmatched)
    statement.matched_count = len(report.matched)
    statement.duplicate_count = len(report.duplicates)
    statement.save(update_fields=["line_count", "matched_count", "duplicate_count", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=statement,
        changes={
            **created(statement, ("file_name", "sha256", "layout", "line_count")),
            "matched_count": [None, statement.matched_count],
            "duplicate_count": [None, statement.duplicate_count],
            "debit_count": [None, report.debit_count],
        },
    )
    return report


def _duplicate(parsed_line, earlier: StatementLine) -> DuplicateLine:
    return DuplicateLine(
        row=parsed_line.row,
        posted_on=parsed_line.posted_on,
        amount=parsed_line.amount,
        note=parsed_line.note,
        reference=parsed_line.reference,
        earlier=earlier,
    )


class _Refs:
    """The committee's fee references, read once per import instead of once per line."""

    def __init__(self, committee):
        self.committee = committee
        self._members: dict[int, Member] | None = None
        self._cells: dict[int, Unit] | None = None

    def _load(self) -> None:
        self._members, self._cells = {}, {}
        rows = FeeReference.objects.filter(committee=self.committee).select_related(
            "member", "member__cell", "cell"
        )
        for ref in rows:
            if (
                ref.kind == FeeReference.Kind.MEMBER
                and ref.member.committee_id == self.committee.pk
            ):
                self._members[ref.number] = ref.member
            elif ref.kind == FeeReference.Kind.CELL:
                self._cells[ref.number] = ref.cell

    def member(self, number: int) -> Member | None:
        if self._members is None:
            self._load()
        return self._members.get(number)

    def cell(self, number: int) -> Unit | None:
        if self._cells is None:
            self._load()
        return self._cells.get(number)

    def number_of_cell(self, cell: Unit) -> int | None:
        if self._cells is None:
            self._load()
        return next((n for n, c in self._cells.items() if c.pk == cell.pk), None)


def _leave(line: StatementLine, reason: str) -> None:
    line.status = Status.UNMATCHED
    line.unmatched_reason = reason[:40]
    line.save(update_fields=["status", "unmatched_reason", "member", "month", "updated_at"])


def _match(*, actor, committee, line: StatementLine, refs: _Refs | None = None) -> None:
    """Match one new line by its note: a payment, a remittance, or UNMATCHED with a reason."""
    refs = refs or _Refs(committee)
    notes = vietqr.find_fee_notes(line.note)
    if not notes:
        return _leave(line, "no_fee_note")
    if len(notes) > 1:
        return _leave(line, "several_notes")
    note = notes[0]
    month = dt.date(note.year, note.month, 1)
    if note.is_remittance:
        cell = refs.cell(note.cell_ref)
        if cell is None:
            return _leave(line, "unknown_cell")
        line.month = month
        try:
            with transaction.atomic():
                remittance = _remittance_record(
                    actor=actor, cell=cell, month=month, line=line, note=""
                )
        except ValidationError as exc:
            return _leave(line, _error_code(exc))
        line.remittance = remittance
        line.status = Status.MATCHED
        line.unmatched_reason = ""
        line.save(update_fields=["remittance", "month", "status", "unmatched_reason", "updated_at"])
        return None
    member = refs.member(note.member_ref)
    if member is None:
        return _leave(line, "unknown_member")
    line.member, line.month = member, month
    if member.cell_id is None:
        return _leave(line, "member_without_cell")
    if refs.number_of_cell(member.cell) != note.cell_ref:
        return _leave(line, "cell_mismatch")
    try:
        payment = _pay(actor=actor, line=line, member=member, month=month)
    except ValidationError as exc:
        return _leave(line, f"payment:{_error_code(exc)}")
    line.payment = payment
    line.status = Status.MATCHED
    line.unmatched_reason = ""
    line.save(
        update_fields=["payment", "member", "month", "status", "unmatched_reason", "updated_at"]
    )
    return None


def _pay(*, actor, line: StatementLine, member: Member, month: dt.date, book_month=None) -> Payment:
    return payment_record(
        actor=actor,
        member=member,
        month=month,
        amount=line.amount,
        method=_method(line.note),
        paid_on=line.posted_on,
        reference=_reference(line),
        note=_("Bank statement %(file)s, line %(line)s")
        % {"file": line.statement.file_name, "line": line.line_no},
        book_month=book_month,
    )


def _remittance_record(
    *, actor, cell: Unit, month: dt.date, line: StatementLine, note: str
) -> Remittance:
    """A cell's remittance received on the committee's account, from a statement line
    (through `services.remittances`, which refuses a bank reference recorded before)."""
    return remittance_record(
        actor=actor,
        committee=cell.committee,
        direction=Remittance.Direction.CELL_TO_COMMITTEE,
        cell=cell,
        month=month,
        amount=line.amount,
        paid_on=line.posted_on,
        method=Payment.Method.BANK,
        reference=_reference(line),
        note=note
        or _("Bank statement %(file)s, line %(line)s")
        % {"file": line.statement.file_name, "line": line.line_no},
    )


# --- Resolution -------------------------------------------------------------------------

LINE_AUDITED = ("status", "member", "month", "payment", "remittance", "resolution_note")


def _lock_open_line(actor, line: StatementLine) -> tuple[StatementLine, dict]:
    committee = line.committee
    _require_manage(actor, committee)
    locked = (
        StatementLine.objects.select_for_update()
        .select_related("statement", "committee")
        .get(pk=line.pk)
    )
    if locked.status != Status.UNMATCHED:
        raise ValidationError(
            _("This line was already dealt with (%(status)s); nothing was changed.")
            % {"status": locked.get_status_display()},
            code="line_not_open",
        )
    return locked, snapshot(locked, LINE_AUDITED)


def _finish(actor, line: StatementLine, before: dict, status: str, note: str) -> StatementLine:
    line.status = status
    line.resolved_by = actor if actor is not None and actor.is_authenticated else None
    line.resolved_at = timezone.now()
    line.resolution_note = note
    line.unmatched_reason = ""
    line.save()
    audit_record(
        actor=actor, verb=Verb.UPDATE, obj=line, changes=diff(before, snapshot(line, LINE_AUDITED))
    )
    return line


def _clean_note(note: str) -> str:
    return " ".join((note or "").split())[:255]


@transaction.atomic
def statement_line_resolve(
    *,
    actor,
    line: StatementLine,
    member: Member,
    month: dt.date,
    book_month: dt.date | None = None,
    note: str = "",
) -> StatementLine:
    """A person says whose fee (and which month) an unmatched line pays: the payment is
    recorded as at import, and the line is RESOLVED. The payment service's refusals
    (member left, closed book…) come back unchanged; nothing is written then."""
    line, before = _lock_open_line(actor, line)
    if member.committee_id != line.committee_id:
        raise ValidationError(
            {"member": ValidationError(_("Choose a member of the committee."), code="member")}
        )
    if member.cell_id is None:
        raise ValidationError(
            {"member": ValidationError(LINE_REASONS["member_without_cell"], code="no_cell")}
        )
    month = month_of(month)
    payment = _pay(
        actor=actor,
        line=line,
        member=member,
        month=month,
        book_month=month_of(book_month) if book_month else None,
    )
    line.payment, line.member, line.month = payment, member, month
    resolved = _finish(actor, line, before, Status.RESOLVED, _clean_note(note))
    BankStatement.objects.filter(pk=line.statement_id).update(matched_count=F("matched_count") + 1)
    return resolved


@transaction.atomic
def statement_line_resolve_remittance(
    *, actor, line: StatementLine, cell: Unit, month: dt.date, note: str = ""
) -> StatementLine:
    """A person says the line is a cell's remittance of `month`."""
    line, before = _lock_open_line(actor, line)
    if cell.committee_id != line.committee_id or cell.kind != Unit.Kind.CELL:
        raise ValidationError(
            {"cell": ValidationError(_("Choose a cell of the committee."), code="cell")}
        )
    month = month_of(month)
    line.remittance = _remittance_record(
        actor=actor, cell=cell, month=month, line=line, note=_clean_note(note)
    )
    line.month = month
    resolved = _finish(actor, line, before, Status.RESOLVED, _clean_note(note))
    BankStatement.objects.filter(pk=line.statement_id).update(matched_count=F("matched_count") + 1)
    return resolved


@transaction.atomic
def statement_line_ignore(*, actor, line: StatementLine, note: str) -> StatementLine:
    """A person marks an unmatched line as not a fee (a refund, another transfer), with why."""
    note = _clean_note(note)
    if not note:
        raise ValidationError(
            {"note": ValidationError(_("Say what this money is."), code="required")}
        )
    line, before = _lock_open_line(actor, line)
    return _finish(actor, line, before, Status.IGNORED, note)
