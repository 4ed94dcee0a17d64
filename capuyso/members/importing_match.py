"""Planning an import, without writing: each person of the workbook is matched with the
committee's files and given an outcome (see the rules in importing.py)."""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from capuyso.members import importing_values as values_
from capuyso.members.importing_rows import (
    CREATED,
    PRECISION_FIELDS,
    PRECISION_RANK,
    REJECTED,
    REVIEW,
    ROW_FIELDS,
    STATUSES,
    UNCHANGED,
    UPDATED,
    CellIndex,
    Line,
    Record,
    RowProblem,
    _label,
    parse_row,
)
from capuyso.members.importing_sheet import Workbook
from capuyso.members.importing_values import fold
from capuyso.members.models import DatePrecision, Member
from capuyso.members.services.file import check_open, display_date, validate_member
from capuyso.org.models import Unit

logger = logging.getLogger(__name__)


@dataclass
class Plan:
    lines: list[Line]
    creates: list[tuple[Record, Member]] = field(default_factory=list)
    updates: list[tuple[Record, Member, dict[str, Any]]] = field(default_factory=list)
    new_cells: dict[str, Unit] = field(default_factory=dict)  # key → unsaved cell
    unknown_cells: list[str] = field(default_factory=list)
    sheets: list[dict] = field(default_factory=list)

    def report(self, *, file_name: str, dry_run: bool) -> dict[str, Any]:
        counts = dict.fromkeys(STATUSES, 0)
        for line in self.lines:
            counts[line.status] += 1
        return {
            "counts": counts,
            "rows": [line.as_dict() for line in self.lines],
            "unknown_cells": self.unknown_cells,
            "created_cells": [cell.name for cell in self.new_cells.values()],
            "sheets": self.sheets,
            "file": file_name,
            "dry_run": dry_run,
        }


def build_plan(*, committee, workbook: Workbook, create_cells: bool) -> Plan:
    cells = CellIndex(committee, create_cells)
    plan = Plan(lines=[], sheets=[info.as_dict() for info in workbook.sheets])
    sheet_cells: dict[str, str] = {}
    for info in workbook.sheets:
        if "cell" not in info.columns:
            # A sheet per cell: the cell from its title, or its name if that is a cell.
            sheet_cells[info.name] = info.default_cell or (
                info.name if cells.find(info.name) else ""
            )

    records: list[Record] = []
    for row in workbook.rows:
        line = Line(
            sheet=row.sheet, row=row.row, name=values_.clean_name(row.values.get("full_name"))
        )
        plan.lines.append(line)
        try:
            record = _read_row(row, line, cells, sheet_cells)
        except Exception:  # one unreadable row never stops the import
            logger.exception("members import: row %s of %r", row.row, row.sheet)
            line.set(REJECTED, "unreadable", _("This row could not be read; check its cells."))
            continue
        if record is not None:
            records.append(record)
    plan.unknown_cells = list(cells.unknown.values())
    plan.new_cells = cells.new

    records = _merge_duplicates(records)
    _match_and_decide(committee, records, plan)
    return plan


def _read_row(row, line: Line, cells: CellIndex, sheet_cells: dict[str, str]) -> Record | None:
    """The row as a person, or None when it is refused (its line then says why)."""
    values, status, exempt_since, problems = parse_row(row)
    cell_name = values_.clean_text(row.values.get("cell")) or row.cell_hint
    if not cell_name:
        cell_name = sheet_cells.get(row.sheet, "")
    unit = None
    if not cell_name:
        problems.append(
            RowProblem(
                "no_cell",
                _("The row names no cell; write the cell's name in the Chi bộ column."),
            )
        )
    else:
        unit = cells.resolve(cell_name)
        if unit is None:
            problems.append(
                RowProblem(
                    "unknown_cell",
                    _(
                        "The cell “%(cell)s” is not one of this committee's cells. Add it, "
                        "correct the name, or import again creating the missing cells."
                    )
                    % {"cell": cell_name},
                )
            )
        elif unit.dissolved_on is not None:
            problems.append(
                RowProblem(
                    "cell_dissolved",
                    _("The cell “%(cell)s” was dissolved on %(date)s.")
                    % {"cell": unit.name, "date": f"{unit.dissolved_on:%d/%m/%Y}"},
                )
            )
    if problems:
        line.set(REJECTED, problems[0].code, " ".join(p.reason for p in problems))
        return None
    if row.exempt:
        status = Member.Status.EXEMPT
    return Record(line=line, values=values, cell=unit, status=status, exempt_since=exempt_since)


def _dates_compatible(a: dt.date, pa: str, b: dt.date, pb: str) -> bool:
    if DatePrecision.YEAR in (pa, pb):
        return a.year == b.year
    if DatePrecision.MONTH in (pa, pb):
        return (a.year, a.month) == (b.year, b.month)
    return a == b


def _same_person(a: Record, b: Record) -> bool:
    return (
        fold(a.name) == fold(b.name)
        and _dates_compatible(
            a.values["date_of_birth"],
            a.precision("date_of_birth"),
            b.values["date_of_birth"],
            b.precision("date_of_birth"),
        )
        and (not a.card or not b.card or a.card == b.card)
        and (not a.citizen_id or not b.citizen_id or a.citizen_id == b.citizen_id)
        and (
            not a.values.get("sex") or not b.values.get("sex") or a.values["sex"] == b.values["sex"]
        )
        and _cell_id(a.cell) == _cell_id(b.cell)
        and (
            not a.status
            or not b.status
            or a.status == b.status
            or Member.Status.EXEMPT in (a.status, b.status)
        )
    )


def _cell_id(unit: Unit) -> Any:
    return unit.pk or id(unit)


def _merge_duplicates(records: list[Record]) -> list[Record]:
    """Link rows sharing a card number, a citizen ID, or (for rows without either) a name,
    birth date and cell; merge a group that is one person, send a group that is not to
    review. Returns the records to match, in workbook order."""
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    by_card: dict[str, int] = {}
    by_cid: dict[str, int] = {}
    by_name: dict[tuple, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        if record.card:
            if record.card in by_card:
                union(by_card[record.card], i)
            else:
                by_card[record.card] = i
        if record.citizen_id:
            if record.citizen_id in by_cid:
                union(by_cid[record.citizen_id], i)
            else:
                by_cid[record.citizen_id] = i
        key = (fold(record.name), _cell_id(record.cell), record.values["date_of_birth"].year)
        for j in by_name[key]:
            other = records[j]
            if (not record.has_identifier or not other.has_identifier) and _dates_compatible(
                record.values["date_of_birth"],
                record.precision("date_of_birth"),
                other.values["date_of_birth"],
                other.precision("date_of_birth"),
            ):
                union(j, i)
        by_name[key].append(i)

    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(records)):
        groups[root(i)].append(i)
    result = []
    for i, record in enumerate(records):
        members = groups[root(i)]
        if len(members) == 1:
            result.append(record)
            continue
        if members[0] != i:
            continue
        group = [records[j] for j in members]
        if all(_same_person(a, b) for a in group for b in group if a is not b):
            result.append(_merge(group))
        else:
            _review_group(group)
    return result


def _merge(group: list[Record]) -> Record:
    first = group[0]
    for other in group[1:]:
        for key, value in other.values.items():
            if key in PRECISION_FIELDS:
                mine = first.values.get(key)
                if mine is None or (
                    PRECISION_RANK[other.precision(key)] > PRECISION_RANK[first.precision(key)]
                ):
                    first.values[key] = value
                    first.values[PRECISION_FIELDS[key]] = other.precision(key)
            elif key not in PRECISION_FIELDS.values():
                first.values.setdefault(key, value)
        if other.status == Member.Status.EXEMPT or not first.status:
            first.status = other.status or first.status
        first.exempt_since = first.exempt_since or other.exempt_since
        first.twins.append(other.line)
    return first


def _review_group(group: list[Record]) -> None:
    for record in group:
        others = [o for o in group if o is not record]
        shares_card = [o for o in others if record.card and o.card == record.card]
        shares_cid = [o for o in others if record.citizen_id and o.citizen_id == record.citizen_id]
        if shares_card:
            code = "duplicate_card_in_file"
            reason = _("The party card number %(card)s is also on %(where)s, for %(name)s.")
            value, other = record.values["card_number"], shares_card[0]
        elif shares_cid:
            code = "duplicate_citizen_id_in_file"
            reason = _("The citizen ID %(card)s is also on %(where)s, for %(name)s.")
            value, other = record.citizen_id, shares_cid[0]
        else:
            code = "duplicate_person_in_file"
            reason = _("%(where)s has the same name and date of birth (%(name)s) but differs.")
            value, other = "", others[0]
        record.line.set(
            REVIEW,
            code,
            reason % {"card": value, "where": other.line.where, "name": other.name}
            + " "
            + _("Check which is right and correct the workbook."),
        )


def _member_dob_compatible(member: Member, record: Record) -> bool:
    return _dates_compatible(
        member.date_of_birth,
        member.date_of_birth_precision,
        record.values["date_of_birth"],
        record.precision("date_of_birth"),
    )


def _member_same_person(member: Member, record: Record) -> bool:
    return member.full_name_folded == fold(record.name) and _member_dob_compatible(member, record)


def _identifiers_compatible(member: Member, record: Record) -> bool:
    card = values_.card_key(member.card_number)
    return (not card or not record.card or card == record.card) and (
        not member.citizen_id or not record.citizen_id or member.citizen_id == record.citizen_id
    )


def _who(member: Member) -> str:
    return _("%(name)s, born %(born)s, %(cell)s") % {
        "name": member.full_name,
        "born": display_date(member.date_of_birth, member.date_of_birth_precision),
        "cell": member.cell.name,
    }


def _match_and_decide(committee, records: list[Record], plan: Plan) -> None:
    members = list(Member.objects.filter(committee=committee).select_related("cell"))
    by_card = {values_.card_key(m.card_number): m for m in members if m.card_number}
    by_cid = {m.citizen_id: m for m in members if m.citizen_id}
    by_name: dict[str, list[Member]] = defaultdict(list)
    for m in members:
        by_name[m.full_name_folded].append(m)

    matched: list[tuple[Record, Member | None]] = []
    for record in records:
        member = _match(record, by_card, by_cid, by_name)
        if member is not False:
            matched.append((record, member))
    claims: dict[int, list[Record]] = defaultdict(list)
    for record, member in matched:
        if member is not None:
            claims[member.pk].append(record)
    for record, member in matched:
        try:
            _decide(committee, record, member, claims, plan)
        except Exception:  # one row never stops the import
            logger.exception("members import: row %s of %r", record.line.row, record.line.sheet)
            record.line.set(
                REJECTED, "unreadable", _("This row could not be read; check its cells.")
            )
    _settle_twins(records)


def _decide(committee, record: Record, member, claims, plan: Plan) -> None:
    if member is not None and len(claims[member.pk]) > 1:
        others = [r for r in claims[member.pk] if r is not record]
        record.line.set(
            REVIEW,
            "matched_twice",
            _("This row and %(where)s both match the file of %(who)s.")
            % {"where": others[0].line.where, "who": _who(member)},
            member,
        )
    elif member is None:
        _plan_create(committee, record, plan)
    else:
        _plan_update(record, member, plan)


def _settle_twins(records: list[Record]) -> None:
    """The other rows of a person merged from several take the first row's outcome."""
    for record in records:
        for twin in record.twins:
            if record.line.status in (CREATED, UPDATED, UNCHANGED):
                status = UNCHANGED
            else:
                status = record.line.status
            twin.set(
                status,
                "listed_twice",
                _("The same member as on %(where)s; that row carries the result.")
                % {"where": record.line.where},
            )
            twin.member = record.line.member


def _match(record: Record, by_card, by_cid, by_name) -> Member | None | bool:
    """The file this record is, None for a new file, False when sent to review."""
    by_card_member = by_card.get(record.card) if record.card else None
    by_cid_member = by_cid.get(record.citizen_id) if record.citizen_id else None
    if by_card_member and by_cid_member and by_card_member.pk != by_cid_member.pk:
        record.line.set(
            REVIEW,
            "card_and_citizen_id_differ",
            _(
                "The party card number is that of %(card_who)s, and the citizen ID that of "
                "%(cid_who)s."
            )
            % {"card_who": _who(by_card_member), "cid_who": _who(by_cid_member)},
        )
        return False
    member = by_card_member or by_cid_member
    if member is not None:
        if not _member_same_person(member, record):
            if by_card_member:
                code = "card_conflict"
                reason = _(
                    "This party card number belongs to %(who)s on file, not to the person on "
                    "this row. Check which is right; nothing was changed."
                )
            else:
                code = "citizen_id_conflict"
                reason = _(
                    "This citizen ID belongs to %(who)s on file, not to the person on this "
                    "row. Check which is right; nothing was changed."
                )
            record.line.set(REVIEW, code, reason % {"who": _who(member)}, member)
            return False
        return member
    candidates = [
        m
        for m in by_name.get(fold(record.name), ())
        if _member_dob_compatible(m, record) and _identifiers_compatible(m, record)
    ]
    in_cell = [m for m in candidates if record.cell.pk and m.cell_id == record.cell.pk]
    if len(in_cell) == 1:
        return in_cell[0]
    if len(in_cell) > 1:
        record.line.set(
            REVIEW,
            "ambiguous",
            _(
                "%(n)s files in this cell have this name and date of birth; add the party card "
                "number or citizen ID to the row to say which one."
            )
            % {"n": len(in_cell)},
        )
        return False
    if candidates:
        record.line.set(
            REVIEW,
            "same_name_other_cell",
            _(
                "A member with this name and date of birth is on file in another cell "
                "(%(who)s). If it is the same person, record the transfer; if not, add the "
                "party card number or citizen ID to the row."
            )
            % {"who": _who(candidates[0])},
            candidates[0],
        )
        return False
    return None


def _status_differs(record: Record, member: Member) -> bool:
    sheet_status = record.status
    if not sheet_status:
        if record.values.get("full_membership_date"):
            sheet_status = Member.Status.FULL
        else:
            return False
    if sheet_status == Member.Status.FULL:
        return member.status not in (Member.Status.FULL, Member.Status.EXEMPT)
    return sheet_status != member.status


def _changes(record: Record, member: Member) -> dict[str, Any]:
    """The fields the row would change on the file (model names → new values)."""
    data: dict[str, Any] = {}
    for name, value in record.values.items():
        if name == "full_name" or name in PRECISION_FIELDS.values():
            continue
        current = getattr(member, name)
        if name in PRECISION_FIELDS:
            precision_name = PRECISION_FIELDS[name]
            precision = record.precision(name)
            if (
                current is None
                or not _dates_compatible(current, getattr(member, precision_name), value, precision)
                or PRECISION_RANK[precision] > PRECISION_RANK[getattr(member, precision_name)]
            ):
                data[name], data[precision_name] = value, precision
        elif name == "card_number":
            if values_.card_key(current) != record.card:
                data[name] = value
        elif current != value:
            data[name] = value
    return data


def _plan_update(record: Record, member: Member, plan: Plan) -> None:
    line = record.line
    if record.cell.pk != member.cell_id:
        line.set(
            REVIEW,
            "cell_differs",
            _(
                "The workbook puts this member in %(sheet_cell)s; the file says %(file_cell)s. "
                "If they moved, record the transfer; nothing was changed."
            )
            % {"sheet_cell": record.cell.name, "file_cell": member.cell.name},
            member,
        )
        return
    if _status_differs(record, member):
        sheet_status = record.status or Member.Status.FULL
        line.set(
            REVIEW,
            "status_differs",
            _(
                "The workbook says “%(sheet_status)s”; the file says “%(file_status)s”. Record "
                "the change (recognition, exemption, transfer) on the member's page; nothing "
                "was changed."
            )
            % {
                "sheet_status": Member.Status(sheet_status).label,
                "file_status": member.get_status_display(),
            },
            member,
        )
        return
    data = _changes(record, member)
    if not data:
        line.set(UNCHANGED, "unchanged", _("Already on file; nothing differs."), member)
        return
    try:
        check_open(member)
        candidate = copy.copy(member)
        for name, value in data.items():
            setattr(candidate, name, value)
        validate_member(candidate)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "closed":
            line.set(REVIEW, "closed", exc.messages[0], member)
        else:
            code, reason = _validation(exc)
            line.set(REJECTED, code, reason, member)
        return
    changed = [name for name in data if name not in PRECISION_FIELDS.values()]
    line.set(
        UPDATED,
        "updated",
        _("Changed: %(fields)s.") % {"fields": ", ".join(_label(n).lower() for n in changed)},
        member,
    )
    plan.updates.append((record, member, data))


def _plan_create(committee, record: Record, plan: Plan) -> None:
    values = dict(record.values)
    status = record.status or (
        Member.Status.FULL if values.get("full_membership_date") else Member.Status.PROBATIONARY
    )
    values.setdefault("ethnicity", "")
    member = Member(committee=committee, status=status, **values)
    member.cell = record.cell
    member.full_name_folded = fold(member.full_name)
    if status == Member.Status.EXEMPT and record.exempt_since:
        member.status_since = record.exempt_since
    else:
        member.status_since = member.full_membership_date or member.admission_date
    try:
        validate_member(member)
    except ValidationError as exc:
        if record.cell.pk is None:  # a cell to be created: not yet saved, not an error
            exc.error_dict.pop("cell", None)
        if exc.error_dict:
            record.line.set(REJECTED, *_validation(exc))
            return
    record.line.set(CREATED, "created", _("New member."))
    plan.creates.append((record, member))


def _validation(exc: ValidationError) -> tuple[str, str]:
    if not hasattr(exc, "error_dict"):
        return exc.error_list[0].code or "invalid", " ".join(exc.messages)
    order = {name: i for i, name in enumerate(ROW_FIELDS)}
    items = sorted(exc.error_dict.items(), key=lambda item: order.get(item[0], 99))
    parts, first = [], None
    for name, errors in items:
        for error in errors:
            first = first or error.code
            message = " ".join(error.messages)
            parts.append(f"{_label(name)}: {message}" if name != "__all__" else message)
    return first or "invalid", " ".join(parts)
