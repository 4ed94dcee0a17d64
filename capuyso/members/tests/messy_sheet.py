"""The messy members workbook of the import tests, and the wrong files.

`messy_workbook()` is the kind of file a commune actually keeps, with every kind of mess
the import must cope with; `MESSY_EXPECTED` is the exact report it gives on the test cast
after `seed_existing(cast)`. Each row of the workbook says in a comment what it tests.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import unicodedata
import zipfile

import openpyxl
from openpyxl.utils.datetime import from_excel

from capuyso.core.testing import make_member
from capuyso.members.models import DatePrecision, Member

MAIN = "DS đảng viên"
EXEMPT = "Miễn sinh hoạt"
NOTES = "Ghi chú"

HEADERS = [
    "STT",
    "HO TEN",  # capitals, no diacritics
    "Ngày sinh",  # over two sub-columns, Nam | Nữ: the date goes under the member's sex
    None,
    "Chi bộ",
    "Số thẻ đảng",
    "CCCD",
    "SĐT",
    "Ngay vao Dang",  # no diacritics
    "Ngày chính thức",
    "Quê quán",
    "Nơi ở hiện nay",
    "Dân tộc",
    "Tôn giáo",
    "Văn hóa",
    "Chuyên môn",
    "Lý luận chính trị",
    "Nghề nghiệp",
    "Trạng thái",
    "Ghi chú",
    "Ảnh 3x4",  # not a member field: ignored and listed
]
COLUMNS = {h: i + 1 for i, h in enumerate(HEADERS) if h}
CELL = "Chi bộ thôn Đồng Cát"
SCHOOL = "Chi bộ Trường Tiểu học Phú Cát"


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _year_typed_into_date_cell(year: int) -> dt.datetime:
    return from_excel(year)  # 1972 shows in Excel as 24/06/1905


def seed_existing(cast) -> dict[str, Member]:
    """The members already on file that the workbook meets."""
    return {
        "cuc": make_member(
            cast.committee,
            cast.cell,
            "Lê Thị Cúc",
            sex=Member.Sex.FEMALE,
            date_of_birth=dt.date(1970, 7, 5),
            card_number="52000020",
            phone="0911111111",
            admission_date=dt.date(1995, 5, 19),
            full_membership_date=dt.date(1996, 5, 19),
        ),
        "dung": make_member(
            cast.committee,
            cast.cell,
            "Phạm Văn Dũng",
            date_of_birth=dt.date(1968, 11, 9),
            card_number="52000030",
            admission_date=dt.date(1990, 2, 3),
            full_membership_date=dt.date(1991, 2, 3),
            ethnicity="Kinh",
        ),
        "bao": make_member(
            cast.committee,
            cast.cell,
            "Trần Văn Bảo",
            date_of_birth=dt.date(1965, 4, 12),
            card_number="52000010",
        ),
    }


# One dict per data row of the main sheet, from Excel row 7 on; None is a blank row.
MAIN_ROWS: list[dict | None] = [
    # 7: created. Excel dates, the date of birth under "Nam", text card and ID, a phone with
    # spaces, a free-text qualification with its level, an ethnicity and a religion.
    {
        "STT": 1,
        "HO TEN": "Nguyễn Văn An",
        "Nam": dt.datetime(1975, 8, 20),
        "Chi bộ": CELL,
        "Số thẻ đảng": "52.000.001",
        "CCCD": "001075000001",
        "SĐT": "0912 345 678",
        "Ngay vao Dang": dt.datetime(2005, 3, 10),
        "Ngày chính thức": dt.datetime(2006, 3, 10),
        "Quê quán": "Xã Phú Cát, Hà Nội",
        "Nơi ở hiện nay": "  Thôn  Đồng Cát ",
        "Dân tộc": "Kinh",
        "Tôn giáo": "Không",
        "Văn hóa": "12/12",
        "Chuyên môn": "Kỹ sư nông nghiệp",
        "Lý luận chính trị": "Trung cấp",
        "Nghề nghiệp": "Nông dân",
        "Trạng thái": "Chính thức",
        "Ảnh 3x4": "có",
    },
    # 8: updated (new phone). NFD name with stray spaces, d/m/yyyy text dates, +84 phone.
    {
        "STT": 2,
        "HO TEN": _nfd("  Lê   Thị Cúc "),
        "Nữ": "5/7/1970",
        "Chi bộ": CELL,
        "Số thẻ đảng": "52000020",
        "SĐT": "+84 987.654.321",
        "Ngay vao Dang": "19/5/1995",
        "Ngày chính thức": "19/05/1996",
        "Trạng thái": "Chính thức",
    },
    None,  # 9: blank, skipped without a word
    # 10: unchanged. Capitals, dd-mm-yyyy, a number card, the cell without diacritics.
    {
        "STT": 3,
        "HO TEN": "PHẠM VĂN DŨNG",
        "Nam": "09-11-1968",
        "Chi bộ": "chi bo thon dong cat",
        "Số thẻ đảng": 52000030,
        "Ngay vao Dang": "03-02-1990",
        "Ngày chính thức": "03-02-1991",
        "Dân tộc": "Kinh",
    },
    # 11: created. A year-only birth date (number), a month-year admission, "CB thôn …",
    # no card and no ID, a phone written with the country code and spaces, probationary.
    {
        "STT": 4,
        "HO TEN": "Hoàng Thị Em",
        "Nữ": 1995,
        "Chi bộ": "CB thôn Đồng Cát",
        "SĐT": "84 912 000 111",
        "Ngay vao Dang": "3/2025",
        "Trạng thái": "Dự bị",
    },
    # 12: rejected, unknown cell.
    {
        "STT": 5,
        "HO TEN": "Vũ Văn Giang",
        "Nam": "1/1/1980",
        "Chi bộ": "Chi bộ thôn Bến Đò",
        "Ngay vao Dang": "1/1/2010",
    },
    # 13: rejected, a birth date in the future.
    {
        "STT": 6,
        "HO TEN": "Đỗ Văn Hùng",
        "Nam": "1/1/2090",
        "Chi bộ": CELL,
        "Ngay vao Dang": "1/1/2010",
    },
    # 14: rejected, an 11-digit citizen ID.
    {
        "STT": 7,
        "HO TEN": "Ngô Thị Khánh",
        "Nữ": "2/2/1982",
        "Chi bộ": CELL,
        "CCCD": "01234567890",
        "Ngay vao Dang": "2/2/2012",
    },
    # 15: review, the card of Trần Văn Bảo with another name.
    {
        "STT": 8,
        "HO TEN": "Trần Văn Bình",
        "Nam": "12/4/1965",
        "Chi bộ": CELL,
        "Số thẻ đảng": "52000010",
        "Ngay vao Dang": "3/2/2000",
    },
    # 16 and 17: review, one card number for two different people in the file. Row 16's
    # birth date is a date serial whose cell lost its date format.
    {
        "STT": 9,
        "HO TEN": "Bùi Văn Lâm",
        "Nam": 29300,
        "Chi bộ": CELL,
        "Số thẻ đảng": "52000040",
        "Ngay vao Dang": "5/5/2005",
    },
    {
        "STT": 10,
        "HO TEN": "Đặng Văn Long",
        "Nam": "6/6/1981",
        "Chi bộ": CELL,
        "Số thẻ đảng": "52 000 040",
        "Ngay vao Dang": "6/6/2006",
    },
    # 18: rejected, full membership before admission.
    {
        "STT": 11,
        "HO TEN": "Mai Thị Mai",
        "Nữ": "8/8/1985",
        "Chi bộ": CELL,
        "Ngay vao Dang": "8/8/2010",
        "Ngày chính thức": "8/8/2009",
    },
    {"STT": 12},  # 19: a pre-numbered empty row, skipped
    {"HO TEN": "II. Chi bộ Trường Tiểu học Phú Cát"},  # 20: a section row: the cell below
    # 21: created in the school cell (from the section row). The ID and the phone are
    # numbers that lost their leading zeros; the year of birth was typed into a date
    # cell; the admission date is written in words.
    {
        "STT": 13,
        "HO TEN": "Phan Văn Nam",
        "Nam": _year_typed_into_date_cell(1972),
        "CCCD": 1072000021,
        "SĐT": 912000222,
        "Ngay vao Dang": "ngày 19 tháng 5 năm 2000",
        "Ngày chính thức": "19/5/2001",
        "Văn hóa": "10/10",
        "Lý luận chính trị": "Sơ cấp",
    },
    # 22 and 23: the village cell's name written once, merged down over both rows (it wins
    # over the section row above). 22: rejected, a date that does not exist and a
    # political theory level nobody knows (the first problem gives the code).
    {
        "STT": 14,
        "HO TEN": "Lý Thị Oanh",
        "Nữ": "3/3/1983",
        "Chi bộ": CELL,
        "Ngay vao Dang": "31/02/2001",
        "Lý luận chính trị": "Rất cao",
    },
    # 23: created in the village cell, by the merged cell.
    {
        "STT": 15,
        "HO TEN": "Tạ Văn Phong",
        "Nam": "4/4/1984",
        "Ngay vao Dang": "4/4/2004",
        "Ngày chính thức": "4/4/2005",
    },
    # 24: created, and exempt: he is also on the sheet of exempt members.
    {
        "STT": 16,
        "HO TEN": "Cao Văn Quý",
        "Nam": "1940",
        "Chi bộ": CELL,
        "Số thẻ đảng": "52000050",
        "Ngay vao Dang": "2/9/1965",
        "Ngày chính thức": "2/9/1966",
        "Ghi chú": "Tuổi cao",
    },
    None,  # 25
    # 26: the signature block under the table, in a column of its own: reported.
    {"Ảnh 3x4": "Người lập biểu"},
]

EXEMPT_HEADERS = [
    "TT",
    "Họ và tên",
    "Giới tính",
    "Năm sinh",
    "Chi bộ",
    "Số thẻ",
    "Ngày kết nạp",
    "Ngày miễn sinh hoạt",
    "Lý do",
]
EXEMPT_ROWS = [
    # 3: the same man as the main sheet's row 24: one person, listed twice.
    ["1", "Cao Văn Quý", "Nam", 1940, CELL, "52000050", "02/09/1965", "1/1/2020", "Tuổi cao"],
    # 4: created as exempt.
    ["2", "Đinh Thị Rạng", "Nữ", "1938", CELL, "", "19/5/1960", "1/6/2019", "Sức khỏe"],
]


def messy_workbook() -> bytes:
    book = openpyxl.Workbook()
    main = book.active
    main.title = MAIN
    last = len(HEADERS)
    main.cell(1, 1, "ĐẢNG BỘ XÃ PHÚ CÁT")
    main.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    main.cell(2, 1, "DANH SÁCH ĐẢNG VIÊN NĂM 2025")
    main.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    # Row 3 blank. Row 4: the headers, each merged with row 5 except "Ngày sinh", which
    # spans the two sub-columns of row 5.
    for column, header in enumerate(HEADERS, start=1):
        if header is None:
            continue
        main.cell(4, column, header)
        if header == "Ngày sinh":
            main.merge_cells(start_row=4, start_column=column, end_row=4, end_column=column + 1)
        else:
            main.merge_cells(start_row=4, start_column=column, end_row=5, end_column=column)
    main.cell(5, COLUMNS["Ngày sinh"], "Nam")
    main.cell(5, COLUMNS["Ngày sinh"] + 1, "Nữ")
    for column in range(1, last + 1):  # row 6: the column numbers
        main.cell(6, column, f"({column})")
    columns = dict(COLUMNS)
    columns["Nam"] = COLUMNS["Ngày sinh"]
    columns["Nữ"] = COLUMNS["Ngày sinh"] + 1
    for number, values in enumerate(MAIN_ROWS, start=7):
        for header, value in (values or {}).items():
            cell = main.cell(number, columns[header], value)
            if isinstance(value, dt.datetime):
                cell.number_format = "dd/mm/yyyy"
    # The village cell's name is written once, merged down over rows 22 and 23.
    main.merge_cells(
        start_row=22, start_column=COLUMNS["Chi bộ"], end_row=23, end_column=COLUMNS["Chi bộ"]
    )

    exempt = book.create_sheet(EXEMPT)
    exempt.cell(1, 1, "DANH SÁCH ĐẢNG VIÊN ĐƯỢC MIỄN SINH HOẠT ĐẢNG")
    for column, header in enumerate(EXEMPT_HEADERS, start=1):
        exempt.cell(2, column, header)
    for number, values in enumerate(EXEMPT_ROWS, start=3):
        for column, value in enumerate(values, start=1):
            exempt.cell(number, column, value)

    notes = book.create_sheet(NOTES)  # text but no table: reported once
    notes.cell(1, 1, "Danh sách do các chi bộ gửi lên ngày 5/3/2026.")
    notes.cell(2, 1, "Còn thiếu 3 đảng viên của chi bộ thôn Bến Đò.")
    book.create_sheet("Sheet4")  # empty: ignored

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# The exact report on the test cast after seed_existing(): (sheet, row) → (status, code).
MESSY_EXPECTED = {
    (MAIN, 7): ("created", "created"),
    (MAIN, 8): ("updated", "updated"),
    (MAIN, 10): ("unchanged", "unchanged"),
    (MAIN, 11): ("created", "created"),
    (MAIN, 12): ("rejected", "unknown_cell"),
    (MAIN, 13): ("rejected", "future"),
    (MAIN, 14): ("rejected", "citizen_id"),
    (MAIN, 15): ("review", "card_conflict"),
    (MAIN, 16): ("review", "duplicate_card_in_file"),
    (MAIN, 17): ("review", "duplicate_card_in_file"),
    (MAIN, 18): ("rejected", "full_before_admission"),
    (MAIN, 21): ("created", "created"),
    (MAIN, 22): ("rejected", "bad_date"),
    (MAIN, 23): ("created", "created"),
    (MAIN, 24): ("created", "created"),
    (MAIN, 26): ("rejected", "no_name"),
    (EXEMPT, 3): ("unchanged", "listed_twice"),
    (EXEMPT, 4): ("created", "created"),
}
MESSY_COUNTS = {"created": 6, "updated": 1, "unchanged": 2, "rejected": 6, "review": 3}

# What the created files hold: name → (field → value).
MESSY_CREATED = {
    "Nguyễn Văn An": {
        "sex": "male",
        "date_of_birth": dt.date(1975, 8, 20),
        "date_of_birth_precision": DatePrecision.DAY,
        "card_number": "52.000.001",
        "citizen_id": "001075000001",
        "phone": "0912345678",
        "residence": "Thôn Đồng Cát",
        "ethnicity": "Kinh",
        "religion": "Không",
        "general_education": "upper_secondary",
        "qualification": "university",
        "qualification_detail": "Kỹ sư nông nghiệp",
        "political_theory": "intermediate",
        "occupation": "Nông dân",
        "status": "full",
        "cell": CELL,
    },
    "Hoàng Thị Em": {
        "sex": "female",
        "date_of_birth": dt.date(1995, 1, 1),
        "date_of_birth_precision": DatePrecision.YEAR,
        "admission_date": dt.date(2025, 3, 1),
        "admission_date_precision": DatePrecision.MONTH,
        "phone": "0912000111",
        "ethnicity": "",
        "status": "probationary",
        "card_number": "",
        "cell": CELL,
    },
    "Phan Văn Nam": {
        "date_of_birth": dt.date(1972, 1, 1),
        "date_of_birth_precision": DatePrecision.YEAR,
        "citizen_id": "001072000021",
        "phone": "0912000222",
        "admission_date": dt.date(2000, 5, 19),
        "general_education": "upper_secondary",
        "political_theory": "elementary",
        "status": "full",
        "cell": SCHOOL,
    },
    "Tạ Văn Phong": {"cell": CELL, "status": "full"},
    "Cao Văn Quý": {
        "date_of_birth": dt.date(1940, 1, 1),
        "date_of_birth_precision": DatePrecision.YEAR,
        "status": "exempt",
        "status_since": dt.date(2020, 1, 1),
        "notes": "Tuổi cao",
        "cell": CELL,
    },
    "Đinh Thị Rạng": {
        "sex": "female",
        "status": "exempt",
        "status_since": dt.date(2019, 6, 1),
        "date_of_birth_precision": DatePrecision.YEAR,
        "cell": CELL,
    },
}


# --- wrong files -----------------------------------------------------------------------


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (the container of .xls files and of password-protected
    .xlsx files): 512-byte sectors, every stream at least 4096 bytes so none goes to the
    mini stream."""
    sector = 512
    end, free, fat_mark, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    names = list(streams)
    data_sectors: list[bytes] = []
    starts, sizes = [], []
    fat: list[int] = []
    for name in names:
        payload = streams[name].ljust(4096, b"\0")
        count = -(-len(payload) // sector)
        starts.append(len(data_sectors))
        sizes.append(len(payload))
        for i in range(count):
            data_sectors.append(payload[i * sector : (i + 1) * sector].ljust(sector, b"\0"))
            fat.append(len(fat) + 1 if i < count - 1 else end)

    def entry(name, kind, child, right, start, size) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", nostream, right, child)
            + b"\0" * 16
            + struct.pack("<IQQ", 0, 0, 0)
            + struct.pack("<IQ", start, size)
        )

    entries = [entry("Root Entry", 5, 1 if names else nostream, nostream, end, 0)]
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else nostream
        entries.append(entry(name, 2, nostream, right, starts[i], sizes[i]))
    while len(entries) % 4:
        entries.append(entry("", 0, nostream, nostream, 0, 0))
    directory = b"".join(entries)
    dir_count = len(directory) // sector
    dir_start = len(data_sectors)
    fat.extend(dir_start + i + 1 if i < dir_count - 1 else end for i in range(dir_count))
    fat_start = len(fat)
    fat.append(fat_mark)
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat).ljust(sector, b"\xff")
    assert len(fat) <= sector // 4
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, dir_start, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", fat_start)
        + struct.pack("<I", free) * 108
    )
    assert len(header) == sector
    return header + b"".join(data_sectors) + directory + fat_bytes


def encrypted_xlsx() -> bytes:
    """What Excel writes for a workbook with an opening password (ECMA-376 agile
    encryption): the package is encrypted inside a compound file."""
    return compound_file(
        {
            "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00<?xml version='1.0'?>",
            "EncryptedPackage": b"\x00\x10\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 16,
        }
    )


def old_xls() -> bytes:
    return compound_file({"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\0" * 100})


def renamed_csv() -> bytes:
    return "Họ và tên,Ngày sinh,Chi bộ\nNguyễn Văn An,20/8/1975,Chi bộ thôn Đồng Cát\n".encode()


def a_pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def damaged_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook><sheets>not xml")
    return buffer.getvalue()


def a_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def simple_workbook(rows: list[list], headers: list[str] | None = None) -> bytes:
    """A plain sheet: a header row and the rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "DS"
    sheet.append(headers or ["Họ và tên", "Giới tính", "Ngày sinh", "Chi bộ", "Ngày vào Đảng"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
