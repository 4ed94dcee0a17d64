import datetime as dt
import io
import re
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from capuyso.accounts.roles import Role
from capuyso.core.testing import make_member, make_user
from capuyso.meetings.models import Attendance, DocumentOpening, Meeting, MeetingDocument
from capuyso.meetings.services import reader as reader_svc
from capuyso.meetings.services.attendance import attendance_mark
from capuyso.meetings.services.meetings import agenda_item_add
from capuyso.meetings.tests.factories import make_meeting

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_pdf(pages: int = 3) -> bytes:
    """A small valid PDF with `pages` A4 pages, each with a heading and a box."""
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    font = 3 + 2 * pages
    for i in range(pages):
        stream = f"BT /F1 24 Tf 72 760 Td (Trang {i + 1}) Tj ET 72 600 300 100 re S".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


PDF = make_pdf(3)


def upload(name="tai-lieu.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def attach(cast, meeting, *, confidential=False, title="Dự thảo nghị quyết"):
    item = agenda_item_add(
        actor=cast.cell_secretary if meeting.unit_id else cast.secretary,
        meeting=meeting,
        title="Nội dung " + title,
        confidential=confidential,
    )
    return reader_svc.meeting_document_add(
        actor=cast.cell_secretary if meeting.unit_id else cast.secretary,
        item=item,
        upload=upload(),
        title=title,
    )


def member_of(cast, user, name="Ngô Văn Phúc", cell=None):
    member = make_member(cast.committee, cell or cast.cell, name)
    user.member = member
    user.save(update_fields=["member"])
    return member


# --- Attaching ------------------------------------------------------------------------------


def test_attaching_a_pdf_counts_its_pages_and_stores_it(cast):
    meeting = make_meeting(cast)
    document = attach(cast, meeting)
    assert document.page_count == 3
    assert document.title == "Dự thảo nghị quyết"
    assert document.file.content_type == "application/pdf"
    assert reader_svc.page_sizes(document) == [(595.0, 842.0)] * 3


def test_only_pdf_is_attached_by_a_manager_of_an_open_meeting(cast):
    meeting = make_meeting(cast)
    item = agenda_item_add(actor=cast.cell_secretary, meeting=meeting, title="Báo cáo")
    png = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(png, "PNG")
    with pytest.raises(ValidationError) as exc:
        reader_svc.meeting_document_add(
            actor=cast.cell_secretary,
            item=item,
            upload=SimpleUploadedFile("anh.png", png.getvalue(), content_type="image/png"),
        )
    assert exc.value.error_dict["file"][0].code == "bad_file"
    with pytest.raises(ValidationError) as exc:
        reader_svc.meeting_document_add(
            actor=cast.cell_secretary, item=item, upload=upload("hong.pdf", b"%PDF-1.4 broken")
        )
    assert exc.value.error_dict["file"][0].code == "bad_file"
    with pytest.raises(PermissionDenied):
        reader_svc.meeting_document_add(actor=cast.member, item=item, upload=upload())
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CLOSED)
    with pytest.raises(ValidationError) as exc:
        reader_svc.meeting_document_add(actor=cast.cell_secretary, item=item, upload=upload())
    assert exc.value.error_list[0].code == "meeting_over"
    assert not MeetingDocument.objects.exists()


def test_untitled_document_takes_the_file_name(cast):
    meeting = make_meeting(cast)
    item = agenda_item_add(actor=cast.cell_secretary, meeting=meeting, title="Báo cáo")
    document = reader_svc.meeting_document_add(
        actor=cast.cell_secretary, item=item, upload=upload("Bao_cao thang 11.pdf")
    )
    assert document.title == "Bao cao thang 11"


# --- Reading -------------------------------------------------------------------------------


def test_reader_page_images_are_png_and_the_opening_is_recorded(cast, client_for):
    meeting = make_meeting(cast)
    member_of(cast, cast.member)
    document = attach(cast, meeting)
    client = client_for(cast.member)
    response = client.get(reverse("meetings:reader", args=[document.code]))
    assert response.status_code == 200
    html = response.content.decode()
    image_url = reverse("meetings:reader_page", args=[document.code, 1])
    assert image_url in html
    assert str(document.file.code) not in html  # no link to the file itself
    assert not re.search(r"<a[^>]*\sdownload", html)  # no download link
    assert ".pdf" not in html
    opening = DocumentOpening.objects.get(document=document, user=cast.member)
    assert opening.times == 1

    image = client.get(image_url, {"w": "480"})
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image["Content-Disposition"].startswith("inline")
    assert image.content.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(image.content)) as picture:
        assert picture.width == 480 and abs(picture.height - 480 * 842 / 595) <= 1
    assert client.get(reverse("meetings:reader_page", args=[document.code, 4])).status_code == 404

    # Turning pages is the same opening; coming back later is one more.
    assert client.get(reverse("meetings:reader", args=[document.code]), {"page": 2}).status_code
    opening.refresh_from_db()
    assert opening.times == 1
    DocumentOpening.objects.filter(pk=opening.pk).update(
        last_opened_at=timezone.now() - dt.timedelta(hours=2)
    )
    client.get(reverse("meetings:reader", args=[document.code]))
    opening.refresh_from_db()
    assert opening.times == 2


def test_page_navigation_without_javascript_and_with_htmx(cast, client_for):
    meeting = make_meeting(cast)
    document = attach(cast, meeting)
    client = client_for(cast.cell_secretary)
    url = reverse("meetings:reader", args=[document.code])
    html = client.get(url, {"page": 2}).content.decode()
    assert 'href="?page=1"' in html and 'href="?page=3"' in html
    assert reverse("meetings:reader_page", args=[document.code, 2]) in html
    html = client.get(url, {"page": 99}).content.decode()  # past the end: the last page
    assert reverse("meetings:reader_page", args=[document.code, 3]) in html
    partial = client.get(url, {"page": 3}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="reader-page"' in partial


def test_pages_are_rendered_once_per_page_and_width(cast, client_for):
    meeting = make_meeting(cast)
    document = attach(cast, meeting)
    client = client_for(cast.cell_secretary)
    url = reverse("meetings:reader_page", args=[document.code, 2])
    with mock.patch.object(reader_svc, "render_page", wraps=reader_svc.render_page) as render:
        first = client.get(url, {"w": "800"}).content
        second = client.get(url, {"w": "790"}).content  # snapped to 800
        client.get(url, {"w": "1200"})
    assert first == second
    assert render.call_count == 2


def test_without_a_renderer_the_reader_says_so(cast, client_for):
    meeting = make_meeting(cast)
    document = attach(cast, meeting)
    client = client_for(cast.cell_secretary)
    with mock.patch.object(reader_svc, "renderer", return_value=None):
        response = client.get(reverse("meetings:reader", args=[document.code]))
        assert response.status_code == 200
        assert b"msg-warning" in response.content
        image = client.get(reverse("meetings:reader_page", args=[document.code, 1]))
        assert image.status_code == 404


# --- Confidential items --------------------------------------------------------------------


def test_confidential_document_is_refused_to_an_absent_member(cast, client_for):
    meeting = make_meeting(cast)
    member = member_of(cast, cast.member)
    public = attach(cast, meeting, title="Báo cáo tháng")
    secret = attach(cast, meeting, confidential=True, title="Nhân sự")
    reader_url = reverse("meetings:reader", args=[secret.code])
    image_url = reverse("meetings:reader_page", args=[secret.code, 1])

    client = client_for(cast.member)
    assert client.get(reader_url).status_code == 404
    assert client.get(image_url).status_code == 404
    listed = reader_svc.documents_for_user(cast.member, meeting)
    assert [d for g in listed for d in g.documents] == [public]

    attendance_mark(
        actor=cast.cell_secretary,
        meeting=meeting,
        member=member,
        status=Attendance.Status.ABSENT_EXCUSED,
    )
    assert client.get(reader_url).status_code == 404

    attendance_mark(
        actor=cast.cell_secretary, meeting=meeting, member=member, status=Attendance.Status.PRESENT
    )
    assert client.get(reader_url).status_code == 200
    assert client.get(image_url).status_code == 200
    listed = reader_svc.documents_for_user(cast.member, meeting)
    assert {d for g in listed for d in g.documents} == {public, secret}

    client = client_for(cast.cell_secretary)  # a manager, not on the roll
    assert client.get(reader_url).status_code == 200


def test_reader_door_outsider_other_cell_and_methods(cast, client_for):
    meeting = make_meeting(cast)
    document = attach(cast, meeting)
    other_member = make_user(
        cast.committee, "dangvien2", "Lý Văn Khác", Role.MEMBER, cast.other_cell
    )
    urls = [
        reverse("meetings:reader", args=[document.code]),
        reverse("meetings:reader_page", args=[document.code, 1]),
        reverse("meetings:document_openings", args=[document.code]),
    ]
    client = client_for(cast.outsider)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    client = client_for(other_member)
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    client = client_for(cast.member)
    assert client.get(urls[2]).status_code == 403  # openings are for managers


def test_managers_see_who_opened_what(cast, client_for):
    meeting = make_meeting(cast)
    member_of(cast, cast.member)
    document = attach(cast, meeting)
    reader_svc.document_opening_record(user=cast.member, document=document)
    client = client_for(cast.cell_secretary)
    response = client.get(reverse("meetings:document_openings", args=[document.code]))
    assert response.status_code == 200
    assert cast.member.full_name in response.content.decode()


def test_document_add_and_remove_views(cast, client_for):
    meeting = make_meeting(cast)
    item = agenda_item_add(actor=cast.cell_secretary, meeting=meeting, title="Báo cáo")
    add_url = reverse("meetings:document_add", args=[meeting.code])
    client = client_for(cast.outsider)
    assert client.get(add_url).status_code == 404
    client = client_for(cast.member)
    assert client.get(add_url).status_code == 403
    assert client.post(add_url, {"item": item.code, "file": upload()}).status_code == 403
    client = client_for(cast.cell_secretary)
    assert client.get(add_url).status_code == 200
    response = client.post(add_url, {"item": str(item.code), "file": upload(), "title": "Báo cáo"})
    assert response.status_code == 302
    document = MeetingDocument.objects.get()
    bad = client.post(add_url, {"item": str(item.code)})
    assert bad.status_code == 400
    remove_url = reverse("meetings:document_remove", args=[document.code])
    assert client.get(remove_url).status_code == 405
    client = client_for(cast.member)
    assert client.post(remove_url).status_code == 403  # may read, may not remove
    client = client_for(cast.cell_secretary)
    assert client.post(remove_url).status_code == 302
    assert not MeetingDocument.objects.exists()


def test_reader_panel_lists_what_the_user_may_read(cast, django_assert_max_num_queries):
    meeting = make_meeting(cast)
    member_of(cast, cast.member)
    for i in range(5):
        attach(cast, meeting, title=f"Tài liệu {i}")
    attach(cast, meeting, confidential=True, title="Nhân sự mật")
    request = RequestFactory().get("/")
    request.user = cast.member
    with django_assert_max_num_queries(8):
        html = render_to_string(
            "meetings/_reader_panel.html",
            {"meeting": meeting, "can_manage": False, "request": request},
        )
    assert "Tài liệu 4" in html and "Nhân sự mật" not in html
    request.user = cast.cell_secretary
    with django_assert_max_num_queries(8):
        html = render_to_string(
            "meetings/_reader_panel.html",
            {"meeting": meeting, "can_manage": True, "request": request},
        )
    assert "Nhân sự mật" in html


def test_a_registry_pdf_the_manager_may_read_is_put_on_the_agenda(cast, client_for):
    from capuyso.documents import files as doc_files
    from capuyso.documents.tests.factories import register

    incoming = register(
        cast,
        checked_files=[doc_files.check_upload(upload("ke-hoach.pdf"), allowed=(doc_files.PDF,))],
    )
    stored = incoming.files.get()
    meeting = make_meeting(cast, unit=False, title="Hội nghị Ban Chấp hành")
    item = agenda_item_add(actor=cast.secretary, meeting=meeting, title="Kế hoạch")
    listed = reader_svc.registry_files_for_user(cast.secretary)
    assert stored in [f.stored for f in listed]
    assert reader_svc.registry_files_for_user(cast.member) == []

    add_url = reverse("meetings:document_add", args=[meeting.code])
    client = client_for(cast.secretary)
    assert str(stored.code) in client.get(add_url).content.decode()
    response = client.post(add_url, {"item": str(item.code), "existing": str(stored.code)})
    assert response.status_code == 302
    document = MeetingDocument.objects.get()
    assert (document.file, document.page_count) == (stored, 3)
    # A file the user may not read is refused by the documents door.
    other = make_meeting(cast, title="Sinh hoạt chi bộ")
    other_item = agenda_item_add(actor=cast.cell_secretary, meeting=other, title="Báo cáo")
    client = client_for(cast.cell_secretary)
    response = client.post(
        reverse("meetings:document_add", args=[other.code]),
        {"item": str(other_item.code), "existing": str(stored.code)},
    )
    assert response.status_code == 403
    assert MeetingDocument.objects.count() == 1
