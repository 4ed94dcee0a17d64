"""The fee ledger pages of the benchmark, on a year of dues and payments.

    capuyso bench --scale commune --only fees.pages

The issue's target: "the committee's summary page stays under 150 ms p95" (commune scale).
The dataset's committee first gets twelve months of fee history, ending with the current
month (deterministic, SEED), written in a transaction rolled back at the end:

- the committee's own rates and retention share from the first of those months (the
  platform's seeded ones start in 03/2026), copied from the platform's (salaried 1 %, leave
  1 %, retired 0.5 %, students 5,000 đ, farmers 10,000 đ; cells keep 30 %, the committee 90 %);
- a fee basis for every member: 45 % salaried (3–25 million đồng), 25 % retired (pension
  2–12 million), 3 % on leave, 10 % students, 15 % farmers, 2 % none; 1 % exempt, 2 % reduced;
- the dues of each month computed by `dues_compute` (the real service);
- payments of each due: 84 % in the month (portal 70 %, bank 10 %, cash 20 %), 6 % one or two
  months late, 10 % not at all; 4 % of payers add a voluntary extra;
- every cell's book closed for each month before the current one, with its totals, and the
  cell's remittance to the committee for 90 % of them; the committee's remittance upward.

Lines (every name starts with `fees.pages.`):

- fees.pages.data: what was added, and in how many seconds;
- fees.pages.baseline.home: the secretary's home page in the same run, for scale (on a
  busy machine every page is slower: compare the fee pages with it);
- fees.pages.committee.{secretary,clerk}: the committee summary (last month, and the
  current month for the clerk), against the 150 ms target (`target_p95_ms`, `pass`);
- fees.pages.cell_month.cell_secretary: the cell secretary's cell, current month;
- fees.pages.member.cell_secretary, fees.pages.mine.member: a member's account;
- fees.pages.unpaid.secretary, fees.pages.remittances.clerk: the lists (no target).

Each page line is the harness's (`runner._measure`: 3 warm-ups, the queries counted once,
then N runs; p50/p95 in ms).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from bench.scenarios import Scenario

SEED = 707
TARGET_MS = 150.0
MONTHS = 12
BATCH = 5000
ACCOUNT_KEYS = {
    "secretary": "secretary",
    "clerk": "clerk",
    "cell_secretary": "cell_secretary",
    "member": "member",
}
NAMES = (
    "fees.pages.data",
    "fees.pages.baseline.home",
    "fees.pages.committee.secretary",
    "fees.pages.committee.clerk",
    "fees.pages.cell_month.cell_secretary",
    "fees.pages.member.cell_secretary",
    "fees.pages.mine.member",
    "fees.pages.unpaid.secretary",
    "fees.pages.remittances.clerk",
)


def selected(only: str) -> bool:
    return not only or any(name.startswith(only) for name in NAMES)


def measure(dataset, *, only: str = "", n: int = 50) -> Iterator[dict]:
    """The fee pages lines selected by `only` (a name prefix), for the bench command."""
    if not selected(only):
        return
    missing = [key for key in ACCOUNT_KEYS.values() if key not in dataset.users]
    if missing:
        yield {"name": "fees.pages", "error": f"no benchmark user {missing[0]!r}"}
        return
    yield from run(
        committee=dataset.committee,
        users={who: dataset.users[key] for who, key in ACCOUNT_KEYS.items()},
        only=only,
        n=n,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )


def run(*, committee, users: dict, only: str = "", n: int = 50, log=lambda m: None):
    """Add the fee history, measure, roll everything back; yields the lines."""
    wanted = [name for name in NAMES if not only or name.startswith(only)]
    lines: list[dict] = []
    with transaction.atomic():
        log("fees.pages: adding a year of dues and payments")
        try:
            data = add_history(committee, users)
        except Exception as exc:  # noqa: BLE001 - without the history nothing else can run
            transaction.set_rollback(True)
            yield {"name": "fees.pages.data", "error": f"{type(exc).__name__}: {exc}"[:300]}
            return
        picks = {key: data.pop(key) for key in [k for k in data if k.startswith("_")]}
        lines.append({"name": "fees.pages.data", **data})
        lines += list(_pages(picks, users, wanted, n, log))
        transaction.set_rollback(True)
    yield from lines


def _pages(picks: dict, users: dict, wanted: list[str], n: int, log) -> Iterator[dict]:
    from bench import runner

    month = picks["_this_month"]
    last = picks["_last_month"]
    cell_code = picks["_cell"]
    member_code = picks["_member"]
    committee = reverse("fees:committee")
    pages = [
        # The home page in the same run: what any page costs on this machine at this moment.
        ("fees.pages.baseline.home", "secretary", reverse("core:home"), {}),
        ("fees.pages.committee.secretary", "secretary", committee, {"month": f"{last:%Y-%m}"}),
        ("fees.pages.committee.clerk", "clerk", committee, {"month": f"{month:%Y-%m}"}),
        (
            "fees.pages.cell_month.cell_secretary",
            "cell_secretary",
            reverse("fees:cell_month", args=[cell_code, f"{month:%Y-%m}"]),
            {},
        ),
        (
            "fees.pages.member.cell_secretary",
            "cell_secretary",
            reverse("fees:member", args=[member_code]),
            {},
        ),
        ("fees.pages.mine.member", "member", reverse("fees:mine"), {}),
        ("fees.pages.unpaid.secretary", "secretary", reverse("fees:unpaid"), {}),
        (
            "fees.pages.remittances.clerk",
            "clerk",
            reverse("fees:remittances"),
            {"month": f"{last:%Y-%m}"},
        ),
    ]
    clients: dict[str, object] = {}
    for name, who, path, query in pages:
        if name not in wanted:
            continue
        log(name)
        if who not in clients:
            clients[who] = runner.session_client(users[who])
        scenario = Scenario(name=name, user=ACCOUNT_KEYS[who], url=path, query=query)
        target = TARGET_MS if name.startswith("fees.pages.committee.") else None
        try:
            for line in runner._measure(scenario, clients[who], path, n):
                if target is not None and "p95_ms" in line:
                    line |= {"target_p95_ms": target, "pass": line["p95_ms"] < target}
                yield line
        except Exception as exc:  # noqa: BLE001 - report and go on, like the page scenarios
            yield {"name": name, "error": f"{type(exc).__name__}: {exc}"[:300]}


# --- The history ------------------------------------------------------------------------------


def _rules(committee, first: dt.date) -> None:
    from capuyso.fees.models import FeeGroup, FeeRule, RetentionRule

    rates = {"salaried": (100, None), "leave": (100, None), "retired": (50, None)}
    fixed = {"student": 5_000, "farmer": 10_000}
    rows = []
    for group in FeeGroup.objects.filter(committee__isnull=True, slug__in=[*rates, *fixed]):
        rate_bp, _none = rates.get(group.slug, (None, None))
        rows.append(
            FeeRule(
                committee=committee,
                group=group,
                effective_from=first,
                rate_bp=rate_bp,
                fixed_amount=fixed.get(group.slug),
            )
        )
    FeeRule.objects.bulk_create(rows)
    RetentionRule.objects.create(
        committee=committee, effective_from=first, cell_keeps_bp=3000, committee_keeps_bp=9000
    )


def _bases(committee, first: dt.date, rng: random.Random) -> dict:
    from capuyso.fees.models import FeeBasis, FeeGroup, FeeRelief
    from capuyso.members.models import Member

    groups = {g.slug: g.pk for g in FeeGroup.objects.filter(committee__isnull=True)}
    bases, reliefs = [], []
    for member_id in Member.objects.filter(committee=committee).values_list("pk", flat=True):
        draw = rng.random()
        if draw < 0.45:
            slug, amount = "salaried", rng.randrange(3_000_000, 25_000_000)
        elif draw < 0.70:
            slug, amount = "retired", rng.randrange(2_000_000, 12_000_000)
        elif draw < 0.73:
            slug, amount = "leave", rng.randrange(2_000_000, 10_000_000)
        elif draw < 0.83:
            slug, amount = "student", None
        elif draw < 0.98:
            slug, amount = "farmer", None
        else:
            continue
        bases.append(
            FeeBasis(
                committee=committee,
                member_id=member_id,
                group_id=groups[slug],
                amount=amount,
                effective_from=first,
            )
        )
        relief = rng.random()
        if relief < 0.03:
            exempt = relief < 0.01
            reliefs.append(
                FeeRelief(
                    committee=committee,
                    member_id=member_id,
                    kind="exemption" if exempt else "reduction",
                    reason="poor_household" if exempt else "hardship",
                    percent=100 if exempt else rng.choice((30, 50, 70)),
                    decision="01-QĐ/ĐU",
                    start_month=first,
                )
            )
    FeeBasis.objects.bulk_create(bases, batch_size=BATCH)
    FeeRelief.objects.bulk_create(reliefs, batch_size=BATCH)
    return {"bases": len(bases), "reliefs": len(reliefs)}


def add_history(committee, users: dict, seed: int = SEED) -> dict:
    """Twelve months of rules, bases, dues, payments, closed books and remittances; the
    counts, and what the pages open (`_this_month`, `_last_month`, `_cell`, `_member`)."""
    from capuyso.fees.calc import add_months, month_end
    from capuyso.fees.models import CellMonthBook, MonthlyDue, Payment, Remittance
    from capuyso.fees.services.books import share_of
    from capuyso.fees.services.dues import dues_compute

    started = time.perf_counter()
    rng = random.Random(seed)
    today = timezone.localdate()
    this_month = today.replace(day=1)
    first = add_months(this_month, -(MONTHS - 1))
    months = [add_months(first, i) for i in range(MONTHS)]
    _rules(committee, first)
    counts = _bases(committee, first, rng)
    for month in months:
        dues_compute(committee=committee, month=month)

    methods = ["portal"] * 70 + ["bank"] * 10 + ["cash"] * 20
    payments: list[Payment] = []
    collected: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    dues = MonthlyDue.objects.filter(committee=committee, amount__gt=0).values_list(
        "member_id", "cell_id", "month", "amount"
    )
    for member_id, cell_id, month, amount in dues.iterator(chunk_size=BATCH):
        draw = rng.random()
        if draw < 0.84:
            book = month
        elif draw < 0.90:
            book = add_months(month, rng.choice((1, 2)))
        else:
            continue
        if book > this_month:
            continue
        paid_on = min(book.replace(day=rng.randint(1, 28)), today)
        method = rng.choice(methods)
        extra = rng.choice((10_000, 20_000, 50_000)) if rng.random() < 0.04 else 0
        payments.append(
            Payment(
                committee=committee,
                member_id=member_id,
                cell_id=cell_id,
                month=month,
                book_month=book,
                amount=amount,
                extra_amount=extra,
                method=method,
                paid_on=paid_on,
                reference=f"FT{member_id}{month:%y%m}" if method != "cash" else "",
            )
        )
        sums = collected[(cell_id, book)]
        sums[method] += amount + extra
        sums["extra"] += extra
    Payment.objects.bulk_create(payments, batch_size=BATCH)

    due_totals = {
        (cell_id, month): (count, total)
        for cell_id, month, count, total in _due_totals(committee, MonthlyDue)
    }
    cells = list(committee_cells(committee).values_list("pk", flat=True))
    now = timezone.now()
    books, remittances = [], []
    for cell_id in cells:
        for month in months[:-1]:
            sums = collected.get((cell_id, month), {})
            total = sums.get("cash", 0) + sums.get("portal", 0) + sums.get("bank", 0)
            retained = share_of(total, 3000)
            count, due_total = due_totals.get((cell_id, month), (0, 0))
            books.append(
                CellMonthBook(
                    committee=committee,
                    cell_id=cell_id,
                    month=month,
                    status=CellMonthBook.Status.CLOSED,
                    members_count=count,
                    due_total=due_total,
                    collected_cash=sums.get("cash", 0),
                    collected_portal=sums.get("portal", 0),
                    collected_bank=sums.get("bank", 0),
                    extra_total=sums.get("extra", 0),
                    collected_total=total,
                    cell_keeps_bp=3000,
                    retained=retained,
                    to_remit=total - retained,
                    closed_at=now,
                )
            )
            if total - retained > 0 and rng.random() < 0.9:
                remittances.append(
                    Remittance(
                        committee=committee,
                        direction=Remittance.Direction.CELL_TO_COMMITTEE,
                        cell_id=cell_id,
                        month=month,
                        amount=total - retained,
                        paid_on=min(add_months(month, 1).replace(day=10), today),
                        method="bank",
                    )
                )
    CellMonthBook.objects.bulk_create(books, batch_size=BATCH)
    received: dict[dt.date, int] = defaultdict(int)
    for each in remittances:
        received[each.month] += each.amount
    for month, amount in received.items():
        upward = amount - share_of(amount, 9000)
        if upward > 0:
            remittances.append(
                Remittance(
                    committee=committee,
                    direction=Remittance.Direction.COMMITTEE_TO_UPPER,
                    month=month,
                    amount=upward,
                    paid_on=min(month_end(add_months(month, 1)), today),
                    method="bank",
                )
            )
    Remittance.objects.bulk_create(remittances, batch_size=BATCH)
    _analyze()

    cell = users["cell_secretary"].positions.select_related("unit").first().unit
    member_code = (
        MonthlyDue.objects.filter(cell=cell, month=this_month)
        .values_list("member__code", flat=True)
        .first()
    )
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "months": MONTHS,
        "cells": len(cells),
        **counts,
        "dues": MonthlyDue.objects.filter(committee=committee).count(),
        "payments": len(payments),
        "closed_books": len(books),
        "remittances": len(remittances),
        "_this_month": this_month,
        "_last_month": add_months(this_month, -1),
        "_cell": cell.code,
        "_member": member_code,
    }


def committee_cells(committee):
    from capuyso.org.models import Unit

    return Unit.objects.filter(committee=committee, kind=Unit.Kind.CELL, dissolved_on__isnull=True)


def _due_totals(committee, model):
    from django.db.models import Count, Sum

    return (
        model.objects.filter(committee=committee)
        .values("cell_id", "month")
        .annotate(count=Count("id"), total=Sum("amount"))
        .order_by()
        .values_list("cell_id", "month", "count", "total")
    )


def _analyze() -> None:
    """Statistics for the planner on PostgreSQL (ANALYZE sees the transaction's rows)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in (
            "fees_monthlydue",
            "fees_payment",
            "fees_cellmonthbook",
            "fees_remittance",
            "fees_feebasis",
        ):
            cursor.execute(f"ANALYZE {table}")
