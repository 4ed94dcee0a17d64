"""Exemptions and reductions: recorded with a reason and a decision, never overlapping,
reductions within the settings' percentages and length; closed months unchanged."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from capuyso.audit.models import AuditEvent
from capuyso.fees.models import FeeRelief
from capuyso.fees.services import reliefs as services
from capuyso.fees.tests import factories as f
from capuyso.members.models import Member

D = dt.date
MAR, MAY, JUN, JUL = D(2026, 3, 1), D(2026, 5, 1), D(2026, 6, 1), D(2026, 7, 1)


def codes(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {k: [e.code for e in v] for k, v in exc.error_dict.items()}
    return {None: [e.code for e in exc.error_list]}


@pytest.fixture
def member(cast):
    return f.member_with_basis(cast, "salaried", 7_654_321, since=MAR)


def record(cast, member, *, actor=None, **values):
    data = {
        "kind": "reduction",
        "reason": "hardship",
        "percent": 70,
        "decision": "12-QĐ/ĐU",
        "decision_date": D(2026, 2, 20),
        "start_month": MAR,
        "end_month": MAY,
        "note": "",
    }
    data.update(values)
    return services.relief_record(actor=actor or cast.cell_secretary, member=member, **data)


def test_a_reduction_lowers_the_dues_of_its_months(cast, member):
    relief = record(cast, member, start_month=D(2026, 3, 17))
    assert (relief.kind, relief.percent, relief.start_month, relief.end_month) == (
        "reduction",
        70,
        MAR,
        MAY,
    )
    assert AuditEvent.objects.filter(object_type="fees.feerelief").count() == 1
    for month in (MAY, JUN):
        f.compute(cast.committee, month)
    assert f.due_of(member, MAY).amount == 22_963
    assert f.due_of(member, MAY).relief == relief
    assert f.due_of(member, JUN).amount == 76_543


def test_an_exemption_is_100_percent_and_may_be_open_ended(cast, member):
    relief = record(
        cast, member, kind="exemption", reason="poor_household", percent=None, end_month=None
    )
    assert (relief.percent, relief.end_month) == (100, None)
    f.compute(cast.committee, JUL)
    assert f.due_of(member, JUL).amount == 0


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"percent": 40}, {"percent": ["percent"]}),
        ({"end_month": None}, {"end_month": ["end_required"]}),
        ({"end_month": D(2027, 3, 1)}, {"end_month": ["too_long"]}),  # 13 months
        ({"end_month": D(2026, 2, 1)}, {"end_month": ["end_before_start"]}),
        ({"decision": "  "}, {"decision": ["required"]}),
        ({"reason": "party_age"}, {"reason": ["reason"]}),
        ({"kind": "exemption", "reason": "hardship"}, {"reason": ["reason"]}),
        ({"start_month": None}, {"start_month": ["required"]}),
        ({"decision_date": D(2099, 1, 1)}, {"decision_date": ["future"]}),
    ],
)
def test_bad_reliefs_are_refused_and_nothing_saved(cast, member, values, expected):
    with pytest.raises(ValidationError) as exc:
        record(cast, member, **values)
    assert codes(exc.value) == expected
    assert not FeeRelief.objects.exists()


def test_twelve_months_is_the_longest_reduction_and_settings_can_change_it(cast, member):
    record(cast, member, end_month=D(2027, 2, 1))  # March 2026 .. February 2027
    f.set_settings(
        cast.committee, since=D(2027, 3, 1), reduction_percents=[20, 40], max_reduction_months=6
    )
    with pytest.raises(ValidationError) as exc:
        record(cast, member, start_month=D(2027, 3, 1), end_month=D(2027, 5, 1), percent=70)
    assert codes(exc.value) == {"percent": ["percent"]}
    record(cast, member, start_month=D(2027, 3, 1), end_month=D(2027, 8, 1), percent=40)


def test_reliefs_of_a_member_never_overlap(cast, member):
    record(cast, member)
    with pytest.raises(ValidationError) as exc:
        record(cast, member, start_month=MAY, end_month=JUL, percent=50)
    assert codes(exc.value) == {"start_month": ["overlap"]}
    with pytest.raises(ValidationError):
        record(
            cast,
            member,
            kind="exemption",
            reason="illness",
            start_month=D(2026, 1, 1),
            end_month=None,
        )
    record(cast, member, start_month=JUN, end_month=JUL, percent=30)
    assert FeeRelief.objects.filter(member=member).count() == 2


def test_withdrawing_needs_a_reason_and_frees_the_months(cast, member):
    relief = record(cast, member)
    with pytest.raises(ValidationError) as exc:
        services.relief_withdraw(actor=cast.cell_secretary, relief=relief, reason=" ")
    assert codes(exc.value) == {"reason": ["required"]}
    services.relief_withdraw(actor=cast.cell_secretary, relief=relief, reason="Ghi nhầm")
    relief.refresh_from_db()
    assert relief.withdrawn_at is not None and relief.withdrawal_reason == "Ghi nhầm"
    with pytest.raises(ValidationError) as exc:
        services.relief_withdraw(actor=cast.cell_secretary, relief=relief, reason="Lại")
    assert codes(exc.value) == {None: ["already_withdrawn"]}
    record(cast, member, percent=50)  # the months are free again
    f.compute(cast.committee, MAR)
    assert f.due_of(member, MAR).amount == 38_272


def test_closed_months_keep_their_reliefs(cast, member):
    relief = record(cast, member, kind="exemption", reason="illness", percent=None, end_month=None)
    f.close_book(cast.cell, MAY)
    with pytest.raises(ValidationError) as exc:
        services.relief_withdraw(actor=cast.cell_secretary, relief=relief, reason="Hết bệnh")
    assert codes(exc.value) == {None: ["closed_month"]}
    with pytest.raises(ValidationError) as exc:
        services.relief_end(actor=cast.cell_secretary, relief=relief, end_month=D(2026, 4, 1))
    assert codes(exc.value) == {"end_month": ["closed_month"]}
    services.relief_end(actor=cast.cell_secretary, relief=relief, end_month=MAY)
    relief.refresh_from_db()
    assert relief.end_month == MAY
    with pytest.raises(ValidationError) as exc:
        services.relief_end(actor=cast.cell_secretary, relief=relief, end_month=JUL)
    assert codes(exc.value) == {"end_month": ["not_earlier"]}
    other = f.member_with_basis(cast, "student", full_name="Vũ Thị Học")
    with pytest.raises(ValidationError) as exc:
        record(cast, other, start_month=D(2026, 4, 1), end_month=JUN)
    assert codes(exc.value) == {"start_month": ["closed_month"]}


def test_no_relief_after_the_member_left(cast, member):
    Member.objects.filter(pk=member.pk).update(
        status=Member.Status.TRANSFERRED_OUT, status_since=D(2026, 4, 10)
    )
    member.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        record(cast, member, start_month=MAY, end_month=JUN)
    assert codes(exc.value) == {"start_month": ["member_left"]}


def test_only_the_cells_managers_record_reliefs(cast, member):
    for actor in (cast.inspector, cast.admin, cast.outsider_clerk, cast.member):
        with pytest.raises(PermissionDenied):
            record(cast, member, actor=actor)
    relief = record(cast, member, actor=cast.clerk)
    with pytest.raises(PermissionDenied):
        services.relief_withdraw(actor=cast.inspector, relief=relief, reason="x")
