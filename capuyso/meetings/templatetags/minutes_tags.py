"""Template tags of the minutes panel on the meeting page: it loads its own data, so the
meeting page only includes meetings/_minutes_panel.html with `meeting` in its context."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from capuyso.meetings import minutes_docx
from capuyso.meetings.access import may_manage
from capuyso.meetings.services import minutes as svc

register = template.Library()


@register.simple_tag
def minutes_panel(meeting, user) -> dict:
    """What the panel shows: the newest version the user may read, whether they may start,
    edit or sign, and the resolutions drafted from the minutes (the organisers' drafts
    too; for the other readers, those issued)."""
    versions = svc.readable_versions(user, meeting)
    current = versions[0] if versions else None
    roles = svc.signer_roles(user, meeting)
    signatures = svc.signatures_of(current) if current else {}
    manage = may_manage(user, meeting)
    resolutions = []
    if current:
        # The organisers follow every draft; the other readers see the issued ones.
        resolutions = svc.resolution_documents(meeting, issued_only=not manage)
    return {
        "current": current,
        "versions": versions,
        "can_manage": manage,
        "may_sign": bool(
            current
            and current.status == current.Status.DRAFT
            and any(role not in signatures for role in roles)
        ),
        "signatures": svc.signature_rows(current),
        "frozen": svc.is_frozen(current) if current else False,
        "resolutions": resolutions,
        "simplified_pdf": minutes_docx.pdf_is_simplified(),
    }


@register.simple_tag
def meeting_url(meeting) -> str:
    """The meeting's own page (owned by the meetings pages), or its minutes page until it
    exists."""
    for name in ("meetings:detail", "meetings:meeting_detail", "meetings:meeting"):
        try:
            return reverse(name, args=[meeting.code])
        except NoReverseMatch:
            continue
    return reverse("meetings:minutes", args=[meeting.code])
