from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.archive.models import ArchiveItem, Dossier, RetentionPeriod
from capuyso.core.text import fold

STATE_OPEN = "open"
STATE_CLOSED = "closed"
STATE_DISPOSED = "disposed"
ITEMS_SHOWN = 100  # archive items listed on a dossier's page


def dossiers_for_user(user, *, year: int | None = None, query: str = "", state: str = ""):
    """The committee's dossiers, for those who read the committee's documents."""
    access = access_for(user)
    if access.committee_id is None or not access.committee_wide(Action.DOCUMENTS_VIEW):
        return Dossier.objects.none()
    dossiers = Dossier.objects.filter(committee_id=access.committee_id).select_related(
        "unit", "retention"
    )
    if year:
        dossiers = dossiers.filter(year=year)
    if query:
        dossiers = dossiers.filter(title_folded__contains=fold(query))
    if state == STATE_OPEN:
        dossiers = dossiers.filter(closed_at__isnull=True)
    elif state == STATE_CLOSED:
        dossiers = dossiers.filter(closed_at__isnull=False, disposed_at__isnull=True)
    elif state == STATE_DISPOSED:
        dossiers = dossiers.filter(disposed_at__isnull=False)
    return dossiers.order_by("-year", "file_number")


def get_dossier_for_user(user, code, *, action: str = Action.DOCUMENTS_VIEW) -> Dossier:
    """The dossier of the user's committee (404 otherwise), if the user holds `action`
    over the whole committee (403 otherwise)."""
    access = access_for(user)
    try:
        dossier = Dossier.objects.select_related("unit", "retention", "closed_by").get(
            code=code, committee_id=access.committee_id
        )
    except (Dossier.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if not access.committee_wide(action):
        raise PermissionDenied
    return dossier


def dossier_documents(dossier: Dossier):
    return dossier.incoming_documents.select_related("doc_type").order_by("received_at")


def dossier_items(dossier: Dossier):
    """The archive items filed into the dossier, in the order they were taken in."""
    return (
        ArchiveItem.objects.filter(committee_id=dossier.committee_id, dossier=dossier)
        .select_related("doc_type")
        .order_by("created_at", "pk")
    )


def dossier_decisions(dossier: Dossier):
    return dossier.disposal_decisions.select_related("decided_by").order_by("-created_at", "-pk")


def dossier_rights(user) -> dict[str, bool]:
    access = access_for(user)
    return {
        "can_register": access.committee_wide(Action.DOCUMENTS_REGISTER),
        "can_decide": access.committee_wide(Action.DOCUMENTS_APPROVE),
    }


def dossier_units(user):
    from capuyso.org.models import Unit

    access = access_for(user)
    return Unit.objects.filter(
        committee_id=access.committee_id, dissolved_on__isnull=True
    ).order_by("kind", "sort_order", "name")


def retention_choices(committee_id: int | None, *, current: RetentionPeriod | None = None):
    """The periods a dossier of the committee may be given: the default list and the
    committee's own, those in use (and the dossier's present one, even if retired)."""
    wanted = Q(committee__isnull=True) | Q(committee_id=committee_id)
    in_use = Q(active=True)
    if current is not None:
        in_use |= Q(pk=current.pk)
    return RetentionPeriod.objects.filter(wanted & in_use).order_by("sort_order", "years", "name")
