"""Shared signing fixtures: a development PKI, a local TSA and one SoftHSM token per session."""

from __future__ import annotations

import pytest

from capuyso.signing import softhsm as softhsm_module
from capuyso.signing.devpki import DevPKI
from capuyso.signing.softhsm import SoftHSM, TokenInfo
from capuyso.signing.testservers import TimestampServer

TOKEN_LABEL = "capuyso-test"
TOKEN_PIN = "123456"
TOKEN_KEY_LABEL = "signing-key"
TOKEN_SIGNER_NAME = "Nguyễn Văn An"


@pytest.fixture(scope="session")
def dev_pki() -> DevPKI:
    return DevPKI()


@pytest.fixture(scope="session")
def tsa_server(dev_pki):
    """An RFC 3161 TSA on 127.0.0.1 (`.url`) signing with a timeStamping certificate."""
    tsa = dev_pki.issue("Cấp ủy số Dev TSA", organization="Cấp ủy số", for_tsa=True)
    with TimestampServer(tsa) as server:
        yield server


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory) -> SoftHSM:
    """The process's only SoftHSM directory, activated (SoftHSM reads its config once)."""
    if not softhsm_module.available():
        pytest.skip("SoftHSM2 not installed (needs softhsm2-util, pkcs11-tool, libsofthsm2.so)")
    hsm = SoftHSM(tmp_path_factory.mktemp("softhsm"))
    hsm.activate()
    return hsm


@pytest.fixture(scope="session")
def token(softhsm, dev_pki) -> TokenInfo:
    """Token "capuyso-test", PIN 123456: key and certificate "signing-key" of Nguyễn Văn An."""
    identity = dev_pki.issue(
        TOKEN_SIGNER_NAME, email="an.nguyen@example.vn", organization="Đảng ủy xã Phù Cát"
    )
    softhsm.create_token(TOKEN_LABEL, TOKEN_PIN)
    softhsm.import_identity(TOKEN_LABEL, TOKEN_PIN, identity, TOKEN_KEY_LABEL, key_id="01")
    # In case something loaded the PKCS#11 library before the token existed.
    softhsm.reload_library()
    return TokenInfo(
        label=TOKEN_LABEL,
        pin=TOKEN_PIN,
        key_label=TOKEN_KEY_LABEL,
        key_id="01",
        module_path=softhsm_module.module_path() or "",
        identity=identity,
    )
