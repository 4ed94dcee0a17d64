"""Checking, storing and serving document files.

Every upload is checked before anything is written: its type by content (not by name),
that a PDF really opens, that a DOCX is a Word package, that an image decodes, and its
size. Stored names are random; files are only ever served by a view that checks the
user's right and the SHA-256 recorded at upload.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # member imports

EXTENSIONS = {PDF: "pdf", DOCX: "docx", JPEG: "jpg", PNG: "png", TIFF: "tif", XLSX: "xlsx"}
ALLOWED_NAMES = (".pdf", ".docx", ".jpg", ".jpeg", ".png", ".tif", ".tiff")


@dataclass
class CheckedFile:
    name: str
    data: bytes
    content_type: str
    sha256: str
    text: str = ""  # the PDF text layer, when there is one

    @property
    def size(self) -> int:
        return len(self.data)


def max_upload_bytes() -> int:
    return settings.DOCUMENT_MAX_UPLOAD_MB * 1024 * 1024


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if data.startswith(b"PK\x03\x04"):
        return DOCX
    return None


def _check_pdf(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _("%(name)s is password-protected; upload a copy without a password.")
                % {"name": name}
            )
        if len(reader.pages) == 0:
            raise ValueError("no pages")
        text_parts = [page.extract_text() or "" for page in reader.pages[:2]]
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ValidationError(
            _("%(name)s is not a readable PDF (the file is damaged or incomplete).")
            % {"name": name}
        ) from exc
    return "\n".join(text_parts)


def _check_docx(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except zipfile.BadZipFile as exc:
        raise ValidationError(
            _("%(name)s is not a readable Word document (the file is damaged).") % {"name": name}
        ) from exc
    if "word/document.xml" not in names:
        raise ValidationError(
            _("%(name)s is not a Word document (.docx). Accepted: PDF, DOCX, JPEG, PNG, TIFF.")
            % {"name": name}
        )


def _check_image(data: bytes, name: str) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("%(name)s is not a readable image (the file is damaged).") % {"name": name}
        ) from exc


def check_upload(upload, *, allowed: tuple[str, ...] = (PDF, DOCX, JPEG, PNG, TIFF)) -> CheckedFile:
    """Read and check one uploaded file; raises ValidationError with a message for the user."""
    name = (getattr(upload, "name", "") or "tep").rsplit("/", 1)[-1][:200]
    size = getattr(upload, "size", None)
    limit = max_upload_bytes()
    if size is not None and size > limit:
        raise ValidationError(
            _("%(name)s is larger than the %(limit)s MB limit.")
            % {"name": name, "limit": settings.DOCUMENT_MAX_UPLOAD_MB}
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("%(name)s is larger than the %(limit)s MB limit.")
            % {"name": name, "limit": settings.DOCUMENT_MAX_UPLOAD_MB}
        )
    if not data:
        raise ValidationError(_("%(name)s is empty (0 bytes).") % {"name": name})
    kind = _sniff(data)
    if kind is None or kind not in allowed or not name.lower().endswith(ALLOWED_NAMES):
        accepted = ", ".join(EXTENSIONS[k].upper() for k in allowed)
        raise ValidationError(
            _("%(name)s is not an accepted file type. Accepted: %(accepted)s.")
            % {"name": name, "accepted": accepted}
        )
    text = ""
    if kind == PDF:
        text = _check_pdf(data, name)
    elif kind == DOCX:
        _check_docx(data, name)
    else:
        _check_image(data, name)
    return CheckedFile(
        name=name, data=data, content_type=kind, sha256=hashlib.sha256(data).hexdigest(), text=text
    )


def store(
    *, committee, checked: CheckedFile, purpose: str, actor=None, written: list | None = None
):
    """Write the bytes under a random name and record them. `written` collects the storage
    names so a caller whose transaction fails can remove them (see discard)."""
    from capuyso.documents.models import StoredFile

    today = timezone.localdate()
    path = (
        f"documents/{committee.pk}/{today:%Y/%m}/{uuid.uuid4().hex}."
        f"{EXTENSIONS[checked.content_type]}"
    )
    saved_name = default_storage.save(path, ContentFile(checked.data))
    if written is not None:
        written.append(saved_name)
    return StoredFile.objects.create(
        committee=committee,
        file=saved_name,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        purpose=purpose,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        has_text_layer=bool(checked.text.strip()),
    )


# --- incoming files: hooks other apps register ------------------------------------------
# The signing app checks the signatures of every PDF an incoming document receives. It
# registers its check here (in its AppConfig.ready), so documents never imports signing.
# The incoming services call `incoming_files_added` wherever a document gets files.

IncomingFileHook = Callable[[Any], None]
_incoming_hooks: list[IncomingFileHook] = []


def register_incoming_hook(hook: IncomingFileHook) -> None:
    """Call `hook(stored_file)` for each file an incoming document receives, in the request.

    A hook must be quick and must not raise: registration never fails because of it.
    """
    if hook not in _incoming_hooks:
        _incoming_hooks.append(hook)


def incoming_files_added(stored_files: Iterable) -> None:
    for stored in stored_files:
        for hook in _incoming_hooks:
            try:
                with transaction.atomic():  # a savepoint: a failed hook leaves no trace
                    hook(stored)
            except Exception:  # a hook is an extra: the document is registered regardless
                logger.exception("incoming file hook %r failed on file %s", hook, stored.pk)


def discard(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


class IntegrityError(Exception):
    """A stored file no longer matches the SHA-256 recorded when it was stored."""


def read_verified(stored) -> bytes:
    with default_storage.open(stored.file.name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != stored.sha256:
        raise IntegrityError(stored.file.name)
    return data
