"""PostgreSQL: the tsvector holds each folded word under its committee ("c12.ke", "c12.hoach")
instead of the bare word, and no positions (array_to_tsvector), plus the `meta` filter tokens
as before.

Why: every search is within one committee. With bare words, the GIN index intersected the
words' posting lists over the whole city with the committee's lexeme: in a city of 32
communes of a million pages, "cai cach hanh chinh" decoded about 650 index pages (27 ms)
to find a commune's 7,131 rows, since a commune's rows are spread over the whole table and
no page of the words' lists could be skipped. A committee's own words have posting lists of
the committee's rows only (1–3 ms). Positions were never used (no phrase search in the
index: phrases are checked on the ranked candidates), and without them the stored
tsvector is about half the size. It is kept in the row (storage MAIN, compressed) rather
than in the TOAST table: the newest-rows scan of common words reads it for every row, and
from the TOAST table that cost 9 buffers a row instead of one (a commune's 500 newest
matches of "cai cach hanh chinh": 7,212 buffers, 14–20 ms; in the row: 792, 5–7 ms).

The folded text is already split into words by single spaces (`search.text.folded_text`), so
the lexemes are its words as they are, exactly those of a query (`backends.tsquery`), where
the text parser could split a word otherwise.
"""

from django.db import migrations

OLD = (
    "setweight(to_tsvector('simple'::regconfig, title_folded), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_folded), 'B') || "
    "array_to_tsvector(string_to_array(meta, ' '))"
)
# The committee's prefix before the first word and after every space: the folded text is its
# words joined by single spaces, so a string replace does it (cheaper than a regular
# expression over a million pages).
_PREFIX = "'c' || committee_id::text || '.'"
_WORDS = (
    f"{_PREFIX} || replace(NULLIF(btrim(title_folded || ' ' || body_folded), ''), ' ', "
    f"' ' || {_PREFIX})"
)
NEW = (
    f"COALESCE(array_to_tsvector(string_to_array({_WORDS}, ' ')), ''::tsvector) || "
    "array_to_tsvector(string_to_array(meta, ' '))"
)


def _column(expression: str, storage: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS search_entry_tsv",
        "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv",
        # One statement, so that the rows are written once, with the storage chosen.
        f"ALTER TABLE search_entry ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({expression}) "
        f"STORED, ALTER COLUMN tsv SET STORAGE {storage}",
        # Memory for the index build (the default 64 MB makes a city's index slowly).
        "SET LOCAL maintenance_work_mem = '256MB'",
        "CREATE INDEX search_entry_tsv ON search_entry USING gin (tsv)",
        "ANALYZE search_entry",
    ]


def _run(schema_editor, statements: list[str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, _column(NEW, "MAIN"))


def backward(apps, schema_editor):
    _run(schema_editor, _column(OLD, "EXTENDED"))


class Migration(migrations.Migration):
    dependencies = [("search", "0004_committee_words_index")]

    operations = [migrations.RunPython(forward, backward)]
