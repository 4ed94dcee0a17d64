"""The member list: filters in the query string, search, counts, scope and query bounds."""

import datetime as dt

import pytest
from django.http import QueryDict

from capuyso.core.testing import make_member
from capuyso.members.models import Member
from capuyso.members.selectors import MemberFilters, filter_members, years_before

URL = "/members/"


def _names(response):
    return sorted(m.full_name for m, *_ in response.context["rows"])


def _filtered(cast, query: str, today: dt.date):
    filters = MemberFilters.from_query(QueryDict(query))
    members = filter_members(Member.objects.filter(committee=cast.committee), filters, today=today)
    return sorted(members.values_list("full_name", flat=True))


def test_years_before_handles_29_february():
    assert years_before(dt.date(2028, 2, 29), 30) == dt.date(1998, 2, 28)
    assert years_before(dt.date(2026, 3, 1), 30) == dt.date(1996, 3, 1)


def test_age_bands_count_completed_years(cast):
    day = dt.date(2026, 5, 19)
    make_member(cast.committee, cast.cell, "Tròn 30", date_of_birth=dt.date(1996, 5, 19))
    make_member(cast.committee, cast.cell, "Gần 30", date_of_birth=dt.date(1996, 5, 20))
    make_member(cast.committee, cast.cell, "Tròn 46", date_of_birth=dt.date(1980, 5, 19))
    make_member(cast.committee, cast.cell, "Gần 61", date_of_birth=dt.date(1965, 5, 20))
    make_member(cast.committee, cast.cell, "Tròn 61", date_of_birth=dt.date(1965, 5, 19))
    assert _filtered(cast, "age=lt30", day) == ["Gần 30"]
    assert _filtered(cast, "age=30-45", day) == ["Tròn 30"]
    assert _filtered(cast, "age=46-60", day) == ["Gần 61", "Tròn 46"]
    assert _filtered(cast, "age=gt60", day) == ["Tròn 61"]


def test_party_age_bands_from_admission_date(cast):
    day = dt.date(2026, 2, 3)
    make_member(cast.committee, cast.cell, "Chín năm", admission_date=dt.date(2016, 2, 4))
    make_member(cast.committee, cast.cell, "Mười năm", admission_date=dt.date(2016, 2, 3))
    make_member(cast.committee, cast.cell, "Ba mươi năm", admission_date=dt.date(1996, 2, 3))
    make_member(cast.committee, cast.cell, "Năm mươi năm", admission_date=dt.date(1976, 2, 3))
    assert _filtered(cast, "party_age=lt10", day) == ["Chín năm"]
    assert _filtered(cast, "party_age=10-29", day) == ["Mười năm"]
    assert _filtered(cast, "party_age=30-49", day) == ["Ba mươi năm"]
    assert _filtered(cast, "party_age=50%2B", day) == ["Năm mươi năm"]


def test_unknown_filter_values_are_ignored(cast):
    filters = MemberFilters.from_query(QueryDict("age=old&sex=x&status=gone&theory=phd"))
    assert filters == MemberFilters()


def test_status_defaults_to_active_members(cast, client_for):
    make_member(cast.committee, cast.cell, "Dự bị", status=Member.Status.PROBATIONARY)
    make_member(cast.committee, cast.cell, "Chính thức")
    make_member(cast.committee, cast.cell, "Miễn sinh hoạt", status=Member.Status.EXEMPT)
    make_member(cast.committee, cast.cell, "Xóa tên", status=Member.Status.STRUCK_OFF)
    make_member(cast.committee, cast.cell, "Từ trần", status=Member.Status.DECEASED)
    client = client_for(cast.secretary)
    assert _names(client.get(URL)) == ["Chính thức", "Dự bị", "Miễn sinh hoạt"]
    assert len(client.get(URL, {"status": "all"}).context["rows"]) == 5
    assert _names(client.get(URL, {"status": "struck_off"})) == ["Xóa tên"]
    assert _names(client.get(URL, {"status": "deceased"})) == ["Từ trần"]


def test_counts_by_status_follow_the_other_filters(cast, client_for):
    make_member(cast.committee, cast.cell, "Dự bị", status=Member.Status.PROBATIONARY)
    make_member(cast.committee, cast.cell, "Chính thức")
    make_member(cast.committee, cast.other_cell, "Chính thức khác")
    make_member(cast.committee, cast.cell, "Xóa tên", status=Member.Status.STRUCK_OFF)
    response = client_for(cast.secretary).get(URL, {"cell": str(cast.cell.code)})
    counts = {value: count for value, _, count, _ in response.context["status_links"]}
    assert counts[""] == 2
    assert counts["full"] == 1
    assert counts["struck_off"] == 1
    assert counts["all"] == 3
    links = {value: link for value, _, _, link in response.context["status_links"]}
    assert f"cell={cast.cell.code}" in links["struck_off"]


def test_filters_by_sex_education_qualification_and_theory(cast, client_for):
    make_member(
        cast.committee,
        cast.cell,
        "Chị Hoa",
        sex=Member.Sex.FEMALE,
        general_education=Member.GeneralEducation.UPPER_SECONDARY,
        qualification=Member.Qualification.UNIVERSITY,
        political_theory=Member.Theory.INTERMEDIATE,
    )
    make_member(cast.committee, cast.cell, "Anh Nam")
    client = client_for(cast.secretary)
    for params in (
        {"sex": "female"},
        {"education": "upper_secondary"},
        {"qualification": "university"},
        {"theory": "intermediate"},
    ):
        assert _names(client.get(URL, params)) == ["Chị Hoa"], params
    assert _names(client.get(URL, {"sex": "male"})) == ["Anh Nam"]


def test_cell_filter_and_its_scope(cast, client_for):
    make_member(cast.committee, cast.cell, "Trần Văn An")
    make_member(cast.committee, cast.other_cell, "Lê Thị Bích")
    client = client_for(cast.secretary)
    assert _names(client.get(URL, {"cell": str(cast.other_cell.code)})) == ["Lê Thị Bích"]
    client = client_for(cast.cell_secretary)
    assert client.get(URL, {"cell": str(cast.other_cell.code)}).status_code == 403
    assert client.get(URL, {"cell": str(cast.foreign_cell.code)}).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["dang thi huong", "ĐẶNG THỊ HƯƠNG", "thi huong", "Đặng Thị Hương"],
)
def test_name_search_ignores_diacritics_and_case(cast, client_for, query):
    make_member(cast.committee, cast.cell, "Đặng Thị Hương")
    make_member(cast.committee, cast.cell, "Đặng Văn Hùng")
    assert _names(client_for(cast.secretary).get(URL, {"q": query})) == ["Đặng Thị Hương"]


def test_search_by_card_number(cast, client_for):
    make_member(cast.committee, cast.cell, "Trần Văn An", card_number="01234567")
    make_member(cast.committee, cast.cell, "Lê Thị Bích", card_number="01234568")
    make_member(cast.committee, cast.cell, "Phạm Văn Cường", card_number="DV-0099")
    client = client_for(cast.secretary)
    assert _names(client.get(URL, {"q": "01234567"})) == ["Trần Văn An"]
    assert _names(client.get(URL, {"q": "dv-0099"})) == ["Phạm Văn Cường"]


def test_search_by_citizen_id_exact_or_prefix(cast, client_for):
    make_member(cast.committee, cast.cell, "Trần Văn An", citizen_id="001080012345")
    make_member(cast.committee, cast.cell, "Lê Thị Bích", citizen_id="001080099999")
    make_member(cast.committee, cast.cell, "Phạm Văn Cường", citizen_id="034090000001")
    client = client_for(cast.secretary)
    assert _names(client.get(URL, {"q": "001080012345"})) == ["Trần Văn An"]
    assert _names(client.get(URL, {"q": "001 080 012 345"})) == ["Trần Văn An"]
    assert _names(client.get(URL, {"q": "0010800"})) == ["Lê Thị Bích", "Trần Văn An"]


def test_search_stays_in_the_users_scope(cast, client_for):
    make_member(cast.committee, cast.cell, "Trần Văn An")
    make_member(cast.committee, cast.other_cell, "Trần Văn Bình", card_number="777")
    make_member(cast.other, cast.foreign_cell, "Trần Văn Cường")
    client = client_for(cast.cell_secretary)
    assert _names(client.get(URL, {"q": "tran van"})) == ["Trần Văn An"]
    assert _names(client.get(URL, {"q": "777"})) == []
    client = client_for(cast.secretary)
    assert _names(client.get(URL, {"q": "tran van"})) == ["Trần Văn An", "Trần Văn Bình"]


def test_filters_combine_and_stay_in_pagination_links(cast, client_for):
    for i in range(55):
        make_member(cast.committee, cast.cell, f"Nguyễn Thị Mai {i:02d}", sex=Member.Sex.FEMALE)
    make_member(cast.committee, cast.cell, "Nguyễn Văn Nam")
    response = client_for(cast.secretary).get(URL, {"q": "nguyen", "sex": "female"})
    assert response.context["page"].paginator.count == 55
    assert len(response.context["rows"]) == 50
    assert "q=nguyen" in response.context["query_string"]
    assert "sex=female" in response.context["query_string"]
    content = response.content.decode()
    assert "page=2" in content
    second = client_for(cast.secretary).get(URL, {"q": "nguyen", "sex": "female", "page": 2})
    assert len(second.context["rows"]) == 5


def test_htmx_request_renders_only_the_table(cast, client_for):
    make_member(cast.committee, cast.cell, "Trần Văn An")
    response = client_for(cast.secretary).get(URL, {"q": "an"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert 'id="member-table"' in content
    assert "<html" not in content
    assert "Trần Văn An" in content


def test_list_query_count_is_bounded(cast, client_for, django_assert_max_num_queries):
    for i in range(60):
        make_member(
            cast.committee,
            cast.cell if i % 2 else cast.other_cell,
            f"Đảng viên {i:02d}",
            card_number=f"C{i:03d}",
        )
    client = client_for(cast.secretary)
    client.get(URL)  # warm the session and caches
    with django_assert_max_num_queries(14):
        response = client.get(URL, {"age": "46-60", "status": "all"})
    assert len(response.context["rows"]) == 50
    with django_assert_max_num_queries(12):
        client.get(URL, {"q": "dang vien"}, headers={"HX-Request": "true"})


def test_cell_secretary_list_query_count_is_bounded(
    cast, client_for, django_assert_max_num_queries
):
    for i in range(30):
        make_member(cast.committee, cast.cell, f"Đảng viên {i:02d}")
    client = client_for(cast.cell_secretary)
    client.get(URL)
    with django_assert_max_num_queries(14):
        response = client.get(URL, {"q": "dang"})
    assert len(response.context["rows"]) == 30
