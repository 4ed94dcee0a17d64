"""The fees API: a member's own account and payment code, a member's account for the cell,
a cell's month book and the committee's summary — values to the đồng from dues computed
by the service and payments recorded through it; 401 without a credential, 403 without the
right (another member's account, another cell), 404 across committees."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from capuyso.core.testing import make_member
from capuyso.fees import vietqr
from capuyso.fees.models import BankAccount, Payment
from capuyso.fees.services.books import book_close
from capuyso.fees.services.payments import payment_record
from capuyso.fees.tests import factories as f

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = f.month(2026, 3), f.month(2026, 4), f.month(2026, 5)
AN_DUE = 76_543  # 1 % of 7,654,321 (76,543.21)
BINH_DUE = 25_000  # 0.5 % of a 5,000,000 pension
CHI_DUE = 5_000  # a student's fixed amount


@pytest.fixture
def fees(cast):
    """an (salaried, the `member` account) and binh (retired) in cast.cell, chi (student) in
    the other cell, a member of the other committee; dues for March to May 2026; an paid
    March in cash and April on the portal, binh paid nothing (three unpaid months), chi
    paid April in cash; the cell's March book is closed."""
    an = f.member_with_basis(cast, "salaried", 7_654_321, full_name="Trần Văn An")
    binh = f.member_with_basis(cast, "retired", 5_000_000, full_name="Đặng Thị Bình")
    chi = f.member_with_basis(cast, "student", None, cell=cast.other_cell, full_name="Lê Minh Chi")
    foreign = make_member(cast.other, cast.foreign_cell, "Mai Văn Đức")
    cast.member.member = an
    cast.member.save(update_fields=["member"])
    for month in (MARCH, APRIL, MAY):
        f.compute(cast.committee, month)
    payment_record(actor=None, member=an, month=MARCH, amount=AN_DUE, method="cash", paid_on=MARCH)
    payment_record(
        actor=None,
        member=an,
        month=APRIL,
        amount=AN_DUE,
        method="portal",
        paid_on=APRIL.replace(day=12),
        reference="DVC-2026-0412-001",
    )
    payment_record(
        actor=None, member=chi, month=APRIL, amount=CHI_DUE, method="cash", paid_on=APRIL
    )
    book_close(actor=cast.cell_secretary, cell=cast.cell, month=MARCH, version=None)
    return {"an": an, "binh": binh, "chi": chi, "foreign": foreign}


def ok(response):
    assert response.status_code == 200, response.content
    return response.json()


def month_of(body, ym):
    return next(line for line in body["months"] if line["month"] == ym)


# --- GET /fees/me ------------------------------------------------------------------------


def test_my_account_gives_dues_payments_balance_and_flag_to_the_dong(api_get, cast, fees):
    body = ok(api_get(cast.member, "/fees/me", year=2026))

    assert body["member"] == {"code": str(fees["an"].code), "full_name": "Trần Văn An"}
    assert body["cell"] == {"code": str(cast.cell.code), "name": "Chi bộ thôn Đồng Cát"}
    assert body["year"] == 2026
    assert 2026 in body["years"]
    assert body["balance"] == 2 * AN_DUE - 3 * AN_DUE
    assert (body["due_total"], body["paid_total"], body["extra_total"]) == (
        3 * AN_DUE,
        2 * AN_DUE,
        0,
    )
    march = month_of(body, "2026-03")
    assert march["status"] == "paid"
    assert march["due"] == {
        "amount": AN_DUE,
        "gross": AN_DUE,
        "group": "salaried",
        "group_name": march["due"]["group_name"],
        "basis_amount": 7_654_321,
        "rate_bp": 100,
        "fixed_amount": False,
        "relief_percent": 0,
        "relief_reason": "",
        "basis_missing": False,
        "missing_reason": "",
    }
    assert (march["paid"], march["difference"], march["left_to_pay"]) == (AN_DUE, 0, 0)
    may = month_of(body, "2026-05")
    assert (may["status"], may["paid"], may["difference"], may["left_to_pay"]) == (
        "unpaid",
        0,
        -AN_DUE,
        AN_DUE,
    )
    assert body["flag"] == {
        "year": 2026,
        "unpaid_months": ["2026-05"],
        "count": 1,
        "threshold": 3,
        "flagged": False,
    }
    portal = next(p for p in body["payments"] if p["method"] == "portal")
    assert portal["month"] == "2026-04"
    assert portal["book_month"] == "2026-04"
    assert portal["amount"] == AN_DUE
    assert isinstance(portal["amount"], int)
    assert portal["paid_on"] == "2026-04-12"
    assert portal["reference"] == "DVC-2026-0412-001"
    assert portal["voided"] is False
    assert {p["month"] for p in body["payments"]} == {"2026-03", "2026-04"}


def test_my_account_shows_reliefs_and_a_voided_payment(api_get, cast, fees):
    f.give_relief(fees["an"], percent=50, start=MAY, end=MAY)
    f.compute(cast.committee, MAY)
    Payment.objects.filter(member=fees["an"], month=APRIL).update(
        voided_at=fees["an"].created_at, void_reason="Ghi nhầm"
    )

    body = ok(api_get(cast.member, "/fees/me", year=2026))

    may = month_of(body, "2026-05")
    assert may["due"]["amount"] == 38_272  # 76,543 × 50 % = 38,271.5, half up
    assert may["due"]["relief_percent"] == 50
    assert body["reliefs"][0]["percent"] == 50
    assert body["reliefs"][0]["start_month"] == "2026-05"
    assert month_of(body, "2026-04")["status"] == "unpaid"
    voided = next(p for p in body["payments"] if p["month"] == "2026-04")
    assert (voided["voided"], voided["void_reason"]) == (True, "Ghi nhầm")
    assert body["balance"] == AN_DUE - (2 * AN_DUE + 38_272)


def test_my_account_needs_a_member_file_and_a_credential(client, api_get, cast, fees):
    assert client.get("/api/v1/fees/me").status_code == 401
    assert api_get(cast.admin, "/fees/me").status_code == 403  # no member file
    assert api_get(cast.outsider, "/fees/me").status_code == 403
    assert api_get(cast.member, "/fees/me", year=1999).status_code == 422


def test_a_year_without_dues_is_empty_but_keeps_the_balance(api_get, cast, fees):
    body = ok(api_get(cast.member, "/fees/me", year=2025))
    assert body["due_total"] == 0
    assert body["payments"] == []
    assert body["balance"] == -AN_DUE


# --- GET /fees/me/qr ---------------------------------------------------------------------


def test_my_payment_code_asks_for_what_is_left_of_the_month(api_get, client_for, cast, fees):
    BankAccount.objects.create(
        committee=cast.committee,
        bank_bin="970405",
        bank_name="Agribank",
        account_number="1502205123456",
        account_name="DANG UY XA PHU CAT",
    )

    body = ok(api_get(cast.member, "/fees/me/qr", month="2026-05"))

    assert body["month"] == "2026-05"
    assert (body["due"], body["paid"], body["amount"], body["static"]) == (
        AN_DUE,
        0,
        AN_DUE,
        False,
    )
    assert body["account"] == {
        "bank_bin": "970405",
        "bank_name": "Agribank",
        "account_number": "1502205123456",
        "account_name": "DANG UY XA PHU CAT",
    }
    parsed = vietqr.parse_payload(body["payload"])
    assert parsed["amount"] == AN_DUE
    assert parsed["bank_bin"] == "970405"
    assert vietqr.parse_fee_note(body["note"]).month == 5
    assert body["png_url"] == "/api/v1/fees/me/qr/png?month=2026-05"
    assert body["svg_url"] == "/api/v1/fees/me/qr/svg?month=2026-05"
    assert body["page_url"] == f"/fees/qr/member/{fees['an'].code}/2026-05/"
    # the images come with the same token, no browser session needed
    image = api_get(cast.member, "/fees/me/qr/png", month="2026-05")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")
    svg = api_get(cast.member, "/fees/me/qr/svg", month="2026-05")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert api_get(cast.member, "/fees/me/qr/gif", month="2026-05").status_code == 404
    assert client_for(cast.member).get(body["page_url"]).status_code == 200

    paid = ok(api_get(cast.member, "/fees/me/qr", month="2026-03"))
    assert (paid["amount"], paid["static"], paid["paid"]) == (None, True, AN_DUE)
    assert paid["payload"] is not None


def test_my_payment_code_without_an_account_has_no_image(api_get, cast, fees):
    body = ok(api_get(cast.member, "/fees/me/qr", month="2026-05"))
    assert body["account"] is None
    assert body["payload"] is None
    assert (body["png_url"], body["svg_url"]) == (None, None)
    assert body["note"]  # the note is still given, to write by hand


def test_my_payment_code_refuses_a_bad_month_and_strangers(client, api_get, cast, fees):
    assert api_get(cast.member, "/fees/me/qr", month="05/2026").status_code == 200
    response = api_get(cast.member, "/fees/me/qr", month="tháng năm")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "month"]
    assert api_get(cast.member, "/fees/me/qr", month="1999-12").status_code == 422
    assert client.get("/api/v1/fees/me/qr").status_code == 401
    assert api_get(cast.clerk, "/fees/me/qr").status_code == 403


# --- GET /fees/members/{code} ------------------------------------------------------------


def test_a_member_account_for_the_member_and_the_cell(api_get, cast, fees):
    binh = f"/fees/members/{fees['binh'].code}"
    own = ok(api_get(cast.member, f"/fees/members/{fees['an'].code}", year=2026))
    assert own["balance"] == -AN_DUE

    body = ok(api_get(cast.cell_secretary, binh, year=2026))
    assert body["member"]["full_name"] == "Đặng Thị Bình"
    assert body["flag"]["unpaid_months"] == ["2026-03", "2026-04", "2026-05"]
    assert body["flag"]["flagged"] is True
    assert body["balance"] == -3 * BINH_DUE
    assert month_of(body, "2026-04")["due"]["rate_bp"] == 50
    assert ok(api_get(cast.clerk, binh, year=2026))["balance"] == -3 * BINH_DUE
    assert ok(api_get(cast.inspector, binh, year=2026))["due_total"] == 3 * BINH_DUE


def test_a_member_account_is_refused_outside_the_callers_right(client, api_get, cast, fees):
    assert api_get(cast.member, f"/fees/members/{fees['binh'].code}").status_code == 403
    assert api_get(cast.cell_secretary, f"/fees/members/{fees['chi'].code}").status_code == 403
    assert api_get(cast.committee_member, f"/fees/members/{fees['an'].code}").status_code == 403
    assert api_get(cast.outsider, f"/fees/members/{fees['an'].code}").status_code == 404
    assert api_get(cast.outsider_clerk, f"/fees/members/{fees['an'].code}").status_code == 404
    assert api_get(cast.clerk, f"/fees/members/{fees['foreign'].code}").status_code == 404
    assert api_get(cast.clerk, f"/fees/members/{uuid.uuid4()}").status_code == 404
    assert api_get(cast.clerk, "/fees/members/not-a-code").status_code == 404
    assert client.get(f"/api/v1/fees/members/{fees['an'].code}").status_code == 401


# --- GET /fees/cells/{code}/months/{yyyy-mm} ---------------------------------------------


def cell_path(cell, ym):
    return f"/fees/cells/{cell.code}/months/{ym}"


def test_a_closed_cell_month_with_frozen_totals(api_get, cast, fees):
    body = ok(api_get(cast.cell_secretary, cell_path(cast.cell, "2026-03")))

    assert body["cell"] == {"code": str(cast.cell.code), "name": "Chi bộ thôn Đồng Cát"}
    assert body["month"] == "2026-03"
    assert (body["book_status"], body["closed"]) == ("closed", True)
    assert body["closed_at"] is not None
    retained = (AN_DUE * 3000 + 5000) // 10000  # 30 % of 76,543 = 22,962.9 → 22,963
    assert retained == 22_963
    assert body["totals"] == {
        "members_count": 2,
        "paying_count": 2,
        "paid_count": 1,
        "due_total": AN_DUE + BINH_DUE,
        "collected_cash": AN_DUE,
        "collected_portal": 0,
        "collected_bank": 0,
        "extra_total": 0,
        "collected_total": AN_DUE,
        "cell_keeps_bp": 3000,
        "retained": 22_963,
        "to_remit": AN_DUE - 22_963,
    }
    assert body["online"] == 0
    rows = {row["member"]["full_name"]: row for row in body["members"]}
    assert list(rows) == ["Đặng Thị Bình", "Trần Văn An"]  # by folded name
    an, binh = rows["Trần Văn An"], rows["Đặng Thị Bình"]
    assert (an["status"], an["paid"], an["left_to_pay"]) == ("paid", AN_DUE, 0)
    assert [(p["method"], p["amount"]) for p in an["payments"]] == [("cash", AN_DUE)]
    assert (binh["status"], binh["paid"], binh["left_to_pay"]) == ("unpaid", 0, BINH_DUE)
    assert (binh["unpaid_months"], binh["flagged"]) == (3, True)
    assert (an["unpaid_months"], an["flagged"]) == (1, False)
    assert body["flagged"] == 1
    assert (body["missing_basis"], body["not_computed"]) == (0, 0)


def test_an_open_cell_month_has_live_totals_and_the_online_share(api_get, cast, fees):
    body = ok(api_get(cast.clerk, cell_path(cast.cell, "2026-04")))

    assert (body["book_status"], body["closed"]) == ("open", False)
    assert body["totals"]["collected_portal"] == AN_DUE
    assert body["totals"]["collected_total"] == AN_DUE
    assert body["totals"]["paid_count"] == 1
    assert body["online"] == AN_DUE
    assert body["totals"]["to_remit"] == AN_DUE - 22_963
    empty = ok(api_get(cast.cell_secretary, cell_path(cast.cell, "2026-06")))
    assert empty["book_status"] is None
    assert empty["totals"]["collected_total"] == 0
    assert empty["not_computed"] == 2  # members who owe June, dues not computed yet


def test_a_cell_month_is_refused_outside_the_callers_right(client, api_get, cast, fees):
    assert api_get(cast.cell_secretary, cell_path(cast.other_cell, "2026-03")).status_code == 403
    assert api_get(cast.member, cell_path(cast.cell, "2026-03")).status_code == 403
    assert api_get(cast.outsider, cell_path(cast.cell, "2026-03")).status_code == 404
    assert api_get(cast.clerk, cell_path(cast.foreign_cell, "2026-03")).status_code == 404
    assert api_get(cast.clerk, f"/fees/cells/{uuid.uuid4()}/months/2026-03").status_code == 404
    for bad in ("2026-13", "march", "1999-01"):
        assert api_get(cast.clerk, cell_path(cast.cell, bad)).status_code == 404
    assert client.get(f"/api/v1{cell_path(cast.cell, '2026-03')}").status_code == 401


def test_a_cell_month_runs_the_same_queries_for_more_members(api_get, cast, fees):
    path = cell_path(cast.cell, "2026-04")
    api_get(cast.cell_secretary, path)  # the token is made outside the count

    def queries():
        with CaptureQueriesContext(connection) as captured:
            ok(api_get(cast.cell_secretary, path))
        return len(captured)

    before = queries()
    for i in range(8):
        f.member_with_basis(cast, "salaried", 6_000_000 + i, full_name=f"Đảng viên {i}")
    f.compute(cast.committee, APRIL)
    assert queries() == before


# --- GET /fees/committee -----------------------------------------------------------------


def test_the_committee_summary_per_cell_and_in_total(api_get, cast, fees):
    body = ok(api_get(cast.clerk, "/fees/committee", month="2026-04"))

    assert body["month"] == "2026-04"
    cells = {item["cell"]["name"]: item for item in body["cells"]}
    village = cells["Chi bộ thôn Đồng Cát"]
    assert village["cell"]["code"] == str(cast.cell.code)
    assert (village["due"], village["paid"], village["collected"], village["online"]) == (
        AN_DUE + BINH_DUE,
        AN_DUE,
        AN_DUE,
        AN_DUE,
    )
    assert village["online_percent"] == 100.0
    assert village["missing"] == BINH_DUE
    assert village["book_status"] == "open"
    assert village["year"]["collected"] == 2 * AN_DUE
    assert village["year"]["due"] == 2 * (AN_DUE + BINH_DUE)
    school = cells["Chi bộ Trường Tiểu học Phú Cát"]
    assert (school["due"], school["collected"], school["online"]) == (CHI_DUE, CHI_DUE, 0)
    total = body["total"]
    assert (total["collected"], total["online"]) == (AN_DUE + CHI_DUE, AN_DUE)
    assert total["online_percent"] == 93.9  # 76,543 / 81,543
    assert body["closed_count"] == 0

    march = ok(api_get(cast.secretary, "/fees/committee", month="2026-03"))
    village = next(c for c in march["cells"] if c["cell"]["code"] == str(cast.cell.code))
    assert village["book_status"] == "closed"
    assert village["to_remit"] == AN_DUE - 22_963
    assert march["closed_count"] == 1


def test_the_committee_summary_needs_the_committee_wide_right(client, api_get, cast, fees):
    assert api_get(cast.cell_secretary, "/fees/committee").status_code == 403
    assert api_get(cast.member, "/fees/committee").status_code == 403
    assert api_get(cast.committee_member, "/fees/committee").status_code == 403
    assert api_get(cast.clerk, "/fees/committee", month="2026/04/01").status_code == 422
    assert client.get("/api/v1/fees/committee").status_code == 401
    # The outsider reads their own committee's summary: nothing of phu-cat.
    body = ok(api_get(cast.outsider, "/fees/committee", month="2026-04"))
    assert str(cast.cell.code) not in str(body)
    assert {c["cell"]["code"] for c in body["cells"]} == {str(cast.foreign_cell.code)}


# --- payment codes of a member, images -----------------------------------------------------


def test_a_cell_secretary_reads_a_members_code_and_image_with_a_token(client, api_get, cast, fees):
    BankAccount.objects.create(
        committee=cast.committee,
        bank_bin="970405",
        bank_name="Agribank",
        account_number="1502205123456",
        account_name="DANG UY XA PHU CAT",
    )
    binh = fees["binh"]
    body = ok(api_get(cast.cell_secretary, f"/fees/members/{binh.code}/qr", month="2026-04"))
    assert (body["member"]["full_name"], body["amount"]) == ("Đặng Thị Bình", BINH_DUE)
    assert body["png_url"] == f"/api/v1/fees/members/{binh.code}/qr/png?month=2026-04"
    image = api_get(cast.cell_secretary, f"/fees/members/{binh.code}/qr/png", month="2026-04")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    # the member themselves; not another member, another cell or another committee
    assert api_get(cast.member, f"/fees/members/{fees['an'].code}/qr/svg").status_code == 200
    assert api_get(cast.member, f"/fees/members/{binh.code}/qr").status_code == 403
    assert api_get(cast.member, f"/fees/members/{binh.code}/qr/png").status_code == 403
    chi = fees["chi"]
    assert api_get(cast.cell_secretary, f"/fees/members/{chi.code}/qr/png").status_code == 403
    assert api_get(cast.outsider_clerk, f"/fees/members/{binh.code}/qr").status_code == 404
    assert api_get(cast.outsider_clerk, f"/fees/members/{binh.code}/qr/png").status_code == 404
    assert client.get(f"/api/v1/fees/members/{binh.code}/qr/png").status_code == 401


def test_without_an_account_there_is_no_image(api_get, cast, fees):
    assert api_get(cast.member, "/fees/me/qr/png", month="2026-05").status_code == 404


# --- POST /fees/me/basis -------------------------------------------------------------------


def api_post(client, user, path, body):
    from capuyso.accounts.services import api_token_create

    token = api_token_create(actor=None, user=user, name="post")[1]
    return client.post(
        f"/api/v1{path}",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_member_declares_their_own_basis(client, cast, fees):
    from capuyso.fees.models import FeeBasis

    response = api_post(
        client,
        cast.member,
        "/fees/me/basis",
        {"month": "2026-06", "group": "salaried", "amount": 8_000_000, "note": "Lên lương"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "month": "2026-06",
        "group": "salaried",
        "group_name": body["group_name"],
        "amount": 8_000_000,
        "declared_by": "member",
    }
    row = FeeBasis.objects.get(member=fees["an"], effective_from=f.month(2026, 6))
    assert (row.amount, row.declared_by, row.note) == (8_000_000, "member", "Lên lương")


def test_a_bad_declaration_is_refused_and_changes_nothing(client, cast, fees):
    from capuyso.fees.models import FeeBasis

    before = FeeBasis.objects.count()

    def errors(body):
        response = api_post(client, cast.member, "/fees/me/basis", body)
        assert response.status_code == 422, response.content
        return [(e["loc"][-1], e["type"]) for e in response.json()["detail"]]

    assert errors({"month": "06/2026x", "group": "salaried", "amount": 1}) == [("month", "invalid")]
    assert errors({"month": "2026-06", "group": "astronaut", "amount": 1}) == [("group", "invalid")]
    assert errors({"month": "2026-06", "group": "salaried", "amount": -5}) == [
        ("amount", "negative")
    ]
    assert errors({"month": "2026-06", "group": "salaried", "amount": 10**12}) == [
        ("amount", "basis_bounds")
    ]
    assert errors({"month": "2026-03", "group": "salaried", "amount": 8_000_000}) == [
        ("month", "closed_month")
    ]
    assert FeeBasis.objects.count() == before
    # no member file: 403; no credential: 401
    response = api_post(client, cast.clerk, "/fees/me/basis", {"month": "2026-06", "group": "x"})
    assert response.status_code == 403
    assert (
        client.post("/api/v1/fees/me/basis", {}, content_type="application/json").status_code == 401
    )
