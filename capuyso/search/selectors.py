"""Choices for the search page's filters, scoped to the user's committee."""

from __future__ import annotations

from capuyso.accounts.permissions import access_for

DOCUMENT_KINDS = {"incoming", "outgoing", "archive_item"}


def filter_options(user, *, kinds: list[str]) -> dict:
    """The units and document types to filter by: the units the user may see (those still
    in being), and the committee's document types when the user may find documents."""
    from capuyso.documents.models import DocumentType
    from capuyso.org.selectors import units_for_user

    committee_id = access_for(user).committee_id
    if committee_id is None or not kinds:
        return {"units": [], "doc_types": []}
    units = list(
        units_for_user(user)
        .filter(dissolved_on__isnull=True)
        .order_by("path")
        .only("code", "name", "path")
    )
    doc_types = []
    if DOCUMENT_KINDS & set(kinds):
        doc_types = list(
            DocumentType.objects.filter(committee_id=committee_id)
            .order_by("sort_order", "name")
            .only("code", "name", "abbreviation")
        )
    return {"units": units, "doc_types": doc_types}
