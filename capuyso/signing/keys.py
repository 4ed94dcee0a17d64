"""Opening a key holder for one signing action: a PKCS#12 file, a PKCS#11 token.

The secret (passphrase or PIN) is used once, inside the `open_signer` block, and never stored,
logged or put in the session. A token login is tried exactly once per user action, so a wrong
PIN costs one try of the token's lockout counter, never more.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore


class KeyProblem(Exception):
    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


def _der(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def read_pkcs12(data: bytes, passphrase: str):
    """(key, certificate, extra certificates) from a PKCS#12 file, or KeyProblem."""
    if not data:
        raise KeyProblem("empty", _("The certificate file is empty."))
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, passphrase.encode() if passphrase else None
        )
    except ValueError as exc:
        text = str(exc).lower()
        if "password" in text or "mac" in text or "decrypt" in text:
            raise KeyProblem("wrong_secret", _("The passphrase is wrong.")) from None
        raise KeyProblem(
            "bad_file", _("The file is not a PKCS#12 (.p12/.pfx) certificate file.")
        ) from None
    if key is None or cert is None:
        raise KeyProblem("bad_file", _("The file holds no private key with its certificate."))
    return key, cert, list(extra or [])


def pkcs12_signer(data: bytes, passphrase: str, chain: list[asn1_x509.Certificate]):
    key, cert, extra = read_pkcs12(data, passphrase)
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    others = [_der(c) for c in extra] + list(chain)
    return signers.SimpleSigner(
        signing_cert=_der(cert),
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs(others),
    )


def pkcs11_module() -> str:
    module = getattr(settings, "SIGNING_PKCS11_MODULE", "")
    if not module:
        raise KeyProblem(
            "no_module",
            _("No PKCS#11 module is configured on this server (CAPUYSO_PKCS11_MODULE)."),
        )
    return module


@contextlib.contextmanager
def pkcs11_session(token_label: str, pin: str) -> Iterator:
    import pkcs11
    from pkcs11 import exceptions as p11e
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    if not pin:
        raise KeyProblem("wrong_secret", _("Enter the token PIN."))
    try:
        session = open_pkcs11_session(
            pkcs11_module(), token_criteria=TokenCriteria(label=token_label), user_pin=pin
        )
    except p11e.PinIncorrect:
        raise KeyProblem(
            "wrong_secret",
            _(
                "The PIN is wrong. The token locks itself after a few wrong PINs: "
                "check it before trying again."
            ),
        ) from None
    except p11e.PinLocked:
        raise KeyProblem(
            "locked", _("The token is locked; ask the certificate provider to unlock it.")
        ) from None
    except (p11e.TokenNotPresent, p11e.NoSuchToken, p11e.SlotIDInvalid):
        raise KeyProblem(
            "no_token", _("The token “%(label)s” is not plugged in.") % {"label": token_label}
        ) from None
    except Exception as exc:  # python-pkcs11's and pyHanko's own "no such token" errors
        if "token" in str(exc).lower() and "pin" not in str(exc).lower():
            raise KeyProblem(
                "no_token", _("The token “%(label)s” is not plugged in.") % {"label": token_label}
            ) from None
        if isinstance(exc, pkcs11.PKCS11Error):
            raise KeyProblem(
                "token_error",
                _("The token answered with an error: %(error)s") % {"error": type(exc).__name__},
            ) from None
        raise
    try:
        yield session
    finally:
        with contextlib.suppress(Exception):
            session.close()


def pkcs11_signer(session, key_label: str, cert: asn1_x509.Certificate, chain):
    from pyhanko.sign.pkcs11 import PKCS11Signer

    return PKCS11Signer(
        session,
        key_label=key_label,
        signing_cert=cert,
        other_certs_to_pull=(),
        ca_chain=list(chain),
    )


@contextlib.contextmanager
def open_signer(credential, secret: str) -> Iterator:
    """A pyHanko signer for `credential` (PKCS#12 or PKCS#11), valid inside the block."""
    from capuyso.signing.pdf import load_certificate, load_certificates

    cert = load_certificate(bytes(credential.certificate))
    chain = load_certificates(bytes(credential.chain)) if credential.chain else []
    if credential.kind == "pkcs12":
        signer = pkcs12_signer(bytes(credential.pkcs12), secret, chain)
        if signer.signing_cert.sha256 != cert.sha256:
            raise KeyProblem(
                "mismatch", _("The file holds a different certificate from the one registered.")
            )
        yield signer
    elif credential.kind == "pkcs11":
        with pkcs11_session(credential.token_label, secret) as session:
            yield pkcs11_signer(session, credential.key_label, cert, chain)
    else:
        raise KeyProblem("remote", _("This certificate signs through the remote service."))
