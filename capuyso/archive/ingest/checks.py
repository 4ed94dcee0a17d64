"""Checking one file for the archive and reading what it holds.

Nothing here writes. `examine(data, name)` refuses a file with a ValidationError that has a
code and a message naming the file, or returns what is in it: its type (by content, never
by name), pages, text (PDF text layer or DOCX), whether a PDF is signed, and whether pages
lack text (so OCR is needed).

The checks come before any decoding: the PDF must open without a password; a DOCX's
declared unpacked sizes (ZipInfo.file_size, which also caps what zipfile inflates) are
summed before one byte is inflated; an image's width × height is read from its header
before any pixel is decoded.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from capuyso.archive.models import ArchiveItem
from capuyso.documents.files import DOCX, JPEG, PDF, PNG, TIFF, _sniff

logger = logging.getLogger(__name__)

ACCEPTED = (PDF, DOCX, JPEG, PNG, TIFF)
PAGE_BREAK = "\n\f\n"  # between the texts of two pages in ArchiveItem.text
MIN_PAGE_CHARS = 20  # letters and digits a page needs to count as having a text layer
# (the same threshold as archive.ocr_tools.MIN_TEXT_CHARS: a page number alone is no text)


# --- limits (settings with defaults; see the report for config/settings.py) -------------


def max_file_bytes() -> int:
    return getattr(settings, "ARCHIVE_MAX_FILE_MB", 100) * 1024 * 1024


def max_image_pixels() -> int:
    return getattr(settings, "ARCHIVE_MAX_IMAGE_MEGAPIXELS", 100) * 1_000_000


def max_pages() -> int:
    return getattr(settings, "ARCHIVE_MAX_PAGES", 2000)


def docx_max_unpacked_bytes() -> int:
    return getattr(settings, "ARCHIVE_DOCX_MAX_UNPACKED_MB", 200) * 1024 * 1024


def docx_max_ratio() -> int:
    """Unpacked size over packed size. Word XML packs about 5–20 times; a bomb 1000."""
    return getattr(settings, "ARCHIVE_DOCX_MAX_RATIO", 100)


DOCX_RATIO_FLOOR = 10 * 1024 * 1024  # below this unpacked size the ratio does not matter
DOCX_MAX_ENTRIES = 10_000


# --- names ------------------------------------------------------------------------------


def safe_name(name: str, *, default: str = "tep") -> str:
    """A file name fit to show and to record: the last path part only (no `../`, no
    drive or absolute path), without control or format characters (NUL, newlines, bidi
    overrides), at most 200 characters with its extension kept. Never used to store."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/")
    name = name.rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).lstrip(".").strip()
    name = re.sub(r"^[A-Za-z]:", "", name).strip()  # a Windows drive: "C:evil.pdf"
    if not name:
        return default
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 8:
            return f"{stem[: 199 - len(extension)]}.{extension}"
        return name[:200]
    return name


def safe_path(parts: tuple[str, ...]) -> str:
    """A relative path of the intake folder, each part made safe, joined with "/"."""
    return "/".join(safe_name(part, default="_") for part in parts)[:1000]


# --- what is in a file ------------------------------------------------------------------


@dataclass
class Examined:
    content_type: str
    pages: int
    text: str = ""
    text_source: str = ArchiveItem.TextSource.NONE
    signed: bool = False
    pages_without_text: int = 0

    @property
    def needs_ocr(self) -> bool:
        return self.content_type in (JPEG, PNG, TIFF) or self.pages_without_text > 0


def refusal(message: str, code: str, **params) -> ValidationError:
    return ValidationError(message % params, code=code)


def too_large(name: str) -> ValidationError:
    return refusal(
        _("%(name)s is larger than the %(limit)s MB limit."),
        "too_large",
        name=name,
        limit=max_file_bytes() // (1024 * 1024),
    )


def examine(data: bytes, name: str) -> Examined:
    """Check one file and read what it holds; ValidationError (with a code) when refused."""
    if not data:
        raise refusal(_("%(name)s is empty (0 bytes)."), "empty", name=name)
    if len(data) > max_file_bytes():
        raise too_large(name)
    kind = _sniff(data)
    if kind not in ACCEPTED:
        raise refusal(
            _("%(name)s is not an accepted file type. Accepted: %(accepted)s."),
            "unsupported",
            name=name,
            accepted="PDF, DOCX, JPEG, PNG, TIFF",
        )
    if kind == PDF:
        return _examine_pdf(data, name)
    if kind == DOCX:
        return _examine_docx(data, name)
    return _examine_image(data, name, kind)


def page_has_text(text: str) -> bool:
    return sum(ch.isalnum() for ch in text or "") >= MIN_PAGE_CHARS


def _too_many_pages(name: str, pages: int) -> ValidationError:
    return refusal(
        _("%(name)s has %(pages)s pages, more than the %(limit)s page limit; split it."),
        "too_many_pages",
        name=name,
        pages=pages,
        limit=max_pages(),
    )


def _examine_pdf(data: bytes, name: str) -> Examined:
    from pypdf import PdfReader

    damaged = _("%(name)s is not a readable PDF (the file is damaged or incomplete).")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
        count = 0 if encrypted else len(reader.pages)
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise refusal(damaged, "corrupt", name=name) from exc
    if encrypted:
        raise refusal(
            _("%(name)s is password-protected; upload a copy without a password."),
            "encrypted",
            name=name,
        )
    if count == 0:
        raise refusal(damaged, "corrupt", name=name)
    if count > max_pages():
        raise _too_many_pages(name, count)
    texts = pdf_page_texts(reader)
    with_text = [text for text in texts if page_has_text(text)]
    return Examined(
        content_type=PDF,
        pages=count,
        text=PAGE_BREAK.join(texts) if with_text else "",
        text_source=ArchiveItem.TextSource.PDF if with_text else ArchiveItem.TextSource.NONE,
        signed=pdf_is_signed(reader, data),
        pages_without_text=count - len(with_text),
    )


def pdf_page_texts(reader) -> list[str]:
    """The text layer of every page ("" for a page without one or whose text fails)."""
    texts = []
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:  # one odd page must not lose the others
            logger.info("no text from page %s", number, exc_info=True)
            text = ""
        texts.append(text.replace("\x00", "").strip())
    return texts


def pdf_is_signed(reader, data: bytes) -> bool:
    """A signature value in the file: a /ByteRange, or a filled /Sig field of the form."""
    if b"/ByteRange" in data:
        return True
    try:
        form = reader.trailer["/Root"].get("/AcroForm")
        pending = [(ref, None) for ref in (form.get_object().get("/Fields", []) if form else [])]
        seen = 0
        while pending and seen < 5000:
            seen += 1
            ref, inherited = pending.pop()
            node = ref.get_object()
            kind = node.get("/FT", inherited)
            if kind == "/Sig" and node.get("/V") is not None:
                return True
            pending.extend((kid, kind) for kid in node.get("/Kids", []))
    except Exception:  # a damaged form is not a signature
        logger.info("form fields unreadable", exc_info=True)
    return False


def _examine_docx(data: bytes, name: str) -> Examined:
    damaged = _("%(name)s is not a readable Word document (the file is damaged).")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        entries = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise refusal(damaged, "corrupt", name=name) from exc
    unpacked = sum(entry.file_size for entry in entries)
    if (
        len(entries) > DOCX_MAX_ENTRIES
        or unpacked > docx_max_unpacked_bytes()
        or (unpacked > DOCX_RATIO_FLOOR and unpacked > docx_max_ratio() * len(data))
    ):
        raise refusal(
            _(
                "%(name)s unpacks to %(size)s MB, far more than a Word document holds; "
                "it was refused as a possible zip bomb."
            ),
            "zip_bomb",
            name=name,
            size=unpacked // (1024 * 1024),
        )
    if "word/document.xml" not in {entry.filename for entry in entries}:
        raise refusal(
            _("%(name)s is not a Word document (.docx). Accepted: PDF, DOCX, JPEG, PNG, TIFF."),
            "unsupported",
            name=name,
        )
    try:
        text = docx_text(data)
        pages = _docx_pages(package)
    except Exception as exc:  # python-docx and lxml raise many kinds on damaged parts
        raise refusal(damaged, "corrupt", name=name) from exc
    return Examined(
        content_type=DOCX,
        pages=pages,
        text=text,
        text_source=ArchiveItem.TextSource.DOCX if text.strip() else ArchiveItem.TextSource.NONE,
    )


def docx_text(data: bytes) -> str:
    """Paragraphs and tables in document order (the header table of a Party document
    comes first, left cell before right), merged cells once, nested tables included."""
    from docx import Document
    from docx.table import Table

    lines: list[str] = []

    def walk(container) -> None:
        for block in container.iter_inner_content():
            if not isinstance(block, Table):
                lines.append(block.text)
                continue
            for row in block.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    walk(cell)

    walk(Document(io.BytesIO(data)))
    text = "\n".join(line.replace("\x00", "") for line in lines)
    return text.strip()


def _docx_pages(package: zipfile.ZipFile) -> int:
    """The page count Word saved in docProps/app.xml (1 when it did not)."""
    try:
        info = package.getinfo("docProps/app.xml")
    except KeyError:
        return 1
    if info.file_size > 1024 * 1024:
        return 1
    match = re.search(rb"<(?:\w+:)?Pages>(\d{1,5})<", package.read(info))
    return max(1, int(match.group(1))) if match else 1


PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", TIFF: "TIFF"}


def _examine_image(data: bytes, name: str, kind: str) -> Examined:
    """The image's plugin is called directly (not Image.open): it reads the header only,
    and Pillow's own bomb check, which names no size, does not pre-empt ours."""
    from PIL import Image, UnidentifiedImageError

    damaged = _("%(name)s is not a readable image (the file is damaged).")
    Image.init()
    factory, _accept = Image.OPEN[PILLOW_FORMATS[kind]]
    try:
        with factory(io.BytesIO(data)) as image:  # reads the header, decodes nothing
            sizes = [image.size]
            frames = getattr(image, "n_frames", 1)
            if frames > max_pages():
                raise _too_many_pages(name, frames)
            for frame in range(1, frames):  # a TIFF's other pages: their headers only
                image.seek(frame)
                sizes.append(image.size)
            _check_pixels(name, sizes)
            image.seek(0)
            image.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise refusal(damaged, "corrupt", name=name) from exc
    return Examined(content_type=kind, pages=frames)


def _check_pixels(name: str, sizes: list[tuple[int, int]]) -> None:
    for size in sizes:
        if size[0] * size[1] > max_image_pixels():
            raise _image_too_large(name, size)


def _image_too_large(name: str, size: tuple[int, int]) -> ValidationError:
    width, height = size
    return refusal(
        _(
            "%(name)s is %(width)s × %(height)s pixels, more than the %(limit)s megapixel "
            "limit; scan it again at 300 dpi."
        ),
        "image_too_large",
        name=name,
        width=width,
        height=height,
        limit=max_image_pixels() // 1_000_000,
    )
