import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from bench import members_badges
from capuyso.core.testing import make_member
from capuyso.members.models import BadgeAward, DatePrecision, Gap, Member

pytestmark = pytest.mark.django_db

D = dt.date


def test_badge_lines_run_with_a_plain_bench_and_with_their_prefix():
    assert members_badges.selected("")
    assert members_badges.selected("members.badges")
    assert members_badges.selected("members.badges.city")
    assert not members_badges.selected("documents.")


def test_every_badge_line_measures_across_the_city_and_leaves_nothing_behind(cast):
    for n in range(120):  # admitted 1956–2015, one member every half year
        committee, cell = (cast.committee, cast.cell) if n % 3 else (cast.other, cast.foreign_cell)
        make_member(
            committee,
            cell,
            f"Đảng viên {n}",
            admission_date=D(1956, 1, 10) + dt.timedelta(days=182 * n),
        )
    before = list(Member.objects.order_by("pk").values_list("status", "admission_date"))

    lines = {
        line["name"]: line
        for line in members_badges.run(
            city=cast.city,
            committee=cast.committee,
            user=cast.secretary,
            n=1,
            award_date=D(2026, 5, 19),
        )
    }

    assert list(lines) == list(members_badges.NAMES)
    assert all("error" not in line for line in lines.values()), lines
    data = lines["members.badges.data"]
    assert data["committees"] == 2 and data["members"] == 120 and data["awards"] > 100
    city = lines["members.badges.city"]
    assert city["p95_ms"] >= city["p50_ms"] > 0 and city["n"] == 1
    assert city["target_ms"] == 2000 and "pass" in city
    assert city["committees"] == 2 and city["regular"] + city["early_illness"] > 0
    assert city["previous_date"] == "2026-02-03" and city["queries"] < 40
    committee = lines["members.badges.committee"]
    assert (
        committee["regular"] + committee["early_illness"] <= city["regular"] + city["early_illness"]
    )
    assert lines["members.badges.page"]["p95_ms"] > 0
    assert lines["members.badges.export.docx"]["bytes"] > 0
    # The history was rolled back.
    assert not BadgeAward.objects.exists() and not Gap.objects.exists()
    assert list(Member.objects.order_by("pk").values_list("status", "admission_date")) == before


def test_the_history_has_the_announced_shape(cast):
    for n in range(400):
        make_member(
            cast.committee,
            cast.cell,
            f"Đảng viên {n}",
            admission_date=D(1950, 1, 1) + dt.timedelta(days=60 * n),
        )
    data = members_badges.add_history([cast.committee.pk], D(2026, 5, 19))
    assert data["members"] == 400
    assert Gap.objects.count() == data["gaps"]
    assert Member.objects.filter(status=Member.Status.DECEASED).count() == data["deceased"]
    assert (
        Member.objects.filter(admission_date_precision=DatePrecision.YEAR).count()
        == data["year_only"]
    )
    # Nobody was awarded a milestone reached after the previous award date, except early.
    assert not BadgeAward.objects.filter(
        kind=BadgeAward.Kind.REGULAR, award_date__gt=D(2026, 2, 3)
    ).exists()
    assert BadgeAward.objects.count() == data["awards"]


def test_the_bench_command_prints_the_badge_lines():
    out = io.StringIO()
    call_command("bench", "--scale", "tiny", "--n", "1", "--only", "members.badges", stdout=out)
    lines = {line["name"]: line for line in map(json.loads, out.getvalue().splitlines())}
    for name in members_badges.NAMES:
        assert "error" not in lines[name], lines[name]
    assert lines["members.badges.city"]["members"] >= 100
