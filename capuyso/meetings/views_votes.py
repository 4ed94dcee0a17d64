"""Pages of a meeting's votes: a new open vote or paper ballot, a new election, the vote
page (counts, by names, the counting committee's figures and minutes, open and close,
the result with its arithmetic) and the next round of an election.

Each view fetches through the vote's or meeting's door (404 outside the committee, 403
without the right), calls one service and redirects with a message; the services decide
and refuse with coded errors shown on the form. Every page works without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capuyso.core.forms import add_service_errors
from capuyso.documents import files as doc_files
from capuyso.meetings.access import get_meeting_for_user, may_manage
from capuyso.meetings.forms_votes import (
    ElectionCountsForm,
    ElectionForm,
    MinutesUploadForm,
    NamesForm,
    OpenCountsForm,
    PaperCountsForm,
    VoteForm,
)
from capuyso.meetings.models import AgendaItem, Meeting, Vote
from capuyso.meetings.rules import rules_in_force
from capuyso.meetings.services import elections as election_services
from capuyso.meetings.services import votes as services


def _to_vote(vote: Vote):
    return redirect("meetings:vote", code=vote.code)


def _item(meeting: Meeting, code: str) -> AgendaItem | None:
    if not code:
        return None
    return meeting.items.filter(code=code).first()


def _closing(request) -> bool:
    return request.POST.get("then") == "close"


def _flash(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- New votes ---------------------------------------------------------------------------


def _create(request, meeting: Meeting, form, template: str, message: str, *, fields):
    """Create the vote the valid form describes (`fields(data)` adds the method's own),
    then go to its page; else the form again with the service's coded errors."""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vote = services.vote_create(
                actor=request.user,
                meeting=meeting,
                question=data["question"],
                item=_item(meeting, data["item"]),
                **fields(data),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return _to_vote(vote)
    return render(request, template, {"meeting": meeting, "form": form})


@login_required
def vote_new(request, code):
    """A new open vote or paper ballot on a question, with its vote type."""
    meeting = get_meeting_for_user(request.user, code, manage=True)
    rules = rules_in_force(meeting.committee_id, services.meeting_day(meeting))
    items = list(meeting.items.order_by("order", "pk"))
    form = VoteForm(request.POST or None, rules=rules, items=items)
    return _create(
        request,
        meeting,
        form,
        "meetings/vote_new.html",
        _("The vote is ready: record the result."),
        fields=lambda data: {"method": data["method"], "rule_code": data["rule_code"]},
    )


@login_required
def election_new(request, code):
    """A new election with its seats and candidates (strike-out ballots counted in the room)."""
    meeting = get_meeting_for_user(request.user, code, manage=True)
    items = list(meeting.items.order_by("order", "pk"))
    form = ElectionForm(request.POST or None, items=items)
    return _create(
        request,
        meeting,
        form,
        "meetings/election_new.html",
        _("The election is ready: enter the count."),
        fields=lambda data: {
            "method": Vote.Method.ELECTION,
            "rule_code": "election",
            "seats": data["seats"],
            "candidates": data["candidates"],
        },
    )


# --- The vote page -----------------------------------------------------------------------


def _paper_initial(vote: Vote) -> dict:
    ballots = services.ballots_of(vote)
    return {
        "issued": ballots["issued"],
        "collected": ballots["collected"],
        "invalid": vote.count_invalid,
        "count_for": vote.count_for,
        "count_against": vote.count_against,
        "counting_committee": vote.counting_committee,
    }


def _vote_context(request, vote: Vote, **forms) -> dict:
    meeting = vote.meeting
    manage = may_manage(request.user, meeting)
    editable = manage and vote.status != Vote.Status.CLOSED
    live = meeting.status != Meeting.Status.CANCELLED
    context = {
        "vote": vote,
        "meeting": meeting,
        "can_manage": manage,
        "can_run": services.may_run(request.user, meeting) and live,
        "editable": editable and live,
        "closed": vote.status == Vote.Status.CLOSED,
        "candidates": list(vote.candidates.all()),
        "next_round": Vote.objects.filter(previous_round=vote).first()
        if vote.method == Vote.Method.ELECTION
        else None,
    }
    if context["editable"]:
        if vote.method == Vote.Method.OPEN:
            context["counts_form"] = forms.get("counts_form") or OpenCountsForm(
                initial={
                    "count_for": vote.count_for,
                    "count_against": vote.count_against,
                    "count_abstain": vote.count_abstain,
                }
            )
        elif vote.method == Vote.Method.PAPER:
            context["paper_form"] = forms.get("paper_form") or PaperCountsForm(
                initial=_paper_initial(vote)
            )
        elif vote.method == Vote.Method.ELECTION:
            initial = _paper_initial(vote)
            initial.update({f"candidate_{c.code}": c.votes for c in context["candidates"]})
            context["election_form"] = forms.get("election_form") or ElectionCountsForm(
                initial=initial, candidates=context["candidates"]
            )
    if manage and live and vote.method != Vote.Method.OPEN:
        context["minutes_form"] = forms.get("minutes_form") or MinutesUploadForm()
    return context


def _template(vote: Vote) -> str:
    return "meetings/election.html" if vote.method == Vote.Method.ELECTION else "meetings/vote.html"


@login_required
def vote_detail(request, code):
    vote = services.get_vote_for_user(request.user, code)
    if vote.method == Vote.Method.SECRET:
        return redirect("meetings:ballot", code=vote.code)  # the secret ballot's own page
    return render(request, _template(vote), _vote_context(request, vote))


def _render_with(request, vote: Vote, **forms):
    return render(request, _template(vote), _vote_context(request, vote, **forms))


def _record(request, vote: Vote, form, form_name: str, message: str, record):
    """Every form posted on the vote page: when valid, `record(data)` calls the service
    and the page comes back with `message`; else (or on the service's coded refusal) the
    vote page again with the form and its errors."""
    if form.is_valid():
        try:
            record(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return _to_vote(vote)
    vote.refresh_from_db()
    return _render_with(request, vote, **{form_name: form})


def _figures(request, data: dict) -> dict:
    return {
        "invalid": data["invalid"],
        "issued": data["issued"],
        "collected": data["collected"],
        "counting_committee": data["counting_committee"],
        "close": _closing(request),
    }


@require_POST
@login_required
def vote_open(request, code):
    vote = services.get_vote_for_user(request.user, code)
    if not services.may_run(request.user, vote.meeting):
        raise PermissionDenied
    try:
        services.vote_open(actor=request.user, vote=vote)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Voting has started."))
    return _to_vote(vote)


@require_POST
@login_required
def vote_close(request, code):
    vote = services.get_vote_for_user(request.user, code)
    if not services.may_run(request.user, vote.meeting):
        raise PermissionDenied
    try:
        services.vote_close(actor=request.user, vote=vote)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("The vote is closed; its result is below."))
    return _to_vote(vote)


@require_POST
@login_required
def vote_counts(request, code):
    """For, against and abstain of an open vote; "then=close" closes it too."""
    vote = services.get_vote_for_user(request.user, code, manage=True)
    form = OpenCountsForm(request.POST)
    return _record(
        request,
        vote,
        form,
        "counts_form",
        _("The counts are recorded."),
        lambda data: services.open_vote_record(
            actor=request.user,
            vote=vote,
            count_for=data["count_for"],
            count_against=data["count_against"],
            count_abstain=data["count_abstain"],
            close=_closing(request),
        ),
    )


@login_required
def vote_names(request, code):
    """An open vote by names: each member present who may vote, for / against / abstain."""
    vote = services.get_vote_for_user(request.user, code, manage=True)
    if vote.method != Vote.Method.OPEN:
        raise Http404
    voters = services.voters_for(vote.meeting)
    form = NamesForm(
        request.POST or None,
        voters=voters.present,
        named=vote.named,
        everyone=request.GET.get("everyone", ""),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.open_vote_record_names(
                actor=request.user, vote=vote, choices=form.choices(), close=_closing(request)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The votes are recorded by name."))
            return _to_vote(vote)
    return render(
        request,
        "meetings/vote_names.html",
        {
            "vote": vote,
            "meeting": vote.meeting,
            "form": form,
            "voters": voters,
            "closed": vote.status == Vote.Status.CLOSED,
        },
    )


@require_POST
@login_required
def vote_paper(request, code):
    """The counting committee's figures for a paper ballot."""
    vote = services.get_vote_for_user(request.user, code, manage=True)
    form = PaperCountsForm(request.POST)
    return _record(
        request,
        vote,
        form,
        "paper_form",
        _("The counting committee's figures are recorded."),
        lambda data: services.paper_vote_record(
            actor=request.user,
            vote=vote,
            count_for=data["count_for"],
            count_against=data["count_against"],
            **_figures(request, data),
        ),
    )


@require_POST
@login_required
def election_count(request, code):
    """The counting committee's figures for an election: votes per candidate and ballots."""
    vote = services.get_vote_for_user(request.user, code, manage=True)
    form = ElectionCountsForm(request.POST, candidates=list(vote.candidates.all()))
    return _record(
        request,
        vote,
        form,
        "election_form",
        _("The counting committee's figures are recorded."),
        lambda data: election_services.election_record(
            actor=request.user,
            vote=vote,
            candidate_votes=form.candidate_votes(),
            **_figures(request, data),
        ),
    )


@require_POST
@login_required
def election_next_round(request, code):
    vote = services.get_vote_for_user(request.user, code, manage=True)
    try:
        new = election_services.election_next_round(actor=request.user, vote=vote)
    except ValidationError as exc:
        _flash(request, exc)
        return _to_vote(vote)
    messages.success(
        request, _("Round %(round)s is ready: enter its count.") % {"round": new.round}
    )
    return _to_vote(new)


# --- The counting committee's minutes ----------------------------------------------------


@require_POST
@login_required
def vote_minutes(request, code):
    vote = services.get_vote_for_user(request.user, code, manage=True)
    form = MinutesUploadForm(request.POST, request.FILES)
    return _record(
        request,
        vote,
        form,
        "minutes_form",
        _("The counting committee's minutes are attached."),
        lambda data: services.counting_minutes_attach(
            actor=request.user, vote=vote, upload=data["file"]
        ),
    )


@login_required
def vote_minutes_file(request, code):
    """The counting committee's minutes: for the organisers, and for every reader of the
    meeting once the vote is closed (it carries the result)."""
    vote = services.get_vote_for_user(request.user, code)
    stored = vote.counting_minutes
    if stored is None:
        raise Http404
    if vote.status != Vote.Status.CLOSED and not may_manage(request.user, vote.meeting):
        raise PermissionDenied
    try:
        data = doc_files.read_verified(stored)
    except FileNotFoundError as exc:
        raise Http404 from exc
    except doc_files.IntegrityError:
        return render(request, "documents/file_damaged.html", {"stored": stored}, status=409)
    inline = stored.content_type == doc_files.PDF
    response = FileResponse(iter([data]), content_type=stored.content_type)
    response["Content-Length"] = str(len(data))
    response["Content-Disposition"] = content_disposition_header(
        not inline or request.GET.get("download") == "1", stored.original_name
    )
    response["Cache-Control"] = "private, no-store"
    return response
