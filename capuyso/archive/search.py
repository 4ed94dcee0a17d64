"""Archive items in the platform-wide search (capuyso.search): what is indexed of an item,
who may find it, and where a hit leads.

The ingest, OCR and metadata services call `capuyso.search.index.index_object(item)` after
they write an item; the retention services call `index_dossier_items(dossier)` after a
dossier's unit changes or it is disposed of (its items then leave the index).

Decisions:

- **Text cap.** The index keeps the first `TEXT_CAP` characters of an item's text (cut at a
  word): about eight typed A4 pages or ten OCR'd ones — a whole letter, resolution, report
  or minutes, and the opening pages (title, reference, issuer, summary) of a long file. The
  item's own page keeps its whole text. Why a cap: each query ranks up to a thousand
  candidates by looking for its words in their text (capuyso.search.backends), and the
  index stores the text three times (original for snippets, folded, exact-diacritic), so
  both the cost of a common word and the size of the index grow with the text per item. A
  page of text (~2,000 characters) is far below the cap; a scanned 300-page register would
  otherwise cost as much as 150 ordinary items in every query that ranks it. The cap equals
  the snippet's scan window (`capuyso.search.text.snippet`), so any word the index finds
  in an item can be shown highlighted in its snippet.
- **Disposed of.** An item disposed of, or filed in a dossier disposed of, is never found:
  `document()` leaves it out of the index, and the services that dispose of items call
  `index_object` / `index_dossier_items`, which take them out (`search_reindex` drops any
  row a write outside the services left behind). The source `trusts_index`: a committee-
  wide reader's hits are not checked one by one against the items table — at a million
  pages that check cost PostgreSQL one lookup per match (30,000 for a common word, 400 ms)
  where the index alone answers in ~10 ms.
- **Who.** Those who read the committee's documents (DOCUMENTS_VIEW over the whole
  committee), the same rule as the dossiers (capuyso.archive.selectors.dossiers_for_user).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from capuyso.accounts.permissions import access_for
from capuyso.accounts.roles import Action
from capuyso.search.registry import HitLink, IndexDocument, Source, object_url

TEXT_CAP = 20_000  # characters of an item's text that the search index keeps
WORD_BACKTRACK = 200  # how far back the cut looks for a space


def capped_text(text: str | None, cap: int = TEXT_CAP) -> str:
    """The first `cap` characters of `text`, cut after a whole word when one ends near."""
    text = text or ""
    if len(text) <= cap:
        return text
    head = text[:cap]
    space = max(head.rfind(" ", cap - WORD_BACKTRACK), head.rfind("\n", cap - WORD_BACKTRACK))
    return head[:space] if space > 0 else head


def searchable_items(committee_id: int) -> QuerySet:
    """The committee's items that may be found at all: not disposed of, nor their dossier."""
    from capuyso.archive.models import ArchiveItem

    return ArchiveItem.objects.filter(
        committee_id=committee_id,
        disposed_at__isnull=True,
        dossier__disposed_at__isnull=True,  # also the items in no dossier (a LEFT JOIN)
    )


def archive_items_for_search(user) -> QuerySet:
    """The items `user` may find: the committee's, for those who read its documents."""
    from capuyso.archive.models import ArchiveItem

    access = access_for(user)
    if access.committee_id is None or not access.committee_wide(Action.DOCUMENTS_VIEW):
        return ArchiveItem.objects.none()
    return searchable_items(access.committee_id)


def is_disposed(item) -> bool:
    if item.disposed_at is not None:
        return True
    return item.dossier_id is not None and item.dossier.disposed_at is not None


class ArchiveItemSource(Source):
    kind = "archive_item"
    label = _("Archive items")
    model = "archive.ArchiveItem"
    order = 35
    trusts_index = True  # disposed items leave the index (module docstring)

    def document(self, item) -> IndexDocument | None:
        if is_disposed(item):
            return None
        day = item.document_date
        year = item.year or (day.year if day else None)
        return IndexDocument(
            committee_id=item.committee_id,
            title=item.title or item.source_name,
            body=capped_text(item.text),
            reference=item.reference,
            date=day,
            year=year,
            unit_id=item.dossier.unit_id if item.dossier_id else None,
            doc_type_id=item.doc_type_id,
            type_label=item.doc_type.name if item.doc_type_id else "",
            source_name=item.source_name,
        )

    def rows(self, committee_id: int | None = None) -> QuerySet:
        items = (
            super()
            .rows(committee_id)
            .filter(disposed_at__isnull=True, dossier__disposed_at__isnull=True)
        )
        return items.select_related("dossier", "doc_type")

    def committee_objects(self, committee_id: int) -> QuerySet:
        return searchable_items(committee_id)

    def visible(self, user) -> QuerySet:
        return archive_items_for_search(user)

    def url(self, link: HitLink, access) -> str:
        return object_url("archive:item", link.code)


def index_dossier_items(dossier) -> int:
    """Bring the index rows of a dossier's items in step with it (its unit, or its disposal:
    the items then leave the index). Returns the rows written."""
    from capuyso.search.index import index_objects

    return index_objects(dossier.items.select_related("dossier", "doc_type"))
