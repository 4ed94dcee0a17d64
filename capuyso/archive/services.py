"""Writes of the archive app (the archive issue adds closing, retention and disposal)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive.models import Dossier
from capuyso.audit.services import Verb, audit_record, created
from capuyso.core.text import fold
from capuyso.search.index import index_object

DOSSIER_FIELDS = ["file_number", "title", "year", "unit"]


@transaction.atomic
def dossier_create(*, actor, file_number: str, title: str, year: int, unit=None) -> Dossier:
    """Open a dossier of the committee's yearly file list (the Office keeps the list)."""
    access = access_for(actor)
    if not access.committee_wide(Action.DOCUMENTS_REGISTER):
        raise PermissionDenied
    file_number = " ".join((file_number or "").split())
    title = " ".join((title or "").split())
    errors = {}
    if not file_number:
        errors["file_number"] = _("Enter the dossier's number in the file list.")
    if not title:
        errors["title"] = _("Enter the dossier's title.")
    if not year or year < 1930 or year > 2100:
        errors["year"] = _("Enter a valid year.")
    if unit is not None and unit.committee_id != access.committee_id:
        errors["unit"] = _("Choose a unit of this committee.")
    if errors:
        raise ValidationError(errors)
    if Dossier.objects.filter(
        committee_id=access.committee_id, year=year, file_number=file_number
    ).exists():
        raise ValidationError(
            {"file_number": _("This number is already used in the file list of that year.")}
        )
    try:
        with transaction.atomic():
            dossier = Dossier.objects.create(
                committee_id=access.committee_id,
                file_number=file_number,
                title=title,
                title_folded=fold(title),
                year=year,
                unit=unit,
                created_by=actor,
            )
    except IntegrityError as exc:  # created by someone else at the same moment
        raise ValidationError(
            {"file_number": _("This number is already used in the file list of that year.")}
        ) from exc
    index_object(dossier)
    audit_record(
        actor=actor, verb=Verb.CREATE, obj=dossier, changes=created(dossier, DOSSIER_FIELDS)
    )
    return dossier
