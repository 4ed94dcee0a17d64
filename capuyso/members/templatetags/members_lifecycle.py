"""Template tags of the member life cycle: the panel on a member's page and a cell's
vote count (members/_lifecycle_panel.html, members/_quorum.html)."""

from django import template
from django.utils import timezone

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.members import selectors_lifecycle as sel
from capuyso.members.models import Member
from capuyso.members.services.file import may_manage

register = template.Library()


@register.simple_tag(takes_context=True)
def lifecycle_panel(context, member: Member) -> dict:
    """What the member page shows about the life cycle, and which actions the user has."""
    user = context["request"].user
    access = access_for(user)
    today = timezone.localdate()
    is_open = member.is_active
    manage = is_open and may_manage(user, member)
    panel = {
        "today": today,
        "manage": manage,
        "follow_transfers": may_manage(user, member),
        "committee_wide": manage and sel.may_manage_committee(user, member.committee_id),
        "show_quorum": member.is_active
        and access.can(
            Action.MEMBERS_VIEW, committee_id=member.committee_id, unit_path=member.cell.path
        ),
        "probation": None,
        "exemption": None,
        "away": None,
        "pending": None,
    }
    if member.status == Member.Status.PROBATIONARY:
        panel["probation"] = sel.probation_for(member)
        panel["failed_votes"] = len(sel.failed_votes(member))
        panel["refer_upward"] = panel["failed_votes"] >= sel.MAX_RECOGNITION_VOTES
        panel["probation_over"] = panel["probation"].ends_on <= today
        panel["overdue"] = panel["probation"].deadline < today
    if member.status == Member.Status.EXEMPT:
        panel["exemption"] = sel.current_exemption(member, today)
    if is_open or member.status == Member.Status.TRANSFERRED_OUT:
        panel["away"] = sel.current_away(member, today)
        panel["pending"] = sel.pending_transfer(member)
    return panel


@register.simple_tag
def cell_quorum(cell, day=None):
    """The cell's vote denominator today (or on `day`)."""
    return sel.quorum_counts(cell, day)
