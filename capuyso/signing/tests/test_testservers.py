import asyncio
import base64
import hashlib
import json
import urllib.error
import urllib.request

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.generic_cms import (
    async_validate_detached_cms,
    validate_sig_integrity,
    validate_tst_signed_data,
)
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from capuyso.signing.testservers import FakeRemoteSigner, TimestampServer, _asn1_key


def _context(pki) -> ValidationContext:
    root = asn1_x509.Certificate.load(pki.root.cert_der())
    return ValidationContext(trust_roots=[root], allow_fetching=False)


def _call(server, method, path, payload=None, *, api_key="test-key"):
    """(HTTP status, decoded JSON) for one raw protocol request."""
    headers = {"Content-Type": "application/json"}
    if api_key is not None:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(payload).encode() if payload is not None else None,
        method=method,
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _sign_request(digest: bytes) -> dict:
    return {
        "user_id": "u-1",
        "digest_algorithm": "sha256",
        "digest": base64.b64encode(digest).decode(),
        "document_name": "Nghị quyết 01.pdf",
    }


@pytest.fixture(scope="module")
def signer_identity(dev_pki):
    return dev_pki.issue("Lê Thị Hoa", email="hoa@example.vn", organization="Chi bộ thôn 1")


# --- TSA ----------------------------------------------------------------------------------


def test_http_timestamper_gets_a_token_that_validates(tsa_server, dev_pki):
    digest = hashlib.sha256(b"van ban").digest()
    token = asyncio.run(HTTPTimeStamper(tsa_server.url).async_timestamp(digest, "sha256"))
    kwargs = asyncio.run(
        validate_tst_signed_data(token["content"], _context(dev_pki), lambda _algo: digest)
    )
    status = TimestampSignatureStatus(**kwargs)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.dump() == tsa_server.tsa.cert_der()


def test_signature_with_timestamp_from_the_tsa_validates(tsa_server, dev_pki, signer_identity):
    signer = SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(signer_identity.cert_der()),
        signing_key=_asn1_key(signer_identity.key),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(dev_pki.intermediate.cert_der())]
        ),
    )
    content = b"%PDF-ish content"
    signed = asyncio.run(
        signer.async_sign(
            hashlib.sha256(content).digest(),
            "sha256",
            use_pades=True,
            timestamper=HTTPTimeStamper(tsa_server.url),
        )
    )
    status = asyncio.run(
        async_validate_detached_cms(
            content, signed["content"], signer_validation_context=_context(dev_pki)
        )
    )
    assert status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted


def test_tsa_rejects_garbage_and_can_be_switched_off(dev_pki):
    with TimestampServer(dev_pki.issue("TSA tạm", for_tsa=True)) as server:
        request = urllib.request.Request(server.url, data=b"not der", method="POST")
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        assert caught.value.code == 400

        server.available = False
        with pytest.raises(TimestampRequestError):
            asyncio.run(HTTPTimeStamper(server.url).async_timestamp(b"\0" * 32, "sha256"))
        assert server.request_count == 2
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(server.url, timeout=1)


# --- fake remote signer -------------------------------------------------------------------


def test_requests_without_the_api_key_get_401(signer_identity):
    with FakeRemoteSigner(signer_identity) as server:
        assert _call(server, "GET", "/certificate?user_id=u-1", api_key=None)[0] == 401
        status, answer = _call(server, "GET", "/certificate?user_id=u-1", api_key="wrong")
        assert status == 401 and answer["error"]


def test_certificate_endpoint_returns_cert_and_chain(signer_identity):
    with FakeRemoteSigner(signer_identity) as server:
        status, answer = _call(server, "GET", "/certificate?user_id=u-1")
    assert status == 200
    assert base64.b64decode(answer["certificate"]) == signer_identity.cert_der()
    assert [base64.b64decode(c) for c in answer["chain"]] == [
        c.public_bytes(Encoding.DER) for c in signer_identity.chain
    ]


def test_sign_is_pending_then_signed_with_a_cms_over_the_digest(signer_identity, dev_pki):
    digest = hashlib.sha256(b"Nghi quyet").digest()
    with FakeRemoteSigner(signer_identity, confirm_after_polls=2) as server:
        status, started = _call(server, "POST", "/sign", _sign_request(digest))
        assert status == 202 and started["expires_in"] == 120
        path = f"/sign/{started['transaction_id']}"
        assert _call(server, "GET", path) == (200, {"status": "pending"})
        assert _call(server, "GET", path) == (200, {"status": "pending"})
        status, answer = _call(server, "GET", path)
        assert status == 200 and answer["status"] == "signed"
        assert server.requests[0] == ("POST", "/sign", _sign_request(digest))
        assert [r[:2] for r in server.requests[1:]] == [("GET", path)] * 3

    signed_data = cms.ContentInfo.load(base64.b64decode(answer["cms"]))["content"]
    signer_info = signed_data["signer_infos"][0]
    assert find_unique_cms_attribute(signer_info["signed_attrs"], "message_digest").native == (
        digest
    )
    cert = asn1_x509.Certificate.load(signer_identity.cert_der())
    assert validate_sig_integrity(signer_info, cert, "data", digest) == (True, True)


def test_refuse_reject_and_unknown_transaction(signer_identity):
    digest = hashlib.sha256(b"x").digest()
    with FakeRemoteSigner(signer_identity, behaviour="refuse") as server:
        assert _call(server, "POST", "/sign", _sign_request(digest)) == (
            403,
            {"error": "Tài khoản ký số chưa được kích hoạt"},
        )
    with FakeRemoteSigner(signer_identity, behaviour="reject", confirm_after_polls=0) as server:
        _, started = _call(server, "POST", "/sign", _sign_request(digest))
        assert _call(server, "GET", f"/sign/{started['transaction_id']}") == (
            200,
            {"status": "rejected", "reason": "Người ký từ chối trên điện thoại"},
        )
        assert _call(server, "GET", "/sign/khong-co")[0] == 404


def test_timeout_stays_pending_and_bad_requests_get_400(signer_identity):
    with FakeRemoteSigner(signer_identity, behaviour="timeout", confirm_after_polls=0) as server:
        _, started = _call(server, "POST", "/sign", _sign_request(b"\1" * 32))
        for _ in range(3):
            assert _call(server, "GET", f"/sign/{started['transaction_id']}")[1] == {
                "status": "pending"
            }
        bad = _sign_request(b"short")
        assert _call(server, "POST", "/sign", bad)[0] == 400
        assert _call(server, "GET", "/certificate")[0] == 400


def test_wrong_digest_behaviour_signs_something_else(signer_identity):
    digest = hashlib.sha256(b"x").digest()
    with FakeRemoteSigner(signer_identity, behaviour="wrong_digest", confirm_after_polls=0) as s:
        _, started = _call(s, "POST", "/sign", _sign_request(digest))
        answer = _call(s, "GET", f"/sign/{started['transaction_id']}")[1]
    signer_info = cms.ContentInfo.load(base64.b64decode(answer["cms"]))["content"]["signer_infos"][
        0
    ]
    signed_digest = find_unique_cms_attribute(signer_info["signed_attrs"], "message_digest")
    assert signed_digest.native != digest


def test_unknown_behaviour_is_refused(signer_identity):
    with pytest.raises(ValueError, match="behaviour"):
        FakeRemoteSigner(signer_identity, behaviour="nope")
