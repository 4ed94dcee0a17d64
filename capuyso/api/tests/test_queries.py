"""List endpoints run a bounded number of queries, however many rows there are."""

import pytest

from capuyso.accounts.roles import Role
from capuyso.core.testing import make_member, make_user
from capuyso.jobs.models import Job
from capuyso.org import services as org_services
from capuyso.org.models import Unit

pytestmark = pytest.mark.django_db

# Token lookup, access (positions + grants), count, page, and at most two prefetches.
MAX_QUERIES = 8


@pytest.fixture
def crowd(cast):
    for i in range(12):
        cell = org_services.unit_create(
            actor=None,
            committee=cast.committee,
            kind=Unit.Kind.CELL,
            cell_kind="village",
            name=f"Chi bộ thôn {i}",
        )
        make_member(cast.committee, cell, f"Đảng viên {i}")
        user = make_user(cast.committee, f"dv{i}", f"Người dùng {i}", Role.MEMBER, cell)
        Job.objects.create(committee=cast.committee, owner=cast.admin, kind="t", title=f"Việc {i}")
        Job.objects.create(committee=cast.committee, owner=user, kind="t", title=f"Việc {i}")


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("clerk", "/units"),
        ("clerk", "/cells"),
        ("cell_secretary", "/cells"),
        ("clerk", "/users"),
        ("admin", "/jobs"),
        ("clerk", "/committee"),
        ("clerk", "/me"),
        ("city_viewer", "/city/committees"),
    ],
)
def test_list_endpoints_have_bounded_queries(
    api_get, cast, crowd, who, path, django_assert_max_num_queries
):
    user = getattr(cast, who)
    api_get(user, path)  # first call also stamps the token's last use

    with django_assert_max_num_queries(MAX_QUERIES):
        response = api_get(user, path, limit=200)

    assert response.status_code == 200
