"""Give committees created before the documents module the default document types.

New committees get them from committee_create; the list is written out here so this
migration keeps meaning what it meant when it was written.
"""

from django.db import migrations

TYPES = [
    ("NQ", "Nghị quyết", True, False),
    ("QĐ", "Quyết định", True, False),
    ("CT", "Chỉ thị", False, False),
    ("KL", "Kết luận", False, False),
    ("QC", "Quy chế", False, False),
    ("QĐi", "Quy định", False, False),
    ("TT", "Thông tri", False, False),
    ("HD", "Hướng dẫn", False, False),
    ("TB", "Thông báo", False, False),
    ("BC", "Báo cáo", True, False),
    ("KH", "Kế hoạch", True, False),
    ("CTr", "Chương trình", True, False),
    ("CV", "Công văn", True, True),
    ("BB", "Biên bản", True, False),
    ("TTr", "Tờ trình", True, False),
    ("ĐA", "Đề án", True, False),
]


def seed(apps, schema_editor):
    Committee = apps.get_model("org", "Committee")
    DocumentType = apps.get_model("documents", "DocumentType")
    for committee in Committee.objects.filter(level="commune"):
        if DocumentType.objects.filter(committee=committee).exists():
            continue
        DocumentType.objects.bulk_create(
            DocumentType(
                committee=committee,
                abbreviation=abbr,
                name=name,
                cells_may_issue=cells,
                is_official_letter=letter,
                sort_order=order,
            )
            for order, (abbr, name, cells, letter) in enumerate(TYPES, start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial"), ("org", "0002_hanoi_administrative_units")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
