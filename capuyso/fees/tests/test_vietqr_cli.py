"""`capuyso vietqr`: prints the payload, writes PNG/SVG, refuses bad input with exit code 2."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from capuyso.fees.tests.test_vietqr import needs_zbar, zbar_decode
from capuyso.fees.vietqr import VietQRError, build_payload, parse_payload

ROOT = Path(__file__).resolve().parents[3]


def vietqr(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("vietqr", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_a_static_payload_without_amount():
    out, _err = vietqr("--bin", "970415", "--account", "0011001932418")
    assert out.strip() == build_payload(bank_bin="970415", account="0011001932418")
    assert parse_payload(out.strip())["initiation"] == "11"


def test_prints_a_dynamic_payload_with_amount_and_note():
    out, _err = vietqr(
        "--bin", "970415", "--account", "123", "--amount", "50000", "--note", "DP C7 M1234 T112026"
    )
    info = parse_payload(out.strip())
    assert info["initiation"] == "12"
    assert info["amount"] == 50000 and info["note"] == "DP C7 M1234 T112026"


def test_amount_may_be_grouped_with_dots():
    out, _err = vietqr("--bin", "970415", "--account", "123", "--amount", "1.250.000")
    assert parse_payload(out.strip())["amount"] == 1_250_000


def test_vietnamese_note_is_folded():
    out, _err = vietqr("--bin", "970415", "--account", "123", "--note", "Đảng phí tháng 11")
    assert parse_payload(out.strip())["note"] == "DANG PHI THANG 11"


@needs_zbar
def test_png_is_written_and_reads_back_to_the_payload(tmp_path):
    png = tmp_path / "qr.png"
    out, err = vietqr(
        "--bin", "970422", "--account", "0123456789", "--amount", "25000", "--png", str(png)
    )
    assert png.read_bytes().startswith(b"\x89PNG")
    assert zbar_decode(png) == out.strip()
    assert str(png) in err


def test_svg_is_written(tmp_path):
    svg = tmp_path / "qr.svg"
    png = tmp_path / "qr.png"
    vietqr("--bin", "970422", "--account", "1", "--svg", str(svg), "--png", str(png))
    assert svg.read_bytes().startswith(b"<svg")
    assert png.exists()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--bin", "97042", "--account", "1"], "bin_invalid"),
        (["--bin", "970422", "--account", "12 34"], "account_invalid"),
        (["--bin", "970422", "--account", "1", "--amount", "0"], "amount_invalid"),
        (["--bin", "970422", "--account", "1", "--amount", "-5"], "amount_invalid"),
        (["--bin", "970422", "--account", "1", "--amount", "12.5"], "amount_invalid"),
        (["--bin", "970422", "--account", "1", "--amount", "50,000"], "amount_invalid"),
        (["--bin", "970422", "--account", "1", "--amount", "abc"], "amount_invalid"),
        (["--bin", "970422", "--account", "1", "--amount", "1" * 14], "amount_too_large"),
        (["--bin", "970422", "--account", "1", "--note", "x" * 26], "note_too_long"),
        (["--bin", "970422", "--account", "1", "--note", "phí @ 11"], "note_chars"),
    ],
)
def test_bad_input_is_refused_with_exit_code_2(args, code, tmp_path):
    png = tmp_path / "qr.png"
    with pytest.raises(CommandError) as exc:
        vietqr(*args, "--png", str(png))
    assert exc.value.returncode == 2
    assert isinstance(exc.value.__cause__, VietQRError)
    assert exc.value.__cause__.code == code
    assert str(exc.value) == exc.value.__cause__.message
    assert not png.exists()


def test_an_unwritable_image_path_is_refused(tmp_path):
    target = tmp_path / "missing-folder" / "qr.png"
    with pytest.raises(CommandError) as exc:
        vietqr("--bin", "970422", "--account", "1", "--png", str(target))
    assert exc.value.returncode == 2
    assert isinstance(exc.value.__cause__, OSError)


@pytest.mark.one_database
def test_the_real_command_line(tmp_path):
    """The console script as an operator runs it: payload on stdout, exit 0; bad input exit 2."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAPUYSO_", "DATABASE_URL"))}
    env["CAPUYSO_DATA_DIR"] = str(tmp_path)
    script = str(Path(sys.executable).parent / "capuyso")

    def cli(*args):
        return subprocess.run(
            [script, "vietqr", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    ok = cli("--bin", "970415", "--account", "123", "--amount", "5000")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == build_payload(bank_bin="970415", account="123", amount=5000)
    bad = cli("--bin", "97041", "--account", "123")
    assert bad.returncode == 2 and not bad.stdout and bad.stderr.startswith("CommandError")
