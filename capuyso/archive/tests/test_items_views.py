"""The archive items pages: list with filters, upload of many files, the item page with its
metadata to confirm, the downloads; who may do what, and another committee's 404."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from capuyso.archive.ingest import Intake
from capuyso.archive.models import ArchiveItem, Dossier
from capuyso.archive.tests import ingest_samples as samples

pytestmark = pytest.mark.django_db


def take_in(cast, data: bytes, name: str, **kwargs) -> ArchiveItem:
    result = Intake(committee=kwargs.pop("committee", cast.committee), **kwargs).add_bytes(
        data, name=name
    )
    assert result.status == "added", result.reason
    return result.item


@pytest.fixture
def item(cast):
    return take_in(cast, samples.text_pdf(), "ke-hoach-09.pdf", actor=cast.clerk)


def upload(name: str, data: bytes, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- the list -----------------------------------------------------------------------------


def test_list_shows_the_committee_items_newest_first(cast, client_for, item):
    scan = take_in(cast, samples.png_bytes(), "anh-quet.png")
    take_in(cast, samples.jpeg_bytes(), "cua-xa-khac.jpg", committee=cast.other)

    response = client_for(cast.clerk).get(reverse("archive:items"))

    assert response.status_code == 200
    assert list(response.context["page"]) == [scan, item]
    assert "cua-xa-khac.jpg" not in response.text


def test_list_filters_by_name_ocr_status_and_dossier(cast, client_for, item):
    dossier = Dossier.objects.create(
        committee=cast.committee, file_number="05", title="Hồ sơ", year=2025
    )
    scan = take_in(cast, samples.png_bytes(), "bien-ban-quet.png", dossier=dossier)
    client = client_for(cast.secretary)  # a reader
    url = reverse("archive:items")

    assert list(client.get(url, {"q": "ke-hoach"}).context["page"]) == [item]
    assert list(client.get(url, {"ocr": "waiting"}).context["page"]) == [scan]
    assert list(client.get(url, {"dossier": dossier.code}).context["page"]) == [scan]
    assert list(client.get(url, {"ocr": "nonsense"}).context["page"]) == [scan, item]
    assert list(client.get(url, {"dossier": "not-a-uuid"}).context["page"]) == [scan, item]


def test_list_costs_the_same_queries_for_5_or_55_items(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.clerk)
    for n in range(5):
        take_in(cast, samples.png_bytes((200 + n, 150)), f"a{n}.png")
    client.get(reverse("archive:items"))  # warm the session
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("archive:items"))
    for n in range(50):
        take_in(cast, samples.png_bytes((300 + n, 150)), f"b{n}.png")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("archive:items"))
    assert len(response.context["page"]) == 50 and response.context["page"].has_next()


# --- the upload ------------------------------------------------------------------------


def test_upload_of_many_files_shows_one_line_each(cast, client_for):
    client = client_for(cast.clerk)
    files = [
        upload("ke-hoach.pdf", samples.text_pdf()),
        upload("anh.png", samples.png_bytes()),
        upload("rong.pdf", b""),
        upload("../../../etc/passwd.pdf", samples.image_pdf()),
        upload("bom.docx", samples.zip_bomb_docx(unpacked_mb=20)),
    ]

    response = client.post(reverse("archive:item_upload"), {"files": files})

    assert response.status_code == 200
    counts = response.context["summary"]["counts"]
    assert (counts["added"], counts["failed"], counts["ocr_queued"]) == (3, 2, 2)
    names = {i.source_name: i for i in ArchiveItem.objects.all()}
    assert set(names) == {"ke-hoach.pdf", "anh.png", "passwd.pdf"}
    tricked = names["passwd.pdf"]
    assert tricked.file.name.startswith(f"archive/{cast.committee.pk}/")
    assert tricked.source_path == "" and tricked.ingested_by == cast.clerk
    assert default_storage.path(tricked.file.name).startswith(str(default_storage.location))
    assert "rong.pdf" in response.text and "bom.docx" in response.text
    for created in names.values():
        assert reverse("archive:item", args=[created.code]) in response.text


def test_sending_the_form_twice_adds_nothing_twice(cast, client_for):
    client = client_for(cast.clerk)
    data = samples.text_pdf()
    client.post(reverse("archive:item_upload"), {"files": [upload("kh.pdf", data)]})

    again = client.post(reverse("archive:item_upload"), {"files": [upload("kh.pdf", data)]})

    assert ArchiveItem.objects.count() == 1
    result = again.context["summary"]["results"][0]
    assert result.status == "duplicate" and result.item == ArchiveItem.objects.get()
    assert again.context["summary"]["counts"]["duplicates"] == 1
    assert "kh.pdf" in again.text


def test_upload_files_into_a_dossier(cast, client_for):
    dossier = Dossier.objects.create(
        committee=cast.committee, file_number="05", title="Hồ sơ", year=2025
    )
    client_for(cast.clerk).post(
        reverse("archive:item_upload"),
        {"files": [upload("kh.pdf", samples.text_pdf())], "dossier": dossier.code},
    )
    assert ArchiveItem.objects.get().dossier == dossier


def test_upload_refuses_another_committee_dossier_and_takes_nothing(cast, client_for):
    foreign = Dossier.objects.create(committee=cast.other, file_number="05", title="X", year=2025)
    response = client_for(cast.clerk).post(
        reverse("archive:item_upload"),
        {"files": [upload("kh.pdf", samples.text_pdf())], "dossier": foreign.code},
    )
    assert "dossier" in response.context["form"].errors and not ArchiveItem.objects.exists()


def test_too_many_files_at_once_get_a_clear_message(cast, client_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [upload(f"anh-{n}.png", samples.png_bytes((200 + n, 150))) for n in range(3)]
    response = client_for(cast.clerk).post(reverse("archive:item_upload"), {"files": files})
    assert response.status_code == 200
    assert response.context["form"].has_error("files", "too_many_files")
    assert not ArchiveItem.objects.exists()


def test_upload_without_files_asks_for_one(cast, client_for):
    response = client_for(cast.clerk).post(reverse("archive:item_upload"), {})
    assert response.status_code == 200 and "files" in response.context["form"].errors


def test_upload_form_works_without_javascript(cast, client_for):
    response = client_for(cast.clerk).get(reverse("archive:item_upload"))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text
    assert 'type="file"' in response.text and "multiple" in response.text


# --- the item page and the confirmation -----------------------------------------------------


def test_item_page_shows_proposals_and_prefills_the_form(cast, client_for, item):
    response = client_for(cast.clerk).get(reverse("archive:item", args=[item.code]))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["reference"] == "09-KH/ĐU"
    assert form.initial["issuer_name"] == "Đảng ủy xã Phú Cát"
    assert form.initial["doc_type"].abbreviation == "KH"
    assert form.initial["year"] == 2026
    assert form.initial["title"].startswith("Kế hoạch thực hiện chuyển đổi số")
    assert 'value="05/01/2026"' in response.text  # dd/mm/yyyy
    assert "thực hiện chuyển đổi số" in response.text  # the text excerpt


def test_a_reader_sees_the_item_without_the_form(cast, client_for, item):
    response = client_for(cast.secretary).get(reverse("archive:item", args=[item.code]))
    assert response.status_code == 200 and response.context["form"] is None


def test_confirming_the_metadata(cast, client_for, item):
    from capuyso.audit.models import AuditEvent
    from capuyso.documents.models import DocumentType

    dossier = Dossier.objects.create(
        committee=cast.committee, file_number="05", title="Kế hoạch", year=2026
    )
    kh = DocumentType.objects.get(committee=cast.committee, abbreviation="KH")
    data = {
        "title": "Kế hoạch chuyển đổi số",
        "reference": "Số 09-KH/ĐU",
        "document_date": "05/01/2026",
        "issuer_name": "Đảng ủy xã Phú Cát",
        "doc_type": kh.code,
        "year": "",
        "dossier": dossier.code,
    }

    response = client_for(cast.clerk).post(reverse("archive:item_confirm", args=[item.code]), data)

    assert response.status_code == 302, response.context["form"].errors
    item.refresh_from_db()
    assert (item.title, item.reference, str(item.document_date), item.year) == (
        "Kế hoạch chuyển đổi số",
        "09-KH/ĐU",
        "2026-01-05",
        2026,
    )
    assert (item.doc_type, item.dossier, item.metadata_confirmed_by) == (kh, dossier, cast.clerk)
    assert item.metadata_confirmed_at is not None
    event = AuditEvent.objects.filter(object_id=str(item.code), verb="update").get()
    assert event.changes["reference"] == ["", "09-KH/ĐU"]


def test_a_bad_date_is_refused_and_nothing_changes(cast, client_for, item):
    response = client_for(cast.clerk).post(
        reverse("archive:item_confirm", args=[item.code]),
        {"title": "Kế hoạch", "document_date": "31/02/2026"},
    )
    assert response.status_code == 200 and "document_date" in response.context["form"].errors
    item.refresh_from_db()
    assert item.metadata_confirmed_at is None and item.title == ""


def test_another_committee_type_or_dossier_is_refused(cast, client_for, item):
    from capuyso.documents.models import DocumentType

    foreign_type = DocumentType.objects.filter(committee=cast.other).first()
    foreign_dossier = Dossier.objects.create(
        committee=cast.other, file_number="01", title="X", year=2025
    )
    client = client_for(cast.clerk)
    url = reverse("archive:item_confirm", args=[item.code])
    for data in ({"doc_type": foreign_type.code}, {"dossier": foreign_dossier.code}):
        response = client.post(url, {"title": "Kế hoạch", **data})
        assert response.status_code == 200 and set(data) <= set(response.context["form"].errors)
    item.refresh_from_db()
    assert item.metadata_confirmed_at is None


def test_confirm_is_post_only(cast, client_for, item):
    response = client_for(cast.clerk).get(reverse("archive:item_confirm", args=[item.code]))
    assert response.status_code == 405


# --- downloads ------------------------------------------------------------------------------


def test_the_original_is_served_byte_for_byte(cast, client_for, item):
    response = client_for(cast.secretary).get(reverse("archive:item_original", args=[item.code]))
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body == samples.text_pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Cache-Control"] == "private, no-store"
    download = client_for(cast.secretary).get(
        reverse("archive:item_original", args=[item.code]), {"download": "1"}
    )
    assert download["Content-Disposition"].startswith("attachment")


def test_a_changed_file_is_not_served(cast, client_for, item):
    with open(default_storage.path(item.file.name), "ab") as handle:
        handle.write(b"% changed")
    response = client_for(cast.clerk).get(reverse("archive:item_original", args=[item.code]))
    assert response.status_code == 409


def test_the_searchable_copy_is_served_when_there_is_one(cast, client_for, item):
    from django.core.files.base import ContentFile

    client = client_for(cast.clerk)
    url = reverse("archive:item_searchable", args=[item.code])
    assert client.get(url).status_code == 404
    copy = samples.text_pdf() + b"\n% ocr"
    item.ocr_file.save("ban-sao.pdf", ContentFile(copy))
    response = client.get(url)
    assert b"".join(response.streaming_content) == copy
    assert "ke-hoach-09-ocr.pdf" in response["Content-Disposition"]
    assert hashlib.sha256(copy).hexdigest() != item.sha256


# --- who may do what ----------------------------------------------------------------------


def item_urls(item) -> list[str]:
    return [
        reverse("archive:item", args=[item.code]),
        reverse("archive:item_original", args=[item.code]),
        reverse("archive:item_searchable", args=[item.code]),
    ]


def test_another_committee_gets_404_on_every_item_url(cast, client_for, item):
    client = client_for(cast.outsider_clerk)
    for url in item_urls(item):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("archive:item_confirm", args=[item.code]), {"title": "X"})
    assert response.status_code == 404
    assert item.code not in [i.code for i in client.get(reverse("archive:items")).context["page"]]


@pytest.mark.parametrize("who", ["cell_secretary", "member", "admin"])
def test_without_the_committee_wide_right_every_page_is_403(cast, client_for, item, who):
    client = client_for(getattr(cast, who))
    urls = [reverse("archive:items"), reverse("archive:item_upload"), *item_urls(item)]
    for url in urls:
        assert client.get(url).status_code == 403, url
    files = {"files": [upload("kh.pdf", samples.image_pdf())]}
    assert client.post(reverse("archive:item_upload"), files).status_code == 403
    confirm = client.post(reverse("archive:item_confirm", args=[item.code]), {"title": "X"})
    assert confirm.status_code == 403
    assert ArchiveItem.objects.count() == 1


def test_a_reader_may_not_upload_or_confirm(cast, client_for, item):
    client = client_for(cast.secretary)
    assert client.get(reverse("archive:item_upload")).status_code == 403
    response = client.post(reverse("archive:item_confirm", args=[item.code]), {"title": "X"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.title == ""


def test_pages_need_a_sign_in(client, item):
    response = client.get(reverse("archive:item", args=[item.code]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_disposed_item_keeps_its_record_but_serves_no_file(cast, client_for, item):
    from django.utils import timezone

    ArchiveItem.objects.filter(pk=item.pk).update(disposed_at=timezone.now(), file="")
    client = client_for(cast.clerk)
    response = client.get(reverse("archive:item_original", args=[item.code]))
    assert response.status_code == 410
    assert "ke-hoach-09.pdf" in response.content.decode()
    assert client.get(reverse("archive:item_searchable", args=[item.code])).status_code == 410
    assert client.get(reverse("archive:item", args=[item.code])).status_code == 200
    response = client.post(reverse("archive:item_confirm", args=[item.code]), {"title": "Kế hoạch"})
    assert response.status_code in {200, 400}
    assert response.context["form"].has_error("__all__", "disposed")
    item.refresh_from_db()
    assert item.title == "" and item.metadata_confirmed_at is None
