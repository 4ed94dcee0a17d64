import pytest
from django.urls import reverse

from capuyso.accounts.models import RolePermission, User
from capuyso.accounts.permissions import access_for, build_access
from capuyso.accounts.roles import DEFAULT_GRANTS, UNIT_ROLES, Action, Role
from capuyso.org.models import Committee, Position, Unit

pytestmark = pytest.mark.django_db

# The cast user who holds each role (every Role appears once).
HOLDER = {
    Role.COMMITTEE_SECRETARY: "secretary",
    Role.COMMITTEE_DEPUTY_SECRETARY: "deputy",
    Role.STANDING_MEMBER: "standing",
    Role.COMMITTEE_MEMBER: "committee_member",
    Role.CLERK: "clerk",
    Role.INSPECTION: "inspector",
    Role.PARTY_BUILDING: "party_building",
    Role.CELL_SECRETARY: "cell_secretary",
    Role.CELL_DEPUTY_SECRETARY: "cell_deputy",
    Role.MEMBER: "member",
    Role.TENANT_ADMIN: "admin",
    Role.CITY_VIEWER: "city_viewer",
}


def test_every_role_has_a_holder_and_default_grants():
    assert set(HOLDER) == set(Role)
    assert set(DEFAULT_GRANTS) == set(Role)


def test_seeded_table_matches_the_default_grants():
    seeded = set(RolePermission.objects.values_list("role", "action"))
    expected = {(role, action) for role, actions in DEFAULT_GRANTS.items() for action in actions}
    assert seeded == {(str(r), str(a)) for r, a in expected}


def _holder(role: str) -> User:
    """A user holding only `role`, built straight in the database (no hashing, no audit)."""
    level = Committee.Level.CITY if role == Role.CITY_VIEWER else Committee.Level.COMMUNE
    committee = Committee.objects.create(slug="t", name="T", executive_name="T", level=level)
    unit = None
    if role in UNIT_ROLES:
        unit = Unit.objects.create(
            committee=committee, kind=Unit.Kind.CELL, name="Chi bộ", name_folded="chi bo"
        )
        Unit.objects.filter(pk=unit.pk).update(path=f"/{unit.pk}/")
    user = User.objects.create(username="u", full_name="U", committee=committee)
    Position.objects.create(committee=committee, user=user, role=role, unit=unit)
    return user


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_role_grants_exactly_its_default_actions(role, action):
    user = _holder(role)
    assert access_for(user).roles == {role}
    assert access_for(user).has(action) == (action in DEFAULT_GRANTS[role])


@pytest.mark.parametrize("role", list(Role))
def test_cast_holder_has_exactly_the_default_actions(cast, role):
    user = getattr(cast, HOLDER[role])
    granted = {action for action in Action if access_for(user).has(action)}
    assert granted == DEFAULT_GRANTS[role]


@pytest.mark.parametrize(
    ("role", "action"),
    [(role, action) for role, actions in DEFAULT_GRANTS.items() for action in sorted(actions)],
)
def test_removing_a_row_removes_the_right(role, action):
    user = _holder(role)
    assert build_access(user).has(action)
    RolePermission.objects.filter(role=role, action=action).delete()
    assert not build_access(user).has(action)
    RolePermission.objects.create(role=role, action=action)
    assert build_access(user).has(action)


def test_adding_a_row_grants_the_right(cast):
    assert not build_access(cast.member).has(Action.STATS_VIEW)
    RolePermission.objects.create(role=Role.MEMBER, action=Action.STATS_VIEW)
    assert build_access(cast.member).has(Action.STATS_VIEW)


def test_cell_secretary_scope_is_their_cell_only(cast):
    access = access_for(cast.cell_secretary)
    committee = cast.committee.pk
    assert access.can(Action.MEMBERS_VIEW, committee_id=committee, unit_path=cast.cell.path)
    assert not access.can(
        Action.MEMBERS_VIEW, committee_id=committee, unit_path=cast.other_cell.path
    )
    assert not access.can(Action.MEMBERS_VIEW, committee_id=committee)
    assert not access.can(
        Action.MEMBERS_VIEW, committee_id=cast.other.pk, unit_path=cast.foreign_cell.path
    )
    assert not access.committee_wide(Action.MEMBERS_VIEW)


def test_committee_wide_role_reaches_every_cell_of_its_committee_only(cast):
    access = access_for(cast.secretary)
    for cell in (cast.cell, cast.other_cell):
        assert access.can(Action.MEMBERS_VIEW, committee_id=cast.committee.pk, unit_path=cell.path)
    assert not access.can(
        Action.MEMBERS_VIEW, committee_id=cast.other.pk, unit_path=cast.foreign_cell.path
    )


def test_ended_position_gives_no_right(cast):
    from capuyso.accounts import services

    position = cast.clerk.positions.get()
    services.position_end(actor=cast.admin, position=position)
    # Ended today still counts today; ending it yesterday removes it.
    position.refresh_from_db()
    type(position).objects.filter(pk=position.pk).update(
        start_date=position.start_date.replace(year=position.start_date.year - 1),
        end_date=position.start_date.replace(year=position.start_date.year - 1),
    )
    assert not build_access(cast.clerk).has(Action.USERS_VIEW)


@pytest.mark.parametrize("name", ["secretary", "deputy", "admin"])
def test_permission_table_page_is_readable_with_the_right(client_for, cast, name):
    response = client_for(getattr(cast, name)).get(reverse("accounts:permissions"))
    assert response.status_code == 200
    html = response.content.decode()
    for _value, label in Role.choices:
        assert str(label) in html
    assert html.count('class="yes"') == RolePermission.objects.count()


@pytest.mark.parametrize("name", ["clerk", "member", "cell_secretary", "city_viewer"])
def test_permission_table_page_is_forbidden_without_the_right(client_for, cast, name):
    assert client_for(getattr(cast, name)).get(reverse("accounts:permissions")).status_code == 403


def test_permission_table_page_reflects_the_data(client_for, cast):
    client = client_for(cast.admin)
    before = client.get(reverse("accounts:permissions")).content.decode().count('class="yes"')
    RolePermission.objects.filter(role=Role.MEMBER).delete()
    after = client.get(reverse("accounts:permissions")).content.decode().count('class="yes"')
    assert after == before - len(DEFAULT_GRANTS[Role.MEMBER])
