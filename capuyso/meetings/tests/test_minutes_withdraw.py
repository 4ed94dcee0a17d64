"""Withdrawing the signature of half-signed minutes: the meeting's organisers only, with a
reason, audited; the minutes go back to an editable draft and both sign again. Fully
signed minutes are corrected by a new version instead."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from capuyso.audit.models import AuditEvent
from capuyso.meetings.models import Minutes
from capuyso.meetings.services import minutes as svc
from capuyso.meetings.services import minutes_signing as signing
from capuyso.meetings.tests.test_minutes import PASS, _register, held_meeting
from capuyso.notifications.models import Notification

pytestmark = pytest.mark.django_db

REASON = "Số liệu điểm danh ghi sai"


@pytest.fixture(autouse=True)
def _html_pdf(settings):
    settings.SIGNING_SOFFICE = "/nonexistent/soffice"


@pytest.fixture(scope="module")
def pki():
    from capuyso.signing.devpki import DevPKI

    return DevPKI()


def half_signed(cast) -> Minutes:
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    return signing.minutes_confirm(actor=cast.cell_secretary, minutes=minutes, confirm=True)


def _codes(exc) -> dict:
    error = exc.value
    if hasattr(error, "error_dict"):
        return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}
    return {None: [e.code for e in error.error_list]}


def test_a_manager_withdraws_the_chairs_signature_and_the_draft_is_editable_again(cast):
    minutes = half_signed(cast)
    assert svc.is_frozen(minutes)

    minutes = signing.minutes_signatures_withdraw(
        actor=cast.cell_secretary, minutes=minutes, reason=f"  {REASON} "
    )

    assert minutes.status == Minutes.Status.DRAFT
    assert svc.signatures_of(minutes) == {} and not svc.is_frozen(minutes)
    withdrawn = minutes.sections["withdrawn"]
    assert [sorted(w["signatures"]) for w in withdrawn] == [["chair"]]
    assert withdrawn[0]["reason"] == REASON and withdrawn[0]["by"] == cast.cell_secretary.pk
    event = AuditEvent.objects.filter(object_id=str(minutes.code)).latest("pk")
    assert event.changes["signatures_withdrawn"] == [["chair"], None]
    assert event.changes["reason"] == REASON
    assert Notification.objects.filter(
        user=cast.cell_secretary, dedupe_key__startswith="minutes-withdrawn:"
    ).exists()
    # The text can change again, then both sign the new text.
    minutes = svc.minutes_update(
        actor=cast.cell_secretary,
        minutes=minutes,
        lock_version=minutes.lock_version,
        content={"opinions": "Đã sửa số liệu điểm danh."},
    )
    minutes = signing.minutes_confirm(actor=cast.cell_secretary, minutes=minutes, confirm=True)
    minutes = signing.minutes_confirm(actor=cast.cell_deputy, minutes=minutes, confirm=True)
    assert minutes.status == Minutes.Status.SIGNED
    assert minutes.sections["withdrawn"][0]["reason"] == REASON  # kept with the record


def test_withdrawing_is_refused_with_a_code_and_changes_nothing(cast):
    minutes = half_signed(cast)
    with pytest.raises(ValidationError) as exc:
        signing.minutes_signatures_withdraw(actor=cast.cell_secretary, minutes=minutes, reason=" ")
    assert _codes(exc) == {"reason": ["required"]}
    with pytest.raises(PermissionDenied):
        signing.minutes_signatures_withdraw(actor=cast.member, minutes=minutes, reason=REASON)
    minutes.refresh_from_db()
    assert sorted(svc.signatures_of(minutes)) == ["chair"]

    draft = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    with pytest.raises(ValidationError) as exc:
        signing.minutes_signatures_withdraw(actor=cast.cell_secretary, minutes=draft, reason=REASON)
    assert _codes(exc) == {None: ["not_signed"]}

    signed = signing.minutes_confirm(actor=cast.cell_deputy, minutes=minutes, confirm=True)
    assert signed.status == Minutes.Status.SIGNED
    with pytest.raises(ValidationError) as exc:
        signing.minutes_signatures_withdraw(
            actor=cast.cell_secretary, minutes=signed, reason=REASON
        )
    assert _codes(exc) == {None: ["minutes_signed"]}
    signed.refresh_from_db()
    assert signed.status == Minutes.Status.SIGNED and len(svc.signatures_of(signed)) == 2


def test_a_digital_signature_withdrawn_leaves_its_pdf_in_storage_not_on_the_minutes(cast, pki):
    key = _register(cast, cast.cell_secretary, pki.issue("Hoàng Văn Minh"))
    minutes = svc.minutes_create(actor=cast.cell_secretary, meeting=held_meeting(cast))
    minutes = signing.minutes_sign_digitally(
        actor=cast.cell_secretary, minutes=minutes, credential=key, secret=PASS
    )
    partly_signed = minutes.file
    assert partly_signed is not None

    minutes = signing.minutes_signatures_withdraw(
        actor=cast.cell_deputy, minutes=minutes, reason=REASON
    )

    assert minutes.file_id is None
    event = AuditEvent.objects.filter(object_id=str(minutes.code)).latest("pk")
    assert event.changes["file"][0].startswith(partly_signed.original_name)
    partly_signed.refresh_from_db()  # still stored


def test_the_withdraw_page_rights_and_bad_input(cast, client_for):
    minutes = half_signed(cast)
    url = reverse("meetings:minutes_withdraw", args=[minutes.code])
    detail = reverse("meetings:minutes_detail", args=[minutes.code])

    manager = client_for(cast.cell_secretary)
    assert url in manager.get(detail).content.decode()  # offered on half-signed minutes
    assert manager.get(url).status_code == 200
    response = manager.post(url, {"reason": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    minutes.refresh_from_db()
    assert svc.signatures_of(minutes)

    assert client_for(cast.member).get(url).status_code == 403
    assert client_for(cast.member).post(url, {"reason": REASON}).status_code == 403
    assert client_for(cast.outsider).post(url, {"reason": REASON}).status_code == 404

    manager = client_for(cast.cell_secretary)
    response = manager.post(url, {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == detail
    minutes.refresh_from_db()
    assert svc.signatures_of(minutes) == {}
    assert url not in manager.get(detail).content.decode()  # nothing left to withdraw
    # Again on the draft: refused with the service's code on the form.
    response = manager.post(url, {"reason": REASON})
    assert response.status_code == 400
