"""Writes for the organisation tree: committees, units, groupings, terms."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.core.text import fold
from capuyso.org.models import AdministrativeUnit, Committee, Grouping, Term, Unit

COMMITTEE_AUDIT_FIELDS = [
    "slug",
    "name",
    "executive_name",
    "level",
    "parent",
    "admin_unit",
    "address",
]
UNIT_AUDIT_FIELDS = [
    "kind",
    "cell_kind",
    "name",
    "parent",
    "grouping",
    "address_line",
    "admin_unit",
    "established_on",
    "dissolved_on",
]
TERM_AUDIT_FIELDS = ["unit", "name", "congress", "start_date", "end_date"]

# The organs every commune committee has, created with it.
STANDARD_ORGANS = [
    (Unit.Kind.STANDING_COMMITTEE, "Ban Thường vụ Đảng ủy"),
    (Unit.Kind.OFFICE, "Văn phòng Đảng ủy"),
    (Unit.Kind.INSPECTION_COMMISSION, "Ủy ban Kiểm tra Đảng ủy"),
    (Unit.Kind.PARTY_BUILDING_BOARD, "Ban Xây dựng Đảng"),
]


# Functions other apps register (in their AppConfig.ready) to set up a new commune
# committee's own data, e.g. the documents app's types and registries. Called in order,
# inside committee_create's transaction, after the standard organs exist.
_COMMITTEE_SETUP: list = []


def register_committee_setup(function) -> None:
    if function not in _COMMITTEE_SETUP:
        _COMMITTEE_SETUP.append(function)


@transaction.atomic
def committee_create(
    *,
    actor,
    slug: str,
    name: str,
    executive_name: str = "",
    level: str = Committee.Level.COMMUNE,
    parent: Committee | None = None,
    admin_unit: AdministrativeUnit | None = None,
    address: str = "",
    established_on: dt.date | None = None,
) -> Committee:
    """Create a committee; a commune committee gets its standard organs too."""
    slug = slugify(slug)
    if not slug:
        raise ValidationError(
            {"slug": _("Enter a short name made of letters, digits and hyphens.")}
        )
    if Committee.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("A committee with this short name already exists.")})
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Enter the committee's name.")})
    if parent is not None and parent.level != Committee.Level.CITY:
        raise ValidationError({"parent": _("The superior committee must be a city committee.")})
    committee = Committee.objects.create(
        slug=slug,
        name=name,
        executive_name=executive_name or name.upper(),
        level=level,
        parent=parent,
        admin_unit=admin_unit,
        address=address,
        established_on=established_on,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=committee,
        changes=created(committee, COMMITTEE_AUDIT_FIELDS),
    )
    if level == Committee.Level.COMMUNE:
        for order, (kind, organ_name) in enumerate(STANDARD_ORGANS, start=1):
            unit_create(
                actor=actor, committee=committee, kind=kind, name=organ_name, sort_order=order
            )
        for setup in _COMMITTEE_SETUP:
            setup(committee=committee)
    return committee


def _check_unit_fields(*, committee: Committee, kind: str, cell_kind: str, parent: Unit | None):
    if kind not in Unit.Kind.values:
        raise ValidationError({"kind": _("Unknown unit kind.")})
    if cell_kind and kind not in Unit.PARTY_ORG_KINDS:
        raise ValidationError({"cell_kind": _("Only a cell or sub-committee has a cell kind.")})
    if kind in Unit.PARTY_ORG_KINDS and not cell_kind:
        raise ValidationError({"cell_kind": _("Choose what kind of cell this is.")})
    if parent is None:
        if kind == Unit.Kind.PARTY_GROUP:
            raise ValidationError({"parent": _("A party group belongs to a cell.")})
        return
    if parent.committee_id != committee.pk:
        raise ValidationError({"parent": _("The parent unit belongs to another committee.")})
    if kind == Unit.Kind.PARTY_GROUP and parent.kind != Unit.Kind.CELL:
        raise ValidationError({"parent": _("A party group belongs to a cell.")})
    if kind == Unit.Kind.CELL and parent.kind != Unit.Kind.SUB_COMMITTEE:
        raise ValidationError({"parent": _("A cell can only sit under a sub-committee.")})
    if kind in Unit.ORGAN_KINDS or kind == Unit.Kind.SUB_COMMITTEE:
        raise ValidationError({"parent": _("This kind of unit sits directly under the committee.")})


def _check_unique_name(committee: Committee, name: str, exclude_pk: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Enter the unit's name.")})
    clash = Unit.objects.filter(committee=committee, name__iexact=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": _("Another unit of this committee already has this name.")})
    return name


@transaction.atomic
def unit_create(
    *,
    actor,
    committee: Committee,
    kind: str,
    name: str,
    cell_kind: str = "",
    parent: Unit | None = None,
    grouping: Grouping | None = None,
    address_line: str = "",
    admin_unit: AdministrativeUnit | None = None,
    established_on: dt.date | None = None,
    sort_order: int = 0,
) -> Unit:
    _check_unit_fields(committee=committee, kind=kind, cell_kind=cell_kind, parent=parent)
    name = _check_unique_name(committee, name)
    if grouping is not None and grouping.committee_id != committee.pk:
        raise ValidationError({"grouping": _("The grouping belongs to another committee.")})
    unit = Unit(
        committee=committee,
        kind=kind,
        cell_kind=cell_kind,
        name=name,
        name_folded=fold(name),
        parent=parent,
        grouping=grouping,
        address_line=address_line.strip(),
        admin_unit=admin_unit,
        established_on=established_on,
        sort_order=sort_order,
        path="",
    )
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    audit_record(actor=actor, verb=Verb.CREATE, obj=unit, changes=created(unit, UNIT_AUDIT_FIELDS))
    return unit


@transaction.atomic
def unit_update(*, actor, unit: Unit, version: int | None = None, **values) -> Unit:
    """Edit a unit. `version` is the one the form was loaded with: a stale form is refused."""
    allowed = {
        "name",
        "cell_kind",
        "grouping",
        "address_line",
        "admin_unit",
        "established_on",
        "dissolved_on",
        "sort_order",
    }
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"cannot update {unknown}")
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if version is not None and version != unit.version:
        raise ValidationError(
            _(
                "Someone else changed this unit while you were editing. "
                "Reload the page and try again."
            )
        )
    before = snapshot(unit, UNIT_AUDIT_FIELDS)
    if "name" in values:
        values["name"] = _check_unique_name(unit.committee, values["name"], exclude_pk=unit.pk)
        unit.name_folded = fold(values["name"])
    if "cell_kind" in values:
        _check_unit_fields(
            committee=unit.committee,
            kind=unit.kind,
            cell_kind=values["cell_kind"],
            parent=unit.parent,
        )
    grouping = values.get("grouping")
    if grouping is not None and grouping.committee_id != unit.committee_id:
        raise ValidationError({"grouping": _("The grouping belongs to another committee.")})
    dissolved_on = values.get("dissolved_on")
    if dissolved_on and unit.established_on and dissolved_on < unit.established_on:
        raise ValidationError(
            {"dissolved_on": _("A unit cannot be dissolved before it was established.")}
        )
    for name, value in values.items():
        setattr(unit, name, value)
    changes = diff(before, snapshot(unit, UNIT_AUDIT_FIELDS))
    if changes:
        unit.version += 1
        unit.save()
        audit_record(actor=actor, verb=Verb.UPDATE, obj=unit, changes=changes)
    return unit


@transaction.atomic
def grouping_create(
    *, actor, committee: Committee, name: str, former_admin_unit=None, sort_order: int = 0
) -> Grouping:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Enter the grouping's name.")})
    if Grouping.objects.filter(committee=committee, name__iexact=name).exists():
        raise ValidationError({"name": _("A grouping with this name already exists.")})
    grouping = Grouping.objects.create(
        committee=committee, name=name, former_admin_unit=former_admin_unit, sort_order=sort_order
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=grouping,
        changes=created(grouping, ["name", "former_admin_unit"]),
    )
    return grouping


def _overlapping_terms(committee: Committee, unit: Unit | None, start, end, exclude_pk=None):
    terms = Term.objects.filter(committee=committee, unit=unit)
    if exclude_pk:
        terms = terms.exclude(pk=exclude_pk)
    # Two ranges overlap when each starts before the other ends (open end = forever).
    terms = terms.filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
    if end is not None:
        terms = terms.filter(start_date__lt=end)
    return terms


@transaction.atomic
def term_add(
    *,
    actor,
    committee: Committee,
    name: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    unit: Unit | None = None,
    congress: str = "",
) -> Term:
    """Record a term of office. Terms of the same body never overlap.

    When the previous term is still open and the new one starts after it, the previous
    term is closed the day the new one starts (the congress closes one term, opens the next).
    """
    if unit is not None and unit.committee_id != committee.pk:
        raise ValidationError({"unit": _("The unit belongs to another committee.")})
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Enter the term's name, e.g. 2025–2030.")})
    if end_date is not None and end_date <= start_date:
        raise ValidationError({"end_date": _("The term must end after it starts.")})
    open_term = (
        Term.objects.select_for_update()
        .filter(committee=committee, unit=unit, end_date__isnull=True, start_date__lt=start_date)
        .first()
    )
    if open_term is not None:
        before = snapshot(open_term, TERM_AUDIT_FIELDS)
        open_term.end_date = start_date
        open_term.save(update_fields=["end_date", "updated_at"])
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            obj=open_term,
            changes=diff(before, snapshot(open_term, TERM_AUDIT_FIELDS)),
        )
    if _overlapping_terms(committee, unit, start_date, end_date).exists():
        raise ValidationError(_("This term overlaps another term of the same body."))
    term = Term.objects.create(
        committee=committee,
        unit=unit,
        name=name,
        congress=congress.strip(),
        start_date=start_date,
        end_date=end_date,
    )
    audit_record(actor=actor, verb=Verb.CREATE, obj=term, changes=created(term, TERM_AUDIT_FIELDS))
    return term
