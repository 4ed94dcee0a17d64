"""The badges part of the benchmark: candidates for an award date across the city.

    capuyso bench --scale city --only members.badges      # or a plain `capuyso bench`

The issue's target: "computing the candidates for an award date across the city in under
2 s" (400,000 members on PostgreSQL). The members are the dataset's (bench/dataset.py, built
with the demo generators of capuyso/core/demo.py at the chosen scale); the demo generator
makes living members with exact admission dates only, so this module first adds the badge
history a real city has, in the proportions below (deterministic, SEED):

- every milestone reached before the previous award date is awarded (BadgeAward, the
  award date that followed it), and 3 % of the members due in the early-award window were
  already awarded early for illness;
- 1 % of the members have a period outside the Party (Gap, 6 months to 5 years);
- 1 % died in the last two years (status deceased, `closed_on`);
- 2 % have a year-only admission date and 1 % a month-only one (stored as the 1st).

Lines (JSON, after the page scenarios):

- members.badges.data: what was added, and in how many seconds;
- members.badges.city: `services.badges.badge_candidates` for the next award date over
  every committee of the dataset's city committee — p50/p95/max ms over N runs (at most 10)
  after one warm-up, the list sizes, the queries; `target_ms` 2000 and `pass`;
- members.badges.committee: the same for the main committee (what the page computes);
- members.badges.page: the badges page of the main committee for its secretary, timed like
  a page scenario;
- members.badges.export.xlsx / .docx: the main committee's proposal list with every list
  (median of 3 runs, rows, bytes).

Decision: nothing stays behind. The history is written inside a transaction that is rolled
back at the end (inside the tests' transaction, a savepoint), so the shared dataset keeps
the shape the other scenarios expect. On PostgreSQL the tables are ANALYZEd inside that
transaction (ANALYZE counts the transaction's own rows), so the planner sees the history
(and a freshly built dataset: without statistics on org_unit the planner joined the cells
in a nested loop and the city took 1.8 s instead of 0.9 s).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from bench.runner import percentile, session_client
from capuyso.members import exports_badges
from capuyso.members.models import BadgeAward, DatePrecision, Gap, Member
from capuyso.members.party_age import add_months, add_years
from capuyso.members.rules import award_dates
from capuyso.members.services.badges import (
    badge_candidates,
    next_award_date,
    previous_award_date,
    rules_by_committee,
)
from capuyso.org.models import Committee, Unit

NAMES = (
    "members.badges.data",
    "members.badges.city",
    "members.badges.committee",
    "members.badges.page",
    "members.badges.export.xlsx",
    "members.badges.export.docx",
)
TARGET_CITY_MS = 2000.0
MAX_RUNS = 10  # a city computation takes about a second: ten runs are enough for a p95
SEED = 1930
BATCH = 5000
SHARES = {"gap": 0.01, "deceased": 0.01, "year_only": 0.02, "month_only": 0.01, "early": 0.03}


def selected(only: str) -> bool:
    return not only or any(name.startswith(only) for name in NAMES)


def measure(dataset, *, only: str = "", n: int = 50) -> Iterator[dict]:
    """The badge lines selected by `only`, for the bench command."""
    if not selected(only):
        return
    committee = dataset.committee
    city = committee.parent or committee
    yield from run(
        city=city,
        committee=committee,
        user=dataset.users.get("secretary"),
        only=only,
        n=n,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )


def run(
    *,
    city: Committee,
    committee: Committee,
    user,
    only: str = "",
    n: int = MAX_RUNS,
    award_date: dt.date | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> Iterator[dict]:
    """Add the badge history, measure, roll everything back; yields the lines."""
    wanted = [name for name in NAMES if not only or name.startswith(only)]
    runs = max(1, min(n, MAX_RUNS))
    committees = list(Committee.objects.filter(parent=city).values_list("pk", flat=True))
    committees = committees or [committee.pk]
    award_date = award_date or next_award_date(committee, timezone.localdate())
    lines: list[dict] = []
    with transaction.atomic():
        log("members.badges: adding the badge history")
        try:
            data = add_history(committees, award_date)
        except Exception as exc:  # noqa: BLE001 - without the history nothing else can run
            lines = [_error(name, exc) for name in ["members.badges.data", *wanted]]
            transaction.set_rollback(True)
            yield from _unique(lines)
            return
        lines.append({"name": "members.badges.data", **data})
        measurements = {
            "members.badges.city": lambda name: _candidates(
                name, committees, award_date, runs, target=TARGET_CITY_MS
            ),
            "members.badges.committee": lambda name: _candidates(
                name, [committee.pk], award_date, runs
            ),
            "members.badges.page": lambda name: _page(name, user, award_date, runs),
            "members.badges.export.xlsx": lambda name: _export(name, committee, award_date, "xlsx"),
            "members.badges.export.docx": lambda name: _export(name, committee, award_date, "docx"),
        }
        for name, function in measurements.items():
            if name not in wanted:
                continue
            log(name)
            try:
                lines.append(function(name))
            except Exception as exc:  # noqa: BLE001 - report and go on, like the page scenarios
                lines.append(_error(name, exc))
        transaction.set_rollback(True)
    yield from lines


def _unique(lines: list[dict]) -> Iterator[dict]:
    seen = set()
    for line in lines:
        if line["name"] not in seen:
            seen.add(line["name"])
            yield line


def _error(name: str, exc: Exception) -> dict:
    return {"name": name, "error": f"{type(exc).__name__}: {exc}"[:300]}


class count_queries(contextlib.ContextDecorator):  # noqa: N801 - used like a function
    """Counts the statements run on the default connection (a request resets the debug
    query log, so CaptureQueriesContext cannot count across one)."""

    count = 0

    def _wrapper(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._context = connection.execute_wrapper(self._wrapper)
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)


def timings(function: Callable[[], object], n: int, warmup: int = 1) -> dict:
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "max_ms": round(max(samples), 1),
        "n": n,
    }


# --- the measurements ----------------------------------------------------------------------


def _candidates(name, committee_ids, award_date, runs, target=None) -> dict:
    with count_queries() as queries:
        result = badge_candidates(committees=committee_ids, award_date=award_date)
    line = {
        "name": name,
        **timings(lambda: badge_candidates(committees=committee_ids, award_date=award_date), runs),
        "queries": queries.count,
        "award_date": award_date.isoformat(),
        "previous_date": result.previous_date.isoformat() if result.previous_date else None,
        "committees": len(committee_ids),
        "members": Member.objects.filter(committee_id__in=committee_ids).count(),
        "regular": len(result.regular),
        "early_illness": len(result.early_illness),
        "posthumous": len(result.posthumous),
        "check": len(result.check),
        "database": connection.vendor,
    }
    if target is not None:
        line["target_ms"] = target
        line["pass"] = line["p95_ms"] < target
    return line


def _page(name, user, award_date, runs) -> dict:
    if user is None:
        return {"name": name, "error": "no benchmark user 'secretary'"}
    client = session_client(user)
    path = reverse("members:badges")
    query = {"date": award_date.isoformat()}
    response = client.get(path, query)
    if response.status_code != 200:
        return {"name": name, "error": f"HTTP {response.status_code}", "path": path}
    with count_queries() as queries:
        client.get(path, query)
    return {
        "name": name,
        **timings(lambda: client.get(path, query), runs),
        "queries": queries.count,
        "bytes": len(response.content),
    }


def _export(name, committee, award_date, fmt, runs: int = 3) -> dict:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        result = badge_candidates(committees=[committee], award_date=award_date)
        if fmt == "docx":
            export = exports_badges.export_docx(
                result, committee=committee, lists=exports_badges.LISTS, today=award_date
            )
        else:
            export = exports_badges.export_xlsx(
                result, committee=committee, lists=exports_badges.LISTS
            )
        seconds.append(time.perf_counter() - started)
    return {
        "name": name,
        "seconds": round(statistics.median(seconds), 2),
        "max_seconds": round(max(seconds), 2),
        "runs": runs,
        "rows": export.rows,
        "bytes": len(export.content),
    }


# --- the badge history ---------------------------------------------------------------------


def add_history(committee_ids: list[int], award_date: dt.date, seed: int = SEED) -> dict:
    """Write the history described in the module docstring; returns the counts."""
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    rules = rules_by_committee(committee_ids[:1], award_date)[committee_ids[0]]
    previous = previous_award_date(rules, award_date)
    milestones = sorted(rules.badge_milestones)
    award_days = _award_days(rules, previous)
    rows = list(
        Member.objects.filter(committee_id__in=committee_ids, status__in=Member.ACTIVE_STATUSES)
        .order_by("pk")
        .values_list("pk", "admission_date")
    )
    counts = {"gaps": 0, "deceased": 0, "year_only": 0, "month_only": 0, "awards": 0}
    gaps, deaths, imprecise, awards = [], [], [], []
    today = timezone.localdate()
    for pk, admission in rows:
        draw = rng.random()
        if draw < SHARES["gap"]:
            start = admission + dt.timedelta(days=rng.randint(200, 20 * 365))
            end = start + dt.timedelta(days=rng.randint(180, 5 * 365))
            if end < today:
                gaps.append(Gap(member_id=pk, start=start, end=end, reason="Xóa tên (bench)"))
                counts["gaps"] += 1
        elif draw < SHARES["gap"] + SHARES["deceased"]:
            died = award_date - dt.timedelta(days=rng.randint(0, 730))
            if died > admission:
                deaths.append(
                    Member(pk=pk, status=Member.Status.DECEASED, closed_on=died, status_since=died)
                )
                counts["deceased"] += 1
        elif draw < SHARES["gap"] + SHARES["deceased"] + SHARES["year_only"]:
            admission = dt.date(admission.year, 1, 1)
            imprecise.append(
                Member(pk=pk, admission_date=admission, admission_date_precision=DatePrecision.YEAR)
            )
            counts["year_only"] += 1
        elif draw < sum(SHARES[k] for k in ("gap", "deceased", "year_only", "month_only")):
            admission = dt.date(admission.year, admission.month, 1)
            imprecise.append(
                Member(
                    pk=pk, admission_date=admission, admission_date_precision=DatePrecision.MONTH
                )
            )
            counts["month_only"] += 1
        for years in milestones:
            reached = add_years(admission, years)
            if reached > add_months(award_date, 24):
                break
            if reached < previous:
                kind, on = BadgeAward.Kind.REGULAR, _next_day(award_days, reached)
            elif reached > award_date and rng.random() < SHARES["early"]:
                kind, on = BadgeAward.Kind.EARLY_ILLNESS, previous
            else:
                continue
            awards.append(
                BadgeAward(
                    member_id=pk,
                    milestone=years,
                    award_date=on,
                    kind=kind,
                    decision_number="bench",
                    decision_date=on,
                )
            )
    Gap.objects.bulk_create(gaps, batch_size=BATCH)
    Member.objects.bulk_update(deaths, ["status", "closed_on", "status_since"], batch_size=1000)
    Member.objects.bulk_update(
        imprecise, ["admission_date", "admission_date_precision"], batch_size=1000
    )
    BadgeAward.objects.bulk_create(awards, batch_size=BATCH)
    counts["awards"] = len(awards)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (Member, Gap, BadgeAward, Unit):
                cursor.execute(f'ANALYZE "{table._meta.db_table}"')
    return {
        "committees": len(committee_ids),
        "members": len(rows),
        **counts,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _award_days(rules, previous: dt.date) -> list[dt.date]:
    """Every award date up to `previous` under these rules (where past awards were made)."""
    days = [d for year in range(1930, previous.year + 1) for d in award_dates(rules, year)]
    return sorted(d for d in days if d <= previous)


def _next_day(days: list[dt.date], reached: dt.date) -> dt.date:
    """The award date on or after the day the milestone was reached."""
    return days[min(bisect.bisect_left(days, reached), len(days) - 1)]
