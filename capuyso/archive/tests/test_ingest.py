"""Bulk intake from the command line: a mixed folder of real files, the JSON summary, a second
run that adds nothing, the bad files (each refused with its code, the batch going on), the
signed PDF kept byte for byte, the dossier option and the usage errors."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from capuyso.archive.models import ArchiveItem, Dossier
from capuyso.archive.tests import ingest_samples as samples
from capuyso.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def run(folder, *args) -> dict:
    out = io.StringIO()
    call_command("archive_ingest", str(folder), *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def folder(tmp_path):
    """A commune's box of scans and files, with the usual accidents."""
    root = tmp_path / "thung-ho-so"
    (root / "2025" / "quy-1").mkdir(parents=True)
    files = {
        "ke-hoach-09.pdf": samples.text_pdf(),
        "2025/bien-ban-quet.pdf": samples.image_pdf(pages=2),
        "2025/quy-1/to-trinh-mot-trang-quet.pdf": samples.mixed_pdf(),
        "2025/quy-1/bao-cao.docx": samples.simple_docx(
            ["Báo cáo kết quả công tác quý I"], [("Chỉ tiêu", "Kết quả"), ("Thu đảng phí", "100%")]
        ),
        "anh-chup.png": samples.png_bytes(),
        "nhieu-trang.tif": samples.tiff_bytes(frames=3),
        "the-dang-vien.jpg": samples.jpeg_bytes(),
        "hong.pdf": samples.corrupt_pdf(),
        "co-mat-khau.pdf": samples.encrypted_pdf(),
        "rong.pdf": b"",
        "bom.docx": samples.zip_bomb_docx(),
        "khong-lo.png": samples.huge_png_header(),
        "ghi-chu.txt": "Không phải tệp lưu trữ".encode(),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root, files


ADDED = {
    "ke-hoach-09.pdf",
    "bien-ban-quet.pdf",
    "to-trinh-mot-trang-quet.pdf",
    "bao-cao.docx",
    "anh-chup.png",
    "nhieu-trang.tif",
    "the-dang-vien.jpg",
}
FAILED = {
    "hong.pdf": "corrupt",
    "co-mat-khau.pdf": "encrypted",
    "rong.pdf": "empty",
    "bom.docx": "zip_bomb",
    "khong-lo.png": "image_too_large",
    "ghi-chu.txt": "unsupported",
}


def test_a_mixed_folder_is_taken_in_and_summarised(cast, folder):
    root, files = folder

    report = run(root, "--committee", "phu-cat")

    assert report["committee"] == "phu-cat" and report["dossier"] is None
    assert report["counts"] == {
        "files": 13,
        "added": 7,
        "duplicates": 0,
        "failed": 6,
        "ocr_queued": 5,  # the two scanned PDFs, the PNG, the TIFF and the JPEG
    }
    lines = {line["name"]: line for line in report["files"]}
    assert {n for n, line in lines.items() if line["status"] == "added"} == ADDED
    assert {n: line["error"] for n, line in lines.items() if line["status"] == "failed"} == FAILED
    for name in FAILED:
        assert lines[name]["code"] is None and name in lines[name]["reason"]
    assert lines["to-trinh-mot-trang-quet.pdf"]["path"] == "2025/quy-1/to-trinh-mot-trang-quet.pdf"
    items = {
        item.source_name: item for item in ArchiveItem.objects.filter(committee=cast.committee)
    }
    assert set(items) == ADDED
    for path, data in files.items():
        item = items.get(path.rsplit("/", 1)[-1])
        if item is None:
            continue
        assert lines[item.source_name]["code"] == str(item.code)
        assert item.source_path == path and item.size == len(data)
        assert item.sha256 == hashlib.sha256(data).hexdigest()
        with default_storage.open(item.file.name, "rb") as handle:
            assert handle.read() == data  # the original, byte for byte
        assert re.fullmatch(
            rf"archive/{cast.committee.pk}/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.\w+", item.file.name
        )
    assert AuditEvent.objects.filter(object_type="archive.archiveitem").count() == 7


def test_text_comes_from_the_pdf_layer_or_the_docx_and_scans_wait_for_ocr(cast, folder):
    root, _files = folder
    run(root, "--committee", "phu-cat")
    items = {i.source_name: i for i in ArchiveItem.objects.all()}
    Status, Source = ArchiveItem.OcrStatus, ArchiveItem.TextSource

    text_pdf = items["ke-hoach-09.pdf"]
    assert (text_pdf.text_source, text_pdf.ocr_status, text_pdf.pages) == (
        Source.PDF,
        Status.NOT_NEEDED,
        1,
    )
    assert "chuyển đổi số" in text_pdf.text and not text_pdf.signed
    assert text_pdf.proposed == {
        "reference": "09-KH/ĐU",
        "document_date": "2026-01-05",
        "issuer_name": "Đảng ủy xã Phú Cát",  # the directory's spelling
        "type_abbreviation": "KH",
        "summary": "thực hiện chuyển đổi số trong các cơ quan Đảng năm 2026",
    }
    docx = items["bao-cao.docx"]
    assert (docx.text_source, docx.ocr_status) == (Source.DOCX, Status.NOT_NEEDED)
    assert "Báo cáo kết quả công tác quý I" in docx.text and "Thu đảng phí" in docx.text

    scan = items["bien-ban-quet.pdf"]
    assert (scan.text, scan.text_source, scan.ocr_status, scan.pages) == (
        "",
        Source.NONE,
        Status.WAITING,
        2,
    )
    assert scan.proposed == {}
    mixed = items["to-trinh-mot-trang-quet.pdf"]  # page 1 has text, page 2 is a scan
    assert (mixed.text_source, mixed.ocr_status, mixed.pages) == (Source.PDF, Status.WAITING, 2)
    assert mixed.proposed["reference"] == "09-KH/ĐU"
    assert items["nhieu-trang.tif"].pages == 3
    for name in ("anh-chup.png", "nhieu-trang.tif", "the-dang-vien.jpg"):
        assert (items[name].text_source, items[name].ocr_status) == (Source.NONE, Status.WAITING)


def test_running_again_on_the_same_folder_adds_nothing(cast, folder):
    root, _files = folder
    first = run(root, "--committee", "phu-cat")
    codes = {line["name"]: line["code"] for line in first["files"] if line["status"] == "added"}

    again = run(root, "--committee", "phu-cat")

    assert again["counts"] == {
        "files": 13,
        "added": 0,
        "duplicates": 7,
        "failed": 6,
        "ocr_queued": 0,
    }
    duplicates = {line["name"]: line for line in again["files"] if line["status"] == "duplicate"}
    assert {name: line["code"] for name, line in duplicates.items()} == codes
    assert all(line["error"] == "duplicate" for line in duplicates.values())
    assert ArchiveItem.objects.count() == 7
    assert AuditEvent.objects.filter(object_type="archive.archiveitem").count() == 7


def test_the_same_bytes_under_two_names_are_one_item(cast, tmp_path):
    (tmp_path / "a.pdf").write_bytes(samples.text_pdf())
    (tmp_path / "b-ban-sao.pdf").write_bytes(samples.text_pdf())

    report = run(tmp_path, "--committee", "phu-cat")

    assert [line["status"] for line in report["files"]] == ["added", "duplicate"]
    assert report["files"][1]["code"] == report["files"][0]["code"]
    assert "a.pdf" in report["files"][1]["reason"]


def test_another_committee_may_hold_the_same_bytes(cast, tmp_path):
    (tmp_path / "kh.pdf").write_bytes(samples.text_pdf())
    run(tmp_path, "--committee", "phu-cat")

    report = run(tmp_path, "--committee", "dong-xuan")

    assert report["counts"]["added"] == 1
    assert ArchiveItem.objects.filter(committee=cast.other).count() == 1


def test_a_signed_pdf_is_kept_byte_for_byte_and_still_validates(cast, tmp_path):
    from capuyso.signing import pdf

    signed, trust = samples.signed_pdf_and_trust()
    (tmp_path / "nghi-quyet-ky-so.pdf").write_bytes(signed)

    report = run(tmp_path, "--committee", "phu-cat")

    item = ArchiveItem.objects.get(code=report["files"][0]["code"])
    assert item.signed and item.ocr_status == ArchiveItem.OcrStatus.NOT_NEEDED
    with default_storage.open(item.file.name, "rb") as handle:
        stored = handle.read()
    assert stored == signed
    assert pdf.verify(stored, trust)["verdict"] == "valid"


def test_reasons_are_in_vietnamese(cast, tmp_path):
    (tmp_path / "rong.pdf").write_bytes(b"")

    report = run(tmp_path, "--committee", "phu-cat")

    assert report["files"][0]["reason"] == "rong.pdf là tệp rỗng (0 byte)."


def test_a_file_over_the_size_limit_is_refused_unread(cast, tmp_path, settings):
    settings.ARCHIVE_MAX_FILE_MB = 1
    (tmp_path / "lon.pdf").write_bytes(b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1))
    (tmp_path / "nho.pdf").write_bytes(samples.text_pdf())

    report = run(tmp_path, "--committee", "phu-cat")

    lines = {line["name"]: line for line in report["files"]}
    assert lines["lon.pdf"]["error"] == "too_large" and lines["nho.pdf"]["status"] == "added"


def test_links_are_reported_and_not_followed(cast, tmp_path):
    outside = tmp_path / "ngoai"
    outside.mkdir()
    (outside / "bi-mat.pdf").write_bytes(samples.text_pdf())
    root = tmp_path / "vao"
    root.mkdir()
    (root / "lien-ket.pdf").symlink_to(outside / "bi-mat.pdf")
    (root / "thu-muc").symlink_to(outside, target_is_directory=True)

    report = run(root, "--committee", "phu-cat")

    assert [(line["name"], line["error"]) for line in report["files"]] == [
        ("lien-ket.pdf", "not_a_file")
    ]
    assert not ArchiveItem.objects.exists()


@pytest.mark.parametrize("form", ["number", "code"])
def test_items_are_filed_into_the_dossier_named(cast, tmp_path, form):
    dossier = Dossier.objects.create(
        committee=cast.committee, file_number="05", title="Kế hoạch", year=2025
    )
    (tmp_path / "kh.pdf").write_bytes(samples.text_pdf())
    name = "05/2025" if form == "number" else str(dossier.code)

    report = run(tmp_path, "--committee", "phu-cat", "--dossier", name, "--user", "vanthu")

    assert report["dossier"] == "05/2025"
    item = ArchiveItem.objects.get()
    assert item.dossier == dossier and item.ingested_by == cast.clerk


@pytest.mark.parametrize(
    "args",
    [
        ("--committee", "khong-co"),
        ("--committee", "phu-cat", "--dossier", "99/2025"),
        ("--committee", "phu-cat", "--dossier", "05/2025"),  # of the other committee
        ("--committee", "phu-cat", "--user", "khong-co"),
        ("--committee", "phu-cat", "--user", "ngoaixa"),  # of the other committee
        ("--committee", "phu-cat", "--user", "dangvien"),  # without the right
    ],
)
def test_usage_errors_take_nothing_in(cast, tmp_path, args):
    Dossier.objects.create(committee=cast.other, file_number="05", title="Khác", year=2025)
    (tmp_path / "kh.pdf").write_bytes(samples.text_pdf())

    with pytest.raises(CommandError) as error:
        run(tmp_path, *args)

    assert error.value.returncode == 2
    assert not ArchiveItem.objects.exists()


def test_a_missing_folder_is_a_usage_error(cast, tmp_path):
    with pytest.raises(CommandError) as error:
        run(tmp_path / "khong-co", "--committee", "phu-cat")
    assert error.value.returncode == 2 and "not a folder" in str(error.value)


def test_a_disposed_dossier_is_refused(cast, tmp_path):
    from django.utils import timezone

    Dossier.objects.create(
        committee=cast.committee,
        file_number="01",
        title="Đã hủy",
        year=2000,
        disposed_at=timezone.now(),
    )
    (tmp_path / "kh.pdf").write_bytes(samples.text_pdf())

    with pytest.raises(CommandError) as error:
        run(tmp_path, "--committee", "phu-cat", "--dossier", "01/2000")

    assert error.value.returncode == 2 and not ArchiveItem.objects.exists()
