"""One row of a members workbook as a person: its outcome line in the report, its values
as the model's fields (`parse_row`), and the committee's cell it names (`CellIndex`)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from capuyso.members import importing_values as values_
from capuyso.members.importing_sheet import SheetRow
from capuyso.members.importing_values import fold
from capuyso.members.models import DatePrecision, Member
from capuyso.members.services.file import normalize_phone
from capuyso.org.models import Unit

EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
TEXT_FIELDS = (
    "ethnicity",
    "religion",
    "home_town",
    "residence",
    "admission_decision",
    "occupation",
    "workplace",
    "positions_held",
    "notes",
)
CREATED, UPDATED, UNCHANGED, REJECTED, REVIEW = (
    "created",
    "updated",
    "unchanged",
    "rejected",
    "review",
)


STATUSES = (CREATED, UPDATED, UNCHANGED, REJECTED, REVIEW)


PRECISION_RANK = {DatePrecision.YEAR: 0, DatePrecision.MONTH: 1, DatePrecision.DAY: 2}


PRECISION_FIELDS = {
    "date_of_birth": "date_of_birth_precision",
    "admission_date": "admission_date_precision",
    "full_membership_date": "full_membership_date_precision",
}


# Fields a row may set on a file (the model's names), in the order reasons list them.
ROW_FIELDS = (
    "full_name",
    "sex",
    "date_of_birth",
    "ethnicity",
    "religion",
    "home_town",
    "residence",
    "citizen_id",
    "phone",
    "card_number",
    "admission_date",
    "admission_decision",
    "full_membership_date",
    "general_education",
    "qualification",
    "qualification_detail",
    "political_theory",
    "occupation",
    "workplace",
    "positions_held",
    "notes",
)


@dataclass
class Line:
    """One row's outcome in the report."""

    sheet: str
    row: int
    name: str = ""
    status: str = ""
    code: str = ""
    reason: str = ""
    member: str = ""

    def set(self, status: str, code: str, reason: str, member: Member | None = None) -> None:
        self.status, self.code, self.reason = status, code, reason
        if member is not None and member.pk:
            self.member = str(member.code)

    def as_dict(self) -> dict[str, Any]:
        data = {
            "sheet": self.sheet,
            "row": self.row,
            "status": self.status,
            "code": self.code,
            "reason": self.reason,
            "name": self.name,
        }
        if self.member:
            data["member"] = self.member
        return data

    @property
    def where(self) -> str:
        return _("sheet “%(sheet)s” row %(row)s") % {"sheet": self.sheet, "row": self.row}


@dataclass
class Record:
    """One person as the workbook describes them (one row, or several merged)."""

    line: Line
    values: dict[str, Any]  # model field → value; only what the sheet gives
    cell: Unit
    status: str = ""  # from a status column or an exempt sheet; "" when not said
    exempt_since: dt.date | None = None
    twins: list[Line] = field(default_factory=list)  # the same person's other rows

    @property
    def name(self) -> str:
        return self.values["full_name"]

    @property
    def card(self) -> str:
        return values_.card_key(self.values.get("card_number", ""))

    @property
    def citizen_id(self) -> str:
        return self.values.get("citizen_id", "")

    @property
    def has_identifier(self) -> bool:
        return bool(self.card or self.citizen_id)

    def precision(self, name: str) -> str:
        return self.values.get(PRECISION_FIELDS[name], DatePrecision.DAY)


class RowProblem(Exception):
    def __init__(self, code: str, reason: str, field: str = ""):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.field = field


def _label(name: str) -> str:
    if name in ("cell", "status"):
        text = str(Member._meta.get_field(name).verbose_name)
    elif name == "exempt_since":
        text = _("exempt from")
    elif name in ("male", "female"):
        text = str(Member._meta.get_field("date_of_birth").verbose_name)
    else:
        text = str(Member._meta.get_field(name).verbose_name)
    return text[:1].upper() + text[1:]


def parse_row(row: SheetRow) -> tuple[dict[str, Any], str, dt.date | None, list[RowProblem]]:
    """The row's cells as model values, its status (or ""), the exemption date, and the
    problems found (each a reason to refuse the row)."""
    raw = dict(row.values)
    values: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for key, value in list(raw.items()):
        if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
            del raw[key]
            problems.append(
                RowProblem(
                    "excel_error",
                    f"{_label(key)}: "
                    + _("the cell shows the Excel error %(error)s; correct it or type the value.")
                    % {"error": value.strip()},
                    key,
                )
            )

    def problem(name: str, exc: values_.ValueProblem | RowProblem) -> None:
        reason = exc.message if isinstance(exc, values_.ValueProblem) else exc.reason
        problems.append(RowProblem(exc.code, f"{_label(name)}: {reason}", name))

    name = values_.clean_name(raw.get("full_name"))
    if name:
        values["full_name"] = name
    else:
        problems.append(RowProblem("no_name", _("The row has no full name; a member needs one.")))
    for name_ in ("date_of_birth", "admission_date", "full_membership_date"):
        if name_ in raw:
            try:
                value, precision = values_.parse_date(raw[name_])
            except values_.ValueProblem as exc:
                problem(name_, exc)
            else:
                if value is not None:
                    values[name_] = value
                    values[PRECISION_FIELDS[name_]] = precision
    if "sex" in raw:
        try:
            values["sex"] = values_.parse_sex(raw["sex"])
        except values_.ValueProblem as exc:
            problem("sex", exc)
    _sex_columns(raw, values, problems)
    if "date_of_birth" not in values and all(p.field != "date_of_birth" for p in problems):
        problems.append(
            RowProblem("required", f"{_label('date_of_birth')}: {_('Enter the date of birth.')}")
        )
    for name_ in TEXT_FIELDS:
        if name_ in raw and (text := values_.clean_text(raw[name_])):
            values[name_] = text
    if "citizen_id" in raw:
        values["citizen_id"] = values_.parse_citizen_id(raw["citizen_id"])
    if "phone" in raw:
        first = re.split(r"[,;/]|\s[-–]\s|\s(?:hoặc|hoac)\s", values_.clean_text(raw["phone"]))[0]
        values["phone"] = normalize_phone(first)
    if "card_number" in raw:
        values["card_number"] = re.sub(r"\s", "", values_.clean_text(raw["card_number"]))
    for name_, parse in (
        ("general_education", values_.parse_education),
        ("political_theory", values_.parse_theory),
    ):
        if name_ in raw:
            try:
                values[name_] = parse(raw[name_])
            except values_.ValueProblem as exc:
                problem(name_, exc)
    if "qualification" in raw:
        level, detail = values_.parse_qualification(raw["qualification"])
        if level:
            values["qualification"] = level
        if detail:
            values["qualification_detail"] = detail
    status = ""
    if "status" in raw:
        try:
            status = values_.parse_status(raw["status"])
        except values_.ValueProblem as exc:
            problem("status", exc)
    exempt_since = None
    if "exempt_since" in raw:
        try:
            exempt_since, _precision = values_.parse_date(raw["exempt_since"])
        except values_.ValueProblem as exc:
            problem("exempt_since", exc)
    for name_, value in list(values.items()):
        if isinstance(value, str) and not name_.endswith("_precision"):
            limit = Member._meta.get_field(name_).max_length
            if limit and len(value) > limit and name_ != "citizen_id":
                problems.append(
                    RowProblem(
                        "too_long",
                        _("%(field)s: too long (%(n)s characters, at most %(max)s).")
                        % {"field": _label(name_), "n": len(value), "max": limit},
                    )
                )
    values = {k: v for k, v in values.items() if v not in ("", None)}
    return values, status, exempt_since, problems


def _sex_columns(raw: dict, values: dict, problems: list[RowProblem]) -> None:
    """The “Nam | Nữ” layout: the birth date (or an x) under one of the two columns."""
    marks = {k: raw[k] for k in ("male", "female") if k in raw}
    if not marks:
        return
    if len(marks) == 2:
        problems.append(
            RowProblem(
                "unknown_value",
                _("Both the Nam and the Nữ columns are filled in; fill in only one."),
            )
        )
        return
    ((column, value),) = marks.items()
    sex = Member.Sex.MALE if column == "male" else Member.Sex.FEMALE
    if values.get("sex") and values["sex"] != sex:
        problems.append(
            RowProblem("unknown_value", _("The sex column and the Nam/Nữ columns disagree."))
        )
        return
    values["sex"] = sex
    if fold(values_.clean_text(value)) in {"x", "1", "v", "\u2713", "\u2714", "co"}:
        return
    try:
        date, precision = values_.parse_date(value)
    except values_.ValueProblem as exc:
        problems.append(
            RowProblem(exc.code, f"{_label('date_of_birth')}: {exc.message}", "date_of_birth")
        )
        return
    if date is not None and "date_of_birth" not in values:
        values["date_of_birth"] = date
        values["date_of_birth_precision"] = precision


class CellIndex:
    def __init__(self, committee, create_cells: bool):
        self.committee = committee
        self.create_cells = create_cells
        units = list(
            Unit.objects.filter(
                committee=committee, kind__in=(Unit.Kind.CELL, Unit.Kind.PARTY_GROUP)
            ).order_by("dissolved_on", "pk")
        )
        self.exact: dict[str, list[Unit]] = defaultdict(list)
        self.loose: dict[str, list[Unit]] = defaultdict(list)
        self.folded: dict[str, Unit] = {}
        for unit in units:
            self.exact[values_.cell_key(unit.name)].append(unit)
            self.loose[values_.cell_loose_key(unit.name)].append(unit)
            self.folded.setdefault(fold(unit.name), unit)
        self.new: dict[str, Unit] = {}
        self.unknown: dict[str, str] = {}  # key → the name as first written

    def find(self, name: str) -> Unit | None:
        if found := self.folded.get(fold(name)):
            return found
        key = values_.cell_key(name)
        if not key:
            return None
        for candidates in (self.exact.get(key), self.loose.get(values_.cell_loose_key(name))):
            if candidates:
                active = [u for u in candidates if u.dissolved_on is None]
                if len(active) == 1 or (not active and len(candidates) == 1):
                    return (active or candidates)[0]
        return self.new.get(key)

    def resolve(self, name: str) -> Unit | None:
        """The cell, a new (unsaved) one when cells are created, or None (unknown)."""
        if found := self.find(name):
            return found
        key = values_.cell_key(name)
        if not self.create_cells:
            self.unknown.setdefault(key, name)
            return None
        unit = Unit(
            committee=self.committee,
            kind=Unit.Kind.CELL,
            cell_kind=guess_cell_kind(name),
            name=new_cell_name(name),
            path="",
        )
        unit.name_folded = fold(unit.name)
        self.new[key] = unit
        return unit


def new_cell_name(name: str) -> str:
    text = values_.clean_text(name)
    folded = fold(text)
    if folded.startswith("chi bo"):
        return text
    match = re.match(r"(?i)^cb[\s.:\-]+", folded)
    if match:
        text = text[match.end() :]
    return f"Chi bộ {text}"[:160]


def guess_cell_kind(name: str) -> str:
    key = f" {fold(name)} "
    for needles, kind in (
        ((" thon ", " xom ", " ap ", " ban ", " lang "), Unit.CellKind.VILLAGE),
        ((" khu pho ", " to dan pho ", " khu dan cu ", " to "), Unit.CellKind.RESIDENTIAL),
        ((" truong ", " mam non ", " tieu hoc ", " thcs ", " thpt "), Unit.CellKind.SCHOOL),
        ((" tram y te ", " y te "), Unit.CellKind.HEALTH_STATION),
        ((" cong an ",), Unit.CellKind.POLICE),
        ((" quan su ",), Unit.CellKind.MILITARY),
        ((" huu ", " huu tri "), Unit.CellKind.RETIRED),
        ((" cong ty ", " doanh nghiep ", " hop tac xa ", " htx "), Unit.CellKind.ENTERPRISE),
        ((" ubnd ", " co quan ", " uy ban "), Unit.CellKind.AGENCY),
    ):
        if any(needle in key for needle in needles):
            return kind
    return Unit.CellKind.OTHER
