"""Importing members from Excel: the messy workbook's exact report, a second run, the dry
run, creating cells, wrong files, and the matching rules one by one."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member
from capuyso.members import importing_values as values
from capuyso.members.importing import ImportFileError, import_members
from capuyso.members.importing_sheet import field_for_header, read_workbook
from capuyso.members.models import DatePrecision, Member, MemberRevision
from capuyso.members.tests import messy_sheet as ms
from capuyso.org.models import Unit

pytestmark = pytest.mark.django_db


def run(cast, data, **options) -> dict:
    return import_members(actor=None, committee=cast.committee, data=data, **options)


def outcomes(report) -> dict:
    return {(r["sheet"], r["row"]): (r["status"], r["code"]) for r in report["rows"]}


def cli(path, *args) -> dict:
    out = io.StringIO()
    call_command("import_members", str(path), *args, stdout=out)
    return json.loads(out.getvalue())


def written_state():
    return (
        Member.objects.count(),
        MemberRevision.objects.count(),
        Unit.objects.count(),
        AuditEvent.objects.count(),
    )


# --- the messy workbook ------------------------------------------------------------------


def test_the_messy_workbook_gives_the_exact_report(cast, tmp_path):
    existing = ms.seed_existing(cast)
    path = tmp_path / "danh-sach-dang-vien.xlsx"
    path.write_bytes(ms.messy_workbook())
    members_before = Member.objects.count()

    report = cli(path, "--committee", "phu-cat")

    assert report["counts"] == ms.MESSY_COUNTS
    assert outcomes(report) == ms.MESSY_EXPECTED
    assert [(r["sheet"], r["row"]) for r in report["rows"]] == list(ms.MESSY_EXPECTED)
    assert all(r["reason"] for r in report["rows"])
    assert report["unknown_cells"] == ["Chi bộ thôn Bến Đò"]
    assert report["created_cells"] == []
    assert report["file"] == "danh-sach-dang-vien.xlsx" and report["dry_run"] is False
    sheets = {s["sheet"]: s for s in report["sheets"]}
    assert list(sheets) == [ms.MAIN, ms.EXEMPT, ms.NOTES]  # the empty sheet is not mentioned
    assert sheets[ms.MAIN]["header_row"] == 4 and sheets[ms.MAIN]["ignored"] == ["Ảnh 3x4"]
    assert sheets[ms.EXEMPT]["exempt"] is True and sheets[ms.MAIN]["exempt"] is False
    assert sheets[ms.NOTES]["code"] == "no_header" and sheets[ms.NOTES]["reason"]
    by_row = {(r["sheet"], r["row"]): r for r in report["rows"]}
    assert by_row[(ms.MAIN, 8)]["name"] == "Lê Thị Cúc"  # NFC, single spaces
    assert by_row[(ms.MAIN, 8)]["member"] == str(existing["cuc"].code)
    assert by_row[(ms.MAIN, 15)]["member"] == str(existing["bao"].code)
    assert "Chi bộ thôn Bến Đò" in by_row[(ms.MAIN, 12)]["reason"]
    assert "52000040" in by_row[(ms.MAIN, 16)]["reason"]
    assert by_row[(ms.EXEMPT, 3)]["member"] == by_row[(ms.MAIN, 24)]["member"] != ""

    assert Member.objects.count() == members_before + ms.MESSY_COUNTS["created"]
    for name, expected in ms.MESSY_CREATED.items():
        member = Member.objects.get(committee=cast.committee, full_name=name)
        for field, value in expected.items():
            actual = member.cell.name if field == "cell" else getattr(member, field)
            assert actual == value, (name, field, actual)
        revision = member.revisions.get()
        assert revision.kind == MemberRevision.Kind.IMPORTED
        assert revision.effective_on == member.admission_date
        assert revision.snapshot["full_name"] == name
    cuc = Member.objects.get(pk=existing["cuc"].pk)
    assert cuc.phone == "0987654321" and cuc.version == 2
    assert cuc.revisions.get().kind == MemberRevision.Kind.IMPORTED
    bao = Member.objects.get(pk=existing["bao"].pk)
    assert bao.full_name == "Trần Văn Bảo" and not bao.revisions.exists()
    assert not Member.objects.filter(full_name__in=["Bùi Văn Lâm", "Đặng Văn Long"]).exists()
    event = AuditEvent.objects.get(object_type="members.import")
    assert event.changes["counts"] == ms.MESSY_COUNTS
    assert event.object_label == "danh-sach-dang-vien.xlsx"


def test_a_second_run_creates_nobody_twice(cast):
    ms.seed_existing(cast)
    data = ms.messy_workbook()
    first = run(cast, data)
    members = Member.objects.count()
    revisions = MemberRevision.objects.count()

    second = run(cast, data)

    assert second["counts"] == {
        "created": 0,
        "updated": 0,
        "unchanged": first["counts"]["created"] + first["counts"]["updated"] + 2,
        "rejected": first["counts"]["rejected"],
        "review": first["counts"]["review"],
    }
    for key, (status, code) in outcomes(second).items():
        first_status, first_code = ms.MESSY_EXPECTED[key]
        if first_status in ("created", "updated", "unchanged"):
            assert status == "unchanged", key
            assert code == ("listed_twice" if first_code == "listed_twice" else "unchanged")
        else:
            assert (status, code) == (first_status, first_code), key
    assert Member.objects.count() == members
    assert MemberRevision.objects.count() == revisions


def test_a_dry_run_writes_nothing_and_says_what_a_real_run_does(cast, tmp_path):
    ms.seed_existing(cast)
    path = tmp_path / "ds.xlsx"
    path.write_bytes(ms.messy_workbook())
    before = written_state()

    report = cli(path, "--committee", "phu-cat", "--dry-run")

    assert written_state() == before
    assert report["dry_run"] is True
    assert report["counts"] == ms.MESSY_COUNTS
    assert outcomes(report) == ms.MESSY_EXPECTED
    real = run(cast, path.read_bytes())
    assert outcomes(real) == outcomes(report)


def test_create_cells_creates_the_unknown_cell_and_imports_its_rows(cast, tmp_path):
    ms.seed_existing(cast)
    path = tmp_path / "ds.xlsx"
    path.write_bytes(ms.messy_workbook())
    before = written_state()

    preview = cli(path, "--committee", "phu-cat", "--dry-run", "--create-cells")

    assert written_state() == before
    assert outcomes(preview)[(ms.MAIN, 12)] == ("created", "created")
    assert preview["created_cells"] == ["Chi bộ thôn Bến Đò"] and preview["unknown_cells"] == []

    report = cli(path, "--committee", "phu-cat", "--create-cells")

    assert outcomes(report) == outcomes(preview)
    assert report["counts"]["created"] == ms.MESSY_COUNTS["created"] + 1
    cell = Unit.objects.get(committee=cast.committee, name="Chi bộ thôn Bến Đò")
    assert cell.kind == Unit.Kind.CELL and cell.cell_kind == Unit.CellKind.VILLAGE
    assert cell.path == f"/{cell.pk}/" and cell.name_folded == "chi bo thon ben do"
    assert Member.objects.get(full_name="Vũ Văn Giang").cell == cell
    # Run again: the cell now exists, nothing is created twice.
    again = cli(path, "--committee", "phu-cat", "--create-cells")
    assert again["created_cells"] == [] and again["counts"]["created"] == 0
    assert Unit.objects.filter(committee=cast.committee, name="Chi bộ thôn Bến Đò").count() == 1


def test_the_command_records_the_user_it_is_told(cast, tmp_path):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(
        ms.simple_workbook([["Nguyễn Văn Tư", "Nam", "1/2/1970", ms.CELL, "3/4/2000"]])
    )
    report = cli(path, "--committee", "phu-cat", "--user", "banxaydung")
    assert report["counts"]["created"] == 1
    member = Member.objects.get(full_name="Nguyễn Văn Tư")
    assert member.revisions.get().actor == cast.party_building
    assert AuditEvent.objects.get(object_type="members.import").actor == cast.party_building


def test_the_command_refuses_an_unknown_committee_or_user(cast, tmp_path):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(ms.simple_workbook([]))
    with pytest.raises(CommandError) as exc:
        call_command("import_members", str(path), "--committee", "khong-co")
    assert exc.value.returncode == 2
    with pytest.raises(CommandError):
        call_command("import_members", str(path), "--committee", "phu-cat", "--user", "ngoaixa")
    with pytest.raises(CommandError):
        call_command("import_members", str(tmp_path / "missing.xlsx"), "--committee", "phu-cat")


# --- wrong files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (ms.renamed_csv, "not_xlsx"),
        (ms.a_pdf, "not_xlsx"),
        (ms.a_docx, "not_xlsx"),
        (ms.old_xls, "xls"),
        (ms.encrypted_xlsx, "encrypted"),
        (ms.damaged_xlsx, "damaged"),
        (lambda: b"", "empty"),
    ],
)
def test_a_wrong_file_gets_one_clear_message_and_nothing_is_written(cast, tmp_path, make, code):
    data = make()
    before = written_state()
    with pytest.raises(ImportFileError) as exc:
        run(cast, data)
    assert exc.value.code == code and exc.value.messages[0]

    path = tmp_path / "danh-sach.xlsx"
    path.write_bytes(data)
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_members", str(path), "--committee", "phu-cat", stdout=out)
    assert failure.value.returncode == 2
    printed = json.loads(out.getvalue())
    assert printed["error"] == code and printed["reason"] == exc.value.messages[0]
    assert written_state() == before


def test_the_encrypted_file_is_a_real_compound_file():
    data = ms.encrypted_xlsx()
    assert data[:8] == bytes.fromhex("d0cf11e0a1b11ae1") and len(data) % 512 == 0


# --- headers and values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Họ và tên", "full_name"),
        ("Họ tên", "full_name"),
        ("HO TEN", "full_name"),
        ("  Họ và\ntên ", "full_name"),
        ("Ngày sinh (dd/mm/yyyy)", "date_of_birth"),
        ("Năm sinh", "date_of_birth"),
        ("Giới tính", "sex"),
        ("Nam/Nữ", "sex"),
        ("Dân tộc", "ethnicity"),
        ("Tôn giáo", "religion"),
        ("Quê quán", "home_town"),
        ("Nơi ở hiện nay", "residence"),
        ("Nơi cư trú", "residence"),
        ("Số CCCD", "citizen_id"),
        ("CCCD", "citizen_id"),
        ("Căn cước", "citizen_id"),
        ("Số điện thoại", "phone"),
        ("SĐT", "phone"),
        ("Số thẻ đảng", "card_number"),
        ("Số thẻ", "card_number"),
        ("Chi bộ", "cell"),
        ("Ngày vào Đảng", "admission_date"),
        ("NGÀY KẾT NẠP", "admission_date"),
        ("Ngày chính thức", "full_membership_date"),
        ("Trình độ học vấn", "general_education"),
        ("Văn hóa", "general_education"),
        ("Chuyên môn", "qualification"),
        ("Lý luận chính trị", "political_theory"),
        ("Nghề nghiệp", "occupation"),
        ("Ghi chú", "notes"),
        ("Trạng thái", "status"),
        ("Ảnh", None),
    ],
)
def test_headers_are_recognised_by_name(header, field):
    import unicodedata

    assert field_for_header(header) == field
    assert field_for_header(unicodedata.normalize("NFD", header)) == field


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dt.datetime(1975, 8, 20), (dt.date(1975, 8, 20), DatePrecision.DAY)),
        ("5/7/1970", (dt.date(1970, 7, 5), DatePrecision.DAY)),
        ("05/07/1970", (dt.date(1970, 7, 5), DatePrecision.DAY)),
        ("09-11-1968", (dt.date(1968, 11, 9), DatePrecision.DAY)),
        ("9.11.1968", (dt.date(1968, 11, 9), DatePrecision.DAY)),
        ("1968-11-09", (dt.date(1968, 11, 9), DatePrecision.DAY)),
        ("3/2008", (dt.date(2008, 3, 1), DatePrecision.MONTH)),
        ("tháng 3 năm 2008", (dt.date(2008, 3, 1), DatePrecision.MONTH)),
        ("ngày 19 tháng 5 năm 2000", (dt.date(2000, 5, 19), DatePrecision.DAY)),
        ("1975", (dt.date(1975, 1, 1), DatePrecision.YEAR)),
        (" năm 1975 ", (dt.date(1975, 1, 1), DatePrecision.YEAR)),
        (1975, (dt.date(1975, 1, 1), DatePrecision.YEAR)),
        (1975.0, (dt.date(1975, 1, 1), DatePrecision.YEAR)),
        (29300, (dt.date(1980, 3, 20), DatePrecision.DAY)),  # a serial that lost its format
        (ms._year_typed_into_date_cell(1972), (dt.date(1972, 1, 1), DatePrecision.YEAR)),
        (None, (None, DatePrecision.DAY)),
    ],
)
def test_dates_are_read_with_their_precision(raw, expected):
    assert values.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["31/02/1990", "12/13/1990", "12/3/65", "khoảng 1970", "x"])
def test_a_wrong_date_is_a_problem_not_a_guess(raw):
    with pytest.raises(values.ValueProblem) as exc:
        values.parse_date(raw)
    assert exc.value.code == "bad_date"


def test_other_values():
    assert values.parse_education("12/12") == "upper_secondary"
    assert values.parse_education("7/10") == "lower_secondary"
    assert values.parse_education("Tiểu học") == "primary"
    assert values.parse_theory("Cao cấp") == "advanced"
    assert values.parse_theory("cử nhân chính trị") == "bachelor"
    assert values.parse_qualification("Đại học") == ("university", "")
    assert values.parse_qualification("Cử nhân Luật") == ("university", "Cử nhân Luật")
    assert values.parse_qualification("Nông nghiệp") == ("", "Nông nghiệp")
    assert values.parse_status("Miễn sinh hoạt") == "exempt"
    assert values.parse_status("du bi") == "probationary"
    assert values.parse_citizen_id(1072000021) == "001072000021"
    assert values.parse_citizen_id("01234567890") == "01234567890"
    assert values.parse_citizen_id("001 072 000 021") == "001072000021"
    assert values.clean_name("NGUYỄN VĂN AN") == "Nguyễn Văn An"
    assert values.card_key("52.000 040") == values.card_key("52000040")
    for variant in ("Chi bộ thôn Đồng Cát", "chi bo thon dong cat", "CB thôn Đồng Cát"):
        assert values.cell_key(variant) == values.cell_key("Thôn  Đồng Cát")
    assert values.title_cell_name("DANH SÁCH ĐẢNG VIÊN CHI BỘ THÔN ĐỒNG CÁT NĂM 2025") == (
        "Chi bộ Thôn Đồng Cát"
    )


# --- matching, one rule at a time --------------------------------------------------------


HEADERS = [
    "Họ và tên",
    "Giới tính",
    "Ngày sinh",
    "Chi bộ",
    "Số thẻ đảng",
    "Số CCCD",
    "Ngày vào Đảng",
    "Ngày chính thức",
    "Số điện thoại",
]


def row(name="Trần Văn An", born="1/5/1970", cell=ms.CELL, card="", cid="", **extra):
    return [
        name,
        extra.get("sex", "Nam"),
        born,
        cell,
        card,
        cid,
        extra.get("admitted", "3/2/2000"),
        extra.get("full", "3/2/2001"),
        extra.get("phone", ""),
    ]


def one(cast, *rows, **options) -> tuple[str, str]:
    report = run(cast, ms.simple_workbook(list(rows), HEADERS), **options)
    return tuple(report["rows"][0][k] for k in ("status", "code"))


@pytest.fixture
def an(cast):
    return make_member(
        cast.committee,
        cast.cell,
        "Trần Văn An",
        card_number="52100001",
        citizen_id="001070000001",
        admission_date=dt.date(2000, 2, 3),
        full_membership_date=dt.date(2001, 2, 3),
    )


def test_matched_by_card_with_another_birth_date_is_a_conflict(cast, an):
    assert one(cast, row(card="52100001", born="2/5/1970")) == ("review", "card_conflict")


def test_matched_by_citizen_id_with_another_name_is_a_conflict(cast, an):
    assert one(cast, row(name="Trần Văn Bân", cid="001070000001")) == (
        "review",
        "citizen_id_conflict",
    )


def test_the_card_of_one_member_and_the_id_of_another(cast, an):
    make_member(cast.committee, cast.cell, "Lê Văn Bé", citizen_id="001070000002")
    assert one(cast, row(card="52100001", cid="001070000002")) == (
        "review",
        "card_and_citizen_id_differ",
    )


def test_matched_by_card_the_row_updates_what_differs_and_erases_nothing(cast, an):
    an.phone = "0911111111"
    an.save()
    assert one(cast, row(card="52 100 001", phone="0912.222.333")) == ("updated", "updated")
    an.refresh_from_db()
    assert an.phone == "0912222333" and an.citizen_id == "001070000001"
    assert one(cast, row(card="52100001", phone="0912.222.333")) == ("unchanged", "unchanged")


def test_without_identifiers_one_namesake_in_the_cell_is_that_member(cast, an):
    assert one(cast, row()) == ("unchanged", "unchanged")
    assert one(cast, row(name="TRAN VAN AN")) == ("unchanged", "unchanged")
    assert one(cast, row(phone="0912333444")) == ("updated", "updated")


def test_a_card_fills_in_a_file_found_by_name(cast):
    member = make_member(
        cast.committee, cast.cell, "Trần Văn An", date_of_birth=dt.date(1970, 5, 1)
    )
    assert one(cast, row(card="52100009")) == ("updated", "updated")
    member.refresh_from_db()
    assert member.card_number == "52100009"


def test_two_namesakes_in_the_cell_are_ambiguous(cast):
    make_member(cast.committee, cast.cell, "Trần Văn An", date_of_birth=dt.date(1970, 5, 1))
    make_member(
        cast.committee,
        cast.cell,
        "Trần Văn An",
        date_of_birth=dt.date(1970, 1, 1),
        date_of_birth_precision=DatePrecision.YEAR,
    )
    assert one(cast, row()) == ("review", "ambiguous")


def test_a_namesake_in_another_cell_is_left_for_a_person(cast):
    make_member(cast.committee, cast.other_cell, "Trần Văn An", date_of_birth=dt.date(1970, 5, 1))
    assert one(cast, row()) == ("review", "same_name_other_cell")
    assert Member.objects.filter(full_name="Trần Văn An").count() == 1


def test_a_namesake_with_another_card_is_another_person(cast, an):
    assert one(cast, row(card="52100002", cid="")) == ("created", "created")
    assert Member.objects.filter(full_name="Trần Văn An").count() == 2


def test_another_cell_or_status_goes_to_review(cast, an):
    assert one(cast, row(card="52100001", cell=ms.SCHOOL)) == ("review", "cell_differs")
    probationary = make_member(
        cast.committee,
        cast.cell,
        "Lê Thị Hoa",
        card_number="52100003",
        status=Member.Status.PROBATIONARY,
        full_membership_date=None,
    )
    assert one(cast, row(name="Lê Thị Hoa", sex="Nữ", card="52100003")) == (
        "review",
        "status_differs",
    )
    probationary.refresh_from_db()
    assert probationary.status == Member.Status.PROBATIONARY


def test_a_closed_file_is_not_changed(cast, an):
    an.status = Member.Status.DECEASED
    an.save()
    assert one(cast, row(card="52100001", full="")) == ("unchanged", "unchanged")
    assert one(cast, row(card="52100001", full="", phone="0912333444")) == ("review", "closed")
    assert one(cast, row(card="52100001")) == ("review", "status_differs")
    an.refresh_from_db()
    assert an.phone == "" and an.status == Member.Status.DECEASED


def test_a_more_precise_date_replaces_a_vaguer_one_never_the_reverse(cast):
    member = make_member(
        cast.committee,
        cast.cell,
        "Trần Văn An",
        card_number="52100001",
        date_of_birth=dt.date(1970, 1, 1),
        date_of_birth_precision=DatePrecision.YEAR,
    )
    assert one(cast, row(card="52100001", born="1970")) == ("unchanged", "unchanged")
    assert one(cast, row(card="52100001", born="1/5/1970")) == ("updated", "updated")
    member.refresh_from_db()
    assert member.date_of_birth == dt.date(1970, 5, 1)
    assert member.date_of_birth_precision == DatePrecision.DAY
    assert one(cast, row(card="52100001", born="1970")) == ("unchanged", "unchanged")


def test_cell_name_variants_find_the_cell(cast):
    import unicodedata

    rows = [
        row(name=f"Người Thứ {n}", born=f"1/5/19{60 + n}", cell=cell)
        for n, cell in enumerate(
            [
                "Chi bộ thôn Đồng Cát",
                "chi bo thon dong cat",
                "Thôn Đồng Cát",
                "CB thôn Đồng Cát",
                "  CHI BỘ  THÔN ĐỒNG CÁT ",
                unicodedata.normalize("NFD", "Chi bộ thôn Đồng Cát"),
                "Chi bộ Đồng Cát",
            ]
        )
    ]
    report = run(cast, ms.simple_workbook(rows, HEADERS))
    assert report["counts"]["created"] == len(rows), report["rows"]
    assert set(Member.objects.values_list("cell", flat=True)) == {cast.cell.pk}


def test_a_cell_of_another_committee_is_unknown_here(cast):
    assert one(cast, row(cell=cast.foreign_cell.name)) == ("rejected", "unknown_cell")


def test_invalid_rows_are_refused_with_the_validator_s_code_and_the_rest_imported(cast):
    report = run(
        cast,
        ms.simple_workbook(
            [
                row(name="Một", phone="12345"),
                row(name="Hai", born="1/1/1990", admitted="1/1/1985"),
                row(name="Ba", sex="Không rõ"),
                row(name="Bốn", born=""),
                row(name="Năm", cid="0010700000011"),
                row(name="Sáu", cell=""),
                row(name="Bảy"),
            ],
            HEADERS,
        ),
    )
    assert [(r["status"], r["code"]) for r in report["rows"]] == [
        ("rejected", "phone"),
        ("rejected", "admission_before_birth"),
        ("rejected", "unknown_value"),
        ("rejected", "required"),
        ("rejected", "citizen_id"),
        ("rejected", "no_cell"),
        ("created", "created"),
    ]
    assert list(Member.objects.values_list("full_name", flat=True)) == ["Bảy"]


def test_a_sheet_per_cell_takes_its_cell_from_the_title_and_an_exempt_title(cast):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Trường TH"
    sheet.append(["DANH SÁCH ĐẢNG VIÊN CHI BỘ TRƯỜNG TIỂU HỌC PHÚ CÁT"])
    sheet.append([])
    sheet.append(["TT", "Họ tên", "Giới tính", "Năm sinh", "Ngày vào Đảng", "Ngày chính thức"])
    sheet.append([1, "Đào Thị Xuân", "Nữ", 1980, "1/1/2005", "1/1/2006"])
    exempt = book.create_sheet("Danh sách 2")
    exempt.append(["ĐẢNG VIÊN ĐƯỢC MIỄN SINH HOẠT, CHI BỘ THÔN ĐỒNG CÁT"])
    exempt.append(["TT", "Họ tên", "Giới tính", "Năm sinh", "Ngày vào Đảng", "Ngày chính thức"])
    exempt.append([1, "Lương Văn Tám", "Nam", 1935, "1/1/1960", "1/1/1961"])
    buffer = io.BytesIO()
    book.save(buffer)

    report = run(cast, buffer.getvalue())

    assert report["counts"]["created"] == 2, report["rows"]
    xuan = Member.objects.get(full_name="Đào Thị Xuân")
    assert xuan.cell == cast.other_cell and xuan.status == Member.Status.FULL
    tam = Member.objects.get(full_name="Lương Văn Tám")
    assert tam.cell == cast.cell and tam.status == Member.Status.EXEMPT


def test_the_same_person_twice_with_other_details_goes_to_review(cast):
    report = run(
        cast,
        ms.simple_workbook(
            [row(card="52100005"), row(card="52100005", sex="Nữ")],
            HEADERS,
        ),
    )
    assert [(r["status"], r["code"]) for r in report["rows"]] == [
        ("review", "duplicate_card_in_file"),
        ("review", "duplicate_card_in_file"),
    ]
    assert not Member.objects.exists()


def test_the_same_person_twice_is_one_file(cast):
    report = run(cast, ms.simple_workbook([row(card="52100005"), row(card="52100005")], HEADERS))
    assert [(r["status"], r["code"]) for r in report["rows"]] == [
        ("created", "created"),
        ("unchanged", "listed_twice"),
    ]
    assert Member.objects.count() == 1


def test_reading_a_workbook_whose_recorded_size_is_wrong(cast):
    """Some programs write a dimension of A1:A1; every row is still read."""
    data = ms.simple_workbook([row(name=f"Người {n}", born=f"1/1/19{50 + n}") for n in range(3)])
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as package:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = content.replace(b'<dimension ref="A1:I4"/>', b'<dimension ref="A1"/>')
            package.writestr(item, content)
    assert len(read_workbook(target.getvalue()).rows) == 3


def test_a_hidden_sheet_is_not_read_and_is_reported(cast):
    book = openpyxl.load_workbook(io.BytesIO(ms.simple_workbook([row()], HEADERS)))
    hidden = book.create_sheet("Danh mục")
    hidden.append(["Họ và tên", "Giới tính", "Ngày sinh", "Chi bộ"])
    hidden.append(["Lê Văn Ẩn", "Nam", "1/1/1970", ms.CELL])
    hidden.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(cast, buffer.getvalue())
    assert report["counts"]["created"] == 1 and len(report["rows"]) == 1
    assert [(s["sheet"], s.get("code")) for s in report["sheets"]] == [
        ("DS", None),
        ("Danh mục", "hidden"),
    ]


def test_two_level_headers_with_the_sex_in_the_header_text(cast):
    report = run(
        cast,
        ms.simple_workbook(
            [["Trần Thị Mơ", None, "2/3/1980", ms.CELL, "1/1/2005"]],
            ["Họ và tên", "Ngày sinh Nam", "Ngày sinh Nữ", "Chi bộ", "Ngày vào Đảng"],
        ),
    )
    assert report["counts"]["created"] == 1
    member = Member.objects.get(full_name="Trần Thị Mơ")
    assert member.sex == Member.Sex.FEMALE and member.date_of_birth == dt.date(1980, 3, 2)


def test_an_excel_error_in_a_cell_is_a_reason_not_a_value(cast):
    assert one(cast, row(born="#REF!")) == ("rejected", "excel_error")
    assert one(cast, row(name="#N/A")) == ("rejected", "excel_error")


def test_a_row_that_breaks_the_reader_is_refused_and_the_others_imported(cast, monkeypatch):
    from capuyso.members import importing_match

    real = importing_match.parse_row

    def fragile(sheet_row):
        if sheet_row.row == 2:
            raise RuntimeError("unexpected")
        return real(sheet_row)

    monkeypatch.setattr(importing_match, "parse_row", fragile)
    report = run(cast, ms.simple_workbook([row(name="Một"), row(name="Hai")], HEADERS))
    assert [(r["status"], r["code"]) for r in report["rows"]] == [
        ("rejected", "unreadable"),
        ("created", "created"),
    ]


def test_a_row_right_under_the_header_is_a_row_even_with_words_like_headers(cast):
    report = run(
        cast,
        ms.simple_workbook(
            [
                [None, "Nam", "1/1/1970", ms.CELL, "1/1/2000"],
                ["An", "Nam", "1970", ms.CELL, "2000"],
            ],
        ),
    )
    assert [(r["row"], r["status"], r["code"]) for r in report["rows"]] == [
        (2, "rejected", "no_name"),
        (3, "created", "created"),
    ]
