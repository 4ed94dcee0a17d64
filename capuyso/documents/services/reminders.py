"""Deadline reminders: due-soon and overdue assignments, once per deadline and state."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.documents.models import Assignment, IncomingDocument
from capuyso.documents.services.incoming import _handlers_of, _label
from capuyso.notifications.models import Notification
from capuyso.notifications.services import notify


def deadline_reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Notify the handlers of every open assignment due within DOCUMENT_DUE_SOON_DAYS, and
    the handlers and the leader who gave direction of every overdue one. Safe to run many
    times a day: each (assignment, deadline, state) is notified once."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=settings.DOCUMENT_DUE_SOON_DAYS)
    open_assignments = (
        Assignment.objects.exclude(status=Assignment.Status.DONE)
        .exclude(role=Assignment.Role.FYI)
        .filter(due_date__isnull=False, due_date__lte=soon)
        .filter(document__status__in=IncomingDocument.OPEN_STATUSES)
        .select_related("document", "document__directed_by", "unit", "user")
    )
    counts = {"due_soon": 0, "overdue": 0}
    for assignment in open_assignments.iterator(chunk_size=500):
        document = assignment.document
        url = reverse("documents:incoming_detail", args=[document.code])
        due = assignment.due_date.strftime("%d/%m/%Y")
        if assignment.due_date < today:
            state, kind = "overdue", Notification.Kind.OVERDUE
            title = _("Overdue since %(date)s: %(doc)s") % {"date": due, "doc": _label(document)}
            people = [*_handlers_of(assignment), document.directed_by]
        else:
            state, kind = "due_soon", Notification.Kind.DUE_SOON
            title = _("Due %(date)s: %(doc)s") % {"date": due, "doc": _label(document)}
            people = _handlers_of(assignment)
        created = notify(
            users=people,
            kind=kind,
            title=title,
            url=url,
            dedupe_key=f"{state}:{assignment.code}:{assignment.due_date.isoformat()}",
        )
        counts[state] += len(created)
    return counts
