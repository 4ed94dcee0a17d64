"""Pages of members' fee bases and reliefs: a member's page, the cell's bulk entry for a month,
the import with its preview; who may open them (403 / 404 / 405)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from capuyso.core.testing import make_member
from capuyso.fees.models import FeeBasis, FeeRelief
from capuyso.fees.services import bases as services
from capuyso.fees.tests import factories as f

D = dt.date
JUL = D(2026, 7, 1)


@pytest.fixture
def member(cast):
    return f.member_with_basis(cast, "salaried", 7_000_000, since=D(2026, 3, 1), full_name="An")


def errors(response, field):
    return [e.code for e in response.context["form"].errors.as_data()[field]]


def test_the_member_page_shows_the_history_and_the_forms_to_managers(cast, client_for, member):
    f.set_basis(member, "salaried", 8_000_000, since=D(2026, 6, 1))
    url = reverse("fees:member_bases", args=[member.code])
    page = client_for(cast.cell_secretary).get(url)
    assert page.status_code == 200 and page.context["manage"]
    text = page.content.decode()
    assert "8.000.000" in text and "7.000.000" in text
    assert reverse("fees:basis_declare", args=[member.code]) in text
    readonly = client_for(cast.secretary).get(url)  # leaders read
    assert readonly.status_code == 200 and not readonly.context["manage"]
    assert reverse("fees:basis_declare", args=[member.code]) not in readonly.content.decode()
    assert client_for(cast.outsider).get(url).status_code == 404
    other = make_member(cast.committee, cast.other_cell, "Ngô Thị Giáo")
    url = reverse("fees:member_bases", args=[other.code])
    assert client_for(cast.cell_secretary).get(url).status_code == 403


def test_declaring_through_the_page(cast, client_for, member):
    url = reverse("fees:basis_declare", args=[member.code])
    client = client_for(cast.cell_secretary)
    assert client.get(url).status_code == 405
    salaried = f.group("salaried")
    response = client.post(url, {"month": "2026-07", "group": salaried.pk, "amount": "-7.654.321"})
    assert response.status_code == 200
    assert [e.code for e in response.context["declare_form"].errors.as_data()["amount"]] == [
        "negative"
    ]
    response = client.post(
        url, {"month": "07/2026", "group": salaried.pk, "amount": "7.654.321.000"}
    )
    assert [e.code for e in response.context["declare_form"].errors.as_data()["amount"]] == [
        "basis_bounds"
    ]
    assert FeeBasis.objects.filter(member=member).count() == 1
    response = client.post(url, {"month": "2026-07", "group": salaried.pk, "amount": "7.654.321"})
    assert response.status_code == 302
    assert services.basis_in_force(member, JUL).amount == 7_654_321
    assert client_for(cast.secretary).post(url, {}).status_code == 403
    assert client_for(cast.outsider).post(url, {}).status_code == 404


def test_the_cells_month_in_bulk(cast, client_for, member, django_assert_max_num_queries):
    new = make_member(cast.committee, cast.cell, "Bình")
    url = reverse("fees:bases_cell", args=[cast.cell.code, "2026-07"])
    client = client_for(cast.cell_secretary)
    with django_assert_max_num_queries(30):
        page = client.get(url)
    assert page.status_code == 200 and page.context["missing"] == 1
    form = page.context["form"]
    assert form[f"amount-{member.code}"].value() == "7.000.000"
    text = page.content.decode()
    assert 'value="7.000.000"' in text
    data = {
        "version": form["version"].value(),
        f"group-{member.code}": str(f.group("salaried").pk),
        f"amount-{member.code}": "7.000.000",
        f"group-{new.code}": str(f.group("student").pk),
        f"amount-{new.code}": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert services.basis_in_force(new, JUL).group.slug == "student"
    assert FeeBasis.objects.filter(member=member).count() == 1  # unchanged: nothing written
    stale = client.post(url, {**data, f"amount-{member.code}": "9.000.000"})
    assert stale.status_code == 200
    assert [e.code for e in stale.context["form"].non_field_errors().as_data()] == ["stale"]
    assert services.basis_in_force(member, JUL).amount == 7_000_000
    fresh = client.get(url).context["form"]["version"].value()
    bad = client.post(url, {**data, "version": fresh, f"amount-{member.code}": "abc"})
    assert bad.status_code == 200 and errors(bad, f"amount-{member.code}") == ["invalid"]


def test_the_bulk_page_is_for_the_cells_managers(cast, client_for):
    url = reverse("fees:bases_cell", args=[cast.cell.code, "2026-07"])
    for user in (cast.secretary, cast.inspector, cast.member, cast.admin):
        assert client_for(user).get(url).status_code == 403, user
    assert client_for(cast.outsider_clerk).get(url).status_code == 404
    client = client_for(cast.clerk)
    assert client.get(url).status_code == 200
    bad = reverse("fees:bases_cell", args=[cast.cell.code, "July"])
    assert client.get(bad).status_code == 404
    now = client.get(reverse("fees:bases_cell_now", args=[cast.cell.code]))
    assert now.status_code == 302 and str(cast.cell.code) in now["Location"]


def test_import_preview_then_save(cast, client_for, member):
    url = reverse("fees:bases_import", args=[cast.cell.code])
    client = client_for(cast.cell_secretary)
    assert client.get(url).status_code == 200
    bad = "Họ và tên;Ngày sinh;Nhóm;Số tiền\nAn;01/05/1970;salaried;-5\n".encode()
    response = client.post(
        url, {"month": "2026-07", "file": SimpleUploadedFile("cb.csv", bad, "text/csv")}
    )
    assert response.status_code == 200 and response.context["errors"] == 1
    assert 'name="token"' not in response.content.decode()
    good = "Họ và tên;Ngày sinh;Nhóm;Số tiền\nAn;01/05/1970;salaried;7.500.000\n".encode()
    response = client.post(
        url, {"month": "2026-07", "file": SimpleUploadedFile("cb.csv", good, "text/csv")}
    )
    assert response.context["errors"] == 0
    assert services.basis_in_force(member, JUL).amount == 7_000_000  # a preview saves nothing
    token = response.context["token"]
    response = client.post(url, {"token": token})
    assert response.status_code == 302
    assert services.basis_in_force(member, JUL).declared_by == "import"
    assert client.post(url, {"token": token}).status_code == 302  # used: expired
    assert services.basis_in_force(member, JUL).amount == 7_500_000
    nocols = client.post(
        url, {"month": "2026-07", "file": SimpleUploadedFile("x.csv", b"a;b\n1;2\n", "text/csv")}
    )
    assert [e.code for e in nocols.context["form"].errors.as_data()["file"]]
    assert client_for(cast.secretary).post(url, {"token": token}).status_code == 403


def test_reliefs_through_the_member_page(cast, client_for, member):
    client = client_for(cast.cell_secretary)
    url = reverse("fees:relief_record", args=[member.code])
    assert client.get(url).status_code == 405
    data = {
        "kind": "reduction",
        "reason": "hardship",
        "percent": "70",
        "decision": "12-QĐ/ĐU",
        "decision_date": "2026-02-20",
        "start_month": "2026-03",
        "end_month": "2026-05",
    }
    assert client.post(url, {**data, "percent": "40"}).status_code == 200
    response = client.post(url, {**data, "end_month": ""})
    assert [e.code for e in response.context["relief_form"].errors.as_data()["end_month"]] == [
        "end_required"
    ]
    assert client.post(url, data).status_code == 302
    relief = FeeRelief.objects.get(member=member)
    page = client.get(reverse("fees:member_bases", args=[member.code])).content.decode()
    assert "12-QĐ/ĐU" in page and "70 %" in page
    end = reverse("fees:relief_end", args=[relief.code])
    withdraw = reverse("fees:relief_withdraw", args=[relief.code])
    assert client.get(end).status_code == 405 and client.get(withdraw).status_code == 405
    assert client.post(end, {"end_month": "2026-04"}).status_code == 302
    relief.refresh_from_db()
    assert relief.end_month == D(2026, 4, 1)
    assert client_for(cast.secretary).post(withdraw, {"reason": "x"}).status_code == 403
    assert client_for(cast.outsider_clerk).post(withdraw, {"reason": "x"}).status_code == 404
    client = client_for(cast.cell_secretary)
    client.post(withdraw, {"reason": "Ghi nhầm"})
    relief.refresh_from_db()
    assert relief.withdrawal_reason == "Ghi nhầm"
