"""The members import part of the benchmark: 10,000 rows from an XLSX workbook.

    capuyso bench --scale commune --only members.import

The issue's target: “10,000 rows from XLSX in under 30 s”. Lines:

- members.import.preview: the dry run the browser shows before anything is written (read
  the workbook, match every row with the committee's files, validate): seconds;
- members.import.xlsx10k: the import for real into the dataset's main committee: read,
  plan, create 10,000 files with their revisions, one audit event. Target;
- members.import.rerun: the same workbook again, every row found unchanged (the
  idempotence check, and what a commune's second import costs).

The workbook is generated (`workbook(rows)`) the way communes keep theirs: a title row,
Vietnamese headers, the committee's cells by name (some written “CB …” or without
diacritics), Excel dates and d/m/yyyy text, some years alone, phones in several formats,
party card numbers and citizen IDs that do not clash with the dataset's (prefixes 99 and
096). Each line gives the seconds, the rows and the counts; the target line adds
`target_seconds` and `pass`.

Decisions:
- Opt-in, like the signing lines: they run only with `--only members.import` (or one of
  the three names), not with a plain run nor `--only members.` (the members pages); they
  write 10,000 files and take tens of seconds.
- Nothing stays behind: the import and the rerun run inside a transaction that is rolled
  back at the end (each import's own transaction is then a savepoint, not a commit).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
import time
from collections.abc import Callable, Iterator

from django.db import transaction

NAMES = ("members.import.preview", "members.import.xlsx10k", "members.import.rerun")
ROWS = 10_000
TARGET_SECONDS = 30.0
SEED = 2026
HEADERS = [
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Chi bộ",
    "Số thẻ đảng",
    "Số CCCD",
    "Số điện thoại",
    "Ngày vào Đảng",
    "Ngày chính thức",
    "Quê quán",
    "Nơi ở hiện nay",
    "Dân tộc",
    "Tôn giáo",
    "Văn hóa",
    "Chuyên môn",
    "Lý luận chính trị",
    "Nghề nghiệp",
]


class _Rollback(Exception):
    pass


def selected(only: str) -> bool:
    """Opt-in: only `--only members.import…` runs these lines; a plain run and the members
    pages (`--only members.`) do not."""
    return only.startswith("members.import") and any(name.startswith(only) for name in NAMES)


def measure(dataset, *, only: str = "", n: int = 50) -> Iterator[dict]:
    """The import lines selected by `only`, for the bench command (`n` is not used: one
    run of 10,000 rows is the measurement)."""
    if not selected(only):
        return
    yield from run(
        committee=dataset.committee,
        only=only,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    )


def workbook(cells: list[str], rows: int = ROWS, seed: int = SEED) -> bytes:
    """A members workbook of `rows` people spread over `cells` (names as on file)."""
    import openpyxl

    from capuyso.core.demo import person_name
    from capuyso.core.text import fold

    rng = random.Random(seed)  # noqa: S311 - test data
    # Not write_only: that mode leaves out the sheet's <dimension>, which Excel always
    # writes and without which openpyxl reads the whole sheet once more to find its size.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách đảng viên"
    sheet.append(["DANH SÁCH ĐẢNG VIÊN ĐẢNG BỘ (dữ liệu thử)"])
    sheet.append([])
    sheet.append(HEADERS)
    for number in range(1, rows + 1):
        sex = "Nam" if rng.random() < 0.6 else "Nữ"
        name = person_name(rng, "male" if sex == "Nam" else "female")
        born = dt.date(rng.randint(1935, 2000), rng.randint(1, 12), rng.randint(1, 28))
        admitted = dt.date(born.year + rng.randint(19, 24), rng.randint(1, 12), rng.randint(1, 28))
        full = admitted.replace(year=admitted.year + 1)
        cell = cells[number % len(cells)]
        style = number % 10
        if style == 0:
            cell = fold(cell)
        elif style == 1 and cell.startswith("Chi bộ "):
            cell = "CB " + cell[len("Chi bộ ") :]
        sheet.append(
            [
                number,
                name.upper() if style == 2 else name,
                born.year if style == 3 else (born if style % 2 else f"{born:%d/%m/%Y}"),
                sex,
                cell,
                f"99{number:06d}",
                f"096{born.year % 100:02d}{number:07d}"[:12],
                (f"09{rng.randint(0, 99_999_999):08d}", f"+84 9{rng.randint(0, 99_999_999):08d}")[
                    number % 2
                ],
                admitted if style % 2 else f"{admitted:%d/%m/%Y}",
                full if style % 2 else f"{full:%d-%m-%Y}",
                "xã Phú Cát, thành phố Hà Nội",
                f"Thôn {rng.randint(1, 12)}",
                "Kinh",
                "" if rng.random() < 0.9 else "Công giáo",
                ("12/12", "9/12", "10/10")[number % 3],
                ("Đại học", "Trung cấp", "Kỹ sư nông nghiệp", "")[number % 4],
                ("Sơ cấp", "Trung cấp", "Cao cấp")[number % 3],
                ("Nông dân", "Giáo viên", "Hưu trí", "Công chức")[number % 4],
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(
    *,
    committee,
    only: str = "members.import",
    rows: int = ROWS,
    log: Callable[[str], None] = lambda message: None,
) -> Iterator[dict]:
    from capuyso.members.importing import import_members
    from capuyso.members.models import Member
    from capuyso.org.models import Unit

    wanted = [name for name in NAMES if name.startswith(only)]
    if committee is None:
        for name in wanted:
            yield {"name": name, "error": "no benchmark committee"}
        return
    lines: list[dict] = []
    try:
        with transaction.atomic():
            cells = list(
                Unit.objects.filter(
                    committee=committee, kind=Unit.Kind.CELL, dissolved_on__isnull=True
                ).values_list("name", flat=True)
            )
            if not cells:
                Unit.objects.create(
                    committee=committee,
                    kind=Unit.Kind.CELL,
                    cell_kind="village",
                    name="Chi bộ thôn Thử",
                    name_folded="chi bo thon thu",
                    path="/",
                )
                cells = ["Chi bộ thôn Thử"]
            log(f"members.import: generating {rows} rows over {len(cells)} cells")
            started = time.perf_counter()
            data = workbook(cells, rows)
            generated = time.perf_counter() - started
            on_file = Member.objects.filter(committee=committee).count()
            common = {"rows": rows, "cells": len(cells), "members_on_file": on_file}
            common["file_bytes"] = len(data)
            common["generate_seconds"] = round(generated, 2)

            def timed(name: str, dry_run: bool) -> dict:
                log(name)
                started = time.perf_counter()
                report = import_members(
                    actor=None,
                    committee=committee,
                    data=data,
                    file_name="bench-10000.xlsx",
                    dry_run=dry_run,
                )
                seconds = time.perf_counter() - started
                return {"name": name, "seconds": round(seconds, 2), **common, **report["counts"]}

            if "members.import.preview" in wanted:
                lines.append(timed("members.import.preview", dry_run=True))
            if "members.import.xlsx10k" in wanted or "members.import.rerun" in wanted:
                line = timed("members.import.xlsx10k", dry_run=False)
                line["target_seconds"] = TARGET_SECONDS
                line["pass"] = line["seconds"] < TARGET_SECONDS and line["created"] == rows
                if "members.import.xlsx10k" in wanted:
                    lines.append(line)
                if "members.import.rerun" in wanted:
                    lines.append(timed("members.import.rerun", dry_run=False))
            raise _Rollback
    except _Rollback:
        pass
    except Exception as exc:  # noqa: BLE001 - report, like the page scenarios
        lines.append({"name": wanted[len(lines)], "error": f"{type(exc).__name__}: {exc}"})
    yield from lines
