"""A user of one committee reaches nothing of another through any API endpoint.

`test_every_route_*` walk the OpenAPI document, so an endpoint added later is covered
without touching this file: every path parameter is filled with real codes of phu-cat
objects (of every model that has a `code` and a `committee`), every uuid query parameter
likewise, and the outsider (admin of dong-xuan) must get 404 or a body without them.
"""

import datetime as dt
import re

import pytest
from django.apps import apps

from capuyso.api.api import api
from capuyso.core.testing import make_member
from capuyso.documents.services.outgoing import outgoing_create
from capuyso.documents.tests.factories import doc_type, register
from capuyso.jobs.models import Job
from capuyso.org import services as org_services

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"
PARAM = re.compile(r"\{(\w+)\}")


def schema_paths():
    return api.get_openapi_schema()["paths"]


@pytest.fixture
def phu_cat_codes(cast):
    """Codes of phu-cat's objects, of every tenant model, plus the committee itself."""
    committee = cast.committee
    grouping = org_services.grouping_create(actor=None, committee=committee, name="Xã cũ Phú An")
    org_services.term_add(
        actor=None, committee=committee, name="2025–2030", start_date=dt.date(2025, 7, 1)
    )
    org_services.term_add(
        actor=None,
        committee=committee,
        unit=cast.cell,
        name="2025–2027",
        start_date=dt.date(2025, 3, 1),
    )
    cast.cell.grouping = grouping
    cast.cell.save(update_fields=["grouping"])
    make_member(committee, cast.cell, "Nguyễn Thị Mai")
    Job.objects.create(committee=committee, owner=cast.clerk, kind="test", title="Xuất")
    Job.objects.create(committee=committee, owner=cast.admin, kind="test", title="Nhập")
    register(cast)
    outgoing_create(actor=cast.clerk, doc_type=doc_type(committee), summary="Kế hoạch")

    found = {str(committee.code): "org.committee"}
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        if {"code", "committee"} <= names:
            for code in model.objects.filter(committee=committee).values_list("code", flat=True):
                # An index row (search) carries its object's code: the object names it.
                found.setdefault(str(code), model._meta.label_lower)
    # Every kind of object the API can name is represented.
    assert {
        "org.unit",
        "org.term",
        "org.grouping",
        "accounts.user",
        "jobs.job",
        "documents.incomingdocument",
        "documents.outgoingdocument",
    } <= set(found.values())
    return found


def outsider_get(client, token, url, method="get"):
    call = getattr(client, method)
    kwargs = {"headers": {"Authorization": f"Bearer {token}"}}
    if method in {"post", "put", "patch"}:
        kwargs |= {"data": {}, "content_type": "application/json"}
    return call(url, **kwargs)


@pytest.fixture
def outsider_token(cast):
    from capuyso.accounts.services import api_token_create

    return api_token_create(actor=None, user=cast.outsider)[1]


def test_every_route_with_a_code_is_404_for_phu_cat_objects(
    client, cast, phu_cat_codes, outsider_token
):
    exercised = set()
    for path, operations in schema_paths().items():
        if not PARAM.search(path):
            continue
        for method in operations:
            for code, label in phu_cat_codes.items():
                url = PARAM.sub(code, path)
                response = outsider_get(client, outsider_token, url, method)
                # A body that fails validation is refused before any lookup: it reveals
                # nothing, but a mutating endpoint needs its own 404 test as well.
                allowed = {404} if method == "get" else {404, 422}
                assert response.status_code in allowed, (method, url, label, response.content)
            exercised.add(path.removeprefix(PREFIX))
    assert {"/units/{code}", "/users/{code}"} <= exercised
    assert {"/documents/incoming/{code}", "/documents/outgoing/{code}"} <= exercised


def _leaks(response, codes):
    text = response.content.decode()
    return sorted(code for code in codes if code in text) + (
        ["phu-cat"] if "phu-cat" in text else []
    )


def test_every_list_route_shows_the_outsider_nothing_of_phu_cat(
    client, cast, phu_cat_codes, outsider_token
):
    exercised = set()
    for path, operations in schema_paths().items():
        if PARAM.search(path) or path.endswith("openapi.json") or "get" not in operations:
            continue
        url = path
        response = outsider_get(client, outsider_token, url)
        assert response.status_code in {200, 403}, (url, response.content)
        assert not _leaks(response, phu_cat_codes), url
        # Query parameters that take a code get phu-cat's codes too.
        uuid_params = [
            p["name"]
            for p in operations["get"].get("parameters", [])
            if p["in"] == "query" and p.get("schema", {}).get("format") == "uuid"
        ]
        for name in uuid_params:
            for code in phu_cat_codes:
                response = client.get(
                    url, {name: code}, headers={"Authorization": f"Bearer {outsider_token}"}
                )
                assert response.status_code in {200, 403}, (url, name)
                if response.status_code == 200:
                    assert response.json().get("items", []) == [], (url, name)
        exercised.add(path.removeprefix(PREFIX))
    assert {"/units", "/cells", "/users", "/jobs", "/me", "/committee"} <= exercised
    assert {"/documents/incoming", "/documents/outgoing"} <= exercised


def test_the_leak_check_would_see_phu_cat_codes(client, cast, phu_cat_codes):
    """Control: the same walk as phu-cat's own admin does find phu-cat codes."""
    from capuyso.accounts.services import api_token_create

    token = api_token_create(actor=None, user=cast.admin)[1]
    found = set()
    for path in ("/units", "/users", "/jobs", "/committee"):
        found |= set(_leaks(outsider_get(client, token, PREFIX + path), phu_cat_codes))
    assert {str(cast.cell.code), str(cast.clerk.code), "phu-cat"} <= found


def test_outsider_lists_contain_only_their_own_committee(api_get, cast, phu_cat_codes):
    units = api_get(cast.outsider_clerk, "/units").json()["items"]
    assert str(cast.foreign_cell.code) in {u["code"] for u in units}
    assert not {u["code"] for u in units} & set(phu_cat_codes)

    users = api_get(cast.outsider, "/users").json()["items"]
    assert {u["code"] for u in users} == {str(cast.outsider.code), str(cast.outsider_clerk.code)}

    committee = api_get(cast.outsider, "/committee").json()
    assert committee["slug"] == "dong-xuan"


@pytest.mark.parametrize(
    "path",
    [
        "/units/{other_cell}",
        "/units/{cell}",
        "/users/{clerk}",
        "/users/{member}",
    ],
)
def test_links_into_phu_cat_are_404_not_403(api_get, cast, path):
    url = path.format(
        other_cell=cast.other_cell.code,
        cell=cast.cell.code,
        clerk=cast.clerk.code,
        member=cast.member.code,
    )

    response = api_get(cast.outsider_clerk, url)

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_session_outsider_also_gets_404(client, cast):
    from capuyso.core.testing import login

    login(client, cast.outsider)

    assert client.get(f"{PREFIX}/units/{cast.cell.code}").status_code == 404
    assert client.get(f"{PREFIX}/users/{cast.clerk.code}").status_code == 404
