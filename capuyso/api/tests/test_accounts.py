import pytest

from capuyso.accounts.models import User

pytestmark = pytest.mark.django_db


def codes(response):
    return {item["code"] for item in response.json()["items"]}


def test_me_describes_the_caller_and_their_rights(api_get, cast):
    body = api_get(cast.cell_secretary, "/me").json()

    assert body["username"] == "bithuchibo"
    assert body["committee"]["code"] == str(cast.committee.code)
    assert body["roles"] == ["cell_secretary"]
    assert body["positions"][0]["unit"]["code"] == str(cast.cell.code)
    assert set(body["actions"]) == {
        "org.view",
        "members.view",
        "members.view_file",
        "members.manage",
        "meetings.view",
        "meetings.manage",
        "fees.view",
        "fees.manage",
        "stats.view",
        "documents.view",
        "documents.register",
        "documents.draft",
        "documents.approve",
        "documents.issue",
    }
    assert body["two_factor_required"] is False


def test_me_of_a_leader_says_two_factor_is_required(api_get, cast):
    assert api_get(cast.secretary, "/me").json()["two_factor_required"] is True


@pytest.mark.parametrize("who", ["member", "cell_secretary", "committee_member", "city_viewer"])
def test_roles_without_the_right_cannot_list_users(api_get, cast, who):
    response = api_get(getattr(cast, who), "/users")

    assert response.status_code == 403
    assert response.json()["detail"]


@pytest.mark.parametrize("who", ["clerk", "secretary", "admin"])
def test_roles_with_the_right_list_the_committee_users(api_get, cast, who):
    response = api_get(getattr(cast, who), "/users")

    assert response.status_code == 200
    expected = User.objects.filter(committee=cast.committee).values_list("code", flat=True)
    assert codes(response) == {str(c) for c in expected}


def test_users_filter_by_folded_name(api_get, cast):
    response = api_get(cast.clerk, "/users", q="ngo van phuc")

    assert codes(response) == {str(cast.member.code)}


def test_users_filter_by_role(api_get, cast):
    response = api_get(cast.clerk, "/users", role="cell_secretary")

    assert codes(response) == {str(cast.cell_secretary.code)}


def test_user_detail_for_clerk(api_get, cast):
    body = api_get(cast.clerk, f"/users/{cast.member.code}").json()

    assert body["username"] == "dangvien"
    assert body["positions"][0]["role"] == "member"
    assert body["locked"] is False
    assert "password" not in body


def test_user_detail_is_403_for_a_member(api_get, cast):
    assert api_get(cast.member, f"/users/{cast.clerk.code}").status_code == 403


def test_user_of_another_committee_is_404_even_for_a_clerk(api_get, cast):
    assert api_get(cast.clerk, f"/users/{cast.outsider.code}").status_code == 404


def test_remediation_revokes_api_tokens(cast, client):
    from capuyso.accounts import services

    for remedy in (
        lambda: services.password_reset_by_admin(actor=cast.admin, user=cast.clerk),
        lambda: services.sessions_revoke_all(actor=cast.admin, user=cast.clerk),
        lambda: services.otp_reset_by_admin(actor=cast.admin, user=cast.clerk),
    ):
        _token, raw = services.api_token_create(actor=None, user=cast.clerk)
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
        remedy()
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_locked_account_token_is_refused(cast, client):
    import datetime as dt

    from django.utils import timezone

    from capuyso.accounts import services

    _token, raw = services.api_token_create(actor=None, user=cast.clerk)
    cast.clerk.locked_until = timezone.now() + dt.timedelta(minutes=5)
    cast.clerk.save()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
