"""The platform's vote thresholds (Điều lệ Đảng; Quy định 294-QĐ/TW 2025), as data with an
effective date that administrators can override."""

import datetime as dt

from django.db import migrations

BASIS = "Điều lệ Đảng; Quy định 294-QĐ/TW 2025"
RULES = [
    # code, label, numerator, denominator, strict, base
    ("quorum", "Hội nghị hợp lệ (số có mặt)", 2, 3, False, "full_members"),
    ("resolution", "Thông qua nghị quyết", 1, 2, True, "full_members"),
    ("admission", "Kết nạp đảng viên", 2, 3, False, "full_members"),
    ("recognition", "Công nhận đảng viên chính thức", 2, 3, False, "full_members"),
    ("discipline", "Kỷ luật đảng viên", 1, 2, True, "full_members"),
    ("personnel", "Giới thiệu nhân sự", 1, 2, True, "present"),
    ("election", "Bầu cử (trúng cử)", 1, 2, True, "valid_ballots"),
]


def seed(apps, schema_editor):
    VoteRule = apps.get_model("meetings", "VoteRule")
    for code, label, num, den, strict, base in RULES:
        VoteRule.objects.get_or_create(
            committee=None,
            code=code,
            effective_from=dt.date(1930, 2, 3),
            defaults={
                "label": label,
                "numerator": num,
                "denominator": den,
                "strict": strict,
                "base": base,
                "legal_basis": BASIS,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("meetings", "VoteRule").objects.filter(committee=None).delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_meetings_calendar_agenda_attendance_minutes_votes")]

    operations = [migrations.RunPython(seed, unseed)]
