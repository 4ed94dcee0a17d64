"""The platform-wide membership rules (Điều lệ Đảng; Quy định 294-QĐ/TW 2025; Hướng dẫn
06-HD/TW 2025), editable afterwards by administrators as rows with an effective date."""

import datetime as dt

from django.db import migrations

DEFAULTS = {
    "probation_months": 12,
    "recognition_working_days": 30,
    "recognition_notice_days": 30,
    "transfer_working_days": 60,
    "badge_milestones": [30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90],
    "badge_award_days": ["03/02", "19/05", "02/09", "07/11"],
    "early_award_split_years": 65,
    "early_award_months_lower": 12,
    "early_award_months_upper": 24,
    "posthumous_early_months": 12,
    "legal_basis": "Điều lệ Đảng; Quy định 294-QĐ/TW 2025; Hướng dẫn 06-HD/TW 2025",
}


def seed(apps, schema_editor):
    MembershipRules = apps.get_model("members", "MembershipRules")
    if not MembershipRules.objects.filter(committee__isnull=True).exists():
        MembershipRules.objects.create(effective_from=dt.date(1930, 2, 3), **DEFAULTS)


def unseed(apps, schema_editor):
    MembershipRules = apps.get_model("members", "MembershipRules")
    MembershipRules.objects.filter(
        committee__isnull=True, effective_from=dt.date(1930, 2, 3)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("members", "0002_member_file_history_and_life_cycle")]

    operations = [migrations.RunPython(seed, unseed)]
