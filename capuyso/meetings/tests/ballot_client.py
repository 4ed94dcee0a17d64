"""The voter's half of RFC 9474 (Blind, Finalize) in Python, written from the RFC and
RFC 8017 (EMSA-PSS), independent of the server's code: what static/js/ballot.js does in the
browser, so tests and the benchmark drive the protocol without one.

Variant RSABSSA-SHA384-PSS-Deterministic: SHA-384, MGF1-SHA-384, 48-byte salt.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
from dataclasses import dataclass, field

HASH_LEN = 48
SALT_LEN = 48


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def i2osp(value: int, length: int) -> bytes:
    return value.to_bytes(length, "big")


def os2ip(data: bytes) -> int:
    return int.from_bytes(data, "big")


def sha384(data: bytes) -> bytes:
    return hashlib.sha384(data).digest()


def mgf1(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += sha384(seed + i2osp(counter, 4))
        counter += 1
    return out[:length]


def emsa_pss_encode(msg: bytes, em_bits: int, salt: bytes) -> bytes:
    """RFC 8017 §9.1.1."""
    em_len = math.ceil(em_bits / 8)
    m_hash = sha384(msg)
    if em_len < HASH_LEN + len(salt) + 2:
        raise ValueError("encoding error")
    h = sha384(b"\x00" * 8 + m_hash + salt)
    ps = b"\x00" * (em_len - len(salt) - HASH_LEN - 2)
    db = ps + b"\x01" + salt
    masked = bytes(a ^ b for a, b in zip(db, mgf1(h, em_len - HASH_LEN - 1), strict=True))
    masked = bytes([masked[0] & (0xFF >> (8 * em_len - em_bits))]) + masked[1:]
    return masked + h + b"\xbc"


def emsa_pss_verify(msg: bytes, em: bytes, em_bits: int) -> bool:
    """RFC 8017 §9.1.2 with a 48-byte salt."""
    em_len = math.ceil(em_bits / 8)
    if len(em) != em_len or em_len < HASH_LEN + SALT_LEN + 2 or em[-1] != 0xBC:
        return False
    masked, h = em[: em_len - HASH_LEN - 1], em[em_len - HASH_LEN - 1 : -1]
    top = 8 * em_len - em_bits
    if masked[0] & (0xFF << (8 - top)) & 0xFF:
        return False
    db = bytes(a ^ b for a, b in zip(masked, mgf1(h, len(masked)), strict=True))
    db = bytes([db[0] & (0xFF >> top)]) + db[1:]
    pad = em_len - HASH_LEN - SALT_LEN - 2
    if db[:pad] != b"\x00" * pad or db[pad] != 0x01:
        return False
    salt = db[-SALT_LEN:]
    return sha384(b"\x00" * 8 + sha384(msg) + salt) == h


def blind(n: int, e: int, msg: bytes, *, salt: bytes | None = None, r: int | None = None):
    """RFC 9474 Blind: (blinded_msg, inv). `salt` and `r` are for the test vectors."""
    k_len = (n.bit_length() + 7) // 8
    encoded = emsa_pss_encode(msg, n.bit_length() - 1, salt or secrets.token_bytes(SALT_LEN))
    m = os2ip(encoded)
    if math.gcd(m, n) != 1:
        raise ValueError("invalid input")
    while True:
        if r is None:
            r = secrets.randbelow(n - 1) + 1
        try:
            inv = pow(r, -1, n)
        except ValueError:
            r = None
            continue
        break
    z = m * pow(r, e, n) % n
    return i2osp(z, k_len), inv


def finalize(n: int, e: int, msg: bytes, blind_sig: bytes, inv: int) -> bytes:
    """RFC 9474 Finalize: unblind and check the signature; ValueError if it is bad."""
    k_len = (n.bit_length() + 7) // 8
    if len(blind_sig) != k_len:
        raise ValueError("unexpected input size")
    s = os2ip(blind_sig) * inv % n
    sig = i2osp(s, k_len)
    em_bits = n.bit_length() - 1
    em = i2osp(pow(s, e, n), math.ceil(em_bits / 8))
    if not emsa_pss_verify(msg, em, em_bits):
        raise ValueError("invalid signature")
    return sig


def receipt_of(token: bytes) -> str:
    return hashlib.sha256(token).hexdigest()


@dataclass
class Voter:
    """One voter's device: draws its token, keeps what it needs to retry, and talks to
    the API like ballot.js (the signature request signed in, the cast without cookies).

    `signed_client` is a Django test client signed in as the voter; `anonymous_client` one
    with no session (a fresh django.test.Client)."""

    api: str
    vote_code: str
    n: int = 0
    e: int = 0
    token: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    blinded: bytes = b""
    inv: int = 0
    signature: bytes = b""

    def load_key(self, state: dict) -> None:
        self.n = int(state["key"]["n"], 16)
        self.e = int(state["key"]["e"], 16)

    def prepare(self) -> bytes:
        if not self.blinded:
            self.blinded, self.inv = blind(self.n, self.e, self.token)
        return self.blinded

    def sign_payload(self) -> dict:
        return {"blinded_msg": b64(self.prepare())}

    def take_signature(self, blind_sig_b64: str) -> None:
        self.signature = finalize(self.n, self.e, self.token, unb64(blind_sig_b64), self.inv)

    def cast_payload(self, choice) -> dict:
        return {"token": b64(self.token), "signature": b64(self.signature), "choice": choice}

    @property
    def receipt(self) -> str:
        return receipt_of(self.token)

    # Through the API with Django test clients -------------------------------------------

    def state(self, signed_client) -> dict:
        response = signed_client.get(f"{self.api}/ballots/{self.vote_code}")
        assert response.status_code == 200, response.content
        data = response.json()
        self.load_key(data)
        return data

    def request_signature(self, signed_client):
        return signed_client.post(
            f"{self.api}/ballots/{self.vote_code}/sign",
            self.sign_payload(),
            content_type="application/json",
        )

    def cast(self, anonymous_client, choice):
        return anonymous_client.post(
            f"{self.api}/ballots/{self.vote_code}/cast",
            self.cast_payload(choice),
            content_type="application/json",
        )

    def vote(self, signed_client, anonymous_client, choice):
        """The whole journey; returns the cast response."""
        self.state(signed_client)
        response = self.request_signature(signed_client)
        assert response.status_code == 200, response.content
        self.take_signature(response.json()["blind_sig"])
        return self.cast(anonymous_client, choice)
