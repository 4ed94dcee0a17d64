"""The attendance panel of the meeting page: the user's own invitation answer, and for the
meeting's managers the answers, the counts and the quorum (meetings/_attendance_panel.html)."""

from django import template

from capuyso.meetings.access import may_manage
from capuyso.meetings.models import Attendance, Meeting
from capuyso.meetings.services import attendance as attendance_svc
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
        panel["answers"] = invitation_svc.answers(invitation_svc.invitations_of(meeting))
    if can_manage or Attendance.objects.filter(meeting=meeting).exists():
        panel["summary"] = attendance_svc.attendance_summary(meeting)
    return panel
