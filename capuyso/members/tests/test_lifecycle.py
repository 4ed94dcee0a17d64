"""Exemption from activities, leaving the Party, periods outside the Party, and the daily
reminders."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member
from capuyso.members.models import Exemption, Gap, Member, MemberRevision, Transfer
from capuyso.members.services.file import member_update
from capuyso.members.services.lifecycle import (
    exemption_end,
    exemption_record,
    exemptions_expire,
    gap_record,
    member_close,
    member_reminders_send,
)
from capuyso.members.services.transfers import transfer_platform_start
from capuyso.notifications.models import Notification

pytestmark = pytest.mark.django_db

D = dt.date


def exempt(cast, member, **overrides):
    values = {
        "reason": Exemption.Reason.HEALTH,
        "applied_on": D(2026, 2, 2),
        "decision_number": "03-NQ/CB",
        "decision_date": D(2026, 2, 10),
        "starts_on": D(2026, 2, 10),
    }
    values.update(overrides)
    return exemption_record(actor=cast.cell_secretary, member=member, **values)


# --- Exemption ----------------------------------------------------------------------------


def test_exemption_makes_the_member_exempt_from_its_start(cast):
    member = make_member(cast.committee, cast.cell, "Trần Văn Già")
    exemption = exempt(cast, member, reason=Exemption.Reason.AGE)
    member.refresh_from_db()
    assert member.status == Member.Status.EXEMPT
    assert member.status_since == D(2026, 2, 10)
    revision = member.revisions.get()
    assert revision.kind == MemberRevision.Kind.EXEMPTED
    assert revision.effective_on == D(2026, 2, 10)
    assert AuditEvent.objects.filter(object_id=str(exemption.code), verb="create").exists()
    # Submitting the same resolution again changes nothing.
    assert exempt(cast, member, reason=Exemption.Reason.AGE).pk == exemption.pk
    assert member.exemptions.count() == 1


def test_ending_an_exemption_returns_to_full(cast):
    member = make_member(cast.committee, cast.cell, "Trần Văn Già")
    exemption = exempt(cast, member)
    exemption_end(actor=cast.cell_secretary, exemption=exemption, resume_on=D(2026, 6, 1))
    exemption.refresh_from_db()
    member.refresh_from_db()
    assert exemption.ends_on == D(2026, 5, 31)
    assert member.status == Member.Status.FULL
    assert member.status_since == D(2026, 6, 1)
    # Twice is harmless.
    exemption_end(actor=cast.cell_secretary, exemption=exemption, resume_on=D(2026, 6, 1))
    assert member.revisions.filter(kind=MemberRevision.Kind.EXEMPTION_ENDED).count() == 1


def test_an_exemption_already_over_leaves_the_member_full_with_history(cast):
    member = make_member(cast.committee, cast.cell, "Trần Văn Ốm")
    exempt(cast, member, ends_on=D(2026, 4, 30))
    member.refresh_from_db()
    assert member.status == Member.Status.FULL
    kinds = list(member.revisions.values_list("kind", "effective_on"))
    assert kinds == [("exempted", D(2026, 2, 10)), ("exemption_ended", D(2026, 5, 1))]


def test_a_planned_end_is_applied_by_the_daily_job(cast):
    member = make_member(cast.committee, cast.cell, "Trần Văn Ốm")
    today = timezone.localdate()
    exempt(cast, member, ends_on=today + dt.timedelta(days=10))
    member.refresh_from_db()
    assert member.status == Member.Status.EXEMPT
    assert exemptions_expire(today=today) == 0
    assert exemptions_expire(today=today + dt.timedelta(days=11)) == 1
    member.refresh_from_db()
    assert member.status == Member.Status.FULL


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"decision_date": D(2099, 1, 1), "starts_on": D(2099, 1, 1)}, "decision_date", "future"),
        ({"starts_on": D(2099, 1, 1)}, "starts_on", "future"),
        ({"applied_on": D(2026, 3, 1)}, "decision_date", "decision_before_application"),
        ({"ends_on": D(2026, 2, 1)}, "ends_on", "end_before_start"),
        ({"reason": "lazy"}, "reason", "required"),
        ({"reason": Exemption.Reason.OTHER}, "reason_detail", "required"),
        ({"starts_on": D(2000, 1, 1)}, "starts_on", "before_full"),
        ({"applied_on": None}, "applied_on", "required"),
    ],
)
def test_bad_exemptions_change_nothing(cast, overrides, field, code):
    member = make_member(cast.committee, cast.cell, "Trần Văn Già")
    with pytest.raises(ValidationError) as exc:
        exempt(cast, member, **overrides)
    assert exc.value.error_dict[field][0].code == code
    member.refresh_from_db()
    assert member.status == Member.Status.FULL
    assert not member.exemptions.exists()
    assert not member.revisions.exists()


def test_exemption_refuses_probationary_overlapping_and_closed(cast):
    probationary = make_member(
        cast.committee,
        cast.cell,
        "Dự Bị",
        full_membership_date=None,
        status=Member.Status.PROBATIONARY,
    )
    with pytest.raises(ValidationError) as exc:
        exempt(cast, probationary)
    assert exc.value.error_list[0].code == "probationary"

    member = make_member(cast.committee, cast.cell, "Trần Văn Già")
    exempt(cast, member)
    with pytest.raises(ValidationError) as exc:
        exempt(cast, member, decision_date=D(2026, 3, 1), starts_on=D(2026, 3, 1))
    assert exc.value.error_dict["starts_on"][0].code == "overlap"

    closed = make_member(cast.committee, cast.cell, "Đã Mất", status=Member.Status.DECEASED)
    with pytest.raises(ValidationError) as exc:
        exempt(cast, closed)
    assert exc.value.error_list[0].code == "closed"


def test_exemption_needs_the_right_on_the_cell(cast):
    member = make_member(cast.committee, cast.other_cell, "Chi bộ khác")
    with pytest.raises(PermissionDenied):
        exempt(cast, member)
    with pytest.raises(PermissionDenied):
        exemption_record(
            actor=cast.cell_deputy,
            member=make_member(cast.committee, cast.cell, "Cùng chi bộ"),
            reason="age",
            applied_on=D(2026, 2, 2),
            decision_date=D(2026, 2, 10),
            starts_on=D(2026, 2, 10),
        )


# --- Leaving the Party ------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Member.Status.STRUCK_OFF, Member.Status.EXPELLED, Member.Status.DECEASED]
)
def test_closing_keeps_history_and_refuses_later_changes(cast, status):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Rời")
    exemption = exempt(cast, member)
    member_close(
        actor=cast.cell_secretary,
        member=member,
        status=status,
        on=D(2026, 5, 5),
        decision="12-QĐ/ĐU ngày 05/05/2026",
    )
    member.refresh_from_db()
    assert member.status == status
    assert member.closed_on == D(2026, 5, 5)
    assert member.closing_decision == "12-QĐ/ĐU ngày 05/05/2026"
    assert member.is_closed
    exemption.refresh_from_db()
    assert exemption.ends_on == D(2026, 5, 5)
    assert list(member.revisions.values_list("kind", flat=True)) == ["exempted", "closed"]
    with pytest.raises(ValidationError) as exc:
        member_update(actor=cast.cell_secretary, member=member, data={"occupation": "Hưu trí"})
    assert exc.value.error_list[0].code == "closed"
    # The same closing again is harmless; another one is refused.
    assert (
        member_close(
            actor=cast.cell_secretary,
            member=member,
            status=status,
            on=D(2026, 5, 5),
            decision="12-QĐ/ĐU ngày 05/05/2026",
        )
        is None
    )
    with pytest.raises(ValidationError) as exc:
        member_close(
            actor=cast.cell_secretary,
            member=member,
            status=Member.Status.EXPELLED,
            on=D(2026, 6, 5),
            decision="x",
        )
    assert exc.value.error_list[0].code == "closed"


@pytest.mark.parametrize(
    ("status", "on", "decision", "field", "code"),
    [
        (Member.Status.STRUCK_OFF, D(2026, 5, 5), "", "decision", "required"),
        (Member.Status.DECEASED, D(2099, 5, 5), "", "on", "future"),
        (Member.Status.DECEASED, D(1999, 5, 5), "", "on", "before_admission"),
        (Member.Status.FULL, D(2026, 5, 5), "x", "status", "required"),
        (Member.Status.DECEASED, None, "", "on", "required"),
    ],
)
def test_bad_closings_change_nothing(cast, status, on, decision, field, code):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Rời")
    with pytest.raises(ValidationError) as exc:
        member_close(
            actor=cast.cell_secretary, member=member, status=status, on=on, decision=decision
        )
    assert exc.value.error_dict[field][0].code == code
    member.refresh_from_db()
    assert member.status == Member.Status.FULL
    assert not member.revisions.exists()


def test_closing_waits_for_a_pending_transfer(cast):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Đi")
    transfer_platform_start(
        actor=cast.party_building,
        member=member,
        to_committee=cast.other,
        kind=Transfer.Kind.PERMANENT,
        decision_date=D(2026, 5, 4),
    )
    with pytest.raises(ValidationError) as exc:
        member_close(
            actor=cast.cell_secretary,
            member=member,
            status=Member.Status.DECEASED,
            on=D(2026, 5, 5),
        )
    assert exc.value.error_list[0].code == "pending_transfer"


# --- Periods outside the Party ----------------------------------------------------------


def test_gaps_are_recorded_once_and_never_overlap(cast):
    member = make_member(cast.committee, cast.cell, "Tái Kết Nạp")
    gap = gap_record(
        actor=cast.cell_secretary,
        member=member,
        start=D(2004, 2, 29),
        end=D(2008, 2, 28),
        reason="Xóa tên, kết nạp lại năm 2008",
    )
    assert Gap.objects.filter(member=member).count() == 1
    again = gap_record(
        actor=cast.cell_secretary,
        member=member,
        start=D(2004, 2, 29),
        end=D(2008, 2, 28),
        reason="x",
    )
    assert again.pk == gap.pk
    with pytest.raises(ValidationError) as exc:
        gap_record(
            actor=cast.cell_secretary,
            member=member,
            start=D(2007, 1, 1),
            end=D(2009, 1, 1),
            reason="x",
        )
    assert exc.value.error_dict["start"][0].code == "overlap"
    with pytest.raises(ValidationError) as exc:
        gap_record(
            actor=cast.cell_secretary,
            member=member,
            start=D(2010, 1, 1),
            end=D(2009, 1, 1),
            reason="",
        )
    codes = {f: [e.code for e in errs] for f, errs in exc.value.error_dict.items()}
    assert codes == {"end": ["end_before_start"], "reason": ["required"]}
    with pytest.raises(ValidationError) as exc:
        gap_record(
            actor=cast.cell_secretary,
            member=member,
            start=D(1999, 1, 1),
            end=D(2000, 1, 1),
            reason="x",
        )
    assert exc.value.error_dict["start"][0].code == "before_admission"


# --- Reminders ------------------------------------------------------------------------


def test_reminders_reach_the_cell_secretary_once(cast, capsys):
    today = timezone.localdate()
    make_member(
        cast.committee,
        cast.cell,
        "Sắp Hết Dự Bị",
        admission_date=today - dt.timedelta(days=380),
        ceremony_date=today - dt.timedelta(days=350),
        full_membership_date=None,
        status=Member.Status.PROBATIONARY,
    )
    make_member(
        cast.committee,
        cast.cell,
        "Quá Hạn Xét",
        admission_date=today - dt.timedelta(days=700),
        ceremony_date=today - dt.timedelta(days=680),
        full_membership_date=None,
        status=Member.Status.PROBATIONARY,
    )
    member = make_member(cast.committee, cast.cell, "Đi Không Về")
    transfer = transfer_platform_start(
        actor=cast.party_building,
        member=member,
        to_committee=cast.other,
        kind=Transfer.Kind.PERMANENT,
        decision_date=today - dt.timedelta(days=120),
    )
    assert transfer.deadline < today
    call_command("member_reminders")
    assert '"upcoming": 1' in capsys.readouterr().out
    mine = Notification.objects.filter(user=cast.cell_secretary)
    assert sorted(mine.values_list("kind", flat=True)) == ["due_soon", "overdue", "overdue"]
    assert Notification.objects.filter(user=cast.party_building, kind="overdue").count() == 1
    assert not Notification.objects.filter(user=cast.outsider).exists()
    # Running again the same day sends nothing new.
    counts = member_reminders_send()
    assert counts == {
        "upcoming": 0,
        "due": 0,
        "overdue": 0,
        "transfers_overdue": 0,
        "exemptions_ended": 0,
    }


def test_a_cell_without_secretary_reminds_the_committee(cast):
    today = timezone.localdate()
    make_member(
        cast.committee,
        cast.other_cell,
        "Không Bí Thư",
        admission_date=today - dt.timedelta(days=700),
        ceremony_date=today - dt.timedelta(days=680),
        full_membership_date=None,
        status=Member.Status.PROBATIONARY,
    )
    member_reminders_send()
    assert Notification.objects.filter(user=cast.party_building, kind="overdue").exists()
    assert not Notification.objects.filter(user=cast.cell_secretary).exists()
