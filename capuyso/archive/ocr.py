"""OCR of archive items: image-only pages through OCRmyPDF/Tesseract (Vietnamese), one page at
a time, as background work.

The flow:
- `ocr_enqueue(item)` (after intake) finds the pages that need OCR — a PDF's pages without a
  text layer, an image's frames — makes one `ArchivePage` row each, marks the item waiting
  and enqueues one task for the item. Without Tesseract/`vie`/OCRmyPDF the item is marked
  unavailable and keeps no text from OCR.
- The task (`ocr_process_item`) claims the item (waiting → running), then OCRs its waiting
  pages in order: each page is split out of the original into a temporary file and run
  through `ocrmypdf` in a subprocess (OMP_THREAD_LIMIT=1, --psm 3, a timeout). A failed page
  is tried once more, then marked failed with the reason. The item's heartbeat moves with
  every page.
- When no page is waiting, the item's text is rebuilt in page order (text-layer pages from
  the original, the others from OCR), the searchable copy is written beside the original,
  the item is re-indexed and its metadata proposed again unless a person confirmed it.

The original is only ever opened for reading: a signed PDF keeps its signature, and OCR
works on copies of its pages. The work on one page (no database) is in `ocr_tools`. A worker
killed mid-page leaves its item running with an old heartbeat: `ocr_recover()` (each task
run, and `archive_ocr --recover`) puts it back in the queue, as it does a waiting item whose
task was never queued (its process died right after the commit).

Decisions:
- One task per item, not per page: the pages of an item are done in order by one worker,
  so resuming is "the first page not done" and the searchable copy is assembled once, by
  the worker that finished the last page. Both cores are used by running two workers (two
  `db_worker` processes, or `archive_ocr --pending --workers 2`), each on its own item.
- A page's attempts are counted before it runs, so a page that killed its worker (out of
  memory, a crash) is not tried a third time after recovery: it is reported as failed.
- Ownership: the worker's `ocr_started_at` is its claim. Every heartbeat checks it, so a
  worker that was presumed dead and replaced stops writing instead of racing the new one.
- `text_source` becomes OCR as soon as OCR contributed text (a mixed PDF too): the reader
  should know part of the text was recognised, with the errors that may bring.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import posixpath
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from capuyso.archive import ocr_tools as tools
from capuyso.archive.models import ArchiveItem, ArchivePage
from capuyso.archive.ocr_tools import PageError

logger = logging.getLogger(__name__)

Status = ArchiveItem.OcrStatus
MAX_PAGE_ATTEMPTS = 2  # a failed page is retried once
RECOVER_EVERY_SECONDS = 60
TMP_PREFIX = "capuyso-ocr-"


class _Lost(Exception):
    """The worker's claim on the item is gone (it was recovered and given to another)."""


def stale_after() -> int:
    """Seconds without a heartbeat after which a running item is presumed dead. Always
    well above the page timeout, so a live worker on a slow page is never presumed dead."""
    return max(
        int(getattr(settings, "ARCHIVE_OCR_STALE_SECONDS", 600)), 2 * tools.page_timeout() + 60
    )


# --- planning -------------------------------------------------------------------------------


def _set(item: ArchiveItem, **values) -> None:
    for name, value in values.items():
        setattr(item, name, value)
    item.save(update_fields=[*values, "updated_at"])


def ocr_enqueue(item: ArchiveItem, *, schedule: bool = True) -> ArchiveItem:
    """Plan the OCR of a stored item and enqueue it (after the transaction commits).

    Items that are already waiting or running are left alone. Others start afresh: a
    file without image-only pages is "not needed", missing tools make it "unavailable".
    """
    if item.ocr_status in (Status.WAITING, Status.RUNNING):
        return item
    if item.content_type != tools.PDF and item.content_type not in tools.IMAGE_TYPES:
        if item.ocr_status != Status.NOT_NEEDED:
            _set(item, ocr_status=Status.NOT_NEEDED, ocr_error="")
        return item
    try:
        source = tools.PageSource(item)
        numbers = tools.pages_needing_ocr(source)
    except Exception as exc:
        logger.info("archive item %s unreadable for OCR", item.pk, exc_info=True)
        reason = exc if isinstance(exc, PageError) else _("The file could not be read.")
        _set(item, ocr_status=Status.FAILED, ocr_error=str(reason))
        return item
    total = source.count
    if not numbers:
        _set(item, ocr_status=Status.NOT_NEEDED, ocr_error="", pages=item.pages or total)
        return item
    reason = tools.tools_missing()
    if reason:
        _set(item, ocr_status=Status.UNAVAILABLE, ocr_error=reason, pages=item.pages or total)
        return item
    with transaction.atomic():
        _delete_pages(item)
        ArchivePage.objects.bulk_create(ArchivePage(item=item, number=n) for n in numbers)
        _set(
            item,
            ocr_status=Status.WAITING,
            ocr_error="",
            ocr_pages_done=0,
            ocr_started_at=None,
            ocr_heartbeat=None,
            ocr_finished_at=None,
            pages=item.pages or total,
        )
        if schedule:
            _schedule(item.pk)
    return item


def _schedule(item_id: int) -> None:
    from capuyso.archive.tasks import ocr_item_task

    transaction.on_commit(lambda: ocr_item_task.enqueue(item_id=item_id))


def _delete_pages(item: ArchiveItem) -> None:
    names = [n for n in item.page_rows.exclude(pdf="").values_list("pdf", flat=True)]
    item.page_rows.all().delete()
    _delete_files(names)


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    def remove() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not delete %s", name, exc_info=True)

    transaction.on_commit(remove)


# --- running --------------------------------------------------------------------------------


@dataclass
class _Claim:
    item: ArchiveItem
    token: object  # the ocr_started_at this worker wrote

    def beat(self, **values) -> None:
        """Move the heartbeat (and write `values`) while the claim holds; else stop."""
        now = timezone.now()
        updated = ArchiveItem.objects.filter(
            pk=self.item.pk, ocr_status=Status.RUNNING, ocr_started_at=self.token
        ).update(ocr_heartbeat=now, updated_at=now, **values)
        if not updated:
            raise _Lost


def _claim(item_id: int) -> _Claim | None:
    now = timezone.now()
    claimed = ArchiveItem.objects.filter(pk=item_id, ocr_status=Status.WAITING).update(
        ocr_status=Status.RUNNING,
        ocr_started_at=now,
        ocr_heartbeat=now,
        ocr_finished_at=None,
        ocr_attempts=F("ocr_attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return None
    return _Claim(ArchiveItem.objects.get(pk=item_id), now)


_last_recover = 0.0


def ocr_process_item(item_id: int) -> str:
    """The task's body: heal stale items, then OCR this item if it is still waiting.
    Returns the item's final status ("" when another worker has it or it was done)."""
    global _last_recover
    if time.monotonic() - _last_recover > RECOVER_EVERY_SECONDS:
        _last_recover = time.monotonic()
        ocr_recover()
    claim = _claim(item_id)
    if claim is None:
        return ""
    try:
        _run_pages(claim)
        return _finish(claim)
    except _Lost:
        logger.warning("archive item %s was taken over by another OCR worker", item_id)
        return ""
    except Exception as exc:
        logger.exception("OCR of archive item %s stopped", item_id)
        reason = _("OCR stopped on an unexpected error: %(error)s") % {"error": exc}
        try:
            claim.beat(ocr_status=Status.FAILED, ocr_error=reason, ocr_finished_at=timezone.now())
        except _Lost:
            return ""
        return Status.FAILED


def _run_pages(claim: _Claim) -> None:
    item = claim.item
    pages = list(item.page_rows.filter(status=ArchivePage.Status.WAITING).order_by("number"))
    if not pages:
        return
    try:
        source = tools.PageSource(item)
    except Exception as exc:
        reason = exc if isinstance(exc, PageError) else _("The file could not be read.")
        for page in pages:
            _page_failed(page, str(reason))
        return
    with tempfile.TemporaryDirectory(prefix=TMP_PREFIX) as tmp:
        for page in pages:
            _run_page(claim, source, page, Path(tmp))


def _run_page(claim: _Claim, source: tools.PageSource, page: ArchivePage, tmp: Path) -> None:
    if page.attempts >= MAX_PAGE_ATTEMPTS:  # it stopped its worker every time it ran
        _page_failed(
            page,
            _(
                "The OCR of this page was interrupted twice (the worker stopped or ran out "
                "of memory)."
            ),
        )
        return
    while True:
        claim.beat()
        ArchivePage.objects.filter(pk=page.pk).update(attempts=F("attempts") + 1)
        page.attempts += 1
        folder = tmp / f"p{page.number}-{page.attempts}"
        folder.mkdir()
        try:
            text, pdf = tools.ocr_page(source, page.number, folder)
        except PageError as exc:
            logger.info("OCR of page %s of item %s failed: %s", page.number, page.item_id, exc)
            if page.attempts < MAX_PAGE_ATTEMPTS:
                continue
            claim.beat()
            _page_failed(page, str(exc))
            return
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        claim.beat()
        page.text = text
        page.error = ""
        page.status = ArchivePage.Status.DONE
        page.pdf.save(f"{claim.item.code}-{page.number}.pdf", ContentFile(pdf), save=False)
        page.save(update_fields=["text", "error", "status", "pdf"])
        claim.beat(ocr_pages_done=F("ocr_pages_done") + 1)
        return


def _page_failed(page: ArchivePage, reason: str) -> None:
    page.status = ArchivePage.Status.FAILED
    page.error = reason[:2000]
    page.save(update_fields=["status", "error"])


# --- finishing ------------------------------------------------------------------------------


def _finish(claim: _Claim) -> str:
    """All pages are done or failed: text, searchable copy, status, index, metadata."""
    item = ArchiveItem.objects.get(pk=claim.item.pk)
    pages = {p.number: p for p in item.page_rows.order_by("number")}
    failed = [p for p in pages.values() if p.status == ArchivePage.Status.FAILED]
    done = [p for p in pages.values() if p.status == ArchivePage.Status.DONE]
    source = None
    try:
        source = tools.PageSource(item)
    except Exception:
        logger.info("archive item %s unreadable when finishing OCR", item.pk, exc_info=True)
    total = source.count if source else max(pages, default=0)
    texts, layer_text = [], False
    for number in range(1, total + 1):
        page = pages.get(number)
        if page is not None:
            texts.append(page.text if page.status == ArchivePage.Status.DONE else "")
        elif source is not None and source.reader is not None:
            texts.append(source.layer_text(number))
            layer_text = True
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    ocr_text = any(p.text.strip() for p in done)
    text_source = item.text_source
    if ocr_text:
        text_source = ArchiveItem.TextSource.OCR
    elif layer_text and text:
        text_source = ArchiveItem.TextSource.PDF
    copy_name = ""
    if done and source is not None:
        try:
            copy_name = _write_copy(item, source, pages, total)
        except Exception:
            logger.exception("searchable copy of archive item %s not written", item.pk)
    status = Status.FAILED if failed else Status.DONE
    error = _failure_reason(failed, len(pages)) if failed else ""
    old_copy = item.ocr_file.name if item.ocr_file else ""
    with transaction.atomic():
        locked = ArchiveItem.objects.select_for_update().get(pk=item.pk)
        lost = locked.ocr_status != Status.RUNNING or locked.ocr_started_at != claim.token
        if not lost:
            _store_result(
                locked,
                old_copy=old_copy,
                done=done,
                text=text,
                text_source=text_source,
                ocr_file=copy_name,
                ocr_status=status,
                ocr_error=error,
                ocr_pages_done=len(done),
                pages=locked.pages or total,
            )
    if lost:
        _delete_files([copy_name] if copy_name else [])
        raise _Lost
    return status


def _store_result(item: ArchiveItem, *, old_copy: str, done: list, **values) -> None:
    now = timezone.now()
    _set(item, ocr_heartbeat=now, ocr_finished_at=now, **values)
    if old_copy and old_copy != item.ocr_file.name:
        _delete_files([old_copy])
    if item.ocr_status == Status.DONE:  # the copy holds them; a failed item keeps them
        names = [p.pdf.name for p in done if p.pdf]
        ArchivePage.objects.filter(item=item).update(pdf="")
        _delete_files(names)
    _after_text(item, old_status=Status.RUNNING)


def _failure_reason(failed: list[ArchivePage], total: int) -> str:
    head = ngettext(
        "OCR failed on %(count)s of %(total)s page.",
        "OCR failed on %(count)s of %(total)s pages.",
        total,
    ) % {"count": len(failed), "total": total}
    lines = [
        _("Page %(number)s: %(error)s") % {"number": p.number, "error": p.error} for p in failed
    ]
    return "\n".join([head, *lines])


def _write_copy(item: ArchiveItem, source: tools.PageSource, pages: dict, total: int) -> str:
    """The searchable copy beside the original: OCR'd pages where OCR succeeded, the
    original's pages (or the image) elsewhere. The original is never rewritten."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for number in range(1, total + 1):
        page = pages.get(number)
        if page is not None and page.status == ArchivePage.Status.DONE and page.pdf:
            with page.pdf.open("rb") as handle:
                data = handle.read()
        else:
            data = source.page_pdf(number)
        writer.add_page(PdfReader(io.BytesIO(data)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    folder, name = posixpath.split(item.file.name)
    stem = posixpath.splitext(name)[0]
    return item.file.storage.save(
        posixpath.join(folder, f"{stem}.ocr.pdf"), ContentFile(out.getvalue())
    )


def _after_text(item: ArchiveItem, *, old_status: str, actor=None) -> None:
    """The new text is searchable, the metadata proposal follows it, and it is audited."""
    from capuyso.audit.services import Verb, audit_record
    from capuyso.search.index import index_object

    index_object(item)
    if item.metadata_confirmed_at is None and item.text.strip():
        propose_metadata(item)
    audit_record(
        actor=actor,
        verb=Verb.UPDATE,
        obj=item,
        changes={"ocr_status": [old_status, item.ocr_status]},
    )


def propose_metadata(item: ArchiveItem) -> None:
    """Reference, date, issuer, type and summary read from the text (documents.extract)."""
    try:
        from capuyso.archive.ingest import propose_metadata as ingest_propose
    except ImportError:
        ingest_propose = None
    if ingest_propose is not None:
        ingest_propose(item)
        return
    from capuyso.documents.extract import extract_metadata
    from capuyso.documents.models import IssuerBody
    from capuyso.documents.services.config import active_types

    committee = item.committee
    types = [(t.abbreviation, t.name) for t in active_types(committee)]
    issuers = [
        (i.abbreviation, i.name)
        for i in IssuerBody.objects.filter(committee=committee, is_active=True)
    ]
    found = extract_metadata(item.text, doc_types=types, issuers=issuers)
    item.proposed = {
        "reference": found.reference,
        "document_date": found.document_date.isoformat() if found.document_date else "",
        "issuer_name": found.issuer_name,
        "type_abbreviation": found.type_abbreviation,
        "summary": found.summary,
    }
    item.save(update_fields=["proposed", "updated_at"])


# --- recovery, retry, foreground work -------------------------------------------------------


def _in_status(status: str):
    """Items of a status across committees, through the (committee, ocr_status) index."""
    from capuyso.org.models import Committee

    return ArchiveItem.objects.filter(
        committee_id__in=Committee.objects.values("pk"), ocr_status=status
    )


def ocr_recover(*, now=None) -> list[int]:
    """Put running items whose worker has gone silent back in the queue. They resume at
    the first page not done; the page that was running has its attempt counted.

    Waiting items that no queued task will ever pick up (the process died between the
    commit and queuing the task) are queued again too."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=stale_after())
    requeued = _recover_running(cutoff) + _recover_unqueued(cutoff)
    if requeued:
        logger.warning("OCR: requeued %s stale item(s): %s", len(requeued), requeued)
        _remove_orphan_folders(older_than=stale_after())
    return requeued


def _recover_running(cutoff) -> list[int]:
    stale = Q(ocr_heartbeat__lt=cutoff) | Q(ocr_heartbeat__isnull=True, updated_at__lt=cutoff)
    candidates = _in_status(Status.RUNNING).filter(stale)
    requeued = []
    for pk in candidates.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            moved = (
                ArchiveItem.objects.filter(pk=pk, ocr_status=Status.RUNNING)
                .filter(stale)
                .update(ocr_status=Status.WAITING, updated_at=timezone.now())
            )
            if moved:
                requeued.append(pk)
                _schedule(pk)
    return requeued


def _recover_unqueued(cutoff) -> list[int]:
    """Waiting items untouched since `cutoff` with no OCR task queued or running for them.
    A large intake legitimately waits longer than that behind its own tasks: those items
    have their task in the queue and are left alone."""
    stale = _in_status(Status.WAITING).filter(updated_at__lt=cutoff)
    candidates = list(stale.order_by("pk").values_list("pk", flat=True)[:500])
    if not candidates:
        return []
    queued = _queued_item_ids(candidates)
    requeued = []
    for pk in candidates:
        if pk in queued:
            continue
        with transaction.atomic():
            # Touching the row marks it requeued, so the next recovery waits again.
            if stale.filter(pk=pk).update(updated_at=timezone.now()):
                requeued.append(pk)
                _schedule(pk)
    return requeued


def _queued_item_ids(item_ids: list[int]) -> set[int]:
    """Those of `item_ids` with an OCR task waiting or running in the database queue (the
    task rows are matched on their item in SQL: a large intake queues thousands). A backend
    that keeps no queue (the immediate one of the tests) has none queued."""
    from django.tasks import TaskResultStatus, task_backends

    from capuyso.archive.tasks import ocr_item_task

    backend = task_backends[ocr_item_task.backend]
    if not type(backend).__module__.startswith("django_tasks_db"):
        return set()
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(
        task_path=ocr_item_task.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        args_kwargs__kwargs__item_id__in=item_ids,
    ).values_list("args_kwargs", flat=True)
    return {row.get("kwargs", {}).get("item_id") for row in rows}


def _remove_orphan_folders(*, older_than: int) -> None:
    """The temporary folders a killed worker left (a live one touches its folder per page)."""
    limit = time.time() - older_than
    for folder in Path(tempfile.gettempdir()).glob(f"{TMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            if folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)


def ocr_retry(*, actor, item: ArchiveItem) -> ArchiveItem:
    """Run the OCR of a failed (or unavailable) item again, in the background."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from capuyso.accounts.permissions import access_for
    from capuyso.accounts.roles import Action
    from capuyso.audit.services import Verb, audit_record

    access = access_for(actor)
    if item.committee_id != access.committee_id or not access.committee_wide(
        Action.DOCUMENTS_REGISTER
    ):
        raise PermissionDenied
    with transaction.atomic():
        item = ArchiveItem.objects.select_for_update().get(pk=item.pk)
        old = item.ocr_status
        if item.disposed_at is not None:
            raise ValidationError(
                _("This item was disposed of with its dossier; its file no longer exists."),
                code="disposed",
            )
        if old not in (Status.FAILED, Status.UNAVAILABLE):
            raise ValidationError(
                _("Only an item whose OCR failed or was unavailable can be run again."),
                code="ocr_not_retryable",
            )
        _reopen(item, redo=False, schedule=True)
        audit_record(
            actor=actor, verb=Verb.UPDATE, obj=item, changes={"ocr_status": [old, item.ocr_status]}
        )
    return item


def ocr_rerun(item: ArchiveItem, *, redo: bool = False) -> ArchiveItem:
    """Make an item ready to be run in the foreground (`archive_ocr --item`): a failed item
    gets its failed pages back, a finished one (with `redo`, or none yet) is planned anew.
    A running item is refused unless its worker has gone silent."""
    from django.core.exceptions import ValidationError

    ocr_recover()
    with transaction.atomic():
        item = ArchiveItem.objects.select_for_update().get(pk=item.pk)
        if item.ocr_status == Status.RUNNING:
            raise ValidationError(
                _("The OCR of this item is running in a worker."), code="ocr_running"
            )
        if item.ocr_status != Status.WAITING:
            _reopen(item, redo=redo, schedule=False)
    return item


def _reopen(item: ArchiveItem, *, redo: bool, schedule: bool) -> None:
    """Failed pages get two new attempts; an item that failed before any page ran, had no
    tools, or is to be redone, is planned afresh. Missing tools are refused."""
    from django.core.exceptions import ValidationError

    reason = tools.tools_missing()
    if reason:
        raise ValidationError(reason, code="ocr_unavailable")
    failed = item.page_rows.filter(status=ArchivePage.Status.FAILED)
    if not redo and item.ocr_status == Status.FAILED and failed.exists():
        failed.update(status=ArchivePage.Status.WAITING, attempts=0, error="")
        _set(item, ocr_status=Status.WAITING, ocr_error="", ocr_finished_at=None)
        if schedule:
            _schedule(item.pk)
        return
    item.ocr_status = Status.NOT_NEEDED  # ocr_enqueue plans it afresh
    ocr_enqueue(item, schedule=schedule)


def ocr_work(*, limit: int | None = None) -> int:
    """Process waiting items in this process until none is left (or `limit` items); with
    several processes each claims its own items. Returns the number of items processed."""
    processed = 0
    while limit is None or processed < limit:
        ids = list(_in_status(Status.WAITING).order_by("pk").values_list("pk", flat=True)[:20])
        if not ids:
            break
        progressed = False
        for pk in ids:
            if ocr_process_item(pk):
                processed += 1
                progressed = True
                if limit is not None and processed >= limit:
                    break
        if not progressed:
            time.sleep(0.2)  # every one was claimed by another worker meanwhile
    return processed


def _work_in_child(limit: int | None) -> int:
    from django.db import connections

    connections.close_all()  # never share the parent's connection
    try:
        return ocr_work(limit=limit)
    finally:
        connections.close_all()


def ocr_work_parallel(*, workers: int = 2, limit: int | None = None) -> int:
    """`ocr_work` in `workers` processes (forked), for both cores. Returns items processed."""
    if workers <= 1:
        return ocr_work(limit=limit)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_work_in_child, limit) for _ in range(workers)]
        return sum(f.result() for f in futures)
