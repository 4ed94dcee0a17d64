"""The party fees part of the benchmark: computing a month's dues.

    capuyso bench --scale commune --only fees.dues        # the bench dataset (opt-in)
    python -m bench.fees_dues --scale commune             # own SQLite file, synthetic data
    DATABASE_URL=postgres://… python -m bench.fees_dues --scale city   # own PG database

The issue's targets: "computing a month's dues for 400,000 members at city scale on
PostgreSQL takes under 20 s; at commune scale on SQLite, 5,000 members take under 1 s".

Lines (JSON, one per line):

- fees.dues.data: the fee data added for the run (bases, reliefs, committee rules) and in
  how many seconds;
- fees.dues.<scale>: `dues_compute` for every committee of the run, the month's rows all new
  (the first computation of the month): seconds, members, rows written, queries,
  `target_seconds` and `pass`;
- fees.dues.<scale>.again: the same month computed again with nothing changed (what the
  monthly cron and a "compute again" button do): nothing is written;
- fees.dues.<scale>.changed: again after 2 % of the members declared a new basis.

Data. With the bench command, the dataset's members (bench/dataset.py); standalone, a
synthetic city built here with bulk_create in the benchmark's own database and kept for the
next run (`fees-bench-city`: 126 committees × 45 cells, 400,000 members; commune: one
committee of 60 cells, 5,000 members). Members' fee data follows a plausible mix: 45 %
salaried (3–25 million đồng), 25 % retired (pension 2–12 million), 3 % on leave, 10 %
students, 15 % farmers (each committee's own fixed amount), 2 % without a basis; 2 % have a
reduction, 1 % an exemption; admission dates from 1960 (about 5 % past 50 years of party age
for the automatic exemption), 1 % with a period outside the Party.

Decisions:
- Each committee is computed in its own transaction, commit included (the deferred foreign-key
  checks run then), the way `fees_compute_dues --all` runs it.
- The month's dues are deleted before and after the run. With the bench command the fee data
  (bases, reliefs, the committees' farmer rules) is deleted too, so the shared dataset keeps its
  shape; only the audit trail keeps one event per committee and computation (it is
  append-only). Standalone, the bases stay in the benchmark's own database for the next run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator

from django.db import connection, transaction
from django.utils import timezone

NAMES = ("fees.dues.data", "fees.dues.commune", "fees.dues.city", "fees.dues.tiny")
TARGETS = {"tiny": 1.0, "commune": 1.0, "city": 20.0}
SEED = 2026
BATCH = 5000
SYNTHETIC = {"commune": (1, 60, 5000), "city": (126, 45, 400_000), "tiny": (2, 4, 200)}


def selected(only: str) -> bool:
    """Opt-in: it writes a month of dues, so only `--only fees.dues…` runs it."""
    return bool(only) and any(name.startswith(only) for name in NAMES)


def measure(dataset, *, only: str = "", n: int = 1) -> Iterator[dict]:
    """The lines for the bench command, over the dataset's committees."""
    if not selected(only):
        return
    from capuyso.org.models import Committee

    committee = dataset.committee
    city = committee.parent or committee
    ids = list(Committee.objects.filter(parent=city).values_list("pk", flat=True)) or [committee.pk]
    yield from run(ids, scale=dataset.scale.name, log=_stderr)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _db_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when it runs on this
    host (read from /proc); None otherwise."""
    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _round(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else round(after - before, 2)


def _count_queries():
    counter = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    return counter, connection.execute_wrapper(wrapper)


def run(
    committee_ids: list[int],
    *,
    scale: str,
    month: dt.date | None = None,
    keep_data: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> Iterator[dict]:
    """Add the fee data, time the computations (each committee in its own transaction, commit
    included, as the monthly job runs), then delete what was written; yields the lines.
    With keep_data (the standalone synthetic city) the bases stay for the next run."""
    from capuyso.fees.models import FeeBasis
    from capuyso.fees.services.dues import dues_compute, dues_compute_many
    from capuyso.org.models import Committee

    month = (month or timezone.localdate()).replace(day=1)
    target = TARGETS.get(scale, 20.0)
    committees = list(Committee.objects.filter(pk__in=committee_ids).order_by("pk"))

    def compute(name: str, workers: int = 1, **extra) -> dict:
        counter, wrapper = _count_queries()
        totals = {"members": 0, "written": 0, "unchanged": 0, "computed": 0, "total": 0}
        started = time.perf_counter()
        cpu = time.process_time()
        db_cpu = _db_cpu()
        with wrapper:
            if workers > 1:
                results = dues_compute_many(
                    committee_ids=[c.pk for c in committees], month=month, workers=workers
                )
            else:
                results = [dues_compute(committee=c, month=month) for c in committees]
        for result in results:
            for key in totals:
                totals[key] += getattr(result, key)
        seconds = time.perf_counter() - started
        line = {
            "name": name,
            "seconds": round(seconds, 3),
            "committees": len(committees),
            **totals,
            "queries": counter["n"] if workers == 1 else None,
            "workers": workers,
            # CPU of this process and of its database backend (PostgreSQL on this host): the
            # figure that does not depend on what else the machine is doing.
            "cpu_seconds": round(time.process_time() - cpu, 2) if workers == 1 else None,
            "db_cpu_seconds": _round(_db_cpu(), db_cpu) if workers == 1 else None,
            "load_average": round(os.getloadavg()[0], 1),
            "month": f"{month:%Y-%m}",
            "vendor": connection.vendor,
            **extra,
        }
        log(json.dumps(line, ensure_ascii=False))
        return line

    lines: list[dict] = []
    reuse = keep_data and FeeBasis.objects.filter(committee_id__in=committee_ids).exists()
    try:
        clean_dues(committee_ids, month)
        started = time.perf_counter()
        if reuse:
            data = {
                "reused": True,
                "bases": FeeBasis.objects.filter(committee_id__in=committee_ids).count(),
            }
        else:
            log("fees.dues: adding fee bases, reliefs and rules")
            with transaction.atomic():
                data = add_fee_data(committee_ids, month)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in (
                    "fees_feebasis",
                    "fees_feerelief",
                    "members_member",
                    "fees_monthlydue",
                ):
                    cursor.execute(f"ANALYZE {table}")
        lines.append(
            {"name": "fees.dues.data", "seconds": round(time.perf_counter() - started, 1), **data}
        )
        first = compute(f"fees.dues.{scale}", target_seconds=target)
        first["pass"] = first["seconds"] < target and first["written"] == first["members"]
        lines.append(first)
        if (
            connection.vendor == "postgresql"
            and len(committees) > 1
            and not connection.in_atomic_block
        ):
            clean_dues(committee_ids, month)
            workers = os.cpu_count() or 2
            parallel = compute(f"fees.dues.{scale}.workers", workers=workers, target_seconds=target)
            parallel["pass"] = (
                parallel["seconds"] < target and parallel["written"] == parallel["members"]
            )
            lines.append(parallel)
        again = compute(f"fees.dues.{scale}.again")
        again["pass"] = again["written"] == 0
        lines.append(again)
        with transaction.atomic():
            changed = change_bases(committee_ids, month, share=0.02)
        lines.append(compute(f"fees.dues.{scale}.changed", bases_changed=changed))
    finally:
        clean_dues(committee_ids, month)
        FeeBasis.objects.filter(committee_id__in=committee_ids, effective_from=month).delete()
        if not keep_data:
            clean_fee_data(committee_ids)
    yield from lines


def clean_dues(committee_ids: list[int], month: dt.date) -> None:
    from capuyso.fees.models import MonthlyDue

    MonthlyDue.objects.filter(committee_id__in=committee_ids, month=month).delete()


def clean_fee_data(committee_ids: list[int]) -> None:
    from capuyso.fees.models import FeeBasis, FeeRelief, FeeRule, MonthlyDue

    MonthlyDue.objects.filter(committee_id__in=committee_ids).delete()
    FeeRelief.objects.filter(committee_id__in=committee_ids).delete()
    FeeBasis.objects.filter(committee_id__in=committee_ids).delete()
    FeeRule.objects.filter(committee_id__in=committee_ids).delete()


# --- Fee data -----------------------------------------------------------------------------


def add_fee_data(committee_ids: list[int], month: dt.date) -> dict:
    """Bases, reliefs and each committee's farmer rule for every member of the committees."""
    from capuyso.fees.models import FeeBasis, FeeGroup, FeeRelief, FeeRule
    from capuyso.members.models import Member

    rng = random.Random(SEED)
    groups = {g.slug: g.pk for g in FeeGroup.objects.filter(committee__isnull=True)}
    since = dt.date(2026, 3, 1)
    FeeRule.objects.bulk_create(
        [
            FeeRule(
                committee_id=cid,
                group_id=groups["farmer"],
                effective_from=since,
                fixed_amount=rng.choice((5_000, 10_000, 20_000)),
            )
            for cid in committee_ids
        ]
    )
    bases: list[FeeBasis] = []
    reliefs: list[FeeRelief] = []
    counts = {"bases": 0, "reliefs": 0, "committees": len(committee_ids)}
    members = Member.objects.filter(committee_id__in=committee_ids).values_list(
        "pk", "committee_id"
    )
    for member_id, committee_id in members.iterator(chunk_size=20_000):
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
            slug = ""
        if slug:
            bases.append(
                FeeBasis(
                    committee_id=committee_id,
                    member_id=member_id,
                    group_id=groups[slug],
                    amount=amount,
                    effective_from=since,
                )
            )
        relief = rng.random()
        if relief < 0.03:
            exemption = relief < 0.01
            reliefs.append(
                FeeRelief(
                    committee_id=committee_id,
                    member_id=member_id,
                    kind="exemption" if exemption else "reduction",
                    reason="poor_household" if exemption else "hardship",
                    percent=100 if exemption else rng.choice((30, 50, 70)),
                    decision="01-QĐ/ĐU",
                    start_month=since,
                    end_month=None if exemption else dt.date(2027, 2, 1),
                )
            )
        if len(bases) >= BATCH:
            FeeBasis.objects.bulk_create(bases)
            counts["bases"] += len(bases)
            bases = []
    FeeBasis.objects.bulk_create(bases)
    counts["bases"] += len(bases)
    FeeRelief.objects.bulk_create(reliefs, batch_size=BATCH)
    counts["reliefs"] = len(reliefs)
    return counts


def change_bases(committee_ids: list[int], month: dt.date, *, share: float) -> int:
    """A new salary basis from `month` for `share` of the salaried members."""
    from capuyso.fees.models import FeeBasis, FeeGroup

    rng = random.Random(SEED + 1)
    salaried = FeeGroup.objects.get(committee__isnull=True, slug="salaried")
    rows = FeeBasis.objects.filter(
        committee_id__in=committee_ids, group=salaried, effective_from__lt=month
    ).values_list("member_id", "committee_id")
    new = [
        FeeBasis(
            committee_id=committee_id,
            member_id=member_id,
            group=salaried,
            amount=rng.randrange(3_000_000, 25_000_000),
            effective_from=month,
        )
        for member_id, committee_id in rows.iterator(chunk_size=20_000)
        if rng.random() < share / 0.45
    ]
    FeeBasis.objects.bulk_create(new, batch_size=BATCH)
    return len(new)


# --- A synthetic city (standalone) --------------------------------------------------------------


def ensure_synthetic(scale: str, log: Callable[[str], None] = _stderr) -> list[int]:
    """The committees of the synthetic city of `scale`, built once with bulk_create."""
    from capuyso.org.models import Committee

    city = Committee.objects.filter(slug=f"fees-bench-{scale}").first()
    if city is None:
        started = time.perf_counter()
        with transaction.atomic():
            city = build_synthetic(scale, log)
        log(f"fees.dues: built the {scale} city in {time.perf_counter() - started:.1f} s")
    return list(Committee.objects.filter(parent=city).order_by("pk").values_list("pk", flat=True))


def build_synthetic(scale: str, log: Callable[[str], None] = lambda message: None):
    from capuyso.core.text import fold
    from capuyso.members.models import Gap, Member
    from capuyso.org.models import Committee, Unit

    n_committees, n_cells, n_members = SYNTHETIC[scale]
    rng = random.Random(SEED)
    city = Committee.objects.create(
        slug=f"fees-bench-{scale}", name=f"Thành phố (fees bench {scale})", level="city"
    )
    committees = Committee.objects.bulk_create(
        [
            Committee(
                slug=f"fees-bench-{scale}-{i:03d}",
                name=f"Đảng bộ xã số {i} (fees bench)",
                parent=city,
            )
            for i in range(1, n_committees + 1)
        ]
    )
    committees = list(Committee.objects.filter(parent=city).order_by("pk"))
    cells = [
        Unit(
            committee=c,
            kind=Unit.Kind.CELL,
            cell_kind=Unit.CellKind.VILLAGE,
            name=f"Chi bộ thôn {j}",
            name_folded=fold(f"Chi bộ thôn {j}"),
            path="",
        )
        for c in committees
        for j in range(1, n_cells + 1)
    ]
    Unit.objects.bulk_create(cells, batch_size=BATCH)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE org_unit SET path = '/' || id || '/' WHERE path = ''")
    # Members are inserted committee by committee, cell by cell, as imports make them (a
    # committee's rows then share pages, as they do in a real database).
    cell_ids = list(
        Unit.objects.filter(committee__parent=city, kind=Unit.Kind.CELL)
        .order_by("committee_id", "pk")
        .values_list("pk", "committee_id")
    )
    surnames = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
    given = ("Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Văn Hải", "Thị Lan", "Minh Tuấn")
    members, made = [], 0
    today = timezone.localdate()
    for index in range(n_members):
        cell_id, committee_id = cell_ids[index * len(cell_ids) // n_members]
        name = f"{rng.choice(surnames)} {rng.choice(given)}"
        # Admissions weighted to recent decades: about 5 % before 1976 (50 years of party
        # age by 2026), like the age pyramid of a commune's members.
        years_ago = min(int(rng.expovariate(1 / 18)), 65)
        admitted = today - dt.timedelta(days=years_ago * 365 + rng.randrange(0, 365))
        status, closed_on = Member.Status.FULL, None
        draw = rng.random()
        if admitted > today - dt.timedelta(days=365):
            status = Member.Status.PROBATIONARY
        elif draw < 0.02:
            status = Member.Status.EXEMPT
        elif draw < 0.03:
            status, closed_on = Member.Status.STRUCK_OFF, today - dt.timedelta(days=200)
        members.append(
            Member(
                committee_id=committee_id,
                cell_id=cell_id,
                full_name=name,
                full_name_folded=fold(name),
                sex=Member.Sex.FEMALE if "Thị" in name else Member.Sex.MALE,
                date_of_birth=admitted - dt.timedelta(days=rng.randrange(18 * 365, 40 * 365)),
                admission_date=admitted,
                full_membership_date=admitted + dt.timedelta(days=365),
                status=status,
                closed_on=closed_on,
                status_since=closed_on,
            )
        )
        if len(members) >= BATCH:
            Member.objects.bulk_create(members)
            made += len(members)
            members = []
            if made % 50_000 == 0:
                log(f"fees.dues: {made} members")
    Member.objects.bulk_create(members)
    gapped = Member.objects.filter(committee__parent=city, admission_date__lt=dt.date(1990, 1, 1))
    gaps = [
        Gap(member_id=pk, start=dt.date(1992, 1, 1), end=dt.date(1994, 1, 1), reason="bench")
        for pk in gapped.values_list("pk", flat=True)
        if rng.random() < 0.03
    ]
    Gap.objects.bulk_create(gaps, batch_size=BATCH)
    return city


# --- Standalone ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time a month's dues computation.")
    parser.add_argument("--scale", choices=["commune", "city"], default="commune")
    parser.add_argument("--month", help="YYYY-MM (default: the current month)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from bench.management.commands.bench import Command

    command = Command()
    if args.scale == "commune":
        command._use_sqlite_file(settings.DATA_DIR / "bench-fees.sqlite3")
    else:
        command._use_postgres_database("capuyso_bench_fees")
    month = dt.date.fromisoformat(f"{args.month}-01") if args.month else None
    committee_ids = ensure_synthetic(args.scale)
    for line in run(committee_ids, scale=args.scale, month=month, keep_data=True, log=_stderr):
        print(json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
