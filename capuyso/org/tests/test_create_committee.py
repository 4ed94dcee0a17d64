import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import translation

from capuyso.accounts.models import User
from capuyso.accounts.roles import Role
from capuyso.audit.models import AuditEvent
from capuyso.org.models import AdministrativeUnit, Committee, Position, Term, Unit

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    """Run the command in English, so the assertions do not depend on the catalogue."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("create_committee", *args, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        Committee.objects.count(),
        Unit.objects.count(),
        Term.objects.count(),
        User.objects.count(),
        Position.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def city(db):
    call_command("create_committee", "ha-noi", "--name", "Thành ủy Hà Nội", "--level", "city",
                 stdout=io.StringIO())  # fmt: skip
    return Committee.objects.get(slug="ha-noi")


def test_onboards_a_commune_with_organs_term_and_admin(city):
    output = run(
        "phu-cat",
        "--name",
        "Đảng bộ xã Phú Cát",
        "--parent",
        "ha-noi",
        "--admin-unit",
        AdministrativeUnit.objects.get(name="Xã Phú Cát").official_code,
        "--admin-username",
        "quantri",
        "--term-start",
        "2025-07-01",
        "--congress",
        "Đại hội lần thứ I",
    )

    committee = Committee.objects.get(slug="phu-cat")
    assert committee.parent == city
    assert committee.executive_name == "ĐẢNG BỘ XÃ PHÚ CÁT"
    assert committee.admin_unit.name == "Xã Phú Cát"
    assert set(Unit.objects.filter(committee=committee).values_list("kind", flat=True)) == set(
        Unit.ORGAN_KINDS
    )
    term = Term.objects.get(committee=committee, unit=None)
    assert (term.name, str(term.start_date), term.end_date) == ("2025–2030", "2025-07-01", None)
    assert term.congress == "Đại hội lần thứ I"

    admin = User.objects.get(username="quantri")
    assert admin.committee == committee
    assert admin.must_change_password
    assert list(admin.positions.values_list("role", flat=True)) == [Role.TENANT_ADMIN]
    password = re.search(r"Temporary password: (\S+)", output).group(1)
    assert authenticate(username="quantri", password=password) == admin
    assert "two-factor" in output


def test_default_term_starts_today_and_admin_username_follows_slug(city):
    run("dong-xuan", "--name", "Đảng bộ xã Đông Xuân", "--parent", "ha-noi")

    committee = Committee.objects.get(slug="dong-xuan")
    term = Term.objects.get(committee=committee)
    assert term.name == f"{term.start_date.year}–{term.start_date.year + 5}"
    assert User.objects.get(username="quantri-dong-xuan").committee == committee


def test_city_committee_gets_no_organs_but_an_admin(city):
    assert Unit.objects.filter(committee=city).count() == 0
    assert User.objects.get(username="quantri-ha-noi").positions.get().role == Role.TENANT_ADMIN


def test_running_twice_fails_cleanly_and_changes_nothing(city):
    run("phu-cat", "--name", "Đảng bộ xã Phú Cát", "--parent", "ha-noi")
    before = counts()

    with pytest.raises(CommandError, match="already exists; nothing was changed"):
        run("phu-cat", "--name", "Đảng bộ xã Phú Cát", "--parent", "ha-noi")

    assert counts() == before


def test_unknown_parent_is_refused(db):
    with pytest.raises(CommandError, match="given as --parent"):
        run("phu-cat", "--name", "Đảng bộ xã Phú Cát", "--parent", "khong-co")
    assert not Committee.objects.exists()


@pytest.mark.parametrize("slug", ["Phú Cát", "phu cat", "PHU-CAT", "-"])
def test_invalid_slug_is_refused_with_a_suggestion(db, slug):
    with pytest.raises(CommandError, match="not a valid short name"):
        run(slug, "--name", "Đảng bộ xã Phú Cát")
    assert not Committee.objects.exists()


def test_taken_admin_username_creates_nothing(city):
    before = counts()
    with pytest.raises(CommandError, match="already taken"):
        run("phu-cat", "--name", "Đảng bộ xã Phú Cát", "--admin-username", "quantri-ha-noi")
    assert counts() == before


def test_a_failing_service_step_rolls_everything_back(city):
    """A commune parent is refused by the service after the pre-checks: nothing stays."""
    run("phu-cat", "--name", "Đảng bộ xã Phú Cát", "--parent", "ha-noi")
    before = counts()
    with pytest.raises(CommandError, match="was not created"):
        run("dong-xuan", "--name", "Đảng bộ xã Đông Xuân", "--parent", "phu-cat")
    assert counts() == before


def test_bad_date_is_refused(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("phu-cat", "--name", "Đảng bộ xã Phú Cát", "--term-start", "01/07/2025")
