"""Full-text search over documents, ignoring diacritics and đ.

Both databases search the same folded text (`search_folded`, built with core.text.fold):

- SQLite: an FTS5 table per kind (`documents_incoming_fts`, `documents_outgoing_fts`)
  whose rowid is the document's id, kept in step by the services in the same
  transaction. Each query word matches as a prefix ("09-KH" → "09"* "kh"*).
- PostgreSQL: a trigram GIN index on `search_folded` (pg_trgm), queried with LIKE.

A plain LIKE '%…%' scan costs ~1 s on 200,000 documents in SQLite; FTS5 answers in a
few milliseconds (stack-notes.md).
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from capuyso.core.text import fold
from capuyso.search.index import index_object

TABLES = {"incoming": "documents_incoming_fts", "outgoing": "documents_outgoing_fts"}
SOURCES = {"incoming": "documents_incomingdocument", "outgoing": "documents_outgoingdocument"}
ISSUER_SQL = {
    "incoming": "d.issuer_name",
    "outgoing": "(SELECT u.name FROM org_unit u WHERE u.id = d.issuing_unit_id)",
}
TOKEN = re.compile(r"\w+", re.UNICODE)


def uses_fts() -> bool:
    return connection.vendor == "sqlite"


def tokens(query: str) -> list[str]:
    return TOKEN.findall(fold(query))[:12]


def _issuer_text(kind: str, document) -> str:
    if kind == "incoming":
        return fold(document.issuer_name)
    return fold(document.issuing_unit.name)


def index(kind: str, document) -> None:
    """Store the document's folded text in the search index (SQLite; PostgreSQL indexes
    the column itself)."""
    index_object(document)  # the platform-wide search (capuyso.search)
    if not uses_fts():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT OR REPLACE INTO {TABLES[kind]}(rowid, body, issuer, tenant) "  # noqa: S608
            "VALUES (%s, %s, %s, %s)",
            [
                document.pk,
                document.search_folded,
                _issuer_text(kind, document),
                tenant_token(document.committee_id),
            ],
        )


def rebuild(kind: str) -> None:
    """Rebuild one index from the documents table (after bulk inserts)."""
    if not uses_fts():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLES[kind]}")  # noqa: S608
        cursor.execute(
            f"SELECT id, search_folded, {ISSUER_SQL[kind]}, committee_id "  # noqa: S608
            f"FROM {SOURCES[kind]} d"
        )
        rows = [
            (pk, body, fold(issuer), tenant_token(committee))
            for pk, body, issuer, committee in cursor.fetchall()
        ]
        cursor.executemany(
            f"INSERT INTO {TABLES[kind]}(rowid, body, issuer, tenant) "  # noqa: S608
            "VALUES (%s, %s, %s, %s)",
            rows,
        )


def tenant_token(committee_id) -> str:
    """Each row carries its committee as a token, so a match never crosses tenants."""
    return f"c{committee_id}"


def reference_or_text(kind: str, folded: str, committee_id, *, newest: int | None = None) -> Q:
    """Documents whose reference starts with `folded` ("09-kh" → "09-KH/ĐU") or whose text
    holds every word of it. On SQLite both halves are one UNION of index lookups (an OR of
    the two would make SQLite scan the whole table). With `newest`, only that many of the
    most recent text matches are taken: for a list ordered newest first and capped anyway,
    this keeps a very common word from costing a pass over the whole registry."""
    upper = folded + "\U0010ffff"
    words = tokens(folded)
    if uses_fts() and words:
        table, source = TABLES[kind], SOURCES[kind]
        match = f'tenant : "{tenant_token(committee_id)}" AND ({_match(words)})'
        text = f"SELECT rowid FROM {table} WHERE {table} MATCH %s"  # noqa: S608
        if newest:
            text = f"SELECT rowid FROM ({text} ORDER BY rowid DESC LIMIT {int(newest)})"  # noqa: S608
        return Q(
            pk__in=RawSQL(  # noqa: S611 (bound parameters; table names from TABLES)
                f"SELECT id FROM {source} WHERE reference_folded >= %s "  # noqa: S608
                f"AND reference_folded < %s UNION {text}",
                [folded, upper, match],
            )
        )
    reference = Q(reference_folded__gte=folded, reference_folded__lt=upper)
    text = condition(kind, folded, committee_id)
    return reference | text if text is not None else reference


def _match(words: list[str]) -> str:
    """Every word must be there; only the last one may be unfinished (search as you type),
    which keeps common short words from matching half the registry as prefixes."""
    quoted = [f'"{word}"' for word in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def condition(kind: str, query: str, committee_id, *, issuer_only: bool = False) -> Q | None:
    """A filter matching documents whose folded text (or issuer, with `issuer_only`) contains
    every word of `query`: as a word prefix on SQLite, as a substring on PostgreSQL.
    None when the query has no word."""
    words = tokens(query)
    if not words:
        return None
    if uses_fts():
        match = _match(words)
        if issuer_only:
            match = f"issuer : ({match})"
        match = f'tenant : "{tenant_token(committee_id)}" AND ({match})'
        return Q(
            pk__in=RawSQL(  # noqa: S611 (bound parameter; table name from TABLES)
                f"SELECT rowid FROM {TABLES[kind]} WHERE {TABLES[kind]} MATCH %s",  # noqa: S608
                [match],
            )
        )
    # PostgreSQL: the folded text holds the issuer too; the trigram index serves both.
    result = Q()
    for word in words:
        result &= Q(search_folded__contains=word)
    return result
