"""A small development PKI: root CA, intermediate CA, end-entity and TSA certificates, a CRL.

For tests, the benchmark, browser tests and demo data only: the keys are kept in memory
and reused across DevPKI instances (see `_key`). Nothing here is fit for production.

Every DevPKI gets CA names with a random serial number, so two instances never chain
into each other even though they may share key material from the cache.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

# RSA key generation costs ~50-150 ms. Keys are generated once per (key size, index) and
# process, then handed out again to every DevPKI that asks for the same index.
_KEYS: dict[tuple[int, int], rsa.RSAPrivateKey] = {}
_KEYS_LOCK = threading.Lock()

_ROOT_YEARS = 10
_INTERMEDIATE_YEARS = 5
_CRL_DAYS = 7
# Certificates start slightly in the past so that a clock a little behind still accepts them.
_BACKDATE = timedelta(minutes=5)


def _key(index: int, key_size: int = 2048) -> rsa.RSAPrivateKey:
    """The cached RSA key number `index` of the given size (generated on first use)."""
    with _KEYS_LOCK:
        key = _KEYS.get((key_size, index))
        if key is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
            _KEYS[(key_size, index)] = key
        return key


def _now() -> datetime:
    return datetime.now(tz=UTC)


@dataclass
class Identity:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    # Issuing CAs from the direct issuer up to and including the root (empty for the root).
    chain: list[x509.Certificate] = field(default_factory=list)

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def key_pem(self) -> bytes:
        """Unencrypted PKCS#8 PEM: for tests and SoftHSM import only."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def pkcs12(self, passphrase: str, friendly_name: str | None = None) -> bytes:
        """Key, certificate and chain as a PKCS#12 file encrypted with `passphrase`."""
        return pkcs12.serialize_key_and_certificates(
            name=friendly_name.encode() if friendly_name else None,
            key=self.key,
            cert=self.cert,
            cas=self.chain or None,
            encryption_algorithm=serialization.BestAvailableEncryption(passphrase.encode()),
        )


def _ski(key: rsa.RSAPrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _aki(issuer: Identity) -> x509.AuthorityKeyIdentifier:
    ski = issuer.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


_CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def _signing_key_usage(*, content_commitment: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


class DevPKI:
    """Root CA (10 years) and intermediate CA (5 years) that issue end-entity certificates.

    Within one DevPKI every identity has its own key. Identities of two different DevPKI
    objects may share a key (the cache); their CA names always differ.
    """

    def __init__(self, name: str = "Cấp ủy số Dev CA", *, key_size: int = 2048) -> None:
        self.name = name
        self.key_size = key_size
        self._next_key = 0
        self._revoked: list[tuple[int, datetime]] = []
        self._crl_number = 0
        # A random serialNumber attribute keeps CA names unique per DevPKI instance.
        instance = secrets.token_hex(4)
        now = _now()

        root_key = self._take_key()
        root_name = self._ca_name(name, instance)
        root_cert = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + timedelta(days=365 * _ROOT_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_CA_KEY_USAGE, critical=True)
            .add_extension(_ski(root_key), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        self.root = Identity(cert=root_cert, key=root_key, chain=[])

        intermediate_key = self._take_key()
        intermediate_cert = (
            x509.CertificateBuilder()
            .subject_name(self._ca_name(f"{name} - Trung gian", instance))
            .issuer_name(root_name)
            .public_key(intermediate_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + timedelta(days=365 * _INTERMEDIATE_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_CA_KEY_USAGE, critical=True)
            .add_extension(_ski(intermediate_key), critical=False)
            .add_extension(_aki(self.root), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        self.intermediate = Identity(
            cert=intermediate_cert, key=intermediate_key, chain=[root_cert]
        )

    @staticmethod
    def _ca_name(common_name: str, instance: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cấp ủy số (phát triển)"),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                x509.NameAttribute(NameOID.SERIAL_NUMBER, instance),
            ]
        )

    def _take_key(self) -> rsa.RSAPrivateKey:
        key = _key(self._next_key, self.key_size)
        self._next_key += 1
        return key

    def issue(
        self,
        common_name: str,
        *,
        email: str | None = None,
        organization: str | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        days: int = 365,
        for_tsa: bool = False,
        crl_url: str | None = None,
        ocsp_url: str | None = None,
    ) -> Identity:
        """An end-entity certificate signed by the intermediate CA.

        Signing certificates carry keyUsage digitalSignature + nonRepudiation; a TSA
        certificate (`for_tsa`) carries digitalSignature and a critical timeStamping EKU.
        `not_after` defaults to `not_before + days`.
        """
        key = self._take_key()
        start = not_before or (_now() - _BACKDATE)
        end = not_after or (start + timedelta(days=days))

        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
        if organization:
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
        if email:
            attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))

        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attributes))
            .issuer_name(self.intermediate.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_signing_key_usage(content_commitment=not for_tsa), critical=True)
            .add_extension(_ski(key), critical=False)
            .add_extension(_aki(self.intermediate), critical=False)
        )
        if for_tsa:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
        if email:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
            )
        if crl_url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(crl_url)],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
        if ocsp_url:
            builder = builder.add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(ocsp_url),
                        )
                    ]
                ),
                critical=False,
            )
        cert = builder.sign(self.intermediate.key, hashes.SHA256())
        return Identity(cert=cert, key=key, chain=[self.intermediate.cert, self.root.cert])

    def revoke(self, identity: Identity, when: datetime | None = None) -> None:
        """List the identity's certificate on the next CRL (revoked at `when`, default now)."""
        serial = identity.cert.serial_number
        if any(revoked == serial for revoked, _ in self._revoked):
            return
        self._revoked.append((serial, when or _now()))

    def crl_der(self) -> bytes:
        return self._crl().public_bytes(serialization.Encoding.DER)

    def crl_pem(self) -> bytes:
        return self._crl().public_bytes(serialization.Encoding.PEM)

    def _crl(self) -> x509.CertificateRevocationList:
        """A fresh CRL from the intermediate CA, valid for seven days."""
        now = _now()
        self._crl_number += 1
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.intermediate.cert.subject)
            .last_update(now - _BACKDATE)
            .next_update(now + timedelta(days=_CRL_DAYS))
            .add_extension(_aki(self.intermediate), critical=False)
            .add_extension(x509.CRLNumber(self._crl_number), critical=False)
        )
        for serial, when in self._revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(self.intermediate.key, hashes.SHA256())
