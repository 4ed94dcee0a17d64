"""The platform-wide search at archive scale: synthetic items, then query latencies.

    .venv/bin/python -m bench.search [--items 1000000] [--words 40] [--n 30] [--rebuild]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m bench.search --items 200000

Prints one JSON object per line on stdout (progress on stderr), like `capuyso bench`:

    {"name": "search.build", "database": "sqlite", "items": 1000000, "seconds": …, …}
    {"name": "search.typical", "queries": 24, "n": 30, "p50_ms": …, "p95_ms": …,
     "target_p95_ms": 50, "pass": true}
    {"name": "search.common", "query": "dang", "matches": …, "p50_ms": …, "p95_ms": …,
     "target_p95_ms": 150, "pass": true}
    {"name": "search.query", "query": "ke hoach chuyen doi so", "p50_ms": …, …}   # each one

The targets are the archive issue's: under 50 ms p95 for typical two- or three-word
queries, under 150 ms p95 for a very common word ranked by relevance.

Decisions:
- Its own database, never your working one: the SQLite file
  `$CAPUYSO_DATA_DIR/bench-search-<items>.sqlite3`, or on PostgreSQL the database
  `capuyso_bench_search_<items>` (created from the server named by DATABASE_URL). A built
  dataset is reused; `--rebuild` deletes it first.
- The items: the archive's items do not exist yet (the archive half of the issue), so the
  searchable rows are dossiers of one committee (90 %) and of a second committee (10 %,
  the other tenant on the same tables), each indexed as an archive item would be: a title
  (“Kế hoạch chuyển đổi số thôn Đồng Cát năm 2024”), a reference (“123-KH/ĐU”) and
  `--words` words of text drawn from Party paperwork with a skewed word frequency (“đảng”
  is in most items, a place or a person's name in few). The permission check per hit is
  the real one: an EXISTS on the dossier row for a clerk's committee-wide right.
- Rows are written with `executemany` (ids given in Python), the index through the real
  `capuyso.search.index.entry_for` and the SQLite triggers / PostgreSQL generated column.
- Timed: `capuyso.search.services.search()` for a clerk of the committee, a page of 20
  hits with their snippets and highlights, the user's access recomputed each time as in a
  request. Each query is run once to warm up, then `--n` times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import uuid

SEED = 1930
TARGET_TYPICAL_MS = 50.0
TARGET_COMMON_MS = 150.0
BATCH = 20_000

DOC_TYPES = [
    ("Kế hoạch", "KH"),
    ("Báo cáo", "BC"),
    ("Nghị quyết", "NQ"),
    ("Thông báo", "TB"),
    ("Công văn", "CV"),
    ("Quyết định", "QĐ"),
    ("Tờ trình", "TTr"),
    ("Biên bản", "BB"),
    ("Chương trình", "CTr"),
    ("Hướng dẫn", "HD"),
]
ISSUERS = ["ĐU", "TU", "UBND", "MTTQ", "HU", "CB"]
TOPICS = [
    "chuyển đổi số",
    "thu nộp đảng phí",
    "phát triển đảng viên mới",
    "kiểm điểm tập thể cá nhân",
    "học tập nghị quyết",
    "xây dựng nông thôn mới",
    "phòng chống thiên tai",
    "an ninh trật tự",
    "bầu cử đại biểu",
    "đại hội chi bộ",
    "công tác kiểm tra giám sát",
    "tuyên truyền pháp luật",
    "giảm nghèo bền vững",
    "tiêm chủng mở rộng",
    "chỉnh trang đô thị",
    "giải phóng mặt bằng",
    "thi đua khen thưởng",
    "quản lý đất đai",
    "vệ sinh môi trường",
    "dân vận khéo",
    "xóa nhà tạm",
    "cải cách hành chính",
    "khuyến học khuyến tài",
    "chăm sóc người có công",
    "quốc phòng toàn dân",
    "phòng cháy chữa cháy",
    "sinh hoạt chuyên đề",
    "tổng kết năm",
    "sơ kết sáu tháng",
    "đánh giá xếp loại",
    "miễn sinh hoạt đảng",
    "chuyển sinh hoạt đảng",
    "trao huy hiệu đảng",
    "quy hoạch cán bộ",
    "bảo vệ nền tảng tư tưởng",
    "văn hóa cơ sở",
    "y tế học đường",
    "nước sạch nông thôn",
    "đường giao thông liên thôn",
    "hỗ trợ sinh kế",
]
PLACES = [
    "thôn Đồng Cát",
    "thôn Xuân Lai",
    "thôn Phú Mỹ",
    "thôn Hòa Bình",
    "thôn Thượng",
    "thôn Hạ",
    "thôn Đông",
    "thôn Tây",
    "xóm Mới",
    "xóm Chùa",
    "khu Tân Lập",
    "khu Đồi Thông",
    "trường Tiểu học Phú Cát",
    "trường Mầm non Hoa Sen",
    "trạm Y tế xã",
    "hợp tác xã Nông nghiệp",
    "công an xã",
    "ban chỉ huy quân sự",
    "đoàn thanh niên",
    "hội Phụ nữ",
    "hội Nông dân",
    "hội Cựu chiến binh",
    "mặt trận Tổ quốc",
    "văn phòng Đảng ủy",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Hữu", "Thanh", "Quang", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Minh", "Nga", "Phúc"]
COMMON = [
    "Đảng ủy xã",
    "chi bộ",
    "đảng viên",
    "thực hiện",
    "công tác",
    "kết quả",
    "năm",
    "các đồng chí",
    "đề nghị",
    "triển khai",
    "theo dõi",
    "báo cáo",
]
SENTENCES = [
    "Căn cứ {doc} số {ref} của {issuer_name} về {topic}.",
    "{common} {topic} tại {place} đạt kết quả {grade}.",
    "Đề nghị {place} triển khai {topic} trước ngày {day}.",
    "Đồng chí {person} phụ trách {topic}, báo cáo {common} định kỳ.",
    "Trong {period}, {place} đã hoàn thành {percent}% chỉ tiêu {topic}.",
    "Các chi bộ quán triệt {topic} đến từng đảng viên.",
    "Kinh phí {topic} năm {year} là {money} đồng.",
    "Ban Thường vụ Đảng ủy thống nhất {topic} ở {place}.",
    "{common} tiếp tục {topic}, khắc phục hạn chế {period}.",
]
GRADES = ["tốt", "khá", "trung bình", "xuất sắc"]
PERIODS = ["quý I", "quý II", "quý III", "quý IV", "sáu tháng đầu năm", "năm trước"]
ISSUER_NAMES = ["Thành ủy", "Huyện ủy", "Đảng ủy xã", "Ủy ban nhân dân xã", "Mặt trận Tổ quốc"]

TYPICAL = [
    "ke hoach chuyen doi so",
    "chuyển đổi số",
    "thu nop dang phi",
    "dang phi dong cat",
    "phát triển đảng viên",
    "kiem diem tap the",
    "nghi quyet hoc tap",
    "nông thôn mới xuân lai",
    "phong chong thien tai",
    "bau cu dai bieu",
    "dai hoi chi bo",
    "kiểm tra giám sát",
    "giam ngheo ben vung",
    "tiem chung mo rong",
    "giai phong mat bang",
    "quan ly dat dai",
    "xoa nha tam",
    "cai cach hanh chinh",
    "nguyen van binh",
    "Trần Thị Hạnh",
    "huy hieu dang",
    "truong tieu hoc phu cat",
    "ve sinh moi truong thon dong",
    "123-KH/ĐU",
]
COMMON_QUERIES = ["dang", "Đảng", "chi bo"]


def _out(line: dict) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(samples: list[float], q: int) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


# --- the database --------------------------------------------------------------------------


def use_own_database(items: int, rebuild: bool, suffix: str = "") -> str:
    """Point the default connection at the benchmark's own database; returns its vendor."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    connection = connections["default"]
    if connection.vendor == "sqlite":
        path = settings.DATA_DIR / f"bench-search-{items}{suffix}.sqlite3"
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(f"{path}{suffix}"):
                    os.remove(f"{path}{suffix}")
        _switch(NAME=path)
    elif connection.vendor == "postgresql":
        name = f"capuyso_bench_search_{items}{suffix.replace('-', '_')}"
        _switch(NAME="postgres")
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cursor:
            if rebuild:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        _switch(NAME=name)
    else:
        raise SystemExit(f"unsupported database {connection.vendor}")
    _log(f"migrating {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0, interactive=False)
    return connection.vendor


def _switch(**values) -> None:
    from django.conf import settings
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict.update(values)
    settings.DATABASES["default"].update(values)


# --- the data --------------------------------------------------------------------------------


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _skewed(rng: random.Random, values: list[str]) -> str:
    """A value drawn with a Zipf-like skew: the first ones are much more frequent."""
    return values[min(int(rng.paretovariate(1.0)) - 1, len(values) - 1)]


def item_text(rng: random.Random, words: int) -> tuple[str, str, int, str]:
    """(title, reference, year, body) of one synthetic archived item."""
    doc, abbreviation = rng.choice(DOC_TYPES)
    topic = _skewed(rng, TOPICS) if rng.random() < 0.5 else rng.choice(TOPICS)
    place = rng.choice(PLACES)
    year = rng.randint(2000, 2026)
    title = f"{doc} {topic} {place} năm {year}"
    reference = f"{rng.randint(1, 500)}-{abbreviation}/{rng.choice(ISSUERS)}"
    sentences: list[str] = []
    count = 0
    while count < words:
        template = rng.choice(SENTENCES)
        sentence = template.format(
            doc=rng.choice(DOC_TYPES)[0],
            ref=f"{rng.randint(1, 500)}-{rng.choice(DOC_TYPES)[1]}/{rng.choice(ISSUERS)}",
            issuer_name=rng.choice(ISSUER_NAMES),
            topic=rng.choice(TOPICS),
            common=_skewed(rng, COMMON).capitalize(),
            place=rng.choice(PLACES),
            grade=rng.choice(GRADES),
            day=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}",
            person=_person(rng),
            period=rng.choice(PERIODS),
            percent=rng.randint(50, 100),
            year=year,
            money=f"{rng.randint(1, 900)}.000.000",
        )
        sentences.append(sentence)
        count += len(sentence.split())
    return title, reference, year, " ".join(sentences)


def build(items: int, words: int, committees: int = 2, spread: bool = False) -> dict:
    """`committees` committees, a clerk of the first, `items` dossiers with their index
    rows: 90 % in the first committee, or the same share in each with `spread`."""
    from django.db import connection, transaction
    from django.utils import timezone

    from capuyso.accounts import services as account_services
    from capuyso.accounts.roles import Role
    from capuyso.archive.models import Dossier
    from capuyso.core.text import fold
    from capuyso.org import services as org_services
    from capuyso.org.models import Unit
    from capuyso.search.index import entry_fields
    from capuyso.search.models import SearchEntry
    from capuyso.search.registry import IndexDocument

    rng = random.Random(SEED)
    with transaction.atomic():
        main = org_services.committee_create(
            actor=None, slug="bench-search", name="Đảng bộ xã Phú Cát (bench)"
        )
        others = [
            org_services.committee_create(
                actor=None, slug=f"bench-search-{n}", name=f"Đảng bộ xã số {n} (bench)"
            )
            for n in range(2, committees + 1)
        ]
        clerk, _ = account_services.user_create(
            actor=None,
            committee=main,
            username="bench-search-clerk",
            full_name="Văn thư",
            password=None,
        )
        office = Unit.objects.get(committee=main, kind=Unit.Kind.OFFICE)
        account_services.position_assign(actor=None, user=clerk, role=Role.CLERK, unit=office)
    now = timezone.now()
    dossier_columns = [
        "id",
        "code",
        "created_at",
        "updated_at",
        "committee_id",
        "file_number",
        "title",
        "title_folded",
        "year",
    ]
    entry_columns = [
        "id",
        "committee_id",
        "kind",
        "object_id",
        "code",
        "title",
        "reference",
        "reference_folded",
        "body",
        "title_folded",
        "body_folded",
        "exact",
        "meta",
        "date",
        "year",
        "type_label",
        "source_name",
        "indexed_at",
    ]
    dossier_sql = (
        f"INSERT INTO {Dossier._meta.db_table} ({', '.join(dossier_columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(dossier_columns))})"
    )
    entry_sql = (
        f"INSERT INTO {SearchEntry._meta.db_table} ({', '.join(entry_columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(entry_columns))})"
    )
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)

    def uuid_value(code: uuid.UUID):
        return code.hex if connection.vendor == "sqlite" else code

    started = time.monotonic()
    written = 0.0
    text_chars = 0
    for start in range(1, items + 1, BATCH):
        dossiers, entries = [], []
        for pk in range(start, min(start + BATCH, items + 1)):
            if spread:  # every committee the same share (a city's communes)
                committee = main if pk % committees == 0 else others[pk % committees - 1]
            else:  # one commune with 90 %, its neighbours the rest
                committee = others[pk % len(others)] if pk % 10 == 0 and others else main
            title, reference, year, body = item_text(rng, words)
            text_chars += len(body)
            code = uuid.UUID(int=rng.getrandbits(128), version=4)
            dossiers.append(
                (
                    pk,
                    uuid_value(code),
                    stamp,
                    stamp,
                    committee.pk,
                    str(pk),
                    title,
                    fold(title),
                    year,
                )
            )
            entry = entry_fields(
                "dossier",
                pk,
                code,
                IndexDocument(
                    committee_id=committee.pk,
                    title=title,
                    body=body,
                    reference=reference,
                    date=dt.date(year, 1, 1) + dt.timedelta(days=pk % 365),
                    year=year,
                ),
            )
            values = {
                "id": pk,
                "committee_id": committee.pk,
                "object_id": pk,
                "code": uuid_value(code),
                "date": ops.adapt_datefield_value(entry["date"]),
                "indexed_at": stamp,
            }
            entries.append(tuple(values.get(n, entry.get(n)) for n in entry_columns))
        writing = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(dossier_sql, dossiers)
            cursor.executemany(entry_sql, entries)
        written += time.monotonic() - writing
        _log(
            f"  {min(start + BATCH - 1, items):>9,} items, {time.monotonic() - started:6.1f} s "
            f"({written:.1f} s writing)"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (Dossier._meta.db_table, SearchEntry._meta.db_table):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [items]
                )
                cursor.execute(f"ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_entry_fts(search_entry_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
    return {
        "seconds": round(time.monotonic() - started, 1),
        "writing_seconds": round(written, 1),
        "average_text_chars": round(text_chars / max(items, 1)),
    }


# --- the measurements --------------------------------------------------------------------------


def _time(user, query: str, n: int) -> tuple[list[float], list[float], int]:
    """Wall-clock and CPU milliseconds of `n` searches (CPU time of this process: with
    SQLite, in-process, it is the search's own cost whatever else the machine runs)."""
    from capuyso.accounts.permissions import forget_access
    from capuyso.search.services import search

    forget_access(user)
    hits = len(search(user=user, query=query).hits)  # warm-up
    wall, cpu = [], []
    for _ in range(n):
        forget_access(user)
        started, started_cpu = time.perf_counter(), time.process_time()
        search(user=user, query=query)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu, hits


def _figures(wall: list[float], cpu: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(wall), 1),
        "p95_ms": round(percentile(wall, 95), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(percentile(cpu, 95), 1),
    }


def _matches(committee_id: int, query: str) -> int:
    """How many index rows of the committee hold every word (what the cap ranks within)."""
    from django.db import connection

    from capuyso.search import backends
    from capuyso.search.services import parse_query

    parsed = parse_query(query)
    plan = backends.Plan(
        committee_id=committee_id, kinds=["dossier"], where=None, words=parsed.words
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM search_entry_fts WHERE search_entry_fts MATCH %s",
                [backends.fts_match(plan)],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM search_entry WHERE tsv @@ %s::tsquery",
                [backends.tsquery(plan)],
            )
        return cursor.fetchone()[0]


def measure(n: int) -> None:
    from capuyso.accounts.models import User
    from capuyso.search.services import CANDIDATE_CAP

    clerk = User.objects.get(username="bench-search-clerk")
    typical_wall: list[float] = []
    typical_cpu: list[float] = []
    for query in TYPICAL:
        wall, cpu, hits = _time(clerk, query, n)
        typical_wall += wall
        typical_cpu += cpu
        _out(
            {
                "name": "search.query",
                "query": query,
                "matches": _matches(clerk.committee_id, query),
                "hits_on_page": hits,
                **_figures(wall, cpu),
            }
        )
    p95 = percentile(typical_wall, 95)
    _out(
        {
            "name": "search.typical",
            "queries": len(TYPICAL),
            "n": n,
            **_figures(typical_wall, typical_cpu),
            "target_p95_ms": TARGET_TYPICAL_MS,
            "pass": p95 < TARGET_TYPICAL_MS,
            "load_average": round(os.getloadavg()[0], 1),
        }
    )
    for query in COMMON_QUERIES:
        wall, cpu, hits = _time(clerk, query, n)
        p95 = percentile(wall, 95)
        _out(
            {
                "name": "search.common",
                "query": query,
                "matches": _matches(clerk.committee_id, query),
                "ranked_within": CANDIDATE_CAP,
                "n": n,
                **_figures(wall, cpu),
                "target_p95_ms": TARGET_COMMON_MS,
                "pass": p95 < TARGET_COMMON_MS,
                "load_average": round(os.getloadavg()[0], 1),
            }
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--words", type=int, default=40, help="words of text per item")
    parser.add_argument("--n", type=int, default=30, help="timed runs per query")
    parser.add_argument("--rebuild", action="store_true", help="delete the dataset first")
    parser.add_argument("--committees", type=int, default=2, help="committees sharing it")
    parser.add_argument(
        "--spread", action="store_true", help="the same share per committee (else 90 %% in one)"
    )
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    from capuyso.org.models import Committee
    from capuyso.search.models import SearchEntry

    suffix = ""
    if options.committees != 2 or options.spread:
        suffix = f"-c{options.committees}" + ("-spread" if options.spread else "")
    vendor = use_own_database(options.items, options.rebuild, suffix)
    if not Committee.objects.filter(slug="bench-search").exists():
        _log(f"building {options.items:,} items of ~{options.words} words ({vendor})")
        built = build(options.items, options.words, options.committees, options.spread)
        size = None
        if vendor == "sqlite":
            size = os.path.getsize(connection.settings_dict["NAME"])
        _out(
            {
                "name": "search.build",
                "database": vendor,
                "items": options.items,
                "committees": options.committees,
                "spread": options.spread,
                "words_per_item": options.words,
                **built,
                "database_bytes": size,
            }
        )
    else:
        _log("reusing the dataset")
    _out(
        {
            "name": "search.data",
            "database": vendor,
            "index_rows": SearchEntry.objects.count(),
        }
    )
    measure(options.n)


if __name__ == "__main__":
    main()
