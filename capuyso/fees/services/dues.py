"""Monthly dues: what every member of a committee owes for a month, computed in bulk from the
rows in force that month (fees.md; arithmetic in capuyso/fees/calc.py).

Who owes for month M: a member of the committee admitted on or before the last day of M who is
active (probationary, full, or exempt from activities — which is not an exemption from fees),
or who left (struck off, expelled, deceased: `closed_on`; transferred out: `status_since`) on
or after the first day of M. A member admitted on 15/03 owes March; a member struck off on
10/05 owes May but not June.

The run loads everything it needs in a handful of queries (members, bases, reliefs, gaps,
rules, settings, closed books, existing dues), computes in memory, and writes only the rows that
changed, with an upsert on (member, month). Cells whose month book is closed are left alone,
and so is a row another committee computed (a member received from it). Stale rows of
members who no longer owe the month are deleted. Running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.audit.services import Verb, audit_record
from capuyso.fees import calc
from capuyso.fees.models import (
    CellMonthBook,
    FeeBasis,
    FeeRelief,
    FeeRule,
    FeeSettings,
    MonthlyDue,
)
from capuyso.fees.services.refs import lock_committee_fees, refs_assign
from capuyso.members.models import Gap, Member
from capuyso.members.party_age import gap_spans, milestone_from
from capuyso.org.models import Committee

BATCH_SIZE = 5000

# The MonthlyDue fields a computation sets (besides member and month, the upsert key).
DUE_FIELDS = (
    "committee_id",
    "cell_id",
    "group_id",
    "rule_id",
    "basis_amount",
    "rate_bp",
    "gross",
    "relief_percent",
    "relief_id",
    "relief_reason",
    "amount",
    "basis_missing",
)


def _upsert(rows: list[tuple], month: dt.date, now) -> int:
    """INSERT … ON CONFLICT (member, month) DO UPDATE of the rows (member_id, *DUE_FIELDS);
    returns how many rows were written. A row another committee computed for the member (a
    member received from it) is left as it is: the update only applies to a row of the same
    committee.

    Raw SQL: Django's bulk_create spent 70 % of a 5,000-member computation compiling its
    statement. PostgreSQL gets the rows by COPY into a temporary table and upserts them in one
    statement; SQLite takes 2,000 rows per multi-row INSERT."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        return _upsert_copy(rows, month, now)
    table, names, key, updates = _upsert_parts()
    written = 0
    month_value = connection.ops.adapt_datefield_value(month)
    now_value = connection.ops.adapt_datetimefield_value(now)
    # SQLite binds at most 32,766 variables per statement: 2,000 rows of 15 columns.
    size = 2000
    one = "(" + ", ".join(["%s"] * (len(DUE_FIELDS) + 3)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params: list = []
            for row in chunk:
                params.extend(row)
                params.append(month_value)
                params.append(now_value)
            # Identifiers come from the model, every value is bound.
            sql = (
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(chunk))} "  # noqa: S608
                f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
            )
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written


def _upsert_parts() -> tuple[str, str, str, str]:
    quote = connection.ops.quote_name
    table = quote(MonthlyDue._meta.db_table)
    columns = ["member_id", *DUE_FIELDS, "month", "computed_at"]
    same = quote("committee_id")
    return (
        table,
        ", ".join(quote(c) for c in columns),
        ", ".join(quote(c) for c in ("member_id", "month")),
        ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in [*DUE_FIELDS, "computed_at"])
        + f" WHERE {table}.{same} = excluded.{same}",
    )


STAGE = "fees_monthlydue_stage"


def _upsert_copy(rows: list[tuple], month: dt.date, now) -> int:
    table, names, key, updates = _upsert_parts()
    staged = ", ".join(connection.ops.quote_name(c) for c in ["member_id", *DUE_FIELDS])
    with connection.cursor() as cursor:
        # Same column types as the table, no constraints; dropped at the end of the
        # transaction (dues_compute is atomic), emptied when a transaction computes twice.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {staged} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {STAGE}")
        with cursor.cursor.copy(f"COPY {STAGE} ({staged}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {staged}, %s, %s FROM {STAGE} "  # noqa: S608
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}",
            [month, now],
        )
        return cursor.rowcount


@dataclass
class DuesRun:
    """What one computation did (printed as JSON by `fees_compute_dues`)."""

    committee: str
    month: str
    members: int = 0  # members who owe the month (in the cells computed)
    computed: int = 0  # of which with a computed amount
    no_basis: int = 0  # no fee basis declared for the month
    no_rule: int = 0  # the member's group has no rule in force
    no_amount: int = 0  # the group's rate needs an amount the basis lacks
    exempt: int = 0  # relief of 100 % (decision or party age)
    party_age_exempt: int = 0
    reduced: int = 0  # relief below 100 %
    written: int = 0  # rows inserted or changed
    unchanged: int = 0
    removed: int = 0  # rows of members who no longer owe the month
    skipped_closed: int = 0  # members in cells whose month book is closed
    skipped_other_committee: int = 0
    total: int = 0  # sum of the dues computed (đồng)
    refs_given: int = 0  # payment-note numbers given to members and cells new to the ledger
    no_settings: bool = False  # no fee settings in force: defaults used
    cells_closed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def settings_for(committee_id: int | None, month: dt.date) -> FeeSettings | None:
    """The fee settings row in force on the first day of `month` (committee's own first)."""
    rows = FeeSettings.objects.filter(
        Q(committee__isnull=True) | Q(committee_id=committee_id), effective_from__lte=month
    )
    return calc.pick_in_force(list(rows), month, committee_id)


def rules_for(committee_id: int | None, month: dt.date) -> dict[int, FeeRule]:
    """{group id: the FeeRule in force on the first day of `month`}."""
    rows = FeeRule.objects.filter(
        Q(committee__isnull=True) | Q(committee_id=committee_id),
        Q(effective_until__isnull=True) | Q(effective_until__gte=month),
        effective_from__lte=month,
    )
    return calc.rules_by_group(list(rows), month, committee_id)


def owing_members(committee_id: int, month: dt.date, cells=None):
    """(id, cell_id) of the committee's members who owe `month`."""
    last = calc.month_end(month)
    status = Member.Status
    owing = (
        Q(status__in=Member.ACTIVE_STATUSES)
        | Q(status__in=Member.CLOSED_STATUSES, closed_on__gte=month)
        | Q(status=status.TRANSFERRED_OUT, status_since__gte=month)
    )
    rows = Member.objects.filter(owing, committee_id=committee_id, admission_date__lte=last)
    if cells is not None:
        rows = rows.filter(cell_id__in=[getattr(c, "pk", c) for c in cells])
    return rows.order_by().values_list("id", "cell_id")


def _member_ids(committee_id: int):
    """The committee's member ids as a subquery: PostgreSQL then reads the bases, reliefs and
    gaps of these members through their member index instead of scanning every committee's
    rows (126 sequential scans of 400,000 bases took most of a city computation)."""
    return Member.objects.filter(committee_id=committee_id).order_by().values("id")


def _fetch(queryset) -> list[tuple]:
    """The rows of a values_list queryset as the driver returns them, without Django's
    per-row iteration (a third of the Python time at 400,000 members). Only for columns
    that need no conversion: integers, text, booleans compared with ==."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def party_age_exempt(committee_id: int, month: dt.date, years: int) -> set[int]:
    """Ids of the committee's members who reached `years` of party age on or before the first
    day of `month` (members.party_age: the anniversary, pushed later by periods outside the
    Party; for an imprecise admission date the earliest possible day). Without gaps the test
    is admission <= month − years, done by the database; only members with gaps are checked
    one by one."""
    if not years:
        return set()
    limit = calc.add_months(month, -12 * years)
    rows = Member.objects.filter(committee_id=committee_id, admission_date__lte=limit).order_by()
    candidates = dict(rows.values_list("id", "admission_date"))
    if not candidates:
        return set()
    spans: dict[int, list] = {}
    gap_rows = Gap.objects.filter(member_id__in=rows.values("id"))
    for member_id, start, end in gap_rows.values_list("member_id", "start", "end"):
        spans.setdefault(member_id, []).append((start, end))
    exempt = set(candidates) - set(spans)
    for member_id, pairs in spans.items():
        if milestone_from(candidates[member_id], years, gap_spans(pairs)) <= month:
            exempt.add(member_id)
    return exempt


class _Basis:
    __slots__ = ("amount", "group_id")

    def __init__(self, group_id, amount):
        self.group_id = group_id
        self.amount = amount


class _Relief:
    __slots__ = ("id", "percent", "reason")

    def __init__(self, id_, percent, reason):
        self.id = id_
        self.percent = percent
        self.reason = reason


def _latest_bases(committee_id: int, month: dt.date, member_ids: list[int]) -> dict[int, _Basis]:
    """{member id: basis in force} for the members. The committee's rows come through its
    (committee, effective_from) index; a member without one there (received from another
    committee, whose rows keep their first committee) is looked up by member. Ordered by
    month, the last row of a member is the one in force (no date to convert). Plain fetches,
    no server-side cursor: PostgreSQL plans a cursor for its first rows
    (cursor_tuple_fraction), and that plan was ten times slower here."""
    rows = FeeBasis.objects.filter(committee_id=committee_id, effective_from__lte=month)
    latest = {
        member_id: _Basis(group_id, amount)
        for member_id, group_id, amount in _fetch(
            rows.order_by("member_id", "effective_from").values_list(
                "member_id", "group_id", "amount"
            )
        )
    }
    missing = [member_id for member_id in member_ids if member_id not in latest]
    for start in range(0, len(missing), BATCH_SIZE):
        rows = FeeBasis.objects.filter(
            member_id__in=missing[start : start + BATCH_SIZE], effective_from__lte=month
        ).order_by("member_id", "effective_from")
        for member_id, group_id, amount in rows.values_list("member_id", "group_id", "amount"):
            latest[member_id] = _Basis(group_id, amount)
    return latest


def _best_reliefs(committee_id: int, month: dt.date) -> dict[int, _Relief]:
    best: dict[int, _Relief] = {}
    rows = FeeRelief.objects.filter(
        Q(end_month__isnull=True) | Q(end_month__gte=month),
        member_id__in=_member_ids(committee_id),
        withdrawn_at__isnull=True,
        start_month__lte=month,
    ).values_list("member_id", "id", "percent", "reason")
    for member_id, relief_id, percent, reason in rows:
        seen = best.get(member_id)
        if seen is None or percent > seen.percent:
            best[member_id] = _Relief(relief_id, percent, reason)
    return best


def _existing(committee_id: int, month: dt.date) -> dict[int, tuple]:
    """{member id: (committee_id, cell_id, …DUE_FIELDS…)} of the committee's rows of the
    month (its (committee, month) index). A member's row computed by another committee is
    not read: the upsert leaves it alone (see _skipped_elsewhere)."""
    rows = MonthlyDue.objects.filter(committee_id=committee_id, month=month)
    return {row[0]: row[1:] for row in _fetch(rows.values_list("member_id", *DUE_FIELDS))}


def _skipped_elsewhere(committee_id: int, month: dt.date, member_ids: list[int]) -> set[int]:
    """Which of these members have the month's row in another committee (only asked when the
    upsert wrote fewer rows than it was given)."""
    found: set[int] = set()
    for start in range(0, len(member_ids), BATCH_SIZE):
        rows = MonthlyDue.objects.filter(
            month=month, member_id__in=member_ids[start : start + BATCH_SIZE]
        ).exclude(committee_id=committee_id)
        found.update(rows.values_list("member_id", flat=True))
    return found


def _count(run: DuesRun, figures, sign: int = 1) -> None:
    if figures.missing:
        setattr(run, figures.missing, getattr(run, figures.missing) + sign)
        return
    run.computed += sign
    run.total += sign * figures.amount
    if figures.relief_percent == 100:
        run.exempt += sign
        if figures.relief_reason == calc.PARTY_AGE:
            run.party_age_exempt += sign
    elif figures.relief_percent:
        run.reduced += sign


@transaction.atomic
def dues_compute(*, committee: Committee, month: dt.date, cells=None, actor=None) -> DuesRun:
    """Compute (insert or update) the committee's dues for `month`, or only those of `cells`.
    Idempotent; closed cell months are not touched."""
    month = calc.month_start(month)
    committee_id = committee.pk
    # Closing a cell's month takes the same lock: the books read as open below stay open
    # until this transaction ends.
    lock_committee_fees(committee_id)
    if connection.vendor == "postgresql":
        # The rows are derived data, recomputed at will: the commit need not wait for the
        # disk (a crash may lose the last computation, never corrupt anything).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    run = DuesRun(committee=committee.slug, month=f"{month:%Y-%m}")

    fee_settings = settings_for(committee_id, month)
    if fee_settings is None:
        run.no_settings = True
        fee_settings = FeeSettings()  # the model's defaults: whole đồng, half up, 50 years
    unit, mode = fee_settings.rounding_unit, fee_settings.rounding_mode
    exempt_years = fee_settings.exemption_party_age_years
    rules = rules_for(committee_id, month)

    closed = dict(
        CellMonthBook.objects.filter(
            committee_id=committee_id, month=month, status=CellMonthBook.Status.CLOSED
        ).values_list("cell_id", "cell__name")
    )
    run.cells_closed = sorted(closed.values())
    cell_ids = None if cells is None else {getattr(c, "pk", c) for c in cells}

    members = _fetch(owing_members(committee_id, month, cells))
    member_ids = [member_id for member_id, _cell in members]
    bases = _latest_bases(committee_id, month, member_ids)
    reliefs = _best_reliefs(committee_id, month)
    old_enough = party_age_exempt(committee_id, month, exempt_years)
    existing = _existing(committee_id, month)
    now = timezone.now()

    to_write: list[tuple] = []
    fresh: dict[int, calc.DueFigures] = {}  # no row of this committee yet
    owing_ids: set[int] = set()
    due_figures = calc.due_figures
    for member_id, cell_id in members:
        owing_ids.add(member_id)
        if cell_id in closed:
            run.skipped_closed += 1
            continue
        old = existing.get(member_id)
        if old is not None and old[1] in closed:  # computed in a cell the member has left
            run.skipped_closed += 1
            continue
        run.members += 1
        basis = bases.get(member_id)
        figures = due_figures(
            basis=basis,
            rule=rules.get(basis.group_id) if basis is not None else None,
            relief=reliefs.get(member_id),
            party_age_exempt=member_id in old_enough,
            unit=unit,
            mode=mode,
        )
        _count(run, figures)
        values = (
            committee_id,
            cell_id,
            figures.group_id,
            figures.rule_id,
            figures.basis_amount,
            figures.rate_bp,
            figures.gross,
            figures.relief_percent,
            figures.relief_id,
            figures.relief_reason,
            figures.amount,
            figures.basis_missing,
        )
        if old == values:
            run.unchanged += 1
            continue
        to_write.append((member_id, *values))
        if old is None:
            fresh[member_id] = figures

    # The payment codes shown for the month need each member's and cell's number: given here,
    # in bulk, so the pages and the API that show codes only read them.
    run.refs_given = refs_assign(
        committee_id, list(owing_ids), sorted({cell_id for _m, cell_id in members})
    )
    run.written = _upsert(to_write, month, now)
    if run.written < len(to_write):  # rows of members computed by another committee
        for member_id in _skipped_elsewhere(committee_id, month, list(fresh)):
            run.members -= 1
            run.skipped_other_committee += 1
            _count(run, fresh[member_id], -1)

    stale = [
        member_id
        for member_id, old in existing.items()
        if member_id not in owing_ids
        and old[0] == committee_id
        and old[1] not in closed
        and (cell_ids is None or old[1] in cell_ids)
    ]
    for start in range(0, len(stale), BATCH_SIZE):
        MonthlyDue.objects.filter(
            month=month, committee_id=committee_id, member_id__in=stale[start : start + BATCH_SIZE]
        ).delete()
    run.removed = len(stale)

    if run.written or run.removed:
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            committee=committee,
            object_type="fees.monthlydue",
            object_id=f"{month:%Y-%m}",
            object_label=_("Dues of %(month)s") % {"month": f"{month:%m/%Y}"},
            changes={
                "written": run.written,
                "removed": run.removed,
                "total": run.total,
                "cells": None if cell_ids is None else sorted(cell_ids),
            },
        )
    return run


def dues_compute_all(
    *, month: dt.date | None = None, actor=None, workers: int = 1
) -> list[DuesRun]:
    """Compute the month (default: the current one) for every committee with members; one
    transaction per committee. Run monthly from cron: `capuyso fees_compute_dues --all`.

    On PostgreSQL `workers` > 1 computes that many committees at the same time, each in its
    own process and connection (the database does most of the work; on 2 cores a city of
    400,000 members takes about half the time). SQLite has one writer: always 1 there."""
    committee_ids = list(
        Committee.objects.filter(pk__in=Member.objects.values("committee_id").distinct())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return dues_compute_many(
        committee_ids=committee_ids,
        month=month or timezone.localdate(),
        actor=actor,
        workers=workers,
    )


def dues_compute_many(
    *, committee_ids: list[int], month: dt.date, actor=None, workers: int = 1
) -> list[DuesRun]:
    """dues_compute for each committee, in order, in `workers` processes on PostgreSQL."""
    month = calc.month_start(month)
    serial = (
        connection.vendor != "postgresql"
        or workers <= 1
        or len(committee_ids) < 2
        or connection.in_atomic_block  # other processes would not see this transaction
    )
    if serial:
        return [
            dues_compute(committee=Committee.objects.get(pk=pk), month=month, actor=actor)
            for pk in committee_ids
        ]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections

    connections.close_all()  # each process opens its own connection
    actor_id = actor.pk if actor is not None else None
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        results = pool.map(
            _compute_one,
            committee_ids,
            [month] * len(committee_ids),
            [actor_id] * len(committee_ids),
        )
        return [DuesRun(**result) for result in results]


def _compute_one(committee_id: int, month: dt.date, actor_id: int | None) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connections

    try:
        actor = get_user_model().objects.get(pk=actor_id) if actor_id else None
        committee = Committee.objects.get(pk=committee_id)
        return dues_compute(committee=committee, month=month, actor=actor).as_dict()
    finally:
        connections.close_all()


def dues_compute_start(*, actor, committee: Committee, month: dt.date):
    """Compute a month in the background: a Job the user can follow on the jobs page."""
    from capuyso.fees.tasks import compute_dues_task
    from capuyso.jobs.services import job_start

    month = calc.month_start(month)
    return job_start(
        actor=actor,
        kind="fees.dues",
        title=_("Compute the party fee dues of %(month)s") % {"month": f"{month:%m/%Y}"},
        task=compute_dues_task,
        committee_id=committee.pk,
        month=month.isoformat(),
    )
