"""RSA blind signatures (RFC 9474), the server's half: keys, BlindSign and verification.

Variant: RSABSSA-SHA384-PSS-Deterministic (SHA-384, MGF1-SHA-384, 48-byte salt, no message
randomisation). The messages signed are 32 random bytes the voter's browser draws, so the
randomised variants' extra prefix adds nothing (RFC 9474 §4 and §7.3, high-entropy inputs).

The client's half (Blind, Finalize) runs in the browser (static/js/ballot.js); a Python
version for the tests and the benchmark is in meetings/tests/ballot_client.py. The finished
signature is a standard RSASSA-PSS signature: `verify` checks it with `cryptography`.

Each vote gets its own key (`generate_key`). Its private half is stored only sealed
(`seal_private_key`: AES-256-GCM under a key derived from SECRET_KEY with HKDF, bound to the
vote) and is deleted when the vote closes; the public half stays so anyone can recount.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VARIANT = "RSABSSA-SHA384-PSS-Deterministic"
KEY_BITS = 2048
PUBLIC_EXPONENT = 65537
SALT_LENGTH = 48  # bytes, the hash length of SHA-384
TOKEN_BYTES = 32  # the random message each voter's browser draws
_SEAL_INFO = b"capuyso secret-ballot private key v1"


class BlindSigError(Exception):
    """A refused input; `code` says which RFC 9474 error it is."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PublicKey:
    """What voters' devices need: the modulus and exponent, the SubjectPublicKeyInfo, and
    its SHA-256 fingerprint (the same for every voter of the vote: see docs/voting.md)."""

    n: int
    e: int
    spki_der: bytes

    @property
    def size(self) -> int:
        """kLen: the modulus length in bytes."""
        return (self.n.bit_length() + 7) // 8

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.spki_der).hexdigest()

    @property
    def pem(self) -> str:
        return (
            serialization.load_der_public_key(self.spki_der)
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def cryptography_key(self) -> rsa.RSAPublicKey:
        key = serialization.load_der_public_key(self.spki_der)
        assert isinstance(key, rsa.RSAPublicKey)
        return key

    @classmethod
    def from_key(cls, key: rsa.RSAPublicKey) -> PublicKey:
        numbers = key.public_numbers()
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(n=numbers.n, e=numbers.e, spki_der=der)

    @classmethod
    def from_pem(cls, pem: str) -> PublicKey:
        key = serialization.load_pem_public_key(pem.encode())
        if not isinstance(key, rsa.RSAPublicKey):
            raise BlindSigError("not_rsa")
        return cls.from_key(key)


def generate_key(bits: int = KEY_BITS) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=bits)


def int_to_bytes(value: int, length: int) -> bytes:
    return value.to_bytes(length, "big")


def bytes_to_int(data: bytes) -> int:
    return int.from_bytes(data, "big")


# --- Sealing the private key -------------------------------------------------------------


def _seal_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(
        secret.encode()
    )


def seal_private_key(key: rsa.RSAPrivateKey, *, context: str, secret: str) -> str:
    """The private key (PKCS#8 DER) encrypted with AES-256-GCM under HKDF(secret); the
    `context` (the vote's code) is authenticated, so a sealed key moved to another vote
    does not open."""
    plain = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_seal_key(secret)).encrypt(nonce, plain, context.encode())
    return base64.b64encode(nonce + sealed).decode()


@lru_cache(maxsize=8)
def open_private_key(sealed: str, *, context: str, secret: str) -> rsa.RSAPrivateKey:
    """The key sealed by `seal_private_key` (kept for the process while the vote is open:
    loading a key is slower than signing with it)."""
    raw = base64.b64decode(sealed)
    try:
        plain = AESGCM(_seal_key(secret)).decrypt(raw[:12], raw[12:], context.encode())
    except InvalidTag as exc:
        raise BlindSigError("key_unavailable") from exc
    key = serialization.load_der_private_key(plain, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def forget_opened_keys() -> None:
    """Drop the process's cache of opened private keys (at close)."""
    open_private_key.cache_clear()


# --- BlindSign and verification ---------------------------------------------------------


def _rsasp1(key: rsa.RSAPrivateKey, m: int) -> int:
    """m^d mod n with the CRT, itself blinded by a fresh random u so the time it takes
    says nothing about d (Python's integers are not constant-time): s = (m·u^e)^d · u^-1."""
    private = key.private_numbers()
    public = private.public_numbers
    n, e = public.n, public.e
    while True:
        u = secrets.randbelow(n - 2) + 2
        try:
            u_inv = pow(u, -1, n)
        except ValueError:  # not coprime with n: as likely as factoring n by chance
            continue
        break
    c = m * pow(u, e, n) % n
    s1 = pow(c, private.dmp1, private.p)
    s2 = pow(c, private.dmq1, private.q)
    h = private.iqmp * (s1 - s2) % private.p
    s = (s2 + h * private.q) % n
    return s * u_inv % n


def blind_sign(key: rsa.RSAPrivateKey, blinded_msg: bytes) -> bytes:
    """RFC 9474 BlindSign: the raw RSA private operation on the blinded message, checked
    with the public key before it leaves (a fault must not leak the key)."""
    public = key.public_key().public_numbers()
    size = (public.n.bit_length() + 7) // 8
    if len(blinded_msg) != size:
        raise BlindSigError("unexpected_input_size")
    m = bytes_to_int(blinded_msg)
    if m >= public.n:
        raise BlindSigError("invalid_message")
    s = _rsasp1(key, m)
    if pow(s, public.e, public.n) != m:
        raise BlindSigError("signing_failure")
    return int_to_bytes(s, size)


def verify(public_key: PublicKey, msg: bytes, sig: bytes) -> bool:
    """Is `sig` a valid RSASSA-PSS (SHA-384, MGF1-SHA-384, 48-byte salt) signature of
    `msg` under `public_key`? What the unblinded signature of a ballot token must be."""
    if len(sig) != public_key.size:
        return False
    try:
        public_key.cryptography_key().verify(
            sig,
            msg,
            padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_LENGTH),
            hashes.SHA384(),
        )
    except InvalidSignature:
        return False
    return True


class Verifier:
    """`verify` for many signatures under one key (the key is parsed once): the tally."""

    def __init__(self, public_key: PublicKey):
        self.size = public_key.size
        self.key = public_key.cryptography_key()
        self.padding = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=SALT_LENGTH)

    def __call__(self, msg: bytes, sig: bytes) -> bool:
        if len(sig) != self.size:
            return False
        try:
            self.key.verify(sig, msg, self.padding, hashes.SHA384())
        except InvalidSignature:
            return False
        return True
