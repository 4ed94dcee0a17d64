"""The documents module's tenant data: types, the issuer directory, templates, registries,
delegations. All of it is data an administrator edits, seeded with the defaults of rules.md.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.services import Verb, audit_record, created, diff, snapshot
from capuyso.core.text import fold
from capuyso.documents.models import (
    Delegation,
    DocumentType,
    DraftTemplate,
    IssuerBody,
    Registry,
)
from capuyso.org.models import Committee, Unit

# (abbreviation, name, cells may issue, official-letter layout) — rules.md §1.
DEFAULT_TYPES = [
    ("NQ", "Nghị quyết", True, False),
    ("QĐ", "Quyết định", True, False),
    ("CT", "Chỉ thị", False, False),
    ("KL", "Kết luận", False, False),
    ("QC", "Quy chế", False, False),
    ("QĐi", "Quy định", False, False),
    ("TT", "Thông tri", False, False),
    ("HD", "Hướng dẫn", False, False),
    ("TB", "Thông báo", False, False),
    ("BC", "Báo cáo", True, False),
    ("KH", "Kế hoạch", True, False),
    ("CTr", "Chương trình", True, False),
    ("CV", "Công văn", True, True),
    ("BB", "Biên bản", True, False),
    ("TTr", "Tờ trình", True, False),
    ("ĐA", "Đề án", True, False),
]

DEFAULT_TEMPLATES = [
    # name, type, summary, capacity, recipients, for cells
    (
        "Kế hoạch của Đảng ủy",
        "KH",
        "",
        "T/M BAN THƯỜNG VỤ",
        "Ban Thường vụ Thành ủy (để báo cáo)\nCác chi bộ trực thuộc (để thực hiện)",
        False,
    ),
    (
        "Công văn của Đảng ủy",
        "CV",
        "",
        "T/M BAN THƯỜNG VỤ",
        "Như trên",
        False,
    ),
    (
        "Thông báo của Ban Thường vụ",
        "TB",
        "",
        "T/M BAN THƯỜNG VỤ",
        "Các chi bộ trực thuộc",
        False,
    ),
    (
        "Báo cáo của Đảng ủy",
        "BC",
        "",
        "T/M ĐẢNG ỦY",
        "Ban Thường vụ Thành ủy (để báo cáo)",
        False,
    ),
    (
        "Nghị quyết của Đảng ủy",
        "NQ",
        "",
        "T/M ĐẢNG ỦY",
        "Các chi bộ trực thuộc (để thực hiện)",
        False,
    ),
    (
        "Báo cáo của chi bộ",
        "BC",
        "",
        "T/M CHI BỘ",
        "Đảng ủy xã (để báo cáo)",
        True,
    ),
    (
        "Nghị quyết của chi bộ",
        "NQ",
        "",
        "T/M CHI BỘ",
        "Đảng ủy xã (để báo cáo)\nĐảng viên trong chi bộ (để thực hiện)",
        True,
    ),
]

TEMPLATE_BODY = "I. MỤC ĐÍCH, YÊU CẦU\n\n…\n\nII. NỘI DUNG\n\n…\n\nIII. TỔ CHỨC THỰC HIỆN\n\n…"


def office_of(committee: Committee) -> Unit:
    """The committee's Office: it runs the committee's registries."""
    office = (
        Unit.objects.filter(committee=committee, kind=Unit.Kind.OFFICE, dissolved_on__isnull=True)
        .order_by("pk")
        .first()
    )
    if office is None:
        raise ValidationError(
            _("This committee has no Office unit; create one under Organisation first.")
        )
    return office


def registry_for(unit: Unit, kind: str) -> Registry:
    """The unit's registry book of `kind`, created with sensible defaults on first use."""
    defaults = {
        "committee_id": unit.committee_id,
        "issuer_abbreviation": "CB" if unit.kind == Unit.Kind.CELL else "ĐU",
        "numbering_scope": Registry.Scope.TERM,
    }
    registry = Registry.objects.filter(unit=unit, kind=kind).first()
    if registry is not None:
        return registry
    try:
        with transaction.atomic():
            return Registry.objects.create(unit=unit, kind=kind, **defaults)
    except IntegrityError:
        return Registry.objects.get(unit=unit, kind=kind)


def executive_body_name(committee: Committee) -> str:
    """How a party organisation signs as an issuer: "Đảng bộ Thành phố Hà Nội" → "Thành ủy
    Hà Nội", "Đảng bộ tỉnh X" → "Tỉnh ủy X", "Đảng bộ xã Y" → "Đảng ủy xã Y"."""
    name = committee.name
    for prefix, replacement in (
        ("Đảng bộ Thành phố ", "Thành ủy "),
        ("Đảng bộ thành phố ", "Thành ủy "),
        ("Đảng bộ tỉnh ", "Tỉnh ủy "),
        ("Đảng bộ Tỉnh ", "Tỉnh ủy "),
        ("Đảng bộ ", "Đảng ủy "),
    ):
        if name.startswith(prefix):
            return replacement + name.removeprefix(prefix)
    return name


def committee_documents_setup(*, committee: Committee) -> None:
    """Seed a new commune committee with the default types, issuers, templates, registries."""
    types = {}
    for order, (abbr, name, cells, letter) in enumerate(DEFAULT_TYPES, start=1):
        types[abbr], _created = DocumentType.objects.get_or_create(
            committee=committee,
            abbreviation=abbr,
            valid_from=None,
            defaults={
                "name": name,
                "cells_may_issue": cells,
                "is_official_letter": letter,
                "sort_order": order,
            },
        )
    commune = committee.name.removeprefix("Đảng bộ ").removeprefix("Đảng ủy ").strip()
    issuers = [(executive_body_name(committee), "ĐU", None)]
    if committee.parent_id:
        parent = committee.parent
        body = executive_body_name(parent)
        issuers += [
            (body, "TU", parent),
            (f"Văn phòng {body}", "VPTU", None),
            (f"Ban Tổ chức {body}", "BTCTU", None),
            (f"Ủy ban Kiểm tra {body}", "UBKTTU", None),
        ]
    issuers += [
        (f"Ủy ban nhân dân {commune}", "UBND", None),
        (f"Hội đồng nhân dân {commune}", "HĐND", None),
        (f"Ủy ban Mặt trận Tổ quốc Việt Nam {commune}", "MTTQ", None),
    ]
    for name, abbr, linked in issuers:
        IssuerBody.objects.get_or_create(
            committee=committee,
            name=name,
            defaults={"abbreviation": abbr, "name_folded": fold(name), "linked_committee": linked},
        )
    for name, abbr, summary, capacity, recipients, for_cells in DEFAULT_TEMPLATES:
        DraftTemplate.objects.get_or_create(
            committee=committee,
            name=name,
            defaults={
                "doc_type": types[abbr],
                "summary": summary,
                "body": TEMPLATE_BODY,
                "signature_capacity": capacity,
                "recipients": recipients,
                "for_cells": for_cells,
            },
        )
    office = Unit.objects.filter(committee=committee, kind=Unit.Kind.OFFICE).first()
    if office is not None:
        registry_for(office, Registry.Kind.INCOMING)
        registry_for(office, Registry.Kind.OUTGOING)


def _require_configure(actor, committee) -> None:
    access = access_for(actor)
    if not (
        access.committee_id == committee.pk and access.committee_wide(Action.DOCUMENTS_CONFIGURE)
    ):
        raise ValidationError(_("You may not change the document settings."))


TYPE_FIELDS = [
    "abbreviation",
    "name",
    "cells_may_issue",
    "sequence_group",
    "is_official_letter",
    "valid_from",
    "valid_until",
    "sort_order",
]


def active_types(committee, *, on: dt.date | None = None, for_cell: bool = False):
    on = on or timezone.localdate()
    types = DocumentType.objects.filter(committee=committee).exclude(valid_from__gt=on)
    types = types.exclude(valid_until__lt=on)
    if for_cell:
        types = types.filter(cells_may_issue=True)
    return types


@transaction.atomic
def doc_type_save(*, actor, committee, doc_type: DocumentType | None = None, **values):
    _require_configure(actor, committee)
    values["abbreviation"] = values.get("abbreviation", "").strip()
    values["name"] = " ".join(values.get("name", "").split())
    if not values["abbreviation"] or not values["name"]:
        raise ValidationError(_("Enter the type's name and abbreviation."))
    if (
        values.get("valid_from")
        and values.get("valid_until")
        and values["valid_until"] < values["valid_from"]
    ):
        raise ValidationError({"valid_until": _("The end date must be after the start date.")})
    clash = DocumentType.objects.filter(
        committee=committee,
        abbreviation=values["abbreviation"],
        valid_from=values.get("valid_from"),
    )
    if doc_type is not None:
        clash = clash.exclude(pk=doc_type.pk)
    if clash.exists():
        raise ValidationError(
            {"abbreviation": _("A type with this abbreviation and start date already exists.")}
        )
    if doc_type is None:
        doc_type = DocumentType.objects.create(committee=committee, **values)
        audit_record(
            actor=actor, verb=Verb.CREATE, obj=doc_type, changes=created(doc_type, TYPE_FIELDS)
        )
        return doc_type
    before = snapshot(doc_type, TYPE_FIELDS)
    for field, value in values.items():
        setattr(doc_type, field, value)
    doc_type.save()
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=doc_type,
        changes=diff(before, snapshot(doc_type, TYPE_FIELDS)),
    )
    return doc_type


ISSUER_FIELDS = ["name", "abbreviation", "is_active"]


@transaction.atomic
def issuer_save(*, actor, committee, issuer: IssuerBody | None = None, **values) -> IssuerBody:
    _require_configure(actor, committee)
    values["name"] = " ".join(values.get("name", "").split())
    values["abbreviation"] = values.get("abbreviation", "").strip()
    if not values["name"]:
        raise ValidationError({"name": _("Enter the body's name.")})
    clash = IssuerBody.objects.filter(committee=committee, name_folded=fold(values["name"]))
    if issuer is not None:
        clash = clash.exclude(pk=issuer.pk)
    if clash.exists():
        raise ValidationError({"name": _("This body is already in the directory.")})
    if issuer is None:
        issuer = IssuerBody.objects.create(
            committee=committee, name_folded=fold(values["name"]), **values
        )
        audit_record(
            actor=actor, verb=Verb.CREATE, obj=issuer, changes=created(issuer, ISSUER_FIELDS)
        )
        return issuer
    before = snapshot(issuer, ISSUER_FIELDS)
    for field, value in values.items():
        setattr(issuer, field, value)
    issuer.name_folded = fold(issuer.name)
    issuer.save()
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=issuer,
        changes=diff(before, snapshot(issuer, ISSUER_FIELDS)),
    )
    return issuer


def issuer_for_platform(*, committee, source_committee, source_unit=None) -> IssuerBody:
    """The directory entry of a body on this platform that sends `committee` a document."""
    if source_unit is not None and source_unit.committee_id == committee.pk:
        issuer = IssuerBody.objects.filter(committee=committee, linked_unit=source_unit).first()
        name = (
            f"Chi bộ {source_unit.name}".replace("Chi bộ Chi bộ", "Chi bộ")
            if source_unit.kind == Unit.Kind.CELL
            else source_unit.name
        )
        abbreviation = "CB" if source_unit.kind == Unit.Kind.CELL else ""
        linked = {"linked_unit": source_unit}
    else:
        issuer = IssuerBody.objects.filter(
            committee=committee, linked_committee=source_committee
        ).first()
        name = executive_body_name(source_committee)
        abbreviation = "ĐU" if source_committee.level == Committee.Level.COMMUNE else "TU"
        linked = {"linked_committee": source_committee}
    if issuer is not None:
        return issuer
    existing = IssuerBody.objects.filter(committee=committee, name_folded=fold(name)).first()
    if existing is not None:
        for field, value in linked.items():
            setattr(existing, field, value)
        existing.save(update_fields=[*linked, "updated_at"])
        return existing
    return IssuerBody.objects.create(
        committee=committee, name=name, name_folded=fold(name), abbreviation=abbreviation, **linked
    )


TEMPLATE_FIELDS = [
    "name",
    "doc_type",
    "summary",
    "body",
    "signature_capacity",
    "recipients",
    "for_cells",
    "is_active",
]


@transaction.atomic
def template_save(
    *, actor, committee, template: DraftTemplate | None = None, **values
) -> DraftTemplate:
    _require_configure(actor, committee)
    values["name"] = " ".join(values.get("name", "").split())
    if not values["name"]:
        raise ValidationError({"name": _("Enter the template's name.")})
    if values["doc_type"].committee_id != committee.pk:
        raise ValidationError({"doc_type": _("Choose a document type of this committee.")})
    if template is None:
        template = DraftTemplate.objects.create(committee=committee, **values)
        audit_record(
            actor=actor, verb=Verb.CREATE, obj=template, changes=created(template, TEMPLATE_FIELDS)
        )
        return template
    before = snapshot(template, TEMPLATE_FIELDS)
    for field, value in values.items():
        setattr(template, field, value)
    template.save()
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=template,
        changes=diff(before, snapshot(template, TEMPLATE_FIELDS)),
    )
    return template


REGISTRY_FIELDS = ["issuer_abbreviation", "numbering_scope"]


@transaction.atomic
def registry_update(
    *, actor, registry: Registry, issuer_abbreviation: str, numbering_scope: str
) -> Registry:
    _require_configure(actor, registry.committee)
    if numbering_scope not in Registry.Scope.values:
        raise ValidationError({"numbering_scope": _("Choose how numbering restarts.")})
    before = snapshot(registry, REGISTRY_FIELDS)
    registry.issuer_abbreviation = issuer_abbreviation.strip()
    registry.numbering_scope = numbering_scope
    registry.save(update_fields=[*REGISTRY_FIELDS, "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=registry,
        changes=diff(before, snapshot(registry, REGISTRY_FIELDS)),
    )
    return registry


DELEGATION_FIELDS = ["grantor", "delegate", "scope", "starts_on", "ends_on", "reason"]


@transaction.atomic
def delegation_create(
    *,
    actor,
    grantor,
    delegate,
    scope: str,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: str = "",
) -> Delegation:
    """A leader (or the administrator for them) lets a deputy act for them for a period."""
    access = access_for(actor)
    if actor.pk != grantor.pk and not access.committee_wide(Action.DOCUMENTS_CONFIGURE):
        raise ValidationError(_("Only the leader themselves or the administrator may delegate."))
    if grantor.committee_id != delegate.committee_id or grantor.committee_id != (
        access.committee_id
    ):
        raise ValidationError(_("Both people must belong to your committee."))
    if grantor.pk == delegate.pk:
        raise ValidationError({"delegate": _("Choose someone other than the leader.")})
    if scope not in Delegation.Scope.values:
        raise ValidationError({"scope": _("Choose what is delegated.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date must be after the start date.")})
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": _("The period has already ended.")})
    needed = (
        Action.DOCUMENTS_DIRECT
        if scope == Delegation.Scope.DIRECTION
        else (Action.DOCUMENTS_APPROVE)
    )
    if not access_for(grantor).committee_wide(needed):
        raise ValidationError({"grantor": _("This person has no such right to delegate.")})
    delegation = Delegation.objects.create(
        committee_id=grantor.committee_id,
        grantor=grantor,
        delegate=delegate,
        scope=scope,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        verb=Verb.CREATE,
        obj=delegation,
        changes=created(delegation, DELEGATION_FIELDS),
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, actor, delegation: Delegation) -> Delegation:
    access = access_for(actor)
    if actor.pk != delegation.grantor_id and not access.committee_wide(Action.DOCUMENTS_CONFIGURE):
        raise ValidationError(_("Only the leader themselves or the administrator may revoke."))
    if delegation.revoked_at is None:
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            obj=delegation,
            changes={"revoked_at": [None, delegation.revoked_at]},
        )
    return delegation


def acting_for(actor, principal, scope: str, *, on: dt.date | None = None) -> bool:
    """True when `actor` holds an active delegation of `scope` from `principal`."""
    from capuyso.documents.access import active_delegations

    return active_delegations(scope, on=on).filter(grantor=principal, delegate=actor).exists()
