"""Every page stays light: HTML + CSS + JS under 100 KB, for slow commune connections.

The weight is the sum of the response bodies (uncompressed, so stricter than what goes over
the wire with compression) of the document, its stylesheets and its scripts, loaded in a fresh
browser context so nothing comes from the cache. Pages are found by following the links of the
home page, as a leader and as an administrator (they see the most), plus the login page.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from e2e_helpers import local_links, sign_in
from playwright.sync_api import Error

LIMIT = 100 * 1024
COUNTED = {"document", "stylesheet", "script"}
MAX_PAGES_PER_USER = 40
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Weight:
    url: str
    total: int
    parts: list[tuple[str, int]]

    def describe(self) -> str:
        parts = ", ".join(f"{kind} {size / 1024:.1f}" for kind, size in self.parts)
        return f"{self.total / 1024:6.1f} KB  {self.url}  ({parts})"


def weigh(context, url: str) -> Weight | None:
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        return None
    parts = []
    for item in responses:
        kind = item.request.resource_type
        if kind not in COUNTED:
            continue
        try:
            parts.append((kind, len(item.body())))
        except Error:  # redirects have no body
            continue
    page.close()
    return Weight(url, sum(size for _, size in parts), parts)


def page_kind(url: str) -> str:
    """One key per kind of page: /accounts/users/<id>/ once, not once per user."""
    parts = urlsplit(url)
    keys = sorted({key for key, _ in parse_qsl(parts.query)})
    return UUID.sub("<id>", parts.path) + "?" + "&".join(keys)


def crawl(page, site, start: str) -> list[str]:
    """One URL per kind of page reachable from `start` by links, breadth first, at most 40."""
    queue, seen, pages = [start], set(), []
    while queue and len(pages) < MAX_PAGES_PER_USER:
        url = queue.pop(0)
        if page_kind(url) in seen:
            continue
        seen.add(page_kind(url))
        try:
            response = page.goto(url)
        except Error:  # a download, not a page
            continue
        if response is None or response.status != 200:
            continue
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        pages.append(url)
        queue.extend(link for link in local_links(page, site) if page_kind(link) not in seen)
    return pages


def test_every_page_weighs_less_than_100_kb(new_context, site, cast):
    weights = [weigh(new_context(), site("accounts:login"))]
    for user in (cast.secretary, cast.admin):
        context = new_context()
        page = context.new_page()
        sign_in(page, site, user)
        state = context.storage_state()
        for url in crawl(page, site, site("core:home")):
            fresh = new_context(storage_state=state)
            weights.append(weigh(fresh, url))
            fresh.close()
        context.close()

    measured = [w for w in weights if w is not None]
    print("\n".join(w.describe() for w in measured))
    assert len(measured) >= 4, "too few pages found to measure"
    heavy = [w.describe() for w in measured if w.total >= LIMIT]
    assert not heavy, "Pages over 100 KB:\n" + "\n".join(heavy)
