"""`capuyso fee_report`: writes the committee summary or a cell's fee book; bad slugs,
formats, periods and cells are refused with a CommandError and nothing is written."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from capuyso.fees.tests import factories as f
from capuyso.fees.tests.test_reports import book, row_of, values  # noqa: F401


def run(*args):
    out = io.StringIO()
    call_command("fee_report", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("book")
def test_committee_summary_for_a_year_as_xlsx(cast, tmp_path):
    target = tmp_path / "tong-hop.xlsx"
    output = run("--committee", "phu-cat", "--year", "2026", "--format", "xlsx", "-o", str(target))
    assert str(target) in output
    sheet = openpyxl.load_workbook(target).active
    assert "Năm 2026" in [c.value for c in sheet["A"]]
    total = values(row_of(sheet, "Toàn Đảng bộ"))
    # due 2 months: An 2 × 76,543, Bình 2 × 5,000, Chi 2 × 20,000; collected 163,086
    assert total[3:5] == [203_086, 163_086]


@pytest.mark.usefixtures("book")
def test_cell_book_for_a_quarter_as_pdf(cast, tmp_path):
    target = tmp_path / "so.pdf"
    run("--committee", "phu-cat", "--year", "2026", "--quarter", "1",
        "--cell", "chi bo thon dong cat", "--format", "pdf", "-o", str(target))  # fmt: skip
    text = "".join(p.extract_text() for p in PdfReader(target).pages)
    assert "Nguyễn Văn An" in text and "Quý I năm 2026" in text


@pytest.mark.usefixtures("book")
def test_cell_by_code_and_month(cast, tmp_path):
    target = tmp_path / "so.xlsx"
    run("--committee", "phu-cat", "--year", "2026", "--month", "3",
        "--cell", str(cast.cell.code), "--format", "XLSX", "-o", str(target))  # fmt: skip
    sheet = openpyxl.load_workbook(target).active
    assert values(row_of(sheet, "Nguyễn Văn An"))[4] == 76_543


@pytest.mark.parametrize(
    "args",
    [
        ["--committee", "khong-co", "--year", "2026", "--format", "xlsx"],
        ["--committee", "phu-cat", "--year", "2026", "--format", "docx"],
        ["--committee", "phu-cat", "--year", "2026", "--month", "13", "--format", "xlsx"],
        ["--committee", "phu-cat", "--year", "2026", "--month", "1", "--quarter", "1",
         "--format", "xlsx"],
        ["--committee", "phu-cat", "--year", "2026", "--cell", "Chi bộ không có", "--format",
         "xlsx"],
        ["--committee", "phu-cat", "--year", "2026", "--cell", str(f.FIRST_MONTH), "--format",
         "xlsx"],
        ["--committee", "phu-cat", "--year", "2026", "--format", "xlsx", "--cell",
         "00000000-0000-0000-0000-000000000000"],
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_written(cast, tmp_path, args):
    target = tmp_path / "out.xlsx"
    with pytest.raises(CommandError):
        run(*args, "-o", str(target))
    assert not target.exists()


def test_a_cell_of_another_committee_is_not_found(cast, tmp_path):
    target = tmp_path / "out.xlsx"
    with pytest.raises(CommandError):
        run("--committee", "phu-cat", "--year", "2026", "--cell", str(cast.foreign_cell.code),
            "--format", "xlsx", "-o", str(target))  # fmt: skip
    assert not target.exists()


def test_unwritable_output_is_refused(cast, tmp_path):
    with pytest.raises(CommandError):
        run("--committee", "phu-cat", "--year", "2026", "--format", "xlsx",
            "-o", str(tmp_path / "missing" / "out.xlsx"))  # fmt: skip
