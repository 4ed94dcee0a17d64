"""VietQR payloads, the fee note and the QR images: pure functions, no database.

The payloads are checked three ways: against hand-assembled TLV strings with the CRC from the
standard library (binascii.crc_hqx), with an independent decoder from PyPI (vietnam-qr-pay),
and, for the images, by zbarimg reading the PNG back.
"""

import binascii
import shutil
import subprocess
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from vietnam_qr_pay import QRPay

from capuyso.fees import qrimage, vietqr
from capuyso.fees.vietqr import (
    FeeNote,
    VietQRError,
    build_payload,
    crc16_ccitt_false,
    find_fee_notes,
    format_fee_note,
    parse_fee_note,
    parse_payload,
)

ZBARIMG = shutil.which("zbarimg")
needs_zbar = pytest.mark.skipif(
    ZBARIMG is None, reason="zbarimg not installed (Debian zbar-tools; scripts/test installs it)"
)

# Published VietQR payloads (from projects' READMEs), used as CRC vectors.
PUBLISHED = [
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
    "530370454061200005802VN62170813ung ho lu lut6304C15C",
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA"
    "5303704540410005802VN62150811Chuyen tien6304BBB8",
]


def zbar_decode(png_path) -> str:
    """The text zbarimg reads from a PNG file (one symbol expected)."""
    result = subprocess.run(
        [ZBARIMG, "--raw", "-q", str(png_path)], capture_output=True, text=True, check=True
    )
    return result.stdout.rstrip("\n")


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """Close a hand-made payload with 6304 and the CRC computed by the standard library."""
    body += "6304"
    return body + f"{binascii.crc_hqx(body.encode(), 0xFFFF):04X}"


# --- CRC ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [("123456789", 0x29B1), ("", 0xFFFF), ("A", 0xB915), (b"\x00", 0xE1F0)],
)
def test_crc_matches_the_catalogued_check_values(data, expected):
    assert crc16_ccitt_false(data) == expected


def test_crc_agrees_with_the_standard_library_on_many_inputs():
    for n in range(300):
        data = bytes((i * 37 + n) % 256 for i in range(n))
        assert crc16_ccitt_false(data) == binascii.crc_hqx(data, 0xFFFF)


@pytest.mark.parametrize("payload", PUBLISHED)
def test_crc_matches_published_vietqr_payloads(payload):
    assert f"{crc16_ccitt_false(payload[:-4]):04X}" == payload[-4:]
    assert parse_payload(payload)["crc"] == payload[-4:]


# --- Building ----------------------------------------------------------------------------


def test_dynamic_payload_is_exactly_the_expected_tlv_string():
    payload = build_payload(
        bank_bin="970415", account="0011001932418", amount=120000, note="DP C7 M1234 T112026"
    )
    beneficiary = tlv("00", "970415") + tlv("01", "0011001932418")
    merchant = tlv("00", "A000000727") + tlv("01", beneficiary) + tlv("02", "QRIBFTTA")
    expected = with_crc(
        "000201"
        + "010212"
        + tlv("38", merchant)
        + "5303704"
        + tlv("54", "120000")
        + "5802VN"
        + tlv("62", tlv("08", "DP C7 M1234 T112026"))
    )
    assert payload == expected
    assert payload.startswith("00020101021238570010A000000727012700069704150113")


def test_the_example_in_the_docs_is_right():
    documented = (
        "000201 010212 38570010A00000072701270006970415011300110019324180208QRIBFTTA "
        "5303704 5406120000 5802VN 62230819DP C7 M1234 T112026 6304758F"
    )
    fields = documented.split(" ")
    fields[6:10] = [" ".join(fields[6:10])]  # the note keeps its own spaces
    assert "".join(fields) == build_payload(
        bank_bin="970415", account="0011001932418", amount=120000, note="DP C7 M1234 T112026"
    )


def test_static_payload_without_amount_or_note():
    payload = build_payload(bank_bin="970436", account="0881000458086")
    assert payload.startswith("000201010211")
    tags = parse_payload(payload)["tags"]
    assert set(tags) == {"00", "01", "38", "53", "58", "63"}
    assert parse_payload(payload)["initiation"] == vietqr.STATIC


def test_no_merchant_name_or_city_tags():
    tags = parse_payload(build_payload(bank_bin="970436", account="1", amount=5000))["tags"]
    assert "59" not in tags and "60" not in tags


def test_amount_is_integer_dong_and_makes_the_payload_dynamic():
    info = parse_payload(build_payload(bank_bin="970436", account="1", amount=Decimal("50000")))
    assert info["initiation"] == vietqr.DYNAMIC
    assert info["tags"]["54"] == "50000" and info["amount"] == 50000
    info = parse_payload(build_payload(bank_bin="970436", account="1", amount=Decimal("7.00")))
    assert info["tags"]["54"] == "7"
    info = parse_payload(build_payload(bank_bin="970436", account="1", amount=10**13 - 1))
    assert info["amount"] == 9_999_999_999_999


def test_note_is_folded_and_upper_cased():
    payload = build_payload(bank_bin="970415", account="1", note="  Đóng   đảng phí  tháng 11 ")
    assert parse_payload(payload)["note"] == "DONG DANG PHI THANG 11"


def test_note_of_exactly_25_characters_is_accepted():
    note = "Đảng phí chi bộ 7 - 11/26"  # 25 characters once folded
    assert parse_payload(build_payload(bank_bin="970415", account="1", note=note))["note"] == (
        "DANG PHI CHI BO 7 - 11/26"
    )


def test_blank_note_leaves_out_tag_62():
    tags = parse_payload(build_payload(bank_bin="970415", account="1", note="   "))["tags"]
    assert "62" not in tags


@pytest.mark.parametrize("bank_bin", ["97041", "9704150", "97041a", "", " 970415", 970415, None])
def test_bad_bin_is_refused(bank_bin):
    with pytest.raises(VietQRError) as exc:
        build_payload(bank_bin=bank_bin, account="123")
    assert exc.value.code == "bin_invalid"


@pytest.mark.parametrize("account", ["", "1" * 20, "12 34", "12-34", "ĐA12", "１２３", 123])
def test_bad_account_is_refused(account):
    with pytest.raises(VietQRError) as exc:
        build_payload(bank_bin="970415", account=account)
    assert exc.value.code == "account_invalid"


def test_account_of_19_alphanumerics_is_accepted():
    info = parse_payload(build_payload(bank_bin="970415", account="AB" + "1" * 17))
    assert info["account"] == "AB" + "1" * 17


@pytest.mark.parametrize(
    "amount",
    [0, -1, 1.5, 1000.0, Decimal("1.5"), Decimal("NaN"), Decimal("-5"), True, "1000", b"1"],
)
def test_bad_amount_is_refused(amount):
    with pytest.raises(VietQRError) as exc:
        build_payload(bank_bin="970415", account="1", amount=amount)
    assert exc.value.code == "amount_invalid"


def test_amount_over_13_digits_is_refused():
    with pytest.raises(VietQRError) as exc:
        build_payload(bank_bin="970415", account="1", amount=10**13)
    assert exc.value.code == "amount_too_large"


@pytest.mark.parametrize("note", ["Phí @ chi bộ", "ok!", "tab\u200bzero", "文字", "😀", "a_b"])
def test_note_with_other_characters_is_refused(note):
    with pytest.raises(VietQRError) as exc:
        build_payload(bank_bin="970415", account="1", note=note)
    assert exc.value.code == "note_chars"
    assert exc.value.params["chars"]


def test_note_longer_than_25_characters_is_refused_not_cut():
    with pytest.raises(VietQRError) as exc:
        build_payload(bank_bin="970415", account="1", note="Đảng phí chi bộ 7 - 11/2026")
    assert exc.value.code == "note_too_long"
    assert exc.value.params == {"length": 27, "max": 25}


def test_a_field_longer_than_99_characters_is_refused():
    with pytest.raises(VietQRError) as exc:
        vietqr._tlv("62", "X" * 100)
    assert exc.value.code == "field_too_long"
    assert vietqr._tlv("62", "X" * 99).startswith("6299")


def test_every_error_code_has_a_message():
    for code in vietqr.ERROR_MESSAGES:
        params = {"chars": "@", "length": 30, "max": 25, "tag": "38"}
        assert VietQRError(code, **params).message
    assert "bin_invalid" in str(VietQRError("bin_invalid"))


# --- Parsing -----------------------------------------------------------------------------


def test_parse_round_trip():
    payload = build_payload(
        bank_bin="970422", account="0123456789", amount=30000, note="DP C12 M345 T012027"
    )
    info = parse_payload(payload)
    assert {k: v for k, v in info.items() if k != "tags"} == {
        "format": "01",
        "initiation": "12",
        "bank_bin": "970422",
        "account": "0123456789",
        "service": "QRIBFTTA",
        "currency": "704",
        "amount": 30000,
        "country": "VN",
        "note": "DP C12 M345 T012027",
        "crc": payload[-4:],
    }


def test_parse_accepts_a_lower_case_crc():
    payload = build_payload(bank_bin="970422", account="1", amount=30000)
    assert parse_payload(payload[:-4] + payload[-4:].lower())["amount"] == 30000


def test_parse_refuses_a_wrong_crc():
    payload = build_payload(bank_bin="970422", account="1", amount=30000)
    tampered = payload.replace("540530000", "540530001")
    with pytest.raises(VietQRError) as exc:
        parse_payload(tampered)
    assert exc.value.code == "payload_crc"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "6304ABCD",
        "hello world",
        "000201010211530370463041D3",
        "00020101021238570010A0000007270127000697041501130011001932418"[:40] + "6304",
        None,
        "000201\u00e9",
    ],
)
def test_parse_refuses_broken_text(text):
    with pytest.raises(VietQRError) as exc:
        parse_payload(text)
    assert exc.value.code in {"payload_structure", "payload_crc"}


def test_parse_refuses_a_truncated_field_even_with_a_valid_crc():
    body = "000201010211" + "3899" + "0010A000000727"
    with pytest.raises(VietQRError) as exc:
        parse_payload(with_crc(body))
    assert exc.value.code == "payload_structure"


def test_parse_refuses_a_repeated_tag():
    good = build_payload(bank_bin="970422", account="1")
    with pytest.raises(VietQRError) as exc:
        parse_payload(with_crc(good[:-8] + "5802VN"))
    assert exc.value.code == "payload_structure"


def _standard_fields(**override) -> str:
    beneficiary = tlv("00", "970415") + tlv("01", "123")
    fields = {
        "00": "01",
        "01": "11",
        "38": tlv("00", "A000000727") + tlv("01", beneficiary) + tlv("02", "QRIBFTTA"),
        "53": "704",
        "58": "VN",
    }
    fields.update(override)
    return with_crc("".join(tlv(tag, value) for tag, value in fields.items() if value))


def test_the_hand_made_standard_payload_parses():
    assert parse_payload(_standard_fields())["account"] == "123"


@pytest.mark.parametrize(
    ("override", "tag"),
    [
        ({"00": "02"}, "00"),
        ({"01": "13"}, "01"),
        ({"38": ""}, "38"),
        ({"38": tlv("00", "A000000775") + tlv("01", tlv("00", "970415") + tlv("01", "1"))}, "38"),
        ({"38": tlv("00", "A000000727") + tlv("01", tlv("00", "97041") + tlv("01", "1"))}, "38"),
        ({"53": "840"}, "53"),
        ({"58": "TH"}, "58"),
        ({"58": ""}, "58"),
        ({"54": "1000.50"}, "54"),
        ({"54": "0"}, "54"),
    ],
)
def test_parse_names_the_wrong_field(override, tag):
    with pytest.raises(VietQRError) as exc:
        parse_payload(_standard_fields(**override))
    assert exc.value.code == "payload_field"
    assert exc.value.params == {"tag": tag}


def test_parse_requires_tag_00_first():
    body = tlv("01", "11") + tlv("00", "01")
    with pytest.raises(VietQRError) as exc:
        parse_payload(with_crc(body))
    assert exc.value.code == "payload_field"


# --- An independent decoder (vietnam-qr-pay from PyPI) ------------------------------------


@pytest.mark.parametrize(
    ("bank_bin", "account", "amount", "note"),
    [
        ("970415", "0011001932418", None, None),
        ("970436", "0881000458086", 5000, None),
        ("970422", "AB12345678901234567", 9_999_999_999_999, "DP C999 M999999 T122026"),
        ("970405", "1", 123456, "Đảng phí chi bộ 3"),
    ],
)
def test_an_independent_decoder_reads_our_payloads(bank_bin, account, amount, note):
    payload = build_payload(bank_bin=bank_bin, account=account, amount=amount, note=note)
    decoded = QRPay(payload)
    assert decoded.is_valid
    assert decoded.version == "01"
    assert decoded.init_method == ("12" if amount else "11")
    assert decoded.provider.guid == "A000000727"
    assert decoded.provider.service == "QRIBFTTA"
    assert decoded.consumer.bank_bin == bank_bin
    assert decoded.consumer.bank_number == account
    assert decoded.currency == "704" and decoded.nation == "VN"
    assert decoded.amount == (str(amount) if amount else None)
    assert decoded.additional_data.purpose == vietqr.normalize_note(note)
    assert decoded.crc == payload[-4:]


def test_the_independent_decoder_rejects_a_bad_crc_too():
    payload = build_payload(bank_bin="970415", account="1", amount=5000)
    assert QRPay(payload).is_valid
    assert not QRPay(payload[:-1] + ("0" if payload[-1] != "0" else "1")).is_valid


# --- The fee note ------------------------------------------------------------------------


def test_fee_note_format():
    assert format_fee_note(7, 1234, 2026, 11) == "DP C7 M1234 T112026"
    assert format_fee_note(7, None, 2027, 1) == "DP C7 NOP T012027"
    assert len(format_fee_note(999, 999_999, 2099, 12)) <= vietqr.NOTE_MAX_LENGTH
    assert str(FeeNote(cell_ref=3, member_ref=None, year=2026, month=2)) == "DP C3 NOP T022026"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ((0, 1, 2026, 1), "fee_ref_invalid"),
        ((1000, 1, 2026, 1), "fee_ref_invalid"),
        ((1, 0, 2026, 1), "fee_ref_invalid"),
        ((1, 1_000_000, 2026, 1), "fee_ref_invalid"),
        ((True, 1, 2026, 1), "fee_ref_invalid"),
        (("7", 1, 2026, 1), "fee_ref_invalid"),
        ((1, 1, 2026, 0), "fee_period_invalid"),
        ((1, 1, 2026, 13), "fee_period_invalid"),
        ((1, 1, 1999, 12), "fee_period_invalid"),
        ((1, 1, 2100, 1), "fee_period_invalid"),
        ((1, None, 26, 1), "fee_period_invalid"),
    ],
)
def test_fee_note_format_refuses_bad_values(args, code):
    with pytest.raises(VietQRError) as exc:
        format_fee_note(*args)
    assert exc.value.code == code


MEMBER_NOTE = FeeNote(cell_ref=7, member_ref=1234, year=2026, month=11)
CELL_NOTE = FeeNote(cell_ref=7, member_ref=None, year=2026, month=11)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DP C7 M1234 T112026", MEMBER_NOTE),
        ("MBVCB.123456.DP C7 M1234 T112026.CT tu 0123 NGUYEN VAN A", MEMBER_NOTE),
        ("DPC7M1234T112026", MEMBER_NOTE),
        ("dp c7 m1234 t112026", MEMBER_NOTE),
        ("Đp c7 m1234 t11/2026", MEMBER_NOTE),
        ("DP-C7-M1234-T11-2026", MEMBER_NOTE),
        ("DP.C7.M1234.T112026", MEMBER_NOTE),
        ("NGUYEN VAN A CHUYEN TIEN DPC7M1234T1120260123456789 FT26312", MEMBER_NOTE),
        ("IBFT 970415 DP C007 M001234 T112026", MEMBER_NOTE),
        ("TKThe :0123, tai VCB. DP C7 NOP T112026 -CTLNHIDI000", CELL_NOTE),
        ("DPC7NOPT112026", CELL_NOTE),
        ("REM Tfr Ac: 1 O@L DP C7 M1234 T112026 ND DP C7 M1234 T112026", MEMBER_NOTE),
        ("DP C7 M1234 T132026 DP C7 M1234 T112026", MEMBER_NOTE),
        (
            "DP C999 M999999 T122099",
            FeeNote(cell_ref=999, member_ref=999_999, year=2099, month=12),
        ),
    ],
)
def test_fee_note_is_found_in_noisy_statement_text(text, expected):
    assert parse_fee_note(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "CHUYEN TIEN DANG PHI THANG 11",
        "DP C7 M1234 T132026",
        "DP C7 M1234 T002026",
        "DP C7 M1234 T11202",
        "DP C7 M1234 T111999",
        "DP C1000 M1 T112026",
        "DP C7 M1234567 T112026",
        "DP C0 M1 T112026",
        "DP C7 M0 T112026",
        "DP C7 T112026",
        "DP M1234 T112026",
        "C7 M1234 T112026",
        "DP C7 M T112026",
    ],
)
def test_garbage_or_impossible_notes_give_none(text):
    assert parse_fee_note(text) is None


def test_several_notes_in_one_transfer_are_all_found():
    text = "DP C7 M1234 T112026 DP C7 M1234 T122026 DP C7 M1234 T112026"
    assert find_fee_notes(text) == [
        MEMBER_NOTE,
        FeeNote(cell_ref=7, member_ref=1234, year=2026, month=12),
    ]


def test_fee_note_survives_bank_mangling_for_every_shape():
    for cell in (1, 42, 999):
        for member in (None, 5, 99999, 999_999):
            for month in (1, 9, 10, 12):
                note = FeeNote(cell_ref=cell, member_ref=member, year=2026, month=month)
                text = str(note)
                for mangled in (text, text.replace(" ", ""), text.lower(), f"X.{text}.9"):
                    assert parse_fee_note(mangled) == note, mangled


def test_fee_note_travels_inside_the_payload():
    note = format_fee_note(12, 3456, 2026, 3)
    payload = build_payload(bank_bin="970415", account="123", amount=25000, note=note)
    assert parse_fee_note(parse_payload(payload)["note"]) == FeeNote(12, 3456, 2026, 3)


# --- Images ------------------------------------------------------------------------------


def test_png_is_a_png_with_error_correction_m():
    payload = build_payload(bank_bin="970415", account="123", amount=25000, note="DP C1 M1 T012026")
    assert qrimage.qr_png(payload).startswith(b"\x89PNG\r\n\x1a\n")
    assert qrimage.make_qr(payload).error == "M"


@needs_zbar
@pytest.mark.parametrize(
    ("amount", "note"),
    [(None, None), (50000, "DP C7 M1234 T112026"), (10**13 - 1, "Đảng phí chi bộ 7 - 11/26")],
)
def test_zbarimg_reads_the_png_back_to_the_exact_payload(tmp_path, amount, note):
    payload = build_payload(
        bank_bin="970422", account="AB12345678901234567", amount=amount, note=note
    )
    png = tmp_path / "qr.png"
    png.write_bytes(qrimage.qr_png(payload))
    assert zbar_decode(png) == payload


@needs_zbar
def test_zbarimg_reads_a_small_png_too(tmp_path):
    payload = build_payload(bank_bin="970422", account="1", amount=5000)
    png = tmp_path / "qr.png"
    png.write_bytes(qrimage.qr_png(payload, scale=3))
    assert zbar_decode(png) == payload


def test_svg_is_self_contained():
    payload = build_payload(bank_bin="970415", account="123", amount=25000)
    svg = qrimage.qr_svg(payload, title="VietQR")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == root.get("height") and int(root.get("width")) > 100
    text = svg.decode()
    assert not text.startswith("<?xml")
    for external in ("href", "<image", "url(", "<script", "@import"):
        assert external not in text
    assert root.find("{http://www.w3.org/2000/svg}title").text == "VietQR"
