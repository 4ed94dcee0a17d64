"""Benchmark datasets, built with the demo generators (capuyso/core/demo.py).

tiny     one small committee in the current database (tests)
commune  one committee with ~5,000 members, in its own SQLite file
city     126 committees with 400,000 members, in a dedicated PostgreSQL database

A dataset is built in one transaction and reused when it is already there.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench import documents as bench_documents
from capuyso.accounts import services as account_services
from capuyso.accounts.models import User
from capuyso.accounts.roles import TWO_FACTOR_ROLES, Role
from capuyso.core import demo
from capuyso.members.models import Member
from capuyso.org import services as org_services
from capuyso.org.models import AdministrativeUnit, Committee, Unit

SEED = 4242


@dataclass(frozen=True)
class Scale:
    name: str
    committees: int
    members: int  # in total
    cells: int = 60  # per committee, for the city scale's generated communes


SCALES = {
    "tiny": Scale("tiny", committees=1, members=150),
    "commune": Scale("commune", committees=1, members=5000),
    "city": Scale("city", committees=126, members=400_000, cells=45),
}

# key -> username, role, where ("" committee-wide, "cell": the largest village cell,
# "office": the committee's Office)
ACCOUNTS = {
    "secretary": ("bench-secretary", Role.COMMITTEE_SECRETARY, ""),
    "cell_secretary": ("bench-cell-secretary", Role.CELL_SECRETARY, "cell"),
    "member": ("bench-member", Role.MEMBER, "cell"),
    "admin": ("bench-admin", Role.TENANT_ADMIN, ""),
    "clerk": ("bench-clerk", Role.CLERK, "office"),
}


@dataclass
class Dataset:
    scale: Scale
    committee: Committee  # the committee the accounts belong to
    users: dict[str, User] = field(default_factory=dict)
    built_in_s: float | None = None  # None when reused
    documents_build: dict | None = None  # the build.documents line; None when reused
    picks: dict = field(default_factory=dict)  # objects scenarios open (bench/documents.py)


def _main_slug(scale: Scale) -> str:
    return "bench-001" if scale.name == "city" else f"bench-{scale.name}"


def ensure(scale: Scale, log=lambda message: None) -> Dataset:
    committee = Committee.objects.filter(slug=_main_slug(scale)).first()
    if committee is not None:
        log(f"reusing the {scale.name} dataset")
        _add_missing_accounts(committee)
        dataset = _dataset(scale, committee, None)
    else:
        started = time.monotonic()
        with transaction.atomic():
            committee = _build(scale, log)
        dataset = _dataset(scale, committee, time.monotonic() - started)
    # Documents come after the accounts, so a reused dataset gets them too.
    dataset.documents_build = bench_documents.ensure(dataset, log)
    dataset.picks.update(bench_documents.picks(dataset))
    return dataset


def _dataset(scale: Scale, committee: Committee, built_in: float | None) -> Dataset:
    users = {key: User.objects.get(username=username) for key, (username, *_) in ACCOUNTS.items()}
    city_viewer = User.objects.filter(username="bench-city-viewer").first()
    if city_viewer:
        users["city_viewer"] = city_viewer
    return Dataset(scale, committee, users, built_in)


def _build(scale: Scale, log) -> Committee:
    rng = random.Random(SEED)
    today = timezone.localdate()
    city = org_services.committee_create(
        actor=None,
        slug=f"bench-city-{scale.name}",
        name="Đảng bộ Thành phố (benchmark)",
        level=Committee.Level.CITY,
    )
    places = list(
        AdministrativeUnit.objects.filter(
            level=AdministrativeUnit.Level.COMMUNE, valid_until__isnull=True
        ).order_by("official_code")
    )
    per_committee = scale.members // scale.committees
    main = None
    for number in range(1, scale.committees + 1):
        admin_unit = places[(number - 1) % len(places)] if places else None
        place = admin_unit.name.split(" ", 1)[1] if admin_unit else f"Số {number}"
        if scale.name == "city":
            plan = demo.plan_generic(place, rng, cells=scale.cells)
            slug = f"bench-{number:03d}"
        elif scale.name == "commune":
            plan, slug = demo.plan_phu_cat(), _main_slug(scale)
        else:
            plan, slug = demo.plan_dong_xuan(), _main_slug(scale)
        demo.assign_sizes(plan, per_committee, rng)
        built = demo.build_committee(
            slug=slug,
            name=f"Đảng bộ xã {place} ({number})",
            parent=city,
            admin_unit=admin_unit if scale.name == "city" else None,
            plan=plan,
            rng=rng,
            today=today,
            term=("2025–2030", "Đại hội lần thứ I", demo.MERGED_ON),
            cell_terms=scale.name != "city",
        )
        log(f"{slug}: {len(built.units)} units, {built.members} members")
        if main is None:
            main = built
    _accounts(main.committee, ACCOUNTS)
    _city_viewer(city)
    return main.committee


def _add_missing_accounts(committee: Committee) -> None:
    """Accounts added to ACCOUNTS after a dataset was built (the reused one lacks them)."""
    taken = set(
        User.objects.filter(username__startswith="bench-").values_list("username", flat=True)
    )
    missing = {key: spec for key, spec in ACCOUNTS.items() if spec[0] not in taken}
    if missing:
        with transaction.atomic():
            _accounts(committee, missing)


def _accounts(committee: Committee, accounts: dict) -> None:
    cells = Unit.objects.filter(
        committee=committee, kind=Unit.Kind.CELL, cell_kind=Unit.CellKind.VILLAGE
    )
    sizes = {
        cell: Member.objects.filter(cell=cell, status=Member.Status.FULL).count() for cell in cells
    }
    cell = max(sizes, key=lambda c: (sizes[c], -c.pk))
    members = list(
        Member.objects.filter(cell=cell, status=Member.Status.FULL, user__isnull=True).order_by(
            "pk"
        )[:2]
    )
    units = {
        "cell": cell,
        "office": Unit.objects.filter(committee=committee, kind=Unit.Kind.OFFICE).first(),
    }
    for username, role, where in accounts.values():
        member = members.pop(0) if where == "cell" and members else None
        user, _ = account_services.user_create(
            actor=None,
            committee=committee,
            username=username,
            full_name=member.full_name if member else username,
            member=member,
            must_change_password=False,
        )
        account_services.position_assign(actor=None, user=user, role=role, unit=units.get(where))
        if role in TWO_FACTOR_ROLES:
            TOTPDevice.objects.create(user=user, name="bench", confirmed=True)


def _city_viewer(city: Committee) -> None:
    viewer, _ = account_services.user_create(
        actor=None,
        committee=city,
        username="bench-city-viewer",
        full_name="bench-city-viewer",
        must_change_password=False,
    )
    account_services.position_assign(actor=None, user=viewer, role=Role.CITY_VIEWER)
