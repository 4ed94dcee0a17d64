"""Transfers: moves between cells, the handshake between committees on the platform,
transfers out of and into the platform, deadlines in working days."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from docx import Document

from capuyso.accounts.models import User
from capuyso.accounts.roles import Role
from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member, make_user
from capuyso.documents.files import read_verified
from capuyso.members.models import Member, MemberRevision, Transfer
from capuyso.members.selectors import members_for_user
from capuyso.members.selectors_lifecycle import (
    is_overdue,
    transfer_deadline,
    transfers_for_user,
)
from capuyso.members.services import transfers as svc
from capuyso.notifications.models import Notification
from capuyso.org import services as org_services
from capuyso.org.models import Unit

pytestmark = pytest.mark.django_db

D = dt.date
PERMANENT, TEMPORARY = Transfer.Kind.PERMANENT, Transfer.Kind.TEMPORARY


@pytest.fixture
def other_board(cast):
    """The receiving committee's Ban Xây dựng Đảng (committee-wide MEMBERS_MANAGE)."""
    organ = Unit.objects.get(committee=cast.other, kind=Unit.Kind.PARTY_BUILDING_BOARD)
    return make_user(cast.other, "banxaydung-dx", "Phan Văn Dũng", Role.PARTY_BUILDING, organ)


def test_deadline_is_sixty_working_days_across_tet_2026():
    # From Tue 06/01/2026: 29 working days to 13/02, Tết 16–20/02 off, 23/02 … 27/03 make
    # 54, then 30/03, 31/03, 01/04, 02/04, 03/04 and Mon 06/04 the 60th.
    assert transfer_deadline(None, D(2026, 1, 5)) == D(2026, 4, 6)


def test_deadline_from_29_february(cast):
    # From Mon 02/03/2020 (no holiday until Giỗ Tổ on Thu 02/04/2020): 23 working days to
    # 01/04; 02/04 off; 03/04 is 24; 30/04 and 01/05 off … the 60th working day is 27/05.
    assert transfer_deadline(cast.committee, D(2020, 2, 29)) == D(2020, 5, 27)


# --- Between cells --------------------------------------------------------------------------


def test_a_permanent_move_between_cells_is_immediate(cast):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Chuyển")
    transfer = svc.transfer_internal(
        actor=cast.party_building,
        member=member,
        to_cell=cast.other_cell,
        kind=PERMANENT,
        decision_number="05-QĐ/ĐU",
        decision_date=D(2026, 3, 2),
    )
    member.refresh_from_db()
    assert member.cell == cast.other_cell
    assert transfer.status == Transfer.Status.COMPLETED
    assert transfer.from_cell == cast.cell
    revision = member.revisions.get()
    assert revision.kind == MemberRevision.Kind.TRANSFERRED
    assert revision.changes["cell"] == [cast.cell.pk, cast.other_cell.pk]
    # Again: nothing new.
    again = svc.transfer_internal(
        actor=cast.party_building,
        member=member,
        to_cell=cast.other_cell,
        kind=PERMANENT,
        decision_date=D(2026, 3, 2),
    )
    assert again.pk == transfer.pk
    assert Transfer.objects.count() == 1


def test_a_move_needs_the_right_on_both_cells(cast):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Chuyển")
    with pytest.raises(PermissionDenied):
        svc.transfer_internal(
            actor=cast.cell_secretary,  # manages cast.cell only
            member=member,
            to_cell=cast.other_cell,
            kind=PERMANENT,
            decision_date=D(2026, 3, 2),
        )
    with pytest.raises(ValidationError) as exc:
        svc.transfer_internal(
            actor=cast.party_building,
            member=member,
            to_cell=cast.foreign_cell,
            kind=PERMANENT,
            decision_date=D(2026, 3, 2),
        )
    assert exc.value.error_dict["to_cell"][0].code == "cell_other_committee"
    member.refresh_from_db()
    assert member.cell == cast.cell


@pytest.mark.parametrize(
    ("kind", "day", "until", "field", "code"),
    [
        (PERMANENT, D(2099, 1, 1), None, "decision_date", "future"),
        (PERMANENT, None, None, "decision_date", "required"),
        (TEMPORARY, D(2026, 3, 2), None, "until", "required"),
        (TEMPORARY, D(2026, 3, 2), D(2026, 3, 1), "until", "until_before"),
        ("forever", D(2026, 3, 2), None, "kind", "required"),
    ],
)
def test_bad_moves_change_nothing(cast, kind, day, until, field, code):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Chuyển")
    with pytest.raises(ValidationError) as exc:
        svc.transfer_internal(
            actor=cast.party_building,
            member=member,
            to_cell=cast.other_cell,
            kind=kind,
            decision_date=day,
            until=until,
        )
    assert exc.value.error_dict[field][0].code == code
    assert not Transfer.objects.exists()
    assert not member.revisions.exists()


def test_same_cell_and_closed_records_are_refused(cast):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Chuyển")
    with pytest.raises(ValidationError) as exc:
        svc.transfer_internal(
            actor=cast.party_building,
            member=member,
            to_cell=cast.cell,
            kind=PERMANENT,
            decision_date=D(2026, 3, 2),
        )
    assert exc.value.error_dict["to_cell"][0].code == "same_cell"
    closed = make_member(cast.committee, cast.cell, "Đã Mất", status=Member.Status.DECEASED)
    with pytest.raises(ValidationError) as exc:
        svc.transfer_internal(
            actor=cast.party_building,
            member=closed,
            to_cell=cast.other_cell,
            kind=PERMANENT,
            decision_date=D(2026, 3, 2),
        )
    assert exc.value.error_list[0].code == "closed"


def test_a_temporary_move_keeps_cell_and_status(cast):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Tạm")
    transfer = svc.transfer_internal(
        actor=cast.party_building,
        member=member,
        to_cell=cast.other_cell,
        kind=TEMPORARY,
        decision_date=D(2026, 3, 2),
        until=D(2026, 9, 30),
    )
    member.refresh_from_db()
    assert (member.cell, member.status) == (cast.cell, Member.Status.FULL)
    assert transfer.until == D(2026, 9, 30)
    assert member.revisions.get().kind == MemberRevision.Kind.TRANSFERRED


# --- Handshake between committees -------------------------------------------------------


def start(cast, member, kind=PERMANENT, **extra):
    values = {"decision_number": "12-QĐ/ĐU", "decision_date": D(2026, 1, 5)}
    values.update(extra)
    return svc.transfer_platform_start(
        actor=cast.party_building, member=member, to_committee=cast.other, kind=kind, **values
    )


def test_handshake_moves_the_file_with_its_history(cast, other_board):
    member = make_member(cast.committee, cast.cell, "Lê Văn Đi Xa", card_number="0123456")
    member.revisions.create(effective_on=D(2000, 2, 3), kind="created", snapshot={})
    transfer = start(cast, member)
    assert transfer.status == Transfer.Status.PENDING
    assert transfer.deadline == D(2026, 4, 6)
    assert Notification.objects.filter(user=other_board, url__contains=str(transfer.code)).exists()
    # The receiving side sees the transfer, not the file.
    assert transfers_for_user(other_board).filter(pk=transfer.pk).exists()
    assert not members_for_user(other_board).filter(pk=member.pk).exists()
    assert not transfers_for_user(cast.outsider).exists()  # no MEMBERS_MANAGE

    svc.transfer_accept(
        actor=other_board, transfer=transfer, to_cell=cast.foreign_cell, received_on=D(2026, 2, 2)
    )
    member.refresh_from_db()
    transfer.refresh_from_db()
    assert member.committee == cast.other
    assert member.cell == cast.foreign_cell
    assert transfer.status == Transfer.Status.COMPLETED
    assert transfer.received_on == D(2026, 2, 2)
    assert list(member.revisions.values_list("kind", flat=True)) == ["created", "transferred"]
    assert members_for_user(other_board).filter(pk=member.pk).exists()
    assert not members_for_user(cast.party_building).filter(pk=member.pk).exists()
    # Both committees' audit trails record the acceptance.
    events = AuditEvent.objects.filter(object_id=str(transfer.code), verb="update")
    assert set(events.values_list("committee_id", flat=True)) == {cast.committee.pk, cast.other.pk}
    assert Notification.objects.filter(user=cast.party_building, url__contains=str(transfer.code))
    # Accepting twice is harmless.
    svc.transfer_accept(
        actor=other_board, transfer=transfer, to_cell=cast.foreign_cell, received_on=D(2026, 2, 2)
    )
    assert member.revisions.count() == 2


def test_only_the_receiving_committee_accepts_into_its_own_cell(cast, other_board):
    member = make_member(cast.committee, cast.cell, "Lê Văn Đi Xa")
    transfer = start(cast, member)
    with pytest.raises(PermissionDenied):
        svc.transfer_accept(
            actor=cast.party_building,
            transfer=transfer,
            to_cell=cast.cell,
            received_on=D(2026, 2, 2),
        )
    with pytest.raises(PermissionDenied):
        svc.transfer_accept(
            actor=cast.outsider, transfer=transfer, to_cell=cast.foreign_cell, received_on=None
        )
    with pytest.raises(ValidationError) as exc:
        svc.transfer_accept(
            actor=other_board, transfer=transfer, to_cell=cast.cell, received_on=D(2025, 12, 1)
        )
    codes = {f: e[0].code for f, e in exc.value.error_dict.items()}
    assert codes == {"to_cell": "cell_other_committee", "received_on": "before_decision"}
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.PENDING


def test_a_duplicate_card_number_in_the_receiving_committee_is_refused(cast, other_board):
    member = make_member(cast.committee, cast.cell, "Lê Văn Đi Xa", card_number="0123456")
    make_member(cast.other, cast.foreign_cell, "Người Khác", card_number="0123456")
    transfer = start(cast, member)
    with pytest.raises(ValidationError) as exc:
        svc.transfer_accept(
            actor=other_board,
            transfer=transfer,
            to_cell=cast.foreign_cell,
            received_on=D(2026, 2, 2),
        )
    assert exc.value.error_dict["to_cell"][0].code == "duplicate_card"
    member.refresh_from_db()
    assert member.committee == cast.committee
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.PENDING


def test_cross_committee_transfers_need_the_committee_wide_right(cast):
    member = make_member(cast.committee, cast.cell, "Lê Văn Đi Xa")
    with pytest.raises(PermissionDenied):
        svc.transfer_platform_start(
            actor=cast.cell_secretary,
            member=member,
            to_committee=cast.other,
            kind=PERMANENT,
            decision_date=D(2026, 1, 5),
        )
    with pytest.raises(ValidationError) as exc:
        svc.transfer_platform_start(
            actor=cast.party_building,
            member=member,
            to_committee=cast.committee,
            kind=PERMANENT,
            decision_date=D(2026, 1, 5),
        )
    assert exc.value.error_dict["to_committee"][0].code == "same_committee"


def test_refuse_and_cancel(cast, other_board):
    member = make_member(cast.committee, cast.cell, "Lê Văn Đi Xa")
    transfer = start(cast, member)
    assert start(cast, member).pk == transfer.pk  # submitted twice
    with pytest.raises(ValidationError) as exc:
        start(cast, member, decision_date=D(2026, 1, 6))
    assert exc.value.error_list[0].code == "pending_transfer"
    with pytest.raises(ValidationError) as exc:
        svc.transfer_refuse(actor=other_board, transfer=transfer, reason="  ")
    assert exc.value.error_dict["reason"][0].code == "required"
    svc.transfer_refuse(actor=other_board, transfer=transfer, reason="Không đúng địa bàn")
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.REJECTED
    assert transfer.note == "Không đúng địa bàn"
    with pytest.raises(ValidationError) as exc:
        svc.transfer_cancel(actor=cast.party_building, transfer=transfer)
    assert exc.value.error_list[0].code == "not_pending"

    second = start(cast, member, decision_date=D(2026, 1, 6))
    with pytest.raises(PermissionDenied):
        svc.transfer_cancel(actor=other_board, transfer=second)
    svc.transfer_cancel(actor=cast.party_building, transfer=second, reason="Ở lại")
    second.refresh_from_db()
    assert second.status == Transfer.Status.CANCELLED
    with pytest.raises(ValidationError) as exc:
        svc.transfer_accept(
            actor=other_board, transfer=second, to_cell=cast.foreign_cell, received_on=D(2026, 2, 2)
        )
    assert exc.value.error_list[0].code == "not_pending"
    member.refresh_from_db()
    assert (member.committee, member.status) == (cast.committee, Member.Status.FULL)


def test_a_temporary_platform_transfer_keeps_the_file_at_home(cast, other_board):
    member = make_member(cast.committee, cast.cell, "Lê Văn Tạm Vắng")
    transfer = start(cast, member, kind=TEMPORARY, until=D(2026, 12, 31))
    svc.transfer_accept(
        actor=other_board, transfer=transfer, to_cell=cast.foreign_cell, received_on=D(2026, 1, 20)
    )
    member.refresh_from_db()
    assert (member.committee, member.cell) == (cast.committee, cast.cell)
    svc.transfer_return(actor=cast.party_building, transfer=transfer, back_on=D(2026, 6, 1))
    transfer.refresh_from_db()
    assert transfer.until == D(2026, 5, 31)


def test_pending_past_the_deadline_is_overdue(cast):
    member = make_member(cast.committee, cast.cell, "Lê Văn Đi Xa")
    transfer = start(cast, member)
    assert not is_overdue(transfer, D(2026, 4, 6))
    assert is_overdue(transfer, D(2026, 4, 7))


# --- Outside the platform ---------------------------------------------------------------


def test_transfer_out_of_the_platform_writes_the_letter(cast):
    member = make_member(
        cast.committee, cast.cell, "Trịnh Thị Ra Đi", card_number="7654321", home_town="Nam Định"
    )
    transfer = svc.transfer_external_out(
        actor=cast.party_building,
        member=member,
        organisation="Đảng bộ Công ty Điện lực Đà Nẵng",
        kind=PERMANENT,
        decision_number="31-GT/ĐU",
        decision_date=D(2026, 1, 5),
    )
    member.refresh_from_db()
    assert member.status == Member.Status.TRANSFERRED_OUT
    assert transfer.status == Transfer.Status.PENDING
    assert transfer.letter is not None
    text = "\n".join(
        p.text for p in Document(io.BytesIO(read_verified(transfer.letter))).paragraphs
    )
    assert "GIẤY GIỚI THIỆU SINH HOẠT ĐẢNG" in text
    assert "Trịnh Thị Ra Đi" in text
    assert "Đảng bộ Công ty Điện lực Đà Nẵng" in text
    assert "06/04/2026" in text  # the deadline
    assert "PHIẾU BÁO" in text
    # Submitted twice: one transfer, one letter.
    again = svc.transfer_external_out(
        actor=cast.party_building,
        member=member,
        organisation="Đảng bộ Công ty Điện lực Đà Nẵng",
        kind=PERMANENT,
        decision_date=D(2026, 1, 5),
    )
    assert again.pk == transfer.pk
    svc.transfer_confirm_receipt(
        actor=cast.party_building, transfer=transfer, received_on=D(2026, 1, 20)
    )
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.COMPLETED


def test_cancelling_a_transfer_out_restores_the_status(cast):
    member = make_member(cast.committee, cast.cell, "Trịnh Thị Ra Đi")
    transfer = svc.transfer_external_out(
        actor=cast.party_building,
        member=member,
        organisation="Đảng bộ Khối cơ quan",
        kind=PERMANENT,
        decision_date=D(2026, 1, 5),
    )
    svc.transfer_cancel(actor=cast.party_building, transfer=transfer, reason="Không đi nữa")
    member.refresh_from_db()
    assert member.status == Member.Status.FULL


def test_transfer_out_needs_an_organisation_and_the_right(cast):
    member = make_member(cast.committee, cast.cell, "Trịnh Thị Ra Đi")
    with pytest.raises(ValidationError) as exc:
        svc.transfer_external_out(
            actor=cast.party_building,
            member=member,
            organisation=" ",
            kind=PERMANENT,
            decision_date=D(2026, 1, 5),
        )
    assert exc.value.error_dict["organisation"][0].code == "required"
    with pytest.raises(PermissionDenied):
        svc.transfer_external_out(
            actor=cast.cell_secretary,
            member=member,
            organisation="X",
            kind=PERMANENT,
            decision_date=D(2026, 1, 5),
        )
    member.refresh_from_db()
    assert member.status == Member.Status.FULL
    assert not Transfer.objects.exists()


def receive(cast, **overrides):
    data = {
        "full_name": "Vũ Thị Mới Đến",
        "sex": Member.Sex.FEMALE,
        "date_of_birth": D(1990, 2, 28),
        "cell": cast.cell,
        "admission_date": D(2015, 5, 19),
        "full_membership_date": D(2016, 5, 19),
        "card_number": "1112223",
    }
    data.update(overrides.pop("data", {}))
    values = {
        "organisation": "Đảng bộ Quân sự tỉnh",
        "decision_number": "88-GT/ĐU",
        "decision_date": D(2026, 2, 27),
        "received_on": D(2026, 3, 3),
    }
    values.update(overrides)
    return svc.transfer_external_in(
        actor=cast.party_building, committee=cast.committee, data=data, **values
    )


def test_receiving_from_outside_creates_the_file(cast):
    member = receive(cast)
    assert member.committee == cast.committee
    assert member.status == Member.Status.FULL
    transfer = member.transfers.get()
    assert (transfer.scope, transfer.status) == (Transfer.Scope.EXTERNAL_IN, "completed")
    assert member.revisions.get().kind == MemberRevision.Kind.TRANSFERRED
    assert receive(cast).pk == member.pk  # submitted twice
    assert Member.objects.count() == 1


def test_receiving_bad_data_creates_nothing(cast):
    with pytest.raises(ValidationError) as exc:
        receive(cast, data={"citizen_id": "12345678901"})
    assert exc.value.error_dict["citizen_id"][0].code == "citizen_id"
    with pytest.raises(ValidationError) as exc:
        receive(cast, organisation="", received_on=D(2026, 2, 1))
    codes = {f: e[0].code for f, e in exc.value.error_dict.items()}
    assert codes == {"organisation": "required", "received_on": "before_decision"}
    with pytest.raises(PermissionDenied):
        svc.transfer_external_in(
            actor=cast.cell_secretary,
            committee=cast.committee,
            data={},
            organisation="x",
            decision_date=D(2026, 1, 1),
        )
    assert not Member.objects.exists()
    assert not Transfer.objects.exists()


def test_a_dissolved_cell_cannot_receive(cast):
    cell = org_services.unit_create(
        actor=None,
        committee=cast.committee,
        kind=Unit.Kind.CELL,
        cell_kind="village",
        name="Chi bộ đã giải thể",
    )
    Unit.objects.filter(pk=cell.pk).update(dissolved_on=D(2025, 1, 1))
    cell.refresh_from_db()
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Chuyển")
    with pytest.raises(ValidationError) as exc:
        svc.transfer_internal(
            actor=cast.party_building,
            member=member,
            to_cell=cell,
            kind=PERMANENT,
            decision_date=D(2026, 3, 2),
        )
    assert exc.value.error_dict["to_cell"][0].code == "dissolved"


# --- The same action at the same instant (PostgreSQL only) ------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrency needs PostgreSQL (SQLite serialises writers)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_accepts_and_exemptions_happen_once():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from capuyso.core.testing import build_cast
    from capuyso.members.services.lifecycle import exemption_record

    cast = build_cast()
    organ = Unit.objects.get(committee=cast.other, kind=Unit.Kind.PARTY_BUILDING_BOARD)
    board = make_user(cast.other, "banxaydung-dx", "Phan Văn Dũng", Role.PARTY_BUILDING, organ)
    leaving = make_member(cast.committee, cast.cell, "Lê Văn Đi Xa")
    staying = make_member(cast.committee, cast.cell, "Trần Văn Già")
    transfer = start(cast, leaving)
    count = 6
    barrier = threading.Barrier(count * 2, timeout=30)

    def accept(_):
        try:
            barrier.wait()
            return svc.transfer_accept(
                actor=User.objects.get(pk=board.pk),
                transfer=Transfer.objects.get(pk=transfer.pk),
                to_cell=cast.foreign_cell,
                received_on=D(2026, 2, 2),
            ).pk
        finally:
            connections.close_all()

    def exempt(_):
        try:
            barrier.wait()
            return exemption_record(
                actor=User.objects.get(pk=cast.cell_secretary.pk),
                member=Member.objects.get(pk=staying.pk),
                reason="age",
                applied_on=D(2026, 2, 2),
                decision_date=D(2026, 2, 10),
                starts_on=D(2026, 2, 10),
            ).pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count * 2) as pool:
        accepted = [pool.submit(accept, i) for i in range(count)]
        exempted = [pool.submit(exempt, i) for i in range(count)]
        assert {f.result() for f in accepted} == {transfer.pk}
        assert len({f.result() for f in exempted}) == 1
    leaving.refresh_from_db()
    assert leaving.committee_id == cast.other.pk
    assert leaving.revisions.filter(kind=MemberRevision.Kind.TRANSFERRED).count() == 1
    assert staying.exemptions.count() == 1
    assert staying.revisions.filter(kind=MemberRevision.Kind.EXEMPTED).count() == 1
