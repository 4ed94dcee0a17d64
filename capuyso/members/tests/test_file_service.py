"""The member file services: validation with error codes, dated history, permissions."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member, today
from capuyso.members.models import DatePrecision, Member, MemberRevision
from capuyso.members.services.file import (
    display_date,
    member_create,
    member_state_on,
    member_update,
)


def _data(cell, **extra):
    values = {
        "full_name": "  Nguyễn   Văn An ",
        "sex": Member.Sex.MALE,
        "date_of_birth": dt.date(1980, 4, 2),
        "admission_date": dt.date(2005, 6, 10),
        "full_membership_date": dt.date(2006, 6, 10),
        "citizen_id": "001080012345",
        "card_number": "12345678",
        "cell": cell,
    }
    values.update(extra)
    return values


def _code(exc: ValidationError, field: str) -> str:
    return exc.value.error_dict[field][0].code


def test_create_records_history_and_audit(cast):
    member = member_create(
        actor=cast.cell_secretary, committee=cast.committee, data=_data(cast.cell)
    )
    assert member.full_name == "Nguyễn Văn An"
    assert member.full_name_folded == "nguyen van an"
    assert member.status == Member.Status.FULL
    revision = member.revisions.get()
    assert revision.kind == MemberRevision.Kind.CREATED
    assert revision.effective_on == dt.date(2005, 6, 10)
    assert AuditEvent.objects.filter(verb="create", object_id=str(member.code)).exists()


def test_create_without_full_membership_is_probationary(cast):
    member = member_create(
        actor=cast.secretary,
        committee=cast.committee,
        data=_data(cast.cell, full_membership_date=None),
    )
    assert member.status == Member.Status.PROBATIONARY


def test_year_only_date_is_kept_with_its_precision(cast):
    member = member_create(
        actor=cast.secretary,
        committee=cast.committee,
        data=_data(
            cast.cell,
            date_of_birth=dt.date(1950, 1, 1),
            date_of_birth_precision=DatePrecision.YEAR,
        ),
    )
    member.refresh_from_db()
    assert display_date(member.date_of_birth, member.date_of_birth_precision) == "1950"


def test_future_date_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        member_create(
            actor=cast.secretary,
            committee=cast.committee,
            data=_data(cast.cell, date_of_birth=today() + dt.timedelta(days=1)),
        )
    assert _code(exc, "date_of_birth") == "future"
    assert not Member.objects.exists()


def test_full_membership_before_admission_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        member_create(
            actor=cast.secretary,
            committee=cast.committee,
            data=_data(cast.cell, full_membership_date=dt.date(2005, 1, 1)),
        )
    assert _code(exc, "full_membership_date") == "full_before_admission"


def test_eleven_digit_citizen_id_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        member_create(
            actor=cast.secretary,
            committee=cast.committee,
            data=_data(cast.cell, citizen_id="00108001234"),
        )
    assert _code(exc, "citizen_id") == "citizen_id"


def test_cell_of_another_committee_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        member_create(actor=cast.secretary, committee=cast.committee, data=_data(cast.foreign_cell))
    assert _code(exc, "cell") == "cell_other_committee"
    assert not Member.objects.exists()


def test_cell_secretary_cannot_create_in_another_cell(cast):
    with pytest.raises(PermissionDenied):
        member_create(
            actor=cast.cell_secretary, committee=cast.committee, data=_data(cast.other_cell)
        )


def test_duplicate_card_number_is_refused(cast):
    make_member(cast.committee, cast.other_cell, "Lê Thị Bích", card_number="12345678")
    with pytest.raises(ValidationError) as exc:
        member_create(actor=cast.secretary, committee=cast.committee, data=_data(cast.cell))
    assert _code(exc, "card_number") == "duplicate_card"


def test_duplicate_card_number_on_edit_is_refused(cast):
    make_member(cast.committee, cast.other_cell, "Lê Thị Bích", card_number="999")
    member = make_member(cast.committee, cast.cell, "Trần Văn An", card_number="111")
    with pytest.raises(ValidationError) as exc:
        member_update(actor=cast.secretary, member=member, data={"card_number": "999"})
    assert _code(exc, "card_number") == "duplicate_card"
    member.refresh_from_db()
    assert member.card_number == "111"


def test_same_card_number_in_another_committee_is_allowed(cast):
    make_member(cast.other, cast.foreign_cell, "Lê Thị Bích", card_number="12345678")
    member_create(actor=cast.secretary, committee=cast.committee, data=_data(cast.cell))


def test_editing_a_closed_record_is_refused(cast):
    member = make_member(cast.committee, cast.cell, "Trần Văn An", status=Member.Status.DECEASED)
    with pytest.raises(ValidationError) as exc:
        member_update(actor=cast.secretary, member=member, data={"occupation": "Nông dân"})
    assert exc.value.error_list[0].code == "closed"
    member.refresh_from_db()
    assert member.occupation == ""


def test_stale_version_is_refused_and_nothing_saved(cast):
    member = make_member(cast.committee, cast.cell, "Trần Văn An")
    member_update(actor=cast.secretary, member=member, data={"occupation": "Giáo viên"}, version=1)
    with pytest.raises(ValidationError) as exc:
        member_update(
            actor=cast.secretary, member=member, data={"occupation": "Nông dân"}, version=1
        )
    assert exc.value.error_list[0].code == "stale"
    member.refresh_from_db()
    assert member.occupation == "Giáo viên"
    assert member.version == 2


def test_future_effective_date_is_refused(cast):
    member = make_member(cast.committee, cast.cell, "Trần Văn An")
    with pytest.raises(ValidationError) as exc:
        member_update(
            actor=cast.secretary,
            member=member,
            data={"occupation": "Nông dân"},
            effective_on=today() + dt.timedelta(days=3),
        )
    assert _code(exc, "effective_on") == "future"


def test_state_on_a_past_date_shows_the_old_value(cast):
    member = member_create(
        actor=cast.secretary,
        committee=cast.committee,
        data=_data(cast.cell, occupation="Giáo viên"),
    )
    member_update(actor=cast.secretary, member=member, data={"occupation": "Hưu trí"})
    last_year = today() - dt.timedelta(days=365)
    assert member_state_on(member, last_year)["occupation"] == "Giáo viên"
    assert member_state_on(member, today())["occupation"] == "Hưu trí"
    assert member_state_on(member, dt.date(2000, 1, 1)) is None
    revision = member.revisions.latest("pk")
    assert revision.changes == {"occupation": ["Giáo viên", "Hưu trí"]}


def test_change_dated_in_the_past_applies_from_that_date(cast):
    member = member_create(
        actor=cast.secretary,
        committee=cast.committee,
        data=_data(cast.cell, workplace="UBND xã"),
    )
    member_update(
        actor=cast.secretary,
        member=member,
        data={"workplace": "Trường Tiểu học Phú Cát"},
        effective_on=dt.date(2020, 9, 1),
    )
    assert member_state_on(member, dt.date(2020, 8, 31))["workplace"] == "UBND xã"
    assert member_state_on(member, dt.date(2020, 9, 1))["workplace"] == "Trường Tiểu học Phú Cát"


def test_cell_secretary_cannot_edit_a_member_of_another_cell(cast):
    member = make_member(cast.committee, cast.other_cell, "Lê Thị Bích")
    with pytest.raises(PermissionDenied):
        member_update(actor=cast.cell_secretary, member=member, data={"occupation": "X"})


def test_file_loaded_without_history_keeps_its_state_before_the_first_change(cast):
    member = make_member(cast.committee, cast.cell, "Trần Văn An", occupation="Giáo viên")
    assert member_state_on(member, dt.date(2010, 1, 1))["occupation"] == "Giáo viên"
    member_update(
        actor=cast.secretary,
        member=member,
        data={"occupation": "Hưu trí"},
        effective_on=dt.date(2024, 1, 1),
    )
    assert member_state_on(member, dt.date(2023, 12, 31))["occupation"] == "Giáo viên"
    assert member_state_on(member, dt.date(2024, 1, 1))["occupation"] == "Hưu trí"
    assert member_state_on(member, dt.date(1999, 12, 31)) is None
