"""Writes on archive items: a person confirms the metadata proposed from the text, and
files the item into a dossier. (Intake itself is capuyso.archive.ingest.)"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive.ingest import check_dossier
from capuyso.archive.models import ArchiveItem, Dossier
from capuyso.audit.services import Verb, audit_record, diff, snapshot
from capuyso.search.index import index_object

METADATA_FIELDS = [
    "title",
    "reference",
    "document_date",
    "issuer_name",
    "doc_type",
    "year",
    "dossier",
]
LENGTHS = {"title": 500, "reference": 80, "issuer_name": 255}


def _require_register(actor, item: ArchiveItem) -> None:
    access = access_for(actor)
    if access.committee_id != item.committee_id or not access.committee_wide(
        Action.DOCUMENTS_REGISTER
    ):
        raise PermissionDenied


def _clean_reference(value: str) -> str:
    value = " ".join((value or "").split())
    for prefix in ("Số:", "số:", "Số", "số"):
        if value.startswith(prefix + " ") or value.startswith(prefix + ":"):
            value = value.removeprefix(prefix).lstrip(" :")
            break
    return value


@transaction.atomic
def _check_not_disposed(item: ArchiveItem) -> None:
    if item.disposed_at is not None:
        raise ValidationError(
            _("This item was disposed of with its dossier; its record can no longer change."),
            code="disposed",
        )


def item_confirm_metadata(
    *,
    actor,
    item: ArchiveItem,
    title: str,
    reference: str = "",
    document_date: dt.date | None = None,
    issuer_name: str = "",
    doc_type=None,
    year: int | None = None,
    dossier: Dossier | None = None,
) -> ArchiveItem:
    """Record the metadata a person checked (from the proposals or typed), who and when,
    and file the item into `dossier` (None: not filed). The year defaults to the
    document date's."""
    _require_register(actor, item)
    item = ArchiveItem.objects.select_for_update().get(pk=item.pk)
    _check_not_disposed(item)
    values = {
        "title": " ".join((title or "").split()),
        "reference": _clean_reference(reference),
        "issuer_name": " ".join((issuer_name or "").split()),
        "document_date": document_date,
        "doc_type": doc_type,
        "year": year or (document_date.year if document_date else None),
        "dossier": dossier,
    }
    errors: dict[str, ValidationError] = {}
    if not values["title"]:
        errors["title"] = ValidationError(_("Enter the item's title."), code="required")
    for name, limit in LENGTHS.items():
        if len(values[name]) > limit:
            errors[name] = ValidationError(
                _("At most %(limit)s characters.") % {"limit": limit}, code="too_long"
            )
    today = timezone.localdate()
    if document_date is not None and not (dt.date(1930, 1, 1) <= document_date <= today):
        errors["document_date"] = ValidationError(
            _("Enter a date between 1930 and today."), code="date_range"
        )
    if year is not None and not 1930 <= year <= today.year:  # (a date's own year is checked)
        errors["year"] = ValidationError(
            _("Enter a year between 1930 and this year."), code="year_range"
        )
    if doc_type is not None and doc_type.committee_id != item.committee_id:
        errors["doc_type"] = ValidationError(
            _("Choose a document type of this committee."), code="foreign_doc_type"
        )
    if dossier is not None and dossier.pk != item.dossier_id:
        try:
            check_dossier(dossier, item.committee)
        except ValidationError as exc:
            errors["dossier"] = exc.error_dict["dossier"][0]
    if errors:
        raise ValidationError(errors)

    before = snapshot(item, METADATA_FIELDS)
    for name, value in values.items():
        setattr(item, name, value)
    item.metadata_confirmed_at = timezone.now()
    item.metadata_confirmed_by = actor
    item.save(
        update_fields=[*METADATA_FIELDS, "metadata_confirmed_at", "metadata_confirmed_by"]
        + ["updated_at"]
    )
    changes = diff(before, snapshot(item, METADATA_FIELDS))
    changes["metadata_confirmed"] = [None, True]
    audit_record(actor=actor, verb=Verb.UPDATE, obj=item, changes=changes)
    index_object(item)
    return item


@transaction.atomic
def item_file(*, actor, item: ArchiveItem, dossier: Dossier | None) -> ArchiveItem:
    """File the item into `dossier`, or take it out of its dossier (None)."""
    _require_register(actor, item)
    item = ArchiveItem.objects.select_for_update().get(pk=item.pk)
    if dossier is not None and dossier.pk != item.dossier_id:
        check_dossier(dossier, item.committee)
    if (dossier.pk if dossier else None) == item.dossier_id:
        return item
    before = snapshot(item, ["dossier"])
    item.dossier = dossier
    item.save(update_fields=["dossier", "updated_at"])
    audit_record(
        actor=actor, verb=Verb.UPDATE, obj=item, changes=diff(before, snapshot(item, ["dossier"]))
    )
    index_object(item)
    return item
