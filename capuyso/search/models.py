"""The search index: one row per searchable object of any app (document, dossier, meeting,
member, and later archive item), kept in step by the owning services through
`capuyso.search.index.index_object`.

The row holds what a hit shows (title, reference, text for the snippet, date, unit, type)
and what the backends match: the folded words (`title_folded`, `body_folded`), the exact
words (`exact`, for ranking a query typed with diacritics) and `meta`, the filter tokens
(committee, kind, year, unit, type) that the SQLite full-text index intersects with the
words. Who may see a hit is never stored here: it is asked of the owning app's selectors
at query time (capuyso.search.sources).

The full-text structures are created by migration 0002: an FTS5 table over this one on
SQLite (external content, kept in step by triggers), a generated `tsv` tsvector column with
a GIN index on PostgreSQL.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    committee = models.ForeignKey(
        "org.Committee", on_delete=models.CASCADE, related_name="+", verbose_name=_("committee")
    )
    kind = models.CharField(_("kind"), max_length=20)
    object_id = models.PositiveBigIntegerField()
    code = models.UUIDField()  # the object's opaque code, for its URL
    title = models.TextField(_("title"))
    reference = models.CharField(_("number and symbol"), max_length=120, blank=True)
    reference_folded = models.CharField(max_length=120, blank=True)
    body = models.TextField(blank=True)
    title_folded = models.TextField(blank=True)
    body_folded = models.TextField(blank=True)
    exact = models.TextField(blank=True)
    meta = models.CharField(max_length=255)
    date = models.DateField(_("date"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    doc_type = models.ForeignKey(
        "documents.DocumentType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    type_label = models.CharField(max_length=120, blank=True)
    # Archive items: the file name they were ingested from.
    source_name = models.CharField(max_length=255, blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "search_entry"
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique_object")
        ]
        indexes = [
            models.Index(fields=["committee", "reference_folded"], name="search_entry_reference"),
            models.Index(fields=["committee", "id"], name="search_entry_committee"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
