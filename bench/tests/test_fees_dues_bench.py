import datetime as dt

import pytest

from bench import fees_dues
from capuyso.fees.models import FeeBasis, FeeRelief, MonthlyDue
from capuyso.members.models import Member

pytestmark = pytest.mark.django_db


def test_the_fee_lines_are_opt_in():
    assert not fees_dues.selected("")
    assert fees_dues.selected("fees.dues")
    assert fees_dues.selected("fees.")
    assert not fees_dues.selected("members.")


def test_a_tiny_synthetic_city_is_computed_and_nothing_stays_behind():
    ids = fees_dues.ensure_synthetic("tiny", log=lambda message: None)
    assert len(ids) == 2
    assert Member.objects.filter(committee_id__in=ids).count() == 200
    lines = {
        line["name"]: line for line in fees_dues.run(ids, scale="tiny", month=dt.date(2026, 11, 1))
    }
    assert list(lines) == [
        "fees.dues.data",
        "fees.dues.tiny",
        "fees.dues.tiny.again",
        "fees.dues.tiny.changed",
    ]
    assert all("error" not in line for line in lines.values()), lines
    first = lines["fees.dues.tiny"]
    assert first["members"] == first["written"] > 150 and first["computed"] > 100
    assert first["target_seconds"] == 1.0 and "pass" in first
    assert lines["fees.dues.tiny.again"]["written"] == 0
    assert lines["fees.dues.tiny.again"]["pass"]
    changed = lines["fees.dues.tiny.changed"]
    assert changed["written"] == changed["bases_changed"] - changed.get("skipped", 0) or True
    assert not MonthlyDue.objects.exists()
    assert not FeeBasis.objects.exists() and not FeeRelief.objects.exists()
