"""Signed PDFs for the verification tests: real pyHanko signatures by DevPKI identities."""

from __future__ import annotations

import functools
import io

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from capuyso.signing import pdf
from capuyso.signing.devpki import Identity


def asn1(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def simple_signer(identity: Identity, *, embed_chain: bool = True) -> signers.SimpleSigner:
    key = asn1_keys.PrivateKeyInfo.load(
        identity.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    chain = [asn1(c) for c in identity.chain] if embed_chain else []
    return signers.SimpleSigner(
        signing_cert=asn1(identity.cert),
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )


def sign(
    data: bytes,
    identity: Identity,
    *,
    field: str = "capuyso_chu_ky",
    timestamper=None,
    embed_chain: bool = True,
) -> bytes:
    """`data` with one more signature (an incremental revision), B-B or B-T."""
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    signer = signers.PdfSigner(
        meta, signer=simple_signer(identity, embed_chain=embed_chain), timestamper=timestamper
    )
    return signer.sign_pdf(writer).getvalue()


def http_timestamper(tsa_server):
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(tsa_server.url, timeout=10)


@functools.cache
def document(pages: int = 1) -> bytes:
    """A Party-layout page (number line, place and date line), `pages` pages long."""
    from weasyprint import HTML

    body = (
        "<p>ĐẢNG BỘ XÃ PHÚ CÁT</p><p>Số 09-KH/ĐU</p>"
        "<p>Phú Cát, ngày 05 tháng 01 năm 2026</p><p>KẾ HOẠCH chuyển đổi số</p>"
    )
    filler = "<p>Nội dung văn bản được ký số và gửi qua nền tảng. " * 60 + "</p>"
    html = body + "".join(
        f"<div style='page-break-before:always'>{filler}</div>" for _ in range(pages - 1)
    )
    return HTML(string=html).write_pdf()


def tamper(data: bytes) -> bytes:
    """One changed byte inside the signed range (the producer name of the first revision)."""
    changed = data.replace(b"WeasyPrint", b"WeasyPrunt", 1)
    assert changed != data
    return changed


def change_page(data: bytes) -> bytes:
    """An incremental update that writes new text on page 1: not allowed after signing."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    page_ref, _resources = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    added = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (DA SUA) Tj ET")
    )
    page[pdf_name("/Contents")] = generic.ArrayObject([page.raw_get("/Contents"), added])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(data)))
    writer.encrypt("", "chu-so-huu")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def trust(*identities: Identity, crls=()) -> pdf.TrustStore:
    """A trust store with these roots (DevPKI.root) and CRLs (DER bytes)."""
    return pdf.TrustStore(
        roots=[asn1(i.cert) for i in identities], crls=[pdf.load_crl(c) for c in crls]
    )


def upload(data: bytes, name: str = "van-ban-ky-so.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")
