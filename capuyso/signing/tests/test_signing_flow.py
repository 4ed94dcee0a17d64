"""The signing journey of an outgoing document, through the services, with real keys."""

from __future__ import annotations

import datetime as dt
import functools
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from pyhanko.pdf_utils.reader import PdfFileReader

from capuyso.documents import files as doc_files
from capuyso.documents.layout import PartyLayout, render_docx
from capuyso.documents.services import outgoing as out_svc
from capuyso.documents.tests.factories import pdf_bytes
from capuyso.documents.tests.test_outgoing_services import draft
from capuyso.signing import convert, pdf, services
from capuyso.signing.models import Credential, Signature, SigningFile

pytestmark = pytest.mark.django_db

PASS = "mat-khau-1"


def _p12(identity):
    return identity.pkcs12(PASS)


@pytest.fixture
def trusted(cast, dev_pki):
    services.trust_anchor_add(
        actor=cast.admin, committee=cast.committee, data=dev_pki.root.cert_pem()
    )
    services.trust_anchor_add(
        actor=cast.admin, committee=cast.committee, data=dev_pki.intermediate.cert_pem()
    )
    return dev_pki


def register_p12(cast, user, identity, *, purpose=Credential.Purpose.PERSONAL):
    credential, warnings = services.credential_register(
        actor=user,
        committee=cast.committee,
        spec=services.NewCredential(
            kind=Credential.Kind.PKCS12, purpose=purpose, pkcs12=_p12(identity), passphrase=PASS
        ),
    )
    return credential


@pytest.fixture
def keys_ready(cast, trusted):
    signer = register_p12(cast, cast.secretary, trusted.issue("Nguyễn Văn Bình"))
    seal = register_p12(
        cast,
        cast.clerk,
        trusted.issue("Đảng ủy xã Phú Cát", organization="Đảng ủy xã Phú Cát"),
        purpose=Credential.Purpose.SEAL,
    )
    initial = register_p12(cast, cast.clerk, trusted.issue("Đỗ Thị Lan"))
    return signer, seal, initial


def approved(cast):
    document = draft(cast)
    return out_svc.outgoing_approve(actor=cast.secretary, document=document)


@functools.cache
def layout_pdf() -> bytes:
    """A Party-layout PDF (converted once per session when LibreOffice is installed)."""
    if not convert.available():
        return pdf_bytes(
            'Số      -KH/ĐU</p><p style="text-align:right">Phú Cát, ngày    tháng    năm 2026'
        )
    layout = PartyLayout(
        superior_name="ĐẢNG BỘ THÀNH PHỐ HÀ NỘI",
        issuer_name="ĐẢNG ỦY XÃ PHÚ CÁT",
        number=None,
        type_abbreviation="KH",
        issuer_abbreviation="ĐU",
        place="Phú Cát",
        date=None,
        year=2026,
        type_name="KẾ HOẠCH",
        summary="Tổ chức Đại hội",
        body="I. MỤC ĐÍCH, YÊU CẦU\n\nBảo đảm dân chủ.",
        signature_capacity="T/M BAN THƯỜNG VỤ",
        signer_title="BÍ THƯ",
        signer_name="Nguyễn Văn Bình",
        recipients=["Các chi bộ"],
    )
    return convert.docx_to_pdf(render_docx(layout))


def prepared(cast, document, *, convert_docx: bool = False):
    """Prepare the signing PDF: through LibreOffice when asked (slow), else by upload."""
    if convert_docx and convert.available():
        return services.prepare_signing_file(actor=cast.clerk, document=document)
    return services.prepare_signing_file(actor=cast.clerk, document=document, upload=layout_pdf())


def test_initial_signature_seal_and_number_all_validate(cast, keys_ready, tmp_path):
    signer, seal, initial = keys_ready
    document = approved(cast)
    signing_file = prepared(cast, document, convert_docx=True)
    assert signing_file.source == ("converted" if convert.available() else "uploaded")
    services.sign_document(
        actor=cast.clerk, document=document, role="initial", credential=initial, secret=PASS
    )
    services.sign_document(
        actor=cast.secretary, document=document, role="signer", credential=signer, secret=PASS
    )
    document.refresh_from_db()
    assert document.signature_level == pdf.LEVEL_B_B
    issued = services.issue_signed(
        actor=cast.clerk, document=document, credential=seal, secret=PASS, version=None
    )
    issued.refresh_from_db()
    assert issued.reference.startswith("01-KH/")
    data = doc_files.read_verified(issued.signed_file)
    report = services.verify_bytes(data, cast.committee)
    assert report["verdict"] == "valid", report
    assert [s["field"] for s in report["signatures"]] == [
        "capuyso_ky_nhay",
        "capuyso_chu_ky",
        "capuyso_con_dau",
    ]
    assert list(Signature.objects.filter(document=document).values_list("role", flat=True)) == [
        "initial",
        "signer",
        "seal",
    ]
    signing_file.refresh_from_db()
    if signing_file.has_number_fields:
        reader = PdfFileReader(io.BytesIO(data))
        values = {
            str(f.get_object()["/T"]): str(f.get_object().get("/V"))
            for f in reader.root["/AcroForm"]["/Fields"]
        }
        assert values[pdf.NUMBER_FIELD] == f"Số {issued.reference}"
        assert "tháng" in values[pdf.DATE_FIELD]
    # pyHanko's own validator agrees.
    target = tmp_path / "signed.pdf"
    target.write_bytes(data)
    root = tmp_path / "root.pem"
    root.write_bytes(trusted_root_pem(cast))
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "pyhanko"),
            "sign",
            "validate",
            "--executive-summary",
            "--no-revocation-check",
            "--trust-replace",
            "--trust",
            str(root),
            str(target),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 3 and all("VALID" in line and "INVALID" not in line for line in lines), (
        lines
    )


def trusted_root_pem(cast) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", services.trust_store(cast.committee).roots[0].dump())


def test_wrong_passphrase_changes_nothing(cast, keys_ready):
    signer, _seal, _initial = keys_ready
    document = approved(cast)
    signing_file = prepared(cast, document)
    with pytest.raises(ValidationError) as caught:
        services.sign_document(
            actor=cast.secretary, document=document, role="signer", credential=signer, secret="sai"
        )
    assert "secret" in caught.value.message_dict
    document.refresh_from_db()
    assert document.signed_file_id is None
    assert not Signature.objects.filter(document=document).exists()
    assert SigningFile.objects.get(pk=signing_file.pk).current_id == signing_file.current_id


def test_certificate_of_someone_else_is_refused(cast, trusted):
    with pytest.raises(ValidationError):
        register_p12(cast, cast.secretary, trusted.issue("Trần Thị Hạnh"))


def test_expired_and_soon_expiring_certificates(cast, trusted):
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(ValidationError):
        register_p12(
            cast,
            cast.secretary,
            trusted.issue("Nguyễn Văn Bình", not_before=now - dt.timedelta(days=400), days=30),
        )
    _credential, warnings = services.credential_register(
        actor=cast.secretary,
        committee=cast.committee,
        spec=services.NewCredential(
            kind=Credential.Kind.PKCS12,
            pkcs12=_p12(trusted.issue("Nguyễn Văn Bình", days=10)),
            passphrase=PASS,
        ),
    )
    assert warnings


def test_only_the_signer_signs(cast, keys_ready):
    _signer, _seal, initial = keys_ready
    document = approved(cast)
    prepared(cast, document)
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        services.sign_document(
            actor=cast.clerk, document=document, role="signer", credential=initial, secret=PASS
        )


def _timestamped(cast, tsa_server):
    row = services.settings_for(cast.committee)
    row.timestamp_url = tsa_server.url
    row.fetch_revocation = False
    row.save()


def test_timestamp_gives_b_t_and_uploaded_crl_gives_b_lt(cast, trusted, tsa_server):
    _timestamped(cast, tsa_server)
    plain = register_p12(cast, cast.secretary, trusted.issue("Nguyễn Văn Bình"))
    document = approved(cast)
    prepared(cast, document)
    services.sign_document(
        actor=cast.secretary, document=document, role="signer", credential=plain, secret=PASS
    )
    document.refresh_from_db()
    assert document.signature_level == pdf.LEVEL_B_T
    report = services.verify_bytes(doc_files.read_verified(document.signed_file), cast.committee)
    assert report["signatures"][0]["signing_time_source"] == "timestamp"

    with_crl = trusted.issue("Nguyễn Văn Bình", crl_url="http://127.0.0.1:9/ca.crl")
    services.trust_anchor_add(actor=cast.admin, committee=cast.committee, data=trusted.crl_der())
    plain.active = False
    plain.save()
    credential = register_p12(cast, cast.secretary, with_crl)
    document = approved(cast)
    prepared(cast, document)
    services.sign_document(
        actor=cast.secretary, document=document, role="signer", credential=credential, secret=PASS
    )
    document.refresh_from_db()
    assert document.signature_level == pdf.LEVEL_B_LT
    report = services.verify_bytes(doc_files.read_verified(document.signed_file), cast.committee)
    assert report["verdict"] == "valid", report


def test_revoked_certificate_cannot_sign(cast, trusted):
    identity = trusted.issue("Nguyễn Văn Bình", crl_url="http://127.0.0.1:9/ca.crl")
    credential = register_p12(cast, cast.secretary, identity)
    trusted.revoke(identity)
    services.trust_anchor_add(actor=cast.admin, committee=cast.committee, data=trusted.crl_der())
    document = approved(cast)
    prepared(cast, document)
    with pytest.raises(ValidationError) as caught:
        services.sign_document(
            actor=cast.secretary,
            document=document,
            role="signer",
            credential=credential,
            secret=PASS,
        )
    assert caught.value.error_list[0].code == "revoked"
    assert not Signature.objects.filter(document=document).exists()


def test_trust_store_sorts_roots_from_intermediates(cast, trusted):
    from capuyso.signing.models import TrustAnchor

    kinds = dict(TrustAnchor.objects.filter(committee=cast.committee).values_list("kind", "sha256"))
    assert set(kinds) == {"root", "intermediate"}
    with pytest.raises(ValidationError):
        services.trust_anchor_add(
            actor=cast.admin, committee=cast.committee, data=trusted.root.cert_pem()
        )
    with pytest.raises(ValidationError):
        services.trust_anchor_add(actor=cast.admin, committee=cast.committee, data=b"rubbish")
