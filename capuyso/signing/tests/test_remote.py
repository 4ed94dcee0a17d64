import base64
import hashlib
import logging
import socket

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation.generic_cms import validate_sig_integrity

from capuyso.signing.remote import (
    HttpRemoteProvider,
    RemoteResult,
    RemoteSigningError,
    provider_from_config,
)
from capuyso.signing.testservers import FakeRemoteSigner

DIGEST = hashlib.sha256("Biên bản họp chi bộ".encode()).digest()


@pytest.fixture(scope="module")
def identity(dev_pki):
    return dev_pki.issue("Phạm Văn Cường", email="cuong@example.vn")


def _start(provider: HttpRemoteProvider) -> str:
    return provider.start(
        user_id="u-7", digest=DIGEST, digest_algorithm="sha256", document_name="Biên bản.pdf"
    )


def _provider(server: FakeRemoteSigner, **kwargs) -> HttpRemoteProvider:
    return HttpRemoteProvider(server.url, kwargs.pop("api_key", "test-key"), **kwargs)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_fetch_certificate_returns_der_cert_and_chain(identity):
    with FakeRemoteSigner(identity) as server:
        certificate, chain = _provider(server).fetch_certificate("u-7")
        assert server.requests == [("GET", "/certificate?user_id=u-7", None)]
    assert certificate == identity.cert_der()
    assert chain == [c.public_bytes(Encoding.DER) for c in identity.chain]


def test_start_then_poll_until_signed(identity, caplog):
    caplog.set_level(logging.DEBUG, logger="capuyso.signing.remote")
    with FakeRemoteSigner(identity, confirm_after_polls=2) as server:
        provider = provider_from_config(server.url + "/", "test-key", timeout=5)
        transaction_id = _start(provider)
        assert provider.poll(transaction_id) == RemoteResult(status="pending")
        assert provider.poll(transaction_id) == RemoteResult(status="pending")
        result = provider.poll(transaction_id)
        method, path, payload = server.requests[0]
    assert (method, path) == ("POST", "/sign")
    assert payload == {
        "user_id": "u-7",
        "digest_algorithm": "sha256",
        "digest": base64.b64encode(DIGEST).decode(),
        "document_name": "Biên bản.pdf",
    }
    assert result.status == "signed"
    signer_info = cms.ContentInfo.load(result.cms)["content"]["signer_infos"][0]
    attribute = find_unique_cms_attribute(signer_info["signed_attrs"], "message_digest")
    assert attribute.native == DIGEST
    cert = asn1_x509.Certificate.load(identity.cert_der())
    assert validate_sig_integrity(signer_info, cert, "data", DIGEST) == (True, True)
    # Digests and signatures never reach the logs.
    assert base64.b64encode(DIGEST).decode() not in caplog.text
    assert DIGEST.hex() not in caplog.text


def test_wrong_api_key_is_refused(identity):
    with FakeRemoteSigner(identity) as server, pytest.raises(RemoteSigningError) as caught:
        _provider(server, api_key="sai").fetch_certificate("u-7")
    assert caught.value.code == "refused"
    assert caught.value.detail == "Khóa API không hợp lệ"


def test_refused_account_carries_the_service_message(identity):
    server = FakeRemoteSigner(identity, behaviour="refuse")
    with server, pytest.raises(RemoteSigningError) as caught:
        _start(_provider(server))
    assert caught.value.code == "refused"
    assert "Tài khoản ký số chưa được kích hoạt" in str(caught.value)


def test_rejection_on_the_phone_carries_the_reason(identity):
    with FakeRemoteSigner(identity, behaviour="reject", confirm_after_polls=1) as server:
        provider = _provider(server)
        transaction_id = _start(provider)
        assert provider.poll(transaction_id).status == "pending"
        with pytest.raises(RemoteSigningError) as caught:
            provider.poll(transaction_id)
    assert caught.value.code == "rejected"
    assert caught.value.detail == "Người ký từ chối trên điện thoại"
    assert caught.value.detail in caught.value.message


@pytest.mark.parametrize("transaction", ["expired-by-service", "unknown-id"])
def test_expired_or_forgotten_transaction_is_expired(identity, transaction):
    with FakeRemoteSigner(identity, behaviour="expire", confirm_after_polls=0) as server:
        provider = _provider(server)
        transaction_id = _start(provider) if transaction == "expired-by-service" else "khong/co"
        with pytest.raises(RemoteSigningError) as caught:
            provider.poll(transaction_id)
    assert caught.value.code == "expired"


def test_slow_service_times_out(identity):
    server = FakeRemoteSigner(identity, behaviour="slow")
    with server, pytest.raises(RemoteSigningError) as caught:
        _provider(server, timeout=0.5).fetch_certificate("u-7")
    assert caught.value.code == "timeout"


def test_closed_port_is_unreachable():
    provider = HttpRemoteProvider(f"http://127.0.0.1:{_free_port()}", "k", timeout=2)
    with pytest.raises(RemoteSigningError) as caught:
        provider.fetch_certificate("u-7")
    assert caught.value.code == "unreachable"
    assert str(caught.value)


def test_html_instead_of_json_is_a_protocol_error(identity):
    with FakeRemoteSigner(identity, behaviour="malformed") as server:
        provider = _provider(server)
        for call in (lambda: provider.fetch_certificate("u-7"), lambda: _start(provider)):
            with pytest.raises(RemoteSigningError) as caught:
                call()
            assert caught.value.code == "protocol"


def test_missing_fields_are_protocol_errors(identity):
    with FakeRemoteSigner(identity, behaviour="incomplete", confirm_after_polls=0) as server:
        provider = _provider(server)
        with pytest.raises(RemoteSigningError) as caught:
            provider.fetch_certificate("u-7")
        assert caught.value.code == "protocol"
        with pytest.raises(RemoteSigningError) as caught:
            _start(provider)
        assert caught.value.code == "protocol"
        # The transaction exists on the service; only the answer lacked its id.
        transaction_id = next(iter(server._transactions))
        with pytest.raises(RemoteSigningError) as caught:
            provider.poll(transaction_id)
        assert caught.value.code == "protocol"


def test_only_http_addresses_are_accepted():
    with pytest.raises(ValueError):
        HttpRemoteProvider("file:///etc/passwd", "k")
