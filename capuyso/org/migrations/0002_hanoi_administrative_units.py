"""Reference data: Hà Nội and its commune-level units after the 1 July 2025 reorganisation.

Source of the names: Nghị quyết 1656/NQ-UBTVQH15 on the rearrangement of Hà Nội's
commune-level units (126 units: 51 wards, 75 communes), written out from memory — check
them against the resolution before relying on them for anything official.

PLACEHOLDER CODES: "01" is Hà Nội's real province code. The five-digit commune codes
below are NOT the official codes of the national list (Quyết định về danh mục đơn vị
hành chính); they are invented in the unused 9xxxx range so they can never collide with a
real code, and must be replaced by the official ones (a later data migration that updates
`official_code` by name) once the list is available:
  - 90001…90051: the 51 wards (phường), in the order of NAMES_WARDS;
  - 90101…90175: the 75 communes (xã), in the order of NAMES_COMMUNES;
  - 99001…99004: four former communes merged into Xã Phú Cát (valid until 30 June 2025).

The data is written out here (not imported) so this migration keeps meaning what it
meant when it was written.
"""

import datetime as dt

from django.db import migrations

PROVINCE_CODE = "01"
PROVINCE_NAME = "Thành phố Hà Nội"
REORGANISED_ON = dt.date(2025, 7, 1)
ABOLISHED_ON = dt.date(2025, 6, 30)  # last day the former communes existed

NAMES_WARDS = [
    "Hoàn Kiếm", "Cửa Nam", "Ba Đình", "Ngọc Hà", "Giảng Võ", "Hai Bà Trưng", "Vĩnh Tuy",
    "Bạch Mai", "Đống Đa", "Kim Liên", "Văn Miếu - Quốc Tử Giám", "Láng", "Ô Chợ Dừa",
    "Hồng Hà", "Lĩnh Nam", "Hoàng Mai", "Vĩnh Hưng", "Tương Mai", "Định Công", "Hoàng Liệt",
    "Yên Sở", "Thanh Xuân", "Khương Đình", "Phương Liệt", "Cầu Giấy", "Nghĩa Đô", "Yên Hòa",
    "Tây Hồ", "Phú Thượng", "Tây Tựu", "Phú Diễn", "Xuân Đỉnh", "Đông Ngạc", "Thượng Cát",
    "Từ Liêm", "Xuân Phương", "Tây Mỗ", "Đại Mỗ", "Long Biên", "Bồ Đề", "Việt Hưng",
    "Phúc Lợi", "Hà Đông", "Dương Nội", "Yên Nghĩa", "Phú Lương", "Kiến Hưng", "Thanh Liệt",
    "Chương Mỹ", "Sơn Tây", "Tùng Thiện",
]  # fmt: skip

NAMES_COMMUNES = [
    "Thanh Trì", "Đại Thanh", "Nam Phù", "Ngọc Hồi", "Thượng Phúc", "Thường Tín",
    "Chương Dương", "Hồng Vân", "Phú Xuyên", "Phượng Dực", "Chuyên Mỹ", "Đại Xuyên",
    "Thanh Oai", "Bình Minh", "Tam Hưng", "Dân Hòa", "Vân Đình", "Ứng Thiên", "Hòa Xá",
    "Ứng Hòa", "Mỹ Đức", "Hồng Sơn", "Phúc Sơn", "Hương Sơn", "Phú Nghĩa", "Xuân Mai",
    "Trần Phú", "Hòa Phú", "Quảng Bị", "Minh Châu", "Quảng Oai", "Vật Lại", "Cổ Đô",
    "Bất Bạt", "Suối Hai", "Ba Vì", "Yên Bài", "Đoài Phương", "Phúc Thọ", "Phúc Lộc",
    "Hát Môn", "Thạch Thất", "Hạ Bằng", "Tây Phương", "Hòa Lạc", "Yên Xuân", "Quốc Oai",
    "Hưng Đạo", "Kiều Phú", "Phú Cát", "Hoài Đức", "Dương Hòa", "Sơn Đồng", "An Khánh",
    "Đan Phượng", "Ô Diên", "Liên Minh", "Gia Lâm", "Thuận An", "Bát Tràng", "Phù Đổng",
    "Thư Lâm", "Đông Anh", "Phúc Thịnh", "Thiên Lộc", "Vĩnh Thanh", "Mê Linh", "Yên Lãng",
    "Tiến Thắng", "Quang Minh", "Sóc Sơn", "Đa Phúc", "Nội Bài", "Trung Giã", "Kim Anh",
]  # fmt: skip

# The four communes merged into Xã Phú Cát on 1 July 2025 (the seed document).
FORMER_PHU_CAT = [
    ("99001", "Xã Hòa Thạch"),
    ("99002", "Xã Đông Yên"),
    ("99003", "Xã Phú Mãn"),
    ("99004", "Xã Phú Cát (cũ)"),
]


def _rows():
    """(official_code, name, valid_from, valid_until) of every commune-level unit."""
    for number, name in enumerate(NAMES_WARDS, start=1):
        yield f"{90000 + number}", f"Phường {name}", REORGANISED_ON, None
    for number, name in enumerate(NAMES_COMMUNES, start=1):
        yield f"{90100 + number}", f"Xã {name}", REORGANISED_ON, None
    for code, name in FORMER_PHU_CAT:
        yield code, name, None, ABOLISHED_ON


def create_units(apps, schema_editor):
    AdministrativeUnit = apps.get_model("org", "AdministrativeUnit")
    hanoi, _ = AdministrativeUnit.objects.update_or_create(
        official_code=PROVINCE_CODE,
        defaults={
            "name": PROVINCE_NAME,
            "level": "province",
            "parent": None,
            "valid_from": None,
            "valid_until": None,
        },
    )
    for code, name, valid_from, valid_until in _rows():
        AdministrativeUnit.objects.update_or_create(
            official_code=code,
            defaults={
                "name": name,
                "level": "commune",
                "parent": hanoi,
                "valid_from": valid_from,
                "valid_until": valid_until,
            },
        )


def remove_units(apps, schema_editor):
    AdministrativeUnit = apps.get_model("org", "AdministrativeUnit")
    AdministrativeUnit.objects.filter(official_code__in=[row[0] for row in _rows()]).delete()
    AdministrativeUnit.objects.filter(official_code=PROVINCE_CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]

    operations = [migrations.RunPython(create_units, remove_units)]
