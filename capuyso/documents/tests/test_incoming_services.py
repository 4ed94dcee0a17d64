import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from capuyso.archive.models import Dossier
from capuyso.documents.models import (
    Assignment,
    Delegation,
    DocumentEvent,
    IncomingDocument,
    Secrecy,
)
from capuyso.documents.services import incoming as svc
from capuyso.documents.services.config import delegation_create
from capuyso.documents.tests.factories import pdf_upload, png_upload, register
from capuyso.notifications.models import Notification

pytestmark = pytest.mark.django_db


def in_days(n):
    return timezone.localdate() + dt.timedelta(days=n)


def test_arrival_numbers_run_per_office_per_year_without_gaps(cast):
    first = register(cast, reference="01-KH/TU")
    second = register(cast, reference="02-KH/TU")
    cell_doc = register(cast, actor=cast.cell_secretary, reference="03-KH/TU")
    assert (first.arrival_number, second.arrival_number) == (1, 2)
    assert cell_doc.arrival_number == 1  # the cell keeps its own book
    assert cell_doc.receiving_unit == cast.cell
    assert first.receiving_unit.kind == "office"
    assert first.year == timezone.localdate().year


def test_a_failed_registration_uses_no_number(cast):
    register(cast, reference="01-KH/TU")
    with pytest.raises(ValidationError):
        register(cast, reference="02-KH/TU", summary="")
    assert register(cast, reference="03-KH/TU").arrival_number == 2


def test_likely_duplicate_is_refused_until_confirmed(cast):
    original = register(cast)
    with pytest.raises(svc.LikelyDuplicate) as caught:
        register(cast, reference="09-kh/tu")
    assert caught.value.existing == original
    again = register(cast, confirm_duplicate=True)
    assert again.arrival_number == 2


def test_double_submit_with_the_same_token_registers_once(cast):
    token = uuid.uuid4()
    first = register(cast, submit_token=token)
    second = register(cast, submit_token=token, reference="other")
    assert first.pk == second.pk
    assert IncomingDocument.objects.count() == 1


def test_classified_document_refuses_files_and_ultra_secret_refuses_summary(cast):
    with pytest.raises(ValidationError) as caught:
        register(cast, secrecy=Secrecy.SECRET, uploads=[pdf_upload()])
    assert "files" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        register(cast, secrecy=Secrecy.ULTRA_SECRET)
    assert "summary" in caught.value.message_dict
    stub = register(cast, secrecy=Secrecy.ULTRA_SECRET, summary="", paper_holder="Văn phòng")
    assert stub.summary == "" and stub.summary_withheld
    with pytest.raises(PermissionDenied):
        svc.incoming_allow_summary(actor=cast.clerk, document=stub, summary="Về nhân sự")
    allowed = svc.incoming_allow_summary(actor=cast.secretary, document=stub, summary="Về nhân sự")
    assert allowed.summary == "Về nhân sự" and allowed.summary_allowed_by == cast.secretary


def test_files_are_checked_and_stored_with_their_checksum(cast):
    document = register(cast, uploads=[pdf_upload(), png_upload()])
    files = list(document.files.order_by("content_type"))
    assert [f.content_type for f in files] == ["application/pdf", "image/png"]
    assert all(len(f.sha256) == 64 for f in files)
    assert files[0].has_text_layer


def test_past_deadline_and_future_document_date_are_refused(cast):
    with pytest.raises(ValidationError) as caught:
        register(cast, due_date=in_days(-1))
    assert "due_date" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        register(cast, document_date=in_days(3))
    assert "document_date" in caught.value.message_dict


def test_only_registrars_register_and_only_in_their_scope(cast):
    with pytest.raises(PermissionDenied):
        register(cast, actor=cast.member)
    with pytest.raises(PermissionDenied):
        register(cast, actor=cast.cell_secretary, receiving_unit=cast.other_cell)


def test_full_handling_journey(cast):
    document = register(cast, due_date=in_days(10))
    svc.incoming_submit(actor=cast.clerk, document=document, leader=cast.secretary)
    assert Notification.objects.filter(user=cast.secretary, kind="submitted").exists()
    document.refresh_from_db()
    directed = svc.incoming_direct(
        actor=cast.secretary,
        document=document,
        direction="Giao chi bộ thôn Đồng Cát chủ trì, báo cáo trước hạn.",
        assignments=[
            svc.AssignmentSpec(role="lead", unit=cast.cell, due_date=in_days(7)),
            svc.AssignmentSpec(role="support", user=cast.committee_member),
            svc.AssignmentSpec(role="fyi", user=cast.standing),
        ],
        version=document.version,
    )
    assert directed.status == "directed"
    lead = directed.assignments.get(role="lead")
    assert lead.due_date == in_days(7)
    assert Notification.objects.filter(user=cast.cell_secretary, kind="assigned").exists()
    with pytest.raises(PermissionDenied):
        svc.assignment_record(actor=cast.member, assignment=lead, text="x", kind="progress")
    svc.assignment_record(
        actor=cast.cell_secretary, assignment=lead, text="Đã họp chi bộ", kind="progress"
    )
    svc.assignment_complete(actor=cast.cell_secretary, assignment=lead, result="Đã triển khai")
    dossier = Dossier.objects.create(
        committee=cast.committee, file_number="05", title="Chuyển đổi số", year=2026
    )
    directed.refresh_from_db()
    closed = svc.incoming_complete(
        actor=cast.cell_secretary, document=directed, result="Hoàn thành", dossier=dossier
    )
    assert closed.status == "completed" and closed.dossier == dossier
    assert closed.handled_on_platform
    kinds = list(DocumentEvent.objects.filter(incoming=closed).values_list("kind", flat=True))
    assert kinds == ["registered", "submitted", "directed", "progress", "result", "completed"]


@pytest.mark.parametrize("state", ["closed_at", "disposed_at"])
def test_a_matter_is_not_filed_into_a_closed_or_disposed_dossier(cast, state):
    document = register(cast)
    dossier = Dossier.objects.create(
        committee=cast.committee,
        file_number="06",
        title="Đã đóng",
        year=2020,
        **{state: timezone.now()},
    )
    with pytest.raises(ValidationError) as exc:
        svc.incoming_complete(actor=cast.clerk, document=document, result="Xong", dossier=dossier)
    assert [e.code for e in exc.value.error_dict["dossier"]] == ["dossier_closed"]
    document.refresh_from_db()
    assert document.is_open and document.dossier is None


def test_direction_needs_one_lead_and_only_the_addressed_leader(cast):
    document = register(cast)
    svc.incoming_submit(actor=cast.clerk, document=document, leader=cast.secretary)
    with pytest.raises(ValidationError):
        svc.incoming_direct(actor=cast.deputy, document=document, direction="x", assignments=[])
    with pytest.raises(ValidationError):
        svc.incoming_direct(
            actor=cast.secretary,
            document=document,
            direction="x",
            assignments=[svc.AssignmentSpec(role="support", unit=cast.cell)],
        )
    with pytest.raises(PermissionDenied):
        svc.incoming_direct(
            actor=cast.clerk,
            document=document,
            direction="x",
            assignments=[svc.AssignmentSpec(role="lead", unit=cast.cell)],
        )


def test_delegated_deputy_directs_on_behalf_of_the_leader(cast):
    delegation_create(
        actor=cast.secretary,
        grantor=cast.secretary,
        delegate=cast.deputy,
        scope=Delegation.Scope.DIRECTION,
        starts_on=timezone.localdate(),
        ends_on=in_days(5),
    )
    document = register(cast)
    svc.incoming_submit(actor=cast.clerk, document=document, leader=cast.secretary)
    directed = svc.incoming_direct(
        actor=cast.deputy,
        document=document,
        direction="Đồng ý",
        assignments=[svc.AssignmentSpec(role="lead", unit=cast.cell)],
    )
    assert directed.directed_by == cast.deputy
    assert directed.directed_on_behalf_of == cast.secretary
    event = directed.events.get(kind="directed")
    assert event.on_behalf_of == cast.secretary


def test_deadline_extension_and_escalation_are_recorded(cast):
    document = register(cast)
    svc.incoming_submit(actor=cast.clerk, document=document, leader=cast.secretary)
    svc.incoming_direct(
        actor=cast.secretary,
        document=document,
        direction="Thực hiện",
        assignments=[svc.AssignmentSpec(role="lead", unit=cast.cell, due_date=in_days(2))],
    )
    lead = Assignment.objects.get(document=document, role="lead")
    with pytest.raises(PermissionDenied):
        svc.assignment_extend(
            actor=cast.cell_secretary, assignment=lead, due_date=in_days(9), reason="x"
        )
    with pytest.raises(ValidationError):
        svc.assignment_extend(
            actor=cast.secretary, assignment=lead, due_date=in_days(-1), reason="x"
        )
    svc.assignment_extend(
        actor=cast.secretary, assignment=lead, due_date=in_days(9), reason="Chờ số liệu"
    )
    event = document.events.get(kind="deadline")
    assert event.data == {"old": in_days(2).isoformat(), "new": in_days(9).isoformat()}
    document.refresh_from_db()
    assert document.due_date == in_days(9)
    svc.assignment_escalate(actor=cast.secretary, assignment=lead, note="Khẩn trương")
    assert Notification.objects.filter(user=cast.cell_secretary, kind="escalated").exists()


def test_stale_edit_is_refused(cast):
    document = register(cast)
    svc.incoming_update(
        actor=cast.clerk, document=document, version=document.version, note="Sửa lần 1"
    )
    with pytest.raises(ValidationError) as caught:
        svc.incoming_update(
            actor=cast.clerk, document=document, version=document.version, note="Sửa lần 2"
        )
    assert caught.value.code == "stale"


def test_reads_count_only_for_the_receiving_unit(cast):
    document = register(cast, actor=cast.cell_secretary)
    svc.incoming_opened(user=cast.clerk, document=document)
    assert not document.reads.exists()
    svc.incoming_opened(user=cast.cell_secretary, document=document)
    svc.incoming_opened(user=cast.cell_secretary, document=document)
    read = document.reads.get()
    assert read.user == cast.cell_secretary and read.times == 2


def test_the_office_closes_once_the_lead_reported(cast):
    document = register(cast, due_date=in_days(10))
    svc.incoming_submit(actor=cast.clerk, document=document, leader=cast.secretary)
    svc.incoming_direct(
        actor=cast.secretary,
        document=document,
        direction="Giao chi bộ",
        assignments=[svc.AssignmentSpec(role="lead", unit=cast.cell)],
    )
    document.refresh_from_db()
    assert not svc.may_close(cast.clerk, document)
    lead = document.assignments.get()
    svc.assignment_complete(actor=cast.cell_secretary, assignment=lead, result="Xong")
    assert svc.may_close(cast.clerk, document)
    closed = svc.incoming_complete(actor=cast.clerk, document=document, result="Lưu hồ sơ")
    assert closed.completed_by == cast.clerk


def test_a_cells_copy_is_not_submitted_to_the_committee(cast):
    document = register(cast, actor=cast.cell_secretary)
    with pytest.raises(ValidationError):
        svc.incoming_submit(actor=cast.cell_secretary, document=document, leader=cast.secretary)
    assert svc.may_close(cast.cell_secretary, document)
