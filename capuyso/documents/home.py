"""The documents panel of the home page: what waits on this person, deadlines first."""

from __future__ import annotations

from django.urls import reverse

from capuyso.accounts.permissions import UserAccess
from capuyso.documents.selectors import work_for_user


def documents_panel(user, access: UserAccess):
    if user.committee_id is None:
        return None
    items = work_for_user(user)
    if not items:
        return None
    for item in items:
        prefix, _sep, code = item.url_code.partition(":")
        name = "documents:incoming_detail" if prefix == "in" else "documents:outgoing_detail"
        item.url = reverse(name, args=[code])
    overdue = sum(1 for i in items if i.overdue)
    due_soon = sum(1 for i in items if i.due_soon)
    return {
        "template": "documents/panels/work.html",
        "items": items,
        "overdue": overdue,
        "due_soon": due_soon,
    }
