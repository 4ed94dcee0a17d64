"""The member file: validation, creation, edits with dated history, and the file's state on
any past date.

Every change writes a `MemberRevision` holding the snapshot of the tracked fields after the
change and the changed fields (old → new), effective from a date the user gives (default
today), plus an audit event. Life-cycle services (recognition, exemption, transfers,
closing) go through `apply_change` so they are recorded the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record
from capuyso.core.text import fold
from capuyso.members.models import DatePrecision, Member, MemberRevision
from capuyso.org.models import Unit
from capuyso.search.index import index_object

# Fields whose history is kept. `cell` is stored as its id and name in snapshots.
TRACKED_FIELDS = (
    "full_name",
    "sex",
    "date_of_birth",
    "date_of_birth_precision",
    "ethnicity",
    "religion",
    "home_town",
    "residence",
    "residence_unit",
    "citizen_id",
    "phone",
    "card_number",
    "cell",
    "admission_date",
    "admission_date_precision",
    "admission_decision",
    "ceremony_date",
    "full_membership_date",
    "full_membership_date_precision",
    "full_membership_decision",
    "status",
    "status_since",
    "closed_on",
    "closing_decision",
    "general_education",
    "qualification",
    "qualification_detail",
    "political_theory",
    "occupation",
    "workplace",
    "positions_held",
    "notes",
)
# Fields a person edits on the file form; status, cell and closing change only through the
# life-cycle services (recognition, exemption, transfer, closing).
EDITABLE_FIELDS = tuple(
    f
    for f in TRACKED_FIELDS
    if f not in {"cell", "status", "status_since", "closed_on", "closing_decision"}
)
DATE_FIELDS = frozenset(
    {
        "date_of_birth",
        "admission_date",
        "ceremony_date",
        "full_membership_date",
        "status_since",
        "closed_on",
    }
)
FK_FIELDS = frozenset({"cell", "residence_unit"})

CITIZEN_ID_RE = re.compile(r"^\d{12}$")


# --- Normalisation ---------------------------------------------------------------------


def normalize_citizen_id(value: str | None) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def normalize_phone(value: str | None) -> str:
    """'+84 912.345.678', '84912345678', '0912 345 678' → '0912345678'. Returns "" for
    nothing; anything that is not a plausible Vietnamese number is returned digits-only so
    the validator can refuse it with a message."""
    if value is None:
        return ""
    digits = re.sub(r"\D", "", str(value))
    if not digits:
        return ""
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    elif len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def clean_name(value: str | None) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", value or "").split())


# --- Validation ------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def validate_member(member: Member) -> None:
    """Check the whole file; raise one ValidationError with every problem found, each with
    a code (tests and callers read the codes, users read the Vietnamese messages)."""
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    today = _today()
    if not member.full_name:
        add("full_name", _("Enter the member's full name."), "required")
    if member.sex not in Member.Sex.values:
        add("sex", _("Choose male or female."), "required")
    for field in ("date_of_birth", "admission_date", "ceremony_date", "full_membership_date"):
        value = getattr(member, field)
        if value is not None and value > today:
            add(field, _("This date is in the future; check the day, month and year."), "future")
    if member.date_of_birth is None:
        add("date_of_birth", _("Enter the date of birth."), "required")
    if member.admission_date is None:
        add("admission_date", _("Enter the date of the admission decision."), "required")
    if (
        member.date_of_birth
        and member.admission_date
        and member.admission_date <= member.date_of_birth
    ):
        add(
            "admission_date",
            _("The admission date must come after the date of birth."),
            "admission_before_birth",
        )
    if (
        member.admission_date
        and member.full_membership_date
        and member.full_membership_date < member.admission_date
    ):
        add(
            "full_membership_date",
            _("The full-membership date cannot be before the admission date."),
            "full_before_admission",
        )
    if (
        member.admission_date
        and member.ceremony_date
        and member.ceremony_date < member.admission_date
    ):
        add(
            "ceremony_date",
            _("The admission ceremony cannot be before the admission decision."),
            "ceremony_before_admission",
        )
    if member.citizen_id and not CITIZEN_ID_RE.match(member.citizen_id):
        add(
            "citizen_id",
            _("A citizen ID has exactly 12 digits; this one has %(n)s characters.")
            % {"n": len(member.citizen_id)},
            "citizen_id",
        )
    if member.phone and not re.fullmatch(r"0\d{9,10}", member.phone):
        add("phone", _("Enter a Vietnamese phone number, for example 0912 345 678."), "phone")
    if member.status == Member.Status.PROBATIONARY and member.full_membership_date:
        add(
            "full_membership_date",
            _("A probationary member has no full-membership date yet."),
            "probationary_with_full_date",
        )
    if member.cell_id is not None:
        cell = member.cell
        if cell.committee_id != member.committee_id:
            add("cell", _("This cell belongs to another committee."), "cell_other_committee")
        elif cell.kind not in (Unit.Kind.CELL, Unit.Kind.PARTY_GROUP):
            add("cell", _("Members belong to a cell; choose a cell."), "not_a_cell")
    else:
        add("cell", _("Choose the member's cell."), "required")
    if errors:
        raise ValidationError(errors)


def _check_unique(member: Member) -> None:
    others = Member.objects.filter(committee_id=member.committee_id).exclude(pk=member.pk)
    errors = {}
    if member.card_number and others.filter(card_number=member.card_number).exists():
        errors["card_number"] = ValidationError(
            _("Another member of this committee already has this party card number."),
            code="duplicate_card",
        )
    if member.citizen_id and others.filter(citizen_id=member.citizen_id).exists():
        errors["citizen_id"] = ValidationError(
            _("Another member of this committee already has this citizen ID."),
            code="duplicate_citizen_id",
        )
    if errors:
        raise ValidationError(errors)


# --- Permissions -----------------------------------------------------------------------


def may_manage(actor, member: Member) -> bool:
    return access_for(actor).can(
        Action.MEMBERS_MANAGE, committee_id=member.committee_id, unit_path=member.cell.path
    )


def may_manage_in(actor, cell: Unit) -> bool:
    return access_for(actor).can(
        Action.MEMBERS_MANAGE, committee_id=cell.committee_id, unit_path=cell.path
    )


def check_open(member: Member) -> None:
    if member.is_closed or member.status == Member.Status.TRANSFERRED_OUT:
        raise ValidationError(
            _("This record is closed (%(status)s); it can be read but not changed.")
            % {"status": member.get_status_display()},
            code="closed",
        )


# --- Snapshots and history -------------------------------------------------------------


def _json_value(member: Member, field: str) -> Any:
    if field in FK_FIELDS:
        return getattr(member, f"{field}_id")
    value = getattr(member, field)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def snapshot(member: Member) -> dict[str, Any]:
    data = {field: _json_value(member, field) for field in TRACKED_FIELDS}
    data["cell_name"] = member.cell.name if member.cell_id else ""
    return data


def record_revision(
    *,
    actor,
    member: Member,
    kind: str,
    effective_on: dt.date,
    before: dict[str, Any] | None,
    note: str = "",
) -> MemberRevision:
    after = snapshot(member)
    index_object(member)  # every change of a file is recorded here: the search follows it
    changes = {}
    if before is not None:
        changes = {
            k: [before.get(k), v]
            for k, v in after.items()
            if before.get(k) != v and k != "cell_name"
        }
    return MemberRevision.objects.create(
        member=member,
        effective_on=effective_on,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        snapshot=after,
        changes=changes,
        note=note[:255],
    )


def _check_effective(effective_on: dt.date) -> None:
    if effective_on > _today():
        raise ValidationError(
            {
                "effective_on": ValidationError(
                    _("The change cannot take effect on a future date."), code="future"
                )
            }
        )


def _assign(member: Member, data: dict[str, Any], fields) -> None:
    for field, value in data.items():
        if field not in fields:
            raise ValueError(f"{field} cannot be set here")
        if field == "full_name":
            value = clean_name(value)
        elif field == "citizen_id":
            value = normalize_citizen_id(value)
        elif field == "phone":
            value = normalize_phone(value)
        elif isinstance(value, str):
            value = value.strip()
        if field in FK_FIELDS:
            setattr(member, f"{field}_id" if not hasattr(value, "pk") else field, value)
        else:
            setattr(member, field, value)
    member.full_name_folded = fold(member.full_name)


@transaction.atomic
def member_create(
    *,
    actor,
    committee,
    data: dict[str, Any],
    kind: str = MemberRevision.Kind.CREATED,
    check_permission: bool = True,
) -> Member:
    """A new member file. `data` holds model field values (cell as a Unit)."""
    member = Member(committee=committee)
    _assign(member, data, set(TRACKED_FIELDS))
    if not member.status:
        member.status = (
            Member.Status.FULL if member.full_membership_date else Member.Status.PROBATIONARY
        )
    if check_permission:
        if member.cell_id is None or member.cell.committee_id != committee.pk:
            validate_member(member)  # the message says what is wrong with the cell
        if not may_manage_in(actor, member.cell):
            raise PermissionDenied
    validate_member(member)
    _check_unique(member)
    member.status_since = member.status_since or (
        member.full_membership_date or member.ceremony_date or member.admission_date
    )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:  # a concurrent create with the same card or citizen ID
        _check_unique(member)
        raise ValidationError(_("This member already exists."), code="duplicate") from exc
    record_revision(
        actor=actor,
        member=member,
        kind=kind,
        effective_on=member.admission_date,
        before=None,
    )
    audit_record(actor=actor, verb=Verb.CREATE, obj=member)
    return member


@transaction.atomic
def member_update(
    *,
    actor,
    member: Member,
    data: dict[str, Any],
    version: int | None = None,
    effective_on: dt.date | None = None,
    note: str = "",
    kind: str = MemberRevision.Kind.UPDATED,
    check_permission: bool = True,
) -> Member:
    """Edit the file. A stale form (another person saved first) is refused, not merged."""
    locked = Member.objects.select_for_update().select_related("cell").get(pk=member.pk)
    if check_permission and not may_manage(actor, locked):
        raise PermissionDenied
    check_open(locked)
    if version is not None and version != locked.version:
        raise ValidationError(
            _(
                "Someone else changed this file while you were editing it. "
                "Open it again to see their changes, then make yours."
            ),
            code="stale",
        )
    effective_on = effective_on or _today()
    _check_effective(effective_on)
    before = snapshot(locked)
    _assign(locked, data, set(EDITABLE_FIELDS))
    validate_member(locked)
    _check_unique(locked)
    after = snapshot(locked)
    if after == before:
        return locked
    locked.version += 1
    locked.save()
    revision = record_revision(
        actor=actor, member=locked, kind=kind, effective_on=effective_on, before=before, note=note
    )
    audit_record(actor=actor, verb=Verb.UPDATE, obj=locked, changes=revision.changes)
    member.__dict__.update(locked.__dict__)
    return locked


def apply_change(
    *,
    actor,
    member: Member,
    kind: str,
    effective_on: dt.date,
    changes: dict[str, Any],
    note: str = "",
) -> MemberRevision:
    """Set fields the life-cycle services own (status, cell, dates of recognition or
    closing) on a row the caller has locked, and record the dated revision and audit event.
    The caller checks permissions and rules first and runs inside `transaction.atomic`."""
    before = snapshot(member)
    for field, value in changes.items():
        if field not in TRACKED_FIELDS:
            raise ValueError(field)
        setattr(member, field, value)
    member.full_name_folded = fold(member.full_name)
    member.version += 1
    member.save()
    revision = record_revision(
        actor=actor, member=member, kind=kind, effective_on=effective_on, before=before, note=note
    )
    audit_record(actor=actor, verb=Verb.UPDATE, obj=member, changes=revision.changes)
    return revision


def lock_member(member: Member) -> Member:
    return Member.objects.select_for_update().select_related("cell").get(pk=member.pk)


# --- The file on a past date -----------------------------------------------------------


def member_state_on(member: Member, day: dt.date) -> dict[str, Any] | None:
    """The snapshot of the file as it stood on `day` (effective-date order, then recording
    order), or None if the person was not yet a member then. Files created without history
    (bulk loads) fall back to the current state from the admission date on."""
    revision = (
        MemberRevision.objects.filter(member=member, effective_on__lte=day)
        .order_by("-effective_on", "-recorded_at", "-pk")
        .first()
    )
    if revision is not None:
        return revision.snapshot
    if member.admission_date > day:
        return None
    first = MemberRevision.objects.filter(member=member).order_by("effective_on", "pk").first()
    if first is None:
        return snapshot(member)
    if first.kind in (MemberRevision.Kind.CREATED, MemberRevision.Kind.IMPORTED):
        return None
    # A file loaded without history and changed later stood, before its first recorded
    # change, as that change found it.
    before = dict(first.snapshot)
    before.update({field: values[0] for field, values in (first.changes or {}).items()})
    return before


def display_date(value: dt.date | None, precision: str = DatePrecision.DAY) -> str:
    """dd/mm/yyyy, or mm/yyyy or yyyy when only that much is known."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year}"
    if precision == DatePrecision.MONTH:
        return f"{value:%m/%Y}"
    return f"{value:%d/%m/%Y}"
