"""The OCR pages: an item's status (htmx partial and page), running it again, the overview,
and that nothing of them reaches another committee. The OCR itself is stood in for."""

from __future__ import annotations

import pytest
from django.urls import reverse

from capuyso.archive.models import ArchiveItem, ArchivePage
from capuyso.archive.tests.test_ocr import image_pdf, make_item, scan

pytestmark = pytest.mark.django_db
Status = ArchiveItem.OcrStatus
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def item(cast):
    return make_item(cast.committee, image_pdf(scan(dpi=50), scan(dpi=50), dpi=50))


def _status(item, status, **values):
    ArchiveItem.objects.filter(pk=item.pk).update(ocr_status=status, **values)
    item.refresh_from_db()
    return item


def test_the_partial_polls_while_running_and_shows_pages_done(cast, client_for, item):
    _status(item, Status.RUNNING, ocr_pages_done=1)
    ArchivePage.objects.create(item=item, number=1, status="done")
    ArchivePage.objects.create(item=item, number=2)
    url = reverse("archive:item_ocr_status", args=[item.code])
    response = client_for(cast.secretary).get(url, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'hx-trigger="every 3s"' in html and f'hx-get="{url}"' in html
    assert 'value="1"' in html and 'max="2"' in html
    assert f'href="{url}"' in html  # a plain link refreshes it without JavaScript
    _status(item, Status.DONE, ocr_pages_done=2)
    html = client_for(cast.secretary).get(url, **HTMX).content.decode()
    assert "hx-trigger" not in html


def test_the_page_without_javascript_shows_the_reason_and_pages(cast, client_for, item):
    _status(item, Status.FAILED, ocr_error="OCR failed on 1 of 2 pages.\nPage 2: hỏng")
    ArchivePage.objects.create(item=item, number=1, status="done", attempts=1)
    ArchivePage.objects.create(item=item, number=2, status="failed", attempts=2, error="hỏng")
    url = reverse("archive:item_ocr_status", args=[item.code])
    retry = reverse("archive:item_ocr_retry", args=[item.code])
    clerk_page = client_for(cast.clerk).get(url).content.decode()
    assert "<html" in clerk_page and "Page 2: hỏng" in clerk_page and "hx-trigger" not in clerk_page
    assert f'action="{retry}"' in clerk_page
    reader_page = client_for(cast.secretary).get(url).content.decode()
    assert "Page 2: hỏng" in reader_page and f'action="{retry}"' not in reader_page


def test_unavailable_says_so(cast, client_for, item):
    _status(item, Status.UNAVAILABLE, ocr_error="OCR is unavailable: Tesseract is missing.")
    url = reverse("archive:item_ocr_status", args=[item.code])
    html = client_for(cast.secretary).get(url, **HTMX).content.decode()
    assert "Tesseract is missing" in html


def test_a_clerk_runs_a_failed_item_again(cast, client_for, item, monkeypatch):
    from capuyso.archive import ocr_tools

    monkeypatch.setattr(ocr_tools, "tools_missing", lambda: "")
    _status(item, Status.FAILED, ocr_error="x")
    ArchivePage.objects.create(item=item, number=1, status="failed", attempts=2, error="x")
    url = reverse("archive:item_ocr_retry", args=[item.code])
    client = client_for(cast.clerk)
    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("archive:item_ocr_status", args=[item.code])
    item.refresh_from_db()
    assert item.ocr_status == Status.WAITING and item.ocr_error == ""
    page = item.page_rows.get()
    assert page.status == "waiting" and page.attempts == 0
    # Again, now that it waits: refused with a message, nothing changed (htmx: inline).
    html = client.post(url, **HTMX).content.decode()
    assert "msg-error" in html and "hx-trigger" in html
    assert ArchiveItem.objects.get(pk=item.pk).ocr_status == Status.WAITING


def test_retry_rights(cast, client_for, item):
    _status(item, Status.FAILED)
    url = reverse("archive:item_ocr_retry", args=[item.code])
    assert client_for(cast.clerk).get(url).status_code == 405
    assert client_for(cast.secretary).post(url).status_code == 403
    assert client_for(cast.outsider_clerk).post(url).status_code == 404
    assert ArchiveItem.objects.get(pk=item.pk).ocr_status == Status.FAILED


def test_status_rights(cast, client_for, item):
    url = reverse("archive:item_ocr_status", args=[item.code])
    assert client_for(cast.member).get(url).status_code == 403
    assert client_for(cast.outsider).get(url).status_code == 404
    assert client_for(cast.outsider_clerk).get(url, **HTMX).status_code == 404
    missing = reverse("archive:item_ocr_status", args=["00000000-0000-0000-0000-000000000000"])
    assert client_for(cast.clerk).get(missing).status_code == 404


def test_the_overview_counts_and_lists_the_queue_of_the_committee_only(
    cast, client_for, django_assert_max_num_queries
):
    names = {
        Status.WAITING: "cho.pdf",
        Status.RUNNING: "dang-chay.pdf",
        Status.FAILED: "loi.pdf",
        Status.DONE: "xong.pdf",
    }
    for number, (status, name) in enumerate(names.items()):
        one = make_item(cast.committee, image_pdf(scan(dpi=20 + number), dpi=50), name=name)
        _status(one, status)
    other = make_item(cast.other, image_pdf(scan(dpi=30), dpi=50), name="xa-khac.pdf")
    _status(other, Status.FAILED)
    client = client_for(cast.secretary)
    with django_assert_max_num_queries(14):  # session, user, access, menu: 10; ours: 3
        response = client.get(reverse("archive:ocr_overview"))
    html = response.content.decode()
    listed = [i.source_name for i in response.context["page"]]
    assert listed == ["dang-chay.pdf", "cho.pdf", "loi.pdf"]
    assert "xa-khac.pdf" not in html and 'hx-trigger="every 5s"' in html
    counts = {value: n for value, _, n in response.context["counts"]}
    assert counts["failed"] == 1 and counts["done"] == 1 and counts["waiting"] == 1
    failed = client.get(reverse("archive:ocr_overview"), {"status": "failed"})
    assert [i.source_name for i in failed.context["page"]] == ["loi.pdf"]
    partial = client.get(reverse("archive:ocr_overview"), **HTMX).content.decode()
    assert "<html" not in partial and 'id="ocr-queue"' in partial
    outsider = client_for(cast.outsider_clerk).get(reverse("archive:ocr_overview"))
    assert [i.source_name for i in outsider.context["page"]] == ["xa-khac.pdf"]
    assert client_for(cast.member).get(reverse("archive:ocr_overview")).status_code == 403


def test_a_disposed_item_is_not_run_again_and_its_page_offers_no_retry(cast, client_for, item):
    from django.utils import timezone

    _status(item, Status.FAILED, ocr_error="x")
    ArchiveItem.objects.filter(pk=item.pk).update(disposed_at=timezone.now(), file="")
    client = client_for(cast.clerk)
    retry = reverse("archive:item_ocr_retry", args=[item.code])
    html = client.post(retry, **HTMX).content.decode()
    assert "msg-error" in html
    assert ArchiveItem.objects.get(pk=item.pk).ocr_status == Status.FAILED
    page = client.get(reverse("archive:item", args=[item.code])).content.decode()
    assert f'action="{retry}"' not in page


def test_the_item_page_offers_the_retry_to_the_office(cast, client_for, item):
    _status(item, Status.FAILED, ocr_error="x")
    retry = reverse("archive:item_ocr_retry", args=[item.code])
    page = client_for(cast.clerk).get(reverse("archive:item", args=[item.code])).content.decode()
    assert f'action="{retry}"' in page
    page = client_for(cast.secretary).get(reverse("archive:item", args=[item.code]))
    assert f'action="{retry}"' not in page.content.decode()
