"""The main navigation shows each page to those who may open it."""

import pytest
from django.test import RequestFactory
from django.utils import translation

from capuyso.core.navigation import NAV_ITEMS, _visible

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def labels(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    return {str(item["label"]) for item in _visible(request, NAV_ITEMS)}


def test_archive_pages_by_role(cast):
    clerk, leader, secretary = (
        labels(cast.clerk),
        labels(cast.secretary),
        labels(cast.cell_secretary),
    )
    assert {"Archive", "OCR", "Disposal review", "Retention periods"} <= clerk
    # the leaders decide on disposal but do not configure the retention list
    assert {"Archive", "Disposal review"} <= leader and "Retention periods" not in leader
    # a cell secretary reads no committee-wide archive
    assert not {"Archive", "Disposal review", "Retention periods"} & secretary


def test_the_most_specific_section_is_active(cast):
    request = RequestFactory().get("/archive/items/")
    request.user = cast.clerk
    active = [str(i["label"]) for i in _visible(request, NAV_ITEMS) if i["active"]]
    assert active == ["Archive"]
