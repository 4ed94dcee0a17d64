"""Full-text structures over search_entry.

SQLite: an FTS5 table with search_entry as its external content (the folded text is stored
once), kept in step by triggers on every insert, update and delete.

PostgreSQL: a generated tsvector column over the folded title (weight A) and text (weight B),
config `simple` (no stemming or stop words: the words are already folded in Python), with a
GIN index.

Beware: on SQLite, Django alters a table by rebuilding it, which drops its triggers. A later
migration that alters search_entry must create the three triggers again (the statements
are here) and rebuild the FTS table ('rebuild').
"""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_entry_fts USING fts5("
    "meta, title_folded, body_folded, content='search_entry', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS search_entry_fts_insert AFTER INSERT ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(rowid, meta, title_folded, body_folded) "
    "VALUES (new.id, new.meta, new.title_folded, new.body_folded); END",
    "CREATE TRIGGER IF NOT EXISTS search_entry_fts_delete AFTER DELETE ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, meta, title_folded, body_folded) "
    "VALUES ('delete', old.id, old.meta, old.title_folded, old.body_folded); END",
    "CREATE TRIGGER IF NOT EXISTS search_entry_fts_update "
    "AFTER UPDATE OF meta, title_folded, body_folded ON search_entry BEGIN "
    "INSERT INTO search_entry_fts(search_entry_fts, rowid, meta, title_folded, body_folded) "
    "VALUES ('delete', old.id, old.meta, old.title_folded, old.body_folded); "
    "INSERT INTO search_entry_fts(rowid, meta, title_folded, body_folded) "
    "VALUES (new.id, new.meta, new.title_folded, new.body_folded); END",
    "INSERT INTO search_entry_fts(search_entry_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TABLE IF EXISTS search_entry_fts",
]
POSTGRESQL = [
    "ALTER TABLE search_entry ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_folded), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_folded), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS search_entry_tsv ON search_entry USING gin (tsv)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS search_entry_tsv",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv",
]


def _run(schema_editor, statements: dict) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)


def create(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE, "postgresql": POSTGRESQL})


def drop(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP})


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_entry")]

    operations = [migrations.RunPython(create, drop)]
