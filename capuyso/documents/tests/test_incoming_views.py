import datetime as dt
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from capuyso.archive.models import Dossier
from capuyso.documents.models import Assignment, IncomingDocument
from capuyso.documents.services import incoming as svc
from capuyso.documents.tests.factories import doc_type, pdf_upload, register

pytestmark = pytest.mark.django_db


def in_days(n):
    return timezone.localdate() + dt.timedelta(days=n)


def form_data(cast, **extra):
    data = {
        "channel": "paper",
        "issuer_name": "Thành ủy Hà Nội",
        "reference": "09-KH/TU",
        "document_date": "2026-01-05",
        "doc_type": str(doc_type(cast.committee).code),
        "summary": "Kế hoạch thực hiện chuyển đổi số",
        "secrecy": "",
        "urgency": "",
        "submit_token": str(uuid.uuid4()),
        "action": "register",
    }
    data.update(extra)
    return data


def test_list_requires_the_right_to_read_documents(cast, client_for):
    assert client_for(cast.member).get(reverse("documents:incoming_list")).status_code == 403


def test_list_is_scoped_and_searchable_without_diacritics(cast, client_for):
    register(cast, reference="09-KH/ĐU", summary="Kế hoạch của Đảng ủy về chuyển đổi số")
    register(cast, reference="15-BC/TU", summary="Báo cáo quý")
    register(cast, actor=cast.cell_secretary, reference="01-TB/CB", summary="Thông báo chi bộ")
    clerk = client_for(cast.clerk)
    url = reverse("documents:incoming_list")
    assert clerk.get(url).context["page"].paginator.count == 3
    found = clerk.get(url, {"q": "dang uy"}).context["page"]
    assert [d.reference for d in found] == ["09-KH/ĐU"]
    found = clerk.get(url, {"q": "09-KH"}).context["page"]
    assert [d.reference for d in found] == ["09-KH/ĐU"]
    found = clerk.get(url, {"q": "ke hoach chuyen doi so"}).context["page"]
    assert [d.reference for d in found] == ["09-KH/ĐU"]
    cell_view = client_for(cast.cell_secretary).get(url).context["page"]
    assert [d.reference for d in cell_view] == ["01-TB/CB"]


def test_list_query_count_is_bounded(cast, client_for, django_assert_max_num_queries):
    for number in range(15):
        register(cast, reference=f"{number}-CV/TU")
    client = client_for(cast.clerk)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("documents:incoming_list"))
    assert response.status_code == 200


def test_htmx_request_renders_only_the_table(cast, client_for):
    register(cast)
    response = client_for(cast.clerk).get(
        reverse("documents:incoming_list"), {"q": "09"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'id="incoming-table"' in body and "<html" not in body


def test_register_through_the_form(cast, client_for):
    client = client_for(cast.clerk)
    response = client.post(reverse("documents:incoming_new"), form_data(cast, files=[pdf_upload()]))
    document = IncomingDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:incoming_detail", args=[document.code])
    assert document.arrival_number == 1 and document.files.count() == 1
    assert document.issuer.name == "Thành ủy Hà Nội"  # matched in the directory


def test_double_submit_registers_once(cast, client_for):
    client = client_for(cast.clerk)
    data = form_data(cast)
    client.post(reverse("documents:incoming_new"), data)
    client.post(reverse("documents:incoming_new"), data)
    assert IncomingDocument.objects.count() == 1


def test_duplicate_asks_before_registering(cast, client_for):
    register(cast)
    client = client_for(cast.clerk)
    response = client.post(reverse("documents:incoming_new"), form_data(cast, reference="09-kh/tu"))
    assert response.status_code == 200
    assert response.context["duplicate"] is not None
    assert IncomingDocument.objects.count() == 1
    client.post(reverse("documents:incoming_new"), form_data(cast, confirm_duplicate="on"))
    assert IncomingDocument.objects.count() == 2


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("rong.pdf", b"", content_type="application/pdf"), "empty"),
        (SimpleUploadedFile("x.exe", b"MZ\x90\x00binary", content_type="x"), "not an accepted"),
        (SimpleUploadedFile("hong.pdf", b"%PDF-1.7\nrac", content_type="x"), "not a readable PDF"),
        (SimpleUploadedFile("gia.pdf", b"\x89PNG\r\n\x1a\nabc", content_type="x"), "not"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_registered(cast, client_for, upload, message):
    client = client_for(cast.clerk)
    client.cookies["capuyso_language"] = "en"
    response = client.post(reverse("documents:incoming_new"), form_data(cast, files=[upload]))
    assert response.status_code == 200
    assert message in str(response.context["form"].errors)
    assert not IncomingDocument.objects.exists()


def test_file_over_the_limit_is_refused(cast, client_for, settings):
    settings.DOCUMENT_MAX_UPLOAD_MB = 0
    response = client_for(cast.clerk).post(
        reverse("documents:incoming_new"), form_data(cast, files=[pdf_upload()])
    )
    assert response.status_code == 200 and "files" in response.context["form"].errors
    assert not IncomingDocument.objects.exists()


def test_vietnamese_message_for_a_classified_upload(cast, client_for):
    response = client_for(cast.clerk).post(
        reverse("documents:incoming_new"), form_data(cast, secrecy="mat", files=[pdf_upload()])
    )
    assert "mạng" in str(response.context["form"].errors)  # explained in Vietnamese
    assert not IncomingDocument.objects.exists()


def test_prefill_reads_the_pdf_and_keeps_the_file(cast, client_for):
    from capuyso.documents.tests.extract_corpus import build_corpus

    pdf, expected = next(
        (pdf, exp) for pdf, exp in build_corpus() if exp.get("reference", "").endswith("/TU")
    )
    client = client_for(cast.clerk)
    upload = SimpleUploadedFile("tu.pdf", pdf, content_type="application/pdf")
    response = client.post(
        reverse("documents:incoming_new"),
        form_data(cast, files=[upload], action="prefill", reference="", summary=""),
    )
    form = response.context["form"]
    assert form.initial["reference"] == expected["reference"]
    assert form.initial["summary"]
    pending = form.initial["pending_files"]
    data = form_data(cast, reference=form.initial["reference"], pending_files=pending)
    response = client.post(reverse("documents:incoming_new"), data)
    document = IncomingDocument.objects.get()
    assert document.files.count() == 1 and document.reference == expected["reference"]


def test_another_users_staged_file_cannot_be_attached(cast, client_for):
    stored, _meta = svc.incoming_stage_upload(
        actor=cast.cell_secretary, upload=pdf_upload(), committee=cast.committee
    )
    client_for(cast.clerk).post(
        reverse("documents:incoming_new"), form_data(cast, pending_files=str(stored.code))
    )
    assert IncomingDocument.objects.get().files.count() == 0


def test_detail_records_the_read_of_the_receiving_cell(cast, client_for):
    document = register(cast, actor=cast.cell_secretary)
    url = reverse("documents:incoming_detail", args=[document.code])
    assert client_for(cast.clerk).get(url).status_code == 200
    assert not document.reads.exists()
    assert client_for(cast.cell_secretary).get(url).status_code == 200
    assert document.reads.get().user == cast.cell_secretary


def test_detail_scoping(cast, client_for):
    document = register(cast, actor=cast.cell_secretary)
    url = reverse("documents:incoming_detail", args=[document.code])
    assert client_for(cast.outsider_clerk).get(url).status_code == 404
    assert client_for(cast.member).get(url).status_code == 403


ACTIONS = [
    "documents:incoming_submit",
    "documents:incoming_direct",
    "documents:incoming_close",
    "documents:incoming_summary",
]
ASSIGNMENT_ACTIONS = [
    "documents:assignment_record",
    "documents:assignment_pass_on",
    "documents:assignment_done",
    "documents:assignment_deadline",
    "documents:assignment_escalate",
]


def _directed(cast):
    document = register(cast, due_date=in_days(10))
    svc.incoming_submit(actor=cast.clerk, document=document, leader=cast.secretary)
    svc.incoming_direct(
        actor=cast.secretary,
        document=document,
        direction="Giao chi bộ",
        assignments=[svc.AssignmentSpec(role="lead", unit=cast.cell, due_date=in_days(5))],
    )
    document.refresh_from_db()
    return document


def test_mutating_views_refuse_get_and_other_committees(cast, client_for):
    document = _directed(cast)
    assignment = document.assignments.get()
    urls = [reverse(name, args=[document.code]) for name in ACTIONS]
    urls += [reverse(name, args=[assignment.code]) for name in ASSIGNMENT_ACTIONS]
    clerk = client_for(cast.clerk)
    for url in urls:
        assert clerk.get(url).status_code == 405, url
    outsider = client_for(cast.outsider_clerk)
    for url in urls:
        assert outsider.post(url, {"version": document.version}).status_code == 404, url
    member = client_for(cast.member)
    for url in urls:
        assert member.post(url, {"version": document.version}).status_code == 403, url


def test_a_role_without_the_right_gets_403_or_a_refusal(cast, client_for):
    document = _directed(cast)
    assignment = document.assignments.get()
    client = client_for(cast.committee_member)  # may read, may not handle this
    response = client.post(
        reverse("documents:assignment_record", args=[assignment.code]),
        {"kind": "progress", "text": "x"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("documents:assignment_deadline", args=[assignment.code]),
        {"due_date": in_days(20).isoformat(), "reason": "x"},
    )
    assert response.status_code == 403
    assert Assignment.objects.get().due_date == in_days(5)


def test_whole_journey_through_the_pages(cast, client_for):
    document = register(cast, due_date=in_days(10))
    clerk = client_for(cast.clerk)
    clerk.post(
        reverse("documents:incoming_submit", args=[document.code]),
        {"version": document.version, "leader": str(cast.secretary.code)},
    )
    document.refresh_from_db()
    assert document.status == "submitted"
    leader = client_for(cast.secretary)
    page = leader.get(reverse("documents:incoming_detail", args=[document.code]))
    assert page.context["direction_form"] is not None
    leader.post(
        reverse("documents:incoming_direct", args=[document.code]),
        {
            "version": document.version,
            "direction": "Giao chi bộ thôn Đồng Cát chủ trì",
            "lead": f"unit:{cast.cell.code}",
            "lead_due": in_days(7).isoformat(),
            "fyi": [f"user:{cast.standing.code}"],
        },
    )
    document.refresh_from_db()
    assert document.status == "directed"
    lead = document.assignments.get(role="lead")
    cell = client_for(cast.cell_secretary)
    home = cell.get(reverse("core:home"))
    assert document.reference in home.content.decode()
    cell.post(
        reverse("documents:assignment_record", args=[lead.code]),
        {"kind": "progress", "text": "Đã phổ biến"},
    )
    cell.post(
        reverse("documents:assignment_done", args=[lead.code]), {"result": "Đã triển khai xong"}
    )
    dossier = Dossier.objects.create(
        committee=cast.committee, file_number="02", title="Chuyển đổi số", year=2026
    )
    document.refresh_from_db()
    cell.post(
        reverse("documents:incoming_close", args=[document.code]),
        {"version": document.version, "result": "Hoàn thành", "dossier": str(dossier.code)},
    )
    document.refresh_from_db()
    assert document.status == "completed" and document.dossier == dossier


def test_leader_extends_a_deadline_from_the_page(cast, client_for):
    document = _directed(cast)
    lead = document.assignments.get()
    client = client_for(cast.secretary)
    response = client.post(
        reverse("documents:assignment_deadline", args=[lead.code]),
        {"due_date": in_days(-2).isoformat(), "reason": "x"},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    client.post(
        reverse("documents:assignment_deadline", args=[lead.code]),
        {"due_date": in_days(12).isoformat(), "reason": "Chờ số liệu"},
    )
    lead.refresh_from_db()
    assert lead.due_date == in_days(12)


def test_stale_edit_form_is_refused(cast, client_for):
    document = register(cast)
    client = client_for(cast.clerk)
    url = reverse("documents:incoming_edit", args=[document.code])
    data = {
        "version": document.version,
        "issuer_name": "Thành ủy Hà Nội",
        "reference": "09-KH/TU",
        "doc_type": str(document.doc_type.code),
        "summary": "Sửa lần một",
        "secrecy": "",
        "urgency": "",
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "summary": "Sửa lần hai"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    document.refresh_from_db()
    assert document.summary == "Sửa lần một"


def test_files_are_served_only_with_permission_and_intact(cast, client_for):
    document = register(cast, uploads=[pdf_upload()])
    stored = document.files.get()
    url = reverse("documents:file", args=[stored.code])
    response = client_for(cast.clerk).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    assert client_for(cast.member).get(url).status_code == 403
    assert client_for(cast.outsider_clerk).get(url).status_code == 404
    with default_storage.open(stored.file.name, "wb") as handle:
        handle.write(b"%PDF-1.7 altered")
    assert client_for(cast.clerk).get(url).status_code == 409


def test_prefill_works_before_anything_else_is_typed(cast, client_for):
    from capuyso.documents.tests.extract_corpus import build_corpus

    pdf, expected = next(
        (pdf, exp) for pdf, exp in build_corpus() if exp.get("reference", "").endswith("/TU")
    )
    upload = SimpleUploadedFile("tu.pdf", pdf, content_type="application/pdf")
    response = client_for(cast.clerk).post(
        reverse("documents:incoming_new"),
        {"action": "prefill", "files": [upload], "submit_token": str(uuid.uuid4())},
    )
    form = response.context["form"]
    assert form.initial["reference"] == expected["reference"]
    assert form.initial["doc_type"]  # the type was recognised and chosen
    assert form.initial["pending_files"]
    assert not IncomingDocument.objects.exists()
