import pytest


@pytest.fixture(autouse=True)
def english_pages(settings):
    """Assert on the English msgids, so filling the Vietnamese catalog breaks no test."""
    settings.LANGUAGE_CODE = "en"
