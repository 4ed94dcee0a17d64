"""capuyso search "QUERY" --committee SLUG --json, and capuyso search_reindex."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from capuyso.core.testing import make_member
from capuyso.documents.tests.factories import doc_type
from capuyso.search.models import SearchEntry
from capuyso.search.tests.factories import dossier, incoming, meeting


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_json_lists_the_top_results_as_the_committee(cast):
    document = incoming(cast, reference="09-KH/ĐU")
    incoming(cast, summary="Thực hiện 09-KH/ĐU", reference="10-KH/ĐU")
    folder = dossier(cast, title="Kế hoạch 09 năm nay")
    meeting(cast, title="Họp về 09-KH/ĐU", unit=False)
    incoming(cast, actor=cast.outsider_clerk, doc_type=doc_type(cast.other, "KH"))
    results = json.loads(run("search", "09-KH/ĐU", "--committee", "phu-cat", "--json"))
    assert results[0]["code"] == str(document.code)
    assert results[0]["kind"] == "incoming"
    assert results[0]["title"] == "Kế hoạch chuyển đổi số"
    assert {"kind", "code", "title", "score"} <= set(results[0])
    assert "source_name" not in results[0]
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert {r["kind"] for r in results} == {"incoming", "meeting"}
    assert len(results) == 3  # the other committee's copy is not among them
    assert str(folder.code) not in {r["code"] for r in results}
    dossiers = json.loads(
        run("search", "ke hoach", "--committee", "phu-cat", "--json", "--kind", "dossier")
    )
    assert [r["code"] for r in dossiers] == [str(folder.code)]


def test_plain_output_and_limit(cast):
    for number in range(1, 5):
        incoming(cast, summary=f"Kế hoạch {number}", reference=f"{number}-KH/ĐU")
    lines = run("search", "ke hoach", "--committee", "phu-cat", "--limit", "2").splitlines()
    assert len(lines) == 2
    assert "incoming" in lines[0]


def test_unknown_committee_is_an_error(cast):
    with pytest.raises(CommandError):
        run("search", "x", "--committee", "nowhere", "--json")


def test_reindex_prints_counts_and_fills_the_index(cast):
    make_member(cast.committee, cast.cell, "Phạm Văn Bulk")
    incoming(cast)
    SearchEntry.objects.all().delete()
    counts = json.loads(run("search_reindex", "--committee", "phu-cat"))
    assert counts["member"] == 1 and counts["incoming"] == 1
    results = json.loads(run("search", "pham van bulk", "--committee", "phu-cat", "--json"))
    assert [r["kind"] for r in results] == ["member"]
