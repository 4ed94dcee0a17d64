"""Reads of member records, already scoped to what the user may see.

Lists: `members_for_user` (scope) then `filter_members` (the list page's filters, shared by
exports). One door to a file: `get_member_for_user`. The file as sections of readable facts
(`file_sections`) and its dated history with old → new values (`file_history`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.core.text import fold
from capuyso.members.models import CorrectionRequest, DatePrecision, Member, Paper
from capuyso.org.models import AdministrativeUnit, Unit
from capuyso.org.selectors import path_filter, units_for_user

# --- Scope -----------------------------------------------------------------------------


def members_for_user(
    user, *, action: str = Action.MEMBERS_VIEW, query: str = "", cell=None
) -> QuerySet[Member]:
    access = access_for(user)
    if access.committee_id is None:
        return Member.objects.none()
    members = Member.objects.filter(committee_id=access.committee_id)
    if not access.committee_wide(action):
        paths = access.unit_paths(action)
        if not paths:
            return Member.objects.none()
        members = members.filter(path_filter(paths, "cell__path"))
    if cell is not None:
        members = members.filter(cell__path__startswith=cell.path)
    if query:
        members = members.filter(search_filter(query))
    return members.select_related("cell")


def _may_open(user, access, member: Member) -> bool:
    if user.member_id is not None and member.pk == user.member_id:
        return True
    return access.can(
        Action.MEMBERS_VIEW_FILE, committee_id=member.committee_id, unit_path=member.cell.path
    )


def get_member_for_user(user, code, *, write: bool = False) -> Member:
    """A member's file: their own, or within the user's MEMBERS_VIEW_FILE scope; with
    `write`, within their MEMBERS_MANAGE scope. 404 outside the user's committee."""
    access = access_for(user)
    try:
        member = Member.objects.select_related("cell").get(
            code=code, committee_id=access.committee_id
        )
    except (Member.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if write:
        if not access.can(
            Action.MEMBERS_MANAGE, committee_id=member.committee_id, unit_path=member.cell.path
        ):
            raise PermissionDenied
        return member
    if not _may_open(user, access, member):
        raise PermissionDenied
    return member


def get_paper_for_user(user, code) -> Paper:
    """An attached paper, for whoever may open the member's file."""
    access = access_for(user)
    try:
        paper = Paper.objects.select_related("member__cell", "file").get(
            code=code, member__committee_id=access.committee_id
        )
    except (Paper.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not _may_open(user, access, paper.member):
        raise PermissionDenied
    return paper


def get_correction_for_user(user, code) -> CorrectionRequest:
    """A correction request, for people who may manage the member's file."""
    access = access_for(user)
    try:
        correction = CorrectionRequest.objects.select_related("member__cell", "requested_by").get(
            code=code, member__committee_id=access.committee_id
        )
    except (CorrectionRequest.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    member = correction.member
    if not access.can(
        Action.MEMBERS_MANAGE, committee_id=member.committee_id, unit_path=member.cell.path
    ):
        raise PermissionDenied
    return correction


def filter_cells_for_user(user) -> QuerySet[Unit]:
    """Cells (and sub-committees) offered in the list's cell filter."""
    return (
        units_for_user(user, Action.MEMBERS_VIEW)
        .filter(kind__in=(Unit.Kind.SUB_COMMITTEE, Unit.Kind.CELL, Unit.Kind.PARTY_GROUP))
        .filter(dissolved_on__isnull=True)
        .order_by("name_folded")
    )


def manageable_cells(user) -> QuerySet[Unit]:
    """The cells of the user's own committee where they may add members."""
    return (
        units_for_user(user, Action.MEMBERS_MANAGE)
        .filter(kind__in=(Unit.Kind.CELL, Unit.Kind.PARTY_GROUP), dissolved_on__isnull=True)
        .order_by("name_folded")
    )


def cell_by_code(code) -> Unit | None:
    """The unit a form names, from any committee: the create service says what is wrong with
    a cell of another committee (a form cannot offer one, so it was posted by hand)."""
    try:
        return Unit.objects.filter(code=code).first()
    except (ValueError, ValidationError):
        return None


# --- Filters and search ----------------------------------------------------------------

STATUS_ACTIVE = ""  # the default: probationary, full and exempt
STATUS_ALL = "all"

# Bands of completed years: (at least, less than).
AGE_BANDS: dict[str, tuple[int | None, int | None, Any]] = {
    "lt30": (None, 30, gettext_lazy("Under 30")),
    "30-45": (30, 46, gettext_lazy("30 to 45")),
    "46-60": (46, 61, gettext_lazy("46 to 60")),
    "gt60": (61, None, gettext_lazy("Over 60")),
}
PARTY_AGE_BANDS: dict[str, tuple[int | None, int | None, Any]] = {
    "lt10": (None, 10, gettext_lazy("Under 10 years")),
    "10-29": (10, 30, gettext_lazy("10 to 29 years")),
    "30-49": (30, 50, gettext_lazy("30 to 49 years")),
    "50+": (50, None, gettext_lazy("50 years or more")),
}
_DIGITS_ONLY = re.compile(r"^[\d\s.\-]+$")


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""
    cell: str = ""  # a unit code; the view resolves it through get_unit_for_user
    status: str = STATUS_ACTIVE
    age: str = ""
    party_age: str = ""
    sex: str = ""
    education: str = ""
    qualification: str = ""
    theory: str = ""

    @classmethod
    def from_query(cls, get) -> MemberFilters:
        """Read the list's GET parameters; unknown values are ignored, never an error."""

        def pick(name: str, allowed) -> str:
            value = (get.get(name) or "").strip()
            return value if value in allowed else ""

        status = (get.get("status") or "").strip()
        return cls(
            q=(get.get("q") or "").strip()[:100],
            cell=(get.get("cell") or "").strip()[:40],
            status=status if status == STATUS_ALL or status in Member.Status.values else "",
            age=pick("age", AGE_BANDS),
            party_age=pick("party_age", PARTY_AGE_BANDS),
            sex=pick("sex", Member.Sex.values),
            education=pick("education", Member.GeneralEducation.values),
            qualification=pick("qualification", Member.Qualification.values),
            theory=pick("theory", Member.Theory.values),
        )

    def without(self, *names: str) -> MemberFilters:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in names:
            values[name] = ""
        return MemberFilters(**values)

    @property
    def narrowed(self) -> bool:
        """True when anything beyond the default (active members) is asked."""
        return any(getattr(self, f.name) for f in fields(self))


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def band_filter(field: str, band: tuple, today: dt.date) -> Q:
    """Completed years since `field` within [at least, less than)."""
    low, high = band[0], band[1]
    query = Q()
    if low is not None:
        query &= Q(**{f"{field}__lte": years_before(today, low)})
    if high is not None:
        query &= Q(**{f"{field}__gt": years_before(today, high)})
    return query


def search_filter(text: str) -> Q:
    """Name without diacritics (contains), party card number (exact), citizen ID (exact,
    or its beginning from four digits on). Digits never match a name, so a number is looked
    up only in the indexed number columns."""
    text = text.strip()
    if not text:
        return Q()
    if _DIGITS_ONLY.match(text):
        digits = re.sub(r"\D", "", text)
        query = Q(card_number=text) | Q(card_number=digits)
        if len(digits) == 12:
            query |= Q(citizen_id=digits)
        elif 4 <= len(digits) < 12:
            # A prefix as a range of 12-digit IDs: an index range scan on any collation,
            # where LIKE 'prefix%' needs a pattern-ops index on PostgreSQL.
            query |= Q(citizen_id__range=(digits.ljust(12, "0"), digits.ljust(12, "9")))
        return query
    compact = text.replace(" ", "")
    query = Q(full_name_folded__contains=fold(text))
    if any(ch.isdigit() for ch in compact):  # a card number with letters, e.g. "DV-0123"
        query |= Q(card_number__in={compact, compact.upper()})
    return query


def filter_members(
    members: QuerySet[Member], filters: MemberFilters, *, today: dt.date | None = None
) -> QuerySet[Member]:
    """Apply the list's filters (all but the cell, which the scope query already took)."""
    today = today or timezone.localdate()
    if filters.status == STATUS_ACTIVE:
        members = members.filter(status__in=Member.ACTIVE_STATUSES)
    elif filters.status != STATUS_ALL:
        members = members.filter(status=filters.status)
    if filters.age:
        members = members.filter(band_filter("date_of_birth", AGE_BANDS[filters.age], today))
    if filters.party_age:
        band = PARTY_AGE_BANDS[filters.party_age]
        members = members.filter(band_filter("admission_date", band, today))
    if filters.sex:
        members = members.filter(sex=filters.sex)
    if filters.education:
        members = members.filter(general_education=filters.education)
    if filters.qualification:
        members = members.filter(qualification=filters.qualification)
    if filters.theory:
        members = members.filter(political_theory=filters.theory)
    if filters.q:
        members = members.filter(search_filter(filters.q))
    return members


def status_counts(members: QuerySet[Member]) -> dict[str, int]:
    """How many of `members` are in each status (one grouped query)."""
    rows = members.order_by().values_list("status").annotate(n=Count("pk"))
    return dict(rows)


# --- The file, readable ----------------------------------------------------------------

SECTIONS = (
    (
        gettext_lazy("Identity"),
        (
            "full_name",
            "sex",
            "date_of_birth",
            "ethnicity",
            "religion",
            "home_town",
            "residence",
            "residence_unit",
            "citizen_id",
            "phone",
        ),
    ),
    (
        gettext_lazy("Membership"),
        (
            "card_number",
            "cell",
            "admission_date",
            "admission_decision",
            "ceremony_date",
            "full_membership_date",
            "full_membership_decision",
            "status",
            "status_since",
            "closed_on",
            "closing_decision",
        ),
    ),
    (
        gettext_lazy("Background"),
        (
            "general_education",
            "qualification",
            "qualification_detail",
            "political_theory",
            "occupation",
            "workplace",
        ),
    ),
    (gettext_lazy("Positions held"), ("positions_held",)),
    (gettext_lazy("Notes"), ("notes",)),
)
PRECISION_SUFFIX = "_precision"


def field_label(name: str) -> str:
    if name.endswith(PRECISION_SUFFIX):
        name = name[: -len(PRECISION_SUFFIX)]
    return capfirst(str(Member._meta.get_field(name).verbose_name))


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@dataclass
class Names:
    """Names of cells and residence units referenced by snapshots, looked up once."""

    cells: dict[int, str]
    units: dict[int, str]

    @classmethod
    def for_snapshots(cls, snapshots) -> Names:
        cell_ids, unit_ids = set(), set()
        for values in snapshots:
            if values.get("cell"):
                cell_ids.add(values["cell"])
            if values.get("residence_unit"):
                unit_ids.add(values["residence_unit"])
        cells = dict(Unit.objects.filter(pk__in=cell_ids).values_list("pk", "name"))
        units = (
            dict(AdministrativeUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
            if unit_ids
            else {}
        )
        return cls(cells=cells, units=units)


def display_value(name: str, values: dict[str, Any], names: Names | None = None) -> str:
    """One field of a snapshot as the user reads it ('' when empty)."""
    from capuyso.members.services.file import DATE_FIELDS, display_date

    if name.endswith(PRECISION_SUFFIX):
        name = name[: -len(PRECISION_SUFFIX)]
    value = values.get(name)
    if value in (None, ""):
        return ""
    if name in DATE_FIELDS:
        day = _as_date(value)
        precision = values.get(f"{name}{PRECISION_SUFFIX}") or DatePrecision.DAY
        return display_date(day, precision) if day else str(value)
    if name == "cell":
        if names is not None and value in names.cells:
            return names.cells[value]
        return values.get("cell_name") or str(value)
    if name == "residence_unit":
        return names.units.get(value, str(value)) if names is not None else str(value)
    field = Member._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def file_sections(values: dict[str, Any], names: Names | None = None) -> list[tuple]:
    """The file as [(section title, [(label, value)])], from a snapshot of its fields."""
    if names is None:
        names = Names.for_snapshots([values]) if values.get("residence_unit") else None
    sections = []
    for title, section_fields in SECTIONS:
        rows = [(field_label(name), display_value(name, values, names)) for name in section_fields]
        if len(section_fields) == 1:  # a text section: shown only when written
            rows = [row for row in rows if row[1]]
        if rows:
            sections.append((title, rows))
    return sections


@dataclass
class HistoryEntry:
    effective_on: dt.date
    recorded_at: dt.datetime
    kind: str
    actor: str
    note: str
    changes: list[tuple[str, str, str]]  # (label, old, new)


def file_history(member: Member) -> list[HistoryEntry]:
    """Every dated revision of the file, newest first, with readable old → new values."""
    revisions = list(member.revisions.select_related("actor").order_by("-effective_on", "-pk"))
    befores = []
    for revision in revisions:
        before = dict(revision.snapshot)
        before.update({k: v[0] for k, v in (revision.changes or {}).items()})
        befores.append(before)
    names = Names.for_snapshots([r.snapshot for r in revisions] + befores)
    entries = []
    for revision, before in zip(revisions, befores, strict=True):
        shown: list[str] = []
        for name in revision.changes or {}:
            base = name.removesuffix(PRECISION_SUFFIX)
            if base not in shown:
                shown.append(base)
        changes = [
            (
                field_label(name),
                display_value(name, before, names) or "—",
                display_value(name, revision.snapshot, names) or "—",
            )
            for name in shown
        ]
        actor = revision.actor
        entries.append(
            HistoryEntry(
                effective_on=revision.effective_on,
                recorded_at=revision.recorded_at,
                kind=revision.get_kind_display(),
                actor=(actor.full_name or actor.get_username()) if actor else _("the system"),
                note=revision.note,
                changes=changes,
            )
        )
    return entries


def correction_field_label(name: str) -> str:
    from capuyso.members.services.records import CORRECTION_OTHER

    if name == CORRECTION_OTHER:
        return _("Something else")
    try:
        return field_label(name)
    except FieldDoesNotExist:  # an old request naming a field that no longer exists
        return name
