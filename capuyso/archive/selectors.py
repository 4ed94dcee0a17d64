from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive.models import Dossier
from capuyso.core.text import fold


def dossiers_for_user(user, *, year: int | None = None, query: str = ""):
    """The committee's dossiers, for those who read the committee's documents."""
    access = access_for(user)
    if access.committee_id is None or not access.committee_wide(Action.DOCUMENTS_VIEW):
        return Dossier.objects.none()
    dossiers = Dossier.objects.filter(committee_id=access.committee_id).select_related("unit")
    if year:
        dossiers = dossiers.filter(year=year)
    if query:
        dossiers = dossiers.filter(title_folded__contains=fold(query))
    return dossiers.order_by("-year", "file_number")


def get_dossier_for_user(user, code) -> Dossier:
    access = access_for(user)
    try:
        dossier = Dossier.objects.select_related("unit").get(
            code=code, committee_id=access.committee_id
        )
    except (Dossier.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not access.committee_wide(Action.DOCUMENTS_VIEW):
        raise PermissionDenied
    return dossier


def dossier_documents(dossier: Dossier):
    return dossier.incoming_documents.select_related("doc_type").order_by("received_at")


def dossier_units(user):
    from capuyso.org.models import Unit

    access = access_for(user)
    return Unit.objects.filter(
        committee_id=access.committee_id, dissolved_on__isnull=True
    ).order_by("kind", "sort_order", "name")
