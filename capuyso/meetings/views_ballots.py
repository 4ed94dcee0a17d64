"""Pages of the secret ballots: a new ballot, the ballot page (the voter's phone ballot,
the chair's controls and totals, and after the close the result with its arithmetic and
the counted receipts), open and close.

The voting itself runs in the browser (static/js/ballot.js) against the API
(capuyso/api/ballots.py): the blind signature needs client-side cryptography, so the
phone ballot is the one part that needs JavaScript; without it the page says so. Every
other action is a plain form. Protocol: docs/voting.md.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.core.forms import add_service_errors
from capuyso.meetings.access import get_meeting_for_user, may_manage
from capuyso.meetings.forms_votes import BallotForm
from capuyso.meetings.models import Meeting, Vote
from capuyso.meetings.rules import rules_in_force
from capuyso.meetings.services import ballots as services
from capuyso.meetings.services import votes as vote_services


def _to_ballot(vote: Vote):
    return redirect("meetings:ballot", code=vote.code)


@login_required
def ballot_new(request, code):
    """A new secret ballot of the meeting (its organisers)."""
    meeting = get_meeting_for_user(request.user, code, manage=True)
    rules = rules_in_force(meeting.committee_id, vote_services.meeting_day(meeting))
    items = list(meeting.items.order_by("order", "pk"))
    form = BallotForm(request.POST or None, rules=rules, items=items)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        election = data["kind"] == "election"
        item = meeting.items.filter(code=data["item"]).first() if data["item"] else None
        try:
            vote = services.ballot_create(
                actor=request.user,
                meeting=meeting,
                question=data["question"],
                rule_code="election" if election else data["rule_code"],
                item=item,
                seats=data["seats"] if election else None,
                candidates=data["candidates"] if election else None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The secret ballot is ready. Open it when the meeting votes.")
            )
            return _to_ballot(vote)
    return render(request, "meetings/ballot_new.html", {"meeting": meeting, "form": form})


def _context(request, vote: Vote) -> dict:
    meeting = vote.meeting
    state = services.ballot_state(request.user, vote)
    closed = vote.status == Vote.Status.CLOSED
    live = meeting.status != Meeting.Status.CANCELLED
    key = state.key
    return {
        "vote": vote,
        "meeting": meeting,
        "state": state,
        "closed": closed,
        "can_manage": may_manage(request.user, meeting),
        "can_run": vote_services.may_run(request.user, meeting) and live,
        "may_vote": state.eligible and vote.status == Vote.Status.OPEN,
        "fingerprint": services.receipt_display(key.fingerprint) if key else "",
        "result": vote.result if closed else None,
        "receipts": services.counted_receipts(vote) if closed else [],
        "election": services.is_election(vote),
    }


@login_required
def ballot_detail(request, code):
    """The ballot: the phone ballot for an eligible voter while it is open, the chair's
    controls and totals, and the result once closed."""
    vote = services.get_ballot_for_user(request.user, code)
    context = _context(request, vote)
    if request.htmx and request.GET.get("part") == "totals":
        return render(request, "meetings/ballot.html#totals", context)
    return render(request, "meetings/ballot.html", context)


@require_POST
@login_required
def ballot_open(request, code):
    vote = services.get_ballot_for_user(request.user, code, manage=True)
    try:
        services.ballot_open(actor=request.user, vote=vote)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The ballot is open: members can vote on their phones."))
    return _to_ballot(vote)


@require_POST
@login_required
def ballot_close(request, code):
    vote = services.get_ballot_for_user(request.user, code, manage=True)
    try:
        services.ballot_close(actor=request.user, vote=vote)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The ballot is closed and counted; the result is below."))
    return _to_ballot(vote)
