import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from capuyso.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"


def test_profile_shows_name_positions_and_security(client_for, cast):
    html = client_for(cast.cell_secretary).get(PROFILE).content.decode()
    assert "Hoàng Văn Minh" in html
    assert "Cell secretary – Chi bộ thôn Đồng Cát" in html
    assert "Turn on two-factor authentication" in html
    assert reverse("accounts:password_change") in html
    assert reverse("accounts:sessions_revoke") in html


def test_api_token_is_shown_once_and_only_its_digest_is_stored(client_for, cast):
    client = client_for(cast.clerk)
    url = reverse("accounts:token_create")
    assert client.get(url).status_code == 405
    response = client.post(url, {"name": "Bảng tính văn phòng"})
    assert response.status_code == 302
    html = client.get(PROFILE).content.decode()
    raw = re.search(r'id="new-token">([^<]+)<', html).group(1)
    token = ApiToken.objects.get(user=cast.clerk)
    assert token.digest == ApiToken.digest_of(raw)
    assert raw not in client.get(PROFILE).content.decode()
    assert "Bảng tính văn phòng" in client.get(PROFILE).content.decode()


def test_api_token_revoke(client_for, cast):
    client = client_for(cast.clerk)
    client.post(reverse("accounts:token_create"), {"name": "x"})
    token = ApiToken.objects.get(user=cast.clerk)
    url = reverse("accounts:token_revoke", args=[token.code])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.post(url).status_code == 404  # already revoked


def test_nobody_revokes_someone_elses_token(client_for, cast):
    client_for(cast.clerk).post(reverse("accounts:token_create"), {"name": "x"})
    token = ApiToken.objects.get(user=cast.clerk)
    url = reverse("accounts:token_revoke", args=[token.code])
    for name in ("admin", "outsider", "member"):
        assert client_for(getattr(cast, name)).post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_create_api_token_command_prints_only_the_token(cast):
    out = StringIO()
    call_command("create_api_token", "vanthu", "--name", "báo cáo", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("cus_") and "\n" not in raw
    token = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    assert token.user == cast.clerk
    assert token.name == "báo cáo"


def test_create_api_token_command_unknown_user(cast):
    with pytest.raises(CommandError, match="No user named 'khongco'"):
        call_command("create_api_token", "khongco")
