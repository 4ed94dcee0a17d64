"""The benchmark scenarios: one registry, so each module appends its own pages and calls.

    from bench.scenarios import register
    register("documents.incoming", user="clerk", url="documents:incoming")

`user` names one of the benchmark accounts (see bench/dataset.py: secretary,
cell_secretary, admin, member, city_viewer). `url` is a URL name (reversed, with `args`)
or a path starting with "/". `api=True` sends the user's Bearer token instead of a
session. A URL name that does not resolve yet is reported as an error line, not a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Scenario:
    name: str
    user: str
    url: str
    api: bool = False
    args: Callable[[Any], list] | None = None  # context -> reverse() args
    query: dict[str, str] = field(default_factory=dict)


SCENARIOS: list[Scenario] = []


def register(name: str, *, user: str, url: str, api: bool = False, args=None, query=None):
    if any(s.name == name for s in SCENARIOS):
        raise ValueError(f"scenario {name!r} is already registered")
    scenario = Scenario(name=name, user=user, url=url, api=api, args=args, query=query or {})
    SCENARIOS.append(scenario)
    return scenario


register("home.secretary", user="secretary", url="core:home")
register("home.cell_secretary", user="cell_secretary", url="core:home")
register("home.member", user="member", url="core:home")
register("home.city_viewer", user="city_viewer", url="core:home")
register("org.cells", user="secretary", url="org:cells")
register("org.cells.search", user="secretary", url="org:cells", query={"q": "dong"})
register("accounts.users", user="admin", url="accounts:users")
register("api.units", user="secretary", url="/api/v1/units", api=True)
register("api.users", user="admin", url="/api/v1/users", api=True)

# Documents: the data and the objects these open come from bench/documents.py.
register("documents.incoming.list", user="clerk", url="documents:incoming_list")
register("documents.incoming.list.cell", user="cell_secretary", url="documents:incoming_list")
register(
    "documents.incoming.search.words",
    user="clerk",
    url="documents:incoming_list",
    query={"q": "ke hoach chuyen doi so"},
)
register(
    "documents.incoming.search.reference",
    user="clerk",
    url="documents:incoming_list",
    query={"q": "09-KH"},
)
register(
    "documents.incoming.search.diacritics",
    user="clerk",
    url="documents:incoming_list",
    query={"q": "Đảng ủy"},
)
register(
    "documents.incoming.filtered",
    user="clerk",
    url="documents:incoming_list",
    query={"status": "open", "overdue": "1"},
)
register(
    "documents.incoming.detail",
    user="clerk",
    url="documents:incoming_detail",
    args=lambda ds: [ds.picks["incoming_detail"]],
)
register("documents.outgoing.list", user="clerk", url="documents:outgoing_list")
register(
    "documents.outgoing.detail",
    user="clerk",
    url="documents:outgoing_detail",
    args=lambda ds: [ds.picks["outgoing_detail"]],
)
register("home.clerk", user="clerk", url="core:home")
register("api.documents.incoming", user="clerk", url="/api/v1/documents/incoming", api=True)
