"""Secret ballots (RSA blind signatures, RFC 9474): what a phone needs to vote.

1. `GET /ballots/{code}`: the ballot, its state and its public key (signed in: anyone who
   may see the meeting; 404 outside the committee).
2. `POST /ballots/{code}/sign` with `{"blinded_msg": base64}`: an eligible voter (full
   member recorded present) receives the blind signature of a blinded random token, once
   per vote; the same blinded message sent again gets the same answer (a lost reply).
3. `POST /ballots/{code}/cast` with `{"token", "signature", "choice"}`: **no
   authentication** — send it without cookies or token (`fetch(…, {credentials: "omit"})`).
   The signature proves the right to vote; nothing about the caller is recorded or logged.
   Returns the receipt (SHA-256 of the token, hex).
4. After the chair closes the ballot: `GET /ballots/{code}/result`, `GET
   /ballots/{code}/receipts` (every counted receipt, no choices) and, without
   authentication, `POST /ballots/{code}/receipt` with `{"receipt"}` → `{"counted"}`.
   Before close these answer 409 `not_closed`: no count of any kind is given early.

Refusals are JSON `{"detail": message, "code": code}`: 403 `not_eligible`; 409
`not_open`, `vote_closed`, `already_issued`, `already_cast`, `not_closed`; 400
`bad_request`, `bad_signature`, `invalid_choice`, `too_many_kept`. Protocol and threat model:
docs/voting.md.
"""

from __future__ import annotations

import base64
import binascii
import logging
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Field, Router, Schema, Status

from capuyso.audit.context import current_ip
from capuyso.meetings import ballot_privacy
from capuyso.meetings.blindsig import VARIANT
from capuyso.meetings.services import ballots as ballot_services

from .schemas import ErrorOut

logger = logging.getLogger(__name__)
router = Router(tags=["ballots"])
ballot_privacy.install()

STATUS_FOR_CODE = {
    "not_eligible": 403,
    "not_open": 409,
    "vote_closed": 409,
    "meeting_over": 409,
    "already_issued": 409,
    "already_cast": 409,
    "not_closed": 409,
    "key_unavailable": 503,
}


class RefusalOut(Schema):
    detail: str = Field(description="What went wrong, in the language of the request.")
    code: str = Field(description="A stable code: see the module's description.")


REFUSALS = {400: RefusalOut, 403: RefusalOut, 404: ErrorOut, 409: RefusalOut}
SIGNED_IN = {401: ErrorOut, 403: RefusalOut, 404: ErrorOut, 409: RefusalOut, 400: RefusalOut}


def _refusal(exc: DjangoValidationError) -> Status:
    """A service's coded refusal as {"detail", "code"} with its status."""
    if hasattr(exc, "error_dict"):
        code = next(iter(exc.error_dict.values()))[0].code
    else:
        code = exc.error_list[0].code
    code = code or "bad_request"
    return Status(STATUS_FOR_CODE.get(code, 400), {"detail": exc.messages[0], "code": code})


def _bytes(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ballot_services.ballot_error("bad_request") from exc


class KeyOut(Schema):
    variant: str = Field(description=f"`{VARIANT}` (RFC 9474).")
    n: str = Field(description="The RSA modulus, hexadecimal.")
    e: str = Field(description="The public exponent, hexadecimal.")
    bits: int
    spki: str = Field(description="SubjectPublicKeyInfo (DER), base64.")
    fingerprint: str = Field(
        description="SHA-256 of the SPKI, hex: the same for every voter of this ballot."
    )


class ChoiceOut(Schema):
    value: str
    label: str


class BallotOut(Schema):
    code: UUID
    meeting: UUID
    question: str
    status: str = Field(description="`draft`, `open` or `closed`.")
    kind: str = Field(description="`question` (for/against/abstain) or `election`.")
    seats: int | None = Field(description="Election: names that may be left standing.")
    choices: list[ChoiceOut]
    key: KeyOut | None = Field(description="Once the ballot is opened.")
    eligible: bool = Field(description="May the caller vote (full member, present)?")
    issued_to_me: bool = Field(description="Has the caller already received a token?")
    issued: int = Field(description="Tokens issued so far (voters who took a ballot).")
    received: int = Field(description="Ballots received so far (a total, no choices).")


def _state_out(state: ballot_services.BallotState) -> dict:
    vote = state.vote
    key = None
    if state.key is not None:
        key = {
            "variant": VARIANT,
            "n": format(state.key.n, "x"),
            "e": format(state.key.e, "x"),
            "bits": state.key.n.bit_length(),
            "spki": base64.b64encode(state.key.spki_der).decode(),
            "fingerprint": state.key.fingerprint,
        }
    return {
        "code": vote.code,
        "meeting": vote.meeting.code,
        "question": vote.question,
        "status": vote.status,
        "kind": "election" if ballot_services.is_election(vote) else "question",
        "seats": vote.seats,
        "choices": state.choices,
        "key": key,
        "eligible": state.eligible,
        "issued_to_me": state.issued_to_me,
        "issued": state.issued,
        "received": state.received,
    }


@router.get(
    "/ballots/{code}", response={200: BallotOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
)
def ballot_detail(request, code: UUID):
    """The ballot, its state and its public key."""
    vote = ballot_services.get_ballot_for_user(request.auth, code)
    return _state_out(ballot_services.ballot_state(request.auth, vote))


class SignIn(Schema):
    blinded_msg: str = Field(description="The blinded message (RFC 9474 Blind), base64.")


class SignOut(Schema):
    blind_sig: str = Field(description="RFC 9474 BlindSign's output, base64.")


@router.post("/ballots/{code}/sign", response={200: SignOut, **SIGNED_IN})
def ballot_sign(request, code: UUID, payload: SignIn):
    """Blind-sign the caller's ballot token (eligible voters, once per ballot)."""
    vote = ballot_services.get_ballot_for_user(request.auth, code)
    try:
        signature = ballot_services.ballot_issue(
            voter=request.auth, vote=vote, blinded_msg=_bytes(payload.blinded_msg)
        )
    except DjangoValidationError as exc:
        return _refusal(exc)
    return {"blind_sig": base64.b64encode(signature).decode()}


class CastIn(Schema):
    token: str = Field(description="The 32-byte random token, base64.")
    signature: str = Field(description="Its unblinded signature (RFC 9474 Finalize), base64.")
    choice: str | list[str] = Field(
        description="`for`, `against` or `abstain`; for an election the `value`s of the "
        "names left standing."
    )


class CastOut(Schema):
    receipt: str = Field(description="SHA-256 of the token, hex: check it after the close.")


@router.post("/ballots/{code}/cast", auth=None, response={200: CastOut, **REFUSALS})
def ballot_cast(request, code: UUID, payload: CastIn):
    """Cast a ballot. No authentication: send it without cookies. Nothing about the caller
    (account, address, time) is recorded."""
    marker = current_ip.set(None)  # nothing below may attribute this request to an address
    try:
        receipt = ballot_services.ballot_cast(
            vote_code=code,
            token=_bytes(payload.token),
            signature=_bytes(payload.signature),
            choice=payload.choice,
        )
    except DjangoValidationError as exc:
        return _refusal(exc)
    except Exception as exc:
        # The API's own error log names the path (and is filtered out for this endpoint);
        # say only what failed: an exception's text may quote the receipt.
        logger.error("A ballot cast failed on the server: %s", type(exc).__name__)
        raise
    finally:
        current_ip.reset(marker)
    return {"receipt": receipt}


class ResultOut(Schema):
    code: UUID
    question: str
    result: dict = Field(
        description="Counts, ballots issued and collected, the base, the threshold's "
        "arithmetic (`outcome`) and `passed`."
    )


@router.get("/ballots/{code}/result", response={200: ResultOut, **SIGNED_IN})
def ballot_result(request, code: UUID):
    """The result, once the chair has closed the ballot (409 `not_closed` before)."""
    vote = ballot_services.get_ballot_for_user(request.auth, code)
    try:
        result = ballot_services.ballot_result(vote)
    except DjangoValidationError as exc:
        return _refusal(exc)
    return {"code": vote.code, "question": vote.question, "result": result}


class ReceiptsOut(Schema):
    count: int
    receipts: list[str] = Field(description="Every counted ballot's receipt, sorted.")


@router.get("/ballots/{code}/receipts", response={200: ReceiptsOut, **SIGNED_IN})
def ballot_receipts(request, code: UUID):
    """The receipts of the counted ballots (no choices), once the ballot is closed."""
    vote = ballot_services.get_ballot_for_user(request.auth, code)
    try:
        receipts = ballot_services.counted_receipts(vote)
    except DjangoValidationError as exc:
        return _refusal(exc)
    return {"count": len(receipts), "receipts": receipts}


class ReceiptIn(Schema):
    receipt: str = Field(description="The receipt (64 hex digits).")


class ReceiptOut(Schema):
    counted: bool


@router.post("/ballots/{code}/receipt", auth=None, response={200: ReceiptOut, **REFUSALS})
def ballot_receipt_check(request, code: UUID, payload: ReceiptIn):
    """Was this receipt counted? No authentication (send it without cookies), so the check
    is not tied to anyone. 409 `not_closed` before the close."""
    marker = current_ip.set(None)
    try:
        counted = ballot_services.receipt_counted(vote_code=code, receipt=payload.receipt)
    except DjangoValidationError as exc:
        return _refusal(exc)
    finally:
        current_ip.reset(marker)
    return {"counted": counted}
