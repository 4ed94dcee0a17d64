"""Who may see and organise which meeting: the one door every view and API goes through.

- Committee-level meetings (Party committee, standing committee, briefings: `unit` empty or
  an organ) are seen by the committee-wide readers (MEETINGS_VIEW over the committee) and by
  every invitee; they are organised by committee-wide MEETINGS_MANAGE.
- Cell meetings are seen by whoever holds MEETINGS_VIEW over the cell (its members, its
  secretaries, the committee) and organised by MEETINGS_MANAGE over the cell.
- Confidential agenda items (their titles, documents, votes, and the minutes that record
  them) are for those who run the meeting and those recorded present at it:
  `may_see_confidential` is the one rule every page, panel and API answer asks.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.meetings.models import AgendaItem, Attendance, Invitation, Meeting
from capuyso.org.selectors import path_filter


def _unit_path(meeting: Meeting) -> str | None:
    return meeting.unit.path if meeting.unit_id else None


def is_invited(user, meeting: Meeting) -> bool:
    query = Q(user_id=user.pk)
    if getattr(user, "member_id", None):
        query |= Q(member_id=user.member_id)
    return Invitation.objects.filter(query, meeting=meeting).exists()


def may_view(user, meeting: Meeting) -> bool:
    access = access_for(user)
    if access.can(
        Action.MEETINGS_VIEW, committee_id=meeting.committee_id, unit_path=_unit_path(meeting)
    ):
        return True
    return meeting.committee_id == access.committee_id and is_invited(user, meeting)


def may_manage(user, meeting: Meeting) -> bool:
    return access_for(user).can(
        Action.MEETINGS_MANAGE, committee_id=meeting.committee_id, unit_path=_unit_path(meeting)
    )


def is_recorded_present(user, meeting: Meeting) -> bool:
    """Is the user's member file recorded present at the meeting?"""
    member_id = getattr(user, "member_id", None)
    if not member_id:
        return False
    return Attendance.objects.filter(
        meeting=meeting, member_id=member_id, status=Attendance.Status.PRESENT
    ).exists()


def may_see_confidential(user, meeting: Meeting, *, manage: bool | None = None) -> bool:
    """May the user see the meeting's confidential agenda items — their titles, presenters
    and notes, their documents, the votes on them and minutes that record them?

    Yes for those who run the meeting: its organisers (MEETINGS_MANAGE, who take the
    attendance) and its chair and secretary; and for the members recorded present. Nobody
    else, whatever else they may see of the meeting. `manage`: `may_manage(user, meeting)`
    when the caller already knows it (one query less). Callers that ask several times for
    one page keep the answer (the meeting page passes it to its panels as
    `see_confidential`)."""
    if manage is None:
        manage = may_manage(user, meeting)
    if manage:
        return True
    if user.pk is not None and user.pk in (meeting.chair_id, meeting.secretary_id):
        return True
    return is_recorded_present(user, meeting)


def has_confidential_items(meeting: Meeting) -> bool:
    return AgendaItem.objects.filter(meeting=meeting, confidential=True).exists()


def may_manage_unit(user, committee, unit) -> bool:
    """May the user organise meetings held by `unit` (None: the committee itself)?"""
    return access_for(user).can(
        Action.MEETINGS_MANAGE,
        committee_id=committee.pk,
        unit_path=unit.path if unit is not None else None,
    )


def get_meeting_for_user(user, code, *, manage: bool = False) -> Meeting:
    """The meeting, or 404 outside the user's committee / 403 without the right."""
    access = access_for(user)
    try:
        meeting = Meeting.objects.select_related("unit", "chair", "secretary").get(
            code=code, committee_id=access.committee_id
        )
    except (Meeting.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    allowed = may_manage(user, meeting) if manage else may_view(user, meeting)
    if not allowed:
        raise PermissionDenied
    return meeting


def meetings_for_user(user) -> QuerySet[Meeting]:
    """Every meeting the user may see: by their view scope, plus those they are invited to."""
    access = access_for(user)
    if access.committee_id is None:
        return Meeting.objects.none()
    meetings = Meeting.objects.filter(committee_id=access.committee_id)
    invited = Q(invitations__user_id=user.pk)
    if getattr(user, "member_id", None):
        invited |= Q(invitations__member_id=user.member_id)
    if access.committee_wide(Action.MEETINGS_VIEW):
        return meetings.select_related("unit")
    paths = access.unit_paths(Action.MEETINGS_VIEW)
    scope = path_filter(paths, "unit__path") if paths else Q(pk__in=[])
    visible = Meeting.objects.filter(committee_id=access.committee_id).filter(scope | invited)
    return meetings.filter(pk__in=visible.values("pk")).select_related("unit")
