"""The Import tab: upload and preview (nothing written), apply (once, however often it is
clicked), discard, preview again creating cells; who may do it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from capuyso.audit.models import AuditEvent
from capuyso.documents.models import StoredFile
from capuyso.members.models import ImportBatch, Member, MemberRevision
from capuyso.members.tests import messy_sheet as ms
from capuyso.org.models import Unit

pytestmark = pytest.mark.django_db


def upload(data=None, name="danh-sach.xlsx"):
    return SimpleUploadedFile(name, ms.messy_workbook() if data is None else data)


@pytest.fixture
def batch(cast, client_for):
    ms.seed_existing(cast)
    client = client_for(cast.party_building)
    response = client.post(reverse("members:import"), {"file": upload()})
    assert response.status_code == 302
    return ImportBatch.objects.get()


def urls(batch):
    return {
        name: reverse(f"members:{name}", args=[batch.code])
        for name in ("import_preview", "import_apply", "import_discard", "import_recheck")
    }


def test_the_import_page_opens_for_those_who_may_import(cast, client_for):
    for user in (cast.party_building, cast.secretary, cast.deputy):
        response = client_for(user).get(reverse("members:import"))
        assert response.status_code == 200
        assert b'name="file"' in response.content and b'name="create_cells"' in response.content
    for user in (cast.cell_secretary, cast.clerk, cast.member, cast.standing, cast.outsider):
        assert client_for(user).get(reverse("members:import")).status_code == 403


def test_the_import_tab_shows_for_those_who_may_import(cast, client_for):
    page = client_for(cast.party_building).get(reverse("members:list"))
    assert reverse("members:import").encode() in page.content
    page = client_for(cast.cell_secretary).get(reverse("members:list"))
    assert reverse("members:import").encode() not in page.content


def test_upload_keeps_the_file_and_previews_without_writing_a_member(cast, client_for):
    ms.seed_existing(cast)
    members = Member.objects.count()
    revisions = MemberRevision.objects.count()
    client = client_for(cast.party_building)

    response = client.post(reverse("members:import"), {"file": upload(), "create_cells": ""})

    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("members:import_preview", args=[batch.code])
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.create_cells is False
    assert batch.committee == cast.committee and batch.created_by == cast.party_building
    assert batch.report["counts"] == ms.MESSY_COUNTS and batch.report["dry_run"] is True
    assert batch.file.original_name == "danh-sach.xlsx" and batch.file.size > 0
    assert Member.objects.count() == members
    assert MemberRevision.objects.count() == revisions
    assert AuditEvent.objects.filter(object_id=str(batch.code)).count() == 1


def test_the_preview_lists_refused_and_review_rows_first_with_their_reasons(
    cast, client_for, batch, django_assert_max_num_queries
):
    client = client_for(cast.party_building)
    with django_assert_max_num_queries(15):
        response = client.get(urls(batch)["import_preview"])
    assert response.status_code == 200
    rows = response.context["page"].object_list
    statuses = [r["status"] for r in rows]
    order = ["rejected", "review", "updated", "created", "unchanged"]
    assert statuses == sorted(statuses, key=order.index)
    assert statuses[:9] == ["rejected"] * 6 + ["review"] * 3
    assert rows[0]["sheet"] == ms.MAIN and rows[0]["row"] == 12
    body = response.content.decode()
    assert "Chi bộ thôn Bến Đò" in body  # the unknown cell, named
    assert urls(batch)["import_apply"] in body and urls(batch)["import_discard"] in body
    assert urls(batch)["import_recheck"] in body  # preview again, creating the cell
    assert ms.NOTES in body  # the sheet without a table is mentioned

    only_review = client.get(urls(batch)["import_preview"], {"status": "review"})
    assert [r["code"] for r in only_review.context["page"].object_list] == [
        "card_conflict",
        "duplicate_card_in_file",
        "duplicate_card_in_file",
    ]
    preview = urls(batch)["import_preview"]
    partial = client.get(preview, {"status": "rejected"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert b'id="import-rows"' in partial.content and b"<html" not in partial.content


def test_apply_writes_once_however_often_it_is_posted(cast, client_for, batch):
    client = client_for(cast.party_building)
    members = Member.objects.count()

    response = client.post(urls(batch)["import_apply"])

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and batch.applied_at is not None
    assert batch.report["dry_run"] is False and batch.report["counts"] == ms.MESSY_COUNTS
    assert Member.objects.count() == members + ms.MESSY_COUNTS["created"]
    event = AuditEvent.objects.filter(object_id=str(batch.code)).order_by("seq").last()
    assert event.changes["counts"] == ms.MESSY_COUNTS

    again = client.post(urls(batch)["import_apply"])  # a double click, a second tab
    assert again.status_code == 302
    assert Member.objects.count() == members + ms.MESSY_COUNTS["created"]
    page = client.get(urls(batch)["import_preview"])
    assert urls(batch)["import_apply"] not in page.content.decode()


def test_discard_writes_nothing_and_apply_after_it_does_nothing(cast, client_for, batch):
    client = client_for(cast.party_building)
    members = Member.objects.count()
    response = client.post(urls(batch)["import_discard"])
    assert response["Location"] == reverse("members:import")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED
    client.post(urls(batch)["import_apply"])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED
    assert Member.objects.count() == members


def test_preview_again_creating_the_cells_then_apply(cast, client_for, batch):
    client = client_for(cast.party_building)
    client.post(urls(batch)["import_recheck"], {"create_cells": "1"})
    batch.refresh_from_db()
    assert batch.create_cells is True
    assert batch.report["created_cells"] == ["Chi bộ thôn Bến Đò"]
    assert not Unit.objects.filter(name="Chi bộ thôn Bến Đò").exists()
    client.post(urls(batch)["import_apply"])
    assert Unit.objects.filter(committee=cast.committee, name="Chi bộ thôn Bến Đò").exists()
    assert Member.objects.filter(full_name="Vũ Văn Giang").exists()


def test_the_create_cells_box_at_upload(cast, client_for):
    client = client_for(cast.party_building)
    client.post(reverse("members:import"), {"file": upload(), "create_cells": "on"})
    batch = ImportBatch.objects.get()
    assert batch.create_cells is True and batch.report["unknown_cells"] == []


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (ms.renamed_csv, "danh-sach.xlsx"),
        (ms.encrypted_xlsx, "danh-sach.xlsx"),
        (ms.old_xls, "danh-sach.xls"),
        (ms.a_pdf, "danh-sach.pdf"),
    ],
)
def test_a_wrong_file_is_refused_on_the_form(cast, client_for, make, name):
    files = StoredFile.objects.count()
    response = client_for(cast.party_building).post(
        reverse("members:import"), {"file": upload(make(), name)}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["file"]
    assert errors[0].code in {"not_xlsx", "encrypted", "xls"}
    assert not ImportBatch.objects.exists() and StoredFile.objects.count() == files


def test_post_only_views_refuse_get(cast, client_for, batch):
    client = client_for(cast.party_building)
    for name in ("import_apply", "import_discard", "import_recheck"):
        assert client.get(urls(batch)[name]).status_code == 405


def test_without_the_right_403_and_from_another_committee_404(cast, client_for, batch):
    members = Member.objects.count()
    for user in (cast.cell_secretary, cast.clerk, cast.standing):
        client = client_for(user)
        assert client.get(urls(batch)["import_preview"]).status_code == 403
        for name in ("import_apply", "import_discard", "import_recheck"):
            assert client.post(urls(batch)[name]).status_code == 403
    client = client_for(cast.outsider)
    assert client.get(urls(batch)["import_preview"]).status_code == 404
    for name in ("import_apply", "import_discard", "import_recheck"):
        assert client.post(urls(batch)[name]).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert Member.objects.count() == members


def test_the_list_of_imports_stays_within_its_queries(
    cast, client_for, batch, django_assert_max_num_queries
):
    client = client_for(cast.party_building)
    for _ in range(3):
        client.post(reverse("members:import"), {"file": upload()})
    with django_assert_max_num_queries(12):
        response = client.get(reverse("members:import"))
    assert response.status_code == 200
    assert len(response.context["batches"]) == 4
    link = reverse("members:import_preview", args=[batch.code])
    assert response.content.decode().count(link) == 1


def test_a_stored_workbook_changed_since_upload_is_not_applied(cast, client_for, batch):
    from django.core.files.storage import default_storage

    with default_storage.open(batch.file.file.name, "wb") as handle:
        handle.write(b"changed")
    members = Member.objects.count()
    response = client_for(cast.party_building).post(urls(batch)["import_apply"])
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert Member.objects.count() == members
