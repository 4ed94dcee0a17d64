import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError

from capuyso.signing.devpki import DevPKI


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _validate(pki: DevPKI, cert: x509.Certificate, **context_kwargs):
    context = ValidationContext(
        trust_roots=[_asn1(pki.root.cert)], allow_fetching=False, **context_kwargs
    )
    validator = CertificateValidator(
        _asn1(cert), intermediate_certs=[_asn1(pki.intermediate.cert)], validation_context=context
    )
    return asyncio.run(validator.async_validate_usage({"digital_signature", "non_repudiation"}))


def test_root_and_intermediate_form_a_chain(dev_pki):
    root, intermediate = dev_pki.root.cert, dev_pki.intermediate.cert
    root.verify_directly_issued_by(root)
    intermediate.verify_directly_issued_by(root)
    assert intermediate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert dev_pki.intermediate.chain == [root]
    assert dev_pki.root.chain == []
    assert root.not_valid_after_utc - root.not_valid_before_utc > timedelta(days=3600)
    assert intermediate.not_valid_after_utc - intermediate.not_valid_before_utc > timedelta(
        days=1800
    )


def test_issued_identity_has_signing_usage_and_vietnamese_subject(dev_pki):
    identity = dev_pki.issue(
        "Nguyễn Thị Bích Ngọc", email="ngoc@example.vn", organization="Đảng ủy xã Đồng Xuân"
    )
    cert = identity.cert
    cert.verify_directly_issued_by(dev_pki.intermediate.cert)
    assert identity.chain == [dev_pki.intermediate.cert, dev_pki.root.cert]
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Nguyễn Thị Bích Ngọc"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "Đảng ủy xã Đồng Xuân"
    )
    assert subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)[0].value == "ngoc@example.vn"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski.digest == x509.SubjectKeyIdentifier.from_public_key(identity.key.public_key()).digest
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    issuer_ski = dev_pki.intermediate.cert.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    ).value
    assert aki.key_identifier == issuer_ski.digest
    _validate(dev_pki, cert)


def test_tsa_identity_has_critical_timestamping_eku(dev_pki):
    cert = dev_pki.issue("Dev TSA", for_tsa=True).cert
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert not cert.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment


def test_every_identity_of_one_pki_has_its_own_key():
    pki = DevPKI("Khóa riêng")
    identities = [pki.root, pki.intermediate] + [pki.issue(f"Người {i}") for i in range(4)]
    moduli = {identity.key.public_key().public_numbers().n for identity in identities}
    assert len(moduli) == len(identities)
    serials = {identity.cert.serial_number for identity in identities}
    assert len(serials) == len(identities)


def test_two_pkis_never_chain_into_each_other(dev_pki):
    other = DevPKI()
    assert other.root.cert.subject != dev_pki.root.cert.subject
    foreign = other.issue("Người ngoài")
    with pytest.raises(Exception, match="(?i)path|trust|issuer"):
        _validate(dev_pki, foreign.cert)


def test_validity_window_can_be_chosen(dev_pki):
    start = datetime(2020, 1, 1, tzinfo=UTC)
    expired = dev_pki.issue("Hết hạn", not_before=start, days=30)
    assert expired.cert.not_valid_before_utc == start
    assert expired.cert.not_valid_after_utc == start + timedelta(days=30)
    end = datetime.now(tz=UTC) + timedelta(days=2)
    short = dev_pki.issue("Ngắn hạn", not_after=end)
    assert short.cert.not_valid_after_utc == end.replace(microsecond=0)


def test_crl_and_ocsp_urls_are_published(dev_pki):
    cert = dev_pki.issue(
        "Có CRL", crl_url="http://127.0.0.1:1/dev.crl", ocsp_url="http://127.0.0.1:1/ocsp"
    ).cert
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == "http://127.0.0.1:1/dev.crl"
    access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert access[0].access_location.value == "http://127.0.0.1:1/ocsp"


def test_key_and_cert_encodings_round_trip(dev_pki):
    identity = dev_pki.issue("Mã hóa")
    assert x509.load_pem_x509_certificate(identity.cert_pem()) == identity.cert
    assert x509.load_der_x509_certificate(identity.cert_der()) == identity.cert
    assert identity.key_pem().startswith(b"-----BEGIN PRIVATE KEY-----")
    key = serialization.load_pem_private_key(identity.key_pem(), password=None)
    assert key.public_key().public_numbers() == identity.key.public_key().public_numbers()


def test_pkcs12_is_encrypted_and_carries_the_chain(dev_pki):
    identity = dev_pki.issue("Trần Văn Bình")
    blob = identity.pkcs12("mật khẩu", friendly_name="Trần Văn Bình")
    with pytest.raises(ValueError):
        pkcs12.load_pkcs12(blob, b"wrong")
    loaded = pkcs12.load_pkcs12(blob, "mật khẩu".encode())
    assert loaded.cert.certificate == identity.cert
    assert loaded.cert.friendly_name == "Trần Văn Bình".encode()
    assert [c.certificate for c in loaded.additional_certs] == identity.chain
    assert loaded.key.public_key().public_numbers() == identity.key.public_key().public_numbers()


def test_revoked_certificate_is_listed_on_a_signed_crl():
    pki = DevPKI("CRL")
    # pyhanko-certvalidator only looks for CRLs of certificates naming a distribution point.
    crl_url = "http://127.0.0.1:9/dev.crl"
    good = pki.issue("Còn hiệu lực", crl_url=crl_url)
    bad = pki.issue("Bị thu hồi", crl_url=crl_url)
    pki.revoke(bad)
    pki.revoke(bad)  # twice is harmless
    crl = x509.load_der_x509_crl(pki.crl_der())
    assert crl.is_signature_valid(pki.intermediate.key.public_key())
    assert crl.issuer == pki.intermediate.cert.subject
    assert crl.get_revoked_certificate_by_serial_number(bad.cert.serial_number) is not None
    assert crl.get_revoked_certificate_by_serial_number(good.cert.serial_number) is None
    assert len(list(crl)) == 1
    assert crl.next_update_utc - datetime.now(tz=UTC) > timedelta(days=6)
    assert x509.load_pem_x509_crl(pki.crl_pem()).issuer == crl.issuer

    # pyhanko-certvalidator with the CRL: the good one passes, the revoked one fails.
    crls = [pki.crl_der()]
    _validate(pki, good.cert, crls=crls, revocation_mode="hard-fail")
    with pytest.raises(RevokedError):
        _validate(pki, bad.cert, crls=crls, revocation_mode="hard-fail")
