"""The members part of the benchmark: the list, the file and the name search, against the
issue's targets.

    capuyso bench --scale commune --only members.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/capuyso_bench_members \\
        capuyso bench --scale city --only members.

Targets (issue 5): the list and file pages under 100 ms p95 at commune scale (5,000
members, SQLite) and 150 ms at city scale (400,000 members, PostgreSQL); the name search
under 50 ms p95. Each timed line is the harness's (`runner._measure`: 3 warm-ups, the
queries counted once, then N runs; p50/p95 in ms) with `target_p95_ms` and `pass` added
where the issue sets a target. Two users: the cell secretary of the largest village cell
and the committee secretary (a committee-wide leader).

Lines (every name starts with `members.`, so `--only members.` selects them all):

- members.list.{cell_secretary,leader}: the list page, default filters (active members);
- members.detail.{cell_secretary,leader}: a member's file (each opening writes its audit
  row, as in real use);
- members.search.name.{cell_secretary,leader}: the full list page searched by a member's
  full name typed with diacritics, and `….htmx` the same as the search box asks for it
  (HX-Request: the table only). The name search target applies to both;
- members.search.given.leader(.htmx): a given name alone ("hung": hundreds of matches);
- members.search.card.leader.htmx, members.search.citizen_id.leader.htmx: by number;
- members.filtered.leader: status, sex and age band together (no target);
- members.api.list.leader, members.api.counts.leader: GET /api/v1/members and
  /api/v1/members/counts (no target);
- members.export.xlsx.leader: the committee's active members as XLSX (the view's own
  functions, not the view, so no audit row), median of 3 runs, with rows and bytes;
- members.export.pdf.cell_secretary: the cell's list as PDF, same way.

Decision: the lines are timed here rather than registered in `bench.scenarios`, because
their targets depend on the scale and the search terms and the opened member come from
the data (a member of the cell secretary's cell); the mechanics are the runner's.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

from django.http import QueryDict
from django.urls import reverse

from bench.scenarios import Scenario
from capuyso.members.models import Member

# scale -> target p95 (ms) for the list and file pages; the name search is 50 ms everywhere.
PAGE_TARGETS = {"tiny": 100.0, "commune": 100.0, "city": 150.0}
SEARCH_TARGET = 50.0
EXPORT_RUNS = 3
USERS = ("cell_secretary", "leader")
# The benchmark account of each role (bench/dataset.py ACCOUNTS).
ACCOUNT_KEYS = {"cell_secretary": "cell_secretary", "leader": "secretary"}


def picks(dataset) -> dict:
    """What the lines open and search for, chosen in the data (a reused dataset too)."""
    cell_secretary = dataset.users["cell_secretary"]
    position = cell_secretary.positions.select_related("unit").get()
    cell = position.unit
    in_cell = Member.objects.filter(
        committee=dataset.committee, cell=cell, status__in=Member.ACTIVE_STATUSES
    )
    member = (
        in_cell.filter(status=Member.Status.FULL).exclude(card_number="").order_by("pk").first()
        or in_cell.order_by("pk").first()
    )
    if member is None:
        return {}
    with_id = (
        Member.objects.filter(committee=dataset.committee, status__in=Member.ACTIVE_STATUSES)
        .exclude(citizen_id="")
        .order_by("pk")
        .values_list("citizen_id", flat=True)
        .first()
    )
    return {
        "cell": cell,
        "member": member,
        "name": member.full_name,  # typed with its diacritics
        "card": member.card_number,
        "citizen_id": with_id or "",
    }


def _lines(dataset, chosen: dict) -> list[tuple[str, str, str, dict, bool, float | None]]:
    """(name, user key, path, query, htmx, target p95) for every timed line."""
    page_target = PAGE_TARGETS.get(dataset.scale.name, PAGE_TARGETS["commune"])
    members_list = reverse("members:list")
    detail = reverse("members:detail", args=[chosen["member"].code])
    lines = []
    for who in USERS:
        lines += [
            (f"members.list.{who}", who, members_list, {}, False, page_target),
            (f"members.detail.{who}", who, detail, {}, False, page_target),
            (
                f"members.search.name.{who}",
                who,
                members_list,
                {"q": chosen["name"]},
                False,
                SEARCH_TARGET,
            ),
            (
                f"members.search.name.{who}.htmx",
                who,
                members_list,
                {"q": chosen["name"]},
                True,
                SEARCH_TARGET,
            ),
        ]
    lines += [
        ("members.search.given.leader", "leader", members_list, {"q": "hung"}, False, None),
        ("members.search.given.leader.htmx", "leader", members_list, {"q": "hung"}, True, None),
        (
            "members.filtered.leader",
            "leader",
            members_list,
            {"status": "all", "sex": "female", "age": "46-60"},
            False,
            None,
        ),
        ("members.api.list.leader", "leader", "/api/v1/members", {}, False, None),
        ("members.api.counts.leader", "leader", "/api/v1/members/counts", {}, False, None),
    ]
    if chosen["card"]:
        query = {"q": chosen["card"]}
        lines.append(("members.search.card.leader.htmx", "leader", members_list, query, True, None))
    if chosen["citizen_id"]:
        query = {"q": chosen["citizen_id"]}
        name = "members.search.citizen_id.leader.htmx"
        lines.append((name, "leader", members_list, query, True, None))
    return lines


def measure(dataset, *, only: str = "", n: int = 50) -> Iterator[dict]:
    """The members lines selected by `only` (a name prefix), for the bench command."""
    from bench import runner  # imports bench.dataset, which imports the documents part

    if only and not ("members.".startswith(only) or only.startswith("members.")):
        return
    missing = [key for key in ACCOUNT_KEYS.values() if key not in dataset.users]
    if missing:
        yield {"name": "members", "error": f"no benchmark user {missing[0]!r}"}
        return
    chosen = picks(dataset)
    if not chosen:
        yield {"name": "members", "error": "the cell secretary's cell has no member"}
        return
    clients: dict[tuple[str, bool], object] = {}
    for name, who, path, query, htmx, target in _lines(dataset, chosen):
        if only and not name.startswith(only):
            continue
        user = dataset.users[ACCOUNT_KEYS[who]]
        api = path.startswith("/api/")
        key = (who, api)
        if key not in clients:
            clients[key] = runner.api_client(user) if api else runner.session_client(user)
        client = clients[key]
        scenario = Scenario(name=name, user=ACCOUNT_KEYS[who], url=path, api=api, query=query)
        if htmx:
            client.defaults["HTTP_HX_REQUEST"] = "true"
        try:
            for line in runner._measure(scenario, client, path, n):
                if htmx and line["name"].startswith("weight."):
                    continue
                if target is not None and "p95_ms" in line:
                    line |= {"target_p95_ms": target, "pass": line["p95_ms"] < target}
                yield line
        except Exception as exc:  # noqa: BLE001 - report and go on, like the page scenarios
            yield {"name": name, "error": f"{type(exc).__name__}: {exc}"}
        finally:
            client.defaults.pop("HTTP_HX_REQUEST", None)
    exports_lines = (
        ("members.export.xlsx.leader", "leader", {}, "xlsx"),
        ("members.export.pdf.cell_secretary", "cell_secretary", {}, "pdf"),
    )
    for name, who, query, fmt in exports_lines:
        if only and not name.startswith(only):
            continue
        try:
            yield _export(dataset.users[ACCOUNT_KEYS[who]], name, query, fmt)
        except Exception as exc:  # noqa: BLE001 - report and go on
            yield {"name": name, "error": f"{type(exc).__name__}: {exc}"}


def _export(user, name: str, query: dict, fmt: str, runs: int = EXPORT_RUNS) -> dict:
    """The export view's work (select, describe, write) without its audit row."""
    from capuyso.members import exports, views_export

    get = QueryDict(mutable=True)
    get.update(query)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        listed = views_export.export_members(user, get)
        heading = exports.heading_for(user.committee, listed.description)
        if fmt == "xlsx":
            content, rows = exports.write_xlsx(heading, exports.list_rows(listed.members))
        else:
            content, rows = exports.write_pdf(heading, exports.list_rows(listed.members))
        seconds.append(time.perf_counter() - started)
    return {
        "name": name,
        "seconds": round(statistics.median(seconds), 2),
        "max_seconds": round(max(seconds), 2),
        "runs": runs,
        "rows": rows,
        "bytes": len(content),
    }
