"""Minutes: the pre-filled draft, editing with a version check, DOCX/PDF, signing (platform
confirmation and PAdES), corrections as new versions, and the pages' permissions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from docx import Document

from capuyso.audit.models import AuditEvent
from capuyso.documents import files as doc_files
from capuyso.meetings import minutes_docx
from capuyso.meetings.models import Attendance, Meeting, Minutes, Vote
from capuyso.meetings.rules import vote_rule_on
from capuyso.meetings.services import minutes as svc
from capuyso.meetings.services import minutes_signing as signing
from capuyso.meetings.services.meetings import agenda_item_add
from capuyso.meetings.tests.factories import make_cell_members, make_meeting
from capuyso.members.models import Member
from capuyso.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _html_pdf(settings):
    """PDFs from WeasyPrint (fast); the LibreOffice path has its own test."""
    settings.SIGNING_SOFFICE = "/nonexistent/soffice"


def held_meeting(cast, **extra):
    """A regular meeting of the cast's cell held yesterday evening, chaired by the cell
    secretary with the deputy as secretary, with an agenda, attendance and an open vote."""
    start = timezone.localtime().replace(hour=19, minute=30, second=0, microsecond=0)
    start -= dt.timedelta(days=1)
    values = {
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
        "chair": cast.cell_secretary,
        "secretary": cast.cell_deputy,
        "status": Meeting.Status.CLOSED,
    }
    values.update(extra)
    meeting = make_meeting(cast, **values)
    return meeting


def with_business(cast, meeting):
    """Eight members: five present, one absent with a reason, one without, one exempt; an
    agenda of two items and a closed open vote of 5 for, 0 against."""
    members = make_cell_members(cast, 8)
    members[7].status = Member.Status.EXEMPT
    members[7].save(update_fields=["status"])
    statuses = [(Attendance.Status.PRESENT, "")] * 5 + [
        (Attendance.Status.ABSENT_EXCUSED, "đi công tác"),
        (Attendance.Status.ABSENT_UNEXCUSED, ""),
        (Attendance.Status.EXEMPT, "tuổi cao"),
    ]
    for member, (status, reason) in zip(members, statuses, strict=True):
        Attendance.objects.create(meeting=meeting, member=member, status=status, reason=reason)
    meeting.status = Meeting.Status.PLANNED
    meeting.save(update_fields=["status"])
    agenda_item_add(actor=cast.cell_secretary, meeting=meeting, title="Thông tin thời sự")
    agenda_item_add(
        actor=cast.cell_secretary,
        meeting=meeting,
        title="Kết nạp quần chúng Nguyễn Văn X",
        presenter="Đ/c Bí thư",
    )
    meeting.status = Meeting.Status.CLOSED
    meeting.save(update_fields=["status"])
    day = timezone.localtime(meeting.starts_at).date()
    Vote.objects.create(
        meeting=meeting,
        question="Kết nạp quần chúng Nguyễn Văn X",
        method=Vote.Method.OPEN,
        rule=vote_rule_on(cast.committee, "admission", day),
        status=Vote.Status.CLOSED,
        count_for=5,
        count_against=0,
        count_abstain=0,
    )
    return members


def signed_minutes(cast, meeting=None):
    meeting = meeting or held_meeting(cast)
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=meeting)
    minutes = signing.minutes_confirm(actor=cast.cell_secretary, minutes=minutes, confirm=True)
    return signing.minutes_confirm(actor=cast.cell_deputy, minutes=minutes, confirm=True)


# --- the pre-filled draft ---------------------------------------------------------------


def test_draft_is_prefilled_with_attendance_agenda_votes_and_fees(cast):
    meeting = held_meeting(cast)
    with_business(cast, meeting)
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=meeting)

    facts = minutes.sections["facts"]["attendance"]
    assert (facts["total"], facts["present"], facts["exempt"], facts["absent"]) == (8, 5, 1, 2)
    assert (facts["absent_excused"], facts["absent_unexcused"]) == (1, 1)
    # The denominator: 7 full members, less the exempt one who is absent.
    assert (facts["vote_base"], facts["denominator"]) == (5, 7)
    content = minutes.sections["content"]
    assert "Tổng số đảng viên: 8; có mặt: 5; miễn sinh hoạt: 1; vắng: 2" in content["attendance"]
    assert "(có lý do: 1, không lý do: 1)" in content["attendance"]
    assert (
        "Có mặt: Đảng viên 1, Đảng viên 2, Đảng viên 3, Đảng viên 4, Đảng viên 5."
        in (content["attendance"])
    )
    assert "Vắng có lý do: Đảng viên 6 (đi công tác)." in content["attendance"]
    assert "Vắng không lý do: Đảng viên 7." in content["attendance"]
    assert "Miễn sinh hoạt: Đảng viên 8 (tuổi cao)." in content["attendance"]
    assert "5/7 ≥ 2/3 (cần 5); hội nghị đủ số lượng" in content["attendance"]
    assert "1. Thông tin thời sự." in content["agenda"]
    assert "2. Kết nạp quần chúng Nguyễn Văn X (trình bày: Đ/c Bí thư)." in content["agenda"]
    # Admission: ≥ 2/3 of the cell's full members who may vote (7).
    (vote,) = minutes.sections["facts"]["votes"]
    assert (vote["base"], vote["needed"], vote["passed"]) == (7, 5, True)
    assert "tán thành 5, không tán thành 0, không biểu quyết 0" in content["votes"]
    assert "5/7 ≥ 2/3 (cần 5). Kết quả: thông qua." in content["votes"]
    assert content["fees"] == "Thu đảng phí: … đồng."
    assert "Hoàng Văn Minh" in content["time_place"] and "Bùi Thị Nga" in content["time_place"]
    heading = minutes.sections["heading"]
    assert heading["issuer"] == "CHI BỘ THÔN ĐỒNG CÁT"
    assert heading["superior"] == "ĐẢNG BỘ XÃ PHÚ CÁT"
    assert heading["subtitle"].startswith("Sinh hoạt chi bộ tháng ")
    for key in ("news", "review", "opinions", "tasks", "resolution"):
        assert content[key] == ""


def test_votes_recorded_through_the_votes_service_print_their_stored_result(cast):
    from capuyso.meetings.services import votes as vote_services

    meeting = held_meeting(cast)
    with_business(cast, meeting)
    Vote.objects.filter(meeting=meeting).delete()
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.IN_PROGRESS)
    meeting.refresh_from_db()
    vote = vote_services.vote_create(
        actor=cast.cell_secretary,
        meeting=meeting,
        question="Thông qua nghị quyết tháng",
        method=Vote.Method.OPEN,
        rule_code="resolution",
    )
    vote = vote_services.open_vote_record(
        actor=cast.cell_secretary,
        vote=vote,
        count_for=4,
        count_against=1,
        count_abstain=0,
        close=True,
    )
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=meeting)
    (fact,) = minutes.sections["facts"]["votes"]
    assert fact["base"] == vote.result["base"]
    assert fact["passed"] is vote.result["passed"]
    assert fact["needed"] == vote.result["outcome"]["needed"]
    assert f"4/{vote.result['base']}" in minutes.sections["content"]["votes"]


def test_starting_twice_gives_one_draft_and_only_managers_start(cast):
    meeting = held_meeting(cast)
    first = svc.minutes_create(actor=cast.cell_secretary, meeting=meeting)
    assert svc.minutes_create(actor=cast.cell_deputy, meeting=meeting) == first
    assert Minutes.objects.filter(meeting=meeting).count() == 1
    with pytest.raises(PermissionDenied):
        svc.minutes_create(actor=cast.member, meeting=meeting)


def test_cancelled_meeting_has_no_minutes(cast):
    meeting = held_meeting(cast, status=Meeting.Status.CANCELLED)
    with pytest.raises(ValidationError) as exc:
        svc.minutes_create(actor=cast.cell_secretary, meeting=meeting)
    assert exc.value.error_list[0].code == "meeting_cancelled"


def test_refresh_rewrites_the_facts_and_keeps_the_secretarys_text(cast):
    meeting = held_meeting(cast)
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=meeting)
    assert "có mặt: …" in minutes.sections["content"]["attendance"]
    minutes = svc.minutes_update(
        actor=cast.cell_secretary,
        minutes=minutes,
        lock_version=minutes.lock_version,
        content={"news": "Tình hình thời sự trong nước."},
    )
    with_business(cast, meeting)
    minutes = svc.minutes_refresh(
        actor=cast.cell_secretary, minutes=minutes, lock_version=minutes.lock_version
    )
    assert "có mặt: 5" in minutes.sections["content"]["attendance"]
    assert minutes.sections["content"]["news"] == "Tình hình thời sự trong nước."
    assert minutes.sections["facts"]["votes"][0]["passed"] is True


# --- editing ----------------------------------------------------------------------------------


def test_edit_saves_and_audits_and_a_stale_form_saves_nothing(cast):
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    seen = minutes.lock_version
    minutes = svc.minutes_update(
        actor=cast.cell_deputy,
        minutes=minutes,
        lock_version=seen,
        content={"opinions": "Đ/c A đề nghị sửa đường.", "tasks": "Làm đường."},
    )
    assert minutes.lock_version == seen + 1
    assert minutes.sections["content"]["opinions"] == "Đ/c A đề nghị sửa đường."
    assert AuditEvent.objects.filter(
        object_id=str(minutes.code), verb=AuditEvent.Verb.UPDATE
    ).exists()
    with pytest.raises(ValidationError) as exc:
        svc.minutes_update(
            actor=cast.cell_secretary,
            minutes=minutes,
            lock_version=seen,
            content={"opinions": "Bản cũ"},
        )
    assert exc.value.error_list[0].code == "stale"
    minutes.refresh_from_db()
    assert minutes.sections["content"]["opinions"] == "Đ/c A đề nghị sửa đường."


def test_edit_refuses_a_member_and_overlong_text(cast):
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    with pytest.raises(PermissionDenied):
        svc.minutes_update(
            actor=cast.member, minutes=minutes, lock_version=None, content={"news": "x"}
        )
    with pytest.raises(ValidationError) as exc:
        svc.minutes_update(
            actor=cast.cell_secretary,
            minutes=minutes,
            lock_version=None,
            content={"news": "x" * (svc.MAX_SECTION_CHARS + 1)},
        )
    assert exc.value.error_dict["news"][0].code == "too_long"


# --- DOCX and PDF ---------------------------------------------------------------------------


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def test_docx_opens_and_carries_the_party_layout_and_the_counts(cast):
    meeting = held_meeting(cast)
    with_business(cast, meeting)
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=meeting)
    text = _docx_text(minutes_docx.build_docx(minutes))
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert "CHI BỘ THÔN ĐỒNG CÁT" in text and "ĐẢNG BỘ XÃ PHÚ CÁT" in text
    assert "BIÊN BẢN" in text
    assert "Tổng số đảng viên: 8; có mặt: 5; miễn sinh hoạt: 1; vắng: 2" in text
    assert "I. THỜI GIAN, ĐỊA ĐIỂM, CHỦ TRÌ, THƯ KÝ" in text
    assert "Thu đảng phí: … đồng." in text
    assert "CHỦ TRÌ" in text and "THƯ KÝ" in text
    assert "Hoàng Văn Minh" in text and "Bùi Thị Nga" in text
    # The secretary's empty sections are left out, and the numbering follows.
    assert "THÔNG TIN THỜI SỰ" not in text
    assert "IV. BIỂU QUYẾT" in text


def test_pdf_without_libreoffice_is_printed_from_html(cast):
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    rendered = minutes_docx.render_pdf(minutes)
    assert rendered.via == minutes_docx.VIA_HTML
    assert rendered.data.startswith(b"%PDF-")


# --- signing by confirmation ------------------------------------------------------------------


def test_both_confirm_then_the_minutes_are_signed_filed_and_frozen(cast):
    meeting = held_meeting(cast)
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=meeting)
    with pytest.raises(ValidationError) as exc:
        signing.minutes_confirm(actor=cast.cell_secretary, minutes=minutes, confirm=False)
    assert exc.value.error_dict["confirm"][0].code == "required"
    minutes = signing.minutes_confirm(actor=cast.cell_secretary, minutes=minutes, confirm=True)
    assert minutes.status == Minutes.Status.DRAFT
    assert set(svc.signatures_of(minutes)) == {"chair"}
    assert Notification.objects.filter(user=cast.cell_deputy, url__contains=str(minutes.code))
    # The first signature freezes the text.
    with pytest.raises(ValidationError) as exc:
        svc.minutes_update(
            actor=cast.cell_secretary, minutes=minutes, lock_version=None, content={"news": "x"}
        )
    assert exc.value.error_list[0].code == "signing_started"
    with pytest.raises(ValidationError) as exc:
        signing.minutes_confirm(actor=cast.cell_secretary, minutes=minutes, confirm=True)
    assert exc.value.error_list[0].code == "already_signed"

    minutes = signing.minutes_confirm(actor=cast.cell_deputy, minutes=minutes, confirm=True)
    assert minutes.status == Minutes.Status.SIGNED and minutes.signed_at is not None
    signed = svc.signatures_of(minutes)
    assert signed["secretary"]["method"] == svc.CONFIRMATION
    assert signed["chair"]["content_sha256"] == svc.content_hash(minutes.sections)
    assert minutes.file.content_type == doc_files.PDF
    assert doc_files.read_verified(minutes.file).startswith(b"%PDF-")
    text = _docx_text(minutes_docx.build_docx(minutes))
    assert text.count("Đã xác nhận điện tử") == 2
    assert AuditEvent.objects.filter(object_id=str(minutes.code)).count() >= 3

    with pytest.raises(ValidationError) as exc:
        svc.minutes_update(
            actor=cast.cell_secretary, minutes=minutes, lock_version=None, content={"news": "x"}
        )
    assert exc.value.error_list[0].code == "minutes_signed"


def test_only_the_chair_and_the_secretary_sign_and_only_after_the_meeting(cast):
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    with pytest.raises(PermissionDenied):
        signing.minutes_confirm(actor=cast.secretary, minutes=minutes, confirm=True)
    future = make_meeting(cast, chair=cast.cell_secretary, secretary=cast.cell_deputy)
    early = svc.minutes_create(actor=cast.cell_secretary, meeting=future)
    with pytest.raises(ValidationError) as exc:
        signing.minutes_confirm(actor=cast.cell_secretary, minutes=early, confirm=True)
    assert exc.value.error_list[0].code == "not_held_yet"
    changed = held_meeting(cast)
    draft = svc.minutes_create(actor=cast.cell_secretary, meeting=changed)
    Meeting.objects.filter(pk=changed.pk).update(secretary=cast.member)
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        signing.minutes_confirm(actor=cast.cell_secretary, minutes=draft, confirm=True)
    assert exc.value.error_list[0].code == "signers_changed"
    draft = svc.minutes_refresh(actor=cast.cell_secretary, minutes=draft, lock_version=None)
    assert draft.sections["heading"]["secretary"] == cast.member.full_name
    signing.minutes_confirm(actor=cast.member, minutes=draft, confirm=True)
    no_secretary = held_meeting(cast, secretary=None)
    draft = svc.minutes_create(actor=cast.cell_secretary, meeting=no_secretary)
    with pytest.raises(ValidationError) as exc:
        signing.minutes_confirm(actor=cast.cell_secretary, minutes=draft, confirm=True)
    assert exc.value.error_list[0].code == "signers_missing"


# --- corrections ---------------------------------------------------------------------------------


def test_a_correction_is_version_2_and_keeps_version_1(cast):
    first = signed_minutes(cast)
    first_file = first.file
    with pytest.raises(ValidationError) as exc:
        svc.minutes_correct(actor=cast.cell_secretary, minutes=first, reason="  ")
    assert exc.value.error_dict["reason"][0].code == "required"
    with pytest.raises(PermissionDenied):
        svc.minutes_correct(actor=cast.member, minutes=first, reason="Sai tên")
    second = svc.minutes_correct(
        actor=cast.cell_secretary, minutes=first, reason="Ghi sai số đảng viên có mặt"
    )
    assert (second.version, second.status, second.replaces) == (2, Minutes.Status.DRAFT, first)
    assert second.correction_reason == "Ghi sai số đảng viên có mặt"
    assert svc.signatures_of(second) == {}
    assert second.sections["content"] == first.sections["content"]
    # Asking twice gives the same correction.
    again = svc.minutes_correct(actor=cast.cell_secretary, minutes=first, reason="Lần nữa")
    assert again == second
    second = svc.minutes_update(
        actor=cast.cell_secretary,
        minutes=second,
        lock_version=second.lock_version,
        content={"news": "Đã sửa"},
    )
    first.refresh_from_db()
    assert first.status == Minutes.Status.SIGNED and first.file == first_file
    assert first.sections["content"]["news"] == ""
    assert doc_files.read_verified(first.file).startswith(b"%PDF-")
    with pytest.raises(ValidationError) as exc:
        svc.minutes_update(
            actor=cast.cell_secretary, minutes=first, lock_version=None, content={"news": "x"}
        )
    assert exc.value.error_list[0].code == "minutes_signed"
    # Once version 2 is signed, version 1 can no longer be corrected: version 2 can.
    second = signing.minutes_confirm(actor=cast.cell_secretary, minutes=second, confirm=True)
    second = signing.minutes_confirm(actor=cast.cell_deputy, minutes=second, confirm=True)
    assert second.status == Minutes.Status.SIGNED and second.file != first_file
    with pytest.raises(ValidationError) as exc:
        svc.minutes_correct(actor=cast.cell_secretary, minutes=first, reason="Khác")
    assert exc.value.error_list[0].code == "not_latest"
    assert (
        svc.minutes_correct(actor=cast.cell_secretary, minutes=second, reason="Khác").version == 3
    )


def test_a_draft_cannot_be_corrected(cast):
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    with pytest.raises(ValidationError) as exc:
        svc.minutes_correct(actor=cast.cell_secretary, minutes=minutes, reason="x")
    assert exc.value.error_list[0].code == "not_signed"


# --- PAdES signatures with PKCS#12 files -----------------------------------------------------


@pytest.fixture(scope="module")
def dev_pki():
    from capuyso.signing.devpki import DevPKI

    return DevPKI()


PASS = "mat-khau-bien-ban"


def _register(cast, user, identity):
    from capuyso.signing.models import Credential
    from capuyso.signing.services import NewCredential, credential_register

    credential, _warnings = credential_register(
        actor=user,
        committee=cast.committee,
        spec=NewCredential(
            kind=Credential.Kind.PKCS12, pkcs12=identity.pkcs12(PASS), passphrase=PASS
        ),
    )
    return credential


def test_chair_then_secretary_sign_the_pdf_with_pades(cast, dev_pki):
    from capuyso.signing import pdf

    chair_key = _register(cast, cast.cell_secretary, dev_pki.issue("Hoàng Văn Minh"))
    secretary_key = _register(cast, cast.cell_deputy, dev_pki.issue("Bùi Thị Nga"))
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    # With a certificate registered, a plain confirmation is refused.
    with pytest.raises(ValidationError) as exc:
        signing.minutes_confirm(actor=cast.cell_secretary, minutes=minutes, confirm=True)
    assert exc.value.error_list[0].code == "certificate_required"
    with pytest.raises(ValidationError) as exc:
        signing.minutes_sign_digitally(
            actor=cast.cell_secretary, minutes=minutes, credential=chair_key, secret="sai"
        )
    assert exc.value.error_dict["secret"][0].code == "wrong_secret"
    minutes.refresh_from_db()
    assert svc.signatures_of(minutes) == {} and minutes.file_id is None
    with pytest.raises(ValidationError) as exc:
        signing.minutes_sign_digitally(
            actor=cast.cell_secretary, minutes=minutes, credential=secretary_key, secret=PASS
        )
    assert exc.value.error_dict["credential"][0].code == "invalid"

    minutes = signing.minutes_sign_digitally(
        actor=cast.cell_secretary, minutes=minutes, credential=chair_key, secret=PASS
    )
    assert minutes.status == Minutes.Status.DRAFT
    after_chair = doc_files.read_verified(minutes.file)
    minutes = signing.minutes_sign_digitally(
        actor=cast.cell_deputy, minutes=minutes, credential=secretary_key, secret=PASS
    )
    assert minutes.status == Minutes.Status.SIGNED
    data = doc_files.read_verified(minutes.file)
    # The secretary's signature is an incremental revision over the chair's.
    assert data.startswith(after_chair)
    fields = pdf.signature_fields(pdf.open_pdf(data))
    assert [f.signed for f in fields] == [True, True]
    signed = svc.signatures_of(minutes)
    assert signed["chair"]["method"] == signed["secretary"]["method"] == svc.PADES
    assert signed["chair"]["level"] == pdf.LEVEL_B_B
    assert signed["secretary"]["file_sha256"] == minutes.file.sha256


# --- pages ------------------------------------------------------------------------------------


def test_manager_drafts_edits_and_a_stale_form_keeps_the_text(cast, client_for):
    meeting = held_meeting(cast)
    client = client_for(cast.cell_secretary)
    assert client.get(reverse("meetings:minutes", args=[meeting.code])).status_code == 200
    response = client.post(reverse("meetings:minutes_start", args=[meeting.code]))
    minutes = Minutes.objects.get(meeting=meeting)
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:minutes_edit", args=[minutes.code])
    client.post(reverse("meetings:minutes_start", args=[meeting.code]))
    assert Minutes.objects.filter(meeting=meeting).count() == 1

    url = reverse("meetings:minutes_edit", args=[minutes.code])
    page = client.get(url)
    assert page.status_code == 200 and "Thu đảng phí" in page.content.decode()
    form = {key: minutes.sections["content"][key] for key in svc.SECTION_KEYS}
    response = client.post(url, {**form, "news": "Tin mới", "lock_version": 1})
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.sections["content"]["news"] == "Tin mới" and minutes.lock_version == 2
    stale = client.post(url, {**form, "news": "Tin cũ", "lock_version": 1})
    assert stale.status_code == 400 and "Tin cũ" in stale.content.decode()
    minutes.refresh_from_db()
    assert minutes.sections["content"]["news"] == "Tin mới"
    response = client.post(
        reverse("meetings:minutes_refresh", args=[minutes.code]), {"lock_version": 2}
    )
    assert response.status_code == 302
    minutes.refresh_from_db()
    assert minutes.lock_version == 3


def test_signing_pages_by_confirmation(cast, client_for):
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    sign_url = reverse("meetings:minutes_sign", args=[minutes.code])
    client = client_for(cast.cell_deputy)
    assert client.get(sign_url).status_code == 200
    assert client.post(sign_url, {}).status_code == 400
    assert client.post(sign_url, {"confirm": "on"}).status_code == 302
    client = client_for(cast.secretary)  # organises the meeting, but neither chair nor secretary
    assert client.get(sign_url).status_code == 403
    client = client_for(cast.cell_secretary)
    assert client.post(sign_url, {"confirm": "on"}).status_code == 302
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.SIGNED
    # Signed: the edit page sends back to the minutes.
    edit = client.get(reverse("meetings:minutes_edit", args=[minutes.code]))
    assert edit.status_code == 302
    response = client.post(
        reverse("meetings:minutes_correct", args=[minutes.code]), {"reason": "Sai số liệu"}
    )
    correction = Minutes.objects.get(meeting=minutes.meeting, version=2)
    assert response["Location"] == reverse("meetings:minutes_edit", args=[correction.code])
    old_pdf = client.get(reverse("meetings:minutes_pdf", args=[minutes.code]))
    assert old_pdf.status_code == 200
    assert b"".join(old_pdf.streaming_content) == doc_files.read_verified(minutes.file)


def test_members_read_signed_minutes_only_and_outsiders_get_404(cast, client_for):
    signed = signed_minutes(cast)
    draft = svc.minutes_create(
        actor=cast.cell_secretary,
        meeting=held_meeting(cast, title="Sinh hoạt chuyên đề", kind=Meeting.Kind.CELL_THEMATIC),
    )
    client = client_for(cast.member)
    meeting_page = client.get(reverse("meetings:detail", args=[signed.meeting.code]))
    assert reverse("meetings:minutes_detail", args=[signed.code]) in meeting_page.content.decode()
    for name in ("minutes_detail", "minutes_docx", "minutes_pdf"):
        assert client.get(reverse(f"meetings:{name}", args=[signed.code])).status_code == 200
        assert client.get(reverse(f"meetings:{name}", args=[draft.code])).status_code == 403
    docx = client.get(reverse("meetings:minutes_docx", args=[signed.code]))
    assert "Tổng số đảng viên" in _docx_text(b"".join(docx.streaming_content))
    page = client.get(reverse("meetings:minutes", args=[draft.meeting.code]))
    assert page.status_code == 200 and draft.sections["heading"]["subtitle"] not in (
        page.content.decode()
    )
    for name in ("minutes_edit", "minutes_correct", "minutes_sign"):
        assert client.get(reverse(f"meetings:{name}", args=[draft.code])).status_code == 403
    for name in ("minutes_refresh", "minutes_resolution"):
        assert client.post(reverse(f"meetings:{name}", args=[draft.code])).status_code == 403
    assert (
        client.post(reverse("meetings:minutes_start", args=[draft.meeting.code])).status_code == 403
    )

    client = client_for(cast.outsider)
    for name in (
        "minutes_detail",
        "minutes_docx",
        "minutes_pdf",
        "minutes_edit",
        "minutes_sign",
        "minutes_correct",
    ):
        assert client.get(reverse(f"meetings:{name}", args=[signed.code])).status_code == 404
    for name in ("minutes_refresh", "minutes_resolution"):
        assert client.post(reverse(f"meetings:{name}", args=[signed.code])).status_code == 404
    assert client.get(reverse("meetings:minutes", args=[signed.meeting.code])).status_code == 404
    assert (
        client.post(reverse("meetings:minutes_start", args=[signed.meeting.code])).status_code
        == 404
    )


def test_post_only_views_refuse_get(cast, client_for):
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    client = client_for(cast.cell_secretary)
    assert (
        client.get(reverse("meetings:minutes_start", args=[minutes.meeting.code])).status_code
        == 405
    )
    for name in ("minutes_refresh", "minutes_resolution"):
        assert client.get(reverse(f"meetings:{name}", args=[minutes.code])).status_code == 405


def test_minutes_page_and_panel_with_many_versions_stay_within_a_query_budget(
    cast, client_for, django_assert_max_num_queries
):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    minutes = signed_minutes(cast)
    for _ in range(3):
        minutes = svc.minutes_correct(actor=cast.cell_secretary, minutes=minutes, reason="Sửa")
        minutes = signing.minutes_confirm(actor=cast.cell_secretary, minutes=minutes, confirm=True)
        minutes = signing.minutes_confirm(actor=cast.cell_deputy, minutes=minutes, confirm=True)
    client = client_for(cast.member)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("meetings:minutes", args=[minutes.meeting.code]))
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count(reverse("meetings:minutes_docx", args=[minutes.code])) >= 1
    assert "Sửa" in body
    request = RequestFactory().get("/")
    request.user = cast.cell_secretary
    with django_assert_max_num_queries(15):
        panel = render_to_string(
            "meetings/_minutes_panel.html", {"meeting": minutes.meeting, "request": request}
        )
    assert reverse("meetings:minutes_detail", args=[minutes.code]) in panel


def test_panel_offers_a_draft_to_managers_only(cast):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    meeting = held_meeting(cast)
    request = RequestFactory().get("/")
    request.user = cast.cell_secretary
    panel = render_to_string(
        "meetings/_minutes_panel.html", {"meeting": meeting, "request": request}
    )
    assert reverse("meetings:minutes_start", args=[meeting.code]) in panel
    request.user = cast.member
    panel = render_to_string(
        "meetings/_minutes_panel.html", {"meeting": meeting, "request": request}
    )
    assert reverse("meetings:minutes_start", args=[meeting.code]) not in panel


def test_pdf_through_libreoffice_when_installed(cast, settings):
    from capuyso.signing import convert

    settings.SIGNING_SOFFICE = ""
    if not convert.available():
        pytest.skip("LibreOffice is not installed")
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    rendered = minutes_docx.render_pdf(minutes)
    assert rendered.via == minutes_docx.VIA_LIBREOFFICE
    from capuyso.signing import pdf

    text = " ".join(run.text for run in pdf.text_runs(rendered.data, [0]))
    assert "BIÊN BẢN" in text
