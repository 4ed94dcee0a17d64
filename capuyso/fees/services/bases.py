"""Members' fee bases: the group each member pays in and, unless the group pays a fixed amount,
the declared amount (for salaried members the social-insurance salary base of the previous
month), from a month on. The history is the rows; a change is a new row from its month, and a
second change for the same month corrects that month's row.

Three ways in, one set of checks (`_check`): one member's declaration, the cell's bulk entry
for a month (only what changed is written; a stale form is refused), and an imported sheet
(previewed with every row's problems; nothing is written while one row is wrong).

An amount outside the bounds of the fee settings in force for the month (negative, zero,
absurd) is refused with a clear message. A month whose cell book is closed is not changed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.core.text import format_vnd
from capuyso.fees import calc
from capuyso.fees.access import may_manage_cell
from capuyso.fees.models import CellMonthBook, FeeBasis, FeeGroup
from capuyso.fees.selectors_rules import groups_for, settings_in_force
from capuyso.members.models import Member
from capuyso.org.models import Unit

# --- Reads -----------------------------------------------------------------------------


def basis_in_force(member: Member, month: dt.date) -> FeeBasis | None:
    return (
        FeeBasis.objects.filter(member=member, effective_from__lte=calc.month_start(month))
        .select_related("group")
        .order_by("-effective_from")
        .first()
    )


def bases_history(member: Member):
    return (
        FeeBasis.objects.filter(member=member)
        .select_related("group", "recorded_by")
        .order_by("-effective_from")
    )


def leave_date(member: Member) -> dt.date | None:
    """The day the member left the committee's rolls (None while active)."""
    if member.status in Member.ACTIVE_STATUSES:
        return None
    if member.status == Member.Status.TRANSFERRED_OUT:
        return member.status_since or dt.date.min
    return member.closed_on or dt.date.min


def cell_members(cell: Unit, month: dt.date):
    """The cell's members who owe `month` (same rule as the dues computation)."""
    status = Member.Status
    owing = (
        Q(status__in=Member.ACTIVE_STATUSES)
        | Q(status__in=Member.CLOSED_STATUSES, closed_on__gte=month)
        | Q(status=status.TRANSFERRED_OUT, status_since__gte=month)
    )
    return (
        Member.objects.filter(owing, cell=cell, admission_date__lte=calc.month_end(month))
        .order_by("full_name_folded", "pk")
        .only("pk", "code", "full_name", "date_of_birth", "card_number", "cell_id", "committee_id")
    )


def bases_on(member_ids, month: dt.date) -> dict[int, FeeBasis]:
    """{member id: the basis in force for `month`} for many members in one query."""
    latest: dict[int, FeeBasis] = {}
    rows = FeeBasis.objects.filter(member_id__in=member_ids, effective_from__lte=month)
    for row in rows.select_related("group"):
        seen = latest.get(row.member_id)
        if seen is None or row.effective_from > seen.effective_from:
            latest[row.member_id] = row
    return latest


def bases_version(cell: Unit, month: dt.date) -> str:
    """A token of the cell's members and their bases: a form saved against an older token is
    stale (someone changed the bases since it was opened)."""
    members = list(cell_members(cell, month).values_list("pk", flat=True))
    stats = FeeBasis.objects.filter(member__cell=cell).aggregate(n=Count("id"), t=Max("updated_at"))
    text = f"{month:%Y-%m}|{members}|{stats['n']}|{stats['t']}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- Checks ------------------------------------------------------------------------------


def _closed_months(cell_id: int, start: dt.date, member: Member | None = None) -> list[dt.date]:
    """Closed months of the cell from `start` up to the member's next basis (if any)."""
    rows = CellMonthBook.objects.filter(
        cell_id=cell_id, status=CellMonthBook.Status.CLOSED, month__gte=start
    )
    if member is not None:
        nxt = (
            FeeBasis.objects.filter(member=member, effective_from__gt=start)
            .order_by("effective_from")
            .values_list("effective_from", flat=True)
            .first()
        )
        if nxt is not None:
            rows = rows.filter(month__lt=nxt)
    return sorted(rows.values_list("month", flat=True))


@dataclass
class _Bounds:
    low: int
    high: int


def bounds_for(committee, month: dt.date) -> _Bounds:
    row = settings_in_force(committee, month)
    if row is None:
        from capuyso.fees.models import FeeSettings

        row = FeeSettings()
    return _Bounds(row.basis_min, row.basis_max)


def check_amount(group: FeeGroup, amount: int | None, bounds: _Bounds) -> tuple[int | None, str]:
    """(the amount to store, error code or "") for a declared amount in `group`."""
    if not group.needs_amount:
        return None, ""
    if amount is None:
        return None, "amount_required"
    if amount < 0:
        return None, "negative"
    if not bounds.low <= amount <= bounds.high:
        return None, "basis_bounds"
    return amount, ""


def amount_message(code: str, bounds: _Bounds, group: FeeGroup | None = None) -> str:
    if code == "amount_required":
        if group is not None and group.basis_kind == FeeGroup.BasisKind.SALARY:
            return _("Enter the social-insurance salary base of the previous month, in đồng.")
        return _("Enter the amount the fee is computed from, in đồng.")
    if code == "negative":
        return _("An amount cannot be negative.")
    return _("The amount must be between %(low)s and %(high)s; check the number of zeros.") % {
        "low": format_vnd(bounds.low),
        "high": format_vnd(bounds.high),
    }


def _check(
    *,
    member: Member,
    group: FeeGroup | None,
    amount: int | None,
    month: dt.date,
    bounds: _Bounds,
    allowed_groups: set[int],
) -> tuple[int | None, dict[str, ValidationError]]:
    errors: dict[str, ValidationError] = {}
    if group is None or group.pk not in allowed_groups:
        errors["group"] = ValidationError(_("Choose the member's group."), code="group")
        return None, errors
    stored, code = check_amount(group, amount, bounds)
    if code:
        errors["amount"] = ValidationError(amount_message(code, bounds, group), code=code)
    left = leave_date(member)
    if left is not None and month > calc.month_start(left):
        errors["month"] = ValidationError(
            _("The member left on %(day)s; no basis can start after that month.")
            % {"day": f"{left:%d/%m/%Y}"},
            code="member_left",
        )
    return stored, errors


def _require_manage(actor, member: Member) -> str:
    """The declared_by value for this actor, or PermissionDenied."""
    if actor is None:
        return FeeBasis.DeclaredBy.CELL
    if member.cell_id and may_manage_cell(actor, member.cell):
        return FeeBasis.DeclaredBy.CELL
    if getattr(actor, "member_id", None) == member.pk:
        return FeeBasis.DeclaredBy.MEMBER
    raise PermissionDenied


def _closed_error(months: list[dt.date]) -> ValidationError:
    return ValidationError(
        {
            "month": ValidationError(
                _("The fee book of %(month)s is closed; choose a later month.")
                % {"month": f"{months[0]:%m/%Y}"},
                code="closed_month",
            )
        }
    )


def _write(
    *,
    actor,
    member: Member,
    group: FeeGroup,
    amount: int | None,
    month: dt.date,
    declared_by: str,
    note: str = "",
) -> tuple[FeeBasis | None, str]:
    """Write the basis from `month` unless the basis in force is the same: (row, what) with
    what in created / updated / unchanged."""
    current = (
        FeeBasis.objects.select_for_update()
        .filter(member=member, effective_from__lte=month)
        .order_by("-effective_from")
        .first()
    )
    if current is not None and current.group_id == group.pk and current.amount == amount:
        return current, "unchanged"
    user = actor if actor is not None and actor.is_authenticated else None
    if current is not None and current.effective_from == month:
        before = {"group": current.group.slug, "amount": current.amount}
        current.group = group
        current.amount = amount
        current.declared_by = declared_by
        current.note = note[:255]
        current.recorded_by = user
        current.save()
        row, what = current, "updated"
        changes = {
            "group": [before["group"], group.slug],
            "amount": [before["amount"], amount],
            "month": f"{month:%m/%Y}",
        }
    else:
        row = FeeBasis.objects.create(
            committee_id=member.committee_id,
            member=member,
            group=group,
            amount=amount,
            effective_from=month,
            declared_by=declared_by,
            note=note[:255],
            recorded_by=user,
        )
        what = "created"
        changes = {
            "group": [current.group.slug if current else None, group.slug],
            "amount": [current.amount if current else None, amount],
            "month": f"{month:%m/%Y}",
        }
    audit_record(
        actor=actor,
        verb=Verb.UPDATE if what == "updated" else Verb.CREATE,
        obj=row,
        committee=member.committee,
        changes=changes,
    )
    return row, what


# --- One member ----------------------------------------------------------------------------


@transaction.atomic
def basis_declare(
    *,
    actor,
    member: Member,
    group: FeeGroup | None,
    amount: int | None,
    month: dt.date,
    note: str = "",
    declared_by: str | None = None,
) -> FeeBasis:
    """Declare the member's basis from `month` (the cell, or the member themselves)."""
    by = _require_manage(actor, member)
    month = calc.month_start(month)
    member = (
        Member.objects.select_for_update().select_related("cell", "committee").get(pk=member.pk)
    )
    allowed = set(groups_for(member.committee, active_only=True).values_list("pk", flat=True))
    bounds = bounds_for(member.committee, month)
    stored, errors = _check(
        member=member,
        group=group,
        amount=amount,
        month=month,
        bounds=bounds,
        allowed_groups=allowed,
    )
    if errors:
        raise ValidationError(errors)
    closed = _closed_months(member.cell_id, month, member)
    if closed:
        raise _closed_error(closed)
    row, _what = _write(
        actor=actor,
        member=member,
        group=group,
        amount=stored,
        month=month,
        declared_by=declared_by or by,
        note=" ".join((note or "").split()),
    )
    return row


# --- Bulk entry for a cell and month ---------------------------------------------------------


@dataclass
class BulkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _lock_cell(cell: Unit) -> None:
    Unit.objects.select_for_update().filter(pk=cell.pk).first()


@transaction.atomic
def bases_bulk_save(
    *,
    actor,
    cell: Unit,
    month: dt.date,
    entries: dict[int, tuple[FeeGroup | None, int | None]],
    version: str,
) -> BulkResult:
    """Save the cell's bulk entry for `month`: entries maps member id → (group, amount). Rows
    equal to the basis in force write nothing. Every row is checked first; any error (keyed
    `group-<member code>` / `amount-<member code>`) and nothing is saved. A form opened before
    someone else changed the cell's bases is refused (code "stale")."""
    if actor is not None and not may_manage_cell(actor, cell):
        raise PermissionDenied
    month = calc.month_start(month)
    _lock_cell(cell)
    if version != bases_version(cell, month):
        raise ValidationError(
            _(
                "Someone changed this cell's fee bases after you opened the page. Open it "
                "again: your changes were not saved."
            ),
            code="stale",
        )
    members = {m.pk: m for m in cell_members(cell, month)}
    allowed = set(groups_for(cell.committee, active_only=True).values_list("pk", flat=True))
    bounds = bounds_for(cell.committee, month)
    current = bases_on(list(members), month)
    errors: dict[str, list[ValidationError]] = {}
    plan = []
    for member_id, (group, amount) in entries.items():
        member = members.get(member_id)
        if member is None:
            continue  # not a member of this cell for the month: ignored
        now = current.get(member_id)
        if group is None and now is None and amount is None:
            continue  # nothing declared and nothing entered
        stored, row_errors = _check(
            member=member,
            group=group,
            amount=amount,
            month=month,
            bounds=bounds,
            allowed_groups=allowed,
        )
        for name, error in row_errors.items():
            errors.setdefault(f"{name}-{member.code}", []).append(error)
        if not row_errors:
            plan.append((member, group, stored))
    if errors:
        raise ValidationError(errors)
    result = BulkResult()
    for member, group, stored in plan:
        now = current.get(member.pk)
        if now is not None and now.group_id == group.pk and now.amount == stored:
            result.unchanged += 1
            continue
        closed = _closed_months(cell.pk, month, member)
        if closed:
            raise _closed_error(closed)
        _row, what = _write(
            actor=actor,
            member=member,
            group=group,
            amount=stored,
            month=month,
            declared_by=FeeBasis.DeclaredBy.CELL,
        )
        setattr(result, what, getattr(result, what) + 1)
    return result


# --- Import from a sheet ------------------------------------------------------------------------

HEADERS = {
    "full_name": ("ho va ten", "ho ten", "ten", "ho va ten dang vien", "dang vien"),
    "date_of_birth": ("ngay sinh", "ngay thang nam sinh", "sinh ngay", "nam sinh"),
    "card_number": ("so the", "so the dang", "so the dang vien", "the dang"),
    "group": ("nhom", "doi tuong", "nhom dong", "ma nhom", "nhom dang phi"),
    "amount": (
        "so tien",
        "muc",
        "luong",
        "muc luong",
        "can cu",
        "can cu dong",
        "thu nhap",
        "luong dong bhxh",
        "muc luong dong bhxh",
        "muc dong",
        "tien luong",
    ),
}


@dataclass
class ImportLine:
    number: int
    full_name: str = ""
    date_of_birth: dt.date | None = None
    card_number: str = ""
    group_text: str = ""
    amount: int | None = None
    member: Member | None = None
    group: FeeGroup | None = None
    errors: list[str] = field(default_factory=list)
    action: str = ""  # created / updated / unchanged


class BasesFileError(ValidationError):
    """The file cannot be read as a table of bases (one message for the whole file)."""


def _header_field(value: Any) -> str | None:
    from capuyso.members.importing_values import fold

    key = " ".join(fold(str(value or "")).split("(")[0].replace(":", " ").split())
    for name, aliases in HEADERS.items():
        if key in aliases:
            return name
    return None


def _table_rows(data: bytes, filename: str) -> list[list[Any]]:
    """The file's rows as lists of cell values (XLSX first sheet, or CSV)."""
    from capuyso.members.importing_sheet import open_workbook

    if filename.lower().endswith(".csv") or not data.startswith(b"PK"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BasesFileError(
                _("Save the CSV file as UTF-8 (Excel: CSV UTF-8) and upload it again."),
                code="encoding",
            ) from exc
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    workbook = open_workbook(data)
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True, max_row=5000)]
    finally:
        workbook.close()


def _parse_amount(value: Any) -> tuple[int | None, str]:
    from capuyso.fees.forms_rules import parse_money

    if value is None or value == "":
        return None, ""
    if isinstance(value, bool):
        return None, "invalid"
    if isinstance(value, int):
        return value, ""
    if isinstance(value, float):
        return (int(value), "") if value.is_integer() else (None, "invalid")
    try:
        return parse_money(str(value)), ""
    except ValidationError as exc:
        return None, exc.code or "invalid"


def bases_import_read(
    *, cell: Unit, month: dt.date, data: bytes, filename: str
) -> list[ImportLine]:
    """Read and check an import file for the cell and month: every line with its member,
    group, amount and problems. Writes nothing. Raises BasesFileError for an unreadable file or
    one without the needed columns."""
    from capuyso.members.importing_values import (
        ValueProblem,
        card_key,
        clean_name,
        fold,
        parse_date,
    )

    month = calc.month_start(month)
    rows = _table_rows(data, filename)
    header_at, columns = None, {}
    for index, row in enumerate(rows[:15]):
        found = {i: _header_field(v) for i, v in enumerate(row)}
        found = {i: name for i, name in found.items() if name}
        if "full_name" in found.values() or "card_number" in found.values():
            header_at, columns = index, found
            break
    names = set(columns.values())
    if (
        header_at is None
        or "group" not in names
        or not ("card_number" in names or {"full_name", "date_of_birth"} <= names)
    ):
        raise BasesFileError(
            _(
                "The file needs a header row with the columns: full name and date of birth (or "
                "party card number), group, amount."
            ),
            code="columns",
        )
    members = list(cell_members(cell, month))
    by_card = {card_key(m.card_number): m for m in members if m.card_number}
    by_name: dict[tuple[str, dt.date], list[Member]] = {}
    for m in members:
        by_name.setdefault((fold(m.full_name), m.date_of_birth), []).append(m)
    groups = list(groups_for(cell.committee, active_only=True))
    group_keys: dict[str, FeeGroup] = {}
    for g in groups:
        group_keys[g.slug.lower()] = g
        group_keys.setdefault(fold(g.name), g)
    bounds = bounds_for(cell.committee, month)
    lines: list[ImportLine] = []
    seen: dict[int, int] = {}
    for offset, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        values = {name: row[i] if i < len(row) else None for i, name in columns.items()}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        line = ImportLine(number=offset)
        line.full_name = clean_name(values.get("full_name"))
        line.card_number = str(values.get("card_number") or "").strip()
        line.group_text = str(values.get("group") or "").strip()
        try:
            line.date_of_birth, _precision = parse_date(values.get("date_of_birth"))
        except ValueProblem as problem:
            line.errors.append(str(problem))
        member = None
        if line.card_number:
            member = by_card.get(card_key(line.card_number))
        elif line.full_name and line.date_of_birth:
            found = by_name.get((fold(line.full_name), line.date_of_birth), [])
            if len(found) > 1:
                line.errors.append(
                    _("Two members have this name and date of birth; give the card number.")
                )
            member = found[0] if len(found) == 1 else None
        if member is None and not line.errors:
            line.errors.append(
                _("No member of this cell matches this name and date of birth (or card number).")
            )
        elif member is not None:
            if member.pk in seen:
                line.errors.append(
                    _("This member is already on line %(line)s.") % {"line": seen[member.pk]}
                )
            seen[member.pk] = offset
        line.member = member
        key = line.group_text.lower()
        line.group = group_keys.get(key) or group_keys.get(fold(line.group_text))
        if line.group is None:
            line.errors.append(
                _("Unknown group “%(group)s”; use one of: %(groups)s.")
                % {"group": line.group_text, "groups": ", ".join(g.slug for g in groups)}
            )
        amount, amount_code = _parse_amount(values.get("amount"))
        if amount_code == "negative":
            line.errors.append(amount_message("negative", bounds))
        elif amount_code:
            line.errors.append(_("Write the amount in whole đồng, e.g. 7.654.321."))
        elif line.group is not None:
            stored, code = check_amount(line.group, amount, bounds)
            if code:
                line.errors.append(amount_message(code, bounds, line.group))
            line.amount = stored
        lines.append(line)
    current = bases_on([ln.member.pk for ln in lines if ln.member], month)
    for line in lines:
        if line.member is None or line.group is None or line.errors:
            continue
        now = current.get(line.member.pk)
        if now is not None and now.group_id == line.group.pk and now.amount == line.amount:
            line.action = "unchanged"
        elif now is not None and now.effective_from == month:
            line.action = "updated"
        else:
            line.action = "created"
    return lines


@transaction.atomic
def bases_import_commit(
    *, actor, cell: Unit, month: dt.date, lines: list[ImportLine]
) -> BulkResult:
    """Write the checked lines (declared_by "import"). Refused whole when one has an error."""
    if actor is not None and not may_manage_cell(actor, cell):
        raise PermissionDenied
    month = calc.month_start(month)
    _lock_cell(cell)
    if any(line.errors for line in lines):
        raise ValidationError(
            _("Some lines have problems; correct the file and upload it again."), code="has_errors"
        )
    if not lines:
        raise ValidationError(_("The file has no rows to import."), code="empty")
    result = BulkResult()
    for line in lines:
        if line.action != "unchanged":
            closed = _closed_months(cell.pk, month, line.member)
            if closed:
                raise _closed_error(closed)
        _row, what = _write(
            actor=actor,
            member=line.member,
            group=line.group,
            amount=line.amount,
            month=month,
            declared_by=FeeBasis.DeclaredBy.IMPORT,
        )
        setattr(result, what, getattr(result, what) + 1)
    return result
