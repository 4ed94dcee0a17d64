"""Template tags of the votes: the panel on the meeting page (meetings/_votes_panel.html)
and the arithmetic of a stored result, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.formats import number_format

from capuyso.meetings import access
from capuyso.meetings.models import Meeting, Vote, VoteRule
from capuyso.meetings.services import votes as services

register = template.Library()


@dataclass(frozen=True)
class PanelVote:
    vote: Vote
    visible: bool  # False: a vote on a confidential item the reader may not see
    closed: bool

    @property
    def result(self) -> dict:
        return self.vote.result if self.closed else {}


@register.simple_tag(takes_context=True)
def votes_panel(context, meeting: Meeting) -> dict:
    """The meeting's votes in order, whether each may be shown, and the user's actions.
    Results appear only for closed votes. Two or three queries."""
    user = context["request"].user
    manage = context.get("can_manage")
    if manage is None:
        manage = services.may_manage(user, meeting)
    # Secret ballots have their own panel (_ballots_panel.html).
    votes = context.get("meeting_votes")  # the meeting page loads them once
    if votes is None:
        votes = services.meeting_votes(meeting)
    votes = [vote for vote in votes if vote.method != Vote.Method.SECRET]
    see = confidential_visibility(context, user, meeting, manage)
    rows = [
        PanelVote(
            vote=vote,
            visible=see(vote),
            closed=vote.status == Vote.Status.CLOSED,
        )
        for vote in votes
    ]
    live = meeting.status not in (Meeting.Status.CLOSED, Meeting.Status.CANCELLED)
    return {"votes": rows, "may_add": manage and live}


def confidential_visibility(context, user, meeting: Meeting, manage: bool):
    """A function telling whether a vote may be shown: a vote on a confidential item only
    to those access.may_see_confidential lets see it, asked at most once per page (the
    meeting page puts the answer in its context as `see_confidential`)."""
    known = context.get("see_confidential")

    def visible(vote: Vote) -> bool:
        nonlocal known
        if not (vote.item_id and vote.item.confidential):
            return True
        if known is None:
            known = access.may_see_confidential(user, meeting, manage=manage)
        return known

    return visible


@register.filter
def arithmetic(data) -> str:
    """'6/9 ≥ 2/3 (needs 6)' for an outcome stored in a vote's result."""
    outcome = services.outcome_from(data)
    return outcome.arithmetic if outcome is not None else ""


@register.filter
def elected_names(result) -> list[str]:
    return [row["name"] for row in (result or {}).get("candidates", []) if row.get("elected")]


@register.filter
def base_label(code: str) -> str:
    """The label of a VoteRule base ("full_members", "present", "valid_ballots")."""
    try:
        return str(VoteRule.Base(code).label)
    except ValueError:
        return code or ""


@register.filter
def share(votes, total) -> str:
    """Votes as a percentage of `total`, one decimal in the reader's locale ('57,1%');
    empty when total is 0."""
    try:
        votes, total = int(votes), int(total)
    except (TypeError, ValueError):
        return ""
    if total <= 0:
        return ""
    return f"{number_format(votes * 100 / total, 1)}%"
