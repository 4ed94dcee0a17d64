"""Demo data: Đảng bộ xã Phú Cát (Hà Nội) with ~60 cells and ~2,500 members.

Used by `capuyso seed_demo` (demo and training servers) and by the benchmark harness
(`bench/`), which reuses the generators at larger sizes. Everything is deterministic:
the same seed gives the same names, dates and card numbers.

Committees, groupings, units, terms, users and positions are created through the services,
so the audit trail records them; members are bulk-inserted (one audit event per committee
says how many). The names of villages (thôn) and people are illustrative, not real records.

Demo accounts all use `DEMO_PASSWORD`. The accounts that must use two-factor
authentication (leaders, administrators) get a confirmed TOTP device with the fixed
secret `DEMO_TOTP_SECRET_BASE32`: add it once to an authenticator app (Google
Authenticator, Aegis, FreeOTP…) as a manual key and it gives the codes for all of them.
Both are public, which is why `seed_demo` refuses to run in production.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from capuyso.accounts import services as account_services
from capuyso.accounts.models import User
from capuyso.accounts.roles import TWO_FACTOR_ROLES, Role
from capuyso.audit.models import AuditEvent, ChainHead
from capuyso.audit.services import Verb, audit_record
from capuyso.core.text import fold
from capuyso.fees import demo as fees_demo
from capuyso.members.models import Exemption, Member
from capuyso.org import services as org_services
from capuyso.org.models import AdministrativeUnit, Committee, Grouping, Unit

DEMO_PASSWORD = "PhuCat@2025"  # noqa: S105 - published on purpose: demo accounts only
DEMO_TOTP_KEY = b"capuyso-demo-phu-cat"  # 20 bytes, like django-otp's default keys
DEMO_TOTP_SECRET_HEX = DEMO_TOTP_KEY.hex()
DEMO_TOTP_SECRET_BASE32 = base64.b32encode(DEMO_TOTP_KEY).decode()  # MNQXA5LZONXS2ZDF…
DEMO_SEED = 2025
DEMO_SLUGS = ("ha-noi", "phu-cat", "dong-xuan")
# Audit events of this type mark a committee as created by seed_demo; --reset deletes
# only committees carrying the mark.
DEMO_MARKER_TYPE = "core.demo"

MERGED_ON = dt.date(2025, 7, 1)

# --- People -------------------------------------------------------------------------

FAMILY_NAMES = {
    "Nguyễn": 30, "Trần": 9, "Lê": 8, "Phạm": 6, "Hoàng": 4, "Phan": 3, "Vũ": 4, "Đặng": 3,
    "Bùi": 3, "Đỗ": 4, "Hồ": 1, "Ngô": 2, "Dương": 2, "Lý": 1, "Đàm": 1, "Khuất": 4,
    "Kiều": 4, "Cấn": 3, "Nghiêm": 1, "Đinh": 2, "Tạ": 1, "Trịnh": 1, "Lưu": 1,
}  # fmt: skip
MIDDLE_NAMES = {
    Member.Sex.MALE: {"Văn": 50, "Đức": 8, "Minh": 7, "Quang": 5, "Xuân": 5, "Hữu": 5,
                      "Công": 4, "Ngọc": 3, "Thanh": 4, "Mạnh": 3, "Tiến": 3, "Duy": 3},
    Member.Sex.FEMALE: {"Thị": 60, "Thu": 6, "Minh": 4, "Ngọc": 5, "Thanh": 5, "Hồng": 5,
                        "Kim": 3, "Phương": 3, "Thúy": 3, "Hải": 2, "Bích": 2, "Mai": 2},
}  # fmt: skip
GIVEN_NAMES = {
    Member.Sex.MALE: [
        "Hùng", "Dũng", "Tuấn", "Minh", "Hải", "Long", "Nam", "Thắng", "Sơn", "Cường",
        "Bình", "Quân", "Trung", "Hiếu", "Phong", "Khánh", "Đức", "Tùng", "Hưng", "Toàn",
        "Thành", "Lâm", "Quý", "Tiến", "Huy", "Vinh", "Hòa", "Kiên", "Chiến", "Lợi", "Thịnh",
        "Hậu", "Tâm", "Đạt", "Việt", "Hoàng", "Phúc", "Thuận", "Quang", "Sáng", "Bảo", "An",
    ],
    Member.Sex.FEMALE: [
        "Lan", "Hương", "Hoa", "Mai", "Hạnh", "Nga", "Thảo", "Trang", "Linh", "Huyền",
        "Hằng", "Yến", "Nhung", "Loan", "Thủy", "Dung", "Phương", "Ngọc", "Oanh", "Hà",
        "Thu", "Vân", "Liên", "Hiền", "Tâm", "Anh", "Giang", "Xuân", "Hồng", "Quyên",
        "Thơm", "Huệ", "Lý", "Nhàn", "Chi", "Duyên", "Ly", "Tuyết",
    ],
}  # fmt: skip

# cell kind -> (youngest, oldest, most common age, share of men, share of probationers)
PROFILES = {
    Unit.CellKind.VILLAGE: (20, 92, 58, 0.62, 0.05),
    Unit.CellKind.RESIDENTIAL: (20, 92, 58, 0.58, 0.05),
    Unit.CellKind.SCHOOL: (24, 58, 38, 0.22, 0.08),
    Unit.CellKind.HEALTH_STATION: (25, 58, 40, 0.35, 0.06),
    Unit.CellKind.POLICE: (22, 52, 32, 0.9, 0.08),
    Unit.CellKind.MILITARY: (21, 55, 35, 0.95, 0.08),
    Unit.CellKind.ENTERPRISE: (24, 58, 40, 0.6, 0.06),
    Unit.CellKind.AGENCY: (25, 60, 42, 0.55, 0.05),
    Unit.CellKind.RETIRED: (60, 95, 72, 0.62, 0.0),
    Unit.CellKind.OTHER: (22, 70, 45, 0.55, 0.05),
}
# cell kind -> (smallest, largest, most common) number of members
SIZES = {
    Unit.CellKind.VILLAGE: (20, 80, 45),
    Unit.CellKind.RESIDENTIAL: (20, 80, 45),
    Unit.CellKind.SCHOOL: (8, 20, 13),
    Unit.CellKind.HEALTH_STATION: (8, 14, 10),
    Unit.CellKind.POLICE: (18, 30, 24),
    Unit.CellKind.MILITARY: (10, 18, 13),
    Unit.CellKind.ENTERPRISE: (6, 15, 9),
    Unit.CellKind.AGENCY: (15, 40, 25),
    Unit.CellKind.RETIRED: (40, 90, 60),
    Unit.CellKind.OTHER: (5, 20, 10),
}


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def person_name(rng: random.Random, sex: str) -> str:
    return " ".join(
        (
            _weighted(rng, FAMILY_NAMES),
            _weighted(rng, MIDDLE_NAMES[sex]),
            rng.choice(GIVEN_NAMES[sex]),
        )
    )


GENERAL_EDUCATION = {
    Member.GeneralEducation.UPPER_SECONDARY: 80,
    Member.GeneralEducation.LOWER_SECONDARY: 17,
    Member.GeneralEducation.PRIMARY: 3,
}
QUALIFICATIONS = {
    "": {
        Member.Qualification.NONE: 45,
        Member.Qualification.INTERMEDIATE: 25,
        Member.Qualification.COLLEGE: 10,
        Member.Qualification.UNIVERSITY: 20,
    },
    Unit.CellKind.SCHOOL: {Member.Qualification.UNIVERSITY: 80, Member.Qualification.MASTER: 20},
    Unit.CellKind.HEALTH_STATION: {
        Member.Qualification.COLLEGE: 40,
        Member.Qualification.UNIVERSITY: 60,
    },
    Unit.CellKind.AGENCY: {Member.Qualification.UNIVERSITY: 85, Member.Qualification.MASTER: 15},
}
THEORY = {
    Member.Theory.NONE: 30,
    Member.Theory.ELEMENTARY: 50,
    Member.Theory.INTERMEDIATE: 17,
    Member.Theory.ADVANCED: 3,
}
OCCUPATIONS = {
    Unit.CellKind.VILLAGE: "Nông nghiệp",
    Unit.CellKind.RESIDENTIAL: "Kinh doanh",
    Unit.CellKind.SCHOOL: "Giáo viên",
    Unit.CellKind.HEALTH_STATION: "Y tế",
    Unit.CellKind.POLICE: "Công an",
    Unit.CellKind.MILITARY: "Quân đội",
    Unit.CellKind.ENTERPRISE: "Công nhân",
    Unit.CellKind.AGENCY: "Cán bộ, công chức",
    Unit.CellKind.RETIRED: "Nghỉ hưu",
}


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _years_before(day: dt.date, years: float) -> dt.date:
    return day - dt.timedelta(days=round(years * 365.2425))


@dataclass
class CardNumbers:
    """Party card numbers unique within one committee: prefix + a rising 6-digit number."""

    rng: random.Random
    prefix: str = "01"
    next_number: int = 0

    def __post_init__(self):
        self.next_number = self.rng.randint(10_000, 200_000)

    next_citizen: int = 0

    def take(self) -> str:
        self.next_number += self.rng.randint(1, 3)
        return f"{self.prefix}{self.next_number:06d}"

    def citizen_id(self, birth: dt.date, sex: str) -> str:
        """A 12-digit citizen ID in the real layout (Hà Nội province code 001, a digit for
        century and sex, the year of birth), unique through a running number."""
        self.next_citizen += 1
        century = (birth.year // 100 - 19) * 2 + (1 if sex == Member.Sex.FEMALE else 0)
        return f"001{century}{birth.year % 100:02d}{self.next_citizen:06d}"


def generate_members(
    *,
    committee: Committee,
    cell: Unit,
    count: int,
    rng: random.Random,
    cards: CardNumbers,
    today: dt.date,
) -> Iterator[Member]:
    """`count` unsaved, plausible members of `cell`, consistent in age and dates."""
    youngest, oldest, mode, men, probationers = PROFILES.get(
        cell.cell_kind, PROFILES[Unit.CellKind.OTHER]
    )
    for _ in range(count):
        sex = Member.Sex.MALE if rng.random() < men else Member.Sex.FEMALE
        if rng.random() < probationers:
            # Admitted in the last 12 months, at 19–40: no card and no full membership yet.
            age = rng.uniform(max(youngest, 19), min(oldest, 40))
            birth = _years_before(today, age)
            admission = today - dt.timedelta(days=rng.randint(10, 350))
            status, full_since, card = Member.Status.PROBATIONARY, None, ""
        else:
            age = rng.triangular(youngest, oldest, mode)
            birth = _years_before(today, age)
            # Admitted at 18 or older, at least 13 months ago (12 months' probation).
            latest = today - dt.timedelta(days=365 + 50)
            earliest = _years_before(birth, -18)
            if earliest >= latest:
                birth = _years_before(latest, 18 + rng.uniform(0, 2))
                earliest = _years_before(birth, -18)
            admission_age = rng.triangular(18, max(18.5, min(age - 1.2, 55)), 25)
            admission = min(_years_before(birth, -admission_age), latest)
            admission = max(admission, earliest)
            full_since = admission + dt.timedelta(days=365 + rng.randint(0, 45))
            status, card = Member.Status.FULL, cards.take()
        name = person_name(rng, sex)
        # The file's other fields come from a stream of their own, so adding fields never
        # changes the names, dates and card numbers the main stream gives.
        more = random.Random(f"{name}|{birth}|{cards.next_citizen}")  # noqa: S311
        ceremony = min(admission + dt.timedelta(days=more.randint(7, 30)), today)
        if full_since is not None:
            full_since = max(full_since, _add_years(ceremony, 1))
            if full_since >= today:
                full_since = today - dt.timedelta(days=1)
                ceremony = min(ceremony, _add_years(full_since, -1))
        age_now = (today - birth).days / 365.2425
        exempt = full_since is not None and age_now > 78 and more.random() < 0.35
        yield Member(
            committee=committee,
            cell=cell,
            full_name=name,
            full_name_folded=fold(name),
            sex=sex,
            date_of_birth=birth,
            admission_date=admission,
            full_membership_date=full_since,
            status=Member.Status.EXEMPT if exempt else status,
            card_number=card,
            phone=f"09{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.8 else "",
            ceremony_date=ceremony,
            status_since=max(full_since, today - dt.timedelta(days=more.randint(60, 1500)))
            if exempt
            else full_since or ceremony,
            citizen_id=cards.citizen_id(birth, sex),
            religion="" if more.random() < 0.9 else "Công giáo",
            general_education=_weighted(more, GENERAL_EDUCATION),
            qualification=_weighted(more, QUALIFICATIONS.get(cell.cell_kind, QUALIFICATIONS[""])),
            political_theory=_weighted(more, THEORY),
            occupation=OCCUPATIONS.get(cell.cell_kind, "") if age_now < 60 else "Nghỉ hưu",
            home_town="xã Phú Cát, thành phố Hà Nội",
        )


def bulk_insert_members(members: Iterator[Member], batch_size: int = 5000) -> int:
    """Insert in batches without holding every object in memory; returns how many."""
    total = 0
    batch: list[Member] = []
    for member in members:
        batch.append(member)
        if len(batch) >= batch_size:
            Member.objects.bulk_create(batch, batch_size=batch_size)
            total += len(batch)
            batch = []
    if batch:
        Member.objects.bulk_create(batch, batch_size=batch_size)
        total += len(batch)
    return total


# --- Organisation plans -------------------------------------------------------------


@dataclass
class CellPlan:
    name: str
    cell_kind: str
    grouping: str = ""  # key into CommitteePlan.groupings
    address: str = ""
    parent: str = ""  # name of a sub-committee in the same plan
    kind: str = Unit.Kind.CELL
    size: int = 0


@dataclass
class CommitteePlan:
    # name -> official code of the former administrative unit ("" for none)
    groupings: dict[str, str] = field(default_factory=dict)
    cells: list[CellPlan] = field(default_factory=list)

    @property
    def member_cells(self) -> list[CellPlan]:
        return [c for c in self.cells if c.kind == Unit.Kind.CELL]


# Villages (thôn) of the four former communes: plausible, illustrative names.
PHU_CAT_VILLAGES = {
    "Hòa Thạch": ["Long Phú", "Phúc Đức", "Đồng Bụt", "Hòa Trúc", "Bái Nội", "Thế Trụ",
                  "Đồng Sương", "Phúc Lâm", "Trại Mới", "Đình Tổ", "Gò Chè"],
    "Đông Yên": ["Đông Hạ", "Đông Thượng", "Yên Mỹ", "Yên Thái", "Đồng Rộc", "Cửa Khâu",
                 "Bến Đình", "Đồng Trâm", "Ngọc Bài"],
    "Phú Mãn": ["Đồng Âm", "Đồng Vỡ", "Đồng Bèn", "Đồng Đầm", "Đồng Quýt", "Đồng Sậy"],
    "Phú Cát (cũ)": ["Đồng Cát", "Tân Phú", "Phú Lễ", "Đồng Vàng", "Đồng Cao", "Cầu Dừa",
                     "Trại Ngoài", "Gò Sỏi", "Đá Bạc", "Phú Hữu"],
}  # fmt: skip
# Grouping name -> official code of the former commune (placeholder codes, see
# org/migrations/0002_hanoi_administrative_units.py).
PHU_CAT_FORMER_COMMUNES = {
    "Hòa Thạch": "99001",
    "Đông Yên": "99002",
    "Phú Mãn": "99003",
    "Phú Cát (cũ)": "99004",
}
PHU_CAT_ADMIN_UNIT = "Xã Phú Cát"
AGENCY_SUB_COMMITTEE = "Đảng bộ bộ phận Cơ quan xã"
AGENCY_CELL = "Chi bộ Cơ quan Đảng - Đoàn thể"
VILLAGE_CELL = "Chi bộ thôn Đồng Cát"  # where the cell-level demo accounts sit


def _school_name(commune: str) -> str:
    return commune.replace(" (cũ)", "")


def plan_phu_cat() -> CommitteePlan:
    """About 60 party organisations of Đảng bộ xã Phú Cát after the merger."""
    plan = CommitteePlan(groupings=dict(PHU_CAT_FORMER_COMMUNES))
    commune = "Xã Phú Cát"
    cells = plan.cells
    for grouping, villages in PHU_CAT_VILLAGES.items():
        cells.extend(
            CellPlan(f"Chi bộ thôn {v}", Unit.CellKind.VILLAGE, grouping, f"Thôn {v}, {commune}")
            for v in villages
        )
    for grouping, villages in PHU_CAT_VILLAGES.items():
        place = _school_name(grouping)
        address = f"Thôn {villages[0]}, {commune}"
        cells.extend(
            CellPlan(f"Chi bộ Trường {school} {place}", Unit.CellKind.SCHOOL, grouping, address)
            for school in ("Mầm non", "Tiểu học", "THCS")
        )
    centre = f"Thôn Đồng Cát, {commune}"
    K, SUB = Unit.CellKind, Unit.Kind.SUB_COMMITTEE
    cells += [
        CellPlan("Chi bộ Trạm Y tế xã Phú Cát", K.HEALTH_STATION, "", centre),
        CellPlan("Chi bộ Công an xã Phú Cát", K.POLICE, "", centre),
        CellPlan("Chi bộ Quân sự xã Phú Cát", K.MILITARY, "", centre),
        CellPlan(
            "Chi bộ HTX Dịch vụ nông nghiệp Hòa Thạch",
            K.ENTERPRISE,
            "Hòa Thạch",
            f"Thôn Long Phú, {commune}",
        ),
        CellPlan(
            "Chi bộ HTX Nông nghiệp Phú Mãn",
            K.ENTERPRISE,
            "Phú Mãn",
            f"Thôn Đồng Âm, {commune}",
        ),
        CellPlan(
            "Chi bộ Công ty TNHH May Phú Cát",
            K.ENTERPRISE,
            "",
            f"Cụm công nghiệp Phú Cát, {commune}",
        ),
        CellPlan("Chi bộ Hưu trí Đông Yên", K.RETIRED, "Đông Yên", f"Thôn Đông Hạ, {commune}"),
        CellPlan("Chi bộ Hưu trí Phú Cát", K.RETIRED, "Phú Cát (cũ)", centre),
        CellPlan(AGENCY_SUB_COMMITTEE, K.AGENCY, "", centre, kind=SUB),
        CellPlan(AGENCY_CELL, K.AGENCY, "", centre, parent=AGENCY_SUB_COMMITTEE),
        CellPlan("Chi bộ Cơ quan UBND xã", K.AGENCY, "", centre, parent=AGENCY_SUB_COMMITTEE),
        CellPlan(
            "Chi bộ Trung tâm Phục vụ hành chính công",
            K.AGENCY,
            "",
            centre,
            parent=AGENCY_SUB_COMMITTEE,
        ),
    ]
    return plan


DONG_XUAN_VILLAGES = ["Xuân Lai", "Đồng Hoàng", "Lập Thành", "Đông Xuân", "Cửa Đình"]


def plan_dong_xuan() -> CommitteePlan:
    """A smaller, fictional second commune: 8 cells, no groupings."""
    commune = "Xã Đông Xuân"
    plan = CommitteePlan()
    plan.cells = [
        CellPlan(f"Chi bộ thôn {v}", Unit.CellKind.VILLAGE, "", f"Thôn {v}, {commune}")
        for v in DONG_XUAN_VILLAGES
    ]
    centre = f"Thôn Đông Xuân, {commune}"
    plan.cells += [
        CellPlan("Chi bộ Trường Tiểu học Đông Xuân", Unit.CellKind.SCHOOL, "", centre),
        CellPlan("Chi bộ Công an xã Đông Xuân", Unit.CellKind.POLICE, "", centre),
        CellPlan("Chi bộ Cơ quan xã Đông Xuân", Unit.CellKind.AGENCY, "", centre),
    ]
    return plan


def plan_generic(place: str, rng: random.Random, cells: int = 40) -> CommitteePlan:
    """A commune shaped like Phú Cát, with generated village names (used by the benchmark)."""
    pool = [v for villages in PHU_CAT_VILLAGES.values() for v in villages] + DONG_XUAN_VILLAGES
    plan = CommitteePlan()
    commune = f"Xã {place}"
    extra = [
        ("Chi bộ Trường Mầm non", Unit.CellKind.SCHOOL),
        ("Chi bộ Trường Tiểu học", Unit.CellKind.SCHOOL),
        ("Chi bộ Trường THCS", Unit.CellKind.SCHOOL),
        ("Chi bộ Trạm Y tế", Unit.CellKind.HEALTH_STATION),
        ("Chi bộ Công an xã", Unit.CellKind.POLICE),
        ("Chi bộ Quân sự xã", Unit.CellKind.MILITARY),
        ("Chi bộ Hưu trí", Unit.CellKind.RETIRED),
        ("Chi bộ Cơ quan Đảng - Đoàn thể", Unit.CellKind.AGENCY),
        ("Chi bộ Cơ quan UBND xã", Unit.CellKind.AGENCY),
    ]
    for number in range(1, max(cells - len(extra), 1) + 1):
        village = f"{rng.choice(pool)} {number}"
        plan.cells.append(
            CellPlan(
                f"Chi bộ thôn {village}", Unit.CellKind.VILLAGE, "", f"Thôn {village}, {commune}"
            )
        )
    plan.cells += [CellPlan(f"{name} {place}", kind, "", commune) for name, kind in extra]
    return plan


def assign_sizes(plan: CommitteePlan, total: int, rng: random.Random) -> None:
    """Give each cell a plausible size; village cells absorb the rest so the sum is `total`.

    With a larger `total` (the benchmark) the village bounds grow in proportion.
    """
    cells = plan.member_cells
    villages = [
        c for c in cells if c.cell_kind in (Unit.CellKind.VILLAGE, Unit.CellKind.RESIDENTIAL)
    ]
    others = [c for c in cells if c not in villages]
    for cell in others:
        low, high, mode = SIZES.get(cell.cell_kind, SIZES[Unit.CellKind.OTHER])
        cell.size = round(rng.triangular(low, high, mode))
    if not villages:
        return
    remaining = max(total - sum(c.size for c in others), len(villages))
    average = remaining / len(villages)
    low, high, mode = SIZES[Unit.CellKind.VILLAGE]
    # Larger communes (the benchmark) stretch the bounds; tiny ones (tests) lower the floor.
    scale = max(1.0, average / (0.85 * high))
    low = min(round(low * scale), max(1, math.floor(average)))
    high = max(math.ceil(high * scale), math.ceil(average))
    mode = min(max(mode * scale, low), high)
    weights = [rng.triangular(low, high, mode) for _ in villages]
    factor = remaining / sum(weights)
    for cell, weight in zip(villages, weights, strict=True):
        cell.size = min(max(round(weight * factor), low), high)
    # Settle the rounding difference one member at a time, within the bounds.
    difference = remaining - sum(c.size for c in villages)
    step = 1 if difference > 0 else -1
    while difference:
        cell = rng.choice(villages)
        if low <= cell.size + step <= high:
            cell.size += step
            difference -= step
        elif all(not (low <= c.size + step <= high) for c in villages):
            break


@dataclass
class BuiltCommittee:
    committee: Committee
    units: dict[str, Unit]
    organs: dict[str, Unit]
    members: int = 0


def build_committee(
    *,
    slug: str,
    name: str,
    executive_name: str = "",
    parent: Committee | None,
    admin_unit: AdministrativeUnit | None,
    plan: CommitteePlan,
    rng: random.Random,
    today: dt.date,
    established_on: dt.date | None = None,
    term: tuple[str, str, dt.date] | None = None,
    cell_terms: bool = True,
    address: str = "",
) -> BuiltCommittee:
    """Create a commune committee through the services and fill it with members."""
    committee = org_services.committee_create(
        actor=None,
        slug=slug,
        name=name,
        executive_name=executive_name,
        parent=parent,
        admin_unit=admin_unit,
        address=address,
        established_on=established_on,
    )
    if term is not None:
        term_name, congress, start = term
        org_services.term_add(
            actor=None, committee=committee, name=term_name, congress=congress, start_date=start
        )
    former_units = {
        a.official_code: a
        for a in AdministrativeUnit.objects.filter(official_code__in=plan.groupings.values())
    }
    groupings: dict[str, Grouping] = {}
    for order, (grouping_name, code) in enumerate(plan.groupings.items(), start=1):
        groupings[grouping_name] = org_services.grouping_create(
            actor=None,
            committee=committee,
            name=grouping_name,
            former_admin_unit=former_units.get(code),
            sort_order=order,
        )
    units: dict[str, Unit] = {}
    for order, cell in enumerate(plan.cells, start=1):
        unit = org_services.unit_create(
            actor=None,
            committee=committee,
            kind=cell.kind,
            cell_kind=cell.cell_kind,
            name=cell.name,
            parent=units[cell.parent] if cell.parent else None,
            grouping=groupings.get(cell.grouping),
            address_line=cell.address,
            admin_unit=admin_unit,
            sort_order=100 + order,
        )
        units[cell.name] = unit
        if cell_terms:
            # The last cell congress before the merger, then the current one.
            first = dt.date(2022, 4, 1) + dt.timedelta(days=rng.randint(0, 60))
            second = dt.date(2025, 4, 1) + dt.timedelta(days=rng.randint(0, 60))
            for term_name, start in (("2022–2025", first), ("2025–2027", second)):
                if start <= today:
                    org_services.term_add(
                        actor=None,
                        committee=committee,
                        unit=unit,
                        name=term_name,
                        congress=f"Đại hội Chi bộ nhiệm kỳ {term_name}",
                        start_date=start,
                    )
    cards = CardNumbers(rng)
    # One lazy stream over every cell, inserted in batches of 5,000 rows.
    total = bulk_insert_members(
        itertools.chain.from_iterable(
            generate_members(
                committee=committee,
                cell=units[cell.name],
                count=cell.size,
                rng=rng,
                cards=cards,
                today=today,
            )
            for cell in plan.member_cells
        )
    )
    _record_exemptions(committee)
    audit_record(
        actor=None,
        verb=Verb.CREATE,
        committee=committee,
        object_type="members.member",
        object_label=f"{total} generated member records (bulk import)",
        changes={"members": [None, total]},
    )
    organs = {
        u.kind: u for u in Unit.objects.filter(committee=committee, kind__in=Unit.ORGAN_KINDS)
    }
    return BuiltCommittee(committee, units, organs, total)


def _record_exemptions(committee: Committee) -> None:
    """Generated exempt members get the cell resolution that exempted them."""
    exempt = Member.objects.filter(committee=committee, status=Member.Status.EXEMPT)
    Exemption.objects.bulk_create(
        Exemption(
            member_id=pk,
            reason=Exemption.Reason.AGE,
            reason_detail="Tuổi cao, sức yếu",
            applied_on=since,
            decision_date=since,
            starts_on=since,
        )
        for pk, since in exempt.values_list("pk", "status_since")
    )


# --- The demo -----------------------------------------------------------------------


@dataclass
class DemoAccount:
    username: str
    role: str
    committee: str
    full_name: str = ""
    unit: str = ""
    two_factor: bool = False


@dataclass
class DemoResult:
    accounts: list[DemoAccount]
    committees: dict[str, int]  # slug -> members
    cells: dict[str, int]  # slug -> cells


def mark_demo(committee: Committee) -> None:
    audit_record(
        actor=None,
        verb=Verb.CREATE,
        committee=committee,
        object_type=DEMO_MARKER_TYPE,
        object_id=committee.slug,
        object_label="Demo data (seed_demo)",
    )


def is_demo(committee: Committee) -> bool:
    return AuditEvent.objects.filter(committee=committee, object_type=DEMO_MARKER_TYPE).exists()


def _demo_user(
    *,
    committee: Committee,
    username: str,
    role: str,
    full_name: str,
    unit: Unit | None = None,
    member: Member | None = None,
    title: str = "",
    accounts: list[DemoAccount],
) -> User:
    user, _ = account_services.user_create(
        actor=None,
        committee=committee,
        username=username,
        full_name=member.full_name if member else full_name,
        password=DEMO_PASSWORD,
        member=member,
        phone=member.phone if member else "",
        must_change_password=False,
    )
    account_services.position_assign(
        actor=None, user=user, role=role, unit=unit, title=title, start_date=MERGED_ON
    )
    two_factor = role in TWO_FACTOR_ROLES
    if two_factor:
        TOTPDevice.objects.create(
            user=user, name="Demo (shared secret)", confirmed=True, key=DEMO_TOTP_SECRET_HEX
        )
        audit_record(
            actor=None,
            verb=Verb.SECURITY,
            obj=user,
            changes={"two_factor": [None, "demo authenticator (shared, published secret)"]},
        )
    accounts.append(
        DemoAccount(
            username=username,
            role=role,
            committee=committee.slug,
            full_name=user.full_name,
            unit=str(unit) if unit else "",
            two_factor=two_factor,
        )
    )
    return user


# username, role, organ kind or special unit, title
PHU_CAT_ACCOUNTS = [
    ("bithu", Role.COMMITTEE_SECRETARY, None, "Bí thư Đảng ủy"),
    ("phobithu", Role.COMMITTEE_DEPUTY_SECRETARY, None, "Phó Bí thư Thường trực Đảng ủy"),
    ("thuongvu", Role.STANDING_MEMBER, Unit.Kind.STANDING_COMMITTEE, "Ủy viên Ban Thường vụ"),
    ("capuyvien", Role.COMMITTEE_MEMBER, None, "Đảng ủy viên"),
    ("vanthu", Role.CLERK, Unit.Kind.OFFICE, "Văn thư Văn phòng Đảng ủy"),
    ("kiemtra", Role.INSPECTION, Unit.Kind.INSPECTION_COMMISSION, "Ủy viên UBKT Đảng ủy"),
    (
        "banxaydung",
        Role.PARTY_BUILDING,
        Unit.Kind.PARTY_BUILDING_BOARD,
        "Chuyên viên Ban Xây dựng Đảng",
    ),
    ("bithuchibo", Role.CELL_SECRETARY, VILLAGE_CELL, "Bí thư Chi bộ"),
    ("phobithuchibo", Role.CELL_DEPUTY_SECRETARY, VILLAGE_CELL, "Phó Bí thư Chi bộ"),
    ("dangvien", Role.MEMBER, VILLAGE_CELL, ""),
    ("quantri", Role.TENANT_ADMIN, None, "Quản trị hệ thống"),
]
DEMO_USERNAMES = [a[0] for a in PHU_CAT_ACCOUNTS] + ["thanhuy", "quantri-dongxuan"]


def seed_demo(*, seed: int = DEMO_SEED, members: int = 2500, today: dt.date | None = None):
    """Create the three demo committees and their accounts in one transaction."""
    today = today or timezone.localdate()
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    accounts: list[DemoAccount] = []
    with transaction.atomic():
        hanoi_unit = AdministrativeUnit.objects.filter(official_code="01").first()
        city = org_services.committee_create(
            actor=None,
            slug="ha-noi",
            name="Đảng bộ Thành phố Hà Nội",
            executive_name="THÀNH ỦY HÀ NỘI",
            level=Committee.Level.CITY,
            admin_unit=hanoi_unit,
            address="Số 5 Đinh Lễ, Phường Hoàn Kiếm, Thành phố Hà Nội",
        )
        mark_demo(city)
        plan = plan_phu_cat()
        assign_sizes(plan, members, rng)
        phu_cat = build_committee(
            slug="phu-cat",
            name="Đảng bộ xã Phú Cát",
            executive_name="ĐẢNG ỦY XÃ PHÚ CÁT",
            parent=city,
            admin_unit=AdministrativeUnit.objects.filter(name=PHU_CAT_ADMIN_UNIT).first(),
            plan=plan,
            rng=rng,
            today=today,
            established_on=MERGED_ON,
            term=("2025–2030", "Đại hội lần thứ I", MERGED_ON),
            address="Trụ sở Đảng ủy - HĐND - UBND xã Phú Cát, Thành phố Hà Nội",
        )
        mark_demo(phu_cat.committee)
        small = plan_dong_xuan()
        assign_sizes(small, max(members * 300 // 2500, len(small.member_cells)), rng)
        dong_xuan = build_committee(
            slug="dong-xuan",
            name="Đảng bộ xã Đông Xuân",
            executive_name="ĐẢNG ỦY XÃ ĐÔNG XUÂN",
            parent=city,
            admin_unit=None,
            plan=small,
            rng=rng,
            today=today,
            established_on=MERGED_ON,
            term=("2025–2030", "Đại hội lần thứ I", MERGED_ON),
        )
        mark_demo(dong_xuan.committee)

        # Leaders are members of the agency cell; cell accounts of the village cell.
        leaders = list(
            Member.objects.filter(
                cell=phu_cat.units[AGENCY_CELL], status=Member.Status.FULL
            ).order_by("pk")
        )
        villagers = list(
            Member.objects.filter(
                cell=phu_cat.units[VILLAGE_CELL], status=Member.Status.FULL
            ).order_by("pk")
        )
        for username, role, where, title in PHU_CAT_ACCOUNTS:
            if where in Unit.Kind.values:
                unit, pool = phu_cat.organs[where], leaders
            elif where:
                unit, pool = phu_cat.units[where], villagers
            else:
                unit, pool = None, leaders
            _demo_user(
                committee=phu_cat.committee,
                username=username,
                role=role,
                full_name=person_name(rng, Member.Sex.MALE),
                member=pool.pop(0) if pool else None,
                unit=unit,
                title=title,
                accounts=accounts,
            )
        _demo_user(
            committee=city,
            username="thanhuy",
            role=Role.CITY_VIEWER,
            full_name="Lý Thị Sen",
            title="Chuyên viên Ban Tổ chức Thành ủy",
            accounts=accounts,
        )
        _demo_user(
            committee=dong_xuan.committee,
            username="quantri-dongxuan",
            role=Role.TENANT_ADMIN,
            full_name="Mai Văn Tâm",
            title="Quản trị hệ thống",
            accounts=accounts,
        )
        fees_demo.seed_fees(phu_cat.committee, seed=seed, today=today)
    return DemoResult(
        accounts=accounts,
        committees={
            "ha-noi": 0,
            "phu-cat": phu_cat.members,
            "dong-xuan": dong_xuan.members,
        },
        cells={
            "ha-noi": 0,
            "phu-cat": len(phu_cat.units),
            "dong-xuan": len(dong_xuan.units),
        },
    )


# --- Removing demo data ---------------------------------------------------------------


class DemoResetRefused(Exception):
    pass


def _fk_fields_to(model, target) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if f.many_to_one and f.concrete and f.related_model is target
    ]


def _tenant_condition(model, ids: list[int]) -> Q:
    """Rows of `model` that belong to the committees `ids`: directly (a foreign key to
    Committee) or through a row that does (a unit, a member, a user…)."""
    condition = Q(pk__in=ids) if model is Committee else Q()
    for f in model._meta.get_fields():
        if not (f.many_to_one and f.concrete):
            continue
        target = f.related_model
        if target is Committee:
            condition |= Q(**{f"{f.name}__in": ids})
        elif target is not model and Committee in _fk_targets(target, "committee"):
            condition |= Q(**{f"{f.name}__committee_id__in": ids})
    return condition


def _fk_targets(model, name: str) -> set:
    try:
        f = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist and friends
        return set()
    return {f.related_model} if f.many_to_one else set()


def delete_committees(committee_ids: list[int]) -> dict[str, int]:
    """Delete committees and every row that belongs to them (any app), in one transaction.

    Models are found by their foreign keys to Committee (tenant rows) and to User (rows of
    the committees' accounts), so modules added later are covered without changes here.
    The committees' audit chains go too; one event on the system chain records the reset.
    """
    ids = list(committee_ids)
    deleted: dict[str, int] = {}
    with transaction.atomic():
        slugs = list(Committee.objects.filter(pk__in=ids).values_list("slug", flat=True))
        user_ids = list(User.objects.filter(committee_id__in=ids).values_list("pk", flat=True))
        deleted["audit.AuditEvent"] = AuditEvent.objects.filter(committee_id__in=ids).delete()[0]
        ChainHead.objects.filter(chain__in=ids).delete()
        if AuditEvent.objects.filter(actor_id__in=user_ids).exists():
            raise DemoResetRefused(
                "Accounts of these committees appear in other audit chains; not deleting."
            )
        querysets = []
        for model in apps.get_models():
            if model in (AuditEvent, ChainHead):
                continue
            condition = _tenant_condition(model, ids)
            if not condition:
                continue
            queryset = model._base_manager.filter(condition)
            # Self-references (unit → parent unit) would protect rows from themselves.
            for name in _fk_fields_to(model, model):
                if model._meta.get_field(name).null:
                    queryset.update(**{name: None})
            querysets.append(queryset)
        for _ in range(len(querysets) + 1):
            blocked = []
            for queryset in querysets:
                try:
                    with transaction.atomic():
                        count, per_model = queryset.delete()
                except (ProtectedError, RestrictedError, IntegrityError):
                    blocked.append(queryset)
                    continue
                for label, n in per_model.items():
                    deleted[label] = deleted.get(label, 0) + n
            if not blocked:
                break
            if len(blocked) == len(querysets):
                names = ", ".join(sorted(q.model._meta.label for q in blocked))
                raise DemoResetRefused(f"Other data still refers to: {names}.")
            querysets = blocked
        audit_record(
            actor=None,
            verb=Verb.DELETE,
            object_type=DEMO_MARKER_TYPE,
            object_id=",".join(slugs),
            object_label="Demo data removed (seed_demo --reset)",
            changes={"committees": [slugs, None]},
        )
    return {k: v for k, v in deleted.items() if v}


def demo_reset() -> dict[str, int]:
    """Remove the demo committees, refusing when one of them was not made by seed_demo
    or when a committee outside the demo sits under the demo city committee."""
    existing = list(Committee.objects.filter(slug__in=DEMO_SLUGS))
    foreign = [c.slug for c in existing if not is_demo(c)]
    if foreign:
        raise DemoResetRefused(
            f"Committee(s) {', '.join(foreign)} were not created by seed_demo; not deleting."
        )
    children = Committee.objects.filter(parent__in=existing).exclude(slug__in=DEMO_SLUGS)
    if children.exists():
        raise DemoResetRefused(
            "Committee(s) "
            + ", ".join(children.values_list("slug", flat=True))
            + " sit under a demo committee; not deleting."
        )
    return delete_committees([c.pk for c in existing])


def demo_users_taken() -> list[str]:
    condition = Q()
    for username in DEMO_USERNAMES:
        condition |= Q(username__iexact=username)
    return sorted(User.objects.filter(condition).values_list("username", flat=True))


def demo_committees() -> models.QuerySet[Committee]:
    return Committee.objects.filter(slug__in=DEMO_SLUGS)


def is_demo_slug(slug: str) -> bool:
    committee = Committee.objects.filter(slug=slug).first()
    return committee is not None and is_demo(committee)


def existing_demo_accounts() -> list[tuple[str, str, str, bool]]:
    """(username, role, committee slug, has 2FA) of the demo accounts in the database."""
    from capuyso.org.models import Position

    positions = (
        Position.objects.filter(user__username__in=DEMO_USERNAMES, committee__slug__in=DEMO_SLUGS)
        .select_related("user", "committee")
        .order_by("pk")
    )
    return [
        (p.user.username, p.role, p.committee.slug, p.role in TWO_FACTOR_ROLES) for p in positions
    ]
