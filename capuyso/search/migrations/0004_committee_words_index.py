"""PostgreSQL: the filter tokens of `meta` ("_c12 _kdossier _y2024 …") go into the tsvector
too, as lexemes taken as they are (array_to_tsvector: the text parser would drop the "_"),
so a query asks the GIN index for its words *and* its committee at once.

Why: the planner estimates a query's words as independent, so "kiem & tra & giam & sat"
looked like 19 rows of 250,000 where 16,000 held them. It then fetched all 16,000 from the
table and only afterwards kept the committee's 500 (174 ms among a city's 32 communes);
a composite index (committee_id, tsv) was not used for the same reason. A lexeme of the
tsquery cannot be left out: the index scan returns the committee's rows only.
"""

from django.db import migrations

TSV = (
    "setweight(to_tsvector('simple'::regconfig, title_folded), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body_folded), 'B')"
)
WITH_META = f"{TSV} || array_to_tsvector(string_to_array(meta, ' '))"


def _column(expression: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS search_entry_tsv",
        "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv",
        f"ALTER TABLE search_entry ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({expression}) "
        "STORED",
        "CREATE INDEX search_entry_tsv ON search_entry USING gin (tsv)",
        # The planner chooses between the index and a newest-first scan from the lexemes'
        # frequencies: without them it guesses a common word is rare.
        "ANALYZE search_entry",
    ]


def _run(schema_editor, statements: list[str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, _column(WITH_META))


def backward(apps, schema_editor):
    _run(schema_editor, _column(TSV))


class Migration(migrations.Migration):
    dependencies = [("search", "0003_meta_tokens_apart")]

    operations = [migrations.RunPython(forward, backward)]
