"""Kho lưu trữ: the office clerk takes a batch of files into the archive and finds a scan by
its words.

1. Văn thư opens the upload page and sends four files at once into a dossier: a plan with a
   text layer, a scanned page (an image only), an empty file and a second copy of the plan.
   The page answers file by file: two added, the empty one refused and the copy already in
   the archive, each with its reason in Vietnamese; the batch went on past the bad ones.
2. The scan's OCR runs in the background (tests run tasks at once, so it is usually done by
   the time the page answers; otherwise the item page shows its progress and updates).
3. She types words of the scan without diacritics into the search box at the top of every
   page; the scan is among the hits with its words highlighted. She opens it: the item page
   shows its file name and the number, date and type read from the text, which she
   confirms; the values are saved. On her phone the same pages fit a 360 px screen.
4. A cell secretary and a plain member of the same committee, and the clerk of another
   committee, find nothing of it, and its page is refused to them (403, or 404 for the other
   committee).

Without Tesseract's Vietnamese data the scan shows "OCR unavailable" and only the steps that
need its recognised text are skipped.

Every person works in their own browser context. Forms are found by their `action` (or by a
field's `name`), never by label text: the Vietnamese catalogue may change its wording.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from e2e_helpers import SUBMIT, ConsoleWatch, horizontal_overflow, sign_in
from playwright.sync_api import expect

from capuyso.archive.models import ArchiveItem
from capuyso.archive.ocr_tools import tools_missing
from capuyso.archive.services import dossier_create
from capuyso.core.text import fold

PLAN_NAME = "ke-hoach-chuyen-doi-so.pdf"
SCAN_NAME = "ke-hoach-12-quet.png"
EMPTY_NAME = "trang-trang.pdf"
COPY_NAME = "ban-sao-ke-hoach.pdf"
# The scanned page: a plan of the commune's Party committee, laid out as it is printed.
SCAN_LINES = (
    "ĐẢNG BỘ XÃ PHÚ CÁT",
    "Số 12-KH/ĐU",
    "Phú Cát, ngày 05 tháng 01 năm 2026",
    "KẾ HOẠCH",
    "Chuyển đổi số trong công tác đảng năm 2026",
)
SCAN_QUERY = "ke hoach chuyen doi so cong tac dang"  # typed without diacritics
SCAN_DPI = 200
FONTS = (
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
)
OCR_WAIT_MS = 60_000
DESK = {"viewport": {"width": 1366, "height": 768}}  # tests/e2e/conftest.py's VIEWPORTS
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}  # the item page's status updates itself every 3 s


def plan_pdf() -> bytes:
    """A born-digital plan: one page with a text layer, made by WeasyPrint."""
    from weasyprint import HTML

    return HTML(
        string=(
            "<html><head><meta charset='utf-8'></head><body>"
            "<p>THÀNH ỦY HÀ NỘI</p><p>Số 09-KH/TU</p>"
            "<p>Hà Nội, ngày 20 tháng 12 năm 2025</p>"
            "<p>KẾ HOẠCH</p><p>Kế hoạch chuyển đổi số trong các tổ chức đảng</p>"
            "</body></html>"
        )
    ).write_pdf()


def scanned_png() -> bytes:
    """A white page strip with black Vietnamese text, as a scanner at 200 dpi sees it."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = next((path for path in FONTS if Path(path).exists()), None)
    if font_path is None:
        pytest.skip("no Liberation or DejaVu font to draw Vietnamese text")
    size = round(14 * SCAN_DPI / 72)
    font = ImageFont.truetype(font_path, size)
    height = round(0.5 * SCAN_DPI) + len(SCAN_LINES) * 2 * size
    image = Image.new("L", (round(6.5 * SCAN_DPI), height), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(SCAN_LINES):
        top = SCAN_DPI // 4 + number * 2 * size
        draw.text((SCAN_DPI // 3, top), line, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(SCAN_DPI, SCAN_DPI))
    return out.getvalue()


class Person:
    """One user in their own browser context, signed in through the login form."""

    def __init__(self, new_context, site, user, screen: dict):
        self.user = user
        self.site = site
        self.page = new_context(**screen).new_page()
        self.console = ConsoleWatch(self.page)
        sign_in(self.page, site, user)
        expect(self.page).to_have_url(site("core:home"))

    def open(self, url: str, status: int = 200) -> None:
        response = self.page.goto(self.site(url))
        assert response is not None and response.status == status, url

    def form(self, url: str):
        """The form that posts to `url` (a path): each action has its own form."""
        return self.page.locator(f"form[action='{url}']")

    def post(self, url: str) -> None:
        """Press the submit button of the form posting to `url`; wait for the page after it."""
        with self.page.expect_navigation():
            self.form(url).locator(SUBMIT).first.click()

    def search(self, words: str) -> None:
        """Type `words` into the search box at the top of the page and send them."""
        box = self.page.locator(f"header form[action='{reverse('search:results')}']")
        box.locator("input[name='q']").fill(words)
        with self.page.expect_navigation():
            box.locator(SUBMIT).first.click()
        expect(self.page.locator("#search-results")).to_have_count(1)

    def assert_clean(self) -> None:
        assert self.console.take() == [], self.user.username

    def assert_fits(self) -> None:
        """The page is no wider than the screen (no sideways scrolling on a phone)."""
        assert horizontal_overflow(self.page) == 0, self.page.url

    def assert_only_refused(self, url: str, status: int) -> None:
        """No console error but the browser's own line for the refused page at `url`."""
        for error in self.console.take():
            assert f"status of {status}" in error and url in error, (self.user.username, error)


@pytest.fixture
def browser_context_args(browser_context_args):
    """No screen size for every context: each person's context gets the desk or the phone."""
    args = dict(browser_context_args)
    for key in (*DESK, *PHONE):
        args.pop(key, None)
    return args


@pytest.fixture
def people(new_context, site, cast):
    def person(user, screen=DESK) -> Person:
        return Person(new_context, site, user, screen)

    return person


def test_clerk_takes_in_a_batch_finds_the_scan_by_its_words_and_confirms_it(people, cast):
    year = timezone.localdate().year
    dossier = dossier_create(
        actor=cast.clerk, file_number="07", title="Hồ sơ chuyển đổi số", year=year
    )
    ocr_installed = not tools_missing()  # the app's own check: Tesseract, vie, OCRmyPDF
    plan = plan_pdf()

    # 1. Văn thư sends four files at once into dossier 07.
    clerk = people(cast.clerk)
    page = clerk.page
    clerk.open(reverse("archive:item_upload"))
    files_field = page.locator("input[name='files']")
    upload = page.locator("form", has=files_field)
    upload.locator("input[name='dossier']").fill(f"07/{year}")
    files_field.set_input_files(
        files=[
            {"name": PLAN_NAME, "mimeType": "application/pdf", "buffer": plan},
            {"name": SCAN_NAME, "mimeType": "image/png", "buffer": scanned_png()},
            {"name": EMPTY_NAME, "mimeType": "application/pdf", "buffer": b""},
            {"name": COPY_NAME, "mimeType": "application/pdf", "buffer": plan},
        ]
    )
    with page.expect_navigation():
        upload.locator(SUBMIT).first.click()

    # The page answers for every file; the bad ones did not stop the batch.
    results = page.locator("#results-title ~ .intake-results > li")
    expect(results).to_have_count(4)
    expect(page.locator("#results-title ~ .result-line")).to_contain_text(
        "Đã thêm 2, 1 đã có trong kho lưu trữ, 1 bị từ chối."
    )
    plan_item = ArchiveItem.objects.get(committee=cast.committee, source_name=PLAN_NAME)
    scan = ArchiveItem.objects.get(committee=cast.committee, source_name=SCAN_NAME)
    assert ArchiveItem.objects.filter(committee=cast.committee).count() == 2
    assert plan_item.dossier == dossier and scan.dossier == dossier
    assert plan_item.ocr_status == ArchiveItem.OcrStatus.NOT_NEEDED
    assert "chuyen doi so" in fold(plan_item.text)
    plan_url = reverse("archive:item", args=[plan_item.code])
    scan_url = reverse("archive:item", args=[scan.code])
    for row, item_url in ((results.nth(0), plan_url), (results.nth(1), scan_url)):
        expect(row.locator(".badge-ok")).to_have_text("Đã thêm")
        expect(row.locator(f"a[href='{item_url}']")).to_have_count(1)
    expect(results.nth(2).locator(".badge-err")).to_have_count(1)
    expect(results.nth(2)).to_contain_text(f"{EMPTY_NAME} là tệp rỗng (0 byte).")
    expect(results.nth(3).locator(".badge-warn")).to_have_count(1)
    expect(results.nth(3)).to_contain_text(f"{COPY_NAME} đã có trong kho lưu trữ ({PLAN_NAME}).")
    expect(results.nth(3).locator(f"a[href='{plan_url}']")).to_have_count(1)
    clerk.assert_clean()

    # 2. The scan's page: its OCR is done, or shows its progress and updates itself.
    clerk.open(scan_url)
    status = page.locator(f"#ocr-status-{scan.code} .badge")
    if not ocr_installed:
        expect(status).to_have_text("Chưa có chức năng nhận dạng chữ")
        scan.refresh_from_db()
        assert scan.ocr_status == ArchiveItem.OcrStatus.UNAVAILABLE
    else:
        expect(status).to_have_text("Hoàn thành", timeout=OCR_WAIT_MS)
        expect(page.locator(f"#ocr-status-{scan.code}")).to_contain_text(
            "Đã nhận dạng 1 trang bản quét; có thể tìm kiếm theo nội dung chữ."
        )
        scan.refresh_from_db()
        assert scan.ocr_status == ArchiveItem.OcrStatus.DONE, scan.ocr_error
        assert "chuyen doi so" in fold(scan.text)
    clerk.assert_clean()

    if ocr_installed:
        # 3. She searches for the scan's words typed without diacritics, from the top box.
        clerk.search(SCAN_QUERY)
        hit = page.locator("ol.search-hits > li", has=page.locator(f"a[href='{scan_url}']"))
        expect(hit).to_have_count(1)
        expect(hit).to_contain_text(f"Tệp: {SCAN_NAME}")
        marks = hit.locator("mark")
        expect(marks.first).to_be_visible()
        marked = fold(" ".join(marks.all_text_contents()))
        assert "ke hoach" in marked or "chuyen doi so" in marked, marked
        clerk.assert_clean()

        # ... opens it: its file name and the metadata read from the text.
        with page.expect_navigation():
            hit.locator(f"a[href='{scan_url}']").first.click()
        expect(page).to_have_url(clerk.site(scan_url))
        expect(page.locator(".breadcrumb")).to_contain_text(SCAN_NAME)
        expect(page.locator("dl.facts")).to_contain_text(SCAN_NAME)
        expect(page.locator("main")).to_contain_text("Chưa xác nhận")
        scan.refresh_from_db()
        assert scan.proposed.get("reference") == "12-KH/ĐU", scan.proposed
        assert scan.proposed.get("document_date") == "2026-01-05", scan.proposed
        assert scan.proposed.get("type_abbreviation") == "KH", scan.proposed
        proposed_column = page.locator("table.responsive tbody td:nth-child(2)")
        expect(proposed_column.nth(0)).to_have_text("12-KH/ĐU")
        expect(proposed_column.nth(1)).to_have_text("05/01/2026")
        expect(proposed_column.nth(3)).to_have_text("KH")

        # ... and confirms the values the form was filled with.
        confirm_url = reverse("archive:item_confirm", args=[scan.code])
        confirm = clerk.form(confirm_url)
        expect(confirm.locator("input[name='reference']")).to_have_value("12-KH/ĐU")
        expect(confirm.locator("input[name='document_date']")).to_have_value("05/01/2026")
        expect(confirm.locator("select[name='doc_type'] option:checked")).to_contain_text("(KH)")
        expect(confirm.locator("input[name='dossier']")).to_have_value(f"07/{year}")
        clerk.post(confirm_url)
        expect(page).to_have_url(clerk.site(scan_url))
        expect(page.locator(".messages")).to_contain_text(
            "Đã xác nhận thông tin mô tả của tài liệu."
        )
        expect(page.locator("main")).to_contain_text(f"{cast.clerk.full_name} đã xác nhận lúc")
        confirmed_column = page.locator("table.responsive tbody td:nth-child(3)")
        expect(confirmed_column.nth(0)).to_have_text("12-KH/ĐU")
        expect(confirmed_column.nth(1)).to_have_text("05/01/2026")
        scan.refresh_from_db()
        assert scan.metadata_confirmed_by == cast.clerk
        assert scan.metadata_confirmed_at is not None
        assert scan.reference == "12-KH/ĐU"
        assert scan.document_date == dt.date(2026, 1, 5)
        assert scan.doc_type is not None and scan.doc_type.abbreviation == "KH"
        assert scan.doc_type.committee == cast.committee
        assert scan.year == 2026
        assert scan.dossier == dossier
        assert "chuyen doi so" in fold(scan.title)
        clerk.assert_clean()

    # On her phone (a 360 px screen) the same pages fit the screen.
    phone = people(cast.clerk, PHONE)
    for url in (reverse("archive:item_upload"), scan_url, plan_url):
        phone.open(url)
        phone.assert_fits()
    phone.search(SCAN_QUERY)
    phone.assert_fits()
    if ocr_installed:
        expect(phone.page.locator(f"ol.search-hits a[href='{scan_url}']")).to_have_count(1)
    phone.assert_clean()
    phone.page.context.close()

    # 4. Nobody else sees it: not a cell's secretary, not a plain member, not another
    # committee's clerk (who gets "page not found": the item is not of their committee).
    for user, refused in (
        (cast.cell_secretary, 403),
        (cast.member, 403),
        (cast.outsider_clerk, 404),
    ):
        other = people(user)
        other.search(SCAN_QUERY)
        results_section = other.page.locator("#search-results")
        expect(results_section.locator(f"a[href='{scan_url}']")).to_have_count(0)
        expect(results_section.locator(f"a[href='{plan_url}']")).to_have_count(0)
        expect(results_section).not_to_contain_text(SCAN_NAME)
        other.assert_clean()
        other.open(scan_url, status=refused)
        heading = other.page.get_by_role("heading", level=1)
        if refused == 403:
            expect(heading).to_have_text("Đồng chí không có quyền mở trang này")
        else:
            expect(heading).to_have_text("Không tìm thấy trang")
        expect(other.page.locator("main")).not_to_contain_text(SCAN_NAME)
        other.assert_only_refused(scan_url, refused)
        other.page.context.close()

    if not ocr_installed:
        pytest.skip(
            "Tesseract with Vietnamese (tesseract-ocr-vie) and OCRmyPDF are not installed: "
            "finding the scan by its recognised words and confirming its metadata were skipped"
        )
