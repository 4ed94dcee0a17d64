import datetime as dt

import pytest

from capuyso.audit.models import AuditEvent
from capuyso.core.testing import make_member
from capuyso.org.models import Term, Unit
from capuyso.org.services import unit_create


def test_cell_list_shows_cells_with_member_counts(cast, client_for):
    make_member(cast.committee, cast.cell, "Trần Văn An")
    make_member(cast.committee, cast.cell, "Lê Thị Bích")
    response = client_for(cast.clerk).get("/org/cells/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Chi bộ thôn Đồng Cát" in body
    assert "Chi bộ Trường Tiểu học Phú Cát" in body
    assert response.context["page"].paginator.count == 2
    counts = {c.name: c.member_count for c in response.context["page"].object_list}
    assert counts["Chi bộ thôn Đồng Cát"] == 2


def test_cell_search_ignores_accents_and_filters_by_kind(cast, client_for):
    client = client_for(cast.clerk)
    names = [c.name for c in client.get("/org/cells/", {"q": "dong cat"}).context["page"]]
    assert names == ["Chi bộ thôn Đồng Cát"]
    names = [c.name for c in client.get("/org/cells/", {"kind": "school"}).context["page"]]
    assert names == ["Chi bộ Trường Tiểu học Phú Cát"]


def test_cell_list_htmx_returns_only_the_table(cast, client_for):
    response = client_for(cast.clerk).get("/org/cells/", {"q": "dong"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="cell-table">')
    assert "<html" not in body


def test_cell_list_query_count_does_not_grow_with_cells(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.clerk)
    client.get("/org/cells/")
    for i in range(30):
        unit_create(
            actor=None,
            committee=cast.committee,
            kind="cell",
            cell_kind="village",
            name=f"Chi bộ thôn {i}",
        )
    with django_assert_max_num_queries(12):
        response = client.get("/org/cells/")
    assert response.context["page"].paginator.count == 32


def test_cell_secretary_sees_only_their_cell(cast, client_for):
    client = client_for(cast.cell_secretary)
    names = [c.name for c in client.get("/org/cells/").context["page"]]
    assert names == ["Chi bộ thôn Đồng Cát"]
    assert client.get(f"/org/units/{cast.cell.code}/").status_code == 200
    assert client.get(f"/org/units/{cast.other_cell.code}/").status_code == 403


def test_member_sees_own_cell_but_not_others(cast, client_for):
    client = client_for(cast.member)
    assert client.get(f"/org/units/{cast.cell.code}/").status_code == 200
    assert client.get(f"/org/units/{cast.other_cell.code}/").status_code == 403


def test_city_viewer_cannot_open_commune_units(cast, client_for):
    client = client_for(cast.city_viewer)
    assert client.get(f"/org/units/{cast.cell.code}/").status_code == 404
    assert client.get("/org/cells/").status_code == 403


def test_tree_groups_units(cast, client_for):
    response = client_for(cast.secretary).get("/org/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Văn phòng Đảng ủy" in body
    assert "Chi bộ thôn Đồng Cát" in body


def test_admin_creates_a_cell_and_it_is_audited(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(
        "/org/units/new/",
        {
            "kind": "cell",
            "name": "Chi bộ thôn Hòa Thạch 2",
            "cell_kind": "village",
            "address_line": "Thôn Hòa Thạch 2",
        },
    )
    unit = Unit.objects.get(name="Chi bộ thôn Hòa Thạch 2")
    assert response.status_code == 302
    assert response["Location"] == f"/org/units/{unit.code}/"
    assert unit.path == f"/{unit.pk}/"
    event = AuditEvent.objects.get(object_id=str(unit.code), verb="create")
    assert event.actor == cast.admin
    assert event.changes["name"] == [None, "Chi bộ thôn Hòa Thạch 2"]


def test_unit_form_rejects_bad_input_and_saves_nothing(cast, client_for):
    client = client_for(cast.admin)
    before = Unit.objects.count()
    response = client.post("/org/units/new/", {"kind": "cell", "name": "", "cell_kind": "village"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    response = client.post(
        "/org/units/new/", {"kind": "cell", "name": "Chi bộ thôn Đồng Cát", "cell_kind": "village"}
    )
    assert "name" in response.context["form"].errors
    response = client.post("/org/units/new/", {"kind": "cell", "name": "Chi bộ mới"})
    assert "cell_kind" in response.context["form"].errors
    assert Unit.objects.count() == before


def test_double_submit_creates_one_unit(cast, client_for):
    client = client_for(cast.admin)
    data = {"kind": "cell", "name": "Chi bộ Công an xã", "cell_kind": "police"}
    client.post("/org/units/new/", data)
    second = client.post("/org/units/new/", data)
    assert second.status_code == 200
    assert Unit.objects.filter(name="Chi bộ Công an xã").count() == 1


def test_stale_edit_is_refused(cast, client_for):
    client = client_for(cast.admin)
    url = f"/org/units/{cast.cell.code}/edit/"
    stale_version = cast.cell.version
    assert (
        client.post(
            url,
            {"name": "Chi bộ thôn Đồng Cát A", "cell_kind": "village", "version": stale_version},
        ).status_code
        == 302
    )
    response = client.post(
        url, {"name": "Chi bộ thôn Đồng Cát B", "cell_kind": "village", "version": stale_version}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    cast.cell.refresh_from_db()
    assert cast.cell.name == "Chi bộ thôn Đồng Cát A"


@pytest.mark.parametrize("who", ["clerk", "secretary", "cell_secretary", "member"])
def test_only_admins_manage_units(cast, client_for, who):
    client = client_for(getattr(cast, who))
    assert client.get("/org/units/new/").status_code == 403
    assert client.post(f"/org/units/{cast.cell.code}/edit/", {"name": "x"}).status_code == 403
    assert client.post("/org/committee/terms/add/", {"name": "x"}).status_code == 403
    assert client.post("/org/committee/groupings/add/", {"name": "x"}).status_code == 403


def test_grouping_add_is_post_only(cast, client_for):
    assert client_for(cast.admin).get("/org/committee/groupings/add/").status_code == 405


def test_new_term_closes_the_previous_one(cast, client_for):
    client = client_for(cast.admin)
    client.post("/org/committee/terms/add/", {"name": "2020–2025", "start_date": "2020-07-01"})
    response = client.post(
        "/org/committee/terms/add/",
        {"name": "2025–2030", "congress": "Đại hội lần thứ I", "start_date": "2025-07-01"},
    )
    assert response.status_code == 302
    terms = list(Term.objects.filter(committee=cast.committee, unit=None).order_by("start_date"))
    assert [t.name for t in terms] == ["2020–2025", "2025–2030"]
    assert terms[0].end_date == dt.date(2025, 7, 1)
    assert terms[1].end_date is None


def test_overlapping_term_is_refused(cast, client_for):
    client = client_for(cast.admin)
    client.post("/org/committee/terms/add/", {"name": "2025–2030", "start_date": "2025-07-01"})
    response = client.post(
        "/org/committee/terms/add/",
        {"name": "sai", "start_date": "2024-01-01", "end_date": "2026-01-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Term.objects.filter(name="sai").exists()


def test_member_counts_follow_the_members_right(cast, client_for):
    make_member(cast.committee, cast.cell, "Trần Văn An")
    member_page = client_for(cast.member).get("/org/cells/")
    assert [c.member_count for c in member_page.context["page"].object_list] == [None]
    assert (
        client_for(cast.member).get(f"/org/units/{cast.cell.code}/").context["member_count"] is None
    )
    secretary_page = client_for(cast.cell_secretary).get("/org/cells/")
    assert [c.member_count for c in secretary_page.context["page"].object_list] == [1]


def test_a_cell_secretary_sees_no_link_to_the_sub_committee_above(cast, client_for):
    sub = unit_create(
        actor=None,
        committee=cast.committee,
        kind="sub_committee",
        cell_kind="agency",
        name="Đảng bộ bộ phận Cơ quan",
    )
    cell = unit_create(
        actor=None,
        committee=cast.committee,
        kind="cell",
        cell_kind="agency",
        name="Chi bộ Cơ quan UBND",
        parent=sub,
    )
    from capuyso.accounts.services import position_assign
    from capuyso.core.testing import make_user

    secretary = make_user(cast.committee, "bithu-cq", "Phan Văn Tuấn", None)
    position_assign(actor=None, user=secretary, role="cell_secretary", unit=cell)
    response = client_for(secretary).get(f"/org/units/{cell.code}/")
    assert response.context["ancestors"] == []
    assert client_for(secretary).get(f"/org/units/{sub.code}/").status_code == 403
