"""Monthly dues computed in bulk, against figures worked out by hand to the đồng.

The seeded platform rules are in force from 03/02/2026, so the first month with rules is 03/2026.
Rounding, unless a test changes it: whole đồng, half up; a relief applies to the gross and the
result is rounded again (calc.py)."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import build_cast, make_member
from capuyso.fees import calc
from capuyso.fees.models import FeeReference, MonthlyDue
from capuyso.fees.services.dues import dues_compute_all, dues_compute_start
from capuyso.fees.services.refs import (
    cell_for_ref,
    fee_ref_for_cell,
    fee_ref_for_member,
    member_for_ref,
)
from capuyso.fees.tests import factories as f
from capuyso.jobs.models import Job
from capuyso.members.models import Gap, Member

D = dt.date
MAR, APR, MAY, JUN, JUL, AUG = (f.month(2026, m) for m in range(3, 9))


def amount(member, month):
    due = f.due_of(member, month)
    return None if due is None else due.amount


@pytest.fixture
def fees(cast):
    """One member per group in cast.cell (and one in the other cell)."""
    c = cast.committee
    f.set_rule("farmer", committee=c, since=MAR, fixed_amount=10_000)
    fisher = f.add_group(c, "fisher", "Ngư dân")
    f.set_rule(fisher, committee=c, since=MAR, fixed_amount=8_000)
    cast.salaried = f.member_with_basis(cast, "salaried", 7_654_321, full_name="Lê Văn Lương")
    cast.leave = f.member_with_basis(cast, "leave", 4_321_987, full_name="Trần Thị Sản")
    cast.retired = f.member_with_basis(cast, "retired", 5_432_101, full_name="Phạm Văn Hưu")
    cast.student = f.member_with_basis(cast, "student", full_name="Vũ Thị Học")
    cast.farmer = f.member_with_basis(cast, "farmer", full_name="Đỗ Văn Nông")
    cast.fisher = f.member_with_basis(cast, fisher, full_name="Hồ Văn Chài")
    cast.teacher = f.member_with_basis(
        cast, "salaried", 6_000_000, cell=cast.other_cell, full_name="Ngô Thị Giáo"
    )
    return cast


def test_every_group_to_the_dong(fees):
    run = f.compute(fees.committee, MAR)
    assert amount(fees.salaried, MAR) == 76_543  # 1 % of 7,654,321 = 76,543.21
    assert amount(fees.leave, MAR) == 43_220  # 1 % of 4,321,987 = 43,219.87
    assert amount(fees.retired, MAR) == 27_161  # 0.5 % of 5,432,101 = 27,160.505
    assert amount(fees.student, MAR) == 5_000
    assert amount(fees.farmer, MAR) == 10_000  # the committee's own amount, platform group
    assert amount(fees.fisher, MAR) == 8_000  # the committee's own group
    assert amount(fees.teacher, MAR) == 60_000
    due = f.due_of(fees.salaried, MAR)
    assert (due.basis_amount, due.rate_bp, due.gross, due.relief_percent) == (
        7_654_321,
        100,
        76_543,
        0,
    )
    assert due.group.slug == "salaried" and due.rule.committee_id is None
    assert due.cell == fees.cell and due.committee == fees.committee
    assert f.due_of(fees.student, MAR).rate_bp is None
    assert run.computed == 7
    assert run.total == 76_543 + 43_220 + 27_161 + 5_000 + 10_000 + 8_000 + 60_000 == 229_924
    assert (run.no_basis, run.no_rule, run.written) == (0, 0, 7)


def test_exemption_and_reductions_to_the_dong(fees):
    others = [
        f.member_with_basis(fees, "salaried", 7_654_321, full_name=f"Người {p}")
        for p in (30, 50, 70, 100)
    ]
    for member, percent in zip(others, (30, 50, 70, 100), strict=True):
        f.give_relief(member, percent=percent, start=MAR, end=MAY)
    run = f.compute(fees.committee, MAR)
    assert [amount(m, MAR) for m in others] == [53_580, 38_272, 22_963, 0]
    exempt = f.due_of(others[3], MAR)
    assert (exempt.gross, exempt.relief_percent, exempt.relief_reason) == (
        76_543,
        100,
        "poor_household",
    )
    assert f.due_of(others[2], MAR).relief.percent == 70
    assert (run.exempt, run.reduced) == (1, 3)
    f.compute(fees.committee, JUN)  # the reliefs ended in May
    assert [amount(m, JUN) for m in others] == [76_543] * 4


def test_the_largest_relief_wins_and_a_withdrawn_one_does_not_count(fees):
    f.give_relief(fees.salaried, percent=30, start=MAR, end=JUN)
    strong = f.give_relief(fees.salaried, percent=70, start=MAR, end=APR)
    f.compute(fees.committee, MAR)
    assert amount(fees.salaried, MAR) == 22_963
    strong.withdrawn_at = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
    strong.save()
    f.compute(fees.committee, MAR)
    assert amount(fees.salaried, MAR) == 53_580


def test_fifty_years_of_party_age_exempts_from_the_month_after(fees):
    # 50 years on 15/06/2026: June (01/06 is before) pays, July is exempt.
    old = f.member_with_basis(
        fees, "retired", 5_432_101, full_name="Cụ Lão", admission_date=D(1976, 6, 15)
    )
    # 50 years on 01/07/2026: July is exempt (reached on its first day).
    first = f.member_with_basis(
        fees, "retired", 5_432_101, full_name="Cụ Đầu", admission_date=D(1976, 7, 1)
    )
    # A year outside the Party pushes the milestone to 15/06/2027.
    gap = f.member_with_basis(
        fees, "retired", 5_432_101, full_name="Cụ Gián", admission_date=D(1976, 6, 15)
    )
    Gap.objects.create(member=gap, start=D(1990, 1, 1), end=D(1991, 1, 1), reason="Mất liên lạc")
    for m in (JUN, JUL):
        f.compute(fees.committee, m)
    assert amount(old, JUN) == 27_161
    assert amount(first, JUN) == 27_161
    assert amount(old, JUL) == 0 and amount(first, JUL) == 0
    due = f.due_of(old, JUL)
    assert (due.relief_reason, due.relief_percent, due.gross, due.relief_id) == (
        calc.PARTY_AGE,
        100,
        27_161,
        None,
    )
    assert amount(gap, JUL) == 27_161
    f.compute(fees.committee, f.month(2027, 7))
    assert amount(gap, f.month(2027, 7)) == 0


def test_a_committee_rule_from_1_july_changes_the_rate_mid_year(fees):
    f.set_rule("salaried", committee=fees.committee, since=JUL, rate_bp=120)
    for m in (JUN, JUL):
        f.compute(fees.committee, m)
    assert amount(fees.salaried, JUN) == 76_543
    assert amount(fees.salaried, JUL) == 91_852  # 1.2 % of 7,654,321 = 91,851.852
    assert f.due_of(fees.salaried, JUL).rule.committee_id == fees.committee.pk
    assert amount(fees.leave, JUL) == 43_220  # other groups keep the platform rule
    assert amount(fees.student, JUL) == 5_000
    # another committee is not affected
    foreign = f.member_with_basis(
        fees.other, "salaried", 7_654_321, cell=fees.foreign_cell, full_name="Khác Xã"
    )
    f.compute(fees.other, JUL)
    assert amount(foreign, JUL) == 76_543


def test_rounding_to_a_thousand_from_a_month(fees):
    f.set_settings(fees.committee, since=MAY, rounding_unit=1000)
    reduced = f.member_with_basis(fees, "salaried", 7_654_321, full_name="Giảm Bảy")
    f.give_relief(reduced, percent=70, start=MAR, end=JUN)
    for m in (APR, MAY):
        f.compute(fees.committee, m)
    assert amount(fees.salaried, APR) == 76_543
    assert amount(fees.salaried, MAY) == 77_000  # 76,543.21 → 77,000
    assert amount(fees.retired, MAY) == 27_000  # 27,160.505 → 27,000
    assert amount(fees.leave, MAY) == 43_000  # 43,219.87 → 43,000
    assert amount(reduced, APR) == 22_963
    assert amount(reduced, MAY) == 23_000  # 30 % of 77,000 = 23,100 → 23,000
    f.set_settings(fees.committee, since=JUN, rounding_unit=1000, rounding_mode="up")
    f.compute(fees.committee, JUN)
    assert amount(fees.leave, JUN) == 44_000
    assert amount(reduced, JUN) == 24_000  # 30 % of 77,000 (rounded up) = 23,100 → 24,000


def test_no_rule_in_force_is_not_computed_and_flagged(fees):
    no_income = f.member_with_basis(fees, "no_income", full_name="Không Thu")
    run = f.compute(fees.committee, MAR)
    due = f.due_of(no_income, MAR)
    assert (due.amount, due.basis_missing, due.rule, due.group.slug) == (0, True, None, "no_income")
    assert calc.missing_reason(due) == calc.NO_RULE
    assert run.no_rule == 1
    # February 2026: the platform rules only start on 03/02, so nothing is computed
    run = f.compute(fees.committee, f.month(2026, 2))
    assert run.computed == 0 and run.no_settings
    assert MonthlyDue.objects.filter(month=f.month(2026, 2), basis_missing=False).count() == 0


def test_a_member_without_a_basis_is_listed_with_nothing_due(fees):
    bare = make_member(fees.committee, fees.cell, "Chưa Khai")
    later = f.member_with_basis(fees, "salaried", 5_000_000, since=APR, full_name="Khai Sau")
    run = f.compute(fees.committee, MAR)
    due = f.due_of(bare, MAR)
    assert (due.amount, due.basis_missing, due.group) == (0, True, None)
    assert calc.missing_reason(due) == calc.NO_BASIS
    assert calc.missing_reason(f.due_of(later, MAR)) == calc.NO_BASIS
    assert run.no_basis == 2
    f.compute(fees.committee, APR)
    assert amount(later, APR) == 50_000


def test_a_salaried_basis_without_amount_is_not_guessed(fees):
    empty = f.member_with_basis(fees, "salaried", None, full_name="Thiếu Lương")
    run = f.compute(fees.committee, MAR)
    assert calc.missing_reason(f.due_of(empty, MAR)) == calc.NO_AMOUNT
    assert run.no_amount == 1


def test_the_latest_basis_up_to_the_month_applies(fees):
    f.set_basis(fees.salaried, "salaried", 8_000_000, since=MAY)
    f.set_basis(fees.salaried, "retired", 5_000_000, since=JUL)
    for m in (APR, MAY, JUN, JUL):
        f.compute(fees.committee, m)
    assert [amount(fees.salaried, m) for m in (APR, MAY, JUN, JUL)] == [
        76_543,
        80_000,
        80_000,
        25_000,
    ]


def test_a_member_admitted_mid_month_owes_that_month(fees):
    new = f.member_with_basis(
        fees,
        "student",
        full_name="Mới Vào",
        since=MAR,
        admission_date=D(2026, 3, 15),
        full_membership_date=None,
        status=Member.Status.PROBATIONARY,
    )
    april = f.member_with_basis(
        fees, "student", full_name="Vào Tháng Tư", since=APR, admission_date=D(2026, 4, 1)
    )
    f.compute(fees.committee, MAR)
    assert amount(new, MAR) == 5_000
    assert f.due_of(april, MAR) is None
    f.compute(fees.committee, APR)
    assert amount(april, APR) == 5_000


def test_no_due_after_leaving(fees):
    for m in (APR, MAY, JUN):
        f.compute(fees.committee, m)
    assert amount(fees.student, JUN) == 5_000
    # struck off on 10/05: owes May, not June; transferred out on 20/04: owes April only
    Member.objects.filter(pk=fees.student.pk).update(
        status=Member.Status.STRUCK_OFF, closed_on=D(2026, 5, 10), status_since=D(2026, 5, 10)
    )
    Member.objects.filter(pk=fees.farmer.pk).update(
        status=Member.Status.TRANSFERRED_OUT, status_since=D(2026, 4, 20)
    )
    runs = [f.compute(fees.committee, m) for m in (APR, MAY, JUN)]
    assert amount(fees.student, MAY) == 5_000
    assert f.due_of(fees.student, JUN) is None
    assert amount(fees.farmer, APR) == 10_000
    assert f.due_of(fees.farmer, MAY) is None
    assert [r.removed for r in runs] == [0, 1, 2]


def test_exempt_from_activities_still_owes(fees):
    Member.objects.filter(pk=fees.salaried.pk).update(status=Member.Status.EXEMPT)
    f.compute(fees.committee, MAR)
    assert amount(fees.salaried, MAR) == 76_543


def test_a_closed_month_is_not_recomputed(fees):
    f.compute(fees.committee, MAR)
    f.close_book(fees.cell, MAR)
    f.set_rule("salaried", committee=fees.committee, since=MAR, rate_bp=150)
    Member.objects.filter(pk=fees.student.pk).update(
        status=Member.Status.STRUCK_OFF, closed_on=D(2026, 2, 20)
    )
    run = f.compute(fees.committee, MAR)
    assert amount(fees.salaried, MAR) == 76_543  # closed: not recomputed at 1.5 %
    assert amount(fees.student, MAR) == 5_000  # nor removed
    assert amount(fees.teacher, MAR) == 90_000  # the other cell's book is open
    assert run.skipped_closed == 5 and run.cells_closed == [fees.cell.name]
    assert (run.written, run.removed) == (1, 0)


def test_computing_again_changes_nothing_and_audits_once(fees):
    first = f.compute(fees.committee, MAR, actor=fees.clerk)
    stamps = dict(MonthlyDue.objects.values_list("member_id", "computed_at"))
    events = AuditEvent.objects.filter(object_type="fees.monthlydue").count()
    second = f.compute(fees.committee, MAR, actor=fees.clerk)
    assert (first.written, second.written, second.unchanged) == (7, 0, 7)
    assert dict(MonthlyDue.objects.values_list("member_id", "computed_at")) == stamps
    assert AuditEvent.objects.filter(object_type="fees.monthlydue").count() == events == 1


def test_only_the_cells_asked_for(fees):
    run = f.compute(fees.committee, MAR, cells=[fees.other_cell])
    assert run.members == 1
    assert amount(fees.teacher, MAR) == 60_000
    assert f.due_of(fees.salaried, MAR) is None


def test_a_member_moved_to_another_cell_is_computed_in_the_new_cell(fees):
    f.compute(fees.committee, MAR)
    Member.objects.filter(pk=fees.salaried.pk).update(cell=fees.other_cell)
    f.compute(fees.committee, MAR)
    assert f.due_of(fees.salaried, MAR).cell == fees.other_cell


def test_the_command_prints_json_counts(fees):
    out = StringIO()
    call_command("fees_compute_dues", "--committee", "phu-cat", "--month", "2026-03", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["committee"], data["month"], data["computed"], data["written"]) == (
        "phu-cat",
        "2026-03",
        7,
        7,
    )
    assert amount(fees.salaried, MAR) == 76_543
    with pytest.raises(CommandError):
        call_command("fees_compute_dues", "--committee", "nowhere", "--month", "2026-03")
    with pytest.raises(CommandError):
        call_command("fees_compute_dues", "--committee", "phu-cat", "--month", "March")
    out = StringIO()
    call_command("fees_compute_dues", "--all", "--month", "2026-04", stdout=out)
    assert [r["committee"] for r in json.loads(out.getvalue())] == ["phu-cat"]


def test_every_committee_for_a_month(fees):
    runs = dues_compute_all(month=D(2026, 5, 17))
    assert [(r.committee, r.month, r.computed) for r in runs] == [("phu-cat", "2026-05", 7)]


def test_the_background_job_computes_the_month(fees, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = dues_compute_start(actor=fees.clerk, committee=fees.committee, month=APR)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert json.loads(job.result)["computed"] == 7
    assert amount(fees.salaried, APR) == 76_543


def test_fee_references_are_numbered_per_committee_and_kept(fees):
    assert fee_ref_for_member(fees.salaried) == 1
    assert fee_ref_for_member(fees.leave) == 2
    assert fee_ref_for_member(fees.salaried) == 1
    assert fee_ref_for_cell(fees.cell) == 1
    assert fee_ref_for_cell(fees.other_cell) == 2
    assert fee_ref_for_cell(fees.foreign_cell) == 1
    foreign = make_member(fees.other, fees.foreign_cell, "Xã Khác")
    assert fee_ref_for_member(foreign) == 1
    assert member_for_ref(fees.committee, 2) == fees.leave
    assert member_for_ref(fees.other, 2) is None
    assert cell_for_ref(fees.committee, 2) == fees.other_cell
    assert cell_for_ref(fees.committee, 3) is None
    # received by the other committee: a number there, the old one no longer finds them
    Member.objects.filter(pk=fees.leave.pk).update(committee=fees.other, cell=fees.foreign_cell)
    fees.leave.refresh_from_db()
    assert fee_ref_for_member(fees.leave) == 2
    assert member_for_ref(fees.committee, 2) is None
    assert member_for_ref(fees.other, 2) == fees.leave
    assert FeeReference.objects.filter(member=fees.leave).count() == 1


def test_a_row_another_committee_computed_is_left_alone(fees):
    # computed by the other committee, then the member is received here
    moved = f.member_with_basis(
        fees.other, "salaried", 5_000_000, cell=fees.foreign_cell, full_name="Chuyển Đến"
    )
    f.compute(fees.other, MAR)
    Member.objects.filter(pk=moved.pk).update(committee=fees.committee, cell=fees.cell)
    run = f.compute(fees.committee, MAR)
    due = f.due_of(moved, MAR)
    assert (due.committee, due.cell, due.amount) == (fees.other, fees.foreign_cell, 50_000)
    assert (run.skipped_other_committee, run.members, run.computed, run.written) == (1, 7, 7, 7)
    assert run.total == 229_924
    # April is computed here, with the basis the member declared in the other committee
    f.compute(fees.committee, APR)
    due = f.due_of(moved, APR)
    assert (due.committee, due.cell, due.amount) == (fees.committee, fees.cell, 50_000)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel computation runs on PostgreSQL only"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_committee_in_two_processes_gives_the_same_dues():
    cast = build_cast()
    one = f.member_with_basis(cast, "salaried", 7_654_321, full_name="Một")
    two = f.member_with_basis(
        cast.other, "retired", 5_432_101, cell=cast.foreign_cell, full_name="Hai"
    )
    runs = dues_compute_all(month=MAR, workers=2)
    assert sorted((r.committee, r.written) for r in runs) == [("dong-xuan", 1), ("phu-cat", 1)]
    assert (amount(one, MAR), amount(two, MAR)) == (76_543, 27_161)
    again = dues_compute_all(month=MAR, workers=2)
    assert [r.written for r in again] == [0, 0]


def test_the_computation_numbers_every_member_and_cell_for_payment_notes(fees):
    assert fee_ref_for_member(fees.farmer) == 1  # numbered earlier: kept
    run = f.compute(fees.committee, MAR)
    # six more members and both cells of the committee
    assert run.refs_given == 8
    refs = FeeReference.objects.filter(committee=fees.committee)
    numbers = sorted(refs.filter(kind="member").values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5, 6, 7]
    assert fee_ref_for_member(fees.farmer) == 1
    assert {fees.cell.pk, fees.other_cell.pk} == set(
        refs.filter(kind="cell").values_list("cell_id", flat=True)
    )
    assert len(set(refs.values_list("code", flat=True))) == 9  # each row its own code
    assert f.compute(fees.committee, APR).refs_given == 0
    # a member received from the other committee is numbered here, once
    moved = f.member_with_basis(
        fees.other, "salaried", 5_000_000, cell=fees.foreign_cell, full_name="Chuyển Đến"
    )
    f.compute(fees.other, APR)
    assert fee_ref_for_member(moved) == 1
    Member.objects.filter(pk=moved.pk).update(committee=fees.committee, cell=fees.cell)
    assert f.compute(fees.committee, MAY).refs_given == 1
    assert FeeReference.objects.get(member=moved).committee == fees.committee
    assert member_for_ref(fees.committee, 8) == moved
