"""The resolution of a meeting becomes an outgoing document, numbered by the registry."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from capuyso.documents.models import DocumentEvent, OutgoingDocument
from capuyso.documents.services import outgoing as out_svc
from capuyso.meetings.services import minutes as svc
from capuyso.meetings.tests.test_minutes import held_meeting, signed_minutes

pytestmark = pytest.mark.django_db

RESOLUTION = "1. Chi bộ thống nhất kết nạp quần chúng Nguyễn Văn X.\n\n2. Giao chi ủy thực hiện."


@pytest.fixture(autouse=True)
def _html_pdf(settings):
    settings.SIGNING_SOFFICE = "/nonexistent/soffice"


def with_resolution(cast, meeting=None):
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=meeting or held_meeting(cast))
    return svc.minutes_update(
        actor=cast.cell_secretary,
        minutes=minutes,
        lock_version=minutes.lock_version,
        content={"resolution": RESOLUTION},
    )


def test_the_cells_resolution_is_a_draft_nq_numbered_by_the_cells_registry_at_issue(cast):
    minutes = with_resolution(cast)
    document = svc.minutes_resolution_create(actor=cast.cell_secretary, minutes=minutes)
    assert document.status == OutgoingDocument.Status.DRAFT
    assert document.doc_type.abbreviation == "NQ"
    assert document.issuing_unit == cast.cell and document.registry.unit == cast.cell
    assert document.body == RESOLUTION.strip()
    assert document.summary.startswith("Nghị quyết sinh hoạt chi bộ tháng ")
    assert document.signer == cast.cell_secretary  # the chair, who may sign for the cell
    assert document.signature_capacity == "T/M CHI BỘ"
    assert document.number is None and document.reference == ""
    # It links back to the meeting, and the minutes find it again.
    event = DocumentEvent.objects.get(outgoing=document, kind=DocumentEvent.Kind.COMMENT)
    assert event.data["meeting"] == str(minutes.meeting.code)
    assert event.data["minutes"] == str(minutes.code)
    assert svc.resolution_documents(minutes.meeting) == [document]
    # Asking twice gives the same draft.
    again = svc.minutes_resolution_create(actor=cast.cell_deputy, minutes=minutes)
    assert again == document
    assert OutgoingDocument.objects.filter(issuing_unit=cast.cell).count() == 1

    out_svc.outgoing_approve(actor=cast.cell_secretary, document=document)
    issued = out_svc.outgoing_issue(actor=cast.cell_secretary, document=document)
    assert issued.reference == "01-NQ/CB" and issued.number == 1
    # A second meeting's resolution takes the next number of the cell's registry.
    second = with_resolution(cast, held_meeting(cast, title="Sinh hoạt chi bộ tháng 12"))
    next_document = svc.minutes_resolution_create(actor=cast.cell_secretary, minutes=second)
    out_svc.outgoing_approve(actor=cast.cell_secretary, document=next_document)
    assert (
        out_svc.outgoing_issue(actor=cast.cell_secretary, document=next_document).reference
        == "02-NQ/CB"
    )


def test_a_committee_meetings_resolution_goes_to_the_committees_registry(cast):
    from capuyso.meetings.models import Meeting

    meeting = held_meeting(
        cast,
        unit=False,
        kind=Meeting.Kind.EXECUTIVE,
        title="Hội nghị Ban Chấp hành",
        chair=cast.secretary,
        secretary=cast.clerk,
    )
    minutes = svc.minutes_create(actor=cast.clerk, meeting=meeting)
    assert minutes.sections["heading"]["issuer"] == cast.committee.executive_name.upper()
    assert minutes.sections["heading"]["superior"] == "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI"
    minutes = svc.minutes_update(
        actor=cast.clerk, minutes=minutes, lock_version=None, content={"resolution": RESOLUTION}
    )
    document = svc.minutes_resolution_create(actor=cast.clerk, minutes=minutes)
    assert document.registry.issuer_abbreviation == "ĐU"
    assert document.signer == cast.secretary and document.signature_capacity == "T/M ĐẢNG ỦY"
    out_svc.outgoing_approve(actor=cast.secretary, document=document)
    assert out_svc.outgoing_issue(actor=cast.clerk, document=document).reference == "01-NQ/ĐU"


def test_a_resolution_needs_its_text_and_a_manager(cast):
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    with pytest.raises(ValidationError) as exc:
        svc.minutes_resolution_create(actor=cast.cell_secretary, minutes=minutes)
    assert exc.value.error_dict["resolution"][0].code == "resolution_empty"
    minutes = with_resolution(cast)
    with pytest.raises(PermissionDenied):
        svc.minutes_resolution_create(actor=cast.member, minutes=minutes)
    assert not OutgoingDocument.objects.exists()


def test_signed_minutes_give_their_resolution_and_a_cancelled_draft_can_be_made_again(cast):
    meeting = held_meeting(cast)
    with_resolution(cast, meeting)
    minutes = signed_minutes(cast, meeting)
    document = svc.minutes_resolution_create(actor=cast.cell_secretary, minutes=minutes)
    out_svc.outgoing_cancel(actor=cast.cell_secretary, document=document, reason="Làm lại")
    again = svc.minutes_resolution_create(actor=cast.cell_secretary, minutes=minutes)
    assert again != document and again.status == OutgoingDocument.Status.DRAFT


def test_the_button_creates_the_document_and_opens_it(cast, client_for):
    minutes = with_resolution(cast)
    client = client_for(cast.cell_secretary)
    page = client.get(reverse("meetings:minutes_detail", args=[minutes.code]))
    url = reverse("meetings:minutes_resolution", args=[minutes.code])
    assert url in page.content.decode()
    response = client.post(url)
    document = OutgoingDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:outgoing_detail", args=[document.code])
    detail = client.get(response["Location"])
    assert reverse("meetings:minutes", args=[minutes.meeting.code]) in detail.content.decode()
    client.post(url)
    assert OutgoingDocument.objects.count() == 1
    page = client.get(reverse("meetings:minutes_detail", args=[minutes.code]))
    assert reverse("documents:outgoing_detail", args=[document.code]) in page.content.decode()
