"""The results page: highlighted hits, filters, pages, one query per page of hits."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from capuyso.documents.tests.factories import doc_type
from capuyso.search.tests.factories import dossier, incoming, meeting, member

URL = reverse("search:results")


def test_the_page_needs_a_signed_in_user_and_only_answers_get(client, client_for, cast):
    response = client.get(URL, {"q": "ke hoach"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client_for(cast.clerk).post(URL, {"q": "ke hoach"}).status_code == 405


def test_hits_are_highlighted_and_escaped(client_for, cast):
    document = incoming(cast, summary="Kế hoạch <script>alert(1)</script> chuyển đổi số")
    response = client_for(cast.clerk).get(URL, {"q": "ke hoach chuyen doi so"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/documents/incoming/{document.code}/"' in html
    assert "<mark>Kế hoạch</mark> &lt;script&gt;alert(1)&lt;/script&gt; <mark>" in html
    assert "<script>alert(1)" not in html
    assert "09-KH/ĐU" in html


def test_a_blank_page_explains_what_to_type(client_for, cast):
    response = client_for(cast.clerk).get(URL)
    assert response.status_code == 200
    assert response.context["page"].hits == []
    assert not response.context["searched"]


def test_filters_are_plain_get_parameters(client_for, cast):
    incoming(cast, summary="Chuyển đổi số ở văn phòng")
    folder = dossier(cast, title="Chuyển đổi số năm trước", year=2024, unit=cast.cell)
    report = incoming(
        cast,
        summary="Chuyển đổi số: báo cáo",
        reference="5-BC/ĐU",
        doc_type=doc_type(cast.committee, "BC"),
    )
    client = client_for(cast.clerk)

    def found(**params):
        response = client.get(URL, {"q": "chuyen doi so", **params})
        assert response.status_code == 200
        return {hit.code for hit in response.context["page"].hits}

    assert len(found()) == 3
    assert found(kind="dossier") == {str(folder.code)}
    assert found(year="2024") == {str(folder.code)}
    assert found(unit=str(cast.cell.code)) == {str(folder.code)}
    assert found(type=str(doc_type(cast.committee, "BC").code)) == {str(report.code)}
    response = client.get(URL, {"q": "chuyen doi so", "year": "abc"})
    assert response.context["page"].errors == {"year": "invalid"}
    assert 'aria-invalid="true"' in response.content.decode()
    # The options offered are the committee's own.
    units = {u.pk for u in response.context["units"]}
    assert cast.cell.pk in units and cast.foreign_cell.pk not in units


def test_pages_link_to_each_other(client_for, cast):
    for number in range(1, 24):
        incoming(cast, summary=f"Kế hoạch số {number}", reference=f"{number}-KH/ĐU")
    client = client_for(cast.clerk)
    first = client.get(URL, {"q": "ke hoach", "kind": "incoming"})
    assert len(first.context["page"].hits) == 20
    assert "page=2" in first.content.decode()
    second = client.get(URL, {"q": "ke hoach", "kind": "incoming", "page": "2"})
    assert len(second.context["page"].hits) == 3
    assert not second.context["page"].has_next
    assert 'start="21"' in second.content.decode()


def test_htmx_gets_the_results_only(client_for, cast):
    incoming(cast)
    response = client_for(cast.clerk).get(URL, {"q": "ke hoach"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="search-results"')
    assert "<mark>" in html and "<html" not in html


def test_an_outsider_finds_nothing_of_another_committee(client_for, cast):
    incoming(cast)
    response = client_for(cast.outsider).get(URL, {"q": "ke hoach chuyen doi so"})
    assert response.status_code == 200
    assert response.context["page"].hits == []
    units = {u.pk for u in response.context["units"]}
    assert cast.cell.pk not in units


def test_a_plain_member_is_offered_no_member_kind(client_for, cast):
    member(cast, "Kế Hoạch Văn")
    meeting(cast, title="Kế hoạch sinh hoạt")
    response = client_for(cast.member).get(URL, {"q": "ke hoach"})
    kinds = [kind for kind, _label in response.context["page"].kinds]
    assert "member" not in kinds and "dossier" not in kinds
    assert {hit.kind for hit in response.context["page"].hits} == {"meeting"}
    assert {u.pk for u in response.context["units"]} == {cast.cell.pk}  # their own cell only
    html = response.content.decode()
    assert 'value="member"' not in html


def _hit_queries(client, params) -> tuple[int, list[str]]:
    """The hits shown and the queries made, less the session's own bookkeeping."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200
    queries = [
        q["sql"]
        for q in captured.captured_queries
        if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]
    return len(response.context["page"].hits), queries


def test_a_page_of_hits_costs_one_query_whatever_it_holds(
    client_for, cast, django_assert_max_num_queries
):
    client = client_for(cast.clerk)
    client.get(URL)  # the session is saved once after signing in
    incoming(cast, summary="Chuyển đổi số lần đầu", reference="1-KH/ĐU")
    few, queries_few = _hit_queries(client, {"q": "chuyen doi so"})
    for number in range(2, 26):
        incoming(cast, summary=f"Chuyển đổi số lần {number}", reference=f"{number}-KH/ĐU")
    dossier(cast, title="Chuyển đổi số")
    meeting(cast, title="Họp về chuyển đổi số")
    member(cast, "Chuyển Đổi Số")
    many, queries_many = _hit_queries(client, {"q": "chuyen doi so"})
    assert (few, many) == (1, 20)
    assert len(queries_many) == len(queries_few)
    hit_queries = [sql for sql in queries_many if "search_entry" in sql]
    assert len(hit_queries) == 1
    # Session, user, the user's positions and grants, the hits, the unit and type choices,
    # the page shell (unread notifications, the committee's name).
    with django_assert_max_num_queries(9):
        client.get(URL, {"q": "chuyen doi so", "page": "2"})


def test_a_cell_secretary_page_costs_a_small_constant_too(
    client_for, cast, django_assert_max_num_queries
):
    for number in range(1, 6):
        incoming(
            cast,
            summary=f"Chuyển đổi số {number}",
            reference=f"{number}-KH/CB",
            actor=cast.cell_secretary,
            receiving_unit=cast.cell,
        )
        member(cast, f"Chuyển Đổi {number}")
    client = client_for(cast.cell_secretary)
    client.get(URL)  # the session is saved once after signing in
    # As the committee's page, plus the cell's units for their incoming documents' scope.
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"q": "chuyen doi"})
    assert len(response.context["page"].hits) == 10


def test_the_top_bar_has_a_search_box(client_for, cast):
    html = client_for(cast.clerk).get(reverse("core:home")).content.decode()
    assert f'action="{URL}" role="search"' in html
    assert 'for="top-search"' in html
