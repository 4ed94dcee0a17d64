"""Migration 0004: the counting committee's figures are the vote's own fields (ballots
issued and collected, the committee's names), no longer kept in `Vote.result`; a meeting's
resolutions are `MeetingResolution` rows linking the outgoing document to the meeting and
its minutes (the COMMENT event on the document stays). Both data migrations, and what the
pages and the API read from the new fields."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from capuyso.documents.models import DocumentEvent
from capuyso.documents.services import outgoing as out_svc
from capuyso.meetings.models import MeetingResolution, Vote
from capuyso.meetings.services import minutes as minutes_svc
from capuyso.meetings.services import votes as services
from capuyso.meetings.tests.test_resolution import with_resolution
from capuyso.meetings.tests.test_votes import _paper, _vote, room  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module(
    "capuyso.meetings.migrations."
    "0004_vote_ballot_figures_counting_committee_and_meeting_resolutions"
)


@pytest.fixture(autouse=True)
def _html_pdf(settings):
    settings.SIGNING_SOFFICE = "/nonexistent/soffice"


def test_old_figures_in_the_result_move_to_the_fields_and_back(cast, room):  # noqa: F811
    meeting = room["meeting"]
    draft = _vote(cast, meeting, method=Vote.Method.PAPER, question="Bỏ phiếu giấy")
    closed = _vote(cast, meeting, method=Vote.Method.PAPER, question="Đã kiểm phiếu")
    untouched = _vote(cast, meeting, question="Giơ tay")
    # The shape the result had before 0004: figures entered on a draft, and a closed count.
    Vote.objects.filter(pk=draft.pk).update(
        result={"ballots": {"issued": 8, "collected": 7}, "counting_committee": ["Lê A"]}
    )
    Vote.objects.filter(pk=closed.pk).update(
        status=Vote.Status.CLOSED,
        result={
            "passed": True,
            "ballots": {"issued": 8, "collected": 8, "invalid": 1, "valid": 7},
            "counting_committee": ["Lê A", "Trần B"],
        },
    )
    Vote.objects.filter(pk=untouched.pk).update(result={"passed": False, "counts": {"for": 1}})

    MIGRATION.figures_out_of_result(apps, None)

    draft.refresh_from_db()
    assert (draft.ballots_issued, draft.ballots_collected) == (8, 7)
    assert draft.counting_committee_names == ["Lê A"] and draft.result == {}
    closed.refresh_from_db()
    assert (closed.ballots_issued, closed.ballots_collected) == (8, 8)
    assert closed.counting_committee == "Lê A\nTrần B"
    assert closed.result == {"passed": True, "ballots": {"invalid": 1, "valid": 7}}
    untouched.refresh_from_db()
    assert untouched.ballots_issued is None and untouched.counting_committee == ""
    assert untouched.result == {"passed": False, "counts": {"for": 1}}

    MIGRATION.figures_back_into_result(apps, None)
    closed.refresh_from_db()
    assert closed.result["ballots"] == {"invalid": 1, "valid": 7, "issued": 8, "collected": 8}
    assert closed.result["counting_committee"] == ["Lê A", "Trần B"]
    untouched.refresh_from_db()
    assert "ballots" not in untouched.result


def test_a_paper_ballot_keeps_its_figures_in_fields_shown_by_the_page_and_the_api(
    cast,
    room,  # noqa: F811
    client_for,
):
    vote = _paper(cast, _vote(cast, room["meeting"], method=Vote.Method.PAPER))
    assert (vote.ballots_issued, vote.ballots_collected, vote.count_invalid) == (8, 8, 1)
    assert "issued" not in vote.result["ballots"] and "counting_committee" not in vote.result
    page = client_for(cast.member).get(reverse("meetings:vote", args=[vote.code]))
    html = page.content.decode()
    assert "Lê A, Trần B" in html  # the counting committee
    # The same figures sent again to the closed vote change nothing.
    again = _paper(cast, vote)
    assert again.updated_at == vote.updated_at


def test_the_form_offers_the_stored_figures_again(cast, room, client_for):  # noqa: F811
    vote = _vote(cast, room["meeting"], method=Vote.Method.PAPER)
    _paper(cast, vote, close=False)
    form = client_for(cast.cell_secretary).get(reverse("meetings:vote", args=[vote.code]))
    initial = form.context["paper_form"].initial
    assert (initial["issued"], initial["collected"], initial["invalid"]) == (8, 8, 1)
    assert initial["counting_committee"] == "Lê A\nTrần B"


def test_a_resolution_is_linked_to_its_meeting_and_minutes(cast, client_for):
    minutes = with_resolution(cast)
    document = minutes_svc.minutes_resolution_create(actor=cast.cell_secretary, minutes=minutes)
    link = MeetingResolution.objects.get()
    assert (link.meeting, link.minutes, link.document) == (minutes.meeting, minutes, document)
    assert link.created_by == cast.cell_secretary
    # The event on the document stays: its readers see where it came from.
    assert DocumentEvent.objects.filter(
        outgoing=document, kind=DocumentEvent.Kind.COMMENT, data__meeting=str(minutes.meeting.code)
    ).exists()
    # The meeting page shows it: the organisers the draft, the members once issued.
    url = reverse("meetings:detail", args=[minutes.meeting.code])
    manager = client_for(cast.cell_secretary).get(url).content.decode()
    assert reverse("documents:outgoing_detail", args=[document.code]) in manager
    assert 'id="meeting-resolutions"' in manager


def test_the_members_see_the_issued_resolution_on_a_signed_meeting_page(cast, client_for):
    from capuyso.meetings.services import minutes_signing as signing

    minutes = with_resolution(cast)
    document = minutes_svc.minutes_resolution_create(actor=cast.cell_secretary, minutes=minutes)
    minutes = signing.minutes_confirm(actor=cast.cell_secretary, minutes=minutes, confirm=True)
    signing.minutes_confirm(actor=cast.cell_deputy, minutes=minutes, confirm=True)
    url = reverse("meetings:detail", args=[minutes.meeting.code])
    assert 'id="meeting-resolutions"' not in client_for(cast.member).get(url).content.decode()
    out_svc.outgoing_approve(actor=cast.cell_secretary, document=document)
    issued = out_svc.outgoing_issue(actor=cast.cell_secretary, document=document)
    html = client_for(cast.member).get(url).content.decode()
    assert 'id="meeting-resolutions"' in html and issued.reference in html
    assert reverse("documents:outgoing_detail", args=[document.code]) not in html


def test_resolutions_drafted_before_0004_are_linked_from_their_events(cast):
    minutes = with_resolution(cast)
    document = minutes_svc.minutes_resolution_create(actor=cast.cell_secretary, minutes=minutes)
    MeetingResolution.objects.all().delete()  # as before 0004: only the event
    assert minutes_svc.resolution_documents(minutes.meeting) == []

    MIGRATION.resolutions_from_events(apps, None)
    MIGRATION.resolutions_from_events(apps, None)  # running twice links once

    link = MeetingResolution.objects.get()
    assert (link.meeting, link.minutes, link.document) == (minutes.meeting, minutes, document)
    assert link.created_by == cast.cell_secretary
    assert minutes_svc.resolution_documents(minutes.meeting) == [document]
    assert services.ballots_of(Vote(ballots_issued=3, ballots_collected=2)) == {
        "issued": 3,
        "collected": 2,
    }
