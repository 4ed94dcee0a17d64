from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.audit.models import AuditEvent


def audit_events_for_user(
    user,
    *,
    actor_code: str = "",
    object_query: str = "",
    object_id: str = "",
    verb: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """The committee's audit trail, for leaders and inspectors, filtered."""
    access = access_for(user)
    if access.committee_id is None or not access.committee_wide(Action.AUDIT_VIEW):
        raise PermissionDenied
    events = AuditEvent.objects.filter(committee_id=access.committee_id)
    if actor_code:
        events = events.filter(actor__code=actor_code)
    if object_id:
        events = events.filter(object_id=object_id)
    if object_query:
        events = events.filter(object_label__icontains=object_query)
    if verb:
        events = events.filter(verb=verb)
    if date_from:
        events = events.filter(created_at__date__gte=date_from)
    if date_to:
        events = events.filter(created_at__date__lte=date_to)
    return events.order_by("-created_at", "-id")
