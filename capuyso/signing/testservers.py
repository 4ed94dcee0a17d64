"""Tiny HTTP servers for tests, the benchmark and the demo: a time-stamp authority and a
fake phone-confirmed remote signing service.

Each server listens on 127.0.0.1 on a free port, runs in a daemon thread from construction
until `stop()`, exposes its base address as `.url` and works as a context manager.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from capuyso.signing.devpki import Identity

_MAX_BODY = 1024 * 1024
_SLOW_SECONDS = 5.0
_SUPPORTED_DIGESTS = ("sha256", "sha384", "sha512")


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: rsa.RSAPrivateKey) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: Any

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout tests) makes the late answer fail: not an error here.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, _MAX_BODY))

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self._send(status, body, "application/json; charset=utf-8")


class _BackgroundServer:
    handler_class: ClassVar[type[_Handler]]

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), self.handler_class)
        self._httpd.owner = self
        port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits up to one interval
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --- RFC 3161 time-stamp authority --------------------------------------------------------


class _TimestampHandler(_Handler):
    def do_POST(self) -> None:
        owner: TimestampServer = self.server.owner
        body = self._body()
        with owner._lock:
            owner.request_count += 1
            available = owner.available
        if not available:
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"TSA unavailable", "text/plain")
            return
        try:
            request = tsp.TimeStampReq.load(body)
            request.native  # noqa: B018 (parse fully now, not inside the stamper)
        except ValueError:
            self._send(HTTPStatus.BAD_REQUEST, b"not a TimeStampReq", "text/plain")
            return
        response = owner.stamper.request_tsa_response(request)
        self._send(HTTPStatus.OK, response.dump(), "application/timestamp-reply")


class TimestampServer(_BackgroundServer):
    """An RFC 3161 TSA at `.url` that stamps every request with the `tsa` identity.

    Set `.available = False` to make it answer 503 (for "TSA down" tests); `.request_count`
    counts the requests received.
    """

    handler_class = _TimestampHandler

    def __init__(self, tsa: Identity) -> None:
        self.tsa = tsa
        self.stamper = DummyTimeStamper(
            tsa_cert=_asn1_cert(tsa.cert),
            tsa_key=_asn1_key(tsa.key),
            certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in tsa.chain]),
        )
        self.available = True
        self.request_count = 0
        self._lock = threading.Lock()
        super().__init__()


# --- fake remote signing service ----------------------------------------------------------


class _RemoteSignerHandler(_Handler):
    def do_GET(self) -> None:
        self.server.owner._handle(self, "GET")

    def do_POST(self) -> None:
        self.server.owner._handle(self, "POST")


class FakeRemoteSigner(_BackgroundServer):
    """Stands in for a cloud signing service where the signer confirms on a phone.

    Protocol (the one `remote.HttpRemoteProvider` speaks), all with `Authorization: Bearer`:
      GET  /certificate?user_id=U  -> 200 {"certificate": b64 DER, "chain": [b64 DER, ...]}
      POST /sign {"user_id", "digest_algorithm", "digest": b64, "document_name"}
                                   -> 202 {"transaction_id", "expires_in": 120}
      GET  /sign/<transaction_id>  -> {"status": "pending"} for `confirm_after_polls` polls,
                                      then {"status": "signed", "cms": b64 DER}
    Errors: 401 without the right key, 400 on a bad request, 404 on an unknown transaction.

    `behaviour`:
      "ok"           sign after the pending polls
      "refuse"       POST /sign -> 403 {"error": ...} (account not activated)
      "reject"       after the pending polls -> {"status": "rejected", "reason": ...}
      "expire"       after the pending polls -> {"status": "expired"}
      "timeout"      always pending
      "slow"         every answer comes after 5 s (client timeout tests)
      "malformed"    every authorised answer is an HTML page instead of JSON
      "incomplete"   JSON answers lack their main field (certificate, transaction_id, cms)
      "wrong_digest" signs a different digest than the one sent

    `.requests` lists (method, path with query string, parsed JSON body or None).
    """

    handler_class = _RemoteSignerHandler
    BEHAVIOURS = (
        "ok",
        "refuse",
        "reject",
        "expire",
        "timeout",
        "slow",
        "malformed",
        "incomplete",
        "wrong_digest",
    )

    def __init__(
        self,
        identity: Identity,
        *,
        api_key: str = "test-key",
        confirm_after_polls: int = 1,
        behaviour: str = "ok",
    ) -> None:
        if behaviour not in self.BEHAVIOURS:
            raise ValueError(f"Unknown behaviour {behaviour!r}; one of {self.BEHAVIOURS}")
        self.identity = identity
        self.api_key = api_key
        self.confirm_after_polls = confirm_after_polls
        self.behaviour = behaviour
        self.requests: list[tuple[str, str, Any]] = []
        self._transactions: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._signer = SimpleSigner(
            signing_cert=_asn1_cert(identity.cert),
            signing_key=_asn1_key(identity.key),
            cert_registry=SimpleCertificateStore.from_certs(
                [_asn1_cert(c) for c in identity.chain]
            ),
        )
        super().__init__()

    # Request handling runs in the server's threads.

    def _handle(self, handler: _Handler, method: str) -> None:
        raw = handler._body() if method == "POST" else b""
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        with self._lock:
            self.requests.append((method, handler.path, payload))

        if self.behaviour == "slow" and self._stopping.wait(_SLOW_SECONDS):
            return
        expected = f"Bearer {self.api_key}".encode()
        given = (handler.headers.get("Authorization") or "").encode()
        if not hmac.compare_digest(given, expected):
            handler._send_json(HTTPStatus.UNAUTHORIZED, {"error": "Khóa API không hợp lệ"})
            return
        if self.behaviour == "malformed":
            page = "<html><body>Hệ thống đang bảo trì</body></html>".encode()
            handler._send(HTTPStatus.OK, page, "text/html; charset=utf-8")
            return

        url = urlsplit(handler.path)
        if method == "GET" and url.path == "/certificate":
            self._certificate(handler, parse_qs(url.query))
        elif method == "POST" and url.path == "/sign":
            self._start(handler, payload)
        elif method == "GET" and url.path.startswith("/sign/"):
            self._poll(handler, url.path.removeprefix("/sign/"))
        else:
            handler._send_json(HTTPStatus.NOT_FOUND, {"error": "Không có địa chỉ này"})

    def _certificate(self, handler: _Handler, query: dict[str, list[str]]) -> None:
        if not query.get("user_id", [""])[0]:
            handler._send_json(HTTPStatus.BAD_REQUEST, {"error": "Thiếu user_id"})
            return
        answer: dict[str, Any] = {
            "certificate": base64.b64encode(self.identity.cert_der()).decode(),
            "chain": [
                base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
                for c in self.identity.chain
            ],
        }
        if self.behaviour == "incomplete":
            del answer["certificate"]
        handler._send_json(HTTPStatus.OK, answer)

    def _start(self, handler: _Handler, payload: Any) -> None:
        try:
            algorithm = payload["digest_algorithm"]
            digest = base64.b64decode(payload["digest"], validate=True)
            user_id = payload["user_id"]
            document_name = payload.get("document_name", "")
            valid = (
                algorithm in _SUPPORTED_DIGESTS
                and len(digest) == hashlib.new(algorithm).digest_size
                and isinstance(user_id, str)
                and bool(user_id)
            )
        except (TypeError, KeyError, binascii.Error):
            valid = False
        if not valid:
            handler._send_json(HTTPStatus.BAD_REQUEST, {"error": "Yêu cầu ký không hợp lệ"})
            return
        if self.behaviour == "refuse":
            handler._send_json(
                HTTPStatus.FORBIDDEN, {"error": "Tài khoản ký số chưa được kích hoạt"}
            )
            return
        transaction_id = secrets.token_urlsafe(12)
        with self._lock:
            self._transactions[transaction_id] = {
                "user_id": user_id,
                "digest_algorithm": algorithm,
                "digest": digest,
                "document_name": document_name,
                "polls": 0,
            }
        answer: dict[str, Any] = {"transaction_id": transaction_id, "expires_in": 120}
        if self.behaviour == "incomplete":
            del answer["transaction_id"]
        handler._send_json(HTTPStatus.ACCEPTED, answer)

    def _poll(self, handler: _Handler, transaction_id: str) -> None:
        with self._lock:
            transaction = self._transactions.get(transaction_id)
            if transaction is not None:
                transaction["polls"] += 1
                polls = transaction["polls"]
        if transaction is None:
            handler._send_json(HTTPStatus.NOT_FOUND, {"error": "Không tìm thấy giao dịch ký"})
            return
        if self.behaviour == "timeout" or polls <= self.confirm_after_polls:
            handler._send_json(HTTPStatus.OK, {"status": "pending"})
        elif self.behaviour == "reject":
            handler._send_json(
                HTTPStatus.OK,
                {"status": "rejected", "reason": "Người ký từ chối trên điện thoại"},
            )
        elif self.behaviour == "expire":
            handler._send_json(HTTPStatus.OK, {"status": "expired"})
        elif self.behaviour == "incomplete":
            handler._send_json(HTTPStatus.OK, {"status": "signed"})
        else:
            digest = transaction["digest"]
            if self.behaviour == "wrong_digest":
                digest = hashlib.new(transaction["digest_algorithm"], digest).digest()
            cms = self.sign_digest(digest, transaction["digest_algorithm"])
            handler._send_json(
                HTTPStatus.OK, {"status": "signed", "cms": base64.b64encode(cms).decode()}
            )

    def sign_digest(self, digest: bytes, digest_algorithm: str = "sha256") -> bytes:
        """A detached CMS SignedData (DER) over `digest`, as the service would return it."""
        signed = asyncio.run(self._signer.async_sign(digest, digest_algorithm, use_pades=True))
        return signed.dump()
