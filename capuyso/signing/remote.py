"""Remote (cloud, phone-confirmed) signing: the provider interface and its HTTP client.

The protocol, with `Authorization: Bearer <api key>` on every request:
  GET  /certificate?user_id=U  -> {"certificate": b64 DER, "chain": [b64 DER, ...]}
  POST /sign {"user_id", "digest_algorithm", "digest": b64, "document_name"}
                               -> 202 {"transaction_id", "expires_in"}
  GET  /sign/<transaction_id>  -> {"status": "pending" | "signed" | "rejected" | "expired",
                                   "cms": b64 DER (signed), "reason": str (rejected)}
Errors answer 4xx/5xx with {"error": str}. `testservers.FakeRemoteSigner` implements it.

Configuration comes in as arguments; the only Django import is gettext_lazy for messages.
Digests, signatures and keys are never logged.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlencode, urlsplit

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

ErrorCode = Literal["timeout", "refused", "rejected", "expired", "protocol", "unreachable"]

_MESSAGES: dict[str, Promise] = {
    "timeout": _("The signing service did not answer in time. Please try again."),
    "refused": _("The signing service refused the request."),
    "rejected": _("The signature was declined on the signer's phone."),
    "expired": _("The signing request expired before it was confirmed. Please sign again."),
    "protocol": _("The signing service sent an answer we cannot read."),
    "unreachable": _("The signing service cannot be reached. Please try again in a few minutes."),
}

_MAX_RESPONSE = 2 * 1024 * 1024


class RemoteSigningError(Exception):
    """A remote signing step failed. `code` says how; `str(error)` is the Vietnamese message.

    `detail` is the service's own text (its "error" or "reason"), shown after the message.
    """

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(code, detail)

    @property
    def message(self) -> str:
        text = str(_MESSAGES[self.code])
        return f"{text} ({self.detail})" if self.detail else text

    def __str__(self) -> str:
        return self.message


@dataclass
class RemoteResult:
    status: str  # "pending" | "signed"
    cms: bytes | None = None


class RemoteSigningProvider(Protocol):
    def fetch_certificate(self, user_id: str) -> tuple[bytes, list[bytes]]:
        """The user's signing certificate and its chain, all DER."""
        ...

    def start(
        self, *, user_id: str, digest: bytes, digest_algorithm: str, document_name: str
    ) -> str:
        """Ask the user to confirm signing `digest`; returns the transaction id."""
        ...

    def poll(self, transaction_id: str) -> RemoteResult:
        """Pending or signed (with the detached CMS); raises RemoteSigningError otherwise."""
        ...


class HttpRemoteProvider:
    """The shipped provider: JSON over HTTP(S) with urllib, one timeout per request."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 10.0) -> None:
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError("The signing service address must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"HttpRemoteProvider({self.base_url!r})"

    def fetch_certificate(self, user_id: str) -> tuple[bytes, list[bytes]]:
        answer = self._request("GET", "/certificate?" + urlencode({"user_id": user_id}))
        certificate = _der_certificate(answer.get("certificate"))
        chain = answer.get("chain", [])
        if not isinstance(chain, list):
            raise _protocol("chain is not a list")
        return certificate, [_der_certificate(item) for item in chain]

    def start(
        self, *, user_id: str, digest: bytes, digest_algorithm: str, document_name: str
    ) -> str:
        answer = self._request(
            "POST",
            "/sign",
            {
                "user_id": user_id,
                "digest_algorithm": digest_algorithm,
                "digest": base64.b64encode(digest).decode(),
                "document_name": document_name,
            },
        )
        transaction_id = answer.get("transaction_id")
        if not isinstance(transaction_id, str) or not transaction_id:
            raise _protocol("no transaction_id")
        logger.info("Remote signing started: transaction %s", transaction_id)
        return transaction_id

    def poll(self, transaction_id: str) -> RemoteResult:
        answer = self._request(
            "GET", "/sign/" + quote(transaction_id, safe=""), not_found="expired"
        )
        status = answer.get("status")
        if status == "pending":
            return RemoteResult(status="pending")
        if status == "signed":
            logger.info("Remote signing done: transaction %s", transaction_id)
            return RemoteResult(status="signed", cms=_der_cms(answer.get("cms")))
        if status == "rejected":
            raise RemoteSigningError("rejected", _text(answer.get("reason")))
        if status == "expired":
            raise RemoteSigningError("expired")
        raise _protocol(f"unknown status {str(status)[:40]!r}")

    def _request(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        not_found: ErrorCode = "protocol",
    ) -> dict[str, Any]:
        """Send one request and return the JSON object it answers, or raise."""
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self.base_url + path,
            data=json.dumps(payload).encode() if payload is not None else None,
            method=method,
            headers={
                "Authorization": f"Bearer {self._api_key}",
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(_MAX_RESPONSE + 1)
        except urllib.error.HTTPError as exc:
            raise _http_error(exc, method, path, not_found) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise RemoteSigningError("timeout") from None
            logger.warning(
                "Signing service unreachable (%s %s): %s", method, _bare(path), exc.reason
            )
            raise RemoteSigningError("unreachable") from None
        except TimeoutError:
            raise RemoteSigningError("timeout") from None
        except OSError as exc:
            logger.warning(
                "Signing service connection failed (%s %s): %s", method, _bare(path), exc
            )
            raise RemoteSigningError("unreachable") from None
        except HTTPException as exc:
            raise _protocol(f"bad HTTP answer: {type(exc).__name__}") from None
        if len(body) > _MAX_RESPONSE:
            raise _protocol("answer too large")
        try:
            answer = json.loads(body)
        except ValueError:
            raise _protocol("answer is not JSON") from None
        if not isinstance(answer, dict):
            raise _protocol("answer is not a JSON object")
        return answer


def provider_from_config(
    base_url: str, api_key: str, timeout: float = 10.0
) -> RemoteSigningProvider:
    """The provider for the configured service (today always the HTTP one)."""
    return HttpRemoteProvider(base_url, api_key, timeout=timeout)


def _http_error(
    exc: urllib.error.HTTPError, method: str, path: str, not_found: ErrorCode
) -> RemoteSigningError:
    try:
        error = _text(json.loads(exc.read(_MAX_RESPONSE)).get("error"))
    except (ValueError, AttributeError, OSError, HTTPException):
        error = ""
    logger.warning("Signing service answered %s to %s %s", exc.code, method, _bare(path))
    if exc.code in (401, 403):
        return RemoteSigningError("refused", error)
    if exc.code == 404:
        return RemoteSigningError(not_found, error)
    if exc.code >= 500:
        return RemoteSigningError("unreachable", error)
    return RemoteSigningError("protocol", error or f"HTTP {exc.code}")


def _bare(path: str) -> str:
    """The path without its query string (which names the user) for the logs."""
    return path.split("?", 1)[0]


def _protocol(problem: str) -> RemoteSigningError:
    logger.warning("Signing service answer not understood: %s", problem)
    return RemoteSigningError("protocol")


def _text(value: Any) -> str:
    return value.strip()[:300] if isinstance(value, str) else ""


def _b64(value: Any, field: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise _protocol(f"{field} is not base64")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _protocol(f"{field} is not base64") from None


def _der_certificate(value: Any) -> bytes:
    der = _b64(value, "certificate")
    try:
        asn1_x509.Certificate.load(der).native  # noqa: B018 (parse fully to validate)
    except (ValueError, TypeError):
        raise _protocol("certificate is not DER") from None
    return der


def _der_cms(value: Any) -> bytes:
    der = _b64(value, "cms")
    try:
        content_info = asn1_cms.ContentInfo.load(der)
        is_signed_data = content_info["content_type"].native == "signed_data"
        content_info["content"]["signer_infos"].native  # noqa: B018 (parse fully)
    except (ValueError, TypeError, KeyError):
        raise _protocol("cms is not DER") from None
    if not is_signed_data:
        raise _protocol("cms is not SignedData")
    return der
