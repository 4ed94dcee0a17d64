"""Keeping the search index in step with the objects it points to.

The owning services call `index_object(obj)` once after they write an object (inside their
transaction, so the index row commits or rolls back with it); bulk writers call
`index_objects(objs)`; `reindex()` rebuilds a kind or a committee from scratch (the
`search_reindex` command, after bulk loads or an upgrade).

On SQLite, triggers on `search_entry` keep the FTS5 table in step with every insert, update
and delete of a row (migration 0002); on PostgreSQL the `tsv` column is generated.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from capuyso.core.text import fold
from capuyso.search import registry
from capuyso.search.models import SearchEntry
from capuyso.search.registry import IndexDocument, Source
from capuyso.search.text import exact_text, folded_text

MAX_BODY = 100_000  # characters of an object's text that are indexed
CHUNK = 2000

UPDATE_FIELDS = [
    "committee",
    "code",
    "title",
    "reference",
    "reference_folded",
    "body",
    "title_folded",
    "body_folded",
    "exact",
    "meta",
    "date",
    "year",
    "unit",
    "doc_type",
    "type_label",
    "source_name",
    "indexed_at",
]


def kind_token(kind: str) -> str:
    return "_k" + kind.replace("_", "")


def meta_tokens(*, committee_id, kind, year=None, unit_id=None, doc_type_id=None) -> str:
    """The filter tokens the SQLite full-text index matches with the words. They start
    with "_", which no folded word holds, so a word never matches one."""
    tokens = [f"_c{committee_id}", kind_token(kind)]
    if year:
        tokens.append(f"_y{year}")
    if unit_id:
        tokens.append(f"_u{unit_id}")
    if doc_type_id:
        tokens.append(f"_t{doc_type_id}")
    return " ".join(tokens)


def entry_for(source: Source, obj, document: IndexDocument) -> SearchEntry:
    return SearchEntry(**entry_fields(source.kind, obj.pk, obj.code, document))


def entry_fields(kind: str, object_id: int, code, document: IndexDocument) -> dict:
    """The index row's values for one object (`entry_for` without the model instance)."""
    body = (document.body or "")[:MAX_BODY]
    title = document.title or document.reference or ""
    searchable_title = f"{document.reference} {title}" if document.reference else title
    return dict(
        committee_id=document.committee_id,
        kind=kind,
        object_id=object_id,
        code=code,
        title=title,
        reference=document.reference or "",
        reference_folded=fold(document.reference or "")[:120],
        body=body,
        title_folded=folded_text(searchable_title),
        body_folded=folded_text(f"{body} {document.type_label} {document.source_name}"),
        exact=exact_text(f"{searchable_title} {body}"),
        meta=meta_tokens(
            committee_id=document.committee_id,
            kind=kind,
            year=document.year,
            unit_id=document.unit_id,
            doc_type_id=document.doc_type_id,
        ),
        date=document.date,
        year=document.year,
        unit_id=document.unit_id,
        doc_type_id=document.doc_type_id,
        type_label=document.type_label or "",
        source_name=document.source_name or "",
    )


def index_object(obj) -> None:
    """Put `obj` (or its new state) in the index, or take it out when its source says it
    is not searchable. Objects of a model no source covers are ignored."""
    source = registry.source_for(obj)
    if source is None:
        return
    document = source.document(obj)
    if document is None:
        unindex_object(obj)
        return
    _write([entry_for(source, obj, document)])


def index_objects(objects: Iterable) -> int:
    """`index_object` for many objects at once (bulk imports). Returns the rows written."""
    entries: list[SearchEntry] = []
    gone: list = []
    for obj in objects:
        source = registry.source_for(obj)
        if source is None:
            continue
        document = source.document(obj)
        if document is None:
            gone.append(obj)
        else:
            entries.append(entry_for(source, obj, document))
    _unindex(gone)
    for start in range(0, len(entries), CHUNK):
        _write(entries[start : start + CHUNK])
    return len(entries)


def unindex_object(obj) -> None:
    source = registry.source_for(obj)
    if source is not None:
        SearchEntry.objects.filter(kind=source.kind, object_id=obj.pk).delete()


def _unindex(objects: list) -> None:
    """Take objects out of the index, one DELETE per kind and chunk (a dossier disposed of
    takes its items out at once)."""
    ids: dict[str, list] = {}
    for obj in objects:
        source = registry.source_for(obj)
        if source is not None:
            ids.setdefault(source.kind, []).append(obj.pk)
    for kind, pks in ids.items():
        for start in range(0, len(pks), CHUNK):
            SearchEntry.objects.filter(kind=kind, object_id__in=pks[start : start + CHUNK]).delete()


def _write(entries: list[SearchEntry]) -> None:
    SearchEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=UPDATE_FIELDS,
    )


def reindex(*, kinds: Iterable[str] | None = None, committee_id: int | None = None) -> dict:
    """Rebuild the index of `kinds` (all) for one committee (all): every object indexed
    again, rows of objects that are gone removed. Returns the counts per kind."""
    counts: dict[str, int] = {}
    chosen = [registry.source(k) for k in kinds] if kinds else registry.sources()
    for source in chosen:
        if source is None:
            continue
        with transaction.atomic():
            stale = SearchEntry.objects.filter(kind=source.kind)
            if committee_id is not None:
                stale = stale.filter(committee_id=committee_id)
            stale.delete()
            total = 0
            batch: list = []
            for obj in source.rows(committee_id).iterator(chunk_size=CHUNK):
                batch.append(obj)
                if len(batch) >= CHUNK:
                    total += index_objects(batch)
                    batch = []
            total += index_objects(batch)
        counts[source.kind] = total
    return counts


def reindex_committees(committee_ids: Iterable[int]) -> dict:
    """`reindex` of every kind for each of these committees (after a bulk load such as the
    demo data, whose members are inserted in bulk). Returns the counts per kind, summed."""
    counts: dict[str, int] = {}
    for committee_id in committee_ids:
        for kind, count in reindex(committee_id=committee_id).items():
            counts[kind] = counts.get(kind, 0) + count
    return counts
