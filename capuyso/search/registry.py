"""The kinds of things the platform-wide search finds, one `Source` each.

A source says, for its model:

- what to index for one object (`document`, an `IndexDocument`, or None to leave it out);
- which objects to index when the index is rebuilt (`rows`);
- which objects a user may see (`visible`: the owning app's own selector, so that search
  answers the same as the app's pages — never a copy of its rules);
- where a hit leads (`url`).

Adding a kind (the archive's items) is one more `register(ArchiveItemSource())`, from the
owning app's `AppConfig.ready()`, and one `index_object(item)` line in the services that
write those items.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from django.apps import apps
from django.db import models
from django.db.models import QuerySet
from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise

_ZERO = "00000000-0000-0000-0000-000000000000"


@lru_cache(maxsize=128)
def _url_template(name: str, prefix: str) -> str:
    return reverse(name, args=[_ZERO])


def object_url(name: str, code: str) -> str:
    """reverse(name, args=[code]) for a URL taking one object code, without running the
    resolver for each of a page's hits."""
    return _url_template(name, get_script_prefix()).replace(_ZERO, code)


@dataclass(frozen=True)
class IndexDocument:
    """What the index keeps of one object."""

    committee_id: int
    title: str
    body: str = ""
    reference: str = ""
    date: dt.date | None = None
    year: int | None = None
    unit_id: int | None = None
    doc_type_id: int | None = None
    type_label: str = ""
    source_name: str = ""  # archive items: the file they were ingested from


@dataclass(frozen=True)
class HitLink:
    """What a source needs to build a hit's link (from the index row, no query)."""

    code: str
    title: str
    reference: str
    unit_path: str | None


class Source:
    kind: str = ""
    label: str | Promise = ""
    model: str = ""  # "app_label.ModelName"
    order: int = 100  # where the kind appears in the filter list
    # True: the owning services take an object out of the index when it leaves
    # `committee_objects` (the archive: disposed of), so a user whose scope is all of
    # `committee_objects` needs no check per hit. False: only a scope of every object of
    # the committee goes unchecked, anything narrower is checked hit by hit.
    trusts_index: bool = False

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def document(self, obj) -> IndexDocument | None:
        raise NotImplementedError

    def rows(self, committee_id: int | None = None) -> QuerySet:
        """The objects to index on a rebuild, with what `document` reads loaded."""
        objects = self.model_class()._default_manager.all()
        if committee_id is not None:
            objects = objects.filter(committee_id=committee_id)
        return objects

    def committee_objects(self, committee_id: int) -> QuerySet:
        """The committee's objects that may be found at all, by the committee itself (the
        `capuyso search` command); a source narrows it (the archive: not disposed of)."""
        return self.model_class()._default_manager.filter(committee_id=committee_id)

    def visible(self, user) -> QuerySet | None:
        """The objects `user` may find (None: none of this kind)."""
        raise NotImplementedError

    def url(self, link: HitLink, access) -> str:
        raise NotImplementedError


KIND = re.compile(r"[a-z][a-z_]{0,19}")
_SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    if not KIND.fullmatch(source.kind):
        raise ValueError(f"a search kind is 1-20 lower-case letters or _, not {source.kind!r}")
    if source.kind in _SOURCES and type(_SOURCES[source.kind]) is not type(source):
        raise ValueError(f"search kind {source.kind!r} is already registered")
    _SOURCES[source.kind] = source
    return source


def unregister(kind: str) -> None:
    _SOURCES.pop(kind, None)


def sources() -> list[Source]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.kind))


def source(kind: str) -> Source | None:
    return _SOURCES.get(kind)


def kinds() -> list[str]:
    return [s.kind for s in sources()]


def source_for(obj) -> Source | None:
    label = obj._meta.label
    for candidate in _SOURCES.values():
        if candidate.model == label:
            return candidate
    return None
