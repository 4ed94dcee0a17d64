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
   diacritics as typed, then text relevance, newest first on ties.

Relevance is one formula for both databases, computed on the ranked candidates only: the
query's words as a phrase in the title, then in the text, each word in the title, then in
the text, and a shorter title before a longer one. FTS5's bm25 was measured and left out:
it counts, for every query, the rows holding each word in the whole index (its IDF), which
cost 100–300 ms for a common word at 1,000,000 items whatever the cap; PostgreSQL's ts_rank
has no such global statistic either. Every hit holds every word anyway.

SQLite: an FTS5 table over `search_entry` (external content, kept in step by triggers),
with the committee, kind, year, unit and type as tokens of a `meta` column, so that the
full-text index itself narrows to the committee and the filters.

PostgreSQL: a generated `tsvector` column with a GIN index. Its lexemes are the folded
words as they are (no stemming, no stop words), each under its committee ("c12.hoach"), so
the index answers a committee's words from posting lists of that committee's rows only;
plus the `meta` filter tokens (search migrations 0004–0005). The texts a candidate is ranked
on are kept in the row, lz4-compressed (0006). Chosen over trigram indexes
because Vietnamese is written in short syllables: "ke", "so", "uy" have no trigram a GIN
index can use, a trigram LIKE also matches inside other words ("so" in "song"), and
similarity ranks long texts poorly. Word matching with a GIN index behaves like FTS5.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Q

from capuyso.search.index import kind_token
from capuyso.search.models import SearchEntry

# SAFETY: the statements are built from this module's constants and the WHERE clause Django's
# compiler makes of a Q; every value (query words, codes, filters) is a bound parameter.
FTS_TABLE = "search_entry_fts"
# Relevance weights: the words as a phrase in the title / the text, one word in the title /
# the text; a title of TITLE_LENGTH folded characters loses half of TITLE_BONUS.
PHRASE_IN_TITLE, PHRASE_IN_TEXT, WORD_IN_TITLE, WORD_IN_TEXT = 8.0, 3.0, 2.0, 0.5
TITLE_BONUS, TITLE_LENGTH = 1.0, 80.0
TOP = "\U0010ffff"


@dataclass
class Plan:
    committee_id: int
    kinds: list[str]
    where: Q  # on SearchEntry: the user's scope per kind and the filters (not the committee)
    words: list[str]  # folded query words
    exact: list[str] = field(default_factory=list)  # exact keys of words typed with marks
    reference: str = ""  # folded query, when it may be a reference
    year: int | None = None
    unit_ids: list[int] | None = None
    doc_type_id: int | None = None
    prefix_last: bool = False
    limit: int = 20
    offset: int = 0
    cap: int = 500


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
    try:
        sql, params = compiler.compile(query.where)
    except FullResultSet:  # no condition
        return "1=1", []
    except EmptyResultSet:  # a condition nothing meets
        return "1=0", []
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
        "CASE WHEN x.reference_folded = %s THEN 2 "
        "WHEN x.reference_folded >= %s AND x.reference_folded < %s THEN 1 ELSE 0 END",
        [plan.reference, plan.reference, plan.reference + TOP],
    )


def _has(column: str) -> str:
    """True when `column` holds the bound parameter."""
    if connection.vendor == "sqlite":
        return f"instr({column}, %s) > 0"
    return f"strpos({column}, %s) > 0"


def _exact_sql(plan: Plan) -> tuple[str, list]:
    """1 when the row holds every word typed with diacritics as typed (the first word
    missing ends the check: an AND, not a product)."""
    if not plan.exact:
        return "0", []
    every = " AND ".join(_has("x.exact") for _ in plan.exact)
    return f"CASE WHEN {every} THEN 1 ELSE 0 END", [f" {key} " for key in plan.exact]


def _relevance_sql(plan: Plan) -> tuple[str, list]:
    """The relevance formula (module docstring). A candidate holds each word in its title or
    its text, so a word missing from the title is in the text: the text — a page or more,
    where the title is a line — is searched only for the words the title holds, and for
    the phrase."""
    title = _has("x.title")
    text = _has("x.body")
    last = len(plan.words) - 1
    needles = [
        f" {word}" if plan.prefix_last and i == last else f" {word} "
        for i, word in enumerate(plan.words)
    ]
    parts: list[str] = []
    params: list = []
    if len(plan.words) > 1:
        phrase = " " + " ".join(plan.words) + ("" if plan.prefix_last else " ")
        parts += [
            f"CASE WHEN {title} THEN {PHRASE_IN_TITLE} ELSE 0 END",
            f"CASE WHEN {text} THEN {PHRASE_IN_TEXT} ELSE 0 END",
        ]
        params += [phrase, phrase]
    both, text_only = WORD_IN_TITLE + WORD_IN_TEXT, WORD_IN_TEXT
    for needle in needles:
        parts.append(
            f"CASE WHEN {title} THEN (CASE WHEN {text} THEN {both} ELSE {WORD_IN_TITLE} END) "
            f"ELSE {text_only} END"
        )
        params += [needle, needle]
    parts.append(f"{TITLE_BONUS} / (1 + x.title_length / {TITLE_LENGTH})")
    return " + ".join(parts), params


def _reference_branch(plan: Plan, where: str, where_params: list) -> tuple[str, list]:
    """Rows whose reference starts with the query (an index range on the reference)."""
    return (
        "SELECT search_entry.id AS id FROM search_entry "  # noqa: S608 (see SAFETY)
        "WHERE search_entry.committee_id = %s AND search_entry.reference_folded >= %s "
        f"AND search_entry.reference_folded < %s AND ({where})",
        [plan.committee_id, plan.reference, plan.reference + TOP, *where_params],
    )


def _page(
    plan: Plan, candidates: str, candidate_params: list, where: str, where_params: list
) -> tuple[str, list]:
    """The page of hits among the candidate ids, ranked."""
    if plan.reference:
        branch, branch_params = _reference_branch(plan, where, where_params)
        candidates = f"SELECT id FROM ({candidates}) AS text_hits UNION {branch}"  # noqa: S608
        candidate_params = [*candidate_params, *branch_params]
    reference, reference_params = _reference_sql(plan)
    exact, exact_params = _exact_sql(plan)
    relevance, relevance_params = _relevance_sql(plan)
    # Ranked on the index columns alone, then the page's rows fetched with what a hit
    # shows (its text for the snippet): not read for every candidate. The texts a
    # candidate is searched in are read once, in a subquery that is kept apart (LIMIT -1,
    # OFFSET 0): each mention of a column would otherwise read it again — on PostgreSQL,
    # fetch and decompress it again from its TOAST table.
    sqlite = connection.vendor == "sqlite"
    exact_text = ("e.exact" if sqlite else "(e.exact || '')") if plan.exact else "''"
    fence = "LIMIT -1" if sqlite else "OFFSET 0"
    texts = (
        "SELECT e.id AS id, ' ' || e.title_folded || ' ' AS title, "  # noqa: S608 (see SAFETY)
        "' ' || e.body_folded || ' ' AS body, "
        f"{exact_text} AS exact, e.reference_folded AS reference_folded, "
        "length(e.title_folded) AS title_length "
        f"FROM ({candidates}) c JOIN search_entry e ON e.id = c.id {fence}"
    )
    order = "reference_hit DESC, exact_hit DESC, relevance DESC"
    sql = (
        f"SELECT {COLUMNS}, r.relevance, r.reference_hit, r.exact_hit FROM ("  # noqa: S608 (see SAFETY)
        f"SELECT x.id AS id, {relevance} AS relevance, {reference} AS reference_hit, "
        f"{exact} AS exact_hit FROM ({texts}) x "
        f"ORDER BY {order}, x.id DESC LIMIT %s OFFSET %s) r "
        "JOIN search_entry e ON e.id = r.id LEFT JOIN org_unit u ON u.id = e.unit_id "
        f"ORDER BY r.{order.replace(', ', ', r.')}, e.id DESC"
    )
    params = [*relevance_params, *reference_params, *exact_params, *candidate_params]
    return sql, [*params, plan.limit, plan.offset]


# --- SQLite ---------------------------------------------------------------------------------


def fts_match(plan: Plan) -> str:
    """The FTS5 query: every word (in the title or the text: the filter tokens of `meta`
    start with "_", which no word holds, so no column filter is needed — one would make
    FTS5 decode every position list), and the filters the user chose as `meta` tokens (a
    year, a unit, a type, one kind: few rows, which the index intersects fast). The
    committee and the kinds the user may see are left to the WHERE clause: as tokens they
    would each be a list as long as the committee's index (one committee per SQLite
    installation), costing more to intersect than to check."""
    parts = [f'"{word}"' for word in plan.words]
    if plan.prefix_last:
        parts[-1] += "*"
    if len(plan.kinds) == 1:
        parts.append(f'"{kind_token(plan.kinds[0])}"')
    if plan.year:
        parts.append(f'"_y{int(plan.year)}"')
    if plan.unit_ids is not None:
        units = " OR ".join(f'"_u{int(pk)}"' for pk in plan.unit_ids) or '"_u0"'
        parts.append(f"({units})")
    if plan.doc_type_id:
        parts.append(f'"_t{int(plan.doc_type_id)}"')
    return " AND ".join(parts)


def _sqlite(plan: Plan) -> tuple[str, list]:
    where, where_params = where_sql(plan.where)
    candidates = (
        "SELECT * FROM ("  # noqa: S608 (see SAFETY)
        f"SELECT search_entry.id AS id "
        f"FROM {FTS_TABLE} JOIN search_entry ON search_entry.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s AND search_entry.committee_id = %s AND ({where}) "
        f"ORDER BY {FTS_TABLE}.rowid DESC LIMIT %s)"
    )
    params = [fts_match(plan), plan.committee_id, *where_params, plan.cap]
    return _page(plan, candidates, params, where, where_params)


# --- PostgreSQL -----------------------------------------------------------------------------


def committee_word(committee_id: int, word: str) -> str:
    """A folded word as the committee's lexeme in the tsvector (search migration 0005)."""
    return f"c{int(committee_id)}.{word}"


def tsquery(plan: Plan) -> str:
    """The words as the committee's lexemes, and the filters the user chose, as a tsquery
    literal. Cast (`%s::tsquery`), never parsed by `to_tsquery`, whose parser could split
    a lexeme; the words hold letters and digits only, so need no quoting."""
    terms = [f"'{committee_word(plan.committee_id, word)}'" for word in plan.words]
    if plan.prefix_last:
        terms[-1] += ":*"
    filters = meta_tsquery(plan)
    return " & ".join([*terms, filters] if filters else terms)


def meta_tsquery(plan: Plan) -> str:
    """The filters the user chose as the lexemes the tsvector holds as they are (migration
    0004): one kind, a year, units, a type. Empty when there are none. The committee needs
    none: the words are its own lexemes."""
    terms = []
    if len(plan.kinds) == 1:
        terms.append(f"'{kind_token(plan.kinds[0])}'")
    if plan.year:
        terms.append(f"'_y{int(plan.year)}'")
    if plan.unit_ids is not None:
        units = " | ".join(f"'_u{int(pk)}'" for pk in plan.unit_ids) or "'_u0'"
        terms.append(f"({units})")
    if plan.doc_type_id:
        terms.append(f"'_t{int(plan.doc_type_id)}'")
    return " & ".join(terms)


# The words are common when at least this share of the committee's newest PROBE_ROWS rows
# holds them all: the committee's newest rows are then read until the cap (cap / share rows,
# ~10 µs each) rather than every match fetched through the index (~3 µs each, plus ~5 ms):
# for a commune of 31,000 rows the two cost the same near a share of 0.2.
PROBE_ROWS = 200
COMMON_SHARE = 0.2


def _postgresql(plan: Plan) -> tuple[str, list]:
    """The candidates: the committee's rows whose tsvector holds the words, newest first.

    Two ways, the cheaper for the words, chosen inside the one statement:

    - rarer words: the GIN index answers the committee's own word lexemes (and the filters'
      lexemes), so it returns the committee's matches only, which are then fetched and the
      newest kept;
    - common words: the committee's newest rows are read through its (committee, id)
      index, each checked for the words, until the cap is reached. The check is written
      `ts_match_vq(tsv, query)` — `@@` without its operator — so that the planner cannot
      pick the GIN index instead ("dang" in a commune of 31,000 rows: all of them, against
      the 550 newest).

    Which: a probe counts the words among the committee's newest PROBE_ROWS rows (the rows
    the second way reads first, ~3 ms); each way is gated on its outcome (a one-time filter
    of PostgreSQL's, so the other way is never run). The planner's own statistics cannot
    tell: it takes the words of one phrase as independent, and its list of common words
    holds a few dozen per commune in a city of 32. With a filter chosen (a year, a unit, a
    type, one kind), its lexemes make the index selective: the index alone."""
    where, where_params = where_sql(plan.where)
    query = tsquery(plan)

    def branch(match: str, match_params: list, gate: str = "") -> tuple[str, list]:
        sql = (
            "SELECT search_entry.id AS id FROM search_entry "  # noqa: S608 (see SAFETY)
            f"WHERE {match} AND ({where}){gate} ORDER BY search_entry.id DESC LIMIT %s"
        )
        return sql, [*match_params, *where_params, plan.cap]

    indexed = "search_entry.tsv @@ %s::tsquery"
    if meta_tsquery(plan):
        candidates, params = branch(indexed, [query])
        return _page(plan, candidates, params, where, where_params)
    probe = (
        "WITH probe AS MATERIALIZED (SELECT count(*) >= %s AS common FROM ("
        "SELECT p.tsv FROM search_entry p WHERE p.committee_id = %s ORDER BY p.id DESC "
        "LIMIT %s) newest WHERE ts_match_vq(newest.tsv, %s::tsquery)) "
    )
    probe_params = [math.ceil(PROBE_ROWS * COMMON_SHARE), plan.committee_id, PROBE_ROWS, query]
    newest, newest_params = branch(
        "ts_match_vq(search_entry.tsv, %s::tsquery) AND search_entry.committee_id = %s",
        [query, plan.committee_id],
        " AND (SELECT common FROM probe)",
    )
    found, found_params = branch(indexed, [query], " AND NOT (SELECT common FROM probe)")
    candidates = f"{probe}SELECT id FROM (({newest}) UNION ALL ({found})) AS either"  # noqa: S608
    params = [*probe_params, *newest_params, *found_params]
    return _page(plan, candidates, params, where, where_params)
