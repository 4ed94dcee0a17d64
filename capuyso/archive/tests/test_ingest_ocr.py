"""End to end with the real OCR: a folder with a scan and a text PDF is taken in by the
command, the scan's OCR runs after the commit (tests run tasks at once), and its text and
metadata proposal follow. Skipped where Tesseract with Vietnamese is not installed."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from capuyso.archive.models import ArchiveItem
from capuyso.archive.ocr_tools import tools_missing
from capuyso.archive.tests import ingest_samples as samples
from capuyso.core.text import fold

pytestmark = pytest.mark.django_db


@pytest.mark.one_database
@pytest.mark.skipif(bool(tools_missing()), reason="tesseract-ocr-vie and ocrmypdf are needed")
def test_a_scanned_page_is_ocred_after_intake_and_its_metadata_proposed(
    cast, tmp_path, django_capture_on_commit_callbacks
):
    import pypdfium2

    page = pypdfium2.PdfDocument(samples.text_pdf())[0]
    image = page.render(scale=300 / 72).to_pil().convert("L")
    scan = io.BytesIO()
    image.save(scan, "PNG", dpi=(300, 300))
    (tmp_path / "ke-hoach-quet.png").write_bytes(scan.getvalue())
    (tmp_path / "ke-hoach.pdf").write_bytes(samples.text_pdf())

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("archive_ingest", str(tmp_path), "--committee", "phu-cat", stdout=out)

    report = json.loads(out.getvalue())
    assert report["counts"]["added"] == 2
    item = ArchiveItem.objects.get(source_name="ke-hoach-quet.png")
    assert item.ocr_status == ArchiveItem.OcrStatus.DONE, item.ocr_error
    assert item.text_source == ArchiveItem.TextSource.OCR
    assert "chuyen doi so" in fold(item.text)
    assert item.proposed["reference"] == "09-KH/ĐU"
    assert item.proposed["document_date"] == "2026-01-05"
    with item.file.open("rb") as handle:
        assert handle.read() == scan.getvalue()  # the original is untouched
