import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from capuyso.accounts import services
from capuyso.accounts.models import User
from capuyso.accounts.roles import Role
from capuyso.accounts.tests.helpers import sign_in
from capuyso.core.text import fold
from capuyso.org.models import Position, Unit

pytestmark = pytest.mark.django_db

USERS = "/accounts/users/"
ROW_LINK = re.compile(r'href="/accounts/users/[0-9a-f-]{36}/"')


def _bulk_users(cast, count: int) -> None:
    """`count` extra members of phu-cat's cell, written in bulk (no hashing)."""
    users = User.objects.bulk_create(
        User(
            committee=cast.committee,
            username=f"dv{i:04d}",
            full_name=f"Đảng viên Số {i:04d}",
            full_name_folded=fold(f"Đảng viên Số {i:04d}"),
        )
        for i in range(count)
    )
    Position.objects.bulk_create(
        Position(committee=cast.committee, user=u, role=Role.MEMBER, unit=cast.cell) for u in users
    )


# --- List ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["admin", "clerk", "secretary", "deputy"])
def test_user_list_is_open_to_roles_that_view_users(client_for, cast, name):
    response = client_for(getattr(cast, name)).get(USERS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hoàng Văn Minh" in html  # the cell secretary
    assert "Mai Văn Tâm" not in html  # the outsider, another committee
    assert "Lý Thị Sen" not in html  # the city viewer


@pytest.mark.parametrize(
    "name", ["member", "cell_secretary", "standing", "inspector", "city_viewer", "outsider_clerk"]
)
def test_user_list_is_forbidden_to_other_roles(client_for, cast, name):
    user = getattr(cast, name)
    expected = 200 if name == "outsider_clerk" else 403
    response = client_for(user).get(USERS)
    assert response.status_code == expected
    if expected == 200:  # a clerk of another committee sees only their own committee
        assert "Hoàng Văn Minh" not in response.content.decode()


def test_permission_table_link_only_for_those_who_may_open_it(client_for, cast):
    link = reverse("accounts:permissions")
    assert link in client_for(cast.admin).get(USERS).content.decode()
    assert link not in client_for(cast.clerk).get(USERS).content.decode()


def test_user_list_shows_positions_lock_and_two_factor(client_for, cast):
    User.objects.filter(pk=cast.member.pk).update(
        locked_until=timezone.now() + timezone.timedelta(minutes=10)
    )
    html = client_for(cast.admin).get(USERS).content.decode()
    assert "Party member – Chi bộ thôn Đồng Cát" in html
    assert "Locked until" in html
    assert "Required, not set up" not in html
    cast.secretary.totpdevice_set.all().delete()
    html = client_for(cast.admin).get(USERS).content.decode()
    assert "Required, not set up" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [("binh", "Nguyễn Văn Bình"), ("ĐỖ THỊ", "Đỗ Thị Lan"), ("bithuchibo", "Hoàng Văn Minh")],
)
def test_user_search_folds_vietnamese(client_for, cast, query, expected):
    response = client_for(cast.admin).get(USERS, {"q": query})
    html = response.content.decode()
    assert expected in html
    assert "Ngô Văn Phúc" not in html


def test_user_list_filters_by_role(client_for, cast):
    html = client_for(cast.admin).get(USERS, {"role": Role.CELL_SECRETARY}).content.decode()
    assert "Hoàng Văn Minh" in html
    assert "Ngô Văn Phúc" not in html


def test_user_list_paginates_by_fifty(client_for, cast):
    _bulk_users(cast, 120)
    client = client_for(cast.admin)
    total = User.objects.filter(committee=cast.committee).count()
    first = client.get(USERS).content.decode()
    assert len(ROW_LINK.findall(first)) == 50
    last = client.get(USERS, {"page": 3}).content.decode()
    assert len(ROW_LINK.findall(last)) == total - 100
    assert "Page 3 of 3" in last


def test_user_list_query_count_does_not_grow_with_users(
    client_for, cast, django_assert_max_num_queries
):
    client = client_for(cast.admin)
    client.get(USERS)  # warm up: session, content types
    with django_assert_max_num_queries(10):
        assert client.get(USERS).status_code == 200
    _bulk_users(cast, 150)
    with django_assert_max_num_queries(10):
        assert client.get(USERS).status_code == 200
    with django_assert_max_num_queries(10):
        assert (
            client.get(USERS, {"role": Role.MEMBER, "q": "dang vien", "page": 2}).status_code == 200
        )


def test_user_list_htmx_returns_only_the_results(client_for, cast):
    response = client_for(cast.admin).get(USERS, {"q": "binh"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html


# --- Create -------------------------------------------------------------------------------


def _unit_code(unit) -> str:
    return str(unit.code)


def _create_data(cast, **extra):
    data = {
        "username": "nguyenthimai",
        "full_name": "  Nguyễn   Thị Mai ",
        "phone": "0912345678",
        "email": "",
        "role": Role.MEMBER,
        "unit": _unit_code(cast.cell),
        "title": "",
    }
    data.update(extra)
    return data


def test_admin_creates_a_user_and_sees_the_temporary_password_once(client_for, cast):
    client = client_for(cast.admin)
    page = client.get(reverse("accounts:user_create"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Chi bộ thôn Đồng Cát" in html and "Committee office" not in html
    assert "Chi bộ thôn Xuân Lai" not in html  # a cell of another committee
    response = client.post(reverse("accounts:user_create"), _create_data(cast))
    assert response.status_code == 302
    user = User.objects.get(username="nguyenthimai")
    assert response["Location"] == reverse("accounts:user_detail", args=[user.code])
    assert user.committee == cast.committee
    assert user.full_name == "Nguyễn Thị Mai"
    assert user.must_change_password
    assert user.positions.get().unit == cast.cell
    detail = client.get(response["Location"]).content.decode()
    temporary = re.search(r'id="temporary-password">([^<]+)<', detail).group(1)
    assert temporary not in client.get(response["Location"]).content.decode()
    assert sign_in(Client(), "nguyenthimai", password=temporary).status_code == 302


def test_double_submit_creates_one_user(client_for, cast):
    client = client_for(cast.admin)
    data = _create_data(cast)
    assert client.post(reverse("accounts:user_create"), data).status_code == 302
    again = client.post(reverse("accounts:user_create"), data)
    assert again.status_code == 400
    html = again.content.decode()
    assert "already taken" in html
    assert "you pressed the button twice" in html
    assert User.objects.filter(username__iexact="nguyenthimai").count() == 1
    same_name_other_case = client.post(
        reverse("accounts:user_create"), _create_data(cast, username="NguyenThiMai")
    )
    assert same_name_other_case.status_code == 400
    assert User.objects.filter(username__iexact="nguyenthimai").count() == 1


def test_cell_role_needs_a_cell_and_committee_role_cannot_be_in_a_cell(client_for, cast):
    client = client_for(cast.admin)
    no_cell = client.post(reverse("accounts:user_create"), _create_data(cast, unit=""))
    assert no_cell.status_code == 400
    assert "Choose the cell" in no_cell.content.decode()
    in_cell = client.post(reverse("accounts:user_create"), _create_data(cast, role=Role.CLERK))
    assert in_cell.status_code == 400
    assert not User.objects.filter(username="nguyenthimai").exists()  # all or nothing


def test_unit_of_another_committee_is_refused(client_for, cast):
    response = client_for(cast.admin).post(
        reverse("accounts:user_create"), _create_data(cast, unit=_unit_code(cast.foreign_cell))
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="nguyenthimai").exists()


def test_committee_role_in_an_organ(client_for, cast):
    office = Unit.objects.get(committee=cast.committee, kind=Unit.Kind.OFFICE)
    response = client_for(cast.admin).post(
        reverse("accounts:user_create"),
        _create_data(cast, role=Role.CLERK, unit=_unit_code(office)),
    )
    assert response.status_code == 302
    assert User.objects.get(username="nguyenthimai").positions.get().unit == office


def test_city_viewer_role_is_not_offered_to_a_commune(client_for, cast):
    html = client_for(cast.admin).get(reverse("accounts:user_create")).content.decode()
    assert f'value="{Role.CITY_VIEWER}"' not in html


@pytest.mark.parametrize("name", ["clerk", "secretary", "member"])
def test_create_is_forbidden_without_manage_right(client_for, cast, name):
    client = client_for(getattr(cast, name))
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert client.post(reverse("accounts:user_create"), _create_data(cast)).status_code == 403
    assert not User.objects.filter(username="nguyenthimai").exists()


# --- Detail, edit, positions ------------------------------------------------------------------


def test_viewer_sees_detail_without_management_buttons(client_for, cast):
    response = client_for(cast.clerk).get(reverse("accounts:user_detail", args=[cast.member.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ngô Văn Phúc" in html
    assert "Reset password" not in html


def test_admin_sees_management_buttons(client_for, cast):
    html = (
        client_for(cast.admin)
        .get(reverse("accounts:user_detail", args=[cast.member.code]))
        .content.decode()
    )
    for label in ("Reset password", "Sign out on all devices", "Deactivate", "Add a position"):
        assert label in html


def test_member_cannot_open_a_user_detail(client_for, cast):
    url = reverse("accounts:user_detail", args=[cast.clerk.code])
    assert client_for(cast.member).get(url).status_code == 403


def test_admin_edits_name_and_contact(client_for, cast):
    client = client_for(cast.admin)
    url = reverse("accounts:user_edit", args=[cast.member.code])
    assert client.get(url).status_code == 200
    response = client.post(url, {"full_name": "Ngô Văn Phú", "phone": "0900", "email": ""})
    assert response.status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.full_name == "Ngô Văn Phú"
    assert cast.member.full_name_folded == "ngo van phu"
    assert client_for(cast.clerk).get(url).status_code == 403


def test_admin_assigns_and_ends_a_position(client_for, cast):
    client = client_for(cast.admin)
    url = reverse("accounts:position_assign", args=[cast.member.code])
    response = client.post(
        url,
        {
            "position-role": Role.CELL_DEPUTY_SECRETARY,
            "position-unit": str(cast.cell.code),
            "position-title": "",
            "position-start_date": "",
        },
    )
    assert response.status_code == 302
    position = Position.objects.get(user=cast.member, role=Role.CELL_DEPUTY_SECRETARY)
    assert position.start_date == timezone.localdate()

    duplicate = client.post(
        url, {"position-role": Role.CELL_DEPUTY_SECRETARY, "position-unit": str(cast.cell.code)}
    )
    assert duplicate.status_code == 400
    assert "already holds this role" in duplicate.content.decode()

    end = reverse("accounts:position_end", args=[cast.member.code, position.code])
    assert client.post(end).status_code == 302
    position.refresh_from_db()
    assert position.end_date == timezone.localdate()


def test_admin_cannot_end_their_own_admin_position(client_for, cast):
    position = cast.admin.positions.get()
    client_for(cast.admin).post(
        reverse("accounts:position_end", args=[cast.admin.code, position.code])
    )
    position.refresh_from_db()
    assert position.end_date is None


def test_position_of_another_user_cannot_be_ended_through_this_user(client_for, cast):
    position = cast.clerk.positions.get()
    url = reverse("accounts:position_end", args=[cast.member.code, position.code])
    assert client_for(cast.admin).post(url).status_code == 404
    position.refresh_from_db()
    assert position.end_date is None


# --- 405 / 403 / 404 for every mutating view ---------------------------------------------------

POST_ONLY = [
    "user_password_reset",
    "user_unlock",
    "user_sessions_revoke",
    "user_set_active",
    "user_otp_reset",
    "position_assign",
    "position_end",
]


def _url(name, target):
    if name == "position_end":
        return reverse(
            name.join(["accounts:", ""]), args=[target.code, target.positions.first().code]
        )
    return reverse(f"accounts:{name}", args=[target.code])


def _fingerprint(user):
    user = User.objects.get(pk=user.pk)
    return (
        user.password,
        user.session_generation,
        user.is_active,
        user.locked_until,
        user.totpdevice_set.count(),
        list(user.positions.values_list("role", "end_date")),
    )


@pytest.mark.parametrize("name", POST_ONLY)
def test_mutating_view_refuses_get(client_for, cast, name):
    assert client_for(cast.admin).get(_url(name, cast.secretary)).status_code == 405


@pytest.mark.parametrize("viewer", ["clerk", "secretary", "member", "cell_secretary"])
@pytest.mark.parametrize("name", POST_ONLY)
def test_mutating_view_is_forbidden_without_manage_right(client_for, cast, name, viewer):
    before = _fingerprint(cast.secretary)
    response = client_for(getattr(cast, viewer)).post(_url(name, cast.secretary), {"active": "0"})
    assert response.status_code == 403
    assert _fingerprint(cast.secretary) == before


@pytest.mark.parametrize("name", POST_ONLY)
def test_mutating_view_is_not_found_for_another_committee(client_for, cast, name):
    before = _fingerprint(cast.secretary)
    response = client_for(cast.outsider).post(_url(name, cast.secretary), {"active": "0"})
    assert response.status_code == 404
    assert _fingerprint(cast.secretary) == before


def test_outsider_gets_404_on_every_user_url_of_phu_cat(client_for, cast):
    client = client_for(cast.outsider)
    targets = User.objects.filter(committee=cast.committee)
    assert targets.count() >= 10
    for target in targets:
        for name in ("user_detail", "user_edit"):
            url = reverse(f"accounts:{name}", args=[target.code])
            assert client.get(url).status_code == 404, url
        for name in POST_ONLY:
            if name == "position_end" and not target.positions.exists():
                continue
            url = _url(name, target)
            assert client.post(url, {"active": "0"}).status_code == 404, url


def test_unknown_code_is_404(client_for, cast):
    url = reverse("accounts:user_detail", args=["00000000-0000-0000-0000-000000000000"])
    assert client_for(cast.admin).get(url).status_code == 404


def test_services_are_audited(cast):
    from capuyso.audit.models import AuditEvent

    count = AuditEvent.objects.count()
    services.user_unlock(actor=cast.admin, user=cast.member)
    services.otp_reset_by_admin(actor=cast.admin, user=cast.secretary)
    assert AuditEvent.objects.count() == count + 2
