"""Background work of the archive: the OCR of an item's image-only pages (capuyso.archive.ocr)."""

from django.tasks import task


@task
def ocr_item_task(*, item_id: int) -> str:
    """OCR the waiting pages of one archive item, one page at a time."""
    from capuyso.archive.ocr import ocr_process_item

    return ocr_process_item(item_id)
