import pytest

from capuyso.accounts.services import api_token_create

API = "/api/v1"


@pytest.fixture
def api_get(client):
    """api_get(user, path, **params) -> response, called with a fresh token of `user`."""
    tokens: dict[int, str] = {}

    def _get(user, path, **params):
        if user.pk not in tokens:
            tokens[user.pk] = api_token_create(actor=None, user=user, name="test")[1]
        return client.get(
            f"{API}{path}", params, headers={"Authorization": f"Bearer {tokens[user.pk]}"}
        )

    return _get
