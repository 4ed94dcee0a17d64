"""Công văn đến và đi: the documents module walked end to end in the browser.

1. Văn thư registers an incoming plan (09-KH/TU) with its PDF, submits it to the Bí thư, who
   gives direction to a cell; the cell's Bí thư finds it on the home page, records progress,
   reports the result and closes the matter into a dossier.
2. Văn thư drafts an outgoing plan to all cells from a template; the Bí thư approves it; the
   Văn thư issues it as 01-KH/ĐU; one cell opens it, and the distribution table on the outgoing
   page tells read from unread, and the unread cell is reminded.

Every person works in their own browser context (their own session), so nobody signs out in
between. Buttons are found by their form's `action` and fields by `name`, never by label text:
the Vietnamese catalogue may change its wording.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from e2e_helpers import SUBMIT, ConsoleWatch, sign_in
from playwright.sync_api import expect

from capuyso.archive.models import Dossier
from capuyso.core.text import fold
from capuyso.documents.models import (
    Assignment,
    DocumentEvent,
    DocumentType,
    DraftTemplate,
    IncomingDocument,
    OutgoingDocument,
    OutgoingRecipient,
)

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

_PDF: dict[str, bytes] = {}


def small_pdf() -> bytes:
    """A real one-page PDF with a text layer, made by WeasyPrint once per run."""
    if "pdf" not in _PDF:
        from weasyprint import HTML

        _PDF["pdf"] = HTML(
            string=(
                "<p>THÀNH ỦY HÀ NỘI</p><p>Số 09-KH/TU</p>"
                "<p>KẾ HOẠCH thực hiện chuyển đổi số trong các tổ chức đảng</p>"
            )
        ).write_pdf()
    return _PDF["pdf"]


class Person:
    """One user in their own browser context, signed in through the login form."""

    def __init__(self, new_context, site, user):
        self.user = user
        self.site = site
        self.page = new_context().new_page()
        self.console = ConsoleWatch(self.page)
        sign_in(self.page, site, user)
        expect(self.page).to_have_url(site("core:home"))

    def open(self, url: str) -> None:
        response = self.page.goto(self.site(url))
        assert response is not None and response.status == 200, url

    def form(self, url: str):
        """The form that posts to `url` (a path): each action has its own form."""
        return self.page.locator(f"form[action='{url}']")

    def post(self, url: str) -> None:
        """Press the submit button of the form posting to `url`; wait for the page after it."""
        with self.page.expect_navigation():
            self.form(url).locator(SUBMIT).first.click()

    def assert_clean(self) -> None:
        assert self.console.take() == [], self.user.username


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def doc_code(page, kind: str) -> str:
    match = re.search(rf"/documents/{kind}/({UUID})/$", page.url)
    assert match, page.url
    return match.group(1)


@pytest.fixture
def people(new_context, site, cast):
    def person(user) -> Person:
        return Person(new_context, site, user)

    return person


def test_incoming_plan_is_registered_directed_handled_by_a_cell_and_closed(people, cast):
    year = timezone.localdate().year
    plan_type = DocumentType.objects.get(committee=cast.committee, abbreviation="KH")
    dossier = Dossier.objects.create(
        committee=cast.committee,
        file_number="07",
        title="Hồ sơ chuyển đổi số",
        title_folded=fold("Hồ sơ chuyển đổi số"),
        year=year,
    )

    # Văn thư registers the plan with its PDF.
    clerk = people(cast.clerk)
    clerk.open(reverse("documents:incoming_new"))
    page = clerk.page
    page.locator("input[name='issuer_name']").fill("Thành ủy Hà Nội")
    page.locator("input[name='reference']").fill("09-KH/TU")
    page.locator("input[name='document_date']").fill(in_days(-3).isoformat())
    page.locator("select[name='doc_type']").select_option(str(plan_type.code))
    page.locator("textarea[name='summary']").fill(
        "Kế hoạch thực hiện chuyển đổi số trong các tổ chức đảng"
    )
    page.locator("input[name='files']").set_input_files(
        files=[{"name": "09-KH-TU.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}]
    )
    with page.expect_navigation():
        page.locator("button[name='action'][value='register']").click()
    expect(page).to_have_url(re.compile(rf"/documents/incoming/{UUID}/$"))
    code = doc_code(page, "incoming")
    expect(page.locator(".messages")).to_contain_text(f"1/{year}")
    expect(page.locator(".breadcrumb")).to_contain_text(f"1/{year}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("09-KH/TU")
    document = IncomingDocument.objects.get(code=code)
    assert (document.arrival_number, document.year) == (1, year)
    assert document.status == IncomingDocument.Status.REGISTERED
    assert document.files.count() == 1
    expect(
        page.locator(f"a[href='{reverse('documents:file', args=[document.files.get().code])}']")
    ).to_have_count(1)

    # ... and submits it to the Bí thư for direction.
    submit_url = reverse("documents:incoming_submit", args=[code])
    clerk.form(submit_url).locator("select[name='leader']").select_option(str(cast.secretary.code))
    clerk.post(submit_url)
    document.refresh_from_db()
    assert document.status == IncomingDocument.Status.SUBMITTED
    assert document.submitted_to == cast.secretary
    clerk.assert_clean()

    # Bí thư (with the authenticator code) finds it on the home page and gives direction.
    leader = people(cast.secretary)
    detail_url = reverse("documents:incoming_detail", args=[code])
    leader.page.locator(f"#work-title ~ ul a[href='{detail_url}']").click()
    expect(leader.page).to_have_url(leader.site(detail_url))
    direct_url = reverse("documents:incoming_direct", args=[code])
    direction = leader.form(direct_url)
    direction.locator("textarea[name='direction']").fill(
        "Giao Chi bộ thôn Đồng Cát chủ trì thực hiện; báo cáo kết quả trước hạn."
    )
    direction.locator("select[name='lead']").select_option(f"unit:{cast.cell.code}")
    due = in_days(14)
    direction.locator("input[name='lead_due']").fill(due.isoformat())
    leader.post(direct_url)
    document.refresh_from_db()
    assert document.status == IncomingDocument.Status.DIRECTED
    lead = document.assignments.get()
    assert (lead.role, lead.unit, lead.due_date) == (Assignment.Role.LEAD, cast.cell, due)
    leader.assert_clean()

    # The cell's Bí thư sees it waiting on the home page and opens it.
    cell = people(cast.cell_secretary)
    panel_link = cell.page.locator(f"#work-title ~ ul a[href='{detail_url}']")
    expect(panel_link).to_have_count(1)
    panel_link.click()
    expect(cell.page).to_have_url(cell.site(detail_url))
    expect(cell.page.get_by_role("heading", level=1)).to_contain_text("09-KH/TU")

    # ... records progress,
    record_url = reverse("documents:assignment_record", args=[lead.code])
    record = cell.form(record_url)
    record.locator("select[name='kind']").select_option("progress")
    record.locator("textarea[name='text']").fill("Đã triển khai tới toàn thể đảng viên chi bộ.")
    cell.post(record_url)
    assert document.events.filter(kind=DocumentEvent.Kind.PROGRESS).exists()

    # ... reports the result (the form sits in a closed <details>),
    done_url = reverse("documents:assignment_done", args=[lead.code])
    cell.page.locator("details", has=cell.form(done_url)).locator("summary").click()
    cell.form(done_url).locator("textarea[name='result']").fill(
        "Chi bộ đã hoàn thành; 100% đảng viên cài đặt ứng dụng."
    )
    cell.post(done_url)
    lead.refresh_from_db()
    assert lead.status == Assignment.Status.DONE
    document.refresh_from_db()
    assert document.status == IncomingDocument.Status.IN_PROGRESS

    # ... and, as the lead, closes the matter into the dossier.
    close_url = reverse("documents:incoming_close", args=[code])
    close = cell.form(close_url)
    close.locator("textarea[name='result']").fill("Đã thực hiện xong kế hoạch.")
    close.locator("select[name='dossier']").select_option(str(dossier.code))
    cell.post(close_url)
    document.refresh_from_db()
    assert document.status == IncomingDocument.Status.COMPLETED
    assert document.dossier == dossier
    expect(cell.form(close_url)).to_have_count(0)
    kinds = list(document.events.values_list("kind", flat=True))
    Kind = DocumentEvent.Kind
    for kind in (
        Kind.REGISTERED,
        Kind.SUBMITTED,
        Kind.DIRECTED,
        Kind.PROGRESS,
        Kind.RESULT,
        Kind.COMPLETED,
    ):
        assert kind in kinds, kinds
    timeline = cell.page.locator("ol.stack > li")
    expect(timeline).to_have_count(len(kinds))
    expect(timeline.last).to_contain_text("Đã thực hiện xong kế hoạch.")
    cell.assert_clean()


def test_outgoing_plan_is_approved_issued_read_by_one_cell_and_the_other_reminded(people, cast):
    # Văn thư drafts a plan to all cells from the committee's plan template.
    clerk = people(cast.clerk)
    page = clerk.page
    clerk.open(reverse("documents:outgoing_new"))
    template = DraftTemplate.objects.get(
        committee=cast.committee, doc_type__abbreviation="KH", for_cells=False
    )
    with page.expect_navigation():
        page.locator(f"a[href='?template={template.code}']").click()
    draft_form = page.locator("form", has=page.locator("input[name='all_cells']"))
    draft_form.locator("textarea[name='summary']").fill(
        "Kế hoạch tổ chức Đại hội Đảng bộ xã nhiệm kỳ 2025-2030"
    )
    draft_form.locator("select[name='signer']").select_option(str(cast.secretary.code))
    draft_form.locator("input[name='signer_title']").fill("BÍ THƯ")
    draft_form.locator("input[name='all_cells']").check()
    with page.expect_navigation():
        draft_form.locator(SUBMIT).first.click()
    expect(page).to_have_url(re.compile(rf"/documents/outgoing/{UUID}/$"))
    code = doc_code(page, "outgoing")
    document = OutgoingDocument.objects.get(code=code)
    assert document.status == OutgoingDocument.Status.DRAFT
    assert document.template == template

    # ... and sends it to the signer for approval.
    clerk.post(reverse("documents:outgoing_send", args=[code]))
    document.refresh_from_db()
    assert document.status == OutgoingDocument.Status.IN_REVIEW

    # Bí thư opens it from the home page and approves it.
    leader = people(cast.secretary)
    detail_url = reverse("documents:outgoing_detail", args=[code])
    leader.page.locator(f"#work-title ~ ul a[href='{detail_url}']").click()
    expect(leader.page).to_have_url(leader.site(detail_url))
    leader.post(reverse("documents:outgoing_approve", args=[code]))
    document.refresh_from_db()
    assert document.status == OutgoingDocument.Status.APPROVED
    assert document.approved_by == cast.secretary
    leader.assert_clean()

    # Văn thư issues it: the registry gives 01-KH/ĐU and it goes to both cells.
    clerk.open(detail_url)
    clerk.post(reverse("documents:outgoing_issue", args=[code]))
    document.refresh_from_db()
    assert document.status == OutgoingDocument.Status.ISSUED
    assert document.reference == "01-KH/ĐU"
    expect(page.get_by_role("heading", level=1)).to_contain_text("01-KH/ĐU")
    recipients = {
        r.unit: r for r in document.recipients.filter(method=OutgoingRecipient.Method.PLATFORM)
    }
    assert set(recipients) == {cast.cell, cast.other_cell}
    delivered = recipients[cast.cell].delivered
    clerk.assert_clean()

    # The cell's Bí thư finds it in the cell's incoming inbox and opens it.
    cell = people(cast.cell_secretary)
    cell.open(reverse("documents:incoming_list"))
    copy_link = cell.page.locator(
        f"#incoming-table a[href='{reverse('documents:incoming_detail', args=[delivered.code])}']"
    )
    expect(copy_link).to_have_text("01-KH/ĐU")
    copy_link.click()
    expect(cell.page.get_by_role("heading", level=1)).to_contain_text("01-KH/ĐU")
    assert delivered.reads.filter(user=cast.cell_secretary).exists()
    cell.assert_clean()

    # Văn thư reopens the outgoing page: read by Đồng Cát, not yet by the school's cell.
    clerk.open(detail_url)
    rows = page.locator("#distribution tbody tr")
    expect(rows).to_have_count(2)
    read_row = rows.filter(has_text=cast.cell.name)
    unread_row = rows.filter(has_text=cast.other_cell.name)
    read_at = timezone.localtime(delivered.reads.get().first_opened_at)
    expect(read_row).to_contain_text(cast.cell_secretary.full_name)
    expect(read_row).to_contain_text(read_at.strftime("%d/%m/%Y"))
    expect(read_row.locator(".badge-warn")).to_have_count(0)
    expect(unread_row.locator(".badge-warn")).to_have_count(1)
    expect(unread_row).not_to_contain_text(cast.cell_secretary.full_name)

    # ... and reminds the cell that has not read it (htmx swaps the table in place).
    remind_url = reverse("documents:outgoing_remind", args=[code])
    clerk.form(remind_url).locator(SUBMIT).first.click()
    expect(page.locator("#distribution [role='status']")).to_contain_text("1")
    recipients[cast.other_cell].refresh_from_db()
    recipients[cast.cell].refresh_from_db()
    assert recipients[cast.other_cell].last_reminded_at is not None
    assert recipients[cast.cell].last_reminded_at is None
    expect(
        page.locator("#distribution tbody tr").filter(has_text=cast.other_cell.name)
    ).to_contain_text(
        timezone.localtime(recipients[cast.other_cell].last_reminded_at).strftime("%d/%m/%Y")
    )
    clerk.assert_clean()
