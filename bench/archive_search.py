"""The platform-wide search over the archive at the issue's volume: archived items with about
one page of text each (bench/archive_text.py), then query latencies.

    CAPUYSO_DATA_DIR=/tmp/b .venv/bin/python -m bench.archive_search --items 1000000 --drop
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m bench.archive_search --items 1000000 --committees 32 --spread --drop

Prints one JSON object per line on stdout (progress on stderr), like `capuyso bench`:

    {"name": "archive_search.build", "database": "sqlite", "items": 1000000, "seconds": …}
    {"name": "archive_search.query", "query": "ke hoach chuyen doi so", "matches": …, …}
    {"name": "archive_search.typical", "p50_ms": …, "p95_ms": …, "target_p95_ms": 50, …}
    {"name": "archive_search.common", "query": "dang", "p95_ms": …, "target_p95_ms": 150, …}

The targets are the archive issue's: under 50 ms p95 for typical two- or three-word queries,
under 150 ms p95 for a very common word ranked by relevance, on SQLite and on PostgreSQL at
city scale (`--committees 32 --spread`: the items spread evenly over 32 communes).

Decisions:
- Its own database, never your working one (bench.search.use_own_database): the SQLite
  file `$CAPUYSO_DATA_DIR/bench-search-<items>-archive….sqlite3`, or the PostgreSQL database
  `capuyso_bench_search_<items>_archive…`. Reused when built; `--rebuild` starts afresh,
  `--drop` deletes it after measuring (a million pages take several GB).
- Real rows: `archive_archiveitem` rows with their text (1 % disposed of), filed in dossiers
  of their year (each with a responsible unit), and their `search_entry` rows made by the
  archive's own source (`ArchiveItemSource.document`, text cap included) and
  `capuyso.search.index.entry_fields`; the full-text index through the SQLite triggers, or
  on PostgreSQL the generated tsvector with its GIN index built after the load (one index
  build instead of a million insertions into it).
- The pages are made by `--workers` processes (default 2) while the main one writes them;
  each batch has its own seed, so a dataset is the same whatever the workers.
- Timed: `capuyso.search.services.search()` for the main committee's clerk (a page of 20
  hits with snippets and highlights, the user's access recomputed each time as in a
  request): every kind the clerk may see. One warm-up, then `--n` runs; wall and CPU time
  of this process (with SQLite in-process, CPU is the search's own cost whatever else
  the machine runs; with PostgreSQL the server's time is in the wall time only).

Measured (2 cores; ~2,050 characters per page, 989,914 index rows, ranked within the newest
500 matches):

- build: SQLite 629 s (13.8 GB); PostgreSQL 435 s to load + 304 s for the GIN index
  (14.0 GB with search 0006), 28/11/2026 (1,343 s to load on the machine of the day before);
- SQLite, 1,000,000 pages, 90 % in one commune (load 3.1): typical p50 18.7 ms, p95
  34.3 ms (CPU 15.4 / 27.5); common words p95 13.9–24.2 ms ("dang": 890,871 matches);
- PostgreSQL, the same million over 32 communes, idle machine (load 0.7), 28/11/2026, with
  search 0006: typical p50 27.5 ms, p95 35.2 ms (client CPU p50 11.3 ms); common words
  p95 20.8–24.9 ms ("dang": 30,935 matches in the commune). The same data in the layout of
  0005, measured between the two migrations: typical p50 25.9, p95 38.3 ms, but with the
  client's CPU 30 % faster that hour (p50 8.7 ms): the machine's speed drifts by that much.
  0006 measured apart, on one commune's rows copied into the two layouts and ranked in
  turn: the ranking of 500 candidates, median 10.5 → 6.1 ms. Migrating the million rows:
  0006 514 s, back to 0005 589 s. (On 27/11/2026 the same code as 0005 measured typical
  p95 62.2 ms, 82.0 ms before 0005, on a machine that also loaded the data 3 times slower.)
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Iterator

from bench.archive_rows import (
    ENTRY_COLUMNS,
    FIRST_YEAR,
    ITEM_COLUMNS,
    LAST_YEAR,
    Plan,
    init_worker,
    work,
)
from bench.archive_text import DOC_TYPES
from bench.search import _figures, _log, _out, _switch, _time, percentile, use_own_database

BATCH = 5_000
TARGET_TYPICAL_MS = 50.0
TARGET_COMMON_MS = 150.0
DOSSIERS_PER_YEAR = 20

TYPICAL = [
    "ke hoach chuyen doi so",
    "chuyển đổi số",
    "thu nop dang phi",
    "phát triển đảng viên",
    "kiem diem tap the",
    "phong chong thien tai",
    "bau cu dai bieu",
    "dai hoi chi bo",
    "kiểm tra giám sát",
    "giam ngheo ben vung",
    "tiem chung mo rong",
    "giai phong mat bang",
    "xoa nha tam",
    "cai cach hanh chinh",
    "tu sua de bao",
    "nguyen van binh",
    "Trần Thị Hạnh",
    "dang minh huyen",
    "thon khe lu",
    "xom ben da",
    "huy hieu dang",
    "nuoc sach nong thon",
    "bien ban chi bo",
    "123-KH/ĐU",
]
COMMON = ["dang", "Đảng", "chi bo", "thuc hien"]


# --- the build ---------------------------------------------------------------------------------


def _setup(committees: int, spread: bool) -> Plan:
    """The committees (communes under a city committee), the clerk of the first, the
    dossiers of each year, and the document types."""
    from django.db import transaction

    from capuyso.accounts import services as account_services
    from capuyso.accounts.roles import Role
    from capuyso.archive.models import Dossier
    from capuyso.core.text import fold
    from capuyso.documents.models import DocumentType
    from capuyso.org import services as org_services
    from capuyso.org.models import Committee, Unit

    with transaction.atomic():
        city = org_services.committee_create(
            actor=None,
            slug="bench-archive-city",
            name="Thành ủy (bench)",
            level=Committee.Level.CITY,
        )
        made = [
            org_services.committee_create(
                actor=None,
                slug="bench-archive" if n == 1 else f"bench-archive-{n}",
                name=f"Đảng bộ xã số {n} (bench)",
                parent=city,
            )
            for n in range(1, committees + 1)
        ]
        clerk, _ = account_services.user_create(
            actor=None,
            committee=made[0],
            username="bench-archive-clerk",
            full_name="Văn thư",
            password=None,
        )
        office = Unit.objects.get(committee=made[0], kind=Unit.Kind.OFFICE)
        account_services.position_assign(actor=None, user=clerk, role=Role.CLERK, unit=office)
        dossiers: dict = {}
        for committee in made:
            units = list(Unit.objects.filter(committee=committee).values_list("pk", flat=True))
            rows = []
            for year in range(FIRST_YEAR, LAST_YEAR + 1):
                for number in range(1, DOSSIERS_PER_YEAR + 1):
                    title = f"Hồ sơ số {number:02d} năm {year}"
                    rows.append(
                        Dossier(
                            committee=committee,
                            file_number=f"{number:02d}",
                            title=title,
                            title_folded=fold(title),
                            year=year,
                            unit_id=units[number % len(units)],
                        )
                    )
            for dossier in Dossier.objects.bulk_create(rows, batch_size=1000):
                key = (committee.pk, dossier.year)
                dossiers.setdefault(key, []).append((dossier.pk, dossier.unit_id))
        if not dossiers[(made[0].pk, FIRST_YEAR)][0][0]:  # a backend without RETURNING
            raise SystemExit("bulk_create gave no ids")
        wanted = {abbreviation for _name, abbreviation in DOC_TYPES}
        types = {
            (row.committee_id, row.abbreviation): (row.pk, row.name)
            for row in DocumentType.objects.filter(
                committee__in=made, abbreviation__in=wanted
            ).only("pk", "committee_id", "abbreviation", "name")
        }
    assert Committee.objects.filter(slug="bench-archive").exists()
    return Plan([c.pk for c in made], spread, dossiers, types)


def _insert_sql(table: str, columns: list[str]) -> str:
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608


def build(items: int, committees: int, spread: bool, workers: int) -> dict:
    from django.db import connection, transaction

    plan = _setup(committees, spread)
    vendor = connection.vendor
    started = time.monotonic()
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS search_entry_tsv")
    pragmas = ["PRAGMA cache_size = -2000000", "PRAGMA synchronous = OFF"]  # a bulk load
    bounds = [(first, min(first + BATCH - 1, items)) for first in range(1, items + 1, BATCH)]
    written = 0.0
    chars = indexed = 0
    context = multiprocessing.get_context("fork")
    connection.close()  # the workers must not share it
    with context.Pool(workers, initializer=init_worker, initargs=(plan, vendor)) as pool:
        for rows, entries, size in _bounded(pool, bounds, ahead=workers + 2):
            writing = time.monotonic()
            if vendor == "sqlite" and pragmas:
                with connection.cursor() as cursor:
                    for pragma in pragmas:
                        cursor.execute(pragma)
                pragmas = []
            with transaction.atomic():
                _write(connection, "archive_archiveitem", ITEM_COLUMNS, rows)
                _write(connection, "search_entry", ENTRY_COLUMNS, entries)
            written += time.monotonic() - writing
            chars += size
            indexed += len(entries)
            last = rows[-1][0]
            if last % 50_000 < BATCH or last == items:
                elapsed = time.monotonic() - started
                _log(f"  {last:>9,} items, {elapsed:6.1f} s ({written:.1f} s writing)")
    loaded = time.monotonic() - started
    finishing = time.monotonic()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            for table in ("archive_archiveitem", "search_entry"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [items]
                )
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("CREATE INDEX search_entry_tsv ON search_entry USING gin (tsv)")
            cursor.execute("VACUUM ANALYZE search_entry")
            cursor.execute("VACUUM ANALYZE archive_archiveitem")
        else:
            cursor.execute("INSERT INTO search_entry_fts(search_entry_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
    return {
        "seconds": round(time.monotonic() - started, 1),
        "load_seconds": round(loaded, 1),
        "writing_seconds": round(written, 1),
        "index_finish_seconds": round(time.monotonic() - finishing, 1),
        "index_rows": indexed,
        "average_text_chars": round(chars / max(items, 1)),
        "workers": workers,
    }


def _bounded(pool, bounds: list[tuple[int, int]], ahead: int):
    """The batches in order, with at most `ahead` made before they are written (Pool.imap
    would make them all, faster than they are written, and hold them in memory)."""
    pending: deque = deque()
    upcoming = iter(bounds)
    for first_last in itertools.islice(upcoming, ahead):
        pending.append(pool.apply_async(work, (first_last,)))
    while pending:
        result = pending.popleft().get()
        following = next(upcoming, None)
        if following is not None:
            pending.append(pool.apply_async(work, (following,)))
        yield result


def _write(connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: COPY
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    with connection.cursor() as cursor:
        cursor.executemany(_insert_sql(table, columns), rows)


# --- the measurements -----------------------------------------------------------------------------


def _matches(committee_id: int, query: str) -> int:
    """The committee's index rows holding every word of the query (what is ranked within)."""
    from django.db import connection

    from capuyso.search import backends
    from capuyso.search.services import parse_query

    plan = backends.Plan(
        committee_id=committee_id, kinds=[], where=None, words=parse_query(query).words
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM search_entry_fts JOIN search_entry "
                "ON search_entry.id = search_entry_fts.rowid "
                "WHERE search_entry_fts MATCH %s AND search_entry.committee_id = %s",
                [backends.fts_match(plan), committee_id],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM search_entry WHERE tsv @@ %s::tsquery",
                [backends.tsquery(plan)],
            )
        return cursor.fetchone()[0]


def _load() -> dict:
    one, five, fifteen = os.getloadavg()
    return {"load_average": [round(one, 2), round(five, 2), round(fifteen, 2)]}


def measure(n: int) -> Iterator[dict]:
    from capuyso.accounts.models import User
    from capuyso.search.services import CANDIDATE_CAP

    clerk = User.objects.get(username="bench-archive-clerk")
    typical_wall: list[float] = []
    typical_cpu: list[float] = []
    for query in TYPICAL:
        wall, cpu, hits = _time(clerk, query, n)
        typical_wall += wall
        typical_cpu += cpu
        matches = _matches(clerk.committee_id, query)
        figures = _figures(wall, cpu)
        yield {
            "name": "archive_search.query",
            "query": query,
            "matches": matches,
            "hits_on_page": hits,
            **figures,
        }
    p95 = percentile(typical_wall, 95)
    yield {
        "name": "archive_search.typical",
        "queries": len(TYPICAL),
        "n": n,
        **_figures(typical_wall, typical_cpu),
        "target_p95_ms": TARGET_TYPICAL_MS,
        "pass": p95 < TARGET_TYPICAL_MS,
        **_load(),
    }
    for query in COMMON:
        wall, cpu, hits = _time(clerk, query, n)
        p95 = percentile(wall, 95)
        yield {
            "name": "archive_search.common",
            "query": query,
            "matches": _matches(clerk.committee_id, query),
            "ranked_within": CANDIDATE_CAP,
            "n": n,
            **_figures(wall, cpu),
            "target_p95_ms": TARGET_COMMON_MS,
            "pass": p95 < TARGET_COMMON_MS,
            **_load(),
        }


def drop(vendor: str, name) -> None:
    from django.db import connection

    connection.close()
    if vendor == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(f"{name}{suffix}"):
                os.remove(f"{name}{suffix}")
    else:
        _switch(NAME="postgres")
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    _log(f"dropped {name}")


def run(
    *,
    items: int = 1_000_000,
    n: int = 30,
    committees: int = 2,
    spread: bool = False,
    workers: int = 2,
    rebuild: bool = False,
    drop_after: bool = False,
    build_only: bool = False,
    cap: int | None = None,
) -> Iterator[dict]:
    """Build (or reuse) the dataset in its own database, measure, yield the JSON lines. The
    default connection is left pointing at that database."""
    from django.db import connection

    from capuyso.org.models import Committee
    from capuyso.search.models import SearchEntry

    suffix = f"-archive-c{committees}" + ("-spread" if spread else "")
    vendor = use_own_database(items, rebuild, suffix)
    name = connection.settings_dict["NAME"]
    if not Committee.objects.filter(slug="bench-archive").exists():
        _log(f"building {items:,} archived pages ({vendor}), {_load()}")
        built = build(items, committees, spread, workers)
        size = os.path.getsize(name) if vendor == "sqlite" else _pg_size()
        yield {
            "name": "archive_search.build",
            "database": vendor,
            "items": items,
            "committees": committees,
            "spread": spread,
            **built,
            "database_bytes": size,
            **_load(),
        }
    else:
        _log("reusing the dataset")
    yield {
        "name": "archive_search.data",
        "database": vendor,
        "index_rows": SearchEntry.objects.count(),
        "cpus": os.cpu_count(),
    }
    if not build_only:
        from capuyso.search import services

        default_cap = services.CANDIDATE_CAP
        services.CANDIDATE_CAP = cap or default_cap
        try:
            yield from measure(n)
        finally:
            services.CANDIDATE_CAP = default_cap
    if drop_after:
        drop(vendor, name)


def measure_in_bench(*, only: str = "", n: int = 30) -> Iterator[dict]:
    """For `capuyso bench` (opt-in: --only archive_search): a million pages on SQLite
    (90 % in one commune), or spread over 32 communes on PostgreSQL (city scale), in the
    benchmark's own database, reused once built. Last of the measurements: it leaves the
    connection on that database."""
    if not only.startswith("archive_search"):
        return
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    items = int(os.environ.get("CAPUYSO_BENCH_ARCHIVE_ITEMS", "1000000"))
    yield from run(items=items, n=n, committees=32 if postgres else 2, spread=postgres)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=30, help="timed runs per query")
    parser.add_argument("--committees", type=int, default=2, help="communes sharing it")
    parser.add_argument(
        "--spread", action="store_true", help="the same share per commune (else 90 %% in one)"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes making the pages")
    parser.add_argument("--rebuild", action="store_true", help="delete the dataset first")
    parser.add_argument("--drop", action="store_true", help="delete the dataset at the end")
    parser.add_argument("--build-only", action="store_true", help="build, do not measure")
    parser.add_argument(
        "--cap", type=int, help="candidates ranked per query (default: the search's own)"
    )
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    lines = run(
        items=options.items,
        n=options.n,
        committees=options.committees,
        spread=options.spread,
        workers=options.workers,
        rebuild=options.rebuild,
        drop_after=options.drop,
        build_only=options.build_only,
        cap=options.cap,
    )
    for line in lines:
        _out(line)


def _pg_size() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
