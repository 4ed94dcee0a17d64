import io

import openpyxl
import pytest

from bench import members_import
from capuyso.members.importing_sheet import read_workbook
from capuyso.members.models import Member, MemberRevision

pytestmark = pytest.mark.django_db


def test_the_import_lines_are_opt_in():
    assert not members_import.selected("")
    assert not members_import.selected("members.")  # the members pages only
    assert members_import.selected("members.import")
    assert members_import.selected("members.import.rerun")
    assert not members_import.selected("members.list")


def test_the_generated_workbook_reads_as_the_communes_write_it(cast):
    data = members_import.workbook([cast.cell.name, cast.other_cell.name], rows=30)
    book = read_workbook(data)
    assert len(book.rows) == 30
    assert book.sheets[0].header_row == 3 and book.sheets[0].ignored == []
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    assert next(sheet.iter_rows(min_row=4, max_row=4, values_only=True))[5] == "99000001"


def test_every_line_measures_a_small_run_and_leaves_nothing_behind(cast):
    members = Member.objects.count()
    lines = {line["name"]: line for line in members_import.run(committee=cast.committee, rows=40)}

    assert list(lines) == list(members_import.NAMES)
    assert all("error" not in line for line in lines.values()), lines
    preview, real, rerun = (lines[name] for name in members_import.NAMES)
    assert (preview["created"], preview["rejected"], preview["review"]) == (40, 0, 0)
    assert (real["created"], real["rows"], real["cells"]) == (40, 40, 2)
    assert real["target_seconds"] == 30 and real["pass"] is True
    assert (rerun["created"], rerun["unchanged"]) == (0, 40)
    assert real["seconds"] > 0 and real["file_bytes"] > 0
    # Rolled back.
    assert Member.objects.count() == members
    assert not MemberRevision.objects.exists()


def test_without_a_committee_the_lines_are_errors():
    lines = list(members_import.run(committee=None, only="members.import.rerun"))
    assert lines == [{"name": "members.import.rerun", "error": "no benchmark committee"}]
