"""Name search at city scale: a trigram GIN index on the folded name (PostgreSQL only; on
SQLite a commune's few thousand members are scanned fast enough)."""

from django.db import migrations


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS members_member_name_trgm "
            "ON members_member USING gin (full_name_folded gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS members_member_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("members", "0003_default_membership_rules")]

    operations = [migrations.RunPython(create, drop)]
