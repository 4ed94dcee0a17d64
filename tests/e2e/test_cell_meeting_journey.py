"""Sinh hoạt chi bộ: a whole cell meeting, from the invitation to the minutes.

The cell (Chi bộ thôn Đồng Cát) has six full members; five have an account and vote on their
phones, the sixth has none and is away on the day.

1. At the desk, the cell secretary plans the month's meeting (chair: themself, secretary of
   the meeting: the deputy), adds an agenda item, attaches its two-page PDF, adds a
   confidential item and invites the cell: six invitations, five notifications (the
   member without an account is told in person).
2. A member opens the notification on their phone and answers that they will attend; the
   meeting page does not show them the confidential item before they are recorded present.
3. On their phone the secretary opens the meeting and takes attendance, one tap per member:
   five present, one absent with a reason; the counts and the quorum follow each tap.
4. The member, now recorded present, sees the confidential item and reads the agenda
   document in the on-screen reader: page images only, no PDF and no download; the opening
   is recorded.
5. The secretary records an open vote (raised cards: for, against, abstain) and closes it;
   the result shows its arithmetic.
6. A secret ballot: the chair opens it and shows the key; the five members present vote on
   their own phones through the real page (static/js/ballot.js); the chair closes it, and
   the result and the counted receipts match what the phones did.
7. Back at the desk the secretary closes the meeting, drafts the minutes from it, adds the
   members' opinions and downloads the DOCX, which carries the attendance counts and both
   votes.

Everyone works in their own browser context. Fields are found by `name`, buttons by their
form's `action` and results by ids and data attributes, never by label text: the catalogues
are being translated. Only the figures (counts, arithmetic) and the Vietnamese minutes text
(the Party's own wording, not a translation) are matched.
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from e2e_helpers import (
    SUBMIT,
    ConsoleWatch,
    enter_otp,
    fill_login_form,
    has_totp_device,
    horizontal_overflow,
    main_nav,
    totp_code,
)
from playwright.sync_api import expect

from capuyso.core.testing import PASSWORD, make_member
from capuyso.meetings.models import (
    AgendaItem,
    Attendance,
    DocumentOpening,
    Invitation,
    Meeting,
    MeetingDocument,
    Minutes,
    Vote,
)
from capuyso.meetings.models_ballots import Ballot, VoterRoll
from capuyso.meetings.rules import evaluate, vote_rule_on
from capuyso.meetings.tests.ballot_factories import voter
from capuyso.notifications.models import Notification

DESK = {"viewport": {"width": 1366, "height": 768}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}

TITLE = "Sinh hoạt chi bộ thường kỳ tháng 11"
PLACE = "Nhà văn hóa thôn Đồng Cát"
ITEM = "Nghị quyết làm đường bê tông liên xóm"
CONFIDENTIAL_ITEM = "Nhận xét đảng viên dự bị Trần Văn An"
DOCUMENT = "Dự thảo nghị quyết tháng 11"
VOTERS = [
    ("Lê Thị Bích", "dv-bich"),
    ("Phạm Văn Cường", "dv-cuong"),
    ("Vũ Thị Dung", "dv-dung"),
    ("Đỗ Văn Em", "dv-em"),
    ("Trần Văn An", "dv-an"),
]
ABSENT = "Ngô Thị Giang"  # no account: told in person, away on the day
REASON = "Đi công tác tỉnh"
OPEN_QUESTION = "Thông qua nghị quyết làm đường bê tông liên xóm"
OPEN_COUNTS = {"count_for": 4, "count_against": 1, "count_abstain": 0}
SECRET_QUESTION = "Giới thiệu đồng chí Trần Văn An làm Chi hội trưởng Chi hội Nông dân"
SECRET_CHOICES = ["for", "for", "against", "for", "abstain"]  # one per voter, in order
OPINIONS = "Đồng chí Phạm Văn Cường đề nghị làm xong đoạn qua xóm Chùa trước Tết."
RECEIPT = re.compile(r"^[0-9A-F]{4}( [0-9A-F]{4}){3}$")


@pytest.fixture
def browser_context_args(browser_context_args):
    """No screen size for every context: each person's context gets the desk or the phone."""
    args = dict(browser_context_args)
    for key in (*DESK, *PHONE):
        args.pop(key, None)
    return args


def agenda_pdf() -> bytes:
    """A real two-page PDF (WeasyPrint, as the documents tests make theirs)."""
    from weasyprint import HTML

    return HTML(
        string=(
            f"<h1>{DOCUMENT}</h1><p style='page-break-after: always'>Chi bộ thôn Đồng Cát</p>"
            "<p>Điều 1. Làm 1,2 km đường bê tông liên xóm.</p>"
        )
    ).write_pdf()


def next_totp_code(user) -> str:
    """The code the authenticator app shows next (the next 30-second step). Signing in a
    second time within the same step would reuse a code, which django-otp refuses."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    code = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + 1,
    )
    return f"{code:0{device.digits}d}"


def arithmetic(committee, rule_code: str, votes: int, base: int) -> str:
    """The threshold arithmetic as the page writes it (the Vietnamese catalogue)."""
    rule = vote_rule_on(committee, rule_code, timezone.localdate())
    with translation.override("vi"):
        return evaluate(rule, votes=votes, base=base).arithmetic


class Person:
    """One user on one device (their own browser context), signed in through the form."""

    def __init__(self, new_context, site, user, screen: dict, *, otp=totp_code):
        self.user = user
        self.site = site
        self.context = new_context(**screen)
        self.page = self.context.new_page()
        self.console = ConsoleWatch(self.page)
        fill_login_form(self.page, site, user.username, PASSWORD)
        if has_totp_device(user):
            enter_otp(self.page, otp(user))
        expect(self.page).to_have_url(site("core:home"))

    def open(self, url: str) -> None:
        response = self.page.goto(self.site(url))
        assert response is not None and response.status == 200, url

    def form(self, url: str):
        """The form that posts to `url` (a path): each action has its own form."""
        return self.page.locator(f"form[action='{url}']")

    def post(self, url: str) -> None:
        """Press the submit button of the form posting to `url`; wait for the next page."""
        with self.page.expect_navigation():
            self.form(url).locator(SUBMIT).first.click()

    def follow(self, scope: str, url: str) -> None:
        """Follow the link to `url` (a path) inside `scope` (a CSS selector)."""
        with self.page.expect_navigation():
            self.page.locator(f"{scope} a[href='{url}']").first.click()
        expect(self.page).to_have_url(self.site(url))

    def assert_fits(self) -> None:
        """The page is no wider than the screen (no sideways scrolling on a phone)."""
        assert horizontal_overflow(self.page) == 0, self.page.url

    def assert_clean(self) -> None:
        assert self.console.take() == [], self.user.username


def submit(page, field) -> None:
    """Press the submit button of the form holding `field`; wait for the next page."""
    with page.expect_navigation():
        page.locator("form", has=field).locator(SUBMIT).first.click()


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def test_a_whole_cell_meeting(new_context, site, cast):
    voters = [voter(cast, name, username) for name, username in VOTERS]
    absent = make_member(cast.committee, cast.cell, ABSENT)
    members = [user.member for user in voters]
    today = timezone.localdate()

    # 1. At the desk: plan the meeting, its agenda and document, and invite the cell.
    desk = Person(new_context, site, cast.cell_secretary, DESK)
    page = desk.page
    with page.expect_navigation():
        main_nav(page).locator(f"a[href='{reverse('meetings:list')}']").click()
    desk.follow("main", reverse("meetings:create"))
    page.locator("select[name='unit']").select_option(str(cast.cell.code))
    page.locator("select[name='kind']").select_option(Meeting.Kind.CELL_REGULAR.value)
    page.locator("input[name='title']").fill(TITLE)
    page.locator("input[name='day']").fill(today.strftime("%d/%m/%Y"))
    page.locator("input[name='starts']").fill("19:30")
    page.locator("input[name='ends']").fill("21:30")
    page.locator("select[name='mode']").select_option(Meeting.Mode.IN_PERSON.value)
    page.locator("input[name='place']").fill(PLACE)
    page.locator("select[name='chair']").select_option(str(cast.cell_secretary.code))
    page.locator("select[name='secretary']").select_option(str(cast.cell_deputy.code))
    submit(page, page.locator("input[name='title']"))
    meeting = Meeting.objects.get(title=TITLE)
    detail_url = reverse("meetings:detail", args=[meeting.code])
    expect(page).to_have_url(re.compile(re.escape(site(detail_url))))
    assert (meeting.unit, meeting.kind, meeting.place) == (cast.cell, "cell_regular", PLACE)
    assert (meeting.chair, meeting.secretary) == (cast.cell_secretary, cast.cell_deputy)
    assert timezone.localtime(meeting.starts_at).date() == today

    agenda = page.locator("#agenda")
    agenda.locator("input[name='title']").fill(ITEM)
    agenda.locator("input[name='presenter']").fill(cast.cell_secretary.full_name)
    with page.expect_response(lambda r: r.request.method == "POST" and "/agenda/" in r.url):
        agenda.locator(SUBMIT).first.click()
    expect(page.locator("#agenda ol.agenda > li")).to_have_count(1)
    item = AgendaItem.objects.get(meeting=meeting)
    assert item.title == ITEM

    # The documents panel was drawn before the item existed: the page is opened again.
    page.reload()
    add_url = reverse("meetings:document_add", args=[meeting.code])
    with page.expect_navigation():
        page.locator(f"#reader-panel a[href^='{add_url}']").click()
    page.locator("select[name='item']").select_option(str(item.code))
    page.locator("input[name='file']").set_input_files(
        files=[{"name": "du-thao-nq-11.pdf", "mimeType": "application/pdf", "buffer": agenda_pdf()}]
    )
    page.locator("input[name='title']").fill(DOCUMENT)
    submit(page, page.locator("input[name='file']"))
    expect(page).to_have_url(site(detail_url))
    document = MeetingDocument.objects.get(item=item)
    assert (document.title, document.page_count) == (DOCUMENT, 2)
    reader_url = reverse("meetings:reader", args=[document.code])
    expect(page.locator(f"#reader-panel a[href='{reader_url}']")).to_be_visible()

    # A confidential item: visible only to those present (and to the organisers).
    add_item = desk.form(reverse("meetings:agenda_add", args=[meeting.code]))
    add_item.locator("input[name='title']").fill(CONFIDENTIAL_ITEM)
    add_item.locator("input[name='confidential']").check()
    with page.expect_response(lambda r: r.request.method == "POST" and "/agenda/" in r.url):
        add_item.locator(SUBMIT).first.click()
    expect(page.locator("#agenda ol.agenda > li")).to_have_count(2)
    expect(page.locator("#agenda")).to_contain_text(CONFIDENTIAL_ITEM)
    assert AgendaItem.objects.get(meeting=meeting, order=2).confidential

    invitations_url = reverse("meetings:invitations", args=[meeting.code])
    desk.follow("#attendance-panel", invitations_url)
    expect(page.locator("input[name='all_members']")).to_be_checked()
    desk.post(reverse("meetings:invitations_send", args=[meeting.code]))
    expect(page).to_have_url(site(invitations_url))
    expect(page.locator("main table tbody tr")).to_have_count(6)
    invitations = Invitation.objects.filter(meeting=meeting)
    assert {i.member_id for i in invitations} == {m.pk for m in [*members, absent]}
    invitation_url = reverse("meetings:invitation", args=[meeting.code])
    for user in voters:
        sent = invitations.get(member=user.member)
        assert sent.user == user and sent.notified_at is not None
        notified = Notification.objects.get(user=user, url=invitation_url)
        assert notified.kind == Notification.Kind.MEETING_INVITATION
    told_in_person = invitations.get(member=absent)
    assert told_in_person.user is None and told_in_person.notified_at is None
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.INVITED

    # 2. A member opens the notification on their phone and will attend.
    bich = Person(new_context, site, voters[0], PHONE)
    with bich.page.expect_navigation():
        bich.page.locator(f"a[href='{reverse('notifications:list')}']").first.click()
    notification = Notification.objects.get(user=voters[0], url=invitation_url)
    bich.post(reverse("notifications:open", args=[notification.code]))
    expect(bich.page).to_have_url(site(invitation_url))
    answer = bich.page.locator("#invitation-answer")
    with bich.page.expect_response(lambda r: r.request.method == "POST"):
        answer.locator("button[name='response'][value='attending']").tap()
    expect(bich.page.locator("#invitation-answer .badge-ok")).to_be_visible()
    assert invitations.get(member=voters[0].member).response == Invitation.Response.ATTENDING
    bich.open(detail_url)  # not recorded present yet: the confidential item stays hidden
    expect(bich.page.locator("#agenda ol.agenda > li")).to_have_count(2)
    expect(bich.page.locator("#agenda")).to_contain_text(ITEM)
    expect(bich.page.locator("#agenda")).not_to_contain_text(CONFIDENTIAL_ITEM)

    # 3. On the secretary's phone: open the meeting and take attendance, one tap per member.
    phone = Person(new_context, site, cast.cell_secretary, PHONE, otp=next_totp_code)
    phone.open(detail_url)
    phone.post(reverse("meetings:start", args=[meeting.code]))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.IN_PROGRESS
    attendance_url = reverse("meetings:attendance", args=[meeting.code])
    phone.follow("#attendance-panel", attendance_url)
    tel = phone.page
    counts = tel.locator("#attendance-counts")
    expect(counts.locator("[data-count='total']")).to_have_text("6")
    expect(counts.locator("[data-count='present']")).to_have_text("0")
    expect(tel.locator(f"#m-{voters[0].member.code} .att-answer")).to_be_visible()

    def tap(member, status: str) -> None:
        mark_url = reverse("meetings:attendance_mark", args=[meeting.code, member.code])
        row = tel.locator(f"#m-{member.code}")
        with tel.expect_response(lambda r: r.url.endswith(mark_url) and r.status == 200):
            row.locator(f"label:has(input[value='{status}'])").tap()
        expect(tel.locator(f"#m-{member.code}")).to_have_class(re.compile(rf"\batt-{status}\b"))

    for number, member in enumerate(members, start=1):
        tap(member, Attendance.Status.PRESENT)
        expect(counts.locator("[data-count='present']")).to_have_text(str(number))
    tap(absent, Attendance.Status.ABSENT_EXCUSED)
    reason = tel.locator(f"#m-{absent.code} input[name='reason-{absent.code}']")
    reason.fill(REASON)
    mark_url = reverse("meetings:attendance_mark", args=[meeting.code, absent.code])
    with tel.expect_response(lambda r: r.url.endswith(mark_url) and r.status == 200):
        reason.blur()  # the tap elsewhere that ends typing sends the reason
    expect(tel.locator(f"#m-{absent.code} input[name='reason-{absent.code}']")).to_have_value(
        REASON
    )
    for name, value in (
        ("total", "6"),
        ("present", "5"),
        ("exempt", "0"),
        ("absent", "1"),
        ("vote-base", "5"),
        ("denominator", "6"),
    ):
        expect(counts.locator(f"[data-count='{name}']")).to_have_text(value)
    expect(counts.locator("[data-quorum='yes']")).to_be_visible()
    phone.assert_fits()
    expect(counts.locator("[data-quorum='arithmetic']")).to_contain_text("5/6")
    rows = Attendance.objects.filter(meeting=meeting)
    assert sorted(rows.values_list("status", flat=True)) == ["absent_excused"] + ["present"] * 5
    assert rows.get(member=absent).reason == REASON

    # 4. The member reads the agenda document on their phone: page images, no PDF.
    reader = bich.page
    downloads, pdfs = [], []
    reader.on("download", lambda download: downloads.append(download))
    reader.on(
        "response",
        lambda r: pdfs.append(r.url) if "pdf" in r.headers.get("content-type", "") else None,
    )
    bich.open(detail_url)
    expect(reader.locator("#agenda")).to_contain_text(CONFIDENTIAL_ITEM)  # present now
    with reader.expect_response(lambda r: "/pages/1.png" in r.url) as first_page:
        bich.follow("#reader-panel", reader_url)
    png = first_page.value
    assert png.status == 200 and png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"].startswith("inline")
    image = reader.locator("#reader-page .rd-page img")
    expect(image).to_be_visible()
    bich.assert_fits()
    reader.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    with reader.expect_response(lambda r: "/pages/2.png" in r.url):
        reader.locator("#reader-page a[rel='next']").first.tap()
    image = reader.locator("#reader-page .rd-page img")
    expect(image).to_have_attribute("src", re.compile(r"/pages/2\.png"))
    reader.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    expect(reader.locator("a[download], a[href$='.pdf']")).to_have_count(0)
    assert downloads == [] and pdfs == []
    opening = DocumentOpening.objects.get(document=document, user=voters[0])
    assert opening.times == 1

    # 5. An open vote: the secretary counts the raised cards and closes it.
    phone.open(detail_url)
    phone.follow("#votes", reverse("meetings:vote_new", args=[meeting.code]))
    tel.locator("input[name='question']").fill(OPEN_QUESTION)
    tel.locator("select[name='rule_code']").select_option("resolution")
    tel.locator("input[name='method'][value='open']").check()
    tel.locator("select[name='item']").select_option(str(item.code))
    submit(tel, tel.locator("input[name='question']"))
    open_vote = Vote.objects.get(meeting=meeting, question=OPEN_QUESTION)
    expect(tel).to_have_url(site("meetings:vote", open_vote.code))
    form = tel.locator("#counts")
    for name, value in OPEN_COUNTS.items():
        form.locator(f"input[name='{name}']").fill(str(value))
    with tel.expect_navigation():
        form.locator("button[name='then'][value='close']").tap()
    result = tel.locator("#result")
    expect(result).to_be_visible()
    expect(result.locator(".result-line .badge-ok")).to_be_visible()
    phone.assert_fits()
    expect(result.locator(".result-line")).to_contain_text(
        arithmetic(cast.committee, "resolution", 4, 6)
    )
    open_vote.refresh_from_db()
    assert open_vote.status == Vote.Status.CLOSED
    assert (open_vote.count_for, open_vote.count_against, open_vote.count_abstain) == (4, 1, 0)
    assert open_vote.result["passed"] is True

    # 6. A secret ballot on the phones of the five members present.
    phone.open(detail_url)
    phone.follow("#ballots", reverse("meetings:ballot_new", args=[meeting.code]))
    tel.locator("input[name='question']").fill(SECRET_QUESTION)
    tel.locator("input[name='kind'][value='question']").check()
    tel.locator("select[name='rule_code']").select_option("personnel")
    submit(tel, tel.locator("input[name='question']"))
    ballot = Vote.objects.get(meeting=meeting, question=SECRET_QUESTION)
    assert ballot.method == Vote.Method.SECRET
    ballot_url = reverse("meetings:ballot", args=[ballot.code])
    expect(tel).to_have_url(site(ballot_url))
    phone.post(reverse("meetings:ballot_open", args=[ballot.code]))
    fingerprint = tel.locator("#ballot-chair .fingerprint-big").inner_text().strip()
    assert RECEIPT.match(fingerprint), fingerprint
    # The chair's page polls the totals every 5 s; the test database (SQLite in memory)
    # cannot take that read while a phone writes, so the chair waits on the meeting page.
    phone.open(detail_url)

    phones = [bich] + [Person(new_context, site, user, PHONE) for user in voters[1:]]
    receipts = []
    for number, (member_phone, choice) in enumerate(zip(phones, SECRET_CHOICES, strict=True)):
        mine = member_phone.page
        member_phone.open(detail_url)
        with mine.expect_navigation():
            mine.locator(f"#ballots a.button[href='{ballot_url}']").tap()  # "vote now"
        app = mine.locator("#ballot-app")
        # Ready once ballot.js has read the key: the chair's fingerprint, then the choices.
        expect(app.locator("[data-role=fingerprint]")).to_have_text(fingerprint)
        mine.wait_for_function(
            "() => !document.querySelector('#ballot-app [data-role=choices]').hidden"
        )
        app.locator(f"button[data-value='{choice}']").tap()
        app.locator("[data-role=confirm-yes]").tap()
        receipt = app.locator("[data-role=receipt]")
        expect(receipt).to_be_visible()
        receipts.append(receipt.inner_text().strip())
        member_phone.assert_fits()
        assert RECEIPT.match(receipts[-1]), receipts[-1]
        assert Ballot.objects.filter(vote=ballot).count() == number + 1
    assert VoterRoll.objects.filter(vote=ballot).count() == 5
    assert len(set(receipts)) == 5

    phone.open(ballot_url)
    expect(tel.locator("#result")).to_have_count(0)  # nothing is counted before the close
    tel.on("dialog", lambda dialog: dialog.accept())  # "Close the ballot?"
    phone.post(reverse("meetings:ballot_close", args=[ballot.code]))
    result = tel.locator("#result")
    expect(result).to_be_visible()
    expect(result.locator(".result-line .badge-ok")).to_be_visible()
    phone.assert_fits()
    expect(result.locator(".result-line")).to_contain_text(
        arithmetic(cast.committee, "personnel", 3, 5)
    )
    ballot.refresh_from_db()
    expected = tuple(SECRET_CHOICES.count(c) for c in ("for", "against", "abstain"))
    assert (ballot.count_for, ballot.count_against, ballot.count_abstain) == expected == (3, 1, 1)
    assert ballot.result["passed"] is True
    counted = tel.locator("#receipts .receipts li").all_text_contents()
    assert sorted(counted) == sorted(receipts)
    # A voter's phone finds its own receipt among the counted ballots.
    phones[2].page.reload()
    check = phones[2].page.locator("#receipts [data-role=receipt-check]")
    expect(check).to_be_visible()
    expect(check).to_have_class(re.compile(r"\bmsg-success\b"))

    # 7. At the desk: close the meeting, draft the minutes, download them as DOCX.
    desk.open(detail_url)
    open_row = page.locator("#votes li", has=page.locator(f"a[href$='/{open_vote.code}/']"))
    expect(open_row.locator(".badge-ok")).to_be_visible()  # passed
    expect(open_row).to_contain_text(arithmetic(cast.committee, "resolution", 4, 6))
    ballot_row = page.locator("#ballots li", has=page.locator(f"a[href='{ballot_url}']"))
    expect(ballot_row.locator(".badge-ok")).to_have_count(2)  # closed, passed
    expect(ballot_row).to_contain_text(arithmetic(cast.committee, "personnel", 3, 5))
    desk.post(reverse("meetings:close", args=[meeting.code]))
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CLOSED
    desk.post(reverse("meetings:minutes_start", args=[meeting.code]))
    minutes = Minutes.objects.get(meeting=meeting)
    expect(page).to_have_url(site("meetings:minutes_edit", minutes.code))
    expect(page.locator("textarea[name='attendance']")).to_contain_text("có mặt: 5")
    page.locator("textarea[name='opinions']").fill(OPINIONS)
    submit(page, page.locator("textarea[name='opinions']"))
    expect(page).to_have_url(site("meetings:minutes_detail", minutes.code))
    minutes.refresh_from_db()
    assert minutes.sections["content"]["opinions"] == OPINIONS
    docx_url = reverse("meetings:minutes_docx", args=[minutes.code])
    with page.expect_download() as download:
        page.locator(f"main a[href='{docx_url}']").first.click()
    assert download.value.suggested_filename.endswith(".docx")
    text = docx_text(download.value.path().read_bytes())
    assert "Tổng số đảng viên: 6; có mặt: 5; miễn sinh hoạt: 0; vắng: 1" in text
    assert "(có lý do: 1, không lý do: 0)" in text
    assert ABSENT in text and ITEM in text and OPINIONS in text
    assert OPEN_QUESTION in text and "tán thành 4, không tán thành 1" in text
    assert SECRET_QUESTION in text and "tán thành 3, không tán thành 1" in text

    for person in (desk, phone, *phones):
        person.assert_clean()
