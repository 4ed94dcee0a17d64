"""Platform-wide fee settings, groups, rates and retention shares from Quy định 01-QĐ/TW
(03/02/2026). Every value is data: committees add their own rows from a later date, and the
administrator edits them in the app. Groups whose rate the regulation leaves to each place
(farmers, members without income, members abroad) are created without a rate."""

import datetime as dt

from django.db import migrations

START = dt.date(2026, 2, 3)
BASIS = "Quy định 01-QĐ/TW ngày 03/02/2026"
GROUPS = [
    # slug, name, basis kind, rate in basis points, fixed amount
    ("salaried", "Hưởng lương, đóng bảo hiểm xã hội bắt buộc", "salary", 100, None),
    ("leave", "Nghỉ ốm, thai sản hưởng trợ cấp", "allowance", 100, None),
    ("retired", "Nghỉ hưu hưởng lương hưu", "pension", 50, None),
    ("student", "Học sinh, sinh viên", "fixed", None, 5000),
    ("farmer", "Nông dân, lao động tự do", "fixed", None, None),
    ("no_income", "Không có thu nhập thường xuyên", "fixed", None, None),
    ("overseas", "Đang ở nước ngoài", "fixed", None, None),
]


def seed(apps, schema_editor):
    FeeSettings = apps.get_model("fees", "FeeSettings")
    FeeGroup = apps.get_model("fees", "FeeGroup")
    FeeRule = apps.get_model("fees", "FeeRule")
    RetentionRule = apps.get_model("fees", "RetentionRule")
    FeeSettings.objects.get_or_create(
        committee=None,
        effective_from=START,
        defaults={"reduction_percents": [30, 50, 70], "legal_basis": BASIS},
    )
    for order, (slug, name, kind, rate_bp, fixed) in enumerate(GROUPS):
        group, _ = FeeGroup.objects.get_or_create(
            committee=None,
            slug=slug,
            defaults={"name": name, "basis_kind": kind, "sort_order": order * 10},
        )
        if rate_bp is not None or fixed is not None:
            FeeRule.objects.get_or_create(
                committee=None,
                group=group,
                effective_from=START,
                defaults={"rate_bp": rate_bp, "fixed_amount": fixed, "legal_basis": BASIS},
            )
    RetentionRule.objects.get_or_create(
        committee=None,
        effective_from=START,
        defaults={
            "cell_keeps_bp": 3000,
            "committee_keeps_bp": 9000,
            "legal_basis": "Quy định 342-QĐ/TW (tỷ lệ cũ, cần xác nhận)",
        },
    )


def unseed(apps, schema_editor):
    for name in ("FeeRule", "RetentionRule", "FeeSettings"):
        apps.get_model("fees", name).objects.filter(committee=None).delete()
    apps.get_model("fees", "FeeGroup").objects.filter(committee=None).delete()


class Migration(migrations.Migration):
    dependencies = [("fees", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
