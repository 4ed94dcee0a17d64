"""`capuyso verify_pdf FILE [--trust ROOT.pem ...]`: a JSON report, exit 0 only when valid."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from capuyso.signing import services
from capuyso.signing.devpki import DevPKI
from capuyso.signing.tests import signed_pdfs as pdfs


@pytest.fixture(scope="module")
def signer(dev_pki):
    return dev_pki.issue("Nguyễn Văn An")


@pytest.fixture(scope="module")
def signed(signer) -> bytes:
    return pdfs.sign(pdfs.document(), signer)


@pytest.fixture
def files(tmp_path):
    """Write bytes to tmp_path: files(name=bytes, ...) -> {name: path string}."""

    def write(**contents: bytes) -> dict[str, str]:
        out = {}
        for name, data in contents.items():
            path = tmp_path / name.replace("_", ".")
            path.write_bytes(data)
            out[name] = str(path)
        return out

    return write


def run(*args) -> tuple[dict, int, str]:
    """(report, exit code, stderr) of the command run in-process."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("verify_pdf", *args, stdout=stdout, stderr=stderr)
    except CommandError as exc:
        code = exc.returncode
        stderr.write(str(exc))
    text = stdout.getvalue()
    return (json.loads(text) if text else {}), code, stderr.getvalue()


def test_a_valid_signature_exits_zero_with_one_entry_per_signature(files, dev_pki, signed):
    paths = files(signed_pdf=signed, root_pem=dev_pki.root.cert_pem())
    report, code, _err = run(paths["signed_pdf"], "--trust", paths["root_pem"])
    assert code == 0
    assert report["verdict"] == "valid"
    assert report["file"] == paths["signed_pdf"] and len(report["sha256"]) == 64
    (entry,) = report["signatures"]
    assert entry["verdict"] == "valid" and entry["signer"]["common_name"] == "Nguyễn Văn An"


def test_the_output_is_utf8_json_not_escaped(files, dev_pki, signed):
    paths = files(signed_pdf=signed, root_pem=dev_pki.root.cert_pem())
    stdout = io.StringIO()
    call_command("verify_pdf", paths["signed_pdf"], "--trust", paths["root_pem"], stdout=stdout)
    assert "Nguyễn Văn An" in stdout.getvalue() and "\\u" not in stdout.getvalue()


def test_der_roots_and_pem_bundles_are_both_accepted(files, dev_pki, signed):
    other = DevPKI("Một CA khác")
    bundle = other.root.cert_pem() + dev_pki.root.cert_pem()
    paths = files(signed_pdf=signed, bundle_pem=bundle, root_der=dev_pki.root.cert_der())
    assert run(paths["signed_pdf"], "--trust", paths["bundle_pem"])[1] == 0
    assert run(paths["signed_pdf"], "--trust", paths["root_der"])[1] == 0


def test_without_the_root_the_verdict_is_untrusted_and_the_exit_code_non_zero(files, signed):
    paths = files(signed_pdf=signed)
    report, code, err = run(paths["signed_pdf"])
    assert report["verdict"] == "untrusted" and code == 1
    assert "untrusted" in err


def test_intermediates_given_with_other_certs_complete_the_chain(files, dev_pki, signer):
    bare = pdfs.sign(pdfs.document(), signer, embed_chain=False)
    paths = files(
        bare_pdf=bare,
        root_pem=dev_pki.root.cert_pem(),
        ca_pem=dev_pki.intermediate.cert_pem(),
    )
    assert run(paths["bare_pdf"], "--trust", paths["root_pem"])[0]["verdict"] == "untrusted"
    report, code, _err = run(
        paths["bare_pdf"], "--trust", paths["root_pem"], "--other-certs", paths["ca_pem"]
    )
    assert report["verdict"] == "valid" and code == 0


def test_an_unsigned_pdf_is_unsigned_and_fails(files):
    paths = files(plain_pdf=pdfs.document())
    report, code, _err = run(paths["plain_pdf"])
    assert report == {
        "verdict": "unsigned",
        "file": paths["plain_pdf"],
        "sha256": report["sha256"],
        "signatures": [],
    }
    assert code == 1


@pytest.mark.parametrize(
    ("data", "verdict", "code"),
    [
        (b"", "unsigned", "empty"),
        (b"%PDF-1.7\nnot really", "invalid_integrity", "corrupt"),
    ],
    ids=["empty", "corrupt"],
)
def test_bad_files_get_a_clear_message(files, data, verdict, code):
    paths = files(bad_pdf=data)
    report, exit_code, _err = run(paths["bad_pdf"])
    assert exit_code == 1
    assert report["verdict"] == verdict and report["error_code"] == code and report["error"]


def test_an_encrypted_pdf_gets_a_clear_message(files, signed):
    paths = files(locked_pdf=pdfs.encrypted(signed))
    report, code, _err = run(paths["locked_pdf"])
    assert code == 1 and report["error_code"] == "encrypted" and report["error"]


def test_a_missing_file_exits_2_with_a_message(tmp_path):
    report, code, err = run(str(tmp_path / "khong-co.pdf"))
    assert code == 2 and report == {}
    assert "not found" in err and "khong-co.pdf" in err


def test_a_trust_file_that_is_not_a_certificate_exits_2(files, signed):
    paths = files(signed_pdf=signed, junk_pem=b"not a certificate")
    _report, code, err = run(paths["signed_pdf"], "--trust", paths["junk_pem"])
    assert code == 2 and "junk.pem" in err


def test_a_revoked_certificate_with_its_crl_is_not_valid(files):
    pki = DevPKI("Cấp ủy số CA lệnh")
    holder = pki.issue("Nguyễn Văn Thu", crl_url="http://crl.invalid/ca.crl")
    data = pdfs.sign(pdfs.document(), holder)
    pki.revoke(holder)
    paths = files(signed_pdf=data, root_pem=pki.root.cert_pem(), ca_crl=pki.crl_der())
    report, code, _err = run(paths["signed_pdf"], "--trust", paths["root_pem"])
    assert code == 0 and report["signatures"][0]["revocation"] == "not_checked"
    report, code, _err = run(
        paths["signed_pdf"], "--trust", paths["root_pem"], "--crl", paths["ca_crl"]
    )
    assert code == 1 and report["verdict"] == "untrusted"
    assert report["signatures"][0]["revocation"] == "revoked"


@pytest.mark.django_db
def test_a_committee_s_uploaded_trust_store_is_used(cast, files, dev_pki, signed):
    paths = files(signed_pdf=signed)
    assert run(paths["signed_pdf"], "--committee", cast.committee.slug)[1] == 1
    services.trust_anchor_add(
        actor=cast.admin, committee=cast.committee, data=dev_pki.root.cert_pem()
    )
    report, code, _err = run(paths["signed_pdf"], "--committee", cast.committee.slug)
    assert code == 0 and report["verdict"] == "valid"
    _report, code, err = run(paths["signed_pdf"], "--committee", "khong-co")
    assert code == 2 and "khong-co" in err


@pytest.mark.one_database
def test_the_real_command_line_exit_codes(files, dev_pki, signed):
    """The console script, as an operator runs it."""
    paths = files(signed_pdf=signed, root_pem=dev_pki.root.cert_pem(), plain_pdf=pdfs.document())
    script = str(Path(sys.executable).parent / "capuyso")

    def cli(*args):
        return subprocess.run(
            [script, "verify_pdf", *args], capture_output=True, text=True, check=False
        )

    ok = cli(paths["signed_pdf"], "--trust", paths["root_pem"])
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["verdict"] == "valid"
    unsigned = cli(paths["plain_pdf"])
    assert unsigned.returncode == 1 and json.loads(unsigned.stdout)["verdict"] == "unsigned"
    missing = cli(paths["signed_pdf"] + ".missing")
    assert missing.returncode == 2 and "not found" in missing.stderr and not missing.stdout
