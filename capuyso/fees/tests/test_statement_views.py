"""Bank statement pages: upload, the import report, statement and line pages, resolution;
405 on GET for the mutating views, 403 without committee-wide FEES_MANAGE, 404 outsiders."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from capuyso.fees import vietqr
from capuyso.fees.models import BankStatement, Payment, Remittance, StatementLine
from capuyso.fees.services import statements as service
from capuyso.fees.services.refs import fee_ref_for_cell, fee_ref_for_member
from capuyso.fees.tests import factories as f
from capuyso.fees.tests.test_statements import csv_bytes

M3 = f.month(2026, 3)


@pytest.fixture
def fees(cast):
    an = f.member_with_basis(cast, "salaried", 7_654_321, full_name="Nguyễn Văn An")
    binh = f.member_with_basis(cast, "student", full_name="Trần Thị Bình")
    f.compute(cast.committee, M3)
    return an, binh


def note_for(member):
    return vietqr.format_fee_note(
        fee_ref_for_cell(member.cell), fee_ref_for_member(member), 2026, 3
    )


def upload(client, data, name="saoke.csv"):
    return client.post(
        reverse("fees:statements"), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


@pytest.fixture
def imported(cast, fees):
    an, _binh = fees
    rows = [
        ("05/03/2026", "76.543", note_for(an), "FT1"),
        ("06/03/2026", "5.000", "chuyen tien", "FT2"),
    ]
    return service.statement_import(
        actor=cast.clerk, committee=cast.committee, file_name="saoke.csv", data=csv_bytes(rows)
    )


def test_upload_shows_the_report(cast, client_for, fees):
    an, binh = fees
    rows = [
        ("05/03/2026", "76.543", note_for(an), "FT1"),
        ("06/03/2026", "5.000", "chuyen tien", "FT2"),
        ("07/03/2026", "-9.000", "phi", "FT3"),
    ]
    client = client_for(cast.clerk)
    assert client.get(reverse("fees:statements")).status_code == 200
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 200
    report = response.context["report"]
    assert len(report.matched) == 1 and len(report.unmatched) == 1
    text = response.content.decode()
    assert "chuyen tien" in text and 'id="import-counts"' in text
    assert Payment.objects.get().member == an


def test_reupload_of_overlapping_lines_lists_duplicates(cast, client_for, fees, imported):
    an, binh = fees
    rows = [
        ("05/03/2026", "76.543", note_for(an), "FT1"),
        ("08/03/2026", "5.000", note_for(binh), "FT4"),
    ]
    response = upload(client_for(cast.clerk), csv_bytes(rows, sep=","), name="thang3.csv")
    assert response.status_code == 200
    assert len(response.context["report"].duplicates) == 1
    assert 'id="duplicates"' in response.content.decode()


def test_same_file_twice_and_unknown_layout_are_refused_with_nothing_saved(cast, client_for, fees):
    an, _binh = fees
    data = csv_bytes([("05/03/2026", "76.543", note_for(an), "FT1")])
    client = client_for(cast.clerk)
    upload(client, data)
    again = upload(client, data)
    assert again.status_code == 400
    assert again.context["form"].has_error("file", "already_imported")
    unknown = upload(
        client, csv_bytes([("05/03/2026", "1", "x")], header=("Thời gian", "Giá trị", "Ghi chú"))
    )
    assert unknown.status_code == 400
    assert unknown.context["form"].has_error("file", "unknown_layout")
    assert "Thời gian" in unknown.content.decode()
    assert BankStatement.objects.count() == 1 and StatementLine.objects.count() == 1


def test_oversized_upload_is_refused(cast, client_for, settings, fees):
    settings.FEES_STATEMENT_MAX_MB = 1
    data = b"x" * (1024 * 1024 + 1)
    response = upload(client_for(cast.clerk), data)
    assert response.status_code == 400
    assert response.context["form"].has_error("file", "file_too_large")


@pytest.mark.parametrize("role", ["cell_secretary", "secretary", "admin", "member", "outsider"])
def test_statements_page_needs_committee_wide_manage(cast, client_for, role):
    client = client_for(getattr(cast, role))
    assert client.get(reverse("fees:statements")).status_code == 403
    assert client.get(reverse("fees:statement_unmatched")).status_code == 403


def test_statement_and_line_pages(cast, client_for, imported):
    client = client_for(cast.clerk)
    page = client.get(reverse("fees:statement", args=[imported.statement.code]))
    assert page.status_code == 200 and "chuyen tien" in page.content.decode()
    only = client.get(reverse("fees:statement", args=[imported.statement.code]) + "?status=matched")
    assert "chuyen tien" not in only.content.decode()
    line = imported.unmatched[0]
    detail = client.get(reverse("fees:statement_line", args=[line.code]))
    assert detail.status_code == 200 and 'id="resolve-member"' in detail.content.decode()
    unmatched = client.get(reverse("fees:statement_unmatched"))
    assert [x.pk for x in unmatched.context["page"].object_list] == [line.pk]


def test_object_pages_404_for_outsiders_403_for_others(cast, client_for, imported):
    line = imported.unmatched[0]
    urls = [
        reverse("fees:statement", args=[imported.statement.code]),
        reverse("fees:statement_line", args=[line.code]),
    ]
    posts = [
        reverse(f"fees:statement_line_{action}", args=[line.code])
        for action in ("resolve", "remit", "ignore")
    ]
    for user in (cast.outsider_clerk, cast.outsider):
        client = client_for(user)
        assert all(client.get(u).status_code == 404 for u in urls)
        assert all(client.post(u, {"note": "x"}).status_code == 404 for u in posts)
    client = client_for(cast.cell_secretary)
    assert all(client.get(u).status_code == 403 for u in urls)
    assert all(client.post(u, {"note": "x"}).status_code == 403 for u in posts)
    client = client_for(cast.clerk)
    assert all(client.get(u).status_code == 405 for u in posts)
    line.refresh_from_db()
    assert line.status == "unmatched"


def test_search_and_resolve_a_line(cast, client_for, fees, imported):
    _an, binh = fees
    line = imported.unmatched[0]
    client = client_for(cast.clerk)
    found = client.get(
        reverse("fees:statement_line", args=[line.code]),
        {"q": "tran thi binh"},
        HTTP_HX_REQUEST="true",
    )
    assert found.status_code == 200
    text = found.content.decode()
    assert text.lstrip().startswith('<div id="candidates">') and "Trần Thị Bình" in text
    response = client.post(
        reverse("fees:statement_line_resolve", args=[line.code]),
        {"member": binh.code, "month": "03/2026", "note": "Gọi điện xác nhận"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.status == "resolved" and line.payment.member == binh
    again = client.post(
        reverse("fees:statement_line_resolve", args=[line.code]),
        {"member": binh.code, "month": "03/2026"},
    )
    assert again.status_code == 302  # back to the line, with the message
    assert Payment.objects.filter(member=binh).count() == 1


def test_resolve_with_bad_input_changes_nothing(cast, client_for, imported):
    line = imported.unmatched[0]
    client = client_for(cast.clerk)
    url = reverse("fees:statement_line_resolve", args=[line.code])
    bad_month = client.post(url, {"member": imported.matched[0].member.code, "month": "13/2026"})
    assert bad_month.status_code == 400
    assert bad_month.context["resolve_form"].has_error("month", "month")
    foreign = f.member_with_basis(
        cast.other, "student", cell=cast.foreign_cell, full_name="Người Xã Khác"
    )
    other = client.post(url, {"member": foreign.code, "month": "03/2026"})
    assert other.context["resolve_form"].has_error("member", "member")
    line.refresh_from_db()
    assert line.status == "unmatched" and line.payment is None


def test_resolve_as_remittance_and_ignore(cast, client_for, fees):
    rows = [("02/04/2026", "210.000", "chi bo nop", "FT7"), ("03/04/2026", "9.000", "lai", "FT8")]
    report = service.statement_import(
        actor=cast.clerk, committee=cast.committee, file_name="t4.csv", data=csv_bytes(rows)
    )
    remit_line, other_line = report.unmatched
    client = client_for(cast.clerk)
    response = client.post(
        reverse("fees:statement_line_remit", args=[remit_line.code]),
        {"cell": cast.cell.pk, "month": "03/2026"},
    )
    assert response.status_code == 302
    assert Remittance.objects.get().amount == 210_000
    empty = client.post(reverse("fees:statement_line_ignore", args=[other_line.code]), {})
    assert empty.status_code == 400
    assert empty.context["ignore_form"].has_error("note", "required")
    done = client.post(
        reverse("fees:statement_line_ignore", args=[other_line.code]), {"note": "Lãi tiền gửi"}
    )
    assert done.status_code == 302
    other_line.refresh_from_db()
    assert other_line.status == "ignored"


def test_unmatched_list_queries_are_bounded(cast, client_for, fees, django_assert_max_num_queries):
    rows = [
        (f"{day:02d}/03/2026", "5.000", f"chuyen tien {day}", f"FT{day}") for day in range(1, 29)
    ]
    service.statement_import(
        actor=cast.clerk, committee=cast.committee, file_name="t3.csv", data=csv_bytes(rows)
    )
    client = client_for(cast.clerk)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("fees:statement_unmatched")).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("fees:statements")).status_code == 200
