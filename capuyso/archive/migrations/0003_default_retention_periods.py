"""The default list of retention periods every committee sees (editable by the administrator:
a committee adds its own rows, retires a default by adding its own list)."""

from django.db import migrations

DEFAULTS = [
    ("Vĩnh viễn", None, 10),
    ("70 năm", 70, 20),
    ("50 năm", 50, 30),
    ("20 năm", 20, 40),
    ("10 năm", 10, 50),
    ("5 năm", 5, 60),
]


def add_defaults(apps, schema_editor):
    RetentionPeriod = apps.get_model("archive", "RetentionPeriod")
    for name, years, order in DEFAULTS:
        RetentionPeriod.objects.get_or_create(
            committee=None, name=name, defaults={"years": years, "sort_order": order}
        )


def remove_defaults(apps, schema_editor):
    RetentionPeriod = apps.get_model("archive", "RetentionPeriod")
    RetentionPeriod.objects.filter(
        committee=None, name__in=[name for name, _y, _o in DEFAULTS], dossiers__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("archive", "0002_items_retention_disposal")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
