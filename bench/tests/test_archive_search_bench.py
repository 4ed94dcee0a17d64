"""The archive search benchmark's rows: pages of about one page of text, and index rows equal
to what the archive's own source and `entry_fields` make of them."""

import random
import uuid

import pytest

from bench import archive_rows, archive_text
from capuyso.archive.search import ArchiveItemSource
from capuyso.search.index import entry_fields
from capuyso.search.text import exact_text, folded_text


@pytest.fixture(autouse=True)
def small_pool(monkeypatch):
    monkeypatch.setattr(archive_text, "POOL", 3000)


def test_a_page_is_about_one_page_with_its_word_forms():
    rng = random.Random(1)
    for _ in range(50):
        made = archive_text.page(rng, 2001)
        assert 1500 <= len(made.text) <= 2700
        assert made.folded == folded_text(made.text)
        assert exact_text(made.text) == f" {' '.join(dict.fromkeys(made.exact.split()))} "
        assert "năm 2001" in made.title


def test_the_batch_rows_are_the_sources_index_rows():
    dossiers = {(c, y): [(10 + c, 20 + c)] for c in (1, 2) for y in range(1990, 2027)}
    types = {(1, "KH"): (7, "Kế hoạch"), (2, "KH"): (8, "Kế hoạch")}
    archive_rows.init_worker(archive_rows.Plan([1, 2], False, dossiers, types), "postgresql")
    items, entries, chars = archive_rows.make_batch(1, 300)  # rows beyond CHECKED too
    assert len(items) == 300 and 290 <= len(entries) <= 300  # ~1 % disposed of: not indexed
    assert 1500 * 300 <= chars <= 2700 * 300
    source = ArchiveItemSource()
    by_id = {row[0]: row for row in items}
    column = archive_rows.ENTRY_COLUMNS.index
    for entry in entries[::37]:
        item = by_id[entry[column("id")]]
        assert entry[column("committee_id")] == item[4]
        assert entry[column("body")] == item[14]  # the item's text, whole (under the cap)
        assert entry[column("source_name")] == item[6]
        assert entry[column("kind")] == source.kind
        assert entry[column("unit_id")] == 20 + item[4]  # the dossier's unit
        code = item[1]
        assert isinstance(code, uuid.UUID)
        assert entry[column("body_folded")].startswith(folded_text(item[14]))
        assert (
            entry[column("exact")]
            == entry_fields(
                source.kind,
                item[0],
                code,
                source.document(_row_item(item, types)),
            )["exact"]
        )


def _row_item(row, types):
    from types import SimpleNamespace

    type_id = row[26]
    return SimpleNamespace(
        committee_id=row[4],
        dossier_id=row[5],
        dossier=SimpleNamespace(unit_id=20 + row[4], disposed_at=None),
        source_name=row[6],
        text=row[14],
        title=row[22],
        reference=row[23],
        document_date=None,
        doc_type_id=type_id,
        doc_type=SimpleNamespace(name="Kế hoạch"),
        year=row[27],
        disposed_at=row[28],
    )
