import datetime as dt

import pytest

from capuyso.accounts.roles import Role
from capuyso.core.testing import make_member, make_user
from capuyso.members.models import Member
from capuyso.org import services as org_services
from capuyso.org.models import Unit

pytestmark = pytest.mark.django_db


def codes(response):
    return {item["code"] for item in response.json()["items"]}


@pytest.fixture
def members(cast):
    return [
        make_member(cast.committee, cast.cell, "Nguyễn Thị Mai"),
        make_member(cast.committee, cast.cell, "Trần Văn Khoa"),
        make_member(cast.committee, cast.other_cell, "Lê Thị Hoa"),
        make_member(cast.other, cast.foreign_cell, "Phan Văn Đức"),
    ]


@pytest.fixture
def sub_committee(cast):
    """A sub-committee of phu-cat with one cell beneath it and that cell's secretary."""
    sub = org_services.unit_create(
        actor=None,
        committee=cast.committee,
        kind=Unit.Kind.SUB_COMMITTEE,
        cell_kind="agency",
        name="Đảng bộ bộ phận",
    )
    inner = org_services.unit_create(
        actor=None,
        committee=cast.committee,
        kind=Unit.Kind.CELL,
        cell_kind="village",
        name="Chi bộ thôn Trong",
        parent=sub,
    )
    secretary = make_user(cast.committee, "bithutrong", "Hà Văn Trong", Role.CELL_SECRETARY, inner)
    return sub, inner, secretary


# --- /committee --------------------------------------------------------------------------


def test_committee_shows_own_committee_with_real_counts(api_get, cast, members):
    org_services.term_add(
        actor=None, committee=cast.committee, name="2025–2030", start_date=dt.date(2025, 7, 1)
    )

    body = api_get(cast.clerk, "/committee").json()

    assert body["slug"] == "phu-cat"
    assert body["level"] == "commune"
    assert body["parent"]["slug"] == "ha-noi"
    assert body["current_term"]["name"] == "2025–2030"
    assert body["counts"] == {
        "units": Unit.objects.filter(committee=cast.committee).count(),
        "cells": 2,
        "members": Member.objects.filter(committee=cast.committee).count(),
    }


def test_committee_counts_are_scoped_for_a_cell_secretary(api_get, cast, members):
    counts = api_get(cast.cell_secretary, "/committee").json()["counts"]

    assert counts == {"units": 1, "cells": 1, "members": 2}


def test_committee_member_count_is_hidden_without_the_right(api_get, cast, members):
    assert api_get(cast.member, "/committee").json()["counts"]["members"] is None


# --- /units ------------------------------------------------------------------------------


def test_clerk_lists_every_unit_of_the_committee(api_get, cast):
    response = api_get(cast.clerk, "/units")

    assert response.status_code == 200
    expected = {
        str(c) for c in Unit.objects.filter(committee=cast.committee).values_list("code", flat=True)
    }
    assert codes(response) == expected
    assert response.json()["count"] == len(expected)


def test_cell_secretary_sees_only_their_cell_subtree(api_get, cast, sub_committee):
    sub, inner, secretary = sub_committee

    assert codes(api_get(cast.cell_secretary, "/units")) == {str(cast.cell.code)}
    # The sub-committee above the cell is not listed: it is outside the subtree.
    assert codes(api_get(secretary, "/units")) == {str(inner.code)}


def test_sub_committee_secretary_sees_the_cells_beneath(api_get, cast, sub_committee):
    sub, inner, _ = sub_committee
    head = make_user(cast.committee, "bithubophan", "Kha Văn Bộ", Role.CELL_SECRETARY, sub)

    assert codes(api_get(head, "/units")) == {str(sub.code), str(inner.code)}


def test_units_filter_by_kind_and_folded_name(api_get, cast):
    cells = api_get(cast.clerk, "/units", kind="cell")
    assert codes(cells) == {str(cast.cell.code), str(cast.other_cell.code)}

    found = api_get(cast.clerk, "/units", q="dong cat")
    assert codes(found) == {str(cast.cell.code)}

    assert api_get(cast.clerk, "/units", kind="nonsense").status_code == 422


def test_units_paginate_with_limit_and_offset(api_get, cast):
    first = api_get(cast.clerk, "/units", limit=2).json()
    rest = api_get(cast.clerk, "/units", limit=200, offset=2).json()

    assert len(first["items"]) == 2
    assert first["count"] == rest["count"] == 6
    assert len(rest["items"]) == 4
    assert not {i["code"] for i in first["items"]} & {i["code"] for i in rest["items"]}


def test_city_viewer_has_no_unit_list(api_get, cast):
    assert api_get(cast.city_viewer, "/units").status_code == 403


# --- /units/{code} -----------------------------------------------------------------------


def test_unit_detail_has_terms_parent_and_member_count(api_get, cast, members, sub_committee):
    sub, inner, _ = sub_committee
    make_member(cast.committee, inner, "Đào Văn Trong")
    org_services.term_add(
        actor=None,
        committee=cast.committee,
        unit=sub,
        name="2020–2025",
        start_date=dt.date(2020, 6, 1),
        end_date=dt.date(2025, 6, 1),
    )
    org_services.term_add(
        actor=None,
        committee=cast.committee,
        unit=sub,
        name="2025–2030",
        start_date=dt.date(2025, 6, 1),
    )

    body = api_get(cast.clerk, f"/units/{sub.code}").json()

    assert body["kind"] == "sub_committee"
    assert [t["name"] for t in body["terms"]] == ["2025–2030", "2020–2025"]
    assert body["current_term"]["name"] == "2025–2030"
    assert [c["code"] for c in body["children"]] == [str(inner.code)]
    assert body["member_count"] == 1
    inner_body = api_get(cast.clerk, f"/units/{inner.code}").json()
    assert inner_body["parent"]["code"] == str(sub.code)


def test_unit_detail_hides_member_count_without_the_right(api_get, cast, members):
    body = api_get(cast.member, f"/units/{cast.cell.code}").json()

    assert body["member_count"] is None


def test_unit_outside_the_users_subtree_is_403(api_get, cast):
    response = api_get(cast.cell_secretary, f"/units/{cast.other_cell.code}")

    assert response.status_code == 403
    assert response.json()["detail"]


def test_unknown_unit_is_404(api_get, cast):
    assert api_get(cast.clerk, "/units/00000000-0000-4000-8000-000000000000").status_code == 404


# --- /cells ------------------------------------------------------------------------------


def test_cells_carry_member_counts(api_get, cast, members):
    items = api_get(cast.clerk, "/cells").json()["items"]

    counts = {item["code"]: item["member_count"] for item in items}
    assert counts == {str(cast.cell.code): 2, str(cast.other_cell.code): 1}


def test_cells_of_a_cell_secretary_exclude_the_sub_committee_above(api_get, cast, sub_committee):
    sub, inner, secretary = sub_committee

    assert codes(api_get(secretary, "/cells")) == {str(inner.code)}


def test_cell_member_counts_are_hidden_from_plain_members(api_get, cast, members):
    items = api_get(cast.member, "/cells").json()["items"]

    assert [(i["code"], i["member_count"]) for i in items] == [(str(cast.cell.code), None)]


def test_cells_filter_by_cell_kind(api_get, cast):
    assert codes(api_get(cast.clerk, "/cells", cell_kind="school")) == {str(cast.other_cell.code)}


# --- /city/committees --------------------------------------------------------------------


def test_city_viewer_gets_real_aggregate_counts_and_no_names(api_get, cast, members):
    make_member(cast.other, cast.foreign_cell, "Võ Thị Xuân")

    response = api_get(cast.city_viewer, "/city/committees")

    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["items"]}
    assert set(rows) == {"phu-cat", "dong-xuan"}
    for committee in (cast.committee, cast.other):
        row = rows[committee.slug]
        assert row["member_count"] == Member.objects.filter(committee=committee).count()
        assert row["cell_count"] == Unit.objects.filter(committee=committee, kind="cell").count()
        assert set(row) == {"code", "slug", "name", "cell_count", "member_count"}
    text = response.content.decode()
    for member in Member.objects.all():
        assert member.full_name not in text


@pytest.mark.parametrize("who", ["secretary", "clerk", "admin", "outsider", "member"])
def test_commune_users_cannot_read_city_figures(api_get, cast, who):
    assert api_get(getattr(cast, who), "/city/committees").status_code == 403
