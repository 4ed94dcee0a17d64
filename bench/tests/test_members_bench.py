import io
import json

import pytest
from django.core.management import call_command

from bench import members as bench_members
from capuyso.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

TIMED = {
    "members.list.cell_secretary",
    "members.list.leader",
    "members.detail.cell_secretary",
    "members.detail.leader",
    "members.search.name.cell_secretary",
    "members.search.name.leader",
    "members.search.name.cell_secretary.htmx",
    "members.search.name.leader.htmx",
    "members.search.given.leader",
    "members.search.given.leader.htmx",
    "members.search.card.leader.htmx",
    "members.filtered.leader",
    "members.api.list.leader",
    "members.api.counts.leader",
}
WITH_TARGET = {
    "members.list.cell_secretary": 100.0,
    "members.detail.leader": 100.0,
    "members.search.name.leader": 50.0,
    "members.search.name.cell_secretary.htmx": 50.0,
}


def bench(*args) -> dict[str, dict]:
    out = io.StringIO()
    call_command("bench", "--scale", "tiny", "--n", "2", *args, stdout=out)
    return {line["name"]: line for line in map(json.loads, out.getvalue().splitlines())}


def test_members_lines_time_the_pages_and_say_the_targets():
    lines = bench("--only", "members.")

    for name in TIMED:
        line = lines[name]
        assert "error" not in line, line
        assert line["p95_ms"] >= line["p50_ms"] > 0 and line["n"] == 2 and line["queries"] > 0
    for name, target in WITH_TARGET.items():
        assert lines[name]["target_p95_ms"] == target
        assert lines[name]["pass"] is (lines[name]["p95_ms"] < target)
    assert "target_p95_ms" not in lines["members.api.list.leader"]
    assert lines["weight.members.list.leader"]["bytes"] > 1000  # full pages report weight
    assert "weight.members.search.name.leader.htmx" not in lines  # partials do not
    for name in ("members.export.xlsx.leader", "members.export.pdf.cell_secretary"):
        export = lines[name]
        assert "error" not in export, export
        assert export["rows"] > 0 and export["bytes"] > 0 and export["seconds"] >= 0
    assert (
        lines["members.export.xlsx.leader"]["rows"]
        > lines["members.export.pdf.cell_secretary"]["rows"]
    )
    # Opening files is audited as in real use; the exports are not (no view involved).
    assert AuditEvent.objects.filter(verb="view", object_type="members.member").exists()
    assert not AuditEvent.objects.filter(verb="export", object_type="members.list").exists()


def test_only_selects_members_lines_and_other_prefixes_skip_them():
    lines = bench("--only", "members.search.name.leader")
    assert {n for n in lines if n.startswith("members.")} == {
        "members.search.name.leader",
        "members.search.name.leader.htmx",
    }
    assert not any(n.startswith("members.") for n in bench("--only", "home.secretary"))


def test_picks_a_member_of_the_cell_secretarys_cell():
    from bench import dataset as datasets

    dataset = datasets.ensure(datasets.SCALES["tiny"])
    chosen = bench_members.picks(dataset)
    cell = dataset.users["cell_secretary"].positions.get().unit
    assert chosen["member"].cell_id == cell.pk
    assert chosen["name"] == chosen["member"].full_name and chosen["card"]
