"""Records on the member file: commendations, disciplines, family, papers, corrections."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member, today
from capuyso.members.models import (
    Commendation,
    CorrectionRequest,
    Discipline,
    FamilyRelation,
    Member,
    MemberRevision,
    Paper,
)
from capuyso.members.services import records
from capuyso.notifications.models import Notification


@pytest.fixture
def member(cast):
    return make_member(cast.committee, cast.cell, "Trần Văn An")


@pytest.fixture
def own(cast):
    """The plain member's own file."""
    own = make_member(cast.committee, cast.cell, "Ngô Văn Phúc")
    cast.member.member = own
    cast.member.save()
    return own


def pdf_upload(name="ly-lich.pdf"):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def png_upload(name="giay-khen.png"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def docx_upload(name="don.docx"):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue())


def _commend(actor, member, **extra):
    values = {
        "form": "Giấy khen của Đảng ủy xã",
        "decision_number": "15-QĐ/ĐU",
        "decision_date": dt.date(2024, 2, 3),
        "issuer": "Đảng ủy xã Phú Cát",
    }
    values.update(extra)
    return records.commendation_add(actor=actor, member=member, **values)


def test_commendation_is_recorded_and_audited(cast, member):
    commendation = _commend(cast.cell_secretary, member)
    assert commendation.member == member
    event = AuditEvent.objects.get(verb="create", object_id=str(commendation.code))
    assert event.object_type == "members.commendation"
    assert event.changes["decision_number"] == [None, "15-QĐ/ĐU"]


def test_commendation_with_future_date_is_refused(cast, member):
    with pytest.raises(ValidationError) as exc:
        _commend(cast.cell_secretary, member, decision_date=today() + dt.timedelta(days=1))
    assert exc.value.error_dict["decision_date"][0].code == "future"
    assert not Commendation.objects.exists()


def test_commendation_needs_form_and_decision_number(cast, member):
    with pytest.raises(ValidationError) as exc:
        _commend(cast.cell_secretary, member, form=" ", decision_number="")
    assert exc.value.error_dict["form"][0].code == "required"
    assert exc.value.error_dict["decision_number"][0].code == "required"


def test_commendation_outside_scope_is_refused(cast):
    other = make_member(cast.committee, cast.other_cell, "Lê Thị Bích")
    with pytest.raises(PermissionDenied):
        _commend(cast.cell_secretary, other)
    with pytest.raises(PermissionDenied):
        _commend(cast.clerk, other)


def test_records_of_a_closed_file_are_refused(cast):
    closed = make_member(cast.committee, cast.cell, "Lê Văn Cũ", status=Member.Status.EXPELLED)
    with pytest.raises(ValidationError) as exc:
        _commend(cast.secretary, closed)
    assert exc.value.error_list[0].code == "closed"
    with pytest.raises(ValidationError) as exc:
        records.relation_add(
            actor=cast.secretary, member=closed, relation="father", full_name="Lê Văn Bố"
        )
    assert exc.value.error_list[0].code == "closed"
    with pytest.raises(ValidationError) as exc:
        records.paper_attach(
            actor=cast.secretary, member=closed, kind="other", title="X", upload=png_upload()
        )
    assert exc.value.error_list[0].code == "closed"


def test_removing_a_record_of_a_closed_file_is_refused(cast, member):
    commendation = _commend(cast.secretary, member)
    Member.objects.filter(pk=member.pk).update(status=Member.Status.STRUCK_OFF)
    with pytest.raises(ValidationError) as exc:
        records.commendation_remove(actor=cast.secretary, commendation=commendation)
    assert exc.value.error_list[0].code == "closed"
    assert Commendation.objects.filter(pk=commendation.pk).exists()


def test_commendation_removed_with_audit(cast, member):
    commendation = _commend(cast.party_building, member)
    records.commendation_remove(actor=cast.party_building, commendation=commendation)
    assert not Commendation.objects.exists()
    assert AuditEvent.objects.filter(verb="delete", object_id=str(commendation.code)).exists()


def test_discipline_with_decision(cast, member):
    discipline = records.discipline_add(
        actor=cast.secretary,
        member=member,
        form=Discipline.Form.REPRIMAND,
        decision_number="03-QĐ/UBKT",
        decision_date=dt.date(2023, 5, 4),
    )
    assert discipline.get_form_display()
    with pytest.raises(ValidationError) as exc:
        records.discipline_add(
            actor=cast.secretary,
            member=member,
            form="caning",
            decision_number="",
            decision_date=None,
        )
    codes = {field: errors[0].code for field, errors in exc.value.error_dict.items()}
    assert codes == {"form": "required", "decision_number": "required", "decision_date": "required"}


def test_family_relation_checks_year_of_birth(cast, member):
    relative = records.relation_add(
        actor=cast.cell_secretary,
        member=member,
        relation=FamilyRelation.Relation.FATHER,
        full_name=" Trần  Văn Bố ",
        birth_year=1945,
    )
    assert relative.full_name == "Trần Văn Bố"
    with pytest.raises(ValidationError) as exc:
        records.relation_add(
            actor=cast.cell_secretary,
            member=member,
            relation=FamilyRelation.Relation.CHILD,
            full_name="Trần Văn Con",
            birth_year=today().year + 1,
        )
    assert exc.value.error_dict["birth_year"][0].code == "birth_year"
    records.relation_remove(actor=cast.cell_secretary, relative=relative)
    assert not FamilyRelation.objects.exists()


def test_paper_pdf_and_png_are_attached(cast, member):
    paper = records.paper_attach(
        actor=cast.cell_secretary,
        member=member,
        kind=Paper.Kind.BIOGRAPHY,
        title="Lý lịch đảng viên",
        upload=pdf_upload(),
        dated=dt.date(2005, 3, 1),
    )
    assert paper.file.content_type == "application/pdf"
    assert paper.file.committee_id == cast.committee.pk
    assert paper.added_by == cast.cell_secretary
    image = records.paper_attach(
        actor=cast.cell_secretary,
        member=member,
        kind=Paper.Kind.CERTIFICATE,
        title="Giấy khen",
        upload=png_upload(),
    )
    assert image.file.content_type == "image/png"
    assert AuditEvent.objects.filter(verb="create", object_type="members.paper").count() == 2


def test_paper_refuses_word_files_and_damaged_scans(cast, member):
    with pytest.raises(ValidationError) as exc:
        records.paper_attach(
            actor=cast.secretary, member=member, kind="other", title="Đơn", upload=docx_upload()
        )
    assert exc.value.error_dict["upload"][0].code == "bad_file"
    broken = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 broken")
    with pytest.raises(ValidationError) as exc:
        records.paper_attach(
            actor=cast.secretary, member=member, kind="other", title="Scan", upload=broken
        )
    assert exc.value.error_dict["upload"][0].code == "bad_file"
    assert not Paper.objects.exists()


def test_paper_needs_title_and_kind(cast, member):
    with pytest.raises(ValidationError) as exc:
        records.paper_attach(
            actor=cast.secretary, member=member, kind="", title="", upload=png_upload()
        )
    assert set(exc.value.error_dict) == {"kind", "title"}


# --- Correction requests -------------------------------------------------------------


def _ask(cast, own, **extra):
    values = {"field_name": "occupation", "proposed_value": "Kỹ sư", "message": "Theo bằng"}
    values.update(extra)
    return records.correction_request_create(actor=cast.member, member=own, **values)


def test_member_asks_for_a_correction_of_their_own_file(cast, own):
    correction = _ask(cast, own)
    assert correction.status == CorrectionRequest.Status.OPEN
    assert correction.requested_by == cast.member
    assert AuditEvent.objects.filter(verb="create", object_id=str(correction.code)).exists()


def test_only_the_member_asks_for_corrections(cast, own, member):
    with pytest.raises(PermissionDenied):
        records.correction_request_create(
            actor=cast.member, member=member, field_name="occupation", proposed_value="X"
        )
    with pytest.raises(PermissionDenied):
        records.correction_request_create(
            actor=cast.cell_secretary, member=own, field_name="occupation", proposed_value="X"
        )


def test_correction_request_needs_a_field_and_a_value(cast, own):
    with pytest.raises(ValidationError) as exc:
        _ask(cast, own, field_name="password", proposed_value=" ")
    assert exc.value.error_dict["field_name"][0].code == "required"
    assert exc.value.error_dict["proposed_value"][0].code == "required"


def test_too_many_open_requests_are_refused(cast, own):
    for _ in range(records.MAX_OPEN_CORRECTIONS):
        _ask(cast, own)
    with pytest.raises(ValidationError) as exc:
        _ask(cast, own)
    assert exc.value.error_list[0].code == "too_many"


def test_refusing_needs_a_reply_and_tells_the_member(cast, own):
    correction = _ask(cast, own)
    with pytest.raises(ValidationError) as exc:
        records.correction_refuse(actor=cast.cell_secretary, correction=correction, reply=" ")
    assert exc.value.error_dict["reply"][0].code == "required"
    records.correction_refuse(
        actor=cast.cell_secretary, correction=correction, reply="Bằng chưa được công nhận"
    )
    correction.refresh_from_db()
    assert correction.status == CorrectionRequest.Status.REJECTED
    assert correction.handled_by == cast.cell_secretary
    assert Notification.objects.filter(user=cast.member).exists()
    with pytest.raises(ValidationError) as exc:
        records.correction_refuse(actor=cast.cell_secretary, correction=correction, reply="x")
    assert exc.value.error_list[0].code == "handled"


def test_answering_a_request_needs_the_right_over_the_cell(cast, own):
    correction = _ask(cast, own)
    with pytest.raises(PermissionDenied):
        records.correction_refuse(actor=cast.cell_deputy, correction=correction, reply="Không")


def test_accepting_corrects_the_file_as_a_correction(cast, own):
    correction = _ask(cast, own)
    records.correction_apply(
        actor=cast.party_building,
        correction=correction,
        data={"occupation": "Kỹ sư"},
        version=own.version,
    )
    own.refresh_from_db()
    correction.refresh_from_db()
    assert own.occupation == "Kỹ sư"
    assert correction.status == CorrectionRequest.Status.ACCEPTED
    revision = own.revisions.latest("pk")
    assert revision.kind == MemberRevision.Kind.CORRECTED
    assert Notification.objects.filter(user=cast.member).exists()


def test_a_failed_correction_leaves_the_request_open(cast, own):
    correction = _ask(cast, own)
    with pytest.raises(ValidationError):
        records.correction_apply(
            actor=cast.secretary,
            correction=correction,
            data={"citizen_id": "123"},
            version=own.version,
        )
    correction.refresh_from_db()
    assert correction.status == CorrectionRequest.Status.OPEN
