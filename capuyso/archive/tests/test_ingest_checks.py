"""The checks of one file and the intake's wiring: names made safe, zip bombs and huge
images refused from their headers, signatures found, OCR handed over after the commit,
the search index and the audit trail written."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from capuyso.archive import ingest
from capuyso.archive.ingest import Intake, checks, examine, safe_name
from capuyso.archive.models import ArchiveItem
from capuyso.archive.tests import ingest_samples as samples


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\win.ini.pdf", "win.ini.pdf"),
        ("/tmp/abs.pdf", "abs.pdf"),
        ("C:evil.pdf", "evil.pdf"),
        ("ten\x00an.pdf", "tenan.pdf"),
        ("dong\nmoi\r.pdf", "dongmoi.pdf"),
        ("\u202efdp.exe", "fdp.exe"),  # a right-to-left override
        ("..", "tep"),
        ("", "tep"),
        (".an.pdf", "an.pdf"),
        ("  Kế   hoạch 09.pdf ", "Kế hoạch 09.pdf"),
        ("Số: 09-KH.pdf", "Số: 09-KH.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_safe_name_keeps_only_a_harmless_base_name(given, expected):
    assert safe_name(given) == expected


def code_of(data: bytes, name: str = "tep") -> str:
    with pytest.raises(ValidationError) as error:
        examine(data, name)
    assert name in error.value.messages[0]
    return error.value.code


def test_bad_files_are_refused_with_their_code():
    assert code_of(b"") == "empty"
    assert code_of(samples.corrupt_pdf()) == "corrupt"
    assert code_of(b"%PDF-1.4\n%%EOF") == "corrupt"
    assert code_of(samples.encrypted_pdf()) == "encrypted"
    assert code_of(samples.encrypted_pdf(password="")) == "encrypted"  # owner password only
    assert code_of(b"PK\x03\x04 not a zip") == "corrupt"
    assert code_of(b"GIF89a....") == "unsupported"
    assert code_of(b"\x89PNG\r\n\x1a\n broken") == "corrupt"
    assert code_of(samples.huge_png_header()) == "image_too_large"


def test_type_is_read_from_the_content_not_the_name():
    assert examine(samples.png_bytes(), "quet.pdf").content_type == "image/png"
    assert code_of("%PDF- chỉ là chữ".encode(), "a.txt") == "corrupt"


def test_a_zip_that_is_not_a_word_document_is_refused():
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
    assert code_of(out.getvalue()) == "unsupported"


def test_zip_bomb_by_ratio_and_by_unpacked_size(settings):
    with pytest.raises(ValidationError) as error:
        examine(samples.zip_bomb_docx(unpacked_mb=20), "bom.docx")
    assert error.value.code == "zip_bomb" and "20 MB" in error.value.messages[0]
    settings.ARCHIVE_DOCX_MAX_UNPACKED_MB = 1
    settings.ARCHIVE_DOCX_MAX_RATIO = 10_000
    assert code_of(samples.zip_bomb_docx(unpacked_mb=2)) == "zip_bomb"


def test_a_normal_word_document_passes_the_bomb_check():
    examined = examine(samples.simple_docx(), "bb.docx")
    assert examined.text.startswith("Biên bản họp chi bộ") and examined.pages >= 1


def test_image_pixel_limit_is_read_from_the_header_and_configurable(settings):
    with pytest.raises(ValidationError) as error:
        examine(samples.huge_png_header(), "khong-lo.png")
    assert "20000 × 20000" in error.value.messages[0]
    assert examine(samples.png_bytes((400, 300)), "a.png").pages == 1
    settings.ARCHIVE_MAX_IMAGE_MEGAPIXELS = 0.1
    assert code_of(samples.png_bytes((400, 300))) == "image_too_large"


def test_too_many_pages_are_refused(settings):
    settings.ARCHIVE_MAX_PAGES = 2
    assert code_of(samples.image_pdf(pages=3)) == "too_many_pages"
    assert code_of(samples.tiff_bytes(frames=3)) == "too_many_pages"


def test_docx_header_table_comes_first_left_cell_before_right():
    doc = samples.PartyDoc(
        left=("ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ THÔN ĐÔNG YÊN"),
        reference_line="Số 03-BC/CB",
        place_date="Đông Yên, ngày 10 tháng 6 năm 2024",
        title="BÁO CÁO",
        summary="kết quả sinh hoạt chi bộ tháng 5 năm 2024",
    )
    text = checks.docx_text(samples.party_docx(doc))
    lines = text.splitlines()
    assert lines[:4] == ["ĐẢNG BỘ XÃ PHÚ CÁT", "CHI BỘ THÔN ĐÔNG YÊN", "*", "Số 03-BC/CB"]
    assert lines.index("ĐẢNG CỘNG SẢN VIỆT NAM") < lines.index("BÁO CÁO")


def pdf_with_signature_field(*, value: bool) -> bytes:
    """A PDF whose form has a /Sig field, with or without a signature value (no /ByteRange
    anywhere): the form alone says whether it was signed."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(samples.text_pdf())))
    field = DictionaryObject(
        {NameObject("/FT"): NameObject("/Sig"), NameObject("/T"): TextStringObject("Chu ky")}
    )
    if value:
        field[NameObject("/V")] = DictionaryObject(
            {NameObject("/Type"): NameObject("/Sig"), NameObject("/Filter"): NameObject("/X")}
        )
    parent = DictionaryObject({NameObject("/Kids"): ArrayObject([writer._add_object(field)])})
    form = DictionaryObject({NameObject("/Fields"): ArrayObject([writer._add_object(parent)])})
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(form)
    out = io.BytesIO()
    writer.write(out)
    assert b"/ByteRange" not in out.getvalue()
    return out.getvalue()


def test_a_filled_signature_field_marks_the_pdf_signed():
    assert examine(pdf_with_signature_field(value=True), "a.pdf").signed
    assert not examine(pdf_with_signature_field(value=False), "a.pdf").signed
    assert not examine(samples.text_pdf(), "a.pdf").signed


def test_a_signed_pdf_is_recognised_by_its_byte_range():
    signed, _trust = samples.signed_pdf_and_trust()
    assert examine(signed, "ky.pdf").signed


# --- the intake's wiring -----------------------------------------------------------------


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    import capuyso.archive.ocr as ocr

    monkeypatch.setattr(ocr, "ocr_enqueue", lambda item: calls.append(item.pk))
    return calls


@pytest.mark.django_db
def test_only_items_needing_ocr_are_handed_to_ocr_after_the_commit(
    cast, enqueued, django_capture_on_commit_callbacks
):
    intake = Intake(committee=cast.committee, actor=cast.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        scan = intake.add_bytes(samples.image_pdf(), name="quet.pdf").item
        intake.add_bytes(samples.text_pdf(), name="kh.pdf")
        intake.add_bytes(samples.simple_docx(), name="bb.docx")
        image = intake.add_bytes(samples.png_bytes(), name="anh.png").item
        assert enqueued == []  # not before the commit
    assert enqueued == [scan.pk, image.pk]


@pytest.mark.django_db
def test_without_the_ocr_module_an_item_stays_waiting(
    cast, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(sys.modules, "capuyso.archive.ocr", None)  # import fails
    with django_capture_on_commit_callbacks(execute=True):
        result = Intake(committee=cast.committee).add_bytes(samples.png_bytes(), name="a.png")
    result.item.refresh_from_db()
    assert result.item.ocr_status == ArchiveItem.OcrStatus.WAITING


@pytest.mark.django_db
def test_each_added_item_is_indexed_for_search(cast, monkeypatch):
    indexed = []
    monkeypatch.setattr(ingest, "index_object", lambda obj: indexed.append(obj.pk))
    intake = Intake(committee=cast.committee)
    added = intake.add_bytes(samples.text_pdf(), name="kh.pdf").item
    intake.add_bytes(samples.text_pdf(), name="lai.pdf")  # a duplicate is not indexed again
    intake.add_bytes(b"", name="rong.pdf")
    assert indexed == [added.pk]


@pytest.mark.django_db
def test_a_file_that_breaks_unexpectedly_is_reported_and_the_batch_goes_on(cast, monkeypatch):
    real = ingest.examine

    def flaky(data, name):
        if name == "loi.pdf":
            raise RuntimeError("boom")
        return real(data, name)

    monkeypatch.setattr(ingest, "examine", flaky)
    intake = Intake(committee=cast.committee)
    intake.add_bytes(samples.image_pdf(), name="loi.pdf")
    intake.add_bytes(samples.text_pdf(), name="kh.pdf")
    assert [r.status for r in intake.results] == ["failed", "added"]
    assert intake.results[0].error == "internal"


@pytest.mark.django_db
def test_a_failure_after_the_file_is_written_leaves_no_item_and_no_file(
    cast, monkeypatch, settings
):
    from pathlib import Path

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ingest, "audit_record", broken)
    result = Intake(committee=cast.committee).add_bytes(samples.text_pdf(), name="kh.pdf")
    assert result.status == "failed" and not ArchiveItem.objects.exists()
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()] == []


@pytest.mark.django_db
def test_only_the_committee_registrars_take_files_in(cast):
    for user in (cast.cell_secretary, cast.secretary, cast.outsider_clerk, cast.member):
        with pytest.raises(PermissionDenied):
            Intake(committee=cast.committee, actor=user)
    Intake(committee=cast.committee, actor=cast.clerk)


@pytest.mark.django_db
def test_two_sends_of_the_same_file_at_once_make_one_item_and_one_file(cast, monkeypatch, settings):
    """The second request checks before the first commits, then meets the unique constraint:
    it reports the duplicate and removes the copy it had written."""
    from pathlib import Path

    intake = Intake(committee=cast.committee)
    first = intake.add_bytes(samples.text_pdf(), name="kh.pdf")
    real = Intake._existing
    calls = []

    def not_yet(self, sha256):
        calls.append(sha256)
        return None if len(calls) == 1 else real(self, sha256)

    monkeypatch.setattr(Intake, "_existing", not_yet)
    second = Intake(committee=cast.committee).add_bytes(samples.text_pdf(), name="kh-lai.pdf")

    assert second.status == "duplicate" and second.item == first.item
    assert ArchiveItem.objects.count() == 1
    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*.pdf")]
    assert len(stored) == 1
