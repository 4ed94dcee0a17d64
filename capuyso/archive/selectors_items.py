"""Reads of the archive items pages: every queryset is already limited to the user's
committee and to those who read the committee's documents."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive.models import ArchiveItem, Dossier

LIST_FIELDS_DEFERRED = ("text", "proposed", "ocr_error")
DOSSIER_CHOICES_LIMIT = 300


def items_for_user(user, *, dossier: Dossier | None = None, ocr_status: str = "", query: str = ""):
    """The committee's items, newest first, filtered by dossier, OCR status and name."""
    access = access_for(user)
    if access.committee_id is None or not access.committee_wide(Action.DOCUMENTS_VIEW):
        return ArchiveItem.objects.none()
    items = ArchiveItem.objects.filter(committee_id=access.committee_id)
    if dossier is not None:
        items = items.filter(dossier=dossier)
    if ocr_status:
        items = items.filter(ocr_status=ocr_status)
    query = " ".join(query.split())
    if query:
        items = items.filter(
            Q(source_name__icontains=query)
            | Q(title__icontains=query)
            | Q(reference__icontains=query)
            | Q(source_path__icontains=query)
        )
    return (
        items.select_related("dossier").defer(*LIST_FIELDS_DEFERRED).order_by("-created_at", "-pk")
    )


def get_item_for_user(user, code, *, write: bool = False) -> ArchiveItem:
    """The item, or 404 when it is not of the user's committee; 403 without the right."""
    access = access_for(user)
    try:
        item = ArchiveItem.objects.select_related(
            "dossier", "doc_type", "ingested_by", "metadata_confirmed_by"
        ).get(code=code, committee_id=access.committee_id)
    except (ArchiveItem.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    action = Action.DOCUMENTS_REGISTER if write else Action.DOCUMENTS_VIEW
    if not access.committee_wide(action):
        raise PermissionDenied
    return item


def committee_dossier(user, code) -> Dossier | None:
    """A dossier of the user's committee by its code (a filter or a form value), or None."""
    access = access_for(user)
    if not code or access.committee_id is None:
        return None
    try:
        return Dossier.objects.get(code=code, committee_id=access.committee_id)
    except (Dossier.DoesNotExist, ValueError, ValidationError):
        return None


def dossier_choices(user):
    """Dossiers an item may be filed into (not disposed of), newest year first."""
    access = access_for(user)
    return Dossier.objects.filter(
        committee_id=access.committee_id, disposed_at__isnull=True
    ).order_by("-year", "file_number")[:DOSSIER_CHOICES_LIMIT]


def doc_type_choices(user):
    from capuyso.documents.models import DocumentType

    access = access_for(user)
    return DocumentType.objects.filter(committee_id=access.committee_id).order_by(
        "sort_order", "name"
    )


def find_dossier(committee, value: str) -> Dossier | None:
    """The committee's dossier named by "NUMBER/YEAR" (05/2025) or by its code (a uuid)."""
    value = (value or "").strip()
    dossiers = Dossier.objects.filter(committee=committee)
    try:
        return dossiers.get(code=uuid.UUID(value))
    except (ValueError, Dossier.DoesNotExist):
        pass
    number, slash, year = value.rpartition("/")
    if not slash or not (year.isascii() and year.isdigit() and len(year) == 4):
        return None
    return dossiers.filter(file_number=number.strip(), year=int(year)).first()
