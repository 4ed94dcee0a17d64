"""The OCR of one page, without the database: reading an archive item's original (a PDF or
an image's frames), finding its image-only pages, and running OCRmyPDF/Tesseract on one page
in a subprocess. The pipeline around it (status, retries, recovery) is capuyso.archive.ocr.

OCRmyPDF runs with OMP_THREAD_LIMIT=1 (Tesseract's threads cost more than they give on two
cores: about 9 s → 1.3 s a page), --psm 3 (--psm 6 mangles degraded scans), one job, no
optimisation and plain PDF output (PDF/A would add a Ghostscript pass). A timeout kills the
whole process group, Tesseract and Ghostscript included.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from capuyso.archive.models import ArchiveItem

logger = logging.getLogger(__name__)

PDF = "application/pdf"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/tiff")
MIN_TEXT_CHARS = 20  # a PDF page with fewer letters and digits in its text layer is OCR'd
DEFAULT_IMAGE_DPI = 300
EXIT_ALREADY_HAS_TEXT = 6  # ocrmypdf: "page already has text"
TOOLS_CHECK_SECONDS = 300


class PageError(Exception):
    """One page could not be OCR'd; the message is the reason shown to users."""


def page_timeout() -> int:
    return int(getattr(settings, "ARCHIVE_OCR_PAGE_TIMEOUT", 180))


def ocr_language() -> str:
    return getattr(settings, "ARCHIVE_OCR_LANGUAGE", "vie")


# --- tools --------------------------------------------------------------------------------

_tools_checked: tuple[float, str] | None = None


def tools_missing() -> str:
    """ "" when OCRmyPDF and Tesseract with Vietnamese are installed, else the reason (checked
    at most every few minutes per process, so installing them later needs no restart)."""
    global _tools_checked
    now = time.monotonic()
    if _tools_checked is None or now - _tools_checked[0] > TOOLS_CHECK_SECONDS:
        _tools_checked = (now, _probe_tools())
    return _tools_checked[1]


def _probe_tools() -> str:
    tesseract = shutil.which("tesseract")
    if not tesseract:
        return _("OCR is unavailable: Tesseract is not installed on the server.")
    if not shutil.which("ocrmypdf"):
        return _("OCR is unavailable: OCRmyPDF is not installed on the server.")
    try:
        listed = subprocess.run(  # noqa: S603 - a fixed command
            [tesseract, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return _("OCR is unavailable: Tesseract does not start on the server.")
    languages = set((listed.stdout + listed.stderr).split())
    if not set(ocr_language().split("+")) <= languages:
        return _(
            "OCR is unavailable: the Vietnamese language data of Tesseract "
            "(tesseract-ocr-vie) is not installed on the server."
        )
    return ""


# --- the item's file ------------------------------------------------------------------------


class PageSource:
    """The original, opened for reading once per run: a PDF or an image's frames."""

    def __init__(self, item: ArchiveItem):
        self.content_type = item.content_type
        with item.file.open("rb") as handle:
            self.data = handle.read()
        self.reader = None
        self.image = None
        if self.content_type == PDF:
            from pypdf import PdfReader

            self.reader = PdfReader(io.BytesIO(self.data), strict=False)
            if self.reader.is_encrypted and not self.reader.decrypt(""):
                raise PageError(_("The PDF is encrypted."))
            self.count = len(self.reader.pages)
        else:
            from PIL import Image

            self.image = Image.open(io.BytesIO(self.data))
            self.count = getattr(self.image, "n_frames", 1)

    def layer_text(self, number: int) -> str:
        try:
            return self.reader.pages[number - 1].extract_text() or ""
        except Exception:  # pypdf raises many kinds of errors on damaged pages
            logger.info("text layer of page %s unreadable", number, exc_info=True)
            return ""

    def image_dpi(self) -> int:
        dpi = self.image.info.get("dpi")
        try:
            value = round(float(dpi[0]))
        except (TypeError, ValueError, IndexError):
            return DEFAULT_IMAGE_DPI
        return value if 70 <= value <= 1200 else DEFAULT_IMAGE_DPI

    def frame(self, number: int):
        self.image.seek(number - 1)
        frame = self.image.copy()
        if frame.mode in ("1", "L", "RGB"):
            return frame
        from PIL import Image

        # img2pdf refuses alpha; a transparent background becomes white paper
        rgba = frame.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper

    def page_input(self, number: int, folder: Path) -> tuple[Path, int | None]:
        """The page as a file OCRmyPDF takes (1-page PDF or image) and the image's DPI."""
        try:
            if self.reader is not None:
                from pypdf import PdfWriter

                writer = PdfWriter()
                writer.add_page(self.reader.pages[number - 1])
                path = folder / "page.pdf"
                with path.open("wb") as out:
                    writer.write(out)
                return path, None
            dpi = self.image_dpi()
            if self.content_type == "image/jpeg" and self.count == 1:
                path = folder / "page.jpg"
                path.write_bytes(self.data)
                return path, dpi
            path = folder / "page.png"
            self.frame(number).save(path, "PNG", dpi=(dpi, dpi))
            return path, dpi
        except PageError:
            raise
        except Exception as exc:
            raise PageError(_("The page could not be read: %(error)s") % {"error": exc}) from exc

    def page_pdf(self, number: int) -> bytes:
        """The page without OCR, for the searchable copy (a failed page keeps its image)."""
        if self.reader is not None:
            from pypdf import PdfWriter

            writer = PdfWriter()
            writer.add_page(self.reader.pages[number - 1])
            out = io.BytesIO()
            writer.write(out)
            return out.getvalue()
        out = io.BytesIO()
        dpi = self.image_dpi()
        self.frame(number).save(out, "PDF", resolution=dpi)
        return out.getvalue()


def pages_needing_ocr(source: PageSource) -> list[int]:
    """1-based numbers of the pages to OCR: every frame of an image; the PDF pages whose
    text layer has fewer than MIN_TEXT_CHARS letters and digits."""
    if source.reader is None:
        return list(range(1, source.count + 1))
    numbers = []
    for number in range(1, source.count + 1):
        text = source.layer_text(number)
        if sum(ch.isalnum() for ch in text) < MIN_TEXT_CHARS:
            numbers.append(number)
    return numbers


def ocr_page(source: PageSource, number: int, folder: Path) -> tuple[str, bytes]:
    """OCR one page: its text (one line per line read) and its 1-page searchable PDF."""
    src, dpi = source.page_input(number, folder)
    out, sidecar = folder / "out.pdf", folder / "out.txt"
    run_ocrmypdf(src, out, sidecar, image_dpi=dpi)
    try:
        text, pdf = sidecar.read_text(encoding="utf-8"), out.read_bytes()
    except OSError as exc:
        raise PageError(_("OCRmyPDF wrote no result: %(error)s") % {"error": exc}) from exc
    # Tesseract puts a blank line between blocks; a text layer has none, and the metadata
    # extractor reads a blank line after the title as the end of the summary.
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip()), pdf


def run_ocrmypdf(src: Path, out: Path, sidecar: Path, *, image_dpi: int | None = None) -> None:
    """Run OCRmyPDF on one page in a subprocess (one thread, a timeout); PageError if it
    fails. A page that already carries some text (too little to count) is rasterised."""
    code, detail = _ocrmypdf(src, out, sidecar, image_dpi=image_dpi, force=False)
    if code == EXIT_ALREADY_HAS_TEXT:
        code, detail = _ocrmypdf(src, out, sidecar, image_dpi=image_dpi, force=True)
    if code != 0:
        raise PageError(
            _("OCRmyPDF stopped with code %(code)s: %(detail)s") % {"code": code, "detail": detail}
        )


def _ocrmypdf(src, out, sidecar, *, image_dpi, force) -> tuple[int, str]:
    options = "--tesseract-pagesegmode 3 --output-type pdf --optimize 0 --jobs 1 --quiet"
    command = [shutil.which("ocrmypdf") or "ocrmypdf", "--language", ocr_language()]
    command += [*options.split(), "--sidecar", str(sidecar)]
    if image_dpi:
        command += ["--image-dpi", str(image_dpi)]
    if force:
        command.append("--force-ocr")
    command += [str(src), str(out)]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "TMPDIR": str(src.parent)}
    try:
        process = subprocess.Popen(  # noqa: S603 - fixed program, our own file names
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # a timeout kills Tesseract and Ghostscript too
        )
    except OSError as exc:
        raise PageError(_("OCRmyPDF could not start: %(error)s") % {"error": exc}) from exc
    try:
        stderr = process.communicate(timeout=page_timeout())[1]
    except subprocess.TimeoutExpired as exc:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise PageError(
            _("OCR of the page took longer than %(seconds)s seconds.") % {"seconds": page_timeout()}
        ) from exc
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    return process.returncode, (lines[-1] if lines else "")[:300]
