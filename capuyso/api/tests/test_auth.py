import datetime as dt

import pytest
from django.utils import timezone

from capuyso.accounts.models import ApiToken
from capuyso.accounts.services import api_token_create, api_token_revoke
from capuyso.core.testing import login

pytestmark = pytest.mark.django_db

API = "/api/v1"


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_openapi_schema_is_public_json_listing_every_route(client):
    from capuyso.api.api import api

    response = client.get(f"{API}/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["version"] == "1"
    expected = {"/me", "/committee", "/units", "/units/{code}", "/cells", "/users"}
    expected |= {"/users/{code}", "/jobs", "/city/committees"}
    assert {p.removeprefix(API) for p in schema["paths"]} >= expected
    routes = {path for router_prefix, router in api._routers for path in router.path_operations}
    assert {p.removeprefix(API) for p in schema["paths"]} >= {r for r in routes if r}
    schemes = schema["components"]["securitySchemes"].values()
    assert any(s.get("scheme") == "bearer" for s in schemes)


def test_docs_page_is_off_because_swagger_needs_a_cdn(client):
    assert client.get(f"{API}/docs").status_code == 404


def test_no_token_is_401_json(client, cast):
    response = client.get(f"{API}/me")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_is_401(client, cast):
    api_token_create(actor=None, user=cast.clerk)

    response = client.get(f"{API}/me", headers=bearer("cus_not-a-real-token"))

    assert response.status_code == 401


def test_malformed_authorization_header_is_401(client, cast):
    _, raw = api_token_create(actor=None, user=cast.clerk)

    assert client.get(f"{API}/me", headers={"Authorization": raw}).status_code == 401
    assert client.get(f"{API}/me", headers={"Authorization": "Bearer "}).status_code == 401


def test_revoked_token_is_401(client, cast):
    token, raw = api_token_create(actor=None, user=cast.clerk)
    api_token_revoke(actor=cast.admin, token=token)

    assert client.get(f"{API}/me", headers=bearer(raw)).status_code == 401


def test_token_of_inactive_user_is_401(client, cast):
    _, raw = api_token_create(actor=None, user=cast.clerk)
    cast.clerk.is_active = False
    cast.clerk.save(update_fields=["is_active"])

    assert client.get(f"{API}/me", headers=bearer(raw)).status_code == 401


def test_valid_token_identifies_the_user(client, cast):
    _, raw = api_token_create(actor=None, user=cast.clerk)

    response = client.get(f"{API}/me", headers=bearer(raw))

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == str(cast.clerk.code)
    assert body["committee"]["slug"] == "phu-cat"
    assert body["roles"] == ["clerk"]
    assert "users.view" in body["actions"]
    assert "users.manage" not in body["actions"]
    assert body["positions"][0]["role"] == "clerk"


def test_last_used_is_written_at_most_once_a_minute(client, cast):
    token, raw = api_token_create(actor=None, user=cast.clerk)

    client.get(f"{API}/me", headers=bearer(raw))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get(f"{API}/me", headers=bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get(f"{API}/me", headers=bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(seconds=1)
    assert token.last_used_at <= timezone.now()


def test_bad_token_does_not_fall_back_to_the_session(client, cast):
    login(client, cast.clerk)

    response = client.get(f"{API}/me", headers=bearer("cus_wrong"))

    assert response.status_code == 401


def test_signed_in_session_is_accepted(client, cast):
    login(client, cast.clerk)

    response = client.get(f"{API}/me")

    assert response.status_code == 200
    assert response.json()["username"] == cast.clerk.username


def test_session_without_second_factor_is_refused_for_leaders(client, cast):
    client.force_login(cast.secretary)  # signed in, second factor not verified

    assert client.get(f"{API}/me").status_code == 401

    login(client, cast.secretary)
    assert client.get(f"{API}/me").status_code == 200


def test_session_of_user_who_must_change_password_is_refused(client, cast):
    cast.clerk.must_change_password = True
    cast.clerk.save(update_fields=["must_change_password"])
    login(client, cast.clerk)

    assert client.get(f"{API}/me").status_code == 401


def test_idle_session_is_refused(client, cast, settings):
    from capuyso.accounts.middleware import IDLE_KEY

    login(client, cast.clerk)
    session = client.session
    session[IDLE_KEY] = int(timezone.now().timestamp()) - settings.SESSION_IDLE_MINUTES * 60 - 5
    session.save()

    assert client.get(f"{API}/me").status_code == 401


def test_malformed_code_in_path_is_404_not_422(api_get, cast):
    response = api_get(cast.clerk, "/units/not-a-uuid")

    assert response.status_code == 404
    assert response.json()["detail"]


def test_out_of_range_limit_is_422(api_get, cast):
    assert api_get(cast.clerk, "/units", limit=201).status_code == 422
    assert api_get(cast.clerk, "/units", limit=200).status_code == 200
