"""Reads of the OCR pages: the committee's OCR queue and its counts per status (an item
itself comes through selectors_items.get_item_for_user)."""

from __future__ import annotations

from django.db.models import Case, Count, QuerySet, Value, When

from capuyso.accounts.permissions import access_for
from capuyso.archive.models import ArchiveItem

Status = ArchiveItem.OcrStatus
QUEUE_STATUSES = (Status.WAITING, Status.RUNNING, Status.FAILED, Status.UNAVAILABLE)


def ocr_counts(user) -> dict[str, int]:
    """Items of the user's committee per OCR status (every status present, 0 when none)."""
    access = access_for(user)
    counts = dict.fromkeys(Status.values, 0)
    rows = (
        ArchiveItem.objects.filter(committee_id=access.committee_id)
        .values_list("ocr_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts.update(dict(rows))
    return counts


def ocr_queue(user, *, status: str = "") -> QuerySet[ArchiveItem]:
    """The committee's items waiting, running, failed or unavailable (or of one of those
    statuses), running first, with the number of pages that go through OCR."""
    access = access_for(user)
    statuses = [status] if status in QUEUE_STATUSES else list(QUEUE_STATUSES)
    return (
        ArchiveItem.objects.filter(committee_id=access.committee_id, ocr_status__in=statuses)
        .select_related("dossier")
        .annotate(ocr_pages=Count("page_rows"))
        .order_by(
            Case(
                When(ocr_status=Status.RUNNING, then=Value(0)),
                When(ocr_status=Status.WAITING, then=Value(1)),
                default=Value(2),
            ),
            "created_at",
            "pk",
        )
    )
