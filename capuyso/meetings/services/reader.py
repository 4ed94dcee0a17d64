"""The paperless meeting reader: PDF documents of agenda items, read on screen page by page.

Pages are rendered on the server to PNG images (PDFium through pypdfium2, or poppler's
pdftoppm when that is what the server has), one page per request, cached per file, page
and width in the file storage. The reader never hands out the PDF itself.

A confidential agenda item's documents are for those access.may_see_confidential lets see
the item (who runs the meeting, the members recorded present): to anyone else they do not
exist (404), and they are never listed.
Each opening is recorded (`DocumentOpening`: first and last time, how many times).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import logging
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from capuyso.accounts.permissions import access_for
from capuyso.audit.services import Verb, audit_record
from capuyso.documents import files as doc_files
from capuyso.documents.models import StoredFile
from capuyso.meetings.access import may_manage, may_see_confidential, may_view
from capuyso.meetings.models import AgendaItem, DocumentOpening, Meeting, MeetingDocument
from capuyso.meetings.services.meetings import check_not_held

logger = logging.getLogger(__name__)

WIDTHS = (480, 800, 1200)  # phone, tablet/PC, large screen; the cache holds these only
DEFAULT_WIDTH = 800
MAX_ASPECT = 4  # a page taller than 4× its width is cropped to that, never a huge image
OPENING_WINDOW = dt.timedelta(minutes=30)  # page turns within this are one opening
CACHE_ROOT = "meeting-pages"

_render_lock = threading.Lock()  # PDFium is not thread-safe


class ReaderUnavailable(Exception):
    """The server has no PDF renderer (neither pypdfium2 nor pdftoppm)."""


# --- Renderers ----------------------------------------------------------------------------


def _pdfium():
    try:
        import pypdfium2
    except ImportError:  # pragma: no cover - pypdfium2 is a dependency
        return None
    return pypdfium2


def renderer() -> str | None:
    """'pdfium', 'pdftoppm', or None when the server cannot render PDF pages."""
    if _pdfium() is not None:
        return "pdfium"
    if shutil.which("pdftoppm"):
        return "pdftoppm"
    return None


def snap_width(value) -> int:
    """The cached width nearest to the one asked for (the default when unreadable)."""
    try:
        wanted = int(value)
    except (TypeError, ValueError):
        return DEFAULT_WIDTH
    return min(WIDTHS, key=lambda width: (abs(width - wanted), width))


def _sizes_pdfium(data: bytes) -> list[tuple[float, float]]:
    pdfium = _pdfium()
    with _render_lock:
        pdf = pdfium.PdfDocument(data)
        try:
            return [tuple(pdf.get_page_size(i)) for i in range(len(pdf))]
        finally:
            pdf.close()


def _sizes_pypdf(data: bytes) -> list[tuple[float, float]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    sizes = []
    for page in reader.pages:
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        if (page.get("/Rotate") or 0) % 180:
            width, height = height, width
        sizes.append((width, height))
    return sizes


def page_sizes_of(data: bytes) -> list[tuple[float, float]]:
    """The size of every page in points (width, height), rotation applied."""
    if _pdfium() is not None:
        return _sizes_pdfium(data)
    return _sizes_pypdf(data)


def _png(image) -> bytes:
    """A small PNG for 3G phones: a 64-colour adaptive palette keeps text and red seals
    legible at a fraction of full colour's size, and encodes in a few tens of ms."""
    from PIL import Image

    out = io.BytesIO()
    image = image.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=0)
    image.save(out, format="PNG")
    return out.getvalue()


def _render_pdfium(data: bytes, index: int, width: int) -> bytes:
    pdfium = _pdfium()
    with _render_lock:
        pdf = pdfium.PdfDocument(data)
        try:
            page = pdf[index]
            page_width, page_height = page.get_size()
            scale = width / page_width
            crop_bottom = 0.0
            if page_height > page_width * MAX_ASPECT:
                crop_bottom = page_height - page_width * MAX_ASPECT
            bitmap = page.render(scale=scale, crop=(0, crop_bottom, 0, 0))
            image = bitmap.to_pil()
        finally:
            pdf.close()
    return _png(image)


def _render_pdftoppm(data: bytes, index: int, width: int) -> bytes:
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        target = Path(folder) / "out"
        subprocess.run(  # noqa: S603 - fixed program, our own arguments
            [
                shutil.which("pdftoppm") or "pdftoppm",
                "-png",
                "-singlefile",
                "-f",
                str(index + 1),
                "-l",
                str(index + 1),
                "-scale-to-x",
                str(width),
                "-scale-to-y",
                "-1",
                str(source),
                str(target),
            ],
            check=True,
            timeout=60,
            capture_output=True,
        )
        with Image.open(target.with_suffix(".png")) as image:
            image.load()
            if image.height > image.width * MAX_ASPECT:
                image = image.crop((0, 0, image.width, image.width * MAX_ASPECT))
            return _png(image)


def render_page(data: bytes, index: int, width: int) -> bytes:
    """Page `index` (0-based) of the PDF as a PNG `width` pixels wide."""
    kind = renderer()
    if kind == "pdfium":
        return _render_pdfium(data, index, width)
    if kind == "pdftoppm":
        return _render_pdftoppm(data, index, width)
    raise ReaderUnavailable


# --- The page cache ------------------------------------------------------------------------


def _cache_folder(stored: StoredFile) -> str:
    return f"{CACHE_ROOT}/{stored.committee_id}/{stored.sha256}"


def _cache_write(name: str, data: bytes) -> None:
    if default_storage.exists(name):
        return
    with contextlib.suppress(OSError):
        default_storage.save(name, ContentFile(data))


def page_sizes(document: MeetingDocument) -> list[tuple[float, float]]:
    """Page sizes of the document's file, cached beside its page images."""
    name = f"{_cache_folder(document.file)}/pages.json"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle, contextlib.suppress(ValueError):
            return [tuple(size) for size in json.loads(handle.read())]
    sizes = page_sizes_of(doc_files.read_verified(document.file))
    _cache_write(name, json.dumps(sizes).encode())
    return sizes


def page_image(document: MeetingDocument, page: int, width: int) -> bytes:
    """PNG of page `page` (1-based) at one of WIDTHS, rendered once per file+page+width.
    Raises Http404 for a page the document does not have, ReaderUnavailable without a
    renderer, doc_files.IntegrityError when the stored file changed since upload."""
    width = snap_width(width)
    if page < 1 or (document.page_count and page > document.page_count):
        raise Http404
    name = f"{_cache_folder(document.file)}/{page}-{width}.png"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    data = doc_files.read_verified(document.file)
    try:
        png = render_page(data, page - 1, width)
    except IndexError as exc:
        raise Http404 from exc
    _cache_write(name, png)
    return png


# --- Who may read what ---------------------------------------------------------------------


def may_read(user, document: MeetingDocument, *, meeting: Meeting | None = None) -> bool:
    meeting = meeting or document.item.meeting
    if not may_view(user, meeting):
        return False
    if not document.item.confidential:
        return True
    return may_see_confidential(user, meeting)


def get_meeting_document_for_user(user, code) -> MeetingDocument:
    """The document, or 404 outside the committee (and for a confidential item's document
    to anyone not present and not managing), 403 for someone who cannot see the meeting."""
    access = access_for(user)
    try:
        document = MeetingDocument.objects.select_related(
            "item", "item__meeting", "item__meeting__unit", "file"
        ).get(code=code, item__meeting__committee_id=access.committee_id)
    except (MeetingDocument.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404 from exc
    meeting = document.item.meeting
    if not may_view(user, meeting):
        raise PermissionDenied
    if not may_read(user, document, meeting=meeting):
        raise Http404
    return document


@dataclass
class ItemDocuments:
    item: AgendaItem
    documents: list[MeetingDocument]


def documents_for_user(
    user,
    meeting: Meeting,
    *,
    manage: bool | None = None,
    see_confidential: bool | None = None,
    items: list[AgendaItem] | None = None,
) -> list[ItemDocuments]:
    """The agenda items with the documents the user may read (a confidential item's only
    for those access.may_see_confidential lets see it; `see_confidential` is that answer
    when the caller already has it). `items`: the meeting's agenda with its documents
    prefetched (selectors.meeting_agenda(documents=True)), when the caller has it. Two or
    three queries, none with `items` and `see_confidential`."""
    if items is None:
        items = AgendaItem.objects.filter(meeting=meeting).prefetch_related(
            Prefetch(
                "documents",
                queryset=MeetingDocument.objects.select_related("file").order_by("created_at"),
            )
        )
    result = []
    for item in items:
        documents = list(item.documents.all())
        if item.confidential and documents:
            if see_confidential is None:
                see_confidential = may_see_confidential(user, meeting, manage=manage)
            if not see_confidential:
                documents = []
        result.append(ItemDocuments(item=item, documents=documents))
    return result


# --- Adding and removing ---------------------------------------------------------------------


@dataclass
class RegistryFile:
    stored: StoredFile
    label: str
    kind: str  # "outgoing" or "incoming"


def registry_files_for_user(user, *, limit: int = 30) -> list[RegistryFile]:
    """PDFs of the documents registry the user may read, newest first (at most `limit` of
    outgoing drafts and issued copies, and `limit` of incoming files): what a manager may
    put on the agenda without uploading it again. Three queries."""
    from capuyso.documents.models import DraftVersion, OutgoingDocument
    from capuyso.documents.selectors import incoming_for_user, outgoing_for_user

    outgoing = outgoing_for_user(user)
    found: list[RegistryFile] = []
    seen: set[int] = set()
    issued = (
        OutgoingDocument.objects.filter(
            pk__in=outgoing.values("pk"), signed_file__content_type=doc_files.PDF
        )
        .select_related("signed_file")
        .order_by("-created_at")[:limit]
    )
    for document in issued:
        found.append(RegistryFile(document.signed_file, str(document), "outgoing"))
        seen.add(document.signed_file_id)
    versions = (
        DraftVersion.objects.filter(
            document__in=outgoing.values("pk"), file__content_type=doc_files.PDF
        )
        .select_related("file", "document")
        .order_by("-created_at")[:limit]
    )
    for version in versions:
        if version.file_id not in seen:
            label = _("%(document)s (draft version %(number)s)") % {
                "document": version.document,
                "number": version.number,
            }
            found.append(RegistryFile(version.file, label, "outgoing"))
            seen.add(version.file_id)
    incoming = (
        StoredFile.objects.filter(
            incoming_documents__in=incoming_for_user(user).values("pk"),
            content_type=doc_files.PDF,
        )
        .prefetch_related("incoming_documents")
        .distinct()
        .order_by("-created_at")[:limit]
    )
    for stored in incoming:
        documents = list(stored.incoming_documents.all())
        label = str(documents[0]) if documents else stored.original_name
        found.append(RegistryFile(stored, f"{label} · {stored.original_name}", "incoming"))
    return found


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("unit").get(pk=meeting.pk)


def _title_from(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if name.lower().endswith(".pdf") else name
    return " ".join(stem.replace("_", " ").split())[:255] or _("Document")


@transaction.atomic
def meeting_document_add(
    *,
    actor,
    item: AgendaItem,
    upload=None,
    stored: StoredFile | None = None,
    title: str = "",
) -> MeetingDocument:
    """Attach a PDF to an agenda item: an upload (checked, stored), or a file the actor may
    already read in the documents registry (`stored`)."""
    meeting = _locked(item.meeting)
    if not may_manage(actor, meeting):
        raise PermissionDenied
    check_not_held(meeting)
    if (upload is None) == (stored is None):
        raise ValidationError({"file": ValidationError(_("Choose one PDF file."), code="required")})
    written: list[str] = []
    try:
        if upload is not None:
            try:
                checked = doc_files.check_upload(upload, allowed=(doc_files.PDF,))
            except ValidationError as exc:
                raise ValidationError(
                    {"file": ValidationError(exc.messages[0], code="bad_file")}
                ) from exc
            data = checked.data
            stored = doc_files.store(
                committee=meeting.committee,
                checked=checked,
                purpose=StoredFile.Purpose.ATTACHMENT,
                actor=actor,
                written=written,
            )
        else:
            if stored.committee_id != meeting.committee_id:
                raise PermissionDenied
            if stored.content_type != doc_files.PDF:
                raise ValidationError(
                    {
                        "file": ValidationError(
                            _("Only PDF files open in the reader."), code="bad_file"
                        )
                    }
                )
            data = doc_files.read_verified(stored)
        try:
            sizes = page_sizes_of(data)
        except Exception as exc:  # a PDF that pypdf accepted but PDFium cannot open
            raise ValidationError(
                {
                    "file": ValidationError(
                        _("This PDF cannot be shown on screen; save it again as PDF and retry."),
                        code="bad_file",
                    )
                }
            ) from exc
        document = MeetingDocument.objects.create(
            item=item,
            title=(" ".join(title.split()) or _title_from(stored.original_name))[:255],
            file=stored,
            page_count=len(sizes),
            added_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            verb=Verb.UPDATE,
            obj=meeting,
            changes={"document": [None, document.title], "item": item.title},
        )
    except BaseException:
        doc_files.discard(written)
        raise
    folder = _cache_folder(stored)
    transaction.on_commit(lambda: _cache_write(f"{folder}/pages.json", json.dumps(sizes).encode()))
    return document


@transaction.atomic
def meeting_document_remove(*, actor, document: MeetingDocument) -> None:
    meeting = _locked(document.item.meeting)
    if not may_manage(actor, meeting):
        raise PermissionDenied
    check_not_held(meeting)
    title = document.title
    MeetingDocument.objects.filter(pk=document.pk).delete()
    audit_record(actor=actor, verb=Verb.UPDATE, obj=meeting, changes={"document": [title, None]})


# --- Openings ------------------------------------------------------------------------------


def document_opening_record(*, user, document: MeetingDocument) -> DocumentOpening:
    """Record that `user` opened the document: the first time creates the row; a later
    opening (after OPENING_WINDOW without reading) counts one more; page turns in between
    only move the last time."""
    now = timezone.now()
    with transaction.atomic():
        opening = (
            DocumentOpening.objects.select_for_update().filter(document=document, user=user).first()
        )
        if opening is None:
            try:
                with transaction.atomic():
                    return DocumentOpening.objects.create(document=document, user=user)
            except IntegrityError:
                opening = DocumentOpening.objects.select_for_update().get(
                    document=document, user=user
                )
        if now - opening.last_opened_at >= OPENING_WINDOW:
            opening.times += 1
        opening.save(update_fields=["times", "last_opened_at"])
        return opening


def openings_of(document: MeetingDocument) -> list[DocumentOpening]:
    return list(
        DocumentOpening.objects.filter(document=document)
        .select_related("user")
        .order_by("-last_opened_at")
    )
