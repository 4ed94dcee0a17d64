"""One search across the platform: `search(user=…, query=…)` → a page of permitted hits.

The hits of a page cost one SQL statement (capuyso.search.backends); building the user's
scope costs the few small queries the apps' selectors make to learn the user's positions
(memoised for the request), and a unit or type filter one lookup each.

`CommitteeViewer(committee)` searches as the committee itself (every kind, the whole
committee): the `capuyso search` command uses it for scripting and checks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils.safestring import SafeString

from capuyso.accounts.permissions import access_for
from capuyso.core.text import fold
from capuyso.search import backends, registry
from capuyso.search.text import (
    MAX_QUERY_WORDS,
    WORD,
    exact_key,
    folded_words,
    has_diacritics,
    highlight,
    snippet,
)

PER_PAGE = 20
# Text matches ranked per query (the newest ones; matches of the reference come whatever the
# cap). Ranking reads each candidate's text: at a million archived pages of ~2,000
# characters, 1,000 candidates cost ~15–20 ms of a typical query (p95 33 ms on a quiet
# 2-core machine, 53 ms with a load of 3), 500 half that (p95 34 ms with a load of 3).
CANDIDATE_CAP = 500
# The words match whole; the last one matches as a prefix only when the words as typed find
# nothing ("chuyen d"): FTS5 answers a prefix by merging the lists of every word it starts
# ("dang*": 820,000 rows at 1,000,000 items, 120 ms), whatever the cap.
MAX_QUERY_LENGTH = 200
REFERENCE_SPACES = re.compile(r"\s*([-/])\s*")
MIN_YEAR, MAX_YEAR = 1930, 2100


@dataclass(frozen=True)
class CommitteeViewer:
    """Search as the committee: every kind, every object of the committee."""

    committee_id: int


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: str
    code: str
    title: str
    reference: str
    score: float
    url: str
    title_html: SafeString
    snippet: SafeString
    date: dt.date | None = None
    year: int | None = None
    unit_name: str = ""
    type_label: str = ""
    source_name: str = ""  # archive items: the file name they were ingested from
    exact_reference: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "code": self.code,
            "title": self.title,
            "score": self.score,
            "reference": self.reference,
            "date": self.date.isoformat() if self.date else None,
            "url": self.url,
        }
        if self.source_name:
            data["source_name"] = self.source_name
        return data


@dataclass
class SearchPage:
    query: str
    hits: list[Hit] = field(default_factory=list)
    number: int = 1
    per_page: int = PER_PAGE
    has_next: bool = False
    max_page: int = 1
    kinds: list[tuple[str, str]] = field(default_factory=list)  # (kind, label) searchable
    errors: dict[str, str] = field(default_factory=dict)  # field → error code

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.hits else 0


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    words: list[str]  # folded
    exact: list[str]  # exact keys of the words typed with diacritics
    reference: str  # folded, spaces around - and / removed, when it holds a digit


def parse_query(text: str) -> ParsedQuery:
    text = " ".join((text or "").split())[:MAX_QUERY_LENGTH]
    bare = re.sub(r"^(số|so)\s+", "", text, flags=re.IGNORECASE) if text else ""
    words = folded_words(bare)[:MAX_QUERY_WORDS]
    typed = WORD.findall(bare)[:MAX_QUERY_WORDS]
    exact = [exact_key(word) for word in typed if has_diacritics(word)]
    compact = REFERENCE_SPACES.sub(r"\1", fold(bare))
    reference = compact if any(ch.isdigit() for ch in compact) and len(compact) >= 2 else ""
    return ParsedQuery(text=text, words=words, exact=exact, reference=reference[:120])


def _committee_id(user) -> int | None:
    if isinstance(user, CommitteeViewer):
        return user.committee_id
    return access_for(user).committee_id


def _visible(source: registry.Source, user):
    if isinstance(user, CommitteeViewer):
        return source.committee_objects(user.committee_id)
    return source.visible(user)


def _scopes(user) -> list[tuple[registry.Source, Any]]:
    scopes = []
    for source in registry.sources():
        visible = _visible(source, user)
        if visible is None or visible.query.is_empty():
            continue
        scopes.append((source, visible))
    return scopes


def _sql(queryset) -> tuple:
    return queryset.order_by().values("pk").query.sql_with_params()


def _is_whole_committee(source: registry.Source, visible, committee_id: int) -> bool:
    """Did the app's selector answer "every object of the committee"? (The same SQL as the
    committee's objects: a committee-wide reader.) Any narrowing it adds, now or later,
    makes the SQL differ, and the hits are then checked object by object. A source that
    `trusts_index` is compared with its `committee_objects` instead (the archive's items not
    disposed of: its services take the others out of the index)."""
    return _sql(visible) == _everything_sql(source.kind, committee_id, connection.vendor)


@lru_cache(maxsize=512)
def _everything_sql(kind: str, committee_id: int, vendor: str) -> tuple:
    """The SQL of all the committee's objects of a kind (compiled once, not per search)."""
    source = registry.source(kind)
    if source.trusts_index:
        return _sql(source.committee_objects(committee_id))
    return _sql(source.model_class()._default_manager.filter(committee_id=committee_id))


def _scope(scopes, committee_id: int) -> Q:
    """What the user may find, per kind: the kind alone where the app's selector gives the
    whole committee (the index rows are the committee's, and objects are never deleted
    while indexed: `search_reindex` would drop a row left behind), otherwise an EXISTS on
    the selector's queryset for each hit."""
    whole = [s.kind for s, v in scopes if _is_whole_committee(s, v, committee_id)]
    scope = Q(kind__in=whole) if whole else Q(pk__in=[])
    for source, visible in scopes:
        if source.kind not in whole:
            scope |= Q(kind=source.kind) & Exists(visible.filter(pk=OuterRef("object_id")))
    return scope


def _clean_year(year) -> int | None:
    if year in (None, ""):
        return None
    try:
        value = int(year)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"year": "invalid"}, code="invalid") from exc
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationError({"year": "invalid"}, code="invalid")
    return value


def _unit_ids(committee_id: int, unit) -> list[int] | None:
    """The unit and the units under it (a filter by an organ or a grouping covers its
    cells). An unknown code gives an empty list: nothing matches."""
    if unit in (None, ""):
        return None
    from capuyso.org.models import Unit

    if isinstance(unit, Unit):
        if unit.committee_id != committee_id:
            return []
        path = unit.path
        return list(
            Unit.objects.filter(committee_id=committee_id, path__startswith=path).values_list(
                "pk", flat=True
            )
        )
    try:
        chosen = Unit.objects.filter(committee_id=committee_id, code=unit).values("path")[:1]
        return list(
            Unit.objects.filter(committee_id=committee_id, path__startswith=chosen).values_list(
                "pk", flat=True
            )
        )
    except ValidationError:
        return []


def _doc_type_id(committee_id: int, doc_type) -> int | None:
    if doc_type in (None, ""):
        return None
    from capuyso.documents.models import DocumentType

    if isinstance(doc_type, DocumentType):
        return doc_type.pk if doc_type.committee_id == committee_id else 0
    try:
        found = (
            DocumentType.objects.filter(committee_id=committee_id, code=doc_type)
            .values_list("pk", flat=True)
            .first()
        )
    except ValidationError:
        found = None
    return found or 0


def search(
    *,
    user,
    query: str,
    kinds: Iterable[str] | None = None,
    year=None,
    unit=None,
    doc_type=None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> SearchPage:
    """A page of what `user` may find for `query`, best first.

    `kinds`: limit to these kinds (default: every kind the user may see). `year`, `unit`
    (a Unit or its code: that unit and those under it), `doc_type` (a DocumentType or its
    code) filter the hits. Pages beyond the ranked candidates are empty. Bad filter values
    are reported in `SearchPage.errors` (field → code) and give no hits."""
    parsed = parse_query(query)
    result = SearchPage(query=parsed.text, per_page=per_page)
    committee_id = _committee_id(user)
    if committee_id is None:
        return result
    scopes = _scopes(user)
    result.kinds = [(s.kind, str(s.label)) for s, _q in scopes]
    chosen = set(kinds) if kinds else None
    if chosen is not None:
        scopes = [(s, v) for s, v in scopes if s.kind in chosen]
    result.max_page = max(1, -(-CANDIDATE_CAP // per_page))
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    result.number = min(max(1, number), result.max_page)
    try:
        year_value = _clean_year(year)
    except ValidationError:
        result.errors["year"] = "invalid"
        return result
    if not parsed.words or not scopes:
        return result
    where = _scope(scopes, committee_id)  # the committee itself: the backends add it
    unit_ids = _unit_ids(committee_id, unit)
    type_id = _doc_type_id(committee_id, doc_type)
    if unit_ids == [] or type_id == 0:  # an unknown unit or type: nothing matches
        return result
    if year_value:
        where &= Q(year=year_value)
    if unit_ids is not None:
        where &= Q(unit_id__in=unit_ids)
    if type_id is not None:
        where &= Q(doc_type_id=type_id)
    plan = backends.Plan(
        committee_id=committee_id,
        kinds=[s.kind for s, _v in scopes],
        where=where,
        words=parsed.words,
        exact=parsed.exact,
        reference=parsed.reference,
        year=year_value,
        unit_ids=unit_ids,
        doc_type_id=type_id,
        prefix_last=False,
        limit=per_page + 1,
        offset=(result.number - 1) * per_page,
        cap=CANDIDATE_CAP,
    )
    rows = backends.run(plan)
    if not rows and not plan.prefix_last and result.number == 1:
        # Nothing for the words as typed: the last one may be unfinished ("chuyen d").
        plan.prefix_last = True
        rows = backends.run(plan)
    result.has_next = len(rows) > per_page and result.number < result.max_page
    access = None if isinstance(user, CommitteeViewer) else access_for(user)
    words = tuple(parsed.words)
    result.hits = [_hit(row, words, access, plan.prefix_last) for row in rows[:per_page]]
    return result


def _hit(row: backends.Row, words: tuple[str, ...], access, prefix_last: bool) -> Hit:
    source = registry.source(row.kind)
    link = registry.HitLink(
        code=row.code, title=row.title, reference=row.reference, unit_path=row.unit_path
    )
    # One number that orders the hits as they are ordered: reference, exact, relevance.
    score = row.reference_hit * 1_000_000 + (10_000 if row.exact_hit else 0) + row.relevance
    return Hit(
        kind=row.kind,
        kind_label=str(source.label) if source else row.kind,
        code=row.code,
        title=row.title,
        reference=row.reference,
        score=round(score, 4),
        url=source.url(link, access) if source else "",
        title_html=highlight(row.title, words, prefix_last=prefix_last),
        snippet=snippet(row.body, words, prefix_last=prefix_last),
        date=row.date,
        year=row.year,
        unit_name=row.unit_name,
        type_label=row.type_label,
        source_name=row.source_name,
        exact_reference=row.reference_hit == 2,
    )
