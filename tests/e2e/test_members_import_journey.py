"""Nhập đảng viên từ Excel: the committee's Party building board imports a small workbook.

The workbook, built here with openpyxl, has a title row, a header row and three members of
Chi bộ thôn Đồng Cát; the second has an 11-digit citizen ID typed as text.

1. Ban Xây dựng Đảng signs in, opens the members area's Import tab and uploads the workbook.
2. The preview says 2 to create and 1 refused, lists the refused row first with its reason
   (the citizen ID's length), and nothing is written yet.
3. They apply: the two members are created in one go, the refused one is not.
4. The member list of the cell shows the two new members, and not the refused one.

As in the other journeys, buttons are found by their form's `action` and fields by `name`.
"""

from __future__ import annotations

import io
import re

import openpyxl
from django.urls import reverse
from e2e_helpers import SUBMIT, sign_in
from playwright.sync_api import expect

from capuyso.members.models import ImportBatch, Member

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
    "STT",
    "Họ và tên",
    "Giới tính",
    "Ngày sinh",
    "Chi bộ",
    "Số thẻ đảng",
    "Số CCCD",
    "Ngày vào Đảng",
    "Ngày chính thức",
]
GOOD = ("Lương Văn Hòa", "Kiều Thị Mai")
BAD = "Quách Văn Sơn"
BAD_CITIZEN_ID = "00107200002"  # 11 digits, as text: refused, not padded


def workbook(cell_name: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "DS dang vien"
    sheet.append(["DANH SÁCH ĐẢNG VIÊN ĐẢNG BỘ XÃ PHÚ CÁT"])
    sheet.append(HEADERS)
    sheet.append(
        [1, GOOD[0], "Nam", "12/03/1965", cell_name, "52100101", "001065000101", "3/2/1990"]
        + ["3/2/1991"]
    )
    sheet.append(
        [2, BAD, "Nam", "20/11/1972", cell_name, "52100102", BAD_CITIZEN_ID, "19/5/1998"]
        + ["19/5/1999"]
    )
    sheet.append(
        [3, GOOD[1], "Nữ", "1/9/1980", cell_name, "52100103", "001180000103", "2/9/2005"]
        + ["2/9/2006"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_party_building_imports_a_workbook_with_a_refused_row(page, site, cast, console):
    before = Member.objects.count()

    # 1. Upload through the Import tab.
    sign_in(page, site, cast.party_building)
    expect(page).to_have_url(site("core:home"))
    response = page.goto(site("members:list"))
    assert response is not None and response.status == 200
    import_url = reverse("members:import")
    with page.expect_navigation():
        page.locator(f"nav.tabs a[href='{import_url}']").click()
    form = page.locator(f"form[action='{import_url}']")
    form.locator("input[name='file']").set_input_files(
        files=[{"name": "ds-dang-vien.xlsx", "mimeType": XLSX, "buffer": workbook(cast.cell.name)}]
    )
    with page.expect_navigation():
        form.locator(SUBMIT).first.click()

    # 2. The preview: two to create, one refused with its reason; nothing written yet.
    expect(page).to_have_url(re.compile(rf"/members/import/{UUID}/$"))
    code = re.search(rf"/import/({UUID})/$", page.url).group(1)
    batch = ImportBatch.objects.get(code=code)
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.report["counts"]["created"] == 2
    assert batch.report["counts"]["rejected"] == 1
    assert Member.objects.count() == before
    expect(page.get_by_role("heading", level=1)).to_contain_text("ds-dang-vien.xlsx")
    rows = page.locator("#import-rows tbody tr")
    expect(rows).to_have_count(3)
    refused = rows.first  # refused rows come first
    expect(refused).to_contain_text(BAD)
    expect(refused.locator(".badge-err")).to_have_count(1)
    expect(refused.locator("td").last).to_contain_text("11")  # the ID's length, in the reason
    for name in GOOD:
        expect(
            page.locator("#import-rows tbody tr", has_text=name).locator(".badge-ok")
        ).to_have_count(1)

    # 3. Apply.
    apply_url = reverse("members:import_apply", args=[code])
    with page.expect_navigation():
        page.locator(f"form[action='{apply_url}']").locator(SUBMIT).first.click()
    expect(page).to_have_url(site("members:import_preview", code))
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator(f"form[action='{apply_url}']")).to_have_count(0)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    created = Member.objects.filter(committee=cast.committee, full_name__in=GOOD + (BAD,))
    assert sorted(created.values_list("full_name", flat=True)) == sorted(GOOD)
    assert set(created.values_list("cell_id", flat=True)) == {cast.cell.pk}
    # The created rows now link to their files.
    for member in created:
        expect(
            page.locator(f"#import-rows a[href='{reverse('members:detail', args=[member.code])}']")
        ).to_have_count(1)

    # 4. The member list of the cell.
    response = page.goto(site(f"{reverse('members:list')}?cell={cast.cell.code}"))
    assert response is not None and response.status == 200
    table = page.locator("#member-table")
    for member in created:
        expect(
            table.locator(f"a[href='{reverse('members:detail', args=[member.code])}']")
        ).to_have_text(member.full_name)
    expect(table).not_to_contain_text(BAD)
    assert console.take() == []
