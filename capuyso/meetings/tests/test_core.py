import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from capuyso.meetings.access import get_meeting_for_user, meetings_for_user
from capuyso.meetings.models import Invitation, Meeting, VoteRule
from capuyso.meetings.rules import evaluate, minimum_votes, vote_rule_on
from capuyso.meetings.services.meetings import agenda_item_add, meeting_create
from capuyso.meetings.tests.factories import make_meeting

pytestmark = pytest.mark.django_db


def _when():
    return timezone.localtime() + dt.timedelta(days=2)


def test_cell_secretary_creates_a_cell_meeting_but_not_for_another_cell(cast):
    meeting = meeting_create(
        actor=cast.cell_secretary,
        committee=cast.committee,
        unit=cast.cell,
        kind=Meeting.Kind.CELL_REGULAR,
        title="Sinh hoạt chi bộ tháng 12",
        starts_at=_when(),
        place="Nhà văn hóa",
    )
    assert meeting.status == Meeting.Status.PLANNED
    with pytest.raises(PermissionDenied):
        meeting_create(
            actor=cast.cell_secretary,
            committee=cast.committee,
            unit=cast.other_cell,
            kind=Meeting.Kind.CELL_REGULAR,
            title="x",
            starts_at=_when(),
            place="x",
        )
    with pytest.raises(ValidationError) as exc:
        meeting_create(
            actor=cast.secretary,
            committee=cast.committee,
            unit=cast.foreign_cell,
            kind=Meeting.Kind.CELL_REGULAR,
            title="x",
            starts_at=_when(),
            place="x",
        )
    assert exc.value.error_dict["unit"][0].code == "unit_other_committee"


def test_meeting_checks(cast):
    with pytest.raises(ValidationError) as exc:
        meeting_create(
            actor=cast.secretary,
            committee=cast.committee,
            unit=None,
            kind=Meeting.Kind.CELL_REGULAR,
            title="Hội nghị",
            starts_at=_when(),
            ends_at=_when() - dt.timedelta(hours=1),
            mode=Meeting.Mode.HYBRID,
            place="",
        )
    codes = {field: errors[0].code for field, errors in exc.value.error_dict.items()}
    assert codes == {
        "unit": "cell_required",
        "ends_at": "ends_before_start",
        "online_url": "online_url_required",
        "place": "required",
    }


def test_meeting_door_and_list_scope(cast):
    cell_meeting = make_meeting(cast)
    other_cell_meeting = make_meeting(cast, unit=cast.other_cell)
    committee_meeting = make_meeting(cast, unit=False, title="Hội nghị Đảng ủy")
    assert get_meeting_for_user(cast.member, cell_meeting.code) == cell_meeting
    with pytest.raises(PermissionDenied):
        get_meeting_for_user(cast.member, other_cell_meeting.code)
    with pytest.raises(PermissionDenied):
        get_meeting_for_user(cast.member, committee_meeting.code)
    with pytest.raises(Http404):
        get_meeting_for_user(cast.outsider, cell_meeting.code)
    with pytest.raises(PermissionDenied):
        get_meeting_for_user(cast.member, cell_meeting.code, manage=True)
    assert get_meeting_for_user(cast.cell_secretary, cell_meeting.code, manage=True)
    assert set(meetings_for_user(cast.member)) == {cell_meeting}
    # An invitation opens a committee meeting to the invitee.
    Invitation.objects.create(meeting=committee_meeting, user=cast.member, name="Ngô Văn Phúc")
    assert set(meetings_for_user(cast.member)) == {cell_meeting, committee_meeting}
    assert get_meeting_for_user(cast.member, committee_meeting.code) == committee_meeting
    assert set(meetings_for_user(cast.secretary)) == {
        cell_meeting,
        other_cell_meeting,
        committee_meeting,
    }
    assert not meetings_for_user(cast.outsider).exists()


def test_agenda_items_are_numbered_in_order(cast):
    meeting = make_meeting(cast)
    first = agenda_item_add(actor=cast.cell_secretary, meeting=meeting, title="Thông tin thời sự")
    second = agenda_item_add(
        actor=cast.cell_secretary, meeting=meeting, title="Nhân sự", confidential=True
    )
    assert (first.order, second.order, second.confidential) == (1, 2, True)
    with pytest.raises(PermissionDenied):
        agenda_item_add(actor=cast.member, meeting=meeting, title="x")


@pytest.mark.parametrize(
    ("code", "base", "needed"),
    [
        ("admission", 9, 6),  # ≥ 2/3 of 9 = 6
        ("admission", 10, 7),  # ≥ 2/3 of 10 = 6.67 → 7
        ("resolution", 10, 6),  # > 1/2 of 10 → 6
        ("resolution", 9, 5),  # > 4.5 → 5
        ("election", 7, 4),
        ("quorum", 12, 8),
    ],
)
def test_thresholds_are_data_and_the_minimum_is_exact(cast, code, base, needed):
    rule = vote_rule_on(cast.committee, code, dt.date(2026, 11, 28))
    assert minimum_votes(rule, base) == needed
    assert evaluate(rule, votes=needed, base=base).passed
    assert not evaluate(rule, votes=needed - 1, base=base).passed


def test_a_committee_rule_from_a_date_overrides_the_platform_rule(cast):
    VoteRule.objects.create(
        committee=cast.committee,
        code="resolution",
        label="Nghị quyết (xã)",
        effective_from=dt.date(2026, 6, 1),
        numerator=2,
        denominator=3,
        strict=False,
        base=VoteRule.Base.PRESENT,
    )
    assert vote_rule_on(cast.committee, "resolution", dt.date(2026, 5, 31)).numerator == 1
    assert vote_rule_on(cast.committee, "resolution", dt.date(2026, 6, 1)).numerator == 2
    assert vote_rule_on(cast.other, "resolution", dt.date(2026, 6, 1)).numerator == 1
