import datetime as dt

import pytest

from capuyso.accounts.roles import Role
from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member, make_user
from capuyso.members.models import DatePrecision, Member
from capuyso.members.selectors_stats import count_totals, member_counts
from capuyso.org import services as org_services
from capuyso.org.models import Unit

pytestmark = pytest.mark.django_db


def names(response):
    return [item["full_name"] for item in response.json()["items"]]


@pytest.fixture
def people(cast):
    return {
        "an": make_member(
            cast.committee,
            cast.cell,
            "Trần Văn An",
            card_number="01123456",
            citizen_id="001070012345",
            date_of_birth=dt.date(1970, 1, 1),
            date_of_birth_precision=DatePrecision.YEAR,
        ),
        "binh": make_member(cast.committee, cast.cell, "Đặng Thị Bình", sex=Member.Sex.FEMALE),
        "cuong": make_member(
            cast.committee,
            cast.cell,
            "Lê Văn Cường",
            status=Member.Status.PROBATIONARY,
            full_membership_date=None,
        ),
        "dung": make_member(
            cast.committee,
            cast.other_cell,
            "Phạm Thị Dung",
            sex=Member.Sex.FEMALE,
            status=Member.Status.EXEMPT,
        ),
        "gone": make_member(
            cast.committee, cast.cell, "Ngô Văn Giang", status=Member.Status.DECEASED
        ),
        "foreign": make_member(cast.other, cast.foreign_cell, "Mai Văn Đức"),
    }


# --- GET /members ------------------------------------------------------------------------


def test_list_gives_active_members_of_the_committee_in_list_order(api_get, cast, people):
    response = api_get(cast.secretary, "/members")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert names(response) == ["Đặng Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Trần Văn An"]
    an = body["items"][3]
    assert an == {
        "code": str(people["an"].code),
        "full_name": "Trần Văn An",
        "sex": "male",
        "date_of_birth": "1970-01-01",
        "date_of_birth_precision": "year",
        "cell": {"code": str(cast.cell.code), "name": "Chi bộ thôn Đồng Cát"},
        "status": "full",
        "status_label": an["status_label"],
        "card_number": "01123456",
        "admission_date": "2000-02-03",
        "admission_date_precision": "day",
        "full_membership_date": "2001-02-03",
        "full_membership_date_precision": "day",
    }


def test_list_takes_the_list_page_filters(api_get, cast, people):
    user = cast.secretary
    assert names(api_get(user, "/members", sex="female")) == ["Đặng Thị Bình", "Phạm Thị Dung"]
    assert names(api_get(user, "/members", status="deceased")) == ["Ngô Văn Giang"]
    assert names(api_get(user, "/members", status="all", cell=str(cast.cell.code))) == [
        "Đặng Thị Bình",
        "Lê Văn Cường",
        "Ngô Văn Giang",
        "Trần Văn An",
    ]
    assert names(api_get(user, "/members", q="dang thi")) == ["Đặng Thị Bình"]
    assert names(api_get(user, "/members", q="001070012345")) == ["Trần Văn An"]
    assert names(api_get(user, "/members", status="nonsense")) == names(api_get(user, "/members"))


def test_list_is_the_same_as_the_page_for_the_same_query(api_get, client_for, cast, people):
    query = {"status": "all", "q": "van"}
    page = client_for(cast.secretary).get("/members/", query).context["page"].object_list

    assert names(api_get(cast.secretary, "/members", **query)) == [m.full_name for m in page]


def test_list_pages(api_get, cast, people):
    body = api_get(cast.secretary, "/members", limit=2, offset=2).json()
    assert body["count"] == 4 and body["limit"] == 2 and body["offset"] == 2
    assert [i["full_name"] for i in body["items"]] == ["Phạm Thị Dung", "Trần Văn An"]


def test_cell_secretary_lists_only_their_cell(api_get, cast, people):
    user = cast.cell_secretary
    assert names(api_get(user, "/members")) == ["Đặng Thị Bình", "Lê Văn Cường", "Trần Văn An"]
    assert api_get(user, "/members", cell=str(cast.other_cell.code)).status_code == 403


def test_list_refuses_roles_without_member_lists(api_get, cast, people):
    for user in (cast.member, cast.admin, cast.city_viewer):
        assert api_get(user, "/members").status_code == 403, user


def test_list_with_a_cell_of_another_committee_is_not_found(api_get, cast, people):
    response = api_get(cast.secretary, "/members", cell=str(cast.foreign_cell.code))
    assert response.status_code == 404


def test_list_of_an_outsider_holds_only_their_committee(api_get, cast, people):
    outsider = make_user(cast.other, "bxd-dx", "Hà Văn Xuân", Role.PARTY_BUILDING)
    assert names(api_get(outsider, "/members")) == ["Mai Văn Đức"]


def test_list_needs_a_credential(client, people):
    response = client.get("/api/v1/members")
    assert response.status_code == 401


def test_list_queries_are_bounded(api_get, cast, django_assert_max_num_queries):
    for i in range(30):
        make_member(cast.committee, cast.cell, f"Đảng viên {i}")
    api_get(cast.secretary, "/members")
    with django_assert_max_num_queries(6):  # token, positions, grants, count, page
        response = api_get(cast.secretary, "/members", limit=200)
    assert response.json()["count"] == 30


# --- GET /members/{code} -----------------------------------------------------------------


def test_detail_gives_the_file_and_is_audited_as_a_view(api_get, cast, people):
    an = people["an"]

    response = api_get(cast.party_building, f"/members/{an.code}")

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == str(an.code)
    assert body["citizen_id"] == "001070012345"
    assert body["cell"] == {"code": str(cast.cell.code), "name": "Chi bộ thôn Đồng Cát"}
    assert body["date_of_birth_precision"] == "year"
    assert body["version"] == an.version
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.VIEW, object_id=str(an.code))
    assert event.actor == cast.party_building


def test_detail_within_and_outside_a_cell_secretarys_cell(api_get, cast, people):
    user = cast.cell_secretary
    assert api_get(user, f"/members/{people['an'].code}").status_code == 200
    assert api_get(user, f"/members/{people['dung'].code}").status_code == 403
    assert not AuditEvent.objects.filter(object_id=str(people["dung"].code)).exists()


def test_plain_member_opens_only_their_own_file(api_get, cast, people):
    cast.member.member = people["binh"]
    cast.member.save()

    assert api_get(cast.member, f"/members/{people['binh'].code}").status_code == 200
    assert api_get(cast.member, f"/members/{people['an'].code}").status_code == 403


def test_detail_refuses_roles_without_the_file_right(api_get, cast, people):
    # The clerk sees lists but may not open files.
    assert api_get(cast.clerk, f"/members/{people['an'].code}").status_code == 403


def test_detail_of_another_committee_is_not_found(api_get, cast, people):
    assert api_get(cast.secretary, f"/members/{people['foreign'].code}").status_code == 404
    assert api_get(cast.outsider, f"/members/{people['an'].code}").status_code == 404
    assert api_get(cast.secretary, "/members/not-a-code").status_code == 404
    assert not AuditEvent.objects.filter(verb=AuditEvent.Verb.VIEW).exists()


def test_detail_needs_a_credential(client, people):
    assert client.get(f"/api/v1/members/{people['an'].code}").status_code == 401


# --- GET /members/counts -----------------------------------------------------------------


def test_counts_by_cell_and_status_for_the_committee(api_get, cast, people):
    body = api_get(cast.secretary, "/members/counts").json()

    by_cell = {item["cell"]["name"]: item for item in body["items"]}
    assert by_cell["Chi bộ thôn Đồng Cát"] == {
        "cell": {"code": str(cast.cell.code), "name": "Chi bộ thôn Đồng Cát"},
        "probationary": 1,
        "full": 2,
        "exempt": 0,
        "active": 3,  # the deceased member is not counted
    }
    assert by_cell["Chi bộ Trường Tiểu học Phú Cát"]["exempt"] == 1
    assert body["totals"] == {"probationary": 1, "full": 2, "exempt": 1, "active": 4}


def test_counts_of_a_cell_secretary_cover_their_cell(api_get, cast, people):
    body = api_get(cast.cell_secretary, "/members/counts").json()
    assert [item["cell"]["code"] for item in body["items"]] == [str(cast.cell.code)]
    assert body["totals"]["active"] == 3


def test_counts_refuse_roles_without_member_lists_and_need_a_credential(
    api_get, client, cast, people
):
    assert api_get(cast.member, "/members/counts").status_code == 403
    assert api_get(cast.admin, "/members/counts").status_code == 403
    assert client.get("/api/v1/members/counts").status_code == 401


def test_counts_of_an_outsider_never_show_this_committee(api_get, cast, people):
    outsider = make_user(cast.other, "bxd-dx", "Hà Văn Xuân", Role.PARTY_BUILDING)
    body = api_get(outsider, "/members/counts").json()
    assert [item["cell"]["name"] for item in body["items"]] == ["Chi bộ thôn Xuân Lai"]
    assert body["totals"]["active"] == 1


def test_member_counts_list_empty_cells_and_dissolved_cells_still_holding_members(cast, people):
    empty = org_services.unit_create(
        actor=None,
        committee=cast.committee,
        kind=Unit.Kind.CELL,
        cell_kind="village",
        name="Chi bộ thôn Mới",
    )
    Unit.objects.filter(pk=cast.other_cell.pk).update(dissolved_on=dt.date(2026, 1, 1))

    rows = {row.name: row for row in member_counts(cast.secretary)}

    assert rows["Chi bộ thôn Mới"].active == 0 and rows["Chi bộ thôn Mới"].code == empty.code
    assert rows["Chi bộ Trường Tiểu học Phú Cát"].exempt == 1  # dissolved, still counted
    assert all(row.name != "Văn phòng Đảng ủy" for row in rows.values())  # organs are not cells
    assert count_totals(list(rows.values())).active == 4
    assert member_counts(cast.member) == []


def test_member_counts_is_one_query(cast, people, django_assert_num_queries):
    member_counts(cast.secretary)  # loads the user's access
    with django_assert_num_queries(1):
        member_counts(cast.secretary)
