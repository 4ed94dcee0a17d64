"""Signature badges for any page: `{% load signature_checks %}`.

- `{% files_with_checks files as rows %}` → (file, Badge or None) pairs, one query.
- `{% incoming_with_checks documents as rows %}` → (document, Badge or None) pairs for a
  list page, one query for the whole page.
- `{% signature_badge stored_file %}` → the badge of one file's newest check.
"""

from django import template

from capuyso.documents import files as doc_files
from capuyso.signing import verification

register = template.Library()


class FileChecks(list):
    """(file, Badge or None) pairs; `has_pdf` says whether a re-check means anything."""

    has_pdf = False


@register.simple_tag
def files_with_checks(files) -> FileChecks:
    files = list(files)
    pdfs = [f for f in files if f.content_type == doc_files.PDF]
    latest = verification.latest_by_file(pdfs)
    rows = FileChecks(
        (f, verification.Badge.of(latest[f.pk]) if f.pk in latest else None) for f in files
    )
    rows.has_pdf = bool(pdfs)
    return rows


@register.simple_tag
def incoming_with_checks(documents) -> list[tuple]:
    documents = list(documents)
    summaries = verification.summaries_for_incoming(documents)
    return [(d, summaries[d.pk].badge if d.pk in summaries else None) for d in documents]


@register.inclusion_tag("signing/_verification_badge.html", takes_context=True)
def signature_badge(context, stored_file, recheck_url: str = "", compact: bool = False) -> dict:
    latest = verification.latest_by_file([stored_file]) if stored_file is not None else {}
    check = latest.get(getattr(stored_file, "pk", None))
    return {
        "badge": verification.Badge.of(check) if check else None,
        "recheck_url": recheck_url,
        "compact": compact,
        "csrf_token": context.get("csrf_token"),
    }
