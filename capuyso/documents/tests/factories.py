"""Small builders for document tests (the shared cast comes from the root conftest)."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from capuyso.documents.models import DocumentType
from capuyso.documents.services.incoming import incoming_register


def doc_type(committee, abbreviation="KH"):
    return DocumentType.objects.get(committee=committee, abbreviation=abbreviation)


def pdf_bytes(text: str = "Đảng ủy xã Phú Cát") -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


_PDF_CACHE: dict[str, bytes] = {}


def pdf_upload(name="van-ban.pdf", text="Đảng ủy xã Phú Cát") -> SimpleUploadedFile:
    if text not in _PDF_CACHE:
        _PDF_CACHE[text] = pdf_bytes(text)
    return SimpleUploadedFile(name, _PDF_CACHE[text], content_type="application/pdf")


def png_upload(name="anh.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def register(cast, *, actor=None, reference="09-KH/TU", summary="Kế hoạch chuyển đổi số", **kw):
    values = {
        "doc_type": doc_type(cast.committee, kw.pop("abbreviation", "KH")),
        "issuer_name": "Thành ủy Hà Nội",
        "reference": reference,
        "document_date": dt.date(2026, 1, 5),
        "summary": summary,
    }
    values.update(kw)
    return incoming_register(actor=actor or cast.clerk, **values)
