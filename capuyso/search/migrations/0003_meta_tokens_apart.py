"""The filter tokens of `meta` start with "_" ("_c1 _kdossier _y2024"), and on SQLite the FTS5
tokenizer keeps "_" inside a token. The folded words never hold "_" (the search splits on
it), so a query's words can never match a filter token: the match needs no column filter,
which made FTS5 decode every position list of the words (a third of a query's time at
1,000,000 items).

SQLite: the FTS5 table is created again with the new tokenizer, its triggers too, and
rebuilt from search_entry.
"""

from django.db import migrations

META_PREFIXED = "UPDATE search_entry SET meta = '_' || replace(meta, ' ', ' _') WHERE meta <> ''"
META_PLAIN = "UPDATE search_entry SET meta = replace(substr(meta, 2), ' _', ' ') WHERE meta <> ''"

TRIGGERS = [
    "CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(rowid, meta, title_folded, body_folded) "
    "VALUES (new.id, new.meta, new.title_folded, new.body_folded); END",
    "CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, meta, title_folded, body_folded) "
    "VALUES ('delete', old.id, old.meta, old.title_folded, old.body_folded); END",
    "CREATE TRIGGER search_entry_fts_update "
    "AFTER UPDATE OF meta, title_folded, body_folded ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, meta, title_folded, body_folded) "
    "VALUES ('delete', old.id, old.meta, old.title_folded, old.body_folded); "
    "INSERT INTO search_entry_fts(rowid, meta, title_folded, body_folded) "
    "VALUES (new.id, new.meta, new.title_folded, new.body_folded); END",
]
DROP = [
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TABLE IF EXISTS search_entry_fts",
]


def _fts(tokenize: str) -> list[str]:
    return [
        "CREATE VIRTUAL TABLE search_entry_fts USING fts5("
        "meta, title_folded, body_folded, content='search_entry', content_rowid='id', "
        f"tokenize=\"{tokenize}\")",
        *TRIGGERS,
        "INSERT INTO search_entry_fts(search_entry_fts) VALUES ('rebuild')",
    ]


def _run(schema_editor, meta: str, tokenize: str) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in DROP:
                cursor.execute(statement)
            cursor.execute(meta)
            for statement in _fts(tokenize):
                cursor.execute(statement)
        else:
            cursor.execute(meta)


def forward(apps, schema_editor):
    _run(schema_editor, META_PREFIXED, "unicode61 remove_diacritics 0 tokenchars '_'")


def backward(apps, schema_editor):
    _run(schema_editor, META_PLAIN, "unicode61 remove_diacritics 0")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_full_text_indexes")]

    operations = [migrations.RunPython(forward, backward)]
