"""Pages of the member life cycle: rights (405/403/404), forms, messages, bounded queries,
and the quorum count a cell secretary sees drop when a member is exempted."""

import datetime as dt
import re

import pytest

from capuyso.accounts.roles import Role
from capuyso.core.testing import make_member, make_user
from capuyso.members.models import Exemption, Member, Transfer
from capuyso.members.services import lifecycle as life
from capuyso.members.services import transfers as svc
from capuyso.org.models import Unit

pytestmark = pytest.mark.django_db

D = dt.date


def eligible_on(response) -> int:
    match = re.search(r'data-quorum="eligible">(\d+)<', response.content.decode())
    assert match, "the quorum count is not on the page"
    return int(match.group(1))


def probationer(cast, name="Lê Văn Dự Bị"):
    return make_member(
        cast.committee,
        cast.cell,
        name,
        admission_date=D(2024, 12, 30),
        ceremony_date=D(2025, 1, 20),
        full_membership_date=None,
        status=Member.Status.PROBATIONARY,
    )


@pytest.fixture
def other_board(cast):
    organ = Unit.objects.get(committee=cast.other, kind=Unit.Kind.PARTY_BUILDING_BOARD)
    return make_user(cast.other, "banxaydung-dx", "Phan Văn Dũng", Role.PARTY_BUILDING, organ)


# --- The journey: exemption and the quorum count --------------------------------------


def test_cell_secretary_exempts_a_member_and_the_quorum_drops(cast, client_for):
    member = make_member(cast.committee, cast.cell, "Trần Văn Già")
    make_member(cast.committee, cast.cell, "Nguyễn Văn Khỏe")
    client = client_for(cast.cell_secretary)
    page = client.get(f"/members/{member.code}/")
    assert page.status_code == 200
    assert eligible_on(page) == 2
    assert f"/members/{member.code}/exemption/" in page.content.decode()

    form = client.get(f"/members/{member.code}/exemption/")
    assert form.status_code == 200
    response = client.post(
        f"/members/{member.code}/exemption/",
        {
            "reason": "age",
            "applied_on": "02/02/2026",
            "decision_number": "03-NQ/CB",
            "decision_date": "10/02/2026",
            "starts_on": "10/02/2026",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/members/{member.code}/"
    page = client.get(f"/members/{member.code}/")
    assert eligible_on(page) == 1
    member.refresh_from_db()
    assert member.status == Member.Status.EXEMPT
    # The same form posted again records nothing new.
    client.post(
        f"/members/{member.code}/exemption/",
        {
            "reason": "age",
            "applied_on": "02/02/2026",
            "decision_number": "03-NQ/CB",
            "decision_date": "10/02/2026",
            "starts_on": "10/02/2026",
        },
    )
    assert member.exemptions.count() == 1

    exemption = member.exemptions.get()
    assert client.get(f"/members/exemptions/{exemption.code}/end/").status_code == 405
    response = client.post(
        f"/members/exemptions/{exemption.code}/end/", {"resume_on": "01/06/2026"}
    )
    assert response.status_code == 302
    assert eligible_on(client.get(f"/members/{member.code}/")) == 2


def test_bad_exemption_input_is_shown_and_changes_nothing(cast, client_for):
    member = make_member(cast.committee, cast.cell, "Trần Văn Già")
    response = client_for(cast.cell_secretary).post(
        f"/members/{member.code}/exemption/",
        {
            "reason": "age",
            "applied_on": "02/02/2026",
            "decision_date": "10/02/2099",
            "starts_on": "31/02/2026",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["starts_on"]
    assert not Exemption.objects.exists()


def test_exemption_pages_rights(cast, client_for):
    member = make_member(cast.committee, cast.cell, "Trần Văn Già")
    exemption = life.exemption_record(
        actor=cast.cell_secretary,
        member=member,
        reason="health",
        applied_on=D(2026, 2, 2),
        decision_date=D(2026, 2, 10),
        starts_on=D(2026, 2, 10),
    )
    assert client_for(cast.cell_deputy).get(f"/members/{member.code}/exemption/").status_code == 403
    assert client_for(cast.outsider).get(f"/members/{member.code}/exemption/").status_code == 404
    url = f"/members/exemptions/{exemption.code}/end/"
    assert client_for(cast.cell_deputy).post(url, {"resume_on": "01/06/2026"}).status_code == 403
    assert client_for(cast.outsider).post(url, {"resume_on": "01/06/2026"}).status_code == 404
    member.refresh_from_db()
    assert member.status == Member.Status.EXEMPT


# --- Recognitions ---------------------------------------------------------------------


def test_recognitions_page_lists_the_cell_with_its_quorum(
    cast, client_for, django_assert_max_num_queries
):
    for i in range(5):
        probationer(cast, f"Dự Bị {i}")
    make_member(cast.committee, cast.cell, "Chính Thức")
    other = make_member(
        cast.committee,
        cast.other_cell,
        "Chi Bộ Khác",
        admission_date=D(2024, 12, 30),
        ceremony_date=D(2025, 1, 20),
        full_membership_date=None,
        status=Member.Status.PROBATIONARY,
    )
    client = client_for(cast.cell_secretary)
    with django_assert_max_num_queries(20):
        response = client.get("/members/recognitions/")
    assert response.status_code == 200
    names = [item.member.full_name for item in response.context["page"]]
    assert len(names) == 5
    assert other.full_name not in names
    assert eligible_on(response) == 1
    assert "badge-err" in response.content.decode()  # overdue: deadline 10/03/2026 has passed
    partial = client.get("/members/recognitions/", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()


def test_recognitions_page_rights(cast, client_for):
    assert client_for(cast.clerk).get("/members/recognitions/").status_code == 403
    assert client_for(cast.outsider).get("/members/recognitions/").status_code == 403
    response = client_for(cast.outsider).get("/members/recognitions/", {"cell": cast.cell.code})
    assert response.status_code == 404
    assert client_for(cast.standing).get("/members/recognitions/").status_code == 200


def test_recording_recognition_from_the_page(cast, client_for):
    member = probationer(cast)
    client = client_for(cast.cell_secretary)
    page = client.get(f"/members/{member.code}/recognize/")
    assert page.status_code == 200
    assert "10/03/2026" in page.content.decode()  # the deadline across Tết
    bad = client.post(
        f"/members/{member.code}/recognize/",
        {"decision_number": "45-QĐ/ĐU", "decision_date": "19/01/2026"},
    )
    assert bad.status_code == 200
    assert bad.context["form"].errors["decision_date"]
    member.refresh_from_db()
    assert member.status == Member.Status.PROBATIONARY
    response = client.post(
        f"/members/{member.code}/recognize/",
        {"decision_number": "45-QĐ/ĐU", "decision_date": "02/04/2026"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.FULL
    assert member.full_membership_date == D(2026, 1, 20)


def test_failed_votes_from_the_page(cast, client_for):
    member = probationer(cast)
    client = client_for(cast.cell_secretary)
    url = f"/members/{member.code}/recognize/failed-vote/"
    assert client.get(url).status_code == 405
    for day in ("22/01/2026", "05/02/2026", "02/03/2026"):
        assert client.post(url, {"vote_date": day}).status_code == 302
    page = client.get(f"/members/{member.code}/recognize/")
    assert page.context["refer_upward"]
    assert client.post(url, {"vote_date": "2099-01-01"}).status_code == 400
    assert client_for(cast.cell_deputy).post(url, {"vote_date": "23/01/2026"}).status_code == 403
    assert client_for(cast.outsider).post(url, {"vote_date": "23/01/2026"}).status_code == 404


def test_recognize_rights(cast, client_for):
    member = probationer(cast)
    url = f"/members/{member.code}/recognize/"
    data = {"decision_number": "1", "decision_date": "02/02/2026"}
    assert client_for(cast.cell_deputy).post(url, data).status_code == 403
    assert client_for(cast.standing).get(url).status_code == 403
    assert client_for(cast.outsider).post(url, data).status_code == 404
    member.refresh_from_db()
    assert member.status == Member.Status.PROBATIONARY


# --- Closing and gaps -------------------------------------------------------------------


def test_closing_from_the_page(cast, client_for):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Rời")
    make_member(cast.committee, cast.cell, "Ở Lại")
    client = client_for(cast.cell_secretary)
    url = f"/members/{member.code}/close/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"status": "struck_off", "on": "05/05/2026", "decision": ""})
    assert bad.status_code == 400
    assert bad.context["form"].errors["decision"]
    response = client.post(url, {"status": "deceased", "on": "05/05/2026"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.DECEASED
    page = client.get(f"/members/{member.code}/")
    assert f"/members/{member.code}/close/" not in page.content.decode()  # no more actions
    assert client_for(cast.cell_deputy).post(url, {}).status_code == 403
    assert client_for(cast.outsider).post(url, {}).status_code == 404


def test_gaps_from_the_page(cast, client_for):
    member = make_member(cast.committee, cast.cell, "Tái Kết Nạp")
    client = client_for(cast.cell_secretary)
    url = f"/members/{member.code}/gaps/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"start": "29/02/2004", "end": "28/02/2008", "reason": "Xóa tên"})
    assert response.status_code == 302
    assert member.gaps.count() == 1
    overlap = client.post(url, {"start": "01/01/2007", "end": "01/01/2009", "reason": "x"})
    assert overlap.status_code == 400
    assert client_for(cast.outsider).post(url, {}).status_code == 404


# --- Transfers ----------------------------------------------------------------------------


def test_internal_move_from_the_page(cast, client_for):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Chuyển")
    client = client_for(cast.party_building)
    url = f"/members/{member.code}/transfer/"
    assert client.get(url).status_code == 200
    missing = client.post(
        url, {"scope": "internal", "kind": "permanent", "decision_date": "02/03/2026"}
    )
    assert missing.status_code == 400
    assert missing.context["form"].errors["to_cell"]
    response = client.post(
        url,
        {
            "scope": "internal",
            "kind": "permanent",
            "to_cell": cast.other_cell.code,
            "decision_date": "02/03/2026",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.cell == cast.other_cell


def test_cell_secretary_transfers_only_within_what_they_manage(cast, client_for):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Chuyển")
    client = client_for(cast.cell_secretary)
    url = f"/members/{member.code}/transfer/"
    page = client.get(url)
    assert page.status_code == 200
    assert "to_committee" not in page.context["form"].fields
    response = client.post(
        url,
        {
            "scope": "platform",
            "kind": "permanent",
            "to_committee": cast.other.code,
            "decision_date": "05/01/2026",
        },
    )
    assert response.status_code == 400
    assert not Transfer.objects.exists()
    assert client_for(cast.outsider).get(url).status_code == 404


def test_the_handshake_through_the_pages(
    cast, client_for, other_board, django_assert_max_num_queries
):
    member = make_member(cast.committee, cast.cell, "Lê Văn Đi Xa", card_number="0123456")
    client = client_for(cast.party_building)
    response = client.post(
        f"/members/{member.code}/transfer/",
        {
            "scope": "platform",
            "kind": "permanent",
            "to_committee": cast.other.code,
            "decision_number": "12-QĐ/ĐU",
            "decision_date": "05/01/2026",
        },
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert response["Location"] == f"/members/transfers/{transfer.code}/"
    listing = client.get("/members/transfers/")
    assert "badge-err" in listing.content.decode()  # deadline 06/04/2026 has passed

    receiver = client_for(other_board)
    with django_assert_max_num_queries(12):
        listing = receiver.get("/members/transfers/")
    assert [t.pk for t in listing.context["page"]] == [transfer.pk]
    page = receiver.get(f"/members/transfers/{transfer.code}/")
    assert page.status_code == 200
    assert page.context["can_accept"]
    assert cast.cell.name not in page.content.decode()  # not the sender's cell
    assert receiver.get(f"/members/{member.code}/").status_code == 404  # not theirs yet

    url = f"/members/transfers/{transfer.code}/accept/"
    assert receiver.get(url).status_code == 405
    assert client_for(cast.outsider).post(url, {}).status_code == 404
    receiver = client_for(other_board)
    wrong = receiver.post(url, {"to_cell": cast.cell.code, "received_on": "02/02/2026"})
    assert wrong.status_code == 400  # a cell of the sending committee is no choice
    response = receiver.post(url, {"to_cell": cast.foreign_cell.code, "received_on": "02/02/2026"})
    assert response.status_code == 302
    assert response["Location"] == f"/members/{member.code}/"
    assert receiver.get(f"/members/{member.code}/").status_code == 200
    sender = client_for(cast.party_building)
    assert sender.get(f"/members/{member.code}/").status_code == 404
    assert sender.get(f"/members/transfers/{transfer.code}/").status_code == 200


def test_refuse_and_cancel_pages(cast, client_for, other_board):
    member = make_member(cast.committee, cast.cell, "Lê Văn Đi Xa")
    transfer = svc.transfer_platform_start(
        actor=cast.party_building,
        member=member,
        to_committee=cast.other,
        kind=Transfer.Kind.PERMANENT,
        decision_date=D(2026, 1, 5),
    )
    for action in ("refuse", "cancel", "receipt", "return"):
        url = f"/members/transfers/{transfer.code}/{action}/"
        assert client_for(cast.party_building).get(url).status_code == 405
        assert client_for(cast.outsider).post(url, {}).status_code == 404
    refuse = f"/members/transfers/{transfer.code}/refuse/"
    assert client_for(cast.party_building).post(refuse, {"reason": "x"}).status_code == 403
    empty = client_for(other_board).post(refuse, {"reason": ""})
    assert empty.status_code == 400
    cancel = f"/members/transfers/{transfer.code}/cancel/"
    assert client_for(other_board).post(cancel, {}).status_code == 403
    assert client_for(cast.party_building).post(cancel, {"reason": "Ở lại"}).status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CANCELLED


def test_transfers_page_rights(cast, client_for):
    member = make_member(cast.committee, cast.cell, "Nguyễn Văn Chuyển")
    transfer = svc.transfer_internal(
        actor=cast.party_building,
        member=member,
        to_cell=cast.other_cell,
        kind=Transfer.Kind.TEMPORARY,
        decision_date=D(2026, 3, 2),
        until=D(2099, 1, 1),
    )
    assert client_for(cast.cell_deputy).get("/members/transfers/").status_code == 403
    assert client_for(cast.outsider).get("/members/transfers/").status_code == 403
    assert client_for(cast.cell_secretary).get("/members/transfers/?show=all").status_code == 200
    url = f"/members/transfers/{transfer.code}/"
    assert client_for(cast.cell_deputy).get(url).status_code == 403
    assert client_for(cast.outsider).get(url).status_code == 404
    page = client_for(cast.cell_secretary).get(url)
    assert page.status_code == 200
    assert page.context["can_return"]


def test_letter_download(cast, client_for):
    member = make_member(cast.committee, cast.cell, "Trịnh Thị Ra Đi")
    client = client_for(cast.party_building)
    response = client.post(
        f"/members/{member.code}/transfer/",
        {
            "scope": "external_out",
            "kind": "permanent",
            "organisation": "Đảng bộ Công ty Điện lực Đà Nẵng",
            "decision_number": "31-GT/ĐU",
            "decision_date": "05/01/2026",
        },
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    letter = client.get(f"/members/transfers/{transfer.code}/letter/")
    assert letter.status_code == 200
    assert letter["Content-Type"].endswith("wordprocessingml.document")
    assert "attachment" in letter["Content-Disposition"]
    assert (
        client_for(cast.outsider).get(f"/members/transfers/{transfer.code}/letter/").status_code
        == 404
    )
    receipt = f"/members/transfers/{transfer.code}/receipt/"
    assert (
        client_for(cast.party_building).post(receipt, {"received_on": "20/01/2026"}).status_code
        == 302
    )
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.COMPLETED


def test_receive_from_outside_page(cast, client_for):
    assert client_for(cast.cell_secretary).get("/members/transfers/receive/").status_code == 403
    assert client_for(cast.outsider).get("/members/transfers/receive/").status_code == 403
    client = client_for(cast.party_building)  # the same test client, signed in again
    assert client.get("/members/transfers/receive/").status_code == 200
    data = {
        "organisation": "Đảng bộ Quân sự tỉnh",
        "decision_number": "88-GT/ĐU",
        "decision_date": "27/02/2026",
        "received_on": "03/03/2026",
        "full_name": "Vũ Thị Mới Đến",
        "sex": "female",
        "date_of_birth": "28/02/1990",
        "cell": cast.cell.code,
        "admission_date": "19/05/2015",
        "full_membership_date": "19/05/2016",
        "citizen_id": "12345678901",
    }
    bad = client.post("/members/transfers/receive/", data)
    assert bad.status_code == 400
    assert bad.context["form"].errors["citizen_id"]
    assert not Member.objects.exists()
    data["citizen_id"] = "001190012345"
    response = client.post("/members/transfers/receive/", data)
    assert response.status_code == 302
    member = Member.objects.get()
    assert response["Location"] == f"/members/{member.code}/"
    assert member.transfers.get().scope == Transfer.Scope.EXTERNAL_IN
