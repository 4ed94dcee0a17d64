import asyncio
import hashlib
import os

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from capuyso.signing import softhsm

pytestmark = pytest.mark.skipif(
    not softhsm.available(),
    reason="SoftHSM2 not installed (needs softhsm2-util, pkcs11-tool, libsofthsm2.so)",
)


def test_module_path_is_the_first_installed_candidate():
    path = softhsm.module_path()
    assert path is not None
    assert os.path.exists(path)
    assert path.endswith("libsofthsm2.so")
    assert softhsm.module_path() == path


def test_config_points_at_the_token_directory(softhsm):
    text = softhsm.conf_path.read_text()
    assert f"directories.tokendir = {softhsm.directory / 'tokens'}" in text
    assert "objectstore.backend = file" in text
    assert os.environ["SOFTHSM2_CONF"] == str(softhsm.conf_path)


def test_imported_key_file_does_not_stay_on_disk(token, softhsm):
    leftovers = [p.name for p in softhsm.directory.iterdir() if p.name.startswith(".import-")]
    assert leftovers == []


def test_pyhanko_signs_with_the_token_key(token, dev_pki):
    session = open_pkcs11_session(
        token.module_path, token_criteria=TokenCriteria(label=token.label), user_pin=token.pin
    )
    try:
        # The token holds only the signer's certificate: pyHanko embeds the CA chain only
        # when given (ca_chain) or told to pull other certificates from the token.
        chain = [
            asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in token.identity.chain
        ]
        signer = PKCS11Signer(session, key_label=token.key_label, ca_chain=chain)
        content = "Nghị quyết số 01-NQ/ĐU".encode()
        digest = hashlib.sha256(content).digest()
        signed = asyncio.run(signer.async_sign(digest, "sha256", use_pades=True))
    finally:
        session.close()

    signed_data = cms.ContentInfo.load(signed.dump())["content"]
    embedded = {c.chosen.dump() for c in signed_data["certificates"]}
    assert token.identity.cert_der() in embedded
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(dev_pki.root.cert_der())], allow_fetching=False
    )
    status = asyncio.run(
        async_validate_detached_cms(content, signed_data, signer_validation_context=context)
    )
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.dump() == token.identity.cert_der()


def test_import_into_a_missing_token_raises_a_clear_error(softhsm, dev_pki):
    identity = dev_pki.issue("Không có thẻ")
    with pytest.raises(RuntimeError, match="softhsm2-util --import failed") as caught:
        softhsm.import_identity("no-such-token", "999999", identity, "k")
    assert "999999" not in str(caught.value)
    leftovers = [p.name for p in softhsm.directory.iterdir() if p.name.startswith(".import-")]
    assert leftovers == []
