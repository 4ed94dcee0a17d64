"""The OCR pipeline of archive items, with the real OCRmyPDF/Tesseract where it matters
(an image-only page, a signed mixed PDF, a retried page) and a stand-in OCR elsewhere.

Pages are small (a few lines at 200 dpi) so the real runs stay around two seconds each.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from capuyso.archive import ocr, ocr_tools
from capuyso.archive.models import ArchiveItem, ArchivePage
from capuyso.audit.models import AuditEvent
from capuyso.core.text import fold

pytestmark = pytest.mark.django_db
Status = ArchiveItem.OcrStatus
PDF = "application/pdf"
FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/dejavu")
LINES = (
    "ĐẢNG BỘ XÃ PHÚ CÁT",
    "Số 09-KH/ĐU",
    "KẾ HOẠCH",
    "Chuyển đổi số trong công tác đảng năm 2026",
)


def _tesseract_vie() -> bool:
    if not (shutil.which("tesseract") and shutil.which("ocrmypdf")):
        return False
    listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True)  # noqa: S607
    return "vie" in listed.stdout.split()


_needs_tools = pytest.mark.skipif(
    not _tesseract_vie(),
    reason="Tesseract with Vietnamese (tesseract-ocr-vie) and OCRmyPDF are not installed",
)


def real_ocr(test):
    """A test that runs the real Tesseract: where the tools are installed, in one CI pass."""
    return pytest.mark.one_database(_needs_tools(test))


# --- samples --------------------------------------------------------------------------------


def _font(size: int):
    for folder in FONT_DIRS:
        for name in ("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"):
            if Path(folder, name).exists():
                return ImageFont.truetype(str(Path(folder, name)), size)
    pytest.skip("no Liberation or DejaVu font for Vietnamese text")


def scan(lines=LINES, *, dpi: int = 200) -> Image.Image:
    """A white page strip with black Vietnamese text, as a scanner at `dpi` would see it."""
    size = round(14 * dpi / 72)
    image = Image.new("L", (round(6.5 * dpi), round(0.5 * dpi) + len(lines) * 2 * size), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((dpi // 3, dpi // 4 + number * 2 * size), line, font=_font(size), fill=0)
    return image


def image_pdf(*images: Image.Image, dpi: int = 200) -> bytes:
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=list(images[1:]))
    return out.getvalue()


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a real text layer (Helvetica, ASCII)."""
    body = " ".join(f"({line}) '" for line in lines)
    content = f"BT /F1 12 Tf 72 760 Td 16 TL {body} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body_bytes in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body_bytes)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def join_pdfs(*parts: bytes) -> bytes:
    writer = PdfWriter()
    for part in parts:
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_item(committee, data: bytes, *, name="scan.pdf", content_type=PDF, **extra):
    path = default_storage.save(f"archive/{name}", ContentFile(data))
    return ArchiveItem.objects.create(
        committee=committee,
        source_name=name,
        file=path,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        **extra,
    )


def stored_sha256(item: ArchiveItem) -> str:
    with item.file.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture
def fake_ocr(monkeypatch):
    """OCR without Tesseract: each page's text is "trang N" and its PDF the page itself.
    `fake_ocr.fail` holds page numbers that fail on every attempt; `calls` counts runs."""

    class Fake:
        fail: set[int] = set()
        calls: list[int] = []
        before = None

        def __call__(self, source, number, folder):
            self.calls.append(number)
            if self.before:
                self.before()
            if number in self.fail:
                raise ocr_tools.PageError(f"hỏng trang {number}")
            return f"trang {number} ke hoach", source.page_pdf(number)

    fake = Fake()
    fake.fail, fake.calls = set(), []
    monkeypatch.setattr(ocr_tools, "ocr_page", fake)
    monkeypatch.setattr(ocr_tools, "tools_missing", lambda: "")
    return fake


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run `fn` and the callbacks it schedules (the immediate backend then runs the task)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


# --- the real OCR ---------------------------------------------------------------------------


@real_ocr
def test_an_image_only_page_comes_out_with_its_vietnamese_text(cast, run_on_commit):
    data = image_pdf(scan())
    item = make_item(cast.committee, data)
    run_on_commit(ocr.ocr_enqueue, item)
    item.refresh_from_db()
    assert item.ocr_status == Status.DONE, item.ocr_error
    folded = fold(item.text)
    assert "ke hoach" in folded and "chuyen doi so" in folded and "phu cat" in folded
    assert item.text_source == ArchiveItem.TextSource.OCR
    assert item.ocr_pages_done == 1 and item.ocr_started_at and item.ocr_finished_at
    # The searchable copy sits beside the original, which is unchanged.
    assert item.ocr_file.name.startswith("archive/") and item.ocr_file.name.endswith(".ocr.pdf")
    with item.ocr_file.open("rb") as handle:
        copy_text = PdfReader(handle).pages[0].extract_text()
    assert "hoach" in fold(copy_text)
    assert stored_sha256(item) == item.sha256
    # The page's own PDF is dropped once the copy holds it.
    page = item.page_rows.get()
    assert page.status == ArchivePage.Status.DONE and page.attempts == 1 and not page.pdf
    # The metadata proposal follows the new text.
    assert item.proposed.get("type_abbreviation") == "KH"
    assert "chuyen doi so" in fold(item.proposed.get("summary"))
    assert AuditEvent.objects.filter(object_id=str(item.code)).exists()


@real_ocr
def test_a_signed_mixed_pdf_is_ocrd_only_on_its_image_page_and_stays_valid(cast, run_on_commit):
    from capuyso.signing import pdf as signing_pdf
    from capuyso.signing.devpki import DevPKI
    from capuyso.signing.tests import signed_pdfs

    pki = DevPKI()
    signer = pki.issue("Nguyễn Văn An", organization="Đảng ủy xã Phú Cát")
    text_page = text_pdf(["BAO CAO tong ket cong tac nam 2025", "Dang uy xa Phu Cat"])
    unsigned = join_pdfs(text_page, image_pdf(scan(LINES[2:])))
    data = signed_pdfs.sign(unsigned, signer)
    item = make_item(cast.committee, data, name="da-ky.pdf", signed=True)
    run_on_commit(ocr.ocr_enqueue, item)
    item.refresh_from_db()
    assert item.ocr_status == Status.DONE, item.ocr_error
    assert list(item.page_rows.values_list("number", flat=True)) == [2]
    folded = fold(item.text)
    assert folded.index("bao cao tong ket") < folded.index("ke hoach")
    # Not one byte of the signed original changed, and its signature still validates.
    with item.file.open("rb") as handle:
        original = handle.read()
    assert original == data and hashlib.sha256(original).hexdigest() == item.sha256
    report = signing_pdf.verify(original, signed_pdfs.trust(pki.root))
    assert report["verdict"] == "valid", report
    # The searchable copy: the text page from the original, the OCR'd page after it.
    with item.ocr_file.open("rb") as handle:
        copy = PdfReader(handle)
        assert len(copy.pages) == 2
        assert "BAO CAO" in copy.pages[0].extract_text()
        assert "hoach" in fold(copy.pages[1].extract_text())


@real_ocr
def test_a_page_that_fails_once_is_retried_and_then_done(cast, run_on_commit, monkeypatch):
    real = ocr_tools.run_ocrmypdf
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ocr_tools.PageError("Tesseract bị dừng")
        return real(*args, **kwargs)

    monkeypatch.setattr(ocr_tools, "run_ocrmypdf", flaky)
    png = io.BytesIO()
    scan(LINES[2:]).save(png, "PNG", dpi=(200, 200))
    item = make_item(cast.committee, png.getvalue(), name="anh.png", content_type="image/png")
    run_on_commit(ocr.ocr_enqueue, item)
    item.refresh_from_db()
    assert item.ocr_status == Status.DONE, item.ocr_error
    assert len(calls) == 2 and item.page_rows.get().attempts == 2
    assert "ke hoach" in fold(item.text)
    assert PdfReader(item.ocr_file.open("rb")).pages[0].extract_text()


def test_the_real_runner_reports_a_broken_page(tmp_path):
    if not _tesseract_vie():
        pytest.skip("OCRmyPDF is not installed")
    broken = tmp_path / "page.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not a page\n")
    with pytest.raises(ocr_tools.PageError) as failure:
        ocr_tools.run_ocrmypdf(broken, tmp_path / "out.pdf", tmp_path / "out.txt")
    assert "OCRmyPDF" in str(failure.value)


# --- failures, tools, recovery (stand-in OCR) ----------------------------------------------


def test_a_page_failing_twice_is_reported_and_the_rest_kept(cast, fake_ocr, run_on_commit):
    fake_ocr.fail = {2}
    item = make_item(cast.committee, image_pdf(scan(), scan(), scan(), dpi=50))
    run_on_commit(ocr.ocr_enqueue, item)
    item.refresh_from_db()
    assert item.ocr_status == Status.FAILED
    assert fake_ocr.calls == [1, 2, 2, 3]
    assert "2" in item.ocr_error.splitlines()[1] and "hỏng trang 2" in item.ocr_error
    page = item.page_rows.get(number=2)
    assert page.status == ArchivePage.Status.FAILED and page.attempts == 2
    assert item.text == "trang 1 ke hoach\n\ntrang 3 ke hoach" and item.ocr_pages_done == 2
    # Partial: the copy has all three pages; the done pages' PDFs stay for a retry.
    assert len(PdfReader(item.ocr_file.open("rb")).pages) == 3
    assert item.page_rows.filter(status=ArchivePage.Status.DONE).exclude(pdf="").count() == 2


def test_a_retry_runs_only_the_failed_pages(cast, fake_ocr, run_on_commit):
    fake_ocr.fail = {2}
    item = make_item(cast.committee, image_pdf(scan(), scan(), dpi=50))
    run_on_commit(ocr.ocr_enqueue, item)
    first_copy = ArchiveItem.objects.get(pk=item.pk).ocr_file.name
    fake_ocr.fail, fake_ocr.calls = set(), []
    run_on_commit(ocr.ocr_retry, actor=cast.clerk, item=item)
    item.refresh_from_db()
    assert item.ocr_status == Status.DONE and fake_ocr.calls == [2]
    assert item.text == "trang 1 ke hoach\n\ntrang 2 ke hoach"
    assert item.ocr_file.name != first_copy and not default_storage.exists(first_copy)
    assert not item.page_rows.exclude(pdf="").exists()


def test_a_retry_is_refused_unless_the_ocr_failed(cast, fake_ocr, run_on_commit):
    from django.core.exceptions import PermissionDenied, ValidationError

    item = make_item(cast.committee, image_pdf(scan(), dpi=50))
    run_on_commit(ocr.ocr_enqueue, item)
    with pytest.raises(ValidationError) as refused:
        ocr.ocr_retry(actor=cast.clerk, item=item)
    assert refused.value.code == "ocr_not_retryable"
    ArchiveItem.objects.filter(pk=item.pk).update(ocr_status=Status.FAILED)
    for who in (cast.secretary, cast.outsider_clerk):
        with pytest.raises(PermissionDenied):
            ocr.ocr_retry(actor=who, item=item)
    assert ArchiveItem.objects.get(pk=item.pk).ocr_status == Status.FAILED


def test_a_multi_frame_tiff_is_one_page_per_frame(cast, fake_ocr, run_on_commit):
    tiff = io.BytesIO()
    frames = [scan(dpi=50), scan(dpi=50).convert("RGBA")]
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:], dpi=(50, 50))
    item = make_item(cast.committee, tiff.getvalue(), name="scan.tif", content_type="image/tiff")
    run_on_commit(ocr.ocr_enqueue, item)
    item.refresh_from_db()
    assert item.ocr_status == Status.DONE and item.pages == 2 and fake_ocr.calls == [1, 2]
    assert len(PdfReader(item.ocr_file.open("rb")).pages) == 2


def test_text_pdfs_and_word_files_need_no_ocr(cast, fake_ocr, run_on_commit):
    item = make_item(cast.committee, text_pdf(["BAO CAO tong ket cong tac nam 2025 cua xa"]))
    run_on_commit(ocr.ocr_enqueue, item)
    docx = make_item(cast.committee, b"PK\x03\x04", name="a.docx", content_type="application/x")
    run_on_commit(ocr.ocr_enqueue, docx)
    for one in (item, docx):
        one.refresh_from_db()
        assert one.ocr_status == Status.NOT_NEEDED and not one.page_rows.exists()
    assert fake_ocr.calls == []


@pytest.mark.parametrize(
    ("which", "langs", "says"),
    [
        ({"tesseract"}, "", "OCRmyPDF"),
        ({"ocrmypdf"}, "", "Tesseract"),
        ({"tesseract", "ocrmypdf"}, "eng\nosd\n", "tesseract-ocr-vie"),
    ],
)
def test_missing_tools_leave_the_item_stored_and_unavailable(
    cast, monkeypatch, run_on_commit, which, langs, says
):
    monkeypatch.setattr(ocr_tools, "_tools_checked", None)
    monkeypatch.setattr(ocr_tools.shutil, "which", lambda name: name if name in which else None)
    listed = subprocess.CompletedProcess([], 0, stdout=f"List of languages:\n{langs}", stderr="")
    monkeypatch.setattr(ocr_tools.subprocess, "run", lambda *a, **k: listed)
    data = image_pdf(scan(dpi=50))
    item = make_item(cast.committee, data)
    run_on_commit(ocr.ocr_enqueue, item)
    item.refresh_from_db()
    assert item.ocr_status == Status.UNAVAILABLE and says in item.ocr_error
    assert item.text == "" and not item.page_rows.exists() and stored_sha256(item) == item.sha256
    # Still missing: a retry is refused with the reason, nothing changes.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        ocr.ocr_retry(actor=cast.clerk, item=item)
    assert refused.value.code == "ocr_unavailable"
    assert ArchiveItem.objects.get(pk=item.pk).ocr_status == Status.UNAVAILABLE


def _stale_item(cast, *, minutes_ago: int, attempts: list[int]):
    """An item left running by a worker killed `minutes_ago`: page 1 done, then pages
    with the given attempts already counted."""
    item = make_item(cast.committee, image_pdf(*[scan(dpi=50)] * (1 + len(attempts)), dpi=50))
    then = timezone.now() - dt.timedelta(minutes=minutes_ago)
    ArchiveItem.objects.filter(pk=item.pk).update(
        ocr_status=Status.RUNNING, ocr_started_at=then, ocr_heartbeat=then, ocr_pages_done=1
    )
    ArchivePage.objects.create(item=item, number=1, status="done", attempts=1, text="trang 1")
    for number, tries in enumerate(attempts, start=2):
        ArchivePage.objects.create(item=item, number=number, attempts=tries)
    return item


def test_a_stale_running_item_resumes_and_a_page_that_killed_twice_fails(
    cast, fake_ocr, run_on_commit, monkeypatch, tmp_path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    orphan = tmp_path / f"{ocr.TMP_PREFIX}killed"  # the killed worker's temporary folder
    orphan.mkdir()
    an_hour_ago = time.time() - 3600
    os.utime(orphan, (an_hour_ago, an_hour_ago))
    stale = _stale_item(cast, minutes_ago=30, attempts=[1, 2])
    alive = _stale_item(cast, minutes_ago=1, attempts=[1])
    requeued = run_on_commit(ocr.ocr_recover)
    assert requeued == [stale.pk] and not orphan.exists()
    stale.refresh_from_db()
    # Resumed at the first page not done; page 3 had stopped its worker twice.
    assert fake_ocr.calls == [2]
    assert stale.ocr_status == Status.FAILED and "3" in stale.ocr_error.splitlines()[1]
    pages = {p.number: p for p in stale.page_rows.all()}
    assert pages[2].status == "done" and pages[2].attempts == 2
    assert pages[3].status == "failed" and pages[3].attempts == 2
    assert stale.text == "trang 1\n\ntrang 2 ke hoach"
    assert ArchiveItem.objects.get(pk=alive.pk).ocr_status == Status.RUNNING


def _waiting_since(cast, name: str, *, minutes_ago: int) -> ArchiveItem:
    """An item planned and marked waiting `minutes_ago`, its task never queued (the process
    died between the commit and `on_commit`)."""
    item = make_item(cast.committee, image_pdf(scan([name], dpi=50), dpi=50), name=name)
    ocr.ocr_enqueue(item, schedule=False)
    then = timezone.now() - dt.timedelta(minutes=minutes_ago)
    ArchiveItem.objects.filter(pk=item.pk).update(updated_at=then)
    return item


def test_a_waiting_item_whose_task_was_never_queued_is_queued_again(cast, fake_ocr, run_on_commit):
    lost = _waiting_since(cast, "lost.pdf", minutes_ago=30)
    fresh = _waiting_since(cast, "fresh.pdf", minutes_ago=1)
    assert run_on_commit(ocr.ocr_recover) == [lost.pk]
    assert ArchiveItem.objects.get(pk=lost.pk).ocr_status == Status.DONE
    assert ArchiveItem.objects.get(pk=fresh.pk).ocr_status == Status.WAITING


def test_a_waiting_item_with_its_task_still_in_the_database_queue_is_left_alone(
    cast, fake_ocr, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from capuyso.archive.tasks import ocr_item_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    queued = _waiting_since(cast, "queued.pdf", minutes_ago=30)  # behind a large intake
    with django_capture_on_commit_callbacks(execute=True):
        ocr_item_task.enqueue(item_id=queued.pk)
    lost = _waiting_since(cast, "lost.pdf", minutes_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert ocr.ocr_recover() == [lost.pk]
    tasks = DBTaskResult.objects.filter(task_path=ocr_item_task.module_path, status="READY")
    assert sorted(t.args_kwargs["kwargs"]["item_id"] for t in tasks) == [queued.pk, lost.pk]
    # The queue is asked about the stale items only, in SQL.
    assert ocr._queued_item_ids([lost.pk, 0]) == {lost.pk}
    # The next recovery finds both queued: nothing is queued twice.
    later = timezone.now() + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert ocr.ocr_recover(now=later) == []
    assert tasks.count() == 2


def test_a_worker_whose_item_was_taken_over_stops_writing(cast, fake_ocr, run_on_commit):
    item = make_item(cast.committee, image_pdf(scan(dpi=50), scan(dpi=50), dpi=50))
    run_on_commit(ocr.ocr_enqueue, item, schedule=False)

    def taken_over():  # meanwhile the item was presumed dead and claimed by another worker
        ArchiveItem.objects.filter(pk=item.pk).update(ocr_started_at=timezone.now())

    fake_ocr.before = taken_over
    assert ocr.ocr_process_item(item.pk) == ""
    item.refresh_from_db()
    assert item.ocr_status == Status.RUNNING and item.page_rows.filter(status="done").count() == 0


def test_the_command_recovers_reruns_and_processes_pending_items(cast, fake_ocr, capsys):
    stale = _stale_item(cast, minutes_ago=30, attempts=[0])
    waiting = make_item(cast.committee, image_pdf(scan(dpi=50), dpi=50), name="b.pdf")
    ocr.ocr_enqueue(waiting, schedule=False)
    call_command("archive_ocr", "--recover", "--pending", "--workers", "1")
    summary = json.loads(capsys.readouterr().out)
    assert summary["requeued"] == 1 and summary["processed"] == 2
    assert ArchiveItem.objects.get(pk=stale.pk).ocr_status == Status.DONE
    assert ArchiveItem.objects.get(pk=waiting.pk).ocr_status == Status.DONE
    call_command("archive_ocr", "--item", str(waiting.code), "--redo")
    summary = json.loads(capsys.readouterr().out)
    assert summary["item"]["ocr_status"] == "done" and summary["item"]["pages_done"] == 1
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("archive_ocr", "--item", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(CommandError):
        call_command("archive_ocr")
