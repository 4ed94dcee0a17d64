"""Inviting people to a meeting and their answers.

A cell meeting invites the cell's active members (probationary, full, exempt) in one action,
plus guests chosen among the committee's users. A committee meeting invites chosen users,
by default the holders of the positions that sit in it. Invitations go out as in-app
notifications (and e-mail when configured) to those with an account; members without one
are told in person. Invitees answer from the meeting page: attending, or absent with a
reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from capuyso.accounts.models import User
from capuyso.accounts.roles import Role
from capuyso.audit.services import Verb, audit_record
from capuyso.documents.access import holders
from capuyso.meetings.access import may_manage
from capuyso.meetings.models import Invitation, Meeting
from capuyso.meetings.services.attendance import is_cell_meeting, meeting_day, roll_cell
from capuyso.meetings.services.meetings import check_not_held
from capuyso.members.models import Member
from capuyso.notifications.models import Notification
from capuyso.notifications.services import notify

Response = Invitation.Response

# Who sits in a committee-level meeting, by kind (the default choice of invitees).
LEADERS = (Role.COMMITTEE_SECRETARY, Role.COMMITTEE_DEPUTY_SECRETARY, Role.STANDING_MEMBER)
SEATS = {
    Meeting.Kind.EXECUTIVE: (*LEADERS, Role.COMMITTEE_MEMBER),
    Meeting.Kind.STANDING: LEADERS,
    Meeting.Kind.BRIEFING: (*LEADERS, Role.CLERK),
}


def cell_members_to_invite(meeting: Meeting) -> QuerySet[Member]:
    """The members a cell meeting invites: the cell's active members admitted by the day."""
    if not is_cell_meeting(meeting):
        return Member.objects.none()
    return Member.objects.filter(
        committee_id=meeting.committee_id,
        cell_id=roll_cell(meeting).pk,
        status__in=Member.ACTIVE_STATUSES,
        admission_date__lte=meeting_day(meeting),
    ).order_by("full_name_folded", "pk")


def default_users(meeting: Meeting) -> QuerySet[User]:
    """For a committee meeting, the holders of the positions that sit in it today."""
    if is_cell_meeting(meeting):
        return User.objects.none()
    roles = SEATS.get(meeting.kind, LEADERS)
    return holders(meeting.committee_id, roles).order_by("full_name_folded", "pk")


def guest_choices(meeting: Meeting, *, limit: int = 500) -> list[User]:
    """The committee's active users a manager may invite, by name (at most `limit`)."""
    return list(
        User.objects.filter(committee_id=meeting.committee_id, is_active=True)
        .select_related("member")
        .order_by("full_name_folded", "pk")[:limit]
    )


def invitations_of(meeting: Meeting) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(meeting=meeting)
        .select_related("member", "user")
        .order_by("name", "pk")
    )


def invitation_for_user(user, meeting: Meeting) -> Invitation | None:
    """The user's own invitation (as a guest or through their member file)."""
    if not getattr(user, "is_authenticated", False):
        return None
    query = Q(user_id=user.pk)
    if getattr(user, "member_id", None):
        query |= Q(member_id=user.member_id)
    return Invitation.objects.filter(query, meeting=meeting).order_by("pk").first()


@dataclass
class Answers:
    """How many invitees answered what (for the managers' view)."""

    total: int = 0
    attending: int = 0
    absent: int = 0
    pending: int = 0
    without_account: int = 0


def answer_counts(meeting: Meeting) -> Answers:
    """`answers` of the meeting's invitations from two columns per row (the meeting page:
    no Invitation objects, no joins)."""
    counts = Answers()
    for response, user_id in Invitation.objects.filter(meeting=meeting).values_list(
        "response", "user_id"
    ):
        counts.total += 1
        setattr(counts, response, getattr(counts, response) + 1)
        counts.without_account += user_id is None
    return counts


def answers(invitations: Iterable[Invitation]) -> Answers:
    counts = Answers()
    for invitation in invitations:
        counts.total += 1
        setattr(counts, invitation.response, getattr(counts, invitation.response) + 1)
        if invitation.user_id is None:
            counts.without_account += 1
    return counts


# --- Sending ----------------------------------------------------------------------------


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("unit").get(pk=meeting.pk)


def _account(member: Member) -> User | None:
    try:
        user = member.user
    except User.DoesNotExist:
        return None
    return user if user.is_active else None


def _notify(meeting: Meeting, invitations: list[Invitation]) -> int:
    local = timezone.localtime(meeting.starts_at)
    when = f"{local:%H:%M} {formats.date_format(local, 'd/m/Y')}"
    where = meeting.place or _("online")
    title = _("Invitation: %(title)s, %(when)s, %(where)s") % {
        "title": meeting.title,
        "when": when,
        "where": where,
    }
    pending = [i for i in invitations if i.notified_at is None and i.user_id is not None]
    users = [i.user for i in pending if i.user.is_active]
    if not users:
        return 0
    notify(
        users=users,
        kind=Notification.Kind.MEETING_INVITATION,
        title=title,
        url=reverse("meetings:invitation", args=[meeting.code]),
        dedupe_key=f"meeting-invitation:{meeting.code}",
    )
    now = timezone.now()
    active = {u.pk for u in users}
    sent = [i for i in pending if i.user_id in active]
    for invitation in sent:
        invitation.notified_at = now
    Invitation.objects.filter(pk__in=[i.pk for i in sent]).update(notified_at=now, updated_at=now)
    return len(sent)


def _check_users(meeting: Meeting, users: list[User]) -> None:
    for user in users:
        if user.committee_id != meeting.committee_id or not user.is_active:
            raise ValidationError(
                {
                    "users": ValidationError(
                        _("%(name)s cannot be invited: not an active user of this committee.")
                        % {"name": user.get_full_name()},
                        code="user_other_committee",
                    )
                }
            )


@dataclass
class SendResult:
    created: int
    notified: int
    invitations: list[Invitation]


@transaction.atomic
def invitations_send(
    *,
    actor,
    meeting: Meeting,
    members: Iterable[Member] | None = None,
    users: Iterable[User] = (),
) -> SendResult:
    """Invite and notify. For a cell meeting `members` defaults to the cell's active
    members (others are refused); `users` are guests from the committee (for a committee
    meeting, the invitees; a user with a member file is invited with it). Sending again
    adds the newcomers and notifies only those not notified yet. A planned meeting becomes
    'invitations sent'."""
    locked = _locked(meeting)
    if not may_manage(actor, locked):
        raise PermissionDenied
    check_not_held(locked)
    cell_members = {m.pk: m for m in cell_members_to_invite(locked)}
    if members is None:
        members = list(cell_members.values())
    members = list(members)
    stray = [m for m in members if m.pk not in cell_members]
    if stray:
        raise ValidationError(
            {
                "members": ValidationError(
                    _("%(name)s is not an active member of this cell; invite them as a guest.")
                    % {"name": stray[0].full_name},
                    code="not_in_cell",
                )
            }
        )
    users = list(users)
    _check_users(locked, users)
    existing = list(Invitation.objects.filter(meeting=locked).select_related("user", "member"))
    by_member = {i.member_id: i for i in existing if i.member_id}
    by_user = {i.user_id: i for i in existing if i.user_id}
    created: list[Invitation] = []

    def add(*, member: Member | None, user: User | None) -> None:
        found = (by_member.get(member.pk) if member else None) or (
            by_user.get(user.pk) if user else None
        )
        if found is not None:
            changed = []
            if member is not None and found.member_id is None and member.pk not in by_member:
                found.member = member
                by_member[member.pk] = found
                changed.append("member")
            if user is not None and found.user_id is None and user.pk not in by_user:
                found.user = user
                by_user[user.pk] = found
                changed.append("user")
            if changed:
                found.save(update_fields=[*changed, "updated_at"])
            return
        if user is not None and user.pk in by_user:
            user = None
        invitation = Invitation.objects.create(
            meeting=locked,
            member=member,
            user=user,
            name=(member.full_name if member else user.get_full_name())[:120],
        )
        if member is not None:
            by_member[member.pk] = invitation
        if user is not None:
            by_user[user.pk] = invitation
        created.append(invitation)

    for member in members:
        add(member=member, user=_account(member))
    for user in users:
        member = user.member if user.member_id else None
        if member is not None and member.status not in Member.ACTIVE_STATUSES:
            member = None
        if member is not None and is_cell_meeting(locked) and member.pk not in cell_members:
            member = None  # a guest from another cell stays a guest of this meeting
        add(member=member, user=user)
    invitations = list(
        Invitation.objects.filter(meeting=locked).select_related("user", "member").order_by("pk")
    )
    notified = _notify(locked, invitations)
    fields = {"created": len(created), "notified": notified}
    if locked.status == Meeting.Status.PLANNED and invitations:
        locked.status = Meeting.Status.INVITED
        locked.version += 1
        locked.save(update_fields=["status", "version", "updated_at"])
        fields["status"] = [Meeting.Status.PLANNED, Meeting.Status.INVITED]
    if created or notified:
        audit_record(actor=actor, verb=Verb.UPDATE, obj=locked, changes={"invitations": fields})
    return SendResult(created=len(created), notified=notified, invitations=invitations)


# --- Answering --------------------------------------------------------------------------


@transaction.atomic
def invitation_respond(*, actor, meeting: Meeting, response: str, reason: str = "") -> Invitation:
    """The invitee confirms, or declines with a reason. Answering again changes the answer."""
    found = invitation_for_user(actor, meeting)
    if found is None:
        raise PermissionDenied
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    check_not_held(Meeting.objects.get(pk=meeting.pk))
    reason = " ".join((reason or "").split())[:255]
    if response not in (Response.ATTENDING, Response.ABSENT):
        raise ValidationError(
            {"response": ValidationError(_("Say whether you will attend."), code="invalid_choice")}
        )
    if response == Response.ABSENT and not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Give the reason why you cannot attend."), code="reason_required"
                )
            }
        )
    if response == Response.ATTENDING:
        reason = ""
    if (invitation.response, invitation.reason) == (response, reason):
        return invitation
    old = invitation.response
    invitation.response = response
    invitation.reason = reason
    invitation.responded_at = timezone.now()
    taken = Invitation.objects.filter(meeting=meeting, user_id=actor.pk).exists()
    if invitation.user_id is None and not taken:
        invitation.user = actor  # a member who got an account after being invited
    invitation.save(update_fields=["response", "reason", "responded_at", "user", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=meeting,
        changes={"invitation": {invitation.name: [old, response]}, "reason": reason},
    )
    return invitation
