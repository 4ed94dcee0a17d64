"""PostgreSQL: the texts a candidate is ranked on (its folded text and its exact words) are
kept in the row (storage MAIN) instead of the TOAST table, and they and the tsvector are
compressed with lz4 instead of pglz (where the server has lz4). On SQLite this does
nothing.

Why: a query ranks up to 500 candidates (`backends._page`), reading each one's folded text,
and its exact words when it was typed with diacritics. From the TOAST table each read is an
index lookup and a chunk page, then a pglz decompression; in the row it is the page the
candidate's row is read from anyway, and lz4 decompresses several times faster. Measured on
one commune's rows copied into both layouts: ranking 500 candidates, median 10.5 → 6.1 ms.
The original text (`body`) stays in the TOAST table: only the page of hits reads it.

The stored values keep the storage and compression they were written with, so the table is
rewritten once, in one statement as in migration 0005: the texts are given new values
(`|| ''`) and the generated tsvector, dropped for it, is added again and computed anew. On
the bench's million pages this took 514 s (0005: 792 s), during which search and every save
that indexes wait: run it at a quiet hour with the site stopped (README, PostgreSQL).
"""

import importlib

from django.db import migrations

# The tsvector's expression, as migration 0005 made it.
TSV = importlib.import_module("capuyso.search.migrations.0005_committee_words").NEW


def _statements(*, storage: str, compression: str, rewrite: str) -> list[str]:
    texts = ", ".join(
        f"ALTER COLUMN {column} SET STORAGE {storage}, "
        f"ALTER COLUMN {column} SET COMPRESSION {compression}, "
        f"ALTER COLUMN {column} TYPE text USING {column}{rewrite}"
        for column in ("body_folded", "exact")
    )
    return [
        "DROP INDEX IF EXISTS search_entry_tsv",
        # The generated column goes first: a column it is computed from cannot change type.
        "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv",
        f"ALTER TABLE search_entry {texts}, "
        f"ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({TSV}) STORED, "
        f"ALTER COLUMN tsv SET STORAGE MAIN, ALTER COLUMN tsv SET COMPRESSION {compression}",
        # Memory for the index build (the default 64 MB makes a city's index slowly).
        "SET LOCAL maintenance_work_mem = '256MB'",
        "CREATE INDEX search_entry_tsv ON search_entry USING gin (tsv)",
        "ANALYZE search_entry",
    ]


def _run(schema_editor, statements) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in statements(cursor):
            cursor.execute(statement)


def _lz4(cursor) -> str:
    """lz4 where the server was built with it (Debian's and most are), pglz otherwise."""
    cursor.execute(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    row = cursor.fetchone()
    return "lz4" if row and row[0] else "pglz"


def forward(apps, schema_editor):
    _run(
        schema_editor,
        lambda cursor: _statements(storage="MAIN", compression=_lz4(cursor), rewrite=" || ''"),
    )


def backward(apps, schema_editor):
    _run(
        schema_editor,
        lambda cursor: _statements(storage="EXTENDED", compression="pglz", rewrite=" || ''"),
    )


class Migration(migrations.Migration):
    dependencies = [("search", "0005_committee_words")]

    operations = [migrations.RunPython(forward, backward)]
