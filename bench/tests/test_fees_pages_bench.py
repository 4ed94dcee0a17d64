import io
import json

import pytest
from django.core.management import call_command

from bench import fees_pages
from capuyso.fees.models import CellMonthBook, FeeBasis, MonthlyDue, Payment, Remittance

pytestmark = pytest.mark.django_db

PAGES = {
    "fees.pages.baseline.home",
    "fees.pages.committee.secretary",
    "fees.pages.committee.clerk",
    "fees.pages.cell_month.cell_secretary",
    "fees.pages.member.cell_secretary",
    "fees.pages.mine.member",
    "fees.pages.unpaid.secretary",
    "fees.pages.remittances.clerk",
}


def bench(*args) -> dict[str, dict]:
    out = io.StringIO()
    call_command("bench", "--scale", "tiny", "--n", "2", *args, stdout=out)
    return {line["name"]: line for line in map(json.loads, out.getvalue().splitlines())}


def test_fee_pages_are_timed_on_a_year_of_dues_and_payments_and_leave_nothing():
    lines = bench("--only", "fees.pages")
    data = lines["fees.pages.data"]
    assert "error" not in data, data
    assert data["months"] == 12 and data["cells"] >= 8
    assert data["dues"] > 12 * 100 and data["payments"] > data["dues"] // 2
    assert data["closed_books"] == 11 * data["cells"] and data["remittances"] > 0
    assert not any(key.startswith("_") for key in data)
    for name in PAGES:
        line = lines[name]
        assert "error" not in line, line
        assert line["p95_ms"] >= line["p50_ms"] > 0 and line["n"] == 2 and line["queries"] > 0
    for name in ("fees.pages.committee.secretary", "fees.pages.committee.clerk"):
        assert lines[name]["target_p95_ms"] == 150.0
        assert lines[name]["pass"] is (lines[name]["p95_ms"] < 150.0)
    assert "target_p95_ms" not in lines["fees.pages.mine.member"]
    # The history was rolled back.
    assert not MonthlyDue.objects.exists() and not Payment.objects.exists()
    assert not CellMonthBook.objects.exists() and not Remittance.objects.exists()
    assert not FeeBasis.objects.exists()


def test_only_selects_the_fee_pages():
    assert fees_pages.selected("")
    assert fees_pages.selected("fees.pages")
    assert fees_pages.selected("fees.")
    assert not fees_pages.selected("meetings.")
    lines = bench("--only", "fees.pages.mine")
    assert {n for n in lines if n.startswith("fees.")} == {
        "fees.pages.data",
        "fees.pages.mine.member",
    }
