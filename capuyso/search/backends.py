"""The two search backends behind one plan: SQLite FTS5 and PostgreSQL full-text search.

Both match the same folded words (Python-side `core.text.fold`, so the two databases agree
on what "dang uy" finds) and answer a page of hits in **one SQL statement**:

1. candidates: the index rows whose folded title or text holds every word of the query (the
   last one also as a prefix), within the committee, the kinds the user may see and the
   filters, and for which the owning app's selector says the user may see the object (an
   EXISTS per kind, so a hit is never shown that the app's own pages would refuse, and an
   object deleted since it was indexed is never shown). Only the newest `cap` candidates
   are ranked: a word found in half the archive is ranked among its newest matches instead
   of costing a pass over all of them;
2. plus the rows whose reference starts with the query ("09-KH/ĐU", "123-CV/TU"), whatever
   the cap;
3. ordered by: exact reference first, then the hits holding the query's words with the
   diacritics as typed, then text relevance (FTS5 bm25 / PostgreSQL ts_rank, title words
   weighing more than body words), newest first on ties.

SQLite: an FTS5 table over `search_entry` (external content, kept in step by triggers),
with the committee, kind, year, unit and type as tokens of a `meta` column, so that the
full-text index itself narrows to the committee and the filters.

PostgreSQL: a generated `tsvector` column (config `simple`: no stemming, no stop words —
the folded words are indexed as they are) with a GIN index. Chosen over trigram indexes
because Vietnamese is written in short syllables: "ke", "so", "uy" have no trigram a GIN
index can use, a trigram LIKE also matches inside other words ("so" in "song"), and
similarity ranks long texts poorly. Word matching with ts_rank behaves like FTS5 on SQLite.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from capuyso.search.index import kind_token
from capuyso.search.models import SearchEntry

# SAFETY: the statements are built from this module's constants and the WHERE clause Django's
# compiler makes of a Q; every value (query words, codes, filters) is a bound parameter.
FTS_TABLE = "search_entry_fts"
# bm25 weights of the FTS5 columns (meta, title_folded, body_folded).
BM25_WEIGHTS = (0.0, 10.0, 1.0)
TOP = "\U0010ffff"


@dataclass
class Plan:
    committee_id: int
    kinds: list[str]
    where: Q  # on SearchEntry: the committee, the user's scope per kind, the filters
    words: list[str]  # folded query words
    exact: list[str] = field(default_factory=list)  # exact keys of words typed with marks
    reference: str = ""  # folded query, when it may be a reference
    year: int | None = None
    unit_ids: list[int] | None = None
    doc_type_id: int | None = None
    prefix_last: bool = True
    limit: int = 20
    offset: int = 0
    cap: int = 1000


@dataclass
class Row:
    id: int
    kind: str
    code: str
    title: str
    reference: str
    body: str
    date: dt.date | None
    year: int | None
    type_label: str
    source_name: str
    unit_name: str
    unit_path: str | None
    relevance: float
    reference_hit: int
    exact_hit: bool


COLUMNS = (
    "e.id, e.kind, e.code, e.title, e.reference, e.body, e.date, e.year, e.type_label, "
    "e.source_name, u.name, u.path"
)


def where_sql(where: Q) -> tuple[str, list]:
    """The WHERE clause of `SearchEntry.objects.filter(where)`, its columns qualified with
    the table name "search_entry", for the raw statements below."""
    query = SearchEntry.objects.filter(where).query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.compile(query.where)
    return sql or "1=1", list(params)


def run(plan: Plan) -> list[Row]:
    if not plan.words or not plan.kinds:
        return []
    if connection.vendor == "sqlite":
        sql, params = _sqlite(plan)
    elif connection.vendor == "postgresql":
        sql, params = _postgresql(plan)
    else:  # pragma: no cover
        raise NotImplementedError(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_row(values) for values in rows]


def _row(values) -> Row:
    (pk, kind, code, title, reference, body, date, year, type_label, source_name) = values[:10]
    unit_name, unit_path, relevance, reference_hit, exact_hit = values[10:]
    if isinstance(date, str):  # SQLite returns dates as text from a raw statement
        date = dt.date.fromisoformat(date)
    return Row(
        id=pk,
        kind=kind,
        code=str(code if isinstance(code, uuid.UUID) else uuid.UUID(str(code))),
        title=title,
        reference=reference,
        body=body,
        date=date,
        year=year,
        type_label=type_label,
        source_name=source_name,
        unit_name=unit_name or "",
        unit_path=unit_path,
        relevance=float(relevance or 0.0),
        reference_hit=int(reference_hit or 0),
        exact_hit=bool(exact_hit),
    )


def _reference_sql(plan: Plan) -> tuple[str, list]:
    if not plan.reference:
        return "0", []
    return (
        "CASE WHEN e.reference_folded = %s THEN 2 "
        "WHEN e.reference_folded >= %s AND e.reference_folded < %s THEN 1 ELSE 0 END",
        [plan.reference, plan.reference, plan.reference + TOP],
    )


def _exact_sql(plan: Plan, function: str) -> tuple[str, list]:
    if not plan.exact:
        return "0", []
    parts = [f"{function}(e.exact, %s) > 0" for _ in plan.exact]
    return "(" + " AND ".join(parts) + ")", [f" {key} " for key in plan.exact]


def _reference_branch(plan: Plan, where: str, where_params: list) -> tuple[str, list]:
    """Rows whose reference starts with the query (an index range on the reference)."""
    return (
        "SELECT search_entry.id AS id FROM search_entry "  # noqa: S608 (see SAFETY)
        "WHERE search_entry.committee_id = %s AND search_entry.reference_folded >= %s "
        f"AND search_entry.reference_folded < %s AND ({where})",
        [plan.committee_id, plan.reference, plan.reference + TOP, *where_params],
    )


# --- SQLite ---------------------------------------------------------------------------------


def fts_match(plan: Plan) -> str:
    """The FTS5 query: every word in the title or text, and the filters the user chose as
    tokens of `meta` (a year, a unit, a type, one kind: few rows, which the full-text index
    intersects fast). The committee and the kinds the user may see are left to the WHERE
    clause: as tokens they would each be a list as long as the committee's index (one
    committee per SQLite installation), costing more to intersect than to check."""
    parts = []
    if len(plan.kinds) == 1:
        parts.append(f'meta : "{kind_token(plan.kinds[0])}"')
    if plan.year:
        parts.append(f'meta : "y{int(plan.year)}"')
    if plan.unit_ids is not None:
        units = " OR ".join(f'"u{int(pk)}"' for pk in plan.unit_ids) or '"u0"'
        parts.append(f"meta : ({units})")
    if plan.doc_type_id:
        parts.append(f'meta : "t{int(plan.doc_type_id)}"')
    phrases = [f'"{word}"' for word in plan.words]
    if plan.prefix_last:
        phrases[-1] += "*"
    parts.append("{title_folded body_folded} : (" + " ".join(phrases) + ")")
    return " AND ".join(parts)


def _sqlite(plan: Plan) -> tuple[str, list]:
    where, where_params = where_sql(plan.where)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    text = (
        "SELECT * FROM ("  # noqa: S608 (see SAFETY)
        f"SELECT search_entry.id AS id, bm25({FTS_TABLE}, {weights}) AS rank "
        f"FROM {FTS_TABLE} JOIN search_entry ON search_entry.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND ({where}) "
        f"ORDER BY {FTS_TABLE}.rowid DESC LIMIT %s)"
    )
    params: list = [fts_match(plan), *where_params, plan.cap]
    if plan.reference:
        branch, branch_params = _reference_branch(plan, where, where_params)
        text = (
            f"SELECT id, MIN(rank) AS rank FROM ({text} UNION ALL "  # noqa: S608 (see SAFETY)
            f"SELECT id, 0.0 AS rank FROM ({branch})) GROUP BY id"
        )
        params += branch_params
    reference, reference_params = _reference_sql(plan)
    exact, exact_params = _exact_sql(plan, "instr")
    sql = (
        f"SELECT {COLUMNS}, -c.rank AS relevance, {reference} AS reference_hit, "  # noqa: S608 (see SAFETY)
        f"{exact} AS exact_hit "
        f"FROM ({text}) c JOIN search_entry e ON e.id = c.id "
        "LEFT JOIN org_unit u ON u.id = e.unit_id "
        "ORDER BY reference_hit DESC, exact_hit DESC, c.rank ASC, e.id DESC "
        "LIMIT %s OFFSET %s"
    )
    return sql, [*reference_params, *exact_params, *params, plan.limit, plan.offset]


# --- PostgreSQL -----------------------------------------------------------------------------


def tsquery(plan: Plan) -> str:
    terms = [f"'{word}'" for word in plan.words]
    if plan.prefix_last:
        terms[-1] += ":*"
    return " & ".join(terms)


def _postgresql(plan: Plan) -> tuple[str, list]:
    where, where_params = where_sql(plan.where)
    text = (
        "SELECT id FROM (SELECT search_entry.id AS id FROM search_entry "  # noqa: S608 (see SAFETY)
        "WHERE search_entry.tsv @@ to_tsquery('simple', %s) "
        f"AND search_entry.committee_id = %s AND ({where}) "
        "ORDER BY search_entry.id DESC LIMIT %s) AS text_hits"
    )
    params: list = [tsquery(plan), plan.committee_id, *where_params, plan.cap]
    if plan.reference:
        branch, branch_params = _reference_branch(plan, where, where_params)
        text = f"{text} UNION {branch}"
        params += branch_params
    reference, reference_params = _reference_sql(plan)
    exact, exact_params = _exact_sql(plan, "strpos")
    sql = (
        f"SELECT {COLUMNS}, ts_rank(e.tsv, to_tsquery('simple', %s)) AS relevance, "  # noqa: S608 (see SAFETY)
        f"{reference} AS reference_hit, {exact} AS exact_hit "
        f"FROM ({text}) c JOIN search_entry e ON e.id = c.id "
        "LEFT JOIN org_unit u ON u.id = e.unit_id "
        "ORDER BY reference_hit DESC, exact_hit DESC, relevance DESC, e.id DESC "
        "LIMIT %s OFFSET %s"
    )
    return sql, [
        tsquery(plan),
        *reference_params,
        *exact_params,
        *params,
        plan.limit,
        plan.offset,
    ]
