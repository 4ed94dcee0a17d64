"""VietQR payloads (NAPAS, EMVCo merchant-presented QR) and the party-fee transfer note.

Pure functions, no database: `build_payload` writes the text a banking app scans,
`parse_payload` reads one back (CRC and structure checked), `format_fee_note` /
`parse_fee_note` write and find the note that identifies a member's monthly fee or a
cell's remittance in a bank statement. The format is described in docs/vietqr.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from capuyso.core.text import fold

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
STATIC = "11"
DYNAMIC = "12"
NOTE_MAX_LENGTH = 25  # tag 62, sub-tag 08 "purpose of transaction": ans, up to 25
ACCOUNT_MAX_LENGTH = 19
AMOUNT_MAX_DIGITS = 13
TLV_MAX_LENGTH = 99

_BIN_RE = re.compile(r"[0-9]{6}")
_ACCOUNT_RE = re.compile(r"[0-9A-Za-z]{1,19}")
# After folding and upper-casing: letters, digits, spaces and a few marks every bank keeps.
_NOTE_RE = re.compile(r"[A-Z0-9 .,/-]*")
_TAG_RE = re.compile(r"[0-9]{2}")

ERROR_MESSAGES = {
    "bin_invalid": _("The bank BIN must be exactly 6 digits (for example 970415)."),
    "account_invalid": _(
        "The account number must have 1 to 19 letters or digits, without spaces or marks."
    ),
    "amount_invalid": _("The amount must be a whole number of đồng, greater than zero."),
    "amount_too_large": _("The amount may have at most 13 digits."),
    "note_chars": _(
        "The transfer note may only contain letters, digits, spaces and the marks . , - / "
        "(not allowed: %(chars)s)."
    ),
    "note_too_long": _(
        "The transfer note has %(length)s characters without accents; banks accept at most %(max)s."
    ),
    "field_too_long": _("The QR field %(tag)s would be longer than 99 characters."),
    "payload_crc": _("This is not a valid VietQR code: its checksum does not match."),
    "payload_structure": _("This is not a valid VietQR code: its structure is broken."),
    "payload_field": _("This is not a valid VietQR code: the field %(tag)s is missing or wrong."),
    "fee_ref_invalid": _(
        "The fee reference numbers must be whole numbers: cell 1 to 999, member 1 to 999999."
    ),
    "fee_period_invalid": _("The fee month must be a month from 01/2000 to 12/2099."),
}


class VietQRError(ValueError):
    """Bad input for a VietQR payload or a fee note; `code` is a key of ERROR_MESSAGES."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(code, params)

    @property
    def message(self) -> str:
        """The user-facing message in the active language."""
        text = str(ERROR_MESSAGES[self.code])
        return text % self.params if self.params else text

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


# --- CRC ---------------------------------------------------------------------------------


def crc16_ccitt_false(data: str | bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no xor-out."""
    if isinstance(data, str):
        data = data.encode("ascii")
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _crc_hex(data: str) -> str:
    return f"{crc16_ccitt_false(data):04X}"


# --- Building ----------------------------------------------------------------------------


def _tlv(tag: str, value: str) -> str:
    if len(value) > TLV_MAX_LENGTH:
        raise VietQRError("field_too_long", tag=tag)
    return f"{tag}{len(value):02d}{value}"


def normalize_note(note: str | None) -> str | None:
    """Fold Vietnamese (no accents, đ→d), collapse spaces and upper-case, as statements show it.

    Returns None for an empty note; raises VietQRError when a character or the length is not
    accepted in tag 62/08.
    """
    folded = fold(note).upper()
    if not folded:
        return None
    if not _NOTE_RE.fullmatch(folded):
        bad = sorted({ch for ch in folded if not _NOTE_RE.fullmatch(ch)})
        raise VietQRError("note_chars", chars=" ".join(bad))
    if len(folded) > NOTE_MAX_LENGTH:
        raise VietQRError("note_too_long", length=len(folded), max=NOTE_MAX_LENGTH)
    return folded


def _check_amount(amount: object) -> int | None:
    if amount is None:
        return None
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        # Floats are refused outright: money is integer đồng.
        raise VietQRError("amount_invalid")
    if isinstance(amount, Decimal):
        if not amount.is_finite() or amount != amount.to_integral_value():
            raise VietQRError("amount_invalid")
        amount = int(amount)
    if amount <= 0:
        raise VietQRError("amount_invalid")
    if len(str(amount)) > AMOUNT_MAX_DIGITS:
        raise VietQRError("amount_too_large")
    return amount


def build_payload(
    *,
    bank_bin: str,
    account: str,
    amount: int | Decimal | None = None,
    note: str | None = None,
) -> str:
    """The VietQR text for a transfer to `account` at the bank `bank_bin`.

    Static (`010211`) without an amount, dynamic (`010212`) with one. The note is folded and
    upper-cased (see `normalize_note`). Merchant name and city (tags 59/60) are left out, as
    in NAPAS's own transfer-to-account payloads.
    """
    if not isinstance(bank_bin, str) or not _BIN_RE.fullmatch(bank_bin):
        raise VietQRError("bin_invalid")
    if not isinstance(account, str) or not _ACCOUNT_RE.fullmatch(account):
        raise VietQRError("account_invalid")
    value = _check_amount(amount)
    text = normalize_note(note)

    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    parts = [
        _tlv("00", "01"),
        _tlv("01", DYNAMIC if value is not None else STATIC),
        _tlv("38", merchant),
        _tlv("53", CURRENCY_VND),
    ]
    if value is not None:
        parts.append(_tlv("54", str(value)))
    parts.append(_tlv("58", COUNTRY_VN))
    if text:
        parts.append(_tlv("62", _tlv("08", text)))
    body = "".join(parts) + "6304"
    return body + _crc_hex(body)


# --- Parsing -----------------------------------------------------------------------------


def _split(data: str) -> dict[str, str]:
    """EMVCo TLV list → {tag: value}; raises on a bad length, truncation or a repeated tag."""
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        head = data[pos : pos + 4]
        if len(head) < 4 or not _TAG_RE.fullmatch(head[:2]) or not head[2:].isdigit():
            raise VietQRError("payload_structure")
        tag, length = head[:2], int(head[2:])
        value = data[pos + 4 : pos + 4 + length]
        if length == 0 or len(value) != length or tag in fields:
            raise VietQRError("payload_structure")
        fields[tag] = value
        pos += 4 + length
    return fields


def parse_payload(payload: str) -> dict:
    """Read a VietQR text back, checking the CRC, the TLV structure and the VietQR fields.

    Returns a dict: format, initiation ("11" static / "12" dynamic / None), bank_bin, account,
    service, currency, amount (int or None), country, note (str or None), crc, and `tags`
    (the raw root fields). Raises VietQRError (payload_crc / payload_structure /
    payload_field with `tag`).
    """
    if not isinstance(payload, str) or not payload.isascii() or not payload.isprintable():
        raise VietQRError("payload_structure")
    if len(payload) < 12 or payload[-8:-4] != "6304":
        raise VietQRError("payload_structure")
    crc = payload[-4:].upper()
    if crc != _crc_hex(payload[:-4]):
        raise VietQRError("payload_crc")
    tags = _split(payload)
    if next(iter(tags)) != "00" or tags["00"] != "01":
        raise VietQRError("payload_field", tag="00")
    if next(reversed(tags)) != "63":
        raise VietQRError("payload_structure")
    initiation = tags.get("01")
    if initiation not in (None, STATIC, DYNAMIC):
        raise VietQRError("payload_field", tag="01")

    if "38" not in tags:
        raise VietQRError("payload_field", tag="38")
    merchant = _split(tags["38"])
    if merchant.get("00") != NAPAS_GUID or "01" not in merchant or not merchant.get("02"):
        raise VietQRError("payload_field", tag="38")
    beneficiary = _split(merchant["01"])
    bank_bin, account = beneficiary.get("00", ""), beneficiary.get("01", "")
    if not _BIN_RE.fullmatch(bank_bin) or not _ACCOUNT_RE.fullmatch(account):
        raise VietQRError("payload_field", tag="38")

    if tags.get("53") != CURRENCY_VND:
        raise VietQRError("payload_field", tag="53")
    if tags.get("58") != COUNTRY_VN:
        raise VietQRError("payload_field", tag="58")
    amount = None
    if "54" in tags:
        if not tags["54"].isdigit() or int(tags["54"]) <= 0:
            raise VietQRError("payload_field", tag="54")
        amount = int(tags["54"])
    note = _split(tags["62"]).get("08") if "62" in tags else None

    return {
        "format": tags["00"],
        "initiation": initiation,
        "bank_bin": bank_bin,
        "account": account,
        "service": merchant["02"],
        "currency": tags["53"],
        "amount": amount,
        "country": tags["58"],
        "note": note,
        "crc": crc,
        "tags": tags,
    }


# --- The fee note ------------------------------------------------------------------------

FEE_NOTE_PREFIX = "DP"  # Đảng phí
REMITTANCE_MARK = "NOP"  # nộp: a cell remitting its share upwards
CELL_REF_MAX = 999
MEMBER_REF_MAX = 999_999
YEAR_MIN, YEAR_MAX = 2000, 2099

_SEP = r"[^A-Z0-9]*"
# Tolerates what banks do to a note: upper-casing, punctuation turned into spaces or dropped,
# spaces dropped, text added before and after.
_FEE_NOTE_RE = re.compile(
    rf"DP{_SEP}C{_SEP}([0-9]{{1,3}}){_SEP}"
    rf"(?:M{_SEP}([0-9]{{1,6}})|{REMITTANCE_MARK}){_SEP}"
    rf"T{_SEP}([0-9]{{2}}){_SEP}([0-9]{{4}})"
)


@dataclass(frozen=True)
class FeeNote:
    """A fee note: member `member_ref` of cell `cell_ref` pays for a month; a cell's
    remittance when `member_ref` is None."""

    cell_ref: int
    member_ref: int | None
    year: int
    month: int

    @property
    def is_remittance(self) -> bool:
        return self.member_ref is None

    def __str__(self) -> str:
        return format_fee_note(self.cell_ref, self.member_ref, self.year, self.month)


def _valid_ref(value: object, maximum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= maximum


def format_fee_note(cell_ref: int, member_ref: int | None, year: int, month: int) -> str:
    """`DP C7 M1234 T112026` (member 1234 of cell 7, November 2026) or `DP C7 NOP T112026`
    (cell 7 remits November 2026). At most 23 characters."""
    if not _valid_ref(cell_ref, CELL_REF_MAX) or not (
        member_ref is None or _valid_ref(member_ref, MEMBER_REF_MAX)
    ):
        raise VietQRError("fee_ref_invalid")
    if not (_valid_ref(month, 12) and _valid_ref(year, YEAR_MAX) and year >= YEAR_MIN):
        raise VietQRError("fee_period_invalid")
    who = REMITTANCE_MARK if member_ref is None else f"M{member_ref}"
    return f"{FEE_NOTE_PREFIX} C{cell_ref} {who} T{month:02d}{year}"


def find_fee_notes(text: str | None) -> list[FeeNote]:
    """Every well-formed fee note in a bank statement line, in order (duplicates kept once)."""
    found: list[FeeNote] = []
    for match in _FEE_NOTE_RE.finditer(fold(text).upper()):
        cell, member, month, year = match.groups()
        note = FeeNote(
            cell_ref=int(cell),
            member_ref=int(member) if member is not None else None,
            year=int(year),
            month=int(month),
        )
        refs_ok = note.cell_ref >= 1 and (note.member_ref is None or note.member_ref >= 1)
        period_ok = 1 <= note.month <= 12 and YEAR_MIN <= note.year <= YEAR_MAX
        if refs_ok and period_ok and note not in found:
            found.append(note)
    return found


def parse_fee_note(text: str | None) -> FeeNote | None:
    """The first fee note found in `text` (noisy statement text is fine), or None."""
    notes = find_fee_notes(text)
    return notes[0] if notes else None
