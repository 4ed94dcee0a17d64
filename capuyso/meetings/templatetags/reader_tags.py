"""The documents panel of the meeting page: the agenda items' documents the user may read
(a confidential item's only for those access.may_see_confidential lets see it), and for
managers how many opened each and the form that attaches one (meetings/_reader_panel.html)."""

from django import template
from django.db.models import Count

from capuyso.meetings.access import may_manage
from capuyso.meetings.models import DocumentOpening, Meeting
from capuyso.meetings.services import reader as reader_svc

register = template.Library()

OVER = (Meeting.Status.CLOSED, Meeting.Status.CANCELLED)


@register.simple_tag(takes_context=True)
def reader_panel(context, meeting: Meeting) -> dict:
    request = context["request"]
    user = request.user
    can_manage = context.get("can_manage")
    if can_manage is None:
        can_manage = may_manage(user, meeting)
    groups = reader_svc.documents_for_user(
        user,
        meeting,
        manage=bool(can_manage),
        see_confidential=context.get("see_confidential"),
        items=context.get("agenda_with_documents"),
    )
    openings = {}
    if can_manage and any(g.documents for g in groups):
        openings = dict(
            DocumentOpening.objects.filter(document__item__meeting=meeting)
            .values_list("document_id")
            .annotate(n=Count("pk"))
        )
    for group in groups:
        for document in group.documents:
            document.opened_by = openings.get(document.pk, 0)
    return {
        "can_manage": bool(can_manage),
        "over": meeting.status in OVER,
        "groups": [g for g in groups if g.documents],
        "has_items": bool(groups),
        "available": reader_svc.renderer() is not None,
        "next": request.get_full_path(),
    }
