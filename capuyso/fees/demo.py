"""Party-fee demo data for Đảng bộ xã Phú Cát, called by `capuyso.core.demo.seed_demo`.

From 03/2026 (the first month of Quy định 01-QĐ/TW, seeded as platform rules) to the
current month:

- bank accounts: the committee's (Agribank) and a few cells' own;
- the committee's fixed monthly amounts for farmers and members without a regular income
  (the regulation leaves them to each committee: `COMMITTEE_RULES`);
- a fee basis for every member: pensions in the retired cells and for most older members,
  salary bases in the schools, the health station, police, military, agencies and
  enterprises (state salaries as coefficient × 2,340,000 đ with a seniority allowance),
  farmers and members without income in the villages, a few students and members on
  maternity leave; a few salary rises from 07/2026; some probationers declared a month late;
- reliefs: poor-household and social-pension exemptions, 50 % reductions for six months
  (exemption at 50 years of party age comes from the dues computation itself);
- the dues, computed by `dues_compute` for every month;
- payments for most members and months: cash at the cell meeting in the villages and the
  retired cells, the national portal more in the agencies, schools and armed forces, bank
  transfers now and then, the online share growing month by month (`ONLINE`); one month
  missed here and there, some paid late; a few members with three unpaid months;
- the cells' month books closed for most past months with their totals (the previous month
  still open in some cells, among them Đồng Cát, where the demo cell secretary works), and
  the cells' remittances to the committee and the committee's to the level above.

Rows are bulk-inserted from one seeded random stream (deterministic, about a second for
2,500 members and nine months); one audit event says what was generated. Book totals are
worked out from the generated rows by `services.books.totals_from`, as closing does (the
tests compare them with `book_totals`).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db import connection, transaction
from django.utils import timezone

from capuyso.audit.services import Verb, audit_record
from capuyso.fees import calc, vietqr
from capuyso.fees.models import (
    BankAccount,
    CellMonthBook,
    FeeBasis,
    FeeGroup,
    FeeReference,
    FeeRelief,
    FeeRule,
    MonthlyDue,
    Payment,
    Remittance,
)
from capuyso.fees.services.books import retention_for, share_of, totals_from
from capuyso.fees.services.dues import dues_compute
from capuyso.members.models import Member
from capuyso.org.models import Committee, Unit

FIRST_MONTH = dt.date(2026, 3, 1)  # the platform rules are in force from 03/02/2026
STATE_BASE_SALARY = 2_340_000  # mức lương cơ sở from 01/07/2024
BATCH = 5000

COMMITTEE_ACCOUNT = ("970405", "Agribank", "1502205", "DANG UY XA PHU CAT")
# cell name -> (BIN, bank, account number prefix, holder)
CELL_ACCOUNTS = {
    "Chi bộ thôn Đồng Cát": ("970415", "VietinBank", "1060021", "CHI BO THON DONG CAT"),
    "Chi bộ Cơ quan Đảng - Đoàn thể": ("970415", "VietinBank", "1060022", "CHI BO CQ DANG"),
    "Chi bộ Công an xã Phú Cát": ("970418", "BIDV", "2131000", "CHI BO CONG AN XA PHU CAT"),
    "Chi bộ Trạm Y tế xã Phú Cát": ("970405", "Agribank", "1502206", "CHI BO TRAM Y TE PHU CAT"),
}  # fmt: skip
# The cell where the demo cell secretary works: its previous month stays open to close.
SECRETARY_CELL = "Chi bộ thôn Đồng Cát"
FLAGGED = 5  # members with three unpaid months before the current one (two in that cell)

DECISION = "Nghị quyết số 05-NQ/ĐU ngày 20/02/2026 của Đảng ủy xã Phú Cát"
COMMITTEE_RULES = [
    # platform group, fixed amount a month (đồng)
    ("farmer", 10_000),
    ("no_income", 5_000),
]
RULE_BASIS = f"{DECISION} (mức thu cố định do Đảng ủy xã quyết định theo Quy định 01-QĐ/TW)"

K = Unit.CellKind
# cell kind -> (share paying online in 03/2026, of which by bank transfer, monthly growth)
ONLINE = {
    K.VILLAGE: (0.14, 0.25, 0.025),
    K.RESIDENTIAL: (0.25, 0.25, 0.03),
    K.RETIRED: (0.06, 0.3, 0.01),
    K.SCHOOL: (0.55, 0.15, 0.04),
    K.HEALTH_STATION: (0.55, 0.15, 0.04),
    K.POLICE: (0.75, 0.1, 0.03),
    K.MILITARY: (0.7, 0.1, 0.03),
    K.AGENCY: (0.7, 0.1, 0.03),
    K.ENTERPRISE: (0.4, 0.3, 0.03),
}
SALARIED_KINDS = {K.SCHOOL, K.HEALTH_STATION, K.POLICE, K.MILITARY, K.AGENCY, K.ENTERPRISE}
# cell kind -> lowest and highest salary coefficient (hundredths)
COEFFICIENTS = {
    K.SCHOOL: (234, 498),
    K.HEALTH_STATION: (234, 465),
    K.POLICE: (300, 620),
    K.MILITARY: (300, 620),
    K.AGENCY: (234, 576),
}


@dataclass
class FeesDemo:
    accounts: int = 0
    bases: int = 0
    reliefs: int = 0
    dues: int = 0
    payments: int = 0
    portal: int = 0
    bank: int = 0
    books_closed: int = 0
    remittances: int = 0
    flagged: int = 0

    def summary(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in asdict(self).items())


@dataclass
class _Person:
    pk: int
    cell_id: int
    kind: str
    age: int
    sex: str
    admitted: dt.date
    status: str
    group: str = ""


def _insert(model, fields: list[str], rows: list[tuple]) -> int:
    """Insert plain tuples of `fields` values with executemany; the model's other fields get
    their defaults (a new `code`, the timestamps now). Django's bulk_create spends most of its
    time assembling the SQL value by value, and the demo writes tens of thousands of rows."""
    opts = model._meta
    given = [opts.get_field(f) for f in fields]
    rest = [f for f in opts.concrete_fields if f not in given and not f.primary_key]
    now = timezone.now()

    def default(field):
        if field.name in ("created_at", "updated_at"):
            return now
        if field.name == "code":
            return None  # one per row, below
        return field.get_default()

    columns = given + rest
    code_at = next((i for i, f in enumerate(columns) if f.name == "code"), None)
    memo: dict = {}

    def adapter(field):
        if field.get_internal_type() not in ("DateField", "DateTimeField"):
            return None
        cache = memo.setdefault(field.name, {})

        def adapt(value):
            if value not in cache:
                cache[value] = field.get_db_prep_save(value, connection)
            return cache[value]

        return adapt

    adapters = [adapter(f) for f in given]
    fixed = [f.get_db_prep_save(default(f), connection) for f in rest]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        quote(opts.db_table),
        ", ".join(quote(f.column) for f in columns),
        ", ".join(["%s"] * len(columns)),
    )
    code_field = columns[code_at] if code_at is not None else None
    prepared = []
    for row in rows:
        values = [
            value if adapt is None or value is None else adapt(value)
            for adapt, value in zip(adapters, row, strict=True)
        ]
        values += fixed
        if code_field is not None:
            values[code_at] = code_field.get_db_prep_save(uuid.uuid4(), connection)
        prepared.append(values)
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), BATCH):
            cursor.executemany(sql, prepared[start : start + BATCH])
    return len(prepared)


def _months(today: dt.date) -> list[dt.date]:
    current = calc.month_start(today)
    return [
        calc.add_months(FIRST_MONTH, i) for i in range(calc.months_between(FIRST_MONTH, current))
    ]


def _day(month: dt.date, day: int, today: dt.date) -> dt.date:
    return min(month.replace(day=min(day, calc.month_end(month).day)), today)


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


# --- Configuration -------------------------------------------------------------------------


def _accounts(committee: Committee, cells: dict[str, Unit], rng: random.Random) -> int:
    rows = []
    bank_bin, bank, prefix, holder = COMMITTEE_ACCOUNT
    rows.append(
        BankAccount(
            committee=committee,
            bank_bin=bank_bin,
            bank_name=bank,
            account_number=f"{prefix}{rng.randint(100_000, 999_999)}",
            account_name=holder,
        )
    )
    for name, (bank_bin, bank, prefix, holder) in CELL_ACCOUNTS.items():
        if name in cells:
            rows.append(
                BankAccount(
                    committee=committee,
                    cell=cells[name],
                    bank_bin=bank_bin,
                    bank_name=bank,
                    account_number=f"{prefix}{rng.randint(100_000, 999_999)}",
                    account_name=holder,
                )
            )
    BankAccount.objects.bulk_create(rows)
    return len(rows)


def _committee_rules(committee: Committee) -> dict[str, FeeGroup]:
    groups = {g.slug: g for g in FeeGroup.objects.filter(committee=None)}
    for slug, amount in COMMITTEE_RULES:
        rule = FeeRule.objects.create(
            committee=committee,
            group=groups[slug],
            effective_from=FIRST_MONTH,
            fixed_amount=amount,
            legal_basis=RULE_BASIS,
        )
        audit_record(
            actor=None,
            verb=Verb.CREATE,
            obj=rule,
            changes={"group": [None, slug], "fixed_amount": [None, amount]},
        )
    return groups


def _references(committee: Committee, cells: list[Unit], people: list[_Person]) -> dict:
    """Fee reference numbers for every cell and member (as printing the notices gives)."""
    cell_refs = {cell.pk: number for number, cell in enumerate(cells, start=1)}
    member_refs = {p.pk: number for number, p in enumerate(people, start=1)}
    _insert(
        FeeReference,
        ["committee", "kind", "cell", "member", "number"],
        [(committee.pk, "cell", pk, None, n) for pk, n in cell_refs.items()]
        + [(committee.pk, "member", None, pk, n) for pk, n in member_refs.items()],
    )
    return {"cell": cell_refs, "member": member_refs}


# --- Bases and reliefs ---------------------------------------------------------------------


def _state_salary(rng: random.Random, kind: str) -> int:
    low, high = COEFFICIENTS.get(kind, (234, 498))
    coefficient = rng.randrange(low, high + 1, 33) if high > low else low
    seniority = rng.choice((0, 0, 5, 7, 9, 11, 13, 15, 18, 21))  # % of the salary
    return coefficient * (STATE_BASE_SALARY // 100) * (100 + seniority) // 100


def _group_and_amount(p: _Person, rng: random.Random) -> tuple[str, int | None]:
    if p.kind == K.RETIRED or (p.age >= 60 and p.kind not in (K.VILLAGE, K.RESIDENTIAL)):
        if p.kind == K.RETIRED and rng.random() < 0.1:
            return "no_income", None
        return "retired", rng.randint(35_000, 115_000) * 100
    if p.age >= 60:
        pick = rng.random()
        if pick < 0.35:
            return "retired", rng.randint(32_000, 90_000) * 100
        return ("farmer", None) if pick < 0.75 else ("no_income", None)
    if p.kind in SALARIED_KINDS:
        if p.sex == Member.Sex.FEMALE and 22 <= p.age <= 40 and rng.random() < 0.04:
            return "leave", _state_salary(rng, p.kind)
        if p.kind == K.ENTERPRISE:
            return "salaried", rng.randint(5_100, 9_800) * 1000
        return "salaried", _state_salary(rng, p.kind)
    if p.age <= 23 and rng.random() < 0.6:
        return "student", None
    pick = rng.random()
    if pick < 0.6:
        return "farmer", None
    if pick < 0.88:
        return "salaried", rng.randint(4_960, 9_500) * 1000
    return "no_income", None


def _bases(committee, people, groups, months, rng) -> int:
    rows = []
    last = months[-1]
    raise_from = dt.date(2026, 7, 1)
    for p in people:
        start = max(FIRST_MONTH, calc.month_start(p.admitted))
        late = p.admitted >= FIRST_MONTH and p.status == Member.Status.PROBATIONARY
        if late and rng.random() < 0.3:
            start = calc.add_months(start, 1)  # declared a month late
        if start > last:
            continue  # admitted this month: the cell has not declared the basis yet
        slug, amount = _group_and_amount(p, rng)
        p.group = slug
        rows.append((committee.pk, p.pk, groups[slug].pk, start, amount, "cell",
                     "Kê khai đầu năm" if start == FIRST_MONTH else ""))  # fmt: skip
        if slug == "salaried" and start < raise_from <= last and rng.random() < 0.1:
            raised = amount + amount * rng.choice((5, 7, 10)) // 100
            rows.append(
                (
                    committee.pk,
                    p.pk,
                    groups[slug].pk,
                    raise_from,
                    raised,
                    "member",
                    "Nâng bậc lương",
                )
            )
    fields = ["committee", "member", "group", "effective_from", "amount", "declared_by", "note"]
    _insert(FeeBasis, fields, rows)
    return len(rows)


def _reliefs(committee, people, months, rng) -> int:
    # Not those already exempt by party age (50 years from admission).
    fifty = dt.date(months[-1].year - 50, months[-1].month, 1)
    villagers = [p for p in people if p.group in ("farmer", "no_income") and p.admitted > fifty]
    rng.shuffle(villagers)
    rows = []
    number = 11
    plan = [
        # how many, kind, reason, percent, months long (None: open-ended)
        (7, FeeRelief.Kind.EXEMPTION, FeeRelief.Reason.POOR_HOUSEHOLD, 100, None),
        (4, FeeRelief.Kind.EXEMPTION, FeeRelief.Reason.SOCIAL_PENSION, 100, None),
        (5, FeeRelief.Kind.REDUCTION, FeeRelief.Reason.NEAR_POOR_HOUSEHOLD, 50, 6),
        (4, FeeRelief.Kind.REDUCTION, FeeRelief.Reason.ILLNESS, 50, 6),
    ]
    for count, kind, reason, percent, length in plan:
        pool = [p for p in villagers if p.age >= 60] if reason == "social_pension" else villagers
        for p in pool[:count]:
            villagers.remove(p)
            start = months[min(rng.randint(0, 2), len(months) - 1)]
            decided = start - dt.timedelta(days=rng.randint(5, 20))
            rows.append(
                FeeRelief(
                    committee=committee,
                    member_id=p.pk,
                    kind=kind,
                    reason=reason,
                    percent=percent,
                    decision=f"Quyết định số {number}-QĐ/ĐU ngày {decided:%d/%m/%Y}",
                    decision_date=decided,
                    start_month=start,
                    end_month=calc.add_months(start, length - 1) if length else None,
                    note="Theo đề nghị của chi bộ",
                )
            )
            number += 1
    FeeRelief.objects.bulk_create(rows)
    return len(rows)


# --- Payments ------------------------------------------------------------------------------


PAYMENT_FIELDS = [
    "committee", "member", "cell", "month", "book_month", "amount", "extra_amount", "method",
    "paid_on", "reference", "note",
]  # fmt: skip


class _Payments:
    """Payments generated as rows of `PAYMENT_FIELDS`, inserted at the end, with what the
    book totals need kept on the side."""

    def __init__(self, committee, refs):
        self.committee = committee
        self.refs = refs
        self.rows: list[tuple] = []
        self.paid = defaultdict(int)  # (member, month) -> amount
        self.money = defaultdict(list)  # (cell, book month) -> [(method, amount, extra)]
        self.methods = defaultdict(int)

    def add(self, p: _Person, month, amount, method, paid_on, *, extra=0, book_month=None):
        reference = note = ""
        serial = len(self.rows) + 1
        if method == Payment.Method.PORTAL:
            reference = f"DVCQG{paid_on:%y%m%d}{serial:06d}"
            note = "Nộp qua Cổng Dịch vụ công quốc gia"
        elif method == Payment.Method.BANK:
            reference = f"FT{paid_on:%y}{paid_on.timetuple().tm_yday:03d}{serial:07d}"
            note = vietqr.format_fee_note(
                self.refs["cell"][p.cell_id], self.refs["member"][p.pk], month.year, month.month
            )
        book_month = book_month or calc.month_start(paid_on)
        self.rows.append(
            (
                self.committee.pk,
                p.pk,
                p.cell_id,
                month,
                book_month,
                amount,
                extra,
                str(method),
                paid_on,
                reference,
                note,
            )  # fmt: skip
        )
        self.paid[(p.pk, month)] += amount
        self.money[(p.cell_id, book_month)].append((str(method), amount, extra))
        self.methods[str(method)] += 1


def _payments(committee, people, dues, months, refs, cells, today, rng) -> tuple[_Payments, set]:
    current = months[-1]
    over = [m for m in months if m < current]
    by_pk = {p.pk: p for p in people}
    meeting_day = {c.pk: rng.randint(4, 15) for c in cells.values()}
    # Members with three unpaid months before the current one (two in the demo's cell).
    owing = {pk for (pk, m), amount in dues.items() if amount > 0 and m == current}
    flagged: set[int] = set()
    # The flag counts months of one calendar year: early in a year, the last three months
    # of the year before.
    same_year = [m for m in over if m.year == over[-1].year] if over else []
    gap = same_year[-3:] if len(same_year) >= 3 else [m for m in over if m.month >= 10][-3:]
    if len(gap) == 3:
        candidates = sorted(pk for pk in owing if all(dues.get((pk, m), 0) > 0 for m in gap))
        demo_cell = cells.get(SECRETARY_CELL)
        first = [pk for pk in candidates if by_pk[pk].cell_id == getattr(demo_cell, "pk", None)]
        others = [pk for pk in candidates if pk not in first]
        rng.shuffle(first)
        rng.shuffle(others)
        chosen = first[:2]
        flagged = set(chosen + others[: FLAGGED - len(chosen)])
    misses = {
        pk: rng.choice(over) for pk in sorted(owing - flagged) if over and rng.random() < 0.05
    }
    style = {}
    for p in people:
        online, bank, growth = ONLINE.get(p.kind, (0.3, 0.2, 0.03))
        style[p.pk] = (rng.random(), rng.random() < bank, growth, online)

    payments = _Payments(committee, refs)
    for (pk, month), amount in sorted(dues.items()):
        if amount <= 0:
            continue
        p = by_pk.get(pk)
        if p is None:
            continue
        if pk in flagged and month >= gap[0]:  # nothing paid since
            continue
        pick, by_bank, growth, online = style[pk]
        index = calc.months_between(FIRST_MONTH, month) - 1
        method = Payment.Method.CASH
        if pick < min(online + growth * index, 0.95):
            method = Payment.Method.BANK if by_bank else Payment.Method.PORTAL
        if method == Payment.Method.CASH:
            paid_on = _day(month, meeting_day[p.cell_id], today)
            if month == current and meeting_day[p.cell_id] > today.day:
                continue  # the cell has not met yet this month
        else:
            paid_on = _day(month, rng.randint(1, 26), today)
            if month == current and rng.random() < 0.2:
                continue
        if misses.get(pk) == month:
            later = calc.add_months(month, rng.randint(1, 2))
            if rng.random() < 0.6 or later > current:
                continue  # left unpaid
            # Paid late, at a later meeting: written in that month's book.
            late_day = _day(later, meeting_day[p.cell_id], today)
            if late_day < later:
                continue
            payments.add(p, month, amount, Payment.Method.CASH, late_day, book_month=later)
            continue
        extra = 0
        if p.kind == K.RETIRED and rng.random() < 0.03:
            extra = rng.choice((20_000, 50_000, 100_000))
        payments.add(p, month, amount, method, paid_on, extra=extra)
    _insert(Payment, PAYMENT_FIELDS, payments.rows)
    return payments, flagged


# --- Books and remittances -----------------------------------------------------------------


def _books(committee, cells, months, payments: _Payments, today, rng) -> list[CellMonthBook]:
    current = months[-1]
    due_rows = MonthlyDue.objects.filter(committee=committee, month__in=months).values_list(
        "member_id", "cell_id", "month", "amount"
    )
    dues: dict[tuple[int, dt.date], dict[int, int]] = defaultdict(dict)
    for member_id, cell_id, month, amount in due_rows.iterator(chunk_size=20_000):
        dues[(cell_id, month)][member_id] = amount
    rules = {m: retention_for(committee.pk, m) for m in months}
    secretary_cell = cells.get(SECRETARY_CELL)
    now = timezone.now()
    books = []
    for cell in cells.values():
        for month in months:
            key = (cell.pk, month)
            if key not in dues and key not in payments.money:
                continue
            previous = month == calc.add_months(current, -1)
            closed = month < current and rules[month] is not None
            if closed and previous:
                closed = cell != secretary_cell and rng.random() < 0.6
            elif closed:
                closed = rng.random() < 0.93
            book = CellMonthBook(committee=committee, cell=cell, month=month)
            if closed:  # the totals closing freezes, by the books service's own arithmetic
                owed = dues.get(key, {})
                totals = totals_from(
                    dues=owed,
                    paid={m: payments.paid.get((m, month), 0) for m in owed},
                    money=payments.money.get(key, []),
                    rule=rules[month],
                )
                for name, value in totals.items():
                    setattr(book, name, value)
                book.status = CellMonthBook.Status.CLOSED
                book.closed_at = min(
                    _aware(calc.month_end(month) + dt.timedelta(days=rng.randint(1, 8)), 20), now
                )
                book.version = 2
            books.append(book)  # an open book holds no frozen totals, as the services leave it
    CellMonthBook.objects.bulk_create(books, batch_size=BATCH)
    return books


def _remittances(committee, books, refs, today, rng) -> int:
    rows = []
    received: dict[dt.date, int] = defaultdict(int)
    for book in books:
        if book.status != CellMonthBook.Status.CLOSED or book.to_remit <= 0:
            continue
        if rng.random() < 0.08:
            continue  # not remitted yet
        paid_on = min(book.closed_at.date() + dt.timedelta(days=rng.randint(1, 7)), today)
        by_bank = rng.random() < 0.7
        rows.append(
            Remittance(
                committee=committee,
                direction=Remittance.Direction.CELL_TO_COMMITTEE,
                cell=book.cell,
                month=book.month,
                amount=book.to_remit,
                paid_on=paid_on,
                method=Payment.Method.BANK if by_bank else Payment.Method.CASH,
                reference=f"FT{paid_on:%y}{paid_on.timetuple().tm_yday:03d}{len(rows):07d}"
                if by_bank
                else "",
                note=vietqr.format_fee_note(
                    refs["cell"][book.cell_id], None, book.month.year, book.month.month
                ),
            )
        )
        received[book.month] += book.to_remit
    current = calc.month_start(today)
    for month, total in sorted(received.items()):
        rule = retention_for(committee.pk, month)
        upward = total - share_of(total, rule.committee_keeps_bp)
        paid_on = calc.add_months(month, 1).replace(day=25)
        if month >= calc.add_months(current, -1) or upward <= 0 or paid_on > today:
            continue
        rows.append(
            Remittance(
                committee=committee,
                direction=Remittance.Direction.COMMITTEE_TO_UPPER,
                month=month,
                amount=upward,
                paid_on=paid_on,
                method=Payment.Method.BANK,
                reference=f"FT{paid_on:%y}{paid_on.timetuple().tm_yday:03d}U{month:%m}",
                note=f"DANG UY XA PHU CAT NOP DANG PHI T{month:%m%Y}",
            )
        )
    Remittance.objects.bulk_create(rows)
    return len(rows)


# --- The whole -----------------------------------------------------------------------------


@transaction.atomic
def seed_fees(committee: Committee, *, seed: int, today: dt.date | None = None) -> FeesDemo:
    """Generate the committee's fee data (see the module); nothing before 03/2026."""
    today = today or timezone.localdate()
    rng = random.Random(f"fees|{seed}")  # noqa: S311 - demo data, not security
    result = FeesDemo()
    cell_list = list(
        Unit.objects.filter(committee=committee, kind=Unit.Kind.CELL).order_by("sort_order", "pk")
    )
    cells = {c.name: c for c in cell_list}
    kinds = {c.pk: c.cell_kind for c in cell_list}
    people = [
        _Person(
            pk,
            cell_id,
            kinds.get(cell_id, ""),
            (today - born).days * 100 // 36_524,
            sex,
            admitted,
            status,
        )  # fmt: skip
        for pk, cell_id, sex, born, admitted, status in Member.objects.filter(
            committee=committee, status__in=Member.ACTIVE_STATUSES, cell_id__in=kinds
        )
        .order_by("cell__sort_order", "full_name_folded", "pk")
        .values_list("pk", "cell_id", "sex", "date_of_birth", "admission_date", "status")
    ]
    result.accounts = _accounts(committee, cells, rng)
    groups = _committee_rules(committee)
    months = _months(today)
    if not months:
        return result
    refs = _references(committee, cell_list, people)
    result.bases = _bases(committee, people, groups, months, rng)
    result.reliefs = _reliefs(committee, people, months, rng)
    for month in months:
        result.dues += dues_compute(committee=committee, month=month).members
    dues = {
        (member_id, month): amount
        for member_id, month, amount in MonthlyDue.objects.filter(
            committee=committee, month__in=months
        ).values_list("member_id", "month", "amount")
    }
    payments, flagged = _payments(committee, people, dues, months, refs, cells, today, rng)
    result.payments = len(payments.rows)
    result.portal = payments.methods[Payment.Method.PORTAL]
    result.bank = payments.methods[Payment.Method.BANK]
    result.flagged = len(flagged)
    books = _books(committee, cells, months, payments, today, rng)
    result.books_closed = sum(b.status == CellMonthBook.Status.CLOSED for b in books)
    result.remittances = _remittances(committee, books, refs, today, rng)
    audit_record(
        actor=None,
        verb=Verb.CREATE,
        committee=committee,
        object_type="fees.payment",
        object_label=f"Generated party-fee demo data ({result.summary()})",
        changes={"fees_demo": [None, asdict(result)]},
    )
    return result
