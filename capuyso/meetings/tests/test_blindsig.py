"""RSA blind signatures (RFC 9474): the server's BlindSign and verification
(meetings/blindsig.py) against the RFC's test vector and the independent Python client
(meetings/tests/ballot_client.py), which plays the browser's part."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from capuyso.meetings import blindsig
from capuyso.meetings.tests import ballot_client as client

VECTOR = json.loads((Path(__file__).parent / "rfc9474_vector.json").read_text())


def hexint(name: str) -> int:
    return int(VECTOR[name], 16)


def vector_key() -> rsa.RSAPrivateKey:
    p, q, d, e, n = (hexint(name) for name in ("p", "q", "d", "e", "n"))
    assert p * q == n
    return rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(e, n),
    ).private_key()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return blindsig.generate_key()


def public_of(key) -> blindsig.PublicKey:
    return blindsig.PublicKey.from_key(key.public_key())


def test_the_rfc_vector_blind_with_its_salt_and_blind(key):
    n, e = hexint("n"), hexint("e")
    r = pow(hexint("inv"), -1, n)  # the vector gives the inverse of the blind

    blinded, inv = client.blind(
        n, e, bytes.fromhex(VECTOR["msg"]), salt=bytes.fromhex(VECTOR["salt"]), r=r
    )

    assert blinded.hex() == VECTOR["blinded_msg"]
    assert inv == hexint("inv")


def test_the_rfc_vector_blind_sign_is_the_servers():
    blind_sig = blindsig.blind_sign(vector_key(), bytes.fromhex(VECTOR["blinded_msg"]))

    assert blind_sig.hex() == VECTOR["blind_sig"]


def test_the_rfc_vector_finalize_gives_a_standard_pss_signature():
    n, e = hexint("n"), hexint("e")
    msg = bytes.fromhex(VECTOR["msg"])

    sig = client.finalize(n, e, msg, bytes.fromhex(VECTOR["blind_sig"]), hexint("inv"))

    assert sig.hex() == VECTOR["sig"]
    public = public_of(vector_key())
    assert blindsig.verify(public, msg, sig)
    # …checked by `cryptography` as any RSASSA-PSS signature, no blind machinery involved.
    public.cryptography_key().verify(
        sig,
        msg,
        padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48),
        hashes.SHA384(),
    )


def test_a_token_signed_blindly_with_a_fresh_key_verifies(key):
    public = public_of(key)
    token = secrets.token_bytes(32)
    blinded, inv = client.blind(public.n, public.e, token)

    blind_sig = blindsig.blind_sign(key, blinded)
    sig = client.finalize(public.n, public.e, token, blind_sig, inv)

    assert blindsig.verify(public, token, sig)
    assert blindsig.Verifier(public)(token, sig)
    assert not blindsig.verify(public, secrets.token_bytes(32), sig)
    assert not blindsig.verify(public, token, sig[:-1] + bytes([sig[-1] ^ 1]))
    assert not blindsig.verify(public, token, sig[1:])
    # The server saw only `blinded`: the same token blinded again looks unrelated.
    assert client.blind(public.n, public.e, token)[0] != blinded
    assert blinded != sig


def test_blind_sign_refuses_bad_input(key):
    public = public_of(key)
    with pytest.raises(blindsig.BlindSigError) as exc:
        blindsig.blind_sign(key, b"\x01" * (public.size - 1))
    assert exc.value.code == "unexpected_input_size"
    with pytest.raises(blindsig.BlindSigError) as exc:
        blindsig.blind_sign(key, blindsig.int_to_bytes(public.n, public.size))
    assert exc.value.code == "invalid_message"


def test_blind_sign_checks_its_result_before_returning_it(key, monkeypatch):
    public = public_of(key)
    blinded, _inv = client.blind(public.n, public.e, secrets.token_bytes(32))
    monkeypatch.setattr(blindsig, "_rsasp1", lambda k, m: (m + 1) % public.n)  # a fault

    with pytest.raises(blindsig.BlindSigError) as exc:
        blindsig.blind_sign(key, blinded)

    assert exc.value.code == "signing_failure"


def test_finalize_refuses_a_wrong_blind_signature(key):
    public = public_of(key)
    token = secrets.token_bytes(32)
    _blinded, inv = client.blind(public.n, public.e, token)
    other, _ = client.blind(public.n, public.e, secrets.token_bytes(32))

    with pytest.raises(ValueError, match="invalid signature"):
        client.finalize(public.n, public.e, token, blindsig.blind_sign(key, other), inv)


def test_the_clients_pss_check_agrees_with_cryptography(key):
    """The client's EMSA-PSS verification, against signatures `cryptography` makes."""
    public = public_of(key)
    msg = secrets.token_bytes(32)
    sig = key.sign(
        msg, padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48), hashes.SHA384()
    )
    em_bits = public.n.bit_length() - 1
    em = client.i2osp(pow(client.os2ip(sig), public.e, public.n), (em_bits + 7) // 8)

    assert client.emsa_pss_verify(msg, em, em_bits)
    assert not client.emsa_pss_verify(msg + b"x", em, em_bits)


def test_the_sealed_private_key_opens_only_for_its_vote(key):
    sealed = blindsig.seal_private_key(key, context="vote-a", secret="s" * 50)

    opened = blindsig.open_private_key(sealed, context="vote-a", secret="s" * 50)

    assert opened.private_numbers() == key.private_numbers()
    for context, secret in (("vote-b", "s" * 50), ("vote-a", "t" * 50)):
        with pytest.raises(blindsig.BlindSigError) as exc:
            blindsig.open_private_key(sealed, context=context, secret=secret)
        assert exc.value.code == "key_unavailable"


def test_the_public_key_round_trips_through_pem(key):
    public = public_of(key)
    again = blindsig.PublicKey.from_pem(public.pem)

    assert (again.n, again.e, again.fingerprint) == (public.n, public.e, public.fingerprint)
    assert public.size == 256 and len(public.fingerprint) == 64
