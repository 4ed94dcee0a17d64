"""The rows of the archive search benchmark (bench/archive_search.py): one batch of archived
items and their search index rows, made in a worker process from a plain `Plan`.

The index row is `entry_fields` of what the archive's own `ArchiveItemSource.document`
gives for the item, with the page's folded and exact words taken from the page (made with
it, bench/archive_text.py) instead of folding its text again; the first rows of each
batch are checked against `entry_fields` itself, and a difference stops the build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid
from types import SimpleNamespace

from bench.archive_text import page

SEED = 1945
FIRST_YEAR, LAST_YEAR = 1990, 2026
DISPOSED_SHARE = 0.01
CONFIRMED_SHARE = 0.6  # items whose title, reference and type a person confirmed
CHECKED = 20  # rows of each batch checked against entry_fields


class Plan:
    """What the workers need to make the rows (plain values: it goes to other processes)."""

    def __init__(self, committees: list[int], spread: bool, dossiers: dict, types: dict):
        self.committees = committees
        self.spread = spread
        self.dossiers = dossiers  # (committee id, year) -> [(dossier id, unit id)]
        self.types = types  # (committee id, abbreviation) -> (type id, name)

    def committee(self, pk: int) -> int:
        main, others = self.committees[0], self.committees[1:]
        if self.spread:
            return self.committees[pk % len(self.committees)]
        return others[pk % len(others)] if pk % 10 == 0 and others else main


ITEM_COLUMNS = [
    "id", "code", "created_at", "updated_at", "committee_id", "dossier_id", "source_name",
    "source_path", "file", "content_type", "size", "sha256", "pages", "signed", "text",
    "text_source", "ocr_file", "ocr_status", "ocr_pages_done", "ocr_attempts", "ocr_error",
    "proposed", "title", "reference", "document_date", "issuer_name", "doc_type_id", "year",
    "disposed_at",
]  # fmt: skip
ENTRY_COLUMNS = [
    "id", "committee_id", "kind", "object_id", "code", "title", "reference",
    "reference_folded", "body", "title_folded", "body_folded", "exact", "meta", "date", "year",
    "unit_id", "doc_type_id", "type_label", "source_name", "indexed_at",
]  # fmt: skip

_PLAN: Plan | None = None
_VENDOR = "sqlite"


def init_worker(plan: Plan, vendor: str) -> None:
    global _PLAN, _VENDOR
    _PLAN, _VENDOR = plan, vendor


def make_batch(first: int, last: int) -> tuple[list[tuple], list[tuple], int]:
    """The item rows and index rows of ids first..last (inclusive), and their text's size.

    The index row is `entry_fields` of what `ArchiveItemSource.document` gives, with the
    page's folded and exact words taken from the page (made with it) instead of folding
    its text again; the first rows of each batch are checked against `entry_fields` itself."""
    from capuyso.archive.search import ArchiveItemSource
    from capuyso.search.index import entry_fields

    plan = _PLAN
    source = ArchiveItemSource()
    rng = random.Random(SEED * 1_000_003 + first)
    stamp = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    sqlite = _VENDOR == "sqlite"
    items, entries, chars = [], [], 0
    for pk in range(first, last + 1):
        committee_id = plan.committee(pk)
        year = rng.randint(FIRST_YEAR, LAST_YEAR)
        made = page(rng, year)
        text = made.text
        chars += len(text)
        dossier_id, unit_id = rng.choice(plan.dossiers[(committee_id, year)])
        code = uuid.UUID(int=rng.getrandbits(128), version=4)
        name = f"{made.abbreviation}-{year}-{pk:07d}.pdf".replace("Đ", "D")
        confirmed = rng.random() < CONFIRMED_SHARE
        type_id, type_name = plan.types.get((committee_id, made.abbreviation), (None, ""))
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        disposed = rng.random() < DISPOSED_SHARE
        # The row as the archive's source reads it (attributes only: no model instance).
        item = SimpleNamespace(
            pk=pk,
            committee_id=committee_id,
            dossier_id=dossier_id,
            dossier=SimpleNamespace(unit_id=unit_id, disposed_at=None),
            source_name=name,
            text=text,
            title=made.title if confirmed else "",
            reference=made.reference if confirmed else "",
            document_date=day if confirmed else None,
            doc_type_id=type_id if confirmed and type_id else None,
            doc_type=SimpleNamespace(name=type_name),
            year=year,
            disposed_at=stamp if disposed else None,
        )
        digest = hashlib.sha256(code.bytes).hexdigest()
        code_value = code.hex if sqlite else code
        items.append(
            (
                pk, code_value, stamp, stamp, committee_id, dossier_id, name,
                f"scans/{year}/{name}", f"archive/{digest[:2]}/{digest}.pdf", "application/pdf",
                100_000 + len(text) * 40, digest, 1, False, text, "ocr", "", "done", 1, 1, "",
                "{}", item.title, item.reference, day.isoformat() if confirmed else None, "",
                item.doc_type_id, year, stamp if disposed else None,
            )
        )  # fmt: skip
        document = source.document(item)
        if document is None:  # disposed of: not in the index
            continue
        fields = _entry(source.kind, pk, code, document, made)
        if pk - first < CHECKED:
            expected = entry_fields(source.kind, pk, code, document)
            if fields != expected:
                wrong = [k for k in fields if fields[k] != expected[k]]
                raise AssertionError(f"item {pk}: the page's word forms differ in {wrong}")
        fields.update(id=pk, code=code_value, indexed_at=stamp)
        if fields["date"] is not None:
            fields["date"] = fields["date"].isoformat()
        entries.append(tuple(fields[column] for column in ENTRY_COLUMNS))
    if sqlite:  # Django keeps datetimes in SQLite as naive UTC text
        text = stamp.replace(tzinfo=None).isoformat(sep=" ")
        items = [(*r[:2], text, text, *r[4:-1], text if r[-1] else None) for r in items]
        entries = [(*row[:-1], text) for row in entries]
    return items, entries, chars


def _entry(kind: str, pk: int, code, document, made) -> dict:
    """entry_fields(kind, pk, code, document) for a document whose body is `made.text`,
    from the page's own word forms (entry_fields folds the body with the title, the type and
    the file name around it: their forms are joined the same way)."""
    from dataclasses import replace

    from capuyso.search.index import entry_fields
    from capuyso.search.text import exact_text, folded_text

    assert document.body == made.text
    fields = entry_fields(kind, pk, code, replace(document, body=""))
    fields["body"] = made.text
    tail = folded_text(f"{document.type_label} {document.source_name}")
    fields["body_folded"] = f"{made.folded} {tail}" if tail else made.folded
    title = document.title or document.reference or ""
    searchable_title = f"{document.reference} {title}" if document.reference else title
    keys = dict.fromkeys(f"{exact_text(searchable_title)} {made.exact}".split())
    fields["exact"] = f" {' '.join(keys)} "
    return fields


def work(bounds: tuple[int, int]):
    return make_batch(*bounds)
