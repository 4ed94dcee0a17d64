"""Members' fee bases: one declaration, a cell's month in bulk, and an imported sheet. Bad
amounts (negative, absurd, outside the settings' bounds) are refused and nothing changes."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member
from capuyso.fees.models import FeeBasis
from capuyso.fees.services import bases as services
from capuyso.fees.tests import factories as f
from capuyso.members.models import Member

D = dt.date
JUL = D(2026, 7, 1)


def codes(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {k: [e.code for e in v] for k, v in exc.error_dict.items()}
    return {None: [e.code for e in exc.error_list]}


@pytest.fixture
def member(cast):
    return make_member(cast.committee, cast.cell, "Lê Văn Lương", card_number="52.012345")


def declare(cast, member, slug="salaried", amount=7_654_321, month=JUL, actor=None):
    return services.basis_declare(
        actor=actor or cast.cell_secretary,
        member=member,
        group=f.group(slug, cast.committee) if isinstance(slug, str) else slug,
        amount=amount,
        month=month,
    )


def test_a_declaration_from_a_month_is_kept_with_its_history(cast, member):
    first = declare(cast, member, month=D(2026, 7, 15))
    assert (first.effective_from, first.amount, first.group.slug) == (JUL, 7_654_321, "salaried")
    assert (first.declared_by, first.recorded_by) == ("cell", cast.cell_secretary)
    event = AuditEvent.objects.get(object_type="fees.feebasis", object_id=str(first.code))
    assert event.changes["amount"] == [None, 7_654_321]
    second = declare(cast, member, amount=8_000_000, month=D(2026, 9, 1))
    assert [b.effective_from for b in services.bases_history(member)] == [D(2026, 9, 1), JUL]
    assert services.basis_in_force(member, D(2026, 8, 1)) == first
    assert services.basis_in_force(member, D(2026, 12, 1)) == second
    assert services.basis_in_force(member, D(2026, 6, 1)) is None


def test_the_same_month_again_corrects_it_and_the_same_values_write_nothing(cast, member):
    first = declare(cast, member)
    again = declare(cast, member)
    assert again.pk == first.pk and FeeBasis.objects.filter(member=member).count() == 1
    events = AuditEvent.objects.filter(object_type="fees.feebasis").count()
    corrected = declare(cast, member, amount=7_000_000)
    assert corrected.pk == first.pk and corrected.amount == 7_000_000
    assert AuditEvent.objects.filter(object_type="fees.feebasis").count() == events + 1
    # a later month with the same values as in force writes nothing
    declare(cast, member, amount=7_000_000, month=D(2026, 10, 1))
    assert FeeBasis.objects.filter(member=member).count() == 1


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (-7_654_321, "negative"),
        (0, "basis_bounds"),
        (50_000, "basis_bounds"),  # below the platform's 100.000 đ
        (7_654_321_000, "basis_bounds"),  # three zeros too many
        (None, "amount_required"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_saved(cast, member, amount, code):
    with pytest.raises(ValidationError) as exc:
        declare(cast, member, amount=amount)
    assert codes(exc.value) == {"amount": [code]}
    assert not FeeBasis.objects.filter(member=member).exists()


def test_the_committees_own_bounds_apply_from_their_month(cast, member):
    f.set_settings(cast.committee, since=D(2026, 8, 1), basis_max=20_000_000)
    declare(cast, member, amount=30_000_000, month=JUL)
    with pytest.raises(ValidationError) as exc:
        declare(cast, member, amount=30_000_000, month=D(2026, 8, 1))
    assert codes(exc.value) == {"amount": ["basis_bounds"]}


def test_a_fixed_group_stores_no_amount(cast, member):
    row = declare(cast, member, "student", amount=123_456)
    assert row.amount is None
    own = f.add_group(cast.other, "lam-nghiep")
    with pytest.raises(ValidationError) as exc:
        declare(cast, member, own)
    assert codes(exc.value) == {"group": ["group"]}


def test_no_basis_after_the_member_left_nor_in_a_closed_month(cast, member):
    f.close_book(cast.cell, JUL)
    with pytest.raises(ValidationError) as exc:
        declare(cast, member, month=JUL)
    assert codes(exc.value) == {"month": ["closed_month"]}
    # June is open but July (closed) would take the June basis too
    with pytest.raises(ValidationError) as exc:
        declare(cast, member, month=D(2026, 6, 1))
    assert codes(exc.value) == {"month": ["closed_month"]}
    declare(cast, member, month=D(2026, 8, 1))
    Member.objects.filter(pk=member.pk).update(
        status=Member.Status.STRUCK_OFF, closed_on=D(2026, 9, 10)
    )
    member.refresh_from_db()
    declare(cast, member, amount=8_000_000, month=D(2026, 9, 1))
    with pytest.raises(ValidationError) as exc:
        declare(cast, member, amount=9_000_000, month=D(2026, 10, 1))
    assert codes(exc.value) == {"month": ["member_left"]}


def test_who_may_declare(cast, member):
    other = make_member(cast.committee, cast.other_cell, "Ngô Thị Giáo")
    with pytest.raises(PermissionDenied):
        declare(cast, other)  # the secretary of another cell
    for actor in (cast.secretary, cast.inspector, cast.outsider_clerk, cast.admin):
        with pytest.raises(PermissionDenied):
            declare(cast, member, actor=actor)
    assert declare(cast, other, actor=cast.clerk).declared_by == "cell"
    cast.member.member = member
    cast.member.save()
    assert declare(cast, member, actor=cast.member).declared_by == "member"


# --- Bulk ---------------------------------------------------------------------------------


@pytest.fixture
def cell_of_three(cast):
    a = f.member_with_basis(cast, "salaried", 7_000_000, since=D(2026, 3, 1), full_name="An")
    b = f.member_with_basis(cast, "retired", 5_000_000, since=D(2026, 3, 1), full_name="Bình")
    c = make_member(cast.committee, cast.cell, "Cúc")
    return a, b, c


def test_bulk_entry_writes_only_what_changed(cast, cell_of_three):
    a, b, c = cell_of_three
    salaried, retired, student = (f.group(s) for s in ("salaried", "retired", "student"))
    version = services.bases_version(cast.cell, JUL)
    result = services.bases_bulk_save(
        actor=cast.cell_secretary,
        cell=cast.cell,
        month=JUL,
        entries={
            a.pk: (salaried, 7_000_000),
            b.pk: (retired, 5_200_000),
            c.pk: (student, None),
        },
        version=version,
    )
    assert (result.created, result.updated, result.unchanged) == (2, 0, 1)
    assert FeeBasis.objects.filter(member=a).count() == 1
    assert services.basis_in_force(b, JUL).amount == 5_200_000
    assert services.basis_in_force(c, JUL).group == student
    # the page opened before this save is now stale: refused, nothing saved
    with pytest.raises(ValidationError) as exc:
        services.bases_bulk_save(
            actor=cast.cell_secretary,
            cell=cast.cell,
            month=JUL,
            entries={a.pk: (salaried, 9_000_000)},
            version=version,
        )
    assert codes(exc.value) == {None: ["stale"]}
    assert services.basis_in_force(a, JUL).amount == 7_000_000


def test_bulk_entry_with_one_bad_row_saves_nothing(cast, cell_of_three):
    a, b, c = cell_of_three
    salaried, retired = f.group("salaried"), f.group("retired")
    with pytest.raises(ValidationError) as exc:
        services.bases_bulk_save(
            actor=cast.cell_secretary,
            cell=cast.cell,
            month=JUL,
            entries={a.pk: (salaried, 8_000_000), b.pk: (retired, -5), c.pk: (salaried, None)},
            version=services.bases_version(cast.cell, JUL),
        )
    assert codes(exc.value) == {
        f"amount-{b.code}": ["negative"],
        f"amount-{c.code}": ["amount_required"],
    }
    assert services.basis_in_force(a, JUL).amount == 7_000_000
    assert not FeeBasis.objects.filter(member=c).exists()


def test_bulk_entry_is_for_the_cells_managers(cast, cell_of_three):
    with pytest.raises(PermissionDenied):
        services.bases_bulk_save(
            actor=cast.cell_secretary,
            cell=cast.other_cell,
            month=JUL,
            entries={},
            version=services.bases_version(cast.other_cell, JUL),
        )


# --- Import -----------------------------------------------------------------------------


def csv_bytes(rows) -> bytes:
    return "\n".join(";".join(str(v) for v in row) for row in rows).encode("utf-8-sig")


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH CĂN CỨ ĐÓNG ĐẢNG PHÍ"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_import_with_problems_lists_them_per_line_and_saves_nothing(cast, member, cell_of_three):
    a, _b, _c = cell_of_three
    data = csv_bytes(
        [
            ["Họ và tên", "Ngày sinh", "Số thẻ", "Nhóm", "Số tiền"],
            ["Lê Văn Lương", "", "52012345", "salaried", "7.654.321"],
            ["An", "01/05/1970", "", "SALARIED", "-1"],
            ["Không Có", "01/01/1980", "", "student", ""],
            ["An", "01/05/1970", "", "nhom-la", "5.000.000"],
            ["An", "31/02/1970", "", "retired", "5.000.000"],
        ]
    )
    lines = services.bases_import_read(cell=cast.cell, month=JUL, data=data, filename="cb.csv")
    assert [ln.number for ln in lines] == [2, 3, 4, 5, 6]
    assert lines[0].member == member and not lines[0].errors and lines[0].action == "created"
    assert lines[1].member == a and len(lines[1].errors) == 1  # negative
    assert lines[2].member is None and lines[2].errors  # not in the cell
    assert lines[3].group is None and len(lines[3].errors) == 2  # unknown group, a duplicate
    assert lines[4].errors  # 31/02 does not exist
    with pytest.raises(ValidationError) as exc:
        services.bases_import_commit(
            actor=cast.cell_secretary, cell=cast.cell, month=JUL, lines=lines
        )
    assert codes(exc.value) == {None: ["has_errors"]}
    assert not FeeBasis.objects.filter(member=member).exists()


def test_a_clean_xlsx_import_is_saved(cast, member, cell_of_three):
    a, b, c = cell_of_three
    data = xlsx_bytes(
        [
            ["STT", "Họ và tên", "Ngày sinh", "Số thẻ đảng", "Nhóm", "Mức lương đóng BHXH"],
            [1, "LÊ VĂN LƯƠNG", None, "52 012345", "salaried", 7654321],
            [2, "An", dt.datetime(1970, 5, 1), None, "salaried", 7000000],
            [3, "Cúc", "01/05/1970", None, "Học sinh, sinh viên", None],
            [None, None, None, None, None, None],
        ]
    )
    lines = services.bases_import_read(cell=cast.cell, month=JUL, data=data, filename="cb.xlsx")
    assert [(ln.member, ln.action, ln.errors) for ln in lines] == [
        (member, "created", []),
        (a, "unchanged", []),
        (c, "created", []),
    ]
    result = services.bases_import_commit(
        actor=cast.cell_secretary, cell=cast.cell, month=JUL, lines=lines
    )
    assert (result.created, result.unchanged) == (2, 1)
    row = services.basis_in_force(member, JUL)
    assert (row.amount, row.declared_by) == (7_654_321, "import")
    assert services.basis_in_force(c, JUL).group.slug == "student"


def test_a_file_without_the_columns_is_refused(cast):
    data = csv_bytes([["Tên", "Tuổi"], ["An", "50"]])
    with pytest.raises(ValidationError) as exc:
        services.bases_import_read(cell=cast.cell, month=JUL, data=data, filename="x.csv")
    assert exc.value.code == "columns"
    with pytest.raises(ValidationError) as exc:
        services.bases_import_read(
            cell=cast.cell, month=JUL, data=b"\xff\xfe\x00garbage", filename="x.csv"
        )
    assert exc.value.code == "encoding"
