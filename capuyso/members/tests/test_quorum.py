"""The vote denominator of a cell (rules.md §2)."""

import datetime as dt

import pytest

from capuyso.core.testing import make_member
from capuyso.members.models import Exemption, Member, Transfer
from capuyso.members.selectors_lifecycle import quorum_counts
from capuyso.members.services.lifecycle import exemption_record, member_close
from capuyso.members.services.transfers import transfer_internal

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def cell_of_six(cast):
    """Five full members and one probationary member in cast.cell; one elsewhere."""
    full = [make_member(cast.committee, cast.cell, f"Đảng viên {i}") for i in range(5)]
    probationary = make_member(
        cast.committee,
        cast.cell,
        "Dự Bị",
        admission_date=D(2025, 12, 1),
        ceremony_date=D(2025, 12, 20),
        full_membership_date=None,
        status=Member.Status.PROBATIONARY,
    )
    make_member(cast.committee, cast.other_cell, "Chi bộ khác")
    return full, probationary


def test_counts_full_and_probationary(cast, cell_of_six):
    counts = quorum_counts(cast.cell, D(2026, 3, 1))
    assert (counts.total, counts.probationary, counts.full) == (6, 1, 5)
    assert counts.eligible == 5
    assert counts.two_thirds == 4  # 2/3 of 5 is 3.33: four votes
    assert counts.suspended == 0


def test_exempt_members_drop_out_unless_present(cast, cell_of_six):
    full, _ = cell_of_six
    exemption_record(
        actor=cast.cell_secretary,
        member=full[0],
        reason=Exemption.Reason.AGE,
        applied_on=D(2026, 2, 2),
        decision_date=D(2026, 2, 10),
        starts_on=D(2026, 2, 10),
    )
    assert quorum_counts(cast.cell, D(2026, 2, 9)).eligible == 5  # before the exemption
    counts = quorum_counts(cast.cell, D(2026, 3, 1))
    assert (counts.full, counts.exempt, counts.eligible) == (5, 1, 4)
    assert counts.two_thirds == 3
    present = quorum_counts(cast.cell, D(2026, 3, 1), exempt_present={full[0].pk})
    assert (present.exempt_present, present.eligible) == (1, 5)


def test_temporarily_transferred_members_drop_out_until_they_return(cast, cell_of_six):
    full, _ = cell_of_six
    transfer_internal(
        actor=cast.party_building,
        member=full[1],
        to_cell=cast.other_cell,
        kind=Transfer.Kind.TEMPORARY,
        decision_date=D(2026, 3, 2),
        until=D(2026, 6, 30),
    )
    assert quorum_counts(cast.cell, D(2026, 3, 1)).eligible == 5
    during = quorum_counts(cast.cell, D(2026, 4, 1))
    assert (during.temporarily_away, during.eligible) == (1, 4)
    assert quorum_counts(cast.cell, D(2026, 7, 1)).eligible == 5
    # The receiving cell does not count them: they vote at home.
    assert quorum_counts(cast.other_cell, D(2026, 4, 1)).eligible == 1


def test_probation_ending_and_closed_records(cast, cell_of_six):
    _, probationary = cell_of_six
    Member.objects.filter(pk=probationary.pk).update(
        status=Member.Status.FULL, full_membership_date=D(2026, 12, 20)
    )
    assert quorum_counts(cast.cell, D(2026, 12, 19)).probationary == 1
    assert quorum_counts(cast.cell, D(2026, 12, 20)).full == 6
    full = Member.objects.filter(cell=cast.cell, full_name="Đảng viên 2").get()
    member_close(
        actor=cast.cell_secretary,
        member=full,
        status=Member.Status.DECEASED,
        on=D(2026, 5, 5),
        decision="",
    )
    assert quorum_counts(cast.cell, D(2026, 6, 1)).total == 5


def test_three_queries(cast, cell_of_six, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        quorum_counts(cast.cell, D(2026, 3, 1))
