import pytest

from capuyso.core.testing import build_cast, login


@pytest.fixture
def cast(db):
    """Two commune committees (phu-cat, dong-xuan) under ha-noi, one user per role."""
    return build_cast()


@pytest.fixture
def client_for(client):
    """client_for(user) -> the test client signed in as `user` (2FA verified)."""

    def _client_for(user):
        client.logout()
        login(client, user)
        return client

    return _client_for


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded and generated files go to a temporary folder, never to data/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


def pytest_collection_modifyitems(config, items):
    """Tests marked `one_database` check what no database changes (a command line run as a
    subprocess, OCR, deployment settings): CI runs them in the SQLite pass only, which keeps
    the PostgreSQL pass, run beside it, within CI's time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    skip = pytest.mark.skip(reason="independent of the database: run in the SQLite pass")
    for item in items:
        if item.get_closest_marker("one_database"):
            item.add_marker(skip)
