"""The attendance panel of the meeting page: the user's own invitation answer, and for the
meeting's managers the answers, the counts and the quorum (meetings/_attendance_panel.html).

The counts come from selectors_attendance.attendance_counts (one aggregate query, no roll
of names): the panel shows numbers only. Three or four queries in all."""

from django import template

from capuyso.meetings.access import may_manage
from capuyso.meetings.models import Meeting
from capuyso.meetings.selectors_attendance import attendance_counts
from capuyso.meetings.services import invitations as invitation_svc

register = template.Library()

OVER = (Meeting.Status.CLOSED, Meeting.Status.CANCELLED)


@register.simple_tag(takes_context=True)
def attendance_panel(context, meeting: Meeting) -> dict:
    request = context["request"]
    user = request.user
    can_manage = context.get("can_manage")
    if can_manage is None:
        can_manage = may_manage(user, meeting)
    panel = {
        "can_manage": bool(can_manage),
        "over": meeting.status in OVER,
        "invitation": invitation_svc.invitation_for_user(user, meeting),
        "next": request.get_full_path(),
        "answers": None,
        "summary": None,
    }
    if can_manage:
        panel["answers"] = invitation_svc.answer_counts(meeting)
    counts = attendance_counts(meeting)
    # Members see the counts once attendance is being taken; managers from the start.
    if can_manage or counts.recorded:
        panel["summary"] = counts
    return panel
