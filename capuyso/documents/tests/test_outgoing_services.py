import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from capuyso.accounts.roles import Role
from capuyso.core.testing import make_user
from capuyso.documents import files as doc_files
from capuyso.documents.models import (
    Delegation,
    DocumentEvent,
    DraftVersion,
    IncomingDocument,
    OutgoingDocument,
    OutgoingRecipient,
    Registry,
    Review,
    Secrecy,
    StoredFile,
)
from capuyso.documents.services import outgoing as svc
from capuyso.documents.services.config import delegation_create, office_of, registry_for
from capuyso.documents.services.incoming import incoming_opened
from capuyso.documents.tests.factories import doc_type
from capuyso.notifications.models import Notification
from capuyso.org.models import Position, Unit
from capuyso.org.services import term_add

pytestmark = pytest.mark.django_db

Status = OutgoingDocument.Status


def draft(cast, *, actor=None, abbreviation="KH", summary="Kế hoạch tổ chức Đại hội", **kw):
    values = {
        "doc_type": doc_type(cast.committee, abbreviation),
        "summary": summary,
        "body": "I. MỤC ĐÍCH, YÊU CẦU\n\nBảo đảm dân chủ.",
        "signer": cast.secretary,
        "signature_capacity": "T/M BAN THƯỜNG VỤ",
        "signer_title": "BÍ THƯ",
    }
    values.update(kw)
    return svc.outgoing_create(actor=actor or cast.clerk, **values)


def issue(cast, document, *, on=None, actor=None, approver=None):
    svc.outgoing_approve(actor=approver or document.signer, document=document)
    return svc.outgoing_issue(actor=actor or cast.clerk, document=document, issue_date=on)


def issued(cast, *, on=None, **kw):
    return issue(cast, draft(cast, **kw), on=on)


def docx_text(stored: StoredFile) -> str:
    with zipfile.ZipFile(io.BytesIO(doc_files.read_verified(stored))) as package:
        return package.read("word/document.xml").decode()


def kinds(document):
    return list(document.events.values_list("kind", flat=True))


def test_full_journey_from_draft_through_review_and_approval_to_issue(cast):
    document = draft(cast)
    assert document.status == Status.DRAFT
    assert document.issuing_unit == office_of(cast.committee)
    first = document.versions.get()
    assert first.number == 1 and first.file.content_type == doc_files.DOCX

    (review,) = svc.review_request(actor=cast.clerk, document=document, reviewers=[cast.deputy])
    document.refresh_from_db()
    assert document.status == Status.IN_REVIEW and review.version_number == 1
    assert Notification.objects.filter(user=cast.deputy, kind=Notification.Kind.REVIEW).exists()
    svc.review_answer(
        actor=cast.deputy, review=review, verdict=Review.Verdict.CHANGES, comment="Sửa mục II"
    )
    review.refresh_from_db()
    assert review.verdict == Review.Verdict.CHANGES and review.answered_at is not None

    document = svc.outgoing_update(
        actor=cast.clerk,
        document=document,
        version=document.version,
        note="Sửa theo góp ý",
        summary="Kế hoạch tổ chức Đại hội Đảng bộ xã",
    )
    assert document.versions.count() == 2
    document = svc.outgoing_send_for_approval(
        actor=cast.clerk, document=document, version=document.version
    )
    assert Notification.objects.filter(
        user=cast.secretary, kind=Notification.Kind.APPROVAL
    ).exists()
    document = svc.outgoing_approve(
        actor=cast.secretary, document=document, version=document.version
    )
    assert document.status == Status.APPROVED and document.approved_by == cast.secretary
    document = svc.outgoing_issue(actor=cast.clerk, document=document, version=document.version)

    assert document.status == Status.ISSUED
    assert document.reference == "01-KH/ĐU" and document.number == 1
    assert document.issue_date == timezone.localdate() and document.issued_by == cast.clerk
    copy = svc.issued_file(document)
    assert copy.purpose == StoredFile.Purpose.ISSUED
    assert "01-KH/ĐU" in docx_text(copy)
    assert kinds(document) == [
        DocumentEvent.Kind.DRAFTED,
        DocumentEvent.Kind.REVIEW_REQUESTED,
        DocumentEvent.Kind.REVIEWED,
        DocumentEvent.Kind.NEW_VERSION,
        DocumentEvent.Kind.SENT_FOR_APPROVAL,
        DocumentEvent.Kind.APPROVED,
        DocumentEvent.Kind.ISSUED,
    ]


def test_numbers_run_per_document_type(cast):
    first_plan = issued(cast)
    second_plan = issued(cast)
    report = issued(cast, abbreviation="BC", summary="Báo cáo kết quả quý I")
    assert [first_plan.reference, second_plan.reference, report.reference] == [
        "01-KH/ĐU",
        "02-KH/ĐU",
        "01-BC/ĐU",
    ]


def test_numbering_restarts_with_each_committee_term_by_default(cast):
    term_add(
        actor=None, committee=cast.committee, name="2020–2025", start_date=dt.date(2020, 10, 1)
    )
    assert issued(cast, on=dt.date(2025, 6, 2)).reference == "01-KH/ĐU"
    assert issued(cast, on=dt.date(2025, 9, 1)).reference == "02-KH/ĐU"
    new_term = term_add(
        actor=None, committee=cast.committee, name="2025–2030", start_date=dt.date(2025, 10, 15)
    )
    first_of_term = issued(cast, on=dt.date(2025, 11, 3))
    assert first_of_term.reference == "01-KH/ĐU"
    assert first_of_term.period == f"term-{new_term.pk}"
    # The new year does not restart a term's numbering.
    assert issued(cast, on=dt.date(2026, 1, 5)).reference == "02-KH/ĐU"


def test_numbering_restarts_each_year_when_the_registry_counts_per_year(cast):
    term_add(
        actor=None, committee=cast.committee, name="2020–2025", start_date=dt.date(2020, 10, 1)
    )
    registry = registry_for(office_of(cast.committee), Registry.Kind.OUTGOING)
    registry.numbering_scope = Registry.Scope.YEAR
    registry.save()
    assert issued(cast, on=dt.date(2025, 12, 30)).reference == "01-KH/ĐU"
    january = issued(cast, on=dt.date(2026, 1, 2))
    assert january.reference == "01-KH/ĐU" and january.period == "2026"
    assert issued(cast, on=dt.date(2026, 1, 5)).reference == "02-KH/ĐU"


def test_a_cell_issues_from_its_own_registry(cast):
    resolution = draft(
        cast,
        actor=cast.cell_secretary,
        abbreviation="NQ",
        summary="Nghị quyết chi bộ tháng 3",
        signer=cast.cell_secretary,
        signature_capacity="T/M CHI BỘ",
    )
    assert resolution.issuing_unit == cast.cell
    assert resolution.registry.unit == cast.cell
    resolution = issue(cast, resolution, actor=cast.cell_secretary)
    assert resolution.reference == "01-NQ/CB"
    # The committee's own resolutions keep their own sequence.
    assert issued(cast, abbreviation="NQ").reference == "01-NQ/ĐU"


def test_a_cell_may_not_issue_a_type_reserved_for_committees(cast):
    with pytest.raises(ValidationError) as caught:
        draft(cast, actor=cast.cell_secretary, abbreviation="TB", signer=cast.cell_secretary)
    assert "doc_type" in caught.value.message_dict


def test_a_cell_secretary_may_not_issue_the_committees_documents(cast):
    document = draft(cast)
    svc.outgoing_approve(actor=cast.secretary, document=document)
    with pytest.raises(PermissionDenied):
        svc.outgoing_issue(actor=cast.cell_secretary, document=document)


def test_dispatch_to_all_cells_delivers_a_copy_into_each_cell_registry(cast):
    document = issued(cast, all_cells=True)
    copy = svc.issued_file(document)
    delivered = {d.receiving_unit: d for d in IncomingDocument.objects.all()}
    assert set(delivered) == {cast.cell, cast.other_cell}
    for cell, incoming in delivered.items():
        assert incoming.registry.unit == cell and incoming.registry.kind == Registry.Kind.INCOMING
        assert incoming.channel == IncomingDocument.Channel.PLATFORM
        assert incoming.source_recipient.document == document
        assert incoming.reference == "01-KH/ĐU" and incoming.arrival_number == 1
        (attached,) = incoming.files.all()
        assert attached.sha256 == copy.sha256
    assert Notification.objects.filter(
        user=cast.cell_secretary, kind=Notification.Kind.RECEIVED
    ).exists()
    assert not document.recipients.filter(sent_at__isnull=True).exists()
    assert DocumentEvent.Kind.DISPATCHED in kinds(document)


def test_dispatch_to_another_committee_registers_it_in_that_committees_office(cast):
    document = issued(cast, recipients=[svc.RecipientSpec(committee=cast.other)])
    incoming = IncomingDocument.objects.get(committee=cast.other)
    assert incoming.receiving_unit == office_of(cast.other)
    assert incoming.registry.kind == Registry.Kind.INCOMING
    assert incoming.issuer.committee == cast.other
    assert incoming.issuer.linked_committee == cast.committee
    assert incoming.issuer_name == incoming.issuer.name == "Đảng ủy xã Phú Cát"
    assert incoming.source_recipient.document == document
    (attached,) = incoming.files.all()
    assert attached.committee == cast.other
    assert attached.sha256 == svc.issued_file(document).sha256
    assert Notification.objects.filter(
        user=cast.outsider_clerk, kind=Notification.Kind.RECEIVED
    ).exists()


def test_external_recipients_are_recorded_as_sent_without_a_platform_copy(cast):
    document = issued(
        cast,
        recipients=[
            svc.RecipientSpec(name="Ủy ban nhân dân xã", method=OutgoingRecipient.Method.PAPER)
        ],
    )
    (recipient,) = document.recipients.all()
    assert recipient.sent_at is not None
    assert not IncomingDocument.objects.exists()


def test_a_cancelled_issued_number_is_never_given_again(cast):
    revoked = issued(cast, all_cells=True)
    svc.outgoing_cancel(actor=cast.clerk, document=revoked, reason="Ban hành nhầm")
    revoked.refresh_from_db()
    assert revoked.status == Status.CANCELLED and revoked.reference == "01-KH/ĐU"
    for copy in IncomingDocument.objects.filter(source_recipient__document=revoked):
        assert "Ban hành nhầm" in copy.note
    assert issued(cast).reference == "02-KH/ĐU"


def test_a_failed_issue_uses_no_number(cast, monkeypatch):
    document = draft(cast, all_cells=True)
    svc.outgoing_approve(actor=cast.secretary, document=document)

    def broken(*args, **kwargs):
        raise RuntimeError("delivery failed")

    with monkeypatch.context() as patch:
        patch.setattr(svc, "_dispatch", broken)
        with pytest.raises(RuntimeError):
            svc.outgoing_issue(actor=cast.clerk, document=document)
    document.refresh_from_db()
    assert document.status == Status.APPROVED and document.number is None
    assert not StoredFile.objects.filter(purpose=StoredFile.Purpose.ISSUED).exists()
    assert svc.outgoing_issue(actor=cast.clerk, document=document).reference == "01-KH/ĐU"


def test_issuing_is_refused_before_approval_and_a_second_time(cast):
    document = draft(cast)
    with pytest.raises(ValidationError):
        svc.outgoing_issue(actor=cast.clerk, document=document)
    document = issue(cast, document)
    with pytest.raises(ValidationError):
        svc.outgoing_issue(actor=cast.clerk, document=document)
    assert OutgoingDocument.objects.filter(number__isnull=False).count() == 1


def test_a_classified_document_refuses_content_and_platform_recipients(cast):
    with pytest.raises(ValidationError) as caught:
        draft(cast, secrecy=Secrecy.SECRET)
    assert "body" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        draft(cast, secrecy=Secrecy.SECRET, body="", all_cells=True)
    assert "recipients" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        draft(
            cast,
            secrecy=Secrecy.TOP_SECRET,
            body="",
            recipients=[svc.RecipientSpec(committee=cast.other)],
        )
    assert "recipients" in caught.value.message_dict

    stub = draft(
        cast,
        secrecy=Secrecy.SECRET,
        body="",
        recipients=[
            svc.RecipientSpec(name="Ban Tổ chức Thành ủy", method=OutgoingRecipient.Method.PAPER)
        ],
    )
    assert not stub.versions.exists()
    stub = issue(cast, stub)
    # Secret documents continue the sequence of their type, on paper only.
    assert stub.reference == "01-KH/ĐU"
    assert not DraftVersion.objects.filter(document=stub).exists()
    assert not StoredFile.objects.exists()
    assert not IncomingDocument.objects.exists()
    assert issued(cast).reference == "02-KH/ĐU"


def test_a_delegated_deputy_approves_on_behalf_of_the_signer(cast):
    today = timezone.localdate()
    delegation_create(
        actor=cast.secretary,
        grantor=cast.secretary,
        delegate=cast.deputy,
        scope=Delegation.Scope.SIGNING,
        starts_on=today,
        ends_on=today + dt.timedelta(days=7),
        reason="Đi học",
    )
    document = draft(cast)
    svc.outgoing_send_for_approval(actor=cast.clerk, document=document)
    assert Notification.objects.filter(user=cast.deputy, kind=Notification.Kind.APPROVAL).exists()
    with pytest.raises(PermissionDenied):
        svc.outgoing_approve(actor=cast.standing, document=document)
    approved = svc.outgoing_approve(actor=cast.deputy, document=document)
    assert approved.approved_by == cast.deputy
    assert approved.approved_on_behalf_of == cast.secretary
    event = approved.events.get(kind=DocumentEvent.Kind.APPROVED)
    assert event.actor == cast.deputy and event.on_behalf_of == cast.secretary


def test_a_direction_delegation_does_not_let_the_deputy_sign(cast):
    today = timezone.localdate()
    delegation_create(
        actor=cast.secretary,
        grantor=cast.secretary,
        delegate=cast.deputy,
        scope=Delegation.Scope.DIRECTION,
        starts_on=today,
        ends_on=today + dt.timedelta(days=7),
    )
    document = draft(cast)
    with pytest.raises(PermissionDenied):
        svc.outgoing_approve(actor=cast.deputy, document=document)


def test_remind_unread_notifies_only_the_cells_that_have_not_opened_it(cast):
    other_secretary = make_user(
        cast.committee, "bithu-truong", "Lương Thị Hoa", Role.CELL_SECRETARY, cast.other_cell
    )
    document = issued(cast, all_cells=True)
    read_copy = IncomingDocument.objects.get(receiving_unit=cast.cell)
    incoming_opened(user=cast.cell_secretary, document=read_copy)

    with pytest.raises(PermissionDenied):
        svc.outgoing_remind_unread(actor=cast.member, document=document)
    assert svc.outgoing_remind_unread(actor=cast.clerk, document=document) == 1

    reminders = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert set(reminders.values_list("user", flat=True)) == {other_secretary.pk}
    reminded = document.recipients.get(unit=cast.other_cell)
    assert reminded.last_reminded_at is not None
    assert document.recipients.get(unit=cast.cell).last_reminded_at is None


def test_remind_is_refused_for_a_document_not_issued(cast):
    with pytest.raises(ValidationError):
        svc.outgoing_remind_unread(actor=cast.clerk, document=draft(cast, all_cells=True))


def test_a_stale_form_is_refused(cast):
    document = draft(cast)
    svc.outgoing_update(actor=cast.clerk, document=document, version=document.version, note="v2")
    with pytest.raises(ValidationError) as caught:
        svc.outgoing_approve(actor=cast.secretary, document=document, version=document.version)
    assert caught.value.code == "stale"


def test_returning_a_draft_needs_a_comment_and_reopens_it(cast):
    document = draft(cast)
    svc.outgoing_approve(actor=cast.secretary, document=document)
    with pytest.raises(ValidationError):
        svc.outgoing_return(actor=cast.secretary, document=document, comment=" ")
    returned = svc.outgoing_return(actor=cast.secretary, document=document, comment="Bổ sung")
    assert returned.status == Status.DRAFT and returned.approved_by is None


def test_only_the_drafter_or_the_office_edits_a_draft(cast):
    document = draft(cast, actor=cast.committee_member)
    with pytest.raises(PermissionDenied):
        svc.outgoing_update(actor=cast.standing, document=document, version=None, note="x")
    svc.outgoing_update(actor=cast.clerk, document=document, version=None, note="Văn phòng sửa")
    assert document.versions.count() == 2


def test_signers_are_the_leaders_for_the_office_and_the_secretary_for_a_cell(cast):
    # A leader whose earlier position ended still signs under the current one.
    Position.objects.create(
        committee=cast.committee,
        user=cast.secretary,
        role=Role.COMMITTEE_MEMBER,
        start_date=dt.date(2015, 1, 1),
        end_date=dt.date(2020, 9, 30),
    )
    office = office_of(cast.committee)
    assert set(svc.signers_for(office)) == {cast.secretary, cast.deputy, cast.standing}
    assert list(svc.signers_for(cast.cell)) == [cast.cell_secretary]
    assert cast.cell.kind == Unit.Kind.CELL
