"""Bỏ phiếu kín trên điện thoại: five members vote on their phones, the chair closes the ballot
and everyone sees the result.

Each member votes in their own phone-sized browser context through the real page and
static/js/ballot.js (RFC 9474 blinding in the browser, the cast sent without cookies). One
phone loses its connection while casting and sends again; one member tries a second
phone and is refused; the chair's key fingerprint is the one every phone shows.
"""

from __future__ import annotations

import re

import pytest
from e2e_helpers import ConsoleWatch, sign_in
from playwright.sync_api import expect

from capuyso.meetings.models import Vote
from capuyso.meetings.models_ballots import Ballot, VoterRoll
from capuyso.meetings.tests.ballot_factories import ballot_scene

CHOICES = ["for", "for", "against", "for", "abstain"]
RECEIPT = re.compile(r"^[0-9A-F]{4}( [0-9A-F]{4}){3}$")


@pytest.fixture
def viewport_name():
    """Every browser context of these journeys is a phone (the chair's too)."""
    return "phone"


class Phone:
    """A member's phone: its own browser context (own cookies and storage), signed in."""

    def __init__(self, new_context, site, user):
        self.context = new_context()
        self.page = self.context.new_page()
        self.console = ConsoleWatch(self.page)
        self.casts = []  # the requests that cast a ballot, to check what they carried
        self.page.on("request", lambda r: self.casts.append(r) if r.url.endswith("/cast") else None)
        sign_in(self.page, site, user)

    def app(self):
        return self.page.locator("#ballot-app")


def test_five_members_vote_on_their_phones_and_the_chair_closes(new_context, page, site, cast):
    scene = ballot_scene(cast, voters=5, extras=False, open_it=False)
    ballot_url = site("meetings:ballot", scene.vote.code)
    page.on("dialog", lambda dialog: dialog.accept())  # "Close the ballot?"

    # The chair opens the ballot from the meeting page and shows the key.
    sign_in(page, site, cast.cell_secretary)
    page.goto(site("meetings:detail", scene.meeting.code))
    page.locator("#ballots").get_by_role("link", name=scene.vote.question).click()
    expect(page).to_have_url(ballot_url)
    page.locator("form[action$='/open/'] button").click()
    fingerprint = page.locator("#ballot-chair .fingerprint-big").inner_text().strip()
    assert RECEIPT.match(fingerprint), fingerprint
    # Back to the meeting page while members vote: the ballot page's live totals poll the
    # server, and the test database (SQLite in memory) cannot take a read and a write at
    # once the way the real database file does.
    page.goto(site("meetings:detail", scene.meeting.code))

    receipts = []
    for index, (user, choice) in enumerate(zip(scene.voters, CHOICES, strict=True)):
        phone = Phone(new_context, site, user)
        phone.page.goto(site("meetings:detail", scene.meeting.code))
        phone.page.locator("#ballots a.button").click()  # "Vote now"
        app = phone.app()
        expect(app.locator("[data-role=choices]")).to_be_visible()
        expect(app.locator("[data-role=fingerprint]")).to_have_text(fingerprint)
        if index == 1:  # this phone loses its connection as it casts
            phone.page.route("**/cast", lambda route: route.abort("internetdisconnected"))
        app.locator(f"button[data-value={choice}]").click()
        app.locator("[data-role=confirm-yes]").click()
        if index == 1:
            retry = app.locator("[data-role=retry]")
            expect(retry).to_be_visible()
            assert not Ballot.objects.filter(vote=scene.vote).count() > index
            phone.page.unroute("**/cast")
            retry.click()
        receipt = app.locator("[data-role=receipt]")
        expect(receipt).to_be_visible()
        receipts.append(receipt.inner_text().strip())
        assert RECEIPT.match(receipts[-1])
        # The cast went out without the session cookie (and so without an identity).
        sent = phone.casts[-1]
        assert "cookie" not in {name.lower() for name in sent.all_headers()}
        assert sent.method == "POST"
        errors = [e for e in phone.console.take() if "ERR_INTERNET_DISCONNECTED" not in e]
        assert errors == []
        phone.context.close()

    # A second phone of a member who already voted gets no second ballot.
    again = Phone(new_context, site, scene.voters[0])
    again.page.goto(ballot_url)
    expect(again.app().locator("[data-role=choices]")).to_be_hidden()
    expect(again.page.locator("main")).to_contain_text(
        re.compile(r"already|đã|another phone|khác", re.IGNORECASE)
    )
    again.context.close()
    assert VoterRoll.objects.filter(vote=scene.vote).count() == 5
    assert Ballot.objects.filter(vote=scene.vote).count() == 5

    # No count before the close: the chair sees totals only.
    page.goto(ballot_url)
    expect(page.locator("#ballot-totals")).to_contain_text("5")
    expect(page.locator("#result")).to_have_count(0)

    page.locator("form[action$='/close/'] button").click()
    result = page.locator("#result")
    expect(result).to_be_visible()
    expect(result).to_contain_text("3/")  # 3 for, with the threshold's arithmetic
    vote = Vote.objects.get(pk=scene.vote.pk)
    assert (vote.count_for, vote.count_against, vote.count_abstain) == (3, 1, 1)
    listed = page.locator("#receipts .receipts li").all_text_contents()
    assert sorted(listed) == sorted(receipts)

    # A member's phone, after the close, finds its receipt among the counted ballots.
    member = Phone(new_context, site, scene.voters[2])
    member.page.goto(ballot_url)
    expect(member.page.locator("#result")).to_be_visible()
    member.context.close()


def test_each_phone_checks_its_own_receipt_after_the_close(new_context, site, cast):
    scene = ballot_scene(cast, voters=1, extras=False)
    phone = Phone(new_context, site, scene.voters[0])
    phone.page.goto(site("meetings:ballot", scene.vote.code))
    app = phone.app()
    app.locator("button[data-value=against]").click()
    app.locator("[data-role=confirm-yes]").click()
    expect(app.locator("[data-role=receipt]")).to_be_visible()
    # The phone forgot the token and the choice, and keeps only the receipt.
    kept = phone.page.evaluate(
        "Object.keys(localStorage).map(k => localStorage.getItem(k)).join(' ')"
    )
    assert '"receipt"' in kept and '"t"' not in kept and "against" not in kept

    from capuyso.meetings.services.ballots import ballot_close

    ballot_close(actor=cast.cell_secretary, vote=scene.vote)
    phone.page.reload()
    check = phone.page.locator("#receipts [data-role=receipt-check]")
    expect(check).to_be_visible()
    expect(check).to_have_class(re.compile("msg-success"))
    assert phone.console.take() == []


def test_an_election_ballot_strikes_out_names_on_the_phone(new_context, site, cast):
    from capuyso.meetings.services.ballots import ballot_close, ballot_create, ballot_open

    scene = ballot_scene(cast, voters=2, extras=False, open_it=False)
    vote = ballot_create(
        actor=cast.cell_secretary,
        meeting=scene.meeting,
        question="Bầu bí thư chi bộ",
        rule_code="election",
        seats=1,
        candidates=["Nguyễn Văn A", "Trần Thị B"],
    )
    ballot_open(actor=cast.cell_secretary, vote=vote)
    for user, struck in zip(scene.voters, ["2", "1"], strict=True):
        phone = Phone(new_context, site, user)
        phone.page.goto(site("meetings:ballot", vote.code))
        names = phone.app().locator("[data-role=names]")
        expect(names).to_be_visible()
        names.locator("[data-role=names-done]").click()  # both names kept: one seat only
        expect(phone.app().locator("[data-role=status]")).to_have_class(re.compile("msg-error"))
        names.locator(f"input[value='{struck}']").uncheck()
        names.locator("[data-role=names-done]").click()
        phone.app().locator("[data-role=confirm-yes]").click()
        expect(phone.app().locator("[data-role=receipt]")).to_be_visible()
        assert phone.console.take() == []
        phone.context.close()

    vote = ballot_close(actor=cast.cell_secretary, vote=vote)
    assert {row["name"]: row["votes"] for row in vote.result["candidates"]} == {
        "Nguyễn Văn A": 1,
        "Trần Thị B": 1,
    }
    assert vote.result["another_round"] is True  # a tie below the majority: round 2
