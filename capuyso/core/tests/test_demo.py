import datetime as dt
import io
import random

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from capuyso.accounts.models import User
from capuyso.accounts.roles import Role
from capuyso.audit.services import audit_verify
from capuyso.core import demo
from capuyso.members.models import Member
from capuyso.org.models import Committee, Grouping, Term, Unit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)


def seed(*args, documents: str = "0") -> str:
    """Run the command in English, so the assertions do not depend on the catalogue.
    Documents are left out (their own tests are in capuyso/documents) unless asked for."""
    out = io.StringIO()
    with translation.override("en"):
        call_command(
            "seed_demo", "--members", "600", "--documents-scale", documents, *args, stdout=out
        )
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed()


def test_creates_the_three_committees_with_cells_groupings_and_terms(seeded):
    phu_cat = Committee.objects.get(slug="phu-cat")
    assert phu_cat.parent.slug == "ha-noi"
    assert phu_cat.executive_name == "ĐẢNG ỦY XÃ PHÚ CÁT"
    assert phu_cat.admin_unit.name == "Xã Phú Cát"
    assert Committee.objects.get(slug="ha-noi").level == Committee.Level.CITY
    groupings = Grouping.objects.filter(committee=phu_cat)
    assert {g.former_admin_unit.name for g in groupings} == {
        "Xã Hòa Thạch", "Xã Đông Yên", "Xã Phú Mãn", "Xã Phú Cát (cũ)"
    }  # fmt: skip
    party_orgs = Unit.objects.filter(committee=phu_cat, kind__in=Unit.PARTY_ORG_KINDS)
    assert party_orgs.count() == 60
    assert party_orgs.filter(kind=Unit.Kind.SUB_COMMITTEE).count() == 1
    cell = party_orgs.get(name=demo.VILLAGE_CELL)
    assert [t.name for t in Term.objects.filter(unit=cell).order_by("start_date")] == [
        "2022–2025",
        "2025–2027",
    ]
    assert Term.objects.get(unit=cell, name="2022–2025").end_date is not None
    term = Term.objects.get(committee=phu_cat, unit=None)
    assert (term.name, term.congress, term.start_date) == (
        "2025–2030",
        "Đại hội lần thứ I",
        dt.date(2025, 7, 1),
    )
    assert Unit.objects.filter(committee__slug="dong-xuan", kind=Unit.Kind.CELL).count() == 8


def test_every_member_sits_in_a_cell_of_their_own_committee(seeded):
    assert Member.objects.filter(committee__slug="phu-cat").count() == 600
    for committee in Committee.objects.filter(slug__in=["phu-cat", "dong-xuan"]):
        members = Member.objects.filter(committee=committee)
        assert members.exists()
        assert not members.exclude(cell__committee=committee).exists()
        assert not members.exclude(cell__kind=Unit.Kind.CELL).exists()


def test_demo_accounts_sign_in_with_the_demo_password_and_hold_their_role(seeded):
    for username in demo.DEMO_USERNAMES:
        user = authenticate(username=username, password=demo.DEMO_PASSWORD)
        assert user is not None, username
        assert not user.must_change_password
    clerk = User.objects.get(username="vanthu")
    assert clerk.positions.get().unit.kind == Unit.Kind.OFFICE
    assert User.objects.get(username="kiemtra").positions.get().unit.kind == (
        Unit.Kind.INSPECTION_COMMISSION
    )
    for username in ("bithuchibo", "phobithuchibo", "dangvien"):
        user = User.objects.get(username=username)
        assert user.member.cell == user.positions.get().unit
        assert user.full_name == user.member.full_name
    assert User.objects.get(username="thanhuy").positions.get().role == Role.CITY_VIEWER
    assert User.objects.get(username="quantri-dongxuan").committee.slug == "dong-xuan"


def test_two_factor_accounts_accept_codes_from_the_published_secret(seeded):
    devices = TOTPDevice.objects.filter(confirmed=True)
    assert set(devices.values_list("user__username", flat=True)) == {
        "bithu", "phobithu", "thuongvu", "quantri", "quantri-dongxuan"
    }  # fmt: skip
    device = devices.get(user__username="bithu")
    assert device.verify_token(totp(demo.DEMO_TOTP_KEY))


def test_prints_the_accounts_table_and_the_secret(seeded):
    assert "| username | password | role | committee | 2FA |" in seeded
    assert f"| bithu | {demo.DEMO_PASSWORD} | committee_secretary | phu-cat | TOTP |" in seeded
    assert demo.DEMO_TOTP_SECRET_BASE32 in seeded


def test_running_again_changes_nothing(seeded):
    before = (Member.objects.count(), User.objects.count(), Unit.objects.count())
    output = seed()
    assert "already exists" in output
    assert "| quantri | " in output
    assert (Member.objects.count(), User.objects.count(), Unit.objects.count()) == before


def test_reset_recreates_the_same_data_and_keeps_the_audit_trail_valid(seeded):
    names = list(Member.objects.order_by("full_name", "card_number").values_list("full_name"))
    output = seed("--reset", documents="0.05")
    assert "Deleted the demo committees" in output
    assert Committee.objects.filter(slug__in=demo.DEMO_SLUGS).count() == 3
    assert Member.objects.count() == len(names)
    assert audit_verify() == []


def test_reset_refuses_a_committee_that_seed_demo_did_not_create(db):
    with translation.override("en"):
        call_command("create_committee", "ha-noi", "--name", "Thành ủy", "--level", "city",
                     stdout=io.StringIO())  # fmt: skip
    with pytest.raises(CommandError, match="not created by seed_demo"):
        seed("--reset")
    with pytest.raises(CommandError, match="not created by seed_demo"):
        seed()
    assert Committee.objects.get(slug="ha-noi")


def test_refuses_to_run_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        seed()
    assert not Committee.objects.exists()


def test_generated_members_are_consistent_and_deterministic():
    committee, cell = Committee(pk=1), Unit(pk=1, cell_kind=Unit.CellKind.VILLAGE)

    def generate(seed):
        rng = random.Random(seed)
        return list(
            demo.generate_members(
                committee=committee,
                cell=cell,
                count=2000,
                rng=rng,
                cards=demo.CardNumbers(rng),
                today=TODAY,
            )
        )

    members = generate(7)
    assert [m.full_name for m in members] == [m.full_name for m in generate(7)]
    cards = [m.card_number for m in members if m.card_number]
    assert len(cards) == len(set(cards))
    probationers = [m for m in members if m.status == Member.Status.PROBATIONARY]
    assert 0.02 < len(probationers) / len(members) < 0.09
    for m in members:
        age_at_admission = (m.admission_date - m.date_of_birth).days / 365.2425
        assert age_at_admission >= 18, m
        assert 18 <= (TODAY - m.date_of_birth).days / 365.2425 <= 96
        if m.status == Member.Status.PROBATIONARY:
            assert m.full_membership_date is None and m.card_number == ""
            assert (TODAY - m.admission_date).days < 365
        else:
            assert m.admission_date < m.full_membership_date < TODAY


def test_cell_sizes_add_up_and_stay_within_village_bounds():
    plan = demo.plan_phu_cat()
    demo.assign_sizes(plan, 2500, random.Random(1))
    assert sum(c.size for c in plan.member_cells) == 2500
    villages = [c for c in plan.member_cells if c.cell_kind == Unit.CellKind.VILLAGE]
    assert all(20 <= c.size <= 80 for c in villages)


def test_the_demo_data_is_in_the_search_index(seeded):
    from capuyso.members.models import Member
    from capuyso.org.models import Committee
    from capuyso.search.models import SearchEntry

    phu_cat = Committee.objects.get(slug="phu-cat")
    members = Member.objects.filter(committee=phu_cat).count()
    assert members > 0
    indexed = SearchEntry.objects.filter(committee=phu_cat, kind="member").count()
    assert indexed == members
    someone = Member.objects.filter(committee=phu_cat).order_by("pk").first()
    entry = SearchEntry.objects.get(kind="member", object_id=someone.pk)
    assert entry.title == someone.full_name
