"""Search indexes over the folded text: FTS5 tables on SQLite, trigram GIN on PostgreSQL."""

from django.db import migrations

TABLES = {
    "documents_incoming_fts": "documents_incomingdocument",
    "documents_outgoing_fts": "documents_outgoingdocument",
}


def create(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in TABLES:
                cursor.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} "
                    "USING fts5(body, issuer, tenant, tokenize='unicode61')"
                )
            # Existing rows (none on a new install) are indexed by `rebuild`.
            from capuyso.documents.search import rebuild

            rebuild("incoming")
            rebuild("outgoing")
        elif connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for source in TABLES.values():
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {source}_search_trgm "
                    f"ON {source} USING gin (search_folded gin_trgm_ops)"
                )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
        elif connection.vendor == "postgresql":
            for source in TABLES.values():
                cursor.execute(f"DROP INDEX IF EXISTS {source}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_default_types_for_existing_committees")]

    operations = [migrations.RunPython(create, drop)]
