"""Bad files for signing get a clear message and change nothing."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader, PdfWriter

from capuyso.documents import files as doc_files
from capuyso.signing import keys, pdf, services
from capuyso.signing.models import Signature, SigningFile
from capuyso.signing.tests.test_signing_flow import (  # noqa: F401 - fixtures
    PASS,
    approved,
    keys_ready,
    layout_pdf,
    prepared,
    trusted,
)

pytestmark = pytest.mark.django_db


def _encrypted() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(layout_pdf())))
    writer.encrypt("mat-khau")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF", "corrupt"),
        (b"PK\x03\x04 not a pdf", "not_pdf"),
        (None, "encrypted"),
    ],
)
def test_bad_pdfs_are_refused_before_anything_is_stored(cast, keys_ready, data, code):  # noqa: F811
    document = approved(cast)
    with pytest.raises(ValidationError) as caught:
        services.prepare_signing_file(
            actor=cast.clerk, document=document, upload=_encrypted() if data is None else data
        )
    assert caught.value.error_list[0].code == code
    assert str(caught.value.messages[0])  # a sentence for the user
    assert not SigningFile.objects.filter(document=document).exists()


def test_a_pdf_signed_elsewhere_keeps_its_signature_and_gets_a_new_field(cast, keys_ready):  # noqa: F811
    signer, _seal, initial = keys_ready
    with keys.open_signer(initial, PASS) as key:
        outside, field, _level = pdf.sign(
            layout_pdf(), key, pdf.SignRequest(role="signer", appearance=pdf.Appearance(["x"]))
        )
    assert field == "capuyso_chu_ky"
    document = approved(cast)
    signing_file = services.prepare_signing_file(
        actor=cast.clerk, document=document, upload=outside
    )
    assert not signing_file.has_number_fields  # adding fields would break the first signature
    services.sign_document(
        actor=cast.secretary, document=document, role="signer", credential=signer, secret=PASS
    )
    document.refresh_from_db()
    data = doc_files.read_verified(document.signed_file)
    report = services.verify_bytes(data, cast.committee)
    assert [s["field"] for s in report["signatures"]] == ["capuyso_chu_ky", "capuyso_chu_ky_2"]
    assert report["verdict"] == "valid", report
    # Asking for the taken name explicitly is refused, and nothing is written.
    with keys.open_signer(signer, PASS) as key, pytest.raises(pdf.PdfProblem) as caught:
        pdf.sign_with_field_name(
            data,
            key,
            pdf.SignRequest(role="signer", appearance=pdf.Appearance(["x"])),
            "capuyso_chu_ky",
        )
    assert caught.value.code == "field_taken"
    assert Signature.objects.filter(document=document).count() == 1
