"""The shared test cast: two commune committees under a city, with one user per role.

Used by conftest.py fixtures and the browser tests. Never imported by application code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from capuyso.accounts import services as account_services
from capuyso.accounts.models import User
from capuyso.accounts.roles import TWO_FACTOR_ROLES, Role
from capuyso.core.text import fold
from capuyso.members.models import Member
from capuyso.org import services as org_services
from capuyso.org.models import Committee, Unit

PASSWORD = "Mat-khau-thu-2026"


@dataclass
class Cast:
    city: Committee
    committee: Committee
    other: Committee
    cell: Unit
    other_cell: Unit  # a second cell of the same committee
    foreign_cell: Unit  # a cell of the other committee
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> User:
        try:
            return self.__dict__["users"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def make_member(committee: Committee, cell: Unit, full_name: str, **extra) -> Member:
    values = {
        "sex": Member.Sex.MALE,
        "date_of_birth": dt.date(1970, 5, 1),
        "admission_date": dt.date(2000, 2, 3),
        "full_membership_date": dt.date(2001, 2, 3),
        "status": Member.Status.FULL,
    }
    values.update(extra)
    return Member.objects.create(
        committee=committee,
        cell=cell,
        full_name=full_name,
        full_name_folded=fold(full_name),
        **values,
    )


def make_user(
    committee: Committee, username: str, full_name: str, role: str | None, unit: Unit | None = None
) -> User:
    user, _ = account_services.user_create(
        actor=None,
        committee=committee,
        username=username,
        full_name=full_name,
        password=PASSWORD,
        must_change_password=False,
    )
    if role:
        account_services.position_assign(actor=None, user=user, role=role, unit=unit)
    if role in TWO_FACTOR_ROLES:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def build_cast() -> Cast:
    city = org_services.committee_create(
        actor=None, slug="ha-noi", name="Đảng bộ Thành phố Hà Nội", level=Committee.Level.CITY
    )
    committee = org_services.committee_create(
        actor=None, slug="phu-cat", name="Đảng bộ xã Phú Cát", parent=city
    )
    other = org_services.committee_create(
        actor=None, slug="dong-xuan", name="Đảng bộ xã Đông Xuân", parent=city
    )
    cell = org_services.unit_create(
        actor=None,
        committee=committee,
        kind=Unit.Kind.CELL,
        cell_kind="village",
        name="Chi bộ thôn Đồng Cát",
    )
    other_cell = org_services.unit_create(
        actor=None,
        committee=committee,
        kind=Unit.Kind.CELL,
        cell_kind="school",
        name="Chi bộ Trường Tiểu học Phú Cát",
    )
    foreign_cell = org_services.unit_create(
        actor=None,
        committee=other,
        kind=Unit.Kind.CELL,
        cell_kind="village",
        name="Chi bộ thôn Xuân Lai",
    )
    cast = Cast(city, committee, other, cell, other_cell, foreign_cell)
    organs = {u.kind: u for u in Unit.objects.filter(committee=committee)}
    cast.users.update(
        secretary=make_user(committee, "bithu", "Nguyễn Văn Bình", Role.COMMITTEE_SECRETARY),
        deputy=make_user(committee, "phobithu", "Trần Thị Hạnh", Role.COMMITTEE_DEPUTY_SECRETARY),
        standing=make_user(committee, "thuongvu", "Lê Văn Cường", Role.STANDING_MEMBER),
        committee_member=make_user(committee, "capuyvien", "Phạm Thị Dung", Role.COMMITTEE_MEMBER),
        clerk=make_user(committee, "vanthu", "Đỗ Thị Lan", Role.CLERK, organs[Unit.Kind.OFFICE]),
        inspector=make_user(
            committee,
            "kiemtra",
            "Vũ Văn Hải",
            Role.INSPECTION,
            organs[Unit.Kind.INSPECTION_COMMISSION],
        ),
        party_building=make_user(
            committee,
            "banxaydung",
            "Trịnh Văn Khoa",
            Role.PARTY_BUILDING,
            organs[Unit.Kind.PARTY_BUILDING_BOARD],
        ),
        cell_secretary=make_user(
            committee, "bithuchibo", "Hoàng Văn Minh", Role.CELL_SECRETARY, cell
        ),
        cell_deputy=make_user(
            committee, "phobithuchibo", "Bùi Thị Nga", Role.CELL_DEPUTY_SECRETARY, cell
        ),
        member=make_user(committee, "dangvien", "Ngô Văn Phúc", Role.MEMBER, cell),
        admin=make_user(committee, "quantri", "Đinh Văn Quang", Role.TENANT_ADMIN),
        city_viewer=make_user(city, "thanhuy", "Lý Thị Sen", Role.CITY_VIEWER),
        outsider=make_user(other, "ngoaixa", "Mai Văn Tâm", Role.TENANT_ADMIN),
        outsider_clerk=make_user(other, "vanthu-dx", "Tạ Thị Uyên", Role.CLERK),
    )
    return cast


def login(client, user: User) -> None:
    """Sign `user` in on a test client, with a verified second factor when they have one."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def today() -> dt.date:
    return timezone.localdate()
