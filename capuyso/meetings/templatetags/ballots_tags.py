"""Template tags of the secret ballots: the meeting page's panel
(meetings/_ballots_panel.html) and the phone ballot's messages for ballot.js."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from capuyso.meetings.access import may_manage
from capuyso.meetings.models import Meeting, Vote
from capuyso.meetings.services import ballots as services
from capuyso.meetings.templatetags.votes_tags import confidential_visibility

register = template.Library()


@register.simple_tag(takes_context=True)
def ballots_panel(context, meeting: Meeting) -> dict:
    """The meeting's secret ballots, whether the user may vote in the open ones, and
    whether they may add ballots. Three queries, plus the roll for an open ballot."""
    user = context["request"].user
    manage = context.get("can_manage")
    if manage is None:
        manage = may_manage(user, meeting)
    votes = context.get("meeting_votes")  # the meeting page loads them once
    if votes is None:
        ballots = list(services.secret_ballots_of(meeting))
    else:
        ballots = [vote for vote in votes if vote.method == Vote.Method.SECRET]
    see = confidential_visibility(context, user, meeting, manage)
    rows = []
    eligible = None
    for vote in ballots:
        visible = see(vote)
        if vote.status == Vote.Status.OPEN and eligible is None:
            eligible = services.is_eligible(user, vote)
        rows.append(
            {
                "vote": vote,
                "visible": visible,
                "closed": vote.status == Vote.Status.CLOSED,
                "may_vote": visible and vote.status == Vote.Status.OPEN and bool(eligible),
                "result": vote.result if vote.status == Vote.Status.CLOSED else {},
            }
        )
    live = meeting.status not in (Meeting.Status.CLOSED, Meeting.Status.CANCELLED)
    return {"ballots": rows, "may_add": manage and live}


@register.simple_tag
def ballot_strings() -> dict:
    """Everything ballot.js says, in the reader's language (json_script on the page)."""
    return {
        "unsupported": _(
            "This browser cannot vote secretly: it lacks the cryptography the ballot needs. "
            "Update the browser (Chrome, Firefox or Safari from 2020 on) or use another phone."
        ),
        "insecure": _(
            "A secret ballot needs a secure connection (an address starting with https://). "
            "Ask the administrator to turn on HTTPS; until then, vote on paper."
        ),
        "closed": _("Voting has ended: the chair closed the ballot."),
        "not_open": _("Voting has not started yet. Reload this page when the chair opens it."),
        "confirm": _("You chose: %(choice)s. Cast this ballot?"),
        "confirm_names": _("You keep %(count)s name(s): %(names)s. Cast this ballot?"),
        "none_kept": _("every name struck out"),
        "too_many": _("Keep at most %(seats)s names."),
        "signing": _("Taking your ballot…"),
        "casting": _("Casting your ballot…"),
        "cast": _("Your ballot was received. Nobody can see what you chose."),
        "already_cast": _("Your ballot had already been received; it is counted once."),
        "offline": _("The connection was lost. Your choice is kept on this phone: try again."),
        "resume": _("Your ballot was not sent yet. Sending it again…"),
        "other_device": _(
            "A ballot was already issued to you on another phone or browser. Vote there."
        ),
        "key_mismatch": _(
            "This phone received a different key from the one announced. Do not vote: tell "
            "the chair and the counting committee."
        ),
        "error": _("The ballot could not be sent. Try again, or tell the chair."),
        "counted": _("Your ballot (receipt %(receipt)s) is in the list of counted ballots."),
        "not_counted": _(
            "Your receipt %(receipt)s is NOT in the list of counted ballots. Tell the counting "
            "committee at once."
        ),
    }


@register.filter
def receipt_short(receipt: str) -> str:
    """'1A2B 3C4D 5E6F 7A8B': the receipt's first 16 hex digits, as the phone shows it."""
    return services.receipt_display(receipt or "")
